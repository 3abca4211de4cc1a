"""Running code written for OpenHCS when OpenHCS is not installed.

Such code imports its decorators from ``openhcs.core.memory.decorators``.  The
store provides a stand-in for that module (used by its save-time check); this
installs it before a stored module that imports ``openhcs`` is run, unless the
real OpenHCS is importable.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["ensure_shim"]


def ensure_shim(imports: Iterable[str]) -> None:
    """Make ``openhcs.core.memory.decorators`` importable if the code needs it."""
    if "openhcs" not in imports or "openhcs.core.memory.decorators" in sys.modules:
        return
    # The same stand-in the store's save-time check runs the code with.
    from fnstore.manifest._openhcs_shim import ensure_openhcs_decorators

    ensure_openhcs_decorators()
