"""Push and pull over http(s) through a web proxy, as many institutions require.

libgit2 does not go through a proxy, so fnstore hands such transfers to the
git command; the token rule (``FNSTORE_TOKEN``, else git's credential helper,
never a prompt) and the error messages stay the same.  The proxy and the
server are real, on loopback.
"""

from __future__ import annotations

import pytest
from _lab import GitHttpServer, HttpProxy, free_port, function_code, git

from fnstore.errors import AuthenticationError, RemoteUnreachableError
from fnstore.git._gitcli import uses_git

TOKEN = "s3cret-token"


@pytest.fixture
def server(served_root):
    lab = GitHttpServer(served_root, token=TOKEN)
    yield lab
    lab.close()


@pytest.fixture
def proxy():
    relay = HttpProxy()
    yield relay
    relay.close()


def use_proxy(home, url: str) -> None:
    with (home / ".gitconfig").open("a") as config:
        config.write(f"[http]\n\tproxy = {url}\n")


def test_push_and_pull_through_the_proxy_in_git_config(
    make_store, server, bare_remote, proxy, isolated_home, monkeypatch
):
    monkeypatch.setenv("FNSTORE_TOKEN", TOKEN)
    use_proxy(isolated_home, proxy.url)
    url = server.url(bare_remote.name)
    alice, bob = make_store("alice"), make_store("bob")
    for i in range(5):
        alice.save(function_code(f"fn{i}"), message=f"fn{i}")
    alice.add_remote("lab", url)
    sent = []
    alice.push("lab", progress=sent.append)
    assert git("rev-parse", "main", cwd=bare_remote).strip() == alice.head
    assert proxy.requests and all(r.split()[1].startswith(url) for r in proxy.requests)
    assert sent[-1].phase == "sending" and sent[-1].objects == sent[-1].total > 0

    bob.add_remote("lab", url)
    seen = len(proxy.requests)
    got = []
    result = bob.pull("lab", progress=got.append)
    assert result.status == "fast-forward" and bob.head == alice.head
    assert sorted(result.changed) == [f"fn{i}" for i in range(5)]
    assert len(proxy.requests) > seen
    assert any(p.phase == "receiving" and p.total > 0 for p in got), got
    # the token went through the environment only
    for store in (alice, bob):
        for path in store.path.rglob("*"):
            if path.is_file():
                assert TOKEN.encode() not in path.read_bytes(), path


def test_proxy_from_the_environment_and_no_proxy(
    make_store, server, bare_remote, proxy, monkeypatch
):
    monkeypatch.setenv("FNSTORE_TOKEN", TOKEN)
    monkeypatch.setenv("http_proxy", proxy.url)
    store = make_store()
    store.save(function_code("blur"), message="blur")
    url = server.url(bare_remote.name)
    store.add_remote("lab", url)
    store.push("lab")
    assert proxy.requests
    # hosts named in no_proxy are reached directly
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    assert uses_git(url, store.path, "lab", push=False) is None
    seen = len(proxy.requests)
    assert store.fetch("lab").commit == store.head
    assert len(proxy.requests) == seen


def test_a_token_from_git_credential_helper_through_the_proxy(
    make_store, server, bare_remote, proxy, isolated_home
):
    use_proxy(isolated_home, proxy.url)
    credentials = isolated_home / ".git-credentials"
    credentials.write_text(f"http://alice:{TOKEN}@127.0.0.1:{server.port}\n")
    with (isolated_home / ".gitconfig").open("a") as config:
        config.write(f"[credential]\n\thelper = store --file={credentials}\n")
    store = make_store()
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", server.url(bare_remote.name))
    assert store.push("lab").commit == store.head
    assert proxy.requests


def test_a_wrong_or_missing_token_is_refused_without_a_prompt(
    make_store, server, bare_remote, proxy, isolated_home, monkeypatch
):
    use_proxy(isolated_home, proxy.url)
    store = make_store()
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", server.url(bare_remote.name))
    head = store.head
    for token in (None, "wrong-token"):
        if token:
            monkeypatch.setenv("FNSTORE_TOKEN", token)
        for call in (store.push, store.fetch, store.pull):
            with pytest.raises(AuthenticationError, match="FNSTORE_TOKEN") as info:
                call("lab")
            assert "wrong-token" not in str(info.value)
    assert store.head == head


def test_a_proxy_that_is_down(make_store, server, bare_remote, isolated_home, monkeypatch):
    monkeypatch.setenv("FNSTORE_TOKEN", TOKEN)
    use_proxy(isolated_home, f"http://127.0.0.1:{free_port()}")
    store = make_store()
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", server.url(bare_remote.name))
    head = store.head
    for call in (store.push, store.fetch, store.pull):
        with pytest.raises(RemoteUnreachableError, match="could not reach"):
            call("lab")
    assert store.head == head
    git("fsck", cwd=store.path)


def test_an_empty_proxy_setting_means_none(make_store, server, bare_remote, isolated_home):
    # git's rule: http.proxy = "" (e.g. for one host) turns the proxy off
    use_proxy(isolated_home, "")
    store = make_store()
    assert uses_git(server.url(bare_remote.name), store.path, "lab", push=True) is None
