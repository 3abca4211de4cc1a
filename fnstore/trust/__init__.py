"""Trust: which stored code may run here (policy, record, signatures, import-time report).

pygit2-free, below the store: the store records acceptance and signs its
commits with these pieces, and the registry and the benchmarks consult them
(through the store where git must be read).  Nothing here runs stored code.

- :mod:`fnstore.trust._state`: the policy (``review``, ``signed``, ``any``,
  ``strict``) from the store's config, and the record of trusted content ids;
- :mod:`fnstore.trust._report`: what a module would do at import time;
- :mod:`fnstore.trust._signing`: SSH and OpenPGP commit signatures, and the
  allowed-signers file.

Names are loaded lazily: the registry reads the policy on a function's first
use and must not pay for :mod:`ast` there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore._lazy import lazy_exports

_LAZY = {
    "POLICIES": "fnstore.trust._state",
    "Finding": "fnstore.trust._report",
    "ImportReport": "fnstore.trust._report",
    "TrustState": "fnstore.trust._state",
    "import_report": "fnstore.trust._report",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # let type checkers see the lazy names (redundant aliases re-export them)
    from fnstore.trust._report import Finding as Finding
    from fnstore.trust._report import ImportReport as ImportReport
    from fnstore.trust._report import import_report as import_report
    from fnstore.trust._state import POLICIES as POLICIES
    from fnstore.trust._state import TrustState as TrustState
