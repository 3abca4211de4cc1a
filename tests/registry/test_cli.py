"""The registry verbs through the CLI: pin (show, set, per function), migrate, ls --available."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner, Result

from fnstore import open_store
from fnstore.cli import app
from fnstore.registry import Registry

from .conftest import numpy_code

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def cli_store() -> FunctionStore:
    store = open_store()  # the default store: what the CLI opens without --store
    store.save(numpy_code("pin_me", 2))
    store.save(numpy_code("stays", 2))
    store.tag("v1")
    store.save(numpy_code("pin_me", 3))
    return store


def test_pin_shows_the_pin(cli_store: FunctionStore) -> None:
    result = run("pin")
    assert result.exit_code == 0
    assert "Pin: main (following the branch)" in result.stdout
    shown = json.loads(run("pin", "--json").stdout)
    assert shown == {"spec": "main", "commit": cli_store.head, "functions": []}


def test_pin_a_tag_then_one_function(cli_store: FunctionStore) -> None:
    result = run("pin", "v1")
    assert result.exit_code == 0, result.output
    assert "now loads v1" in result.stdout
    assert Registry.load().info("pin_me").version == 1
    run("pin", "main")
    result = run("pin", "pin_me@1")
    assert result.exit_code == 0, result.output
    assert "pin_me stays at version 1" in result.stdout
    registry = Registry.load()
    assert registry.info("pin_me").version == 1
    shown = json.loads(run("pin", "--json").stdout)
    assert [(f["name"], f["version"]) for f in shown["functions"]] == [("pin_me", 1)]
    result = run("pin", "--unpin", "pin_me")
    assert result.exit_code == 0
    assert Registry.load().info("pin_me").version == 2


def test_pin_errors_are_one_line(cli_store: FunctionStore) -> None:
    result = CliRunner().invoke(app, ["pin", "no-such-tag"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    result = CliRunner().invoke(app, ["pin", "--unpin", "stays"])
    assert result.exit_code == 1 and "not pinned" in result.output


def test_migrate_reports_each_file(tmp_path: Path) -> None:
    folder = tmp_path / "custom_functions"
    folder.mkdir()
    (folder / "cli_ok.py").write_text(numpy_code("cli_ok"))
    (folder / "cli_bad.py").write_text("def broken(:\n")
    result = run("migrate", str(folder))
    assert result.exit_code == 1  # a partial import is not a success for scripts
    assert "cli_ok" in result.stdout
    assert "could not import cli_bad.py" in result.stderr
    report = json.loads(run("migrate", str(folder), "--json").stdout)
    assert [f["file"] for f in report["imported"]] == ["cli_ok.py"]
    assert report["imported"][0]["changed"] is False
    assert [f["file"] for f in report["failed"]] == ["cli_bad.py"]


def test_ls_available_hides_what_cannot_run_here(cli_store: FunctionStore) -> None:
    cli_store.save(
        "import no_such_package_q\n\nfrom fnstore import numpy\n\n\n"
        "@numpy\ndef cannot_run(image):\n    return image\n"
    )
    everything = run("ls", "--json")
    listed = {row["name"] for row in json.loads(everything.stdout)["functions"]}
    assert "cannot_run" in listed
    available = run("ls", "--available", "--json")
    assert available.exit_code == 0, available.output
    names = {row["name"] for row in json.loads(available.stdout)["functions"]}
    assert names == {"pin_me", "stays"}
