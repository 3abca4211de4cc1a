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

import pygit2

from fnstore.errors import FnStoreError
from fnstore.git._housekeeping import beside_gc
from fnstore.manifest._rename import rename_functions
from fnstore.sync._types import Choice, Conflict

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


__all__ = [
    "Choice",
    "Conflict",
    "Entry",
    "MergePlan",
    "blob_of",
    "changed_modules",
    "merge_notes_commit",
    "merge_notes_trees",
    "module_trees",
    "plan_merge",
    "rename_functions",
    "theirs_copy",
    "tree_of",
    "write_tree",
]

FUNCTIONS = "functions"
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


def tree_of(repo: pygit2.Repository, oid: str | pygit2.Oid) -> pygit2.Tree:
    """Return the tree ``oid`` (a commit gives its tree)."""
    obj = repo[oid]
    if isinstance(obj, pygit2.Commit):
        return obj.tree
    if not isinstance(obj, pygit2.Tree):
        raise ValueError(f"{oid} is not a tree")
    return obj


def blob_of(repo: pygit2.Repository, oid: str | pygit2.Oid) -> bytes:
    """Return the content of blob ``oid``."""
    obj = repo[oid]
    if not isinstance(obj, pygit2.Blob):
        raise ValueError(f"{oid} is not a file")
    return bytes(obj.data)


def _units(repo: pygit2.Repository, tree: pygit2.Tree | None) -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    if tree is None:
        return found
    for entry in tree:
        if entry.name == FUNCTIONS and entry.filemode == pygit2.GIT_FILEMODE_TREE:
            for sub in tree_of(repo, entry.id):
                found[f"{FUNCTIONS}/{sub.name}"] = (str(sub.id), sub.filemode)
        else:
            found[str(entry.name)] = (str(entry.id), entry.filemode)
    return found


def module_trees(tree: pygit2.Tree | None) -> dict[str, pygit2.Oid]:
    """Map each function module under ``functions/`` of a root tree to its tree id."""
    if tree is None or FUNCTIONS not in tree:
        return {}
    top = tree[FUNCTIONS]
    if not isinstance(top, pygit2.Tree):
        return {}
    return {str(e.name): e.id for e in top if e.filemode == pygit2.GIT_FILEMODE_TREE}


def changed_modules(before: dict[str, pygit2.Oid], after: dict[str, pygit2.Oid]) -> list[str]:
    """List the modules added, changed or removed between two :func:`module_trees` maps.

    Comparing module tree ids costs far less than a full diff: a first pull
    of a thousand modules reads two trees.
    """
    return sorted(m for m in before.keys() | after.keys() if before.get(m) != after.get(m))


def function_names(repo: pygit2.Repository, entry: Entry) -> list[str]:
    """List the functions a module unit's manifest names ([] if unreadable)."""
    if entry is None or entry[1] != pygit2.GIT_FILEMODE_TREE:
        return []
    # pydantic is imported only when a merge needs manifests: opening a store stays light.
    from fnstore.manifest import Manifest

    tree = tree_of(repo, entry[0])
    if "manifest.json" not in tree:
        return []
    try:
        manifest = Manifest.from_json(blob_of(repo, tree["manifest.json"].id))
    except FnStoreError:
        return []
    return [f.name for f in manifest.functions]


def source_id(repo: pygit2.Repository, entry: Entry) -> str | None:
    """Return the content id (blob id of ``source.py``) of a module unit, if any."""
    if entry is None or entry[1] != pygit2.GIT_FILEMODE_TREE:
        return None
    tree = tree_of(repo, entry[0])
    return str(tree["source.py"].id) if "source.py" in tree else None


def plan_merge(
    repo: pygit2.Repository,
    base: pygit2.Tree | None,
    mine: pygit2.Tree,
    theirs: pygit2.Tree,
    choices: dict[str, Choice] | None = None,
    names: Callable[[Entry], list[str]] | None = None,
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
    _name_clashes(plan, m, t, choices, names or (lambda e: function_names(repo, e)))
    return plan


def _name_clashes(
    plan: MergePlan,
    mine: dict[str, Entry],
    theirs: dict[str, Entry],
    choices: dict[str, Choice],
    names: Callable[[Entry], list[str]],
) -> None:
    """Turn an incoming module whose function names another module uses into a conflict."""
    owners: dict[str, str] = {}
    for path, entry in plan.units.items():
        if path not in plan.incoming:
            for name in names(entry):
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
        clash = [owners[n] for n in names(plan.units[path]) if owners.get(n, path) != path]
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
    repo: pygit2.Repository, plan: MergePlan, names: Callable[[Entry], list[str]]
) -> list[Conflict]:
    """List the plan's conflicts, one per function (union of both sides' functions)."""
    out: list[Conflict] = []
    for path, (em, et, reason) in sorted(plan.conflicts.items()):
        module = path.split("/", 1)[-1]
        found = dict.fromkeys(names(em) + names(et))
        for name in found or [module]:
            out.append(Conflict(name, module, source_id(repo, em), source_id(repo, et), reason))
    return out


def write_tree(repo: pygit2.Repository, units: dict[str, Entry]) -> pygit2.Oid:
    """Write the tree holding ``units`` (entries that are None are left out)."""
    top = repo.TreeBuilder()
    functions = repo.TreeBuilder()
    has_functions = False
    for path, entry in units.items():
        if entry is None:
            continue
        oid = pygit2.Oid(hex=entry[0])
        if path.startswith(FUNCTIONS + "/"):
            functions.insert(path.split("/", 1)[1], oid, entry[1])
            has_functions = True
        else:
            top.insert(path, oid, entry[1])
    if has_functions:
        top.insert(FUNCTIONS, functions.write(), pygit2.GIT_FILEMODE_TREE)
    return top.write()


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

    if entry is None or entry[1] != pygit2.GIT_FILEMODE_TREE:
        raise ValueError(f"{module} has no remote version to keep")
    tree = tree_of(repo, entry[0])
    source = blob_of(repo, tree["source.py"].id).decode("utf-8")
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
    old = Manifest.from_json(blob_of(repo, tree["manifest.json"].id))
    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        module=new_module,
        version=old.version + 1,
        content_id=content_id(new_source),
        parent_content_id=str(tree["source.py"].id),
        parent_commit=commit,
        parent_module=module,
        author=old.author,
        created=datetime.now(UTC).astimezone(),
        message=f"Keep the remote's {module} as {new_module} (merge: both)",
        functions=info.functions,
        imports=info.imports,
    )

    def write() -> str:
        builder = repo.TreeBuilder(tree)
        builder.insert("source.py", repo.create_blob(new_source), pygit2.GIT_FILEMODE_BLOB)
        builder.insert(
            "manifest.json",
            repo.create_blob(manifest.to_json().encode()),
            pygit2.GIT_FILEMODE_BLOB,
        )
        return str(builder.write())

    return new_module, (beside_gc(write), pygit2.GIT_FILEMODE_TREE), renames


# -- notes -------------------------------------------------------------------


def _flatten(repo: pygit2.Repository, tree: pygit2.Tree, prefix: str = "") -> dict[str, str]:
    # git writes notes with fan-out folders (ab/cdef...) once there are many;
    # the annotated object's id is the concatenated path.
    out: dict[str, str] = {}
    for entry in tree:
        if entry.filemode == pygit2.GIT_FILEMODE_TREE:
            out.update(_flatten(repo, tree_of(repo, entry.id), prefix + str(entry.name)))
        else:
            out[prefix + str(entry.name)] = str(entry.id)
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


def merge_notes_trees(
    repo: pygit2.Repository, mine: pygit2.Tree, theirs: pygit2.Tree
) -> pygit2.Oid:
    """Write the union of two notes trees; notes on the same object are merged."""
    a, b = _flatten(repo, mine), _flatten(repo, theirs)
    builder = repo.TreeBuilder()
    for obj in sorted(set(a) | set(b)):
        if obj in a and obj in b and a[obj] != b[obj]:
            blob = repo.create_blob(_merge_note(blob_of(repo, a[obj]), blob_of(repo, b[obj])))
        else:
            blob = pygit2.Oid(hex=a.get(obj) or b[obj])
        builder.insert(obj, blob, pygit2.GIT_FILEMODE_BLOB)
    return builder.write()


def merge_notes_commit(
    repo: pygit2.Repository,
    mine: pygit2.Oid | str,
    theirs: pygit2.Oid | str,
    signature: pygit2.Signature,
    remote: str,
) -> pygit2.Oid:
    """Write the merge commit of two notes histories (both sides' records kept)."""
    tree = merge_notes_trees(repo, tree_of(repo, mine), tree_of(repo, theirs))
    return repo.create_commit(
        None, signature, signature, f"Merge notes from {remote}\n", tree, [mine, theirs]
    )
