"""Opening the function selector on a 5,000-function store, against a naive table.

Run with ``pytest benchmarks/test_gui_bench.py -s`` (needs the GUI extra;
Qt runs offscreen).  The target (issue 14): the selector lists every
function within 200 ms of the store being open.  Each round is a fresh
process, as when a scientist starts ``fnstore gui`` or a host application
opens its selector: Qt and fnstore are imported and the store is opened,
then the clock runs from ``FunctionSelectorDialog(store)`` until its table
holds all 5,000 rows (the registry modules' imports included):

- ``selector``: a second start (the registry's cache for this pin is warm,
  as on every start after the first);
- ``selector-cold``: the registry's cache deleted first (the first start
  after a pull or on a new machine);
- ``qtablewidget``: the baseline, what a selector built on ``QTableWidget``
  does on a second start: load the registry, then one ``QTableWidgetItem``
  per cell (5,000 x 7).

A fresh process per round, not rounds in this one: a long-lived process
holding the garbage of earlier rounds (and this suite's heap) pays for full
garbage-collection passes that a start does not (``docs/gui.md``).

The store holds 1,000 modules of 5 functions each (the author and date
columns are filled afterwards, off the UI thread, and are not timed).  No
timing is asserted: the figures and ratios are printed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys

import pytest

pytest.importorskip("PyQt6.QtWidgets", reason='needs the GUI extra: pip install "fnstore[gui]"')
pytest.importorskip("PyQt6.Qsci", reason='needs the GUI extra: pip install "fnstore[gui]"')

from fnstore import open_store
from fnstore.paths import cache_dir

MODULES, PER_MODULE = 1000, 5
N_FUNCTIONS = MODULES * PER_MODULE
ROUNDS = 5
_medians: dict[str, float] = {}


def _module(m: int) -> str:
    parts = ["from fnstore import numpy\n"]
    for k in range(PER_MODULE):
        parts.append(
            f"\n\n@numpy\ndef f{m}_{k}(image, k: float = {k}.0):\n"
            f'    """Scale by {k} (module {m})."""\n    return image * k\n'
        )
    return "".join(parts)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("gui") / "functions.git"
    store = open_store(path)
    for m in range(MODULES):
        store.save(_module(m), message=f"m{m}", author="Bench <bench@example.org>")
    return path


# One round in a fresh process: prints the seconds from the dialog's creation
# (or the naive table's first line) to a full table, and the row count.
_CHILD = r"""
import sys, time, json
from PyQt6.QtCore import QEventLoop, QTimer
from PyQt6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem
app = QApplication([])
import fnstore.gui
from fnstore import open_store
mode, path = sys.argv[1], sys.argv[2]
store = open_store(path)
if mode == "selector":
    t0 = time.perf_counter()
    dialog = fnstore.gui.FunctionSelectorDialog(store)
    loop, counts = QEventLoop(), []
    dialog.browser.loaded.connect(lambda n: (counts.append(n), loop.quit()))
    QTimer.singleShot(60000, loop.quit)
    dialog.show()
    loop.exec()
    seconds = time.perf_counter() - t0
    rows = dialog.browser.proxy.rowCount()
else:
    t0 = time.perf_counter()
    from fnstore.registry import Registry
    functions = list(Registry.load(store).functions().values())
    table = QTableWidget(len(functions), 7)
    for row, meta in enumerate(functions):
        cells = [meta.name, meta.module, meta.input_memory_type, str(meta.version), "", "",
                 "yes" if meta.available else str(meta.unavailable_reason)]
        for col, text in enumerate(cells):
            table.setItem(row, col, QTableWidgetItem(text))
    table.show()
    app.processEvents()
    seconds = time.perf_counter() - t0
    rows = table.rowCount()
print(json.dumps([seconds, rows]))
"""


def _round(mode: str, store_path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(store_path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    ).stdout
    seconds, rows = json.loads(out.strip().splitlines()[-1])
    assert rows == N_FUNCTIONS
    return float(seconds)


def _measure(benchmark, key: str, mode: str, store_path, *, cold: bool = False) -> None:
    times: list[float] = []

    def setup() -> None:
        if cold:
            shutil.rmtree(cache_dir(), ignore_errors=True)

    benchmark.pedantic(lambda: times.append(_round(mode, store_path)), setup=setup, rounds=ROUNDS)
    _medians[key] = statistics.median(times)
    benchmark.extra_info["inside_ms"] = [round(t * 1e3, 1) for t in times]


def test_selector(benchmark, store_path) -> None:
    _round("selector", store_path)  # writes the registry cache for this pin
    _measure(benchmark, "selector", "selector", store_path)


def test_selector_cold(benchmark, store_path) -> None:
    _measure(benchmark, "selector-cold", "selector", store_path, cold=True)


def test_qtablewidget(benchmark, store_path) -> None:
    _round("qtablewidget", store_path)  # warm cache, as for `selector`
    _measure(benchmark, "qtablewidget", "qtablewidget", store_path)


def test_zz_figures() -> None:
    if len(_medians) < 3:
        pytest.skip("run the whole module to see the figures")
    ours, cold, naive = _medians["selector"], _medians["selector-cold"], _medians["qtablewidget"]
    print(
        f"\nselector on {N_FUNCTIONS:,} functions, medians of fresh processes: second start "
        f"{ours * 1e3:.0f} ms (target 200 ms), first start (no cache) {cold * 1e3:.0f} ms, "
        f"QTableWidget baseline {naive * 1e3:.0f} ms; ours / baseline = {ours / naive:.2f}"
    )
