"""Plain-text formatting shared by the views: durations, benchmark medians, dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from fnstore.bench import BenchRecord

__all__ = ["date_text", "medians_by_content", "record_seconds", "seconds_text"]


def seconds_text(seconds: float) -> str:
    """``6.10 ms``, ``1.401 s``, ``830 µs``."""
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def date_text(when: datetime) -> str:
    """Format a version's date in the local time zone, to the minute."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def record_seconds(record: BenchRecord) -> tuple[float, float, float] | None:
    """(q1, median, q3) of a record, device time where measured, else wall time."""
    timing = record.time or record.wall
    if timing is None:
        return None
    return timing.q1, timing.median, timing.q3


def medians_by_content(records: list[BenchRecord]) -> dict[str, str]:
    """Per content id, the latest median per device and input, as one line of text."""
    latest: dict[str, dict[tuple[str, str], BenchRecord]] = {}
    for record in sorted(records, key=lambda r: r.created):
        latest.setdefault(record.content_id, {})[(record.device, record.shape_label)] = record
    out = {}
    for content_id, by_where in latest.items():
        parts = []
        for (device, shape), record in sorted(by_where.items()):
            timing = record_seconds(record)
            if timing is not None:
                parts.append(f"{device} {seconds_text(timing[1])} ({shape})")
        out[content_id] = "; ".join(parts)
    return out
