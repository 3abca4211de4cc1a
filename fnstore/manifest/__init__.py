"""Manifests of saved function modules: pydantic models and AST introspection.

This layer never executes code and never touches git: it reads a code block's
syntax tree (:func:`introspect`), checks names (:func:`check_name`), and
reads/writes ``manifest.json`` documents (:class:`Manifest`).
"""

from __future__ import annotations

from fnstore.manifest._introspect import MEMORY_TYPES, Introspection, introspect, parse
from fnstore.manifest._lineage import function_for, name_in_parent
from fnstore.manifest._models import (
    MAX_MANIFEST_BYTES,
    SCHEMA_VERSION,
    Author,
    FunctionInfo,
    Manifest,
    Parameter,
    ParameterKind,
    content_id,
)
from fnstore.manifest._names import (
    MAX_NAME_LENGTH,
    check_name,
    check_tag,
    qualified,
    split_qualified,
)

__all__ = [
    "MAX_MANIFEST_BYTES",
    "MAX_NAME_LENGTH",
    "MEMORY_TYPES",
    "SCHEMA_VERSION",
    "Author",
    "FunctionInfo",
    "Introspection",
    "Manifest",
    "Parameter",
    "ParameterKind",
    "check_name",
    "check_tag",
    "content_id",
    "function_for",
    "introspect",
    "name_in_parent",
    "parse",
    "qualified",
    "split_qualified",
]
