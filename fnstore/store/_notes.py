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

from fnstore.errors import StoreError
from fnstore.git import _objects
from fnstore.git._notes import annotated, read_note, write_note
from fnstore.layout import NOTES_REF

if TYPE_CHECKING:
    from collections.abc import Callable

    from fnstore.store._core import _Core

__all__ = ["NOTES_REF", "Notes"]

_FALLBACK_SIGNATURE = ("fnstore", "fnstore@localhost")


class Notes:
    """The notes of one store: read, list and update them (see the module docstring)."""

    def __init__(self, core: _Core) -> None:
        self._core = core

    def text(self, content_id: str) -> str:
        """Return the note on ``content_id`` ("" when there is none)."""
        return read_note(self._core._repo, content_id, NOTES_REF)

    def annotated(self) -> list[str]:
        """List the content ids that carry a note, sorted."""
        return annotated(self._core._repo, NOTES_REF)

    def has_object(self, object_id: str) -> bool:
        """Whether ``object_id`` (a content id) is stored here."""
        return _objects.has_object(self._core._repo, object_id)

    def update(self, content_id: str, change: Callable[[str], str]) -> str:
        """Replace the note on ``content_id`` by ``change(old text)``; return the notes commit.

        The read and the write happen under the store's lock.
        """
        core = self._core
        with core._locked():
            text = change(self.text(content_id))
            try:
                who = core._configured_author()
            except StoreError:  # notes are not authored work: no identity is fine
                who = _FALLBACK_SIGNATURE
            return write_note(core._repo, text, who, content_id, NOTES_REF)
