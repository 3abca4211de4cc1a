"""What a pull brought in that fnstore ignores: named once, never followed.

A lab repository is plain git, so a commit may hold what is no function
module: a symbolic link or a submodule (gitlink) where a module folder should
be, a stray file in ``functions/``, files beside a module's two files, or
anything outside ``functions/`` (a README, CI set-up).  fnstore reads only
``functions/<module>/source.py`` and ``manifest.json``, from git objects (never
from a checkout: nothing is followed).  Before, a pull kept such entries
without a word; :func:`ignored_entries` lists those that are new or changed
in a pull so that it can say so once (``PullResult.ignored``, and a warning
from ``fnstore pull``).

A ``source.py`` or ``manifest.json`` that is itself a link or a submodule is
not listed here: its module cannot be read, and the pull reports it as broken.
"""

from __future__ import annotations

import pygit2

__all__ = ["ignored_entries"]

_FUNCTIONS = "functions"
_MODULE_FILES = ("source.py", "manifest.json")
_KINDS = {
    pygit2.GIT_FILEMODE_LINK: "a symbolic link",
    pygit2.GIT_FILEMODE_COMMIT: "a submodule",
    pygit2.GIT_FILEMODE_TREE: "a folder",
}


def _kind(mode: int) -> str:
    return _KINDS.get(mode, "a file")


def _entries(tree: pygit2.Tree | None) -> dict[str, tuple[int, str]]:
    return {} if tree is None else {str(e.name): (e.filemode, str(e.id)) for e in tree}


def _tree(repo: pygit2.Repository, entry: tuple[int, str] | None) -> pygit2.Tree | None:
    if entry is None or entry[0] != pygit2.GIT_FILEMODE_TREE:
        return None
    obj = repo.get(entry[1])
    return obj if isinstance(obj, pygit2.Tree) else None


def ignored_entries(
    repo: pygit2.Repository, old: str | None, new: str, modules: list[str]
) -> list[str]:
    """List what commit ``new`` holds, new or changed since ``old``, that fnstore ignores.

    ``modules`` are the module folders that changed (only their insides are
    looked at, so a pull costs what it brought).  Each item reads
    ``"<path> (<what it is>)"``.
    """
    before_root = _entries(repo[old].peel(pygit2.Tree) if old is not None else None)
    after_root = _entries(repo[new].peel(pygit2.Tree))
    out: list[str] = []
    for name, entry in sorted(after_root.items()):
        if name == _FUNCTIONS and entry[0] == pygit2.GIT_FILEMODE_TREE:
            continue
        if before_root.get(name) != entry:
            out.append(f"{name} ({_kind(entry[0])} outside {_FUNCTIONS}/)")
    before = _entries(_tree(repo, before_root.get(_FUNCTIONS)))
    after = _entries(_tree(repo, after_root.get(_FUNCTIONS)))
    for name, entry in sorted(after.items()):
        if entry[0] != pygit2.GIT_FILEMODE_TREE and before.get(name) != entry:
            out.append(f"{_FUNCTIONS}/{name} ({_kind(entry[0])}, not a module folder)")
    for module in modules:
        inside = _entries(_tree(repo, after.get(module)))
        old_inside = _entries(_tree(repo, before.get(module)))
        for name, entry in sorted(inside.items()):
            if name not in _MODULE_FILES and old_inside.get(name) != entry:
                out.append(
                    f"{_FUNCTIONS}/{module}/{name} ({_kind(entry[0])}, not part of the module)"
                )
    return out
