"""``CustomFunctionManager``: the seed system's custom-function lifecycle, as commits.

The seed system kept each custom function as a loose ``.py`` file and
``exec``'d every file at start-up.  Here, persisting is a commit to the store
(history, rollback and sharing come with it), deleting is a commit that
``restore`` undoes, and loading reads manifests only: code runs on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fnstore.errors import FunctionNotFoundError, InvalidCodeError
from fnstore.registry import _compat, _loaded
from fnstore.registry._modcache import blob_id
from fnstore.registry._registry import Registry

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

    from fnstore.store import FunctionStore

__all__ = ["CustomFunctionManager"]


class CustomFunctionManager:
    """Register, list, delete and restore custom functions in a store.

    Parameters
    ----------
    store
        A :class:`~fnstore.store.FunctionStore`, or the path of one; default:
        the user's store (created on the first save).

    The manager's :attr:`registry` also backs :data:`fnstore.FUNC_REGISTRY`
    and the other compatibility functions from now on.
    """

    def __init__(self, store: FunctionStore | str | os.PathLike[str] | None = None) -> None:
        self.registry = Registry.load(store)
        _compat.use_registry(self.registry)

    @property
    def store(self) -> FunctionStore:
        """The store (opened, or for the default one created, on first use)."""
        return self.registry.store

    def register_from_code(self, code: str, persist: bool = True) -> list[Callable[..., Any]]:
        """Save ``code`` as a new version (``persist``) or run it for this process only.

        Returns the decorated functions the code defines, in source order.

        Raises
        ------
        InvalidCodeError
            The code does not parse, defines no decorated function, or fails
            when run (unsaved code only: the store checks what it saves).
        """
        if persist:
            result = self.store.save(code)
            self.registry.refresh()
            return [self.registry.get(f"{v.name}@{v.content_id}") for v in result.versions]
        return self._run_unsaved(code)

    def _run_unsaved(self, code: str) -> list[Callable[..., Any]]:
        from fnstore.manifest import introspect

        found = introspect(code)
        first = found.functions[0].name
        # Content-addressed like a saved module, so equal code is loaded once.
        try:
            module = _loaded.import_stored(f"unsaved_{first}", blob_id(code), lambda: code)
        except Exception as exc:
            raise InvalidCodeError(
                f"the code failed when run ({type(exc).__name__}: {exc}); fix it and try again"
            ) from exc
        functions = [getattr(module, info.name) for info in found.functions]
        for func in functions:
            _compat.register_function(func)
        return functions

    def load_all_custom_functions(self) -> int:
        """Follow the store's latest saves and pin; returns how many functions it lists."""
        self.registry.refresh()
        return len(self.registry)

    def list_custom_functions(self) -> list[dict[str, Any]]:
        """One row per function at the pin: name, memory types, version, availability..."""
        rows = []
        for meta in self.registry.functions().values():
            rows.append(
                {
                    "name": meta.name,
                    "key": meta.key,
                    "module": meta.module,
                    "version": meta.version,
                    "content_id": meta.content_id,
                    "memory_type": meta.input_memory_type,
                    "input_memory_type": meta.input_memory_type,
                    "output_memory_type": meta.output_memory_type,
                    "doc": meta.doc,
                    "available": meta.available,
                    "unavailable_reason": meta.unavailable_reason,
                }
            )
        return rows

    def get_function_code(self, name: str) -> str:
        """Return the source of the module that defines ``name`` at the pin.

        Raises
        ------
        FunctionNotFoundError
            No such function.
        """
        meta = self.registry.info(name)
        return self.store.blob_text(meta.content_id)[1]

    def delete_custom_function(self, name: str) -> bool:
        """Delete ``name`` (a commit; :meth:`restore_custom_function` undoes it).

        Returns False when there is no such function.
        """
        dropped = _compat.unregister(name)
        try:
            self.store.delete(name)
        except FunctionNotFoundError:
            return dropped
        self.registry.refresh()
        return True

    def restore_custom_function(self, name: str) -> bool:
        """Bring back a deleted function as a new version; False if there is nothing to restore."""
        try:
            self.store.restore(name)
        except FunctionNotFoundError:
            return False
        self.registry.refresh()
        return True
