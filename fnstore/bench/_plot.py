"""Plotting runtime across versions: one panel per input, one line per device.

matplotlib is imported here only, with the non-interactive Agg backend chosen
through ``matplotlib.figure.Figure`` (no pyplot, so no GUI backend is ever
touched and nothing leaks into a global figure list).  Error bars span the
interquartile range around the median, the same robust figures the
comparisons use.  The file type follows the path's suffix: PNG or SVG; without
matplotlib (the core install) SVG is still written, by :mod:`fnstore.bench._svg`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fnstore.bench._svg import time_unit
from fnstore.errors import BenchError, MissingDependencyError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from fnstore.bench._records import BenchRecord

__all__ = ["SUFFIXES", "plot_records"]

SUFFIXES = (".png", ".svg")


def _series(records: Iterable[BenchRecord]) -> dict[str, dict[str, dict[int, BenchRecord]]]:
    """Input label -> line label -> version -> latest record."""
    panels: dict[str, dict[str, dict[int, BenchRecord]]] = {}
    for r in records:
        if not r.ok:
            continue
        panel = f"{r.shape_label} {r.dtype}" + ("" if r.input == "synthetic" else f" ({r.input})")
        line = f"{r.backend} {r.device} on {r.machine.hostname}"
        versions = panels.setdefault(panel, {}).setdefault(line, {})
        known = versions.get(r.version)
        if known is None or r.created > known.created:
            versions[r.version] = r
    return panels


def plot_records(
    records: Iterable[BenchRecord], path: str | Path, *, title: str, plain: bool = False
) -> Path:
    """Draw median runtime per version with IQR error bars and save it to ``path``.

    Parameters
    ----------
    records
        Benchmark records of one function (all versions, devices, machines).
    path
        Where to write the figure; ``.png`` or ``.svg``.
    title
        Figure title, usually the function name.
    plain
        Write SVG with fnstore's own plain writer even when matplotlib is
        installed (it is always used for SVG when matplotlib is not).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    BenchError
        An unsupported suffix, or no successful records to plot.
    MissingDependencyError
        A PNG was asked for and matplotlib is not installed.
    """
    out = Path(path).expanduser()
    if out.suffix.lower() not in SUFFIXES:
        raise BenchError(f"cannot plot to {out.name}: give a path ending in .png or .svg")
    panels = _series(records)
    if not panels:
        raise BenchError(f"no benchmark records for {title}: run `fnstore bench {title}` first")
    # smallest stack first: sort by the shape's numbers, not its text
    names = sorted(panels, key=lambda p: ([int(n) for n in p.split()[0].split("x")], p))
    svg = out.suffix.lower() == ".svg"
    try:
        if plain:
            raise ImportError("the plain SVG writer was asked for")
        from matplotlib.figure import Figure
    except ImportError as exc:
        if not svg:
            raise MissingDependencyError(
                "matplotlib", extra="bench", why="to plot PNG files (.svg works without it)"
            ) from exc
        from fnstore.bench._svg import write_svg

        out.parent.mkdir(parents=True, exist_ok=True)
        return write_svg(panels, names, out, title)

    fig = Figure(figsize=(7, 3.2 * len(names)), layout="constrained")
    axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
    all_versions: set[int] = set()
    for ax, name in zip(axes, names, strict=True):
        spans: list[float] = []
        # the unit follows the data: a 12 µs function reads 12 µs, not 0.012 ms
        scale, unit = time_unit(
            r.time.median for line in panels[name].values() for r in line.values() if r.time
        )
        for line, by_version in sorted(panels[name].items()):
            versions = sorted(by_version)
            all_versions.update(versions)
            timings = [by_version[v].time for v in versions]
            medians = [t.median * scale for t in timings if t is not None]
            below = [(t.median - t.q1) * scale for t in timings if t is not None]
            above = [(t.q3 - t.median) * scale for t in timings if t is not None]
            ax.errorbar(versions, medians, yerr=[below, above], marker="o", capsize=3, label=line)
            spans.extend(medians)
        ax.set_title(name, fontsize="medium")
        ax.set_ylabel(f"median time ({unit})")
        # A GPU line 100x below the CPU line needs a log axis; within one
        # decade a linear axis from 0 shows the size of a change honestly.
        if spans and max(spans) > 10 * min(spans) > 0:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    for ax in axes:
        ax.set_xticks(sorted(all_versions))
    axes[-1].set_xlabel("version")
    fig.suptitle(f"{title}: runtime by version (error bars: interquartile range)")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format=out.suffix.lower().lstrip("."), dpi=110)
    return out
