"""Let code written for OpenHCS or arraybridge import its decorators where they are not installed.

OpenHCS code imports its memory decorators in several ways (all read by
:mod:`fnstore.manifest._introspect`)::

    from openhcs.core.memory import numpy              # OpenHCS 0.8.6's own templates
    from openhcs.core.memory.decorators import numpy
    from arraybridge import numpy                      # the package underneath
    import arraybridge as ab; @ab.numpy

Where the real package is installed, nothing here is used: the code runs with
the real decorators, so a function fnstore loads is the one OpenHCS would
load.  Where it is not, :func:`ensure_openhcs_decorators` adds an import
finder that serves stand-in modules for exactly those import paths, whose
decorators are fnstore's own (:mod:`fnstore.memory`).  The stand-ins are
proper modules, with a ``__spec__`` and a loader, so
``importlib.util.find_spec("openhcs")`` and ``importlib.reload`` work on them.

The finder goes first on ``sys.meta_path`` but steps aside whenever Python's
own path finder finds a real package of that name, so it never shadows one.
It must go first because a mere folder named ``openhcs`` on ``sys.path``
(OpenHCS's own data directory is one, so is a checkout) is a namespace
package, which Python's path finder would otherwise return: that is not the
real OpenHCS, and has no decorators.

The store's save check, the registry and benchmarks call it before running saved code.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import types
    from collections.abc import Iterable, Sequence

__all__ = [
    "ALWAYS_IMPORTABLE",
    "SHIM_MODULES",
    "STAND_IN_PACKAGES",
    "ensure_openhcs_decorators",
    "is_stand_in",
    "needs_stand_in",
    "really_installed",
]

#: Top-level packages fnstore stands in for when they are not installed.
STAND_IN_PACKAGES = ("openhcs", "arraybridge")
#: The modules the stand-in provides, parent first; True: it holds the decorators.
_PROVIDED: dict[str, bool] = {
    "openhcs": False,
    "openhcs.core": False,
    "openhcs.core.memory": True,
    "openhcs.core.memory.decorators": True,
    "arraybridge": True,
    "arraybridge.decorators": True,
}
SHIM_MODULES = tuple(_PROVIDED)
#: Top-level imports saved code may use wherever fnstore runs: fnstore itself
#: and the packages it stands in for.  The registry, `fnstore ls`/doctor and
#: benchmarks all decide what can run here by this one set.
ALWAYS_IMPORTABLE = frozenset({"fnstore", "__future__", *STAND_IN_PACKAGES})
_DECORATORS = ("numpy", "cupy", "torch", "tensorflow", "jax", "pyclesperanto", "memory_types")
_OTHER_NAMES = ("MemoryType",)
_MARK = "__fnstore_shim__"
_lock = threading.Lock()


def _decorator_getattr(module_name: str) -> Any:
    def __getattr__(name: str) -> Any:  # a module's __getattr__ (PEP 562)
        if name in _DECORATORS or name in _OTHER_NAMES:
            # Looked up on use: importing fnstore.memory costs only when code needs it.
            return getattr(importlib.import_module("fnstore.memory"), name)
        raise AttributeError(
            f"module {module_name!r} (fnstore's stand-in: the real package is not installed) "
            f"has no attribute {name!r}; only {', '.join(_DECORATORS + _OTHER_NAMES)} are "
            f"provided: install the real package for the rest"
        )

    return __getattr__


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and loads the stand-in modules of the packages in :attr:`packages`."""

    def __init__(self, packages: Sequence[str]) -> None:
        self.packages = frozenset(packages)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        top = fullname.partition(".")[0]
        if fullname not in _PROVIDED or top not in self.packages:
            return None
        if fullname == top and _regular(importlib.machinery.PathFinder.find_spec(top)):
            return None  # installed since we looked: the real package wins
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        module.__doc__ = f"fnstore's stand-in for {name} (the real package is not installed)."
        setattr(module, _MARK, True)
        if _PROVIDED[name]:
            module.__getattr__ = _decorator_getattr(name)  # type: ignore[method-assign]


_finder: _StandInFinder | None = None


def _regular(spec: importlib.machinery.ModuleSpec | None) -> bool:
    """Tell whether ``spec`` is a module or regular package, not a bare folder's namespace."""
    return spec is not None and spec.origin not in (None, "namespace")


def really_installed(package: str) -> bool:
    """Tell whether the real ``package`` can be imported here.

    Neither the stand-in nor a bare folder of that name (a namespace package) counts.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return False
    return _regular(spec) and not isinstance(spec.loader, _StandInFinder)  # type: ignore[union-attr]


def ensure_openhcs_decorators() -> bool:
    """Make every OpenHCS/arraybridge decorator import work; True if a stand-in is in use.

    Packages that are installed are left alone.  Calling it again costs a lookup.
    """
    global _finder
    with _lock:
        if _finder is None:
            absent = [p for p in STAND_IN_PACKAGES if not really_installed(p)]
            _finder = _StandInFinder(absent)
            if absent:
                # First, so that a bare folder named openhcs cannot pass for the
                # package; find_spec steps aside for a real one (see above).
                sys.meta_path.insert(0, _finder)
        return bool(_finder.packages)


def is_stand_in(module: object) -> bool:
    """Tell whether ``module`` is one of fnstore's stand-in modules."""
    return bool(getattr(module, _MARK, False))


def needs_stand_in(imports: Iterable[str]) -> bool:
    """Tell whether code importing the top-level modules ``imports`` may need the stand-in."""
    return any(name in STAND_IN_PACKAGES for name in imports)
