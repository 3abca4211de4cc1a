"""require, devices, gpu_available, missing and unavailable backends, OOM detection."""

from __future__ import annotations

import json

import numpy as np
import pytest
from memory_helpers import backend_param, installed, run_python

from fnstore.errors import BackendUnavailableError, MissingDependencyError
from fnstore.memory import (
    MemoryType,
    convert,
    devices,
    free_memory_pool,
    gpu_available,
    require,
    synchronize,
)
from fnstore.memory._backends import _pocl_present, is_out_of_memory, parse_device
from tests._system import needs_opencl


def test_require_returns_the_module() -> None:
    assert require("numpy") is np


def test_require_missing_names_the_extra() -> None:
    with pytest.raises(MissingDependencyError) as info:
        require("fnstore_no_such_package", extra="torch")
    assert 'pip install "fnstore[torch]"' in str(info.value)
    assert isinstance(info.value, ImportError)
    assert info.value.name == "fnstore_no_such_package"


@pytest.mark.skipif(installed("cupy"), reason="cupy is installed here: nothing is missing")
def test_cupy_missing_here() -> None:
    with pytest.raises(MissingDependencyError, match=r"fnstore\[cupy\]"):
        convert(np.zeros(3), "cupy")
    with pytest.raises(MissingDependencyError, match=r"fnstore\[cupy\]"):
        devices("cupy")
    assert gpu_available("cupy") is False


# One interpreter per blocking method; each blocks every backend in turn and
# reports what convert, the decorators and devices() raised.
_BLOCKED = """
import json, sys
{block}
import numpy as np
import fnstore.memory as m
from fnstore.errors import MissingDependencyError
report = {{}}
for name in ["cupy", "torch", "jax", "tensorflow", "pyclesperanto"]:
    got = []
    decorated = m.memory_types(name, name)(lambda x: x)
    for call in (
        lambda: m.convert(np.zeros(3, np.float32), name),
        lambda: decorated(np.zeros(3, np.float32)),
        lambda: m.devices(name),
    ):
        try:
            call()
            got.append("no error")
        except MissingDependencyError as exc:
            got.append(str(exc))
        except Exception as exc:
            got.append(f"WRONG {{type(exc).__name__}}: {{exc}}")
    report[name] = got + [m.gpu_available(name)]
print(json.dumps(report))
"""

_BY_NONE = """
for name in ["cupy", "torch", "jax", "tensorflow", "pyclesperanto"]:
    sys.modules[name] = None
"""

_BY_FINDER = """
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"cupy", "torch", "jax", "tensorflow", "pyclesperanto"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Block())
"""


@pytest.mark.parametrize("block", [_BY_NONE, _BY_FINDER], ids=["sys.modules=None", "meta_path"])
def test_blocked_backends_raise_missing_dependency(block: str) -> None:
    result = run_python(_BLOCKED.format(block=block))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    extras = {"cupy": "cupy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}
    extras["pyclesperanto"] = "cle"
    for name, extra in extras.items():
        *messages, gpu = report[name]
        assert gpu is False
        for message in messages:
            assert f'pip install "fnstore[{extra}]"' in message, (name, message)


@pytest.mark.parametrize("name", [backend_param(n) for n in ("torch", "jax", "tensorflow")])
def test_gpu_device_without_gpu_is_unavailable(name: str) -> None:
    if gpu_available(name):
        pytest.skip("this machine has a GPU for it")
    with pytest.raises(BackendUnavailableError, match="cuda:0"):
        convert(np.zeros(3, np.float32), name, device="cuda:0")


def test_numpy_lives_on_the_host() -> None:
    with pytest.raises(BackendUnavailableError, match="host memory"):
        convert(np.zeros(3), "numpy", device="cuda:0")
    assert devices("numpy") == ["cpu"]
    assert gpu_available("numpy") is False


@pytest.mark.parametrize("name", [backend_param(n) for n in ("torch", "jax", "tensorflow")])
def test_devices_start_with_the_cpu(name: str) -> None:
    found = devices(name)
    assert found[0] == "cpu"
    assert all(d.startswith("cuda:") for d in found[1:])
    assert (len(found) > 1) == gpu_available(name)


@pytest.mark.parametrize("name", [backend_param("pyclesperanto")])
def test_pyclesperanto_devices_are_opencl_names(name: str) -> None:
    found = devices(name)
    assert found and all(isinstance(d, str) for d in found)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        (0, "cuda:0"),
        (2, "cuda:2"),
        ("cpu", "cpu"),
        ("CPU:0", "cpu"),
        ("cuda", "cuda:0"),
        ("gpu:1", "cuda:1"),
        ("/GPU:1", "cuda:1"),
        ("/job:localhost/replica:0/task:0/device:CPU:0", "cpu"),
        ("pthread-haswell", "pthread-haswell"),
    ],
)
def test_parse_device(given: object, expected: str | None) -> None:
    assert parse_device(given) == expected


@pytest.mark.parametrize("bad", [-1, True])
def test_parse_device_rejects_nonsense(bad: object) -> None:
    with pytest.raises(BackendUnavailableError):
        parse_device(bad)


def test_out_of_memory_is_recognised() -> None:
    assert is_out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert is_out_of_memory(RuntimeError("RESOURCE_EXHAUSTED: Out of memory allocating"))
    assert is_out_of_memory(RuntimeError("clCreateBuffer: CL_MEM_OBJECT_ALLOCATION_FAILURE"))
    assert not is_out_of_memory(ValueError("bad sigma"))
    assert not is_out_of_memory(MemoryError())  # host memory: no GPU pool to free


@pytest.mark.parametrize("name", [backend_param("torch")])
def test_torch_oom_class_is_recognised(name: str) -> None:
    import torch

    assert is_out_of_memory(torch.OutOfMemoryError("boom"))


@pytest.mark.parametrize("name", [backend_param("tensorflow")])
def test_tensorflow_oom_class_is_recognised(name: str) -> None:
    tf = require("tensorflow", extra="tensorflow")
    assert is_out_of_memory(tf.errors.ResourceExhaustedError(None, None, "no room"))


@pytest.mark.parametrize("name", [backend_param(n) for n in ("torch", "jax", "tensorflow")])
def test_free_pool_and_synchronize_run_on_a_cpu_machine(name: str) -> None:
    require(name, extra=name)
    free_memory_pool(name)
    synchronize(name, "cpu")
    synchronize(name)
    synchronize(MemoryType.NUMPY)


@pytest.mark.slow
@pytest.mark.skipif(
    not (installed("tensorflow") and installed("pyclesperanto") and _pocl_present()),
    reason="needs tensorflow, pyclesperanto and pocl (apt-get install pocl-opencl-icd)",
)
def test_pyclesperanto_after_tensorflow_is_refused_not_a_crash() -> None:
    result = run_python(
        """
        import numpy as np
        import tensorflow
        from fnstore.memory import convert, prepare_imports
        from fnstore.errors import BackendUnavailableError
        try:
            convert(np.zeros(3, np.float32), "pyclesperanto")
        except BackendUnavailableError as exc:
            print("refused:", exc)
        try:
            prepare_imports(["numpy", "pyclesperanto.operations"])
        except BackendUnavailableError:
            print("prepare_imports refused too")
        prepare_imports(["numpy", "tensorflow"])  # nothing to do
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "refused:" in result.stdout
    assert "before tensorflow" in result.stdout
    assert "prepare_imports refused too" in result.stdout


@pytest.mark.slow
@pytest.mark.skipif(
    not (installed("tensorflow") and installed("pyclesperanto")),
    reason='needs tensorflow and pyclesperanto: pip install "fnstore[tensorflow,cle]"',
)
@needs_opencl
def test_tensorflow_first_through_fnstore_keeps_pyclesperanto_usable() -> None:
    result = run_python(
        """
        import numpy as np
        from fnstore.memory import convert
        t = convert(np.arange(6, dtype=np.float32), "tensorflow")
        c = convert(t, "pyclesperanto")
        print("sum", float(convert(c, "numpy").sum()))
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sum 15.0" in result.stdout


@pytest.mark.slow
@pytest.mark.skipif(
    not (installed("tensorflow") and installed("pyclesperanto")),
    reason='needs tensorflow and pyclesperanto: pip install "fnstore[tensorflow,cle]"',
)
@needs_opencl
def test_prepare_imports_makes_plain_imports_safe() -> None:
    # What saved user code does: plain imports, tensorflow first.
    result = run_python(
        """
        from fnstore.memory import prepare_imports
        prepare_imports(["tensorflow", "numpy", "pyclesperanto"])
        import tensorflow as tf
        import pyclesperanto as cle
        import numpy as np
        print("sum", float(np.asarray(cle.pull(cle.push(np.ones(4, np.float32)))).sum()))
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sum 4.0" in result.stdout
