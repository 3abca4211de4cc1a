"""The repository's layout: every folder, file and ref name fnstore gives meaning to.

A store is a plain git repository.  What fnstore reads and writes in it is
spelled out here, once, so that the store, the registry's fast start-up path,
sync, bench and the CLI never disagree about where a module lives:

* ``functions/<module>/source.py`` -- a module's code, exactly as saved;
* ``functions/<module>/manifest.json`` -- its manifest (see :mod:`fnstore.manifest`);
* ``refs/notes/fnstore-bench`` -- benchmark records, git notes on content ids;
* ``<repo>/fnstore/`` -- local, never pushed: the lock, ``pins.json``, derived indexes.

This module imports nothing but the standard library's lightest parts: the
registry's cached start-up reads it.
"""

from __future__ import annotations

__all__ = [
    "FUNCTIONS",
    "MANIFEST",
    "MODULE_FILES",
    "NOTES_REF",
    "PINS_FILE",
    "SCHEMA_VERSION",
    "SOURCE",
    "STATE_DIR",
    "module_path",
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


def module_path(module: str) -> str:
    """Return the folder of ``module`` in a commit's tree, e.g. ``functions/blur``."""
    return f"{FUNCTIONS}/{module}"
