"""The ``fnstore`` typer app: global options, the error boundary, output helpers.

Every verb of the command line is registered on :data:`app`, defined here.  The
verbs live in their own modules of :mod:`fnstore.cli` and are registered simply
by being imported from ``fnstore/cli/__init__.py``.

Adding verbs (for the registry, sync and bench work)
----------------------------------------------------
A top-level verb is a function decorated with ``@app.command()``::

    # fnstore/cli/_sync_cmds.py
    \"\"\"The lab-sync verbs: remote, fetch, pull, push, resolve.\"\"\"
    from typing import Annotated

    import typer

    from fnstore.cli._app import SYNC, app, open_cli_store, ui

    @app.command(rich_help_panel=SYNC)
    def fetch(remote: Annotated[str, typer.Argument(help="...")] = "origin") -> None:
        \"\"\"Fetch a lab repository's functions without merging them.\"\"\"
        store = open_cli_store()
        ...

A verb with sub-verbs (``fnstore bench compare A B``) is a sub-app added with
``app.add_typer(bench_app, name="bench", rich_help_panel=BENCH)``.  Then add one
line to ``fnstore/cli/__init__.py``: ``from fnstore.cli import _sync_cmds``.

Rules the helpers below make easy to keep:

- Raise :class:`fnstore.errors.FnStoreError` (a subclass) for anything a user
  can cause; the boundary prints it as ONE line on stderr and exits 1 (an
  ``OSError`` that escapes a verb is printed the same way).  Only
  ``--debug`` shows the traceback.  Usage errors (``typer.BadParameter``)
  exit 2.  Never call ``sys.exit`` in a verb.
- Open the store with :func:`open_cli_store` so ``--store``/``--home`` apply.
- Print through :func:`ui` (rich, stdout), with ``markup=False`` (or
  ``rich.markup.escape``) around paths and user text, and tables through
  :func:`table`, which never reads cells as markup.  Listing verbs take
  ``as_json: JsonFlag`` and call :func:`print_json`; their JSON is stable.
- A failure of the command line itself (a file in the way...) is a
  :class:`CommandError`.
- Wrap anything that may take over a second in :func:`progress`; the bar goes
  to stderr (so ``--json`` output stays clean) and only when it is a terminal.
- Do not ``import click``: typer (0.29 here) vendors its own copy and click
  is not installed with the core install.  Use ``typer.echo``, ``typer.Exit``,
  ``typer.BadParameter``; for a type annotation, ``typer._click.Context``
  under ``TYPE_CHECKING`` (as :class:`_BoundaryGroup` does).
- Import heavy modules (pygit2 via :mod:`fnstore.store`, numpy, matplotlib)
  inside the verb, not at module level: ``fnstore --help`` must stay fast.
  Annotations of verb parameters are evaluated by typer at run time, so use
  only built-in types, :class:`pathlib.Path` and ``Annotated[...]`` there.
"""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path  # noqa: TC003  (typer reads verb annotations at run time)
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from fnstore.errors import FnStoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from rich.console import Console
    from rich.table import Table
    from typer._click import Context  # typer vendors click; only for the type

    from fnstore._facade import FunctionStore

__all__ = [
    "BENCH",
    "HISTORY",
    "REGISTRY",
    "SETUP",
    "SYNC",
    "WORK",
    "CliState",
    "CommandError",
    "JsonFlag",
    "app",
    "err",
    "main",
    "open_cli_store",
    "print_json",
    "progress",
    "state",
    "table",
    "ui",
]

# Help panels, in the order `fnstore --help` shows them (first use fixes order).
SETUP = "Set up and check"
WORK = "Write and save functions"
HISTORY = "History and versions"
REGISTRY = "Registry and pins"
SYNC = "Lab sync"
BENCH = "Benchmarks"

JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")
]


@dataclass
class CliState:
    """What the global options decided for this invocation."""

    debug: bool = False
    store_path: Path | None = None
    home: Path | None = None  # only when given as --home, not read from the environment


_state = CliState()


def state() -> CliState:
    """Return the global options of the running invocation."""
    return _state


class CommandError(FnStoreError):
    """A command-line action that cannot be done as asked.

    For failures that belong to the command line itself (a file that exists
    already, an editor that failed); failures of the store and the other
    layers already raise their own :class:`FnStoreError` subclasses.
    """


_PANELS = [SETUP, WORK, HISTORY, REGISTRY, SYNC, BENCH]
_ORDER = ["demo", "init", "doctor", "new", "save", "edit", "ls", "show", "log", "diff"]


class _BoundaryGroup(TyperGroup):
    """The root command group; its ``invoke`` is the CLI's error boundary.

    Catching here (rather than around ``app()`` in :func:`main`) means the
    boundary also holds under ``typer.testing.CliRunner``, so tests see
    exactly what a user sees.
    """

    def list_commands(self, ctx: Context) -> list[str]:
        # Help panels appear in the order of their first command, and the
        # verb modules are imported in alphabetical order: sort by panel so
        # `fnstore --help` reads from setting up to benchmarking.
        names = super().list_commands(ctx)

        def rank(name: str) -> tuple[int, int]:
            panel = getattr(self.commands[name], "rich_help_panel", None)
            where = _PANELS.index(panel) if panel in _PANELS else len(_PANELS)
            # Within a panel: the workflow order below, then registration order.
            return where, _ORDER.index(name) if name in _ORDER else len(_ORDER)

        return sorted(names, key=rank)

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except FnStoreError as exc:
            _report(exc, debug=bool(ctx.params.get("debug")) or _state.debug)
            ctx.exit(1)
        except OSError as exc:
            # A file the user named, a full disk, a permission: the user's to
            # fix, so one line too.  (FnStoreError subclasses such as
            # StoreNotFoundError are OSErrors as well; they were caught above.)
            where = f": {exc.filename}" if exc.filename else ""
            problem = CommandError(
                f"{exc.strerror or exc}{where} (check the path, its permissions and free space)"
            )
            problem.__cause__ = exc
            _report(problem, debug=bool(ctx.params.get("debug")) or _state.debug)
            ctx.exit(1)


def _one_line(text: str) -> str:
    # A message that spans lines breaks `2>err.log; head -1` style scripts and
    # is easy to miss among other output: fold it.
    return " ".join(text.split())


# The lower layers word their hints for Python callers ("list them with
# store.functions()"); at the command line the same hint is a verb.
_VERB_HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"fnstore\.open_store\([^)]*\)"), "`fnstore init`"),
    (re.compile(r"store\.functions\(\)"), "`fnstore ls`"),
    (re.compile(r"store\.history\('([^']*)'\)"), r"`fnstore log \1`"),
    (re.compile(r"store\.history\(name\)"), "`fnstore log NAME`"),
    (re.compile(r"store\.tags\(\)"), "`fnstore tag list`"),
    (re.compile(r"store\.save\(code\)"), "`fnstore save FILE`"),
    (re.compile(r"store\.remove_remote\('([^']*)'\)"), r"`fnstore remote rm \1`"),
]


def cli_hints(message: str) -> str:
    """Reword a message's Python-API hints as the verbs that do the same."""
    for pattern, verb in _VERB_HINTS:
        message = pattern.sub(verb, message)
    return message


def _report(exc: FnStoreError, *, debug: bool) -> None:
    if debug:
        typer.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
    message = cli_hints(_one_line(str(exc))) or type(exc).__name__
    # Plain typer.echo, not rich: rich would wrap the line and read [..] as markup.
    typer.echo(f"error: {message}", err=True)


app = typer.Typer(
    name="fnstore",
    cls=_BoundaryGroup,
    help=(
        "A versioned store for image-processing functions, backed by git.\n\n"
        "Start with [bold]fnstore demo[/bold] (runs in a throw-away home), then "
        "[bold]fnstore init[/bold], [bold]fnstore new blur.py[/bold] and "
        "[bold]fnstore save blur.py -m 'first version'[/bold]."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    # Locals may hold a scientist's code; never dump them with a traceback.
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        from fnstore._version import __version__

        typer.echo(f"fnstore {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="FNSTORE_DEBUG",
            help="Show the full traceback when something fails.",
        ),
    ] = False,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            metavar="DIR",
            help="Keep all fnstore data under DIR (sets FNSTORE_HOME) instead of "
            "the user's data directory.",
            file_okay=False,
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            metavar="PATH",
            envvar="FNSTORE_STORE",
            help="The store (a git repository) to use instead of <data dir>/functions.git.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Global options, read before any verb runs."""
    _state.debug = debug
    _state.store_path = store.expanduser().resolve() if store else None
    _state.home = home.expanduser().resolve() if home else None
    if _state.home is not None:
        # paths.py reads FNSTORE_HOME on every call, so this redirects data,
        # config and cache for the rest of the invocation.
        os.environ["FNSTORE_HOME"] = str(_state.home)


def main() -> None:
    """Entry point of the ``fnstore`` script and ``python -m fnstore``."""
    app(prog_name="fnstore")


# -- the store ---------------------------------------------------------------


def store_location() -> Path:
    """Return the store path this invocation works on (``--store`` or the default)."""
    if _state.store_path is not None:
        return _state.store_path
    from fnstore.paths import default_store_path

    return default_store_path()


def open_cli_store(*, create: bool = False, empty_ok: bool = True) -> FunctionStore:
    """Open the store named by ``--store`` (or the default one).

    Parameters
    ----------
    create
        Create an empty store when none exists.  Verbs that only read pass
        False, so a typo in ``--store`` is reported instead of silently
        creating a new, empty store.
    empty_ok
        False for verbs that need a saved function (show, log, diff...): an
        empty store is then reported with the command that fills it.

    Returns
    -------
    FunctionStore
        The opened store.

    Raises
    ------
    StoreNotFoundError
        No store there (and ``create`` is False); the message names the
        command that creates one.
    RevisionNotFoundError
        The store is empty and ``empty_ok`` is False.
    """
    from fnstore._facade import open_store
    from fnstore.errors import RevisionNotFoundError, StoreNotFoundError

    path = store_location()
    try:
        store = open_store(path, create=create)
    except StoreNotFoundError as exc:
        # The store's own message names the Python call; a CLI user needs the verb.
        raise StoreNotFoundError(
            f"no store at {path}: create one with `fnstore init` "
            "(or point --store at an existing one)"
        ) from exc
    if not empty_ok and store.head is None:
        raise RevisionNotFoundError(
            f"the store at {path} is empty: save a function first with "
            "`fnstore save FILE -m MESSAGE`"
        )
    return store


# -- output ------------------------------------------------------------------


def _console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Rich wraps at 80 columns when it cannot see a terminal; in a pipe or a
    # log a wrapped table is harder to read and to grep than a wide one.
    width = None if stream.isatty() else 200
    return Console(file=stream, width=width, highlight=False, soft_wrap=True)


def ui() -> Console:
    """Return a rich console on stdout for human-readable output."""
    return _console()


def err() -> Console:
    """Return a rich console on stderr, for notes that must not mix with ``--json``."""
    return _console(stderr=True)


def table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], *, title: str | None = None
) -> Table:
    """Build a rich table from plain values (None shows as an empty cell).

    Parameters
    ----------
    columns
        Column headings.
    rows
        One sequence of values per row, in column order.
    title
        Optional title shown above the table.

    Returns
    -------
    rich.table.Table
        A table ready for ``ui().print(...)``.
    """
    from rich.table import Table
    from rich.text import Text

    out = Table(*columns, title=title, header_style="bold", title_justify="left")
    for row in rows:
        # Text(...) so user strings such as "[red]" are never read as markup.
        out.add_row(*(Text("" if v is None else str(v)) for v in row))
    return out


def print_json(data: object) -> None:
    """Print ``data`` as indented JSON on stdout (dates and paths as strings)."""
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


@contextmanager
def progress(description: str, *, total: float | None = None) -> Iterator[Callable[..., None]]:
    """Show a progress bar on stderr while the ``with`` body runs.

    Use it for anything that may take over a second.  The bar is drawn only
    when stderr is a terminal, so pipes, logs and tests get no control codes.

    Parameters
    ----------
    description
        What is being done, e.g. ``"benchmarking blur@2"``.
    total
        Number of steps, or None for an indeterminate (pulsing) bar.

    Yields
    ------
    Callable[..., None]
        ``advance(text=None, *, steps=1, total=None)``: move the bar on by
        ``steps``, optionally showing ``text`` or changing the total.  It
        fits the ``progress=`` callbacks of the lower layers, which call it
        with a description after each step (``store.bench(ref,
        progress=advance)``).
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = _console(stderr=True)
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = bar.add_task(description, total=total)

    def advance(text: str | None = None, *, steps: float = 1, total: float | None = None) -> None:
        fields: dict[str, Any] = {}
        if text is not None:
            fields["description"] = f"{description}: {text}"
        if total is not None:
            fields["total"] = total
        bar.update(task, advance=steps, **fields)

    with bar:
        yield advance
