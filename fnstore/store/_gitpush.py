"""Push with the git command, where it is installed and the remote needs no login.

Why: libgit2 builds the pack it sends from scratch, searching deltas for
every object again; git reuses the deltas already in the store's packs.  For
a packed store of a thousand functions libgit2's push takes about twice as
long as ``git push``.  So for a path, ``file://`` or ``git://`` remote
(nothing to log in to: fnstore's credential rules in
:mod:`fnstore.store._transport` are not bypassed) the push runs ``git push``;
``ssh://`` and ``https://`` remotes, and machines without git, use libgit2.

What stays the same as libgit2's push: the same refspecs, never forced; the
remote-tracking references move on success; progress arrives as
:class:`~fnstore.store._transport.TransferProgress`; a silent server is given
up on after fnstore's time limits; failures become the same ``SyncError``
subclasses.  git runs with no hooks, no prompts and a fixed language, so its
messages can be read.
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
from typing import TYPE_CHECKING

from fnstore.errors import RemoteUnreachableError
from fnstore.store._localcopy import local_path
from fnstore.store._transport import (
    IO_TIMEOUT_ENV,
    TransferProgress,
    redact,
    time_limits,
    translate_message,
)

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store._transport import ProgressCallback

__all__ = ["git_push", "pushes_with_git"]

# git's progress: "Writing objects:  45% (450/1000), 1.20 MiB | 2.00 MiB/s"
_WRITING = re.compile(rb"Writing objects:\s+\d+% \((\d+)/(\d+)\)(?:, ([\d.]+) (\w+))?")
_UNITS = {b"bytes": 1, b"KiB": 1 << 10, b"MiB": 1 << 20, b"GiB": 1 << 30}
# options that would make git push more than fnstore asks, whatever the user's config says
_QUIET_CONFIG = (
    "core.hooksPath=/dev/null",
    "push.followTags=false",
    "push.gpgSign=false",
    "push.recurseSubmodules=no",
)


def pushes_with_git(url: str) -> str | None:
    """Return the git command to push to ``url`` with, or None to use libgit2."""
    if not (url.startswith("git://") or local_path(url) is not None):
        return None
    return shutil.which("git")


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
    command = [git, "--git-dir", str(repo_dir)]
    for setting in _QUIET_CONFIG:
        command += ["-c", setting]
    command += ["push", "--porcelain", "--progress", "--no-verify"]
    if not url.startswith("git://"):
        # A path remote's receive-pack runs here, as us: keep the shared
        # repository's hooks (which anyone with write access there could have
        # put in) from running, as libgit2's push would.
        receive = f"{shlex.quote(git)} -c core.hooksPath=/dev/null receive-pack"
        command.append(f"--receive-pack={receive}")
    command += [remote, *specs]
    env = {
        **os.environ,
        "LC_ALL": "C",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
    }
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        # its own process group: git and what it starts (pack-objects, a path
        # remote's receive-pack) can be stopped together
        start_new_session=True,
    ) as proc:
        try:
            out, err = _watch(proc, progress, url, action)
        except BaseException:
            # a silent server, Ctrl-C, or a progress callback that raised: stop
            # git rather than wait for it (nothing reads its pipes any more)
            _stop(proc)
            raise
    rejected: dict[str, str] = {}
    for line in out.decode(errors="replace").splitlines():
        # porcelain: "<flag>\t<from>:<to>\t<summary> (<reason>)"; "!" is a refused update
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] == "!":
            rejected[parts[1].rsplit(":", 1)[-1]] = parts[2]
    if proc.returncode != 0 and not rejected:
        raise translate_message(_complaint(err), url, action)
    return rejected


def _watch(
    proc: subprocess.Popen[bytes], progress: ProgressCallback | None, url: str, action: str
) -> tuple[bytes, bytes]:
    """Collect git's output, reporting progress; kill git if the server falls silent.

    Until git says anything (it speaks once the server has answered) the
    connection time limit applies; after that, the read/write limit.
    """
    assert proc.stdout is not None and proc.stderr is not None
    connect_s, io_s = time_limits()
    limit = connect_s
    out, err = bytearray(), bytearray()
    reporter = _Reporter(progress)
    last = time.monotonic()
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ, out)
        sel.register(proc.stderr, selectors.EVENT_READ, err)
        while sel.get_map():
            ready = sel.select(timeout=max(0.0, last + limit - time.monotonic()))
            if not ready:
                raise RemoteUnreachableError(
                    f"{action}: timed out, {redact(url)} did not answer within {limit:g} s; "
                    "check that "
                    "the server is running and reachable, then try again (nothing local "
                    f"was changed; {IO_TIMEOUT_ENV} sets the limit)"
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

    def __init__(self, progress: ProgressCallback | None) -> None:
        self._progress = progress
        self._started = False
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        if self._progress is None:
            return
        if not self._started:
            # git speaks once the server has answered: the upload starts (a first
            # "0 of ?" lets a progress bar appear while git counts and compresses)
            self._started = True
            self._progress(TransferProgress("sending", 0, 0, 0))
        # progress lines end in "\r" (updates) or "\n"; keep an unfinished one
        *lines, self._partial = re.split(rb"[\r\n]", self._partial + chunk)
        for line in lines:
            match = _WRITING.search(line)
            if match is not None:
                size = int(float(match[3]) * _UNITS.get(match[4], 1)) if match[3] else 0
                self._progress(TransferProgress("sending", int(match[1]), int(match[2]), size))


# git's progress and summary lines, left out of error messages
_CHATTER = re.compile(
    r"(Enumerating|Counting|Compressing|Writing|Total|Delta compression|To |remote: Resolving)"
)


def _complaint(err: bytes) -> str:
    """Return what git said went wrong, from its stderr (progress lines left out)."""
    lines = [
        line.strip()
        for line in err.decode(errors="replace").replace("\r", "\n").splitlines()
        if line.strip() and not _CHATTER.match(line.strip())
    ]
    return " ".join(lines) or "git push failed without saying why"
