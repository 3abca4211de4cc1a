"""The repository's layout: every folder, file and ref name fnstore gives meaning to.

A store is a plain git repository.  What fnstore reads and writes in it is
spelled out here, once, so that the store, the registry's fast start-up path,
sync, bench and the CLI never disagree about where a module lives:

* ``functions/<shard>/<module>/source.py`` -- a module's code, exactly as saved;
* ``functions/<shard>/<module>/manifest.json`` -- its manifest (see :mod:`fnstore.manifest`);
* ``fnstore.json`` -- the layout's version (absent: layout 1, ``functions/<module>/``);
* ``refs/notes/fnstore-bench`` -- benchmark records, git notes on content ids;
* ``<repo>/fnstore/`` -- local, never pushed: the lock, ``pins.json``, derived indexes.

``<shard>`` is the first two hex digits of the SHA-1 of the module's name
(``printf blur | sha1sum | cut -c1-2``), so 256 folders of even size: a save
rewrites the root tree, ``functions/`` (at most 256 entries), one shard and
one module folder, whatever the size of the store (see ``docs/store.md``).

This module imports nothing but the standard library's lightest parts: the
registry's cached start-up reads it.
"""

from __future__ import annotations

__all__ = [
    "FLAT_LAYOUT",
    "FUNCTIONS",
    "LAYOUT_BLOB_ID",
    "LAYOUT_DOC",
    "LAYOUT_FILE",
    "LAYOUT_TRAILER",
    "LAYOUT_VERSION",
    "MANIFEST",
    "MODULE_FILES",
    "NOTES_REF",
    "PINS_FILE",
    "SCHEMA_VERSION",
    "SOURCE",
    "STATE_DIR",
    "is_shard",
    "layout_of",
    "module_path",
    "newer_layout_error",
    "shard",
]

#: The top-level folder holding one folder per function module.
FUNCTIONS = "functions"
#: A module's code, exactly as saved; its blob id is the version's content id.
SOURCE = "source.py"
#: A module's manifest (pydantic, ``schema_version``'d).
MANIFEST = "manifest.json"
#: The files fnstore keeps in a module's folder (others are left alone).
MODULE_FILES = (MANIFEST, SOURCE)
#: Local state folder inside the bare repository (never pushed).
STATE_DIR = "fnstore"
#: The pin file in :data:`STATE_DIR` (format: :mod:`fnstore.layout._pins`).
PINS_FILE = "pins.json"
#: The notes ref holding benchmark records, keyed by content id.
NOTES_REF = "refs/notes/fnstore-bench"

#: The manifest schema this reader understands.  Must equal
#: ``fnstore.manifest.SCHEMA_VERSION`` (a test checks); not imported from
#: there because that imports pydantic, which the fast start-up avoids.
SCHEMA_VERSION = 2


#: The layout this fnstore writes (and the newest it reads).
LAYOUT_VERSION = 2
#: The layout of a tree without :data:`LAYOUT_FILE`: ``functions/<module>/``.
FLAT_LAYOUT = 1
#: The file at the root of every tree fnstore writes, saying its layout.
LAYOUT_FILE = "fnstore.json"
#: Its exact bytes in layout 2 (fixed, so its blob id names the layout).
LAYOUT_DOC = (
    b'{\n  "layout": 2,\n'
    b'  "modules": "functions/<first 2 hex digits of sha1(module name)>/<module>/"\n}\n'
)
#: ``git hash-object`` of :data:`LAYOUT_DOC` (a test checks): the pygit2-free
#: reader knows the layout from the id ``git ls-tree`` gives, without reading it.
LAYOUT_BLOB_ID = "0b639d52a9321edc18219ffdfe1d606b3c9e3b50"
#: Trailer of the commit that moves a store to a new layout (no module changes).
LAYOUT_TRAILER = "Fnstore-Layout: "

_HEX = frozenset("0123456789abcdef")


def shard(module: str) -> str:
    """Return the folder of ``functions/`` that holds ``module`` in layout 2."""
    return sha1_hex(module.encode("utf-8", "surrogateescape"))[:2]


def sha1_hex(data: bytes) -> str:
    """Return the SHA-1 of ``data`` in hex, without loading OpenSSL where it can.

    ``hashlib`` loads OpenSSL (2-3 ms); CPython's own SHA-1, ``_sha1``, loads
    in 0.2 ms.  A registry's start at a new pin names a shard for each module,
    and its whole budget is a few times that.
    """
    try:
        from _sha1 import sha1  # type: ignore[import-not-found]  # (no stub)
    except ImportError:  # an interpreter built without its own hashes
        from hashlib import sha1
    return str(sha1(data).hexdigest())


def is_shard(name: str) -> bool:
    """Whether a folder name under ``functions/`` can be a shard (two hex digits)."""
    return len(name) == 2 and not (set(name) - _HEX)


def module_path(module: str, layout: int = LAYOUT_VERSION) -> str:
    """Return the folder of ``module`` in a tree of ``layout``, e.g. ``functions/3a/blur``."""
    if layout == FLAT_LAYOUT:
        return f"{FUNCTIONS}/{module}"
    return f"{FUNCTIONS}/{shard(module)}/{module}"


def layout_of(data: bytes | None) -> int:
    """Return the layout a tree's :data:`LAYOUT_FILE` names (None: the file is absent).

    Raises
    ------
    ValueError
        The file is not a JSON object with a positive integer ``layout``.
    """
    if data is None:
        return FLAT_LAYOUT
    if data == LAYOUT_DOC:
        return LAYOUT_VERSION
    import json

    doc = json.loads(data)
    layout = doc.get("layout") if isinstance(doc, dict) else None
    if not isinstance(layout, int) or isinstance(layout, bool) or layout < 1:
        raise ValueError(f"{LAYOUT_FILE} does not name a layout (a positive integer 'layout')")
    return layout


def newer_layout_error(layout: int) -> str:
    """Return the words that refuse a repository of a layout newer than this fnstore's."""
    return (
        f"this repository uses fnstore's layout {layout} ({LAYOUT_FILE}), newer than the "
        f"layout {LAYOUT_VERSION} this fnstore reads and writes: upgrade fnstore "
        "(pip install -U fnstore)"
    )
