"""store.bench / bench_history / bench_compare / bench_plot on real stores and backends.

Tiny shapes and few rounds keep these fast; nothing here asserts a duration.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from typing import TYPE_CHECKING

import pytest

from fnstore import FunctionStore, open_store
from fnstore.bench import SCHEMA_VERSION, BenchRecord
from fnstore.errors import BenchError, SchemaVersionError
from tests._system import needs_opencl

if TYPE_CHECKING:
    from pathlib import Path

SMALL = [(1, 16, 16)]

V1 = '''
from fnstore import numpy

@numpy
def brighten(image, factor: int = 2):
    """Scale the stack."""
    return image * factor
'''

V2 = '''
import numpy as np
from fnstore import numpy

@numpy
def brighten(image, factor: int = 2):
    """Scale the stack, clipped to the dtype."""
    top = np.iinfo(image.dtype).max
    return np.clip(image.astype(np.float32) * factor, 0, top).astype(image.dtype)
'''


def _have(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


@pytest.fixture
def store(tmp_path: Path) -> FunctionStore:
    return open_store(tmp_path / "lab.git")


@pytest.fixture
def two_versions(store: FunctionStore) -> FunctionStore:
    store.save(V1, message="first")
    store.save(V2, message="clip")
    return store


def _git(store: FunctionStore, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(store.path), *args], capture_output=True, text=True, check=True
    ).stdout


def test_bench_records_timings_and_the_machine(two_versions: FunctionStore) -> None:
    (record,) = two_versions.bench("brighten@1", shapes=SMALL, rounds=3)
    assert record.ok and record.status == "ok"
    assert (record.function, record.version, record.backend, record.device) == (
        "brighten",
        1,
        "numpy",
        "cpu",
    )
    assert record.shape == [1, 16, 16] and record.dtype == "uint16"
    assert record.time is not None and record.time.rounds == 3
    assert record.wall is not None and record.time.min <= record.time.median
    assert record.parameters == {"factor": 2}
    assert record.machine.numpy and record.machine.cpu_count >= 1
    assert record.content_id == two_versions.get("brighten@1").content_id


def test_records_are_json_git_notes_on_the_content_id(two_versions: FunctionStore) -> None:
    two_versions.bench("brighten@1", shapes=SMALL, rounds=2)
    two_versions.bench("brighten@1", shapes=SMALL, rounds=2)  # appended, not replaced
    content_id = two_versions.get("brighten@1").content_id
    # plain git sees them: the notes travel with push and pull
    note = json.loads(_git(two_versions, "notes", "--ref", "fnstore-bench", "show", content_id))
    assert [r["schema_version"] for r in note] == [SCHEMA_VERSION, SCHEMA_VERSION]
    assert two_versions.bench_annotated() == [content_id]
    assert len(two_versions.bench_records(content_id)) == 2


def test_history_has_every_version(two_versions: FunctionStore) -> None:
    two_versions.bench("brighten@1", shapes=SMALL, rounds=2)
    two_versions.bench("brighten@2", shapes=SMALL, rounds=2)
    history = two_versions.bench_history("brighten")
    assert [r.version for r in history] == [1, 2]


def test_rollback_shares_the_records_of_the_same_code(two_versions: FunctionStore) -> None:
    two_versions.bench("brighten@1", shapes=SMALL, rounds=2)
    two_versions.rollback("brighten", 1)
    assert two_versions.get("brighten").content_id == two_versions.get("brighten@1").content_id
    assert len(two_versions.bench_history("brighten")) == 1  # once, not twice


def test_compare_gives_a_verdict_per_device_and_shape(two_versions: FunctionStore) -> None:
    shapes = [(1, 16, 16), (2, 16, 16)]
    two_versions.bench("brighten@1", shapes=shapes, rounds=5)
    two_versions.bench("brighten@2", shapes=shapes, rounds=5)
    results = two_versions.bench_compare("brighten@1", "brighten@2")
    assert sorted(c.shape for c in results) == [(1, 16, 16), (2, 16, 16)]
    for c in results:
        assert (c.version_a, c.version_b, c.device) == (1, 2, "cpu")
        assert c.verdict in ("faster", "slower", "no clear difference")
        assert c.interval.low <= c.ratio <= c.interval.high
        assert not c.across_machines


def test_compare_without_records_says_what_to_run(two_versions: FunctionStore) -> None:
    two_versions.bench("brighten@1", shapes=SMALL, rounds=2)
    with pytest.raises(BenchError, match="fnstore bench brighten@2"):
        two_versions.bench_compare("brighten@1", "brighten@2")


def test_plot_of_the_history(two_versions: FunctionStore, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason='plots need "fnstore[bench]"')
    two_versions.bench("brighten@1", shapes=SMALL, rounds=2)
    two_versions.bench("brighten@2", shapes=SMALL, rounds=2)
    out = two_versions.bench_plot("brighten", tmp_path / "brighten.svg")
    assert "<svg" in out.read_text()


def test_a_function_that_cannot_take_an_image_is_skipped(store: FunctionStore) -> None:
    store.save(
        "from fnstore import numpy\n\n@numpy\ndef ramp(n: int, step: float = 1.0):\n"
        "    return n * step\n",
        message="not an image",
    )
    (record,) = store.bench("ramp", shapes=SMALL, rounds=2)
    assert record.status == "skipped" and "not an image" in (record.reason or "")
    assert store.bench_history("ramp") == []  # nothing stored


def test_a_function_that_raises_is_skipped_with_the_error(store: FunctionStore) -> None:
    store.save(
        "from fnstore import numpy\n\n@numpy\ndef broken(image):\n"
        "    raise ValueError('needs a label image')\n",
        message="raises",
    )
    (record,) = store.bench("broken", shapes=SMALL, rounds=2)
    assert record.status == "skipped"
    assert record.reason == "raised ValueError: needs a label image"


def test_a_parameter_without_default_is_skipped(store: FunctionStore) -> None:
    store.save(
        "from fnstore import numpy\n\n@numpy\ndef mask(image, labels):\n    return image\n",
        message="two inputs",
    )
    (record,) = store.bench("mask", shapes=SMALL, rounds=2)
    assert record.status == "skipped" and "default value" in (record.reason or "")


@pytest.mark.skipif(_have("cupy"), reason="checks a machine without cupy")
def test_a_gpu_type_without_a_gpu_records_no_device(store: FunctionStore) -> None:
    store.save(
        "from fnstore import cupy\n\n@cupy\ndef gpu_double(image):\n    return image * 2\n",
        message="gpu",
    )
    records = store.bench("gpu_double", shapes=[(1, 8, 8), (2, 8, 8)], rounds=2)
    assert [r.status for r in records] == ["no_device", "no_device"]
    assert "no device here" in (records[0].reason or "")
    assert store.bench_history("gpu_double") == []


def test_asking_for_a_gpu_of_a_cpu_type_records_no_device(two_versions: FunctionStore) -> None:
    (record,) = two_versions.bench("brighten", devices="gpu", shapes=SMALL, rounds=2)
    assert record.status == "no_device" and "['gpu']" in (record.reason or "")


CPU_TYPES = [
    pytest.param(
        "torch",
        "import torch\nfrom fnstore import torch as on_torch\n\n@on_torch\n"
        "def scale(image, factor: float = 2.0):\n    return image * factor\n",
        marks=pytest.mark.skipif(not _have("torch"), reason='needs "fnstore[torch]"'),
        id="torch",
    ),
    pytest.param(
        "jax",
        "from fnstore import jax as on_jax\n\n@on_jax\n"
        "def scale(image, factor: float = 2.0):\n    return image * factor\n",
        marks=pytest.mark.skipif(not _have("jax"), reason='needs "fnstore[jax]"'),
        id="jax",
    ),
    pytest.param(
        "pyclesperanto",
        "import pyclesperanto as cle\nfrom fnstore import pyclesperanto as on_cle\n\n@on_cle\n"
        "def scale(image, factor: float = 2.0):\n"
        "    return cle.multiply_image_and_scalar(image, scalar=factor)\n",
        marks=[
            pytest.mark.skipif(not _have("pyclesperanto"), reason='needs "fnstore[cle]"'),
            needs_opencl,
        ],
        id="pyclesperanto",
    ),
]


@pytest.mark.parametrize(("memory_type", "code"), CPU_TYPES)
def test_cpu_backends_through_the_store(store: FunctionStore, memory_type: str, code: str) -> None:
    store.save(code, message=memory_type)
    records = store.bench("scale", shapes=SMALL, dtype="float32", rounds=2)
    cpu = [r for r in records if r.device in ("cpu", "opencl:0")]
    assert cpu and all(r.ok for r in cpu), [r.reason for r in records]
    assert cpu[0].backend == memory_type
    assert cpu[0].machine.backend_version


def test_notes_travel_with_push_and_pull(two_versions: FunctionStore, tmp_path: Path) -> None:
    two_versions.bench("brighten@1", shapes=SMALL, rounds=2)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", str(remote)], check=True)
    two_versions.add_remote("origin", str(remote))
    two_versions.push("origin")
    laptop = open_store(tmp_path / "laptop.git")
    laptop.add_remote("origin", str(remote))
    laptop.pull("origin")
    laptop.accept("brighten@1")  # a store with a remote runs pulled code once accepted
    laptop.bench("brighten@1", shapes=SMALL, rounds=2)
    laptop.push("origin")
    two_versions.bench("brighten@1", shapes=SMALL, rounds=2)
    two_versions.pull("origin")  # both sides appended to one note: a union
    assert len(two_versions.bench_history("brighten")) == 3


def test_a_broken_note_says_how_to_fix_it(two_versions: FunctionStore) -> None:
    content_id = two_versions.get("brighten@1").content_id
    _git(two_versions, "notes", "--ref", "fnstore-bench", "add", "-m", "{oops", content_id)
    with pytest.raises(BenchError, match="git notes --ref fnstore-bench edit"):
        two_versions.bench_history("brighten")


def test_a_note_from_a_newer_fnstore_is_refused(two_versions: FunctionStore) -> None:
    (record,) = two_versions.bench("brighten@1", shapes=SMALL, rounds=2)
    data = record.model_dump(mode="json")
    data["schema_version"] = SCHEMA_VERSION + 1
    content_id = record.content_id
    _git(
        two_versions,
        "notes",
        "--ref",
        "fnstore-bench",
        "add",
        "-f",
        "-m",
        json.dumps([data]),
        content_id,
    )
    with pytest.raises(SchemaVersionError, match="upgrade"):
        two_versions.bench_records(content_id)


def test_records_of_another_version_are_refused(two_versions: FunctionStore) -> None:
    (record,) = two_versions.bench("brighten@1", shapes=SMALL, rounds=2, save=False)
    other = two_versions.get("brighten@2").content_id
    with pytest.raises(BenchError, match="belongs to"):
        two_versions.add_bench_records(other, [record])
    assert isinstance(record, BenchRecord)


def test_a_module_needing_a_missing_package_is_skipped(store: FunctionStore) -> None:
    store.save(
        "import fnstore_no_such_package\nfrom fnstore import numpy\n\n@numpy\n"
        "def segment(image):\n    return fnstore_no_such_package.run(image)\n",
        message="needs a package this machine lacks",
    )
    (record,) = store.bench("segment", shapes=SMALL, rounds=2)
    assert record.status == "skipped"
    assert record.reason is not None
    assert record.reason.startswith("segment needs fnstore_no_such_package, not installed here")


def forget_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a fresh process: fnstore's OpenHCS/arraybridge stand-in not yet installed."""
    import sys

    from fnstore import _standin

    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if f is not _standin._finder])
    monkeypatch.setattr(_standin, "_finder", None)
    for name in _standin.SHIM_MODULES:
        if _standin.is_stand_in(sys.modules.get(name)):
            monkeypatch.delitem(sys.modules, name)


@pytest.mark.parametrize(
    "imports", ["from openhcs.core.memory import numpy", "from arraybridge import numpy"]
)
def test_openhcs_code_is_benchmarked_as_the_registry_runs_it(
    store: FunctionStore, monkeypatch: pytest.MonkeyPatch, imports: str
) -> None:
    from fnstore._standin import really_installed

    if really_installed("openhcs"):
        pytest.skip("the real OpenHCS is installed: tests/openhcs benchmarks it")
    store.save(f"{imports}\n\n@numpy\ndef hcs_bench(image):\n    return image + 1\n")
    forget_stand_in(monkeypatch)  # the save checked the code with it: bench runs afresh
    (record,) = store.bench("hcs_bench", shapes=SMALL, rounds=2)
    assert (record.status, record.reason) == ("ok", None)


@pytest.mark.gpu
@pytest.mark.skipif(not _have("torch"), reason='needs a CUDA GPU and "fnstore[torch]"')
def test_torch_on_the_gpu_is_timed_with_cuda_events(store: FunctionStore) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    store.save(
        "from fnstore import torch as on_torch\n\n@on_torch\n"
        "def scale(image, factor: float = 2.0):\n    return image * factor\n",
        message="torch",
    )
    records = store.bench("scale", devices=["gpu"], shapes=[(4, 256, 256)], dtype="float32")
    assert records and all(r.ok and r.timer == "cuda-event" for r in records)
    assert records[0].device == "cuda:0" and records[0].machine.gpus


def test_a_dtype_error_suggests_a_float_dtype(store: FunctionStore) -> None:
    store.save(
        "from fnstore import numpy\n\n@numpy\ndef picky(image):\n"
        "    raise TypeError(f'not implemented for {image.dtype}')\n",
        message="floats only",
    )
    (record,) = store.bench("picky", shapes=SMALL, rounds=2)
    assert record.reason == (
        "raised TypeError: not implemented for uint16 (try a float dtype: --dtype float32)"
    )
    (as_float,) = store.bench("picky", shapes=SMALL, dtype="float32", rounds=2)
    assert as_float.reason == "raised TypeError: not implemented for float32"
