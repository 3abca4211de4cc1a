"""The fan-out layout (``functions/<shard>/<module>/``), its version, and moving old stores to it.

An older fnstore wrote ``functions/<module>/`` (layout 1, no ``fnstore.json``).
Such a store is read as it is, and moves to layout 2 in one commit on its
first write, keeping every version, its history, content ids, per-function
pins, tags and benchmark notes.  A layout newer than this fnstore's is
refused for writing, with the advice to upgrade.  An older fnstore is played
by a store object whose ``_write_layout`` is 1: it writes exactly the trees
the old writer did.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import pytest

from fnstore import open_store
from fnstore.errors import StoreError
from fnstore.layout import LAYOUT_BLOB_ID, LAYOUT_DOC, LAYOUT_FILE, shard
from fnstore.registry import Registry
from tests.store._helpers import git, snippet, state

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

WHO = "Old Timer <old@lab.org>"


def old_store(path: Path) -> FunctionStore:
    """A store written by an older fnstore (layout 1): blur x3, sharpen, a tag, a pin, a note."""
    store = open_store(path)
    store._write_layout = 1
    store.save(snippet("blur"), author=WHO)
    store.save(snippet("sharpen"), author=WHO)
    store.save(snippet("blur", "return image * 2"), author=WHO)
    store.tag("paper")
    store.save(snippet("blur", "return image * 3"), author=WHO)
    store.pin_function("sharpen", "1")
    cid = store.get("blur@2").content_id
    git(path, "notes", "--ref", "fnstore-bench", "add", "-m", '[{"id": "r1"}]', cid)
    return store


def listing(path: Path, rev: str = "HEAD") -> list[str]:
    return git(path, "ls-tree", "-r", "--name-only", rev).split()


def test_the_layout_file_is_what_it_says() -> None:
    blob = b"blob %d\0" % len(LAYOUT_DOC) + LAYOUT_DOC
    assert hashlib.sha1(blob, usedforsecurity=False).hexdigest() == LAYOUT_BLOB_ID
    assert json.loads(LAYOUT_DOC)["layout"] == 2


def test_a_new_store_is_sharded_by_a_hash_of_the_name(store: FunctionStore) -> None:
    store.save(snippet("blur"))
    # what a plain-git user types to find a folder: printf blur | sha1sum | cut -c1-2
    folder = hashlib.sha1(b"blur", usedforsecurity=False).hexdigest()[:2]
    assert shard("blur") == folder
    assert listing(store.path) == [
        LAYOUT_FILE,
        f"functions/{folder}/blur/manifest.json",
        f"functions/{folder}/blur/source.py",
    ]
    git(store.path, "fsck", "--strict")


def test_an_old_store_is_read_as_it_is_and_moves_on_its_first_write(tmp_path: Path) -> None:
    path = tmp_path / "old.git"
    old = old_store(path)
    before_history = [(v.version, v.content_id, v.commit) for v in old.history("blur")]
    before_trees = {
        m: git(path, "rev-parse", f"HEAD:functions/{m}").strip() for m in ("blur", "sharpen")
    }
    notes = git(path, "rev-parse", "refs/notes/fnstore-bench").strip()
    old_head = old.head

    store = open_store(path)  # this fnstore: reading changes nothing
    assert [(v.version, v.content_id, v.commit) for v in store.history("blur")] == before_history
    assert sorted(Registry.load(path).names()) == ["blur", "sharpen"]
    assert LAYOUT_FILE not in listing(path) and store.head == old_head

    store.save(snippet("edge"), author=WHO)
    log = git(path, "log", "--format=%s", f"{old_head}..HEAD").splitlines()
    assert log == ["save edge version 1", "Move to fnstore layout 2: functions/<shard>/<module>/"]
    moved = git(path, "rev-parse", "HEAD~1").strip()
    assert git(path, "diff-tree", "--no-commit-id", "-r", "--name-only", old_head, moved).split()
    for module, tree in before_trees.items():  # the same folders, moved
        assert git(path, "rev-parse", f"HEAD:functions/{shard(module)}/{module}").strip() == tree
    assert LAYOUT_FILE in listing(path)
    assert not any(p.count("/") == 2 for p in listing(path) if p.startswith("functions/"))

    again = open_store(path)  # a fresh process: index rebuilt over the move
    for reader in (store, again):
        assert [(v.version, v.content_id, v.commit) for v in reader.history("blur")] == (
            before_history
        )
        assert reader.get("blur@paper").version == 2
        assert reader.pinned_functions == {"sharpen": store.get("sharpen").content_id}
        assert reader.get("sharpen").commit == old.get("sharpen").commit
    assert git(path, "rev-parse", "refs/notes/fnstore-bench").strip() == notes
    blur2 = store.get("blur@2").content_id  # its benchmark note, still on its content id
    assert "r1" in git(path, "notes", "--ref", "fnstore-bench", "show", blur2)
    registry = Registry.load(path)
    assert registry.names() == ["blur", "edge", "sharpen"] and not registry.errors
    assert registry.get("blur@2")(1) == 2
    git(path, "fsck", "--strict")


def test_a_store_moves_once(tmp_path: Path) -> None:
    path = tmp_path / "old.git"
    old_store(path)
    store = open_store(path)
    store.save(snippet("edge"), author=WHO)
    store.save(snippet("edge", "return image + 1"), author=WHO)
    log = git(path, "log", "--format=%s").splitlines()
    assert sum(line.startswith("Move to fnstore layout") for line in log) == 1


def test_a_newer_layout_is_refused_for_writing(store: FunctionStore, tmp_path: Path) -> None:
    store.save(snippet("blur"))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(store.path), str(work))
    (work / LAYOUT_FILE).write_text('{"layout": 3}\n')
    git(work, "commit", "-qam", "a newer fnstore was here")
    git(work, "push", "-q", "origin", "main")
    before = state(store)
    with pytest.raises(StoreError, match="upgrade fnstore"):
        store.save(snippet("sharpen"))
    with pytest.raises(StoreError, match=r"layout 3 .*upgrade fnstore"):
        store.get("blur")
    assert state(store) == before


def test_a_damaged_layout_file_says_how_to_fix_it(store: FunctionStore, tmp_path: Path) -> None:
    store.save(snippet("blur"))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(store.path), str(work))
    (work / LAYOUT_FILE).write_text("not json")
    git(work, "commit", "-qam", "oops")
    git(work, "push", "-q", "origin", "main")
    with pytest.raises(StoreError, match=f"restore it with git .* {LAYOUT_FILE}"):
        store.save(snippet("sharpen"))


def test_a_folder_in_the_wrong_shard_is_no_module_for_any_reader(
    store: FunctionStore, tmp_path: Path
) -> None:
    store.save(snippet("blur"))
    store.save(snippet("sharpen"))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(store.path), str(work))
    wrong = "00" if shard("blur") != "00" else "01"
    (work / "functions" / wrong).mkdir()
    git(work, "mv", f"functions/{shard('blur')}/blur", f"functions/{wrong}/blur")
    git(work, "commit", "-qm", "moved by hand")
    git(work, "push", "-q", "origin", "main")
    assert [m.module for m in store.functions()] == ["sharpen"]
    assert Registry.load(store.path).names() == ["sharpen"]
