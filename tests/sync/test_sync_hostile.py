"""Hostile lab commits, made with plain git: pull reports what it cannot read
or will not follow, takes everything else, and never fails as a whole.

D4: a manifest nested 10,000 levels deep made pull raise RecursionError.
D5: a manifest with ``schema_version: 99`` was pulled without a word.
Symbolic links, submodules and stray files were kept without a word.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import pytest
from _lab import function_code, git
from typer.testing import CliRunner

from fnstore.cli import app
from fnstore.layout import module_path

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def lab(make_store, bare_remote, tmp_path):
    """Alice pushed ``good`` and ``bad``; Bob pulled them; ``work`` is a plain-git clone."""
    alice = make_store("alice")
    alice.save(function_code("good"))
    alice.save(function_code("bad"))
    alice.add_remote("lab", str(bare_remote))
    alice.push("lab")
    bob = make_store("bob")
    bob.add_remote("lab", str(bare_remote))
    bob.pull("lab")
    work = tmp_path / "work"
    git("clone", "-q", str(bare_remote), str(work))
    return bob, work


def _push(work: Path) -> None:
    with (work / module_path("good") / "source.py").open("a") as handle:
        handle.write("# changed by the lab\n")
    git("add", "-A", cwd=work)
    git("commit", "-qm", "hostile", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)


def _manifest(work: Path) -> Path:
    return work / module_path("bad") / "manifest.json"


def _deep(work: Path) -> None:
    _manifest(work).write_text("[" * 10_000 + "]" * 10_000)


def _deep_inside(work: Path) -> None:
    doc = json.loads(_manifest(work).read_text())
    text = json.dumps(doc)
    _manifest(work).write_text(text[:-1] + ', "x": ' + "[" * 10_000 + "]" * 10_000 + "}")


def _newer(work: Path) -> None:
    doc = json.loads(_manifest(work).read_text())
    doc["schema_version"] = 99
    _manifest(work).write_text(json.dumps(doc, indent=2))


def _huge(work: Path) -> None:
    doc = json.loads(_manifest(work).read_text())
    doc["message"] = "x" * (8 << 20)
    _manifest(work).write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        (_deep, "deep"),
        (_deep_inside, "deep"),
        (_newer, "schema version 99"),
        (_huge, "bytes"),
    ],
    ids=["d4-nested", "d4-nested-inside", "d5-schema-99", "oversized"],
)
def test_a_hostile_manifest_is_named_and_the_rest_is_pulled(lab, spoil, words):
    bob, work = lab
    spoil(work)
    _push(work)
    result = bob.pull("lab")
    assert result.status == "fast-forward"
    assert list(result.broken) == ["bad"]
    assert words in result.broken["bad"]
    assert "changed by the lab" in bob.source("good")
    assert [m.module for m in bob.functions()] == ["good"]
    git("fsck", "--full", cwd=bob.path)


def test_d4_cli_pull_of_a_deep_manifest_names_it(lab, tmp_path):
    bob, work = lab
    _deep(work)
    _push(work)
    out = CliRunner().invoke(app, ["--store", str(bob.path), "pull", "lab"])
    assert out.exit_code == 1
    assert "RecursionError" not in out.output
    assert f"{module_path('bad')}/manifest.json" in out.stderr
    assert "cannot read bad" in out.stderr


def _odd_entries(work: Path) -> None:
    (work / "README.md").write_text("our lab\n")
    (work / "functions" / "notes.txt").write_text("stray\n")
    os.symlink("/etc", work / "functions" / "etc")
    os.symlink("/etc/passwd", work / module_path("good") / "passwd.py")


IGNORED = [
    "README.md (a file outside functions/)",
    "functions/etc (a symbolic link, not a module folder)",
    "functions/notes.txt (a file, not a module folder)",
    "functions/sub (a submodule, not a module folder)",
    f"{module_path('good')}/passwd.py (a symbolic link, not part of the module)",
]


def _push_odd(work: Path) -> None:
    _odd_entries(work)
    with (work / module_path("good") / "source.py").open("a") as handle:
        handle.write("# changed by the lab\n")
    git("add", "-A", cwd=work)
    git("update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},functions/sub", cwd=work)
    git("commit", "-qm", "odd entries", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)


@pytest.mark.parametrize("diverged", [False, True], ids=["fast-forward", "merge"])
def test_what_fnstore_ignores_is_named_once_and_never_followed(lab, diverged):
    bob, work = lab
    if diverged:
        bob.save(function_code("mine"))
    _push_odd(work)
    result = bob.pull("lab")
    assert result.status == ("merged" if diverged else "fast-forward")
    assert sorted(result.ignored) == sorted(IGNORED)
    assert result.broken == {}
    assert "passwd" not in bob.source("good")
    expected = {"good", "bad", "mine"} if diverged else {"good", "bad"}
    assert {m.module for m in bob.functions()} == expected
    assert bob.pull("lab").ignored == []  # once: nothing new came in


def test_cli_pull_warns_about_ignored_entries(lab):
    bob, work = lab
    _push_odd(work)
    out = CliRunner().invoke(app, ["--store", str(bob.path), "pull", "lab"])
    assert out.exit_code == 0, out.output
    warnings = [line for line in out.stderr.splitlines() if "ignored" in line]
    assert len(warnings) == 1
    assert "functions/etc (a symbolic link" in warnings[0]
