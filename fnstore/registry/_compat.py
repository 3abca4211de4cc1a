"""The seed system's function-registry API, backed by the store.

Code written against OpenHCS's ``openhcs.processing.func_registry`` keeps
working: :data:`FUNC_REGISTRY` (registry name -> list of functions),
:func:`register_function`, :func:`get_function_by_name` and
:func:`get_functions_by_memory_type`.  The stored functions appear under
``FUNC_REGISTRY["fnstore"]``, read from the current registry (the one the
last :class:`~fnstore.registry.CustomFunctionManager` opened, else the user's
store); functions registered by hand live beside them for this process only.

Unlike the seed system, nothing runs at import: the registry loads on first
use, and a lookup by name compiles only the module it returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from fnstore.errors import FnStoreError, MemoryTypeError
from fnstore.registry._metadata import REGISTRY_NAME, unavailable_stub
from fnstore.registry._registry import MEMORY_TYPES, Registry

__all__ = [
    "FUNC_REGISTRY",
    "current_registry",
    "get_function_by_name",
    "get_functions_by_memory_type",
    "register_function",
    "use_registry",
]

_lock = threading.RLock()
_current: Registry | None = None
# registry name -> functions registered by hand in this process.
_manual: dict[str, list[Callable[..., Any]]] = {}


def use_registry(registry: Registry | None) -> None:
    """Back the compatibility API with ``registry`` (None: the user's store, loaded on use)."""
    global _current
    with _lock:
        _current = registry


def current_registry() -> Registry:
    """Return the registry behind the compatibility API (loading the user's store once)."""
    global _current
    with _lock:
        if _current is None:
            _current = Registry.load()
        return _current


def _check_memory_type(value: object, what: str) -> str:
    if value not in MEMORY_TYPES:
        raise MemoryTypeError(
            f"{what} is {value!r}, not a memory type: use one of {', '.join(MEMORY_TYPES)}"
        )
    return str(value)


def _safe_func(registry: Registry, name: str) -> Callable[..., Any]:
    # One function whose code fails must not hide the others from a listing.
    try:
        return registry.get(name)
    except FnStoreError as exc:
        meta = registry.info(name)
        record = (meta.name, meta.input_memory_type, meta.output_memory_type, meta.doc, 0, (), ())
        return unavailable_stub(name, record, str(exc))


class _FuncRegistry(MutableMapping[str, list[Callable[..., Any]]]):
    """Registry name -> functions, the shape of OpenHCS's ``FUNC_REGISTRY``.

    ``FUNC_REGISTRY["fnstore"]`` lists the store's functions at the pin: reading
    it compiles all of them (as the seed system did at start-up); prefer
    :meth:`fnstore.Registry.get`, which compiles one.
    """

    def _stored(self) -> list[Callable[..., Any]]:
        registry = current_registry()
        return [_safe_func(registry, name) for name in registry.names()]

    def __getitem__(self, key: str) -> list[Callable[..., Any]]:
        if key == REGISTRY_NAME:
            return [*self._stored(), *_manual.get(key, [])]
        return _manual[key]

    def __setitem__(self, key: str, value: list[Callable[..., Any]]) -> None:
        _manual[key] = list(value)

    def __delitem__(self, key: str) -> None:
        del _manual[key]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({REGISTRY_NAME, *_manual}))

    def __len__(self) -> int:
        return len({REGISTRY_NAME, *_manual})

    def __repr__(self) -> str:
        return f"<FUNC_REGISTRY registries={list(self)}>"


FUNC_REGISTRY = _FuncRegistry()


def register_function(func: Callable[..., Any], backend: str | None = None) -> None:
    """Register a decorated function for this process, under registry ``backend``.

    Raises
    ------
    MemoryTypeError
        ``func`` lacks ``input_memory_type``/``output_memory_type`` (decorate it
        with ``@numpy`` or another memory type) or they name no memory type.
    """
    name = getattr(func, "__name__", repr(func))
    for attr in ("input_memory_type", "output_memory_type"):
        if not hasattr(func, attr):
            raise MemoryTypeError(
                f"function {name!r} has no {attr}: decorate it with a memory type, "
                "e.g. @numpy after 'from fnstore import numpy'"
            )
        _check_memory_type(getattr(func, attr), f"{name}.{attr}")
    registry_name = backend or REGISTRY_NAME
    with _lock:
        functions = _manual.setdefault(registry_name, [])
        if func not in functions:
            functions.append(func)
    try:
        func.registry = registry_name  # type: ignore[attr-defined]
    except (AttributeError, TypeError):
        pass  # a builtin or a frozen callable: registering it is still fine


def unregister(name: str) -> bool:
    """Forget functions named ``name`` registered by hand; True if there were any."""
    found = False
    with _lock:
        for functions in _manual.values():
            keep = [f for f in functions if getattr(f, "__name__", None) != name]
            found = found or len(keep) != len(functions)
            functions[:] = keep
    return found


def get_functions_by_memory_type(memory_type: str) -> list[Callable[..., Any]]:
    """Every function whose input memory type is ``memory_type``.

    Raises
    ------
    MemoryTypeError
        ``memory_type`` is not one.
    """
    _check_memory_type(memory_type, "memory_type")
    registry = current_registry()
    found = [_safe_func(registry, m.name) for m in registry.functions(memory_type).values()]
    for functions in list(_manual.values()):
        found.extend(f for f in functions if getattr(f, "input_memory_type", None) == memory_type)
    return found


def get_function_by_name(function_name: str, memory_type: str) -> Callable[..., Any] | None:
    """Return the function ``function_name`` with input ``memory_type``, or None."""
    _check_memory_type(memory_type, "memory_type")
    for functions in list(_manual.values()):
        for func in functions:
            same_type = getattr(func, "input_memory_type", None) == memory_type
            if getattr(func, "__name__", None) == function_name and same_type:
                return func
    registry = current_registry()
    # A name several modules hold is listed once per memory type: sharpen[torch].
    for ref in (function_name, f"{function_name}[{memory_type}]"):
        if ref in registry and registry.info(ref).memory_type == memory_type:
            return registry.get(ref)
    return None
