"""Git notes: read, list and write the text attached to an object under a notes ref.

The store keeps benchmark records in notes (:mod:`fnstore.store._notes`);
this is the git half of that: libgit2's notes calls, with its errors
translated into :class:`~fnstore.errors.StoreError`.
"""

from __future__ import annotations

import pygit2

from fnstore.errors import StoreError
from fnstore.git._housekeeping import beside_gc

__all__ = ["annotated", "read_note", "write_note"]


def read_note(repo: pygit2.Repository, target: str, ref: str) -> str:
    """Return the note on ``target`` under ``ref`` ("" when there is none)."""
    try:
        note = repo.lookup_note(target, ref)
    except KeyError:
        return ""
    except (ValueError, pygit2.GitError) as exc:
        raise StoreError(f"cannot read the notes of {target}: {exc}") from exc
    return str(note.message)


def annotated(repo: pygit2.Repository, ref: str) -> list[str]:
    """List the ids of the objects that carry a note under ``ref``, sorted."""
    if repo.references.get(ref) is None:
        return []
    # pygit2's stub omits the notes-ref argument that the C method takes
    notes = repo.notes(ref)  # type: ignore[call-arg]
    return sorted(str(note.annotated_id) for note in notes)


def write_note(
    repo: pygit2.Repository, text: str, who: tuple[str, str], target: str, ref: str
) -> str:
    """Replace the note on ``target`` under ``ref`` by ``text``; return the notes commit id."""
    signature = pygit2.Signature(*who)
    try:
        beside_gc(lambda: repo.create_note(text, signature, signature, target, ref, True))
    except (pygit2.GitError, OSError) as exc:
        raise StoreError(f"git could not write notes: {exc}") from exc
    moved = repo.references.get(ref)
    return str(moved.target) if moved is not None else ""
