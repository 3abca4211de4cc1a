"""The manifest: what a saved function module is, as pydantic models.

One :class:`Manifest` is written beside each module's ``source.py`` as
``manifest.json``.  It carries a ``schema_version``: a document written by a
newer fnstore is refused with :class:`~fnstore.errors.SchemaVersionError`, an
older one is migrated step by step (``_MIGRATIONS``) before validation.

Every field has a description, which is also the text of the exported JSON
schema (``schemas/manifest.schema.json``, see :mod:`fnstore.manifest.schema`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from fnstore.errors import ManifestError, SchemaVersionError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "MAX_MANIFEST_BYTES",
    "SCHEMA_VERSION",
    "Author",
    "DecoratorPackage",
    "FunctionInfo",
    "Manifest",
    "Parameter",
    "ParameterKind",
    "content_id",
]

#: The manifest schema this fnstore writes (and the newest it reads).
SCHEMA_VERSION = 2
#: Largest manifest read or written (a 16-function module's is about 20 KB): a
#: bound checked before parsing, so a hostile one costs nothing to refuse.
MAX_MANIFEST_BYTES = 1 << 20

#: Where a memory-type decorator comes from (see fnstore.manifest._introspect).
DecoratorPackage = Literal["fnstore", "openhcs", "arraybridge"]

ParameterKind = Literal[
    "positional_only", "positional_or_keyword", "var_positional", "keyword_only", "var_keyword"
]


def content_id(source: bytes) -> str:
    """Return the git blob id of ``source``: the content id of code ``source``."""
    # Same bytes as git hashes ('blob <size>\0<data>'), so ids match `git hash-object`.
    return hashlib.sha1(b"blob %d\0" % len(source) + source, usedforsecurity=False).hexdigest()


def _hex40(value: str) -> str:
    if len(value) != 40 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError("must be 40 lower-case hex digits (a git object id)")
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a time zone offset")
    return value


ObjectId = Annotated[str, AfterValidator(_hex40)]
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class _Model(BaseModel):
    # Unknown keys are refused so that a typo in a hand-edited manifest is
    # reported instead of silently dropped; frozen because manifests are facts.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Author(_Model):
    """Who saved a version."""

    name: str = Field(description="The author's name, as in git's user.name.")
    email: str = Field(description="The author's e-mail address, as in git's user.email.")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Parameter(_Model):
    """One parameter of a function's signature, read from the source (never executed)."""

    name: str = Field(description="The parameter's name.")
    kind: ParameterKind = Field(
        description="The parameter's kind, as inspect.Parameter.kind names it, in lower case."
    )
    has_default: bool = Field(
        default=False, description="Whether the parameter has a default value."
    )
    default: Any = Field(
        default=None,
        description="The default value when it is a JSON literal (null, bool, number, string, "
        "or lists and objects of them); null otherwise.",
    )
    default_source: str | None = Field(
        default=None, description="The default's source text when it is not a JSON literal."
    )
    annotation: str | None = Field(
        default=None, description="The annotation's source text, if any."
    )


class FunctionInfo(_Model):
    """One decorated function of a module."""

    name: str = Field(description="The function's name (unique across the store).")
    input_memory_type: str = Field(
        description="Memory type of the input stack: numpy, cupy, torch, tensorflow, jax or "
        "pyclesperanto."
    )
    output_memory_type: str = Field(description="Memory type of the output stack.")
    decorators_from: DecoratorPackage | None = Field(
        default=None,
        description="The package the memory-type decorator is imported from: fnstore, openhcs "
        "(openhcs.core.memory) or arraybridge; null when the code uses the name without "
        "importing it (OpenHCS's manager provides it).",
    )
    parameters: list[Parameter] = Field(
        default_factory=list, description="The signature's parameters, in order."
    )
    docstring: str | None = Field(default=None, description="The function's docstring, if any.")
    special_inputs: list[str] = Field(
        default_factory=list, description="Names declared with @special_inputs (OpenHCS)."
    )
    special_outputs: list[str] = Field(
        default_factory=list, description="Names declared with @special_outputs (OpenHCS)."
    )
    lineno: int = Field(description="Line of the def statement in source.py (1-based).")


class Manifest(_Model):
    """The metadata of one version of a function module."""

    schema_version: int = Field(
        default=SCHEMA_VERSION, description="Version of this document's schema (newer is refused)."
    )
    module: str = Field(description="The module's name: its folder under functions/.")
    version: int = Field(ge=1, description="The module's version number, counted from 1.")
    content_id: ObjectId = Field(
        description="The git blob id of source.py (the identity of this version's code)."
    )
    parent_content_id: ObjectId | None = Field(
        default=None,
        description="The content id of the version this one came from; null for the first.",
    )
    parent_commit: ObjectId | None = Field(
        default=None,
        description="The commit that holds the parent version, so that history costs one "
        "step per version; null for the first version or when unknown.",
    )
    parent_tree: ObjectId | None = Field(
        default=None,
        description="The git tree id of the parent version's folder (functions/<module>), so "
        "that history reads it without reading the whole commit; null when unknown.",
    )
    parent_module: str | None = Field(
        default=None,
        description="The module the parent version lived in, when it differs from this one "
        "(after a rename); null otherwise.",
    )
    author: Author = Field(description="Who saved this version.")
    created: AwareDatetime = Field(description="When this version was saved (with its offset).")
    message: str = Field(default="", description="The commit message of the save.")
    functions: list[FunctionInfo] = Field(
        min_length=1, description="The decorated functions of the module, in source order."
    )
    imports: list[str] = Field(
        default_factory=list, description="Top-level modules the code imports, sorted."
    )
    missing_imports: list[str] = Field(
        default_factory=list,
        description="Imports that were not installed where this version was saved (so its "
        "code could not be fully checked there).",
    )

    def to_json(self) -> str:
        """Return the document as written to ``manifest.json`` (stable key order, final newline)."""
        return self.model_dump_json(indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        """Read a ``manifest.json``, migrating older schemas.

        Raises
        ------
        SchemaVersionError
            The document was written by a newer fnstore.
        ManifestError
            The document is over :data:`MAX_MANIFEST_BYTES`, not JSON, nested too
            deep, or does not fit the schema.
        """
        if len(text) > MAX_MANIFEST_BYTES:  # characters or bytes: either bounds the parse
            raise ManifestError(
                f"manifest.json is {len(text):,} bytes, over the {MAX_MANIFEST_BYTES:,} fnstore "
                "reads: delete it (git rm) and fnstore will re-derive it from the code"
            )
        try:
            data = json.loads(text)
        except RecursionError as exc:
            raise ManifestError("manifest.json is nested too deep to be a manifest") from exc
        except ValueError as exc:
            raise ManifestError(f"manifest.json is not valid JSON ({exc})") from exc
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: object) -> Manifest:
        """Validate a decoded document (see :meth:`from_json`)."""
        if not isinstance(data, dict):
            raise ManifestError("manifest.json must hold a JSON object")
        version = data.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ManifestError("manifest.json has no valid schema_version (a positive integer)")
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"manifest.json uses schema version {version}, but this fnstore reads up to "
                f"version {SCHEMA_VERSION}: upgrade fnstore (pip install -U fnstore)"
            )
        data = migrate(data)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(document)'}: {err['msg']}"
                for err in exc.errors()[:5]
            )
            raise ManifestError(f"manifest.json does not fit the schema ({problems})") from exc


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # Version 1 read decorators from fnstore and openhcs.core.memory.decorators
    # only; the code's imports say which (re-reading the code is not possible here).
    imports = data.get("imports") or []
    package = next((p for p in ("openhcs", "fnstore") if p in imports), None)
    functions = data.get("functions")
    if isinstance(functions, list):
        data["functions"] = [
            {"decorators_from": package, **f} if isinstance(f, dict) else f for f in functions
        ]
    return data


# schema version N -> function turning an N document into an N+1 document.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a document of an older schema version up to :data:`SCHEMA_VERSION`."""
    version = int(data["schema_version"])
    while version < SCHEMA_VERSION:
        step = _MIGRATIONS.get(version)
        if step is None:
            raise ManifestError(
                f"manifest.json uses schema version {version}, which this fnstore cannot migrate"
            )
        data = step(dict(data))
        version += 1
        data["schema_version"] = version
    return data
