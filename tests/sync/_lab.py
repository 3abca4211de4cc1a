"""Helpers for the sync tests: real git servers on 127.0.0.1, function code, git CLI.

Each server is a child process in its own session (so the whole process group,
the forked ``receive-pack`` included, can be killed), serves a root directory
of bare repositories, and listens on a free loopback port.  Nothing here
mocks git: the tests talk to these servers exactly as a lab member would.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fnstore.layout import module_path

# FNSTORE_TEST_SSHD lets a test play a machine without sshd (tests/test_system_packages.py).
SSHD = os.environ.get("FNSTORE_TEST_SSHD", "/usr/sbin/sshd")


def function_code(name: str, factor: int = 2) -> str:
    """A small, valid function module whose body depends on ``factor``."""
    return (
        "from fnstore import numpy\n\n\n"
        "@numpy\n"
        f"def {name}(image, sigma: float = 1.0):\n"
        f'    """Scale by {factor}."""\n'
        f"    return image * {factor}\n"
    )


def git(*args: str, cwd: Path | None = None) -> str:
    """Run the git CLI and return its stdout (raises AssertionError on failure)."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    """Block until something accepts connections on ``port`` (a readiness wait).

    This is not a timed assertion: it only bounds how long a server that never
    comes up can hold the test run, and reports the server's own output then.
    """
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"{what} exited with {proc.returncode}: {out}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port}")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    if proc.stdout:
        proc.stdout.close()


@dataclass
class GitDaemon:
    """``git daemon --enable=receive-pack`` serving every bare repo under ``root``."""

    root: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start (or restart) the daemon on a fresh free port."""
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                "git",
                "daemon",
                "--reuseaddr",
                "--listen=127.0.0.1",
                f"--port={self.port}",
                f"--base-path={self.root}",
                "--export-all",
                "--enable=receive-pack",
                "--informative-errors",
                str(self.root),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, self.proc, "git daemon")

    def kill(self) -> None:
        """Kill the daemon and every process it forked (mid-transfer included)."""
        if self.proc is not None:
            _kill_group(self.proc)
            self.proc = None

    def url(self, name: str) -> str:
        """The git:// URL of the bare repository ``root/name``."""
        return f"git://127.0.0.1:{self.port}/{name}"


@dataclass
class SshServer:
    """OpenSSH's sshd on 127.0.0.1 with generated host and user keys.

    ``key`` / ``pubkey`` are the user's key pair (authorised for the current
    user); ``known_hosts`` holds the line a client needs to trust the server.
    """

    root: Path
    workdir: Path
    port: int = 0
    key: Path = field(init=False)
    pubkey: Path = field(init=False)
    known_hosts_line: str = field(init=False)
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        """Generate keys, write the config and start sshd in the foreground."""
        wd = self.workdir
        host_key = wd / "ssh_host_ed25519_key"
        self.key = wd / "id_ed25519"
        self.pubkey = wd / "id_ed25519.pub"
        for path in (host_key, self.key):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True
            )
        (wd / "authorized_keys").write_text(self.pubkey.read_text())
        self.port = free_port()
        host_pub = (wd / "ssh_host_ed25519_key.pub").read_text().split()
        self.known_hosts_line = f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n"
        config = wd / "sshd_config"
        config.write_text(
            f"Port {self.port}\n"
            "ListenAddress 127.0.0.1\n"
            f"HostKey {host_key}\n"
            f"PidFile {wd / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {wd / 'authorized_keys'}\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            # The tests run as root in CI containers; sshd refuses root unless told.
            "PermitRootLogin prohibit-password\n"
            # tmp dirs are world-readable parents; sshd's mode checks would refuse them.
            "StrictModes no\n"
            "UsePAM no\n"
            "LogLevel ERROR\n"
        )
        if os.geteuid() == 0:
            # sshd's privilege-separation directory; Debian creates it at boot
            # only when the service is started by systemd.
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, self.proc, "sshd")

    def kill(self) -> None:
        """Stop sshd and every session it forked."""
        if self.proc is not None:
            _kill_group(self.proc)
            self.proc = None

    def url(self, name: str) -> str:
        """The ssh:// URL of the bare repository ``root/name`` for the current user."""
        return f"ssh://{getpass.getuser()}@127.0.0.1:{self.port}{self.root / name}"


def sshd_available() -> bool:
    """Whether OpenSSH's server and ssh-keygen are installed."""
    return Path(SSHD).exists() and shutil.which("ssh-keygen") is not None


class SilentServer:
    """Accepts TCP connections and never says a word: a host that hangs.

    Stands in for an unreachable host without sending traffic off the machine.
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])

    def close(self) -> None:
        """Stop listening (connections the kernel accepted are dropped)."""
        self.sock.close()


class GitHttpServer:
    """git's smart HTTP (``git http-backend``) behind Basic auth, on 127.0.0.1.

    Stands in for a lab's https host: it refuses requests without the token
    with 401 and, like the hosting services, ignores the user name that comes
    with it.  Plain HTTP keeps the test free of certificates; the credential
    logic is the same as for https.
    """

    def __init__(self, root: Path, token: str) -> None:
        import threading
        from socketserver import ThreadingMixIn
        from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

        self.root = root
        self.token = token
        self.requests = 0

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

        class Threading(ThreadingMixIn, WSGIServer):
            daemon_threads = True

        self.server = make_server(
            "127.0.0.1", 0, self._app, server_class=Threading, handler_class=Quiet
        )
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        """The http:// URL of the bare repository ``root/name``."""
        return f"http://127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def _app(self, environ, start_response):  # type: ignore[no-untyped-def]
        self.requests += 1
        if self._password(environ.get("HTTP_AUTHORIZATION", "")) != self.token:
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="lab"')])
            return [b"login required\n"]
        body = self._body(environ)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": "lab",  # lets http-backend accept pushes
            "REQUEST_METHOD": environ["REQUEST_METHOD"],
            "PATH_INFO": environ.get("PATH_INFO", ""),
            "QUERY_STRING": environ.get("QUERY_STRING", ""),
            "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GATEWAY_INTERFACE": "CGI/1.1",
        }
        done = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        )
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = done.stdout.partition(b"\n\n")
        status = "200 OK"
        headers = []
        for line in head.decode("latin-1").splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = value.strip()
            elif key:
                headers.append((key, value.strip()))
        start_response(status, headers)
        return [payload]

    @staticmethod
    def _password(header: str) -> str | None:
        import base64

        if not header.startswith("Basic "):
            return None
        return base64.b64decode(header[6:]).decode().partition(":")[2]

    @staticmethod
    def _body(environ) -> bytes:  # type: ignore[no-untyped-def]
        stream = environ["wsgi.input"]
        if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            data = b""
            while True:
                size = int(stream.readline().strip() or b"0", 16)
                if size == 0:
                    stream.readline()
                    return data
                data += stream.read(size)
                stream.readline()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return stream.read(length) if length else b""


@contextlib.contextmanager
def git_hidden(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the body with no git command on PATH, as on a machine without git.

    fnstore then pushes with libgit2 alone; servers already started keep running.
    """
    with monkeypatch.context() as patch:
        empty = Path(tempfile.mkdtemp(prefix="no-git-"))
        patch.setenv("PATH", str(empty))
        try:
            yield
        finally:
            empty.rmdir()


def install_hook(repo: Path, name: str, script: str) -> Path:
    """Write an executable hook ``name`` (a shell script body) into a repository."""
    hook = repo / "hooks" / name
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\n{script}\n")
    hook.chmod(0o755)
    return hook


def break_manifest_by_hand(remote: Path, work: Path, module: str, text: str) -> None:
    """Clone ``remote`` with plain git, overwrite a module's manifest with ``text``, push."""
    git("clone", "-q", str(remote), str(work))
    (work / module_path(module) / "manifest.json").write_text(text)
    git("commit", "-qam", f"edit the manifest of {module} by hand", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)


class HttpProxy:
    """A forwarding web proxy on 127.0.0.1 that records the requests it relays.

    Each client connection carries one request (the servers here answer in
    HTTP/1.0 and close): the request line is rewritten from the absolute form
    a client sends to a proxy into the origin form, then bytes are relayed
    both ways until each side closes.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        """Stop accepting connections."""
        self.listener.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            line, _, rest = head.partition(b"\r\n")
            method, target, version = line.decode("latin-1").split(" ", 2)
            self.requests.append(f"{method} {target}")
            parts = urlsplit(target)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            with socket.create_connection((parts.hostname, parts.port or 80)) as upstream:
                upstream.sendall(f"{method} {path} {version}\r\n".encode("latin-1") + rest)
                back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
                back.start()
                _pipe(client, upstream)
                back.join()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    """Copy ``src`` to ``dst`` until ``src`` closes, then close ``dst`` for writing."""
    try:
        while chunk := src.recv(65536):
            dst.sendall(chunk)
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass
