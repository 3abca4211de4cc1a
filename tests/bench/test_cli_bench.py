"""The bench verbs through the CLI runner: exit codes, tables, JSON and one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner, Result

from fnstore import open_store
from fnstore.cli import app

if TYPE_CHECKING:
    from pathlib import Path

Invoke = Callable[..., Result]

CODE = """
from fnstore import numpy

@numpy
def brighten(image, factor: int = 2):
    return image * factor
"""

FAST = ["--shape", "1x8x8", "--shape", "2x8x8", "--rounds", "3"]


@pytest.fixture
def fnstore_cli(tmp_path: Path) -> Invoke:
    store = open_store(tmp_path / "lab.git")
    store.save(CODE, message="first")
    store.save(CODE.replace("* factor", "* factor + 1"), message="second")
    runner = CliRunner()

    def run(*args: str | Path) -> Result:
        argv = ["--store", str(tmp_path / "lab.git"), *(str(a) for a in args)]
        return runner.invoke(app, argv, catch_exceptions=False)

    return run


def test_bench_ref_times_and_stores(fnstore_cli: Invoke) -> None:
    result = fnstore_cli("bench", "brighten@1", *FAST)
    assert result.exit_code == 0, result.output
    assert "brighten@1" in result.output and "1x8x8" in result.output
    assert "Stored 2 record(s) as git notes" in result.output


def test_bench_run_json_for_scripts(fnstore_cli: Invoke) -> None:
    result = fnstore_cli("bench", "run", "brighten", "--device", "cpu", *FAST, "--json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert [r["status"] for r in records] == ["ok", "ok"]
    assert records[0]["time"]["rounds"] == 3 and "samples" not in records[0]["time"]


def test_compare_prints_a_verdict_per_shape(fnstore_cli: Invoke) -> None:
    fnstore_cli("bench", "brighten@1", *FAST)
    fnstore_cli("bench", "brighten@2", *FAST)
    table = fnstore_cli("bench", "compare", "brighten@1", "brighten@2")
    assert table.exit_code == 0
    assert "brighten@2 against brighten@1" in table.output
    rows = json.loads(fnstore_cli("bench", "compare", "brighten@1", "brighten@2", "--json").stdout)
    assert sorted(r["shape"] for r in rows) == [[1, 8, 8], [2, 8, 8]]
    assert {r["verdict"] for r in rows} <= {"faster", "slower", "no clear difference"}
    assert all(r["ci_low"] <= r["ratio"] <= r["ci_high"] for r in rows)


def test_compare_without_records_is_one_line_with_advice(fnstore_cli: Invoke) -> None:
    fnstore_cli("bench", "brighten@1", *FAST)
    result = fnstore_cli("bench", "compare", "brighten@1", "brighten@2")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: no benchmark records for brighten@2: run `fnstore bench brighten@2` first"
    )


def test_plot_history_and_export(fnstore_cli: Invoke, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason='plots need "fnstore[bench]"')
    fnstore_cli("bench", "brighten@1", *FAST)
    fnstore_cli("bench", "brighten@2", *FAST)
    plot = fnstore_cli("bench", "plot", "brighten", "-o", tmp_path / "b.svg")
    assert plot.exit_code == 0 and (tmp_path / "b.svg").read_text().startswith("<?xml")
    history = json.loads(fnstore_cli("bench", "history", "brighten", "--json").stdout)
    assert sorted({r["version"] for r in history}) == [1, 2]
    export = fnstore_cli("bench", "export", "brighten", tmp_path / "b.json")
    assert export.exit_code == 0 and "pytest-benchmark compare" in export.output
    assert len(json.loads((tmp_path / "b.json").read_text())["benchmarks"]) == 4


def test_a_bad_shape_is_a_usage_error(fnstore_cli: Invoke) -> None:
    result = fnstore_cli("bench", "brighten", "--shape", "8x8")
    assert result.exit_code == 2
    assert "not a shape like 16x2048x2048" in result.output


def test_history_of_an_unbenchmarked_function_says_what_to_run(fnstore_cli: Invoke) -> None:
    result = fnstore_cli("bench", "history", "brighten")
    assert result.exit_code == 0 and "fnstore bench brighten" in result.output
