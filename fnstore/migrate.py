"""Import a directory of loose custom-function files into the store.

OpenHCS (0.8.6 and the seed system before it) keeps each custom function as a
``.py`` file in ``<data dir>/openhcs/custom_functions/`` (on Linux
``~/.local/share/openhcs/custom_functions/``), with no history.  Give that
folder, or the data dir itself (``~/.local/share``) or its ``openhcs`` folder.  Migration
commits each file as the first version of its module, oldest first, with the
file's modification time as the commit's author date (so ``fnstore log``
shows when the function was really written).  A file that cannot be imported
(a syntax error, no decorated function, a name already taken...) is reported
with the reason and skipped; the others are still imported.  Running it again
is harmless: a file whose code is already the current version makes no commit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fnstore.errors import FnStoreError, RegistryError

if TYPE_CHECKING:
    from fnstore.store import FunctionStore

__all__ = ["FailedFile", "MigratedFile", "MigrationReport", "migrate_directory"]


@dataclass(frozen=True)
class MigratedFile:
    """A file that is now a version in the store."""

    path: Path
    module: str
    version: int
    content_id: str
    commit: str
    #: False when the same code was already the module's current version.
    changed: bool = True


@dataclass(frozen=True)
class FailedFile:
    """A file that could not be imported, and why (the message says what to do)."""

    path: Path
    reason: str


@dataclass
class MigrationReport:
    """What :func:`migrate_directory` did, file by file."""

    directory: Path
    imported: list[MigratedFile] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file was imported."""
        return not self.failed

    def summary(self) -> str:
        """One line: how many files were imported, unchanged and failed."""
        new = sum(1 for f in self.imported if f.changed)
        same = len(self.imported) - new
        return (
            f"{new} imported, {same} already up to date, {len(self.failed)} failed "
            f"(from {self.directory})"
        )


def _files(directory: Path) -> list[tuple[float, Path]]:
    found = []
    for path in directory.glob("*.py"):
        if path.name.startswith(("_", ".")) or not path.is_file():
            continue  # __init__.py and editor droppings are not functions
        found.append((path.stat().st_mtime, path))
    # Oldest first, so the store's history runs in the order the files were written.
    return sorted(found)


def _functions_folder(path: Path) -> Path:
    """Return the folder of function files: ``path``, or OpenHCS's folder in a data dir."""
    for inner in (path / "openhcs" / "custom_functions", path / "custom_functions"):
        if inner.is_dir() and not any(path.glob("*.py")):
            return inner
    return path


def migrate_directory(
    path: str | os.PathLike[str],
    *,
    store: FunctionStore | str | os.PathLike[str] | None = None,
    author: str | tuple[str, str] | None = None,
) -> MigrationReport:
    """Commit every ``*.py`` file of ``path`` to the store, one commit per file.

    Parameters
    ----------
    path
        The directory of loose function files (OpenHCS's
        ``~/.local/share/openhcs/custom_functions/``), or the OpenHCS data
        directory that holds it (``~/.local/share`` or ``~/.local/share/openhcs``).
    store
        The store to import into (default: the user's store, created if needed).
    author
        ``"Name <email>"`` or ``(name, email)``; default: git's configured identity.

    Raises
    ------
    RegistryError
        ``path`` is not a directory.
    """
    directory = _functions_folder(Path(path).expanduser())
    if not directory.is_dir():
        raise RegistryError(
            f"{directory} is not a directory: give the folder that holds the .py files, "
            "e.g. ~/.local/share/openhcs/custom_functions"
        )
    from fnstore.store import FunctionStore, open_store

    if isinstance(store, FunctionStore):
        target = store
    else:
        target = open_store(None if store is None else os.fspath(store), create=True)
    report = MigrationReport(directory)
    for mtime, file in _files(directory):
        try:
            code = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            report.failed.append(FailedFile(file, f"cannot read it ({exc}); save it as UTF-8"))
            continue
        module = file.stem if file.stem.isidentifier() else None
        try:
            result = target.save(
                code,
                message=f"Import {file.name} from {directory}",
                author=author,
                module=module,
                time=datetime.fromtimestamp(mtime, UTC),
            )
        except FnStoreError as exc:
            report.failed.append(FailedFile(file, str(exc)))
            continue
        first = result.versions[0]
        report.imported.append(
            MigratedFile(
                file, first.module, first.version, first.content_id, result.commit, result.changed
            )
        )
    return report
