"""Reading every manifest at a commit in one pass with the ``git`` command.

The first start-up at a new pin must read one ``manifest.json`` per module,
within a third of the time the seed system took to ``exec`` every file.
Importing pygit2 alone takes a large part of that budget, while two ``git``
processes (``ls-tree`` for the blob ids, ``cat-file --batch`` for the blobs)
read thousands of manifests in a few milliseconds; and since ``git`` runs in
its own process, each manifest is parsed here while git is still reading the
next ones.  This is a read-only fast path: the store (pygit2) stays the only
writer and the reference reader, and whenever ``git`` is missing, fails or
answers something unexpected, this returns ``None`` and the caller asks the
store.

Only full 40-hex object ids are passed to ``git``, so no argument can be read
as an option.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TypeVar

from fnstore.git._spawn import Process

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["read_changed_manifests", "read_manifests"]

T = TypeVar("T")

_MANIFEST = "manifest.json"
_SOURCE = "source.py"
_CHUNK = 1 << 20


class _Unreadable(Exception):
    """git's answer was not what this reader expects: let the store read instead."""


def _command(repo: str, *args: str) -> list[str]:
    return ["git", "--no-optional-locks", f"--git-dir={repo}", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # The store's objects only: replace refs would make git answer for other ones.
    env["GIT_NO_REPLACE_OBJECTS"] = "1"
    return env


def _listing(repo: str, target: str) -> tuple[dict[str, str | None], dict[str, str]]:
    """Map each module to its manifest.json blob id (None if none) and its source.py id."""
    code, out = Process.output(
        _command(repo, "ls-tree", "-r", "-z", target, "--", "functions/"), _env()
    )
    if code != 0:
        raise _Unreadable(f"git ls-tree failed ({code})")
    modules: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    manifest, source = b"/" + _MANIFEST.encode(), b"/" + _SOURCE.encode()
    for entry in out.split(b"\0"):
        # "<mode> <type> <40-hex id>\t<path>"; only paths are variable.
        meta, tab, path = entry.partition(b"\t")
        if not tab:
            if entry:
                raise _Unreadable(f"unexpected ls-tree line {entry!r}")
            continue
        folder, _, name = path.rpartition(b"/")
        module_bytes = folder.removeprefix(b"functions/")
        if module_bytes == folder or b"/" in module_bytes:
            continue  # deeper files are no business of the registry
        module = module_bytes.decode("utf-8", "surrogateescape")
        modules.setdefault(module, None)
        if meta.endswith(b"blob", 0, len(meta) - 41):
            if name == manifest[1:]:
                modules[module] = meta[-40:].decode("ascii")
            elif name == source[1:]:
                sources[module] = meta[-40:].decode("ascii")
    return modules, sources


def _requests(names: list[str]) -> int:
    """Return a readable file descriptor holding one request per line, at offset 0."""
    # A file, not a pipe: git may fill its output pipe before reading all its
    # input, and writing a pipe while nobody reads the other one deadlocks.
    data = "".join(f"{n}\n" for n in names).encode()
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("fnstore-cat-file")
    else:  # pragma: no cover - not Linux
        import tempfile

        fd = os.dup(tempfile.TemporaryFile().fileno())
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _stream(repo: str, names: list[str], each: Callable[[int, str, bytes], None]) -> None:
    """Call ``each(index, object id, contents)`` for every name, as git delivers it."""
    fd = _requests(names)
    try:
        proc = Process(_command(repo, "cat-file", "--batch", "--buffer"), _env(), stdin=fd)
    finally:
        os.close(fd)
    buf = bytearray()
    pos = index = 0
    try:
        for chunk in proc.chunks():
            buf += chunk
            while index < len(names):
                end = buf.find(b"\n", pos)
                if end < 0:
                    break
                header = bytes(buf[pos:end]).split(b" ")
                if len(header) != 3 or not header[2].isdigit():
                    raise _Unreadable(f"git cat-file: {bytes(buf[pos:end])!r}")  # "... missing"
                size = int(header[2])
                if len(buf) < end + 2 + size:
                    break  # the rest of this object is still on its way
                each(index, header[0].decode("ascii"), bytes(buf[end + 1 : end + 1 + size]))
                pos = end + 2 + size
                index += 1
            if pos > _CHUNK:
                del buf[:pos]
                pos = 0
    finally:
        code = proc.wait()
    if code != 0 or index != len(names):
        raise _Unreadable(f"git cat-file stopped after {index} of {len(names)} objects")


def read_manifests(
    repo: str, target: str, known: Mapping[str, str], parse: Callable[[bytes], T]
) -> tuple[str, dict[str, tuple[str, T | None]], list[str]] | None:
    """Read and ``parse`` the manifests at ``target`` (a 40-hex commit or tag id).

    Returns the commit id; module -> (manifest blob id, parsed manifest, or
    None when the id equals ``known[module]``); and the modules that have no
    manifest.  None when ``git`` cannot answer (the caller then asks the store).
    """
    try:
        listing, sources = _listing(repo, target)
        found = _read_wanted(repo, target, listing, sources, known, parse)
    except (_Unreadable, OSError):
        return None
    bare = sorted(m for m, blob in listing.items() if blob is None)
    return found[0], found[1], bare


def _read_wanted(
    repo: str,
    target: str,
    listing: Mapping[str, str | None],
    sources: Mapping[str, str],
    known: Mapping[str, str],
    parse: Callable[[bytes], T],
) -> tuple[str, dict[str, tuple[str, T | None]]]:
    """Peel ``target`` to its commit and read the manifests not already ``known``."""
    wanted = [
        (module, blob)
        for module, blob in listing.items()
        if blob is not None and known.get(module) != blob
    ]
    data: dict[str, tuple[str, T | None]] = {
        module: (blob, None) for module, blob in listing.items() if blob is not None
    }
    commit: list[str] = []

    def each(index: int, oid: str, content: bytes) -> None:
        if index == 0:
            commit.append(oid)
            return
        module, blob = wanted[index - 1]
        parsed = parse(content)
        # A readable manifest whose content id is not its source.py's is stale
        # (the code was committed with plain git): the store re-derives it
        # from the code, which needs pydantic, so the store reads instead.
        # (An unreadable manifest is simply reported, as the store does.)
        content_id = getattr(parsed, "content_id", None)
        if content_id is None and isinstance(parsed, tuple):
            content_id = parsed[2]
        if content_id is not None and content_id != sources.get(module):
            raise _Unreadable(f"stale manifest for {module}")
        data[module] = (blob, parsed)

    _stream(repo, [f"{target}^{{commit}}", *(blob for _, blob in wanted)], each)
    return commit[0], data


def read_changed_manifests(
    repo: str,
    old_commit: str,
    target: str,
    old: Mapping[str, tuple[str, str]],
    parse: Callable[[bytes], T],
) -> tuple[str, dict[str, tuple[str, T | None]], list[str], set[str]] | None:
    """Like :func:`read_manifests`, reading only what changed since ``old_commit``.

    ``old`` maps each module readable at ``old_commit`` to its (manifest blob
    id, content id); ``git diff-tree`` names the files that changed, so the
    unchanged modules cost nothing, however many there are.  The fourth
    value is the set of modules the diff touched.
    """
    try:
        code, out = Process.output(
            _command(repo, "diff-tree", "-r", "-z", "--no-renames", old_commit, target, "--"),
            _env(),
        )
        if code != 0:
            return None
        listing: dict[str, str | None] = {m: blob for m, (blob, _) in old.items()}
        sources: dict[str, str] = {m: cid for m, (_, cid) in old.items()}
        touched: set[str] = set()
        stale: list[str] = []
        new_manifest: set[str] = set()
        fields = out.split(b"\0")
        for meta, path in zip(fields[0:-1:2], fields[1::2], strict=False):
            parts = meta.split(b" ")
            if len(parts) != 5 or not path.startswith(b"functions/"):
                continue
            module_bytes, _, name = path[len(b"functions/") :].partition(b"/")
            if b"/" in name:
                continue
            module = module_bytes.decode("utf-8", "surrogateescape")
            oid = parts[3].decode("ascii")
            gone = parts[4].startswith(b"D")
            touched.add(module)
            if name == _MANIFEST.encode():
                listing[module] = None if gone else oid
                new_manifest.add(module)
            elif name == _SOURCE.encode():
                if gone:
                    sources.pop(module, None)
                else:
                    sources[module] = oid
                    listing.setdefault(module, None)
                    if module in old and module not in new_manifest:
                        stale.append(module)
        if any(m not in new_manifest for m in stale):
            # source.py changed under an unchanged manifest (a plain-git edit).
            return None
        for module in [m for m, blob in listing.items() if blob is None]:
            if module not in sources:
                del listing[module]  # the whole module is gone
        known = {m: blob for m, (blob, _) in old.items()}
        found = _read_wanted(repo, target, listing, sources, known, parse)
    except (_Unreadable, OSError):
        return None
    bare = sorted(m for m, blob in listing.items() if blob is None)
    return found[0], found[1], bare, touched
