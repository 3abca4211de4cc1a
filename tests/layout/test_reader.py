"""The one module reader on its own: states from a folder's entries and a manifest's bytes."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import pytest

from fnstore import layout
from fnstore.manifest import SCHEMA_VERSION

if TYPE_CHECKING:
    from pathlib import Path

SRC = "a" * 40
MAN = "b" * 40
BLOB = 0o100644


def _manifest(**changes: object) -> bytes:
    doc: dict[str, object] = {
        "schema_version": layout.SCHEMA_VERSION,
        "module": "blur",
        "version": 2,
        "content_id": SRC,
        "functions": [{"name": "blur"}, {"name": "blur_more"}],
    }
    doc.update(changes)
    return json.dumps(doc).encode()


def _read(data: bytes | None, **files: tuple[int, str]) -> layout.ModuleReading:
    entries = files or {"source.py": (BLOB, SRC), "manifest.json": (BLOB, MAN)}
    return layout.read_module("blur", entries, lambda oid: data or b"")


def test_the_reader_knows_the_manifest_schema_without_pydantic() -> None:
    assert layout.SCHEMA_VERSION == SCHEMA_VERSION


def test_an_ok_manifest_gives_the_identity() -> None:
    reading = _read(_manifest())
    assert (reading.state, reading.reason) == (layout.OK, None)
    assert reading.names == ("blur", "blur_more")
    assert (reading.version, reading.content_id, reading.source_id) == (2, SRC, SRC)


@pytest.mark.parametrize(
    ("data", "files", "state"),
    [
        (_manifest(content_id="c" * 40), None, layout.DERIVED),
        (_manifest(module="other"), None, layout.DERIVED),
        (None, {"source.py": (BLOB, SRC)}, layout.DERIVED),
        (None, {"manifest.json": (BLOB, MAN)}, layout.NO_CODE),
        (None, {"source.py": (0o120000, SRC), "manifest.json": (BLOB, MAN)}, layout.NOT_A_FILE),
        (None, {"source.py": (BLOB, SRC), "manifest.json": (0o160000, MAN)}, layout.NOT_A_FILE),
        (b"\xff{}", None, layout.BAD_UTF8),
        (b"[" * 40 + b"]" * 40, None, layout.TOO_DEEP),
        (b" " * (1 << 20) + b"{}", None, layout.TOO_BIG),
        (b"{", None, layout.INVALID),
        (b"[]", None, layout.INVALID),
        (_manifest(schema_version=0), None, layout.INVALID),
        (_manifest(version=True), None, layout.INVALID),
        (_manifest(functions=[{"name": 3}]), None, layout.INVALID),
        (_manifest(schema_version=SCHEMA_VERSION + 1), None, layout.NEWER_SCHEMA),
    ],
)
def test_each_shape_has_its_state(
    data: bytes | None, files: dict[str, tuple[int, str]] | None, state: str
) -> None:
    reading = _read(data, **(files or {}))
    assert reading.state == state
    assert reading.readable == (state in (layout.OK, layout.DERIVED))
    if not reading.readable:
        assert reading.reason and layout.module_path("blur") in reading.reason


def test_a_blob_git_cannot_give_is_unreadable() -> None:
    def missing(oid: str) -> bytes:
        raise KeyError(oid)

    files = {"source.py": (BLOB, SRC), "manifest.json": (BLOB, MAN)}
    reading = layout.read_module("blur", files, missing)
    assert reading.state == layout.UNREADABLE
    assert "git fsck" in str(reading.error())


def test_only_a_newer_schema_is_a_schema_version_error() -> None:
    from fnstore.errors import SchemaVersionError

    newer = _read(_manifest(schema_version=99))
    assert isinstance(newer.error(), SchemaVersionError)
    assert isinstance(layout.error_for(str(newer.reason)), SchemaVersionError)
    assert not isinstance(_read(b"{").error(), SchemaVersionError)


def test_raw_tree_entries_are_read_as_git_lists_them(tmp_path: Path) -> None:
    def git(*args: str, data: bytes | None = None) -> bytes:
        run = subprocess.run(["git", *args], cwd=tmp_path, input=data, capture_output=True)
        assert run.returncode == 0, run.stderr
        return run.stdout

    git("init", "-q")
    blob = git("hash-object", "-w", "--stdin", data=b"code\n").decode().strip()
    listing = f"100644 blob {blob}\tsource.py\n120000 blob {blob}\tlink\n"
    tree = git("mktree", data=listing.encode()).decode().strip()
    raw = git("cat-file", "tree", tree)
    assert layout.files_of_tree(raw) == {"source.py": (0o100644, blob), "link": (0o120000, blob)}


def test_the_pin_format_round_trips() -> None:
    doc: dict[str, object] = {"format": 1, "spec": "main", "functions": {"blur": SRC}}
    assert layout.parse_pins(layout.dump_pins(doc)) == doc
    with pytest.raises(ValueError, match="format"):
        layout.parse_pins(b'{"spec": "main", "functions": {}}')
