"""Remotes, fetch, push and pull for the store (filled in by the sync work)."""

from __future__ import annotations


class RemotesMixin:
    """Lab sync operations of :class:`FunctionStore`."""
