"""Registry start-up and lazy compile, side by side with the seed system's exec-all.

The seed system (OpenHCS's custom functions) ``exec``'s every ``.py`` file of
its directory at start-up.  The baseline here does exactly that, over a
directory of N small decorated function files; the store holds the same N
functions (one module each, written in one commit with the store's own
helpers, as ``test_store_bench.py`` does).

Groups (each in one run, baseline beside fnstore):

* ``start-1000`` / ``start-5000``: what a host application does at start-up,
  ``import fnstore; registry = fnstore.Registry.load(path);
  registry.functions()``, timed from ``import fnstore`` to the full listing
  in a fresh process, on a **second start** at the same pin (the cache is
  warm; target at most 1/20 of exec-all, and less than 2x growth from 1,000
  to 5,000 functions), on a **new pin** after a save (target at most 1/3)
  and on a **first start** with no cache at all (the cache is emptied before
  every round).  ``import fnstore`` alone is reported too (target under
  5 ms).
* ``lazy-compile``: the first call of a function of a 50-line module in a
  process whose registry and store are open (target under 1 ms), beside the
  same module compiled and run with ``exec`` and the call served from the
  module cache (a second process).

An empty cache: the first start of a store on a machine parses every
manifest (the listing needs each function's version and memory types), once;
every later start finds the cache, or reads only what changed since the last
pin.  So the first start is measured and reported (``meets_target`` in
``extra_info``) but not asserted; the second start and the new pin (after a
save or a pull) are.  Loose objects: libgit2 writes every object to its own
file and never packs; the store therefore packs in the background once it
holds more than 512 loose objects (``fnstore/git/_housekeeping.py``), and a
store cloned from a lab repository is packed from the start.  The loose
store here (one commit of N modules, with ``gc.auto 0``) is the worst case:
a store written where the git command is missing, or with packing turned
off; a cold first start on it is bounded by opening thousands of small
files.

How the fresh-process figures are made fair: every child process may use
``.pyc`` files (as an installed fnstore does; the test environment sets
PYTHONDONTWRITEBYTECODE, which would make both sides compile fnstore's
modules on every start), and each child runs
``import numpy`` (the host application has it loaded) and waits 0.3 s for
numpy's BLAS threads to stop spinning (for 50-100 ms after the import they
burn a core each, which the CPU clock would count) and runs the garbage
collector once (numpy's import leaves its young objects for the collector's
next pass, which the first thousand-odd allocations after it would pay for,
whoever makes them), then starts a clock,
does its work and prints the elapsed time, wall and CPU (its own and its
children's: git's, on a first start).  So the interpreter's start-up and
numpy's import are left out of *both* sides; the baseline still pays for the
decorators' import, as the seed system does.  The targets are checked on the
CPU times (this machine is shared: a few-millisecond wall time is as much
the other processes' scheduling as ours), and the wall ratios are reported
beside them; pytest-benchmark's own table shows the wall time of the registry's
child processes, interpreter start included, for reference (``wall_*`` in
``extra_info``, with the bare interpreter's wall time, so they can be compared
after subtracting it).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fnstore import FunctionStore, open_store
from fnstore.manifest import Author, Manifest, content_id, introspect

AUTHOR = ("Bench Mark", "bench@example.org")
ROUNDS = 7

# Both scripts print: wall ms, functions found, CPU ms (the process's own and
# its children's, such as git's), then anything else.
CLOCK = """
import gc, os, resource, sys, time
import numpy
# A host imported numpy long before; two things its import leaves behind would
# be charged to whatever runs next.  numpy's BLAS threads spin for 50-100 ms
# before they sleep, and process_time counts their spinning (4 ms of CPU to a
# 4 ms start-up).  And the collector has not yet looked at numpy's young
# objects (some ten thousand): the next thousand or so allocations, on either
# side, would pay for that pass (0.5 ms here).
time.sleep(0.3)
gc.collect()
def _cpu():
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime
t0, c0 = time.perf_counter(), _cpu()
"""

BASELINE = (
    CLOCK
    + """
folder = sys.argv[1]
registry = {}
for name in sorted(os.listdir(folder)):
    if not name.endswith(".py"):
        continue
    path = os.path.join(folder, name)
    with open(path, encoding="utf-8") as fh:
        code = fh.read()
    namespace = {"__name__": "custom_" + name[:-3]}
    exec(compile(code, path, "exec"), namespace)
    for value in list(namespace.values()):
        if callable(value) and hasattr(value, "input_memory_type"):
            registry[value.__name__] = value
print((time.perf_counter() - t0) * 1e3, len(registry), (_cpu() - c0) * 1e3)
"""
)

REGISTRY = (
    CLOCK
    + """
import fnstore
t1 = time.perf_counter()
registry = fnstore.Registry.load(sys.argv[1])
n = len(registry.functions())
print((time.perf_counter() - t0) * 1e3, n, (_cpu() - c0) * 1e3, (t1 - t0) * 1e3)
"""
)

BARE = "import sys, time\nimport numpy\n"


def small_code(name: str, value: int) -> str:
    """One small decorated function, as a scientist's custom file holds."""
    return (
        f'"""Custom function {name}."""\n\n'
        "from fnstore import numpy\n\n\n"
        "@numpy\n"
        f"def {name}(image, scale: float = 1.0, offset: float = {value}.0):\n"
        f'    """Scale and shift a stack ({name})."""\n'
        "    return image * scale + offset\n"
    )


def build(store_path: Path, folder: Path, count: int) -> FunctionStore:
    """The same ``count`` functions as loose files and as one commit of a store."""
    folder.mkdir(parents=True)
    store = open_store(store_path)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    trees: dict[str, str | None] = {}
    for i in range(count):
        name = f"f_{i:05d}"
        text = small_code(name, i)
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
        source = text.encode()
        found = introspect(text)  # a genuine manifest, as a save would write
        manifest = Manifest(
            module=name,
            version=1,
            content_id=content_id(source),
            author=Author(name=AUTHOR[0], email=AUTHOR[1]),
            created=when,
            message="bulk",
            functions=found.functions,
            imports=found.imports,
        )
        trees[name] = store._write_module(source, manifest.to_json().encode())
    with store._locked():
        store._commit_change(trees, message="bulk", author=AUTHOR, when=when, expected_head=None)
    return store


def _corpus(factory: pytest.TempPathFactory, count: int) -> tuple[Path, Path, Path]:
    """(loose store, packed copy of it, folder of files)."""
    root = factory.mktemp(f"corpus{count}")
    # The worst case stays loose: packing off (gc.auto 0) before the store opens.
    loose = root / "store.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(loose)], check=True)
    subprocess.run(["git", "--git-dir", str(loose), "config", "gc.auto", "0"], check=True)
    build(root / "store.git", root / "files", count)
    # One cloned from a lab repository (or packed by the store's gc) has its
    # objects in a pack: both are measured.
    shutil.copytree(root / "store.git", root / "packed.git")
    subprocess.run(["git", "--git-dir", str(root / "packed.git"), "gc", "-q"], check=True)
    return root / "store.git", root / "packed.git", root / "files"


@pytest.fixture(scope="module")
def corpus_1000(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return _corpus(tmp_path_factory, 1000)


@pytest.fixture(scope="module")
def corpus_5000(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return _corpus(tmp_path_factory, 5000)


def _child_env() -> dict[str, str]:
    # Installed packages come with their .pyc files; a run with
    # PYTHONDONTWRITEBYTECODE (as our CI sets) would compile fnstore's modules
    # in every child, on both sides.  Keep bytecode, outside the source tree.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "fnstore-bench-pycache")
    return env


def _child(script: str, arg: str) -> tuple[float, int, float, float]:
    """(in-process ms, functions found, wall ms, in-process CPU ms) of one fresh process.

    A fourth figure the script prints (the registry's ``import fnstore``) goes
    to :data:`IMPORT_MS`.
    """
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", script, arg],
        capture_output=True,
        text=True,
        check=True,
        env=_child_env(),
    )
    wall = (time.perf_counter() - start) * 1e3
    ms, count, cpu, *more = out.stdout.split()
    IMPORT_MS.extend(float(x) for x in more)
    return float(ms), int(count), wall, float(cpu)


def _bare_wall() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE], check=True, env=_child_env())
    return (time.perf_counter() - start) * 1e3


def _start(
    benchmark: Any, corpus: tuple[Path, Path, Path], count: int, *, scenario: str, packed: bool
) -> None:
    """Time ``Registry.load`` in fresh processes, interleaved with exec-all.

    ``scenario``: ``second`` (cache warm for this pin), ``first`` (cache empty),
    or ``new-pin`` (the pin moved by one save since the last start: the cache
    holds the previous pin only).
    """
    loose, packed_copy, folder = corpus
    store_path = packed_copy if packed else loose
    cache = Path(__import__("fnstore").paths.cache_dir()) / "registry"
    baseline: list[float] = []
    base_wall: list[float] = []
    base_cpu: list[float] = []
    bare: list[float] = []
    ours: list[float] = []
    ours_cpu: list[float] = []
    keep: dict[Path, bytes] = {}
    if scenario == "new-pin":
        store = open_store(store_path)
        shutil.rmtree(cache, ignore_errors=True)
        _child(REGISTRY, str(store_path))  # the start at the previous pin
        keep = {f: f.read_bytes() for f in cache.iterdir()}
        value = len(store.history("f_00000")) + 100
        store.save(small_code("f_00000", value), message="one more version")

    def setup() -> None:
        # The baseline and the bare interpreter run between our rounds, so
        # that a busy machine slows both sides alike.
        ms, n, wall, cpu = _child(BASELINE, str(folder))
        assert n == count
        baseline.append(ms)
        base_wall.append(wall)
        base_cpu.append(cpu)
        bare.append(_bare_wall())
        if scenario != "second":
            shutil.rmtree(cache, ignore_errors=True)
            cache.mkdir(parents=True)
            for f, data in keep.items():
                f.write_bytes(data)

    def run() -> None:
        ms, n, _, cpu = _child(REGISTRY, str(store_path))
        assert n == count
        ours.append(ms)
        ours_cpu.append(cpu)

    if scenario == "second":
        run()  # the start that writes the cache for this pin
        ours.clear()
        ours_cpu.clear()
    benchmark.pedantic(run, setup=setup, rounds=ROUNDS, iterations=1)
    med_base, med_ours = statistics.median(baseline), statistics.median(ours)
    wall_ratio = med_ours / med_base
    ratio = statistics.median(ours_cpu) / statistics.median(base_cpu)
    best = min(ours) / min(baseline)
    benchmark.extra_info.update(
        {
            "functions": count,
            "objects": "packed" if packed else "loose",
            "exec_all_ms": round(med_base, 2),
            "registry_ms": round(med_ours, 2),
            "ratio": round(ratio, 4),
            "wall_ratio": round(wall_ratio, 4),
            "ratio_of_minima": round(best, 4),
            "wall_exec_all_ms": round(statistics.median(base_wall), 1),
            "wall_bare_interpreter_ms": round(statistics.median(bare), 1),
        }
    )
    limit = 1 / 20 if scenario == "second" else 1 / 3
    label = f"{scenario} start, {count} functions, {'packed' if packed else 'loose'} objects"
    FIGURES.append(
        f"{label}: registry {med_ours:.1f} ms, exec-all {med_base:.1f} ms (medians), "
        f"CPU ratio 1/{1 / ratio:.1f}, wall ratio 1/{1 / wall_ratio:.1f} "
        f"(minima: 1/{1 / best:.1f}), target 1/{1 / limit:.0f}"
    )
    benchmark.extra_info["meets_target"] = ratio <= limit
    if scenario == "second" and packed:
        SECOND_START_MS[count] = statistics.median(ours_cpu)
    if scenario == "first":
        # Not asserted: see "An empty cache" in the module docstring.
        return
    assert ratio <= limit, f"{label}: {ratio:.3f} of exec-all, over the {limit:.3f} target"


FIGURES: list[str] = []
IMPORT_MS: list[float] = []
SECOND_START_MS: dict[int, float] = {}
SCENARIOS = [
    pytest.param("second", True, id="second-packed"),
    pytest.param("second", False, id="second-loose"),
    pytest.param("new-pin", False, id="new-pin-loose"),
    pytest.param("first", True, id="first-packed"),
    pytest.param("first", False, id="first-loose"),
]


@pytest.mark.benchmark(group="start-1000")
@pytest.mark.parametrize(("scenario", "packed"), SCENARIOS)
def test_start_1000(
    benchmark: Any, corpus_1000: tuple[Path, Path, Path], scenario: str, packed: bool
) -> None:
    _start(benchmark, corpus_1000, 1000, scenario=scenario, packed=packed)


@pytest.mark.benchmark(group="start-5000")
@pytest.mark.parametrize(("scenario", "packed"), SCENARIOS)
def test_start_5000(
    benchmark: Any, corpus_5000: tuple[Path, Path, Path], scenario: str, packed: bool
) -> None:
    _start(benchmark, corpus_5000, 5000, scenario=scenario, packed=packed)


def test_start_grows_less_than_2x_and_import_is_light() -> None:
    """After the start groups: second start 1,000 -> 5,000 under 2x; ``import fnstore`` < 5 ms."""
    if len(SECOND_START_MS) < 2 or not IMPORT_MS:
        pytest.skip("run with the start-1000 and start-5000 groups")
    growth = SECOND_START_MS[5000] / SECOND_START_MS[1000]
    import_ms = statistics.median(IMPORT_MS)
    FIGURES.append(f"second start, 5,000 / 1,000 functions: {growth:.2f}x (target < 2x)")
    FIGURES.append(f"import fnstore (median of every child): {import_ms:.2f} ms (target < 5)")
    assert growth < 2
    assert import_ms < 5


# -- lazy compile ---------------------------------------------------------------

FIFTY_LINES = '''"""Background subtraction with a rolling minimum, per slice."""

import numpy as np

from fnstore import numpy

_EPS = 1e-6


def _minimum_filter_1d(line, radius):
    """Running minimum along the last axis (helper)."""
    padded = np.pad(line, [(0, 0)] * (line.ndim - 1) + [(radius, radius)], mode="edge")
    windows = [padded[..., i : i + line.shape[-1]] for i in range(2 * radius + 1)]
    return np.minimum.reduce(windows)


def _background(plane, radius):
    """Estimate a slowly varying background of one plane."""
    rows = _minimum_filter_1d(plane, radius)
    return _minimum_filter_1d(rows.T, radius).T


def _normalise(plane):
    low, high = float(plane.min()), float(plane.max())
    return (plane - low) / (high - low + _EPS)


@numpy
def subtract_background(image, radius: int = 2, normalise: bool = False):
    """Subtract a rolling-minimum background from each slice.

    Parameters
    ----------
    image : numpy.ndarray
        A 3D stack: slices x height x width.
    radius : int
        Half-width of the minimum filter, in pixels.
    normalise : bool
        Rescale each slice to [0, 1] afterwards.

    Returns
    -------
    numpy.ndarray
        The stack without its background.
    """
    out = np.empty_like(image, dtype=np.float32)
    for index, plane in enumerate(image):
        cleaned = plane - _background(plane, radius)
        out[index] = _normalise(cleaned) if normalise else cleaned
    return out
'''


@pytest.fixture
def lazy_registry(tmp_path: Path) -> Any:
    from fnstore.registry import Registry

    assert len(FIFTY_LINES.splitlines()) == 50
    store = open_store(tmp_path / "store.git")
    store.save(FIFTY_LINES)
    registry = Registry.load(store)
    registry.store  # noqa: B018  (open the store: the process is warm, as a GUI is)
    return registry


def _forget(registry: Any, *, keep_code_cache: bool) -> None:
    from fnstore import paths
    from fnstore.registry import _loaded, _modcache

    _modcache.flush()  # the previous round's background write, if any
    meta = registry.info("subtract_background")
    sys.modules.pop(_loaded.module_name(meta.module, meta.content_id), None)
    if not keep_code_cache:
        shutil.rmtree(paths.cache_dir() / "modules", ignore_errors=True)


# Small, so that the figure is the lazy compile rather than the function's own work.
STACK = np.random.default_rng(0).random((1, 8, 8), dtype=np.float32)


@pytest.mark.benchmark(group="lazy-compile")
def test_lazy_compile(benchmark: Any, lazy_registry: Any) -> None:
    """The lazy compile itself: the first ``get`` (read, compile and run the module)."""
    benchmark.pedantic(
        lambda: lazy_registry.get("subtract_background"),
        setup=lambda: _forget(lazy_registry, keep_code_cache=False),
        rounds=50,
        iterations=1,
        warmup_rounds=2,
    )
    median_ms = benchmark.stats.stats.median * 1e3
    benchmark.extra_info["median_ms"] = round(median_ms, 3)
    FIGURES.append(f"lazy compile (first get) of a 50-line module: {median_ms:.3f} ms (target < 1)")
    assert median_ms < 1.0


@pytest.mark.benchmark(group="lazy-compile")
def test_first_call_lazy_compile(benchmark: Any, lazy_registry: Any) -> None:
    """The first call: the lazy compile and the function's own work on a small stack."""
    benchmark.pedantic(
        lambda: lazy_registry.get("subtract_background")(STACK),
        setup=lambda: _forget(lazy_registry, keep_code_cache=False),
        rounds=50,
        iterations=1,
        warmup_rounds=2,
    )
    median_ms = benchmark.stats.stats.median * 1e3
    benchmark.extra_info["median_ms"] = round(median_ms, 3)
    FIGURES.append(f"first call (lazy compile + the call) of a 50-line module: {median_ms:.3f} ms")


@pytest.mark.benchmark(group="lazy-compile")
def test_first_call_from_module_cache(benchmark: Any, lazy_registry: Any) -> None:
    lazy_registry.get("subtract_background")  # compiled once: the cache holds its code
    benchmark.pedantic(
        lambda: lazy_registry.get("subtract_background")(STACK),
        setup=lambda: _forget(lazy_registry, keep_code_cache=True),
        rounds=50,
        iterations=1,
        warmup_rounds=2,
    )


@pytest.mark.benchmark(group="lazy-compile")
def test_exec_baseline_compile_only(benchmark: Any) -> None:
    def run() -> None:
        namespace: dict[str, Any] = {"__name__": "custom_subtract_background"}
        exec(compile(FIFTY_LINES, "subtract_background.py", "exec"), namespace)

    benchmark.pedantic(run, rounds=50, iterations=1, warmup_rounds=2)


@pytest.mark.benchmark(group="lazy-compile")
def test_exec_baseline_same_module(benchmark: Any) -> None:
    def run() -> None:
        namespace: dict[str, Any] = {"__name__": "custom_subtract_background"}
        exec(compile(FIFTY_LINES, "subtract_background.py", "exec"), namespace)
        namespace["subtract_background"](STACK)

    benchmark.pedantic(run, rounds=50, iterations=1, warmup_rounds=2)


def test_zz_report_figures() -> None:
    """Print every figure together (run with -s, or read the benchmark JSON)."""
    print("\n" + "\n".join(FIGURES))
