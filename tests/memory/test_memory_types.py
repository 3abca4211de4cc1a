"""MemoryType and detect_memory_type."""

from __future__ import annotations

import json

import numpy as np
import pytest
from memory_helpers import CPU_TYPES, backend_param, make, run_python, stack

import fnstore
from fnstore.errors import FnStoreError, MemoryTypeError
from fnstore.memory import MemoryType, as_memory_type, detect_memory_type


def test_memory_type_is_a_str_enum() -> None:
    assert [m.value for m in MemoryType] == [
        "numpy",
        "cupy",
        "torch",
        "tensorflow",
        "jax",
        "pyclesperanto",
    ]
    assert MemoryType("numpy") == "numpy"
    assert MemoryType.TORCH == "torch"
    assert isinstance(MemoryType.JAX, str)
    assert json.dumps({"t": MemoryType.CUPY}) == '{"t": "cupy"}'
    assert MemoryType.PYCLESPERANTO.extra == "cle"
    assert MemoryType.NUMPY.extra is None


def test_as_memory_type_accepts_names_and_members() -> None:
    assert as_memory_type("Torch ") is MemoryType.TORCH
    assert as_memory_type(MemoryType.JAX) is MemoryType.JAX


@pytest.mark.parametrize("bad", ["opencl", "", None, 3])
def test_unknown_memory_type_is_a_clear_error(bad: object) -> None:
    with pytest.raises(MemoryTypeError, match="use one of numpy, cupy, torch") as info:
        as_memory_type(bad)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, FnStoreError)


@pytest.mark.parametrize("name", [backend_param(n) for n in CPU_TYPES])
def test_detect_memory_type(name: str) -> None:
    data = make(name, stack())
    assert detect_memory_type(data) is MemoryType(name)
    assert detect_memory_type(data) is MemoryType(name)  # second time from the cache


def test_detect_numpy_subclass() -> None:
    assert detect_memory_type(np.ma.masked_array([1, 2])) is MemoryType.NUMPY


@pytest.mark.parametrize("data", [[1, 2], None, np.float32(1.0), "image.tif"])
def test_detect_rejects_what_is_no_array(data: object) -> None:
    with pytest.raises(MemoryTypeError, match="not an array of any memory type"):
        detect_memory_type(data)


def test_top_level_exports() -> None:
    assert fnstore.MemoryType is MemoryType
    assert fnstore.convert.__module__ == "fnstore.memory._convert"
    assert callable(fnstore.torch) and fnstore.torch.__name__ == "torch"


def test_memory_package_imports_no_backend() -> None:
    # Detection, decoration and the helpers stay light until data of a backend exists.
    result = run_python(
        """
        import json, sys
        import fnstore.memory as m
        @m.torch
        def f(x):
            return x
        @m.memory_types("cupy", "tensorflow")
        def g(x):
            return x
        m.memory_type_of(f)
        try:
            m.detect_memory_type([1])
        except ValueError:
            pass
        print(json.dumps(sorted(sys.modules)))
        """
    )
    assert result.returncode == 0, result.stderr
    loaded = {name.split(".")[0] for name in json.loads(result.stdout.splitlines()[-1])}
    assert not loaded & {"torch", "cupy", "jax", "tensorflow", "pyclesperanto"}
