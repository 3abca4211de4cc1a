"""Migrating a real OpenHCS 0.8.6 data directory, then loading it through the adapter."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

pytest.importorskip(
    "openhcs.processing.custom_functions",
    reason="needs the real OpenHCS 0.8.6: run scripts/test-openhcs",
)

from openhcs.processing.custom_functions import CustomFunctionManager
from openhcs.processing.custom_functions.runtime_registry import (
    CustomFunctionRuntimeRegistry,
)

import fnstore.openhcs
from fnstore import migrate_directory

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from fnstore.store import FunctionStore

WHEN = {
    "mig_first": datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    "mig_second": datetime(2025, 11, 20, 16, 0, tzinfo=UTC),
}


def test_openhcs_data_dir_migrates_and_loads_through_the_adapter(
    openhcs_data: Path, store: FunctionStore, template: Callable[[str, str], str]
) -> None:
    assert fnstore.openhcs.installed() is None
    manager = CustomFunctionManager()  # OpenHCS's own: loose files
    for name, when in WHEN.items():
        manager.register_from_code(template("numpy", name))
        path = manager.storage_dir / f"{name}.py"
        os.utime(path, (when.timestamp(), when.timestamp()))
    files = {p.stem: p.read_text() for p in manager.storage_dir.glob("*.py")}
    assert sorted(files) == sorted(WHEN)
    CustomFunctionRuntimeRegistry.clear()  # as in a new OpenHCS session

    report = migrate_directory(openhcs_data, store=store)  # the data dir itself
    assert report.ok, report.failed
    assert [f.module for f in report.imported] == ["mig_first", "mig_second"]  # oldest first
    for name, when in WHEN.items():
        version = store.get(name)
        assert (version.version, version.manifest.created) == (1, when)
        assert version.manifest.functions[0].decorators_from == "openhcs"

    for path in manager.storage_dir.glob("*.py"):
        path.unlink()  # from now on the store is where they live
    fnstore.openhcs.install(store)
    try:
        adapted = CustomFunctionManager()
        assert adapted.load_all_custom_functions() == 2
        assert [f.name for f in adapted.list_custom_functions()] == sorted(WHEN)
        for name, code in files.items():
            assert adapted.get_function_code(name) == code
        assert sorted(CustomFunctionRuntimeRegistry.metadata_by_name()) == sorted(WHEN)
    finally:
        fnstore.openhcs.uninstall()
        CustomFunctionRuntimeRegistry.clear()
