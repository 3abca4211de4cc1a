"""Large stores for the scale benchmark, built quickly, in the layout main writes.

Thousands of saves through ``store.save`` take minutes; the listing and
start-up figures need only the store's contents.  So :func:`build` writes one
genuine manifest with pydantic and makes every other one from it by replacing
the module's name and content id; ``git fast-import`` writes every module's
folder (``source.py`` and ``manifest.json``) straight into one pack, under a
scratch ref; the store's own writer then commits those module folders at
once (``_commit_change``), so that whatever layout the store uses (a flat
``functions/``, or a fan-out) is the one written; the scratch ref is
dropped.  The same functions are written as loose ``.py`` files for the
exec-all baseline.  Single saves are measured through ``store.save``
elsewhere (the burst in ``test_scale_bench.py``).
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from fnstore import open_store
from fnstore.manifest import Author, Manifest, content_id, introspect

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

AUTHOR = ("Bench Mark", "bench@example.org")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def code(name: str, value: int) -> str:
    """One small decorated function, as a scientist's custom file holds."""
    return (
        f'"""Custom function {name}."""\n\n'
        "from fnstore import numpy\n\n\n"
        "@numpy\n"
        f"def {name}(image, scale: float = 1.0, offset: float = {value}.0):\n"
        f'    """Scale and shift a stack ({name})."""\n'
        "    return image * scale + offset\n"
    )


def name_of(i: int) -> str:
    """The i-th function's name (also its module's and file's)."""
    return f"f_{i:05d}"


def _template() -> tuple[str, str, str]:
    """(manifest JSON, its module name, its content id) of function 0."""
    text = code(name_of(0), 0)
    found = introspect(text)
    cid = content_id(text.encode())
    manifest = Manifest(
        module=name_of(0),
        version=1,
        content_id=cid,
        author=Author(name=AUTHOR[0], email=AUTHOR[1]),
        created=WHEN,
        message="bulk",
        functions=found.functions,
        imports=found.imports,
    )
    return manifest.to_json(), name_of(0), cid


_SCRATCH = "refs/fnstore-bench/scratch"


def build(store_path: Path, files: Path | None, count: int, *, layout: int = 2) -> FunctionStore:
    """A store of ``count`` one-function modules in one commit (and the same as files).

    ``layout`` 1 writes the flat ``functions/<module>/`` of older fnstores (a baseline).
    """
    store = open_store(store_path)
    store._write_layout = layout
    manifest, name0, cid0 = _template()
    if files is not None:
        files.mkdir(parents=True)
    stream = [f"commit {_SCRATCH}\ncommitter b <b@b> 0 +0000\ndata 0\n".encode()]
    for i in range(count):
        name = name_of(i)
        text = code(name, 0)  # the value 0 keeps the manifest's default the template's
        source = text.encode()
        data = manifest.replace(cid0, content_id(source)).replace(name0, name).encode()
        for file, blob in (("source.py", source), ("manifest.json", data)):
            stream.append(
                b"M 100644 inline m/%s/%s\ndata %d\n%s\n"
                % (name.encode(), file.encode(), len(blob), blob)
            )
        if files is not None:
            (files / f"{name}.py").write_text(text, encoding="utf-8")
    git = ["git", "--git-dir", str(store.path)]
    subprocess.run([*git, "fast-import", "--quiet"], input=b"".join(stream), check=True)
    listing = subprocess.run(
        [*git, "ls-tree", "-z", _SCRATCH, "m/"], capture_output=True, check=True
    ).stdout
    trees: dict[str, str | None] = {}
    for entry in listing.split(b"\0"):
        if entry:
            meta, _, path = entry.partition(b"\t")
            trees[path.decode().removeprefix("m/")] = meta.split()[2].decode()
    assert len(trees) == count
    with store._locked():
        store._commit_change(
            trees, message="bulk", author=AUTHOR, when=WHEN, expected_head=store.head
        )
    subprocess.run([*git, "update-ref", "-d", _SCRATCH], check=True)
    return store


def pack(store: FunctionStore) -> None:
    """Pack everything, as a store cloned from a lab repository is."""
    from fnstore.git._housekeeping import wait_for_gc

    wait_for_gc(store.path)
    subprocess.run(["git", "--git-dir", str(store.path), "gc", "-q"], check=True)
