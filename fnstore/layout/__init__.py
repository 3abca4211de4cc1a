"""The repository's layout and the one reader of a module's state (pygit2-free).

Below the git plumbing and above :mod:`fnstore.manifest` (see
``docs/store.md``): names of folders, files and refs (:mod:`._names`), the
pin file format (:mod:`._pins`), and :func:`read_module`, which says for a
module folder at a commit what its manifest, code, identity and state are
(:mod:`._reader`).  Importing it imports neither pygit2 nor pydantic.

The names are loaded on first use (:mod:`fnstore._lazy`): the registry's
second start reads the pin and a cache file, and needs only the names and
the pins format, not the module reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore._lazy import lazy_exports

# public name -> module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    "BAD_UTF8": "fnstore.layout._reader",
    "DERIVED": "fnstore.layout._reader",
    "FLAT_LAYOUT": "fnstore.layout._names",
    "FUNCTIONS": "fnstore.layout._names",
    "INVALID": "fnstore.layout._reader",
    "LAYOUT_BLOB_ID": "fnstore.layout._names",
    "LAYOUT_DOC": "fnstore.layout._names",
    "LAYOUT_FILE": "fnstore.layout._names",
    "LAYOUT_TRAILER": "fnstore.layout._names",
    "LAYOUT_VERSION": "fnstore.layout._names",
    "MANIFEST": "fnstore.layout._names",
    "MAX_DEPTH": "fnstore.layout._reader",
    "MAX_MANIFEST_BYTES": "fnstore.layout._reader",
    "MODULE_FILES": "fnstore.layout._names",
    "ModuleReading": "fnstore.layout._reader",
    "NEWER_SCHEMA": "fnstore.layout._reader",
    "NOTES_REF": "fnstore.layout._names",
    "NOT_A_FILE": "fnstore.layout._reader",
    "NO_CODE": "fnstore.layout._reader",
    "OK": "fnstore.layout._reader",
    "PINS_FILE": "fnstore.layout._names",
    "PINS_FORMAT": "fnstore.layout._pins",
    "SCHEMA_VERSION": "fnstore.layout._names",
    "SOURCE": "fnstore.layout._names",
    "STATE_DIR": "fnstore.layout._names",
    "TOO_BIG": "fnstore.layout._reader",
    "TOO_DEEP": "fnstore.layout._reader",
    "UNREADABLE": "fnstore.layout._reader",
    "check_files": "fnstore.layout._reader",
    "check_manifest": "fnstore.layout._reader",
    "dump_pins": "fnstore.layout._pins",
    "error_for": "fnstore.layout._reader",
    "files_of_tree": "fnstore.layout._reader",
    "is_shard": "fnstore.layout._names",
    "layout_of": "fnstore.layout._names",
    "module_path": "fnstore.layout._names",
    "newer_layout_error": "fnstore.layout._names",
    "parse_manifest": "fnstore.layout._reader",
    "parse_pins": "fnstore.layout._pins",
    "read_module": "fnstore.layout._reader",
    "sha1_hex": "fnstore.layout._names",
    "shard": "fnstore.layout._names",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # let type checkers see the lazy names (redundant aliases re-export them)
    from fnstore.layout._names import FLAT_LAYOUT as FLAT_LAYOUT
    from fnstore.layout._names import FUNCTIONS as FUNCTIONS
    from fnstore.layout._names import LAYOUT_BLOB_ID as LAYOUT_BLOB_ID
    from fnstore.layout._names import LAYOUT_DOC as LAYOUT_DOC
    from fnstore.layout._names import LAYOUT_FILE as LAYOUT_FILE
    from fnstore.layout._names import LAYOUT_TRAILER as LAYOUT_TRAILER
    from fnstore.layout._names import LAYOUT_VERSION as LAYOUT_VERSION
    from fnstore.layout._names import MANIFEST as MANIFEST
    from fnstore.layout._names import MODULE_FILES as MODULE_FILES
    from fnstore.layout._names import NOTES_REF as NOTES_REF
    from fnstore.layout._names import PINS_FILE as PINS_FILE
    from fnstore.layout._names import SCHEMA_VERSION as SCHEMA_VERSION
    from fnstore.layout._names import SOURCE as SOURCE
    from fnstore.layout._names import STATE_DIR as STATE_DIR
    from fnstore.layout._names import is_shard as is_shard
    from fnstore.layout._names import layout_of as layout_of
    from fnstore.layout._names import module_path as module_path
    from fnstore.layout._names import newer_layout_error as newer_layout_error
    from fnstore.layout._names import sha1_hex as sha1_hex
    from fnstore.layout._names import shard as shard
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
