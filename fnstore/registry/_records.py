"""What the registry keeps of a manifest: plain tuples, read with plain ``json``.

Whether a module can be read at all is the one module reader's verdict
(:mod:`fnstore.layout`), shared with the store.  What this module adds is the
registry's record of a readable manifest: the handful of fields start-up
needs.  A manifest in the layout the store writes (the reader recognises it
by byte search) has its fields read with :func:`json.loads` and their types
checked by hand: validating every manifest with pydantic would cost more than
the whole start-up budget (importing pydantic alone takes tens of
milliseconds).  Any other manifest (hand-edited, an older schema) is
validated by :meth:`fnstore.manifest.Manifest.from_data`, as the store does.

The records are tuples of str/int/tuple/None so that :mod:`marshal` can write
and read them in the registry's cache at the speed of a ``.pyc`` load.
"""

from __future__ import annotations

from typing import Any

from fnstore.layout import (
    MAX_MANIFEST_BYTES,
    SCHEMA_VERSION,
    ModuleReading,
    module_path,
    parse_manifest,
)

__all__ = [
    "MAX_MANIFEST_BYTES",
    "SCHEMA_VERSION",
    "FunctionRecord",
    "ModuleRecord",
    "module_record",
    "module_record_from_manifest",
    "record_of",
]

#: (name, input memory type, output memory type, docstring, lineno,
#:  special inputs, special outputs)
FunctionRecord = tuple[str, str, str, str | None, int, tuple[str, ...], tuple[str, ...]]

#: (module, version, content id, functions, imports, missing imports)
ModuleRecord = tuple[str, int, str, tuple[FunctionRecord, ...], tuple[str, ...], tuple[str, ...]]


def _bad(message: str) -> Exception:
    """Return the error for a manifest the registry cannot use."""
    # fnstore.errors is imported on the error path only: a start at a new pin
    # reads a manifest or two, and importing the error tree costs as much.
    from fnstore.errors import ManifestError

    return ManifestError(message)


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if type(value) is not str:
        raise _bad(f"manifest.json: {key!r} must be a string")
    return value


def _strs(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not value:  # absent or empty: the common case, checked first for speed
        if value is None or value == []:
            return ()
    elif type(value) is list:
        found = tuple(value)
        for item in found:
            if type(item) is not str:
                break
        else:
            return found
    raise _bad(f"manifest.json: {key!r} must be a list of strings")


def _function(data: object) -> FunctionRecord:
    if type(data) is not dict:
        raise _bad("manifest.json: each entry of 'functions' must be an object")
    doc = data.get("docstring")
    lineno = data.get("lineno")
    if doc is not None and type(doc) is not str:
        raise _bad("manifest.json: 'docstring' must be a string or null")
    if type(lineno) is not int:
        raise _bad("manifest.json: 'lineno' must be an integer")
    return (
        _str(data, "name"),
        _str(data, "input_memory_type"),
        _str(data, "output_memory_type"),
        doc,
        lineno,
        _strs(data, "special_inputs"),
        _strs(data, "special_outputs"),
    )


def module_record(text: bytes | str, module: str = "?") -> ModuleRecord:
    """Read the registry's fields of one ``manifest.json``.

    Raises
    ------
    SchemaVersionError
        The manifest was written by a newer fnstore.
    ManifestError
        The manifest cannot be read, or lacks or mistypes a field the registry needs.
    """
    raw = text.encode() if isinstance(text, str) else text
    state, reason, data = parse_manifest(module_path(module), raw)
    if data is None:
        raise ModuleReading.error_for(state, reason)
    if data["schema_version"] != SCHEMA_VERSION:
        return module_record_from_manifest(_validated(data))  # older: migrated there
    version = data.get("version")
    functions = data.get("functions")
    if not isinstance(version, int) or not isinstance(functions, list) or not functions:
        raise _bad("manifest.json: needs an integer 'version' and a list 'functions'")
    return (
        _str(data, "module"),
        version,
        _str(data, "content_id"),
        tuple(_function(f) for f in functions),
        _strs(data, "imports"),
        _strs(data, "missing_imports"),
    )


def record_of(reading: ModuleReading) -> ModuleRecord | str:
    """Return what the registry keeps of a module the reader has read, or why not.

    A manifest in the store's own layout (read by byte search) has its record
    read here; any other is validated in full, as the store does.
    """
    if not reading.readable:
        return str(reading.reason)
    try:
        if reading.doc is None and reading.data is not None:
            return module_record(reading.data, reading.module)
        return module_record_from_manifest(_validated(reading.parsed()))
    except Exception as exc:
        from fnstore.errors import FnStoreError  # (see _bad)

        if not isinstance(exc, FnStoreError):
            raise
        where = f"{reading.path}/manifest.json"
        return str(exc) if where in str(exc) else f"{where} cannot be read: {exc}"


def _validated(data: dict[str, Any]) -> Any:
    from fnstore.manifest import Manifest

    return Manifest.from_data(data)


def module_record_from_manifest(manifest: Any) -> ModuleRecord:
    """Return the record of a validated :class:`fnstore.manifest.Manifest`."""
    return (
        manifest.module,
        manifest.version,
        manifest.content_id,
        tuple(
            (
                f.name,
                f.input_memory_type,
                f.output_memory_type,
                f.docstring,
                f.lineno,
                tuple(f.special_inputs),
                tuple(f.special_outputs),
            )
            for f in manifest.functions
        ),
        tuple(manifest.imports),
        tuple(getattr(manifest, "missing_imports", ())),
    )
