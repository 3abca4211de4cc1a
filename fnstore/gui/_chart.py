"""The benchmark chart: runtime across versions, one line per device and input.

matplotlib's Qt canvas draws it.  matplotlib takes seconds to import on a
cold start, so :func:`load_matplotlib` is run off the UI thread first and
the canvas is made once it is in memory.  Error bars span the interquartile
range of each record's rounds (q1 to q3) around the median.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from fnstore.gui._format import record_seconds
from fnstore.gui._widgets import named

if TYPE_CHECKING:
    from fnstore.bench import BenchRecord

__all__ = ["BenchChart", "load_matplotlib", "series_of"]

# one series: label -> [(version, median s, q1 s, q3 s)], by version
Series = dict[str, list[tuple[int, float, float, float]]]


def load_matplotlib() -> None:
    """Import what the canvas needs (slow on a cold start: call it off the UI thread)."""
    import matplotlib.backends.backend_qtagg
    import matplotlib.figure  # noqa: F401


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


class BenchChart(QWidget):
    """Median runtime per version with IQR error bars; empty until :meth:`plot`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas: Any = None
        self.series: Series = {}
        self.placeholder = named(QLabel("No benchmark records yet."), "Chart status")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.placeholder)

    def ensure_canvas(self) -> None:
        """Make the canvas (matplotlib must be imported already to keep this quick)."""
        if self.canvas is not None:
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=(6, 3.2), layout="constrained")
        self.canvas = FigureCanvasQTAgg(figure)  # type: ignore[no-untyped-call]
        named(self.canvas, "Runtime by version chart")
        self._layout.addWidget(self.canvas, 1)

    def plot(self, name: str, records: list[BenchRecord]) -> None:
        """Draw the records of every version of ``name``."""
        self.series = series_of(records)
        self.placeholder.setVisible(not self.series)
        if not self.series:
            self.placeholder.setText(f"No benchmark records of {name} yet: run one above.")
        self.ensure_canvas()
        figure = self.canvas.figure
        figure.clear()
        axes = figure.add_subplot()
        versions: set[int] = set()
        for label, points in self.series.items():
            xs = [p[0] for p in points]
            ys = [p[1] * 1e3 for p in points]
            low = [(p[1] - p[2]) * 1e3 for p in points]
            high = [(p[3] - p[1]) * 1e3 for p in points]
            axes.errorbar(xs, ys, yerr=[low, high], marker="o", capsize=3, label=label)
            versions.update(xs)
        axes.set_xlabel("version")
        axes.set_ylabel("median runtime (ms)")
        axes.set_title(f"{name}: runtime by version (bars: interquartile range)", fontsize=10)
        if versions:
            axes.set_xticks(sorted(versions))
            axes.set_ylim(bottom=0)
            axes.legend(fontsize=8)
        axes.grid(True, alpha=0.3)
        self.canvas.draw()  # now: a deferred draw could outlive a closed view

    def points(self) -> dict[str, list[int]]:
        """Return the versions plotted per series (for tests and tooltips)."""
        return {label: [p[0] for p in pts] for label, pts in self.series.items()}
