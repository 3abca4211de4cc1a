"""Background jobs: a job whose Qt object is gone by the time its call returns."""

from __future__ import annotations

import tests.gui._qt  # noqa: F401  (first: skips the module without the GUI extra)

# isort: split
from typing import Any

from PyQt6 import sip
from PyQt6.QtCore import QObject

from fnstore.gui._jobs import Job, _Runner


def test_a_job_deleted_while_its_call_runs_ends_quietly(qtbot: Any) -> None:
    # What happens when the window quits while a job still runs: Qt deletes the
    # job's C++ half, then the worker thread reports.  An exception leaving a
    # QRunnable would abort the process (it did, at the exit of a selector).
    owner = QObject()
    job = Job("listing", owner)
    ran: list[str] = []

    def call(j: Job) -> str:
        sip.delete(j)  # the application shuts down meanwhile
        ran.append("called")
        return "result"

    _Runner(job, call).run()  # must not raise
    assert ran == ["called"]
    assert sip.isdeleted(job)


def test_a_live_job_reports_its_result(qtbot: Any) -> None:
    owner = QObject()
    job = Job("listing", owner)
    got: list[object] = []
    job.done.connect(got.append)
    job.finished.connect(lambda: got.append("finished"))
    _Runner(job, lambda j: 42).run()  # direct connections: delivered at once
    assert got == [42, "finished"]
