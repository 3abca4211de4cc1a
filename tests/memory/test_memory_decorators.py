"""The memory-type decorators, memory_type_of, dtype preservation and OOM recovery."""

from __future__ import annotations

import functools
import inspect
import pickle
from typing import Any

import numpy as np
import pytest
from memory_helpers import CPU_TYPES, address, backend_param, installed, make, stack

import fnstore.memory as mem
from fnstore.errors import GPUOutOfMemoryError, MemoryTypeError
from fnstore.memory import MemoryType, detect_memory_type, memory_type_of, memory_types

NAMES = [m.value for m in MemoryType]


def blur(image: Any, sigma: float = 1.0) -> Any:
    """Blur a 3D stack."""
    return image


@mem.numpy
def picklable(image: Any) -> Any:
    return image


@pytest.mark.parametrize("name", NAMES)
def test_bare_and_called_set_the_openhcs_attributes(name: str) -> None:
    decorator = getattr(mem, name)
    bare = decorator(blur)
    called = decorator()(blur)
    for fn in (bare, called):
        assert fn.input_memory_type == name
        assert fn.output_memory_type == name
        assert isinstance(fn.input_memory_type, str)
        assert memory_type_of(fn) == (MemoryType(name), MemoryType(name))
        assert fn.__name__ == "blur"
        assert fn.__doc__ == "Blur a 3D stack."
        assert fn.__wrapped__ is blur
        assert inspect.signature(fn) == inspect.signature(blur)
    assert not hasattr(blur, "input_memory_type")  # the original is left alone


def test_decorator_names_and_docs() -> None:
    for name in NAMES:
        decorator = getattr(mem, name)
        assert decorator.__name__ == name
        assert decorator.__doc__ and f"@{name}" in decorator.__doc__


def test_called_overrides_input_and_output() -> None:
    fn = mem.numpy(input_type="torch")(blur)
    assert memory_type_of(fn) == (MemoryType.TORCH, MemoryType.NUMPY)
    fn = mem.cupy(output_type=MemoryType.NUMPY)(blur)
    assert (fn.input_memory_type, fn.output_memory_type) == ("cupy", "numpy")


def test_memory_types_positional_and_keyword() -> None:
    assert memory_type_of(memory_types("numpy", "torch")(blur)) == ("numpy", "torch")
    fn = memory_types(input_type="jax", output_type="pyclesperanto")(blur)
    assert memory_type_of(fn) == (MemoryType.JAX, MemoryType.PYCLESPERANTO)


def test_unknown_type_fails_at_decoration() -> None:
    with pytest.raises(MemoryTypeError, match="'opencl' is not a memory type"):
        memory_types("numpy", "opencl")
    with pytest.raises(MemoryTypeError):
        mem.numpy(input_type="nope")


def test_decorating_no_function_is_an_error() -> None:
    with pytest.raises(MemoryTypeError, match="decorates functions"):
        memory_types("numpy", "numpy")(42)  # type: ignore[type-var]


def test_conflicting_declarations_are_refused() -> None:
    with pytest.raises(MemoryTypeError, match="already has input_memory_type 'torch'"):
        mem.numpy(mem.torch(blur))
    assert memory_type_of(mem.numpy(mem.numpy(blur))) == ("numpy", "numpy")


def test_decorated_function_pickles_by_reference() -> None:
    assert pickle.loads(pickle.dumps(picklable)) is picklable


# -- memory_type_of reads OpenHCS-style plain attributes ------------------------------


def test_plain_attributes_are_recognised() -> None:
    def openhcs_style(image: Any) -> Any:
        return image

    openhcs_style.input_memory_type = "cupy"  # type: ignore[attr-defined]
    openhcs_style.output_memory_type = "numpy"  # type: ignore[attr-defined]
    assert memory_type_of(openhcs_style) == (MemoryType.CUPY, MemoryType.NUMPY)

    # Through functools.wraps layers and partials.
    @functools.wraps(openhcs_style)
    def outer(*args: Any) -> Any:
        return openhcs_style(*args)

    del outer.__dict__["input_memory_type"], outer.__dict__["output_memory_type"]
    assert memory_type_of(outer) == ("cupy", "numpy")
    assert memory_type_of(functools.partial(openhcs_style)) == ("cupy", "numpy")
    assert memory_type_of(functools.partial(mem.jax(blur), sigma=2)) == ("jax", "jax")


def test_undeclared_and_bad_attributes() -> None:
    with pytest.raises(MemoryTypeError, match="blur declares no memory types"):
        memory_type_of(blur)

    def odd(image: Any) -> Any:
        return image

    odd.input_memory_type = "opencl"  # type: ignore[attr-defined]
    odd.output_memory_type = "numpy"  # type: ignore[attr-defined]
    with pytest.raises(MemoryTypeError, match=r"odd.*'opencl' is not a memory type"):
        memory_type_of(odd)


# -- calling: the first argument arrives in the declared type --------------------------


@pytest.mark.parametrize("src", [backend_param(n) for n in CPU_TYPES])
@pytest.mark.parametrize("dst", [backend_param(n) for n in CPU_TYPES])
def test_input_is_converted_to_the_declared_type(src: str, dst: str) -> None:
    seen: list[MemoryType] = []

    @memory_types(dst, dst)
    def record(image: Any, *, factor: int = 1) -> Any:
        seen.append(detect_memory_type(image))
        return image

    data = make(src, stack())
    out = record(data, factor=2)
    assert seen == [MemoryType(dst)]
    if src == dst:
        assert out is data


def test_declared_input_is_passed_as_is() -> None:
    pytest.importorskip("torch", reason='pip install "fnstore[torch]"')

    @mem.torch
    def same(image: Any) -> Any:
        return image

    host = stack()
    tensor = same(host)  # converted, sharing memory
    assert address(tensor) == address(host)
    assert same(tensor) is tensor


def test_non_array_arguments_pass_unchanged() -> None:
    @mem.torch
    def takes_anything(first: Any = None, **kwargs: Any) -> Any:
        return first, kwargs

    items = [np.zeros(2)]
    assert takes_anything(items)[0] is items
    assert takes_anything(items)[0] is items  # second time through the learnt fast path
    assert takes_anything() == (None, {})
    assert takes_anything(image=3) == (None, {"image": 3})


def test_methods_can_be_decorated() -> None:
    class Filter:
        @mem.numpy
        def apply(self, image: Any) -> Any:
            return image + 1

    out = Filter().apply(np.zeros(2))
    np.testing.assert_array_equal(out, np.ones(2))


# -- preserve_dtype ----------------------------------------------------------------------


def test_preserve_dtype_rounds_and_clips_into_integer_range() -> None:
    @mem.numpy(preserve_dtype=True)
    def brighten(image: Any) -> Any:
        return image * 1.5 + 0.2

    image = np.array([0, 10, 50000], np.uint16)
    out = brighten(image)
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, np.array([0, 15, 65535], np.uint16))


def test_preserve_dtype_off_by_default() -> None:
    @mem.numpy
    def halve(image: Any) -> Any:
        return image / 2

    assert halve(np.array([3], np.uint8)).dtype == np.float64


def test_preserve_dtype_casts_only_the_image_of_a_tuple() -> None:
    @mem.numpy(preserve_dtype=True)
    def with_special_output(image: Any) -> Any:
        return image * 0.5, {"count": 3}, np.array([0.25])

    image, extra, measure = with_special_output(np.array([5, 7], np.uint8))
    assert image.dtype == np.uint8
    np.testing.assert_array_equal(image, [2, 4])  # 2.5 and 3.5 round to even
    assert extra == {"count": 3}
    assert measure.dtype == np.float64


def test_preserve_dtype_leaves_non_arrays_alone() -> None:
    @mem.numpy(preserve_dtype=True)
    def measure(image: Any) -> Any:
        return float(image.sum())

    assert measure(np.ones(3, np.uint8)) == 3.0


@pytest.mark.parametrize("name", [backend_param(n) for n in CPU_TYPES])
def test_preserve_dtype_in_every_library(name: str) -> None:
    @memory_types(name, name, preserve_dtype=True)
    def to_float(image: Any) -> Any:
        # a float result, built in the function's own library
        host = np.asarray(mem.convert(image, "numpy"), np.float32) * 1.5
        return mem.convert(host, name)

    out = to_float(np.array([1, 100, 200], np.uint8))
    assert detect_memory_type(out) is MemoryType(name)
    np.testing.assert_array_equal(mem.convert(out, "numpy"), np.array([2, 150, 255], np.uint8))


def test_preserve_dtype_across_memory_types() -> None:
    pytest.importorskip("torch", reason='pip install "fnstore[torch]"')

    @mem.numpy(output_type="torch", preserve_dtype=True)
    def to_torch(image: Any) -> Any:
        return mem.convert(image.astype(np.float64) - 5, "torch")

    out = to_torch(np.array([3, 9], np.uint8))
    assert str(out.dtype) == "torch.uint8"
    assert out.tolist() == [0, 4]


# -- OOM recovery --------------------------------------------------------------------------


class Flaky:
    """A function that runs out of memory the first ``failures`` times it is called."""

    def __init__(self, failures: int, error: BaseException) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, image: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return image


def _torch_oom() -> BaseException:
    torch = pytest.importorskip("torch", reason='pip install "fnstore[torch]"')
    return torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")


def test_oom_is_retried_once_after_freeing_pools() -> None:
    flaky = Flaky(1, _torch_oom())
    fn = mem.torch(flaky)
    data = make("torch", stack())
    assert fn(data) is data
    assert flaky.calls == 2


def test_oom_twice_is_a_clear_error() -> None:
    flaky = Flaky(5, _torch_oom())
    fn = mem.torch(flaky)
    with pytest.raises(GPUOutOfMemoryError, match="smaller pieces") as info:
        fn(make("torch", stack()))
    assert flaky.calls == 2
    assert isinstance(info.value, MemoryError)
    assert "Tried to allocate 20.00 GiB" in str(info.value)


def test_oom_recovery_with_preserve_dtype() -> None:
    flaky = Flaky(1, RuntimeError("CUDA out of memory"))
    fn = mem.torch(preserve_dtype=True)(flaky)
    data = make("torch", stack(np.uint16))
    assert fn(data) is data
    assert flaky.calls == 2
    stubborn = Flaky(9, RuntimeError("CUDA out of memory"))
    with pytest.raises(GPUOutOfMemoryError):
        mem.torch(preserve_dtype=True)(stubborn)(data)


def test_other_errors_are_not_retried() -> None:
    flaky = Flaky(1, ValueError("sigma must be positive"))
    with pytest.raises(ValueError, match="sigma"):
        mem.torch(flaky)(make("torch", stack()))
    assert flaky.calls == 1


def test_oom_recovery_can_be_turned_off() -> None:
    flaky = Flaky(1, _torch_oom())
    with pytest.raises(type(flaky.error)):
        mem.torch(oom_recovery=False)(flaky)(make("torch", stack()))
    assert flaky.calls == 1


def test_numpy_has_no_oom_recovery_by_default() -> None:
    flaky = Flaky(1, RuntimeError("out of memory"))
    with pytest.raises(RuntimeError):
        mem.numpy(flaky)(np.zeros(2))
    assert flaky.calls == 1


@pytest.mark.parametrize("name", [backend_param("tensorflow")])
def test_tensorflow_resource_exhausted_is_recovered(name: str) -> None:
    tf = mem.require("tensorflow", extra="tensorflow")
    flaky = Flaky(1, tf.errors.ResourceExhaustedError(None, None, "OOM when allocating"))
    data = make(name, stack())
    assert mem.tensorflow(flaky)(data) is data
    assert flaky.calls == 2


@pytest.mark.skipif(not installed("jax"), reason='pip install "fnstore[jax]"')
def test_jax_resource_exhausted_is_recovered() -> None:
    flaky = Flaky(1, RuntimeError("RESOURCE_EXHAUSTED: Out of memory while trying to allocate"))
    data = make("jax", stack())
    assert mem.jax(flaky)(data) is data
    assert flaky.calls == 2
