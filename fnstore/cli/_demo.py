"""``fnstore demo``: the whole workflow, end to end, in a throw-away home.

The demo never touches the user's real store: it works in a fresh temporary
home (or the empty ``--home DIR`` it is given) and says where that is.  Each
step prints the command a user would type and then runs that very verb, so
what the demo shows is exactly what the verbs print.  It needs only the core
install (numpy templates) and runs in seconds.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fnstore.cli._app import SETUP, CommandError, app, state, ui

# The demo commits under its own name: it must work where git has no
# user.name yet, and its throw-away history should not carry the user's.
DEMO_AUTHOR = "Demo Scientist <demo@example.invalid>"


def _step(number: int, title: str, command: str | None = None) -> None:
    ui().print(f"\n[bold]{number}. {escape(title)}[/bold]")
    if command:
        _command(command)


def _command(command: str) -> None:
    ui().print(f"[dim]$[/dim] [cyan]{escape(command)}[/cyan]")


def _fresh_home(home: Path | None) -> Path:
    if home is None:
        return Path(tempfile.mkdtemp(prefix="fnstore-demo-"))
    home = home.expanduser().resolve()
    store = home / "data" / "functions.git"
    if store.exists() and any(store.iterdir()):
        raise CommandError(
            f"{home} already holds a store; the demo needs a fresh home: "
            "pass a new --home DIR, or leave --home out for a temporary one"
        )
    home.mkdir(parents=True, exist_ok=True)
    return home


_V1_LINE = "    return (np.asarray(image, dtype=np.float32) * scale + offset).astype(np.float32)\n"
_V2_LINES = (
    "    # v2: one float32 copy, scaled in place, instead of three temporaries\n"
    "    out = np.array(image, dtype=np.float32)\n"
    "    out *= scale\n"
    "    out += offset\n"
    "    return out\n"
)


def _second_version(code: str) -> str:
    """Edit the numpy template as a scientist might: a faster body, same result."""
    if _V1_LINE in code:
        return code.replace(_V1_LINE, _V2_LINES)
    # The template changed under us: still make a version the diff can show.
    return code.rstrip("\n") + "\n\n# v2: tuned after the first benchmark\n"


@app.command(rich_help_panel=SETUP)
def demo(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            metavar="DIR",
            file_okay=False,
            help="Run in DIR (must not hold a store yet) instead of a fresh temporary home.",
        ),
    ] = None,
    bench: Annotated[
        bool, typer.Option("--bench/--no-bench", help="Benchmark both versions and plot them.")
    ] = True,
) -> None:
    """Run the whole workflow in a throw-away home: save, list, version, diff, roll back, bench.

    Your own store is never touched: the demo uses a fresh temporary home (or
    --home DIR) and prints where it is, so you can explore it afterwards.
    """
    from fnstore import templates
    from fnstore.cli import _store_cmds as verbs
    from fnstore.paths import default_store_path

    started = time.perf_counter()
    cli = state()
    root = _fresh_home(home if home is not None else cli.home)
    # Everything below, the verbs included, now works in the demo home only.
    os.environ["FNSTORE_HOME"] = str(root)
    store_path = default_store_path()
    cli.store_path = store_path
    work = root / "work"
    work.mkdir(exist_ok=True)
    console = ui()
    console.print(
        f"fnstore demo in [bold]{escape(str(root))}[/bold]; your own store is not touched.\n"
        f"Each command below stands for [cyan]{escape(fnstore_command())} --home "
        f"{escape(str(root))} ...[/cyan]; "
        f"commits are made as {escape(DEMO_AUTHOR)}."
    )

    _step(1, "Create a store (a git repository)", "fnstore init")
    verbs.init()

    name = templates.TEMPLATE_FUNCTION_NAMES["numpy"]
    first = work / f"{name}.py"
    _step(2, "Write a function from the numpy template and save it")
    _command(f"fnstore new {first}")
    verbs.new(first, memory_type=verbs.MemoryTypeName.numpy, force=False)
    _command(f"fnstore save {first} -m 'first version'")
    verbs.save(first, message="first version", module=None, author=DEMO_AUTHOR)

    # Saving runs the code once to check it, and imports an installed backend
    # (seconds for torch or tensorflow): the cupy starter is the cheap way to
    # show a GPU function, saved and listed on a machine that cannot run it.
    gpu = work / f"{templates.TEMPLATE_FUNCTION_NAMES['cupy']}.py"
    _step(3, "Save a GPU (cupy) function too: saving never needs the GPU")
    _command(f"fnstore new {gpu} --memory-type cupy")
    verbs.new(gpu, memory_type=verbs.MemoryTypeName.cupy, force=False)
    _command(f"fnstore save {gpu} -m 'cupy starter'")
    verbs.save(gpu, message="cupy starter", module=None, author=DEMO_AUTHOR)

    _step(4, "List the store: the last column says what can run on this machine")
    _command("fnstore ls")
    verbs.list_functions(rev=None, available=False, as_json=False)

    first.write_text(_second_version(first.read_text(encoding="utf-8")), encoding="utf-8")
    _step(5, "Edit the numpy function and save a second version")
    _command(f"fnstore save {first} -m 'scale in place'")
    verbs.save(first, message="scale in place", module=None, author=DEMO_AUTHOR)

    _step(6, "History", f"fnstore log {name}")
    verbs.log(name, as_json=False)
    _step(7, "What changed", f"fnstore diff {name}@1 {name}@2")
    verbs.diff(f"{name}@1", f"{name}@2")

    _step(8, "Roll back to version 1 (saved as version 3: history is never rewritten)")
    _command(f"fnstore rollback {name} 1")
    verbs.rollback(name, "1", message=None, author=DEMO_AUTHOR)
    _command(f"fnstore log {name}")
    verbs.log(name, as_json=False)

    plot: Path | None = None
    if bench:
        _step(9, "Benchmark versions 1 and 2 on the CPU, compare and plot them")
        plot = _bench(name, root / "bench")

    elapsed = time.perf_counter() - started
    console.print("\n[bold]Where everything is[/bold]")
    console.print(f"home:        {root}", markup=False)
    console.print(f"store (git): {store_path}", markup=False)
    console.print(f"your files:  {work}", markup=False)
    if plot is not None:
        console.print(f"bench plot:  {plot}", markup=False)
    console.print(f"Explore it:  {fnstore_command()} --home {root} ls", markup=False)
    console.print(f"             git --git-dir {store_path} log --stat", markup=False)
    console.print(f"Done in {elapsed:.1f} s.", markup=False)


def fnstore_command() -> str:
    """How to run fnstore from a plain shell: ``fnstore`` only when it is on PATH.

    ``scripts/demo`` installs into ``.venv``, whose ``bin`` is not on PATH
    until activated, so a bare ``fnstore`` there would not be found.
    """
    import shlex
    import shutil
    import sys

    beside = Path(sys.executable).parent / "fnstore"
    found = shutil.which("fnstore")
    if found is not None and (not beside.exists() or Path(found).samefile(beside)):
        return "fnstore"
    if beside.exists():
        return shlex.quote(str(beside))
    return f"{shlex.quote(sys.executable)} -m fnstore"


# Small stacks keep the demo to seconds on a 2-core laptop; the defaults of
# `fnstore bench` (up to 16x2048x2048) are for real measurements.
DEMO_SHAPES = ["4x256x256", "16x512x512"]
DEMO_MIN_TIME = 0.1


def _bench(name: str, plot_dir: Path) -> Path | None:
    """Benchmark versions 1 and 2 on the CPU, compare them and plot the history."""
    from fnstore.cli import _bench_cmds as bench
    from fnstore.errors import FnStoreError

    shapes = " ".join(f"--shape {s}" for s in DEMO_SHAPES)
    refs = (f"{name}@1", f"{name}@2")
    for ref in refs:
        _command(f"fnstore bench {ref} --device cpu {shapes} --min-time {DEMO_MIN_TIME}")
        bench.run(
            ref,
            device=["cpu"],
            shape=DEMO_SHAPES,
            tiff=None,
            dtype="uint16",
            rounds=None,
            min_time=DEMO_MIN_TIME,
            save=True,
            as_json=False,
        )
    # One run of each cannot tell a change from run-to-run noise: four more
    # of each, in turn, give the verdict an interval over runs.
    _command(
        f"fnstore bench compare {refs[0]} {refs[1]} --runs 4 --device cpu {shapes} "
        f"--min-time {DEMO_MIN_TIME}"
    )
    bench.compare(
        *refs,
        runs=4,
        device=["cpu"],
        shape=DEMO_SHAPES,
        min_time=DEMO_MIN_TIME,
        across_machines=False,
        as_json=False,
    )

    # PNG needs matplotlib (the `bench` extra).  Without it ask for SVG, which
    # the bench layer may draw on its own; if it cannot, say how to get the
    # plot rather than fail the whole demo on the core install.
    import importlib.util

    suffix = ".png" if importlib.util.find_spec("matplotlib") is not None else ".svg"
    plot = plot_dir / f"{name}{suffix}"
    _command(f"fnstore bench plot {name} -o {plot}")
    plot_dir.mkdir(parents=True, exist_ok=True)
    try:
        bench.plot(name, output=plot)
    except FnStoreError as exc:
        ui().print(f"No plot: {exc}", markup=False)
        return None
    return plot
