"""Processes that save into one store at once, or get killed while saving.

Run as a script by the concurrency and crash tests (never collected by pytest)::

    python _worker.py many <store> <prefix> <count> <go-file>
    python _worker.py crash <store> <cycles> <seed> <log>

``many`` waits for ``<go-file>`` to appear (so that all workers start
together), then saves ``count`` new functions.  ``crash`` forks a child that
saves in a loop, printing ``<module> <content id>`` after each save returns,
and SIGKILLs it at a random moment; it repeats that ``cycles`` times.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from pathlib import Path

from fnstore import open_store
from fnstore.store._checkworker import start_worker

AUTHOR = "Worker <worker@example.org>"


def code(name: str, value: int) -> str:
    return f"from fnstore import numpy\n\n@numpy\ndef {name}(image):\n    return image + {value}\n"


def many(store_path: str, prefix: str, count: int, go_file: str) -> None:
    store = open_store(store_path)
    while not Path(go_file).exists():
        time.sleep(0.001)
    for i in range(count):
        store.save(code(f"{prefix}_{i}", i), author=AUTHOR)


def crash(store_path: str, cycles: int, seed: int, log: str) -> None:
    # Warm up before forking (imports, the run check), and time a save here so
    # that the kills land inside saves, whatever the machine's load.
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        warm = open_store(Path(scratch) / "warm.git")
        warm.save(code("warm", 0), author=AUTHOR)
        started = time.perf_counter()
        for i in range(3):
            warm.save(code("warm", i + 1), author=AUTHOR)
        span = max(0.02, 6 * (time.perf_counter() - started) / 3)
    rng = random.Random(seed)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    for cycle in range(cycles):
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: save until killed
            os.close(ready_r)
            store = open_store(store_path)
            start_worker()  # a forked child starts its own save-check worker: not timed
            os.write(ready_w, b"!")
            i = 0
            while True:
                module = f"m{i % 4}"
                result = store.save(code(module, cycle * 10_000 + i), author=AUTHOR)
                os.write(fd, f"{module} {result.content_id}\n".encode())
                i += 1
        os.close(ready_w)
        os.read(ready_r, 1)  # the store is open: from here on, any moment will do
        os.close(ready_r)
        time.sleep(rng.uniform(0.0, span))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "many":
        many(args[0], args[1], int(args[2]), args[3])
    elif mode == "crash":
        crash(args[0], int(args[1]), int(args[2]), args[3])
    else:
        raise SystemExit(f"unknown mode {mode!r}")
