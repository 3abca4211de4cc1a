"""Push and pull of a 1,000-function store, side by side with ``git push`` and ``git clone``.

Run with ``pytest benchmarks/test_sync_bench.py -s`` (``-s`` shows the ratio
table printed at the end).  Each fnstore operation is timed next to the git
command that does the same job on the same repository over the same
transport:

- push: ``store.push(remote)`` into an empty bare repository, against
  ``git push <url> main`` of the same store into another empty one;
- pull: ``store.pull(remote)`` into an empty store, against
  ``git clone --bare <url>`` (for a path, git's local clone, which hard-links
  the pack files and reads nothing; fnstore copies them).  "pull+broken"
  also reads the result's ``broken`` report, as ``fnstore pull`` does: that
  reads every incoming manifest, which git has no counterpart for.

Transports: a path on this machine, and ``git://`` through a real
``git daemon`` on 127.0.0.1.  No timing is asserted: the figures are for
reading (pytest-benchmark's table, and the ratios printed at the end).
"""

from __future__ import annotations

import gc
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))
from _lab import GitDaemon

from fnstore import open_store
from fnstore.git._housekeeping import wait_for_gc

N_FUNCTIONS = 1000
ROUNDS = 5
AUTHOR = "Bench Mark <bench@example.org>"
_counter = itertools.count()
_medians: dict[tuple[str, str, str], float] = {}


def _code(i: int) -> str:
    return (
        "from fnstore import numpy\n\n\n"
        "@numpy\n"
        f"def f{i}(image, k: float = {i}.0):\n"
        f'    """Scale by {i}."""\n'
        "    return image * k\n"
    )


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A quiet git environment, a served root and a git daemon for the module."""
    root = tmp_path_factory.mktemp("bench")
    home = root / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.org\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.setenv("FNSTORE_HOME", str(home / "fnstore"))
        served = root / "served"
        served.mkdir()
        daemon = GitDaemon(served)
        daemon.start()
        yield root, served, daemon
        daemon.kill()


@pytest.fixture(scope="module")
def big_store(env):
    """A store of N_FUNCTIONS function modules, one save (commit) each."""
    root, _served, _daemon = env
    store = open_store(root / "big.git")
    for i in range(N_FUNCTIONS):
        store.save(_code(i), message=f"f{i}", author=AUTHOR)
    # the saves started git gc in the background: let it finish, or it would
    # run during the timed pushes (fnstore's and git's alike)
    assert wait_for_gc(store.path)
    # A user's `fnstore pull` runs in a fresh process; here a thousand saves
    # have left their objects behind, and the collector would scan them all
    # during the timed calls.  Move them out of its sight.
    gc.collect()
    gc.freeze()
    return store


def _empty_remote(served: Path) -> Path:
    path = served / f"r{next(_counter)}.git"
    _git("init", "-q", "--bare", "-b", "main", str(path))
    return path


def _url(kind: str, path: Path, daemon: GitDaemon) -> str:
    return str(path) if kind == "path" else daemon.url(path.name)


def _record(benchmark, op: str, kind: str, tool: str) -> None:
    _medians[(op, kind, tool)] = benchmark.stats.stats.median


@pytest.mark.parametrize("kind", ["path", "git"])
def test_push_fnstore(benchmark, env, big_store, kind):
    _root, served, daemon = env
    benchmark.group = f"push over {kind}"

    def setup():
        if "bench" in big_store.remotes():
            big_store.remove_remote("bench")
        big_store.add_remote("bench", _url(kind, _empty_remote(served), daemon))
        return (), {}

    benchmark.pedantic(lambda: big_store.push("bench"), setup=setup, rounds=ROUNDS)
    _record(benchmark, "push", kind, "fnstore")


@pytest.mark.parametrize("kind", ["path", "git"])
def test_push_git(benchmark, env, big_store, kind):
    _root, served, daemon = env
    benchmark.group = f"push over {kind}"
    target: list[str] = []

    def setup():
        target[:] = [_url(kind, _empty_remote(served), daemon)]
        return (), {}

    benchmark.pedantic(
        lambda: _git("--git-dir", str(big_store.path), "push", "-q", target[0], "main"),
        setup=setup,
        rounds=ROUNDS,
    )
    _record(benchmark, "push", kind, "git")


@pytest.fixture(scope="module")
def lab_remote(env, big_store):
    """A bare repository holding the big store, as a lab server would (git push)."""
    _root, served, _daemon = env
    path = _empty_remote(served)
    _git("--git-dir", str(big_store.path), "push", "-q", str(path), "main")
    return path


@pytest.mark.parametrize("report", [False, True], ids=["pull", "pull+broken"])
@pytest.mark.parametrize("kind", ["path", "git"])
def test_pull_fnstore(benchmark, env, lab_remote, big_store, kind, report):
    root, _served, daemon = env
    benchmark.group = f"pull into an empty store over {kind}"
    stores: list = []

    def setup():
        store = open_store(root / f"member{next(_counter)}.git")
        store.add_remote("lab", _url(kind, lab_remote, daemon))
        stores[:] = [store]
        return (), {}

    def pull():
        result = stores[0].pull("lab", author=AUTHOR)
        if report:  # what `fnstore pull` shows: reads every incoming manifest
            assert result.broken == {}

    benchmark.pedantic(pull, setup=setup, rounds=ROUNDS)
    assert stores[0].head == big_store.head
    _record(benchmark, "pull+broken" if report else "pull", kind, "fnstore")


@pytest.mark.parametrize("kind", ["path", "git"])
def test_pull_git_clone(benchmark, env, lab_remote, kind):
    root, _served, daemon = env
    benchmark.group = f"pull into an empty store over {kind}"
    dest: list[Path] = []

    def setup():
        dest[:] = [root / f"clone{next(_counter)}.git"]
        return (), {}

    url = _url(kind, lab_remote, daemon)
    benchmark.pedantic(
        lambda: _git("clone", "-q", "--bare", url, str(dest[0])), setup=setup, rounds=ROUNDS
    )
    _record(benchmark, "pull", kind, "git")
    _record(benchmark, "pull+broken", kind, "git")


def test_zz_ratios():
    """Print fnstore / git median ratios (read them with -s; nothing is asserted)."""
    lines = [f"\nsync ratios, {N_FUNCTIONS} functions (median fnstore / median git):"]
    for op, kind in itertools.product(("push", "pull", "pull+broken"), ("path", "git")):
        mine, theirs = _medians.get((op, kind, "fnstore")), _medians.get((op, kind, "git"))
        if mine and theirs:
            lines.append(
                f"  {op:11} over {kind:4}: fnstore {mine * 1000:8.1f} ms,"
                f" git {theirs * 1000:8.1f} ms,"
                f" ratio {mine / theirs:.2f}"
            )
    print("\n".join(lines), file=sys.__stdout__ if os.environ.get("CI") else sys.stdout)
