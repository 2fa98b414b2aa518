"""The curated public API: every name in accord.__all__ resolves."""

import accord


def test_every_public_name_resolves():
    for name in accord.__all__:
        assert getattr(accord, name) is not None, name


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        accord.no_such_thing  # noqa: B018


def test_load_agreement_parses_limits_with_the_compliance_rules():
    a = accord.load_agreement("us-2020-freeze")
    freeze = a.limit("all_warheads_freeze")
    assert freeze.spec is not None and freeze.describe().text.startswith("freeze")
    assert set(accord.library_ids()) >= {"newstart", "us-2020-freeze"}
    assert isinstance(a.vocabulary, accord.Vocabulary)


def test_all_lists_exactly_the_lazy_exports():
    assert set(accord.__all__) == set(accord._EXPORTS) | {"__version__"}
