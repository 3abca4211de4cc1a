"""Remotes, fetch and push for the store: how a lab shares one repository.

:class:`LabSync` gives :class:`~fnstore.store.FunctionStore` its sync
verbs (pull and conflict resolution come from its base,
:class:`~fnstore.sync._pull.Pull`).  A remote is an ordinary git
remote in the repository's config, with two fetch refspecs: the remote's
branches go to ``refs/remotes/<name>/*`` and its notes (benchmark records) to
``refs/fnstore/remote-notes/<name>/*``, so plain ``git fetch`` in the store
does the same thing.

- ``fetch`` goes through libgit2 (:mod:`fnstore.git._transport` answers its
  questions), except a large fetch from a path on this machine, which copies
  object files (:mod:`fnstore.git._localcopy`).
- ``push`` sends the branch and every ``refs/notes/*`` without force: if the
  remote moved, the server refuses and we say "pull first".
- Where git is installed, a push to a path or ``git://`` remote, and a push
  or fetch over http(s) through a web proxy, run the ``git`` command
  (:mod:`fnstore.git._gitcli` says why); everything else uses libgit2.

Network work happens outside the store lock: a slow server must not block
saves.
"""

from __future__ import annotations

import re
from pathlib import Path

from fnstore.errors import (
    InvalidNameError,
    PushRejectedError,
    RemoteExistsError,
    RemoteNotFoundError,
    SyncError,
)
from fnstore.git._ancestry import is_descendant
from fnstore.git._errors import GitError
from fnstore.git._fetchpush import fetch_remote, git_dir, push_remote
from fnstore.git._gitcli import git_fetch, git_push, uses_git
from fnstore.git._localcopy import copy_fetch, local_path
from fnstore.git._refnames import delete_ref, ref_names, ref_target
from fnstore.git._remoteconfig import add_remote, delete_remote, remote_names, remote_url, remotes
from fnstore.git._transport import ProgressCallback, redact, translate_message
from fnstore.git._urls import check_url
from fnstore.sync._labhead import create_lab_repository, fix_remote_head
from fnstore.sync._pull import _REMOTE_NOTES, Pull
from fnstore.sync._types import FetchResult, PushResult

__all__ = ["LabSync"]

# A refused reference update's reason that means the remote moved (pull first).
_MOVED = (
    "non-fast-forward",
    "fetch first",
    "failed to update ref",
    "failed to lock",
    "cannot lock",
    "stale info",
    "incorrect old value",
)

_REMOTE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")
# What libgit2 raises when a push is not a fast-forward or lost a race (its
# message for a non-fast-forward is "cannot push non-fastforwardable reference").
_REJECTED = (*_MOVED, "cannot push", "rejected")


def _check_remote_name(name: str) -> str:
    if (
        not isinstance(name, str)
        or not _REMOTE_NAME.match(name)
        or ".." in name
        or name.endswith((".lock", "."))
        or len(name) > 100
    ):
        raise InvalidNameError(
            f"remote name {name!r} is not usable: use letters, digits, '_', '-' and '.', "
            "starting with a letter or digit (e.g. 'lab')"
        )
    return name


def _normalise_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise SyncError(
            "the remote URL is empty: give a path, file://, git://, ssh:// or https:// URL"
        )
    check_url(url)
    if "://" in url:
        return url
    if re.match(r"[^/]+:", url) and not Path(url).exists():
        return url  # scp-like ssh address: user@host:path
    try:
        return str(Path(url).expanduser().resolve())  # a local path, made absolute
    except RuntimeError as exc:  # "~someone" names no user here
        raise SyncError(
            f"cannot read {url!r} as a path: {exc}; give the folder's full path"
        ) from exc


class LabSync(Pull):
    """Lab sync for one store: remotes, fetch, push, and (from :class:`Pull`) pull."""

    # -- remotes -------------------------------------------------------------

    def add_remote(self, name: str, url: str, *, create: bool = False) -> None:
        """Register a lab repository under ``name``.

        Parameters
        ----------
        name
            A short name, e.g. ``"lab"``.
        url
            A path, ``file://``, ``git://``, ``ssh://`` or ``https://`` URL.
            Never put a password or token in it: use ``FNSTORE_TOKEN``.
        create
            Create the lab repository first (a path or ``file://`` URL only):
            a bare repository whose HEAD names this store's branch, shared
            with your group, so plain ``git clone`` of it works.

        Raises
        ------
        RemoteExistsError
            A remote of that name exists already.
        InvalidNameError
            The name cannot be a git remote name.
        SyncError
            ``create`` was asked for a network URL, or a non-empty folder.
        """
        _check_remote_name(name)
        url = _normalise_url(url)
        with self._store._locked():
            existing = remote_url(self._repo, name)
            if existing is not None:
                raise RemoteExistsError(
                    f"a remote called {name!r} exists already ({redact(existing)}): pick another "
                    f"name, or remove it first with store.remove_remote({name!r})"
                )
            if create:
                url = str(create_lab_repository(url, self._store.branch))
            fetch = [
                f"+refs/heads/*:refs/remotes/{name}/*",
                f"+refs/notes/*:{_REMOTE_NOTES}/{name}/*",
            ]
            try:
                add_remote(self._repo, name, url, fetch)
            except GitError as exc:
                raise SyncError(f"could not add remote {name!r} ({redact(url)}): {exc}") from exc

    def remotes(self) -> dict[str, str]:
        """Return the registered remotes: name -> URL (passwords redacted), sorted."""
        return {name: redact(url) for name, url in remotes(self._repo).items()}

    def remove_remote(self, name: str) -> None:
        """Forget a remote, its fetched refs and any pull from it awaiting resolution.

        Raises
        ------
        RemoteNotFoundError
            No remote of that name.
        """
        self._remote_url(name)
        with self._store._locked():
            delete_remote(self._repo, name)
            for ref in ref_names(self._repo, f"{_REMOTE_NOTES}/{name}/"):
                delete_ref(self._repo, ref)
            pending = self._pending()
            if pending is not None and pending.remote == name:
                self._clear_pending(name)

    def _remote_url(self, name: str) -> str:
        """Return remote ``name``'s URL ("" if it has none); RemoteNotFoundError if unknown."""
        url = remote_url(self._repo, name)
        if url is None:
            known = ", ".join(remote_names(self._repo)) or "none yet"
            raise RemoteNotFoundError(
                f"no remote called {name!r} (known: {known}): add it with "
                f"store.add_remote({name!r}, url) or `fnstore remote add {name} URL`"
            )
        return url

    # -- fetch and push -----------------------------------------------------

    def fetch(
        self, remote: str = "origin", *, progress: ProgressCallback | None = None
    ) -> FetchResult:
        """Download a remote's branches and notes without changing local work.

        Parameters
        ----------
        remote
            The remote's name.
        progress
            Called with a :class:`TransferProgress` as objects arrive.

        Raises
        ------
        RemoteNotFoundError, RemoteUnreachableError, AuthenticationError
            Unknown remote; the server cannot be reached in time or has no
            repository there; it refused our credentials.
        """
        url = self._remote_url(remote)
        check_url(url)  # again: plain git may have added or changed it
        source = local_path(url)
        if source is not None:
            mapping = {
                "refs/heads/": f"refs/remotes/{remote}/",
                "refs/notes/": f"{_REMOTE_NOTES}/{remote}/",
            }
            copied = copy_fetch(self._repo, source, mapping, progress)
            if copied is not None:
                return FetchResult(remote, self._tracking(remote), *copied)
        where = git_dir(self._repo)
        git = uses_git(url, where, remote, push=False)
        if git is not None:
            objects, size = git_fetch(
                git,
                where,
                remote,
                url=url,
                action=f"fetching from {remote!r}",
                progress=progress,
            )
            return FetchResult(remote, self._tracking(remote), objects, size)
        try:
            objects, size = fetch_remote(self._repo, remote, url, progress)
        except GitError as exc:
            action = f"fetching from {remote!r}"
            raise translate_message(str(exc), url, action, auth=exc.auth) from exc
        return FetchResult(remote, self._tracking(remote), objects, size)

    def _tracking(self, remote: str) -> str | None:
        return ref_target(self._repo, f"refs/remotes/{remote}/{self._store.branch}")

    def push(
        self,
        remote: str = "origin",
        *,
        branch: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> PushResult:
        """Send the branch and the benchmark notes to a remote, never by force.

        Raises
        ------
        PushRejectedError
            The remote has work we do not have: pull first, then push.
        RemoteNotFoundError, RemoteUnreachableError, AuthenticationError
            As for :meth:`fetch`.
        """
        branch = branch or self._store.branch
        url = self._remote_url(remote)
        check_url(url)  # again: plain git may have added or changed it
        local = ref_target(self._repo, f"refs/heads/{branch}")
        if local is None:
            raise SyncError(f"branch {branch!r} has no commits yet: save a function, then push")
        notes = self._notes_to_push(remote)
        specs = [f"refs/heads/{branch}:refs/heads/{branch}", *(f"{n}:{n}" for n in notes)]
        action = f"pushing to {remote!r}"
        # Only a first push can meet a lab repository whose HEAD names no branch.
        first = ref_target(self._repo, f"refs/remotes/{remote}/{branch}") is None
        where = git_dir(self._repo)
        git = uses_git(url, where, remote, push=True)
        if git is not None:
            rejected = git_push(
                git, where, remote, specs, url=url, action=action, progress=progress
            )
        else:
            try:
                rejected = push_remote(self._repo, remote, url, specs, progress)
            except GitError as exc:
                if any(word in str(exc).lower() for word in _REJECTED):
                    raise self._rejected(remote, str(exc)) from exc
                raise translate_message(str(exc), url, action, auth=exc.auth) from exc
        if rejected:
            raise self._refused(remote, rejected)
        return self._pushed(remote, branch, local, notes, url, first=first)

    @staticmethod
    def _pushed(
        remote: str, branch: str, commit: str, notes: list[str], url: str, *, first: bool
    ) -> PushResult:
        """Return the result of a push that landed, after seeing to the lab's HEAD."""
        advice = fix_remote_head(url, branch) if first or local_path(url) else None
        return PushResult(remote, branch, commit, notes, advice)

    def _notes_to_push(self, remote: str) -> list[str]:
        """Local notes refs with records the remote lacks, as far as the last fetch knows.

        Notes we only lag behind on (the remote has all ours and more) are not
        sent: the push would be refused, and the branch is what the user pushes.
        """
        repo = self._repo
        out = []
        for name in sorted(ref_names(repo, "refs/notes/")):
            theirs = ref_target(repo, f"{_REMOTE_NOTES}/{remote}/{name[len('refs/notes/') :]}")
            mine = ref_target(repo, name)
            if (
                theirs is not None
                and mine is not None
                and (theirs == mine or is_descendant(repo, theirs, mine))
            ):
                continue
            out.append(name)
        return out

    @classmethod
    def _refused(cls, remote: str, refused: dict[str, str]) -> SyncError:
        """Return the error for reference updates the server refused (ref -> its reason).

        The remote having moved (someone pushed first) means "pull first";
        any other reason (a server hook, a protected branch, a full disk)
        is the server's to fix, and pulling would not help.
        """
        why = "; ".join(f"{ref}: {msg}" for ref, msg in sorted(refused.items()))
        if any(word in why.lower() for word in _MOVED):
            return cls._rejected(remote, why)
        return SyncError(
            f"{remote!r} refused the push ({why}): the server does not allow this update, "
            "and pulling will not change that; ask whoever looks after the lab repository "
            "(nothing local was changed)"
        )

    @staticmethod
    def _rejected(remote: str, why: str) -> PushRejectedError:
        return PushRejectedError(
            f"{remote!r} has changes you do not have yet ({why}): pull first "
            f"(`fnstore pull {remote}`), then push again; nothing was lost"
        )
