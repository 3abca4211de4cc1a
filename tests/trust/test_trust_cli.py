"""The trust verbs through the CLI runner: exit codes and messages, on real repositories."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from _trustlab import module_code, ssh_key, touch_code
from typer.testing import CliRunner

from fnstore.cli import app

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from typer.testing import Result

    from fnstore.store import FunctionStore

    Member = Callable[[str], FunctionStore]
    Run = Callable[..., Result]


@pytest.fixture
def fnstore(tmp_path: Path) -> Run:
    """Run ``fnstore --store <tmp>/<member>.git ARGS`` in-process."""
    runner = CliRunner()

    def run(who: str, *args: object) -> Result:
        argv = ["--store", str(tmp_path / f"{who}.git"), *map(str, args)]
        return runner.invoke(app, argv, catch_exceptions=False)

    return run


@pytest.fixture
def pulled(member: Member, tmp_path: Path) -> tuple[FunctionStore, Path]:
    """Bob pulled alice's module whose import writes a file (deleted since)."""
    mark = tmp_path / "ran"
    alice, bob = member("alice"), member("bob")
    alice.save(touch_code("evil", mark))
    alice.push("lab")
    mark.unlink()
    return bob, mark


def test_trust_shows_and_sets_the_policy(fnstore: Run, member: Member) -> None:
    member("bob")
    shown = fnstore("bob", "trust")
    assert shown.exit_code == 0
    assert "review (the default for a store with a remote)" in shown.stdout
    assert fnstore("bob", "trust", "signed", "--strict").exit_code == 0
    data = json.loads(fnstore("bob", "trust", "--json").stdout)
    assert (data["policy"], data["explicit"], data["strict"]) == ("signed", True, True)
    assert fnstore("bob", "trust", "--no-strict", "--json").exit_code == 0
    assert json.loads(fnstore("bob", "trust", "--json").stdout)["strict"] is False
    wrong = fnstore("bob", "trust", "lenient")
    assert wrong.exit_code == 2


def test_pull_pending_accept(fnstore: Run, pulled: tuple[FunctionStore, Path]) -> None:
    _, mark = pulled
    out = fnstore("bob", "pull")
    assert out.exit_code == 0
    assert "will not run until you accept them (evil)" in out.stderr
    listed = fnstore("bob", "pending")
    assert listed.exit_code == 0
    assert "evil@" in listed.stdout
    assert "calls pathlib.Path(...).write_text(...) (file)" in listed.stdout  # the report
    assert "+pathlib.Path(" in listed.stdout  # the diff
    assert "awaits review (fnstore pending)" in fnstore("bob", "ls").stdout
    assert (
        "Trust policy: review; 1 module(s) await review"
        in fnstore("bob", "doctor", "--no-devices", "-t", "numpy").stdout
    )
    assert json.loads(fnstore("bob", "ls", "--json").stdout)["functions"][0]["trusted"] is False
    data = json.loads(fnstore("bob", "pending", "--json").stdout)
    assert data[0]["module"] == "evil"
    assert data[0]["import_report"]["clean"] is False

    refused = fnstore("bob", "bench", "evil", "--rounds", "1", "--shape", "1x8x8", "--no-save")
    assert refused.exit_code == 1
    assert "fnstore pending" in refused.stderr and "fnstore accept evil@" in refused.stderr
    assert not mark.exists()

    assert fnstore("bob", "accept").exit_code == 2  # REF or --all
    accepted = fnstore("bob", "accept", data[0]["ref"])
    assert accepted.exit_code == 0
    assert "Accepted evil version 1" in accepted.stdout
    assert "Nothing awaits review" in fnstore("bob", "pending").stdout
    assert fnstore("bob", "accept", "--all").stdout.startswith("Accepted 0 version(s)")


def test_accept_all(fnstore: Run, pulled: tuple[FunctionStore, Path]) -> None:
    bob, _ = pulled
    bob.pull("lab")
    out = fnstore("bob", "accept", "--all")
    assert out.exit_code == 0
    assert "Accepted 1 version(s): evil@" in out.stdout
    assert bob.pending() == []


def test_signers_verbs(fnstore: Run, member: Member, tmp_path: Path) -> None:
    member("bob")
    key = ssh_key(tmp_path, "alice@lab")
    assert "No allowed signers yet" in fnstore("bob", "signers", "ls").stdout
    added = fnstore("bob", "signers", "add", "alice@lab", key.with_suffix(".pub"))
    assert added.exit_code == 0
    listed = json.loads(fnstore("bob", "signers", "ls", "--json").stdout)
    assert [(s["principal"], s["type"]) for s in listed] == [("alice@lab", "ssh-ed25519")]
    bad = fnstore("bob", "signers", "add", "eve", "not a key")
    assert bad.exit_code == 1
    assert "is not an SSH public key" in bad.stderr
    assert fnstore("bob", "signers", "rm", "alice@lab").exit_code == 0
    gone = fnstore("bob", "signers", "rm", "alice@lab")
    assert gone.exit_code == 1
    assert "no allowed signer 'alice@lab'" in gone.stderr


def test_save_sign(fnstore: Run, member: Member, tmp_path: Path) -> None:
    member("alice")
    key = ssh_key(tmp_path, "alice@lab")
    source = tmp_path / "blur.py"
    source.write_text(module_code("blur"))
    assert fnstore("alice", "trust", "--signing-key", key).exit_code == 0
    assert fnstore("alice", "save", source, "--sign").exit_code == 0
    from _trustlab import git

    assert "gpgsig" in git("cat-file", "commit", "HEAD", cwd=tmp_path / "alice.git")
