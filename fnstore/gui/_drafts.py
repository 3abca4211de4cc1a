"""Editor drafts: unsaved text kept on disk, so a crash loses nothing.

Drafts live in the folder ``fnstore edit`` already uses for the same purpose
(``<data dir>/drafts``).  The GUI's are named ``gui-<module>-<id>.py``
(``new`` for a function not saved yet); a draft is removed once its text is
saved or deliberately discarded.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path  # noqa: TC003 - used at run time by Draft

__all__ = ["Draft", "drafts_dir", "gui_drafts"]

_PREFIX = "gui-"
_NEW = "new"


def drafts_dir() -> Path:
    """Return the drafts folder (the CLI's ``fnstore edit`` keeps its drafts here too)."""
    from fnstore.paths import data_dir

    return data_dir() / "drafts"


def gui_drafts() -> list[Path]:
    """List the GUI's drafts left behind (a crash, a close without saving), newest first."""
    folder = drafts_dir()
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"{_PREFIX}*.py") if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


class Draft:
    """One editor's draft file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def new(cls, module: str | None) -> Draft:
        """Make a fresh draft for ``module`` (None: a function not saved yet)."""
        name = f"{_PREFIX}{module or _NEW}-{uuid.uuid4().hex[:8]}.py"
        return cls(drafts_dir() / name)

    @property
    def module(self) -> str | None:
        """The module the draft edits, from its file name (None: a new function)."""
        stem = self.path.stem.removeprefix(_PREFIX)
        module = stem.rsplit("-", 1)[0]
        return None if module == _NEW else module

    def write(self, text: str) -> None:
        """Replace the draft's text atomically (a crash mid-write keeps the old one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)

    def read(self) -> str:
        """Read the draft's text."""
        return self.path.read_text(encoding="utf-8")

    def remove(self) -> None:
        """Forget the draft (its text was saved or discarded)."""
        self.path.unlink(missing_ok=True)
