"""The registry: a store's functions at its pin, loaded lazily; the OpenHCS-compatible API.

::

    Registry.load(store)          pin + overrides -> manifests (cached by commit id)
      .get("blur"), .get("blur@3"), .get("blur@<content id>")   -> callable
      .functions(memory_type)     "<registry>:<name>" -> FunctionMetadata
      .refresh(), .on_change(cb)  follow saves and pin changes
    CustomFunctionManager         register_from_code / load_all / list / delete / restore
    FUNC_REGISTRY, register_function, get_function_by_name,
    get_functions_by_memory_type  the seed system's API

Modules (one per concern): ``_registry`` (the class, and its listing),
``_snapshot`` (the pin, refs and cache directory, read without pygit2 or
platformdirs; what one pin holds, and its cache file),
``_build`` (a pin's snapshot when the cache lacks it: manifests are read
with the git command by :mod:`fnstore.git._gitread`), ``_records``
(manifest -> tuples), ``_background`` (cache writes off the critical path),
``_loaded``, ``_modcache`` and ``_resolve`` (stored code as real, picklable
modules), ``_metadata`` (what ``functions()`` returns), ``_trustgate`` (the
trust policy, asked before stored code runs), ``_compat``, ``_manager``,
``_store_source``, ``_openhcs``.  Each module file costs a second start a
tenth of a millisecond, a twentieth of its budget: the cached path imports
six of fnstore's (not :mod:`fnstore._lazy`, no error class until an error is
raised, nor the code that builds what the cache lacks).  Nor ``__future__``:
``from __future__ import annotations`` imports that module too, so the cached
path's modules do without it and quote the annotations that name what only a
type checker imports.

How a start-up goes: read the pin and resolve it from the ref files; if the
cache holds that commit, read its listing (one row per function) and stop (a
second start); else, under the pin's build lock (workers starting together
build it once), read only the manifests changed since this store's last
snapshot (``git diff-tree``; a new pin after a save or a pull), or, with no
snapshot at all, every manifest (``git ls-tree`` and ``git cat-file
--batch``, parsed while git reads), and write the cache file; anything
unusual goes to the store (pygit2).  ``functions()`` builds the listing from
the rows.  The cached path imports neither pygit2, pydantic, json nor
subprocess.
"""

from typing import TYPE_CHECKING, Any

# Public name -> defining module, imported on first use: `from fnstore.registry
# import Registry` must not import the compatibility layer and the manager.
_LAZY = {
    "FUNC_REGISTRY": "fnstore.registry._compat",
    "REGISTRY_NAME": "fnstore.registry._metadata",
    "CustomFunctionManager": "fnstore.registry._manager",
    "FunctionMetadata": "fnstore.registry._metadata",
    "Registry": "fnstore.registry._registry",
    "RegistryChange": "fnstore.registry._registry",
    "get_function_by_name": "fnstore.registry._compat",
    "get_functions_by_memory_type": "fnstore.registry._compat",
    "load_version": "fnstore.registry._version",
    "register_function": "fnstore.registry._compat",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    # PEP 562, with fnstore._lazy imported on first use only (it says why).
    from fnstore._lazy import load

    return load(__name__, _LAZY, name)


def __dir__() -> list[str]:
    from fnstore._lazy import listing

    return listing(__name__, _LAZY)


if TYPE_CHECKING:  # let type checkers see the lazy names (redundant aliases re-export them)
    from fnstore.registry._compat import FUNC_REGISTRY as FUNC_REGISTRY
    from fnstore.registry._compat import get_function_by_name as get_function_by_name
    from fnstore.registry._compat import (
        get_functions_by_memory_type as get_functions_by_memory_type,
    )
    from fnstore.registry._compat import register_function as register_function
    from fnstore.registry._manager import CustomFunctionManager as CustomFunctionManager
    from fnstore.registry._metadata import REGISTRY_NAME as REGISTRY_NAME
    from fnstore.registry._metadata import FunctionMetadata as FunctionMetadata
    from fnstore.registry._registry import Registry as Registry
    from fnstore.registry._registry import RegistryChange as RegistryChange
    from fnstore.registry._version import load_version as load_version
