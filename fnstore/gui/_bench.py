"""Benchmarks of one function: run a version, the chart across versions, compare two.

A run benchmarks one version on the chosen devices (those its memory type
can use here, found off the UI thread since finding GPUs imports the
backend) with one input shape; progress arrives after each device, and
Cancel ends the run at once (nothing is stored then).  The run itself
happens in a child process (:mod:`fnstore.gui._benchproc`).  Compare
shows the ratio of medians of two versions with its interval and the
verdict, per machine, device and input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PyQt6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fnstore.errors import BenchError, FnStoreError, FunctionNotFoundError
from fnstore.gui import _jobs
from fnstore.gui._benchproc import bench_in_process, devices_in_process
from fnstore.gui._chart import BenchChart
from fnstore.gui._format import seconds_text
from fnstore.gui._widgets import BusyBar, ErrorBanner, named

if TYPE_CHECKING:
    from fnstore._facade import FunctionStore
    from fnstore.bench import BenchRecord, Comparison, RatioInterval
    from fnstore.store import FunctionVersion

__all__ = ["BenchView"]

_COMPARE_COLUMNS = ["Where", "Backend", "Input", "A", "B", "Ratio B/A [interval]", "Verdict"]


@dataclass
class _Loaded:
    versions: list[FunctionVersion]
    records: list[BenchRecord]
    devices: list[str]
    why_no_device: str


def parse_shape(text: str) -> tuple[int, ...]:
    """Read ``16x512x512`` (or ``16,512,512``) as a shape; BenchError when it is not one."""
    parts = text.replace(",", "x").replace("\N{MULTIPLICATION SIGN}", "x").split("x")
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise BenchError(
            f"{text!r} is not a 3D shape: write slices x height x width, e.g. 4x512x512"
        )
    return shape


class BenchView(QWidget):
    """Run, chart and compare the benchmarks of one function."""

    def __init__(
        self, store: FunctionStore, name: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.name: str | None = None
        self.versions: list[FunctionVersion] = []
        self.records: list[BenchRecord] = []
        self.last_run: list[BenchRecord] = []
        self.comparisons: list[Comparison] = []

        self.title = named(QLabel("Choose a function to benchmark it."), "Benchmark title")
        self.version_choice = named(QComboBox(), "Version to run")
        self.device_box = QHBoxLayout()
        self.device_checks: list[QCheckBox] = []
        self.no_device = named(QLabel(), "Devices status")
        self.shape_edit = named(
            QLineEdit("1x256x256"), "Input shape", "Synthetic stack: slices x height x width"
        )
        self.rounds = named(QSpinBox(), "Rounds", "Measured rounds (0: until 0.3 s is measured)")
        self.rounds.setRange(0, 1000)
        self.rounds.setSpecialValueText("auto")
        self.run_button = named(QPushButton("Run benchmark"), "Run benchmark")
        self.run_button.clicked.connect(self.run)
        run_box = named(QGroupBox("Run"), "Run box")
        run_grid = QVBoxLayout(run_box)
        first = QHBoxLayout()
        first.addWidget(QLabel("Version:"))
        first.addWidget(self.version_choice)
        first.addWidget(QLabel("Input:"))
        first.addWidget(self.shape_edit)
        first.addWidget(QLabel("Rounds:"))
        first.addWidget(self.rounds)
        first.addStretch(1)
        second = QHBoxLayout()
        second.addWidget(QLabel("Devices:"))
        second.addLayout(self.device_box)
        second.addWidget(self.no_device)
        second.addStretch(1)
        second.addWidget(self.run_button)
        run_grid.addLayout(first)
        run_grid.addLayout(second)

        self.chart = BenchChart()

        self.compare_a = named(QComboBox(), "Compare version A")
        self.compare_b = named(QComboBox(), "Compare with version B")
        self.compare_button = named(QPushButton("Compare"), "Compare")
        for combo in (self.version_choice, self.compare_a, self.compare_b):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.compare_button.clicked.connect(self.compare)
        self.compare_table = named(QTableWidget(0, len(_COMPARE_COLUMNS)), "Comparison")
        self.compare_table.setHorizontalHeaderLabels(_COMPARE_COLUMNS)
        self.compare_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.compare_table.verticalHeader().hide()  # type: ignore[union-attr]
        header = self.compare_table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        compare_box = named(QGroupBox("Compare two versions"), "Compare box")
        compare_layout = QVBoxLayout(compare_box)
        row = QHBoxLayout()
        row.addWidget(QLabel("A:"))
        row.addWidget(self.compare_a)
        row.addWidget(QLabel("B:"))
        row.addWidget(self.compare_b)
        row.addWidget(self.compare_button)
        row.addStretch(1)
        compare_layout.addLayout(row)
        compare_layout.addWidget(self.compare_table)

        self.status = named(QLabel(), "Benchmark status")
        self.status.setWordWrap(True)
        self.error = ErrorBanner()
        self.busy = BusyBar()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(run_box)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.chart, 3)
        layout.addWidget(compare_box, 2)
        self._update_buttons()
        if name is not None:
            self.set_function(name)

    # -- loading ----------------------------------------------------------------
    def set_function(self, name: str | None) -> None:
        """Show the benchmarks of ``name``."""
        self.name = name
        self.reload()

    def reload(self) -> None:
        """Read versions, records and the devices here, off the UI thread."""
        name, store = self.name, self.store
        if name is None:
            return

        def load(job: _jobs.Job) -> _Loaded:
            try:
                versions = store.history(name)
            except FunctionNotFoundError:
                return _Loaded([], [], [], f"{name} is deleted")
            memory_type = versions[0].manifest.functions[0].input_memory_type
            for info in versions[0].manifest.functions:
                if info.name == versions[0].name:
                    memory_type = info.input_memory_type
            try:
                # numpy runs on the CPU; asking anything else imports its backend
                found = ["cpu"] if memory_type == "numpy" else devices_in_process(job, memory_type)
                why = ""
            except FnStoreError as exc:  # a backend missing or broken here: say why
                found, why = [], f"no {memory_type} device here: {exc}"
            if not found and not why:
                why = f"no {memory_type} device here"
            return _Loaded(versions, store.bench_history(name), found, why)

        job = _jobs.start(
            f"Reading benchmarks of {name}",
            load,
            done=self._show,
            failed=self.error.show_error,
            owner=self,
        )
        self.busy.track(job, cancellable=False)
        job.when_finished(self._update_buttons)

    def _show(self, loaded: _Loaded) -> None:
        self.versions, self.records = loaded.versions, loaded.records
        name = self.name or ""
        self.title.setText(
            f"<b>{name}</b>: {len(loaded.versions)} version(s), {len(loaded.records)} record(s)"
        )
        labels = [f"version {v.version}" for v in loaded.versions]
        # compare the two newest versions that have records (else the two newest)
        measured = {r.content_id for r in loaded.records if r.ok}
        with_records = [i for i, v in enumerate(loaded.versions) if v.content_id in measured]
        newer, older = with_records[:2] if len(with_records) >= 2 else (0, 1)
        for combo, index in (
            (self.version_choice, 0),
            (self.compare_a, older),
            (self.compare_b, newer),
        ):
            combo.clear()
            combo.addItems(labels)
            combo.setCurrentIndex(min(index, len(labels) - 1))
        known = {c.text() for c in self.device_checks}
        if known != set(loaded.devices):
            for check in self.device_checks:
                self.device_box.removeWidget(check)
                check.deleteLater()
            self.device_checks = []
            for device in loaded.devices:
                check = named(QCheckBox(device), f"Device {device}")
                check.setChecked(True)
                self.device_box.addWidget(check)
                self.device_checks.append(check)
        self.no_device.setText(loaded.why_no_device)
        self.no_device.setVisible(bool(loaded.why_no_device))
        self.chart.plot(name, loaded.records)
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self.busy.busy and bool(self.versions)
        self.run_button.setEnabled(idle and bool(self.device_checks))
        self.compare_button.setEnabled(idle and len(self.versions) > 1)

    def choose_version(self, number: int) -> None:
        """Pick version ``number`` to run."""
        for i, v in enumerate(self.versions):
            if v.version == number:
                self.version_choice.setCurrentIndex(i)

    # -- running -----------------------------------------------------------------
    def run(self) -> _jobs.Job | None:
        """Benchmark the chosen version on the ticked devices, off the UI thread."""
        self.error.clear_error()
        index = self.version_choice.currentIndex()
        if index < 0 or not self.versions:
            return None
        try:
            shape = parse_shape(self.shape_edit.text())
        except BenchError as exc:
            self.error.show_error(exc)
            return None
        devices = [c.text() for c in self.device_checks if c.isChecked()]
        if not devices:
            self.error.show_error("tick at least one device to run on")
            return None
        version, store = self.versions[index], self.store
        rounds = self.rounds.value() or None
        ref = f"{version.name}@{version.version}"

        path = str(store.path)

        def run(job: _jobs.Job) -> list[BenchRecord]:
            # in a child process: the window must not wait on the code under test
            return bench_in_process(job, path, ref, devices=devices, shapes=[shape], rounds=rounds)

        def cancelled() -> None:
            self.status.setText(f"Benchmark of {ref} cancelled; nothing was stored.")

        job = _jobs.start(
            f"Benchmarking {ref}",
            run,
            done=self._ran,
            failed=self.error.show_error,
            progress=self._progress,
            owner=self,
        )
        job.cancelled.connect(job.guarded(cancelled))
        self._steps = len(devices)
        self._done_steps = 0
        self.busy.track(job)
        self.busy.set_progress(0, self._steps)
        job.when_finished(self._update_buttons)
        self._update_buttons()
        return job

    _steps = 0
    _done_steps = 0

    def _progress(self, text: Any) -> None:
        self._done_steps += 1
        self.busy.set_progress(self._done_steps, self._steps, str(text))

    def _ran(self, records: list[BenchRecord]) -> None:
        self.last_run = records
        lines = []
        for r in records:
            timing = r.time or r.wall
            if r.ok and timing is not None:
                lines.append(f"{r.device} {r.shape_label}: median {seconds_text(timing.median)}")
            else:
                lines.append(f"{r.device} {r.shape_label}: {r.status} ({r.reason})")
        self.status.setText("; ".join(lines))
        self.reload()

    # -- comparing ------------------------------------------------------------------
    def compare(self) -> None:
        """Compare version A with version B: ratio, interval, verdict."""
        a, b = self.compare_a.currentIndex(), self.compare_b.currentIndex()
        if a < 0 or b < 0:
            return
        va, vb, store = self.versions[a], self.versions[b], self.store
        ref_a, ref_b = f"{va.name}@{va.version}", f"{vb.name}@{vb.version}"
        self.error.clear_error()

        def shown(found: list[Comparison]) -> None:
            self.comparisons = found
            self.compare_table.setRowCount(len(found))
            for row, c in enumerate(found):
                iv = c.interval
                cells = [
                    c.label,
                    c.backend,
                    "x".join(str(n) for n in c.shape),
                    seconds_text(c.median_a),
                    seconds_text(c.median_b),
                    _ratio_text(iv),
                    c.verdict,
                ]
                for col, text in enumerate(cells):
                    self.compare_table.setItem(row, col, QTableWidgetItem(text))
            if not found:
                self.status.setText(
                    f"No records to compare: run {ref_a} and {ref_b} on the same device first."
                )

        job = _jobs.start(
            f"Comparing {ref_a} with {ref_b}",
            lambda job: store.bench_compare(ref_a, ref_b),
            done=shown,
            failed=self.error.show_error,
            owner=self,
        )
        self.busy.track(job, cancellable=False)
        job.when_finished(self._update_buttons)


def _ratio_text(iv: RatioInterval) -> str:
    """``0.882 [0.801, 0.970] 99%``, or why there is no interval yet."""
    if math.isinf(iv.high):
        return f"{iv.ratio:.3f} (one run each: run again for an interval)"
    return f"{iv.ratio:.3f} [{iv.low:.3f}, {iv.high:.3f}] {iv.confidence:.0%}"
