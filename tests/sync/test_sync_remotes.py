"""Registering, listing and removing remotes."""

from __future__ import annotations

import pytest

from fnstore.errors import (
    InvalidNameError,
    RemoteExistsError,
    RemoteNotFoundError,
    SyncError,
)


def test_add_list_remove(make_store, bare_remote, tmp_path):
    store = make_store()
    store.add_remote("lab", str(bare_remote))
    store.add_remote("backup", f"file://{bare_remote}")
    assert store.remotes() == {"backup": f"file://{bare_remote}", "lab": str(bare_remote)}
    store.remove_remote("backup")
    assert store.remotes() == {"lab": str(bare_remote)}


def test_relative_path_is_made_absolute(make_store, bare_remote, monkeypatch):
    monkeypatch.chdir(bare_remote.parent)
    store = make_store()
    store.add_remote("lab", bare_remote.name)
    assert store.remotes()["lab"] == str(bare_remote)


def test_remote_is_plain_git_config(make_store, bare_remote):
    from _lab import git

    store = make_store()
    store.add_remote("lab", str(bare_remote))
    assert git("remote", "-v", cwd=store.path).split()[:2] == ["lab", str(bare_remote)]


def test_duplicate_name_is_refused(make_store, bare_remote):
    store = make_store()
    store.add_remote("lab", str(bare_remote))
    with pytest.raises(RemoteExistsError, match="remove_remote"):
        store.add_remote("lab", "git://127.0.0.1/other.git")
    assert store.remotes() == {"lab": str(bare_remote)}


@pytest.mark.parametrize("name", ["", "../x", "a b", "-x", "lab.lock", "a..b", "x/y"])
def test_unsafe_names_are_refused(make_store, name):
    with pytest.raises(InvalidNameError, match="remote name"):
        make_store().add_remote(name, "git://127.0.0.1/lab.git")


def test_token_in_url_is_refused(make_store):
    store = make_store()
    with pytest.raises(SyncError, match="FNSTORE_TOKEN") as info:
        store.add_remote("lab", "https://me:s3cret@example.org/lab.git")
    assert "s3cret" not in str(info.value)
    assert store.remotes() == {}
    assert "s3cret" not in (store.path / "config").read_text()


def test_unknown_remote(make_store, bare_remote):
    store = make_store()
    store.add_remote("lab", str(bare_remote))
    for call in (store.fetch, store.pull, store.push, store.remove_remote):
        with pytest.raises(RemoteNotFoundError, match="known: lab"):
            call("nope")


def test_remove_forgets_fetched_refs(make_store, bare_remote):
    from _lab import function_code

    member = make_store("member")
    member.save(function_code("blur"), message="blur")
    member.add_remote("lab", str(bare_remote))
    member.push("lab")
    store = make_store()
    store.add_remote("lab", str(bare_remote))
    store.fetch("lab")
    assert "refs/remotes/lab/main" in list(store._repo.references)
    store.remove_remote("lab")
    assert not [r for r in store._repo.references if "lab" in r]
