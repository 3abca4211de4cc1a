"""Git notes on content ids: where the store keeps what other rooms say about a version.

A note is text attached to a version's content id (the blob id of its
``source.py``) under ``refs/notes/fnstore-bench``.  Notes on a blob suit the
benchmark records kept there: the same code has the same id in every clone,
so a GPU workstation's figures, pushed and pulled with the lab repository,
land on the laptop's copy of the same version.

The store knows notes only as text; what the text means (a JSON list of
benchmark records) is the bench layer's business (:mod:`fnstore.bench._stored`),
so the store never imports the layer above it.  :meth:`Notes.update` reads,
changes and writes a note under the store's lock, so two processes appending
at once both keep their records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygit2

from fnstore.errors import StoreError
from fnstore.git._housekeeping import beside_gc

if TYPE_CHECKING:
    from collections.abc import Callable

    from fnstore.store._core import _Core

__all__ = ["NOTES_REF", "Notes"]

NOTES_REF = "refs/notes/fnstore-bench"
_FALLBACK_SIGNATURE = ("fnstore", "fnstore@localhost")


class Notes:
    """The notes of one store: read, list and update them (see the module docstring)."""

    def __init__(self, core: _Core) -> None:
        self._core = core

    def text(self, content_id: str) -> str:
        """Return the note on ``content_id`` ("" when there is none)."""
        try:
            note = self._core._repo.lookup_note(content_id, NOTES_REF)
        except KeyError:
            return ""
        except (ValueError, pygit2.GitError) as exc:
            raise StoreError(f"cannot read benchmark notes of {content_id}: {exc}") from exc
        return str(note.message)

    def annotated(self) -> list[str]:
        """List the content ids that carry a note, sorted."""
        repo = self._core._repo
        if repo.references.get(NOTES_REF) is None:
            return []
        # pygit2's stub omits the notes-ref argument that the C method takes
        notes = repo.notes(NOTES_REF)  # type: ignore[call-arg]
        return sorted(str(note.annotated_id) for note in notes)

    def has_object(self, object_id: str) -> bool:
        """Whether ``object_id`` (a content id) is stored here."""
        return object_id in self._core._repo

    def update(self, content_id: str, change: Callable[[str], str]) -> str:
        """Replace the note on ``content_id`` by ``change(old text)``; return the notes commit.

        The read and the write happen under the store's lock.
        """
        core = self._core
        with core._locked():
            text = change(self.text(content_id))
            try:
                name, email = core._configured_author()
            except StoreError:  # notes are not authored work: no identity is fine
                name, email = _FALLBACK_SIGNATURE
            signature = pygit2.Signature(name, email)
            try:
                beside_gc(
                    lambda: core._repo.create_note(
                        text, signature, signature, content_id, NOTES_REF, True
                    )
                )
            except (pygit2.GitError, OSError) as exc:
                raise StoreError(f"git could not write benchmark notes: {exc}") from exc
            ref = core._repo.references.get(NOTES_REF)
            return str(ref.target) if ref is not None else ""
