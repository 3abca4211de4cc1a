"""``fnstore doctor``: what can run here, and is the store healthy.

Two reports.  Backends: for each memory type, whether its package is
installed (found with :func:`importlib.util.find_spec`, without importing it),
its version, and which devices it can use here (this part imports the
backend, so it is behind a progress bar and can be skipped with
``--no-devices``).  Store: whether it opens, its head, how many modules and
functions it holds, and which manifests cannot be read.

:func:`missing_here` is shared with ``fnstore ls``: the packages a saved
module needs that this machine lacks.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fnstore._standin import ALWAYS_IMPORTABLE
from fnstore.cli._app import (
    SETUP,
    CommandError,
    JsonFlag,
    app,
    print_json,
    progress,
    store_location,
    table,
    ui,
)

if TYPE_CHECKING:
    from fnstore.manifest import Manifest

# memory type -> the extra that installs it (numpy is in the core install).
# Spelled out so `fnstore ls` does not need the memory layer for this.
_EXTRAS: dict[str, str | None] = {
    "numpy": None,
    "cupy": "cupy",
    "torch": "torch",
    "tensorflow": "tensorflow",
    "jax": "jax",
    "pyclesperanto": "cle",
}


# pyclesperanto cannot be imported after tensorflow where the OpenCL driver
# is pocl (the process crashes), so it is probed before tensorflow.
_PROBE_ORDER = ["numpy", "cupy", "pyclesperanto", "torch", "jax", "tensorflow"]


# Importable wherever fnstore runs (fnstore, and OpenHCS/arraybridge through
# fnstore's stand-in): the registry decides availability by the same set, so
# that `fnstore ls` and the registry agree on what can run here.
_PROVIDED = ALWAYS_IMPORTABLE


@cache
def installed(package: str) -> bool:
    """Whether a top-level package can be imported here (it is not imported)."""
    if package in _PROVIDED or package in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        # A broken or half-installed package: it cannot be imported either.
        return False


def missing_here(manifest: Manifest) -> list[str]:
    """List the packages a saved module needs that are not installed here, sorted.

    Parameters
    ----------
    manifest
        The module's manifest: its imports and its functions' memory types.

    Returns
    -------
    list[str]
        Top-level package names; empty when the module can run here.
    """
    needed = set(manifest.imports)
    for info in manifest.functions:
        needed.update((info.input_memory_type, info.output_memory_type))
    return sorted(p for p in needed if not installed(p))


def _version_of(package: str) -> str | None:
    from importlib import metadata

    # The distribution name differs from the import name for some backends
    # (cupy ships as cupy-cuda12x), so look it up through the mapping.
    for dist in metadata.packages_distributions().get(package, [package]):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def _probe_devices(memory_type: str) -> tuple[list[str], str | None]:
    """Devices the backend can use here, and why not when it cannot run."""
    from fnstore import memory
    from fnstore.errors import FnStoreError

    try:
        found = memory.devices(memory_type)
    except FnStoreError as exc:
        return [], str(exc)
    except Exception as exc:  # a backend that crashes on import must not stop the report
        return [], f"{type(exc).__name__}: {exc}"
    return [str(d) for d in found], None


def backends_report(*, devices: bool, only: list[str] | None = None) -> list[dict[str, Any]]:
    """Report each memory type (or those in ``only``): installed, version, devices."""
    import os

    # TensorFlow's C++ start-up log (CUDA stubs, CPU features) would bury the
    # report on stderr; the report itself says what is usable.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    rows: list[dict[str, Any]] = []
    names = [mt for mt in _PROBE_ORDER if only is None or mt in only]
    with progress("checking backends", total=len(names)) as advance:
        for mt in names:
            advance(mt, steps=0)
            extra = _EXTRAS[mt]
            row: dict[str, Any] = {
                "memory_type": mt,
                "installed": installed(mt),
                "version": None,
                "devices": None,
                "note": None,
                "install": f'pip install "fnstore[{extra}]"' if extra else None,
            }
            if row["installed"]:
                row["version"] = _version_of(mt)
                if devices:
                    row["devices"], row["note"] = _probe_devices(mt)
            advance()
            rows.append(row)
    order = list(_EXTRAS)
    return sorted(rows, key=lambda r: order.index(r["memory_type"]))


def store_report() -> dict[str, Any]:
    """Whether the store opens, what it holds, and what cannot be read."""
    from fnstore._facade import open_store
    from fnstore.errors import FnStoreError

    path = store_location()
    report: dict[str, Any] = {
        "path": str(path),
        "exists": path.exists(),
        "opens": False,
        "head": None,
        "modules": 0,
        "functions": 0,
        "tags": 0,
        "unreadable": {},
        "trust": None,
        "awaiting_review": 0,
        "error": None,
    }
    if not report["exists"]:
        return report
    try:
        store = open_store(path, create=False)
        scan = store.scan()
        report.update(
            opens=True,
            head=store.head,
            modules=len(scan.manifests),
            functions=sum(len(m.functions) for m in scan.manifests),
            tags=len(store.tags()),
            unreadable={module: str(e) for module, e in sorted(scan.errors.items())},
            trust=store.trust_policy,
            awaiting_review=len(store.untrusted_modules()),
        )
    except FnStoreError as exc:
        report["error"] = str(exc)
    return report


@app.command(rich_help_panel=SETUP)
def doctor(
    devices: Annotated[
        bool,
        typer.Option(
            "--devices/--no-devices",
            help="Probe each installed backend for devices (imports it, which can take seconds).",
        ),
    ] = True,
    memory_types: Annotated[
        list[str] | None,
        typer.Option(
            "--memory-type",
            "-t",
            help="Check only this memory type (repeat for several); default: all.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check which backends and devices work here, and whether the store is healthy.

    Exits 1 when the store exists but cannot be opened or holds manifests that
    cannot be read; missing optional backends are reported, not failures.
    """
    from fnstore._version import __version__

    unknown = sorted(set(memory_types or ()) - set(_EXTRAS))
    if unknown:
        raise typer.BadParameter(
            f"{', '.join(unknown)}: use one of {', '.join(_EXTRAS)}", param_hint="--memory-type"
        )
    backends = backends_report(devices=devices, only=memory_types or None)
    store = store_report()
    problems: list[str] = []
    if store["error"]:
        problems.append(f"the store at {store['path']} cannot be opened ({store['error']})")
    if store["unreadable"]:
        problems.append(
            f"{len(store['unreadable'])} module(s) have unreadable manifests: "
            + ", ".join(store["unreadable"])
            + " (see `fnstore ls`; fix them with git or save them again)"
        )
    if as_json:
        print_json(
            {
                "fnstore": __version__,
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "backends": backends,
                "store": store,
                "ok": not problems,
            }
        )
    else:
        _print_report(__version__, backends, store, probed=devices)
    if problems:
        raise CommandError("; ".join(problems))


def _print_report(
    version: str, backends: list[dict[str, Any]], store: dict[str, Any], *, probed: bool
) -> None:
    console = ui()
    console.print(f"fnstore {version} on Python {sys.version.split()[0]} ({platform.platform()})")
    rows = []
    for b in backends:
        if not b["installed"]:
            status = "not installed"
            where = b["install"] or ""
        elif b["note"]:
            status, where = "installed, cannot run", b["note"]
        elif b["devices"] is None:
            status, where = "installed", "(not probed)" if not probed else ""
        else:
            status, where = "ok", ", ".join(b["devices"]) or "no device"
        rows.append([b["memory_type"], b["version"] or "", status, where])
    console.print(table(["memory type", "version", "status", "devices / how to install"], rows))
    if not store["exists"]:
        console.print(
            f"Store: none yet at {store['path']} (`fnstore init` creates it).", markup=False
        )
        return
    if store["error"]:
        console.print(f"Store at {store['path']}: cannot be opened.", markup=False)
        return
    head = (store["head"] or "")[:10] or "(empty)"
    console.print(
        f"Store at {store['path']}: opens; head {head}; {store['modules']} module(s), "
        f"{store['functions']} function(s), {store['tags']} tag(s), "
        f"{len(store['unreadable'])} unreadable.",
        markup=False,
    )
    for module, error in store["unreadable"].items():
        console.print(f"  unreadable {module}: {error}", markup=False)
    waiting = store["awaiting_review"]
    console.print(
        f"Trust policy: {store['trust']}"
        + (f"; {waiting} module(s) await review (`fnstore pending`)." if waiting else "."),
        markup=False,
    )
