"""Registry.load: pins, lookups by name, version and content id, caching, refresh."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from fnstore import paths
from fnstore.errors import FunctionNotFoundError, MemoryTypeError, RevisionNotFoundError
from fnstore.layout import module_path
from fnstore.registry import Registry, RegistryChange
from fnstore.registry._background import flush
from tests._system import needs_git

from .conftest import git_edit, numpy_code

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

STACK = np.ones((2, 4, 4), dtype=np.float32)


def test_a_missing_default_store_gives_an_empty_registry() -> None:
    registry = Registry.load()
    assert len(registry) == 0
    assert registry.commit is None
    assert not paths.default_store_path().exists()  # reading creates nothing


def test_load_lists_functions_without_running_them(store: FunctionStore) -> None:
    store.save(numpy_code("double_a", 2))
    store.save(numpy_code("triple_a", 3))
    registry = Registry.load(store)
    assert registry.names() == ["double_a", "triple_a"]
    functions = registry.functions()
    assert list(functions) == ["fnstore:double_a", "fnstore:triple_a"]
    meta = functions["fnstore:double_a"]
    assert (meta.name, meta.module, meta.version) == ("double_a", "double_a", 1)
    assert meta.memory_type == meta.input_memory_type == meta.output_memory_type == "numpy"
    assert meta.doc == "Multiply by 2."
    assert meta.available and meta.unavailable_reason is None
    assert len(meta.content_id) == 40 and "fnstore" in meta.tags
    assert not [m for m in sys.modules if m.endswith(meta.content_id[:12])]  # nothing ran yet
    assert np.array_equal(meta.func(STACK), STACK * 2)
    assert registry.get("triple_a")(STACK)[0, 0, 0] == 3


def test_exact_versions_survive_later_saves(store: FunctionStore) -> None:
    first = store.save(numpy_code("scale_b", 2)).content_id
    store.tag("v1")
    store.save(numpy_code("scale_b", 5))
    registry = Registry.load(store)
    assert registry.get("scale_b")(STACK)[0, 0, 0] == 5
    assert registry.get("scale_b@1")(STACK)[0, 0, 0] == 2
    assert registry.get(f"scale_b@{first}")(STACK)[0, 0, 0] == 2
    assert registry.get(f"scale_b@{first[:8]}")(STACK)[0, 0, 0] == 2
    assert registry.get("scale_b@v1")(STACK)[0, 0, 0] == 2
    assert registry.get("scale_b@2")(STACK)[0, 0, 0] == 5
    assert registry.info(f"scale_b@{first}").version == 1


def test_unknown_names_and_versions_are_lookup_errors(store: FunctionStore) -> None:
    store.save(numpy_code("only_c"))
    registry = Registry.load(store)
    with pytest.raises(FunctionNotFoundError, match="fnstore ls"):
        registry.get("nope")
    with pytest.raises(LookupError):
        registry.get("only_c@7")
    with pytest.raises((FunctionNotFoundError, RevisionNotFoundError)):
        registry.get("only_c@no-such-tag")
    with pytest.raises(MemoryTypeError):
        registry.functions("float64")


def test_functions_filters_by_memory_type(store: FunctionStore) -> None:
    store.save(numpy_code("np_d"))
    torch_code = "from fnstore import torch\n\n@torch\ndef tt_d(image):\n    return image\n"
    store.save(torch_code)
    registry = Registry.load(store)
    assert list(registry.functions("torch")) == ["fnstore:tt_d"]
    assert list(registry.functions("numpy")) == ["fnstore:np_d"]


def test_the_pin_and_per_function_overrides(store: FunctionStore) -> None:
    store.save(numpy_code("blur_e", 2))
    store.save(numpy_code("other_e", 2))
    store.tag("v1")
    store.save(numpy_code("blur_e", 3))
    store.save(numpy_code("other_e", 3))
    store.pin("v1")
    pinned = Registry.load(store)
    assert pinned.pin_spec == "v1"
    assert pinned.get("blur_e")(STACK)[0, 0, 0] == 2
    store.pin("main")
    store.pin_function("blur_e", "1")
    locked = Registry.load(store)
    assert locked.get("blur_e")(STACK)[0, 0, 0] == 2  # held back
    assert locked.get("other_e")(STACK)[0, 0, 0] == 3  # follows main
    assert locked.info("blur_e").version == 1
    assert set(locked.overrides) == {"blur_e"}


def test_a_second_start_reads_only_the_cache(store: FunctionStore) -> None:
    store.save(numpy_code("cached_f"))
    Registry.load(store.path)  # first start at this pin: writes the cache...
    flush()  # ...in the background
    probe = (
        "import sys, json\n"
        "import numpy\n"  # as a host has (else availability asks importlib for numpy)
        "import fnstore\n"
        f"r = fnstore.Registry.load({str(store.path)!r})\n"
        "names = [m.name for m in r.functions().values() if m.available]\n"
        # Nor the error classes or the trust gate (nothing is raised or run), nor
        # the code that builds a snapshot when the cache lacks it, nor __future__
        # (a module file like any other: the cached path's modules do without it).
        "heavy = ['pygit2', 'pydantic', 'fnstore.layout._reader', 'fnstore.errors',\n"
        "         'fnstore.registry._trustgate', 'fnstore.registry._build', '__future__']\n"
        "ours = sorted(m for m in sys.modules if m.startswith('fnstore'))\n"
        "print(json.dumps([names, [m for m in heavy if m in sys.modules], ours]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    names, loaded, ours = json.loads(out.stdout)
    assert names == ["cached_f"]
    # Neither git nor manifests are read: not even the layout's module reader.
    assert loaded == []
    # Each module file costs this start a tenth of a millisecond, a twentieth of
    # its budget at 1,000 functions (benchmarks/test_registry_bench.py): these
    # six, and not fnstore._lazy (fnstore.Registry is found without it).
    assert ours == [
        "fnstore",
        "fnstore.layout",
        "fnstore.registry",
        "fnstore.registry._metadata",
        "fnstore.registry._registry",
        "fnstore.registry._snapshot",
    ]


def test_load_cached_lists_only_a_pin_read_before(store: FunctionStore) -> None:
    store.save(numpy_code("warm_f"))
    assert Registry.load_cached(store) is None  # cold: nothing is read, nothing written
    assert not (paths.cache_dir() / "registry").exists()
    Registry.load(store)
    flush()
    warm = Registry.load_cached(store)
    assert warm is not None
    assert list(warm.functions()) == list(Registry.load(store).functions())
    assert float(warm.get("warm_f")(STACK)[0, 0, 0]) == 2.0  # image * 2
    store.save(numpy_code("warm_g"))  # a new commit at the pin: cold again
    assert Registry.load_cached(store) is None


@needs_git
def test_a_first_start_imports_neither_pydantic_nor_pygit2(store: FunctionStore) -> None:
    store.save(numpy_code("fresh_g"))
    probe = (
        "import sys, json\n"
        "import fnstore\n"
        f"r = fnstore.Registry.load({str(store.path)!r})\n"
        "print(json.dumps([r.names(), 'pygit2' in sys.modules, 'pydantic' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [["fresh_g"], False, False]
    # The cache is written in the background, and a process waits for it at exit.
    assert (paths.cache_dir() / "registry" / str(store.head)).is_file()


def test_a_damaged_cache_is_ignored_and_rebuilt(store: FunctionStore) -> None:
    store.save(numpy_code("damaged_h"))
    Registry.load(store)
    flush()
    files = list((paths.cache_dir() / "registry").iterdir())
    assert files
    for f in files:
        f.write_bytes(b"\x00garbage")
    registry = Registry.load(store)
    assert registry.names() == ["damaged_h"]
    flush()
    assert all(f.read_bytes() != b"\x00garbage" for f in files)


def test_refresh_sees_saves_and_pin_changes(store: FunctionStore) -> None:
    store.save(numpy_code("kept_i", 2))
    store.save(numpy_code("edited_i", 2))
    registry = Registry.load(store)
    seen: list[RegistryChange] = []
    registry.on_change(seen.append)
    kept_before = registry._snap.modules["kept_i"]
    assert not registry.refresh()  # nothing changed: no callback
    store.save(numpy_code("edited_i", 7))
    store.save(numpy_code("added_i", 1))
    change = registry.refresh()
    assert change.changed == ("edited_i",) and change.added == ("added_i",)
    assert seen == [change]
    assert registry.get("edited_i")(STACK)[0, 0, 0] == 7
    # The unchanged module's manifest was not read again: the same record object.
    assert registry._snap.modules["kept_i"] is kept_before
    store.delete("added_i")
    assert registry.refresh().removed == ("added_i",)
    store.tag("now")
    store.pin("now")
    assert not registry.refresh()  # same commit under another name


def test_a_new_pin_reads_only_what_changed_since_the_last_one(
    store: FunctionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fnstore.git import _gitread

    for name in ("same_j", "edited_j", "dropped_j", "broken_j"):
        store.save(numpy_code(name, 2))
    Registry.load(store)  # the last snapshot of this store, cached
    flush()
    store.save(numpy_code("edited_j", 9))
    store.save(numpy_code("added_j", 4))
    store.delete("dropped_j")
    git_edit(store.path, tmp_path, {f"{module_path('broken_j')}/manifest.json": "{"}, "break it")

    def no_full_read(*args: object) -> None:
        raise AssertionError("every manifest was read again")

    monkeypatch.setattr(_gitread, "read_manifests", no_full_read)
    registry = Registry.load(store)
    assert registry.names() == ["added_j", "edited_j", "same_j"]
    assert registry.get("edited_j")(STACK)[0, 0, 0] == 9
    assert registry.info("edited_j").version == 2
    assert "broken_j" in registry.errors
    store.save(numpy_code("later_j", 1))
    flush()
    assert "broken_j" in Registry.load(store).errors  # still broken, still reported


@needs_git
@pytest.mark.parametrize("layout", [1, 2])
def test_a_new_pin_takes_the_layout_from_the_last_snapshot(
    store: FunctionStore, monkeypatch: pytest.MonkeyPatch, layout: int
) -> None:
    from fnstore.git import _gitread

    store._write_layout = layout  # layout 1: as an older fnstore wrote it
    store.save(numpy_code("first_m", 2))
    Registry.load(store)  # reads the whole tree, its layout included
    flush()
    store.save(numpy_code("second_m", 3))
    asked: list[str] = []
    real = _gitread.Process.output

    def spy(cls: object, args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
        asked.append(args[3])  # git --no-optional-locks --git-dir=... <command>
        return real(args, env)

    monkeypatch.setattr(_gitread.Process, "output", classmethod(spy))
    registry = Registry.load(store)
    # The diff left fnstore.json alone: the layout is the last snapshot's, git is not asked.
    assert asked == ["diff-tree"]
    assert registry.names() == ["first_m", "second_m"]
    assert registry.get("second_m")(STACK)[0, 0, 0] == 3


@needs_git
@pytest.mark.parametrize("packed", [False, True], ids=["loose", "packed"])
def test_a_new_pin_reads_the_saves_loose_objects_without_git_cat_file(
    store: FunctionStore, monkeypatch: pytest.MonkeyPatch, packed: bool
) -> None:
    from fnstore.git import _gitread

    store.save(numpy_code("kept_n", 2))
    store.save(numpy_code("edited_n", 2))
    Registry.load(store)
    flush()
    store.save(numpy_code("edited_n", 7))
    store.save(numpy_code("added_n", 3))
    if packed:  # as after a pull, or once the packer ran: git reads them
        git = ["git", f"--git-dir={store.path}"]
        subprocess.run([*git, "repack", "-a", "-d", "-q"], check=True)
        subprocess.run([*git, "prune-packed"], check=True)
    started: list[str] = []

    class Spy(_gitread.Process):
        def __init__(self, args: list[str], *rest: Any, **named: Any) -> None:
            started.append(args[3])  # git --no-optional-locks --git-dir=... <command>
            super().__init__(args, *rest, **named)

    monkeypatch.setattr(_gitread, "Process", Spy)
    registry = Registry.load(store)
    assert started == (["diff-tree", "cat-file"] if packed else ["diff-tree"])
    assert registry.names() == ["added_n", "edited_n", "kept_n"]
    assert registry.info("edited_n").version == 2
    assert registry.get("edited_n")(STACK)[0, 0, 0] == 7
    assert registry.get("added_n")(STACK)[0, 0, 0] == 3


@needs_git
def test_a_hostile_loose_object_is_left_to_git(store: FunctionStore) -> None:
    from fnstore.git import _gitread
    from fnstore.layout import MAX_MANIFEST_BYTES

    store.save(numpy_code("small_o", 2))
    path = str(store.path)
    blob = (
        subprocess.run(
            ["git", f"--git-dir={path}", "hash-object", "-w", "--stdin"],
            input=b" " * (MAX_MANIFEST_BYTES + 100),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    # Too big to be a manifest (nor inflated past that), or not a blob: git's to read.
    assert _gitread._loose(path, blob, b"blob") is None
    assert _gitread._loose(path, store.head, b"blob") is None
    assert _gitread._loose(path, store.head, b"commit") is not None
    assert _gitread._loose(path, "0" * 40, b"blob") is None


def test_a_plain_git_edit_of_the_code_is_seen(store: FunctionStore, tmp_path: Path) -> None:
    store.save(numpy_code("hand_k", 2))
    Registry.load(store)
    git_edit(
        store.path, tmp_path, {f"{module_path('hand_k')}/source.py": numpy_code("hand_k", 8)}, "e"
    )
    registry = Registry.load(store)  # the manifest is stale: the store re-derives it
    assert registry.get("hand_k")(STACK)[0, 0, 0] == 8


def test_a_flipped_byte_in_the_cache_is_caught(store: FunctionStore) -> None:
    store.save(numpy_code("flipped_l", 3))
    Registry.load(store)
    flush()
    (entry,) = [f for f in (paths.cache_dir() / "registry").iterdir() if "last" not in f.name]
    data = bytearray(entry.read_bytes())
    data[-5] ^= 0xFF  # inside the records, length unchanged
    entry.write_bytes(bytes(data))
    assert Registry.load(store).get("flipped_l")(STACK)[0, 0, 0] == 3
