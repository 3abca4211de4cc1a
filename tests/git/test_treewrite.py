"""The functions/ tree writer gives exactly the trees git would write."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygit2.enums import FileMode

from fnstore.git._treewrite import SortedTree

NAMES = st.text(alphabet="ab-._0/", min_size=1, max_size=4).filter(
    lambda n: "/" not in n and n not in (".", "..")
)


@settings(max_examples=60, deadline=None)
@given(
    trees=st.sets(NAMES, max_size=12),
    blobs=st.sets(NAMES, max_size=4),
    edits=st.lists(st.tuples(NAMES, st.booleans()), max_size=6),
)
def test_same_tree_ids_as_libgit2(
    tmp_path_factory: pytest.TempPathFactory,
    trees: set[str],
    blobs: set[str],
    edits: list[tuple[str, bool]],
) -> None:
    where = tmp_path_factory.mktemp("tw")
    repo = pygit2.init_repository(str(where / "r.git"), bare=True)
    blob = repo.create_blob(b"x")
    empty = repo.TreeBuilder()
    empty.insert("f", blob, FileMode.BLOB)
    sub = empty.write()
    start = repo.TreeBuilder()
    for name in trees:
        start.insert(name, sub, FileMode.TREE)
    for name in blobs - trees:
        start.insert(name, blob, FileMode.BLOB)
    base = start.write()

    other = repo.TreeBuilder()
    other.insert("g", blob, FileMode.BLOB)
    subs = [sub, other.write()]

    ours = SortedTree.read(repo, str(base))
    theirs = repo.TreeBuilder(repo[base])
    # edits in rounds with a write between them: later writes patch the kept bytes
    for round_ in range(3):
        for i, (name, keep) in enumerate(edits):
            if keep:
                target = subs[(i + round_) % 2]
                ours.set_tree(name, str(target))
                theirs.insert(name, target, FileMode.TREE)
            elif round_ == 1:
                ours.set_tree(name, None)
                if theirs.get(name) is not None:
                    theirs.remove(name)
        expected = str(theirs.write())
        assert ours.write(Path(repo.path) / "objects") == expected
        assert len(ours) == len(theirs)


def test_written_objects_are_read_by_git(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    tree = SortedTree()
    tree.set_tree("blur", str(repo.TreeBuilder().write()))
    oid = tree.write(Path(repo.path) / "objects")
    out = subprocess.run(
        ["git", "cat-file", "-p", oid], cwd=repo.path, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["040000", "tree", str(repo.TreeBuilder().write()), "blur"]
    assert tree.write(Path(repo.path) / "objects") == oid  # already there: nothing rewritten
