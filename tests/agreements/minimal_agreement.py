"""A minimal valid agreement and the helpers the load-error tests share: write a variant of it,
and the InputError loading that variant raises."""

from __future__ import annotations

import textwrap

import pytest

from accord.app.library import load_agreement
from accord.errors import InputError

GOOD = """\
id: mini
title: A minimal agreement
parties: [US, RU]
legal_form: treaty
sources:
  doc: {document: A document, url: https://example.org/doc}
source: doc
dates:
  entry_into_force: {date: 2020-01-01, source: doc}
  expires: {date: 2030-01-01, source: doc}
categories:
  - {id: things, title: Things, source: doc}
limits:
  - {id: cap_things, title: Things, categories: [things], cap: 10, source: doc}
regime:
  verification: none
"""


def write(tmp_path, text, name="a.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def error_of(path) -> InputError:
    with pytest.raises(InputError) as info:
        load_agreement(str(path))
    return info.value
