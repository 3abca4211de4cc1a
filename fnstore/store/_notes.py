"""Benchmark records kept as git notes on content ids (filled in by the bench work)."""

from __future__ import annotations


class NotesMixin:
    """Benchmark-record storage of :class:`FunctionStore`."""
