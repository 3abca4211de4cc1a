"""Push runs ``git push`` for path and git:// remotes where git is installed, libgit2 otherwise.

Both engines must behave the same for the user: the branch and notes arrive,
the remote-tracking branch moves, progress reaches the total, a remote that
moved says "pull first", and a failure leaves the store as it was.
"""

from __future__ import annotations

import pytest
from _lab import function_code, git, git_hidden, install_hook

from fnstore.errors import PushRejectedError, RemoteUnreachableError, SyncError
from fnstore.git._gitcli import uses_git

ENGINES = ["git", "libgit2"]


@pytest.fixture(params=["path", "git"])
def lab_url(request, bare_remote):
    if request.param == "path":
        return str(bare_remote)
    return request.getfixturevalue("git_daemon").url(bare_remote.name)


def push(store, engine, monkeypatch, **kwargs):
    if engine == "git":
        assert uses_git(store.remotes()["lab"], store.path, "lab", push=True) is not None
        return store.push("lab", **kwargs)
    with git_hidden(monkeypatch):
        assert uses_git(store.remotes()["lab"], store.path, "lab", push=True) is None
        return store.push("lab", **kwargs)


@pytest.mark.parametrize("engine", ENGINES)
def test_push_sends_branch_and_notes_and_reports_progress(
    make_store, bare_remote, lab_url, engine, monkeypatch
):
    store = make_store()
    for i in range(30):
        store.save(function_code(f"fn{i}"), message=f"fn{i}")
    git("notes", "--ref", "fnstore/bench", "add", "-m", "{}", "HEAD", cwd=store.path)
    store.add_remote("lab", lab_url)
    sent = []
    result = push(store, engine, monkeypatch, progress=sent.append)
    assert result.commit == store.head
    assert git("rev-parse", "main", cwd=bare_remote).strip() == store.head
    assert "refs/notes/fnstore/bench" in git("for-each-ref", cwd=bare_remote)
    # the remote-tracking branch follows, as after git push
    assert git("rev-parse", "refs/remotes/lab/main", cwd=store.path).strip() == store.head
    assert sent[0].objects == 0
    assert sent[-1].phase == "sending" and sent[-1].objects == sent[-1].total > 0
    git("fsck", "--strict", cwd=bare_remote)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_remote_that_moved_says_pull_first(make_store, lab_url, engine, monkeypatch):
    alice, bob = make_store("alice"), make_store("bob")
    alice.save(function_code("blur"), message="blur")
    alice.add_remote("lab", lab_url)
    alice.push("lab")
    bob.save(function_code("sharpen"), message="sharpen")
    bob.add_remote("lab", lab_url)
    head = bob.head
    with pytest.raises(PushRejectedError, match="pull first"):
        push(bob, engine, monkeypatch)
    assert bob.head == head
    bob.pull("lab")
    push(bob, engine, monkeypatch)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_missing_repository_is_named(make_store, git_daemon, engine, monkeypatch):
    store = make_store()
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", git_daemon.url("nothing-here.git"))
    head = store.head
    with pytest.raises(RemoteUnreachableError, match="no git repository"):
        push(store, engine, monkeypatch)
    assert store.head == head


def test_git_push_runs_no_hooks_of_the_store(make_store, bare_remote, tmp_path):
    # fnstore asked for a push, nothing more: a pre-push hook left in the store
    # (or configured globally) is not run.
    store = make_store()
    store.save(function_code("blur"), message="blur")
    ran = tmp_path / "hook-ran"
    install_hook(store.path, "pre-push", f"touch {ran}\nexit 1")
    store.add_remote("lab", str(bare_remote))
    store.push("lab")
    assert not ran.exists()
    assert git("rev-parse", "main", cwd=bare_remote).strip() == store.head


def test_a_push_to_a_path_runs_no_hooks_of_the_remote(make_store, bare_remote, tmp_path):
    # A shared lab repository's hooks are anyone's code (whoever can write
    # there); pushing to it by path must not run them as the pusher.
    store = make_store()
    store.save(function_code("blur"), message="blur")
    ran = tmp_path / "hook-ran"
    for name in ("pre-receive", "update", "post-receive"):
        install_hook(bare_remote, name, f"echo {name} >> {ran}")
    store.add_remote("lab", str(bare_remote))
    store.push("lab")
    assert not ran.exists()
    assert git("rev-parse", "main", cwd=bare_remote).strip() == store.head


def test_ssh_and_https_remotes_push_with_libgit2(make_store):
    # their logins go through fnstore's own credential rules (https through a
    # proxy is the exception: see test_sync_proxy.py)
    store = make_store()
    for url in (
        "ssh://me@lab.example.org/fn.git",
        "https://lab.example.org/fn.git",
        "me@lab.example.org:fn.git",
    ):
        assert uses_git(url, store.path, "lab", push=True) is None
    # fetching from a path or git:// stays with libgit2 (or the file copy)
    assert uses_git("git://lab.example.org/fn.git", store.path, "lab", push=False) is None


@pytest.mark.parametrize("engine", ENGINES)
def test_a_server_rule_is_not_called_a_conflict(
    make_store, git_daemon, bare_remote, engine, monkeypatch
):
    # A server hook that declines every push: pulling would not help, so the
    # user must not be told to pull first.
    install_hook(bare_remote, "pre-receive", "echo 'main is protected' >&2\nexit 1")
    store = make_store()
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", git_daemon.url(bare_remote.name))
    head = store.head
    with pytest.raises(SyncError, match="declined") as info:
        push(store, engine, monkeypatch)
    assert not isinstance(info.value, PushRejectedError)
    assert "pull first" not in str(info.value) and "lab repository" in str(info.value)
    assert store.head == head
    assert "refs/heads/main" not in git("for-each-ref", cwd=bare_remote)


class Cancelled(Exception):
    pass


@pytest.mark.parametrize("engine", ENGINES)
def test_a_progress_callback_that_raises_stops_the_push(
    make_store, bare_remote, lab_url, engine, monkeypatch
):
    # how a GUI's cancel button stops a push: the exception comes back as it
    # is, the store is untouched, and the next push works
    store = make_store()
    for i in range(30):
        store.save(function_code(f"fn{i}"), message=f"fn{i}")
    store.add_remote("lab", lab_url)
    head = store.head

    def cancel(_progress):
        raise Cancelled

    with pytest.raises(Cancelled):
        push(store, engine, monkeypatch, progress=cancel)
    assert store.head == head
    git("fsck", "--strict", cwd=store.path)
    assert push(store, engine, monkeypatch).commit == head
    assert git("rev-parse", "main", cwd=bare_remote).strip() == head
