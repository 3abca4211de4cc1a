"""The registry verbs: ``pin`` (show, set, per function) and ``migrate DIR``.

``fnstore pin`` shows what the registry loads; ``fnstore pin v1.2`` pins a
branch, tag or commit; ``fnstore pin blur@3`` keeps one function at one
version while the rest follow the pin; ``fnstore pin --unpin blur`` lets it
follow again.  ``fnstore migrate DIR`` imports the seed system's loose
``.py`` files, one commit per file.
"""

from __future__ import annotations

from pathlib import Path  # noqa: TC003  (typer reads annotations at run time)
from typing import Annotated, Any

import typer

from fnstore.cli._app import (
    REGISTRY,
    JsonFlag,
    app,
    err,
    open_cli_store,
    print_json,
    store_location,
    table,
    ui,
)

__all__: list[str] = []


def _short(oid: str | None) -> str:
    return oid[:12] if oid else "-"


@app.command(rich_help_panel=REGISTRY)
def pin(
    target: Annotated[
        str | None,
        typer.Argument(
            help="A branch, tag or commit to pin the registry to; or NAME@VERSION to keep "
            "one function at a version (3, a content id, a tag or a commit). "
            "Omit it to show the pin.",
            show_default=False,
        ),
    ] = None,
    unpin: Annotated[
        str | None,
        typer.Option("--unpin", metavar="NAME", help="Let function NAME follow the pin again."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show or change what the registry loads: a branch, tag or commit, and per-function pins."""
    store = open_cli_store()
    if unpin is not None:
        store.unpin_function(unpin)
        ui().print(f"{unpin} follows the pin ({store.pin_spec}) again.")
    if target is not None:
        if "@" in target:
            name, _, ref = target.partition("@")
            store.pin_function(name, ref)
            cid = store.pinned_functions[name]
            version = store.get(f"{name}@{cid}")
            ui().print(
                f"{name} stays at version {version.version} (content id {_short(cid)}), "
                "whatever the pin."
            )
        else:
            store.pin(target)
            ui().print(
                f"The registry now loads {store.pin_spec} (commit {_short(store.pinned_commit)})."
            )
    if target is None and unpin is None:
        _show(store, as_json=as_json)


def _show(store: Any, *, as_json: bool) -> None:
    spec, commit, functions = store.pin_spec, store.pinned_commit, store.pinned_functions
    rows = []
    for name, cid in sorted(functions.items()):
        try:
            version: int | None = store.get(f"{name}@{cid}").version
        except LookupError:
            version = None
        rows.append({"name": name, "content_id": cid, "version": version})
    if as_json:
        print_json({"spec": spec, "commit": commit, "functions": rows})
        return
    follows = "following the branch" if spec == store.branch else "fixed"
    ui().print(f"Pin: {spec} ({follows}), commit {_short(commit)}")
    if rows:
        ui().print(
            table(
                ["function", "version", "content id"],
                [[r["name"], r["version"] or "?", _short(r["content_id"])] for r in rows],
                title="Per-function pins",
            )
        )
    else:
        ui().print("No per-function pins: every function follows the pin.")


@app.command(rich_help_panel=REGISTRY)
def migrate(
    directory: Annotated[
        Path,
        typer.Argument(
            help="The folder of loose function files, e.g. "
            "~/.local/share/openhcs/custom_functions, or the OpenHCS data dir that holds it",
            file_okay=False,
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Import a folder of loose .py function files: one commit per file, dated by the file."""
    from fnstore.migrate import migrate_directory

    store = open_cli_store(create=True)
    report = migrate_directory(directory, store=store)
    if as_json:
        print_json(
            {
                "directory": str(report.directory),
                "store": str(store_location()),
                "imported": [
                    {
                        "file": f.path.name,
                        "module": f.module,
                        "version": f.version,
                        "content_id": f.content_id,
                        "changed": f.changed,
                    }
                    for f in report.imported
                ],
                "failed": [{"file": f.path.name, "reason": f.reason} for f in report.failed],
            }
        )
    else:
        if report.imported:
            ui().print(
                table(
                    ["file", "module", "version", "content id"],
                    [
                        [
                            f.path.name,
                            f.module,
                            f.version if f.changed else "unchanged",
                            f.content_id[:12],
                        ]
                        for f in report.imported
                    ],
                    title="Imported",
                )
            )
        for failure in report.failed:
            err().print(f"could not import {failure.path.name}: {failure.reason}", markup=False)
        ui().print(report.summary())
    if not report.ok:
        raise typer.Exit(1)  # scripts see a partial import; each reason was printed above
