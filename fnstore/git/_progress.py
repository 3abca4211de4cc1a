"""How far a fetch or push has got: the values a transport reports (no pygit2 here).

Both transports, libgit2's (:mod:`fnstore.git._transport`) and the git
command's (:mod:`fnstore.git._gitcli`), report progress as
:class:`TransferProgress`; :mod:`fnstore.sync` re-exports it for callers that
type against it without importing git.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["ProgressCallback", "TransferProgress"]


@dataclass(frozen=True)
class TransferProgress:
    """How far a fetch or push has got.

    Attributes
    ----------
    phase
        ``"receiving"`` (fetch: objects arriving), ``"resolving"`` (fetch:
        deltas being indexed) or ``"sending"`` (push).
    objects
        Objects (or deltas, while resolving) done so far.
    total
        Objects (or deltas) in all; 0 while unknown.
    bytes
        Bytes transferred so far.
    """

    phase: Literal["receiving", "resolving", "sending"]
    objects: int
    total: int
    bytes: int


ProgressCallback = Callable[[TransferProgress], None]
