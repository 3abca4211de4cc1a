#!/usr/bin/env python3
"""Render each main view of the fnstore GUI to PNG, on a demo store, for review.

    .venv-test/bin/python scripts/screenshots.py OUTDIR [--scale 2]

Builds a throw-away home (a store with a few functions and versions,
benchmark records, a lab remote and a pending pull with a conflict), then
saves: the selector, the editor showing a save error, the save-as-commit
dialog, the history with a diff, lab sync with the conflict dialog, the
benchmark chart with a comparison, and the main window.  Qt runs offscreen;
``--scale 2`` renders at 200% (``QT_SCALE_FACTOR=2``) to check for clipping.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BLUR = '''"""Smooth a stack plane by plane."""

import numpy as np

from fnstore import numpy


@numpy
def blur(image, passes: int = {passes}):
    """Average each voxel with its neighbours along x, ``passes`` times."""
    out = image.astype(np.float32)
    for _ in range(passes):
        out = (out + np.roll(out, 1, axis=2) + np.roll(out, -1, axis=2)) / 3
    return out
'''


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def build(home: Path) -> tuple[object, object]:
    """Build a demo store with history, benchmarks and a pull waiting on a conflict."""
    from fnstore import open_store
    from fnstore.templates import get_template_for_memory_type

    me = "Ada Lovelace <ada@lab.example.org>"
    store = open_store(home / "mine.git")
    for passes, message in ((1, "first blur"), (3, "smoother: three passes"), (2, "two passes")):
        store.save(BLUR.format(passes=passes), message=message, author=me)
    for mt in ("numpy", "cupy", "torch"):
        store.save(get_template_for_memory_type(mt), message=f"{mt} starter", author=me)
    for number in (1, 2, 3):
        store.bench(f"blur@{number}", shapes=[(2, 256, 256)], rounds=15)
    lab = home / "lab.git"
    _git("init", "-q", "--bare", "-b", "main", str(lab))
    store.add_remote("lab", str(lab))
    store.push("lab")
    colleague = open_store(home / "colleague.git")
    colleague.add_remote("lab", str(lab))
    colleague.pull("lab")
    colleague.save(
        BLUR.format(passes=4).replace("np.float32", "np.float64"),
        message="double precision",
        author="Grace Hopper <grace@lab.example.org>",
    )
    colleague.push("lab")
    store.save(BLUR.format(passes=5), message="five passes", author=me)
    return store, lab


def main() -> int:
    """Build the demo store and save one PNG per view."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--scale", type=float, default=1.0, help="QT_SCALE_FACTOR (2 = 200%%)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    home = Path(tempfile.mkdtemp(prefix="fnstore-shots-"))
    os.environ["FNSTORE_HOME"] = str(home / "fnstore")
    args.outdir.mkdir(parents=True, exist_ok=True)

    from PyQt6.QtWidgets import QApplication, QWidget

    app = QApplication(sys.argv[:1])
    from fnstore.gui import (
        BenchView,
        FunctionEditor,
        FunctionSelectorDialog,
        HistoryView,
        MainWindow,
        SaveCommitDialog,
        SyncView,
    )
    from fnstore.gui._jobs import wait_idle
    from fnstore.manifest import introspect

    store, _lab = build(home)

    def settle(widget: QWidget, ms: int = 300) -> None:
        for _ in range(200):  # until its jobs are done and their results shown
            app.processEvents()
            wait_idle(50)
            app.processEvents()
            busy = getattr(widget, "busy", None)
            if busy is None or not busy.busy:
                break
        end = 0
        while end < ms:
            app.processEvents()
            wait_idle(20)
            end += 20

    def shot(widget: QWidget, name: str, size: tuple[int, int] | None = None) -> None:
        if size is not None:
            widget.resize(*size)
        widget.show()
        settle(widget)
        path = args.outdir / f"{name}.png"
        widget.grab().save(str(path))
        print(path)

    selector = FunctionSelectorDialog(store)
    settle(selector.browser)
    selector.browser.select("blur")
    shot(selector, "selector", (1000, 420))  # its default width

    bad = BLUR.format(passes=5).replace("out = image.astype(np.float32)", "out = image.astype(")
    editor = FunctionEditor(store, bad, module="blur")
    editor.show()
    editor.save()  # the syntax tree fails first: no dialog, the error and the cursor
    shot(editor, "editor-error", (760, 520))

    commit = SaveCommitDialog(introspect(BLUR.format(passes=6)), module="blur")
    commit.message_edit.setText("six passes for noisier stacks")
    shot(commit, "save-commit")

    history = HistoryView(store, "blur")
    settle(history)
    history.compare(1, 4)
    history.select_version(2)
    shot(history, "history-diff", (1000, 640))

    sync = SyncView(store)
    sync.resize(900, 600)
    sync.show()
    sync.pull()
    settle(sync, 600)
    shot(sync, "sync")
    dialog = sync.conflict_dialog
    if dialog is not None:
        shot(dialog, "sync-conflict", (980, 520))
        dialog.reject()

    bench = BenchView(store, "blur")
    bench.resize(900, 720)
    bench.show()
    settle(bench)
    bench.compare()
    settle(bench, 2500)
    shot(bench, "bench-chart")

    window = MainWindow(store)
    window.resize(1280, 720)
    window.show()
    settle(window.browser)
    window.browser.select("blur")
    settle(window.history, 800)
    shot(window, "main-window")
    wait_idle()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
