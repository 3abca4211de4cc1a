"""Lazy re-exports for packages whose import must stay light (PEP 562).

``import fnstore`` must not import the layers its names live in, nor may
``fnstore.bench`` (pytest loads its plugin in every run) or
``fnstore.registry`` (it is on the start-up path).  Such a package lists
``public name -> defining module`` and takes its module ``__getattr__`` and
``__dir__`` from :func:`lazy_exports`; the first use of a name imports its
module and keeps the value, so later lookups are plain attribute reads.
"""

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, names: "Mapping[str, str]"
) -> "tuple[Callable[[str], Any], Callable[[], list[str]]]":
    """Return ``(__getattr__, __dir__)`` for ``package``, resolving ``names`` on first use."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
