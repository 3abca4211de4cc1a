"""Running a benchmark: one version of a function, on each device, on each stack.

:func:`bench` is what ``FunctionStore.bench`` calls.  It loads the version's
code in a fresh module namespace, checks that the function can take a
synthetic stack, and for each device its memory type can use here and each
input stack: copies the stack onto the device (not timed), runs warm-up rounds
(not recorded: kernel compilation, caches, autotuning), then measured rounds
until both the minimum round count and the minimum time are reached.

What cannot run is reported, not raised: a function that cannot take an image
or raises gets a ``skipped`` record with the reason; a GPU memory type on a
machine without a GPU (or without its library) gets a ``no_device`` record.
Only ``ok`` records are stored in the notes; all are returned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fnstore.bench._backends import Backend, Device, backend_for
from fnstore.bench._fingerprint import fingerprint
from fnstore.bench._records import BenchRecord
from fnstore.bench._stacks import BenchInput, resolve_inputs
from fnstore.bench._stats import summarize
from fnstore.bench._stored import add_records
from fnstore.errors import BenchError, FnStoreError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import numpy as np

    from fnstore.manifest import FunctionInfo
    from fnstore.store import FunctionStore, FunctionVersion

__all__ = [
    "DEFAULT_MIN_TIME",
    "DEFAULT_ROUNDS",
    "Progress",
    "bench",
    "load_function",
    "measure",
]

DEFAULT_ROUNDS = 5
"""Measured rounds at least (fewer make the median and its interval meaningless)."""

DEFAULT_MIN_TIME = 0.3
"""Seconds of measured time at least, so fast functions get many rounds."""

MAX_ROUNDS = 1000


Progress = Callable[[str], None]
"""Called with a short description (``"blur@7 cpu 1x512x512"``) after each device and stack."""


# Annotations that say the first parameter is not an image.
_SCALAR_ANNOTATIONS = {"int", "float", "str", "bool", "bytes", "complex", "dict", "list", "None"}


def function_info(version: FunctionVersion) -> FunctionInfo:
    """Return the manifest entry of the benchmarked function.

    ``version.function`` is its name in that version (the store follows
    renames), so ``smooth@1`` finds ``rescale_numpy`` if that was its name then.
    """
    names = [info.name for info in version.manifest.functions]
    for info in version.manifest.functions:
        if info.name == version.function:
            return info
    raise BenchError(
        f"{version.name}@{version.version} is module {version.module}, which has several "
        f"functions ({', '.join(names)}): bench one of them by its name"
    )


def skip_reason(info: FunctionInfo) -> str | None:
    """Why ``info`` cannot be called with one image stack, or None if it can."""
    params = [p for p in info.parameters if p.kind not in ("var_positional", "var_keyword")]
    if not params:
        return f"{info.name} takes no image parameter"
    first = params[0]
    if first.kind == "keyword_only":
        return f"{info.name}'s first parameter {first.name!r} is keyword-only, not an image"
    if first.annotation is not None and first.annotation.strip("'\"") in _SCALAR_ANNOTATIONS:
        return f"{info.name}'s first parameter {first.name!r} is a {first.annotation}, not an image"
    missing = [p.name for p in params[1:] if not p.has_default]
    if missing:
        return (
            f"{info.name} needs {', '.join(missing)} besides the image: give "
            f"{'them' if len(missing) > 1 else 'it'} a default value to benchmark it"
        )
    return None


def load_function(version: FunctionVersion) -> Callable[..., Any]:
    """Load a version's module and return the benchmarked function.

    The registry's loader runs it (:func:`fnstore.registry.load_version`), so
    the version is imported exactly as the registry imports it.

    Raises
    ------
    BenchError
        The code fails to run (a missing import, an error at module level).
    """
    from fnstore.errors import BackendUnavailableError
    from fnstore.registry import load_version

    try:
        module = load_version(version)
    except BackendUnavailableError as exc:
        raise BenchError(str(exc)) from exc
    except ImportError as exc:
        raise BenchError(
            f"{version.module} needs {exc.name or exc}, which is not installed here"
        ) from exc
    except Exception as exc:  # a scientist's module may raise anything at import
        raise BenchError(f"{version.module}@{version.version} fails to load: {exc!r}") from exc
    name = function_info(version).name
    fn = getattr(module, name, None)
    if not callable(fn):
        raise BenchError(f"{version.module} defines no function {name}: save it again")
    return fn  # type: ignore[no-any-return]


def measure(
    backend: Backend,
    fn: Callable[..., Any],
    data: Any,
    device: Device,
    *,
    rounds: int | None = None,
    min_time: float | None = None,
) -> tuple[list[float], list[float]]:
    """Time ``fn(data)`` on ``device``: warm-up rounds, then measured rounds.

    With only ``rounds``, exactly that many rounds are measured; otherwise at
    least ``rounds`` (default :data:`DEFAULT_ROUNDS`) and until ``min_time``
    seconds (default :data:`DEFAULT_MIN_TIME`) of measured time, at most
    ``MAX_ROUNDS``.

    Returns
    -------
    tuple of list of float
        Device seconds and host wall seconds, one per measured round.
    """
    for _ in range(backend.warmup):
        backend.call(fn, data, device)
    least = DEFAULT_ROUNDS if rounds is None else rounds
    budget = 0.0 if (rounds is not None and min_time is None) else (min_time or DEFAULT_MIN_TIME)
    device_times: list[float] = []
    wall_times: list[float] = []
    while len(device_times) < MAX_ROUNDS:
        dev, wall = backend.call(fn, data, device)
        device_times.append(dev)
        wall_times.append(wall)
        if len(device_times) >= least and sum(wall_times) >= budget:
            break
    return device_times, wall_times


def _select(found: list[Device], wanted: Sequence[str] | None) -> list[Device]:
    """Devices named by ``wanted``: labels ('cuda:0'), or kinds ('cpu', 'gpu')."""
    if wanted is None:
        return found
    keys = {w.strip().lower() for w in wanted}
    return [
        d
        for d in found
        if d.label in keys
        or d.label.split(":")[0] in keys
        or ("gpu" in keys and d.is_gpu)
        or ("cpu" in keys and not d.is_gpu)
    ]


def bench(
    store: FunctionStore,
    ref: str,
    *,
    devices: Sequence[str] | None = None,
    shapes: Sequence[Sequence[int] | np.ndarray | str | Path] | None = None,
    dtype: str = "uint16",
    rounds: int | None = None,
    min_time: float | None = None,
    save: bool = True,
    progress: Progress | None = None,
) -> list[BenchRecord]:
    """Benchmark one version of a function on every device it can use here.

    Parameters
    ----------
    store
        The store holding the function.
    ref
        ``name``, ``name@3``, ``name@<content id prefix>`` or ``name@<tag>``.
    devices
        Device labels (``"cpu"``, ``"cuda:0"``, ``"opencl:0"``) or kinds
        (``"cpu"``, ``"gpu"``); None means every device here.
    shapes
        Input stacks: shapes of synthetic stacks, numpy arrays, or TIFF paths.
        None means a small (1, 512, 512) and a realistic (16, 2048, 2048) stack.
    dtype
        dtype of the synthetic stacks.
    rounds
        Measured rounds; alone, exactly that many, else at least that many.
    min_time
        Seconds of measured time to reach (default 0.3 s).
    save
        Store the successful records as git notes on the version's content id.
    progress
        Called with a description after each device and stack.

    Returns
    -------
    list of BenchRecord
        One per device and stack, successful or not (``status`` and
        ``reason`` say why one did not run).
    """
    if rounds is not None and rounds < 1:
        raise BenchError(f"rounds must be at least 1, not {rounds}")
    if min_time is not None and min_time < 0:
        raise BenchError(f"min_time must not be negative, not {min_time}")
    if isinstance(devices, str):  # devices="gpu" means ["gpu"], not ["g", "p", "u"]
        devices = [devices]
    version = store.get(ref)
    store.check_trusted(version)  # pulled code runs only as the trust policy allows
    info = function_info(version)
    backend = backend_for(str(info.input_memory_type))
    inputs = resolve_inputs(shapes, dtype)
    params = {
        p.name: p.default if p.default is not None else p.default_source
        for p in info.parameters[1:]
        if p.has_default
    }
    base: dict[str, Any] = {
        "function": info.name,
        "module": version.module,
        "version": version.version,
        "content_id": version.content_id,
        "backend": backend.name,
        "parameters": params,
    }

    def record(stack: BenchInput, device: Device | None, **fields: Any) -> BenchRecord:
        return BenchRecord(
            **base,
            device=device.label if device else "none",
            device_name=device.name if device else "",
            shape=list(stack.shape),
            dtype=stack.dtype,
            input=stack.label,
            machine=fingerprint(backend.name),
            **fields,
        )

    try:
        found = _select(backend.devices(), devices)
        why_none = f"no {backend.name} device here" + (
            f" matching {list(devices)}" if devices else ""
        )
    except FnStoreError as exc:
        found, why_none = [], f"no device here: {exc}"
    if not found:
        return [record(s, None, status="no_device", reason=why_none) for s in inputs]

    reason = skip_reason(info)
    fn: Callable[..., Any] | None = None
    if reason is None:
        try:
            fn = load_function(version)
        except BenchError as exc:
            reason = str(exc)
    records: list[BenchRecord] = []
    for device in found:
        for stack in inputs:
            if fn is None:
                records.append(record(stack, device, status="skipped", reason=reason))
                continue
            records.append(_bench_one(backend, fn, stack, device, rounds, min_time, record))
            if progress is not None:
                progress(f"{version.ref} {device.label} {stack.shape_label}")
    if save:
        good = [r for r in records if r.ok]
        if good:
            add_records(store, version.content_id, good)
    return records


def _bench_one(
    backend: Backend,
    fn: Callable[..., Any],
    stack: BenchInput,
    device: Device,
    rounds: int | None,
    min_time: float | None,
    record: Callable[..., BenchRecord],
) -> BenchRecord:
    """Benchmark on one device and one stack; a failure of the function is a skip."""
    try:
        data = backend.put(stack.array, device)
        device_times, wall_times = measure(
            backend, fn, data, device, rounds=rounds, min_time=min_time
        )
    except MemoryError as exc:
        return record(stack, device, status="skipped", reason=f"out of memory: {exc}")
    except Exception as exc:  # the function under test may raise anything
        message = f"{type(exc).__name__}: {exc}".strip()
        if len(message) > 300:
            message = message[:297] + "..."
        if stack.array.dtype.kind in "ui" and stack.dtype.lower() in message.lower():
            # torch and tensorflow support few operations on unsigned integers
            message += " (try a float dtype: --dtype float32)"
        return record(stack, device, status="skipped", reason=f"raised {message}")
    finally:
        backend.done(device)
    return record(
        stack,
        device,
        timer=backend.timer_for(device),
        warmup=backend.warmup,
        time=summarize(device_times),
        wall=summarize(wall_times),
    )
