"""The registry with one function name in several modules, once per memory type."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

import fnstore
from fnstore.errors import AmbiguousNameError
from fnstore.registry import Registry, _compat

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fnstore.store import FunctionStore


def processor(memory_type: str, factor: int) -> str:
    return (
        f"from openhcs.core.memory import {memory_type}\n\n\n"
        f"@{memory_type}\ndef sharpen(image):\n"
        f'    """Sharpen ({memory_type})."""\n    return image * {factor}\n'
    )


@pytest.fixture
def processors(store: FunctionStore) -> FunctionStore:
    store.save(processor("numpy", 2), module="ohcs_numpy_processor")
    store.save(processor("torch", 3), module="ohcs_torch_processor")
    store.save(processor("numpy", 5).replace("sharpen", "only_here"), module="plain")
    return store


@pytest.fixture(autouse=True)
def _fresh_compat_state() -> Iterator[None]:
    yield
    _compat.use_registry(None)


def test_each_backend_is_listed_and_picked_by_its_memory_type(processors: FunctionStore) -> None:
    registry = Registry.load(processors)
    assert registry.names() == ["only_here", "sharpen[numpy]", "sharpen[torch]"]
    with pytest.raises(AmbiguousNameError, match=r"sharpen\[numpy\], sharpen\[torch\]"):
        registry.get("sharpen")
    numpy_fn = registry.get("sharpen[numpy]")
    assert (numpy_fn.__name__, numpy_fn.input_memory_type) == ("sharpen", "numpy")
    assert registry.info("sharpen[torch]").module == "ohcs_torch_processor"
    assert np.array_equal(numpy_fn(np.ones((2, 2, 2))), np.full((2, 2, 2), 2.0))
    keys = registry.functions("torch")
    assert list(keys) == ["fnstore:sharpen[torch]"]
    # a second start reads the listing from the cache: the same answers
    again = Registry.load(processors)
    assert again.names() == registry.names()
    assert again.info("sharpen[numpy]").module == "ohcs_numpy_processor"


def test_openhcs_style_lookup_by_name_and_memory_type(processors: FunctionStore) -> None:
    _compat.use_registry(Registry.load(processors))
    func = fnstore.get_function_by_name("sharpen", "numpy")
    assert func is not None and func.__doc__ == "Sharpen (numpy)."
    assert fnstore.get_function_by_name("sharpen", "torch").input_memory_type == "torch"  # type: ignore[union-attr]
    assert fnstore.get_function_by_name("sharpen", "jax") is None
