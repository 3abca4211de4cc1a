"""``fnstore demo``: the whole workflow, in a fresh home, leaving the user's store alone."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from fnstore.layout import module_path
from tests.cli.conftest import git

if TYPE_CHECKING:
    import pytest

    from tests.cli.conftest import Invoke


def test_demo_runs_the_whole_workflow(invoke: Invoke, tmp_path: Path, store_path: Path) -> None:
    home = tmp_path / "demo-home"
    result = invoke("demo", "--home", home)
    assert result.exit_code == 0, result.output
    out = result.stdout
    steps = [
        "fnstore init",
        "fnstore save",
        "fnstore ls",
        "fnstore log rescale_numpy",
        "fnstore diff rescale_numpy@1 rescale_numpy@2",
        "fnstore rollback rescale_numpy 1",
        "fnstore bench rescale_numpy@1 --device cpu",
        "fnstore bench compare",
        "Where everything is",
    ]
    for step in steps:
        assert step in out, step
    assert "+    out *= scale" in out  # the diff of version 2

    demo_store = home / "data" / "functions.git"
    assert str(demo_store) in out
    # Two starter modules, version 2, and the rollback: 4 commits.
    assert len(git(demo_store, "log", "--format=%s", "main").splitlines()) == 4
    files = git(demo_store, "ls-tree", "-r", "--name-only", "main").split()
    assert f"{module_path('rescale_numpy')}/source.py" in files
    assert f"{module_path('threshold_cupy')}/source.py" in files
    # The benchmark records travel as git notes on the content ids.
    assert git(demo_store, "notes", "--ref", "fnstore-bench", "list").strip()
    if importlib.util.find_spec("matplotlib") is not None:
        assert (home / "bench" / "rescale_numpy.png").stat().st_size > 0
    # The user's (here: the test's) own store was never touched.
    assert not store_path.exists()


def test_demo_defaults_to_a_fresh_temporary_home(
    invoke: Invoke, tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = invoke("demo", "--no-bench")
    assert result.exit_code == 0, result.output
    (home,) = tmp_path.glob("fnstore-demo-*")
    assert str(home) in result.stdout
    assert (home / "data" / "functions.git").is_dir()
    assert not store_path.exists()


def test_demo_uses_the_global_home(invoke: Invoke, tmp_path: Path) -> None:
    home = tmp_path / "h"
    result = invoke("--home", home, "demo", "--no-bench")
    assert result.exit_code == 0, result.output
    listed = json.loads(invoke("--home", home, "ls", "--json").stdout)["functions"]
    assert "rescale_numpy" in {e["name"] for e in listed}


def test_demo_refuses_a_home_that_holds_a_store(invoke: Invoke, tmp_path: Path) -> None:
    home = tmp_path / "used"
    assert invoke("--home", home, "init").exit_code == 0
    head = git(home / "data" / "functions.git", "rev-parse", "--all")
    result = invoke("demo", "--home", home)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert "already holds a store" in line
    assert git(home / "data" / "functions.git", "rev-parse", "--all") == head


def test_readme_quick_start_runs_the_demo_first() -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines()[0] == "scripts/demo"
    script = (root / "scripts" / "demo").read_text()
    assert script.rstrip().splitlines()[-1].startswith("exec .venv/bin/fnstore demo")
