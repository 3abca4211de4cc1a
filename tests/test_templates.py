"""Every template saves, loads through the registry and runs on a small stack of its type."""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pytest

from fnstore import open_store, templates
from fnstore.errors import MemoryTypeError
from fnstore.manifest import introspect
from fnstore.registry import Registry
from tests._system import needs_opencl


def _has(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def _cpu(mt: str) -> pytest.ParameterSet:
    return pytest.param(
        mt,
        marks=pytest.mark.skipif(
            not _has(mt), reason=f'{mt} is not installed: pip install "fnstore[{mt}]"'
        ),
    )


CPU_TYPES = [
    "numpy",
    _cpu("torch"),
    _cpu("jax"),
    _cpu("tensorflow"),
    pytest.param(
        "pyclesperanto",
        marks=[
            pytest.mark.skipif(
                not _has("pyclesperanto"),
                reason='pyclesperanto is not installed: pip install "fnstore[cle]"',
            ),
            needs_opencl,
        ],
    ),
]


def _stack(mt: str) -> object:
    data = np.linspace(0, 1, 3 * 8 * 8, dtype=np.float32).reshape(3, 8, 8)
    if mt == "numpy":
        return data
    if mt == "torch":
        import torch

        return torch.from_numpy(data)
    if mt == "jax":
        import jax.numpy as jnp

        return jnp.asarray(data)
    if mt == "tensorflow":
        import tensorflow as tf

        return tf.constant(data)
    if mt == "cupy":
        import cupy

        return cupy.asarray(data)
    import pyclesperanto as cle

    return cle.push(data)


def _as_numpy(result: object) -> np.ndarray:
    from fnstore.memory import MemoryType, convert

    return np.asarray(convert(result, MemoryType.NUMPY))


def test_each_template_is_a_documented_function_of_an_image() -> None:
    names = set()
    assert templates.get_default_template() == templates.get_template_for_memory_type("numpy")
    for mt in templates.AVAILABLE_MEMORY_TYPES:
        code = templates.get_template_for_memory_type(mt)
        found = introspect(code)
        assert [f.name for f in found.functions] == [templates.TEMPLATE_FUNCTION_NAMES[mt]]
        info = found.functions[0]
        assert info.input_memory_type == info.output_memory_type == mt
        assert info.parameters[0].name == "image"
        assert info.docstring and "Parameters" in info.docstring
        assert "@special_outputs(" in code  # the special-output example
        names.add(info.name)
    assert len(names) == len(templates.AVAILABLE_MEMORY_TYPES)


def test_templates_avoid_the_seed_systems_slips() -> None:
    torch_code = templates.get_template_for_memory_type("torch")
    assert "\nimport torch\n" not in torch_code  # would shadow the decorator
    cle_code = templates.get_template_for_memory_type("pyclesperanto")
    assert "pyclesperanto_prototype" not in cle_code
    assert "import pyclesperanto as cle" in cle_code


def test_an_unknown_memory_type_is_refused() -> None:
    with pytest.raises(MemoryTypeError, match="numpy"):
        templates.get_template_for_memory_type("matlab")


def _save_and_run(mt: str, tmp_path: object) -> None:
    store = open_store(f"{tmp_path}/store.git")
    store.save(templates.get_template_for_memory_type(mt), message=f"{mt} template")
    func = Registry.load(store).get(templates.TEMPLATE_FUNCTION_NAMES[mt])
    stack = _stack(mt)
    result = _as_numpy(func(stack))
    assert result.shape == (3, 8, 8)
    assert np.isfinite(result).all()


@pytest.mark.parametrize("mt", CPU_TYPES)
def test_every_cpu_template_saves_and_runs(mt: str, tmp_path: object) -> None:
    _save_and_run(mt, tmp_path)


@pytest.mark.gpu
@pytest.mark.skipif(
    not _has("cupy") or shutil.which("nvidia-smi") is None,
    reason='needs a CUDA GPU and cupy: pip install "fnstore[cupy]"',
)
def test_the_cupy_template_saves_and_runs(tmp_path: object) -> None:
    _save_and_run("cupy", tmp_path)
