"""Where fnstore keeps its files: data, config and cache directories.

The directories come from platformdirs.  When ``FNSTORE_HOME`` is set, all of
them live under it instead (``data/``, ``config/``, ``cache/``), which is what
the tests and ``fnstore demo --home`` use to stay isolated from the user's
real store.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["cache_dir", "config_dir", "data_dir", "default_store_path"]

_APP = "fnstore"


def _home() -> Path | None:
    home = os.environ.get("FNSTORE_HOME")
    return Path(home).expanduser() if home else None


def data_dir() -> Path:
    """Directory for the user's data (the function store lives here)."""
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(_APP))


def config_dir() -> Path:
    """Directory for configuration files."""
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(_APP))


def cache_dir() -> Path:
    """Directory for caches that may be deleted at any time."""
    home = _home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(_APP))


def default_store_path() -> Path:
    """Return the bare git repository used when no store path is given."""
    return data_dir() / "functions.git"
