"""Bad input gets a specific FnStoreError saying what to do, and the store is unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fnstore import open_store
from fnstore.errors import (
    CodeTooLargeError,
    FnStoreError,
    InvalidCodeError,
    InvalidNameError,
    NameConflictError,
    SchemaVersionError,
)
from fnstore.layout import module_path
from fnstore.manifest import SCHEMA_VERSION
from fnstore.store import MAX_CODE_BYTES
from tests.store._helpers import git, snippet, state

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore


@pytest.fixture
def used(store: FunctionStore) -> FunctionStore:
    store.save(snippet("blur"))
    store.save(snippet("sharpen"), module="filters")
    return store


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda s: s.save("def f(:\n    pass\n"), InvalidCodeError, "syntax error at line 1"),
        (lambda s: s.save("x = 1\n"), InvalidCodeError, "no decorated function"),
        (lambda s: s.save(""), InvalidCodeError, "no decorated function"),
        (lambda s: s.save(b"bytes"), InvalidCodeError, "must be a str"),
        (lambda s: s.save("x = '\ud800'\n"), InvalidCodeError, "not valid text"),
        (lambda s: s.save(snippet("sharpen")), NameConflictError, "module 'filters'"),
        (lambda s: s.save(snippet("new"), module="blur") and None, None, None),
        (lambda s: s.save(snippet("x"), module="../x"), InvalidNameError, "identifier"),
        (lambda s: s.save(snippet("x"), module="a/b"), InvalidNameError, "identifier"),
        (lambda s: s.save(snippet("x"), module=""), InvalidNameError, "empty"),
        (lambda s: s.save(snippet("x"), module="class"), InvalidNameError, "keyword"),
        (lambda s: s.save(snippet("x"), module="x.lock"), InvalidNameError, "identifier"),
        (lambda s: s.save(snippet("x"), module="9lives"), InvalidNameError, "identifier"),
        (
            lambda s: s.save(snippet("x", extra="# " + "z" * (10 * 1024 * 1024))),
            CodeTooLargeError,
            "split it",
        ),
        (lambda s: s.rename("blur", "../evil"), InvalidNameError, "identifier"),
        (lambda s: s.rename("blur", "sharpen"), NameConflictError, "already exists"),
        (lambda s: s.tag("../x"), InvalidNameError, "tag"),
        (lambda s: s.tag("v1.lock"), InvalidNameError, "tag"),
        (lambda s: s.rollback("blur", 7), Exception, "no version 7"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    used: FunctionStore, call: Any, error: type[Exception] | None, words: str | None
) -> None:
    if error is None:  # a module may hold new functions: that is fine, not refused
        call(used)
        return
    before = state(used)
    with pytest.raises(error, match=words) as caught:
        call(used)
    assert isinstance(caught.value, FnStoreError)
    assert state(used) == before


def test_code_size_limit_is_exact(store: FunctionStore) -> None:
    code = snippet("big")
    padded = code + "#" * (MAX_CODE_BYTES - len(code.encode()) - 1) + "\n"
    assert store.save(padded).changed
    with pytest.raises(CodeTooLargeError):
        store.save(padded + "#")


def test_a_newer_manifest_is_never_overwritten(used: FunctionStore, tmp_path: Path) -> None:
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(used.path), str(work))
    manifest = work / module_path("blur") / "manifest.json"
    manifest.write_text(
        manifest.read_text().replace(f'"schema_version": {SCHEMA_VERSION}', '"schema_version": 7')
    )
    git(work, "commit", "-qam", "from the future")
    git(work, "push", "-q", "origin", "main")
    before = state(used)
    with pytest.raises(SchemaVersionError, match="upgrade fnstore"):
        used.save(snippet("blur", "return -image"))
    assert state(used) == before


_TEMPLATE = snippet("prop")


@st.composite
def code_strings(draw: st.DrawFn) -> str:
    """Arbitrary text, or a valid module with arbitrary text spliced in somewhere."""
    noise = draw(st.text(max_size=40))
    if draw(st.booleans()):
        return noise
    cut = draw(st.integers(0, len(_TEMPLATE)))
    return _TEMPLATE[:cut] + noise + _TEMPLATE[cut:]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(code=code_strings(), module=st.one_of(st.none(), st.text(max_size=12)))
def test_nothing_but_fnstore_errors_escape(tmp_path: Path, code: str, module: str | None) -> None:
    store = open_store(tmp_path / "prop.git")
    before = state(store)
    try:
        store.save(code, module=module)
    except FnStoreError:
        assert state(store) == before
