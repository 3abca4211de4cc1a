"""A lab repository whose HEAD names the branch fnstore pushes.

``git init --bare`` names ``master`` (or whatever ``init.defaultBranch``
says) in the new repository's HEAD, while a store pushes ``main``.  The
pushes work, but a lab member who uses plain git and runs ``git clone``
then gets an empty checkout ("remote HEAD refers to nonexistent ref").  The
fix belongs where the repository is made and where it is first pushed to:

- :func:`create_lab_repository` makes a bare repository whose HEAD names the
  store's branch, shared with the owner's group (a lab disk);
- after a push, :func:`fix_remote_head` points a path or ``file://`` remote's
  HEAD at the pushed branch when it names a branch that does not exist (we
  can write there: we just pushed), and for a network remote, whose HEAD we
  cannot change, returns advice to give the user when the server shows that
  its HEAD names no branch.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from fnstore.errors import SyncError
from fnstore.git._bare import advertised_refs, init_bare, name_unborn_head
from fnstore.git._errors import GitError
from fnstore.git._localcopy import local_path
from fnstore.git._transport import network_settings, redact

__all__ = ["create_lab_repository", "fix_remote_head"]


def create_lab_repository(url: str, branch: str) -> Path:
    """Create an empty bare lab repository at a path or ``file://`` URL.

    Its HEAD names ``branch``, and it is shared with the owner's group
    (``core.sharedRepository = group``), so lab members in that group can
    push to it on a shared disk.

    Raises
    ------
    SyncError
        The URL is not a path on this machine, or something is there already.
    """
    if "://" in url and not url.startswith("file://"):
        raise SyncError(
            f"cannot create {redact(url)}: only a path or file:// repository can be created "
            "from here; on the server, run `git init --bare --shared=group "
            f"--initial-branch={branch} PATH`, then add it without --create"
        )
    path = Path(url.removeprefix("file://")).expanduser()
    if path.exists() and any(path.iterdir()):
        raise SyncError(
            f"cannot create a lab repository at {path}: it exists and is not empty; "
            "add it without --create if it is a lab repository already"
        )
    try:
        init_bare(path, branch, group_shared=True)
    except (GitError, OSError) as exc:
        raise SyncError(
            f"could not create a lab repository at {path} ({exc}): check that its parent "
            "folder exists and that you may write there"
        ) from exc
    return path


def fix_remote_head(url: str, branch: str) -> str | None:
    """Make a lab repository's HEAD name ``branch`` if it names no branch.

    Called after a push of ``branch`` that created it on the remote.  A path
    or ``file://`` remote is fixed in place; for a network remote, returns
    what to tell the user when the server shows that its HEAD names no
    branch, else None.  Never raises: the push itself has succeeded.
    """
    path = local_path(url)
    if path is not None:
        with contextlib.suppress(GitError, OSError, KeyError, ValueError):
            name_unborn_head(path, branch)
        return None
    try:
        with network_settings():
            names = advertised_refs(url)
    except (GitError, OSError, ValueError):
        return None
    if "HEAD" in names or f"refs/heads/{branch}" not in names:
        return None
    return (
        f"the lab repository's HEAD names no branch, so `git clone` of it gives an empty "
        f"checkout; whoever looks after it can fix that once with `git --git-dir PATH "
        f"symbolic-ref HEAD refs/heads/{branch}` on the server"
    )
