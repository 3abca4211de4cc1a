"""The save check runs the code in a worker process: code that loops, exits or
signals itself at import is reported, and neither freezes nor ends the caller.

Each defect test (D1-D3) failed before the check moved out of the caller's
process: D1 hung the test, D2 ended pytest itself, D3 escaped as KeyboardInterrupt.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading
from typing import TYPE_CHECKING

import pytest

from fnstore import open_store
from fnstore.errors import (
    CheckCrashedError,
    CheckTimeoutError,
    InvalidCodeError,
    StoreError,
    StoreLockedError,
)
from fnstore.store import _checkworker as checkworker
from tests.store._helpers import git, snippet, state

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

LOOP = "while True:\n    pass\n"
EXIT = "import os\nos._exit(0)\n"
TERM = "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n"


def _worker_pid() -> int:
    worker = checkworker._state.worker
    assert worker is not None
    return worker.proc.pid


def _gone(pid: int) -> bool:
    """Whether a process (not our child) has ended: wait for it, boundedly."""
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        threading.Event().wait(0.05)
    return False


@pytest.fixture
def saved(store: FunctionStore) -> FunctionStore:
    store.save(snippet("blur"))
    return store


def test_d1_an_endless_loop_at_top_level_times_out(saved: FunctionStore) -> None:
    before = state(saved)
    saved.check_timeout = 1
    with pytest.raises(CheckTimeoutError, match=r"timed out after 1 s") as caught:
        saved.save(LOOP + snippet("sharpen"))
    assert isinstance(caught.value, TimeoutError)
    assert isinstance(caught.value, InvalidCodeError)
    assert state(saved) == before
    assert saved.save(snippet("sharpen")).version == 1  # a fresh worker takes over


@pytest.mark.parametrize(
    ("prefix", "words"),
    [(EXIT, "exited with code 0"), (TERM, "was killed by SIGTERM")],
    ids=["os._exit", "SIGTERM"],
)
def test_d2_code_that_ends_its_process_is_reported(
    saved: FunctionStore, prefix: str, words: str
) -> None:
    before = state(saved)
    with pytest.raises(CheckCrashedError, match=words):
        saved.save(prefix + snippet("sharpen"))
    assert state(saved) == before
    assert saved.save(snippet("sharpen")).version == 1


def test_d3_keyboard_interrupt_at_top_level_is_invalid_code(saved: FunctionStore) -> None:
    before = state(saved)
    with pytest.raises(InvalidCodeError, match=r"\(line 1\).*raised KeyboardInterrupt"):
        saved.save("raise KeyboardInterrupt\n" + snippet("sharpen"))
    assert state(saved) == before


def test_the_code_runs_in_the_worker_not_in_the_caller(saved: FunctionStore) -> None:
    saved.save("import sys\nsys.fnstore_ran_here = True\n" + snippet("sharpen"))
    assert not hasattr(sys, "fnstore_ran_here")


def test_the_worker_is_reused_and_replaced_after_a_crash(saved: FunctionStore) -> None:
    first = _worker_pid()
    saved.save(snippet("blur", "return image * 2"))
    assert _worker_pid() == first
    with pytest.raises(CheckCrashedError):
        saved.save(EXIT + snippet("sharpen"))
    saved.save(snippet("sharpen"))
    assert _worker_pid() != first
    assert _gone(first)


def test_the_timeout_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FNSTORE_CHECK_TIMEOUT", "0.5")
    store = open_store(tmp_path / "s.git")
    assert store.check_timeout == 0.5
    with pytest.raises(CheckTimeoutError, match=r"after 0\.5 s"):
        store.save(LOOP + snippet("blur"))
    assert open_store(tmp_path / "s.git", check_timeout=7).check_timeout == 7
    monkeypatch.setenv("FNSTORE_CHECK_TIMEOUT", "soon")
    with pytest.raises(StoreError, match="FNSTORE_CHECK_TIMEOUT='soon'"):
        store.save(snippet("blur"))
    assert store.head is None


def test_cli_save_of_code_that_exits_says_so(tmp_path: Path) -> None:
    # In-process today, this save ended the CLI with exit code 0 and no output.
    file = tmp_path / "quit.py"
    file.write_text(EXIT + snippet("quit"))
    done = subprocess.run(
        [sys.executable, "-m", "fnstore", "save", str(file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "exited with code 0" in done.stdout + done.stderr


def test_the_worker_dies_with_its_parent(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from fnstore import open_store
        from fnstore.store import _checkworker
        store = open_store(sys.argv[1])
        store.save({snippet("blur")!r})
        print(_checkworker._state.worker.proc.pid, flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "s.git")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert _gone(int(done.stdout.split()[-1]))  # killed at interpreter exit


def test_a_looping_worker_dies_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, threading
        from fnstore import open_store
        from fnstore.store import _checkworker
        store = open_store(sys.argv[1], check_timeout=600)
        store.save({snippet("blur")!r})
        print(_checkworker._state.worker.proc.pid, flush=True)
        store.save({LOOP + snippet("sharpen")!r})
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "s.git")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    pid = int(proc.stdout.readline())
    proc.kill()
    proc.wait(timeout=60)
    proc.stdout.close()
    assert _gone(pid)  # the watchdog saw its parent go, though the code still loops


def _save_in_child(path: str, queue: multiprocessing.Queue[object]) -> None:
    store = open_store(path)
    store.save(snippet("child"))
    queue.put(checkworker._state.worker.proc.pid if checkworker._state.worker else None)


# JAX, once an earlier test has loaded it into this process, warns at every
# fork that its threads could deadlock the child; this child never uses JAX.
@pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_child_process_checks_with_its_own_worker(saved: FunctionStore, method: str) -> None:
    parent_worker = _worker_pid()
    context = multiprocessing.get_context(method)
    queue = context.Queue()
    child = context.Process(target=_save_in_child, args=(str(saved.path), queue))
    child.start()
    child_worker = queue.get(timeout=120)
    child.join(timeout=120)
    assert child.exitcode == 0
    assert child_worker not in (None, parent_worker)
    assert {m.module for m in saved.functions()} == {"blur", "child"}
    saved.save(snippet("blur", "return image * 3"))  # the parent's worker still answers
    assert _worker_pid() == parent_worker


def test_d7_threads_sharing_one_store_all_save(store: FunctionStore) -> None:
    # Before: 45 of 80 saves failed with "the store's branch moved while saving".
    errors: list[BaseException] = []

    def work(n: int) -> None:
        for i in range(10):
            try:
                store.save(snippet(f"t{n}", f"return image + {i}"))
            except BaseException as exc:  # collected for the assertion
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert git(store.path, "rev-list", "--count", "HEAD").strip() == "80"
    assert {m.module: m.version for m in store.functions()} == {f"t{n}": 10 for n in range(8)}
    git(store.path, "fsck", "--full")


def test_a_forked_child_takes_the_lock_for_itself(store: FunctionStore) -> None:
    # Before, the child inherited the parent's held lock (its open file and
    # thread lock) and saved while the parent held it.
    store.save(snippet("blur"))
    with store._locked():
        pid = os.fork()
        if pid == 0:  # the child: must wait for the parent, then give up
            code = 1
            try:
                store.lock_timeout = 0.3
                store.save(snippet("child"))
            except StoreLockedError as exc:
                code = 0 if "another process" in str(exc) else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [m.module for m in store.functions()] == ["blur"]


def test_threads_reading_while_others_save_through_one_store(store: FunctionStore) -> None:
    # A GUI lists and shows functions in jobs while another job saves.
    for n in range(4):
        store.save(snippet(f"t{n}"))
    errors: list[BaseException] = []

    def save(n: int) -> None:
        for i in range(8):
            try:
                store.save(snippet(f"t{n}", f"return image + {i}"))
            except BaseException as exc:  # collected for the assertion
                errors.append(exc)

    def read(n: int) -> None:
        for _ in range(30):
            try:
                assert {m.module for m in store.functions()} >= {f"t{k}" for k in range(4)}
                assert store.history(f"t{n}")[0].module == f"t{n}"
                store.get(f"t{n}")
                store.scan()
            except BaseException as exc:  # collected for the assertion
                errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=read, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {m.module: m.version for m in store.functions()} == {f"t{n}": 9 for n in range(4)}
