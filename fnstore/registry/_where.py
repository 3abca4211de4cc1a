"""Where the registry's cache and the default store are, without importing platformdirs.

The second start-up at the same pin must cost almost nothing, and importing
platformdirs (with the tempfile, shutil and pathlib imports it brings) costs
more than all the rest of it.  These functions give the same answers as
:func:`fnstore.paths.cache_dir` and :func:`fnstore.paths.default_store_path`
(a test holds them to it) for the cases that are simple to get right: an
``FNSTORE_HOME``, and the XDG rules on Linux; anywhere else they ask
:mod:`fnstore.paths`.
"""

from __future__ import annotations

import os
import sys

__all__ = ["REGISTRY_NAME", "STORES_ENV", "cache_dir", "default_store_path"]

_APP = "fnstore"

#: The registry name in ``"<registry>:<name>"`` keys, as OpenHCS's RegistryService keys them.
REGISTRY_NAME = "fnstore"

#: Environment variable listing the stores registries were loaded from, so that
#: a worker process (which inherits it) can import a pickled function's module.
STORES_ENV = "FNSTORE_REGISTRY_STORES"


def _xdg(variable: str, default: str) -> str | None:
    if not sys.platform.startswith("linux") or "HOME" not in os.environ:
        return None
    value = os.environ.get(variable, "").strip()
    if value:
        return os.path.join(value, _APP) if os.path.isabs(value) else None
    return os.path.join(os.path.expanduser(default), _APP)


def cache_dir() -> str:
    """Return :func:`fnstore.paths.cache_dir`, as a string."""
    home = os.environ.get("FNSTORE_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "cache")
    found = _xdg("XDG_CACHE_HOME", "~/.cache")
    if found is not None:
        return found
    from fnstore import paths

    return str(paths.cache_dir())


def default_store_path() -> str:
    """Return :func:`fnstore.paths.default_store_path`, as a string."""
    home = os.environ.get("FNSTORE_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "data", "functions.git")
    found = _xdg("XDG_DATA_HOME", "~/.local/share")
    if found is not None:
        return os.path.join(found, "functions.git")
    from fnstore import paths

    return str(paths.default_store_path())
