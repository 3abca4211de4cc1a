"""What the registry reads for one pin: a :class:`Snapshot`, from the cache or from git.

A snapshot is the manifests of every module at one commit, plus the manifests
of the per-function overrides (``blur`` pinned to an older version).  Both are
immutable once the commit and the overrides' content ids are known, so a
snapshot is cached under those ids in ``<cache dir>/registry/``, one
:mod:`marshal` file each.  A second start-up at the same pin reads the pin
(:mod:`fnstore.registry._pins`), then that one file: neither pygit2 nor
pydantic is imported.

A first start-up at a new pin opens the store and reads every
``manifest.json`` blob in one pass; a refresh reads only the blobs whose ids
changed.  A damaged cache file is ignored and written again.
"""

from __future__ import annotations

import _thread
import marshal
import os
from typing import TYPE_CHECKING, Any

from fnstore.errors import FnStoreError
from fnstore.registry import _where

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fnstore.registry._records import ModuleRecord
    from fnstore.store import FunctionStore

__all__ = [
    "Snapshot",
    "add_overrides",
    "build",
    "cache_key",
    "last_snapshot",
    "load_cached",
    "parse_manifest",
    "read_from_store",
    "remember_last",
    "save_cached",
    "write_atomically",
]

_FORMAT = 1


class Snapshot:
    """The manifests the registry serves for one pin.

    A plain class rather than a dataclass: importing :mod:`dataclasses` is a
    noticeable part of the cached start-up's budget.
    """

    __slots__ = ("commit", "errors", "modules", "overrides")

    def __init__(
        self,
        commit: str | None,
        modules: dict[str, tuple[str, ModuleRecord]] | None = None,
        errors: dict[str, str] | None = None,
        overrides: dict[str, ModuleRecord] | None = None,
    ) -> None:
        #: The commit the pin resolved to; None for an empty store.
        self.commit = commit
        #: module -> (manifest.json blob id, record), for every readable module.
        self.modules: dict[str, tuple[str, ModuleRecord]] = modules if modules is not None else {}
        #: module (or ``name@content id`` of an override) -> why it cannot be read.
        self.errors: dict[str, str] = errors if errors is not None else {}
        #: function name -> record of the module version an override pins it to.
        self.overrides: dict[str, ModuleRecord] = overrides if overrides is not None else {}


def cache_key(target: str, overrides: Mapping[str, str]) -> str:
    """Return the cache file name for a pinned object id and its overrides."""
    if not overrides:
        return target
    import hashlib  # only with overrides: hashlib's import is not free

    text = "\n".join(f"{name}@{cid}" for name, cid in sorted(overrides.items()))
    return f"{target}-{hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]}"


def _cache_path(key: str) -> str:
    return os.path.join(_where.cache_dir(), "registry", key)


def load_cached(key: str) -> Snapshot | None:
    """Return the cached snapshot for ``key``, or None when absent or damaged."""
    try:
        with open(_cache_path(key), "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 6 and data[0] == _FORMAT and data[1] == key):
        return None
    _, _, commit, modules, errors, overrides = data
    if not (
        (commit is None or isinstance(commit, str))
        and isinstance(modules, dict)
        and isinstance(errors, dict)
        and isinstance(overrides, dict)
    ):
        return None
    return Snapshot(commit, modules, errors, overrides)


def _last_path(store_path: str) -> str:
    import hashlib

    digest = hashlib.sha1(os.path.abspath(store_path).encode(), usedforsecurity=False)
    return os.path.join(_where.cache_dir(), "registry", f"last-{digest.hexdigest()[:16]}")


def last_snapshot(store_path: str) -> Snapshot | None:
    """Return the snapshot last read from git for this store, if still cached."""
    try:
        with open(_last_path(store_path), encoding="ascii") as fh:
            key = fh.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return load_cached(key) if key else None


def remember_last(store_path: str, key: str) -> None:
    """Note ``key`` as this store's latest snapshot (the base of the next diff)."""
    write_atomically(_last_path(store_path), key.encode("ascii"))


def save_cached(key: str, snap: Snapshot) -> None:
    """Write ``snap`` under ``key``; a cache that cannot be written is skipped."""
    target = _cache_path(key)
    blob = marshal.dumps((_FORMAT, key, snap.commit, snap.modules, snap.errors, snap.overrides))
    write_atomically(target, blob)


def write_atomically(target: str, blob: bytes) -> None:
    """Write ``blob`` to ``target`` via a temporary file; skip quietly if it cannot be written."""
    tmp = f"{target}.{os.getpid()}.{_thread.get_ident()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)  # readers see the old file or the new, never half
    except OSError:
        # A cache is an optimisation: read-only or full disks lose nothing.
        try:
            os.unlink(tmp)
        except OSError:
            pass


def parse_manifest(data: bytes) -> ModuleRecord | str:
    """Return the record of one ``manifest.json``, or why it cannot be read."""
    from fnstore.registry._records import module_record

    try:
        return module_record(data)
    except FnStoreError as exc:
        return str(exc)


def build(
    commit: str | None,
    parsed: Mapping[str, tuple[str, ModuleRecord | str | None]],
    bare: list[str] | None = None,
    previous: Snapshot | None = None,
) -> Snapshot:
    """Build a snapshot from parsed manifests (None: unchanged since ``previous``)."""
    snap = Snapshot(commit)
    old = previous.modules if previous is not None else {}
    for module, (blob_id, record) in parsed.items():
        if record is None and module in old and old[module][0] == blob_id:
            snap.modules[module] = old[module]
        elif isinstance(record, tuple):
            snap.modules[module] = (blob_id, record)
        else:
            why = record or "manifest.json could not be read"
            snap.errors[module] = f"{why} (functions/{module}/manifest.json)"
    for module in bare or ():
        snap.errors[module] = (
            f"functions/{module}/ has no manifest.json: save the module again with fnstore, "
            "or remove the folder"
        )
    return snap


def read_from_store(
    store: FunctionStore, commit: str | None, previous: Snapshot | None = None
) -> Snapshot:
    """Read the snapshot at ``commit`` through the store, reusing unchanged blobs."""
    if commit is None:
        return Snapshot(None)
    known = {m: blob for m, (blob, _) in previous.modules.items()} if previous else {}
    _, blobs = store.manifest_blobs(rev=commit, known=known)
    parsed = {
        module: (blob, None if data is None else parse_manifest(data))
        for module, (blob, data) in blobs.items()
    }
    return build(commit, parsed, previous=previous)


def add_overrides(snap: Snapshot, store: FunctionStore, overrides: Mapping[str, str]) -> None:
    """Read the manifests of the per-function overrides into ``snap``."""
    from fnstore.registry._records import module_record_from_manifest

    for name, cid in overrides.items():
        try:
            version: Any = store.get(f"{name}@{cid}")
            snap.overrides[name] = module_record_from_manifest(version.manifest)
        except FnStoreError as exc:
            snap.errors[f"{name}@{cid[:12]}"] = f"the pinned version cannot be read: {exc}"
