"""Running code written for OpenHCS or arraybridge where they are not installed.

Such code imports its decorators from ``openhcs.core.memory`` (or
``.decorators``) or from ``arraybridge``.  Before a stored module that imports
either is run, this installs fnstore's stand-in for whichever of them is not
installed (:mod:`fnstore._standin`); an installed package is always used as is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore._standin import ensure_openhcs_decorators, needs_stand_in

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["ensure_shim"]


def ensure_shim(imports: Iterable[str]) -> None:
    """Make the decorator imports of code that imports ``imports`` work here."""
    if needs_stand_in(imports):
        ensure_openhcs_decorators()
