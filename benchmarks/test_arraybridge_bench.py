"""fnstore.memory beside arraybridge (OpenHCS's memory library), in one run.

Runs where arraybridge is installed (``.venv-openhcs``, built by
``scripts/test-openhcs``)::

    .venv-openhcs/bin/python -m pytest benchmarks/test_arraybridge_bench.py

Groups, each read against its own baseline in the same run:

- ``ab-decorator-numpy``: a bare call, then the same function under
  fnstore's ``@numpy`` and under arraybridge's ``@numpy`` (input already numpy);
- ``ab-numpy->X``: fnstore's ``convert`` beside arraybridge's
  ``convert_memory`` for 256 MiB, with ``numpy.copy`` as the cost of a copy.
  ``extra_info["zero_copy"]`` says whether the result shares the input's
  memory.  Where arraybridge cannot convert on this machine (0.3.x converts
  to torch, jax, tensorflow and pyclesperanto only onto a GPU device) its
  case is skipped with arraybridge's own reason: that is part of the finding.

docs/openhcs.md reads the figures of one run.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest

import fnstore.memory as mem

pytest.importorskip(
    "arraybridge", reason="needs arraybridge: run it in .venv-openhcs (scripts/test-openhcs)"
)

MiB = 1 << 20
TARGETS = ["torch", "jax"]


def _identity(image: Any) -> Any:
    return image


@pytest.fixture(scope="module")
def stack() -> np.ndarray[Any, Any]:
    out = mem.empty_aligned((256 * MiB // (4 * 512 * 512), 512, 512), np.float32)
    out.fill(1.0)
    return out


def _shares(result: Any, source: np.ndarray[Any, Any]) -> bool:
    return bool(np.shares_memory(np.asarray(mem.convert(result, "numpy")), source))


@pytest.mark.benchmark(group="ab-decorator-numpy")
def test_bare_call(benchmark: Any) -> None:
    benchmark(_identity, np.zeros((4, 8, 8), np.float32))


@pytest.mark.benchmark(group="ab-decorator-numpy")
def test_fnstore_numpy_decorator(benchmark: Any) -> None:
    benchmark(mem.numpy(_identity), np.zeros((4, 8, 8), np.float32))


@pytest.mark.benchmark(group="ab-decorator-numpy")
def test_arraybridge_numpy_decorator(benchmark: Any) -> None:
    import arraybridge

    def image_identity(image: Any) -> Any:
        return image

    benchmark(arraybridge.numpy(image_identity), np.zeros((4, 8, 8), np.float32))


def _target(name: str) -> Any:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            importlib.util.find_spec(name) is None, reason=f"{name} is not installed"
        ),
    )


@pytest.mark.parametrize("target", [_target(t) for t in TARGETS])
def test_numpy_copy_baseline(benchmark: Any, stack: np.ndarray[Any, Any], target: str) -> None:
    benchmark.group = f"ab-numpy->{target}"
    benchmark(np.copy, stack)


@pytest.mark.parametrize("target", [_target(t) for t in TARGETS])
def test_fnstore_convert(benchmark: Any, stack: np.ndarray[Any, Any], target: str) -> None:
    benchmark.group = f"ab-numpy->{target}"
    result = benchmark(mem.convert, stack, target)
    benchmark.extra_info["zero_copy"] = _shares(result, stack)


@pytest.mark.parametrize("target", [_target(t) for t in TARGETS])
def test_arraybridge_convert_memory(
    benchmark: Any, stack: np.ndarray[Any, Any], target: str
) -> None:
    from arraybridge import MemoryConversionError, convert_memory

    benchmark.group = f"ab-numpy->{target}"
    try:
        convert_memory(stack, "numpy", target, gpu_id=0)
    except MemoryConversionError as exc:
        pytest.skip(f"arraybridge cannot convert here: {exc}")
    result = benchmark(convert_memory, stack, "numpy", target, gpu_id=0)
    benchmark.extra_info["zero_copy"] = _shares(result, stack)
