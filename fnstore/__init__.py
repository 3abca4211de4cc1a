"""fnstore: a versioned store for custom image-processing functions, backed by git.

The public API is re-exported here and loaded lazily: ``import fnstore`` only
imports this file, so it stays fast and never pulls in cupy, torch, jax,
tensorflow, pyclesperanto or Qt.  Each public name maps to
the module that defines it in ``_LAZY``; the first access imports that module.
The error classes are loaded so too (``fnstore.FnStoreError`` imports
:mod:`fnstore.errors`): a registry's start-up raises none of them.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

# public name -> module that defines it (imported on first attribute access)
_LAZY: dict[str, str] = {
    "__version__": "fnstore._version",
    "AmbiguousNameError": "fnstore.errors",
    "AuthenticationError": "fnstore.errors",
    "AuthorRequiredError": "fnstore.errors",
    "BackendUnavailableError": "fnstore.errors",
    "BenchError": "fnstore.errors",
    "CheckCrashedError": "fnstore.errors",
    "CheckTimeoutError": "fnstore.errors",
    "CodeTooLargeError": "fnstore.errors",
    "ConflictError": "fnstore.errors",
    "ConversionError": "fnstore.errors",
    "FnStoreError": "fnstore.errors",
    "FunctionNotFoundError": "fnstore.errors",
    "GPUOutOfMemoryError": "fnstore.errors",
    "InvalidCodeError": "fnstore.errors",
    "InvalidNameError": "fnstore.errors",
    "ManifestError": "fnstore.errors",
    "MemoryTypeError": "fnstore.errors",
    "MissingDependencyError": "fnstore.errors",
    "NameConflictError": "fnstore.errors",
    "NothingToDoError": "fnstore.errors",
    "PushRejectedError": "fnstore.errors",
    "ReadOnlyStoreError": "fnstore.errors",
    "RegistryError": "fnstore.errors",
    "RemoteExistsError": "fnstore.errors",
    "RemoteNotFoundError": "fnstore.errors",
    "RemoteUnreachableError": "fnstore.errors",
    "RevisionNotFoundError": "fnstore.errors",
    "SchemaVersionError": "fnstore.errors",
    "StoreError": "fnstore.errors",
    "StoreLockedError": "fnstore.errors",
    "StoreNotFoundError": "fnstore.errors",
    "SyncError": "fnstore.errors",
    "TrustError": "fnstore.errors",
    "UntrustedCodeError": "fnstore.errors",
    "FunctionStore": "fnstore._facade",
    "FunctionVersion": "fnstore.store",
    "Manifest": "fnstore.manifest",
    "SaveResult": "fnstore.store",
    "Scan": "fnstore.store",
    "open_store": "fnstore._facade",
    "MemoryType": "fnstore.memory",
    "convert": "fnstore.memory",
    "cupy": "fnstore.memory",
    "detect_memory_type": "fnstore.memory",
    "jax": "fnstore.memory",
    "memory_type_of": "fnstore.memory",
    "memory_types": "fnstore.memory",
    "numpy": "fnstore.memory",
    "pyclesperanto": "fnstore.memory",
    "tensorflow": "fnstore.memory",
    "torch": "fnstore.memory",
    "Conflict": "fnstore.sync",
    "FetchResult": "fnstore.sync",
    "PullResult": "fnstore.sync",
    "PushResult": "fnstore.sync",
    "TransferProgress": "fnstore.sync",
    "CustomFunctionManager": "fnstore.registry._manager",
    "FUNC_REGISTRY": "fnstore.registry._compat",
    "FunctionMetadata": "fnstore.registry._metadata",
    "Registry": "fnstore.registry._registry",
    "RegistryChange": "fnstore.registry._registry",
    "get_function_by_name": "fnstore.registry._compat",
    "get_functions_by_memory_type": "fnstore.registry._compat",
    "register_function": "fnstore.registry._compat",
    "MigrationReport": "fnstore.migrate",
    "migrate_directory": "fnstore.migrate",
    "BenchRecord": "fnstore.bench",
    "Comparison": "fnstore.bench",
}

# Written out (not computed) so that tools can see the re-exports;
# tests/test_public_api.py checks it against _LAZY and the error tree.
__all__ = [
    "FUNC_REGISTRY",
    "AmbiguousNameError",
    "AuthenticationError",
    "AuthorRequiredError",
    "BackendUnavailableError",
    "BenchError",
    "BenchRecord",
    "CheckCrashedError",
    "CheckTimeoutError",
    "CodeTooLargeError",
    "Comparison",
    "Conflict",
    "ConflictError",
    "ConversionError",
    "CustomFunctionManager",
    "FetchResult",
    "FnStoreError",
    "FunctionMetadata",
    "FunctionNotFoundError",
    "FunctionStore",
    "FunctionVersion",
    "GPUOutOfMemoryError",
    "InvalidCodeError",
    "InvalidNameError",
    "Manifest",
    "ManifestError",
    "MemoryType",
    "MemoryTypeError",
    "MigrationReport",
    "MissingDependencyError",
    "NameConflictError",
    "NothingToDoError",
    "PullResult",
    "PushRejectedError",
    "PushResult",
    "ReadOnlyStoreError",
    "Registry",
    "RegistryChange",
    "RegistryError",
    "RemoteExistsError",
    "RemoteNotFoundError",
    "RemoteUnreachableError",
    "RevisionNotFoundError",
    "SaveResult",
    "Scan",
    "SchemaVersionError",
    "StoreError",
    "StoreLockedError",
    "StoreNotFoundError",
    "SyncError",
    "TransferProgress",
    "TrustError",
    "UntrustedCodeError",
    "__version__",
    "convert",
    "cupy",
    "detect_memory_type",
    "get_function_by_name",
    "get_functions_by_memory_type",
    "jax",
    "memory_type_of",
    "memory_types",
    "migrate_directory",
    "numpy",
    "open_store",
    "pyclesperanto",
    "register_function",
    "tensorflow",
    "torch",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562); later lookups find it here.

    :func:`fnstore._lazy.load`'s work, done here: a registry's start-up reads
    ``fnstore.Registry``, and importing that module would cost it a tenth of a
    millisecond.
    """
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fnstore' has no attribute {name!r}")
    value = globals()[name] = getattr(import_module(module), name)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # let type checkers and IDEs see the lazy names
    from fnstore._facade import FunctionStore, open_store
    from fnstore._version import __version__
    from fnstore.bench import BenchRecord, Comparison
    from fnstore.errors import (
        AmbiguousNameError,
        AuthenticationError,
        AuthorRequiredError,
        BackendUnavailableError,
        BenchError,
        CheckCrashedError,
        CheckTimeoutError,
        CodeTooLargeError,
        ConflictError,
        ConversionError,
        FnStoreError,
        FunctionNotFoundError,
        GPUOutOfMemoryError,
        InvalidCodeError,
        InvalidNameError,
        ManifestError,
        MemoryTypeError,
        MissingDependencyError,
        NameConflictError,
        NothingToDoError,
        PushRejectedError,
        ReadOnlyStoreError,
        RegistryError,
        RemoteExistsError,
        RemoteNotFoundError,
        RemoteUnreachableError,
        RevisionNotFoundError,
        SchemaVersionError,
        StoreError,
        StoreLockedError,
        StoreNotFoundError,
        SyncError,
        TrustError,
        UntrustedCodeError,
    )
    from fnstore.manifest import Manifest
    from fnstore.memory import (
        MemoryType,
        convert,
        cupy,
        detect_memory_type,
        jax,
        memory_type_of,
        memory_types,
        numpy,
        pyclesperanto,
        tensorflow,
        torch,
    )
    from fnstore.migrate import MigrationReport, migrate_directory
    from fnstore.registry import (
        FUNC_REGISTRY,
        CustomFunctionManager,
        FunctionMetadata,
        Registry,
        RegistryChange,
        get_function_by_name,
        get_functions_by_memory_type,
        register_function,
    )
    from fnstore.store import FunctionVersion, SaveResult, Scan
    from fnstore.sync import Conflict, FetchResult, PullResult, PushResult, TransferProgress
