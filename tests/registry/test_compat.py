"""The seed system's API: FUNC_REGISTRY, register_function, lookups, CustomFunctionManager."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

import fnstore
from fnstore.errors import FunctionNotFoundError, InvalidCodeError, MemoryTypeError
from fnstore.registry import _compat

from .conftest import numpy_code

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fnstore.store import FunctionStore

STACK = np.ones((2, 3, 3), dtype=np.float32)


@pytest.fixture(autouse=True)
def _fresh_compat_state() -> Iterator[None]:
    yield
    _compat.use_registry(None)
    _compat._manual.clear()


def test_register_function_validates_both_memory_types() -> None:
    def plain(image: object) -> object:
        return image

    with pytest.raises(MemoryTypeError, match="input_memory_type"):
        fnstore.register_function(plain)
    plain.input_memory_type = "numpy"  # type: ignore[attr-defined]
    with pytest.raises(MemoryTypeError, match="output_memory_type"):
        fnstore.register_function(plain)
    plain.output_memory_type = "float64"  # type: ignore[attr-defined]
    with pytest.raises(MemoryTypeError, match="not a memory type"):
        fnstore.register_function(plain)
    plain.output_memory_type = "numpy"  # type: ignore[attr-defined]
    fnstore.register_function(plain, backend="mine")
    assert fnstore.FUNC_REGISTRY["mine"] == [plain]
    assert plain.registry == "mine"  # type: ignore[attr-defined]
    assert fnstore.get_function_by_name("plain", "numpy") is plain
    assert fnstore.get_function_by_name("plain", "torch") is None
    assert plain in fnstore.get_functions_by_memory_type("numpy")
    with pytest.raises(MemoryTypeError):
        fnstore.get_functions_by_memory_type("float64")


def test_the_seed_api_reads_the_store(store: FunctionStore) -> None:
    manager = fnstore.CustomFunctionManager(store)
    store.save(numpy_code("stored_a", 3))
    assert manager.load_all_custom_functions() == 1
    func = fnstore.get_function_by_name("stored_a", "numpy")
    assert func is not None and func(STACK)[0, 0, 0] == 3
    assert fnstore.get_function_by_name("stored_a", "torch") is None
    assert [f.__name__ for f in fnstore.get_functions_by_memory_type("numpy")] == ["stored_a"]
    assert "fnstore" in fnstore.FUNC_REGISTRY
    assert [f.__name__ for f in fnstore.FUNC_REGISTRY["fnstore"]] == ["stored_a"]


def test_register_from_code_persists_as_a_commit(store: FunctionStore) -> None:
    manager = fnstore.CustomFunctionManager(store)
    before = store.head
    funcs = manager.register_from_code(numpy_code("saved_b", 2))
    assert [f.__name__ for f in funcs] == ["saved_b"]
    assert funcs[0](STACK)[0, 0, 0] == 2
    assert store.head != before
    assert store.get("saved_b").version == 1
    rows = manager.list_custom_functions()
    assert [(r["name"], r["version"], r["memory_type"], r["available"]) for r in rows] == [
        ("saved_b", 1, "numpy", True)
    ]
    assert "Multiply by 2." in manager.get_function_code("saved_b")


def test_register_from_code_without_persisting_makes_no_commit(store: FunctionStore) -> None:
    manager = fnstore.CustomFunctionManager(store)
    store.save(numpy_code("anchor_c"))
    head = store.head
    funcs = manager.register_from_code(numpy_code("transient_c", 5), persist=False)
    assert funcs[0](STACK)[0, 0, 0] == 5
    assert store.head == head
    assert fnstore.get_function_by_name("transient_c", "numpy") is funcs[0]
    assert manager.delete_custom_function("transient_c") is True  # forgotten, no commit
    assert store.head == head
    with pytest.raises(InvalidCodeError):
        manager.register_from_code("def nothing_decorated(): pass\n", persist=False)
    with pytest.raises(InvalidCodeError, match="failed when run"):
        manager.register_from_code(numpy_code("bad_c", extra="1 / 0"), persist=False)


def test_delete_is_a_commit_and_can_be_restored(store: FunctionStore) -> None:
    manager = fnstore.CustomFunctionManager(store)
    manager.register_from_code(numpy_code("doomed_d", 4))
    seen = []
    manager.registry.on_change(seen.append)
    assert manager.delete_custom_function("doomed_d") is True
    assert "doomed_d" not in manager.registry
    assert seen[-1].removed == ("doomed_d",)
    assert manager.delete_custom_function("doomed_d") is False
    with pytest.raises(FunctionNotFoundError):
        manager.registry.get("doomed_d")
    assert manager.restore_custom_function("doomed_d") is True
    assert manager.registry.get("doomed_d")(STACK)[0, 0, 0] == 4
    assert manager.restore_custom_function("never_existed") is False
