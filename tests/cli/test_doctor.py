"""``fnstore doctor``: backends, devices and the store's health."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

from fnstore.layout import module_path
from tests.cli.conftest import git

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Invoke


def test_doctor_without_a_store(invoke: Invoke, store_path: Path) -> None:
    result = invoke("doctor", "--no-devices")
    assert result.exit_code == 0, result.output
    assert "numpy" in result.stdout
    assert "fnstore init" in result.stdout
    assert not store_path.exists()


def test_doctor_json_counts_the_store(invoke: Invoke, blur_file: Path) -> None:
    assert invoke("save", blur_file, "-m", "first").exit_code == 0
    assert invoke("tag", "add", "v1").exit_code == 0
    result = invoke("doctor", "--json", "--no-devices")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    store = data["store"]
    assert (store["opens"], store["modules"], store["functions"], store["tags"]) == (True, 1, 1, 1)
    numpy = next(b for b in data["backends"] if b["memory_type"] == "numpy")
    assert numpy["installed"] is True
    assert numpy["version"]
    assert {b["memory_type"] for b in data["backends"]} == {
        "numpy", "cupy", "torch", "tensorflow", "jax", "pyclesperanto",
    }  # fmt: skip


def test_doctor_probes_devices(invoke: Invoke) -> None:
    result = invoke("doctor", "--json", "--memory-type", "numpy")
    assert result.exit_code == 0, result.output
    (numpy,) = json.loads(result.stdout)["backends"]
    assert numpy["devices"] == ["cpu"]
    assert numpy["note"] is None


def test_doctor_unknown_memory_type_is_a_usage_error(invoke: Invoke) -> None:
    assert invoke("doctor", "-t", "fortran").exit_code == 2


def test_doctor_reports_a_manifest_broken_with_plain_git(
    invoke: Invoke, blur_file: Path, store_path: Path, tmp_path: Path
) -> None:
    # A lab member edits the store with plain git and breaks a manifest.
    assert invoke("save", blur_file, "-m", "first").exit_code == 0
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(store_path), str(clone)], check=True)
    (clone / module_path("blur") / "manifest.json").write_text("{not json")
    subprocess.run(["git", "-C", str(clone), "commit", "-qam", "oops"], check=True)
    subprocess.run(["git", "-C", str(clone), "push", "-q", "origin", "main"], check=True)
    assert git(store_path, "log", "-1", "--format=%s", "main").strip() == "oops"

    result = invoke("doctor", "--no-devices")
    assert result.exit_code == 1
    assert "1 unreadable" in result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and "blur" in line

    data = json.loads(invoke("doctor", "--json", "--no-devices").stdout)
    assert data["ok"] is False
    assert list(data["store"]["unreadable"]) == ["blur"]

    listed = json.loads(invoke("ls", "--json").stdout)
    assert listed["functions"] == []
    assert list(listed["unreadable"]) == ["blur"]
    assert "unreadable module blur" in invoke("ls").stdout
