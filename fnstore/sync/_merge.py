"""Three-way merge of two stores' trees, one function module at a time.

A store's tree is a set of *units*: each ``functions/<module>`` folder, and
each other top-level entry.  A unit is merged as a whole, by its tree id:

- changed on one side only (or the same on both): that side's version wins;
- changed on both sides differently (or deleted on one side and changed on
  the other): a conflict, reported per function with both content ids.

After the units are merged, function names must still be unique across the
store: a module that arrives with a function name some other local module
already uses is a conflict too (two members both wrote a ``blur``).

Resolving a conflict picks ``mine`` (the local unit), ``theirs`` (the
remote's) or ``both``: the local module stays, and the remote's is kept as a
new module ``<module>_theirs`` whose decorated functions are renamed with the
same suffix (see :mod:`fnstore.manifest._rename`).  Notes (benchmark records) are
merged by :func:`merge_notes_trees` as a union.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from fnstore.errors import SyncError
from fnstore.git._housekeeping import beside_gc
from fnstore.git._merging import write_blob, write_tree
from fnstore.git._objects import write_commit
from fnstore.git._treeread import BLOB, TREE, TreeEntries, read_blob, read_raw, tree_entries
from fnstore.layout import (
    FLAT_LAYOUT,
    FUNCTIONS,
    LAYOUT_BLOB_ID,
    LAYOUT_DOC,
    LAYOUT_FILE,
    LAYOUT_VERSION,
    MANIFEST,
    OK,
    SOURCE,
    files_of_tree,
    is_shard,
    layout_of,
    newer_layout_error,
    read_module,
    shard,
)
from fnstore.manifest._rename import rename_functions
from fnstore.sync._types import Choice, Conflict

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import pygit2

    from fnstore.layout import ModuleReading

__all__ = [
    "Choice",
    "Conflict",
    "Entry",
    "MergePlan",
    "changed_modules",
    "layout_at",
    "merge_notes_commit",
    "merge_notes_trees",
    "module_entries",
    "module_trees",
    "plan_merge",
    "rename_functions",
    "theirs_copy",
    "write_merged_tree",
]

_PREFIX = FUNCTIONS + "/"
CLASH = "uses a function name that"

#: A unit's tree entry: (object id hex, file mode), or None when absent.
Entry = tuple[str, int] | None


@dataclass
class MergePlan:
    """What a three-way merge of units decided.

    Attributes
    ----------
    units
        Unit path -> the merged entry, for every unit that merged cleanly.
    conflicts
        Unit path -> (mine, theirs, reason) for the units that need a choice.
    incoming
        Units whose merged version came from the remote side.
    both
        Unit path -> the remote's entry, for conflicts resolved with ``both``:
        the caller adds it under a new name (:func:`theirs_copy`).
    """

    units: dict[str, Entry] = field(default_factory=dict)
    conflicts: dict[str, tuple[Entry, Entry, str]] = field(default_factory=dict)
    incoming: list[str] = field(default_factory=list)
    both: dict[str, Entry] = field(default_factory=dict)


def layout_at(repo: pygit2.Repository, root: TreeEntries | None) -> int:
    """Return the layout of a root tree's entries (see :mod:`fnstore.layout`).

    Raises
    ------
    SyncError
        Its ``fnstore.json`` is damaged, or names a layout newer than this fnstore's.
    """
    if root is None or LAYOUT_FILE not in root:
        return FLAT_LAYOUT
    blob_id = root[LAYOUT_FILE][0]
    if blob_id == LAYOUT_BLOB_ID:
        return LAYOUT_VERSION
    try:
        layout = layout_of(read_blob(repo, blob_id))
    except ValueError as exc:
        raise SyncError(
            f"the commit's {LAYOUT_FILE} cannot be read ({exc}): fix it with git"
        ) from exc
    if layout > LAYOUT_VERSION:
        raise SyncError(newer_layout_error(layout))
    return layout


def module_entries(
    repo: pygit2.Repository, root: TreeEntries | None
) -> tuple[dict[str, Entry], dict[str, Entry]]:
    """Return a root tree's module folders (module -> entry) and what else is in ``functions/``.

    Layout-independent: a module is found in ``functions/<module>/`` (layout 1)
    or ``functions/<shard>/<module>/`` (layout 2).  The second map holds what
    else is in ``functions/`` (files put there with plain git), by path.
    """
    modules: dict[str, Entry] = {}
    strays: dict[str, Entry] = {}
    top = root.get(FUNCTIONS) if root is not None else None
    if top is None or top[1] != TREE:
        return modules, strays
    sharded = layout_at(repo, root) != FLAT_LAYOUT
    for name, entry in tree_entries(repo, top[0]).items():
        if entry[1] != TREE or (sharded and not is_shard(name)):
            strays[f"{_PREFIX}{name}"] = entry
        elif not sharded:
            modules[name] = entry
        else:
            for sub, sub_entry in tree_entries(repo, entry[0]).items():
                if sub_entry[1] == TREE and shard(sub) == name:
                    modules[sub] = sub_entry
                else:
                    strays[f"{_PREFIX}{name}/{sub}"] = sub_entry
    return modules, strays


def _units(repo: pygit2.Repository, tree: TreeEntries | None) -> dict[str, Entry]:
    """Map each unit of a root tree to its entry: ``functions/<module>`` in any layout.

    The layout file is no unit: a merge writes the current layout.
    """
    found: dict[str, Entry] = {}
    if tree is None:
        return found
    modules, strays = module_entries(repo, tree)
    for module, entry in modules.items():
        found[f"{_PREFIX}{module}"] = entry
    found.update(strays)
    for name, entry in tree.items():
        if name not in (FUNCTIONS, LAYOUT_FILE):
            found[name] = entry
    return found


def module_trees(repo: pygit2.Repository, tree: TreeEntries | None) -> dict[str, str]:
    """Map each function module of a root tree (any layout) to its tree id."""
    modules, _ = module_entries(repo, tree)
    return {m: e[0] for m, e in modules.items() if e is not None}


def changed_modules(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """List the modules added, changed or removed between two :func:`module_trees` maps.

    Comparing module tree ids costs far less than a full diff: a first pull
    of a thousand modules reads two trees.
    """
    return sorted(m for m in before.keys() | after.keys() if before.get(m) != after.get(m))


def unit_reading(repo: pygit2.Repository, path: str, entry: Entry) -> ModuleReading | None:
    """Read a module unit with the one module reader (None: not a module folder)."""
    if entry is None or entry[1] != TREE or not path.startswith(_PREFIX):
        return None
    files = files_of_tree(read_raw(repo, entry[0]))
    return read_module(path[len(_PREFIX) :], files, lambda oid: read_raw(repo, oid))


def function_names(repo: pygit2.Repository, path: str, entry: Entry) -> list[str]:
    """List the functions a module unit's manifest names ([] unless it is ``ok``)."""
    reading = unit_reading(repo, path, entry)
    return list(reading.names) if reading is not None and reading.state == OK else []


def source_id(repo: pygit2.Repository, path: str, entry: Entry) -> str | None:
    """Return the content id (blob id of ``source.py``) of a module unit, if any."""
    reading = unit_reading(repo, path, entry)
    return reading.source_id if reading is not None else None


def plan_merge(
    repo: pygit2.Repository,
    base: TreeEntries | None,
    mine: TreeEntries,
    theirs: TreeEntries,
    choices: dict[str, Choice] | None = None,
    names: Callable[[str, Entry], list[str]] | None = None,
) -> MergePlan:
    """Merge the units of ``mine`` and ``theirs`` against their common ``base``.

    Units listed in ``choices`` (earlier resolutions) that still conflict
    take the chosen side; ``"both"`` leaves the local unit in place and is
    completed by :func:`theirs_copy`.  ``names`` gives a unit's function names
    (default: from its manifest).
    """
    choices = choices or {}
    b, m, t = _units(repo, base), _units(repo, mine), _units(repo, theirs)
    plan = MergePlan()
    for path in sorted(set(b) | set(m) | set(t)):
        eb, em, et = b.get(path), m.get(path), t.get(path)
        if em == et or et == eb:
            plan.units[path] = em
        elif em == eb:
            plan.units[path] = et
            plan.incoming.append(path)
        elif path in choices:
            plan.units[path] = et if choices[path] == "theirs" else em
            if choices[path] == "theirs":
                plan.incoming.append(path)
            elif choices[path] == "both" and et is not None:
                plan.both[path] = et
        else:
            if em is None:
                reason = "deleted here, changed in the remote"
            elif et is None:
                reason = "changed here, deleted in the remote"
            else:
                reason = "changed both here and in the remote"
            plan.conflicts[path] = (em, et, reason)
    _name_clashes(plan, m, t, choices, names or (lambda p, e: function_names(repo, p, e)))
    return plan


def _name_clashes(
    plan: MergePlan,
    mine: dict[str, Entry],
    theirs: dict[str, Entry],
    choices: dict[str, Choice],
    names: Callable[[str, Entry], list[str]],
) -> None:
    """Turn an incoming module whose function names another module uses into a conflict."""
    owners: dict[str, str] = {}
    for path, entry in plan.units.items():
        if path not in plan.incoming:
            for name in names(path, entry):
                owners[name] = path
    for path in list(plan.incoming):
        choice = choices.get(path)
        if choice in ("mine", "both"):
            # An earlier clash was resolved: keep the local unit, and for
            # "both" the remote's under a new name.
            plan.incoming.remove(path)
            plan.units[path] = mine.get(path)
            if choice == "both" and theirs.get(path) is not None:
                plan.both[path] = theirs.get(path)
            continue
        clash = [owners[n] for n in names(path, plan.units[path]) if owners.get(n, path) != path]
        if clash:
            plan.incoming.remove(path)
            del plan.units[path]
            other = clash[0].split("/", 1)[-1]
            plan.conflicts[path] = (
                mine.get(path),
                theirs.get(path),
                f"{CLASH} local module {other!r} also defines",
            )


def conflicts_of(
    repo: pygit2.Repository, plan: MergePlan, names: Callable[[str, Entry], list[str]]
) -> list[Conflict]:
    """List the plan's conflicts, one per function (union of both sides' functions)."""
    out: list[Conflict] = []
    for path, (em, et, reason) in sorted(plan.conflicts.items()):
        module = path.split("/", 1)[-1]
        found = dict.fromkeys(names(path, em) + names(path, et))
        mine, theirs = source_id(repo, path, em), source_id(repo, path, et)
        for name in found or [module]:
            out.append(Conflict(name, module, mine, theirs, reason))
    return out


def write_merged_tree(repo: pygit2.Repository, units: dict[str, Entry]) -> str:
    """Write the tree holding ``units`` in the current layout (entries that are None are left out).

    Module folders go to their shard; other entries of ``functions/`` (files
    put there with plain git) keep their paths.  Returns the tree's id.
    """
    top: TreeEntries = {}
    functions: dict[str, TreeEntries] = {"": {}}
    for path, entry in units.items():
        if entry is None:
            continue
        if not path.startswith(_PREFIX):
            top[path] = entry
            continue
        rest = path[len(_PREFIX) :]
        folder, _, name = rest.rpartition("/")
        if not folder and entry[1] == TREE:
            folder = shard(name)  # a module folder
        functions.setdefault(folder, {})[name] = entry
    loose = functions.pop("")
    if functions or loose:
        inside = dict(loose)
        for folder, entries in functions.items():
            inside[folder] = (write_tree(repo, entries), TREE)
        top[FUNCTIONS] = (write_tree(repo, inside), TREE)
    top[LAYOUT_FILE] = (write_blob(repo, LAYOUT_DOC), BLOB)
    return write_tree(repo, top)


def theirs_copy(
    repo: pygit2.Repository,
    entry: Entry,
    module: str,
    taken_modules: Iterable[str],
    taken_functions: Iterable[str],
    *,
    commit: str,
) -> tuple[str, Entry, dict[str, str]]:
    """Copy the remote's version of ``module`` into a new module with suffixed names.

    ``commit`` is the commit that introduced the remote's version (the new
    version's parent).  The copy keeps the remote version's author: the code
    is theirs, only its names changed (the merge commit names who merged).

    Returns
    -------
    tuple
        The new module name, its tree entry and the function renames made.
    """
    from fnstore.manifest import SCHEMA_VERSION, Manifest, check_name, content_id, introspect

    if entry is None or entry[1] != TREE:
        raise ValueError(f"{module} has no remote version to keep")
    tree = tree_entries(repo, entry[0])
    source = read_blob(repo, tree[SOURCE][0]).decode("utf-8")
    names = [f.name for f in introspect(source).functions]
    modules, functions = set(taken_modules), set(taken_functions)
    n = 1
    while True:
        suffix = "_theirs" if n == 1 else f"_theirs{n}"
        new_module = module + suffix
        renames = {name: name + suffix for name in names}
        if new_module not in modules and not set(renames.values()) & functions:
            break
        n += 1
    check_name(new_module, "module")
    for new in renames.values():
        check_name(new)
    new_source = rename_functions(source, renames).encode("utf-8")
    info = introspect(new_source.decode("utf-8"))
    old = Manifest.from_json(read_blob(repo, tree[MANIFEST][0]))
    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        module=new_module,
        version=old.version + 1,
        content_id=content_id(new_source),
        parent_content_id=tree[SOURCE][0],
        parent_commit=commit,
        parent_module=module,
        author=old.author,
        created=datetime.now(UTC).astimezone(),
        message=f"Keep the remote's {module} as {new_module} (merge: both)",
        functions=info.functions,
        imports=info.imports,
    )

    def write() -> str:
        files = dict(tree)
        files[SOURCE] = (write_blob(repo, new_source), BLOB)
        files[MANIFEST] = (write_blob(repo, manifest.to_json().encode()), BLOB)
        return write_tree(repo, files)

    return new_module, (beside_gc(write), TREE), renames


# -- notes -------------------------------------------------------------------


def _flatten(repo: pygit2.Repository, tree: TreeEntries, prefix: str = "") -> dict[str, str]:
    # git writes notes with fan-out folders (ab/cdef...) once there are many;
    # the annotated object's id is the concatenated path.
    out: dict[str, str] = {}
    for name, (oid, mode) in tree.items():
        if mode == TREE:
            out.update(_flatten(repo, tree_entries(repo, oid), prefix + name))
        else:
            out[prefix + name] = oid
    return out


def _record_key(record: object) -> str:
    if isinstance(record, dict) and isinstance(record.get("id"), str):
        return "id:" + str(record["id"])
    return json.dumps(record, sort_keys=True)


def _merge_note(mine: bytes, theirs: bytes) -> bytes:
    try:
        a, b = json.loads(mine), json.loads(theirs)
    except (ValueError, RecursionError):  # pulled notes are input from others too
        a = b = None
    if isinstance(a, list) and isinstance(b, list):
        # Keep every record from both sides, in order, without duplicates; a
        # record's "id" names it (the same run seen through two clones).
        seen = {_record_key(r) for r in a}
        merged = a + [r for r in b if _record_key(r) not in seen]
        # The bench layer's layout: one record per line, so git diffs stay readable.
        rows = [json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in merged]
        return ("[\n" + ",\n".join(rows) + "\n]\n").encode()
    # Not fnstore's JSON: keep both texts, like git's cat_sort_uniq strategy.
    lines = dict.fromkeys(mine.decode(errors="replace").splitlines())
    lines.update(dict.fromkeys(theirs.decode(errors="replace").splitlines()))
    return ("\n".join(lines) + "\n").encode()


def merge_notes_trees(repo: pygit2.Repository, mine: TreeEntries, theirs: TreeEntries) -> str:
    """Write the union of two notes trees; notes on the same object are merged."""
    a, b = _flatten(repo, mine), _flatten(repo, theirs)
    notes: TreeEntries = {}
    for obj in sorted(set(a) | set(b)):
        if obj in a and obj in b and a[obj] != b[obj]:
            blob = write_blob(repo, _merge_note(read_blob(repo, a[obj]), read_blob(repo, b[obj])))
        else:
            blob = a.get(obj) or b[obj]
        notes[obj] = (blob, BLOB)
    return write_tree(repo, notes)


def merge_notes_commit(
    repo: pygit2.Repository,
    mine: str,
    theirs: str,
    author: tuple[str, str],
    when: datetime,
    remote: str,
) -> str:
    """Write the merge commit of two notes histories (both sides' records kept)."""
    tree = merge_notes_trees(repo, tree_entries(repo, mine), tree_entries(repo, theirs))
    return write_commit(repo, author, when, f"Merge notes from {remote}\n", tree, [mine, theirs])
