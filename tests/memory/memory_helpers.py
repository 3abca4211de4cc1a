"""Helpers for the memory tests: which backends this machine has, and data in each.

Imported by the test modules as ``memory_helpers`` (``tests/memory`` is on
``sys.path`` under pytest's default import mode).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

from fnstore.memory import MemoryType, convert, detect_memory_type, empty_aligned


def installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


EXTRA = {
    "torch": "torch",
    "jax": "jax",
    "tensorflow": "tensorflow",
    "pyclesperanto": "cle",
    "cupy": "cupy",
}


def _cle_has_device() -> bool:
    if not installed("pyclesperanto"):
        return False
    from fnstore.memory import devices

    return bool(devices("pyclesperanto"))


def _why_missing(name: str) -> str | None:
    if name == "numpy":
        return None
    if not installed(name):
        return f'{name} is not installed: pip install "fnstore[{EXTRA[name]}]"'
    if name == "pyclesperanto" and not _cle_has_device():
        return "no OpenCL device: apt-get install pocl-opencl-icd (or a GPU driver)"
    return None


CPU_TYPES = ["numpy", "torch", "jax", "tensorflow", "pyclesperanto"]


def backend_param(name: str) -> Any:
    """``name`` as a pytest param, skipped with the install hint where it cannot run."""
    why = _why_missing(name)
    return pytest.param(name, id=name, marks=pytest.mark.skipif(why is not None, reason=why or ""))


def pair_params() -> list[Any]:
    """Every (source, target) pair of the memory types that can run on a CPU."""
    out = []
    for src in CPU_TYPES:
        for dst in CPU_TYPES:
            why = _why_missing(src) or _why_missing(dst)
            out.append(
                pytest.param(
                    src,
                    dst,
                    id=f"{src}->{dst}",
                    marks=pytest.mark.skipif(why is not None, reason=why or ""),
                )
            )
    return out


def cuda_reason() -> str | None:
    """None where torch sees a CUDA GPU, else why the GPU tests skip."""
    if not installed("torch"):
        return 'needs torch: pip install "fnstore[torch]"'
    import torch

    if not torch.cuda.is_available():
        return "needs a CUDA GPU and a CUDA build of torch (pip install torch from the CUDA index)"
    return None


def cupy_reason() -> str | None:
    if not installed("cupy"):
        return 'needs a CUDA GPU and cupy: pip install "fnstore[cupy]"'
    import cupy

    try:
        if cupy.cuda.runtime.getDeviceCount() > 0:
            return None
    except Exception:
        pass
    return "needs a CUDA GPU: cupy is installed but sees none"


def stack(dtype: Any = np.float32, shape: tuple[int, ...] = (3, 8, 16)) -> np.ndarray:
    """A small 3D stack in a 64-byte aligned buffer, with distinct values."""
    out = empty_aligned(shape, dtype)
    out[...] = (np.arange(out.size) % 200).reshape(shape).astype(dtype)
    return out


def make(name: str, host: np.ndarray) -> Any:
    """``host`` as data of memory type ``name``."""
    return convert(host, MemoryType(name))


def address(data: Any) -> int:
    """The address of the first element of ``data``'s buffer, whatever its type."""
    kind = detect_memory_type(data)
    if kind is MemoryType.NUMPY:
        return int(data.__array_interface__["data"][0])
    if kind is MemoryType.TORCH:
        return int(data.data_ptr())
    if kind is MemoryType.JAX:
        return int(data.unsafe_buffer_pointer())
    if kind is MemoryType.CUPY:
        return int(data.data.ptr)
    if kind is MemoryType.TENSORFLOW:
        import torch

        return int(torch.from_dlpack(data).data_ptr())
    raise AssertionError(f"no address for {kind}")


def run_python(code: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter; the result keeps stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
