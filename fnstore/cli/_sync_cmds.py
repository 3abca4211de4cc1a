"""The lab-sync verbs: remote add|ls|rm, fetch, push, pull, resolve.

Thin layers over the store's sync methods (see :mod:`fnstore.sync`): they
show transfer progress on stderr, print what changed, and turn an unfinished
pull (conflicts, or a module fnstore cannot read) into a one-line error with
a non-zero exit, after saying what arrived.

When REMOTE is left out, the only remote is used (or ``origin`` when there
are several), as ``git pull`` would.
"""

from __future__ import annotations

import enum
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fnstore.cli._app import (
    SYNC,
    JsonFlag,
    app,
    err,
    open_cli_store,
    print_json,
    progress,
    table,
    ui,
)
from fnstore.errors import ConflictError, ManifestError, RemoteNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from fnstore._facade import FunctionStore
    from fnstore.sync import Conflict, PullResult, TransferProgress


class ChoiceName(enum.StrEnum):
    """How ``fnstore resolve`` settles a conflict."""

    mine = "mine"
    theirs = "theirs"
    both = "both"


Remote = Annotated[
    str | None,
    typer.Argument(help="The remote's name (default: the only remote, else 'origin')."),
]
Author = Annotated[
    str | None,
    typer.Option(
        "--author",
        metavar="'NAME <EMAIL>'",
        help="Author of the merge commit; by default git's user.name and user.email.",
    ),
]

_PHASES = {"receiving": "receiving objects", "resolving": "resolving deltas", "sending": "sending"}


def _pick_remote(store: FunctionStore, remote: str | None) -> str:
    if remote is not None:
        return remote
    names = list(store.remotes())
    if len(names) == 1:
        return names[0]
    if not names:
        raise RemoteNotFoundError(
            "this store has no remote yet: add the lab's with `fnstore remote add lab URL`"
        )
    return "origin"


def _short(oid: str | None) -> str:
    return oid[:10] if oid else "-"


class _Bar:
    """Feed absolute transfer counts into the relative ``advance`` of a progress bar."""

    def __init__(self, advance: Callable[..., None]) -> None:
        self.advance = advance
        self.phase = ""
        self.done = 0

    def __call__(self, p: TransferProgress) -> None:
        if p.phase != self.phase:
            # a new phase restarts the count: step back to zero, then relabel
            self.advance(_PHASES[p.phase], steps=-self.done, total=p.total or None)
            self.phase, self.done = p.phase, 0
        self.advance(steps=p.objects - self.done, total=p.total or None)
        self.done = p.objects


@contextmanager
def _transfer(description: str) -> Iterator[_Bar]:
    with progress(description) as advance:
        yield _Bar(advance)


# -- remote add | ls | rm -------------------------------------------------------

remote_app = typer.Typer(
    help="Name the lab repositories this store pushes to and pulls from.",
    no_args_is_help=True,
)
app.add_typer(remote_app, name="remote", rich_help_panel=SYNC)


@remote_app.command("add")
def remote_add(
    name: Annotated[str, typer.Argument(help="A short name, e.g. lab.")],
    url: Annotated[
        str, typer.Argument(help="Path, file://, git://, ssh:// or https:// URL (no tokens).")
    ],
    create: Annotated[
        bool,
        typer.Option(
            "--create",
            help="Create the lab repository first (a path or file:// URL): bare, shared "
            "with your group, its HEAD on this store's branch.",
        ),
    ] = False,
) -> None:
    """Add a lab repository under NAME (--create makes it, for a new lab)."""
    store = open_cli_store()
    store.add_remote(name, url, create=create)
    if create:
        ui().print(
            f"Created the lab repository {store.remotes()[name]} and added it as {name}; "
            f"now `fnstore push {name}` shares your functions."
        )
    else:
        ui().print(f"Added remote {name} ({store.remotes()[name]}); now `fnstore pull {name}`.")


@remote_app.command("ls")
def remote_ls(as_json: JsonFlag = False) -> None:
    """List the remotes and their URLs."""
    remotes = open_cli_store().remotes()
    if as_json:
        print_json(remotes)
    elif not remotes:
        ui().print("No remotes yet: `fnstore remote add lab URL` adds the lab's repository.")
    else:
        ui().print(table(["remote", "url"], sorted(remotes.items())))


@remote_app.command("rm")
def remote_rm(name: Annotated[str, typer.Argument(help="The remote to forget.")]) -> None:
    """Forget a remote (the functions already pulled stay)."""
    open_cli_store().remove_remote(name)
    ui().print(f"Removed remote {name}; functions pulled from it stay in the store.")


# -- fetch | push | pull | resolve ----------------------------------------------


@app.command(rich_help_panel=SYNC)
def fetch(remote: Remote = None) -> None:
    """Download a remote's work without changing yours (then `fnstore pull` merges it)."""
    store = open_cli_store()
    name = _pick_remote(store, remote)
    with _transfer(f"fetching {name}") as bar:
        result = store.fetch(name, progress=bar)
    ui().print(
        f"Fetched {name}: {result.objects} objects; its {store.branch} is at "
        f"{_short(result.commit)}."
    )


@app.command(rich_help_panel=SYNC)
def push(
    remote: Remote = None,
    branch: Annotated[
        str | None, typer.Option("--branch", help="Branch to push (default: the store's).")
    ] = None,
) -> None:
    """Send your functions and benchmark notes to a remote (never forced: pull first)."""
    store = open_cli_store()
    name = _pick_remote(store, remote)
    with _transfer(f"pushing to {name}") as bar:
        result = store.push(name, branch=branch, progress=bar)
    notes = " and benchmark notes" if result.notes else ""
    ui().print(f"Pushed {result.branch}{notes} to {name}: now at {_short(result.commit)}.")
    if result.advice:
        ui().print(f"[yellow]note:[/] {result.advice}")


@app.command(rich_help_panel=SYNC)
def pull(
    remote: Remote = None,
    author: Author = None,
    abort: Annotated[
        bool, typer.Option("--abort", help="Forget a pull that is waiting on conflicts.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Fetch a remote and merge its work, module by module; conflicts wait for `resolve`."""
    store = open_cli_store()
    if abort:
        store.abort_pull()
        ui().print("Forgot the pending pull; your functions are as they were.")
        return
    name = _pick_remote(store, remote)
    with _transfer(f"pulling from {name}") as bar:
        result = store.pull(name, progress=bar, author=author)
    if result.changed and not as_json:
        waiting = store.untrusted_modules()  # the trust policy: pulled code awaits review
        if waiting:
            err().print(
                f"note: {len(waiting)} module(s) will not run until you accept them "
                f"({', '.join(sorted(waiting)[:5])}{', ...' if len(waiting) > 5 else ''}): "
                "review with `fnstore pending`, then `fnstore accept NAME` or `--all`",
                markup=False,
                highlight=False,
            )
    _report_pull(result, as_json=as_json)


@app.command(rich_help_panel=SYNC)
def resolve(
    name: Annotated[
        str | None, typer.Argument(help="A function listed as in conflict (omit to list them).")
    ] = None,
    choice: Annotated[
        ChoiceName | None,
        typer.Argument(help="mine: keep yours; theirs: take the remote's; both: keep both."),
    ] = None,
    author: Author = None,
    as_json: JsonFlag = False,
) -> None:
    """Settle a conflict of the last pull; the last one settled makes the merge commit."""
    store = open_cli_store()
    if name is None or choice is None:
        conflicts = store.conflicts()
        if name is not None:
            raise typer.BadParameter("say how: mine, theirs or both", param_hint="CHOICE")
        if as_json:
            print_json([_conflict_json(c) for c in conflicts])
        elif conflicts:
            ui().print(_conflict_table(conflicts))
        else:
            ui().print("No conflicts are waiting.")
        return
    result = store.resolve_conflict(name, choice.value, author=author)
    if result.status == "conflicts":
        _report_choice(name, choice.value, result, as_json=as_json)
        return
    _report_pull(result, as_json=as_json)


def _report_choice(name: str, choice: str, result: PullResult, *, as_json: bool) -> None:
    """Confirm a choice that left other conflicts open (a success: exit 0)."""
    left = sorted({c.name for c in result.conflicts})
    if as_json:
        print_json(
            {
                "chosen": {"name": name, "choice": choice},
                "status": result.status,
                "conflicts": [_conflict_json(c) for c in result.conflicts],
            }
        )
        return
    count = f"{len(left)} conflict{'s' if len(left) != 1 else ''}"
    ui().print(
        f"Chose {choice} for {name}. {count} left: {', '.join(left)}; settle "
        f"{'it' if len(left) == 1 else 'each'} with `fnstore resolve NAME mine|theirs|both` "
        "(the merge commit is made when the last one is settled).",
        markup=False,
    )


# -- output ----------------------------------------------------------------------


def _conflict_json(c: Conflict) -> dict[str, Any]:
    return {
        "name": c.name,
        "module": c.module,
        "mine": c.mine,
        "theirs": c.theirs,
        "reason": c.reason,
    }


def _conflict_table(conflicts: list[Conflict]) -> Any:
    rows = [[c.name, c.module, _short(c.mine), _short(c.theirs), c.reason] for c in conflicts]
    return table(["function", "module", "mine", "theirs", "why"], rows, title="Conflicts")


def _report_pull(result: PullResult, *, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "remote": result.remote,
                "status": result.status,
                "commit": result.commit,
                "changed": result.changed,
                "conflicts": [_conflict_json(c) for c in result.conflicts],
                "broken": result.broken,
                "renamed": result.renamed,
                "notes": result.notes,
                "ignored": result.ignored,
            }
        )
    else:
        console = ui()
        if result.status == "up-to-date":
            console.print(f"Already up to date with {result.remote}.")
        elif result.status == "conflicts":
            console.print(_conflict_table(result.conflicts))
        else:
            how = "fast-forward" if result.status == "fast-forward" else "merge commit"
            modules = ", ".join(result.changed) or "no modules"
            console.print(
                f"Pulled from {result.remote} ({how} {_short(result.commit)}): {modules}."
            )
            for old, new in result.renamed.items():
                console.print(f"Kept the remote's {old} as {new}.")
        if result.notes:
            console.print("Benchmark notes are up to date with the remote.")
    if result.ignored:
        err().print(
            f"warning: ignored what fnstore does not read (never followed): "
            f"{', '.join(result.ignored)}",
            markup=False,
            highlight=False,
        )
    if result.status == "conflicts":
        first = result.conflicts[0].name
        raise ConflictError(
            f"{len(result.conflicts)} function(s) changed both here and in {result.remote}; "
            f"nothing local changed yet: settle each with `fnstore resolve NAME mine|theirs|both` "
            f"(e.g. fnstore resolve {first} theirs), or `fnstore pull --abort`"
        )
    if result.broken:
        for module, why in result.broken.items():
            err().print(f"warning: {module}: {why}", markup=False, highlight=False)
        raise ManifestError(
            f"pulled, but fnstore cannot read {', '.join(sorted(result.broken))} (see above); "
            "every other function is usable"
        )
