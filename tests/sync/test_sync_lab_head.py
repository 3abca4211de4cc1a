"""A lab repository that plain-git members can clone: its HEAD names the pushed branch.

``git init --bare`` names ``master`` in HEAD (here, with ``init.defaultBranch``
set to master as on a stock git), while fnstore pushes ``main``: a member who
clones with plain git then gets an empty checkout.  These tests make such a
repository the way the README used to, and check every fix: ``remote add
--create``, a first push to a path that repoints HEAD, and advice for a
network remote fnstore cannot change.
"""

from __future__ import annotations

import stat
import subprocess

import pytest
from _lab import function_code, git
from typer.testing import CliRunner

from fnstore.cli import app
from fnstore.errors import SyncError


def _stock_bare(path):
    """``git init --bare`` as on a machine whose git still defaults to master."""
    git("-c", "init.defaultBranch=master", "init", "-q", "--bare", str(path))
    assert git("--git-dir", str(path), "symbolic-ref", "HEAD").strip() == "refs/heads/master"
    return path


def _clone(url, into):
    """Plain ``git clone``; returns (stderr, the files checked out)."""
    done = subprocess.run(
        ["git", "clone", "-q", str(url), str(into)], capture_output=True, text=True, check=True
    )
    files = sorted(
        str(p.relative_to(into)) for p in into.rglob("*") if p.is_file() and ".git" not in p.parts
    )
    return done.stderr, files


@pytest.fixture
def fnstore(tmp_path):
    runner = CliRunner()

    def run(*args):
        argv = ["--store", str(tmp_path / "me.git"), *map(str, args)]
        return runner.invoke(app, argv, catch_exceptions=False)

    return run


def test_remote_add_create_makes_a_clonable_lab_repository(fnstore, make_store, tmp_path):
    store = make_store("me")
    store.save(function_code("blur"), message="blur")
    lab = tmp_path / "shared" / "functions.git"
    lab.parent.mkdir()
    added = fnstore("remote", "add", "lab", lab, "--create")
    assert added.exit_code == 0, added.stderr
    assert "Created the lab repository" in added.stdout
    assert git("--git-dir", str(lab), "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git("--git-dir", str(lab), "config", "core.sharedRepository").strip() in {"1", "group"}
    assert lab.stat().st_mode & stat.S_IWGRP  # group members may write
    pushed = fnstore("push")
    assert pushed.exit_code == 0, pushed.stderr
    assert "note:" not in pushed.stdout
    warning, files = _clone(lab, tmp_path / "member")
    assert "nonexistent ref" not in warning
    assert any(f.endswith("source.py") for f in files)


def test_create_refuses_what_it_cannot_make(make_store, tmp_path):
    store = make_store("me")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(SyncError, match="not empty"):
        store.add_remote("lab", str(busy), create=True)
    with pytest.raises(SyncError, match="git init --bare --shared=group"):
        store.add_remote("lab", "git://127.0.0.1:9/lab.git", create=True)
    assert store.remotes() == {}
    assert (busy / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "file-url"])
def test_first_push_repoints_a_path_remotes_head(make_store, tmp_path, as_url):
    lab = _stock_bare(tmp_path / "lab.git")
    store = make_store("me")
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", f"file://{lab}" if as_url else str(lab))
    result = store.push("lab")
    assert result.advice is None
    assert git("--git-dir", str(lab), "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    warning, files = _clone(lab, tmp_path / "member")
    assert "nonexistent ref" not in warning
    assert any(f.endswith("source.py") for f in files)


def test_a_head_naming_an_existing_branch_is_left_alone(make_store, tmp_path):
    lab = _stock_bare(tmp_path / "lab.git")
    # a lab that already keeps its work on master: fnstore's push of main must not move HEAD
    work = tmp_path / "work"
    git("-c", "init.defaultBranch=master", "init", "-q", str(work))
    (work / "README").write_text("lab\n")
    git("add", "README", cwd=work)
    git("commit", "-q", "-m", "lab", cwd=work)
    git("push", "-q", str(lab), "master", cwd=work)
    store = make_store("me")
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", str(lab))
    assert store.push("lab").advice is None
    assert git("--git-dir", str(lab), "symbolic-ref", "HEAD").strip() == "refs/heads/master"


def test_a_network_remote_gets_advice_not_a_change(make_store, git_daemon, served_root):
    lab = _stock_bare(served_root / "stock-head.git")
    store = make_store("me")
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", git_daemon.url(lab.name))
    result = store.push("lab")
    assert result.advice is not None
    assert "symbolic-ref HEAD refs/heads/main" in result.advice
    # HEAD on the server is the server's to change
    assert git("--git-dir", str(lab), "symbolic-ref", "HEAD").strip() == "refs/heads/master"
    store.save(function_code("blur", factor=3), message="blur 2")
    assert store.push("lab").advice is None  # said once, on the first push


def test_a_network_remote_with_a_good_head_gets_no_advice(make_store, git_daemon, bare_remote):
    store = make_store("me")
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", git_daemon.url(bare_remote.name))
    assert store.push("lab").advice is None


def test_cli_push_prints_the_advice(fnstore, make_store, git_daemon, served_root):
    lab = _stock_bare(served_root / "stock-head-cli.git")
    make_store("me").save(function_code("blur"), message="blur")
    assert fnstore("remote", "add", "lab", git_daemon.url(lab.name)).exit_code == 0
    pushed = fnstore("push")
    assert pushed.exit_code == 0, pushed.stderr
    assert "note:" in pushed.stdout and "symbolic-ref" in pushed.stdout
