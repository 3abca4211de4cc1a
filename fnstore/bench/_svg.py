"""A plain SVG runtime plot for installs without matplotlib.

The core install has no matplotlib, yet ``fnstore demo`` and ``fnstore bench
plot NAME -o x.svg`` should still draw something.  This writes the same
picture as :mod:`fnstore.bench._plot` in its simplest form: one panel per
input, one line per device and machine, median per version with IQR error
bars, on a linear axis from 0.  SVG is text, so a few lines of string
formatting suffice; PNG needs matplotlib.
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from fnstore.bench._records import BenchRecord

__all__ = ["time_unit", "write_svg"]

_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


def time_unit(seconds: Iterable[float]) -> tuple[float, str]:
    """Return ``(factor, unit)`` for an axis of these times: the largest reads 1 to 999.

    A 12 µs function plotted in ms reads "0.012"; both plot writers use this.
    """
    top = max(seconds, default=0.0)
    for size, unit in _UNITS:
        if top >= size:
            return 1 / size, unit
    return 1e9, "ns"


_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
_W, _PANEL_H, _LEFT, _RIGHT, _TOP, _BOTTOM = 640, 240, 70, 20, 50, 45


def _nice_step(top: float) -> float:
    """Return a round tick step giving about five ticks up to ``top``."""
    raw = top / 5
    power = 10.0 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw))


def _panel(
    y0: float, name: str, lines: dict[str, dict[int, BenchRecord]], versions: list[int]
) -> list[str]:
    out = [f'<text x="{_W / 2}" y="{y0 + 16}" text-anchor="middle">{escape(name)}</text>']
    scale, unit = time_unit(
        r.time.median for by_version in lines.values() for r in by_version.values() if r.time
    )
    times = [
        (r.time.q3 if r.time else 0.0) * scale
        for by_version in lines.values()
        for r in by_version.values()
    ]
    top = max(times, default=1.0) * 1.1 or 1.0
    step = _nice_step(top)
    x_left, x_right = _LEFT, _W - _RIGHT
    y_top, y_bottom = y0 + 28, y0 + _PANEL_H - _BOTTOM

    def x_of(version: int) -> float:
        if len(versions) == 1:
            return (x_left + x_right) / 2
        span = versions[-1] - versions[0]
        return x_left + (version - versions[0]) / span * (x_right - x_left - 20) + 10

    def y_of(value: float) -> float:
        return y_bottom - value / top * (y_bottom - y_top)

    out.append(
        f'<rect x="{x_left}" y="{y_top}" width="{x_right - x_left}" '
        f'height="{y_bottom - y_top}" fill="none" stroke="#444"/>'
    )
    tick = 0.0
    while tick <= top:
        y = y_of(tick)
        out.append(f'<line x1="{x_left}" x2="{x_right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x_left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
        tick += step
    for v in versions:
        out.append(f'<text x="{x_of(v):.1f}" y="{y_bottom + 16}" text-anchor="middle">{v}</text>')
    out.append(
        f'<text x="16" y="{(y_top + y_bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(y_top + y_bottom) / 2})">median time ({unit})</text>'
    )
    for i, (label, by_version) in enumerate(sorted(lines.items())):
        colour = _COLOURS[i % len(_COLOURS)]
        points = []
        for v in sorted(by_version):
            t = by_version[v].time
            if t is None:
                continue
            x = x_of(v)
            points.append(f"{x:.1f},{y_of(t.median * scale):.1f}")
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_of(t.q1 * scale):.1f}" '
                f'y2="{y_of(t.q3 * scale):.1f}" stroke="{colour}"/>'
            )
            out.append(
                f'<circle cx="{x:.1f}" cy="{y_of(t.median * scale):.1f}" r="3" fill="{colour}"/>'
            )
        out.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}"/>')
        y_label = y_top + 14 + 14 * i
        out.append(f'<text x="{x_left + 8}" y="{y_label}" fill="{colour}">{escape(label)}</text>')
    return out


def write_svg(
    panels: dict[str, dict[str, dict[int, BenchRecord]]], names: list[str], path: Path, title: str
) -> Path:
    """Write the runtime plot of ``panels`` (input -> line -> version -> record) as SVG."""
    versions = sorted({v for name in names for line in panels[name].values() for v in line})
    height = _TOP + _PANEL_H * len(names) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{_W}" height="{height}" fill="white"/>',
        f'<text x="{_W / 2}" y="22" text-anchor="middle" font-size="13">'
        f"{escape(title)}: runtime by version (error bars: interquartile range)</text>",
    ]
    for i, name in enumerate(names):
        parts.extend(_panel(_TOP - 10 + i * _PANEL_H, name, panels[name], versions))
    parts.append(f'<text x="{_W / 2}" y="{height - 6}" text-anchor="middle">version</text>')
    parts.append("</svg>")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + "\n".join(parts) + "\n")
    return path
