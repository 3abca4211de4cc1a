"""Importing the optional array libraries, and asking them about devices.

Every import of cupy, torch, tensorflow, jax or pyclesperanto in fnstore goes
through :func:`require`, so a missing package always becomes a
:class:`~fnstore.errors.MissingDependencyError` that names the extra to
install, and a package that is there but cannot work here (no GPU, no OpenCL
device, a broken install) a :class:`~fnstore.errors.BackendUnavailableError`.

One import order matters: under pocl (a CPU OpenCL driver), importing
pyclesperanto *after* tensorflow kills the process with a segmentation fault
(both carry their own LLVM).  The other order is safe, so :func:`require`
imports pyclesperanto first whenever it brings in tensorflow, and refuses,
with a message instead of a crash, to import pyclesperanto once tensorflow is
already loaded.

Device names are the same for every memory type: ``"cpu"`` and ``"cuda:N"``;
pyclesperanto uses its OpenCL device names.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import re
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from fnstore.errors import BackendUnavailableError, FnStoreError, MissingDependencyError
from fnstore.memory._types import MemoryType, as_memory_type

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import ModuleType

__all__ = [
    "check_device",
    "devices",
    "free_memory_pool",
    "gpu_available",
    "is_out_of_memory",
    "module_for",
    "parse_device",
    "prepare_imports",
    "require",
    "synchronize",
]


def _installed(package: str) -> bool:
    if package in sys.modules:
        return sys.modules[package] is not None
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def _pocl_present() -> bool:
    """Whether the OpenCL loader will find pocl (the driver that crashes with tensorflow)."""
    vendors = Path(os.environ.get("OCL_ICD_VENDORS", "/etc/OpenCL/vendors"))
    try:
        icds = [vendors] if vendors.is_file() else list(vendors.glob("*.icd"))
        return any("pocl" in p.name.lower() or "pocl" in p.read_text().lower() for p in icds)
    except OSError:
        return False


def _import_quietly(package: str) -> ModuleType:
    """Import ``package``; pyclesperanto's import-time warnings stay silent.

    Without an OpenCL device (no pocl, no GPU driver) pyclesperanto warns at
    import ("No pyclesperanto backend installed", "clGetPlatformIDs failed").
    fnstore reports that itself, as "no OpenCL device" from :func:`devices`
    and ``fnstore doctor``, so the warning would only say it twice, and turn
    an import into an error where warnings are errors.
    """
    if package.partition(".")[0] != "pyclesperanto":
        return importlib.import_module(package)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        return importlib.import_module(package)


def _import(package: str, extra: str | None) -> ModuleType:
    try:
        return _import_quietly(package)
    except ImportError as exc:
        if exc.name == package or not _installed(package):
            raise MissingDependencyError(package, extra=extra) from exc
        # The package is there but one of its own dependencies (often a CUDA
        # library) is not: installing the extra again will not help by itself.
        raise BackendUnavailableError(
            f"{package} is installed but cannot be imported ({exc}); "
            f'reinstall it with pip install --force-reinstall "fnstore[{extra or package}]"'
        ) from exc


def require(package: str, *, extra: str | None = None) -> ModuleType:
    """Import ``package``, or say which fnstore extra installs it.

    Parameters
    ----------
    package
        The module to import, e.g. ``"torch"`` or ``"jax.numpy"``.
    extra
        The ``fnstore[...]`` extra that installs it (``"torch"``, ``"cle"``...).

    Returns
    -------
    ModuleType
        The imported module.

    Raises
    ------
    MissingDependencyError
        If the package is not installed.
    BackendUnavailableError
        If it is installed but cannot be imported, or would crash the process
        (pyclesperanto after tensorflow under pocl).
    """
    module = sys.modules.get(package)
    if module is not None:
        return module
    top = package.partition(".")[0]
    if top == "pyclesperanto":
        _refuse_cle_after_tensorflow()
    elif top == "tensorflow" and "tensorflow" not in sys.modules:
        _load_pyclesperanto_first()  # the safe order (see the module docstring)
    return _import(package, extra)


def _refuse_cle_after_tensorflow() -> None:
    if "pyclesperanto" not in sys.modules and "tensorflow" in sys.modules and _pocl_present():
        raise BackendUnavailableError(
            "pyclesperanto cannot be imported after tensorflow when the pocl OpenCL "
            "driver is installed: the process would crash. Import pyclesperanto (or "
            "convert to it) before tensorflow, or run pyclesperanto in its own process"
        )


def prepare_imports(modules: Iterable[str]) -> None:
    """Make it safe for code about to run to import ``modules`` itself.

    Code that a user saved imports tensorflow or pyclesperanto with a plain
    ``import``, which :func:`require` never sees.  Call this first with the
    modules the code imports (a manifest's ``imports``): it loads
    pyclesperanto ahead of tensorflow, and refuses code that would load
    pyclesperanto after tensorflow under pocl, instead of letting it crash
    the process.  Missing packages are left for the code's own import to
    report.

    Raises
    ------
    BackendUnavailableError
        If the code imports pyclesperanto, tensorflow is already loaded and
        pocl is installed.
    """
    tops = {name.partition(".")[0] for name in modules}
    if "pyclesperanto" in tops and _installed("pyclesperanto"):
        _refuse_cle_after_tensorflow()
    if "tensorflow" in tops and "tensorflow" not in sys.modules:
        _load_pyclesperanto_first()


def _load_pyclesperanto_first() -> None:
    if "pyclesperanto" not in sys.modules and _installed("pyclesperanto"):
        # A broken pyclesperanto must not stop tensorflow from loading: its own
        # errors are reported when it is asked for.
        with contextlib.suppress(Exception):
            _import_quietly("pyclesperanto")


def module_for(mt: MemoryType | str) -> ModuleType:
    """Import the package behind a memory type (``numpy``, ``torch``...)."""
    loaded = sys.modules.get(mt)  # the hot path: a member is looked up as its name
    if loaded is not None:
        return loaded
    mt = as_memory_type(mt)
    return require(mt.package, extra=mt.extra)


# -- devices ------------------------------------------------------------------

# "cuda:1", "gpu", "/GPU:1", "/job:localhost/replica:0/task:0/device:GPU:1", "CPU:0"...
_DEVICE_RE = re.compile(r"(?:^|[/:])(cpu|gpu|cuda)(?::(\d+))?$", re.IGNORECASE)


def parse_device(device: object) -> str | None:
    """Normalise a device argument to ``None``, ``"cpu"`` or ``"cuda:N"``.

    Accepts an int (a GPU id), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"gpu:1"``,
    tensorflow's ``"/GPU:1"``, and framework device objects whose ``str()`` is
    one of those.  Anything else (an OpenCL device name) is returned unchanged.
    """
    if device is None:
        return None
    if isinstance(device, bool):
        raise BackendUnavailableError(f"{device!r} is not a device: pass 'cpu', 'cuda:N' or an int")
    if isinstance(device, int):
        if device < 0:
            raise BackendUnavailableError(f"GPU id {device} is negative: pass 0 or more")
        return f"cuda:{device}"
    text = str(device).strip()
    match = _DEVICE_RE.search(text)
    if match is None:
        return text
    if match.group(1).lower() == "cpu":
        return "cpu"
    return f"cuda:{match.group(2) or 0}"


def _cuda_count(mt: MemoryType) -> int:
    """How many CUDA devices ``mt`` can use here (0 where none, or not installed)."""
    if not _installed(mt.package):
        return 0
    try:
        mod = module_for(mt)
        if mt is MemoryType.TORCH:
            return int(mod.cuda.device_count()) if mod.cuda.is_available() else 0
        if mt is MemoryType.CUPY:
            return int(mod.cuda.runtime.getDeviceCount())
        if mt is MemoryType.JAX:
            return len(mod.devices("gpu"))
        if mt is MemoryType.TENSORFLOW:
            return len(mod.config.list_physical_devices("GPU"))
    except Exception:  # every framework says "no GPU" its own way
        return 0
    return 0


def _cle_device_names(device_type: str = "all") -> list[str]:
    cle = module_for(MemoryType.PYCLESPERANTO)
    try:
        with warnings.catch_warnings():
            # pyclesperanto warns when the list is empty; an empty list says it.
            warnings.simplefilter("ignore", RuntimeWarning)
            return [str(name) for name in cle.list_available_devices(device_type=device_type)]
    except Exception:  # no OpenCL platform at all
        return []


def devices(mt: MemoryType | str) -> list[str]:
    """Where data of memory type ``mt`` can live on this machine.

    Returns ``["cpu"]`` for numpy; ``"cpu"`` plus ``"cuda:N"`` per GPU for
    torch, jax and tensorflow; the ``"cuda:N"`` ids for cupy (empty without a
    GPU); and the OpenCL device names for pyclesperanto (empty without any).

    Raises
    ------
    MissingDependencyError
        If the memory type's package is not installed.
    """
    mt = as_memory_type(mt)
    if mt is MemoryType.NUMPY:
        return ["cpu"]
    module_for(mt)  # a missing package is an error, not "no devices"
    if mt is MemoryType.PYCLESPERANTO:
        return _cle_device_names()
    gpus = [f"cuda:{i}" for i in range(_cuda_count(mt))]
    return gpus if mt is MemoryType.CUPY else ["cpu", *gpus]


def gpu_available(mt: MemoryType | str) -> bool:
    """Whether ``mt`` can use a GPU here; never raises for a missing package.

    For pyclesperanto this asks for an OpenCL device of GPU type (pocl's CPU
    device does not count).
    """
    mt = as_memory_type(mt)
    if mt is MemoryType.NUMPY or not _installed(mt.package):
        return False
    if mt is MemoryType.PYCLESPERANTO:
        try:
            return bool(_cle_device_names("gpu"))
        except FnStoreError:  # refused import (after tensorflow), broken install
            return False
    return _cuda_count(mt) > 0


def check_device(mt: MemoryType, device: str | None) -> None:
    """Raise :class:`BackendUnavailableError` unless ``device`` exists for ``mt`` here."""
    if device is None:
        return
    if mt is MemoryType.PYCLESPERANTO:
        names = _cle_device_names()
        if not any(device.lower() in name.lower() for name in names):
            raise BackendUnavailableError(
                f"no OpenCL device matches {device!r} here (found: {names or 'none'}); "
                "pass one of those names"
            )
        return
    found = devices(mt)
    if device not in found:
        why = "no CUDA GPU is visible" if device.startswith("cuda") else "it is not one"
        raise BackendUnavailableError(
            f"{mt.value} cannot use device {device!r} here ({why}); use one of {found or 'none'}"
        )


# -- synchronisation and memory pools -----------------------------------------


def synchronize(mt: MemoryType | str, device: object = None) -> None:
    """Wait until the work queued on ``device`` by ``mt`` has finished.

    Needed before reading a clock around GPU work, since kernels run
    asynchronously.  A no-op for numpy and for host devices.  jax and
    pyclesperanto have no per-device barrier: wait on their results instead
    (``block_until_ready()``, ``pull``).
    """
    mt = as_memory_type(mt)
    dev = parse_device(device)
    if mt is MemoryType.NUMPY or dev == "cpu":
        return
    mod = module_for(mt)
    if mt is MemoryType.TORCH:
        if mod.cuda.is_available() and mod.cuda.is_initialized():
            mod.cuda.synchronize(dev)
    elif mt is MemoryType.CUPY:
        index = int(dev.split(":")[1]) if dev else mod.cuda.runtime.getDevice()
        mod.cuda.Device(index).synchronize()
    elif mt is MemoryType.TENSORFLOW:
        sync = getattr(getattr(mod.test, "experimental", None), "sync_devices", None)
        if sync is not None and mod.config.list_physical_devices("GPU"):
            sync()


def free_memory_pool(mt: MemoryType | str) -> None:
    """Give cached device memory of ``mt`` back to the driver (after an OOM).

    Only acts on frameworks already loaded: one that was never imported holds
    no memory.
    """
    mt = as_memory_type(mt)
    mod = sys.modules.get(mt.package)
    if mod is None:
        return
    import gc

    gc.collect()  # arrays that are only garbage still hold pool blocks
    if mt is MemoryType.TORCH:
        if mod.cuda.is_available() and mod.cuda.is_initialized():
            mod.cuda.empty_cache()
    elif mt is MemoryType.CUPY:
        mod.get_default_memory_pool().free_all_blocks()
        mod.get_default_pinned_memory_pool().free_all_blocks()
    elif mt is MemoryType.JAX:
        # jax frees a buffer when its last array dies (the gc above); compiled
        # executables are what it still caches.
        mod.clear_caches()
    # tensorflow and pyclesperanto offer no call to shrink their allocators:
    # the collection above is all that can be done for them.


_OOM_TEXT = ("out of memory", "resource_exhausted", "mem_object_allocation_failure", "cl_out_of")


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is a framework's way of saying a device ran out of memory."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"OutOfMemoryError", "ResourceExhaustedError"}:
        return True
    if isinstance(exc, MemoryError):
        return False  # host memory: freeing a GPU pool would not help
    text = str(exc).lower()
    return any(marker in text for marker in _OOM_TEXT)
