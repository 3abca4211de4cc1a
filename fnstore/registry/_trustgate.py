"""The registry's door to stored code: the trust policy, asked before a module runs.

Listing never runs code, so start-up is untouched.  On a function's first use
the registry asks :class:`TrustGate` whether its module version may run:

- ``any`` (the default for a store without a remote) answers at once;
- code this user saved or accepted is in the store's record (a plain file,
  :mod:`fnstore.trust._state`), answered without opening the store;
- anything else asks the store (:meth:`FunctionStore.trust_verdict`), which
  checks signatures under ``signed``, and under ``strict`` what the code does
  at import time.

Verdicts are kept until the policy or the record changes on disk (an
``accept`` in another process, a ``fnstore trust`` change): :meth:`changed`
tells :meth:`Registry.refresh` to ask again.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from fnstore.errors import UntrustedCodeError
    from fnstore.store import FunctionStore
    from fnstore.trust._state import TrustState

__all__ = ["TrustGate", "untrusted_error"]


def untrusted_error(module: str, version: int, content_id: str, reason: str) -> UntrustedCodeError:
    """Return the error for running a version the policy does not allow (says how to review it)."""
    from fnstore.trust import _state  # not at start-up: it imports dataclasses

    return _state.untrusted_error(module, version, content_id, reason)


class TrustGate:
    """Whether a module version may run, per the store's policy (see the module docstring)."""

    def __init__(self, path: str, store: Callable[[], FunctionStore]) -> None:
        self._path = path
        self._store = store
        self._state: TrustState | None = None
        self._stamp: tuple[float, ...] = ()
        self._verdicts: dict[tuple[str, str], str | None] = {}

    def _files_stamp(self) -> tuple[float, ...]:
        from fnstore.trust._state import read_config

        signers = read_config(self._path)[0].get("allowedsigners")
        files = [
            os.path.join(self._path, "config"),
            os.path.join(self._path, "fnstore", "trusted"),
            os.path.expanduser(signers)
            if signers
            else os.path.join(self._path, "fnstore", "allowed_signers"),
        ]
        out = []
        for path in files:
            try:
                st = os.stat(path)
                out += [st.st_mtime, float(st.st_size)]
            except OSError:
                out += [-1.0, -1.0]
        return tuple(out)

    def state(self) -> TrustState:
        """Return the policy and record (read once, and again after :meth:`changed`)."""
        if self._state is None:
            from fnstore.trust._state import TrustState

            self._stamp = self._files_stamp()
            self._state = TrustState.load(self._path)
        return self._state

    def changed(self) -> bool:
        """Whether the policy, the record or the signers changed since last read (then forget)."""
        if self._state is None or self._files_stamp() == self._stamp:
            return False
        self._state, self._verdicts = None, {}
        return True

    @property
    def open(self) -> bool:
        """Whether everything may run (policy ``any``, not strict)."""
        return self.state().open

    def refusal(self, module: str, content_id: str, commit: str | None) -> str | None:
        """Why ``module``'s version ``content_id`` may not run here, or None when it may.

        ``commit`` holds that version, when known (it spares a history search).
        """
        state = self.state()
        if state.open:
            return None
        if not state.strict and state.recorded(content_id) is not None:
            return None
        key = (module, content_id)
        if key not in self._verdicts:
            verdict = self._store().trust_verdict(module, content_id, commit=commit)
            self._verdicts[key] = None if verdict.trusted else verdict.reason
        return self._verdicts[key]
