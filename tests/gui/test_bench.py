"""The benchmark view: run versions, the chart gains a point per version, compare."""

from __future__ import annotations

import tests.gui._qt  # noqa: F401  (first: skips the module without the GUI extra)

# isort: split
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt

from fnstore import open_store
from fnstore.errors import BenchError
from fnstore.gui import BenchView
from fnstore.gui._bench import parse_shape
from tests.gui._helpers import code


@pytest.fixture
def store(tmp_path: Path):
    store = open_store(tmp_path / "functions.git")
    store.save(code("blur"))
    store.save(code("blur", "return image * k"))
    return store


def idle(qtbot, view: BenchView) -> None:
    qtbot.waitUntil(lambda: not view.busy.busy, timeout=60000)


@pytest.fixture
def view(qtbot, store) -> BenchView:
    view = BenchView(store, "blur")
    qtbot.addWidget(view)
    view.show()
    idle(qtbot, view)
    view.shape_edit.setText("1x32x32")
    view.rounds.setValue(3)
    return view


def run_version(qtbot, view: BenchView, number: int) -> None:
    view.choose_version(number)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    idle(qtbot, view)
    qtbot.waitUntil(lambda: view.run_button.isEnabled(), timeout=60000)


def test_each_run_adds_a_point_per_version(qtbot, view, store) -> None:
    assert [c.text() for c in view.device_checks] == ["cpu"]
    assert view.chart.points() == {}
    run_version(qtbot, view, 1)
    assert "cpu 1x32x32: median" in view.status.text()
    assert view.chart.points() == {"cpu 1x32x32": [1]}
    run_version(qtbot, view, 2)
    assert view.chart.points() == {"cpu 1x32x32": [1, 2]}
    drawn = view.chart.rendered
    qtbot.waitUntil(lambda: view.chart.rendered > drawn, timeout=60000)
    assert not view.chart.image.pixmap().isNull()
    assert len(store.bench_history("blur")) == 2
    view.compare_a.setCurrentIndex(1)  # version 1
    view.compare_b.setCurrentIndex(0)  # version 2
    qtbot.mouseClick(view.compare_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.compare_table.rowCount() == 1, timeout=60000)
    verdict = view.compare_table.item(0, 6).text()
    assert verdict in {"faster", "slower", "no clear difference"}
    # one run of each version: a ratio, and no interval until there are more runs
    assert view.compare_table.item(0, 5).text().endswith("run again for an interval)")


def test_cancel_stores_nothing(qtbot, view, store) -> None:
    job = view.run()
    job.cancel()
    idle(qtbot, view)
    assert "cancelled" in view.status.text()
    assert store.bench_history("blur") == []


def test_a_bad_shape_is_refused_with_words(qtbot, view) -> None:
    view.shape_edit.setText("512x512")
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert "not a 3D shape" in view.error.text()
    with pytest.raises(BenchError):
        parse_shape("ax2x3")
    assert parse_shape("4, 64, 64") == (4, 64, 64)


def test_devices_of_a_torch_function_are_found_in_a_child(qtbot, tmp_path) -> None:
    pytest.importorskip("torch", reason='needs torch: pip install "fnstore[torch]"')
    store = open_store(tmp_path / "t.git")
    store.save(code("sharpen", deco="torch"))
    view = BenchView(store, "sharpen")
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: bool(view.device_checks), timeout=120000)
    assert view.device_checks[0].text() == "cpu"


def test_the_ratio_shows_its_interval_once_runs_vary() -> None:
    from fnstore.bench import RatioInterval
    from fnstore.gui._bench import _ratio_text

    assert _ratio_text(RatioInterval(0.9, 0.8, 1.01, 0.99, 3, 3)) == "0.900 [0.800, 1.010] 99%"
    assert "run again" in _ratio_text(RatioInterval(0.9, 0.0, float("inf"), 0.99, 1, 1))
