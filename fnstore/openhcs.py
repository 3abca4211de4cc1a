"""Make OpenHCS keep its custom functions in an fnstore store.

OpenHCS 0.8.6's :class:`openhcs.processing.custom_functions.CustomFunctionManager`
keeps each custom function as a loose ``.py`` file.  One call switches it to
an fnstore store, before OpenHCS's GUI or pipeline starts::

    import fnstore.openhcs
    fnstore.openhcs.install()          # the user's store; or install("path/to/store.git")

From then on, for every manager OpenHCS creates (its Custom Function Manager
dialog, its function selector, ``func_registry``):

* ``register_from_code`` commits the code (version 1 of a module named after
  the function); ``update_custom_function`` commits the next version;
  ``delete_custom_function`` is a delete commit that ``fnstore restore`` undoes;
* ``list_custom_functions``, ``get_function_code`` and ``source_revision``
  read the store at its pin, without running any code;
* ``load_all_custom_functions`` publishes every function at the pin to
  OpenHCS's function registry, including functions saved with fnstore itself
  (several per module are fine), with their memory types and docstrings.

OpenHCS's own checks (``validate_code``, its execution namespace, its name
collision check, ``project_custom_function``) still run on every function:
only where the code is kept changes.  :func:`uninstall` puts the original
methods back.  This module imports OpenHCS only inside :func:`install`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fnstore.errors import FnStoreError, FunctionNotFoundError, MissingDependencyError

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

    from fnstore.registry import Registry
    from fnstore.store import FunctionStore

__all__ = ["Installed", "install", "installed", "uninstall"]

#: The manager methods the adapter replaces.
_METHODS = (
    "register_from_code",
    "update_custom_function",
    "delete_custom_function",
    "list_custom_functions",
    "get_function_code",
    "source_revision",
    "load_all_custom_functions",
    "load_custom_function",
)
_MESSAGE = "{verb} {name} from OpenHCS"
_log = logging.getLogger(__name__)


@dataclass
class Installed:
    """The adapter in place: the registry (and so the store and pin) OpenHCS now reads."""

    registry: Registry
    originals: dict[str, Any]

    @property
    def store(self) -> FunctionStore:
        """The store OpenHCS's custom functions live in."""
        return self.registry.store


_lock = threading.RLock()
_installed: Installed | None = None


def installed() -> Installed | None:
    """Return the adapter in place, or None when OpenHCS keeps loose files."""
    return _installed


def _manager_class() -> Any:
    try:
        from openhcs.processing.custom_functions import manager
    except ImportError as exc:
        raise MissingDependencyError(
            "openhcs", why="by fnstore.openhcs.install(), which adapts the real OpenHCS"
        ) from exc
    return manager.CustomFunctionManager


def install(store: FunctionStore | str | os.PathLike[str] | None = None) -> Installed:
    """Make every OpenHCS ``CustomFunctionManager`` keep its functions in ``store``.

    Parameters
    ----------
    store
        A :class:`~fnstore.store.FunctionStore` or the path of one; default:
        the user's store (created on the first save).  Installing again
        switches to the new store.

    Raises
    ------
    MissingDependencyError
        OpenHCS is not installed.
    """
    global _installed
    from fnstore.registry import Registry

    cls = _manager_class()
    with _lock:
        if _installed is not None:
            uninstall()
        registry = Registry.load(store)
        originals = {name: cls.__dict__[name] for name in _METHODS}
        for name in _METHODS:
            setattr(cls, name, _ADAPTED[name])
        _installed = Installed(registry, originals)
        return _installed


def uninstall() -> None:
    """Put OpenHCS's own methods back (loose files again)."""
    global _installed
    with _lock:
        if _installed is None:
            return
        cls = _manager_class()
        for name, method in _installed.originals.items():
            setattr(cls, name, method)
        _installed = None


def _state() -> Installed:
    if _installed is None:  # pragma: no cover - the methods exist only while installed
        raise RuntimeError("fnstore.openhcs is not installed")
    return _installed


def _sha256(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


# --- reading the store at its pin -------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    """One module at the pin: its functions and code."""

    module: str
    version: int
    names: tuple[str, ...]
    code: str


def _modules() -> list[_Stored]:
    """List the modules at the registry's pin (after following new saves), by name."""
    registry = _state().registry
    registry.refresh()
    by_module: dict[str, list[Any]] = {}
    for meta in registry.functions().values():
        if "[" in meta.name:
            # sharpen[torch]: a name several modules hold, once per memory type.
            # OpenHCS keeps one custom function per name, so it gets none of them.
            _log.warning(
                "%s is not given to OpenHCS: OpenHCS keeps one custom function per name, "
                "and the store has this name once per memory type",
                meta.name,
            )
            continue
        by_module.setdefault(meta.module, []).append(meta)
    found = []
    for module, metas in sorted(by_module.items()):
        code = registry.store.blob_text(metas[0].content_id)[1]
        found.append(_Stored(module, metas[0].version, tuple(m.name for m in metas), code))
    return found


def _module_of(name: str) -> str | None:
    registry = _state().registry
    registry.refresh()
    try:
        return registry.info(name).module
    except FnStoreError:
        return None


def _path(stored: _Stored) -> Path:
    # OpenHCS shows file_path.name ("File: ..."): say where the code really is.
    return Path(f"fnstore:{stored.module}@{stored.version}")


# --- preparing functions the way OpenHCS does ----------------------------------------


def _prepare_module(manager: Any, stored: _Stored) -> dict[str, Any]:
    """OpenHCS's own preparation of every function of a stored module: name -> metadata."""
    from openhcs.processing.custom_functions.runtime_registry import (
        CustomFunctionRuntimeRegistry,
        project_custom_function,
    )
    from openhcs.processing.custom_functions.validation import (
        ValidationError,
        validate_code,
        validate_function,
    )

    revision = _sha256(stored.code)
    if len(stored.names) == 1:  # what OpenHCS itself saves: its own path, unchanged
        (name,) = stored.names
        metadata = CustomFunctionRuntimeRegistry.prepare_source_once(
            name, revision, lambda: manager._prepare_source(stored.code)
        )
        return {metadata.original_name: metadata}
    # A module saved with fnstore may hold several functions (OpenHCS's own
    # reader insists on one): run it once in OpenHCS's namespace, project each.
    checked = validate_code(stored.code)
    if not checked.is_valid:
        raise ValidationError("Code validation failed:\n" + "\n".join(checked.errors))
    namespace = manager._create_execution_namespace()
    exec(compile(stored.code, str(_path(stored)), "exec"), namespace)
    prepared = {}
    for name in stored.names:
        func = namespace[name]
        manager._check_name_collision(name)
        result = validate_function(func)
        if not result.is_valid:
            raise ValidationError(
                f"Function {name!r} validation failed:\n" + "\n".join(result.errors)
            )
        prepared[name] = project_custom_function(func, declaration_revision=revision)
    return prepared


def _changed(manager: Any) -> None:
    from openhcs.processing.custom_functions.events import custom_function_changed

    manager._clear_caches()
    custom_function_changed.emit()


# --- the adapted methods ---------------------------------------------------------------


def _register_from_code(
    self: Any,
    code: str,
    persist: bool = True,
    *,
    clear_caches: bool = True,
    emit_signal: bool = True,
) -> list[Callable[..., Any]]:
    """Validate ``code`` as OpenHCS does, commit it (``persist``), publish its function."""
    if not persist:
        original = _state().originals["register_from_code"]
        return original(  # type: ignore[no-any-return]
            self, code, False, clear_caches=clear_caches, emit_signal=emit_signal
        )
    from openhcs.processing.custom_functions.runtime_registry import (
        CustomFunctionLifetime,
        CustomFunctionRuntimeRegistry,
    )

    metadata = self._prepare_source(code)
    name = metadata.original_name
    with CustomFunctionRuntimeRegistry.lifecycle():
        CustomFunctionRuntimeRegistry.ensure_can_publish(metadata)
        if _module_of(name) is not None:
            raise ValueError(
                f"Custom function '{name}' already exists; use update_custom_function() "
                "to replace it."
            )
        _save(code, name, verb="Register")
        CustomFunctionRuntimeRegistry.publish(metadata, CustomFunctionLifetime.PERSISTED)
    if clear_caches:
        self._clear_caches()
    if emit_signal:
        from openhcs.processing.custom_functions.events import custom_function_changed

        custom_function_changed.emit()
    return [metadata.func]


def _save(code: str, module: str, *, verb: str, name: str | None = None) -> None:
    registry = _state().registry
    message = _MESSAGE.format(verb=verb, name=name or module)
    try:
        registry.store.save(code, module=module, message=message)
    except FnStoreError as exc:
        from openhcs.processing.custom_functions.validation import ValidationError

        # OpenHCS's dialog reports ValidationError to the user; the store is unchanged.
        raise ValidationError(f"fnstore refused to save it: {exc}") from exc
    registry.refresh()


def _update_custom_function(self: Any, old_name: str, new_code: str) -> str:
    """Commit ``new_code`` as the next version of ``old_name``'s module; the new name."""
    from openhcs.processing.custom_functions.runtime_registry import (
        CustomFunctionRuntimeRegistry,
    )

    module = _module_of(old_name)
    if module is None:
        raise ValueError(f"Custom function '{old_name}' not found")
    metadata = self._prepare_source(new_code)
    new_name = metadata.original_name
    with CustomFunctionRuntimeRegistry.lifecycle():
        if new_name != old_name and (
            _module_of(new_name) is not None
            or new_name in CustomFunctionRuntimeRegistry.metadata_by_name()
        ):
            raise ValueError(f"Custom function '{new_name}' already exists; rename aborted.")
        CustomFunctionRuntimeRegistry.ensure_can_replace(old_name, metadata)
        # A rename stays in the same module, so its history runs on unbroken.
        _save(new_code, module, verb="Update", name=new_name)
        CustomFunctionRuntimeRegistry.replace(old_name, metadata)
    _changed(self)
    return str(new_name)


def _delete_custom_function(self: Any, func_name: str) -> bool:
    """Delete ``func_name``'s module in a commit (``fnstore restore`` undoes it)."""
    from openhcs.processing.custom_functions.runtime_registry import (
        CustomFunctionRuntimeRegistry,
    )

    registry = _state().registry
    with CustomFunctionRuntimeRegistry.lifecycle():
        module = _module_of(func_name)
        if module is None:
            return False
        names = [m.name for m in registry.functions().values() if m.module == module]
        try:
            registry.store.delete(func_name, message=f"Delete {module} from OpenHCS")
        except FunctionNotFoundError:
            return False
        registry.refresh()
        for name in names:
            CustomFunctionRuntimeRegistry.remove(name)
    _changed(self)
    return True


def _list_custom_functions(self: Any) -> list[Any]:
    """One ``CustomFunctionInfo`` per function at the pin, read from manifests (nothing runs)."""
    from openhcs.processing.custom_functions.manager import CustomFunctionInfo

    registry = _state().registry
    rows = []
    for stored in _modules():
        for name in stored.names:
            meta = registry.info(name)
            rows.append(CustomFunctionInfo(name, _path(stored), meta.memory_type, meta.doc))
    return sorted(rows, key=lambda row: row.name)


def _get_function_code(self: Any, func_name: str) -> str:
    """Return the code of ``func_name``'s module at the pin."""
    registry = _state().registry
    registry.refresh()
    try:
        meta = registry.info(func_name)
    except FnStoreError:
        raise ValueError(f"Custom function '{func_name}' not found") from None
    return registry.store.blob_text(meta.content_id)[1]


def _source_revision(self: Any) -> Any:
    """Name the functions at the pin and their code's sha256 (OpenHCS reloads on a change)."""
    from openhcs.processing.custom_functions.manager import (
        CustomFunctionSource,
        CustomFunctionSourceRevision,
    )

    sources = [
        CustomFunctionSource(function_name=name, content_sha256=_sha256(stored.code))
        for stored in _modules()
        for name in stored.names
    ]
    return CustomFunctionSourceRevision(sources=tuple(sorted(sources, key=str)))


def _load_all_custom_functions(self: Any) -> int:
    """Publish every function at the store's pin to OpenHCS's registry; how many."""
    from openhcs.processing.custom_functions.runtime_registry import (
        CustomFunctionRuntimeRegistry,
    )

    modules = _modules()
    revision = _source_revision(self)
    with CustomFunctionRuntimeRegistry.lifecycle():
        if revision == CustomFunctionRuntimeRegistry.source_revision():
            return len(revision.sources)
    prepared: dict[str, Any] = {}
    for stored in modules:
        prepared.update(_prepare_module(self, stored))
    with CustomFunctionRuntimeRegistry.lifecycle():
        CustomFunctionRuntimeRegistry.replace_all(prepared, revision)
    if prepared:
        _changed(self)
    return len(prepared)


def _load_custom_function(self: Any, func_name: str, **options: Any) -> int:
    """Publish the functions of ``func_name``'s module at the pin; how many (0: not stored)."""
    from openhcs.processing.custom_functions.runtime_registry import (
        CustomFunctionLifetime,
        CustomFunctionRuntimeRegistry,
    )

    module = _module_of(func_name)
    stored = next((s for s in _modules() if s.module == module), None)
    if stored is None:
        return 0
    prepared = _prepare_module(self, stored)
    with CustomFunctionRuntimeRegistry.lifecycle():
        for name, metadata in prepared.items():
            if options.get("publish_only_if_missing") and (
                CustomFunctionRuntimeRegistry.owns_published_export(name)
            ):
                continue
            CustomFunctionRuntimeRegistry.remove(name)
            CustomFunctionRuntimeRegistry.publish(metadata, CustomFunctionLifetime.PERSISTED)
    if options.get("clear_caches", True):
        self._clear_caches()
    return len(prepared)


_ADAPTED: dict[str, Callable[..., Any]] = {
    "register_from_code": _register_from_code,
    "update_custom_function": _update_custom_function,
    "delete_custom_function": _delete_custom_function,
    "list_custom_functions": _list_custom_functions,
    "get_function_code": _get_function_code,
    "source_revision": _source_revision,
    "load_all_custom_functions": _load_all_custom_functions,
    "load_custom_function": _load_custom_function,
}
