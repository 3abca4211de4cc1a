"""pytest plugin: time every version of a stored function with pytest-benchmark.

Registered through the ``pytest11`` entry point, so a lab that installs
fnstore can keep a ``benchmarks/test_our_functions.py`` like::

    import pytest

    @pytest.mark.fnstore_versions("gaussian_blur")          # every version
    def test_blur(benchmark, fnstore_version):
        stack = fnstore_version.stack((4, 512, 512))
        benchmark(fnstore_version.function, stack)

and run ``pytest benchmarks --fnstore-store PATH`` (or set ``fnstore_store``
in the ini file, or ``FNSTORE_STORE``; the default is the user's store).  The
test is parametrised with one case per version (ids ``gaussian_blur@1``...),
each benchmark is grouped by function and carries the content id in its
``extra_info``; ``pytest --benchmark-compare`` and ``pytest-benchmark
compare`` then work as usual.  ``versions=`` narrows the set:
``"latest"`` (the version at the store's pin), or a list of version numbers
or references (``[6, 7]``, ``["blur@paper-2026"]``).

A version that cannot take a stack (see :func:`fnstore.bench.skip_reason`)
or whose code fails to load is skipped with the reason.

This module is imported by every pytest run of anyone who installs fnstore,
so it imports nothing but pytest at import time: the store (pygit2) and the
bench layer (numpy, pydantic) are imported only when a test asks for
``fnstore_version``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from fnstore.store import FunctionStore, FunctionVersion

__all__ = ["VersionUnderTest", "fnstore_version"]

MARKER = "fnstore_versions"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--fnstore-store`` and the ``fnstore_store`` ini option."""
    group = parser.getgroup("fnstore", "fnstore function versions")
    group.addoption(
        "--fnstore-store",
        metavar="PATH",
        default=None,
        help="fnstore store whose versions @pytest.mark.fnstore_versions tests time "
        "(default: fnstore_store ini option, $FNSTORE_STORE, or the user's store).",
    )
    parser.addini("fnstore_store", "fnstore store for fnstore_versions tests.", default="")


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker, so ``--strict-markers`` accepts it."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name, versions=None, store=None): run the test once per stored "
        "version of function `name` through the fnstore_version fixture.",
    )


@dataclass(frozen=True)
class _Case:
    """What collection decides per parameter: kept small so ids and repr stay readable."""

    store_path: str
    name: str
    version: int
    content_id: str

    def __repr__(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass
class VersionUnderTest:
    """One version of a stored function, loaded, as the ``fnstore_version`` fixture gives it."""

    name: str
    version: int
    content_id: str
    memory_type: str
    function: Callable[..., Any]
    source: str = field(repr=False)

    @property
    def ref(self) -> str:
        """``name@version``."""
        return f"{self.name}@{self.version}"

    def stack(self, shape: Sequence[int] = (1, 512, 512), dtype: str = "uint16") -> Any:
        """Return the deterministic synthetic stack as the function's memory type.

        It is put on the CPU when the backend has one, else on its first GPU.

        The copy to the backend happens here, outside the timed call.
        """
        from fnstore.bench import backend_for, synthetic_stack

        backend = backend_for(self.memory_type)
        devices = backend.devices()
        if not devices:
            pytest.skip(f"no {self.memory_type} device here")
        # the CPU when the backend has one (cupy has only GPUs)
        device = next((d for d in devices if not d.is_gpu), devices[0])
        return backend.put(synthetic_stack(shape, dtype), device)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function."""
        return self.function(*args, **kwargs)


def _store_path(config: pytest.Config, explicit: str | None) -> str:
    path = explicit or config.getoption("fnstore_store") or config.getini("fnstore_store")
    path = path or os.environ.get("FNSTORE_STORE")
    if not path:
        from fnstore.paths import default_store_path

        path = str(default_store_path())
    return os.path.expanduser(str(path))


def _open(path: str) -> FunctionStore:
    from fnstore.store import open_store

    return open_store(path, create=False)


def _chosen(store: FunctionStore, name: str, versions: object) -> list[FunctionVersion]:
    """Return the versions a marker asks for: all, the latest, or a list of references."""
    if versions is None or versions == "all":
        return sorted(store.history(name), key=lambda v: v.version)
    if versions == "latest":
        return [store.get(name)]
    wanted = versions if isinstance(versions, list | tuple) else [versions]
    # 3 -> "name@3"; "name@<content id>" or "name@<tag>" as they are
    return [store.get(str(item) if "@" in str(item) else f"{name}@{item}") for item in wanted]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``fnstore_version`` over the versions its marker names."""
    if "fnstore_version" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None or not (marker.args or "name" in marker.kwargs):
        # a collection error with this one line, not a traceback of the plugin
        pytest.fail(
            f"{metafunc.definition.nodeid} uses fnstore_version: mark it with "
            f'@pytest.mark.{MARKER}("function_name")',
            pytrace=False,
        )
    name = str(marker.args[0] if marker.args else marker.kwargs["name"])
    path = _store_path(metafunc.config, marker.kwargs.get("store"))
    from fnstore.errors import FnStoreError

    try:
        chosen = _chosen(_open(path), name, marker.kwargs.get("versions"))
    except FnStoreError as exc:
        pytest.fail(f"{MARKER}({name!r}) in store {path}: {exc}", pytrace=False)
    cases = [_Case(path, v.name, v.version, v.content_id) for v in chosen]
    metafunc.parametrize("fnstore_version", cases, ids=[repr(c) for c in cases], indirect=True)


@pytest.fixture
def fnstore_version(request: pytest.FixtureRequest) -> VersionUnderTest:
    """Load the version this case times; skip with the reason if it cannot run."""
    case = getattr(request, "param", None)
    if not isinstance(case, _Case):
        pytest.fail(f'mark the test with @pytest.mark.{MARKER}("function_name")', pytrace=False)
    from fnstore.bench._run import function_info, load_function, skip_reason
    from fnstore.errors import FnStoreError

    store = _open(case.store_path)
    version = store.get(f"{case.name}@{case.version}")
    info = function_info(version)
    reason = skip_reason(info)
    if reason is not None:
        pytest.skip(reason)
    try:
        store.check_trusted(version)  # the trust policy decides, as for `fnstore bench`
        fn = load_function(version)
    except FnStoreError as exc:
        pytest.skip(str(exc))
    if "benchmark" in request.fixturenames:
        benchmark = request.getfixturevalue("benchmark")
        benchmark.group = case.name
        benchmark.extra_info.update(
            {"fnstore_version": case.version, "content_id": case.content_id}
        )
    return VersionUnderTest(
        name=case.name,
        version=case.version,
        content_id=case.content_id,
        memory_type=str(info.input_memory_type),
        function=fn,
        source=version.source,
    )
