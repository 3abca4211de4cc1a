"""The repository's layout and the one reader of a module's state (pygit2-free).

Below the git plumbing and above :mod:`fnstore.manifest` (see
``docs/store.md``): names of folders, files and refs (:mod:`._names`), the
pin file format (:mod:`._pins`), and :func:`read_module`, which says for a
module folder at a commit what its manifest, code, identity and state are
(:mod:`._reader`).  Importing it imports neither pygit2 nor pydantic.
"""

from __future__ import annotations

from fnstore.layout._names import (
    FLAT_LAYOUT,
    FUNCTIONS,
    LAYOUT_BLOB_ID,
    LAYOUT_DOC,
    LAYOUT_FILE,
    LAYOUT_TRAILER,
    LAYOUT_VERSION,
    MANIFEST,
    MODULE_FILES,
    NOTES_REF,
    PINS_FILE,
    SCHEMA_VERSION,
    SOURCE,
    STATE_DIR,
    is_shard,
    layout_of,
    module_path,
    newer_layout_error,
    shard,
)
from fnstore.layout._pins import PINS_FORMAT, dump_pins, parse_pins
from fnstore.layout._reader import (
    BAD_UTF8,
    DERIVED,
    INVALID,
    MAX_DEPTH,
    MAX_MANIFEST_BYTES,
    NEWER_SCHEMA,
    NO_CODE,
    NOT_A_FILE,
    OK,
    TOO_BIG,
    TOO_DEEP,
    UNREADABLE,
    ModuleReading,
    check_files,
    check_manifest,
    error_for,
    files_of_tree,
    parse_manifest,
    read_module,
)

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
