"""Let code written for OpenHCS import its decorators where OpenHCS is not installed.

OpenHCS users write ``from openhcs.core.memory.decorators import numpy``.  When
the real ``openhcs`` cannot be imported, :func:`ensure_openhcs_decorators`
registers small stand-in modules (``openhcs``, ``openhcs.core``,
``openhcs.core.memory``, ``openhcs.core.memory.decorators``) whose decorator
names are fnstore's own (:mod:`fnstore.memory`).  When the real OpenHCS is
installed nothing is touched and its decorators are used.

The store's save check and the registry both call it before running saved code.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

__all__ = ["SHIM_MODULES", "ensure_openhcs_decorators"]

#: The module chain the shim provides, parent first.
SHIM_MODULES = ("openhcs", "openhcs.core", "openhcs.core.memory", "openhcs.core.memory.decorators")
_DECORATORS = ("numpy", "cupy", "torch", "tensorflow", "jax", "pyclesperanto", "memory_types")
_MARK = "__fnstore_shim__"


def _decorator(name: str) -> Any:
    if name in _DECORATORS:
        return getattr(importlib.import_module("fnstore.memory"), name)
    raise AttributeError(
        f"module 'openhcs.core.memory.decorators' (fnstore's stand-in: OpenHCS is not "
        f"installed) has no attribute {name!r}; only {', '.join(_DECORATORS)} are provided"
    )


def ensure_openhcs_decorators() -> bool:
    """Make ``openhcs.core.memory.decorators`` importable; True if the stand-in is in use."""
    current = sys.modules.get(SHIM_MODULES[-1])
    if current is not None:
        return bool(getattr(current, _MARK, False))
    try:
        real = importlib.util.find_spec("openhcs") is not None
    except (ImportError, ValueError):
        real = False
    if real:
        return False
    parent: types.ModuleType | None = None
    for name in SHIM_MODULES:
        module = sys.modules.get(name)
        if module is None:
            module = types.ModuleType(name, "fnstore's stand-in for OpenHCS (not installed).")
            module.__path__ = []  # a package, so that submodule imports resolve
            setattr(module, _MARK, True)
            sys.modules[name] = module
        if parent is not None:
            setattr(parent, name.rpartition(".")[2], module)
        parent = module
    decorators = sys.modules[SHIM_MODULES[-1]]
    decorators.__getattr__ = _decorator  # type: ignore[method-assign]
    return True
