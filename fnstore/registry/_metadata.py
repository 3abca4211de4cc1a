"""One function as the registry lists it: :class:`FunctionMetadata`, and availability.

Listing a function never runs its code: everything here comes from the
manifest.  Whether a function can run on this machine is decided from the
manifest's imports and memory types by asking the import system whether each
package *could* be imported (:func:`importlib.util.find_spec`, which imports
nothing), once per package per process.  A function that cannot run is still
listed, with the reason; calling it raises
:class:`~fnstore.errors.BackendUnavailableError`.
"""

import functools
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from fnstore.registry._records import FunctionRecord, ModuleRecord

__all__ = [
    "NO_COLUMNS",
    "REGISTRY_NAME",
    "Columns",
    "FunctionMetadata",
    "MetadataSource",
    "Row",
    "columns_of",
    "missing_packages",
    "needed_packages",
    "row_of",
    "rows_of",
    "unavailable_stub",
]


#: The registry name in ``"<registry>:<name>"`` keys, as OpenHCS's RegistryService keys them.
REGISTRY_NAME = "fnstore"

# The fnstore extra that installs each backend package, for the message.
_EXTRAS = {
    "cupy": "cupy",
    "torch": "torch",
    "jax": "jax",
    "tensorflow": "tensorflow",
    "pyclesperanto": "cle",
}


@functools.cache
def _importable(package: str) -> bool:
    if package in sys.modules or package in sys.stdlib_module_names:
        return True
    # Imported here, past the common case: both cost more than a whole cached listing.
    import importlib.util

    from fnstore._standin import ALWAYS_IMPORTABLE  # fnstore, and what it stands in for

    if package in ALWAYS_IMPORTABLE:
        return True

    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def missing_packages(record: "ModuleRecord") -> list[str]:
    """List the packages a module version needs that cannot be imported here."""
    return [p for p in needed_packages(record) if not _importable(p)]


def _install_hint(packages: list[str]) -> str:
    hints = []
    for p in packages:
        extra = _EXTRAS.get(p)
        hints.append(f'pip install "fnstore[{extra}]"' if extra else f"pip install {p}")
    return "; ".join(hints)


def unavailable_reason(packages: list[str]) -> str:
    """Say why a function whose packages are missing cannot run, and what to do."""
    names = ", ".join(packages)
    return (
        f"needs {names}, not installed here: install with {_install_hint(packages)}, "
        "or run it on a machine that has it"
    )


def unavailable_stub(name: str, fn: "FunctionRecord", reason: str) -> "Callable[..., Any]":
    """Make a stand-in for a function that cannot run here: calling it says why."""

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        from fnstore.errors import BackendUnavailableError

        raise BackendUnavailableError(f"function {name!r} cannot run here: {reason}")

    unavailable.__name__ = unavailable.__qualname__ = name
    unavailable.__doc__ = fn[3]
    stub: Any = unavailable
    stub.input_memory_type = fn[1]
    stub.output_memory_type = fn[2]
    stub.unavailable_reason = reason
    return unavailable


class FunctionMetadata:
    """A function of the registry, described from its manifest (its code not yet run).

    ``func`` (also ``function``) compiles the function's module on first access;
    the other fields never run anything.  The fields a listing shows (name,
    module, version, memory types, availability) come from one row of the
    columns that the registry's cache keeps ready (it holds the row's index,
    not a copy); the rest (content id, docstring, special inputs and
    outputs) is read from the module's record when first asked for.  A plain
    class with two slots, not a dataclass: a listing builds one per function,
    tens of thousands at a start-up.
    """

    __slots__ = ("_i", "_source")

    def __init__(self, index: int, source: "MetadataSource") -> None:
        self._i = index  # its row of the source's columns
        self._source = source

    def __repr__(self) -> str:
        return (
            f"FunctionMetadata(name={self.name!r}, module={self.module!r}, "
            f"version={self.version}, memory_type={self.input_memory_type!r}, "
            f"available={self.available})"
        )

    @property
    def name(self) -> str:
        """The function's name."""
        return self._source.columns[0][self._i]

    @property
    def module(self) -> str:
        """The module (folder) that defines it."""
        return self._source.columns[1][self._i]

    @property
    def version(self) -> int:
        """The module's version number."""
        return self._source.columns[2][self._i]

    @property
    def input_memory_type(self) -> str:
        """The memory type of the input stack."""
        return self._source.columns[3][self._i]

    @property
    def output_memory_type(self) -> str:
        """The memory type of the output stack."""
        return self._source.columns[4][self._i]

    @property
    def memory_type(self) -> str:
        """The input memory type (the backend the function runs on)."""
        return self._source.columns[3][self._i]

    @property
    def registry(self) -> str:
        """The registry name of :attr:`key`."""
        return REGISTRY_NAME

    @property
    def key(self) -> str:
        """``"<registry>:<name>"``, the key OpenHCS's RegistryService uses."""
        return f"{REGISTRY_NAME}:{self._source.columns[0][self._i]}"

    @property
    def tags(self) -> list[str]:
        """``[registry, memory type]``, as OpenHCS tags a function."""
        return [REGISTRY_NAME, self._source.columns[3][self._i]]

    @property
    def missing(self) -> list[str]:
        """The packages it needs that cannot be imported here (empty: it can run)."""
        return self._source.missing(self._source.columns[5][self._i])

    @property
    def available(self) -> bool:
        """Whether every package the function needs can be imported here."""
        source = self._source
        return not source._missing[source.columns[5][self._i]]

    @property
    def unavailable_reason(self) -> str | None:
        """Why the function cannot run here, or None when it can."""
        missing = self.missing
        return unavailable_reason(missing) if missing else None

    def _named(self) -> tuple[str, str]:
        """Return (name, module): how the source finds this function."""
        columns = self._source.columns
        return columns[0][self._i], columns[1][self._i]

    def _function(self) -> "tuple[ModuleRecord, FunctionRecord]":
        return self._source.function(*self._named())

    @property
    def content_id(self) -> str:
        """The content id of the module version's code (its ``source.py`` blob id)."""
        return self._function()[0][2]

    @property
    def doc(self) -> str:
        """The function's docstring ("" if none)."""
        return self._function()[1][3] or ""

    @property
    def special_inputs(self) -> tuple[str, ...]:
        """Names declared with ``@special_inputs`` (OpenHCS)."""
        return self._function()[1][5]

    @property
    def special_outputs(self) -> tuple[str, ...]:
        """Names declared with ``@special_outputs`` (OpenHCS)."""
        return self._function()[1][6]

    @property
    def trusted(self) -> bool:
        """Whether the trust policy lets this version run (False: see :attr:`trust_note`).

        When it does not, :attr:`func` runs the module's last trusted version,
        or raises :class:`~fnstore.errors.UntrustedCodeError` saying how to
        review it when there is none.
        """
        return self._source.trust(*self._named())[0]

    @property
    def trust_note(self) -> str | None:
        """Why this version may not run, and what runs meanwhile (None: it may run)."""
        return self._source.trust(*self._named())[1]

    @property
    def func(self) -> "Callable[..., Any]":
        """The callable (its module is compiled and run on first access)."""
        return self._source.load(*self._named())

    function = func

    @classmethod
    def from_record(
        cls,
        record: "ModuleRecord",
        fn: "FunctionRecord",
        resolve: "Callable[[], Callable[..., Any]]",
        *,
        name: str | None = None,
        trust: "Callable[[], tuple[bool, str | None]] | None" = None,
    ) -> "FunctionMetadata":
        """Describe function ``fn`` of module version ``record``, listed as ``name``.

        ``name`` differs from the function's own name in that version when it
        was renamed since (a pin on ``smooth`` holding the older ``rescale_numpy``).
        ``trust`` answers :attr:`trusted` and :attr:`trust_note` (default: trusted).
        """
        return cls(0, _OneRecord(record, fn, resolve, trust, name))


#: What a listing keeps of one function: (name, module, version, input memory
#: type, output memory type, index of the module's needed packages).
Row = tuple[str, str, int, str, str, int]
#: A listing's rows as six columns, in :data:`Row`'s order: a start-up reads
#: them so and builds no tuple per function.
Columns = tuple[
    tuple[str, ...],
    tuple[str, ...],
    tuple[int, ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[int, ...],
]
#: The columns of no rows.
NO_COLUMNS: Columns = ((), (), (), (), (), ())


def columns_of(rows: "Sequence[Row]") -> Columns:
    """Return ``rows`` as columns."""
    return tuple(zip(*rows, strict=True)) if rows else NO_COLUMNS  # type: ignore[return-value]


def rows_of(columns: Columns) -> tuple[Row, ...]:
    """Return ``columns`` as rows."""
    return tuple(zip(*columns, strict=True))


def needed_packages(record: "ModuleRecord") -> tuple[str, ...]:
    """Return the packages a module version needs: its imports and its memory types."""
    needed = set(record[4])
    for fn in record[3]:
        needed.update((fn[1], fn[2]))
    return tuple(sorted(needed))


def row_of(
    record: "ModuleRecord", fn: "FunctionRecord", needs: int, name: str | None = None
) -> Row:
    """Return the listing row of function ``fn`` of ``record`` (listed as ``name``)."""
    return (name or fn[0], record[0], record[1], fn[1], fn[2], needs)


class MetadataSource:
    """Where a :class:`FunctionMetadata` finds what its row does not hold."""

    __slots__ = ("_missing", "columns")

    def __init__(self, columns: Columns, needs: tuple[tuple[str, ...], ...]) -> None:
        #: The listing's rows, as columns (a :class:`FunctionMetadata` is an index into them).
        self.columns = columns
        # Decided now, once per distinct set of packages: a listing is complete
        # (availability included) as soon as it is built.
        self._missing = [[p for p in packages if not _importable(p)] for packages in needs]

    def missing(self, needs: int) -> list[str]:
        """Return the packages of needs set number ``needs`` that cannot be imported here."""
        return list(self._missing[needs])

    def function(self, name: str, module: str) -> "tuple[ModuleRecord, FunctionRecord]":
        """Return the module version's record and function record listed as ``name``."""
        raise NotImplementedError

    def load(self, name: str, module: str) -> "Callable[..., Any]":
        """Return the callable ``name`` (compiling its module if needed)."""
        raise NotImplementedError

    def trust(self, name: str, module: str) -> tuple[bool, str | None]:
        """Return whether the trust policy lets ``name``'s version run, and a note."""
        return True, None


class _OneRecord(MetadataSource):
    __slots__ = ("_hit", "_resolve", "_trust")

    def __init__(
        self,
        record: "ModuleRecord",
        fn: "FunctionRecord",
        resolve: "Callable[[], Callable[..., Any]]",
        trust: "Callable[[], tuple[bool, str | None]] | None" = None,
        name: str | None = None,
    ) -> None:
        super().__init__(columns_of([row_of(record, fn, 0, name)]), (needed_packages(record),))
        self._hit, self._resolve, self._trust = (record, fn), resolve, trust

    def trust(self, name: str, module: str) -> tuple[bool, str | None]:
        return self._trust() if self._trust is not None else (True, None)

    def function(self, name: str, module: str) -> "tuple[ModuleRecord, FunctionRecord]":
        return self._hit

    def load(self, name: str, module: str) -> "Callable[..., Any]":
        return self._resolve()
