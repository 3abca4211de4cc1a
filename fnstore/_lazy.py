"""Lazy re-exports for packages whose import must stay light (PEP 562).

``fnstore.bench`` (pytest loads its plugin in every run), ``fnstore.trust``,
and ``fnstore.layout`` and ``fnstore.registry`` (both on a registry's
start-up path) must not import the modules their names live in.  Such a
package lists ``public name -> defining module``; the first use of a name
imports its module and keeps the value, so later lookups are plain attribute
reads.  A package off the start-up path takes its module ``__getattr__`` and
``__dir__`` from :func:`lazy_exports`; one on it calls :func:`load` and
:func:`listing` from its own two functions, importing this module inside
them: a start-up that uses none of its lazy names then never imports this
file (each module file costs that start-up a tenth of a millisecond).
``fnstore`` itself keeps its own loader, for the same reason: a start-up
reads ``fnstore.Registry``.
"""

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["lazy_exports", "listing", "load"]


def load(package: str, names: "Mapping[str, str]", name: str) -> Any:
    """Return ``package.name``, importing its defining module; the package keeps the value."""
    module = names.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    sys.modules[package].__dict__[name] = value  # later lookups skip __getattr__
    return value


def listing(package: str, names: "Mapping[str, str]") -> list[str]:
    """Return ``dir(package)``: its own names and the lazy ones."""
    return sorted(set(sys.modules[package].__dict__) | set(names))


def lazy_exports(
    package: str, names: "Mapping[str, str]"
) -> "tuple[Callable[[str], Any], Callable[[], list[str]]]":
    """Return ``(__getattr__, __dir__)`` for ``package``, resolving ``names`` on first use."""

    def __getattr__(name: str) -> Any:
        return load(package, names, name)

    def __dir__() -> list[str]:
        return listing(package, names)

    return __getattr__, __dir__
