"""Migrating the seed system's loose custom-function files into the store."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from fnstore import migrate_directory
from fnstore.errors import RegistryError
from fnstore.registry import Registry

from .conftest import numpy_code

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

OPENHCS_STYLE = (
    "from openhcs.core.memory.decorators import numpy\n\n\n"
    "@numpy\ndef legacy_blur(image, sigma: float = 1.0):\n"
    '    """Written for OpenHCS."""\n'
    "    return image\n"
)


def _write(folder: Path, name: str, code: str, when: datetime) -> Path:
    path = folder / name
    path.write_text(code)
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_each_file_becomes_a_commit_dated_by_the_file(store: FunctionStore, tmp_path: Path) -> None:
    folder = tmp_path / "custom_functions"
    folder.mkdir()
    early = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    late = datetime(2025, 6, 2, 17, 0, tzinfo=UTC)
    _write(folder, "legacy_blur.py", OPENHCS_STYLE, late)
    _write(folder, "mig_scale.py", numpy_code("mig_scale"), early)
    _write(folder, "broken.py", "def oops(:\n", late)
    _write(folder, "undecorated.py", "def plain(image):\n    return image\n", late)
    _write(folder, "__init__.py", "", late)
    head = store.head
    report = migrate_directory(folder, store=store)
    assert [f.module for f in report.imported] == ["mig_scale", "legacy_blur"]  # oldest first
    assert sorted(f.path.name for f in report.failed) == ["broken.py", "undecorated.py"]
    reasons = {f.path.name: f.reason for f in report.failed}
    assert "syntax error" in reasons["broken.py"]
    assert "decorate" in reasons["undecorated.py"]
    assert not report.ok
    assert "2 imported, 0 already up to date, 2 failed" in report.summary()
    assert store.head != head
    assert store.get("mig_scale").time == early
    assert store.get("legacy_blur").time == late
    assert Registry.load(store).get("legacy_blur").__doc__ == "Written for OpenHCS."


def test_migrating_again_changes_nothing(store: FunctionStore, tmp_path: Path) -> None:
    folder = tmp_path / "again"
    folder.mkdir()
    _write(folder, "mig_twice.py", numpy_code("mig_twice"), datetime(2024, 1, 1, tzinfo=UTC))
    migrate_directory(folder, store=store)
    head = store.head
    report = migrate_directory(folder, store=store)
    assert [f.changed for f in report.imported] == [False]
    assert store.head == head


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not a directory"):
        migrate_directory(tmp_path / "nowhere")


@pytest.mark.parametrize("given", ["data", "data/openhcs", "data/openhcs/custom_functions"])
def test_an_openhcs_data_dir_is_read_where_openhcs_keeps_its_functions(
    store: FunctionStore, tmp_path: Path, given: str
) -> None:
    folder = tmp_path / "data" / "openhcs" / "custom_functions"
    folder.mkdir(parents=True)
    _write(folder, "legacy_blur.py", OPENHCS_STYLE, datetime(2025, 1, 2, tzinfo=UTC))
    report = migrate_directory(tmp_path / given, store=store)
    assert (report.directory, [f.module for f in report.imported]) == (folder, ["legacy_blur"])
