"""The ``fnstore`` command line (typer + rich).

:mod:`fnstore.cli._app` holds the typer :data:`app`, the global options, the
error boundary and the output helpers; each ``_*_cmds`` module registers its
verbs on that app when it is imported below.  To add verbs, write a module
(see the ``_app`` docstring) and import it here, one line per module.
"""

from __future__ import annotations

# Importing a verb module registers its verbs on `app`: one line per module.
from fnstore.cli import (  # noqa: F401
    _bench_cmds,
    _demo,
    _doctor,
    _registry_cmds,
    _store_cmds,
    _sync_cmds,
    _trust_cmds,
)
from fnstore.cli._app import app, main

__all__ = ["app", "main"]
