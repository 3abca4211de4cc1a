"""Converting data between the six memory types, without copying where possible.

:func:`convert` takes the shortest safe route from the data's memory type to
the target:

- the same type on the same device: the object itself;
- DLPack, sharing the buffer, wherever both sides can see it: numpy, torch,
  jax and tensorflow on the host; cupy, torch, jax and tensorflow on a GPU;
- a copy through host memory otherwise (pyclesperanto always, as its OpenCL
  buffers are not addressable by the other libraries; and between host and GPU).

Data stays where it is unless the target cannot hold it there or ``device``
says otherwise: numpy -> jax gives a CPU array, cupy -> torch a CUDA tensor on
the same GPU, torch (CPU) -> cupy a copy on the current GPU.

Two traps are handled here rather than left to the caller.  jax and tensorflow
only share buffers aligned to 64 bytes: jax silently copies the others, and
tensorflow *accepts* them through DLPack and then aborts the whole process at
its first operation on them.  So tensorflow is only handed aligned, compact
buffers, and everything else goes through a copy.  :func:`empty_aligned`
allocates host arrays that both libraries can share.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import numpy as np

from fnstore.errors import BackendUnavailableError, ConversionError
from fnstore.memory._backends import check_device, module_for, parse_device
from fnstore.memory._types import MemoryType, as_memory_type, detect_memory_type

__all__ = ["convert", "device_of", "empty_aligned"]

#: What jax and tensorflow need to share a host buffer (Eigen's alignment).
ALIGNMENT = 64

_M = MemoryType


def empty_aligned(
    shape: int | tuple[int, ...], dtype: Any = np.float32, *, alignment: int = ALIGNMENT
) -> np.ndarray:
    """Allocate an uninitialised numpy array whose buffer starts on an ``alignment`` boundary.

    numpy only promises 16 bytes; jax and tensorflow share a host buffer only
    at 64, so data meant for them converts without a copy when allocated here.
    """
    dt = np.dtype(dtype)
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    nbytes = int(np.prod(dims, dtype=np.int64)) * dt.itemsize
    raw = np.empty(nbytes + alignment, dtype=np.uint8)
    start = -raw.ctypes.data % alignment
    out: np.ndarray = raw[start : start + nbytes].view(dt).reshape(dims)
    return out


def _host_address(arr: np.ndarray) -> int:
    return int(arr.__array_interface__["data"][0])


def _native(arr: np.ndarray) -> np.ndarray:
    """``arr`` in the machine's byte order: no library but numpy reads the other one."""
    if arr.dtype.isnative:
        return arr
    return arr.astype(arr.dtype.newbyteorder("="))


def _unsupported(dtype: object, library: str, exc: Exception) -> ConversionError:
    return ConversionError(
        f"dtype {dtype} has no {library} equivalent ({exc}): cast it first, "
        "e.g. array.astype(numpy.float32)"
    )


# -- where data lives -----------------------------------------------------------


def device_of(data: object) -> str:
    """Where ``data`` lives: ``"cpu"``, ``"cuda:N"``, or an OpenCL device name.

    Raises
    ------
    MemoryTypeError
        If ``data`` is not an array of any memory type.
    """
    mt = detect_memory_type(data)
    obj: Any = data
    if mt is _M.NUMPY:
        return "cpu"
    if mt is _M.CUPY:
        return f"cuda:{obj.device.id}"
    if mt is _M.TORCH:
        dev = obj.device
        return "cpu" if dev.type == "cpu" else f"{dev.type}:{dev.index or 0}"
    if mt is _M.JAX:
        (dev,) = obj.devices()
        return "cpu" if dev.platform == "cpu" else f"cuda:{dev.id}"
    if mt is _M.TENSORFLOW:
        return parse_device(obj.device) or "cpu"
    return str(obj.device.name)


def _on_gpu(data: object, mt: MemoryType) -> bool:
    return mt in (_M.CUPY, _M.TORCH, _M.JAX, _M.TENSORFLOW) and device_of(data) != "cpu"


def _plain_tensor(tensor: Any) -> Any:
    """``tensor`` without autograd and lazy conjugate/negative views (DLPack refuses those)."""
    if tensor.requires_grad:
        tensor = tensor.detach()
    if tensor.is_conj():
        tensor = tensor.resolve_conj()
    if tensor.is_neg():
        tensor = tensor.resolve_neg()
    return tensor


# -- to numpy (the hub every copy goes through) -------------------------------------


def _to_numpy(data: Any, src: MemoryType, device: str | None) -> np.ndarray:
    if device not in (None, "cpu"):
        raise BackendUnavailableError(
            f"numpy arrays live in host memory: pass device=None or 'cpu', not {device!r}"
        )
    if src is _M.NUMPY:
        return data  # type: ignore[no-any-return]
    if src is _M.TORCH:
        tensor = _plain_tensor(data)
        if not tensor.is_cpu:
            tensor = tensor.cpu()
        try:
            return tensor.numpy()  # type: ignore[no-any-return]
        except TypeError as exc:
            raise ConversionError(
                f"torch dtype {tensor.dtype} has no numpy equivalent: cast it first, "
                "e.g. tensor.float()"
            ) from exc
    if src is _M.CUPY:
        return data.get()  # type: ignore[no-any-return]
    if src is _M.PYCLESPERANTO:
        cle = module_for(_M.PYCLESPERANTO)
        return np.asarray(cle.pull(data))
    if src is _M.TENSORFLOW and not hasattr(data, "__array__"):
        data = module_for(_M.TENSORFLOW).convert_to_tensor(data)
    # jax and tensorflow: a read-only view of the buffer on the host (their
    # arrays are immutable), a copy from a GPU.
    return np.asarray(data)


# -- to torch -------------------------------------------------------------------------


def _torch_from_numpy(torch: Any, arr: np.ndarray) -> Any:
    if not arr.flags.writeable:
        # torch tensors are always writable: sharing would let torch write into
        # a buffer its owner declared read-only (a jax or tensorflow array).
        arr = arr.copy()
    try:
        return torch.from_numpy(arr)
    except (TypeError, ValueError, RuntimeError):
        pass
    # Negative strides or a foreign byte order: torch needs a plain copy.
    fixed = _native(np.ascontiguousarray(arr))
    try:
        return torch.from_numpy(fixed)
    except TypeError as exc:
        raise _unsupported(arr.dtype, "torch", exc) from exc


def _to_torch(data: Any, src: MemoryType, device: str | None) -> Any:
    torch = module_for(_M.TORCH)
    if src is _M.NUMPY or src is _M.PYCLESPERANTO:
        tensor = _torch_from_numpy(torch, _to_numpy(data, src, None))
        if device is None or device == "cpu":
            return tensor  # from_numpy is always on the CPU: skip asking
    elif src is _M.TORCH:
        tensor = data
    else:  # cupy, jax, tensorflow all speak DLPack
        try:
            tensor = torch.from_dlpack(data)
        except (BufferError, RuntimeError, TypeError, ValueError):
            tensor = _torch_from_numpy(torch, _to_numpy(data, src, None))
    if device is not None and str(tensor.device) != device:
        tensor = tensor.to(device)
    return tensor


# -- to jax ---------------------------------------------------------------------------


def _jax_device(jax: Any, device: str) -> Any:
    if device == "cpu":
        return jax.devices("cpu")[0]
    index = int(device.split(":")[1])
    try:
        return jax.devices("gpu")[index]
    except (RuntimeError, IndexError) as exc:
        raise BackendUnavailableError(
            f"jax has no GPU {device!r} here: install jax with CUDA support "
            '(pip install "jax[cuda12]") on a machine with an NVIDIA GPU, or use device="cpu"'
        ) from exc


def _jax_from_host(jax: Any, arr: np.ndarray) -> Any:
    shareable = (
        arr.size > 0
        and arr.flags.c_contiguous
        and arr.flags.writeable  # numpy will not export read-only buffers
        and _host_address(arr) % ALIGNMENT == 0
    )
    if shareable:
        try:
            return jax.dlpack.from_dlpack(arr)
        except (BufferError, RuntimeError, TypeError, ValueError):
            pass
    try:
        return jax.device_put(_native(arr), jax.devices("cpu")[0])
    except TypeError as exc:
        raise _unsupported(arr.dtype, "jax", exc) from exc


def _to_jax(data: Any, src: MemoryType, device: str | None) -> Any:
    jax = module_for(_M.JAX)
    if src is _M.JAX:
        array = data
    elif src in (_M.NUMPY, _M.PYCLESPERANTO):
        array = _jax_from_host(jax, _to_numpy(data, src, None))
    else:
        source = _plain_tensor(data) if src is _M.TORCH else data
        try:
            array = jax.dlpack.from_dlpack(source)
        except (BufferError, RuntimeError, TypeError, ValueError):
            array = _jax_from_host(jax, _to_numpy(data, src, None))
    if device is not None:
        target = _jax_device(jax, device)
        if array.devices() != {target}:
            array = jax.device_put(array, target)
    return array


# -- to tensorflow --------------------------------------------------------------------


def _buffer_address(data: Any, src: MemoryType) -> int:
    if src is _M.NUMPY:
        return _host_address(data)
    if src is _M.TORCH:
        return int(data.data_ptr())
    if src is _M.CUPY:
        return int(data.data.ptr)
    return int(data.unsafe_buffer_pointer())  # jax


def _compact(data: Any, src: MemoryType) -> bool:
    if src is _M.TORCH:
        return bool(data.is_contiguous())
    if src in (_M.NUMPY, _M.CUPY):
        return bool(data.flags.c_contiguous)
    return True  # jax buffers are always dense, row-major


def _tf_from_dlpack(tf: Any, data: Any, src: MemoryType) -> Any | None:
    """Share ``data`` with tensorflow, or None where that is not safe."""
    if src is _M.TORCH:
        data = _plain_tensor(data)
    size = data.size if src is not _M.TORCH else data.numel()
    if not size or not _compact(data, src) or _buffer_address(data, src) % ALIGNMENT:
        # tensorflow would take an unaligned buffer and abort later: never hand one over.
        return None
    if src is _M.NUMPY and not data.flags.writeable:
        return None
    try:
        return tf.experimental.dlpack.from_dlpack(data.__dlpack__())
    except Exception:  # a dtype or device that tensorflow's DLPack lacks
        return None


def _to_tensorflow(data: Any, src: MemoryType, device: str | None) -> Any:
    tf = module_for(_M.TENSORFLOW)
    if src is _M.TENSORFLOW:
        tensor = data
    else:
        host = src in (_M.NUMPY, _M.PYCLESPERANTO)
        source = _to_numpy(data, src, None) if src is _M.PYCLESPERANTO else data
        tensor = _tf_from_dlpack(tf, source, _M.NUMPY if host else src)
        if tensor is None:
            host_copy = _native(_to_numpy(data, src, None))
            try:
                tensor = tf.convert_to_tensor(host_copy)
            except (TypeError, ValueError) as exc:
                raise _unsupported(host_copy.dtype, "tensorflow", exc) from exc
    if device is not None and (parse_device(tensor.device) or "cpu") != device:
        name = "/CPU:0" if device == "cpu" else f"/GPU:{device.split(':')[1]}"
        with tf.device(name):
            tensor = tf.identity(tensor)
    return tensor


# -- to cupy --------------------------------------------------------------------------


def _to_cupy(data: Any, src: MemoryType, device: str | None) -> Any:
    cp = module_for(_M.CUPY)
    if device == "cpu":
        raise BackendUnavailableError("cupy arrays live on a GPU: pass device='cuda:N' or None")
    try:
        count = int(cp.cuda.runtime.getDeviceCount())
    except Exception as exc:  # no driver, no device: CUDARuntimeError
        raise BackendUnavailableError(
            f"cupy needs a CUDA GPU and found none ({exc}); run on a machine with an "
            "NVIDIA GPU and driver, or use numpy or torch instead"
        ) from exc
    gpu = int(device.split(":")[1]) if device else None
    if gpu is not None and gpu >= count:
        raise BackendUnavailableError(f"cupy has no GPU {device!r} here ({count} visible)")
    with cp.cuda.Device(gpu) if gpu is not None else contextlib.nullcontext():
        if src is _M.CUPY:
            array = data
        elif src in (_M.TORCH, _M.JAX, _M.TENSORFLOW) and _on_gpu(data, src):
            source = _plain_tensor(data) if src is _M.TORCH else data
            array = cp.from_dlpack(source)
        else:
            return cp.asarray(_to_numpy(data, src, None))
        if gpu is not None and array.device.id != gpu:
            array = array.copy()  # cupy copies onto the current device
        return array


# -- to pyclesperanto -----------------------------------------------------------------

# OpenCL images have no 64-bit, bool or half types: narrow as pyclesperanto would,
# but here, visibly, and refuse what cannot be narrowed.
_CLE_NARROW: dict[np.dtype[Any], np.dtype[Any]] = {
    np.dtype(np.float64): np.dtype(np.float32),
    np.dtype(np.float16): np.dtype(np.float32),
    np.dtype(np.int64): np.dtype(np.int32),
    np.dtype(np.uint64): np.dtype(np.uint32),
    np.dtype(np.bool_): np.dtype(np.uint8),
}


def _cle_device(cle: Any, device: object) -> Any:
    """Find the OpenCL device named or numbered by ``device``; the current one stays selected."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "no device" is reported below
        names = [str(n) for n in cle.list_available_devices()]
        if not names:
            raise BackendUnavailableError(
                "pyclesperanto found no OpenCL device: install a GPU driver with OpenCL "
                "support, or pocl for the CPU (apt-get install pocl-opencl-icd)"
            )
        current = cle.get_device()
        if device is None:
            return current
        if isinstance(device, int) and not isinstance(device, bool):
            if not 0 <= device < len(names):
                raise BackendUnavailableError(
                    f"pyclesperanto has no OpenCL device {device} (found: {names})"
                )
            key: str | int = device
        else:
            key = str(getattr(device, "name", device))
            check_device(_M.PYCLESPERANTO, key)
        chosen = cle.select_device(key)
        if current is not None and chosen != current:
            cle.select_device(current.name)  # select_device is global state: put it back
        return chosen


def _to_pyclesperanto(data: Any, src: MemoryType, device: object) -> Any:
    cle = module_for(_M.PYCLESPERANTO)
    target = _cle_device(cle, device)
    if src is _M.PYCLESPERANTO and (device is None or data.device == target):
        return data
    host = _to_numpy(data, src, None)
    if host.size == 0 or not 1 <= host.ndim <= 3:
        raise ConversionError(
            f"pyclesperanto holds non-empty arrays of 1 to 3 dimensions, not shape "
            f"{host.shape}: convert one 3D stack (or plane) at a time"
        )
    if host.dtype.kind == "c":
        raise ConversionError(
            "pyclesperanto has no complex types: pass the real part or the magnitude"
        )
    wanted: np.dtype[Any] = _CLE_NARROW.get(host.dtype) or host.dtype.newbyteorder("=")
    host = np.ascontiguousarray(host, dtype=wanted)
    return cle.push(host, device=target)


_TO = {
    _M.NUMPY: _to_numpy,
    _M.TORCH: _to_torch,
    _M.JAX: _to_jax,
    _M.TENSORFLOW: _to_tensorflow,
    _M.CUPY: _to_cupy,
}


def convert(data: Any, target: MemoryType | str, *, device: object = None) -> Any:
    """Convert ``data`` to memory type ``target``, sharing memory where possible.

    Parameters
    ----------
    data
        An array of any memory type.
    target
        The memory type wanted (a :class:`MemoryType` or its name).
    device
        Where the result should live: ``"cpu"``, ``"cuda:N"`` (or ``N``, or
        ``"gpu:N"``), or for pyclesperanto an OpenCL device name or index.
        None keeps the data where it is when the target can hold it there.

    Returns
    -------
    Any
        ``data`` itself when it already has the type (and device); otherwise an
        array of the target type that shares ``data``'s buffer where both
        libraries allow it, or a copy.

    Raises
    ------
    MemoryTypeError
        If ``target`` is not a memory type, or ``data`` is not an array.
    MissingDependencyError
        If the target's package is not installed.
    BackendUnavailableError
        If the device does not exist here (e.g. a GPU on a machine without one).
    ConversionError
        If the data's dtype has no equivalent in the target.
    """
    tgt = as_memory_type(target)
    src = detect_memory_type(data)
    if src is tgt and device is None:
        return data
    if tgt is _M.PYCLESPERANTO:
        return _to_pyclesperanto(data, src, device)
    dev = parse_device(device)
    if dev is None:
        if tgt is not _M.NUMPY and _on_gpu(data, src):
            dev = device_of(data)
        elif tgt in (_M.TORCH, _M.JAX, _M.TENSORFLOW):
            dev = "cpu"
    elif dev != "cpu" and tgt in (_M.TORCH, _M.JAX, _M.TENSORFLOW):
        check_device(tgt, dev)  # a clear error rather than each framework's own
    return _TO[tgt](data, src, dev)
