"""Lab sync: share one function repository by push and pull.

The verbs are methods of :class:`~fnstore.store.FunctionStore` (this package
reaches git only through :mod:`fnstore.git`)::

    store.add_remote("lab", "ssh://git@lab-server/functions.git")
    store.remotes()                  # {"lab": "ssh://git@lab-server/functions.git"}
    store.fetch("lab")               # -> FetchResult, nothing local changes
    store.push("lab")                # -> PushResult; PushRejectedError: pull first
    result = store.pull("lab")       # -> PullResult
    for c in result.conflicts:       # status "conflicts": nothing local changed yet
        store.resolve(c.name, "mine" | "theirs" | "both")   # = store.resolve_conflict
    store.abort_pull()               # or forget the pending pull
    store.remove_remote("lab")

This module gathers the values those calls return, for callers that want to
type against them (the CLI, the GUI) without importing git.

The rules
---------
- **Per module.** A pull merges ``functions/<module>/`` folders as units:
  a module changed on one side only takes that side; a module changed on
  both sides (or deleted on one and changed on the other) is a *conflict*,
  reported per function with both content ids; so is an incoming module
  that defines a function name a local module already uses.
- **Nothing changes until resolved.** While a pull has conflicts, the local
  branch, the pin and the registry stay as they were; the pending merge is
  kept in ``<store>/fnstore/pending.json`` and ``refs/fnstore/pending/<remote>``
  (so it survives restarts).  Saving meanwhile is fine: the merge is made
  on top of the branch as it is when the last conflict is resolved.
- **Choices.** ``mine`` keeps the local module, ``theirs`` takes the
  remote's, ``both`` keeps the local one and adds the remote's as module
  ``<module>_theirs`` with its functions renamed ``<name>_theirs`` (by the
  syntax tree and its scopes: see :mod:`fnstore.manifest._rename`).
- **Never lost, never forced.** A merge is a real merge commit with both
  parents (a fast-forward when possible); pushes are never forced, and a
  push the remote refuses raises :class:`~fnstore.errors.PushRejectedError`
  ("pull first").
- **Benchmark notes** (every ``refs/notes/*``) travel with push and pull;
  diverged notes merge as the union of both sides, record lists merged.
- **Credentials** come from ``FNSTORE_SSH_KEY`` (or the ssh agent, or
  ``~/.ssh/id_ed25519``), ``FNSTORE_TOKEN`` or git's credential helper, and
  are never written anywhere.  ``FNSTORE_CONNECT_TIMEOUT`` and
  ``FNSTORE_TIMEOUT`` (seconds) bound how long a dead server can hold a call.
"""

from __future__ import annotations

from fnstore.git._progress import ProgressCallback, TransferProgress
from fnstore.sync._types import (
    Choice,
    Conflict,
    FetchResult,
    PullResult,
    PullStatus,
    PushResult,
)

__all__ = [
    "Choice",
    "Conflict",
    "FetchResult",
    "ProgressCallback",
    "PullResult",
    "PullStatus",
    "PushResult",
    "TransferProgress",
]
