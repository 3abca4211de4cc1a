"""Reading every manifest at a commit in one pass with the ``git`` command.

The first start-up at a new pin must read one ``manifest.json`` per module,
within a third of the time the seed system took to ``exec`` every file.
Importing pygit2 alone takes a large part of that budget, while two ``git``
processes (``ls-tree`` for the blob ids, ``cat-file --batch`` for the blobs)
read thousands of manifests in a few milliseconds.  This is a read-only fast
path: the store (pygit2) stays the only writer and the reference reader, and
whenever ``git`` is missing, fails or answers something unexpected, this
returns ``None`` and the caller asks the store.

Only full 40-hex object ids are passed to ``git``, so no argument can be read
as an option.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["read_manifests"]

_MANIFEST = "manifest.json"
_SOURCE = "source.py"
_TIMEOUT = 60.0


def _git(repo: str, *args: str, stdin: bytes | None = None) -> bytes | None:
    exe = shutil.which("git")
    if exe is None:
        return None
    env = dict(os.environ)
    # The store's objects only: replace refs would make git answer for other ones.
    env["GIT_NO_REPLACE_OBJECTS"] = "1"
    try:
        done = subprocess.run(
            [exe, "--no-optional-locks", f"--git-dir={repo}", *args],
            input=stdin,
            capture_output=True,
            env=env,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _listing(repo: str, target: str) -> tuple[dict[str, str | None], dict[str, str]] | None:
    """Map each module to its manifest.json blob id (None if none) and its source.py id."""
    out = _git(repo, "ls-tree", "-r", "-z", "--full-tree", target, "--", "functions/")
    if out is None:
        return None
    modules: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, path_bytes = entry.partition(b"\t")
        parts = meta.split(b" ")
        path = path_bytes.decode("utf-8", "surrogateescape").split("/")
        if len(parts) != 3 or len(path) < 3 or path[0] != "functions":
            return None
        module = path[1]
        modules.setdefault(module, None)
        if len(path) == 3 and parts[1] == b"blob":
            if path[2] == _MANIFEST:
                modules[module] = parts[2].decode("ascii")
            elif path[2] == _SOURCE:
                sources[module] = parts[2].decode("ascii")
    return modules, sources


def _cat(repo: str, names: list[str]) -> list[tuple[str, bytes]] | None:
    """(object id, contents) for each name, in order; None if any is missing."""
    out = _git(repo, "cat-file", "--batch", stdin="".join(f"{n}\n" for n in names).encode())
    if out is None:
        return None
    found: list[tuple[str, bytes]] = []
    pos = 0
    for _ in names:
        end = out.find(b"\n", pos)
        header = out[pos:end].split(b" ")
        if end < 0 or len(header) != 3 or not header[2].isdigit():
            return None  # "<name> missing", or a truncated answer
        size = int(header[2])
        found.append((header[0].decode("ascii"), out[end + 1 : end + 1 + size]))
        pos = end + 1 + size + 1
    return found


def read_manifests(
    repo: str, target: str, known: Mapping[str, str]
) -> tuple[str, dict[str, tuple[str, bytes | None]], list[str]] | None:
    """Read the manifests at ``target`` (a 40-hex commit or tag id).

    Returns the commit id; module -> (manifest blob id, bytes, or None when the
    id equals ``known[module]``); and the modules that have no manifest.  None
    when ``git`` cannot answer (the caller then asks the store).
    """
    found = _listing(repo, target)
    if found is None:
        return None
    listing, sources = found
    wanted = [
        (module, blob)
        for module, blob in listing.items()
        if blob is not None and known.get(module) != blob
    ]
    answers = _cat(repo, [f"{target}^{{commit}}", *(blob for _, blob in wanted)])
    if answers is None:
        return None
    commit = answers[0][0]
    data = {module: (blob, None) for module, blob in listing.items() if blob is not None}
    for (module, blob), (_, content) in zip(wanted, answers[1:], strict=True):
        source = sources.get(module)
        if source is None or f'"content_id": "{source}"'.encode() not in content:
            # source.py edited with plain git, so the manifest is stale: the
            # store re-derives it (it needs pydantic), so let the store read all.
            return None
        data[module] = (blob, content)
    bare = sorted(m for m, blob in listing.items() if blob is None)
    return commit, data, bare
