"""OpenHCS's own CustomFunctionManager, switched onto an fnstore store by fnstore.openhcs."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest

pytest.importorskip(
    "openhcs.processing.custom_functions",
    reason="needs the real OpenHCS 0.8.6: run scripts/test-openhcs",
)

from openhcs.core.callable_contract import CallableContract
from openhcs.processing.custom_functions import (
    CustomFunctionManager,
    ValidationError,
)

from fnstore._standin import is_stand_in
from fnstore.errors import InvalidCodeError
from fnstore.registry import Registry

if TYPE_CHECKING:
    from collections.abc import Callable

    from fnstore.openhcs import Installed
    from fnstore.store import FunctionStore

STACK = np.arange(2 * 8 * 8, dtype=np.float32).reshape(2, 8, 8)


def _have(package: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(package) is not None


CPU_TYPES = [
    "numpy",
    pytest.param("jax", marks=pytest.mark.skipif(not _have("jax"), reason="install jax")),
    pytest.param(
        "tensorflow",
        marks=pytest.mark.skipif(
            not _have("tensorflow"), reason='install tensorflow ("fnstore[tensorflow]")'
        ),
    ),
]


@pytest.mark.parametrize("memory_type", CPU_TYPES)
def test_openhcs_templates_save_and_load_with_the_real_decorators(
    store: FunctionStore, memory_type: str, template: Callable[[str, str], str]
) -> None:
    name = f"tpl_{memory_type}"
    result = store.save(template(memory_type, name))
    (info,) = result.versions[0].manifest.functions
    assert (info.input_memory_type, info.decorators_from) == (memory_type, "openhcs")
    func = Registry.load(store).get(name)
    # OpenHCS reads the function's contract as it reads its own functions'.
    contract = CallableContract.from_callable(func)
    assert (contract.input_memory_type, contract.output_memory_type) == (memory_type, memory_type)
    assert not is_stand_in(sys.modules["openhcs.core.memory"])
    from fnstore.memory import convert

    data = convert(STACK, memory_type)
    if memory_type == "tensorflow":
        # arraybridge 0.3.8's own @tensorflow wrapper fails on any tf tensor
        # (np.dtype(tf.float32)), as when OpenHCS loads the template itself.
        with pytest.raises(TypeError, match=r"tf\.float32"):
            func(data)
        return
    assert tuple(func(data).shape) == STACK.shape


@pytest.mark.skipif(not _have("torch"), reason="install torch")
def test_openhcs_torch_template_is_refused_with_the_fix_and_the_fix_runs(
    store: FunctionStore, template: Callable[[str, str], str]
) -> None:
    # The template imports the decorator, then 'import torch' rebinds the name:
    # OpenHCS itself fails on it ('module' object is not callable).
    code = template("torch", "tpl_torch")
    with pytest.raises(InvalidCodeError, match="torch as torch_func"):
        store.save(code)
    with pytest.raises(ValidationError, match="not callable"):
        CustomFunctionManager().register_from_code(code, persist=False)
    fixed = code.replace("\nimport torch\n", "\nimport torch as torch_lib\n")
    store.save(fixed)
    func = Registry.load(store).get("tpl_torch")
    assert CallableContract.from_callable(func).input_memory_type == "torch"
    import torch

    assert tuple(func(torch.from_numpy(STACK)).shape) == STACK.shape


def test_openhcs_pyclesperanto_template_is_kept_but_says_what_it_needs(
    store: FunctionStore, template: Callable[[str, str], str]
) -> None:
    # It imports pyclesperanto_prototype (the package's predecessor), which
    # OpenHCS 0.8.6 does not install: saved, listed as unavailable, with why.
    result = store.save(template("pyclesperanto", "tpl_cle"))
    assert result.versions[0].manifest.missing_imports == ["pyclesperanto_prototype"]
    meta = Registry.load(store).info("tpl_cle")
    assert not meta.available
    assert "pyclesperanto_prototype" in (meta.unavailable_reason or "")


def test_register_update_delete_restore_are_commits(
    adapted: Installed, template: Callable[[str, str], str], git: Callable[..., str]
) -> None:
    store = adapted.store
    manager = CustomFunctionManager()
    (func,) = manager.register_from_code(template("numpy", "brighten"))
    assert func.__name__ == "brighten"
    first = store.get("brighten")
    assert (first.version, first.manifest.functions[0].decorators_from) == (1, "openhcs")
    assert "Register brighten from OpenHCS" in git(store, "log", "-1", "--format=%s")
    # nothing was written where OpenHCS kept loose files
    assert not list(manager.storage_dir.glob("*.py"))
    assert [f.name for f in manager.list_custom_functions()] == ["brighten"]
    with pytest.raises(ValueError, match="already exists"):
        manager.register_from_code(template("numpy", "brighten"))

    new_code = template("numpy", "brighten").replace("image * scale", "image * scale * 2")
    assert manager.update_custom_function("brighten", new_code) == "brighten"
    assert store.get("brighten").version == 2
    assert manager.get_function_code("brighten") == new_code
    assert "image * scale * 2" in store.diff("brighten@1", "brighten@2")

    with pytest.raises(ValidationError):  # OpenHCS's own check; the store is unchanged
        manager.update_custom_function("brighten", "def broken(:\n")
    assert store.get("brighten").version == 2

    assert manager.delete_custom_function("brighten") is True
    assert manager.list_custom_functions() == []
    assert manager.delete_custom_function("brighten") is False
    with pytest.raises(ValueError, match="not found"):
        manager.get_function_code("brighten")
    subprocess.run(
        [sys.executable, "-m", "fnstore", "--store", str(store.path), "restore", "brighten"],
        check=True,
        capture_output=True,
    )
    assert manager.load_all_custom_functions() == 1
    assert [f.name for f in manager.list_custom_functions()] == ["brighten"]
    assert manager.get_function_code("brighten") == new_code
    assert store.get("brighten").version == 3


def test_a_rename_through_openhcs_keeps_the_history(
    adapted: Installed, template: Callable[[str, str], str]
) -> None:
    manager = CustomFunctionManager()
    manager.register_from_code(template("numpy", "old_name"))
    renamed = template("numpy", "new_name")
    assert manager.update_custom_function("old_name", renamed) == "new_name"
    assert [f.name for f in manager.list_custom_functions()] == ["new_name"]
    assert [v.version for v in adapted.store.history("new_name")] == [2, 1]


def test_unsaved_code_stays_out_of_the_store(
    adapted: Installed, template: Callable[[str, str], str]
) -> None:
    manager = CustomFunctionManager()
    manager.register_from_code(template("numpy", "scratch_fn"), persist=False)
    assert adapted.store.functions() == []
