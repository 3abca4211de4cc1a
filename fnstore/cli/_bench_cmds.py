"""The benchmark verbs: ``fnstore bench REF``, ``bench compare``, ``bench plot``...

``fnstore bench blur@7`` times a version on every device here (with a progress
bar) and stores the figures as git notes; ``fnstore bench compare blur@6
blur@7`` says, per machine, device and input, whether 7 is faster;
``fnstore bench plot blur`` draws runtime across versions; ``bench history``
lists the records and ``bench export`` writes them for ``pytest-benchmark
compare``.  ``bench REF`` is shorthand for ``bench run REF``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from fnstore.cli._app import BENCH, JsonFlag, app, open_cli_store, print_json, progress, table, ui

if TYPE_CHECKING:
    from typer._click import Context  # typer vendors click; only for the type

    from fnstore.bench import BenchRecord, Comparison


class _BenchGroup(TyperGroup):
    """``fnstore bench REF ...`` means ``fnstore bench run REF ...``."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


bench_app = typer.Typer(
    cls=_BenchGroup,
    help="Time versions on every CPU and GPU device here; compare and plot them.\n\n"
    "[bold]fnstore bench blur@7[/bold] times version 7; "
    "[bold]fnstore bench compare blur@6 blur@7[/bold] says whether 7 is faster; "
    "[bold]fnstore bench plot blur[/bold] draws runtime across versions. "
    "[bold]fnstore bench REF[/bold] is short for [bold]fnstore bench run REF[/bold].",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(bench_app, name="bench", rich_help_panel=BENCH)


def _shape(text: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(n) for n in text.lower().split("x"))
    except ValueError:
        dims = ()
    if len(dims) != 3 or min(dims) < 1:
        raise typer.BadParameter(
            f"{text!r} is not a shape like 16x2048x2048 (planes x rows x cols)"
        )
    return dims


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def _record_row(r: BenchRecord) -> list[object]:
    t = r.time
    return [
        f"{r.function}@{r.version}",
        r.backend,
        r.device,
        r.shape_label + ("" if r.input == "synthetic" else f" ({r.input})"),
        r.status if r.ok else f"{r.status}: {r.reason}",
        _ms(t.median) if t else "",
        _ms(t.iqr) if t else "",
        f"{_ms(t.mean)} ± {_ms(t.std)}" if t else "",
        t.rounds if t else "",
        r.machine.hostname,
    ]


_RECORD_COLUMNS = [
    "version",
    "backend",
    "device",
    "shape",
    "status",
    "median",
    "IQR",
    "mean ± std",
    "rounds",
    "machine",
]


def _record_json(r: BenchRecord) -> dict[str, Any]:
    data: dict[str, Any] = r.model_dump(mode="json")
    for timing in ("time", "wall"):
        if data.get(timing):
            data[timing].pop("samples", None)  # figures for scripts; samples stay in the notes
    return data


@bench_app.command("run")
def run(
    ref: Annotated[str, typer.Argument(help="The version: name, name@3, name@<tag>...")],
    device: Annotated[
        list[str] | None,
        typer.Option(
            "--device",
            "-d",
            help="Only this device or kind: cpu, gpu, cuda:0, opencl:0 (repeatable).",
        ),
    ] = None,
    shape: Annotated[
        list[str] | None,
        typer.Option(
            "--shape",
            "-s",
            metavar="ZxYxX",
            help="Synthetic stack shape (repeatable; default 1x512x512 and 16x2048x2048).",
        ),
    ] = None,
    tiff: Annotated[
        list[Path] | None,
        typer.Option(
            "--tiff",
            help="Time on this TIFF stack instead (repeatable).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    dtype: Annotated[
        str, typer.Option("--dtype", help="dtype of the synthetic stacks.")
    ] = "uint16",
    rounds: Annotated[
        int | None, typer.Option("--rounds", "-n", min=1, help="Measured rounds (at least).")
    ] = None,
    min_time: Annotated[
        float | None,
        typer.Option(
            "--min-time", min=0.0, help="Seconds of measured time to reach per device and shape."
        ),
    ] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Store the records as git notes.")
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Time version REF on every device its memory type can use here, and keep the figures."""
    shapes: list[Any] = [_shape(s) for s in shape or []]
    shapes.extend(tiff or [])
    store = open_cli_store()
    with progress(f"benchmarking {ref}") as advance:
        records = store.bench(
            ref,
            devices=device or None,
            shapes=shapes or None,
            dtype=dtype,
            rounds=rounds,
            min_time=min_time,
            save=save,
            progress=advance,
        )
    if as_json:
        print_json([_record_json(r) for r in records])
        return
    ui().print(table(_RECORD_COLUMNS, [_record_row(r) for r in records]))
    stored = sum(r.ok for r in records)
    if save and stored:
        ui().print(f"Stored {stored} record(s) as git notes on {records[0].content_id[:10]}.")


def _comparison_row(c: Comparison) -> list[object]:
    iv = c.interval
    return [
        c.label,
        c.backend,
        "x".join(map(str, c.shape)),
        _ms(c.median_a),
        _ms(c.median_b),
        f"{iv.runs_a} / {iv.runs_b}",
        f"{iv.ratio:.3f} [{iv.low:.3f}, {iv.high:.3f}]",
        c.verdict,
    ]


def _comparison_json(c: Comparison) -> dict[str, Any]:
    return {
        "function": c.function,
        "version_a": c.version_a,
        "version_b": c.version_b,
        "backend": c.backend,
        "device": c.device,
        "shape": list(c.shape),
        "dtype": c.dtype,
        "input": c.input,
        "machine_a": c.machine_a,
        "machine_b": c.machine_b,
        "across_machines": c.across_machines,
        "median_a": c.median_a,
        "median_b": c.median_b,
        "ratio": c.interval.ratio,
        "ci_low": c.interval.low,
        "ci_high": c.interval.high,
        "confidence": c.interval.confidence,
        "runs_a": c.interval.runs_a,
        "runs_b": c.interval.runs_b,
        "verdict": c.verdict,
    }


@bench_app.command("compare")
def compare(
    ref_a: Annotated[str, typer.Argument(metavar="A", help="The baseline, e.g. blur@6.")],
    ref_b: Annotated[str, typer.Argument(metavar="B", help="The candidate, e.g. blur@7.")],
    runs: Annotated[
        int,
        typer.Option(
            "--runs",
            min=0,
            help="First run A and B in turn, this many times each (stored), then compare.",
        ),
    ] = 0,
    device: Annotated[
        list[str] | None,
        typer.Option("--device", "-d", help="With --runs: only this device or kind."),
    ] = None,
    shape: Annotated[
        list[str] | None,
        typer.Option("--shape", "-s", metavar="ZxYxX", help="With --runs: the stack shape."),
    ] = None,
    min_time: Annotated[
        float | None,
        typer.Option("--min-time", min=0.0, help="With --runs: seconds per device and shape."),
    ] = None,
    across_machines: Annotated[
        bool,
        typer.Option(
            "--across-machines", help="Also compare records made on different machines (labelled)."
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Say whether B is faster than A, per machine, device and shape (ratio = B / A).

    Every stored run of A and of B counts, and the interval comes from how much
    runs differ: one run of each gives "no clear difference". --runs N runs A
    and B in turn N times each first (interleaved, as asv and pyperf do).
    """
    store = open_cli_store()
    shapes: list[Any] = [_shape(s) for s in shape or []]
    if runs:
        with progress(f"running {ref_a} and {ref_b} in turn, {runs} times each") as advance:
            for _ in range(runs):
                for ref in (ref_a, ref_b):
                    store.bench(
                        ref,
                        devices=device or None,
                        shapes=shapes or None,
                        min_time=min_time,
                        progress=advance,
                    )
    results = store.bench_compare(ref_a, ref_b, across_machines=across_machines)
    if as_json:
        print_json([_comparison_json(c) for c in results])
        return
    first = results[0]
    columns = [
        "where",
        "backend",
        "shape",
        f"@{first.version_a}",
        f"@{first.version_b}",
        "runs",
        f"ratio [{first.interval.confidence:.0%} CI]",
        "verdict",
    ]
    ui().print(
        table(columns, [_comparison_row(c) for c in results], title=f"{ref_b} against {ref_a}")
    )
    if any(c.interval.runs_a < 2 and c.interval.runs_b < 2 for c in results):
        ui().print(
            "One run of each cannot tell a change from run-to-run noise: run "
            f"`fnstore bench compare {ref_a} {ref_b} --runs 5` to measure both in turn.",
            markup=False,
        )


@bench_app.command("plot")
def plot(
    name: Annotated[str, typer.Argument(help="The function.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="PNG or SVG file (default: NAME-bench.png)."),
    ] = None,
) -> None:
    """Plot the runtime of every version of NAME per device, with IQR error bars."""
    store = open_cli_store()
    path = store.bench_plot(name, output or Path(f"{name}-bench.png"))
    ui().print(f"Wrote {path}")


@bench_app.command("history")
def history(
    name: Annotated[str, typer.Argument(help="The function.")], as_json: JsonFlag = False
) -> None:
    """List the stored benchmark records of every version of NAME."""
    store = open_cli_store()
    records = store.bench_history(name)
    if as_json:
        print_json([_record_json(r) for r in records])
        return
    if not records:
        ui().print(f"No benchmark records for {name}: run  fnstore bench {name}")
        return
    ui().print(table(_RECORD_COLUMNS, [_record_row(r) for r in records]))


@bench_app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="The function.")],
    output: Annotated[Path, typer.Argument(help="The JSON file to write.", dir_okay=False)],
) -> None:
    """Write NAME's records as pytest-benchmark JSON (read by `pytest-benchmark compare`)."""
    store = open_cli_store()
    path = store.bench_export(name, output)
    ui().print(f"Wrote {path}: view it with  pytest-benchmark compare {path}")
