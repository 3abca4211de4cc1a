"""Push, fetch and pull over every transport a lab uses: path, file://, git://, ssh://."""

from __future__ import annotations

import pytest
from _lab import function_code, git


@pytest.fixture(params=["path", "file", "git", "ssh"])
def remote_url(request, bare_remote):
    """The URL of ``bare_remote`` over one transport (servers started on demand)."""
    kind = request.param
    if kind == "path":
        return str(bare_remote)
    if kind == "file":
        return f"file://{bare_remote}"
    if kind == "git":
        return request.getfixturevalue("git_daemon").url(bare_remote.name)
    return request.getfixturevalue("ssh_client").url(bare_remote.name)


def test_push_then_pull_into_another_store(make_store, remote_url, bare_remote):
    alice, bob = make_store("alice"), make_store("bob")
    alice.save(function_code("blur"), message="add blur")
    alice.save(function_code("sharpen"), message="add sharpen")
    alice.add_remote("lab", remote_url)
    sent = []
    pushed = alice.push("lab", progress=sent.append)
    assert pushed.commit == alice.head
    assert git("rev-parse", "main", cwd=bare_remote).strip() == alice.head
    assert sent and sent[-1].phase == "sending" and sent[-1].objects == sent[-1].total

    bob.add_remote("lab", remote_url)
    got = []
    result = bob.pull("lab", progress=got.append)
    assert result.status == "fast-forward"
    assert sorted(result.changed) == ["blur", "sharpen"]
    assert bob.head == alice.head
    assert bob.source("blur") == function_code("blur")
    assert got and got[-1].total > 0


def test_fetch_changes_nothing_local(make_store, remote_url):
    alice, bob = make_store("alice"), make_store("bob")
    alice.save(function_code("blur"), message="add blur")
    alice.add_remote("lab", remote_url)
    alice.push("lab")
    bob.save(function_code("denoise"), message="mine")
    before = bob.head
    bob.add_remote("lab", remote_url)
    fetched = bob.fetch("lab")
    assert fetched.commit == alice.head and fetched.objects > 0
    assert bob.head == before


def test_pull_of_empty_remote_is_up_to_date(make_store, remote_url):
    store = make_store()
    store.add_remote("lab", remote_url)
    assert store.pull("lab").status == "up-to-date"
    assert store.head is None


def test_push_of_empty_store_says_save_first(make_store, remote_url):
    from fnstore.errors import SyncError

    store = make_store()
    store.add_remote("lab", remote_url)
    with pytest.raises(SyncError, match="save a function"):
        store.push("lab")


def test_second_push_is_a_no_op(make_store, remote_url):
    store = make_store()
    store.save(function_code("blur"), message="add blur")
    store.add_remote("lab", remote_url)
    first = store.push("lab")
    assert store.push("lab").commit == first.commit


def test_large_fetch_from_a_path_copies_object_files(make_store, bare_remote, monkeypatch):
    from fnstore.git import _localcopy

    copied = []
    real_copy = _localcopy._copy
    monkeypatch.setattr(_localcopy, "BULK_COMMITS", 3)
    monkeypatch.setattr(_localcopy, "_copy", lambda s, d: copied.append(d) or real_copy(s, d))
    alice, bob = make_store("alice"), make_store("bob")
    for name in ("blur", "sharpen", "denoise"):
        alice.save(function_code(name), message=name)
    git("notes", "--ref", "fnstore-bench", "add", "-m", "[]", alice.head, cwd=alice.path)
    alice.add_remote("lab", str(bare_remote))
    alice.push("lab")
    bob.add_remote("lab", f"file://{bare_remote}")
    result = bob.pull("lab")
    assert copied, "the bulk path was not taken"
    assert result.status == "fast-forward" and bob.head == alice.head
    assert result.notes == ["refs/notes/fnstore-bench"]
    assert sorted(m.module for m in bob.functions()) == ["blur", "denoise", "sharpen"]
    git("fsck", "--strict", cwd=bob.path)
    # a small follow-up fetch takes libgit2's ordinary path
    copied.clear()
    alice.save(function_code("blur", 3), message="blur 3")
    alice.push("lab")
    assert bob.pull("lab").status == "fast-forward"
    assert not copied and bob.source("blur") == function_code("blur", 3)


def test_pull_from_a_remote_with_another_branch_name(make_store, bare_remote, tmp_path):
    from fnstore.errors import SyncError

    work = tmp_path / "plain"
    git("init", "-q", "-b", "master", str(work))
    (work / "README").write_text("lab\n")
    git("add", "README", cwd=work)
    git("-c", "user.name=P", "-c", "user.email=p@x", "commit", "-qm", "init", cwd=work)
    git("push", "-q", str(bare_remote), "master", cwd=work)
    store = make_store()
    store.add_remote("lab", str(bare_remote))
    with pytest.raises(SyncError, match=r"no branch 'main' \(it has: master\)"):
        store.pull("lab")


def test_bulk_copy_falls_back_for_a_remote_with_alternates(
    make_store, bare_remote, tmp_path, monkeypatch
):
    from fnstore.git import _localcopy

    monkeypatch.setattr(_localcopy, "BULK_COMMITS", 1)
    alice = make_store("alice")
    alice.save(function_code("blur"), message="blur")
    alice.add_remote("lab", str(bare_remote))
    alice.push("lab")
    shared = tmp_path / "shared.git"  # borrows its objects from the lab repository
    git("clone", "-q", "--bare", "--shared", str(bare_remote), str(shared))
    assert (shared / "objects" / "info" / "alternates").exists()
    bob = make_store("bob")
    bob.add_remote("lab", str(shared))
    assert bob.pull("lab").commit == alice.head
    assert not list((bob.path / "objects" / "info").glob("alternates"))
    git("fsck", "--strict", cwd=bob.path)
