"""Versions you can trust after a pull: log, authors, pending conflicts, partial resolves.

Issue 12, points 3 to 6, on two real stores (Alice's and Bob's) and a bare
lab remote, driven through the CLI as a user would and checked with the
Python API and the git command.
"""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import pytest
from _lab import function_code
from typer.testing import CliRunner, Result

from fnstore import open_store
from fnstore.cli import app

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

ALICE = "Alice <alice@lab.org>"
BOB = "Bob <bob@lab.org>"


def cli(store: FunctionStore, *args: str) -> Result:
    """Run ``fnstore --store STORE ARGS...`` in-process."""
    return CliRunner().invoke(app, ["--store", str(store.path), *args], catch_exceptions=False)


def blob_at(store: Path, commit: str, module: str) -> str | None:
    """The id of ``<module>/source.py`` in ``commit``, asked of the git command."""
    listing = subprocess.run(
        ["git", "--git-dir", str(store), "ls-tree", "-r", commit],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        if path.endswith(f"/{module}/source.py"):
            return meta.split()[2]
    return None


@pytest.fixture
def conflicted(make_store, bare_remote):
    """Alice and Bob both changed denoise and sharpen since the lab's first commit.

    Bob's pull is waiting: two conflicts, nothing of his changed yet.
    """
    alice, bob = make_store("alice"), make_store("bob")
    alice.save(function_code("denoise"), message="denoise", author=ALICE)
    alice.save(function_code("sharpen"), message="sharpen", author=ALICE)
    for member in (alice, bob):
        member.add_remote("lab", str(bare_remote))
    alice.push("lab")
    bob.pull("lab")
    alice.save(function_code("denoise", 3), message="Alice's denoise", author=ALICE)
    alice.save(function_code("sharpen", 3), message="Alice's sharpen", author=ALICE)
    alice.push("lab")
    bob.save(function_code("denoise", 5), message="Edit denoise", author=BOB)
    bob.save(function_code("sharpen", 5), message="Bob's sharpen", author=BOB)
    assert bob.pull("lab", author=BOB).status == "conflicts"
    return alice, bob


def test_pending_versions_can_be_shown_and_diffed_by_the_ids_listed(conflicted) -> None:
    alice, bob = conflicted
    listed = cli(bob, "resolve", "--json")
    rows = {row["name"]: row for row in json.loads(listed.output)}
    mine, theirs = rows["denoise"]["mine"][:10], rows["denoise"]["theirs"][:10]
    shown = cli(bob, "show", f"denoise@{theirs}")
    assert shown.exit_code == 0, shown.output
    assert "image * 3" in shown.output
    diff = cli(bob, "diff", f"denoise@{mine}", f"denoise@{theirs}")
    assert diff.exit_code == 0, diff.output
    assert "-    return image * 5" in diff.output
    assert "+    return image * 3" in diff.output
    # the Python API answers the same, and nothing of Bob's changed
    incoming = bob.get(f"denoise@{theirs}")
    assert incoming.source == alice.get("denoise").source
    assert incoming.content_id == alice.get("denoise").content_id
    assert bob.get("denoise").source == function_code("denoise", 5)
    assert f"denoise@{theirs}" in bob.diff(f"denoise@{mine}", f"denoise@{theirs}") or (
        "image * 3" in bob.diff(f"denoise@{mine}", f"denoise@{theirs}")
    )


def test_a_partial_resolve_confirms_and_says_what_is_left(conflicted) -> None:
    _alice, bob = conflicted
    before = bob.head
    result = cli(bob, "resolve", "sharpen", "mine")
    assert result.exit_code == 0, result.output
    assert "sharpen" in result.output and "mine" in result.output
    assert "1 conflict" in result.output and "denoise" in result.output
    assert bob.head == before  # nothing merged yet
    done = cli(bob, "resolve", "denoise", "theirs")
    assert done.exit_code == 0, done.output
    assert bob.conflicts() == []


def test_both_keeps_the_authors_and_log_names_the_right_commits(conflicted) -> None:
    alice, bob = conflicted
    assert cli(bob, "resolve", "sharpen", "mine").exit_code == 0
    assert cli(bob, "resolve", "denoise", "both").exit_code == 0
    kept = bob.get("denoise_theirs")
    assert kept.author == ALICE  # Alice wrote that code; Bob only merged it
    assert bob.get("denoise").author == BOB
    assert bob.get("denoise").commit != alice.get("denoise").commit
    bob.push("lab")
    assert alice.pull("lab").status == "fast-forward"
    alice.save(function_code("denoise_theirs", 7), message="after the merge", author=ALICE)
    for store in (bob, alice):
        for name in ("denoise", "denoise_theirs"):
            runs = []
            for rebuild in (False, True):
                # as brought forward by the pull, then rebuilt from scratch
                if rebuild:
                    (store.path / "fnstore" / "head-index").unlink(missing_ok=True)
                result = cli(store, "log", name, "--json")
                assert result.exit_code == 0, result.output
                runs.append(json.loads(result.output))
                fresh = open_store(store.path)
                assert [v.commit for v in fresh.history(name)] == [r["commit"] for r in runs[-1]]
            assert runs[0] == runs[1]
            for row in runs[0]:
                # every row's commit holds that row's code
                assert blob_at(store.path, row["commit"], row["module"]) == row["content_id"], row
