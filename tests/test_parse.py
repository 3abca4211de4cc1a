"""fnstore's parses from several threads at once (CPython 3.11's shared AST state)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]

# Run in a fresh interpreter: the collector is made to run very often, and in
# the test process its passes over everything the suite has loaded take long.
CHILD = """
import gc, json, sys, threading, time
from fnstore import _parse

source = open(sys.argv[1]).read()
errors, trees = [], []
stop = threading.Event()

class Finalized:
    def __del__(self):  # Python code run by the collector: a chance to switch threads
        pass

def parse_many():
    end = time.monotonic() + 2
    while time.monotonic() < end:
        try:
            trees.append(len(_parse.parse(source).body))
        except SystemError as exc:
            errors.append(str(exc))
            return

def churn():
    while not stop.is_set():
        cycle = [Finalized() for _ in range(50)]
        cycle.append(cycle)
        del cycle

gc.set_threshold(50, 2, 2)
threads = [threading.Thread(target=parse_many) for _ in range(3)]
churner = threading.Thread(target=churn)
churner.start()
for t in threads:
    t.start()
for t in threads:
    t.join()
stop.set()
churner.join()
print(json.dumps([errors, trees]))
"""


def test_threads_parsing_at_once_all_get_their_tree() -> None:
    # Without the lock this fails within a second on CPython 3.11 with
    # "SystemError: AST constructor recursion depth mismatch": the collector
    # runs finalizers in the middle of one thread's tree, and another thread
    # builds its own meanwhile.
    source = ROOT / "fnstore" / "registry" / "_registry.py"
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(source)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=ROOT,
    )
    errors, trees = json.loads(out.stdout)
    assert errors == []
    assert len(trees) >= 3  # each thread parsed at least once, all alike
    assert len(set(trees)) == 1
