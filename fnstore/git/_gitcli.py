"""Push and fetch with the git command, where it is installed and serves better than libgit2.

Two cases, both only where ``git`` is on ``PATH``:

- **push to a path, ``file://`` or ``git://`` remote.**  libgit2 builds the
  pack it sends from scratch, searching deltas for every object again; git
  reuses the deltas already in the store's packs.  For a packed store of a
  thousand functions libgit2's push takes about twice as long as
  ``git push``.  Nothing is logged in to, so no credential rule is bypassed.
- **push and fetch over http(s) through a web proxy.**  libgit2 1.9 does not
  go through a proxy (it sends the proxy's form of request straight to the
  server), while git does, as its ``http.proxy`` / ``remote.<name>.proxy``
  settings and the ``https_proxy`` / ``http_proxy`` / ``no_proxy`` variables
  say.  The token rule is kept: ``FNSTORE_TOKEN`` is handed to git by a
  credential helper that reads it from the environment (never from the
  command line), else git's own credential helpers answer; never a prompt.

Everything else (ssh, http(s) without a proxy, no git) uses libgit2.

What stays the same as libgit2: the same refspecs, never forced; the
remote-tracking references move on success; progress arrives as
:class:`~fnstore.git._progress.TransferProgress`; a silent server is given
up on after fnstore's time limits; failures become the same ``SyncError``
subclasses.  git runs in its own process group with no hooks, no prompts and
a fixed language, so its messages can be read and it can be stopped whole.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import time
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from fnstore.errors import RemoteUnreachableError
from fnstore.git._localcopy import local_path
from fnstore.git._transport import (
    IO_TIMEOUT_ENV,
    TransferProgress,
    redact,
    time_limits,
    translate_message,
)

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.git._progress import ProgressCallback

__all__ = ["git_fetch", "git_push", "uses_git"]

# git's progress: "Writing objects:  45% (450/1000), 1.20 MiB | 2.00 MiB/s"
_PROGRESS = re.compile(
    rb"(Writing objects|Receiving objects|Unpacking objects|Resolving deltas):"
    rb"\s+\d+% \((\d+)/(\d+)\)"
    rb"(?:, ([\d.]+) (\w+))?"
)
_PHASES: dict[bytes, Literal["receiving", "resolving", "sending"]] = {
    b"Writing objects": "sending",
    b"Receiving objects": "receiving",
    b"Unpacking objects": "receiving",  # a small fetch: loose objects, no pack
    b"Resolving deltas": "resolving",
}
_TOTAL = re.compile(rb"remote: Total (\d+)")
_UNITS = {b"bytes": 1, b"KiB": 1 << 10, b"MiB": 1 << 20, b"GiB": 1 << 30}
# settings that would make git do more than fnstore asks, whatever the user's config says
_QUIET_CONFIG = (
    "core.hooksPath=/dev/null",
    "push.followTags=false",
    "push.gpgSign=false",
    "push.recurseSubmodules=no",
    "fetch.recurseSubmodules=no",
    "gc.auto=0",  # the store packs itself (store/_housekeeping.py)
)
# Hands FNSTORE_TOKEN to git when asked ("get"); the token stays in the environment.
_TOKEN_HELPER = (
    '!f() { test "$1" = get || exit 0; named=; while read -r line; do '
    'case "$line" in username=?*) named=1;; esac; done; '
    'test -n "$named" || echo "username=${FNSTORE_USERNAME:-fnstore}"; '
    'echo "password=$FNSTORE_TOKEN"; }; f'
)


def uses_git(url: str, repo_dir: Path, remote: str, *, push: bool) -> str | None:
    """Return the git command to push to (or fetch from) ``url`` with, or None for libgit2."""
    git = shutil.which("git")
    if git is None:
        return None
    scheme = urlsplit(url).scheme
    if scheme in ("http", "https"):
        wanted = _proxied(git, url, repo_dir, remote)
    else:
        wanted = push and (scheme == "git" or local_path(url) is not None)
    return git if wanted else None


def _proxied(git: str, url: str, repo_dir: Path, remote: str) -> bool:
    """Whether git would reach the http(s) ``url`` through a proxy."""
    for key in (f"remote.{remote}.proxy", "http.proxy"):
        command = [git, "--git-dir", str(repo_dir), "config"]
        command += ["--get", key] if key.startswith("remote.") else ["--get-urlmatch", key, url]
        found = subprocess.run(command, capture_output=True, text=True, check=False)
        if found.returncode == 0:
            return bool(found.stdout.strip())  # an empty setting means "no proxy"
    parts = urlsplit(url)
    names = ["https_proxy", "HTTPS_PROXY"] if parts.scheme == "https" else ["http_proxy"]
    if not any(os.environ.get(n) for n in [*names, "all_proxy", "ALL_PROXY"]):
        return False
    return not _bypassed(parts.hostname or "")


def _bypassed(host: str) -> bool:
    """Whether ``no_proxy`` / ``NO_PROXY`` names ``host`` (as curl reads it)."""
    raw = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    for entry in (e.strip().lower() for e in raw.split(",")):
        name = entry.rsplit(":", 1)[0] if entry.count(":") == 1 else entry
        name = name.lstrip(".")
        if entry == "*" or (name and (host == name or host.endswith("." + name))):
            return True
    return False


def git_push(
    git: str,
    repo_dir: Path,
    remote: str,
    specs: list[str],
    *,
    url: str,
    action: str,
    progress: ProgressCallback | None = None,
) -> dict[str, str]:
    """Run ``git push`` of ``specs`` to the store's remote ``remote``.

    Returns
    -------
    dict
        Remote reference -> the server's reason, for each update it refused
        (empty: everything was taken).

    Raises
    ------
    SyncError
        The push failed for another reason (a subclass says which).
    """
    options = ["--porcelain", "--progress", "--no-verify"]
    if local_path(url) is not None:
        # A path remote's receive-pack runs here, as us: keep the shared
        # repository's hooks (which anyone with write access there could have
        # put in) from running, as libgit2's push would.
        receive = f"{shlex.quote(git)} -c core.hooksPath=/dev/null receive-pack"
        options.append(f"--receive-pack={receive}")
    returncode, out, err = _run(
        git, repo_dir, ["push", *options, remote, *specs], url, action, progress, "sending"
    )
    rejected: dict[str, str] = {}
    for line in out.decode(errors="replace").splitlines():
        # porcelain: "<flag>\t<from>:<to>\t<summary> (<reason>)"; "!" is a refused update
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] == "!":
            rejected[parts[1].rsplit(":", 1)[-1]] = parts[2]
    if returncode != 0 and not rejected:
        raise translate_message(_complaint(err), url, action)
    return rejected


def git_fetch(
    git: str,
    repo_dir: Path,
    remote: str,
    *,
    url: str,
    action: str,
    progress: ProgressCallback | None = None,
) -> tuple[int, int]:
    """Run ``git fetch`` of the store's remote ``remote`` (its configured refspecs).

    Returns
    -------
    tuple
        (objects received, bytes received), as far as git's progress says.

    Raises
    ------
    SyncError
        The fetch failed (a subclass says why).
    """
    counted: list[TransferProgress] = []

    def note(step: TransferProgress) -> None:
        if step.phase == "receiving" and step.total:
            counted[:] = [step]
        if progress is not None:
            progress(step)

    returncode, _out, err = _run(
        git, repo_dir, ["fetch", "--progress", remote], url, action, note, "receiving"
    )
    if returncode != 0:
        raise translate_message(_complaint(err), url, action)
    total = _TOTAL.search(err)
    if not counted and total is not None:
        # a small fetch shows no progress of its own (git waits 2 s before it
        # does); the server's "Total N" still says how much came
        note(TransferProgress("receiving", int(total[1]), int(total[1]), 0))
    return (counted[0].total, counted[0].bytes) if counted else (0, 0)


def _run(
    git: str,
    repo_dir: Path,
    args: list[str],
    url: str,
    action: str,
    progress: ProgressCallback | None,
    first: Literal["receiving", "sending"],
) -> tuple[int, bytes, bytes]:
    """Run one git transfer command; return (exit status, stdout, stderr)."""
    command = [git, "--git-dir", str(repo_dir)]
    for setting in _QUIET_CONFIG:
        command += ["-c", setting]
    env = {
        **os.environ,
        "LC_ALL": "C",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
    }
    if os.environ.get("FNSTORE_TOKEN"):
        # an empty value first clears git's list of helpers: the token wins, as with libgit2
        command += ["-c", "credential.helper=", "-c", f"credential.helper={_TOKEN_HELPER}"]
    _connect_s, io_s = time_limits()
    # an http transfer slower than 1 byte/s for the read/write limit is given up
    command += ["-c", "http.lowSpeedLimit=1", "-c", f"http.lowSpeedTime={max(1, int(io_s))}"]
    with subprocess.Popen(
        [*command, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        # its own process group: git and what it starts (pack-objects, a path
        # remote's receive-pack, the http helper) can be stopped together
        start_new_session=True,
    ) as proc:
        try:
            out, err = _watch(proc, _Reporter(progress, first), url, action)
        except BaseException:
            # a silent server, Ctrl-C, or a progress callback that raised: stop
            # git rather than wait for it (nothing reads its pipes any more)
            _stop(proc)
            raise
    return proc.returncode, out, err


def _watch(
    proc: subprocess.Popen[bytes], reporter: _Reporter, url: str, action: str
) -> tuple[bytes, bytes]:
    """Collect git's output, reporting progress; give up if the server falls silent.

    Until git says anything (it speaks once the server has answered) the
    connection time limit applies; after that, the read/write limit.
    """
    assert proc.stdout is not None and proc.stderr is not None
    connect_s, io_s = time_limits()
    limit = connect_s
    out, err = bytearray(), bytearray()
    last = time.monotonic()
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ, out)
        sel.register(proc.stderr, selectors.EVENT_READ, err)
        while sel.get_map():
            ready = sel.select(timeout=max(0.0, last + limit - time.monotonic()))
            if not ready:
                raise RemoteUnreachableError(
                    f"{action}: timed out, {redact(url)} did not answer within {limit:g} s; "
                    "check that the server is running and reachable, then try again "
                    f"(nothing local was changed; {IO_TIMEOUT_ENV} sets the limit)"
                )
            for key, _ in ready:
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                key.data.extend(chunk)
                if key.data is err:
                    limit = io_s
                    reporter.feed(chunk)
                last = time.monotonic()
    proc.wait()
    return bytes(out), bytes(err)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill git's whole process group and reap git."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class _Reporter:
    """Turns git's progress lines into TransferProgress calls."""

    def __init__(
        self, progress: ProgressCallback | None, first: Literal["receiving", "sending"]
    ) -> None:
        self._progress = progress
        self._first = first
        self._started = False
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        if self._progress is None:
            return
        if not self._started:
            # git speaks once the server has answered: the transfer starts (a first
            # "0 of ?" lets a progress bar appear while git counts and compresses)
            self._started = True
            self._progress(TransferProgress(self._first, 0, 0, 0))
        # progress lines end in "\r" (updates) or "\n"; keep an unfinished one
        *lines, self._partial = re.split(rb"[\r\n]", self._partial + chunk)
        for line in lines:
            match = _PROGRESS.match(line.strip())  # not "remote: ...", the server's own
            if match is not None:
                size = int(float(match[4]) * _UNITS.get(match[5], 1)) if match[4] else 0
                phase = _PHASES[match[1]]
                self._progress(TransferProgress(phase, int(match[2]), int(match[3]), size))


# git's progress and summary lines (stripped), left out of error messages
_CHATTER = re.compile(
    r"(Enumerating|Counting|Compressing|Writing|Receiving|Unpacking|Resolving|Total"
    r"|Delta compression"
    r"|To |From |remote: (Resolving|Enumerating|Counting|Compressing|Total)"
    r"|\* \[|[+ ]?[0-9a-f]+\.\.)"
)


def _complaint(err: bytes) -> str:
    """Return what git said went wrong, from its stderr (progress lines left out)."""
    lines = [
        line.strip()
        for line in err.decode(errors="replace").replace("\r", "\n").splitlines()
        if line.strip() and not _CHATTER.match(line.strip())
    ]
    return " ".join(lines) or "git failed without saying why"
