"""The framework: help, global options, the error boundary, the entry points."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from tests.cli.conftest import Invoke

VERBS = [
    "init", "new", "save", "ls", "show", "log", "diff", "rollback", "rm", "restore",
    "rename", "tag", "edit", "doctor", "demo", "gui",
]  # fmt: skip


def test_help_is_a_complete_map(invoke: Invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for verb in VERBS:
        assert f" {verb} " in result.stdout, verb
    for option in ("--debug", "--home", "--store", "--version"):
        assert option in result.stdout


def test_no_arguments_shows_help(invoke: Invoke) -> None:
    result = invoke()
    assert result.exit_code == 2
    assert "Usage" in result.output


def test_unknown_verb_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("frobnicate")
    assert result.exit_code == 2
    assert "frobnicate" in result.output


def test_version(invoke: Invoke) -> None:
    from fnstore import __version__

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"fnstore {__version__}"


def test_error_is_one_line_and_exit_1(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    result = invoke("edit", "blur")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no editor is set")
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    result = invoke("--debug", "edit", "blur")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "CommandError" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: no editor is set")


def test_home_sets_fnstore_home(invoke: Invoke, tmp_path: Path) -> None:
    home = tmp_path / "elsewhere"
    result = invoke("--home", home, "init")
    assert result.exit_code == 0, result.output
    assert (home / "data" / "functions.git").is_dir()
    assert os.environ["FNSTORE_HOME"] == str(home)


def test_json_output_is_plain_json(invoke: Invoke) -> None:
    invoke("init")
    result = invoke("tag", "list", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {}


def _run_module(
    *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "fnstore", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_python_dash_m_runs_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    out = _run_module("edit", "blur")
    assert out.returncode == 1
    assert out.stderr.strip().startswith("error: no editor is set")
    assert "Usage: fnstore" in _run_module("--help").stdout


def test_help_imports_no_heavy_module() -> None:
    # `fnstore --help` must stay fast: no pygit2, numpy, pydantic or backends.
    code = (
        "import sys, json\n"
        "from fnstore.cli import app\n"
        "from typer.testing import CliRunner\n"
        "CliRunner().invoke(app, ['--help'])\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in json.loads(out.stdout.splitlines()[-1])}
    assert not loaded & {"pygit2", "numpy", "pydantic", "torch", "matplotlib", "PyQt6"}


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, as a user's shell is."""

    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from fnstore.cli._app import progress

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress("working", total=2) as advance:
        advance("first")
        advance("second", total=2)
    assert "working: second" in terminal.getvalue()

    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with progress("working") as advance:
        advance("first")
    assert pipe.getvalue() == ""
