"""Remote URLs that would make git run a program or leak a token are refused plainly.

Before, ``ext::``, ``fd::``, ``--upload-pack=`` and ``ssh://-oProxyCommand=``
URLs were added, then failed at fetch with "failed to resolve address" (or
"unsupported URL protocol"); a token given as an http(s) user name (D9) was
stored in the config and printed by ``remote ls``.
"""

from __future__ import annotations

import pytest

from fnstore.errors import SyncError

HOSTILE = [
    ("ext::sh -c touch% /tmp/fnstore-pwned", "transport ext:: is not allowed"),
    ("fd::3", "transport fd:: is not allowed"),
    ("--upload-pack=touch /tmp/fnstore-pwned", "begins with '-'"),
    ("ssh://-oProxyCommand=touch%20/tmp/fnstore-pwned/lab", "host in the remote URL begins"),
    ("ssh://-oProxyCommand=x@host/lab", "user in the remote URL begins"),
    ("me@-oProxyCommand=x:lab.git", "ssh host in"),
    ("gopher://example.org/lab.git", "transport gopher:// is not allowed"),
    ("/srv/lab.git\n[core]\n\tsshCommand = touch /tmp/x", "control character"),
    ("/srv/lab\x00.git", "control character"),
]


@pytest.mark.parametrize(("url", "words"), HOSTILE, ids=[u for u, _ in HOSTILE])
def test_hostile_transports_are_refused_saying_why(make_store, url, words):
    store = make_store()
    with pytest.raises(SyncError, match=words):
        store.add_remote("lab", url)
    assert store.remotes() == {}


# what plain git can be made to store (no control characters)
IN_CONFIG = [u for u, _ in HOSTILE if u.isprintable()]


@pytest.mark.parametrize("url", IN_CONFIG, ids=IN_CONFIG)
def test_a_hostile_url_set_with_plain_git_is_refused_at_fetch_and_push(make_store, url):
    from _lab import git

    store = make_store()
    store.save("from fnstore import numpy\n\n@numpy\ndef f(image):\n    return image\n")
    git("remote", "add", "lab", "--", url, cwd=store.path)
    for verb in (store.fetch, store.pull, store.push):
        with pytest.raises(SyncError, match="not allowed"):
            verb("lab")


@pytest.mark.parametrize(
    "url", ["http://s3cretTOKEN@127.0.0.1/lab.git", "https://s3cretTOKEN@example.org/lab.git"]
)
def test_d9_a_token_as_the_user_name_is_refused_redacted(make_store, url):
    store = make_store()
    with pytest.raises(SyncError, match="FNSTORE_TOKEN") as info:
        store.add_remote("lab", url)
    assert "s3cretTOKEN" not in str(info.value)
    assert store.remotes() == {}
    assert "s3cretTOKEN" not in (store.path / "config").read_text()


def test_d9_remote_ls_never_prints_a_token_added_with_plain_git(make_store):
    from _lab import git

    store = make_store()
    git("remote", "add", "lab", "https://s3cretTOKEN@example.org/lab.git", cwd=store.path)
    assert store.remotes() == {"lab": "https://***@example.org/lab.git"}
    with pytest.raises(SyncError) as info:
        store.fetch("lab")
    assert "s3cretTOKEN" not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "ssh://git@example.org/lab.git",
        "git@example.org:lab/functions.git",
        "git://127.0.0.1/lab.git",
        "https://example.org/lab.git",
        "file:///srv/lab.git",
    ],
)
def test_ordinary_urls_are_still_added(make_store, url):
    store = make_store()
    store.add_remote("lab", url)
    assert store.remotes() == {"lab": url}


def test_a_path_naming_an_unknown_user_is_a_clear_error(tmp_path):
    from fnstore import open_store
    from fnstore.errors import SyncError

    store = open_store(tmp_path / "me.git")
    with pytest.raises(SyncError, match="full path"):
        store.add_remote("lab", "~no-such-user-here/lab.git")
    assert store.remotes() == {}
