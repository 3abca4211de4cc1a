"""The benchmark chart: runtime across versions, one line per device and input.

matplotlib draws it, but never on the UI thread: importing matplotlib takes
seconds on a cold start, and drawing this small chart with constrained
layout took about 300 ms on the UI thread (measured during a bench run,
beyond the 100 ms the window may stall).  So the figure is rendered by
matplotlib's Agg renderer in a worker (:func:`render`) at the widget's
pixel size, and the widget shows the finished image; a resize renders it
again, shortly after the resizing stops.  Error bars span the
interquartile range of each record's rounds (q1 to q3) around the median.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QImage, QPixmap, QResizeEvent
from PyQt6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from fnstore.gui import _jobs
from fnstore.gui._format import record_seconds
from fnstore.gui._widgets import named

if TYPE_CHECKING:
    from fnstore.bench import BenchRecord

__all__ = ["BenchChart", "render", "series_of"]

# one series: label -> [(version, median s, q1 s, q3 s)], by version
Series = dict[str, list[tuple[int, float, float, float]]]


def series_of(records: list[BenchRecord]) -> Series:
    """Group successful records per device and input (and machine, when several ran them)."""
    ok = [r for r in records if r.ok]
    machines = {r.machine.machine_id for r in ok}
    latest: dict[tuple[str, int], BenchRecord] = {}
    for r in sorted(ok, key=lambda r: r.created):
        label = f"{r.device} {r.shape_label}"
        if len(machines) > 1:
            label += f" on {r.machine.hostname}"
        latest[(label, r.version)] = r
    series: Series = {}
    for (label, version), record in sorted(latest.items()):
        timing = record_seconds(record)
        if timing is not None:
            q1, median, q3 = timing
            series.setdefault(label, []).append((version, median, q1, q3))
    return series


def render(title: str, series: Series, width: int, height: int, ratio: float) -> QImage:
    """Draw the chart with matplotlib's Agg renderer (any thread): an image of that size."""
    with _RENDER_LOCK:  # matplotlib's global state (fonts, caches) is not thread-safe
        return _render(title, series, width, height, ratio)


_RENDER_LOCK = threading.Lock()


def _render(title: str, series: Series, width: int, height: int, ratio: float) -> QImage:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 96.0 * ratio
    figure = Figure(
        figsize=(width * ratio / dpi, height * ratio / dpi), dpi=dpi, layout="constrained"
    )
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    versions: set[int] = set()
    for label, points in series.items():
        xs = [p[0] for p in points]
        ys = [p[1] * 1e3 for p in points]
        low = [(p[1] - p[2]) * 1e3 for p in points]
        high = [(p[3] - p[1]) * 1e3 for p in points]
        axes.errorbar(xs, ys, yerr=[low, high], marker="o", capsize=3, label=label)
        versions.update(xs)
    axes.set_xlabel("version")
    axes.set_ylabel("median runtime (ms)")
    axes.set_title(title, fontsize=10)
    if versions:
        axes.set_xticks(sorted(versions))
        axes.set_ylim(bottom=0)
        axes.legend(fontsize=8)
    axes.grid(True, alpha=0.3)
    canvas.draw()  # type: ignore[no-untyped-call]
    w, h = canvas.get_width_height(physical=True)
    data = bytes(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    image = QImage(data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()  # owns its bytes
    image.setDevicePixelRatio(ratio)
    return image


class BenchChart(QWidget):
    """Median runtime per version with IQR error bars; empty until :meth:`plot`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: Series = {}
        self.title = ""
        self.image = named(QLabel("No benchmark records yet."), "Runtime by version chart")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image.setMinimumHeight(160)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.image)
        self.rendered = 0  # images shown so far (tests wait on it)
        self._resized = QTimer(self)
        self._resized.setSingleShot(True)
        self._resized.setInterval(200)
        self._resized.timeout.connect(self._render)

    def plot(self, name: str, records: list[BenchRecord]) -> None:
        """Draw the records of every version of ``name`` (rendered off the UI thread)."""
        self.series = series_of(records)
        self.title = f"{name}: runtime by version (bars: interquartile range)"
        if not self.series:
            self.image.setPixmap(QPixmap())
            self.image.setText(f"No benchmark records of {name} yet: run one above.")
            return
        self._render()

    def _render(self) -> None:
        if not self.series:
            return
        title, series = self.title, dict(self.series)
        width, height = max(self.image.width(), 320), max(self.image.height(), 200)
        ratio = self.devicePixelRatioF()
        _jobs.start(
            "Drawing the chart",
            lambda job: render(title, series, width, height, ratio),
            done=self._show,
            owner=self,
        )

    def _show(self, image: QImage) -> None:
        self.image.setPixmap(QPixmap.fromImage(image))
        self.rendered += 1

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        """Render again at the new size once the resizing pauses."""
        super().resizeEvent(event)
        if self.series:
            self._resized.start()

    def points(self) -> dict[str, list[int]]:
        """Return the versions plotted per series (for tests and tooltips)."""
        return {label: [p[0] for p in pts] for label, pts in self.series.items()}
