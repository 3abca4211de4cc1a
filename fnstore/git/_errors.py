"""fnstore.git's own error for a failed git operation, and the one place it is made.

The rooms above catch :class:`GitError` instead of ``pygit2.GitError``, so
they need not know which library did the work.  :func:`git_errors` turns
libgit2's error into it, keeping libgit2's message word for word (the rooms
quote it in theirs) and whether it was a refused login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import pygit2

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["GitError", "ObjectMissingError", "git_errors"]


class GitError(Exception):
    """A git operation failed; ``str()`` is git's own message.

    Attributes
    ----------
    auth
        The server refused the credentials offered (a refused login).
    """

    def __init__(self, message: str, *, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth


class ObjectMissingError(GitError, KeyError):
    """An object git was asked for is not in the repository.

    A ``KeyError`` too, as libgit2's own is: a failed lookup, which the
    module reader reports as an unreadable module rather than a failure.
    """


class _GitErrors:
    """The block of :func:`git_errors`.

    A class, not ``contextlib.contextmanager``: the store's reads (its head,
    every blob of a history) enter it thousands of times, and a generator
    costs several times as much per block.
    """

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        if isinstance(exc, pygit2.GitError):
            if isinstance(exc, KeyError):  # libgit2's "not found": keep the lookup's message
                raise ObjectMissingError(exc.args[0] if exc.args else "") from exc
            raise GitError(str(exc), auth=isinstance(exc, pygit2.errors.AuthError)) from exc
        return False


_BLOCK = _GitErrors()


def git_errors() -> _GitErrors:
    """Raise :class:`GitError` for any ``pygit2.GitError`` raised inside the ``with`` block."""
    return _BLOCK
