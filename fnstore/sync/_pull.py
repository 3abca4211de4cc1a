"""Pull and conflict resolution for the store: the merge half of lab sync.

:class:`Pull` is the base of :class:`~fnstore.sync._remotes.LabSync`.
``pull`` fetches (``LabSync.fetch``), merges the notes (a union), then
fast-forwards the branch or merges it one function module at a time
(:mod:`fnstore.sync._merge`).  When both sides changed a module, nothing
local changes: the conflicts are kept in ``<repo>/fnstore/pending.json`` plus
the ref ``refs/fnstore/pending/<remote>`` (which keeps the remote's commit
from ``git gc``) until each is settled with :meth:`Pull.resolve_conflict`;
then the merge commit is made on top of the branch as it is at that moment,
so saves made meanwhile are kept.

Every ref update here happens under the store lock, compare-and-swap
(``_move_branch``); the fetch before it does not hold the lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from datetime import datetime
from typing import TYPE_CHECKING

from fnstore.errors import ConflictError, FnStoreError, StoreError, SyncError
from fnstore.git._ancestry import is_descendant, merge_base
from fnstore.git._errors import GitError, git_errors
from fnstore.git._housekeeping import beside_gc
from fnstore.git._objects import read_tree
from fnstore.git._refnames import delete_ref, point_ref, ref_names, ref_target
from fnstore.git._treeread import TREE, read_raw, tree_entries
from fnstore.layout import OK, files_of_tree, module_path, read_module
from fnstore.sync import _merge
from fnstore.sync._ignored import ignored_entries
from fnstore.sync._types import FetchResult, PendingMerge, PullResult, PullStatus

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fnstore.git._progress import ProgressCallback
    from fnstore.store import FunctionStore
    from fnstore.store._core import AuthorLike
    from fnstore.sync._types import Choice, Conflict

__all__ = ["_REMOTE_NOTES", "Pull"]

_REMOTE_NOTES = "refs/fnstore/remote-notes"
_PENDING_REF = "refs/fnstore/pending"
_PENDING_FILE = "pending.json"
_CHOICES = ("mine", "theirs", "both")


class Pull:
    """Pull, conflicts and their resolution for one store (see the module docstring).

    A collaborator of :class:`~fnstore.store.FunctionStore`, made for each
    call: it keeps nothing but the store it works on.
    """

    def __init__(self, store: FunctionStore) -> None:
        self._store = store
        self._repo = store._repo

    def fetch(
        self, remote: str = "origin", *, progress: ProgressCallback | None = None
    ) -> FetchResult:
        """Download a remote's branches and notes (:class:`LabSync` implements it)."""
        raise NotImplementedError

    def pull(
        self,
        remote: str = "origin",
        *,
        progress: ProgressCallback | None = None,
        author: AuthorLike | None = None,
    ) -> PullResult:
        """Fetch a remote and merge its work into the local branch, module by module.

        Modules changed on one side only merge by themselves; a module changed
        on both sides is a conflict: the local branch stays as it was and the
        result lists the conflicts (resolve each with :meth:`resolve_conflict`).

        Parameters
        ----------
        remote
            The remote's name.
        progress
            Called with a :class:`TransferProgress` while fetching.
        author
            Who signs the merge commit (default: git's user.name/user.email).

        Raises
        ------
        ConflictError
            A pull from another remote is still waiting for resolutions.
        RemoteNotFoundError, RemoteUnreachableError, AuthenticationError
            As for :meth:`fetch`.
        """
        pending = self._pending()
        if pending is not None and pending.remote != remote:
            raise ConflictError(
                f"the pull from {pending.remote!r} still has conflicts: resolve them "
                "(`fnstore resolve NAME mine|theirs|both`) or abandon it (`fnstore pull --abort`) "
                "before pulling from another remote"
            )
        fetched = self.fetch(remote, progress=progress)
        with self._store._locked(), self._git_errors("merging the pull"):
            notes = self._merge_notes(remote, author)
            if fetched.commit is None:
                self._check_branch_exists(remote)
                return PullResult(remote, "up-to-date", self._store.head, notes=notes)
            self._store._trust_before_pull()
            # read again under the lock: another process may have settled it
            pending = self._pending()
            same = pending is not None and pending.theirs == fetched.commit
            choices = pending.choices if pending is not None and same else {}
            result = self._integrate(remote, fetched.commit, choices, author)
        return dataclasses.replace(result, notes=notes)

    def conflicts(self) -> list[Conflict]:
        """Return the conflicts of the pending pull still awaiting a choice ([] if none)."""
        pending = self._pending()
        return pending.open_conflicts() if pending is not None else []

    def resolve_conflict(
        self, name: str, choice: Choice, *, author: AuthorLike | None = None
    ) -> PullResult:
        """Settle one conflict of the pending pull; the last one completes the merge.

        Parameters
        ----------
        name
            A function (or module) name listed among the conflicts.  The
            choice applies to the whole module holding it.
        choice
            ``"mine"`` keeps the local version, ``"theirs"`` takes the
            remote's, ``"both"`` keeps the local one and adds the remote's
            as module ``<module>_theirs`` with its functions renamed
            ``<name>_theirs`` (the result's ``renamed`` says so).
        author
            Who signs the merge commit.

        Raises
        ------
        ConflictError
            No pull is pending, the name is not among its conflicts, or the
            choice is not one of mine, theirs, both.
        """
        if choice not in _CHOICES:
            raise ConflictError(f"choose 'mine', 'theirs' or 'both', not {choice!r}")
        with self._store._locked(), self._git_errors("settling the conflict"):
            pending = self._pending()
            if pending is None:
                raise ConflictError("no pull is waiting for a resolution: nothing to resolve")
            unit = pending.unit_of(name)
            reasons = {c.reason for c in pending.conflicts if pending.units[c.module] == unit}
            if choice == "theirs" and any(r.startswith(_merge.CLASH) for r in reasons):
                raise ConflictError(
                    f"{name!r}: the remote's module would reuse a function name a local module "
                    "defines; choose 'mine' (skip theirs) or 'both' (keep theirs renamed)"
                )
            pending.choices[unit] = choice
            if pending.open_conflicts():
                self._save_pending(pending)
                still = pending.open_conflicts()
                return PullResult(pending.remote, "conflicts", self._store.head, conflicts=still)
            return self._integrate(pending.remote, pending.theirs, pending.choices, author)

    def abort_pull(self) -> None:
        """Forget the pending pull: the local branch was never changed by it."""
        with self._store._locked(), self._git_errors("forgetting the pull"):
            pending = self._pending()
            if pending is None:
                raise ConflictError("no pull is waiting for a resolution: nothing to abort")
            self._clear_pending(pending.remote)

    # -- internals ----------------------------------------------------------

    @contextlib.contextmanager
    def _git_errors(self, action: str) -> Iterator[None]:
        """Translate a git failure while changing local refs into a StoreError."""
        try:
            with git_errors():  # what the store's own git calls raise, too
                yield
        except GitError as exc:
            raise StoreError(
                f"{action} failed in {self._store.path}: {exc}; "
                "your branch was not changed, try again"
            ) from exc

    def _check_branch_exists(self, remote: str) -> None:
        """Refuse quietly pulling nothing from a remote whose branches have other names."""
        prefix = f"refs/remotes/{remote}/"
        others = sorted(r[len(prefix) :] for r in ref_names(self._repo, prefix))
        others = [o for o in others if o != "HEAD"]
        branch = self._store.branch
        if others:
            raise SyncError(
                f"{remote!r} has no branch {branch!r} (it has: {', '.join(others)}), so "
                f"there is nothing to pull: push your {branch!r} there "
                f"(`fnstore push {remote}`), or rename the lab's branch to {branch!r}"
            )

    def _pending(self) -> PendingMerge | None:
        return PendingMerge.load(self._store._state_path(_PENDING_FILE))

    def _save_pending(self, pending: PendingMerge) -> None:
        point_ref(self._repo, f"{_PENDING_REF}/{pending.remote}", pending.theirs, reflog=None)
        self._store._write_state(_PENDING_FILE, pending.to_bytes())

    def _clear_pending(self, remote: str) -> None:
        self._store._state_path(_PENDING_FILE).unlink(missing_ok=True)
        delete_ref(self._repo, f"{_PENDING_REF}/{remote}")

    def _integrate(
        self, remote: str, theirs: str, choices: dict[str, Choice], author: AuthorLike | None
    ) -> PullResult:
        """Bring commit ``theirs`` into the branch (lock held): ff, merge or conflicts."""
        repo = self._repo
        ours = self._store.head
        message = f"Merge {remote}/{self._store.branch}"
        if ours is not None and (ours == theirs or is_descendant(repo, ours, theirs)):
            self._clear_pending(remote)
            return PullResult(remote, "up-to-date", ours)
        # a layout newer than this fnstore's is refused before anything moves
        _merge.layout_at(repo, tree_entries(repo, theirs))
        if ours is None or is_descendant(repo, theirs, ours):
            self._store._move_branch(theirs, ours, f"Fast-forward to {remote}")
            self._clear_pending(remote)
            return self._result(remote, "fast-forward", ours, theirs, {})
        base_id = merge_base(repo, ours, theirs)
        plan = _merge.plan_merge(
            repo,
            tree_entries(repo, base_id) if base_id is not None else None,
            tree_entries(repo, ours),
            tree_entries(repo, theirs),
            choices,
            self._unit_names,
        )
        if plan.conflicts:
            pending = PendingMerge(
                remote,
                theirs,
                _merge.conflicts_of(repo, plan, self._unit_names),
                dict(choices),
                {p.split("/", 1)[-1]: p for p in plan.conflicts},
            )
            self._save_pending(pending)
            return PullResult(remote, "conflicts", ours, conflicts=pending.open_conflicts())

        when = datetime.now().astimezone()
        who = self._store._author(author)
        renamed = self._keep_both(plan, theirs)
        lines = [f"{message}: {len(plan.incoming)} module(s) taken from {remote}", ""]
        lines += [f"  {p.split('/', 1)[-1]}" for p in plan.incoming]
        lines += [f"  kept {remote}'s {old} as {new}" for old, new in renamed.items()]

        def write() -> str:
            tree = _merge.write_merged_tree(repo, plan.units)
            # the store writes the commit (signed, if it signs)
            return self._store._write_commit(
                who, when, "\n".join(lines) + "\n", tree, [ours, theirs]
            )

        try:
            commit = beside_gc(write)
        except (GitError, OSError) as exc:
            where = self._store.path
            raise StoreError(f"git could not write the merge into {where}: {exc}") from exc
        self._store._move_branch(commit, ours, message)
        self._clear_pending(remote)
        return self._result(remote, "merged", ours, commit, renamed)

    def _keep_both(self, plan: _merge.MergePlan, theirs: str) -> dict[str, str]:
        """Add the remote's side of each ``both`` choice under new names."""
        renamed: dict[str, str] = {}
        if not plan.both:
            return renamed
        names = {n for p, e in plan.units.items() for n in self._unit_names(p, e)}
        for path, entry in plan.both.items():
            module = path.split("/", 1)[-1]
            taken = {p.split("/", 1)[-1] for p, e in plan.units.items() if e is not None}
            try:
                # the parent is where the remote's version was made, not merely
                # the remote's head, so that history names the commit holding it
                made = self._store._introducer(theirs, module)
                new, new_entry, renames = _merge.theirs_copy(
                    self._repo, entry, module, taken, names, commit=made
                )
            except (FnStoreError, ValueError, KeyError) as exc:
                raise ConflictError(
                    f"cannot keep both versions of {module!r}: the remote's cannot be read "
                    f"({exc}); choose 'mine' or 'theirs' instead"
                ) from exc
            plan.units[module_path(new)] = new_entry
            plan.incoming.append(module_path(new))
            names.update(renames.values())
            renamed.update(renames)
            renamed.setdefault(module, new)
        return renamed

    def _unit_names(self, path: str, entry: _merge.Entry) -> list[str]:
        """Return a unit's function names, as the store reads them (stale manifests too)."""
        if entry is None or entry[1] != TREE:
            return []
        tree = read_tree(self._repo, entry[0])
        if tree is None:
            return []
        return list(self._store._names_in(tree, path.rpartition("/")[2]))

    def _result(
        self,
        remote: str,
        status: PullStatus,
        old: str | None,
        new: str,
        renamed: dict[str, str],
    ) -> PullResult:
        """Build a pull result: the modules that came in; those fnstore cannot read, on demand."""
        repo = self._repo
        old_tree = tree_entries(repo, old) if old is not None else None
        after = _merge.module_trees(repo, tree_entries(repo, new))
        changed = _merge.changed_modules(_merge.module_trees(repo, old_tree), after)
        return PullResult(
            remote,
            status,
            new,
            changed,
            renamed=renamed,
            ignored=ignored_entries(repo, old, new, changed),
            find_broken=functools.partial(self._broken_modules, new, changed, after),
        )

    def _broken_modules(
        self, new: str, changed: list[str], after: dict[str, str]
    ) -> dict[str, str]:
        """Map each module of ``changed`` that fnstore cannot read at commit ``new`` to why.

        ``after`` maps the modules at ``new`` to their trees (a removed module
        is in ``changed`` but not in ``after``).
        """
        broken: dict[str, str] = {}
        for module in changed:
            if module not in after or self._readable(after[module], module):
                continue  # removed, or fnstore's own manifest for its code
            try:
                # The store's own reading: a missing or stale manifest (plain-git
                # edit) is re-derived from the code; only what it cannot read is broken.
                self._store._manifest_at(new, module)
            except FnStoreError as exc:
                broken[module] = str(exc)
        return broken

    def _readable(self, module_tree: str, module: str) -> bool:
        """Whether a module's manifest is fnstore's own, for its code (the usual case).

        The one module reader's verdict, from raw object reads, so that a
        first pull of a thousand modules costs little; anything else (a
        manifest stale for its code, a broken one) goes to the store's full
        reading.
        """
        files = files_of_tree(read_raw(self._repo, module_tree))
        return read_module(module, files, self._store._raw_blob).state == OK

    def _merge_notes(self, remote: str, author: AuthorLike | None) -> list[str]:
        """Merge every fetched notes ref into the local one (lock held): a union."""
        repo = self._repo
        prefix = f"{_REMOTE_NOTES}/{remote}/"
        updated: list[str] = []
        for name in sorted(ref_names(repo, prefix)):
            local = "refs/notes/" + name[len(prefix) :]
            theirs = ref_target(repo, name)
            mine = ref_target(repo, local)
            if theirs is None:
                continue  # gone meanwhile
            if mine is None:
                beside_gc(functools.partial(point_ref, repo, local, theirs, reflog=None))
            elif mine == theirs or is_descendant(repo, mine, theirs):
                continue
            elif is_descendant(repo, theirs, mine):
                reflog = f"notes: fast-forward to {remote}"
                beside_gc(functools.partial(point_ref, repo, local, theirs, reflog=reflog))
            else:
                who, when = self._store._author(author), datetime.now().astimezone()
                commit = beside_gc(
                    functools.partial(
                        _merge.merge_notes_commit, repo, mine, theirs, who, when, remote
                    )
                )
                reflog = f"notes: merge {remote}"
                beside_gc(functools.partial(point_ref, repo, local, commit, reflog=reflog))
            updated.append(local)
        return updated
