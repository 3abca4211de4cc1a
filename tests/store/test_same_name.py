"""One function name in several modules, once per memory type (as in OpenHCS's processors)."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from fnstore import migrate_directory
from fnstore.errors import AmbiguousNameError, InvalidNameError, NameConflictError

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore


def processor(memory_type: str, extra: str = "") -> str:
    """A module like OpenHCS's ``<backend>_processor``: the same names for one memory type."""
    return (
        f"from openhcs.core.memory import {memory_type}\n\n\n"
        f"@{memory_type}\ndef sharpen(image, amount: float = 1.0):\n"
        f'    """Sharpen ({memory_type})."""\n    return image\n\n\n'
        f"@{memory_type}\ndef max_projection(image):\n    return image\n{extra}"
    )


@pytest.fixture
def processors(store: FunctionStore) -> FunctionStore:
    for memory_type in ("numpy", "torch", "jax"):
        store.save(processor(memory_type), module=f"ohcs_{memory_type}_processor")
    return store


def test_the_same_name_lives_once_per_memory_type(processors: FunctionStore) -> None:
    assert [m.module for m in processors.functions()] == [
        "ohcs_jax_processor",
        "ohcs_numpy_processor",
        "ohcs_torch_processor",
    ]
    with pytest.raises(NameConflictError, match=r"--module ohcs_numpy_processor"):
        processors.save(processor("numpy"), module="another_numpy_module")
    assert len(processors.functions()) == 3  # the store is unchanged


def test_an_ambiguous_name_lists_the_choices_and_a_qualifier_picks_one(
    processors: FunctionStore,
) -> None:
    with pytest.raises(AmbiguousNameError) as caught:
        processors.get("sharpen")
    assert sorted(caught.value.choices) == ["sharpen[jax]", "sharpen[numpy]", "sharpen[torch]"]
    assert "sharpen[" in str(caught.value)
    version = processors.get("sharpen[torch]")
    assert (version.module, version.name) == ("ohcs_torch_processor", "sharpen")
    assert version.manifest.functions[0].input_memory_type == "torch"
    processors.save(processor("torch", extra="# v2\n"), module="ohcs_torch_processor")
    assert [v.version for v in processors.history("sharpen[torch]")] == [2, 1]
    assert processors.get("sharpen[torch]@1").version == 1
    assert processors.get("sharpen[numpy]").version == 1
    with pytest.raises(InvalidNameError, match=r"name\[memory type\]"):
        processors.get("sharpen[float32]")


def test_delete_by_qualified_name_removes_that_module_only(processors: FunctionStore) -> None:
    processors.delete("max_projection[jax]")
    assert "ohcs_jax_processor" not in [m.module for m in processors.functions()]
    with pytest.raises(AmbiguousNameError):
        processors.delete("sharpen")
    assert processors.get("sharpen[numpy]").module == "ohcs_numpy_processor"


def test_migrating_openhcs_processor_modules_imports_them_all(
    store: FunctionStore, tmp_path: Path
) -> None:
    folder = tmp_path / "processors"
    folder.mkdir()
    for memory_type in ("numpy", "torch", "jax"):
        (folder / f"ohcs_{memory_type}_processor.py").write_text(processor(memory_type))
    report = migrate_directory(folder, store=store)
    assert report.ok, report.failed
    assert len(report.imported) == 3


def test_the_cli_takes_the_qualified_name(processors: FunctionStore) -> None:
    import sys

    def fnstore(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fnstore", "--store", str(processors.path), *args],
            capture_output=True,
            text=True,
        )

    ambiguous = fnstore("log", "sharpen")
    assert ambiguous.returncode != 0
    assert "sharpen[torch]" in ambiguous.stderr + ambiguous.stdout
    listed = fnstore("ls", "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"sharpen[numpy]"' in listed.stdout and '"sharpen[torch]"' in listed.stdout
    picked = fnstore("log", "sharpen[jax]")
    assert picked.returncode == 0, picked.stderr
    assert "ohcs_jax_processor" in picked.stdout


def test_a_module_named_after_the_function_does_not_hide_the_others(
    store: FunctionStore,
) -> None:
    from fnstore import open_store

    store.save(processor("numpy"))  # module "sharpen", named after its first function
    store.save(processor("torch"), module="sharpen_torch")
    for fresh in (store, open_store(store.path)):  # in memory, and read back from disk
        with pytest.raises(AmbiguousNameError):
            fresh.get("sharpen")
        assert fresh.get("sharpen[numpy]").module == "sharpen"
        assert fresh.get("sharpen[torch]").module == "sharpen_torch"


def test_the_saved_head_index_finds_a_name_held_twice_without_parsing_first() -> None:
    from fnstore.store._index import HeadIndex, ModuleEntry

    tree, other = "1" * 40, "2" * 40
    index = HeadIndex(
        "main",
        "3" * 40,
        {
            "sharpen": ModuleEntry(tree, ("sharpen",)),
            "p_torch": ModuleEntry(other, ("sharpen", "blur")),
            "sharpen_like": ModuleEntry(other, ("sharpen_like",)),
        },
    )
    data = index.to_bytes()
    assert data is not None
    for name, expected in [
        ("sharpen", ["sharpen", "p_torch"]),
        ("blur", ["p_torch"]),
        ("sharpen_like", ["sharpen_like"]),
    ]:
        back = HeadIndex.from_bytes(data, "main")
        assert back is not None
        assert back.candidates(name) == expected
