"""The private package under which stored function modules become real modules.

A saved module ``blur`` at content id ``3f2a...`` is imported as
``fnstore.registry._loaded.blur_3f2a9c0d1e4b`` (the module name and the first
12 hex digits of the content id).  It is a real module object in
``sys.modules``: its source is registered with :mod:`linecache` (tracebacks
show the code, ``inspect.getsource`` works) and its functions pickle by
reference, the way functions of any installed module do.

This module is itself a package (it has ``__path__``) whose submodules are
found by :class:`StoredModuleFinder` on ``sys.meta_path``.  The finder is
installed when this module is imported, which is exactly what unpickling a
stored function in a worker process does first: ``pickle`` imports
``fnstore.registry._loaded.blur_3f2a9c0d1e4b``, Python imports this package,
and the finder then fetches the source by its content id, trying in turn

1. sources announced in this process by an open :class:`~fnstore.registry.Registry`;
2. the module cache in :func:`fnstore.paths.cache_dir` (source and compiled
   code, checked against the content id before use);
3. the stores named in ``FNSTORE_REGISTRY_STORES`` (set by ``Registry.load``,
   inherited by worker processes) and the default store.
"""

from __future__ import annotations

import _thread
import importlib.machinery
import importlib.util
import linecache
import sys
from typing import TYPE_CHECKING

from fnstore.registry import _modcache

if TYPE_CHECKING:
    import types
    from collections.abc import Callable, Sequence

__all__ = [
    "PACKAGE",
    "StoredModuleFinder",
    "announce",
    "import_stored",
    "module_name",
    "pseudo_filename",
]

#: The package every stored module is imported under.
PACKAGE = __name__

# Makes this module a package, so that ``PACKAGE.<name>`` is importable; the
# list stays empty because no file system location holds these modules.
__path__: list[str] = []

#: Digits of the content id in a module name: enough to never collide in one
#: store (git's own short ids are shorter), short enough to read in a traceback.
ID_DIGITS = 12

# short module name -> (stored module, content id, source provider).  Filled by
# open registries so that this process never goes to disk for what it knows.
_ANNOUNCED: dict[str, tuple[str, str, Callable[[], str]]] = {}

# Finds a source in a store by content id prefix: fnstore.registry._store_source,
# imported on first need so that importing this package never imports pygit2.
_store_lookup: Callable[[str, str], tuple[str, str] | None] | None = None


def module_name(module: str, content_id: str) -> str:
    """Return the full import name of a stored module version."""
    return f"{PACKAGE}.{module}_{content_id[:ID_DIGITS]}"


def pseudo_filename(module: str, content_id: str) -> str:
    """Return the file name tracebacks show: where the code lives in the store."""
    return f"<fnstore>/functions/{module}/source.py@{content_id[:ID_DIGITS]}"


def announce(module: str, content_id: str, source: Callable[[], str]) -> str:
    """Tell the finder where to get a module version's source; returns its import name."""
    name = module_name(module, content_id)
    _ANNOUNCED[name.rpartition(".")[2]] = (module, content_id, source)
    return name


def _split(short: str) -> tuple[str, str] | None:
    module, sep, prefix = short.rpartition("_")
    if not sep or not module or len(prefix) != ID_DIGITS:
        return None
    if any(c not in "0123456789abcdef" for c in prefix):
        return None
    return module, prefix


def _find_source(short: str) -> tuple[str, str, Callable[[], str]] | None:
    known = _ANNOUNCED.get(short)
    if known is not None:
        return known
    parts = _split(short)
    if parts is None:
        return None
    module, prefix = parts
    cached = _modcache.find(module, prefix)
    if cached is not None:
        cid, text = cached
        return module, cid, lambda: text
    global _store_lookup
    if _store_lookup is None:
        # A worker process: nothing announced, nothing cached; ask the stores.
        from fnstore.registry._store_source import find_in_stores

        _store_lookup = find_in_stores
    found = _store_lookup(module, prefix)
    if found is None:
        return None
    cid, text = found
    return module, cid, lambda: text


class _StoredModuleLoader:
    """Executes one stored module version from its source.

    It implements the loader protocol without subclassing
    :class:`importlib.abc.Loader`, whose import pulls in importlib.resources.
    """

    def __init__(self, module: str, content_id: str, source: Callable[[], str]) -> None:
        self.module = module
        self.content_id = content_id
        self._source = source
        self._text: str | None = None

    def get_source(self, fullname: str) -> str:
        """Return the module's source (also what :mod:`linecache` falls back to)."""
        if self._text is None:
            self._text = self._source()
        return self._text

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        """Use the default module object."""
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        """Run the module's code (compiled once, then reused from the cache) in ``module``."""
        filename = pseudo_filename(self.module, self.content_id)
        cached = _modcache.load(self.module, self.content_id)
        if cached is not None:
            self._text, code = cached
        else:
            text = self.get_source(module.__name__)
            code = compile(text, filename, "exec", dont_inherit=True)
            _modcache.store(self.module, self.content_id, text, code)
        text = self.get_source(module.__name__)
        # mtime None: linecache.checkcache() keeps the entry (no file to go stale).
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        module.__file__ = filename
        exec(code, module.__dict__)


class StoredModuleFinder:
    """Finds ``fnstore.registry._loaded.<module>_<content id prefix>`` modules."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """Return a spec for a stored module version, or None for any other name."""
        package, _, short = fullname.rpartition(".")
        if package != PACKAGE:
            return None
        found = _find_source(short)
        if found is None:
            return None
        module, cid, source = found
        loader = _StoredModuleLoader(module, cid, source)
        origin = pseudo_filename(module, cid)
        spec = importlib.machinery.ModuleSpec(fullname, loader, origin=origin)  # type: ignore[arg-type]
        spec.has_location = False
        return spec


_import_lock = _thread.RLock()


def import_stored(module: str, content_id: str, source: Callable[[], str]) -> types.ModuleType:
    """Import one stored module version (once per process) and return it.

    The finder is called directly rather than through ``__import__``: the
    name is ours, so asking every other finder on ``sys.meta_path`` first
    (pytest's, an IDE's...) would only add to the first call's time.  The
    result is the same module object the import system would have made.
    """
    name = announce(module, content_id, source)
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    with _import_lock:
        loaded = sys.modules.get(name)
        if loaded is not None:
            return loaded
        spec = _FINDER.find_spec(name, None)
        if spec is None or spec.loader is None:  # pragma: no cover - announced just above
            raise ModuleNotFoundError(f"no stored module {name}", name=name)
        created = importlib.util.module_from_spec(spec)
        sys.modules[name] = created
        try:
            spec.loader.exec_module(created)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return created


_FINDER = StoredModuleFinder()


def _install() -> None:
    if not any(isinstance(f, StoredModuleFinder) for f in sys.meta_path):
        sys.meta_path.append(_FINDER)


_install()
