"""Benchmark records in the store's notes: a JSON list per content id.

The store keeps notes as text (:class:`fnstore.store._notes.Notes`); this
module says what the text is: the records of one version, oldest first,
appended to, never rewritten.  Two clones that both appended merge as the
union of their lists (the sync layer's notes merge), and a reader tolerates
what ``git notes merge -s cat_sort_uniq`` leaves behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.bench._records import records_from_json, records_to_json
from fnstore.errors import BenchError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fnstore.bench._records import BenchRecord
    from fnstore.store import FunctionStore

__all__ = ["add_records", "stored_records"]


def stored_records(store: FunctionStore, content_id: str) -> list[BenchRecord]:
    """Return the records stored on one content id, oldest first.

    Raises
    ------
    BenchError
        The note is not a list of records (the message says how to fix it).
    SchemaVersionError
        A record was written by a newer fnstore.
    """
    return records_from_json(store.notes.text(content_id))


def add_records(store: FunctionStore, content_id: str, records: Sequence[BenchRecord]) -> str:
    """Append records to the note on ``content_id``; return the notes commit id."""
    if not store.notes.has_object(content_id):
        raise BenchError(f"{content_id} is not a version in this store: save it first")
    for record in records:
        if record.content_id != content_id:
            raise BenchError(
                f"record of {record.function}@{record.version} belongs to "
                f"{record.content_id}, not {content_id}"
            )

    def append(text: str) -> str:
        known = records_from_json(text)
        ids = {r.id for r in known}
        return records_to_json(known + [r for r in records if r.id not in ids])

    return store.notes.update(content_id, append)
