"""Draw fnstore's rooms from its imports, and check the house has no import cycle.

Run ``python scripts/house.py``: it prints each room (a sub-package or
top-level module of ``fnstore``) with the rooms it imports, then every import
cycle between modules, and exits 1 if there is one.  Imports under
``TYPE_CHECKING`` are annotations, not arrows, and are left out; deferred
imports inside functions are arrows like any other.  That arrows point down
is import-linter's job (``lint-imports``, contracts in ``pyproject.toml``);
this script adds what a layers contract cannot see: a cycle inside one room,
and a room that the contract does not place at all (a new package or
top-level module must be given its layer in ``pyproject.toml``).
``docs/architecture.md`` shows the picture.
"""

from __future__ import annotations

import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
# this checkout's fnstore, not whichever one the environment has installed
sys.path.insert(0, str(ROOT))


def room(module: str) -> str:
    """``fnstore.store._core`` -> ``store``; ``fnstore`` -> ``fnstore``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Return the groups of modules that import each other in a circle (Tarjan)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative, so a deep import chain cannot hit the recursion limit
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def unplaced(rooms: set[str]) -> list[str]:
    """Return the rooms that no layer of the ``layers`` contract in pyproject.toml names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c.get("id") == "layers")
    placed = {
        name.strip().removeprefix("fnstore.")
        for layer in layers
        for name in layer.replace(":", "|").split("|")
    }
    return sorted(rooms - placed - {"fnstore", "__main__"})


def main() -> int:
    """Print the rooms and their arrows; return 1 if any import cycle exists."""
    graph = grimp.build_graph("fnstore", exclude_type_checking_imports=True)
    arrows: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if room(imported) != room(module):
                arrows[room(module)].add(room(imported))
    for name in sorted({room(m) for m in graph.modules}):
        print(f"{name:12} -> {', '.join(sorted(arrows[name])) or '(nothing)'}")
    found = cycles(graph)
    for group in found:
        print(f"import cycle of {len(group)} modules: {', '.join(group)}", file=sys.stderr)
    if not found:
        print("no import cycle")
    missing = unplaced({room(m) for m in graph.modules})
    for name in missing:
        print(
            f"fnstore.{name} has no layer: add it to the layers contract in pyproject.toml "
            "(and to the picture in docs/architecture.md)",
            file=sys.stderr,
        )
    return 1 if found or missing else 0


if __name__ == "__main__":
    sys.exit(main())
