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

import marshal
import os
from typing import TYPE_CHECKING, Any

from fnstore.errors import FnStoreError, FunctionNotFoundError
from fnstore.registry import _where
from fnstore.registry._background import flush, in_background, write_atomically

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fnstore.registry._records import ModuleRecord, RawManifest
    from fnstore.store import FunctionStore

__all__ = [
    "CacheDamagedError",
    "Snapshot",
    "add_overrides",
    "build",
    "cache_key",
    "flush",
    "in_background",
    "index_manifest",
    "last_snapshot",
    "load_cached",
    "parse_manifest",
    "read_from_store",
    "remember_last",
    "save_cached",
    "save_cached_later",
    "write_atomically",
]

_FORMAT = 5
# Lengths of the two parts and a CRC-32 of both: a damaged file is never used.
_PREFIX = 24


class CacheDamagedError(Exception):
    """A cache file failed its checksum when its records were first used (then re-read)."""


def _intact(raw: memoryview) -> bool:
    # Checked when the records are first decoded, not at start-up: importing
    # zlib would cost a noticeable part of the cached start-up's budget.
    import zlib

    return zlib.crc32(raw[_PREFIX:]) == int.from_bytes(raw[16:_PREFIX], "little")


class Snapshot:
    """The manifests the registry serves for one pin.

    Read from the cache, each module's record stays a small :mod:`marshal`
    string until it is asked for: a start-up needs only the function names
    (:attr:`names`), and decoding thousands of records up front would cost
    more than the rest of the start-up.  A plain class rather than a
    dataclass: importing :mod:`dataclasses` is a noticeable part of that
    budget too.
    """

    __slots__ = ("_modules", "_packed", "_raw", "commit", "errors", "names", "overrides")

    def __init__(
        self,
        commit: str | None,
        modules: dict[str, tuple[str, ModuleRecord]] | None = None,
        errors: dict[str, str] | None = None,
        overrides: dict[str, tuple[str, ModuleRecord]] | None = None,
        *,
        packed: dict[str, tuple[str, str, bytes]] | None = None,
        names: dict[str, str] | None = None,
        raw: memoryview | None = None,
    ) -> None:
        # raw: the whole cache file (lengths, checksum, names, records).
        #: The commit the pin resolved to; None for an empty store.
        self.commit = commit
        #: module (or ``name@content id`` of an override) -> why it cannot be read.
        self.errors: dict[str, str] = errors if errors is not None else {}
        #: function name -> (its name in the pinned version, record of that version).
        self.overrides: dict[str, tuple[str, ModuleRecord]] = (
            overrides if overrides is not None else {}
        )
        if modules is None and packed is None and raw is None:
            modules = {}
        self._packed = packed
        self._raw = raw  # the cache file's marshalled records, decoded on first use
        self._modules: dict[str, tuple[str, ModuleRecord]] | None = modules
        if names is None:
            names = {}
            for module, (_, record) in (modules or {}).items():
                for fn in record[3]:
                    names[fn[0]] = module
        #: function name -> the module that defines it at the commit.
        self.names: dict[str, str] = names

    def _unpacked(self) -> dict[str, tuple[str, str, bytes]]:
        if self._packed is None:
            raw, packed = self._raw, None
            if raw is not None and _intact(raw):
                head_size = int.from_bytes(raw[:8], "little")
                try:
                    packed = marshal.loads(raw[_PREFIX + head_size :])
                except (ValueError, EOFError, TypeError):
                    packed = None
            if not isinstance(packed, dict):
                raise CacheDamagedError("the registry's cache file for this pin is damaged")
            self._packed, self._raw = packed, None
        return self._packed

    @property
    def modules(self) -> dict[str, tuple[str, ModuleRecord]]:
        """Module -> (manifest.json blob id, record), for every readable module."""
        if self._modules is None:
            packed = self._unpacked()
            modules: dict[str, tuple[str, ModuleRecord]] = {}
            for m, (blob, _, data) in packed.items():
                try:
                    modules[m] = (blob, _decode(m, data))
                except FnStoreError as exc:
                    self.errors[m] = str(exc)  # (its names stay listed; lookups say why)
            self._modules = modules
        return self._modules

    def module(self, module: str) -> ModuleRecord | None:
        """Return one module's record, decoding only that one."""
        if self._modules is not None:
            entry = self._modules.get(module)
            return entry[1] if entry is not None else None
        packed = self._unpacked().get(module)
        return _decode(module, packed[2]) if packed is not None else None

    def content_ids(self) -> dict[str, tuple[str, str]]:
        """Return module -> (manifest blob id, content id), decoding as little as it can."""
        if self._modules is not None:
            return {m: (blob, record[2]) for m, (blob, record) in self._modules.items()}
        return {m: (blob, cid) for m, (blob, cid, _) in self._unpacked().items()}

    def packed(self) -> dict[str, tuple[str, str, bytes]]:
        """Return module -> (blob id, content id, marshalled record): what the cache keeps."""
        if self._modules is None:
            return self._unpacked()
        return {
            m: (blob, record[2], marshal.dumps(record))
            for m, (blob, record) in self._modules.items()
        }


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
    """Return the cached snapshot for ``key``, or None when absent or damaged.

    The file holds two marshalled parts behind their lengths and checksum: the
    names index (all a start-up needs) and the records, decoded on first use,
    when the checksum is verified (:class:`CacheDamagedError` if it fails).
    """
    try:
        with open(_cache_path(key), "rb") as fh:
            raw = memoryview(fh.read())
        head_size = int.from_bytes(raw[:8], "little")
        body_size = int.from_bytes(raw[8:16], "little")
        if len(raw) != _PREFIX + head_size + body_size:
            return None  # truncated, or not ours
        data = marshal.loads(raw[_PREFIX : _PREFIX + head_size])
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 6 and data[0] == _FORMAT and data[1] == key):
        return None
    _, _, commit, names, errors, overrides = data
    if not (
        (commit is None or isinstance(commit, str))
        and isinstance(names, dict)
        and isinstance(errors, dict)
        and isinstance(overrides, dict)
    ):
        return None
    return Snapshot(commit, None, errors, overrides, names=names, raw=raw)


def _last_path(store_path: str) -> str:
    # 64-bit FNV-1a of the path: a file name per store, without importing hashlib
    # (OpenSSL) on a path that is otherwise a few milliseconds long.
    digest = 0xCBF29CE484222325
    for byte in os.path.abspath(store_path).encode():
        digest = ((digest ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return os.path.join(_where.cache_dir(), "registry", f"last-{digest:016x}")


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


def save_cached_later(keys: list[str], snap: Snapshot) -> None:
    """Write ``snap`` under each of ``keys`` on a background thread."""
    # Where to write is decided now: the cache directory may change before the
    # writer runs (FNSTORE_HOME is read on every call).
    targets = [(key, _cache_path(key)) for key in keys]

    def write() -> None:
        for key, target in targets:
            save_cached(key, snap, target=target)

    in_background(write)


def save_cached(key: str, snap: Snapshot, *, target: str | None = None) -> None:
    """Write ``snap`` under ``key``; a cache that cannot be written is skipped."""
    target = target or _cache_path(key)
    head = marshal.dumps((_FORMAT, key, snap.commit, snap.names, snap.errors, snap.overrides))
    body = marshal.dumps(snap.packed())
    import zlib

    check = zlib.crc32(body, zlib.crc32(head))
    prefix = b"".join(n.to_bytes(8, "little") for n in (len(head), len(body), check))
    blob = prefix + head + body
    write_atomically(target, blob)


def parse_manifest(data: bytes) -> ModuleRecord | str:
    """Return the record of one ``manifest.json``, or why it cannot be read."""
    from fnstore.registry._records import module_record

    try:
        return module_record(data)
    except FnStoreError as exc:
        return str(exc)


def index_manifest(data: bytes) -> ModuleRecord | RawManifest | str:
    """Read a manifest's names only when it has the store's layout, else in full."""
    from fnstore.registry._records import quick_index

    return quick_index(data) or parse_manifest(data)


def _decode(module: str, payload: bytes) -> ModuleRecord:
    """Return a packed record: marshalled, or a manifest's JSON read on first use."""
    if payload[:1] != b"{":
        return marshal.loads(payload)  # type: ignore[no-any-return]
    from fnstore.registry._records import module_record

    try:
        return module_record(payload)
    except FnStoreError as exc:
        raise type(exc)(f"{exc} (functions/{module}/manifest.json)") from exc


def build(
    commit: str | None,
    parsed: Mapping[str, tuple[str, ModuleRecord | RawManifest | str | None]],
    bare: list[str] | None = None,
    previous: Snapshot | None = None,
) -> Snapshot:
    """Build a snapshot from parsed manifests (None: unchanged since ``previous``)."""
    from fnstore.registry._records import RawManifest

    errors: dict[str, str] = {}
    for module, (_, record) in parsed.items():
        if isinstance(record, str):
            errors[module] = f"{record} (functions/{module}/manifest.json)"
    for module in bare or ():
        errors[module] = (
            f"functions/{module}/ has no manifest.json: save the module again with fnstore, "
            "or remove the folder"
        )
    if previous is None or previous._modules is None:
        return _build_packed(commit, parsed, errors, previous)
    # In-process refresh: records already decoded are reused as they are.
    modules: dict[str, tuple[str, ModuleRecord]] = {}
    old = previous.modules
    for module, (blob_id, record) in parsed.items():
        if record is None and module in old and old[module][0] == blob_id:
            modules[module] = old[module]
        elif isinstance(record, RawManifest):
            try:
                modules[module] = (blob_id, _decode(module, record.data))
            except FnStoreError as exc:
                errors[module] = str(exc)
        elif isinstance(record, tuple):
            modules[module] = (blob_id, record)
        elif record is None:
            errors[module] = f"manifest.json could not be read (functions/{module}/manifest.json)"
    return Snapshot(commit, modules, errors)


def _build_packed(
    commit: str | None,
    parsed: Mapping[str, tuple[str, ModuleRecord | RawManifest | str | None]],
    errors: dict[str, str],
    previous: Snapshot | None,
) -> Snapshot:
    """Build without decoding records: the cached ones kept, new ones as read."""
    from fnstore.registry._records import RawManifest

    old = previous.packed() if previous is not None else {}
    names_of: dict[str, list[str]] = {}
    for name, module in (previous.names if previous is not None else {}).items():
        names_of.setdefault(module, []).append(name)
    packed: dict[str, tuple[str, str, bytes]] = {}
    names: dict[str, str] = {}
    for module, (blob_id, record) in parsed.items():
        kept = old.get(module)
        if record is None and kept is not None and kept[0] == blob_id:
            packed[module] = kept
            for name in names_of.get(module, ()):
                names[name] = module
        elif isinstance(record, RawManifest):
            packed[module] = (blob_id, record.content_id, record.data)
            for name in record.names:
                names[name] = module
        elif isinstance(record, tuple):
            packed[module] = (blob_id, record[2], marshal.dumps(record))
            for fn in record[3]:
                names[fn[0]] = module
        elif record is None:
            errors[module] = f"manifest.json could not be read (functions/{module}/manifest.json)"
    return Snapshot(commit, None, errors, packed=packed, names=names)


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
            if version.function is None:
                raise FunctionNotFoundError(f"{name!r} names no function of {version.module}")
            snap.overrides[name] = (
                version.function,
                module_record_from_manifest(version.manifest),
            )
        except FnStoreError as exc:
            snap.errors[f"{name}@{cid[:12]}"] = f"the pinned version cannot be read: {exc}"
