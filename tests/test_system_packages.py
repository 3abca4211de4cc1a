"""The suite runs on a machine without pocl, sshd or git, and says what to install.

Each test runs a few representative test files in a fresh pytest process as
on such a machine (the OpenCL loader pointed at an empty folder; sshd at a
path that does not exist; a PATH without git) and checks that pytest starts,
that what needs the package skips with a reason naming it, and that the rest
passes.  The whole suite was checked the same way; these keep it true.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _pytest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _summary(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout[-3000:] + done.stderr[-2000:]


def test_without_an_opencl_device(tmp_path: Path) -> None:
    empty = tmp_path / "vendors"
    empty.mkdir()
    done = _pytest(
        "tests/test_templates.py",
        "tests/memory/test_memory_backends.py",
        "-k",
        "pyclesperanto or prepare_imports or numpy",
        env={"OCL_ICD_VENDORS": str(empty)},
    )
    assert done.returncode == 0, _summary(done)
    assert "INTERNALERROR" not in done.stdout
    assert "apt-get install pocl-opencl-icd" in done.stdout
    assert " passed" in done.stdout


def test_without_sshd(tmp_path: Path) -> None:
    done = _pytest(
        "tests/sync/test_sync_transports.py",
        "-k",
        "push_then_pull_into_another_store and (ssh or path)",
        env={"FNSTORE_TEST_SSHD": str(tmp_path / "no-sshd")},
    )
    assert done.returncode == 0, _summary(done)
    assert "apt-get install openssh-server" in done.stdout
    assert " passed" in done.stdout


def test_without_git() -> None:
    # The interpreter's own folder only: python is there, git is not.
    done = _pytest(
        "tests/store/test_save.py",
        "tests/manifest",
        env={"PATH": str(Path(sys.executable).parent)},
    )
    assert done.returncode == 0, _summary(done)
    assert "apt-get install git" in done.stdout
    assert " passed" in done.stdout
