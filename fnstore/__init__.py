"""fnstore: a versioned store for custom image-processing functions, backed by git.

The public API is re-exported here and loaded lazily: ``import fnstore`` only
imports this file, :mod:`fnstore._lazy` and :mod:`fnstore.errors`, so it stays fast and never pulls
in cupy, torch, jax, tensorflow, pyclesperanto or Qt.  Each public name maps to
the module that defines it in ``_LAZY``; the first access imports that module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore._lazy import lazy_exports
from fnstore._version import __version__

# The error tree is part of the API (and cheap: fnstore.errors imports nothing).
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

# public name -> module that defines it (imported on first attribute access)
_LAZY: dict[str, str] = {
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
    "CustomFunctionManager": "fnstore.registry",
    "FUNC_REGISTRY": "fnstore.registry",
    "FunctionMetadata": "fnstore.registry",
    "Registry": "fnstore.registry",
    "RegistryChange": "fnstore.registry",
    "get_function_by_name": "fnstore.registry",
    "get_functions_by_memory_type": "fnstore.registry",
    "register_function": "fnstore.registry",
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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


if TYPE_CHECKING:  # let type checkers and IDEs see the lazy names
    from fnstore._facade import FunctionStore, open_store
    from fnstore.bench import BenchRecord, Comparison
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
