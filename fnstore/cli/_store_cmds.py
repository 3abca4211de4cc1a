"""The store verbs: init, new, save, ls, show, log, diff, rollback, rm, restore, rename, tag, edit.

Each verb is a thin layer over :class:`fnstore.store.FunctionStore`: it parses
the command line, calls one store method, and prints the result as a table
(or JSON with ``--json``).  The store does the checking and raises
:class:`fnstore.errors.FnStoreError` subclasses, which the boundary in
:mod:`fnstore.cli._app` prints as one line.
"""

from __future__ import annotations

import enum
import os
import shlex
import subprocess
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fnstore.cli._app import (
    HISTORY,
    SETUP,
    WORK,
    CommandError,
    JsonFlag,
    app,
    open_cli_store,
    print_json,
    progress,
    store_location,
    table,
    ui,
)
from fnstore.errors import FnStoreError

if TYPE_CHECKING:
    from fnstore.manifest import Manifest
    from fnstore.store import FunctionVersion, SaveResult


# The values of fnstore.memory.MemoryType, spelled out so that `--help` does
# not import the memory layer (and numpy); a test keeps the two in step.
class MemoryTypeName(enum.StrEnum):
    """The memory types ``fnstore new --memory-type`` offers."""

    numpy = "numpy"
    cupy = "cupy"
    torch = "torch"
    tensorflow = "tensorflow"
    jax = "jax"
    pyclesperanto = "pyclesperanto"


Message = Annotated[
    str | None,
    typer.Option("--message", "-m", help="Why this change was made (the commit message)."),
]
Author = Annotated[
    str | None,
    typer.Option(
        "--author",
        metavar="'NAME <EMAIL>'",
        help="Author of the change; by default git's user.name and user.email.",
    ),
]


# -- small helpers -------------------------------------------------------------


def _short(oid: str | None) -> str:
    return oid[:10] if oid else ""


def _when(version: FunctionVersion) -> str:
    return version.time.astimezone().strftime("%Y-%m-%d %H:%M")


def _local(iso: str) -> str:
    # Tables show local time, like `git log`; --json keeps the saved offset.
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")


def _memory_types(manifest: Manifest, function: str | None = None) -> list[str]:
    """Input and output memory types of one function (or all), in order, once each."""
    seen: list[str] = []
    for info in manifest.functions:
        if function is not None and info.name != function:
            continue
        for mt in (str(info.input_memory_type), str(info.output_memory_type)):
            if mt not in seen:
                seen.append(mt)
    return seen


def _name(version: FunctionVersion) -> str:
    # "Name <email>" -> "Name": the e-mail makes tables too wide; --json has it.
    return version.author.split(" <", 1)[0]


def _all_functions(manifest: Manifest) -> str:
    return ", ".join(f.name for f in manifest.functions)


def _version_json(v: FunctionVersion) -> dict[str, Any]:
    return {
        "name": v.name,
        "function": v.function,
        "module": v.module,
        "version": v.version,
        "content_id": v.content_id,
        "commit": v.commit,
        "author": v.author,
        "message": v.message,
        "time": v.time.isoformat(),
    }


def _report_save(result: SaveResult, what: str) -> None:
    """Say what a save-like operation committed, one line per module."""
    console = ui()
    if not result.changed:
        names = ", ".join(sorted({v.module for v in result.versions})) or "the store"
        console.print(
            f"No change: {names} already holds this code; nothing was committed.", markup=False
        )
        return
    modules: dict[str, int] = {}
    for v in result.versions:
        modules[v.module] = v.version
    for module, version in modules.items():
        functions = ", ".join(v.name for v in result.versions if v.module == module)
        console.print(
            f"{what}: {functions} (module {module}) is now version {version}, "
            f"commit {_short(result.commit)}",
            markup=False,
        )


def _parse_version(text: str) -> int | str:
    # "3" means version 3; anything else is a content id prefix, tag or commit.
    return int(text) if text.isdecimal() else text


# -- verbs ---------------------------------------------------------------------


@app.command(rich_help_panel=SETUP)
def init() -> None:
    """Create an empty store (a git repository) where --store points, or in the data dir."""
    path = store_location()
    existed = path.exists()
    store = open_cli_store(create=True)
    if existed:
        ui().print(f"A store already exists at {store.path}; nothing changed.", markup=False)
    else:
        ui().print(f"Created an empty store at {store.path}", markup=False)


@app.command(rich_help_panel=WORK)
def new(
    file: Annotated[Path, typer.Argument(help="The .py file to create.", dir_okay=False)],
    memory_type: Annotated[
        MemoryTypeName | None,
        typer.Option(
            "--memory-type",
            "-t",
            help="Memory type of the starter function (default: numpy).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a starter function module to FILE, ready to edit and `fnstore save`.

    The starter function is named after the file (blur.py: function blur in
    module blur), so that one name finds it.
    """
    from fnstore import templates

    if file.exists() and not force:
        raise CommandError(f"{file} already exists: choose another name or pass --force")
    code = templates.get_template_for_memory_type(
        memory_type.value if memory_type else "numpy", name=_module_from_file(file)
    )
    try:
        file.write_text(code, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot write {file}: {exc.strerror}; check the folder") from exc
    command = f"fnstore save {shlex.quote(str(file))} -m 'first version'"
    ui().print(f"Wrote {file}: edit it, then run  {command}", markup=False)


@app.command(rich_help_panel=WORK)
def save(
    file: Annotated[
        Path,
        typer.Argument(help="The .py file to save.", exists=True, dir_okay=False, readable=True),
    ],
    message: Message = None,
    module: Annotated[
        str | None,
        typer.Option(
            "--module",
            help="Module name to save under (default: the file name without .py, or the "
            "first function's name when the file name is not an identifier).",
        ),
    ] = None,
    author: Author = None,
    sign: Annotated[
        bool | None,
        typer.Option(
            "--sign/--no-sign",
            help="Sign the commit with your SSH key (`fnstore trust --signing-key`); "
            "default: the store's setting.",
        ),
    ] = None,
) -> None:
    """Save FILE as the next version of its module (one commit)."""
    code = _read_source(file)
    if module is None:
        module = _module_from_file(file)
    store = open_cli_store(create=True)
    # Saving runs the code once to check it, which imports its backend:
    # seconds for torch or tensorflow, so show that something is happening.
    with progress(f"checking and saving {file.name}"):
        result = store.save(code, message=message, author=author, module=module, sign=sign)
    _report_save(result, "Saved")


def _module_from_file(file: Path) -> str | None:
    """Name the module after its file (``blur.py`` -> ``blur``) when that is a valid name.

    The file name is what a user sees and keeps while editing; a name such as
    ``my-filters`` is not an identifier, so the store's default (the first
    function's name) is used for it instead.
    """
    from fnstore.errors import InvalidNameError
    from fnstore.manifest import check_name

    try:
        return check_name(file.stem, "module")
    except InvalidNameError:
        return None


def _read_source(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{file} is not UTF-8 text: save it as UTF-8 and retry") from exc
    except OSError as exc:
        raise CommandError(f"cannot read {file}: {exc.strerror}") from exc


@app.command("ls", rich_help_panel=WORK)
def list_functions(
    rev: Annotated[
        str | None, typer.Option("--rev", help="List at this branch, tag or commit.")
    ] = None,
    available: Annotated[
        bool,
        typer.Option(
            "--available",
            help="Only the functions that can run here (their packages are installed).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """List the functions in the store, with their version and whether they run here."""
    from fnstore.cli._doctor import missing_here

    store = open_cli_store()
    scan = store.scan(rev=rev)
    # the trust policy: pulled code that may not run until reviewed (`fnstore pending`)
    waiting = store.untrusted_modules() if rev is None else {}
    rows: list[dict[str, Any]] = []
    for manifest in scan.manifests:
        missing = missing_here(manifest)
        if available and missing:
            continue
        for info in manifest.functions:
            rows.append(
                {
                    "name": info.name,
                    "module": manifest.module,
                    "version": manifest.version,
                    "memory_types": _memory_types(manifest, info.name),
                    "author": manifest.author.name,
                    "date": manifest.created.isoformat(),
                    "available": not missing,
                    "missing": missing,
                    "trusted": manifest.module not in waiting,
                }
            )
    # A name several modules hold (once per memory type) is shown as the
    # reference that picks it, sharpen[torch], as the registry lists it.
    counts = Counter(row["name"] for row in rows)
    for row in rows:
        if counts[row["name"]] > 1:
            row["name"] = f"{row['name']}[{row['memory_types'][0]}]"
    broken = {module: str(error) for module, error in sorted(scan.errors.items())}
    if as_json:
        print_json({"functions": rows, "unreadable": broken})
        return
    console = ui()
    if not rows and not broken:
        console.print(
            "No function can run here: `fnstore ls` lists them all, with what each needs."
            if available and scan.manifests
            else "No functions yet: write one with `fnstore new FILE`, then `fnstore save FILE`."
        )
        return
    console.print(
        table(
            ["name", "module", "version", "memory types", "author", "date", "available here"],
            [
                [
                    r["name"],
                    r["module"],
                    r["version"],
                    ", ".join(r["memory_types"]),
                    r["author"],
                    _local(r["date"]),
                    _runs_here(r),
                ]
                for r in rows
            ],
        )
    )
    for module, error in broken.items():
        console.print(f"unreadable module {module}: {error}", markup=False, style="yellow")


def _runs_here(row: dict[str, Any]) -> str:
    if not row["available"]:
        return "no: needs " + ", ".join(row["missing"])
    return "yes" if row["trusted"] else "not yet: awaits review (fnstore pending)"


@app.command(rich_help_panel=HISTORY)
def show(
    ref: Annotated[str, typer.Argument(help="name, name@3, name@<content id>, name@<tag>.")],
    source: Annotated[
        bool, typer.Option("--source/--no-source", help="Print the code too.")
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Show one version of a function: its manifest and its code."""
    store = open_cli_store(empty_ok=False)
    v = store.get(ref)
    if as_json:
        data = _version_json(v)
        data["manifest"] = v.manifest.model_dump(mode="json")
        data["source"] = v.source
        print_json(data)
        return
    from rich.syntax import Syntax

    console = ui()
    m = v.manifest
    # v.function: the function's name in this version (None: a module of several)
    info = next((f for f in m.functions if f.name == v.function), None)
    functions: list[object] = (
        ["function", v.function] if v.function else ["functions", _all_functions(m)]
    )
    rows: list[list[object]] = [
        functions,
        ["module", v.module],
        ["version", v.version],
        ["content id", v.content_id],
        ["commit", v.commit],
        ["author", v.author],
        ["date", _when(v)],
        ["message", v.message],
        ["memory types", ", ".join(_memory_types(m, v.function))],
    ]
    if info is not None:
        params = ", ".join(p.name for p in info.parameters)
        rows.append(["parameters", params])
        if info.docstring:
            rows.append(["docstring", info.docstring.strip().splitlines()[0]])
    others = [f.name for f in m.functions if f.name != v.function]
    if others and v.function:
        rows.append(["same module", ", ".join(others)])
    if m.imports:
        rows.append(["imports", ", ".join(m.imports)])
    console.print(table(["", ""], rows, title=f"{v.name}@{v.version}"))
    if source:
        console.print(Syntax(v.source, "python", line_numbers=True, theme="ansi_dark"))


@app.command(rich_help_panel=HISTORY)
def log(
    name: Annotated[str, typer.Argument(help="Function name.")],
    as_json: JsonFlag = False,
) -> None:
    """Show the history of a function, newest version first."""
    store = open_cli_store(empty_ok=False)
    versions = store.history(name)
    if as_json:
        print_json([_version_json(v) for v in versions])
        return
    ui().print(
        table(
            ["version", "content id", "commit", "date", "author", "message"],
            [
                [v.version, _short(v.content_id), _short(v.commit), _when(v), _name(v), v.message]
                for v in versions
            ],
            title=f"history of {name}",
        )
    )


@app.command(rich_help_panel=HISTORY)
def diff(
    ref_a: Annotated[str, typer.Argument(metavar="REF_A", help="The older version, e.g. blur@1.")],
    ref_b: Annotated[str, typer.Argument(metavar="REF_B", help="The newer version, e.g. blur@2.")],
) -> None:
    """Show what changed in the code between two versions (a unified diff)."""
    store = open_cli_store(empty_ok=False)
    text = store.diff(ref_a, ref_b)
    console = ui()
    if not text.strip():
        console.print(f"No difference between {ref_a} and {ref_b}.", markup=False)
        return
    if console.is_terminal:
        from rich.syntax import Syntax

        console.print(Syntax(text, "diff", theme="ansi_dark"))
    else:
        # Exactly the diff, so that `fnstore diff a b > x.patch` is a patch.
        typer.echo(text, nl=not text.endswith("\n"))


@app.command(rich_help_panel=HISTORY)
def rollback(
    name: Annotated[str, typer.Argument(help="Function name.")],
    version: Annotated[
        str, typer.Argument(help="Version number to go back to (or a content id or tag).")
    ],
    message: Message = None,
    author: Author = None,
) -> None:
    """Make an old version current again, as a new version (history is kept)."""
    store = open_cli_store(empty_ok=False)
    result = store.rollback(name, _parse_version(version), message=message, author=author)
    _report_save(result, f"Rolled back to {version}")


@app.command("rm", rich_help_panel=HISTORY)
def remove(
    name: Annotated[str, typer.Argument(help="Function name (its whole module is removed).")],
    message: Message = None,
    author: Author = None,
) -> None:
    """Remove a function's module from the store (`fnstore restore` brings it back)."""
    store = open_cli_store(empty_ok=False)
    commit = store.delete(name, message=message, author=author)
    ui().print(
        f"Removed {name} in commit {_short(commit)}; `fnstore restore {name}` brings it back."
    )


@app.command(rich_help_panel=HISTORY)
def restore(
    name: Annotated[str, typer.Argument(help="Name of a removed function.")],
    message: Message = None,
    author: Author = None,
) -> None:
    """Bring back a removed function, as it was when removed."""
    store = open_cli_store(empty_ok=False)
    result = store.restore(name, message=message, author=author)
    _report_save(result, "Restored")


@app.command(rich_help_panel=HISTORY)
def rename(
    old: Annotated[
        str, typer.Argument(metavar="OLD", help="Current name of a function or of a module.")
    ],
    new_name: Annotated[str, typer.Argument(metavar="NEW", help="The new name.")],
    message: Message = None,
    author: Author = None,
) -> None:
    """Rename a function or a module (a commit; its history and pins follow it).

    A function is renamed in its code (and its module too when named after
    it); a module's name is its folder, its functions keep their names.
    """
    store = open_cli_store(empty_ok=False)
    result = store.rename(old, new_name, message=message, author=author)
    _report_save(result, f"Renamed {old} to {new_name}")


tag_app = typer.Typer(
    help="Name a revision of the whole store (e.g. the one a paper used).",
    no_args_is_help=True,
)
app.add_typer(tag_app, name="tag", rich_help_panel=HISTORY)


@tag_app.command("add")
def tag_add(
    tag: Annotated[str, typer.Argument(help="Tag name, e.g. paper-2026.")],
    rev: Annotated[str, typer.Argument(help="Branch, tag or commit to tag.")] = "HEAD",
) -> None:
    """Tag a revision (by default the newest commit)."""
    store = open_cli_store(empty_ok=False)
    commit = store.tag(tag, rev)
    ui().print(
        f"Tagged commit {_short(commit)} as {tag}; use it as name@{tag} or a pin.", markup=False
    )


@tag_app.command("list")
def tag_list(as_json: JsonFlag = False) -> None:
    """List the tags and the commits they name."""
    store = open_cli_store()
    tags = store.tags()
    if as_json:
        print_json(tags)
        return
    if not tags:
        ui().print("No tags yet: `fnstore tag add NAME` tags the newest commit.")
        return
    ui().print(table(["tag", "commit"], [[t, _short(c)] for t, c in sorted(tags.items())]))


@app.command(rich_help_panel=WORK)
def edit(
    name: Annotated[str, typer.Argument(help="Function name.")],
    message: Message = None,
    author: Author = None,
) -> None:
    """Open $EDITOR on the current code of NAME and save a new version if it changed."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise CommandError("no editor is set: set EDITOR (e.g. export EDITOR=nano) and retry")
    store = open_cli_store(empty_ok=False)
    current = store.get(name)
    from fnstore.paths import data_dir

    # A draft under the data dir rather than /tmp: if the save fails, the
    # edits are kept there, where the error message points.
    drafts = data_dir() / "drafts"
    drafts.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{current.module}-", dir=drafts))
    path = workdir / f"{current.module}.py"
    path.write_text(current.source, encoding="utf-8")
    try:
        status = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
    except OSError as exc:
        raise CommandError(
            f"cannot run the editor {editor!r} ({exc.strerror}): set EDITOR to an installed editor"
        ) from exc
    if status != 0:
        raise CommandError(
            f"the editor exited with status {status}; nothing was saved "
            f"(the file is kept at {path}: `fnstore save {path}` saves it)"
        )
    code = _read_source(path)
    if code == current.source:
        ui().print(f"No change to {name}; nothing was saved.", markup=False)
        _discard(workdir)
        return
    try:
        with progress(f"checking and saving {name}"):
            result = store.save(
                code, message=message or f"Edit {name}", author=author, module=current.module
            )
    except FnStoreError as exc:
        # Never lose the scientist's edits: the message says where they are.
        raise CommandError(
            f"{exc} (your edited code is kept at {path}: fix it and run `fnstore save {path}`)"
        ) from exc
    _discard(workdir)
    _report_save(result, "Saved")


def _discard(workdir: Path) -> None:
    for child in workdir.iterdir():
        child.unlink()
    workdir.rmdir()


@app.command(rich_help_panel=WORK)
def gui() -> None:
    """Open the fnstore window: functions, editor, history, benchmarks, lab sync."""
    store = open_cli_store(create=True)
    from fnstore.gui._app import run  # MissingDependencyError names fnstore[gui]

    status = run(store)
    if status:
        raise typer.Exit(status)
