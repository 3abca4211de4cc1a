"""fnstore's parses from several threads at once (CPython 3.11's shared AST state)."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

from fnstore import _parse

SOURCE = (Path(__file__).parents[1] / "fnstore" / "registry" / "_registry.py").read_text()


class _Finalized:
    def __del__(self) -> None:  # Python code run by the collector: a chance to switch threads
        pass


def test_threads_parsing_at_once_all_get_their_tree() -> None:
    # Without the lock this fails within a second on CPython 3.11 with
    # "SystemError: AST constructor recursion depth mismatch": the collector
    # runs finalizers in the middle of one thread's tree, and another thread
    # builds its own meanwhile.
    errors: list[BaseException] = []
    trees: list[int] = []
    stop = threading.Event()

    def parse_many() -> None:
        for _ in range(6):
            try:
                trees.append(len(_parse.parse(SOURCE).body))
            except SystemError as exc:
                errors.append(exc)
                return

    def churn() -> None:
        while not stop.is_set():
            cycle: list[object] = [_Finalized() for _ in range(50)]
            cycle.append(cycle)
            del cycle

    old = gc.get_threshold()
    gc.set_threshold(50, 2, 2)
    threads = [threading.Thread(target=parse_many) for _ in range(3)]
    churner = threading.Thread(target=churn)
    try:
        churner.start()
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
    finally:
        stop.set()
        churner.join()
        gc.set_threshold(*old)
    assert errors == []
    assert len(trees) == 18
    assert len(set(trees)) == 1
