"""The registry: the functions of one pinned revision of a store, loaded lazily.

:meth:`Registry.load` reads the store's pin and per-function overrides and the
manifests at that pin: from the cache when the pin resolves to a commit read
before (:mod:`fnstore.registry._snapshot`), else with the git command
(:mod:`fnstore.git._gitread`), else through the store.  No code runs at
start-up.  A function's module is compiled and run on first use, once per
process, as a real module (:mod:`fnstore.registry._loaded`).

References: ``name`` (at the pin, or at its override), ``name@3`` (version 3),
``name@<content id or prefix>`` (exactly that code, even after later
versions), ``name@<tag or commit>``.
"""

import _thread
import os
from functools import cached_property
from itertools import repeat
from typing import TYPE_CHECKING, Any

from fnstore.registry._metadata import (
    REGISTRY_NAME,
    FunctionMetadata,
    MetadataSource,
    columns_of,
    needed_packages,
    row_of,
    rows_of,
)
from fnstore.registry._snapshot import (
    STORES_ENV,
    CacheDamagedError,
    Snapshot,
    cache_key,
    default_store_path,
    load_cached,
    read_pin,
    resolve,
    save_cached,
    without_gc,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from fnstore.errors import UntrustedCodeError
    from fnstore.registry._metadata import Columns
    from fnstore.registry._records import FunctionRecord, ModuleRecord
    from fnstore.registry._trustgate import TrustGate
    from fnstore.store import FunctionStore

    _Hit = tuple[ModuleRecord, FunctionRecord]

__all__ = ["MEMORY_TYPES", "REGISTRY_NAME", "Registry", "RegistryChange"]

MEMORY_TYPES = ("numpy", "cupy", "torch", "tensorflow", "jax", "pyclesperanto")


class RegistryChange:
    """What a :meth:`Registry.refresh` changed: function names, sorted.

    False when nothing changed.  (A plain class: see :class:`Snapshot` on why.)
    """

    __slots__ = ("added", "changed", "commit", "removed")

    def __init__(
        self,
        commit: str | None,
        added: tuple[str, ...] = (),
        removed: tuple[str, ...] = (),
        changed: tuple[str, ...] = (),
    ) -> None:
        self.commit, self.added, self.removed, self.changed = commit, added, removed, changed

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RegistryChange):
            return NotImplemented
        mine = (self.commit, self.added, self.removed, self.changed)
        return mine == (other.commit, other.added, other.removed, other.changed)

    def __hash__(self) -> int:
        return hash((self.commit, self.added, self.removed, self.changed))

    def __repr__(self) -> str:
        return (
            f"RegistryChange(commit={self.commit!r}, added={self.added!r}, "
            f"removed={self.removed!r}, changed={self.changed!r})"
        )


def _remember_store(path: str) -> None:
    # Worker processes inherit the environment: through it they find the store
    # to import a pickled function's module from (see fnstore.registry._loaded).
    known = os.environ.get(STORES_ENV, "")
    entries = known.split(os.pathsep) if known else []
    if path not in entries:
        os.environ[STORES_ENV] = os.pathsep.join([*entries, path])


class Registry:
    """The functions of a store at its pin; build one with :meth:`load`."""

    def __init__(self, path: str, store: "FunctionStore | None" = None) -> None:
        self._path = path
        self._store = store
        self._lock = _thread.RLock()
        self._snap = Snapshot(None)
        self._pinned: dict[str, _Hit] = {}  # per-function overrides
        self._meta: dict[str, FunctionMetadata] = {}
        self._listing: dict[str, FunctionMetadata] | None = None  # functions(), built once
        self._exact: dict[str, tuple[ModuleRecord, FunctionRecord, Callable[[], str]]] = {}
        self._callbacks: list[Callable[[RegistryChange], None]] = []
        self.pin_spec: str | None = None
        self.overrides: dict[str, str] = {}
        # "name@<content id at the pin>" -> its last trusted version (None: none)
        self._trusted_older: dict[
            str, tuple[ModuleRecord, FunctionRecord, Callable[[], str]] | None
        ] = {}

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, store: "FunctionStore | str | os.PathLike[str] | None" = None) -> "Registry":
        """Load the store's pinned revision (default: the user's store).

        Reads manifests only, from the cache when this pin was read before.
        A missing default store gives an empty registry; a broken manifest
        is listed in :attr:`errors` and never stops the load.

        Raises
        ------
        StoreNotFoundError
            An explicitly given store path holds no store.
        """
        if store is None:
            reg = cls(default_store_path())
        elif isinstance(store, str | os.PathLike):
            reg = cls(os.path.expanduser(os.fspath(store)))
        else:
            reg = cls(os.fspath(store.path), store)
        reg._explicit = store is not None
        reg._read(None)
        return reg

    @classmethod
    def load_cached(cls, store: "FunctionStore") -> "Registry | None":
        """Load the store's pin only if this pin was read before; else None.

        A warm load reads one cache file (a few milliseconds), so a GUI can
        list at once on its own thread and load in the background only when
        this returns None (the first start at a pin reads every manifest).
        """
        reg = cls(os.fspath(store.path), store)
        return reg if reg._read(None, build=False) else None

    _explicit = True

    def _read(
        self, previous: Snapshot | None, *, use_cache: bool = True, build: bool = True
    ) -> bool:
        """Install the snapshot at the current pin: cache, then git, then the store.

        With ``build=False`` only a cached snapshot is installed; False means
        there was none and nothing changed.
        """
        pin = read_pin(self._path)
        target = resolve(self._path, pin[0]) if pin is not None else None
        if pin is not None and target is not None:
            spec, overrides = pin
            key = cache_key(target, overrides)
            if previous is not None and key == self._key:
                return True  # same commit, same overrides: nothing can have changed
            snap = load_cached(key) if use_cache else None
            if snap is None and not build:
                return False
            if snap is None:
                from fnstore.registry._build import build_cached

                snap = build_cached(
                    self._path,
                    lambda: self.store,
                    key,
                    target,
                    overrides,
                    previous,
                    use_cache=use_cache,
                )
            if snap is not None:
                self._install(snap, key, spec, overrides)
                return True
        if not build:
            return False
        if not os.path.exists(self._path) and not self._explicit:
            self._install(Snapshot(None), "", None, {})  # no store yet: nothing saved
            return True
        from fnstore.registry._build import add_overrides, read_from_store

        store = self.store
        spec, commit, overrides = store.pin_spec, store.pinned_commit, store.pinned_functions
        snap = read_from_store(store, commit, previous)
        add_overrides(snap, store, overrides)
        key = cache_key(commit, overrides) if commit is not None else ""
        if key:
            save_cached(key, snap)
        self._install(snap, key, spec, overrides)
        return True

    _key = ""

    @cached_property
    def _gate(self) -> "TrustGate":
        """The trust policy, asked before stored code runs (made on first use: not by a listing)."""
        from fnstore.registry._trustgate import TrustGate

        return TrustGate(self._path, lambda: self.store)

    def _install(
        self, snap: Snapshot, key: str, spec: str | None, overrides: dict[str, str]
    ) -> None:
        pinned: dict[str, _Hit] = {}
        for name, (function, record) in snap.overrides.items():
            # the pinned version's own name for it (before a rename, maybe)
            for fn in record[3]:
                if fn[0] == function:
                    pinned[name] = (record, fn)
        self._snap, self._key, self._pinned = snap, key, pinned
        self.pin_spec, self.overrides = spec, dict(overrides)
        self._meta, self._exact, self._listing = {}, {}, None
        self._trusted_older = {}
        _remember_store(self._path)

    @property
    def _names(self) -> dict[str, str]:
        """Function name -> module at the pin (built from the listing on first use)."""
        return self._snap.names

    @property
    def path(self) -> "Path":
        """The store's repository directory."""
        from pathlib import Path

        return Path(self._path)

    @property
    def store(self) -> "FunctionStore":
        """The store behind this registry (opened on first use: imports pygit2)."""
        if self._store is None:
            from fnstore.store import open_store

            self._store = open_store(self._path, create=not self._explicit)
        return self._store

    @property
    def commit(self) -> str | None:
        """The commit the pin resolved to (None for an empty store)."""
        return self._snap.commit

    @property
    def errors(self) -> dict[str, str]:
        """Modules (or overrides) whose manifests could not be read, and why."""
        return dict(self._snap.errors)

    # ----------------------------------------------------------------- refresh
    def refresh(self) -> RegistryChange:
        """Follow a save or a pin change; re-reads only the manifests that changed.

        Calls every :meth:`on_change` callback when something changed.
        """
        with self._lock:
            before = self._fingerprints()
            if self._gate.changed():  # an accept, a policy change: ask again
                self._meta, self._exact, self._listing = {}, {}, None
                self._trusted_older = {}
            self._read(self._snap)
            after = self._fingerprints()
        change = RegistryChange(
            commit=self.commit,
            added=tuple(sorted(after.keys() - before.keys())),
            removed=tuple(sorted(before.keys() - after.keys())),
            changed=tuple(sorted(n for n in after.keys() & before.keys() if after[n] != before[n])),
        )
        if change:
            for callback in list(self._callbacks):
                callback(change)
        return change

    def _fingerprints(self) -> "dict[str, tuple[str, FunctionRecord, bool]]":
        from fnstore.errors import ManifestError

        found = {}
        gate_open = self._gate.open
        for name in self.names():
            try:
                hit = self._find(name)
            except ManifestError:
                continue  # reported in errors
            if hit is not None:
                # whether it may run is part of what a listener must hear about
                trusted = gate_open or self._refusal_at_pin(name, hit[0]) is None
                found[name] = (hit[0][2], hit[1], trusted)
        return found

    def on_change(self, callback: "Callable[[RegistryChange], None]") -> "Callable[[], None]":
        """Call ``callback`` after each refresh that changed something; returns an unsubscriber."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    # ----------------------------------------------------------------- lookup
    def __len__(self) -> int:
        if not self._pinned:
            return len(self._snap.columns[0])
        return len(self._names.keys() | self._pinned.keys())

    def __contains__(self, name: object) -> bool:
        return name in self._names or name in self._pinned

    def __iter__(self) -> "Iterator[str]":
        return iter(self.names())

    def names(self) -> list[str]:
        """Return the function names at the pin, sorted."""
        if not self._pinned:
            return list(self._snap.columns[0])  # the rows are sorted by name
        return sorted(self._names.keys() | self._pinned.keys())

    def _find(self, name: str) -> "_Hit | None":
        from fnstore.errors import ManifestError

        hit = self._pinned.get(name)
        if hit is not None:
            return hit
        module = self._names.get(name)
        try:
            record = self._snap.module(module) if module is not None else None
        except ManifestError as exc:
            # A manifest indexed at start-up and read in full only now, broken.
            self._snap.errors[str(module)] = str(exc)
            raise
        except CacheDamagedError:
            # The cache file failed its checksum: read the pin again without it.
            with self._lock:
                self._read(None, use_cache=False)
            module = self._names.get(name)
            record = self._snap.module(module) if module is not None else None
        if record is None:
            if name in self._snap.errors:  # its module's manifest is broken: say so
                from fnstore.layout import error_for  # (the reader's reason, its error class)

                raise error_for(self._snap.errors[name])
            return None
        bare = name.partition("[")[0]  # sharpen[torch]: listed qualified, defined as sharpen
        fn = next((f for f in record[3] if f[0] == bare), None)
        return (record, fn) if fn is not None else None

    def _hit(self, name: str) -> "_Hit":
        hit = self._find(name)
        if hit is None:
            from fnstore.errors import AmbiguousNameError, FunctionNotFoundError

            choices = [n for n in self._names if n.startswith(f"{name}[")]
            if choices:
                raise AmbiguousNameError(
                    f"{name!r} is in {len(choices)} modules, once per memory type: say which, "
                    f"one of {', '.join(choices)}",
                    choices,
                )
            raise FunctionNotFoundError(
                f"no function {name!r} at pin {self.pin_spec or '(none)'}: "
                "see `fnstore ls` for the names, or save it first"
            )
        return hit

    def info(self, ref: str) -> FunctionMetadata:
        """Return the metadata of ``name`` or ``name@<version|content id|tag|commit>``.

        Under a trust policy, a version that may not run yet is described
        with ``trusted=False`` and a ``trust_note``; calling a plain ``name``
        then runs the module's last trusted version, if there is one.
        """
        from fnstore.registry._resolve import compiled

        name, _, at = ref.partition("@")
        if not at:
            meta = self._listing.get(f"{REGISTRY_NAME}:{name}") if self._listing else None
            if meta is None:
                meta = self._meta.get(name)
            if meta is None:
                record, fn = self._hit(name)
                meta = FunctionMetadata.from_record(
                    record,
                    fn,
                    lambda: self._load_allowed(name, record, fn),
                    name=name,
                    trust=lambda: self._trust_of(name, record),
                )
                self._meta[name] = meta
            return meta
        record, fn, source = self._exact_hit(name, at)
        refusal = self._gate.refusal(record[0], record[2], None)
        if refusal is None:
            return FunctionMetadata.from_record(
                record, fn, lambda: compiled(record, fn, source), name=name
            )
        error = _untrusted(record, refusal)

        def refuse() -> "Callable[..., Any]":
            raise _untrusted(record, refusal)

        return FunctionMetadata.from_record(
            record, fn, refuse, name=name, trust=lambda: (False, str(error))
        )

    # ----------------------------------------------------------------- trust
    def _refusal_at_pin(self, name: str, record: "ModuleRecord") -> str | None:
        overridden = name in self._pinned
        return self._gate.refusal(record[0], record[2], None if overridden else self._snap.commit)

    def _trust_of(self, name: str, record: "ModuleRecord") -> tuple[bool, str | None]:
        """Whether ``name``'s version at the pin may run, and a note saying why not."""
        refusal = self._refusal_at_pin(name, record)
        if refusal is None:
            return True, None
        older = self._last_trusted(name, record)
        if older is None:
            return False, str(_untrusted(record, refusal))
        return False, (
            f"version {record[1]} ({record[2][:12]}) awaits review ({refusal}); version "
            f"{older[0][1]} runs meanwhile: see `fnstore pending`"
        )

    def _load_allowed(
        self, name: str, record: "ModuleRecord", fn: "FunctionRecord"
    ) -> "Callable[..., Any]":
        """Run ``name`` at the pin if the policy allows, else its last trusted version."""
        from fnstore.registry._resolve import compiled, store_source

        refusal = self._refusal_at_pin(name, record)
        if refusal is None:
            return compiled(record, fn, store_source(lambda: self.store, record[2]))
        older = self._last_trusted(name, record)
        if older is None:
            raise _untrusted(record, refusal)
        return compiled(*older)

    def _last_trusted(
        self, name: str, record: "ModuleRecord"
    ) -> "tuple[ModuleRecord, FunctionRecord, Callable[[], str]] | None":
        """Return the newest earlier version of ``name``'s module that may run (None: none)."""
        from fnstore.errors import FnStoreError
        from fnstore.registry._records import module_record_from_manifest

        if name in self._pinned:
            return None  # pinned to exactly that version: nothing else stands in
        key = f"{name}@{record[2]}"
        if key in self._trusted_older:
            return self._trusted_older[key]
        found = None
        try:
            history = self.store.history(name, rev=self._snap.commit)
        except FnStoreError:
            history = []
        for version in history:
            if version.content_id == record[2]:
                continue
            older = module_record_from_manifest(version.manifest)
            # traced through renames: what the function was called in that version
            fn = next((f for f in older[3] if f[0] == version.function), None)
            if fn is None:
                break  # the function is newer than every trusted version
            if self._gate.refusal(older[0], older[2], version.commit) is None:
                found = (older, fn, _text(version.source))
                break
        self._trusted_older[key] = found
        return found

    @property
    def untrusted(self) -> dict[str, str]:
        """Module -> why its version at the pin may not run here (empty under policy ``any``).

        Such a module is listed as usual; calling its functions runs the
        module's last trusted version, or raises UntrustedCodeError saying how
        to review it when there is none.
        """
        if self._gate.open:
            return {}
        out: dict[str, str] = {}
        for module, (_, cid) in sorted(self._snap.content_ids().items()):
            refusal = self._gate.refusal(module, cid, self._snap.commit)
            if refusal is not None:
                out[module] = refusal
        for name, (record, _) in sorted(self._pinned.items()):
            refusal = self._gate.refusal(record[0], record[2], None)
            if refusal is not None:
                out[f"{name}@{record[2][:12]}"] = refusal
        return out

    def get(self, ref: str) -> "Callable[..., Any]":
        """Return the callable for ``name`` or ``name@<version|content id|tag|commit>``.

        A function whose packages are missing here comes back as a stand-in
        that raises :class:`~fnstore.errors.BackendUnavailableError` when called.

        Raises
        ------
        FunctionNotFoundError, RevisionNotFoundError
            No such function or version.
        RegistryError
            The module's code failed while running (not for a missing package).
        """
        return self.info(ref).func

    def functions(self, memory_type: str | None = None) -> dict[str, FunctionMetadata]:
        """Metadata keyed ``"<registry>:<name>"``, optionally of one input memory type.

        Built from the listing rows alone (names, modules, versions, memory
        types, availability); a function's docstring, content id and code are
        read when first asked for.
        """
        if memory_type is not None and memory_type not in MEMORY_TYPES:
            from fnstore.errors import MemoryTypeError

            raise MemoryTypeError(
                f"{memory_type!r} is not a memory type: use one of {', '.join(MEMORY_TYPES)}"
            )
        listing = self._listing
        if listing is None:
            listing = self._listing = build_listing(self, self._snap, self._pinned)
        if memory_type is None:
            return dict(listing)
        return {k: m for k, m in listing.items() if m.input_memory_type == memory_type}

    # ----------------------------------------------------------------- exact versions
    def _exact_hit(
        self, name: str, at: str
    ) -> "tuple[ModuleRecord, FunctionRecord, Callable[[], str]]":
        from fnstore.registry._resolve import exact_version, store_source

        current = self._find(name)
        if current is not None:
            record = current[0]
            same_version = at.isdigit() and int(at) == record[1]
            same_content = len(at) >= 4 and record[2].startswith(at.lower())
            if same_version or same_content:
                return record, current[1], store_source(lambda: self.store, record[2])
        found = self._exact.get(f"{name}@{at}")
        if found is None:
            found = exact_version(self.store, name, at)
            self._exact[f"{name}@{at}"] = found
        return found


# -- the listing ----------------------------------------------------------------
# A function selector lists every function with its name, module, version,
# memory types and availability.  The snapshot keeps exactly that as one small
# row per function, so the listing is one FunctionMetadata per row, each two
# slots wide; whether the functions can run here is decided once per distinct
# set of needed packages, not once per function.  The rest of a function's
# metadata (docstring, content id) and its code come from the snapshot when
# first asked for, through RegistrySource.


class RegistrySource(MetadataSource):
    """Full records and code for the rows of one snapshot of a registry."""

    __slots__ = ("_pinned", "_registry", "_snap")

    def __init__(
        self,
        registry: Registry,
        snap: Snapshot,
        pinned: "Mapping[str, tuple[ModuleRecord, FunctionRecord]]",
        columns: "Columns",
        needs: tuple[tuple[str, ...], ...],
    ) -> None:
        super().__init__(columns, needs)
        self._registry, self._snap, self._pinned = registry, snap, pinned

    def function(self, name: str, module: str) -> "tuple[ModuleRecord, FunctionRecord]":
        hit = self._pinned.get(name)
        if hit is not None:
            return hit
        try:
            record = self._snap.module(module)
        except CacheDamagedError:
            record = None
        if record is None:  # a damaged cache file: the registry reads the pin again
            return self._registry._hit(name)
        bare = name.partition("[")[0]  # sharpen[torch], listed so when names repeat
        return record, next(f for f in record[3] if f[0] == bare)

    def load(self, name: str, module: str) -> "Callable[..., Any]":
        record, fn = self.function(name, module)
        return self._registry._load_allowed(name, record, fn)  # the trust policy decides

    def trust(self, name: str, module: str) -> tuple[bool, str | None]:
        if self._registry._gate.open:
            return True, None
        return self._registry._trust_of(name, self.function(name, module)[0])


def build_listing(
    registry: Registry,
    snap: Snapshot,
    pinned: "Mapping[str, tuple[ModuleRecord, FunctionRecord]]",
) -> dict[str, FunctionMetadata]:
    """Return ``"<registry>:<name>"`` -> metadata for every function at the pin, by name."""
    columns, needs = snap.columns, snap.needs
    if pinned:
        # Overrides replace their names' rows; their package sets join the table.
        table = {packages: i for i, packages in enumerate(needs)}
        by_name = {row[0]: row for row in rows_of(columns)}
        for name, (record, fn) in pinned.items():
            index = table.setdefault(needed_packages(record), len(table))
            by_name[name] = row_of(record, fn, index, name)
        columns = columns_of([by_name[n] for n in sorted(by_name)])
        needs = tuple(table)
    source = RegistrySource(registry, snap, pinned, columns, needs)
    return without_gc(_listing, columns[0], source)


def _listing(names: tuple[str, ...], source: RegistrySource) -> dict[str, FunctionMetadata]:
    # One metadata object per row, each an index into the columns: no tuple per row.
    prefix = f"{REGISTRY_NAME}:"
    return dict(
        zip(
            [prefix + name for name in names],
            map(FunctionMetadata, range(len(names)), repeat(source)),
            strict=True,
        )
    )


def _untrusted(record: "ModuleRecord", refusal: str) -> "UntrustedCodeError":
    """Return the error for running a module version the trust policy refuses."""
    from fnstore.registry._trustgate import untrusted_error

    return untrusted_error(record[0], record[1], record[2], refusal)


def _text(source: str) -> "Callable[[], str]":
    return lambda: source
