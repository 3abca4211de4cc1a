"""What the registry reads for one pin: where the pin is, and a :class:`Snapshot` of it.

The second start-up at the same pin must cost almost nothing, so this module
reads with plain ``os`` calls: importing pygit2 or platformdirs (with the
tempfile, shutil and pathlib imports it brings) costs more than all the rest
of it.  (One module, not two: each module file costs a second start a tenth of
a millisecond.)

**The cache and the default store.**  :func:`cache_dir` and
:func:`default_store_path` give the same answers as
:func:`fnstore.paths.cache_dir` and :func:`fnstore.paths.default_store_path`
(a test holds them to it) for the cases that are simple to get right: an
``FNSTORE_HOME``, and the XDG rules on Linux; anywhere else they ask
:mod:`fnstore.paths`.

**A store's pin and the commit it names.**  A pin and the refs it names are
small text files in the bare repository, whose formats git documents:

* ``<repo>/fnstore/pins.json`` (its format: :mod:`fnstore.layout._pins`),
  written by :mod:`fnstore.store._pins`; absent, the store follows the
  branch ``HEAD`` names;
* ``<repo>/refs/heads/<branch>``, ``<repo>/refs/tags/<tag>``: one object id;
* ``<repo>/packed-refs``: ``<id> <refname>`` lines (a loose ref wins over it).

Anything :func:`read_pin` and :func:`resolve` are unsure about (no pin file
they understand, a symbolic ref, a reftable repository...) gives ``None``
and the caller asks the store, which is always right.  The id found may be
an annotated tag's object id rather than a commit's: it is just as
immutable, so it still names a cache entry.

**The snapshot.**  A snapshot is the manifests of every module at one commit,
plus the manifests of the per-function overrides (``blur`` pinned to an older
version).  Both are immutable once the commit and the overrides' content ids
are known, so a snapshot is cached under those ids in ``<cache dir>/registry/``,
one :mod:`marshal` file each.  A second start-up at the same pin reads the pin,
then that one file: neither pygit2 nor pydantic is imported.

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

import gc
import marshal
import os
import sys
from typing import TYPE_CHECKING, Any, TypeVar

from fnstore.layout import PINS_FILE, STATE_DIR, sha1_hex
from fnstore.registry._metadata import NO_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from fnstore.registry._metadata import Columns
    from fnstore.registry._records import ModuleRecord

_T = TypeVar("_T")

__all__ = [
    "STORES_ENV",
    "CacheDamagedError",
    "Snapshot",
    "cache_dir",
    "cache_key",
    "default_store_path",
    "load_cached",
    "read_pin",
    "resolve",
    "save_cached",
    "without_gc",
]

_APP = "fnstore"

#: Environment variable listing the stores registries were loaded from, so that
#: a worker process (which inherits it) can import a pickled function's module.
STORES_ENV = "FNSTORE_REGISTRY_STORES"


def _xdg(variable: str, default: str) -> str | None:
    if not sys.platform.startswith("linux") or "HOME" not in os.environ:
        return None
    value = os.environ.get(variable, "").strip()
    if value:
        return os.path.join(value, _APP) if os.path.isabs(value) else None
    return os.path.join(os.path.expanduser(default), _APP)


def cache_dir() -> str:
    """Return :func:`fnstore.paths.cache_dir`, as a string."""
    home = os.environ.get("FNSTORE_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "cache")
    found = _xdg("XDG_CACHE_HOME", "~/.cache")
    if found is not None:
        return found
    from fnstore import paths

    return str(paths.cache_dir())


def default_store_path() -> str:
    """Return :func:`fnstore.paths.default_store_path`, as a string."""
    home = os.environ.get("FNSTORE_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "data", "functions.git")
    found = _xdg("XDG_DATA_HOME", "~/.local/share")
    if found is not None:
        return os.path.join(found, "functions.git")
    from fnstore import paths

    return str(paths.default_store_path())


# -- the pin and the commit it names ----------------------------------------

_HEX = frozenset("0123456789abcdef")


def _is_oid(text: str) -> bool:
    return len(text) == 40 and not (set(text) - _HEX)


def _read(repo: str, *parts: str) -> bytes:
    # Plain os.path and open(): pathlib costs more to import than this whole read.
    with open(os.path.join(repo, *parts), "rb") as fh:
        return fh.read()


def _branch(repo: str) -> str | None:
    """Return the branch ``HEAD`` names (what the store follows when nothing is pinned)."""
    try:
        head = _read(repo, "HEAD").decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    prefix = "ref: refs/heads/"
    return head.removeprefix(prefix) if head.startswith(prefix) else None


def _parse(raw: bytes) -> dict[str, object] | None:
    """Return the pin file's fields; None unless in the format this fnstore writes."""
    # The format's reader is loaded only here: a store that pins nothing has no file.
    from fnstore.layout import PINS_FORMAT, parse_pins

    try:
        data = parse_pins(raw)
    except ValueError:
        return None
    return data if data.get("format") == PINS_FORMAT else None


def read_pin(repo: str) -> tuple[str, dict[str, str]] | None:
    """Return the pin spec and overrides (name -> content id), or None if unsure."""
    try:
        raw = _read(repo, STATE_DIR, PINS_FILE)
    except FileNotFoundError:
        branch = _branch(repo)  # no pin written yet: the store follows its branch
        return (branch, {}) if branch else None
    except OSError:
        return None
    data = _parse(raw)
    if data is None:
        return None
    spec = data.get("spec")
    functions = data.get("functions", {})
    if not isinstance(spec, str) or not isinstance(functions, dict):
        return None
    for name, cid in functions.items():
        if not (isinstance(name, str) and isinstance(cid, str) and _is_oid(cid)):
            return None
    return spec, dict(functions)


_UNSURE = "?"


def _loose(repo: str, refname: str) -> str | None:
    try:
        text = _read(repo, *refname.split("/")).decode("ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return _UNSURE
    # A symbolic ref ("ref: ...") or anything else odd: let the store decide.
    return text if _is_oid(text) else _UNSURE


def _packed(repo: str, refname: str) -> str | None:
    try:
        lines = _read(repo, "packed-refs").decode("utf-8").splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return _UNSURE
    for line in lines:
        oid, _, name = line.partition(" ")
        if name == refname:
            return oid if _is_oid(oid) else _UNSURE
    return None


def resolve(repo: str, spec: str) -> str | None:
    """Return the object id ``spec`` (a branch, tag or commit id) names, or None."""
    if _is_oid(spec):
        return spec
    if not spec or spec.startswith(("/", ".", "-")) or ".." in spec or "\\" in spec:
        return None
    found = []
    for refname in (f"refs/heads/{spec}", f"refs/tags/{spec}"):
        oid = _loose(repo, refname)  # a loose ref wins over packed-refs
        if oid is None:
            oid = _packed(repo, refname)
        if oid is not None:
            found.append(oid)
    # Both a branch and a tag of that name, or an odd ref: the store knows the rules.
    if len(found) != 1 or found[0] == _UNSURE:
        return None
    return found[0]


# -- the snapshot and its cache file -------------------------------------------

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


def without_gc(work: "Callable[..., _T]", *args: Any) -> _T:
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
        modules: "dict[str, tuple[str, ModuleRecord]] | None" = None,
        errors: dict[str, str] | None = None,
        overrides: "dict[str, tuple[str, ModuleRecord]] | None" = None,
        *,
        packed: dict[str, tuple[str, str, bytes]] | None = None,
        listing: "tuple[Columns, tuple[tuple[str, ...], ...]] | None" = None,
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
        if listing is None:  # an empty snapshot (its builders give the listing)
            listing = (NO_COLUMNS, ())
        #: One row per function at the commit, sorted by name, as columns.
        self.columns: Columns = listing[0]
        #: The package sets the rows' last field indexes.
        self.needs: tuple[tuple[str, ...], ...] = listing[1]
        self._names: dict[str, str] | None = None
        self._decoded: dict[str, ModuleRecord] = {}  # records looked up one by one

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
    def modules(self) -> "dict[str, tuple[str, ModuleRecord]]":
        """Module -> (manifest.json blob id, record), for every readable module."""
        if self._modules is None:
            packed = self._unpacked()
            self._modules = {m: (blob, _decode(data)) for m, (blob, _, data) in packed.items()}
        return self._modules

    def module(self, module: str) -> "ModuleRecord | None":
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


def cache_key(target: str, overrides: "Mapping[str, str]") -> str:
    """Return the cache file name for a pinned object id and its overrides."""
    if not overrides:
        return target
    text = "\n".join(f"{name}@{cid}" for name, cid in sorted(overrides.items()))
    return f"{target}-{sha1_hex(text.encode())[:16]}"


def _cache_path(key: str) -> str:
    return os.path.join(cache_dir(), "registry", key)


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


def _decode(payload: bytes) -> "ModuleRecord":
    """Return a record kept marshalled in a cache file (its checksum already verified)."""
    return marshal.loads(payload)  # type: ignore[no-any-return]
