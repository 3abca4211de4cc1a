"""Opening the function selector on a 5,000-function store, against a naive table.

Run with ``pytest benchmarks/test_gui_bench.py -s`` (needs the GUI extra;
Qt runs offscreen).  The target (issue 14): the selector lists every
function within 200 ms of the store being open.  Timed from
``FunctionSelectorDialog(store)`` until its table holds all 5,000 rows
(the registry is loaded off the UI thread, then the model is filled):

- ``selector``: a second start (the registry's cache for this pin is warm,
  as on every start after the first);
- ``selector-cold``: the registry's cache deleted first (the first start
  after a pull or on a new machine);
- ``qtablewidget``: the baseline, what a selector built on ``QTableWidget``
  does on a second start: load the registry, then one ``QTableWidgetItem``
  per cell (5,000 x 7).

The store holds 1,000 modules of 5 functions each (the author and date
columns are filled afterwards, off the UI thread, and are not timed).  No
timing is asserted: the figures and ratios are printed at the end.
"""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("PyQt6.QtWidgets", reason='needs the GUI extra: pip install "fnstore[gui]"')
pytest.importorskip("PyQt6.Qsci", reason='needs the GUI extra: pip install "fnstore[gui]"')

from fnstore.paths import cache_dir
from fnstore.store import open_store

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


def _idle() -> None:
    """Let the previous round's background reads (authors and dates) finish first."""
    from fnstore.gui._jobs import wait_idle

    wait_idle()


def _open_selector(qtbot, store_path) -> None:
    from fnstore.gui import FunctionSelectorDialog

    store = open_store(store_path)
    dialog = FunctionSelectorDialog(store)
    with qtbot.waitSignal(dialog.browser.loaded, timeout=60000) as blocker:
        dialog.show()
    assert blocker.args == [N_FUNCTIONS]
    assert dialog.browser.proxy.rowCount() == N_FUNCTIONS
    dialog.deleteLater()


def test_selector(benchmark, qtbot, store_path) -> None:
    _open_selector(qtbot, store_path)  # warms the registry cache for this pin
    benchmark.pedantic(lambda: _open_selector(qtbot, store_path), setup=_idle, rounds=ROUNDS)
    _medians["selector"] = benchmark.stats.stats.median


def test_selector_cold(benchmark, qtbot, store_path) -> None:
    def forget() -> None:
        _idle()
        shutil.rmtree(cache_dir(), ignore_errors=True)

    benchmark.pedantic(lambda: _open_selector(qtbot, store_path), setup=forget, rounds=ROUNDS)
    _medians["selector-cold"] = benchmark.stats.stats.median


def test_qtablewidget(benchmark, qtbot, store_path) -> None:
    from PyQt6.QtWidgets import QTableWidget, QTableWidgetItem

    from fnstore.registry import Registry

    Registry.load(open_store(store_path))  # warm cache, as for `selector`

    def naive() -> None:
        registry = Registry.load(open_store(store_path))
        functions = list(registry.functions().values())
        table = QTableWidget(len(functions), 7)
        for row, meta in enumerate(functions):
            cells = [
                meta.name,
                meta.module,
                meta.input_memory_type,
                str(meta.version),
                "",
                "",
                "yes" if meta.available else str(meta.unavailable_reason),
            ]
            for col, text in enumerate(cells):
                table.setItem(row, col, QTableWidgetItem(text))
        table.show()
        qtbot.wait(0)
        table.deleteLater()

    benchmark.pedantic(naive, setup=_idle, rounds=ROUNDS)
    _medians["qtablewidget"] = benchmark.stats.stats.median


def test_zz_figures() -> None:
    if len(_medians) < 3:
        pytest.skip("run the whole module to see the figures")
    ours, cold, naive = _medians["selector"], _medians["selector-cold"], _medians["qtablewidget"]
    print(
        f"\nselector on {N_FUNCTIONS:,} functions, medians: second start {ours * 1e3:.0f} ms "
        f"(target 200 ms), first start (no cache) {cold * 1e3:.0f} ms, "
        f"QTableWidget baseline {naive * 1e3:.0f} ms; ours / baseline = {ours / naive:.2f}"
    )
