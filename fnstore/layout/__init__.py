"""The repository's layout: every name fnstore gives meaning to, and the one reader of a module.

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

Below the git plumbing and above :mod:`fnstore.manifest`: the names are
defined in this file, which imports nothing but the standard library's
lightest parts (the registry's cached start-up reads it, and each module
file costs that start-up a tenth of a millisecond); the pin file format
(:mod:`._pins`) and :func:`read_module`, which says for a module folder at a
commit what its manifest, code, identity and state are (:mod:`._reader`),
are loaded on first use (:mod:`fnstore._lazy`).  Importing it imports
neither pygit2 nor pydantic.
"""

from typing import TYPE_CHECKING, Any

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


# public name -> module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    "BAD_UTF8": "fnstore.layout._reader",
    "DERIVED": "fnstore.layout._reader",
    "INVALID": "fnstore.layout._reader",
    "MAX_DEPTH": "fnstore.layout._reader",
    "MAX_MANIFEST_BYTES": "fnstore.layout._reader",
    "ModuleReading": "fnstore.layout._reader",
    "NEWER_SCHEMA": "fnstore.layout._reader",
    "NOT_A_FILE": "fnstore.layout._reader",
    "NO_CODE": "fnstore.layout._reader",
    "OK": "fnstore.layout._reader",
    "PINS_FORMAT": "fnstore.layout._pins",
    "TOO_BIG": "fnstore.layout._reader",
    "TOO_DEEP": "fnstore.layout._reader",
    "UNREADABLE": "fnstore.layout._reader",
    "check_files": "fnstore.layout._reader",
    "check_manifest": "fnstore.layout._reader",
    "dump_pins": "fnstore.layout._pins",
    "error_for": "fnstore.layout._reader",
    "files_of_tree": "fnstore.layout._reader",
    "parse_manifest": "fnstore.layout._reader",
    "parse_pins": "fnstore.layout._pins",
    "read_module": "fnstore.layout._reader",
}

__all__ = [
    "BAD_UTF8",
    "DERIVED",
    "FLAT_LAYOUT",
    "FUNCTIONS",
    "INVALID",
    "LAYOUT_BLOB_ID",
    "LAYOUT_DOC",
    "LAYOUT_FILE",
    "LAYOUT_TRAILER",
    "LAYOUT_VERSION",
    "MANIFEST",
    "MAX_DEPTH",
    "MAX_MANIFEST_BYTES",
    "MODULE_FILES",
    "NEWER_SCHEMA",
    "NOTES_REF",
    "NOT_A_FILE",
    "NO_CODE",
    "OK",
    "PINS_FILE",
    "PINS_FORMAT",
    "SCHEMA_VERSION",
    "SOURCE",
    "STATE_DIR",
    "TOO_BIG",
    "TOO_DEEP",
    "UNREADABLE",
    "ModuleReading",
    "check_files",
    "check_manifest",
    "dump_pins",
    "error_for",
    "files_of_tree",
    "is_shard",
    "layout_of",
    "module_path",
    "newer_layout_error",
    "parse_manifest",
    "parse_pins",
    "read_module",
    "shard",
]


def __getattr__(name: str) -> Any:
    # PEP 562, with fnstore._lazy imported on first use only (it says why).
    from fnstore._lazy import load

    return load(__name__, _LAZY, name)


def __dir__() -> list[str]:
    from fnstore._lazy import listing

    return listing(__name__, _LAZY)


if TYPE_CHECKING:  # let type checkers see the lazy names (redundant aliases re-export them)
    from fnstore.layout._pins import PINS_FORMAT as PINS_FORMAT
    from fnstore.layout._pins import dump_pins as dump_pins
    from fnstore.layout._pins import parse_pins as parse_pins
    from fnstore.layout._reader import BAD_UTF8 as BAD_UTF8
    from fnstore.layout._reader import DERIVED as DERIVED
    from fnstore.layout._reader import INVALID as INVALID
    from fnstore.layout._reader import MAX_DEPTH as MAX_DEPTH
    from fnstore.layout._reader import MAX_MANIFEST_BYTES as MAX_MANIFEST_BYTES
    from fnstore.layout._reader import NEWER_SCHEMA as NEWER_SCHEMA
    from fnstore.layout._reader import NO_CODE as NO_CODE
    from fnstore.layout._reader import NOT_A_FILE as NOT_A_FILE
    from fnstore.layout._reader import OK as OK
    from fnstore.layout._reader import TOO_BIG as TOO_BIG
    from fnstore.layout._reader import TOO_DEEP as TOO_DEEP
    from fnstore.layout._reader import UNREADABLE as UNREADABLE
    from fnstore.layout._reader import ModuleReading as ModuleReading
    from fnstore.layout._reader import check_files as check_files
    from fnstore.layout._reader import check_manifest as check_manifest
    from fnstore.layout._reader import error_for as error_for
    from fnstore.layout._reader import files_of_tree as files_of_tree
    from fnstore.layout._reader import parse_manifest as parse_manifest
    from fnstore.layout._reader import read_module as read_module
