"""Reading versions back: get, history, diff, rollback, delete/restore, rename, tags, pins."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from fnstore.errors import (
    FunctionNotFoundError,
    NameConflictError,
    NothingToDoError,
    RevisionNotFoundError,
)
from fnstore.layout import module_path
from tests.store._helpers import git, snippet

if TYPE_CHECKING:
    from fnstore.store import FunctionStore


@pytest.fixture
def three(store: FunctionStore) -> FunctionStore:
    """A store where blur has versions 1..3 and sharpen has one."""
    store.save(snippet("blur", "return image"))
    store.save(snippet("sharpen"))
    store.save(snippet("blur", "return image * 2"))
    store.save(snippet("blur", "return image * 3"))
    return store


def test_history_is_newest_first_and_one_entry_per_version(three: FunctionStore) -> None:
    history = three.history("blur")
    assert [v.version for v in history] == [3, 2, 1]
    assert [v.source.splitlines()[-1].strip() for v in history] == [
        "return image * 3",
        "return image * 2",
        "return image",
    ]
    # each version's commit is where git sees that content come in
    for version in history:
        blob = git(
            three.path, "rev-parse", f"{version.commit}:{module_path('blur')}/source.py"
        ).strip()
        assert blob == version.content_id
    assert [v.version for v in three.history("sharpen")] == [1]


def test_get_by_every_kind_of_reference(three: FunctionStore) -> None:
    latest = three.get("blur")
    assert latest.version == 3
    assert three.get("blur@2").source.endswith("return image * 2\n")
    first = three.get("blur@1")
    assert three.get(f"blur@{first.content_id[:7]}") == first
    assert three.get(f"blur@{first.commit}").version == 1
    three.tag("v1", first.commit)
    assert three.get("blur@v1").version == 1
    assert three.get("blur", rev="v1").version == 1
    assert three.get("blur@HEAD~1").version == 2


@pytest.mark.parametrize(
    "ref", ["blur@9", "blur@nosuchtag", "blur@ffff1234", "nothing", "nothing@1"]
)
def test_unknown_references(three: FunctionStore, ref: str) -> None:
    with pytest.raises((FunctionNotFoundError, RevisionNotFoundError)):
        three.get(ref)


def test_diff_is_a_unified_diff(three: FunctionStore) -> None:
    text = three.diff("blur@1", "blur@3")
    assert "--- blur@1/source.py" in text and "+++ blur@3/source.py" in text
    assert "-    return image\n" in text and "+    return image * 3\n" in text
    assert three.diff("blur", "blur@3") == ""


def test_rollback_makes_a_new_version_and_keeps_history(three: FunctionStore) -> None:
    before = git(three.path, "rev-list", "HEAD").split()
    result = three.rollback("blur", 1)
    assert result.version == 4
    assert three.get("blur").source == three.get("blur@1").source
    assert three.get("blur").manifest.parent_content_id == three.get("blur@3").content_id
    assert git(three.path, "rev-list", "HEAD").split()[1:] == before  # nothing rewritten
    assert [v.version for v in three.history("blur")] == [4, 3, 2, 1]
    assert not three.rollback("blur", 4).changed


def test_delete_and_restore(three: FunctionStore) -> None:
    deleted = three.delete("blur")
    assert deleted == three.head
    assert [m.module for m in three.functions()] == ["sharpen"]
    with pytest.raises(FunctionNotFoundError):
        three.get("blur")
    with pytest.raises(FunctionNotFoundError):
        three.delete("blur")
    restored = three.restore("blur")
    assert restored.version == 4
    assert three.get("blur").source == three.get("blur@3").source
    with pytest.raises(NothingToDoError):
        three.restore("blur")
    assert [v.version for v in three.history("blur")] == [4, 3, 2, 1]


def test_restore_finds_the_module_after_other_commits(
    three: FunctionStore, tmp_path: object
) -> None:
    three.delete("sharpen")
    three.save(snippet("other"))
    three.save(snippet("blur", "return -image"))
    from fnstore import open_store

    fresh = open_store(three.path)  # another process: no memory of the delete
    assert fresh.restore("sharpen").version == 2


def test_rename_function_and_module(three: FunctionStore) -> None:
    result = three.rename("blur", "gaussian")
    (version,) = result.versions
    assert (version.name, version.module, version.version) == ("gaussian", "gaussian", 4)
    assert "def gaussian(image" in version.source
    assert version.manifest.parent_module == "blur"
    assert [v.version for v in three.history("gaussian")] == [4, 3, 2, 1]
    with pytest.raises(FunctionNotFoundError):
        three.get("blur")
    with pytest.raises(NameConflictError):
        three.rename("gaussian", "sharpen")


def test_name_conflicts_between_modules(three: FunctionStore) -> None:
    with pytest.raises(NameConflictError, match="already exists in module 'blur'"):
        three.save(snippet("blur"), module="elsewhere")
    three.save(snippet("other"), module="filters")
    with pytest.raises(NameConflictError, match="is the name of a function"):
        three.save(snippet("zz"), module="other")


def test_tags(three: FunctionStore) -> None:
    commit = three.tag("paper-2024")
    assert three.tags() == {"paper-2024": commit}
    assert git(three.path, "rev-parse", "paper-2024").strip() == commit
    with pytest.raises(NameConflictError):
        three.tag("paper-2024")


def test_pins(three: FunctionStore) -> None:
    assert three.pin_spec == "main" and three.pinned_commit == three.head
    three.tag("v1", "HEAD~1")
    three.pin("v1")
    assert three.pin_spec == "v1"
    assert three.pinned_commit == git(three.path, "rev-parse", "HEAD~1").strip()
    three.pin(three.head[:10])  # type: ignore[index]
    assert three.pin_spec == three.head
    three.pin("main")
    three.pin_function("blur", "2")
    assert three.pinned_functions == {"blur": three.get("blur@2").content_id}
    three.unpin_function("blur")
    assert three.pinned_functions == {}
    with pytest.raises(NothingToDoError):
        three.unpin_function("blur")
    with pytest.raises(RevisionNotFoundError):
        three.pin("no-such-thing")


def test_functions_and_scan(three: FunctionStore) -> None:
    assert [m.module for m in three.functions()] == ["blur", "sharpen"]
    old = three.scan(rev="HEAD~3")
    assert [(m.module, m.version) for m in old.manifests] == [("blur", 1)]
    assert old.errors == {}


def test_the_local_index_is_derived_data(three: FunctionStore) -> None:
    from fnstore import open_store

    expected = [(v.version, v.commit) for v in three.history("blur")]
    (three.path / "fnstore" / "head-index").unlink(missing_ok=True)
    fresh = open_store(three.path)
    assert [(v.version, v.commit) for v in fresh.history("blur")] == expected
    (three.path / "fnstore" / "head-index").write_text("{not json")
    assert [(v.version, v.commit) for v in open_store(three.path).history("blur")] == expected


def test_commits_name_their_modules_for_plain_git_readers(three: FunctionStore) -> None:
    three.rename("sharpen", "crisp")
    message = git(three.path, "log", "-1", "--format=%B")
    assert message.rstrip().endswith("Fnstore-Modules: crisp, sharpen")


def test_rename_changes_the_uses_of_the_function_too(store: FunctionStore) -> None:
    code = (
        "from fnstore import numpy\n\n"
        "@numpy\ndef blur(image, n: int = 1):\n"
        '    """Call blur again: blur stays in strings."""\n'
        "    return image if n <= 0 else blur(image, n - 1)\n\n"
        "ALIAS = blur\n"
    )
    store.save(code)
    source = store.rename("blur", "smooth").versions[0].source
    assert "def smooth(image" in source and "smooth(image, n - 1)" in source
    assert "ALIAS = smooth" in source and "blur stays in strings" in source


def test_head_index_round_trip_and_unwritable_names() -> None:
    from fnstore.store._index import HeadIndex, ModuleEntry

    index = HeadIndex("main", "a" * 40)
    index.set("blur", ModuleEntry("b" * 40, ("blur",), "c" * 40))
    index.set("filters", ModuleEntry("d" * 40, ("gauss", "median"), None))
    data = index.to_bytes()
    assert data is not None
    back = HeadIndex.from_bytes(data, "main")
    assert back is not None and back.head == index.head
    assert back.entry("filters") == index.modules["filters"]  # one line, nothing else parsed
    assert back.entry("gauss") is None
    assert back.modules == index.modules
    assert HeadIndex.from_bytes(data.replace(b"blur", b"blue"), "main") is None  # checksum
    assert back.module_of("median") == "filters" and back.module_of("blur") == "blur"
    assert HeadIndex.from_bytes(data, "other-branch") is None
    index.set("odd\tname", ModuleEntry("e" * 40, ("x",), None))
    assert index.to_bytes() is None  # kept in memory only


def _digits_only_content_id(name: str) -> str:
    """Code for ``name`` whose content id begins with 12 decimal digits (1 in 280 does)."""
    from fnstore.manifest import content_id

    for n in range(100_000):
        code = snippet(name, f"return image + {n}")
        if content_id(code.encode())[:12].isdigit():
            return code
    raise AssertionError("no such code in 100,000 tries")


def test_a_content_id_prefix_of_digits_only_is_not_read_as_a_version(
    store: FunctionStore,
) -> None:
    # `fnstore pending` shows name@<12 digits of the content id>; when those
    # happen to be decimal digits, accept/get read them as a version number
    # and failed ("has no version 400813712455"), in CI once.
    store.save(snippet("blur"))
    store.save(_digits_only_content_id("blur"))
    cid = store.get("blur").content_id
    assert store.get(f"blur@{cid[:12]}").version == 2
    assert store.get("blur@1").version == 1  # a version number still names a version
    with pytest.raises(RevisionNotFoundError, match="has no version 9"):
        store.get("blur@9")
    with pytest.raises(RevisionNotFoundError, match="nor one whose content id"):
        store.get("blur@99999999")
