"""Input stacks, the machine fingerprint, and timing on each CPU backend."""

from __future__ import annotations

import importlib.util
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from fnstore.bench import backend_for, fingerprint, measure, resolve_inputs, synthetic_stack
from fnstore.errors import BenchError

if TYPE_CHECKING:
    from pathlib import Path


def _have(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def test_synthetic_stacks_are_deterministic_and_read_only() -> None:
    a = synthetic_stack((2, 64, 48))
    assert a.shape == (2, 64, 48) and a.dtype == np.uint16
    from fnstore.bench._stacks import _cached_stack

    _cached_stack.cache_clear()  # a fresh build gives the same bytes
    assert np.array_equal(a, synthetic_stack((2, 64, 48)))
    assert not a.flags.writeable
    assert 0 < a.min() < a.max() <= np.iinfo(np.uint16).max


def test_float_stacks_lie_in_the_unit_interval() -> None:
    a = synthetic_stack((1, 32, 32), "float32")
    assert a.dtype == np.float32 and 0 <= a.min() < a.max() <= 1


@pytest.mark.parametrize(
    ("shape", "dtype", "message"),
    [((64, 64), "uint16", "3D"), ((1, 0, 4), "uint16", "3D"), ((1, 4, 4), "complex64", "integer")],
)
def test_bad_shapes_and_dtypes_say_what_to_pass(
    shape: tuple[int, ...], dtype: str, message: str
) -> None:
    with pytest.raises(BenchError, match=message):
        synthetic_stack(shape, dtype)


def test_inputs_from_shapes_arrays_and_tiff_files(tmp_path: Path) -> None:
    tifffile = pytest.importorskip("tifffile", reason='TIFF input needs "fnstore[bench]"')
    plane = np.arange(12, dtype=np.uint8).reshape(3, 4)
    tifffile.imwrite(tmp_path / "cells.tif", np.stack([plane, plane]))
    inputs = resolve_inputs([(1, 8, 8), plane, tmp_path / "cells.tif"])
    assert [i.label.split(":")[0] for i in inputs] == ["synthetic", "array", "tiff"]
    assert inputs[1].shape == (1, 3, 4)  # a 2D image is a one-plane stack
    assert inputs[2].label == "tiff:cells.tif" and inputs[2].shape == (2, 3, 4)
    with pytest.raises(BenchError, match="no TIFF file"):
        resolve_inputs([tmp_path / "missing.tif"])


def test_one_shape_on_its_own_is_one_input() -> None:
    (single,) = resolve_inputs((2, 8, 8))
    assert single.shape == (2, 8, 8)
    (from_numpy,) = resolve_inputs(np.zeros((3, 4, 5)).shape)
    assert from_numpy.shape == (3, 4, 5)


def test_default_inputs_are_a_small_and_a_realistic_stack() -> None:
    from fnstore.bench import DEFAULT_SHAPES

    assert DEFAULT_SHAPES == ((1, 512, 512), (16, 2048, 2048))


def test_fingerprint_describes_this_machine() -> None:
    fp = fingerprint("numpy")
    assert fp.cpu_count >= 1 and fp.cpu_model
    assert fp.numpy == np.__version__ == fp.backend_version
    assert fp.machine_id == fingerprint("numpy").machine_id  # stable


def _double(x: Any) -> Any:
    return x * 2


def _cle_double(x: Any) -> Any:
    import pyclesperanto as cle

    return cle.multiply_image_and_scalar(x, scalar=2)


CPU_BACKENDS = [
    pytest.param("numpy", _double, id="numpy"),
    pytest.param(
        "torch",
        _double,
        id="torch",
        marks=pytest.mark.skipif(not _have("torch"), reason='needs "fnstore[torch]"'),
    ),
    pytest.param(
        "jax",
        _double,
        id="jax",
        marks=pytest.mark.skipif(not _have("jax"), reason='needs "fnstore[jax]"'),
    ),
    pytest.param(
        "tensorflow",
        _double,
        id="tensorflow",
        marks=pytest.mark.skipif(not _have("tensorflow"), reason='needs "fnstore[tensorflow]"'),
    ),
    pytest.param(
        "pyclesperanto",
        _cle_double,
        id="pyclesperanto",
        marks=pytest.mark.skipif(
            not _have("pyclesperanto"), reason='needs "fnstore[cle]" and an OpenCL device (pocl)'
        ),
    ),
]


@pytest.mark.parametrize(("memory_type", "fn"), CPU_BACKENDS)
def test_each_cpu_backend_times_rounds(memory_type: str, fn: Any) -> None:
    backend = backend_for(memory_type)
    cpu = [d for d in backend.devices() if not d.is_gpu]
    if memory_type == "pyclesperanto" and not cpu:
        pytest.skip("no CPU OpenCL device: apt-get install pocl-opencl-icd")
    device = cpu[0]
    data = backend.put(synthetic_stack((1, 16, 16), "float32"), device)
    try:
        device_times, wall_times = measure(backend, fn, data, device, rounds=3)
    finally:
        backend.done(device)
    assert len(device_times) == len(wall_times) == 3
    assert all(t > 0 for t in device_times + wall_times)


def test_min_time_adds_rounds_beyond_the_minimum() -> None:
    from fnstore.bench._run import MAX_ROUNDS

    backend = backend_for("numpy")
    (cpu,) = backend.devices()
    calls: list[int] = []

    def slow(x: Any) -> Any:
        calls.append(1)
        time.sleep(0.002)  # each round lasts at least 2 ms, so 2 rounds < 20 ms
        return x

    data = backend.put(synthetic_stack((1, 8, 8)), cpu)
    device_times, wall_times = measure(backend, slow, data, cpu, rounds=2, min_time=0.02)
    assert len(device_times) >= 2
    assert sum(wall_times) >= 0.02 or len(device_times) == MAX_ROUNDS
    assert len(calls) == len(device_times) + backend.warmup
    # rounds alone means exactly that many
    assert len(measure(backend, slow, data, cpu, rounds=2)[0]) == 2


def test_unknown_memory_type_is_refused() -> None:
    with pytest.raises(BenchError, match="use one of"):
        backend_for("matlab")


@pytest.mark.gpu
@pytest.mark.skipif(not _have("cupy"), reason='needs a CUDA GPU and "fnstore[cupy]"')
def test_cupy_times_with_cuda_events() -> None:
    backend = backend_for("cupy")
    gpus = backend.devices()
    if not gpus:
        pytest.skip("needs a CUDA GPU")
    data = backend.put(synthetic_stack((1, 256, 256), "float32"), gpus[0])
    device_times, wall_times = measure(backend, _double, data, gpus[0], rounds=3)
    assert backend.timer_for(gpus[0]) == "cuda-event"
    assert len(device_times) == 3 and all(t > 0 for t in wall_times)


@pytest.mark.gpu
@pytest.mark.skipif(not _have("torch"), reason='needs a CUDA GPU and "fnstore[torch]"')
def test_torch_times_cuda_with_events() -> None:
    backend = backend_for("torch")
    gpus = [d for d in backend.devices() if d.is_gpu]
    if not gpus:
        pytest.skip("needs a CUDA GPU")
    data = backend.put(synthetic_stack((1, 256, 256), "float32"), gpus[0])
    device_times, _ = measure(backend, _double, data, gpus[0], rounds=3)
    assert backend.timer_for(gpus[0]) == "cuda-event"
    assert str(data.device) == "cuda:0" and len(device_times) == 3
