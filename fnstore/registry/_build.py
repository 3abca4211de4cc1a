"""Building the snapshot of a pin the cache lacks, and noting it for the next one.

A second start reads one cache file (:mod:`fnstore.registry._snapshot`) and
never imports this module.  It is imported when the file is missing: at a new
pin (after a save or a pull), on a first start, when a registry follows a
change.  Then the manifests are read with the git command
(:mod:`fnstore.git._gitread`): only what changed since the store's last
snapshot (:func:`last_snapshot`), or every manifest; or, when git cannot,
through the store (pygit2, :func:`read_from_store`).  Workers starting
together at a cold pin build it once, under the pin's build lock
(:func:`build_cached`).  The snapshot is written to the cache
(:func:`~fnstore.registry._snapshot.save_cached`) for the next start.
"""

from __future__ import annotations

import marshal
import os
import sys
from typing import TYPE_CHECKING, Any

from fnstore.layout import MANIFEST, module_path
from fnstore.registry import _snapshot
from fnstore.registry._metadata import columns_of, needed_packages
from fnstore.registry._snapshot import (
    CacheDamagedError,
    Snapshot,
    cache_key,
    load_cached,
    save_cached,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from fnstore.layout import ModuleReading
    from fnstore.registry._metadata import Columns
    from fnstore.registry._records import ModuleRecord
    from fnstore.store import FunctionStore

    #: A row with the module's needed packages themselves instead of their index.
    _WideRow = tuple[str, str, int, str, str, tuple[str, ...]]

__all__ = [
    "add_overrides",
    "build",
    "build_cached",
    "build_lock",
    "last_snapshot",
    "listing_of",
    "parsed_of",
    "read_from_store",
    "read_with_git",
    "remember_last",
]


def build_cached(
    path: str,
    store: Callable[[], FunctionStore],
    key: str,
    target: str,
    overrides: dict[str, str],
    previous: Snapshot | None,
    *,
    use_cache: bool,
) -> Snapshot | None:
    """Read the pin with git and write its cache file, one process at a time.

    ``store`` opens the store, for the overrides' records only.  Workers
    started together at a pin whose cache is cold would each read every
    manifest; instead the first takes the pin's build lock and the others
    wait for it, then read the file it wrote.  A process killed while building
    drops the lock with its file descriptor and leaves no cache file (files
    are renamed into place whole): the next one builds.  The file is written
    before the lock is released, not in the background, so that the waiting
    workers find it.  None when git cannot read the pin (the caller asks the
    store).
    """
    lock = build_lock(key) if use_cache else None
    try:
        if lock is not None:
            snap = load_cached(key)  # built by another process while this one waited
            if snap is not None:
                return snap
        snap = read_with_git(path, store, target, overrides, previous)
        if snap is not None:
            by_commit = cache_key(snap.commit, overrides) if snap.commit else key
            for name in {key, by_commit}:  # an annotated tag: also filed under its commit
                save_cached(name, snap)
        return snap
    finally:
        if lock is not None:
            os.close(lock)


def read_with_git(
    path: str,
    store: Callable[[], FunctionStore],
    target: str,
    overrides: dict[str, str],
    previous: Snapshot | None,
) -> Snapshot | None:
    """Read the snapshot at ``target`` with the git command; None if git cannot.

    Only what changed since ``previous`` (or, in a new process, since this
    store's last snapshot) when there is one; else every manifest.
    """
    from fnstore.git import _gitread

    base = previous if previous is not None else last_snapshot(path)
    snap = None
    try:
        old = base.content_ids() if base is not None else {}
    except CacheDamagedError:
        base = None  # the last snapshot's file is damaged: read everything
    if base is not None and base.commit is not None:
        # Only what changed since a snapshot read before (a save, a pull).
        broken = [m for m in base.errors if "@" not in m]
        changed = _gitread.read_changed_manifests(
            path, base.commit, target, old, broken, base.layout
        )
        if changed is not None:
            commit, readings, touched, layout = changed
            # The modules the diff did not touch are as they were (None: kept).
            parsed: dict[str, tuple[str, ModuleRecord | str | None]] = {
                m: (blob, None) for m, (blob, _) in old.items() if m not in touched
            }
            parsed.update(parsed_of(readings))
            snap = build(commit, parsed, base, layout)
            for module, why in base.errors.items():
                if "@" not in module and module not in touched:
                    snap.errors.setdefault(module, why)  # still broken
    if snap is None:
        found = _gitread.read_manifests(path, target, {})
        if found is None:
            return None
        snap = build(found[0], parsed_of(found[1]), layout=found[2])
    if overrides:
        add_overrides(snap, store(), overrides)
    if snap.commit is not None:
        remember_last(path, cache_key(snap.commit, overrides))
    return snap


def _wide_rows(module: str, record: ModuleRecord) -> list[_WideRow]:
    """Return the rows of one module's functions, with its needed packages spelled out."""
    needs = needed_packages(record)
    version = record[1]
    intern = sys.intern  # memory types repeat: shared strings marshal as references
    return [
        (module if fn[0] == module else fn[0], module, version, intern(fn[1]), intern(fn[2]), needs)
        for fn in record[3]
    ]


def _index(
    modules: Iterable[list[_WideRow]],
) -> tuple[Columns, tuple[tuple[str, ...], ...]]:
    """Sort the rows by name and number their package sets.

    A name that several modules hold once per memory type (OpenHCS's
    ``sharpen`` for numpy and torch) is listed qualified, ``sharpen[numpy]``
    and ``sharpen[torch]``, so that each can be picked; otherwise a later
    module wins a name (two modules with the same function for the same
    memory type, which the store refuses, from a hand edit).
    """
    keyed: dict[str, _WideRow] = {}
    repeated: dict[str, list[_WideRow]] = {}  # names held by several modules (rare)
    for rows in modules:
        for row in rows:
            name = row[0]
            if name in keyed:
                repeated.setdefault(name, [keyed[name]]).append(row)
            else:
                keyed[name] = row
    for name, same in repeated.items():
        if len({row[3] for row in same}) == len(same):
            del keyed[name]
            for row in same:
                keyed[f"{name}[{row[3]}]"] = row
        else:
            keyed[name] = same[-1]
    table: dict[tuple[str, ...], int] = {}
    listing = []
    for name in sorted(keyed):
        row = keyed[name]
        index = table.setdefault(row[5], len(table))
        listing.append((name, row[1], row[2], row[3], row[4], index))
    return columns_of(listing), tuple(table)


def listing_of(
    modules: Mapping[str, tuple[str, ModuleRecord]],
) -> tuple[Columns, tuple[tuple[str, ...], ...]]:
    """Return the listing (columns, package sets) of decoded module records."""
    return _index(_wide_rows(m, r) for m, (_, r) in modules.items())


def _previous_rows(previous: Snapshot | None) -> dict[str, list[_WideRow]]:
    """Return an earlier snapshot's rows by module (kept for modules that did not change)."""
    by_module: dict[str, list[_WideRow]] = {}
    if previous is not None:
        needs = previous.needs
        for name, module, version, kind_in, kind_out, need in zip(*previous.columns, strict=True):
            if "[" in name:  # sharpen[torch]: _index qualifies it again if still needed
                name = name.partition("[")[0]
            wide = (name, module, version, kind_in, kind_out, needs[need])
            rows = by_module.get(module)
            if rows is None:
                by_module[module] = [wide]
            else:
                rows.append(wide)
    return by_module


def _last_path(store_path: str) -> str:
    # 64-bit FNV-1a of the path: a file name per store, without importing hashlib
    # (OpenSSL) on a path that is otherwise a few milliseconds long.
    digest = 0xCBF29CE484222325
    for byte in os.path.abspath(store_path).encode():
        digest = ((digest ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return os.path.join(_snapshot.cache_dir(), "registry", f"last-{digest:016x}")


def last_snapshot(store_path: str) -> Snapshot | None:
    """Return the snapshot last read from git for this store, if still cached."""
    try:
        # Bytes, decoded here: a text file would look up (import) the ascii codec.
        with open(_last_path(store_path), "rb") as fh:
            key = fh.read().decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return load_cached(key) if key else None


def remember_last(store_path: str, key: str) -> None:
    """Note ``key`` as this store's latest snapshot (the base of the next diff)."""
    from fnstore.registry._background import write_atomically

    write_atomically(_last_path(store_path), key.encode("ascii"))


def build_lock(key: str) -> int | None:
    """Wait for and take the lock under which one process builds cache file ``key``.

    Returns its file descriptor (closing it releases the lock, as does the
    process's death), or None where no lock can be taken (then each process
    builds for itself, as before).
    """
    try:
        import fcntl

        path = os.path.join(_snapshot.cache_dir(), "registry-locks", key)  # empty files
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except (ImportError, OSError):
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        os.close(fd)
        return None
    return fd


def parsed_of(
    readings: Mapping[str, ModuleReading],
) -> dict[str, tuple[str, ModuleRecord | str | None]]:
    """Turn the one module reader's readings into what :func:`build` takes.

    Module -> (manifest blob id, its record, or why it cannot be read, or
    None when unchanged since the snapshot it is built on).
    """
    from fnstore.registry._records import record_of

    return {
        module: (reading.manifest_id or "", None if not reading.state else record_of(reading))
        for module, reading in readings.items()
    }


def build(
    commit: str | None,
    parsed: Mapping[str, tuple[str, ModuleRecord | str | None]],
    previous: Snapshot | None = None,
    layout: int | None = None,
) -> Snapshot:
    """Build a snapshot from parsed manifests (None: unchanged since ``previous``).

    A string is why a module cannot be read, in the one module reader's words.
    ``layout`` is the tree's layout at ``commit`` when the reader knows it.
    """
    errors: dict[str, str] = {}
    for module, (_, record) in parsed.items():
        if isinstance(record, str):
            errors[module] = record
    if previous is None or previous._modules is None:
        return _build_packed(commit, parsed, errors, previous, layout)
    # In-process refresh: records already decoded are reused as they are.
    modules: dict[str, tuple[str, ModuleRecord]] = {}
    old = previous.modules
    for module, (blob_id, record) in parsed.items():
        if record is None and module in old and old[module][0] == blob_id:
            modules[module] = old[module]
        elif isinstance(record, tuple):
            modules[module] = (blob_id, record)
        elif record is None:
            errors[module] = f"{module_path(module)}/{MANIFEST} could not be read"
    return Snapshot(commit, modules, errors, listing=listing_of(modules), layout=layout)


def _build_packed(
    commit: str | None,
    parsed: Mapping[str, tuple[str, ModuleRecord | str | None]],
    errors: dict[str, str],
    previous: Snapshot | None,
    layout: int | None,
) -> Snapshot:
    """Build without decoding the records kept from ``previous``; their rows are kept too."""
    old = previous.packed() if previous is not None else {}
    old_rows = _previous_rows(previous)
    packed: dict[str, tuple[str, str, bytes]] = {}
    rows: list[list[_WideRow]] = []
    for module, (blob_id, record) in parsed.items():
        kept = old.get(module)
        if record is None and kept is not None and kept[0] == blob_id:
            packed[module] = kept
            rows.append(old_rows.get(module, []))
        elif isinstance(record, tuple):
            packed[module] = (blob_id, record[2], marshal.dumps(record))
            rows.append(_wide_rows(module, record))
        elif record is None:
            errors[module] = f"{module_path(module)}/{MANIFEST} could not be read"
    return Snapshot(commit, None, errors, packed=packed, listing=_index(rows), layout=layout)


def read_from_store(
    store: FunctionStore, commit: str | None, previous: Snapshot | None = None
) -> Snapshot:
    """Read the snapshot at ``commit`` through the store, reusing unchanged blobs."""
    if commit is None:
        return Snapshot(None)
    known = {m: blob for m, (blob, _) in previous.modules.items()} if previous else {}
    _, readings = store.readings(rev=commit, known=known)
    return build(commit, parsed_of(readings), previous=previous)


def add_overrides(snap: Snapshot, store: FunctionStore, overrides: Mapping[str, str]) -> None:
    """Read the manifests of the per-function overrides into ``snap``."""
    from fnstore.errors import FnStoreError, FunctionNotFoundError
    from fnstore.registry._records import module_record_from_manifest

    for name, cid in overrides.items():
        try:
            version: Any = store.get(f"{name}@{cid}")
            if version.function is None:
                raise FunctionNotFoundError(f"{name!r} names no function of {version.module}")
            snap.overrides[name] = (
                version.function,
                module_record_from_manifest(version.manifest),
            )
        except FnStoreError as exc:
            snap.errors[f"{name}@{cid[:12]}"] = f"the pinned version cannot be read: {exc}"
