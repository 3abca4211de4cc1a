"""The house drawn from the imports: no import cycle, every room placed, the contracts hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("grimp", reason="install the dev group (import-linter brings grimp)")


def test_no_import_cycle() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "house.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "no import cycle" in done.stdout


def test_the_layer_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.skip("install the dev group (import-linter)")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr
