"""The trust verbs: trust (show or set the policy), pending, accept, signers add|ls|rm.

Code that arrives from a lab repository is someone else's code that would run
on this machine.  These verbs show and set which code may run (the policy),
list what arrived and awaits review (with its diff and what it would do at
import time), accept it, and manage the SSH keys whose signatures the
``signed`` policy accepts.  See the README's "Security model".
"""

from __future__ import annotations

import enum
from pathlib import Path  # noqa: TC003  (typer reads verb annotations at run time)
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fnstore.cli._app import SYNC, JsonFlag, app, open_cli_store, print_json, table, ui

if TYPE_CHECKING:
    from fnstore._facade import FunctionStore
    from fnstore.store._trust import PendingVersion


class Policy(enum.StrEnum):
    """The trust policies ``fnstore trust`` sets."""

    review = "review"
    signed = "signed"
    any = "any"


@app.command(rich_help_panel=SYNC)
def trust(
    policy: Annotated[
        Policy | None,
        typer.Argument(
            help="review: pulled code runs once you accept it; signed: only code signed by an "
            "allowed signer (or accepted); any: all code runs. Omit to show the settings."
        ),
    ] = None,
    strict: Annotated[
        bool | None,
        typer.Option(
            "--strict/--no-strict",
            help="Refuse every module whose top level runs code when imported.",
        ),
    ] = None,
    signing_key: Annotated[
        Path | None,
        typer.Option("--signing-key", help="SSH key file that `fnstore save --sign` signs with."),
    ] = None,
    always_sign: Annotated[
        bool | None,
        typer.Option("--always-sign/--no-always-sign", help="Sign every save with that key."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show or set which code may run here: the trust policy, strict, signing."""
    store = open_cli_store()
    if policy is not None or strict is not None:
        store.set_trust(policy.value if policy is not None else None, strict=strict)
    if signing_key is not None or always_sign is not None:
        store.set_signing(signing_key, always=always_sign)
    info = _settings(store)
    if as_json:
        print_json(info)
        return
    how = (
        "set"
        if info["explicit"]
        else "the default for a store "
        + ("with a remote" if info["policy"] == "review" else "without a remote")
    )
    console = ui()
    console.print(f"trust policy:    {info['policy']} ({how})", markup=False)
    console.print(f"strict:          {'on' if info['strict'] else 'off'}", markup=False)
    console.print(f"allowed signers: {info['signers']} in {info['signers_file']}", markup=False)
    key = info["signing_key"] or "none (set one with --signing-key PATH)"
    console.print(f"signing key:     {key}", markup=False)
    console.print(f"sign every save: {'yes' if info['always_sign'] else 'no'}", markup=False)
    console.print(f"awaiting review: {info['pending']} (`fnstore pending`)", markup=False)


def _settings(store: FunctionStore) -> dict[str, Any]:
    state = store.trust_state()
    key, always = store.signing()
    return {
        "policy": state.policy,
        "explicit": state.explicit,
        "strict": state.strict,
        "signers": len(store.signers()),
        "signers_file": str(store.allowed_signers_path()),
        "signing_key": key,
        "always_sign": always,
        "pending": len(store.untrusted_modules()),
    }


@app.command(rich_help_panel=SYNC)
def pending(
    brief: Annotated[
        bool, typer.Option("--brief", help="One line per version: no diffs or reports.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """List what arrived and may not run until you accept it: diff and import-time report."""
    waiting = open_cli_store().pending()
    if as_json:
        print_json([_pending_json(p) for p in waiting])
        return
    console = ui()
    if not waiting:
        console.print("Nothing awaits review: every version here may run.")
        return
    rows = [
        (p.ref, p.version, p.author, p.base or "-", p.report.summary().split(":")[0], p.reason)
        for p in waiting
    ]
    console.print(table(["version", "v", "author", "trusted base", "at import", "why"], rows))
    if not brief:
        for p in waiting:
            console.print(f"\n== {p.ref} (version {p.version}, {p.author})", markup=False)
            for line in p.report.lines():
                console.print(f"   at import: {line}", markup=False, highlight=False)
            console.print(
                p.diff or "(same code as the trusted base)", markup=False, highlight=False
            )
    console.print(
        f"\nAccept one with `fnstore accept {waiting[0].ref}`, or all with `fnstore accept --all`."
        " An accepted function runs with your rights: there is no sandbox.",
        markup=False,
    )


def _pending_json(p: PendingVersion) -> dict[str, Any]:
    return {
        "ref": p.ref,
        "module": p.module,
        "functions": list(p.functions),
        "version": p.version,
        "content_id": p.content_id,
        "commit": p.commit,
        "author": p.author,
        "message": p.message,
        "time": p.time,
        "reason": p.reason,
        "base": p.base,
        "diff": p.diff,
        "import_report": {
            "clean": p.report.clean,
            "findings": [
                {"line": f.line, "kind": f.kind, "what": f.what} for f in p.report.findings
            ],
            "risky_imports": list(p.report.risky_imports),
        },
    }


@app.command(rich_help_panel=SYNC)
def accept(
    ref: Annotated[
        str | None,
        typer.Argument(
            help="NAME, NAME@VERSION or NAME@<content id> (as `fnstore pending` lists)."
        ),
    ] = None,
    accept_all: Annotated[
        bool, typer.Option("--all", help="Accept every version `fnstore pending` lists.")
    ] = False,
) -> None:
    """Let a version that arrived by pull run here (recorded in this store only)."""
    if (ref is None) == (not accept_all):
        raise typer.BadParameter("give one REF, or --all", param_hint="REF")
    store = open_cli_store()
    if accept_all:
        done = store.accept_all()
        names = ", ".join(p.ref for p in done) or "nothing was waiting"
        ui().print(f"Accepted {len(done)} version(s): {names}.", markup=False)
        return
    assert ref is not None
    version = store.accept(ref)
    ui().print(
        f"Accepted {version.module} version {version.version} ({version.content_id[:12]}): "
        "it may run here now.",
        markup=False,
    )


# -- signers add | ls | rm -------------------------------------------------------

signers_app = typer.Typer(
    help="The SSH keys whose commit signatures the 'signed' policy accepts.",
    no_args_is_help=True,
)
app.add_typer(signers_app, name="signers", rich_help_panel=SYNC)


@signers_app.command("add")
def signers_add(
    principal: Annotated[str, typer.Argument(help="Who signs, e.g. an email address.")],
    key: Annotated[
        str, typer.Argument(help="Their SSH public key: a .pub file, or its text in quotes.")
    ],
) -> None:
    """Allow KEY to sign as PRINCIPAL."""
    store = open_cli_store()
    signer = store.add_signer(principal, key)
    ui().print(
        f"Allowed {signer.principal} ({signer.key_type}) in {store.allowed_signers_path()}.",
        markup=False,
    )


@signers_app.command("ls")
def signers_ls(as_json: JsonFlag = False) -> None:
    """List the allowed signers."""
    store = open_cli_store()
    signers = store.signers()
    if as_json:
        print_json([{"principal": s.principal, "type": s.key_type, "key": s.key} for s in signers])
    elif not signers:
        ui().print("No allowed signers yet: `fnstore signers add NAME KEY.pub` adds one.")
    else:
        rows = [(s.principal, s.key_type, s.key[:24] + "...", s.comment) for s in signers]
        ui().print(table(["principal", "type", "key", "comment"], rows))


@signers_app.command("rm")
def signers_rm(
    principal: Annotated[str, typer.Argument(help="The signer to stop allowing.")],
) -> None:
    """Stop allowing PRINCIPAL's keys (what they signed no longer runs unless accepted)."""
    gone = open_cli_store().remove_signer(principal)
    ui().print(f"Removed {len(gone)} key(s) of {principal}.", markup=False)
