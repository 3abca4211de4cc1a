"""The runtime plot (PNG and SVG) and the pytest-benchmark JSON export."""

from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pytest

from fnstore.bench import export_pytest_benchmark, plot_records, pytest_benchmark_json
from fnstore.errors import BenchError

if TYPE_CHECKING:
    from .conftest import MakeRecord

needs_matplotlib = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None,
    reason='PNG plots need matplotlib: pip install "fnstore[bench]"',
)


def _history(make_record: MakeRecord) -> list:  # type: ignore[type-arg]
    return [
        make_record([0.010, 0.011, 0.012], version=1),
        make_record([0.008, 0.009, 0.010], version=2),
        make_record([0.004, 0.005, 0.006], version=3),
        make_record([0.002, 0.002, 0.003], version=3, device="cuda:0", backend="torch"),
        make_record([0.003], version=1, shape=(2, 32, 32)),
    ]


@needs_matplotlib
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_the_format_of_the_suffix(
    make_record: MakeRecord, tmp_path: Path, suffix: str
) -> None:
    out = plot_records(_history(make_record), tmp_path / f"sub/blur{suffix}", title="blur")
    data = out.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG")
    else:
        text = data.decode()
        assert "<svg" in text
        assert "numpy cpu on laptop" in text  # the legend names device and machine
        assert "1x64x64 uint16" in text  # one panel per input


def test_plot_refuses_other_suffixes_and_empty_histories(
    make_record: MakeRecord, tmp_path: Path
) -> None:
    with pytest.raises(BenchError, match=r"\.png or \.svg"):
        plot_records(_history(make_record), tmp_path / "blur.pdf", title="blur")
    with pytest.raises(BenchError, match="fnstore bench blur"):
        plot_records([], tmp_path / "blur.png", title="blur")


def test_plain_svg_needs_no_matplotlib(make_record: MakeRecord, tmp_path: Path) -> None:
    records = _history(make_record)
    out = plot_records(records, tmp_path / "blur.svg", title="blur", plain=True)
    root = ElementTree.parse(out).getroot()  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "1x64x64 uint16" in texts and "2x32x32 uint16" in texts
    assert "numpy cpu on laptop" in texts and "torch cuda:0 on laptop" in texts
    assert len(list(root.iter(f"{ns}circle"))) == len(records)  # one point per record


def test_export_has_pytest_benchmark_statistics(make_record: MakeRecord) -> None:
    from pytest_benchmark.stats import Stats

    samples = [0.004, 0.001, 0.003, 0.002, 0.010]
    doc = pytest_benchmark_json([make_record(samples, version=4)])
    (entry,) = doc["benchmarks"]
    stats = entry["stats"]
    assert entry["name"] == "blur@4[numpy-cpu-1x64x64-uint16]"
    assert entry["group"] == "blur"
    assert stats["rounds"] == 5 and stats["data"] == samples
    assert stats["median"] == 0.003 and stats["min"] == 0.001 and stats["max"] == 0.010
    assert stats["stddev"] == pytest.approx(statistics.stdev(samples))
    # the same figures as pytest-benchmark's own Stats computes from the rounds
    reference = Stats()
    for x in samples:
        reference.update(x)
    for field, value in reference.as_dict().items():
        assert stats[field] == (pytest.approx(value) if isinstance(value, float) else value)
    assert (stats["q1"], stats["q3"]) == pytest.approx((0.00175, 0.0055))


def test_pytest_benchmark_compare_reads_the_export(make_record: MakeRecord, tmp_path: Path) -> None:
    path = export_pytest_benchmark(_history(make_record), tmp_path / "blur.json")
    assert len(json.loads(path.read_text())["benchmarks"]) == 5
    # the console script a user runs; `python -m pytest_benchmark` where it is not installed
    script = Path(sys.executable).with_name("pytest-benchmark")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pytest_benchmark"]
    out = subprocess.run(
        [*command, "compare", str(path), "--group-by=group"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    table = out.stdout + out.stderr
    assert "Failed to load" not in table
    for name in ("blur@1[numpy-cpu-1x64x64-uint16]", "blur@3[torch-cuda:0-1x64x64-uint16]"):
        assert name in table


def test_export_of_nothing_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="fnstore bench"):
        export_pytest_benchmark([], tmp_path / "x.json")


def test_export_keeps_what_was_recorded_for_a_long_run(make_record: MakeRecord) -> None:
    # 1,000 rounds, of which the record keeps 250 samples: the slowest round
    # (the last, 87.9 µs) is not among them, yet the record knows it
    rounds = [20e-6 + 1e-8 * (i % 97) for i in range(1000)]
    rounds[-2] = 87.9e-6
    record = make_record(rounds, version=2)
    assert record.time is not None and len(record.time.samples) == 250
    assert max(record.time.samples) < 87.9e-6
    (entry,) = pytest_benchmark_json([record])["benchmarks"]
    stats = entry["stats"]
    assert stats["rounds"] == 1000 == record.time.rounds
    assert stats["max"] == record.time.max == pytest.approx(87.9e-6)
    for field, recorded in (("min", "min"), ("mean", "mean"), ("stddev", "std")):
        assert stats[field] == getattr(record.time, recorded)
    assert (stats["median"], stats["q1"], stats["q3"]) == (
        record.time.median,
        record.time.q1,
        record.time.q3,
    )
    assert stats["ld15iqr"] >= stats["min"] and stats["hd15iqr"] <= stats["max"]
    assert stats["total"] == pytest.approx(record.time.mean * 1000)
    assert entry["extra_info"]["samples_kept"] == 250


def _microsecond_history(make_record: MakeRecord) -> list:  # type: ignore[type-arg]
    return [
        make_record([11e-6, 12e-6, 13e-6], version=1),
        make_record([9e-6, 10e-6, 11e-6], version=2),
    ]


def test_plain_svg_axis_unit_follows_the_data(make_record: MakeRecord, tmp_path: Path) -> None:
    out = plot_records(
        _microsecond_history(make_record), tmp_path / "fast.svg", title="fast", plain=True
    )
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in ElementTree.parse(out).getroot().iter(f"{ns}text")]
    assert "median time (µs)" in texts
    assert "10" in texts  # a tick in µs, not 0.01 ms
    slow = [make_record([1.5, 1.6], version=1)]
    texts = [
        t.text
        for t in ElementTree.parse(plot_records(slow, tmp_path / "slow.svg", title="s", plain=True))
        .getroot()
        .iter(f"{ns}text")
    ]
    assert "median time (s)" in texts


@needs_matplotlib
def test_matplotlib_axis_unit_follows_the_data(make_record: MakeRecord, tmp_path: Path) -> None:
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text in the SVG
        out = plot_records(_microsecond_history(make_record), tmp_path / "fast.svg", title="fast")
    text = out.read_text()
    assert "median time (µs)" in text
    assert "median time (ms)" not in text
