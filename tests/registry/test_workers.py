"""Workers starting at once at a cold pin share one build of the cache; a killed one harms none.

Each worker is a real process.  A builder is held mid-way by a patch inside
its own process (it waits for a file), so the tests can start a second worker
while the first holds the pin's build lock, or kill the first with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from fnstore import paths
from fnstore.registry import Registry
from fnstore.registry._snapshot import load_cached

from .conftest import numpy_code

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

NAMES = ["one_w", "three_w", "two_w"]

# A worker: load the registry, print its listing and whether it read git itself.
WORKER = """
import json, sys
from fnstore.git import _gitread
read_git = []
for name in ("read_manifests", "read_changed_manifests"):
    original = getattr(_gitread, name)
    def spy(*args, _original=original, **kwargs):
        read_git.append(True)
        return _original(*args, **kwargs)
    setattr(_gitread, name, spy)
{hold}
import fnstore
registry = fnstore.Registry.load(sys.argv[1])
print(json.dumps([sorted(m.name for m in registry.functions().values()), bool(read_git)]))
"""

# Held while reading the manifests: says so in a file, then waits for another.
HOLD_READING = """
import os, time
_read = _gitread.read_manifests
def held(*args, **kwargs):
    open(os.environ["HELD_AT"], "w").close()
    while not os.path.exists(os.environ["RELEASE"]):
        time.sleep(0.01)
    return _read(*args, **kwargs)
_gitread.read_manifests = held
"""

# Held after writing the cache file's temporary copy, before renaming it into place.
HOLD_WRITING = """
import os, time
_replace = os.replace
def held(src, dst, *args, **kwargs):
    if os.path.basename(os.path.dirname(str(dst))) == "registry" and "last-" not in str(dst):
        open(os.environ["HELD_AT"], "w").close()
        while not os.path.exists(os.environ["RELEASE"]):
            time.sleep(0.01)
    return _replace(src, dst, *args, **kwargs)
os.replace = held
"""


def _start(store: FunctionStore, tmp_path: Path, hold: str = "") -> subprocess.Popen[str]:
    env = dict(os.environ, HELD_AT=str(tmp_path / "held"), RELEASE=str(tmp_path / "release"))
    return subprocess.Popen(
        [sys.executable, "-c", WORKER.format(hold=hold), str(store.path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert proc.poll() is None, "the worker ended before it was held"
        assert time.monotonic() < deadline, "the worker was never held"
        time.sleep(0.01)


def _blocked_on_a_lock(pid: int) -> bool:
    # /proc/locks marks a process waiting for a lock with "->" before its line.
    with open("/proc/locks") as fh:
        return any(line.split()[1] == "->" and f" {pid} " in line for line in fh)


def _finish(proc: subprocess.Popen[str]) -> tuple[list[str], bool]:
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    names, read_git = json.loads(out)
    return names, read_git


@pytest.fixture
def saved(store: FunctionStore) -> FunctionStore:
    for name in NAMES:
        store.save(numpy_code(name))
    return store


@pytest.mark.skipif(not os.path.exists("/proc/locks"), reason="needs Linux's /proc/locks")
def test_a_second_worker_waits_for_the_first_and_reads_its_cache(
    saved: FunctionStore, tmp_path: Path
) -> None:
    first = _start(saved, tmp_path, HOLD_READING)
    _wait_for(tmp_path / "held", first)  # the first holds the build lock, mid-read
    second = _start(saved, tmp_path)
    deadline = time.monotonic() + 60
    while not _blocked_on_a_lock(second.pid):
        assert second.poll() is None, "the second worker did not wait for the first"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    (tmp_path / "release").touch()
    assert _finish(first) == (NAMES, True)
    assert _finish(second) == (NAMES, False)  # read the first one's cache, not git


@pytest.mark.parametrize("hold", [HOLD_READING, HOLD_WRITING], ids=["reading", "writing"])
def test_a_worker_killed_while_building_leaves_a_cache_the_next_can_use(
    saved: FunctionStore, tmp_path: Path, hold: str
) -> None:
    doomed = _start(saved, tmp_path, hold)
    _wait_for(tmp_path / "held", doomed)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.communicate()
    assert load_cached(str(saved.head)) is None  # nothing half-written was left in place
    assert _finish(_start(saved, tmp_path)) == (NAMES, True)  # the next one builds...
    assert _finish(_start(saved, tmp_path)) == (NAMES, False)  # ...and the one after reads it
    assert sorted(Registry.load(saved).names()) == NAMES


def test_loading_in_the_host_warms_the_cache_for_its_workers(saved: FunctionStore) -> None:
    Registry.load(saved.path)  # the host, before it spawns workers
    assert (paths.cache_dir() / "registry" / str(saved.head)).is_file()
    snap = load_cached(str(saved.head))
    assert snap is not None
    assert list(snap.columns[0]) == NAMES
