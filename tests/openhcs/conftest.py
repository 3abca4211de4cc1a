"""Fixtures for the tests against the real OpenHCS 0.8.6 (run by scripts/test-openhcs).

Every test module here starts with ``pytest.importorskip(..., reason=REASON)``,
so that in the main test environment (no OpenHCS) the whole folder is skipped
with the reason.  (No ``__init__.py`` here: pytest puts ``tests/`` on
``sys.path``, where a package named ``openhcs`` would shadow the real one.)

OpenHCS keeps its data (custom functions, its function catalog's cache) under
``$XDG_DATA_HOME/openhcs``.  One data directory serves the session: building
OpenHCS's function catalog costs minutes (it probes every library function),
so it is built at most once per run, CPU-only (``OPENHCS_CPU_ONLY``), and only
by the tests that look functions up in OpenHCS's registry.  Each test gets its
own fnstore store, and OpenHCS's in-process custom-function state is cleared.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from fnstore.openhcs import Installed
    from fnstore.store import FunctionStore


HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """OpenHCS 0.8.6's own modules import numpy.core: not ours to fail on."""
    quiet = pytest.mark.filterwarnings("ignore:numpy.core is deprecated:DeprecationWarning")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(quiet)


@pytest.fixture(scope="session")
def openhcs_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session's OpenHCS data directory ($XDG_DATA_HOME), CPU-only."""
    data = tmp_path_factory.mktemp("xdg-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_DATA_HOME", str(data))
        mp.setenv("OPENHCS_CPU_ONLY", "1")
        yield data


@pytest.fixture(scope="session")
def catalog(openhcs_data: Path) -> dict[str, Any]:
    """OpenHCS's function catalog, built once (its cache lives in the session's data dir)."""
    from openhcs.processing.backends.lib_registry.registry_service import RegistryService

    return RegistryService.get_all_functions_with_metadata()


@pytest.fixture
def store(tmp_path: Path) -> FunctionStore:
    from fnstore import open_store

    return open_store(tmp_path / "store.git")


@pytest.fixture
def adapted(openhcs_data: Path, store: FunctionStore) -> Iterator[Installed]:
    """OpenHCS's CustomFunctionManager keeping its functions in ``store``."""
    from openhcs.processing.custom_functions.runtime_registry import (
        CustomFunctionRuntimeRegistry,
    )

    import fnstore.openhcs

    installed = fnstore.openhcs.install(store)
    try:
        yield installed
    finally:
        fnstore.openhcs.uninstall()
        CustomFunctionRuntimeRegistry.clear()
        _clear_loose_files(openhcs_data)


def _clear_loose_files(data: Path) -> None:
    folder = data / "openhcs" / "custom_functions"
    for path in folder.glob("*.py") if folder.is_dir() else ():
        os.unlink(path)


@pytest.fixture
def git() -> Callable[..., str]:
    """Run the git CLI on a store (the tests check what fnstore wrote with it)."""
    import subprocess

    def run(store: FunctionStore, *args: str) -> str:
        out = subprocess.run(
            ["git", "--git-dir", str(store.path), *args],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout

    return run


@pytest.fixture
def template() -> Callable[[str, str], str]:
    """OpenHCS's own template for a memory type, its function renamed."""
    from openhcs.processing.custom_functions import get_template_for_memory_type

    def make(memory_type: str, name: str) -> str:
        return get_template_for_memory_type(memory_type).replace("my_custom_function", name)

    return make
