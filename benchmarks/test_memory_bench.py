"""Speed of fnstore.memory: decorator overhead and conversions.

Each group holds a figure and the baseline it is read against:

- ``decorator-*``: a bare call beside the same function decorated, with input
  already of the declared type (the target: under 1 µs more);
- ``numpy->torch``, ``torch->numpy``, ``numpy->jax``: zero-copy, so 1 MiB and
  256 MiB should take about the same time (within 2x), while ``numpy.copy``
  of 256 MiB shows what a copy would cost;
- ``numpy->pyclesperanto``: a real host-to-device copy, for scale.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest

import fnstore.memory as mem
from fnstore.memory import convert, empty_aligned

MiB = 1 << 20
SIZES = {"1MiB": 1 * MiB, "256MiB": 256 * MiB}


def _skip_unless(package: str, extra: str) -> Any:
    return pytest.mark.skipif(
        importlib.util.find_spec(package) is None,
        reason=f'{package} is not installed: pip install "fnstore[{extra}]"',
    )


@pytest.fixture(scope="module", params=list(SIZES), ids=list(SIZES))
def stack_of_size(request: pytest.FixtureRequest) -> np.ndarray:
    """A float32 3D stack of the given size, 64-byte aligned (jax shares only those)."""
    nbytes = SIZES[request.param]
    planes = nbytes // (4 * 512 * 512)
    out = empty_aligned((planes, 512, 512), np.float32)
    out.fill(1.0)
    return out


def _identity(image: Any) -> Any:
    return image


# -- decorator overhead -------------------------------------------------------------


@pytest.mark.benchmark(group="decorator-numpy")
def test_bare_call(benchmark: Any) -> None:
    data = np.zeros((4, 8, 8), np.float32)
    benchmark(_identity, data)


@pytest.mark.benchmark(group="decorator-numpy")
def test_numpy_decorated_call(benchmark: Any) -> None:
    data = np.zeros((4, 8, 8), np.float32)
    benchmark(mem.numpy(_identity), data)


@pytest.mark.benchmark(group="decorator-numpy")
def test_numpy_decorated_call_preserving_dtype(benchmark: Any) -> None:
    data = np.zeros((4, 8, 8), np.float32)
    benchmark(mem.numpy(preserve_dtype=True)(_identity), data)


@_skip_unless("torch", "torch")
@pytest.mark.benchmark(group="decorator-torch")
def test_bare_call_torch(benchmark: Any) -> None:
    data = convert(np.zeros((4, 8, 8), np.float32), "torch")
    benchmark(_identity, data)


@_skip_unless("torch", "torch")
@pytest.mark.benchmark(group="decorator-torch")
def test_torch_decorated_call_with_oom_recovery(benchmark: Any) -> None:
    data = convert(np.zeros((4, 8, 8), np.float32), "torch")
    benchmark(mem.torch(_identity), data)


# -- conversions ----------------------------------------------------------------------


@_skip_unless("torch", "torch")
@pytest.mark.benchmark(group="numpy->torch")
def test_numpy_to_torch(benchmark: Any, stack_of_size: np.ndarray) -> None:
    convert(stack_of_size, "torch")  # warm-up: first calls load and set up the library
    benchmark(convert, stack_of_size, "torch")


@_skip_unless("torch", "torch")
@pytest.mark.benchmark(group="torch->numpy")
def test_torch_to_numpy(benchmark: Any, stack_of_size: np.ndarray) -> None:
    tensor = convert(stack_of_size, "torch")
    convert(tensor, "numpy")
    benchmark(convert, tensor, "numpy")


@_skip_unless("jax", "jax")
@pytest.mark.benchmark(group="numpy->jax")
def test_numpy_to_jax(benchmark: Any, stack_of_size: np.ndarray) -> None:
    convert(stack_of_size, "jax")
    benchmark(convert, stack_of_size, "jax")


@_skip_unless("pyclesperanto", "cle")
@pytest.mark.benchmark(group="numpy->pyclesperanto")
def test_numpy_to_pyclesperanto(benchmark: Any, stack_of_size: np.ndarray) -> None:
    convert(stack_of_size, "pyclesperanto")
    benchmark(convert, stack_of_size, "pyclesperanto")


@pytest.mark.benchmark(group="numpy-copy-baseline")
def test_numpy_copy_baseline(benchmark: Any, stack_of_size: np.ndarray) -> None:
    benchmark(np.copy, stack_of_size)
