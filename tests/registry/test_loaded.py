"""Stored code becomes real modules: source in tracebacks, getsource, pickling by reference."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys
import traceback
import uuid

import pytest

from fnstore import paths
from fnstore.registry import _loaded, _modcache


def _code(tag: str) -> str:
    return (
        f'"""A module for {tag}."""\n\n'
        "def triple(x):\n"
        '    """Three times x."""\n'
        "    return 3 * x\n\n\n"
        "def explode(x):\n"
        "    raise ValueError(f'boom {x}')\n"
    )


def _load(tag: str | None = None) -> tuple[str, str, object]:
    tag = tag or uuid.uuid4().hex[:8]
    code = _code(tag)
    cid = _modcache.blob_id(code)
    module = _loaded.import_stored(f"mod_{tag}", cid, lambda: code)
    return code, cid, module


def test_a_stored_module_is_a_real_module() -> None:
    code, cid, module = _load()
    name = module.__name__  # type: ignore[attr-defined]
    assert name == f"fnstore.registry._loaded.{name.rpartition('.')[2]}"
    assert name.endswith(cid[:12])
    assert sys.modules[name] is module
    triple = module.triple  # type: ignore[attr-defined]
    assert triple(2) == 6
    assert triple.__module__ == name
    assert inspect.getsource(triple).startswith("def triple(x):")
    assert inspect.getsource(module) == code  # type: ignore[arg-type]


def test_tracebacks_show_the_stored_source() -> None:
    _, cid, module = _load()
    with pytest.raises(ValueError, match="boom 5") as info:
        module.explode(5)  # type: ignore[attr-defined]
    text = "".join(traceback.format_exception(info.value))
    assert "raise ValueError(f'boom {x}')" in text
    assert f"source.py@{cid[:12]}" in text


def test_a_module_is_run_once_per_process() -> None:
    code = _code("once") + "\nCOUNT = [0]\n"
    cid = _modcache.blob_id(code)
    first = _loaded.import_stored("mod_once", cid, lambda: code)
    second = _loaded.import_stored("mod_once", cid, lambda: pytest.fail("source read twice"))
    assert first is second


def test_functions_pickle_by_reference_into_a_fresh_process() -> None:
    _, _, module = _load()
    data = pickle.dumps(module.triple)  # type: ignore[attr-defined]
    _modcache.flush()  # the module cache is written in the background
    assert module.__name__.encode() in data  # type: ignore[attr-defined]
    # A fresh interpreter knows nothing: it finds the module in the module cache.
    child = "import pickle, sys; f = pickle.loads(sys.stdin.buffer.read()); print(f(7))"
    out = subprocess.run([sys.executable, "-c", child], input=data, capture_output=True, check=True)
    assert out.stdout.strip() == b"21"


def test_a_damaged_module_cache_is_ignored_and_rebuilt() -> None:
    tag = uuid.uuid4().hex[:8]
    code = _code(tag)
    cid = _modcache.blob_id(code)
    compiled = compile(code, "x", "exec")
    _modcache.store(f"mod_{tag}", cid, code, compiled, wait=True)
    entry = paths.cache_dir() / "modules" / f"mod_{tag}_{cid[:12]}"
    assert _modcache.load(f"mod_{tag}", cid) is not None
    entry.write_bytes(entry.read_bytes()[:-7])  # truncated
    assert _modcache.load(f"mod_{tag}", cid) is None
    entry.write_bytes(b"not marshal at all")
    assert _modcache.find(f"mod_{tag}", cid[:12]) is None
    module = _loaded.import_stored(f"mod_{tag}", cid, lambda: code)
    assert module.triple(1) == 3  # type: ignore[attr-defined]
    _modcache.flush()
    assert _modcache.load(f"mod_{tag}", cid) is not None  # written again


def test_a_cache_entry_whose_source_does_not_match_its_id_is_never_run() -> None:
    tag = uuid.uuid4().hex[:8]
    code = _code(tag)
    cid = _modcache.blob_id(code)
    evil = code.replace("3 * x", "4 * x")
    _modcache.store(f"mod_{tag}", cid, evil, compile(evil, "x", "exec"), wait=True)
    assert _modcache.load(f"mod_{tag}", cid) is None


def test_unknown_names_under_the_package_are_not_found() -> None:
    with pytest.raises(ModuleNotFoundError):
        __import__("fnstore.registry._loaded.nothing_0123456789ab")
    with pytest.raises(ModuleNotFoundError):
        __import__("fnstore.registry._loaded.no_prefix")
