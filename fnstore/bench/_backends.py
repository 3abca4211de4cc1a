"""Per-backend devices and timers: how to put a stack on a device and time one call.

Each memory type has a :class:`Backend` that lists the devices it can use on
this machine, copies the input stack onto one of them, and times one call of
a function there.  The rule for a fair clock: the call's work must be finished
when the clock stops.  numpy (and torch on the CPU) finish before returning,
so ``perf_counter`` is enough.  GPU work is asynchronous, so:

- cupy and torch on CUDA record a CUDA event before and after the call and
  synchronise on the second (the device time), with host wall time beside it;
- jax waits with ``jax.block_until_ready`` on the result (jax has no events);
- pyclesperanto waits for its OpenCL queue to finish;
- tensorflow waits with ``tf.experimental.sync_devices``.

Backends import their library only when asked for devices, so importing this
module is cheap.  A missing library raises
:class:`~fnstore.errors.MissingDependencyError` from :meth:`Backend.devices`,
which the runner records as "no device here".
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from fnstore.errors import BenchError, MissingDependencyError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Backend", "Device", "backend_for"]

_EXTRAS = {"torch": "torch", "cupy": "cupy", "jax": "jax", "tensorflow": "tensorflow"}


@dataclass(frozen=True)
class Device:
    """A device a backend can run on."""

    label: str  # 'cpu', 'cuda:0', 'gpu:0', 'opencl:0'
    name: str  # what the driver calls it
    is_gpu: bool
    handle: Any = None  # the backend's own device object


def _import(package: str) -> Any:
    import importlib

    try:
        with warnings.catch_warnings():
            # pyclesperanto warns at import on a machine without an OpenCL
            # device; devices() then says "none", which is the useful answer.
            if package == "pyclesperanto":
                warnings.simplefilter("ignore", RuntimeWarning)
            return importlib.import_module(package)
    except ImportError as exc:
        extra = "cle" if package == "pyclesperanto" else _EXTRAS.get(package)
        raise MissingDependencyError(package, extra=extra, why="to benchmark on it") from exc


class Backend:
    """numpy on the CPU; the base class of the other backends."""

    name = "numpy"
    timer = "perf_counter"
    warmup = 1  # compiled backends override: their first calls compile kernels

    def devices(self) -> list[Device]:
        """List the devices this backend can use here (may raise MissingDependencyError)."""
        from fnstore.bench._fingerprint import cpu_model

        return [Device("cpu", cpu_model(), is_gpu=False)]

    def timer_for(self, device: Device) -> str:
        """How :meth:`call` takes time on ``device`` (recorded with the figures)."""
        return self.timer

    def put(self, array: np.ndarray, device: Device) -> Any:
        """Copy ``array`` onto ``device`` (a writable copy, never the shared stack)."""
        return np.array(array)

    def done(self, device: Device) -> None:
        """Undo what :meth:`put` changed on ``device`` for timing (nothing by default)."""

    def call(self, fn: Callable[..., Any], data: Any, device: Device) -> tuple[float, float]:
        """Run ``fn(data)`` once; return (device seconds, host wall seconds)."""
        start = time.perf_counter()
        fn(data)
        wall = time.perf_counter() - start
        return wall, wall


class TorchBackend(Backend):
    """torch on the CPU and on each CUDA GPU (CUDA events on the GPU)."""

    name = "torch"
    warmup = 2

    def timer_for(self, device: Device) -> str:
        return "cuda-event" if device.is_gpu else "perf_counter"

    def devices(self) -> list[Device]:
        torch = _import("torch")
        found = super().devices()
        if torch.cuda.is_available():
            for i in range(torch.cuda.device_count()):
                found.append(Device(f"cuda:{i}", torch.cuda.get_device_name(i), True, i))
        return found

    def put(self, array: np.ndarray, device: Device) -> Any:
        torch = _import("torch")
        tensor = torch.from_numpy(np.array(array))
        return tensor.to(f"cuda:{device.handle}") if device.is_gpu else tensor

    def call(self, fn: Callable[..., Any], data: Any, device: Device) -> tuple[float, float]:
        if not device.is_gpu:
            return super().call(fn, data, device)
        torch = _import("torch")
        with torch.cuda.device(device.handle):
            torch.cuda.synchronize()
            begin = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start = time.perf_counter()
            begin.record()
            fn(data)
            end.record()
            end.synchronize()
            wall = time.perf_counter() - start
        return begin.elapsed_time(end) / 1000.0, wall


class CupyBackend(Backend):
    """cupy on each CUDA GPU (CUDA events)."""

    name = "cupy"
    timer = "cuda-event"
    warmup = 2

    def devices(self) -> list[Device]:
        cupy = _import("cupy")
        try:
            count = int(cupy.cuda.runtime.getDeviceCount())
        except Exception:  # CUDARuntimeError without a driver: no GPU here
            return []
        found = []
        for i in range(count):
            props = cupy.cuda.runtime.getDeviceProperties(i)
            name = props["name"]
            found.append(
                Device(f"cuda:{i}", name.decode() if isinstance(name, bytes) else name, True, i)
            )
        return found

    def put(self, array: np.ndarray, device: Device) -> Any:
        cupy = _import("cupy")
        with cupy.cuda.Device(device.handle):
            return cupy.asarray(array)

    def call(self, fn: Callable[..., Any], data: Any, device: Device) -> tuple[float, float]:
        cupy = _import("cupy")
        with cupy.cuda.Device(device.handle):
            cupy.cuda.Device(device.handle).synchronize()
            begin = cupy.cuda.Event()
            end = cupy.cuda.Event()
            start = time.perf_counter()
            begin.record()
            fn(data)
            end.record()
            end.synchronize()
            wall = time.perf_counter() - start
        return cupy.cuda.get_elapsed_time(begin, end) / 1000.0, wall


class JaxBackend(Backend):
    """jax on the CPU and each GPU (``block_until_ready`` on the result)."""

    name = "jax"
    timer = "block_until_ready"
    warmup = 2

    def devices(self) -> list[Device]:
        jax = _import("jax")
        found = [Device("cpu", super().devices()[0].name, False, jax.devices("cpu")[0])]
        try:
            gpus = jax.devices("gpu")
        except RuntimeError:  # jax raises when no GPU backend is initialised
            gpus = []
        for i, gpu in enumerate(gpus):
            found.append(Device(f"gpu:{i}", str(getattr(gpu, "device_kind", gpu)), True, gpu))
        return found

    def put(self, array: np.ndarray, device: Device) -> Any:
        jax = _import("jax")
        return jax.block_until_ready(jax.device_put(np.array(array), device.handle))

    def call(self, fn: Callable[..., Any], data: Any, device: Device) -> tuple[float, float]:
        jax = _import("jax")
        start = time.perf_counter()
        jax.block_until_ready(fn(data))
        wall = time.perf_counter() - start
        return wall, wall


class ClesperantoBackend(Backend):
    """pyclesperanto on each OpenCL device.

    pyclesperanto offers no queue ``finish`` call; its documented way to time
    work is ``wait_for_kernel_to_finish``, which makes every kernel launch
    block until it is done, so the work is finished when the function returns.
    """

    name = "pyclesperanto"
    timer = "wait_for_kernel_to_finish"
    warmup = 2

    def devices(self) -> list[Device]:
        from fnstore.memory import devices

        cle = _import("pyclesperanto")
        # The memory layer's one reading: no OpenCL platform (no pocl, no GPU
        # driver) is an empty list there, however pyclesperanto says it.
        names = devices("pyclesperanto")
        found = []
        for i, name in enumerate(names):
            info = str(getattr(cle.select_device(i), "info", ""))
            is_cpu = any(
                line.split(":", 1)[-1].strip().upper() == "CPU"
                for line in info.splitlines()
                if "Device Type" in line
            )
            found.append(Device(f"opencl:{i}", str(name), not is_cpu, i))
        return found

    def put(self, array: np.ndarray, device: Device) -> Any:
        cle = _import("pyclesperanto")
        handle = cle.select_device(device.handle)
        handle.set_wait_to_finish(True)
        return cle.push(np.array(array))

    def call(self, fn: Callable[..., Any], data: Any, device: Device) -> tuple[float, float]:
        cle = _import("pyclesperanto")
        cle.select_device(device.handle).set_wait_to_finish(True)
        return super().call(fn, data, device)

    def done(self, device: Device) -> None:
        # blocking launches slow ordinary pipelines down: back to pyclesperanto's default
        cle = _import("pyclesperanto")
        cle.select_device(device.handle).set_wait_to_finish(False)


class TensorflowBackend(Backend):
    """tensorflow on the CPU and each GPU (``tf.experimental.sync_devices``)."""

    name = "tensorflow"
    timer = "sync_devices"
    warmup = 2

    def devices(self) -> list[Device]:
        tf = _import("tensorflow")
        found = [Device("cpu", super().devices()[0].name, False, "/CPU:0")]
        for i, _gpu in enumerate(tf.config.list_physical_devices("GPU")):
            found.append(Device(f"gpu:{i}", f"GPU {i}", True, f"/GPU:{i}"))
        return found

    def put(self, array: np.ndarray, device: Device) -> Any:
        tf = _import("tensorflow")
        with tf.device(device.handle):
            return tf.identity(tf.constant(array))

    def call(self, fn: Callable[..., Any], data: Any, device: Device) -> tuple[float, float]:
        tf = _import("tensorflow")
        # sync_devices moved from tf.experimental to tf.test.experimental (2.16)
        sync = getattr(getattr(tf.test, "experimental", None), "sync_devices", None) or getattr(
            tf.experimental, "sync_devices", None
        )
        with tf.device(device.handle):
            start = time.perf_counter()
            out = fn(data)
            if sync is not None:
                sync()
            elif hasattr(out, "numpy"):  # no sync call: reading the result waits for it
                out.numpy()
            wall = time.perf_counter() - start
        return wall, wall


_BACKENDS: dict[str, type[Backend]] = {
    "numpy": Backend,
    "torch": TorchBackend,
    "cupy": CupyBackend,
    "jax": JaxBackend,
    "pyclesperanto": ClesperantoBackend,
    "tensorflow": TensorflowBackend,
}


def backend_for(memory_type: str) -> Backend:
    """Return the backend that runs functions of ``memory_type``.

    Raises
    ------
    BenchError
        No backend for that memory type.
    """
    cls = _BACKENDS.get(str(memory_type))
    if cls is None:
        raise BenchError(
            f"cannot benchmark memory type {memory_type!r}: use one of {', '.join(_BACKENDS)}"
        )
    return cls()
