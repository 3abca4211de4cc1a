"""Start-up never fails because of one function: missing packages, broken manifests."""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest

from fnstore import paths
from fnstore.errors import BackendUnavailableError, ManifestError
from fnstore.layout import module_path
from fnstore.registry import Registry, _modcache

from .conftest import git_edit, numpy_code

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

STACK = np.arange(8, dtype=np.float32).reshape(2, 2, 2)


def test_a_function_whose_packages_are_missing_is_listed_not_fatal(store: FunctionStore) -> None:
    store.save(numpy_code("fine_a"))
    store.save(
        "import no_such_package_xyz as nsp\n\nfrom fnstore import numpy\n\n\n"
        "@numpy\ndef needs_nsp(image):\n    return nsp.process(image)\n"
    )
    registry = Registry.load(store)
    meta = registry.info("needs_nsp")
    assert not meta.available
    assert meta.unavailable_reason is not None
    assert "no_such_package_xyz" in meta.unavailable_reason
    assert "pip install no_such_package_xyz" in meta.unavailable_reason
    func = registry.get("needs_nsp")  # listing and lookup work...
    with pytest.raises(BackendUnavailableError, match="no_such_package_xyz"):
        func(STACK)  # ...calling says why it cannot run
    assert registry.get("fine_a")(STACK)[1, 1, 1] == 14


def test_a_missing_backend_names_the_extra(store: FunctionStore) -> None:
    if sys.modules.get("cupy") is not None or shutil.which("nvidia-smi"):
        pytest.skip("cupy may be importable here; this checks a machine without it")
    store.save(
        "import cupy as cp\n\nfrom fnstore import cupy\n\n\n"
        "@cupy\ndef on_gpu(image):\n    return cp.asarray(image)\n"
    )
    meta = Registry.load(store).info("on_gpu")
    if meta.available:
        pytest.skip("cupy is installed here")
    assert 'pip install "fnstore[cupy]"' in (meta.unavailable_reason or "")


def test_a_broken_manifest_is_reported_and_the_rest_loads(
    store: FunctionStore, tmp_path: Path
) -> None:
    store.save(numpy_code("good_b"))
    store.save(numpy_code("victim_b"))
    git_edit(
        store.path,
        tmp_path,
        {
            f"{module_path('victim_b')}/manifest.json": "{ not json",
            "functions/stray/notes.txt": "hi",
        },
        "hand edit",
    )
    registry = Registry.load(store)
    assert "good_b" in registry.names()
    assert "victim_b" not in registry.names()
    assert "victim_b" in registry.errors
    assert registry.get("good_b")(STACK)[1, 1, 1] == 14


def test_code_written_for_openhcs_loads_unchanged(store: FunctionStore) -> None:
    code = (
        "from openhcs.core.memory.decorators import numpy\n\n\n"
        "@numpy\ndef hcs_style(image):\n"
        '    """Written for OpenHCS."""\n'
        "    return image + 1\n"
    )
    store.save(code)
    registry = Registry.load(store)
    func = registry.get("hcs_style")
    assert func.input_memory_type == "numpy"
    assert func(STACK)[0, 0, 0] == 1


def _apply(args: tuple[object, np.ndarray]) -> np.ndarray:
    func, data = args
    return func(data)  # type: ignore[operator]


def test_functions_travel_to_spawned_workers(store: FunctionStore) -> None:
    store.save(numpy_code("worker_c", 4))
    registry = Registry.load(store)
    func = registry.get("worker_c")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        out = pool.map(_apply, [(func, STACK)])
    assert np.array_equal(out[0], STACK * 4)


def test_a_worker_without_the_module_cache_imports_from_the_store(
    store: FunctionStore,
) -> None:
    store.save(numpy_code("worker_d", 6))
    registry = Registry.load(store)
    data = pickle.dumps(registry.get("worker_d"))
    _modcache.flush()
    shutil.rmtree(paths.cache_dir() / "modules")  # only the store can answer now
    child = (
        "import pickle, sys, numpy as np\n"
        "f = pickle.loads(sys.stdin.buffer.read())\n"
        "print(float(f(np.ones((1, 1, 1)))[0, 0, 0]))\n"
    )
    out = subprocess.run([sys.executable, "-c", child], input=data, capture_output=True)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.strip() == b"6.0"


MULTI = '''"""Two functions, and parameters called name."""

from fnstore import numpy


@numpy
def first_m(image, name: str = "x", *, label: str = "a\\\\nb"):
    """Docstring with "quotes" and
    two lines."""
    return image


@numpy
def second_m(image, name=None):
    return image
'''


def test_the_readers_quick_path_agrees_with_the_full_reader(store: FunctionStore) -> None:
    from fnstore.layout import OK, ModuleReading, check_manifest
    from fnstore.registry import _records

    store.save(MULTI)
    version = store.get("first_m")
    raw = version.manifest.to_json().encode()
    quick = ModuleReading("first_m")
    quick.source_id = version.content_id
    check_manifest(quick, raw)
    full = _records.module_record(raw)
    assert quick.state == OK and quick.doc is None  # read by byte search, not parsed
    assert quick.content_id == full[2] == version.content_id
    assert quick.names == tuple(f[0] for f in full[3]) == ("first_m", "second_m")
    assert quick.version == full[1]
    other = ModuleReading("first_m")
    check_manifest(other, raw.replace(b"\n", b"\r\n"))  # another layout: parsed with json
    assert other.doc is not None and other.names == quick.names


def test_a_manifest_broken_inside_is_reported_when_looked_up(
    store: FunctionStore, tmp_path: Path
) -> None:
    store.save(numpy_code("fine_n"))
    store.save(numpy_code("subtle_n"))
    text = store.get("subtle_n").manifest.to_json()
    broken = text.replace('"lineno": ', '"lineno": "x", "was": ')
    git_edit(store.path, tmp_path, {f"{module_path('subtle_n')}/manifest.json": broken}, "subtle")
    registry = Registry.load(store)
    assert registry.get("fine_n")(STACK)[1, 1, 1] == 14
    with pytest.raises(ManifestError, match="lineno"):
        registry.get("subtle_n")
    assert "subtle_n" in registry.errors
    assert "fnstore:subtle_n" not in registry.functions()
