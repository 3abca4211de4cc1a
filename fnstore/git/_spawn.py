"""Running ``git`` and reading its output, without importing :mod:`subprocess`.

Importing subprocess (with threading, signal, selectors and locale behind it)
costs more than a first start-up of the registry spends reading a thousand
manifests.  This spawns the process with :func:`os.posix_spawnp` and reads a
pipe with :func:`os.read` (fnstore runs on POSIX systems only: see
``docs/architecture.md``).  Only what the registry's git reader needs: stdin
from a file descriptor, stdout read as it arrives, stderr discarded, the exit
status.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Process"]

_CHUNK = 1 << 20


class Process:
    """A child process whose standard output is read in chunks.

    Parameters
    ----------
    args
        The command; ``args[0]`` is looked up on ``PATH``.
    env
        Its environment.
    stdin
        A file descriptor to read standard input from (None: ``/dev/null``).
    """

    def __init__(self, args: list[str], env: dict[str, str], stdin: int | None = None) -> None:
        read_end, write_end = os.pipe()  # both close-on-exec: only the dup'ed copies survive
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            actions = [
                (os.POSIX_SPAWN_DUP2, stdin if stdin is not None else devnull, 0),
                (os.POSIX_SPAWN_DUP2, write_end, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2),
            ]
            self._pid = os.posix_spawnp(args[0], args, env, file_actions=actions)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
            os.close(devnull)
        self._out = read_end

    def chunks(self) -> Iterator[bytes]:
        """Yield standard output as it arrives, until the process closes it."""
        while chunk := os.read(self._out, _CHUNK):
            yield chunk

    def wait(self) -> int:
        """Close the output, wait for the process, and return its exit code."""
        os.close(self._out)
        _, status = os.waitpid(self._pid, 0)
        return os.waitstatus_to_exitcode(status)

    @classmethod
    def output(cls, args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
        """Run to the end; return the exit code and all of standard output."""
        proc = cls(args, env)
        try:
            out = b"".join(proc.chunks())
        finally:
            code = proc.wait()
        return code, out
