"""The curated public API: every name in accord.__all__ resolves."""

import accord


def test_every_public_name_resolves():
    for name in accord.__all__:
        assert getattr(accord, name) is not None, name


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        accord.no_such_thing  # noqa: B018
