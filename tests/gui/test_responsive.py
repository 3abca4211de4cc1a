"""The window never freezes: a 10 ms timer keeps ticking during push, pull and a bench run.

The issue asks for this measurement: the longest gap between ticks of a
10 ms QTimer on the UI thread while a push and a pull of a 1,000-function
store, and a benchmark run, work in the background must stay under 100 ms.
"""

from __future__ import annotations

import tests.gui._qt  # noqa: F401  (first: skips the module without the GUI extra)

# isort: split
import itertools
import subprocess
import time

import pytest
from PyQt6.QtCore import QTimer

from fnstore import open_store
from fnstore.gui import BenchView, SyncView
from fnstore.gui._jobs import Job

N_FUNCTIONS = 1000
LIMIT_S = 0.100


def _code(i: int) -> str:
    return (
        "from fnstore import numpy\n\n\n"
        "@numpy\n"
        f"def f{i}(image, k: float = {i}.0):\n"
        f'    """Scale by {i}."""\n'
        "    return image * k\n"
    )


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("big") / "functions.git")
    for i in range(N_FUNCTIONS):
        store.save(_code(i), message=f"f{i}", author="Lab <lab@example.org>")
    return store


def longest_gap(qtbot, job: Job | None) -> float:
    """Run the event loop until ``job`` ends; the longest gap between 10 ms ticks."""
    assert job is not None
    ticks: list[float] = [time.perf_counter()]
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.waitUntil(lambda: not job.running, timeout=300000)
    timer.stop()
    ticks.append(time.perf_counter())
    return max(b - a for a, b in itertools.pairwise(ticks))


def test_push_and_pull_of_1000_functions_keep_the_window_live(qtbot, big_store, tmp_path):
    remote = tmp_path / "lab.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    big_store.add_remote("lab", str(remote))
    mine = SyncView(big_store)
    qtbot.addWidget(mine)
    mine.show()
    push_gap = longest_gap(qtbot, mine.push())
    assert "Pushed main to lab" in mine.status.text(), mine.error.text()

    other = open_store(tmp_path / "other.git")
    other.add_remote("lab", str(remote))
    theirs = SyncView(other)
    qtbot.addWidget(theirs)
    theirs.show()
    pull_gap = longest_gap(qtbot, theirs.pull())
    assert len(other.functions()) == N_FUNCTIONS, theirs.error.text()
    print(f"\nlongest UI gap: push {push_gap * 1e3:.1f} ms, pull {pull_gap * 1e3:.1f} ms")
    assert push_gap < LIMIT_S
    assert pull_gap < LIMIT_S


def test_a_bench_run_keeps_the_window_live(qtbot, tmp_path):
    store = open_store(tmp_path / "functions.git")
    store.save(
        "import numpy as np\nfrom fnstore import numpy\n\n\n@numpy\n"
        "def smooth(image, passes: int = 3):\n"
        "    out = image.astype(np.float32)\n"
        "    for _ in range(passes):\n"
        "        out = (out + np.roll(out, 1, axis=2) + np.roll(out, -1, axis=2)) / 3\n"
        "    return out\n"
    )
    view = BenchView(store, "smooth")
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.run_button.isEnabled(), timeout=60000)
    view.shape_edit.setText("8x512x512")
    view.rounds.setValue(15)
    gap = longest_gap(qtbot, view.run())
    assert "median" in view.status.text(), view.error.text()
    print(f"\nlongest UI gap during the bench run: {gap * 1e3:.1f} ms")
    assert gap < LIMIT_S
