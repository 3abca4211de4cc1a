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

from fnstore.cli._app import SETUP, CommandError, app, state, ui

FIRST = "demo_filters"


def _step(number: int, title: str, command: str | None = None) -> None:
    console = ui()
    console.rule(f"[bold]{number}. {title}")
    if command:
        console.print(f"[dim]$[/dim] [cyan]{command}[/cyan]", markup=True, highlight=False)


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


def _second_version(code: str) -> str:
    """Edit a template plausibly, so that the diff has something to show."""
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
    from fnstore.cli import _store_cmds as verbs
    from fnstore.paths import default_store_path

    started = time.perf_counter()
    cli = state()
    root = _fresh_home(home if home is not None else cli.home)
    os.environ["FNSTORE_HOME"] = str(root)
    store_path = default_store_path()
    cli.store_path = store_path
    work = root / "work"
    work.mkdir(exist_ok=True)
    console = ui()
    console.print(
        f"fnstore demo in [bold]{root}[/bold] (your own store is not touched).\n"
        f"Every command below runs as [cyan]fnstore --home {root} ...[/cyan]",
        markup=True,
    )

    _step(1, "Create a store", "fnstore init")
    verbs.init()

    first = work / f"{FIRST}.py"
    _step(2, "Write a function from the numpy template", f"fnstore new {first}")
    verbs.new(first, memory_type=verbs.MemoryTypeName.numpy, force=False)
    _step(3, "Save it (a git commit)", f"fnstore save {first} -m 'first version'")
    verbs.save(first, message="first version", module=None, author=None)

    _step(4, "List the store", "fnstore ls")
    verbs.list_functions(rev=None, as_json=False)

    from fnstore.store import open_store

    store = open_store(store_path, create=False)
    name = store.functions()[0].functions[0].name
    first.write_text(_second_version(first.read_text(encoding="utf-8")), encoding="utf-8")
    _step(5, "Edit and save a second version", f"fnstore save {first} -m 'tune it'")
    verbs.save(first, message="tune it", module=None, author=None)

    _step(6, "History", f"fnstore log {name}")
    verbs.log(name, as_json=False)
    _step(7, "What changed", f"fnstore diff {name}@1 {name}@2")
    verbs.diff(f"{name}@1", f"{name}@2")
    _step(
        8, "Roll back to version 1 (a new version 3; history is kept)", f"fnstore rollback {name} 1"
    )
    verbs.rollback(name, "1", message=None, author=None)
    verbs.log(name, as_json=False)

    plot: Path | None = None
    if bench:
        _step(9, "Benchmark versions 1 and 2 on the CPU, and plot them")
        plot = _bench(store, name, root / "bench" / f"{name}.png")

    elapsed = time.perf_counter() - started
    console.rule("[bold]Where everything is")
    console.print(f"home:        {root}", markup=False)
    console.print(f"store (git): {store_path}", markup=False)
    console.print(f"your file:   {first}", markup=False)
    if plot is not None:
        console.print(f"bench plot:  {plot}", markup=False)
    console.print(
        f"Explore it:  fnstore --home {root} ls   |   git --git-dir {store_path} log --stat",
        markup=False,
    )
    console.print(f"Done in {elapsed:.1f} s.", markup=False)


def _bench(store: object, name: str, plot: Path) -> Path | None:
    """Benchmark v1 and v2, compare them and plot; skipped until fnstore.bench lands."""
    console = ui()
    run = getattr(store, "bench", None)
    if run is None:
        console.print("Benchmarks are not part of this build yet; skipped.")
        return None
    return None
