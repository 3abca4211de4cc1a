"""convert(): every pair that runs on a CPU, zero-copy by address, and the traps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from memory_helpers import (
    CPU_TYPES,
    address,
    backend_param,
    cuda_reason,
    cupy_reason,
    installed,
    make,
    pair_params,
    stack,
)

from fnstore.errors import BackendUnavailableError, ConversionError, MemoryTypeError
from fnstore.memory import (
    MemoryType,
    convert,
    detect_memory_type,
    device_of,
    devices,
    empty_aligned,
    require,
)
from fnstore.memory._dtype import cast_to


def _host(data: Any) -> np.ndarray:
    return np.asarray(convert(data, "numpy"))


@pytest.mark.parametrize(("src", "dst"), pair_params())
@pytest.mark.parametrize("dtype", [np.float32, np.uint16, np.uint8])
def test_every_cpu_pair_converts(src: str, dst: str, dtype: Any) -> None:
    host = stack(dtype)
    data = make(src, host)
    out = convert(data, dst)
    assert detect_memory_type(out) is MemoryType(dst)
    back = _host(out)
    assert back.shape == host.shape
    assert back.dtype == host.dtype
    np.testing.assert_array_equal(back, host)
    if src == dst:
        assert out is data


@pytest.mark.parametrize("name", [backend_param(n) for n in CPU_TYPES])
def test_same_type_returns_the_object_itself(name: str) -> None:
    data = make(name, stack())
    assert convert(data, name) is data
    assert convert(data, MemoryType(name)) is data


@pytest.mark.parametrize(
    "name", [backend_param(n) for n in ("numpy", "torch", "jax", "tensorflow")]
)
def test_same_type_on_its_own_device_returns_itself(name: str) -> None:
    data = make(name, stack())
    assert convert(data, name, device="cpu") is data
    assert device_of(data) == "cpu"


# -- zero-copy, by address ----------------------------------------------------------

_SHARED = [
    ("numpy", "torch"),
    ("torch", "numpy"),
    ("numpy", "jax"),
    ("jax", "numpy"),
    ("torch", "jax"),
    ("jax", "torch"),
    ("numpy", "tensorflow"),
    ("tensorflow", "numpy"),
    ("torch", "tensorflow"),
    ("tensorflow", "torch"),
    ("jax", "tensorflow"),
    ("tensorflow", "jax"),
]


def _shared_params() -> list[Any]:
    out = []
    for src, dst in _SHARED:
        missing = [n for n in (src, dst, "torch") if n != "numpy" and not installed(n)]
        reason = f"needs {', '.join(missing)}" if missing else ""
        out.append(
            pytest.param(
                src, dst, id=f"{src}->{dst}", marks=pytest.mark.skipif(bool(missing), reason=reason)
            )
        )
    return out


@pytest.mark.parametrize(("src", "dst"), _shared_params())
def test_host_conversions_share_memory(src: str, dst: str) -> None:
    data = make(src, stack())
    out = convert(data, dst)
    assert address(out) == address(data)


def test_numpy_to_torch_shares_memory_both_ways() -> None:
    torch = pytest.importorskip("torch", reason='pip install "fnstore[torch]"')
    arr = np.zeros((2, 3), np.float32)  # any numpy alignment will do for torch
    tensor = convert(arr, "torch")
    tensor[0, 0] = 5
    assert arr[0, 0] == 5
    assert convert(tensor, "numpy").__array_interface__["data"][0] == tensor.data_ptr()
    assert isinstance(tensor, torch.Tensor)


@pytest.mark.parametrize("name", [backend_param(n) for n in ("jax", "tensorflow")])
def test_unaligned_numpy_is_copied_and_usable(name: str) -> None:
    # jax would copy silently; tensorflow would abort the process at the first op.
    raw = np.arange(1001, dtype=np.float32)
    arr = raw[1:]
    assert arr.__array_interface__["data"][0] % 64 != 0
    out = convert(arr, name)
    assert address(out) != address(arr)
    np.testing.assert_array_equal(_host(out * 2), arr * 2)


@pytest.mark.parametrize("name", [backend_param("tensorflow")])
def test_unaligned_torch_view_to_tensorflow_is_copied(name: str) -> None:
    torch = pytest.importorskip("torch", reason='pip install "fnstore[torch]"')
    view = torch.arange(1001, dtype=torch.float32)[1:]
    out = convert(view, "tensorflow")
    tf = require("tensorflow")
    assert float(tf.reduce_sum(out + 1)) == float((view + 1).sum())


def test_empty_aligned() -> None:
    for align in (64, 128, 4096):
        arr = empty_aligned((3, 5, 7), np.uint16, alignment=align)
        assert arr.shape == (3, 5, 7) and arr.dtype == np.uint16
        assert arr.__array_interface__["data"][0] % align == 0
        assert arr.flags.c_contiguous and arr.flags.writeable
    assert empty_aligned(4).shape == (4,)


# -- awkward numpy inputs ------------------------------------------------------------


@pytest.mark.parametrize("name", [backend_param(n) for n in CPU_TYPES])
def test_awkward_layouts_convert_correctly(name: str) -> None:
    base = stack(np.float32, (4, 6, 8))
    read_only = base.copy()
    read_only.flags.writeable = False
    cases = [
        base[::-1],  # negative strides
        base[:, ::2, 1:],  # non-contiguous
        np.asfortranarray(base),
        base.astype(">f4"),  # big-endian
        read_only,
    ]
    if name != "pyclesperanto":
        cases.append(np.zeros((0, 4), np.float32))
    for case in cases:
        np.testing.assert_array_equal(_host(convert(case, name)), case)


def test_read_only_numpy_to_torch_is_copied_without_warning() -> None:
    pytest.importorskip("torch", reason='pip install "fnstore[torch]"')
    arr = np.ones(8, np.float32)
    arr.flags.writeable = False
    tensor = convert(arr, "torch")  # torch would warn (an error here) if shared
    tensor += 1
    assert arr[0] == 1


@pytest.mark.parametrize("name", [backend_param("torch")])
def test_torch_special_tensors_to_numpy(name: str) -> None:
    import torch

    grad = torch.ones(3, requires_grad=True)
    np.testing.assert_array_equal(convert(grad, "numpy"), np.ones(3, np.float32))
    conj = torch.tensor([1 + 2j]).conj()
    assert convert(conj, "numpy")[0] == 1 - 2j
    with pytest.raises(ConversionError, match="float"):
        convert(torch.ones(2, dtype=torch.bfloat16), "numpy")


@pytest.mark.parametrize("name", [backend_param("torch")])
def test_numpy_dtype_torch_lacks(name: str) -> None:
    with pytest.raises(ConversionError, match="no torch equivalent"):
        convert(np.array(["a", "b"]), "torch")


# -- pyclesperanto ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [backend_param("pyclesperanto")])
def test_pyclesperanto_narrows_what_opencl_lacks(name: str) -> None:
    for given_dtype, expected in [
        (np.float64, np.float32),
        (np.int64, np.int32),
        (np.bool_, np.uint8),
        (np.float16, np.float32),
    ]:
        out = convert(np.ones(4, given_dtype), name)
        assert np.dtype(out.dtype) == expected
    with pytest.raises(ConversionError, match="complex"):
        convert(np.ones(2, np.complex64), name)
    for shape in [(0, 4), (), (2, 2, 2, 2)]:
        with pytest.raises(ConversionError, match="1 to 3 dimensions"):
            convert(np.ones(shape, np.float32), name)


@pytest.mark.parametrize("name", [backend_param("pyclesperanto")])
def test_pyclesperanto_devices_by_name_and_index(name: str) -> None:
    cle = require("pyclesperanto")
    before = cle.get_device()
    first = devices(name)[0]
    by_name = convert(stack(), name, device=first)
    by_index = convert(stack(), name, device=0)
    assert device_of(by_name) == device_of(by_index) == first
    assert convert(by_name, name, device=first) is by_name
    assert cle.get_device() == before
    with pytest.raises(BackendUnavailableError, match="no OpenCL device"):
        convert(stack(), name, device="no-such-opencl-device")
    with pytest.raises(BackendUnavailableError, match="no OpenCL device 99"):
        convert(stack(), name, device=99)


# -- errors ------------------------------------------------------------------------------


def test_unknown_target_and_data() -> None:
    with pytest.raises(MemoryTypeError, match="not a memory type"):
        convert(np.zeros(3), "opencl")
    with pytest.raises(MemoryTypeError, match="not an array"):
        convert([1, 2, 3], "numpy")


# -- dtype casts (preserve_dtype's engine) ---------------------------------------------


@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=1, max_size=50),
    st.sampled_from([np.uint8, np.uint16, np.int16]),
)
def test_float_to_int_cast_rounds_and_clips(values: list[float], dtype: Any) -> None:
    arr = np.array(values, np.float32)
    info = np.iinfo(dtype)
    out = cast_to(arr, np.dtype(dtype))
    assert out.dtype == dtype
    finite = np.isfinite(arr)
    expected = np.clip(np.rint(arr[finite].astype(np.float64)), info.min, info.max)
    np.testing.assert_array_equal(out[finite], expected.astype(dtype))
    assert (out[np.isnan(arr)] == 0).all()
    assert (out[arr == np.inf] == info.max).all()
    assert (out[arr == -np.inf] == info.min).all()


def test_float32_to_int32_saturates_inside_the_range() -> None:
    # float32 cannot hold 2**31 - 1: the top is the largest float32 below it, and
    # nothing wraps round to a negative number.
    out = cast_to(np.array([3e9, -3e9, 1.5], np.float32), np.dtype(np.int32))
    np.testing.assert_array_equal(out, np.array([2147483520, -2147483648, 2], np.int32))


def test_int_to_int_cast_clips() -> None:
    out = cast_to(np.array([-5, 0, 300, 70000], np.int32), np.dtype(np.uint8))
    np.testing.assert_array_equal(out, np.array([0, 0, 255, 255], np.uint8))
    same = np.zeros(2, np.uint8)
    assert cast_to(same, np.dtype(np.uint8)) is same


@pytest.mark.parametrize("name", [backend_param(n) for n in CPU_TYPES])
def test_cast_in_every_library(name: str) -> None:
    data = make(name, np.array([-3.4, 0.6, 254.5, 300.0], np.float32))
    out = cast_to(data, np.dtype(np.uint8))
    assert detect_memory_type(out) is MemoryType(name)
    np.testing.assert_array_equal(_host(out), np.array([0, 1, 254, 255], np.uint8))


# -- GPU (skipped without one) ----------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(cuda_reason() is not None, reason=cuda_reason() or "")
def test_torch_cuda_round_trip() -> None:
    host = stack()
    on_gpu = convert(host, "torch", device="cuda:0")
    assert device_of(on_gpu) == "cuda:0"
    np.testing.assert_array_equal(convert(on_gpu, "numpy"), host)
    assert device_of(convert(on_gpu, "torch", device=0)) == "cuda:0"


@pytest.mark.gpu
@pytest.mark.skipif(cupy_reason() is not None, reason=cupy_reason() or "")
def test_cupy_round_trips_and_zero_copy_on_the_gpu() -> None:
    host = stack()
    cp_arr = convert(host, "cupy")
    assert device_of(cp_arr) == "cuda:0"
    np.testing.assert_array_equal(convert(cp_arr, "numpy"), host)
    for name in ("torch", "jax"):
        if name == "torch" and cuda_reason() is not None:
            continue
        if name == "jax" and not (installed("jax") and "cuda:0" in devices("jax")):
            continue
        other = convert(cp_arr, name)
        assert device_of(other) == "cuda:0"
        assert address(other) == address(cp_arr)
        back = convert(other, "cupy")
        assert address(back) == address(cp_arr)
    with pytest.raises(BackendUnavailableError, match="GPU"):
        convert(host, "cupy", device="cpu")
