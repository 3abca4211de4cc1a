"""The values the store returns: versions, save results and scans.

Plain frozen dataclasses (no pydantic at import time, so that
``import fnstore.store`` stays cheap for the registry's cached start-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from fnstore.errors import ManifestError
    from fnstore.manifest import Manifest

__all__ = ["FunctionVersion", "SaveResult", "Scan"]


@dataclass(frozen=True)
class FunctionVersion:
    """One version of one function: its code, manifest and where it was committed.

    ``name`` is the function asked for; ``module`` the module holding it (the
    unit that is versioned).  ``version``, ``content_id`` and ``source`` are the
    module's; ``commit`` is the commit that introduced this version.
    ``function`` is what the function was called in this version (``name``
    unless it was renamed since; None when ``name`` is the name of a module
    of several functions): the name to call, bench and pin it by.
    """

    name: str
    module: str
    version: int
    content_id: str
    commit: str
    source: str
    manifest: Manifest
    author: str
    message: str
    time: datetime
    function: str | None = None

    @classmethod
    def of(
        cls,
        name: str,
        commit: str,
        manifest: Manifest,
        source: str,
        *,
        function: str | None = "",
    ) -> FunctionVersion:
        """Build the version of function ``name`` that ``manifest`` describes, at ``commit``.

        ``function`` is the name it had in this version, as the history walk
        traced it; left out (``""``), ``name`` itself or a module's only function.
        """
        if function == "":
            from fnstore.manifest import function_for

            function = function_for(name, manifest)
        return cls(
            name=name,
            module=manifest.module,
            version=manifest.version,
            content_id=manifest.content_id,
            commit=commit,
            source=source,
            manifest=manifest,
            author=str(manifest.author),
            message=manifest.message,
            time=manifest.created,
            function=function or None,
        )

    @property
    def ref(self) -> str:
        """A reference that gets this exact version back: ``name@<version>``."""
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class SaveResult:
    """What a save (or rollback, restore, rename) did.

    ``changed`` is False when the code was identical to the current version:
    no commit was made and ``commit`` is the current head.
    """

    commit: str
    versions: list[FunctionVersion]
    changed: bool = True

    @property
    def content_id(self) -> str:
        """The content id of the saved module version."""
        return self.versions[0].content_id

    @property
    def version(self) -> int:
        """The saved module's version number."""
        return self.versions[0].version


@dataclass(frozen=True)
class Scan:
    """Every module at one commit: the readable manifests and, per module, why others are not."""

    commit: str | None
    manifests: list[Manifest] = field(default_factory=list)
    errors: dict[str, ManifestError] = field(default_factory=dict)
