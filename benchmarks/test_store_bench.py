"""Store speed, side by side with the git CLI doing the same work.

Groups (each holds fnstore and its git-CLI baseline, in the same run):

* ``save-1000`` / ``save-5000``: one save into a store of that many function
  modules, against ``git add <file> && git commit`` in an equivalent working
  tree (a clone of the store).  Target: at most 1/3 of git's time, and less
  than 2x growth from 1,000 to 5,000 modules.
* ``history``: ``history(name)`` of a function with 20 versions, in a history
  of 1,000 commits over 5,000 functions, against ``git log -- <path>``.
  Target: at most 1/50 of git's time.  Measured warm (the same store object)
  and fresh (a new store object, as a new process would: loads the index file).

The ratios are printed at the end (``-s`` not needed).  Big stores are built
with pygit2 directly (one commit with many modules), not by thousands of saves.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from fnstore import FunctionStore, open_store
from fnstore.git._housekeeping import wait_for_gc
from fnstore.layout import module_path
from fnstore.manifest import Author, Manifest, content_id, introspect

if TYPE_CHECKING:
    from pathlib import Path

AUTHOR = ("Bench Mark", "bench@example.org")
GIT = ["git", "-c", f"user.name={AUTHOR[0]}", "-c", f"user.email={AUTHOR[1]}"]
FIGURES: dict[str, float] = {}


def code(name: str, value: int) -> str:
    return f"from fnstore import numpy\n\n@numpy\ndef {name}(image):\n    return image + {value}\n"


def build(path: Path, modules: int) -> FunctionStore:
    """A store with ``modules`` modules in a single commit, written with pygit2 directly."""
    store = open_store(path)
    template = introspect(code("f_00000", 0))
    when = datetime(2026, 1, 1, tzinfo=UTC)
    trees: dict[str, str | None] = {}
    for i in range(modules):
        name = f"f_{i:05d}"
        source = code(name, 0).encode()
        manifest = Manifest(
            module=name,
            version=1,
            content_id=content_id(source),
            author=Author(name=AUTHOR[0], email=AUTHOR[1]),
            created=when,
            message="bulk",
            functions=[template.functions[0].model_copy(update={"name": name})],
            imports=template.imports,
        )
        trees[name] = store._write_module(source, manifest.to_json().encode())
    with store._locked():
        store._commit_change(trees, message="bulk", author=AUTHOR, when=when, expected_head=None)
    return store


def settle(store: FunctionStore) -> None:
    """Pack the store, as its background ``git gc --auto`` keeps a store in use.

    The bulk commit leaves thousands of loose objects; the save that follows
    would start a gc that runs during the timed rounds.  Wait for any gc the
    store started, then pack everything in the foreground.
    """
    wait_for_gc(store.path)
    subprocess.run(["git", "--git-dir", str(store.path), "gc", "-q"], check=True)


def clone(store: FunctionStore, where: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(store.path), str(where)], check=True)
    return where


@pytest.fixture(scope="module")
def store_1000(tmp_path_factory: pytest.TempPathFactory) -> tuple[FunctionStore, Path]:
    root = tmp_path_factory.mktemp("s1000")
    store = build(root / "store.git", 1000)
    settle(store)
    return store, clone(store, root / "work")


@pytest.fixture(scope="module")
def store_5000(tmp_path_factory: pytest.TempPathFactory) -> tuple[FunctionStore, Path]:
    """5,000 functions, then 999 more commits; f_00042 gets 19 of them (20 versions)."""
    root = tmp_path_factory.mktemp("s5000")
    store = build(root / "store.git", 5000)
    for i in range(1, 1000):
        name = "f_00042" if i % 52 == 0 and i // 52 < 20 else f"f_{(i * 7919) % 5000:05d}"
        store.save(code(name, i), author=AUTHOR)
    assert len(store.history("f_00042")) == 20
    settle(store)
    return store, clone(store, root / "work")


def _record(benchmark: Any, key: str) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        FIGURES[key] = stats.stats.median
        FIGURES[f"{key} (min)"] = stats.stats.min


def _save_rounds(benchmark: Any, store: FunctionStore, key: str) -> None:
    counter = iter(range(10**6, 10**7))

    def save() -> None:
        store.save(code("f_00007", next(counter)), author=AUTHOR)

    benchmark.pedantic(save, rounds=40, warmup_rounds=3)
    _record(benchmark, key)


def _git_commit_rounds(benchmark: Any, work: Path, key: str) -> None:
    counter = iter(range(10**6, 10**7))
    path = work / module_path("f_00007") / "source.py"

    def commit() -> None:
        path.write_text(code("f_00007", next(counter)))
        subprocess.run([*GIT, "add", str(path)], cwd=work, check=True)
        subprocess.run([*GIT, "commit", "-q", "-m", "edit"], cwd=work, check=True)

    benchmark.pedantic(commit, rounds=15, warmup_rounds=2)
    _record(benchmark, key)


@pytest.mark.benchmark(group="history")
def test_history_fnstore_warm(benchmark: Any, store_5000: tuple[FunctionStore, Path]) -> None:
    store, _ = store_5000
    store.history("f_00042")  # the index is built once per store object
    result = benchmark.pedantic(store.history, args=("f_00042",), rounds=30, warmup_rounds=2)
    assert len(result) == 20
    _record(benchmark, "history fnstore warm")


@pytest.mark.benchmark(group="history")
def test_history_fnstore_fresh_object(
    benchmark: Any, store_5000: tuple[FunctionStore, Path]
) -> None:
    store, _ = store_5000

    def fresh() -> int:
        return len(open_store(store.path).history("f_00042"))

    assert benchmark.pedantic(fresh, rounds=15, warmup_rounds=1) == 20
    _record(benchmark, "history fnstore fresh")


@pytest.mark.benchmark(group="history")
def test_history_git_log(benchmark: Any, store_5000: tuple[FunctionStore, Path]) -> None:
    _, work = store_5000

    def log() -> int:
        out = subprocess.run(
            ["git", "log", "--format=%H", "--", f"{module_path('f_00042')}/source.py"],
            cwd=work,
            check=True,
            capture_output=True,
            text=True,
        )
        return len(out.stdout.split())

    assert benchmark.pedantic(log, rounds=3, warmup_rounds=1) == 20
    _record(benchmark, "history git log")


@pytest.mark.benchmark(group="save-1000")
def test_save_fnstore_1000(benchmark: Any, store_1000: tuple[FunctionStore, Path]) -> None:
    _save_rounds(benchmark, store_1000[0], "save fnstore 1000")


@pytest.mark.benchmark(group="save-1000")
def test_save_git_cli_1000(benchmark: Any, store_1000: tuple[FunctionStore, Path]) -> None:
    _git_commit_rounds(benchmark, store_1000[1], "save git 1000")


@pytest.mark.benchmark(group="save-5000")
def test_save_fnstore_5000(benchmark: Any, store_5000: tuple[FunctionStore, Path]) -> None:
    _save_rounds(benchmark, store_5000[0], "save fnstore 5000")


@pytest.mark.benchmark(group="save-5000")
def test_save_git_cli_5000(benchmark: Any, store_5000: tuple[FunctionStore, Path]) -> None:
    _git_commit_rounds(benchmark, store_5000[1], "save git 5000")


def test_report_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    f = FIGURES
    lines = [
        f"{k:<24} {v * 1000:9.2f} ms median, {f[k + ' (min)'] * 1000:9.2f} ms min"
        for k, v in f.items()
        if not k.endswith("(min)")
    ]

    def ratio(a: str, b: str, label: str) -> None:
        # medians, and minimums: on a shared machine the minimum is the least
        # disturbed by other work
        if a in f and b in f:
            by_min = f[a + " (min)"] / f[b + " (min)"]
            lines.append(f"{label:<42} {f[a] / f[b]:7.3f} median {by_min:7.3f} min")

    ratio("save fnstore 1000", "save git 1000", "save 1000: fnstore / git (target <= 0.33)")
    ratio("save fnstore 5000", "save git 5000", "save 5000: fnstore / git (target <= 0.33)")
    ratio("save fnstore 5000", "save fnstore 1000", "save growth 1000 -> 5000 (target < 2)")
    ratio("history fnstore warm", "history git log", "history warm / git log (target <= 0.02)")
    ratio("history fnstore fresh", "history git log", "history fresh / git log (target <= 0.02)")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
