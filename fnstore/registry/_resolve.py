"""From a manifest record to a callable: availability, the OpenHCS stand-in, the lazy import.

Kept apart from :mod:`fnstore.registry._registry` so that the start-up path
imports none of this: it runs on the first use of a function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fnstore.errors import BackendUnavailableError, FunctionNotFoundError, RegistryError
from fnstore.registry import _loaded, _openhcs
from fnstore.registry._metadata import missing_packages, unavailable_reason, unavailable_stub
from fnstore.registry._records import module_record_from_manifest

if TYPE_CHECKING:
    import types
    from collections.abc import Callable

    from fnstore.registry._records import FunctionRecord, ModuleRecord
    from fnstore.store import FunctionStore

__all__ = ["compiled", "exact_version", "run_module", "store_source"]


def store_source(store: Callable[[], FunctionStore], content_id: str) -> Callable[[], str]:
    """Return a source provider that reads blob ``content_id`` from the store when called."""

    def source() -> str:
        return store().blob_text(content_id)[1]

    return source


def run_module(record: ModuleRecord, source: Callable[[], str]) -> types.ModuleType:
    """Run module version ``record`` as every caller that runs stored code must (once per process).

    The registry and benchmarks both load code through this, so that what
    runs in one runs in the other: fnstore's stand-in for OpenHCS/arraybridge
    where they are not installed, backends loaded in a safe order, then the
    module itself under its content-addressed name.
    """
    _openhcs.ensure_shim(record[4])
    from fnstore.memory import prepare_imports

    # Loads pyclesperanto ahead of tensorflow (pocl crashes the other way).
    prepare_imports(record[4])
    return _loaded.import_stored(record[0], record[2], source)


def compiled(
    record: ModuleRecord, fn: FunctionRecord, source: Callable[[], str]
) -> Callable[..., Any]:
    """Return function ``fn`` of module version ``record``, running the module if needed.

    A function whose packages are missing, or whose module fails to import
    one, comes back as a stand-in that raises BackendUnavailableError.

    Raises
    ------
    RegistryError
        The module's code raised something other than an import failure.
    """
    missing = missing_packages(record)
    if missing:
        return unavailable_stub(fn[0], fn, unavailable_reason(missing))
    try:
        module = run_module(record, source)
    except BackendUnavailableError as exc:
        return unavailable_stub(fn[0], fn, str(exc))
    except ImportError as exc:
        return unavailable_stub(fn[0], fn, f"importing its module failed ({exc})")
    except Exception as exc:
        raise RegistryError(
            f"function {fn[0]!r} ({record[0]} v{record[1]}) failed while loading: "
            f"{type(exc).__name__}: {exc}; fix the code and save a new version, or pin "
            f"an earlier one (fnstore pin {fn[0]}@<version>)"
        ) from exc
    func: Callable[..., Any] | None = getattr(module, fn[0], None)
    if not callable(func):
        raise RegistryError(
            f"module {record[0]} v{record[1]} ran but defines no function {fn[0]!r}: "
            "save it again so that its manifest is rebuilt"
        )
    return func


def exact_version(
    store: FunctionStore, name: str, at: str
) -> tuple[ModuleRecord, FunctionRecord, Callable[[], str]]:
    """Read ``name@at`` (a version, content id, tag or commit) from the store.

    Raises
    ------
    FunctionNotFoundError, RevisionNotFoundError
        No such function or version.
    """
    version = store.get(f"{name}@{at}")
    record = module_record_from_manifest(version.manifest)
    # the store traced the name through renames: version.function is what
    # the function was called in that version
    fn = next((f for f in record[3] if f[0] == version.function), None)
    if fn is None:
        names = ", ".join(f[0] for f in record[3])
        raise FunctionNotFoundError(
            f"{name}@{at} is module {record[0]} v{record[1]}, which has several functions "
            f"({names}): name one of them"
        )
    text = str(version.source)
    return record, fn, lambda: text
