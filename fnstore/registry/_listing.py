"""The registry's listing: ``Registry.functions()`` built from the cached rows.

A function selector lists every function with its name, module, version,
memory types and availability.  The snapshot keeps exactly that as one small
row per function (:mod:`fnstore.registry._snapshot`), so the listing is one
:class:`~fnstore.registry._metadata.FunctionMetadata` per row, each two slots
wide; whether the functions can run here is decided once per distinct set of
needed packages, not once per function.  The rest of a function's metadata
(docstring, content id) and its code come from the snapshot when first asked
for, through :class:`RegistrySource`.
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING, Any

from fnstore.registry._metadata import FunctionMetadata, MetadataSource, needed_packages, row_of
from fnstore.registry._snapshot import CacheDamagedError, without_gc
from fnstore.registry._where import REGISTRY_NAME

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from fnstore.registry._metadata import Row
    from fnstore.registry._records import FunctionRecord, ModuleRecord
    from fnstore.registry._registry import Registry
    from fnstore.registry._snapshot import Snapshot

__all__ = ["RegistrySource", "build_listing"]


class RegistrySource(MetadataSource):
    """Full records and code for the rows of one snapshot of a registry."""

    __slots__ = ("_pinned", "_registry", "_snap")

    def __init__(
        self,
        registry: Registry,
        snap: Snapshot,
        pinned: Mapping[str, tuple[ModuleRecord, FunctionRecord]],
        needs: tuple[tuple[str, ...], ...],
    ) -> None:
        super().__init__(needs)
        self._registry, self._snap, self._pinned = registry, snap, pinned

    def function(self, name: str, module: str) -> tuple[ModuleRecord, FunctionRecord]:
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

    def load(self, name: str, module: str) -> Callable[..., Any]:
        record, fn = self.function(name, module)
        return self._registry._load_allowed(name, record, fn)  # the trust policy decides

    def trust(self, name: str, module: str) -> tuple[bool, str | None]:
        if self._registry._gate.open:
            return True, None
        return self._registry._trust_of(name, self.function(name, module)[0])


def build_listing(
    registry: Registry,
    snap: Snapshot,
    pinned: Mapping[str, tuple[ModuleRecord, FunctionRecord]],
) -> dict[str, FunctionMetadata]:
    """Return ``"<registry>:<name>"`` -> metadata for every function at the pin, by name."""
    rows: tuple[Row, ...] = snap.rows
    needs = snap.needs
    if pinned:
        # Overrides replace their names' rows; their package sets join the table.
        table = {packages: i for i, packages in enumerate(needs)}
        by_name = {row[0]: row for row in rows}
        for name, (record, fn) in pinned.items():
            index = table.setdefault(needed_packages(record), len(table))
            by_name[name] = row_of(record, fn, index, name)
        rows, needs = tuple(by_name[n] for n in sorted(by_name)), tuple(table)
    source = RegistrySource(registry, snap, pinned, needs)
    return without_gc(_listing, rows, source)


def _listing(rows: tuple[Row, ...], source: RegistrySource) -> dict[str, FunctionMetadata]:
    prefix = f"{REGISTRY_NAME}:"
    return dict(
        zip(
            [prefix + row[0] for row in rows],
            map(FunctionMetadata, rows, repeat(source)),
            strict=True,
        )
    )
