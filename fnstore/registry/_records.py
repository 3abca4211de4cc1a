"""What the registry keeps of a manifest: plain tuples, read with plain ``json``.

Start-up reads one ``manifest.json`` per module and keeps a handful of its
fields.  Validating every manifest with pydantic would cost more than the whole
start-up budget (importing pydantic alone takes tens of milliseconds), so this
module reads the fields it needs with :func:`json.loads` and checks their
types by hand.  A manifest it cannot read this way (an older schema that needs
migrating, say) goes through :meth:`fnstore.manifest.Manifest.from_json`, the
one full reader; a manifest nobody can read becomes an error for that module
only, never for the start-up.

The records are tuples of str/int/tuple/None so that :mod:`marshal` can write
and read them in the registry's cache at the speed of a ``.pyc`` load.
"""

from __future__ import annotations

from typing import Any

from fnstore.errors import ManifestError, SchemaVersionError

__all__ = [
    "FunctionRecord",
    "ModuleRecord",
    "module_record",
    "module_record_from_manifest",
]

#: The manifest schema read here without pydantic; must equal
#: fnstore.manifest.SCHEMA_VERSION (a test checks), which is not imported
#: because that would import pydantic.
SCHEMA_VERSION = 2
#: Largest manifest read (fnstore.manifest.MAX_MANIFEST_BYTES; a test checks).
MAX_MANIFEST_BYTES = 1 << 20

#: (name, input memory type, output memory type, docstring, lineno,
#:  special inputs, special outputs)
FunctionRecord = tuple[str, str, str, str | None, int, tuple[str, ...], tuple[str, ...]]

#: (module, version, content id, functions, imports, missing imports)
ModuleRecord = tuple[str, int, str, tuple[FunctionRecord, ...], tuple[str, ...], tuple[str, ...]]


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if type(value) is not str:
        raise ManifestError(f"manifest.json: {key!r} must be a string")
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
    raise ManifestError(f"manifest.json: {key!r} must be a list of strings")


def _function(data: object) -> FunctionRecord:
    if type(data) is not dict:
        raise ManifestError("manifest.json: each entry of 'functions' must be an object")
    doc = data.get("docstring")
    lineno = data.get("lineno")
    if doc is not None and type(doc) is not str:
        raise ManifestError("manifest.json: 'docstring' must be a string or null")
    if type(lineno) is not int:
        raise ManifestError("manifest.json: 'lineno' must be an integer")
    return (
        _str(data, "name"),
        _str(data, "input_memory_type"),
        _str(data, "output_memory_type"),
        doc,
        lineno,
        _strs(data, "special_inputs"),
        _strs(data, "special_outputs"),
    )


def module_record(text: bytes | str) -> ModuleRecord:
    """Read the registry's fields of one ``manifest.json``.

    Raises
    ------
    SchemaVersionError
        The manifest was written by a newer fnstore.
    ManifestError
        The manifest is not JSON, or lacks or mistypes a field the registry needs.
    """
    if len(text) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            f"manifest.json is {len(text):,} bytes, over the {MAX_MANIFEST_BYTES:,} fnstore reads"
        )
    try:
        import json  # here: a second start-up never needs it

        data = json.loads(text)
    except RecursionError as exc:
        raise ManifestError("manifest.json is nested too deep to be a manifest") from exc
    except ValueError as exc:
        raise ManifestError(f"manifest.json is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ManifestError("manifest.json must hold a JSON object")
    schema = data.get("schema_version")
    if schema != SCHEMA_VERSION:
        if isinstance(schema, int) and not isinstance(schema, bool) and schema > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"manifest.json uses schema version {schema}, but this fnstore reads up to "
                f"version {SCHEMA_VERSION}: upgrade fnstore (pip install -U fnstore)"
            )
        return _through_pydantic(text)  # older: let the full reader migrate it
    version = data.get("version")
    functions = data.get("functions")
    if not isinstance(version, int) or not isinstance(functions, list) or not functions:
        raise ManifestError("manifest.json: needs an integer 'version' and a list 'functions'")
    return (
        _str(data, "module"),
        version,
        _str(data, "content_id"),
        tuple(_function(f) for f in functions),
        _strs(data, "imports"),
        _strs(data, "missing_imports"),
    )


def _through_pydantic(text: bytes | str) -> ModuleRecord:
    from fnstore.manifest import Manifest

    return module_record_from_manifest(Manifest.from_json(text))


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
