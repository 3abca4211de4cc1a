"""One stored version as a real module: the registry's loader, for callers beside it.

:func:`load_version` is how bench (and anything else holding a
:class:`~fnstore.store.FunctionVersion`) runs a stored version: exactly as
the registry loads it, so what ``fnstore ls`` says runs here, runs here.
The version becomes a module named after its content id (tracebacks show its
lines, two versions never share globals), imported once per process, with
fnstore's stand-in for OpenHCS/arraybridge where they are absent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.errors import BackendUnavailableError
from fnstore.registry._metadata import missing_packages, unavailable_reason
from fnstore.registry._records import module_record_from_manifest
from fnstore.registry._resolve import run_module

if TYPE_CHECKING:
    import types

    from fnstore.store import FunctionVersion

__all__ = ["load_version"]


def load_version(version: FunctionVersion) -> types.ModuleType:
    """Import a stored version's module and return it.

    Raises
    ------
    BackendUnavailableError
        A package its code imports, or its memory type needs, is missing here
        (the message names it and how to install it).
    Exception
        Whatever the module's own code raises while it is imported
        (``ImportError`` for an import that fails).
    """
    record = module_record_from_manifest(version.manifest)
    missing = missing_packages(record)
    if missing:
        raise BackendUnavailableError(f"{version.module} {unavailable_reason(missing)}")
    source = version.source
    return run_module(record, lambda: source)
