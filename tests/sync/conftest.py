"""Fixtures for the sync tests: real bare remotes, ``git daemon`` and ``sshd`` on loopback.

The servers are session-scoped (started once, stopped at the end); each test
gets its own bare repository under the served root, so tests never see each
other's pushes.  ssh client state (the user key and known_hosts) lives in the
test's isolated HOME, set up by :func:`ssh_client`.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _lab import GitDaemon, SshServer, git, sshd_available

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from fnstore.store import FunctionStore

_counter = itertools.count()


@pytest.fixture(scope="session")
def served_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory whose bare repositories the daemon and sshd serve."""
    return tmp_path_factory.mktemp("served")


@pytest.fixture
def bare_remote(served_root: Path) -> Path:
    """A fresh, empty bare repository (branch main) under the served root."""
    path = served_root / f"lab{next(_counter)}.git"
    git("init", "-q", "--bare", "-b", "main", str(path))
    return path


@pytest.fixture(scope="session")
def git_daemon(served_root: Path) -> Iterator[GitDaemon]:
    """``git daemon --enable=receive-pack`` on 127.0.0.1, serving ``served_root``."""
    daemon = GitDaemon(served_root)
    daemon.start()
    yield daemon
    daemon.kill()


@pytest.fixture(scope="session")
def sshd(served_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """OpenSSH's sshd on 127.0.0.1 with generated host and user keys."""
    if not sshd_available():
        pytest.skip("sshd is not installed: apt-get install openssh-server")
    if os.geteuid() != 0 and not Path("/run/sshd").is_dir():
        pytest.skip("sshd needs its /run/sshd directory: run the tests as root or create it")
    server = SshServer(served_root, tmp_path_factory.mktemp("sshd"))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def ssh_client(sshd: SshServer, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> SshServer:
    """Trust the test sshd's host key and use its user key (FNSTORE_SSH_KEY)."""
    ssh_dir = isolated_home / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    (ssh_dir / "known_hosts").write_text(sshd.known_hosts_line)
    monkeypatch.setenv("FNSTORE_SSH_KEY", str(sshd.key))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return sshd


@pytest.fixture
def make_store(tmp_path: Path) -> Callable[..., FunctionStore]:
    """Open (creating) a store at ``tmp_path/<name>.git``: one per lab member."""
    from fnstore import open_store

    def make(name: str = "me") -> FunctionStore:
        return open_store(tmp_path / f"{name}.git")

    return make
