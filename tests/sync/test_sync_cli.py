"""The sync verbs through the CLI runner: exit codes and one-line messages."""

from __future__ import annotations

import json

import pytest
from _lab import break_manifest_by_hand, function_code
from typer.testing import CliRunner

from fnstore.cli import app
from fnstore.layout import module_path


@pytest.fixture
def fnstore(tmp_path):
    """Run ``fnstore --store <tmp>/<member>.git ARGS`` in-process."""
    runner = CliRunner()

    def run(member, *args):
        argv = ["--store", str(tmp_path / f"{member}.git"), *map(str, args)]
        return runner.invoke(app, argv, catch_exceptions=False)

    return run


@pytest.fixture
def lab(fnstore, make_store, bare_remote, tmp_path):
    """Alice (store at alice.git) pushed blur to the lab; Bob has the lab as remote."""
    alice = make_store("alice")
    alice.save(function_code("blur"), message="blur")
    assert fnstore("alice", "remote", "add", "lab", bare_remote).exit_code == 0
    assert fnstore("alice", "push").exit_code == 0
    bob = make_store("bob")
    assert fnstore("bob", "remote", "add", "lab", bare_remote).exit_code == 0
    return alice, bob


def test_remote_verbs(fnstore, make_store, bare_remote):
    make_store("me")
    out = fnstore("me", "remote", "add", "lab", bare_remote)
    assert out.exit_code == 0 and "Added remote lab" in out.stdout
    listed = fnstore("me", "remote", "ls", "--json")
    assert json.loads(listed.stdout) == {"lab": str(bare_remote)}
    again = fnstore("me", "remote", "add", "lab", bare_remote)
    assert again.exit_code == 1
    assert again.stderr.startswith("error: a remote called 'lab' exists already")
    assert len(again.stderr.strip().splitlines()) == 1
    assert fnstore("me", "remote", "rm", "lab").exit_code == 0
    assert "No remotes yet" in fnstore("me", "remote", "ls").stdout
    missing = fnstore("me", "pull")
    assert missing.exit_code == 1 and "fnstore remote add" in missing.stderr


def test_fetch_pull_push(fnstore, lab):
    _alice, bob = lab
    fetched = fnstore("bob", "fetch")
    assert fetched.exit_code == 0 and "Fetched lab" in fetched.stdout
    pulled = fnstore("bob", "pull", "lab")
    assert pulled.exit_code == 0, pulled.stderr
    assert "fast-forward" in pulled.stdout and "blur" in pulled.stdout
    assert fnstore("bob", "pull").stdout.startswith("Already up to date")
    bob.save(function_code("sharpen"), message="sharpen")
    pushed = fnstore("bob", "push")
    assert pushed.exit_code == 0 and "Pushed main to lab" in pushed.stdout


def test_push_rejected_says_pull_first(fnstore, lab):
    _alice, bob = lab
    bob.save(function_code("sharpen"), message="sharpen")
    out = fnstore("bob", "push")
    assert out.exit_code == 1
    assert "pull first" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_conflict_resolve_round_trip(fnstore, lab):
    alice, bob = lab
    fnstore("bob", "pull")
    alice.save(function_code("blur", 3), message="blur 3")
    fnstore("alice", "push")
    bob.save(function_code("blur", 5), message="blur 5")
    out = fnstore("bob", "pull")
    assert out.exit_code == 1
    assert "Conflicts" in out.stdout and "blur" in out.stdout
    assert "fnstore resolve blur theirs" in out.stderr
    listed = json.loads(fnstore("bob", "resolve", "--json").stdout)
    assert [c["name"] for c in listed] == ["blur"]
    bad = fnstore("bob", "resolve", "blur", "yours")
    assert bad.exit_code == 2
    done = fnstore("bob", "resolve", "blur", "both", "--json")
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "merged" and report["renamed"] == {"blur": "blur_theirs"}
    assert "No conflicts" in fnstore("bob", "resolve").stdout


def test_pull_abort(fnstore, lab):
    alice, bob = lab
    fnstore("bob", "pull")
    alice.save(function_code("blur", 3), message="blur 3")
    fnstore("alice", "push")
    bob.save(function_code("blur", 5), message="blur 5")
    fnstore("bob", "pull")
    out = fnstore("bob", "pull", "--abort")
    assert out.exit_code == 0 and "Forgot the pending pull" in out.stdout
    assert bob.conflicts() == []


def test_broken_manifest_is_an_error_naming_it(fnstore, lab, bare_remote, tmp_path):
    break_manifest_by_hand(bare_remote, tmp_path / "plain", "blur", "not json")
    out = fnstore("bob", "pull")
    assert out.exit_code == 1
    assert f"{module_path('blur')}/manifest.json" in out.stderr
    assert (
        out.stderr.strip()
        .splitlines()[-1]
        .startswith("error: pulled, but fnstore cannot read blur")
    )


def test_progress_bar_adapter_turns_counts_into_steps():
    from fnstore.cli._sync_cmds import _Bar
    from fnstore.sync import TransferProgress

    calls = []
    bar = _Bar(lambda text=None, *, steps=1, total=None: calls.append((text, steps, total)))
    bar(TransferProgress("receiving", 3, 10, 100))
    bar(TransferProgress("receiving", 10, 10, 300))
    bar(TransferProgress("resolving", 2, 4, 300))
    assert calls == [
        ("receiving objects", 0, 10),
        (None, 3, 10),
        (None, 7, 10),
        ("resolving deltas", -10, 4),
        (None, 2, 4),
    ]
