"""A hand-written tree writer against libgit2's, for the one big tree of a store.

A save rewrites ``functions/``: one entry per module, one of them changed.
The store keeps a :class:`pygit2.TreeBuilder` between saves: one ``insert``
and one ``write`` per save, on the store's own repository (whose loose
objects libgit2 deflates at git's level 1, see ``fnstore.store._core``).  The
challenger is the hand-written writer the store used before
(``benchmarks/_sorted_tree.py``): entries kept sorted between saves, the
object written with zlib's stored blocks.

Groups ``functions-tree-1000`` and ``functions-tree-5000`` hold both, in the
same run; ``test_report_treewrite`` prints the ratios, and, beside them, a
save's whole cost from ``benchmarks/test_store_bench.py`` when it ran in the
same session.  The store's save targets (at most 1/3 of ``git commit``'s time,
less than 2x growth from 1,000 to 5,000 modules) are what decide whether the
hand-written writer stays: see ``docs/architecture.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygit2
import pytest
from _sorted_tree import SortedTree
from pygit2.enums import FileMode

from fnstore import open_store

if TYPE_CHECKING:
    from collections.abc import Callable

ROUNDS, WARMUP = 60, 5
FIGURES: dict[str, float] = {}


def _module_trees(repo: pygit2.Repository, count: int) -> list[str]:
    """``count`` distinct module trees (a source.py each): what a save points an entry at."""
    ids = []
    for i in range(count):
        builder = repo.TreeBuilder()
        builder.insert("source.py", repo.create_blob(f"x = {i}\n".encode()), FileMode.BLOB)
        ids.append(str(builder.write()))
    return ids


def _functions_tree(repo: pygit2.Repository, modules: int, module_tree: str) -> str:
    builder = repo.TreeBuilder()
    target = pygit2.Oid(hex=module_tree)
    for i in range(modules):
        builder.insert(f"f_{i:05d}", target, FileMode.TREE)
    return str(builder.write())


@pytest.fixture(scope="module", params=[1000, 5000])
def big_tree(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, pygit2.Repository, str, list[str]]:
    modules = int(request.param)
    store = open_store(tmp_path_factory.mktemp(f"tree{modules}") / "store.git")
    repo = store._repo
    targets = _module_trees(repo, ROUNDS + WARMUP + 1)
    return modules, repo, _functions_tree(repo, modules, targets[0]), targets[1:]


def _measure(benchmark: Any, key: str, one_save: Callable[[], str]) -> None:
    written = set()

    def save() -> None:
        written.add(one_save())

    benchmark.pedantic(save, rounds=ROUNDS, warmup_rounds=WARMUP)
    assert len(written) == ROUNDS + WARMUP  # every save wrote a new tree
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        FIGURES[key] = stats.stats.median
        FIGURES[f"{key} (min)"] = stats.stats.min


def test_sorted_tree(
    benchmark: Any, big_tree: tuple[int, pygit2.Repository, str, list[str]]
) -> None:
    modules, repo, tree_id, targets = big_tree
    benchmark.group = f"functions-tree-{modules}"
    entries = SortedTree.read(repo, tree_id)
    objects = Path(repo.path) / "objects"
    it = iter(targets)

    def one_save() -> str:
        entries.set_tree("f_00007", next(it))
        return entries.write(objects)

    _measure(benchmark, f"sorted tree {modules}", one_save)
    # the same bytes libgit2 would have written: git reads it as the same tree
    assert len(repo[entries.write(objects)]) == modules  # type: ignore[arg-type]


def test_pygit2_tree_builder(
    benchmark: Any, big_tree: tuple[int, pygit2.Repository, str, list[str]]
) -> None:
    modules, repo, tree_id, targets = big_tree
    benchmark.group = f"functions-tree-{modules}"
    builder = repo.TreeBuilder(repo[tree_id])
    it = iter(targets)

    def one_save() -> str:
        builder.insert("f_00007", pygit2.Oid(hex=next(it)), FileMode.TREE)
        return str(builder.write())

    _measure(benchmark, f"tree builder {modules}", one_save)


def test_report_treewrite(capsys: pytest.CaptureFixture[str]) -> None:
    f = FIGURES
    lines = []
    for modules in (1000, 5000):
        mine, theirs = f"sorted tree {modules}", f"tree builder {modules}"
        if mine in f and theirs in f:
            lines.append(
                f"functions/ tree of {modules}: sorted tree {f[mine] * 1e3:7.3f} ms, "
                f"TreeBuilder {f[theirs] * 1e3:7.3f} ms median; "
                f"sorted / TreeBuilder {f[mine] / f[theirs]:6.3f} median, "
                f"{f[mine + ' (min)'] / f[theirs + ' (min)']:6.3f} min"
            )
    try:  # a save's whole cost, when test_store_bench.py ran in this session
        from test_store_bench import FIGURES as SAVES
    except ImportError:
        SAVES = {}
    for modules in (1000, 5000):
        save, git = SAVES.get(f"save fnstore {modules}"), SAVES.get(f"save git {modules}")
        # the store writes with the TreeBuilder: what the hand-written writer would save
        gain = f.get(f"tree builder {modules}", 0.0) - f.get(f"sorted tree {modules}", 0.0)
        if save and git:
            lines.append(
                f"save {modules}: fnstore / git {save / git:6.3f}; with the hand-written "
                f"writer it would be {(save - gain) / git:6.3f} (target <= 0.33)"
            )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
