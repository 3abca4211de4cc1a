"""The registry: a store's functions at its pin, loaded lazily; the OpenHCS-compatible API.

::

    Registry.load(store)          pin + overrides -> manifests (cached by commit id)
      .get("blur"), .get("blur@3"), .get("blur@<content id>")   -> callable
      .functions(memory_type)     "<registry>:<name>" -> FunctionMetadata
      .refresh(), .on_change(cb)  follow saves and pin changes
    CustomFunctionManager         register_from_code / load_all / list / delete / restore
    FUNC_REGISTRY, register_function, get_function_by_name,
    get_functions_by_memory_type  the seed system's API

Modules (one per concern): ``_records`` (manifest -> tuples, plain json),
``_pins`` (pin and refs read without pygit2), ``_snapshot`` (what one pin
holds, and its cache), ``_loaded`` and ``_modcache`` (stored code as real,
picklable modules), ``_registry``, ``_metadata``, ``_compat``, ``_manager``.

Importing this package imports neither pygit2 nor pydantic: the cached
start-up path never needs them.
"""

from __future__ import annotations

from fnstore.registry._compat import (
    FUNC_REGISTRY,
    get_function_by_name,
    get_functions_by_memory_type,
    register_function,
)
from fnstore.registry._manager import CustomFunctionManager
from fnstore.registry._metadata import REGISTRY_NAME, FunctionMetadata
from fnstore.registry._registry import Registry, RegistryChange

__all__ = [
    "FUNC_REGISTRY",
    "REGISTRY_NAME",
    "CustomFunctionManager",
    "FunctionMetadata",
    "Registry",
    "RegistryChange",
    "get_function_by_name",
    "get_functions_by_memory_type",
    "register_function",
]
