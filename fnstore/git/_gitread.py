r"""Reading every manifest at a commit in one pass with the ``git`` command.

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

A new pin after a save needs a handful of objects, and the save wrote them
loose (``objects/<2 hex>/<38 hex>``, zlib-compressed ``<type> <size>\0``
and the contents; ``gitformat-loose``): they are read directly, which spares
a ``git cat-file`` process (a tenth of that start's time).  Anything not
found loose that way (packed, in an alternate object store, a tag to peel)
is read by ``git`` as before.

Only full 40-hex object ids are passed to ``git``, so no argument can be read
as an option.
"""

from __future__ import annotations

import os
import zlib
from typing import TYPE_CHECKING

from fnstore.git._spawn import Process
from fnstore.layout import (
    DERIVED,
    FLAT_LAYOUT,
    FUNCTIONS,
    LAYOUT_BLOB_ID,
    LAYOUT_FILE,
    LAYOUT_VERSION,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    SOURCE,
    check_files,
    check_manifest,
    shard,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

    from fnstore.layout import ModuleReading

__all__ = ["read_changed_manifests", "read_manifests"]

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


_PREFIX = FUNCTIONS.encode() + b"/"


def _module_of(parts: list[bytes], sharded: bool) -> str | None:
    """Return the module a file path (split at ``/``, after ``functions/``) lies in, if any.

    Only the module folder's own files count: deeper files, and in layout 2
    a folder in a shard that is not its own, are no business of the registry
    (the store does not see them either).
    """
    if len(parts) != (3 if sharded else 2):
        return None
    module = parts[-2].decode("utf-8", "surrogateescape")
    if sharded and parts[0].decode("ascii", "replace") != shard(module):
        return None
    return module


def _layout_from(blob_id: str | None) -> bool:
    """Whether a tree whose layout file has ``blob_id`` (None: no file) is sharded."""
    if blob_id is None:
        return False  # layout 1
    if blob_id == LAYOUT_BLOB_ID:
        return True
    raise _Unreadable(f"{LAYOUT_FILE} is not this fnstore's: the store decides")


def _listing(
    repo: str, target: str
) -> tuple[dict[str, tuple[str, dict[str, tuple[int, str]]]], bool]:
    """Map each module folder at ``target`` to its path and files (name -> mode, object id).

    Also returns whether the tree is sharded (layout 2).
    """
    code, out = Process.output(
        _command(repo, "ls-tree", "-r", "-z", target, "--", FUNCTIONS + "/", LAYOUT_FILE),
        _env(),
    )
    if code != 0:
        raise _Unreadable(f"git ls-tree failed ({code})")
    found: list[tuple[bytes, int, str]] = []
    layout_id = None
    for entry in out.split(b"\0"):
        # "<mode> <type> <40-hex id>\t<path>"; only paths are variable.
        meta, tab, path = entry.partition(b"\t")
        if not tab:
            if entry:
                raise _Unreadable(f"unexpected ls-tree line {entry!r}")
            continue
        oid = meta[-40:].decode("ascii")
        if path == LAYOUT_FILE.encode():
            layout_id = oid
        else:
            found.append((path, int(meta[: meta.index(b" ")], 8), oid))
    sharded = _layout_from(layout_id)
    modules: dict[str, tuple[str, dict[str, tuple[int, str]]]] = {}
    for path, mode, oid in found:
        parts = path[len(_PREFIX) :].split(b"/")
        module = _module_of(parts, sharded)
        if module is None:
            continue
        folder = path.rpartition(b"/")[0].decode("utf-8", "surrogateescape")
        files = modules.setdefault(module, (folder, {}))[1]
        files[parts[-1].decode("utf-8", "surrogateescape")] = (mode, oid)
    return modules, sharded


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
    repo: str, target: str, known: Mapping[str, str]
) -> tuple[str, dict[str, ModuleReading], int] | None:
    """Read every module at ``target`` (a 40-hex commit or tag id) with the one reader.

    Returns the commit id, module -> reading, and the tree's layout; a module
    whose manifest blob id equals ``known[module]`` is not read (its
    reading's state is ``""``).
    None when ``git`` cannot answer, or when a module's manifest must be
    derived from its code (the caller then asks the store).
    """
    try:
        listing, sharded = _listing(repo, target)
        readings = {
            module: check_files(module, files, path) for module, (path, files) in listing.items()
        }
        commit = _read_wanted(repo, target, readings, known)
    except (_Unreadable, OSError):
        return None
    return commit, readings, LAYOUT_VERSION if sharded else FLAT_LAYOUT


# Past this many objects git's one process costs less than opening each file.
_LOOSE_MAX = 64


def _loose(repo: str, oid: str, kind: bytes) -> bytes | None:
    """Return the contents of loose object ``oid`` if it is a ``kind``, else None."""
    if "GIT_OBJECT_DIRECTORY" in os.environ:
        return None  # git would look elsewhere: let it
    # Bounded: a hostile object is neither read nor inflated past what a
    # manifest may be; one that is bigger is git's to read (and judge).
    limit = MAX_MANIFEST_BYTES + 64
    try:
        with open(os.path.join(repo, "objects", oid[:2], oid[2:]), "rb") as fh:
            packed = fh.read(2 * limit)
        inflate = zlib.decompressobj()
        data = inflate.decompress(packed, limit)
    except (OSError, zlib.error):
        return None
    header, sep, body = data.partition(b"\0")
    size = header.removeprefix(kind + b" ")
    if not inflate.eof or not sep or not size.isdigit() or int(size) != len(body):
        return None  # another type, cut short, too big
    return body


def _read_loose(repo: str, target: str, wanted: list[ModuleReading]) -> str | None:
    """Judge ``wanted`` from loose objects and return ``target``'s commit; None: ask git."""
    if len(wanted) > _LOOSE_MAX or _loose(repo, target, b"commit") is None:
        return None  # (an annotated tag: git peels it)
    found = []
    for reading in wanted:
        data = _loose(repo, str(reading.manifest_id), b"blob")
        if data is None:
            return None
        found.append(data)
    for reading, data in zip(wanted, found, strict=True):
        check_manifest(reading, data)
    return target


def _read_wanted(
    repo: str, target: str, readings: Mapping[str, ModuleReading], known: Mapping[str, str]
) -> str:
    """Peel ``target`` to its commit and judge the manifests not already ``known``."""
    wanted = [
        r
        for module, r in readings.items()
        if not r.state and r.manifest_id is not None and known.get(module) != r.manifest_id
    ]
    commit: list[str] = []

    def each(index: int, oid: str, content: bytes) -> None:
        if index == 0:
            commit.append(oid)
            return
        check_manifest(wanted[index - 1], content)

    loose = _read_loose(repo, target, wanted)
    if loose is not None:
        commit.append(loose)
    else:
        _stream(repo, [f"{target}^{{commit}}", *(str(r.manifest_id) for r in wanted)], each)
    if any(r.state == DERIVED for r in readings.values()):
        # Code committed with plain git: the store derives its manifest (pydantic).
        raise _Unreadable("a manifest must be derived from its code")
    return commit[0]


def read_changed_manifests(
    repo: str,
    old_commit: str,
    target: str,
    old: Mapping[str, tuple[str, str]],
    broken: Collection[str] = (),
    layout: int | None = None,
) -> tuple[str, dict[str, ModuleReading], set[str], int] | None:
    """Like :func:`read_manifests`, reading only what changed since ``old_commit``.

    ``old`` maps each module readable at ``old_commit`` to its (manifest blob
    id, content id), and ``broken`` names the modules that were not readable
    there; ``git diff-tree`` names the files that changed, so the unchanged
    modules cost nothing, however many there are: the readings returned are
    of the modules the diff touched (none for one it removed whole), and the
    third value is the set of those modules.  Every other module of ``old``
    is as it was.  ``layout`` is the tree's layout at ``old_commit`` if known:
    a diff that leaves the layout file alone leaves it as it was, so git is
    not asked again (the fourth value says it, for the next diff).
    """
    try:
        code, out = Process.output(
            _command(repo, "diff-tree", "-r", "-z", "--no-renames", old_commit, target, "--"),
            _env(),
        )
        if code != 0 or f"\0{LAYOUT_FILE}\0".encode() in b"\0" + out:
            return None  # (a change of layout moves every module: read them all)
        if layout is None:
            code, found = Process.output(
                _command(repo, "ls-tree", "-z", target, "--", LAYOUT_FILE), _env()
            )
            if code != 0:
                return None
            meta = found.partition(b"\t")[0]
            sharded = _layout_from(meta[-40:].decode("ascii") if found else None)
        elif layout in (FLAT_LAYOUT, LAYOUT_VERSION):
            sharded = layout == LAYOUT_VERSION
        else:
            return None  # (not a layout this reader knows: the store decides)
        # An unchanged readable module holds a regular manifest and source.py.
        regular = 0o100644
        files_of: dict[str, dict[str, tuple[int, str]]] = {}
        touched: set[str] = set()
        folders: dict[str, str] = {}  # module -> its path, for messages
        fields = out.split(b"\0")
        for meta, path in zip(fields[0:-1:2], fields[1::2], strict=False):
            parts = meta.split(b" ")
            if len(parts) != 5 or not path.startswith(_PREFIX):
                continue
            steps = path[len(_PREFIX) :].split(b"/")
            module = _module_of(steps, sharded)
            if module is None:
                continue
            name = steps[-1]
            folders[module] = path.rpartition(b"/")[0].decode("utf-8", "surrogateescape")
            if module not in touched:
                blob_cid = old.get(module)
                # A new module: the diff adds all its files.
                files_of[module] = (
                    {MANIFEST: (regular, blob_cid[0]), SOURCE: (regular, blob_cid[1])}
                    if blob_cid is not None
                    else {}
                )
            touched.add(module)
            files = files_of[module]
            if parts[4].startswith(b"D"):
                files.pop(name.decode("utf-8", "surrogateescape"), None)
            else:
                mode = int(parts[1], 8)
                files[name.decode("utf-8", "surrogateescape")] = (mode, parts[3].decode("ascii"))
        if touched.intersection(broken):
            return None  # a module broken before changed: its unchanged files are unknown here
        readings = {
            m: check_files(m, files, folders.get(m))
            for m, files in files_of.items()
            if files  # (no files left: the whole module is gone)
        }
        # A touched module's manifest is judged again, even unchanged: its code may have changed.
        commit = _read_wanted(repo, target, readings, {})
    except (_Unreadable, OSError):
        return None
    return commit, readings, touched, LAYOUT_VERSION if sharded else FLAT_LAYOUT
