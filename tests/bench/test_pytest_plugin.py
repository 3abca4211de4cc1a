"""The pytest plugin (entry point pytest11), run through pytester on a real store."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from fnstore import FunctionStore, open_store

if TYPE_CHECKING:
    from pathlib import Path

pytest.importorskip("pytest_benchmark", reason='needs pytest-benchmark: "fnstore[bench]"')

V1 = """
from fnstore import numpy

@numpy
def brighten(image, factor: int = 2):
    return image * factor
"""

V2 = V1.replace("image * factor", "image * factor + 1")

NOT_AN_IMAGE = """
from fnstore import numpy

@numpy
def brighten(n: int, factor: int = 2):
    return n * factor
"""

TEST_FILE = """
import pytest

@pytest.mark.fnstore_versions("brighten"{extra})
def test_brighten(benchmark, fnstore_version):
    stack = fnstore_version.stack((1, 8, 8))
    result = benchmark(fnstore_version.function, stack)
    assert result.shape == (1, 8, 8)
"""

FAST = ["--benchmark-min-rounds=1", "--benchmark-max-time=0.0001", "--benchmark-warmup=off"]


@pytest.fixture
def store(tmp_path: Path) -> FunctionStore:
    store = open_store(tmp_path / "lab.git")
    store.save(V1, message="first")
    store.save(V2, message="plus one")
    return store


def _run(pytester: pytest.Pytester, store: FunctionStore, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", f"--fnstore-store={store.path}", *args)


def test_one_case_per_version_grouped_by_function(
    pytester: pytest.Pytester, store: FunctionStore
) -> None:
    pytester.makepyfile(test_ours=TEST_FILE.format(extra=""))
    result = _run(pytester, store, "-v", "--benchmark-json=out.json", *FAST)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_brighten?brighten@1? PASSED*", "*brighten@2* PASSED*"])
    benchmarks = json.loads((pytester.path / "out.json").read_text())["benchmarks"]
    assert {b["group"] for b in benchmarks} == {"brighten"}
    by_version = {b["extra_info"]["fnstore_version"]: b["extra_info"] for b in benchmarks}
    assert by_version[2]["content_id"] == store.get("brighten@2").content_id


def test_versions_narrow_the_cases(pytester: pytest.Pytester, store: FunctionStore) -> None:
    pytester.makepyfile(test_ours=TEST_FILE.format(extra=', versions="latest"'))
    result = _run(pytester, store, "-v", *FAST)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*brighten@2* PASSED*"])
    pytester.makepyfile(test_ours=TEST_FILE.format(extra=', versions=[1, "brighten@2"]'))
    _run(pytester, store, *FAST).assert_outcomes(passed=2)
    pytester.makepyfile(test_ours=TEST_FILE.format(extra=", versions=[9]"))
    result = _run(pytester, store, *FAST)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fnstore_versions('brighten') in store*"])


def test_a_version_that_cannot_take_a_stack_is_skipped(
    pytester: pytest.Pytester, store: FunctionStore
) -> None:
    store.save(NOT_AN_IMAGE, message="takes a number")
    pytester.makepyfile(test_ours=TEST_FILE.format(extra=""))
    result = _run(pytester, store, "-rs", *FAST)
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*not an image*"])


def test_the_fixture_without_the_marker_says_how_to_use_it(
    pytester: pytest.Pytester, store: FunctionStore
) -> None:
    pytester.makepyfile("def test_x(fnstore_version):\n    pass\n")
    result = _run(pytester, store)
    assert result.ret != 0
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*mark it with @pytest.mark.fnstore_versions(*function_name*)*"])


def test_an_unknown_function_is_a_usage_error(
    pytester: pytest.Pytester, store: FunctionStore
) -> None:
    pytester.makepyfile(test_ours=TEST_FILE.replace('"brighten"', '"nosuch"').format(extra=""))
    result = _run(pytester, store)
    assert result.ret != 0
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fnstore_versions('nosuch') in store*"])


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, fnstore.bench.pytest_plugin\n"
        "heavy = {'numpy', 'pydantic', 'pygit2', 'torch', 'jax', 'matplotlib'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
