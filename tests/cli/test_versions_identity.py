"""A version keeps its identity through renames: pins, bench, show and rename (issue 12, 1-2, 7-9).

Each test builds its store with the CLI, as a new user does (``fnstore new
blur.py``, ``save``, ``rename``...), then checks the CLI and the Python API.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pytest

from fnstore import Registry, open_store

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Invoke

SHAPE = ["--shape", "1x8x8", "--rounds", "2", "--device", "cpu"]


def _build(invoke: Invoke, tmp_path: Path, versions: int = 3, *, template: bool = False) -> Path:
    """``new blur.py``, then ``versions`` saves, each adding ``+ i`` to the result.

    ``template``: keep the template's function name (``rescale_numpy``), as
    ``fnstore new`` wrote it before it named the function after the file.
    """
    path = tmp_path / "blur.py"
    assert invoke("new", path).exit_code == 0
    code = path.read_text()
    if template:
        code = code.replace("def blur(", "def rescale_numpy(")
    for i in range(versions):
        body = code.replace("scale + offset)", f"scale + offset + {i})")
        path.write_text(body)
        assert invoke("save", path, "-m", f"v{i + 1}").exit_code == 0
    return path


def _two_functions(tmp_path: Path, second: str) -> Path:
    """Module ``filters``: ``sharpen`` (numpy) and ``soften`` (memory type ``second``)."""
    path = tmp_path / "filters.py"
    path.write_text(
        f"from fnstore import numpy, {second}\n\n\n@numpy\ndef sharpen(image):\n"
        f"    return image\n\n\n@{second}\ndef soften(image):\n    return image\n"
    )
    return path


@pytest.fixture
def renamed(invoke: Invoke, tmp_path: Path) -> Path:
    """Module blur, 3 versions of rescale_numpy, then ``rename rescale_numpy smooth`` (v4)."""
    path = _build(invoke, tmp_path, template=True)
    result = invoke("rename", "rescale_numpy", "smooth")
    assert result.exit_code == 0, result.output
    return path


def test_new_names_the_starter_function_after_the_file(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "blur.py"
    assert invoke("new", path).exit_code == 0
    assert "def blur(image" in path.read_text()
    assert invoke("save", path).exit_code == 0
    shown = invoke("show", "blur", "--no-source")
    assert re.search(r"function\s+│ blur ", shown.output)
    assert re.search(r"memory types\s+│ numpy", shown.output)
    # a name the template uses for something else keeps the template's own name
    other = tmp_path / "np.py"
    assert invoke("new", other).exit_code == 0
    assert "def rescale_numpy(image" in other.read_text()


def test_show_a_module_lists_its_functions(invoke: Invoke, tmp_path: Path) -> None:
    two = _two_functions(tmp_path, "torch")
    assert invoke("save", two).exit_code == 0
    shown = invoke("show", "filters", "--no-source")
    assert shown.exit_code == 0, shown.output
    assert re.search(r"functions\s+│ sharpen, soften", shown.output)
    assert re.search(r"memory types\s+│ numpy, torch", shown.output)
    # one module of one function, named by its module: that function
    single = tmp_path / "gentle.py"
    single.write_text("from fnstore import numpy\n\n\n@numpy\ndef ease(image):\n    return image\n")
    assert invoke("save", single).exit_code == 0
    assert re.search(r"function\s+│ ease", invoke("show", "gentle", "--no-source").output)


def test_a_pin_holds_after_a_rename(invoke: Invoke, tmp_path: Path) -> None:
    _build(invoke, tmp_path, template=True)
    # the steps: the function is renamed, then pinned by its new name
    assert invoke("rename", "rescale_numpy", "smooth").exit_code == 0
    pinned = invoke("pin", "smooth@2")
    assert pinned.exit_code == 0, pinned.output
    registry = Registry.load()
    assert registry.info("smooth").version == 2
    assert registry.info("smooth").name == "smooth"
    v2 = open_store().get("smooth@2")
    assert registry.info("smooth").content_id == v2.content_id
    stack = np.ones((1, 2, 2), np.float32)
    assert float(registry.get("smooth")(stack).max()) == 2.0  # version 2 adds 1
    assert float(registry.get("smooth@3")(stack).max()) == 3.0
    assert set(registry.functions()) == {"fnstore:smooth"}
    assert not registry.errors
    # a later rename moves the pin along
    assert invoke("rename", "smooth", "gentle").exit_code == 0
    again = Registry.load()
    assert again.info("gentle").version == 2
    assert "smooth" not in again


def test_a_pin_after_renaming_module_and_function(invoke: Invoke, tmp_path: Path) -> None:
    _build(invoke, tmp_path)
    assert invoke("rename", "blur", "smooth").exit_code == 0  # module blur, function blur
    registry_before = Registry.load()
    assert registry_before.info("smooth").version == 4
    assert invoke("pin", "smooth@1").exit_code == 0
    stack = np.ones((1, 2, 2), np.float32)
    assert float(Registry.load().get("smooth")(stack).max()) == 1.0
    listed = invoke("pin", "--json")
    assert '"smooth"' in listed.output


def test_rename_a_module_keeps_its_functions(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "filters.py"
    path.write_text("from fnstore import numpy\n\n\n@numpy\ndef soften(image):\n    return image\n")
    assert invoke("save", path).exit_code == 0
    result = invoke("rename", "filters", "smoothing")
    assert result.exit_code == 0, result.output
    assert "module smoothing" in result.output
    version = open_store().get("soften")
    assert (version.module, version.version, version.function) == ("smoothing", 2, "soften")
    assert [v.version for v in open_store().history("soften")] == [2, 1]


def test_bench_and_compare_reach_old_versions_by_any_name(invoke: Invoke, renamed: Path) -> None:
    for ref in ("smooth@1", "blur@1"):
        result = invoke("bench", ref, *SHAPE)
        assert result.exit_code == 0, result.output
        assert "ok" in result.output
    assert invoke("bench", "smooth@2", *SHAPE).exit_code == 0
    compared = invoke("bench", "compare", "smooth@1", "smooth@2")
    assert compared.exit_code == 0, compared.output
    assert "smooth@2 against smooth@1" in compared.output
    store = open_store()
    assert len(store.bench_compare("smooth@1", "smooth@2")) == 1
    history = invoke("bench", "history", "smooth")
    assert history.exit_code == 0 and "rescale_numpy@1" in history.output
    assert store.get("smooth@1").function == "rescale_numpy"


def test_bench_of_a_module_of_several_functions_names_them(invoke: Invoke, tmp_path: Path) -> None:
    two = _two_functions(tmp_path, "numpy")
    assert invoke("save", two).exit_code == 0
    result = invoke("bench", "filters@1", *SHAPE)
    assert result.exit_code == 1
    assert "sharpen, soften" in result.output
    assert invoke("bench", "soften@1", *SHAPE).exit_code == 0


def test_rename_help_is_upper_case(invoke: Invoke) -> None:
    text = invoke("rename", "--help").output
    # typer writes required arguments in braces; both names in capitals, like every verb's
    assert re.search(r"rename \[OPTIONS\] \{?OLD\}? \{?NEW\}?", text), text
    assert "{old}" not in text
    assert "module" in text


def test_the_demo_hint_runs_from_a_plain_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex
    import subprocess
    import sys
    from pathlib import Path

    from fnstore.cli._demo import fnstore_command

    bin_dir = str(Path(sys.executable).parent)
    plain = ":".join(p for p in ["/usr/bin", "/bin"] if p != bin_dir)
    monkeypatch.setenv("PATH", plain)
    command = fnstore_command()
    assert command != "fnstore"  # not on a plain shell's PATH: say where it is
    done = subprocess.run([*shlex.split(command), "--help"], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    monkeypatch.setenv("PATH", f"{bin_dir}:{plain}")
    if (Path(bin_dir) / "fnstore").exists():
        assert fnstore_command() == "fnstore"


def test_a_tag_from_before_a_rename_is_reached_by_the_new_name(
    invoke: Invoke, tmp_path: Path
) -> None:
    _build(invoke, tmp_path, versions=2, template=True)
    assert invoke("tag", "add", "paper").exit_code == 0
    assert invoke("rename", "rescale_numpy", "smooth").exit_code == 0
    shown = invoke("show", "smooth@paper", "--no-source")
    assert shown.exit_code == 0, shown.output
    assert re.search(r"version\s+│ 2 ", shown.output)
    assert re.search(r"function\s+│ rescale_numpy", shown.output)
    stack = np.ones((1, 2, 2), np.float32)
    assert float(Registry.load().get("smooth@paper")(stack).max()) == 2.0
    assert invoke("pin", "smooth@paper").exit_code == 0
    assert Registry.load().info("smooth").version == 2
