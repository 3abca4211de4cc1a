"""One function as the registry lists it: :class:`FunctionMetadata`, and availability.

Listing a function never runs its code: everything here comes from the
manifest.  Whether a function can run on this machine is decided from the
manifest's imports and memory types by asking the import system whether each
package *could* be imported (:func:`importlib.util.find_spec`, which imports
nothing), once per package per process.  A function that cannot run is still
listed, with the reason; calling it raises
:class:`~fnstore.errors.BackendUnavailableError`.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fnstore._standin import ALWAYS_IMPORTABLE
from fnstore.errors import BackendUnavailableError

if TYPE_CHECKING:
    from collections.abc import Callable

    from fnstore.registry._records import FunctionRecord, ModuleRecord

__all__ = ["REGISTRY_NAME", "FunctionMetadata", "missing_packages", "unavailable_stub"]

#: The registry name in ``"<registry>:<name>"`` keys, as OpenHCS's RegistryService keys them.
REGISTRY_NAME = "fnstore"

# Always importable here: fnstore itself, and OpenHCS's and arraybridge's
# decorator modules, for which fnstore provides a stand-in when not installed.
_PROVIDED = ALWAYS_IMPORTABLE

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
    if package in _PROVIDED or package in sys.modules or package in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def missing_packages(record: ModuleRecord) -> list[str]:
    """List the packages a module version needs that cannot be imported here."""
    needed = set(record[4])
    for fn in record[3]:
        needed.update((fn[1], fn[2]))
    return sorted(p for p in needed if not _importable(p))


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


def unavailable_stub(name: str, fn: FunctionRecord, reason: str) -> Callable[..., Any]:
    """Make a stand-in for a function that cannot run here: calling it says why."""

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise BackendUnavailableError(f"function {name!r} cannot run here: {reason}")

    unavailable.__name__ = unavailable.__qualname__ = name
    unavailable.__doc__ = fn[3]
    stub: Any = unavailable
    stub.input_memory_type = fn[1]
    stub.output_memory_type = fn[2]
    stub.unavailable_reason = reason
    return unavailable


@dataclass(eq=False)
class FunctionMetadata:
    """A function of the registry, described from its manifest (its code not yet run).

    ``func`` (also ``function``) compiles the function's module on first access;
    the other fields never run anything.
    """

    name: str
    module: str
    version: int
    content_id: str
    input_memory_type: str
    output_memory_type: str
    doc: str
    special_inputs: tuple[str, ...]
    special_outputs: tuple[str, ...]
    missing: list[str]
    registry: str = REGISTRY_NAME
    tags: list[str] = field(default_factory=list)
    _resolve: Callable[[], Callable[..., Any]] | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        """``"<registry>:<name>"``, the key OpenHCS's RegistryService uses."""
        return f"{self.registry}:{self.name}"

    @property
    def memory_type(self) -> str:
        """The input memory type (the backend the function runs on)."""
        return self.input_memory_type

    @property
    def available(self) -> bool:
        """Whether every package the function needs can be imported here."""
        return not self.missing

    @property
    def unavailable_reason(self) -> str | None:
        """Why the function cannot run here, or None when it can."""
        return unavailable_reason(self.missing) if self.missing else None

    @property
    def func(self) -> Callable[..., Any]:
        """The callable (its module is compiled and run on first access)."""
        if self._resolve is None:  # pragma: no cover - always set by the registry
            raise BackendUnavailableError(f"function {self.name!r} has no loader")
        return self._resolve()

    function = func

    @classmethod
    def from_record(
        cls,
        record: ModuleRecord,
        fn: FunctionRecord,
        resolve: Callable[[], Callable[..., Any]],
        *,
        name: str | None = None,
    ) -> FunctionMetadata:
        """Describe function ``fn`` of module version ``record``, listed as ``name``.

        ``name`` differs from the function's own name in that version when it
        was renamed since (a pin on ``smooth`` holding the older ``rescale_numpy``).
        """
        return cls(
            name=name or fn[0],
            module=record[0],
            version=record[1],
            content_id=record[2],
            input_memory_type=fn[1],
            output_memory_type=fn[2],
            doc=fn[3] or "",
            special_inputs=fn[5],
            special_outputs=fn[6],
            missing=missing_packages(record),
            tags=[REGISTRY_NAME, fn[1]],
            _resolve=resolve,
        )
