"""Running store, registry, sync and bench calls off the UI thread.

Every call that can take more than a few tens of milliseconds goes through
:func:`start`: it runs on Qt's global thread pool and reports back to the UI
thread through queued signals, so the window keeps painting and answering
while git, the network or a benchmark works.  A job is cancelled
cooperatively: the call's progress callback raises :class:`Cancelled` once
the user pressed Cancel (fnstore's push, pull and bench stop when their
progress callback raises), and whatever the call returns afterwards is
dropped.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

from PyQt6 import sip
from PyQt6.QtCore import QObject, QRunnable, QThreadPool, QTimer, pyqtSignal

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Cancelled", "Job", "start", "wait_idle"]


_REPORT_EVERY_S = 0.05


class Cancelled(Exception):
    """Raised inside a job's call when the user cancelled it."""


class Job(QObject):
    """One call running on the thread pool; its signals arrive on the UI thread.

    ``done(result)``, ``failed(exception)`` or ``cancelled()`` is emitted once,
    then ``finished()``.
    """

    progress = pyqtSignal(object)
    done = pyqtSignal(object)
    failed = pyqtSignal(object)
    cancelled = pyqtSignal()
    finished = pyqtSignal()

    def __init__(self, label: str, owner: QObject) -> None:
        super().__init__()
        self.label, self.owner = label, owner
        self._cancel = threading.Event()
        self.running = True

    def guarded(self, callback: Callable[..., None]) -> Callable[..., None]:
        """Wrap ``callback`` so that it is skipped once the owner widget is deleted."""
        owner = self.owner

        def call_back(*args: Any) -> None:
            if not sip.isdeleted(owner):
                callback(*args)

        return call_back

    def when_finished(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the UI thread when the job ends (if its owner still exists)."""
        self.finished.connect(self.guarded(callback))

    def cancel(self) -> None:
        """Ask the call to stop at its next progress report."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        """Whether Cancel was pressed."""
        return self._cancel.is_set()

    def report(self, value: object) -> None:
        """Progress from the worker thread (raises Cancelled once cancelled).

        At most one report per 50 ms reaches the UI thread: git reports every
        few objects, and a queue of thousands of label updates would stall
        the window as surely as the work itself.
        """
        if self._cancel.is_set():
            raise Cancelled
        now = time.monotonic()
        if now - self._last_report >= _REPORT_EVERY_S:
            self._last_report = now
            self.progress.emit(value)

    _last_report = 0.0

    def forget(self) -> None:
        """Let the job go once it ended.

        A method, not a closure over the job: a closure would make a cycle
        (job -> its connection -> closure -> job) that keeps the widget that
        started it, and all it lists, alive until a full garbage collection,
        a pause the user sees.
        """
        self.running = False
        _LIVE.discard(self)


# Jobs stay referenced here until they end, whatever happens to the widget
# that started them (a closed dialog must not delete a QObject a worker emits on).
_LIVE: set[Job] = set()


class _Runner(QRunnable):
    def __init__(self, job: Job, call: Callable[[Job], object]) -> None:
        super().__init__()
        self._job, self._call = job, call

    def run(self) -> None:
        job = self._job
        try:
            result = self._call(job)
        except Cancelled:
            _emit(job, "cancelled")
        except BaseException as exc:  # reported to the UI thread, never lost
            if job.is_cancelled:
                _emit(job, "cancelled")
            else:
                if not _is_user_error(exc):
                    traceback.print_exception(exc)
                _emit(job, "failed", exc)
        else:
            if job.is_cancelled:
                _emit(job, "cancelled")
            else:
                _emit(job, "done", result)
        _emit(job, "finished")


def _emit(job: Job, signal: str, *args: object) -> None:
    """Emit one of ``job``'s signals, unless Qt already deleted the job.

    When the application quits while a job still runs, Qt deletes the job's
    C++ half; even looking its signal up then raises, and an exception that
    leaves a QRunnable aborts the whole process (a crash at exit).
    """
    try:
        getattr(job, signal).emit(*args)
    except RuntimeError:  # the application is shutting down: nobody is listening
        pass


def _is_user_error(exc: BaseException) -> bool:
    from fnstore.errors import FnStoreError

    return isinstance(exc, FnStoreError)


def start(
    label: str,
    call: Callable[[Job], Any],
    *,
    owner: QObject,
    done: Callable[[Any], None] | None = None,
    failed: Callable[[BaseException], None] | None = None,
    progress: Callable[[Any], None] | None = None,
    finished: Callable[[], None] | None = None,
) -> Job:
    """Run ``call(job)`` on the thread pool; the callbacks run on the UI thread.

    The callbacks are dropped once ``owner`` (the widget that asked) is
    deleted: a dialog closed while its job runs must not be called back.
    """
    job = Job(label, owner)
    guarded = job.guarded

    if done is not None:
        job.done.connect(guarded(done))
    if failed is not None:
        job.failed.connect(guarded(failed))
    if progress is not None:
        job.progress.connect(guarded(progress))
    if finished is not None:
        job.finished.connect(guarded(finished))
    _LIVE.add(job)
    job.finished.connect(job.forget)
    # Started from the event loop, not here: whatever the caller connects to the
    # job after this returns (a busy bar, a button) is connected before any
    # signal can be emitted.
    runner = _Runner(job, call)
    QTimer.singleShot(0, lambda: _pool().start(runner))
    return job


_POOL: list[QThreadPool] = []


def _pool() -> QThreadPool:
    """Return the GUI's own pool: a long benchmark must not wait for (or starve) the host app's."""
    if not _POOL:
        pool = QThreadPool()
        pool.setMaxThreadCount(8)  # a save check that never returns holds one thread only
        _POOL.append(pool)
    return _POOL[0]


def wait_idle(timeout_ms: int = 60000) -> bool:
    """Block until no job is running (an application quitting, a benchmark between rounds)."""
    return _pool().waitForDone(timeout_ms)
