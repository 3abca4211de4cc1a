"""Reading a raw tree object gives the same file ids as libgit2."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygit2
from pygit2.enums import FileMode

from fnstore.git._rawtree import blob_ids

if TYPE_CHECKING:
    from pathlib import Path


def test_blob_ids_lists_files_not_folders(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    source, manifest = repo.create_blob(b"x = 1\n"), repo.create_blob(b"{}")
    inner = repo.TreeBuilder()
    inner.insert("a", source, FileMode.BLOB)
    builder = repo.TreeBuilder()
    builder.insert("source.py", source, FileMode.BLOB)
    builder.insert("manifest.json", manifest, FileMode.BLOB)
    builder.insert("run.sh", source, FileMode.BLOB_EXECUTABLE)
    builder.insert("sub", inner.write(), FileMode.TREE)
    tree = builder.write()
    assert blob_ids(repo.odb.read(tree)[1]) == {
        b"source.py": str(source),
        b"manifest.json": str(manifest),
        b"run.sh": str(source),
    }
