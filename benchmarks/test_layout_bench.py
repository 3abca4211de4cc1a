"""Saves that do not grow with the store: the fan-out layout against the flat one, in one run.

Groups (each holds layout 2, ``functions/<shard>/<module>/``, and its baseline,
layout 1, ``functions/<module>/``, as written by the same code in the same run):

* ``layout-save-1000`` / ``layout-save-20000``: one save (``store.save``) into a
  store of that many modules.  Targets: less than 2x growth from 1,000 to
  20,000 modules (docs/store.md has a 50,000 run).
* the bytes of tree objects each save writes (root, ``functions/``, the shard,
  the module folder), printed with the ratios.  Target: at most 32 KB at
  50,000 modules (so below that at 20,000).

Big stores are built with ``git fast-import`` (``_bigstore.py``), not by saves; the
sizes can be changed with ``FNSTORE_BENCH_LAYOUT_SIZES=1000,50000``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pygit2
import pytest
from _bigstore import AUTHOR, build, code, pack

from fnstore.layout import FUNCTIONS, shard

if TYPE_CHECKING:
    from fnstore.store import FunctionStore

SIZES = [int(n) for n in os.environ.get("FNSTORE_BENCH_LAYOUT_SIZES", "1000,20000").split(",")]
FIGURES: dict[str, float] = {}
BYTES: dict[str, int] = {}


def tree_bytes(store: FunctionStore, module: str, layout: int) -> int:
    """Bytes of the tree objects on the path from the head's root to ``module``'s folder."""
    repo = store._repo
    root = repo[store.head].peel(pygit2.Tree)
    trees = [root, root[FUNCTIONS]]
    if layout == 2:
        trees.append(trees[-1][shard(module)])
    trees.append(trees[-1][module])
    return sum(len(repo.odb.read(t.id)[1]) for t in trees)


@pytest.fixture(scope="module", params=[(n, layout) for n in SIZES for layout in (2, 1)])
def sized(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    modules, layout = request.param
    where = tmp_path_factory.mktemp(f"l{layout}-{modules}") / "s.git"
    store = build(where, None, modules, layout=layout)
    pack(store)
    return store, modules, layout


def test_save(benchmark: Any, sized: tuple[FunctionStore, int, int]) -> None:
    store, modules, layout = sized
    benchmark.group = f"layout-save-{modules}"
    counter = iter(range(10**6, 10**7))

    def save() -> None:
        store.save(code("f_00007", next(counter)), author=AUTHOR)

    benchmark.pedantic(save, rounds=20, warmup_rounds=3)
    key = f"layout {layout} save {modules}"
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        FIGURES[key] = stats.stats.median
        FIGURES[key + " (min)"] = stats.stats.min
    BYTES[f"layout {layout} tree bytes per save {modules}"] = tree_bytes(store, "f_00007", layout)


def test_report_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    f = FIGURES
    lines = [
        f"{k:<34} {v * 1000:8.2f} ms median, {f[k + ' (min)'] * 1000:8.2f} ms min"
        for k, v in f.items()
        if not k.endswith("(min)")
    ]
    lines += [f"{k:<40} {v:>9,} bytes" for k, v in BYTES.items()]

    def ratio(a: str, b: str, label: str) -> None:
        if a in f and b in f:
            by_min = f[a + " (min)"] / f[b + " (min)"]
            lines.append(f"{label:<50} {f[a] / f[b]:7.3f} median {by_min:7.3f} min")

    small, big = min(SIZES), max(SIZES)
    ratio(f"layout 2 save {big}", f"layout 2 save {small}", f"save growth {small} -> {big} (< 2)")
    ratio(f"layout 1 save {big}", f"layout 1 save {small}", f"flat save growth {small} -> {big}")
    ratio(f"layout 2 save {big}", f"layout 1 save {big}", f"save {big}: sharded / flat")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
