"""The exception tree of fnstore.

Every failure a user can cause is an :class:`FnStoreError`.  Each subclass also
inherits the built-in exception that callers would naturally catch, so existing
``except LookupError`` or ``except ImportError`` code keeps working.  Messages
say what happened *and* what to do about it.

::

    FnStoreError
    ├── MissingDependencyError (ImportError)      an optional package is absent
    ├── BackendUnavailableError (RuntimeError)    installed, but cannot run here
    ├── MemoryTypeError (ValueError)              unknown memory type / bad data
    ├── ConversionError (TypeError)               data cannot become that type
    ├── GPUOutOfMemoryError (MemoryError)         OOM even after freeing pools
    ├── StoreError
    │   ├── StoreNotFoundError (FileNotFoundError)
    │   ├── FunctionNotFoundError (LookupError)
    │   ├── AmbiguousNameError (LookupError)      sharpen in several modules: sharpen[torch]
    │   ├── RevisionNotFoundError (LookupError)
    │   ├── InvalidNameError (ValueError)
    │   ├── NameConflictError (ValueError)
    │   ├── InvalidCodeError (ValueError)
    │   │   ├── CodeTooLargeError
    │   │   ├── CheckTimeoutError (TimeoutError)   the save check ran too long
    │   │   └── CheckCrashedError                  the code ended the check's process
    │   ├── ManifestError (ValueError)
    │   │   └── SchemaVersionError
    │   ├── AuthorRequiredError
    │   ├── StoreLockedError (TimeoutError)
    │   ├── ReadOnlyStoreError (PermissionError)
    │   └── NothingToDoError
    ├── RegistryError
    ├── SyncError
    │   ├── RemoteNotFoundError (LookupError)
    │   ├── RemoteExistsError (ValueError)
    │   ├── RemoteUnreachableError (ConnectionError)
    │   ├── AuthenticationError (PermissionError)
    │   ├── PushRejectedError
    │   └── ConflictError
    ├── BenchError
    └── TrustError                                the trust policy: signing, signers
        └── UntrustedCodeError (PermissionError)  code the policy does not let run
"""

from __future__ import annotations

__all__ = [
    "AmbiguousNameError",
    "AuthenticationError",
    "AuthorRequiredError",
    "BackendUnavailableError",
    "BenchError",
    "CheckCrashedError",
    "CheckTimeoutError",
    "CodeTooLargeError",
    "ConflictError",
    "ConversionError",
    "FnStoreError",
    "FunctionNotFoundError",
    "GPUOutOfMemoryError",
    "InvalidCodeError",
    "InvalidNameError",
    "ManifestError",
    "MemoryTypeError",
    "MissingDependencyError",
    "NameConflictError",
    "NothingToDoError",
    "PushRejectedError",
    "ReadOnlyStoreError",
    "RegistryError",
    "RemoteExistsError",
    "RemoteNotFoundError",
    "RemoteUnreachableError",
    "RevisionNotFoundError",
    "SchemaVersionError",
    "StoreError",
    "StoreLockedError",
    "StoreNotFoundError",
    "SyncError",
    "TrustError",
    "UntrustedCodeError",
]


class FnStoreError(Exception):
    """Root of every error a user of fnstore can cause."""


class MissingDependencyError(FnStoreError, ImportError):
    """An optional package is not installed; the message names the extra."""

    def __init__(self, package: str, *, extra: str | None = None, why: str = "") -> None:
        self.package = package
        self.extra = extra
        hint = f'pip install "fnstore[{extra}]"' if extra else f"pip install {package}"
        purpose = f" (needed {why})" if why else ""
        super().__init__(f"{package} is not installed{purpose}: install it with {hint}")
        # ImportError keeps the module name in .name; fill it for callers that read it.
        self.name = package


class BackendUnavailableError(FnStoreError, RuntimeError):
    """A backend is installed but cannot run here (no GPU, no OpenCL device...)."""


class MemoryTypeError(FnStoreError, ValueError):
    """An unknown memory type, or data that is not of any known memory type."""


class ConversionError(FnStoreError, TypeError):
    """Data cannot be converted to the requested memory type."""


class GPUOutOfMemoryError(FnStoreError, MemoryError):
    """A GPU ran out of memory even after its memory pool was freed."""


class StoreError(FnStoreError):
    """Something about the function store."""


class StoreNotFoundError(StoreError, FileNotFoundError):
    """No store exists at the given path."""


class FunctionNotFoundError(StoreError, LookupError):
    """No function (or no such version of it) in the store."""


class RevisionNotFoundError(StoreError, LookupError):
    """A branch, tag, commit or version reference does not resolve."""


class InvalidNameError(StoreError, ValueError):
    """A function, module, tag or remote name is unsafe or not an identifier."""


class AmbiguousNameError(StoreError, LookupError):
    """A function name that several modules hold (once per memory type): qualify it.

    ``choices`` lists the references that pick one, e.g. ``["sharpen[numpy]", "sharpen[torch]"]``.
    """

    def __init__(self, message: str, choices: list[str]) -> None:
        super().__init__(message)
        self.choices = choices


class NameConflictError(StoreError, ValueError):
    """A name is already used by another function or module."""


class InvalidCodeError(StoreError, ValueError):
    """Code that cannot be saved: a syntax error, no decorated function..."""


class CodeTooLargeError(InvalidCodeError):
    """Code larger than the store accepts."""


class CheckTimeoutError(InvalidCodeError, TimeoutError):
    """The code being saved ran past the save check's time limit (it was stopped)."""


class CheckCrashedError(InvalidCodeError):
    """The code being saved ended the process that checks it (exit, signal)."""


class ManifestError(StoreError, ValueError):
    """A manifest that cannot be read (broken JSON, wrong fields...)."""


class SchemaVersionError(ManifestError):
    """An on-disk document written by a newer fnstore than this one."""


class AuthorRequiredError(StoreError):
    """No author was given and git has no user.name / user.email."""


class StoreLockedError(StoreError, TimeoutError):
    """Another process held the store's lock for too long."""


class ReadOnlyStoreError(StoreError, PermissionError):
    """The store cannot be written here (read-only file system or permissions)."""


class NothingToDoError(StoreError):
    """The operation would change nothing (e.g. restore of a live function)."""


class RegistryError(FnStoreError):
    """Something about loading functions into the registry."""


class SyncError(FnStoreError):
    """Something about remotes, fetch, push or pull."""


class RemoteNotFoundError(SyncError, LookupError):
    """No remote of that name."""


class RemoteExistsError(SyncError, ValueError):
    """A remote of that name already exists."""


class RemoteUnreachableError(SyncError, ConnectionError):
    """The remote could not be reached: wrong URL, refused, or timed out."""


class AuthenticationError(SyncError, PermissionError):
    """The remote refused our credentials."""


class PushRejectedError(SyncError):
    """The remote moved since our last pull: pull first."""


class ConflictError(SyncError):
    """A pull left conflicts that must be resolved first."""


class BenchError(FnStoreError):
    """A benchmark could not be run or recorded."""


class TrustError(FnStoreError):
    """Something about the trust policy: signing, allowed signers, acceptance."""


class UntrustedCodeError(TrustError, PermissionError):
    """Code the trust policy does not allow to run yet: review and accept it first."""
