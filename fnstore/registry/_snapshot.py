"""What the registry reads for one pin: a :class:`Snapshot`, from the cache or from git.

A snapshot is the manifests of every module at one commit, plus the manifests
of the per-function overrides (``blur`` pinned to an older version).  Both are
immutable once the commit and the overrides' content ids are known, so a
snapshot is cached under those ids in ``<cache dir>/registry/``, one
:mod:`marshal` file each.  A second start-up at the same pin reads the pin
(:mod:`fnstore.registry._where`), then that one file: neither pygit2 nor
pydantic is imported.

The file's first part is the listing: one small row per function, sorted by
name (:data:`~fnstore.registry._metadata.Row`: name, module, version, memory
types, and an index into a table of the packages modules need), all that a
function selector shows, kept as six columns (a few long tuples unmarshal
much faster than a tuple per row, and the listing reads the columns as they
are).  The second part holds each module's full record, decoded when one of
its functions is looked up.  Building tens of thousands of objects for a
listing, the cyclic garbage collector is paused (:func:`without_gc`), since
its passes over the host's own objects (numpy's, a GUI's) would otherwise
cost more than the listing.

A first start-up at a new pin reads every ``manifest.json`` blob in one pass;
a new pin after a save or a pull reads only the blobs whose ids changed, and
keeps the other rows as they were.  A damaged cache file is ignored and
written again.
"""

from __future__ import annotations

import gc
import marshal
import os
import sys
from typing import TYPE_CHECKING, Any, TypeVar

from fnstore.layout import MANIFEST, module_path, sha1_hex
from fnstore.registry import _where

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from fnstore.layout import ModuleReading
    from fnstore.registry._metadata import Columns, Row
    from fnstore.registry._records import ModuleRecord
    from fnstore.store import FunctionStore

    #: A row with the module's needed packages themselves instead of their index.
    _WideRow = tuple[str, str, int, str, str, tuple[str, ...]]

_T = TypeVar("_T")

__all__ = [
    "CacheDamagedError",
    "Snapshot",
    "add_overrides",
    "build",
    "build_lock",
    "cache_key",
    "last_snapshot",
    "load_cached",
    "parsed_of",
    "read_from_store",
    "remember_last",
    "save_cached",
    "without_gc",
]

# 6: a name in several modules is listed qualified, sharpen[torch]; 7: columns;
# 8: the layout of the tree at the commit.
_FORMAT = 8
# Lengths of the two parts and a CRC-32 of both: a damaged file is never used.
_PREFIX = 24


class CacheDamagedError(Exception):
    """A cache file failed its checksum when its records were first used (then re-read)."""


def _intact(raw: memoryview) -> bool:
    # Checked when the records are first decoded, not at start-up: importing
    # zlib would cost a noticeable part of the cached start-up's budget.
    import zlib

    return zlib.crc32(raw[_PREFIX:]) == int.from_bytes(raw[16:_PREFIX], "little")


def without_gc(work: Callable[..., _T], *args: Any) -> _T:
    """Run ``work(*args)`` with the cyclic garbage collector paused (see the module docstring)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return work(*args)
    finally:
        if paused:
            gc.enable()


class Snapshot:
    """The manifests the registry serves for one pin.

    Read from the cache, each module's record stays a small :mod:`marshal`
    string until it is asked for: a start-up needs only the listing
    (:attr:`rows`), and decoding thousands of records up front would cost
    more than the rest of the start-up.  A plain class rather than a
    dataclass: importing :mod:`dataclasses` is a noticeable part of that
    budget too.
    """

    __slots__ = (
        "_decoded",
        "_modules",
        "_names",
        "_packed",
        "_raw",
        "columns",
        "commit",
        "errors",
        "layout",
        "needs",
        "overrides",
    )

    def __init__(
        self,
        commit: str | None,
        modules: dict[str, tuple[str, ModuleRecord]] | None = None,
        errors: dict[str, str] | None = None,
        overrides: dict[str, tuple[str, ModuleRecord]] | None = None,
        *,
        packed: dict[str, tuple[str, str, bytes]] | None = None,
        listing: tuple[Columns, tuple[tuple[str, ...], ...]] | None = None,
        raw: tuple[str, bytes] | None = None,
        layout: int | None = None,
    ) -> None:
        # raw: the cache file's path and its first part (lengths, checksum,
        # listing); its records are read from the file when first needed.
        #: The commit the pin resolved to; None for an empty store.
        self.commit = commit
        #: The layout of the tree at the commit (:mod:`fnstore.layout`); None: not known.
        #: A start at the next pin whose diff leaves the layout file alone takes it from here.
        self.layout = layout
        #: module (or ``name@content id`` of an override) -> why it cannot be read.
        self.errors: dict[str, str] = errors if errors is not None else {}
        #: function name -> (its name in the pinned version, record of that version).
        self.overrides: dict[str, tuple[str, ModuleRecord]] = (
            overrides if overrides is not None else {}
        )
        if modules is None and packed is None and raw is None:
            modules = {}
        self._packed = packed
        self._raw = raw
        self._modules: dict[str, tuple[str, ModuleRecord]] | None = modules
        if listing is None:
            listing = _index(_wide_rows(m, r) for m, (_, r) in (modules or {}).items())
        #: One row per function at the commit, sorted by name, as columns.
        self.columns: Columns = listing[0]
        #: The package sets the rows' last field indexes.
        self.needs: tuple[tuple[str, ...], ...] = listing[1]
        self._names: dict[str, str] | None = None
        self._decoded: dict[str, ModuleRecord] = {}  # records looked up one by one

    @property
    def rows(self) -> tuple[Row, ...]:
        """One row per function at the commit, sorted by name."""
        from fnstore.registry._metadata import rows_of

        return rows_of(self.columns)

    @property
    def names(self) -> dict[str, str]:
        """Function name -> the module that defines it at the commit."""
        if self._names is None:
            self._names = dict(zip(self.columns[0], self.columns[1], strict=True))
        return self._names

    def _unpacked(self) -> dict[str, tuple[str, str, bytes]]:
        if self._packed is None:
            packed = None
            if self._raw is not None:
                path, start = self._raw
                try:
                    with open(path, "rb") as fh:
                        raw = memoryview(fh.read())
                except OSError:
                    raw = memoryview(b"")
                # The same file as at start-up (a rewrite under the same key with
                # other contents, by another fnstore version say, fails here).
                if raw[: len(start)] == start and _intact(raw):
                    try:
                        packed = marshal.loads(raw[len(start) :])
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
            self._modules = {m: (blob, _decode(data)) for m, (blob, _, data) in packed.items()}
        return self._modules

    def module(self, module: str) -> ModuleRecord | None:
        """Return one module's record, decoding only that one."""
        if self._modules is not None:
            entry = self._modules.get(module)
            return entry[1] if entry is not None else None
        record = self._decoded.get(module)
        if record is None:
            packed = self._unpacked().get(module)
            if packed is None:
                return None
            record = self._decoded[module] = _decode(packed[2])
        return record

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


def _wide_rows(module: str, record: ModuleRecord) -> list[_WideRow]:
    """Return the rows of one module's functions, with its needed packages spelled out."""
    from fnstore.registry._metadata import needed_packages

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
    by_name: dict[str, list[_WideRow]] = {}
    for rows in modules:
        for row in rows:
            by_name.setdefault(row[0], []).append(row)
    keyed: dict[str, _WideRow] = {}
    for name, same in by_name.items():
        if len(same) > 1 and len({row[3] for row in same}) == len(same):
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
    from fnstore.registry._metadata import columns_of

    return columns_of(listing), tuple(table)


def _previous_rows(previous: Snapshot | None) -> dict[str, list[_WideRow]]:
    """Return an earlier snapshot's rows by module (kept for modules that did not change)."""
    by_module: dict[str, list[_WideRow]] = {}
    if previous is not None:
        needs = previous.needs
        for row in previous.rows:
            # The function's own name: _index qualifies it again if still needed.
            name = row[0].partition("[")[0]
            wide = (name, row[1], row[2], row[3], row[4], needs[row[5]])
            by_module.setdefault(row[1], []).append(wide)
    return by_module


def cache_key(target: str, overrides: Mapping[str, str]) -> str:
    """Return the cache file name for a pinned object id and its overrides."""
    if not overrides:
        return target
    text = "\n".join(f"{name}@{cid}" for name, cid in sorted(overrides.items()))
    return f"{target}-{sha1_hex(text.encode())[:16]}"


def _cache_path(key: str) -> str:
    return os.path.join(_where.cache_dir(), "registry", key)


def _head(data: memoryview) -> tuple[Any, ...] | None:
    """Unmarshal a cache file's first part (its rows are columns, kept as such)."""
    head = marshal.loads(data)
    if not (isinstance(head, tuple) and len(head) == 8 and head[0] == _FORMAT):
        return None
    columns = head[3]
    if not (isinstance(columns, tuple) and all(type(c) is tuple for c in columns)):
        return None
    if len(columns) != 6 or len({len(c) for c in columns}) > 1:
        return None
    return head


def load_cached(key: str) -> Snapshot | None:
    """Return the cached snapshot for ``key``, or None when absent or damaged.

    The file holds two marshalled parts behind their lengths and checksum: the
    listing (all a start-up needs, and all that is read now) and the records,
    read and decoded on first use, when the checksum is verified
    (:class:`CacheDamagedError` if it fails).
    """
    path = _cache_path(key)
    try:
        with open(path, "rb") as fh:
            start = fh.read(_PREFIX)
            head_size = int.from_bytes(start[:8], "little")
            body_size = int.from_bytes(start[8:16], "little")
            if os.fstat(fh.fileno()).st_size != _PREFIX + head_size + body_size:
                return None  # truncated, or not ours
            start += fh.read(head_size)
        data = without_gc(_head, memoryview(start)[_PREFIX:])
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if data is None or data[1] != key:
        return None
    _, _, commit, columns, needs, errors, overrides, layout = data
    if not (
        (commit is None or isinstance(commit, str))
        and isinstance(needs, tuple)
        and isinstance(errors, dict)
        and isinstance(overrides, dict)
        and (layout is None or type(layout) is int)
    ):
        return None
    return Snapshot(
        commit, None, errors, overrides, listing=(columns, needs), raw=(path, start), layout=layout
    )


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

        path = os.path.join(_where.cache_dir(), "registry-locks", key)  # empty files
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


def save_cached(key: str, snap: Snapshot, *, target: str | None = None) -> None:
    """Write ``snap`` under ``key``; a cache that cannot be written is skipped."""
    target = target or _cache_path(key)
    head = marshal.dumps(
        # The rows as columns: unmarshalling a few long tuples of strings is
        # much faster than unmarshalling rows, and the listing reads columns.
        (
            _FORMAT,
            key,
            snap.commit,
            snap.columns,
            snap.needs,
            snap.errors,
            snap.overrides,
            snap.layout,
        )
    )
    body = marshal.dumps(snap.packed())
    import zlib

    check = zlib.crc32(body, zlib.crc32(head))
    prefix = b"".join(n.to_bytes(8, "little") for n in (len(head), len(body), check))
    blob = prefix + head + body
    from fnstore.registry._background import write_atomically  # writing only

    write_atomically(target, blob)


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


def _decode(payload: bytes) -> ModuleRecord:
    """Return a record kept marshalled in a cache file (its checksum already verified)."""
    return marshal.loads(payload)  # type: ignore[no-any-return]


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
    return Snapshot(commit, modules, errors, layout=layout)


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
