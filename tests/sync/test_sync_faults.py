"""Faults: a server killed mid-push, two members pushing at once, a broken manifest pulled."""

from __future__ import annotations

import contextlib
import threading

import pytest
from _lab import (
    GitDaemon,
    break_manifest_by_hand,
    function_code,
    git,
    git_hidden,
    install_hook,
)

from fnstore.errors import ManifestError, PushRejectedError, RemoteUnreachableError
from fnstore.layout import module_path


def fill(store, count, *, prefix="fn", factor=2):
    for i in range(count):
        store.save(function_code(f"{prefix}{i}", factor), message=f"{prefix}{i}")


@pytest.mark.parametrize("engine", ["git", "libgit2"])
def test_daemon_killed_in_the_middle_of_a_push(
    make_store, served_root, bare_remote, engine, monkeypatch
):
    daemon = GitDaemon(served_root)
    daemon.start()
    try:
        store = make_store()
        fill(store, 20)
        head = store.head
        store.add_remote("lab", daemon.url(bare_remote.name))
        # The server holds every push before updating its branch (as a slow
        # server would), so the kill below always lands mid-push.
        hook = install_hook(bare_remote, "pre-receive", "sleep 60")
        killed = []

        def kill_on_upload(progress):
            # The server has accepted the push and waits for our pack: kill it
            # (daemon, receive-pack and hook) now, while the upload is under way.
            if not killed:
                killed.append(progress)
                daemon.kill()

        # git push where git is installed; libgit2 where it is not
        hidden = git_hidden(monkeypatch) if engine == "libgit2" else contextlib.nullcontext()
        with hidden, pytest.raises(RemoteUnreachableError, match="try again"):
            store.push("lab", progress=kill_on_upload)
        assert killed
        # the local store is intact: same head, every function readable, fsck clean
        assert store.head == head
        assert len(store.functions()) == 20
        git("fsck", "--strict", cwd=store.path)
        # the remote did not take a half push
        assert "refs/heads/main" not in git("for-each-ref", cwd=bare_remote)

        hook.unlink()
        daemon.start()  # back up (on a new port)
        store.remove_remote("lab")
        store.add_remote("lab", daemon.url(bare_remote.name))
        assert store.push("lab").commit == head
        assert git("rev-parse", "main", cwd=bare_remote).strip() == head
        git("fsck", "--strict", cwd=bare_remote)
    finally:
        daemon.kill()


def test_two_members_push_at_the_same_moment(make_store, git_daemon, bare_remote):
    alice, bob = make_store("alice"), make_store("bob")
    url = git_daemon.url(bare_remote.name)
    alice.save(function_code("blur"), message="blur")
    alice.add_remote("lab", url)
    alice.push("lab")
    bob.add_remote("lab", url)
    bob.pull("lab")
    fill(alice, 3, prefix="alice")
    fill(bob, 3, prefix="bob")
    heads = {"alice": alice.head, "bob": bob.head}

    start = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def push(name, store):
        start.wait()
        try:
            outcome[name] = store.push("lab")
        except PushRejectedError as exc:
            outcome[name] = exc

    threads = [threading.Thread(target=push, args=m) for m in (("alice", alice), ("bob", bob))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    rejected = [n for n, o in outcome.items() if isinstance(o, PushRejectedError)]
    assert len(rejected) == 1, outcome
    [loser] = rejected
    winner = "bob" if loser == "alice" else "alice"
    assert "pull first" in str(outcome[loser])
    assert git("rev-parse", "main", cwd=bare_remote).strip() == heads[winner]
    # nothing lost: the loser's work is untouched, and pull + push brings both together
    stores = {"alice": alice, "bob": bob}
    assert stores[loser].head == heads[loser]
    assert stores[loser].pull("lab").status == "merged"
    stores[loser].push("lab")
    stores[winner].pull("lab")
    for store in stores.values():
        names = sorted(m.module for m in store.functions())
        assert names == sorted(["blur"] + [f"{p}{i}" for p in ("alice", "bob") for i in range(3)])


def test_pull_of_a_manifest_broken_by_hand(make_store, bare_remote, tmp_path):
    alice, bob = make_store("alice"), make_store("bob")
    alice.save(function_code("blur"), message="blur")
    alice.save(function_code("sharpen"), message="sharpen")
    alice.add_remote("lab", str(bare_remote))
    alice.push("lab")
    bob.add_remote("lab", str(bare_remote))
    bob.pull("lab")

    break_manifest_by_hand(bare_remote, tmp_path / "plain", "sharpen", '{"schema_version": 1, oops')

    result = bob.pull("lab")
    assert result.status == "fast-forward"
    assert list(result.broken) == ["sharpen"]
    assert f"{module_path('sharpen')}/manifest.json" in result.broken["sharpen"]
    # everything else is usable
    assert [m.module for m in bob.functions()] == ["blur"]
    assert bob.get("blur").source == function_code("blur")
    with pytest.raises(ManifestError, match=rf"{module_path('sharpen')}/manifest\.json"):
        bob.get("sharpen")
    bob.save(function_code("denoise"), message="still works")
    bob.push("lab")


def test_first_pull_names_a_broken_manifest_even_when_read_later(make_store, bare_remote, tmp_path):
    # The report reads the manifests when asked; it describes what the pull
    # brought, whatever the store did meanwhile.
    alice = make_store("alice")
    for name in ("blur", "sharpen", "edges"):
        alice.save(function_code(name), message=name)
    alice.add_remote("lab", str(bare_remote))
    alice.push("lab")
    break_manifest_by_hand(bare_remote, tmp_path / "plain", "edges", "[]")

    carol = make_store("carol")
    carol.add_remote("lab", str(bare_remote))
    result = carol.pull("lab")
    assert result.changed == ["blur", "edges", "sharpen"]
    carol.save(function_code("edges", 3), message="a fixed edges")
    assert list(result.broken) == ["edges"]
    assert carol.get("edges").source == function_code("edges", 3)
