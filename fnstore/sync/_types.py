"""The values lab sync returns: fetch, push and pull results, and pending merges.

Plain frozen dataclasses, no pygit2, so the CLI, the GUI and
:mod:`fnstore.sync` can use them without touching git.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from fnstore.errors import ConflictError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

__all__ = [
    "Choice",
    "Conflict",
    "FetchResult",
    "PendingMerge",
    "PullResult",
    "PullStatus",
    "PushResult",
]

Choice = Literal["mine", "theirs", "both"]

PullStatus = Literal["up-to-date", "fast-forward", "merged", "conflicts"]
_PENDING_VERSION = 1


@dataclass(frozen=True)
class Conflict:
    """One function that changed on both sides of a pull.

    Attributes
    ----------
    name
        The function's name (the unit's path when it holds no readable function).
    module
        The module holding it (the path for a unit outside ``functions/``).
    mine, theirs
        Content ids (blob id of ``source.py``) of the local and the remote
        version; None where that side deleted the module.
    reason
        Why it conflicts, in words.
    """

    name: str
    module: str
    mine: str | None
    theirs: str | None
    reason: str


@dataclass(frozen=True)
class FetchResult:
    """What a fetch brought.

    Attributes
    ----------
    remote
        The remote's name.
    commit
        The remote branch's commit after the fetch (None: the remote is empty).
    objects, bytes
        Objects and bytes received (for a large fetch from a path on this
        machine, which copies object files: files and bytes copied).
    """

    remote: str
    commit: str | None
    objects: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class PushResult:
    """What a push sent.

    Attributes
    ----------
    remote, branch
        Where it went.
    commit
        The commit the remote branch now points at.
    notes
        The notes references (benchmark records) pushed with it: those with
        records the remote lacks, as far as the last fetch knows.
    advice
        What to tell whoever keeps the lab repository, when a first push
        found that its HEAD names no branch on a server fnstore cannot fix
        from here (a path remote is fixed in place); else None.
    """

    remote: str
    branch: str
    commit: str
    notes: list[str] = field(default_factory=list)
    advice: str | None = None


@dataclass(frozen=True)
class PullResult:
    """What a pull did to the local branch.

    Attributes
    ----------
    remote
        The remote's name.
    status
        ``"up-to-date"``, ``"fast-forward"``, ``"merged"`` (a merge commit
        with both parents) or ``"conflicts"`` (nothing changed locally yet:
        resolve each conflict, see :meth:`FunctionStore.resolve_conflict`).
    commit
        The local branch's commit after the pull.
    changed
        Modules whose version came from the remote.
    conflicts
        One entry per function changed on both sides (status ``"conflicts"``).
    broken
        Module -> what is wrong with it, for incoming modules fnstore cannot
        read (e.g. a manifest edited by hand); every other module is usable.
        Read on first use: it reads every incoming manifest, which for a
        first pull of a large lab repository costs more than the pull itself.
    renamed
        Function renames made by ``both`` resolutions (old name -> new name).
    notes
        Notes references (benchmark records) that were merged or updated.
    ignored
        What came in that fnstore ignores and never follows, one
        ``"<path> (<what it is>)"`` each: symbolic links, submodules and stray
        files in ``functions/``, extra files in a module folder, anything
        outside ``functions/``.  ``fnstore pull`` warns about them once.
    """

    remote: str
    status: PullStatus
    commit: str | None
    changed: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    #: Finds :attr:`broken` (None: nothing came in to check).
    find_broken: Callable[[], dict[str, str]] | None = field(
        default=None, repr=False, compare=False
    )

    @cached_property
    def broken(self) -> dict[str, str]:
        return self.find_broken() if self.find_broken is not None else {}


@dataclass
class PendingMerge:
    """A pull that stopped on conflicts, kept in ``<repo>/fnstore/pending.json``.

    The remote's commit is also held by the ref ``refs/fnstore/pending/<remote>``
    so that ``git gc`` cannot drop what the merge still needs.
    """

    remote: str
    theirs: str
    conflicts: list[Conflict]
    choices: dict[str, Choice] = field(default_factory=dict)
    #: unit path (functions/<module>) per conflicting module, for choices.
    units: dict[str, str] = field(default_factory=dict)

    def unit_of(self, name: str) -> str:
        """Return the unit a function or module name refers to among the conflicts."""
        for c in self.conflicts:
            if name in (c.name, c.module):
                return self.units[c.module]
        listed = ", ".join(sorted({c.name for c in self.conflicts}))
        raise ConflictError(
            f"{name!r} is not among the conflicts of the pull from {self.remote!r}: "
            f"choose one of {listed}"
        )

    def open_conflicts(self) -> list[Conflict]:
        """Return the conflicts that have no choice yet."""
        return [c for c in self.conflicts if self.units[c.module] not in self.choices]

    def to_bytes(self) -> bytes:
        """Return the state as written to ``pending.json``."""
        data: dict[str, Any] = {
            "schema_version": _PENDING_VERSION,
            "remote": self.remote,
            "theirs": self.theirs,
            "conflicts": [asdict(c) for c in self.conflicts],
            "choices": self.choices,
            "units": self.units,
        }
        return (json.dumps(data, indent=2) + "\n").encode()

    @classmethod
    def load(cls, path: Path) -> PendingMerge | None:
        """Read the state, or None when no pull is pending."""
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except ValueError as exc:
            raise ConflictError(
                f"{path} (the state of an unfinished pull) is damaged ({exc}): delete it and "
                "pull again"
            ) from exc
        if data.get("schema_version", 0) > _PENDING_VERSION:
            raise ConflictError(
                f"{path} was written by a newer fnstore: finish the pull with that version, "
                "or delete the file and pull again"
            )
        return cls(
            remote=data["remote"],
            theirs=data["theirs"],
            conflicts=[Conflict(**c) for c in data["conflicts"]],
            choices=data.get("choices", {}),
            units=data.get("units", {}),
        )
