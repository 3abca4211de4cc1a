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

import hashlib
import marshal
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fnstore import paths
from fnstore.errors import FnStoreError
from fnstore.registry._records import ModuleRecord, module_record, module_record_from_manifest

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fnstore.store import FunctionStore

__all__ = [
    "Snapshot",
    "add_overrides",
    "build",
    "cache_key",
    "load_cached",
    "read_from_store",
    "save_cached",
]

_FORMAT = 1


@dataclass
class Snapshot:
    """The manifests the registry serves for one pin."""

    #: The commit the pin resolved to; None for an empty store.
    commit: str | None
    #: module -> (manifest.json blob id, record), for every readable module.
    modules: dict[str, tuple[str, ModuleRecord]] = field(default_factory=dict)
    #: module -> why its manifest could not be read.
    errors: dict[str, str] = field(default_factory=dict)
    #: function name -> record of the module version the override pins it to.
    overrides: dict[str, ModuleRecord] = field(default_factory=dict)


def cache_key(target: str, overrides: Mapping[str, str]) -> str:
    """Return the cache file name for a pinned object id and its overrides."""
    if not overrides:
        return target
    text = "\n".join(f"{name}@{cid}" for name, cid in sorted(overrides.items()))
    return f"{target}-{hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]}"


def _cache_path(key: str) -> Path:
    return paths.cache_dir() / "registry" / key


def load_cached(key: str) -> Snapshot | None:
    """Return the cached snapshot for ``key``, or None when absent or damaged."""
    try:
        data = marshal.loads(_cache_path(key).read_bytes())
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


def save_cached(key: str, snap: Snapshot) -> None:
    """Write ``snap`` under ``key``; a cache that cannot be written is skipped."""
    target = _cache_path(key)
    blob = marshal.dumps((_FORMAT, key, snap.commit, snap.modules, snap.errors, snap.overrides))
    import tempfile  # only when writing: keeps the cached start-up's imports small

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, target)  # readers see the old file or the new, never half
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a cache is an optimisation: read-only or full disks lose nothing


def build(
    commit: str | None,
    blobs: Mapping[str, tuple[str, bytes | None]],
    bare: list[str] | None = None,
    previous: Snapshot | None = None,
) -> Snapshot:
    """Build a snapshot from manifest blobs (None bytes: unchanged since ``previous``)."""
    snap = Snapshot(commit)
    old = previous.modules if previous is not None else {}
    for module, (blob_id, data) in blobs.items():
        if data is None and module in old and old[module][0] == blob_id:
            snap.modules[module] = old[module]
            continue
        try:
            record = module_record(data if data is not None else b"")
        except FnStoreError as exc:
            snap.errors[module] = f"{exc} (functions/{module}/manifest.json)"
            continue
        snap.modules[module] = (blob_id, record)
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
    return build(commit, blobs, previous=previous)


def add_overrides(snap: Snapshot, store: FunctionStore, overrides: Mapping[str, str]) -> None:
    """Read the manifests of the per-function overrides into ``snap``."""
    for name, cid in overrides.items():
        try:
            version: Any = store.get(f"{name}@{cid}")
            snap.overrides[name] = module_record_from_manifest(version.manifest)
        except FnStoreError as exc:
            snap.errors[f"{name}@{cid[:12]}"] = f"the pinned version cannot be read: {exc}"
