"""The curated top-level API: ``__all__`` matches what ``fnstore`` can give."""

from __future__ import annotations

import fnstore
import fnstore.errors


def test_all_lists_every_lazy_name_and_error() -> None:
    expected = {*fnstore._LAZY, *fnstore.errors.__all__, "__version__"}
    assert set(fnstore.__all__) == expected


def test_every_public_name_resolves() -> None:
    for name in fnstore.__all__:
        assert getattr(fnstore, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        fnstore.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
