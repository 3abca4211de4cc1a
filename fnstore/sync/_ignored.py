"""What a pull brought in that fnstore ignores: named once, never followed.

A lab repository is plain git, so a commit may hold what is no function
module: a symbolic link or a submodule (gitlink) where a module folder should
be, a stray file in ``functions/``, files beside a module's two files, or
anything outside ``functions/`` (a README, CI set-up).  fnstore reads only
``source.py`` and ``manifest.json`` in module folders
(``functions/<shard>/<module>/``), from git objects (never from a checkout:
nothing is followed).  Before, a pull kept such entries
without a word; :func:`ignored_entries` lists those that are new or changed
in a pull so that it can say so once (``PullResult.ignored``, and a warning
from ``fnstore pull``).

A ``source.py`` or ``manifest.json`` that is itself a link or a submodule is
not listed here: its module cannot be read, and the pull reports it as broken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.git._treeread import GITLINK, LINK, TREE, TreeEntries, tree_entries
from fnstore.layout import FUNCTIONS as _FUNCTIONS
from fnstore.layout import LAYOUT_FILE, module_path
from fnstore.layout import MODULE_FILES as _MODULE_FILES
from fnstore.sync._merge import Entry, layout_at, module_entries

if TYPE_CHECKING:
    import pygit2

__all__ = ["ignored_entries"]

_KINDS = {LINK: "a symbolic link", GITLINK: "a submodule", TREE: "a folder"}


def _kind(mode: int) -> str:
    return _KINDS.get(mode, "a file")


def _inside(repo: pygit2.Repository, entry: Entry) -> TreeEntries:
    """Return the entries of a module folder's tree ({} if it is none)."""
    return tree_entries(repo, entry[0]) if entry is not None and entry[1] == TREE else {}


def ignored_entries(
    repo: pygit2.Repository, old: str | None, new: str, modules: list[str]
) -> list[str]:
    """List what commit ``new`` holds, new or changed since ``old``, that fnstore ignores.

    ``modules`` are the module folders that changed (only their insides are
    looked at, so a pull costs what it brought).  Each item reads
    ``"<path> (<what it is>)"``.
    """
    old_root = tree_entries(repo, old) if old is not None else None
    new_root = tree_entries(repo, new)
    before_root = old_root or {}
    out: list[str] = []
    for name, entry in sorted(new_root.items()):
        if name == LAYOUT_FILE or (name == _FUNCTIONS and entry[1] == TREE):
            continue
        if before_root.get(name) != entry:
            out.append(f"{name} ({_kind(entry[1])} outside {_FUNCTIONS}/)")
    before, before_strays = module_entries(repo, old_root)
    after, after_strays = module_entries(repo, new_root)
    for path, found in sorted(after_strays.items()):
        if found is not None and before_strays.get(path) != found:
            out.append(f"{path} ({_kind(found[1])}, not a module folder)")
    layout = layout_at(repo, new_root)
    for module in modules:
        inside = _inside(repo, after.get(module))
        old_inside = _inside(repo, before.get(module))
        for name, entry in sorted(inside.items()):
            if name not in _MODULE_FILES and old_inside.get(name) != entry:
                where = module_path(module, layout)
                out.append(f"{where}/{name} ({_kind(entry[1])}, not part of the module)")
    return out
