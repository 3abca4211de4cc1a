"""Helpers for the trust tests: the git CLI and function modules.

A member whose code writes a file at import time saves it with fnstore (whose
save check runs it in the saver's process); the tests delete that file before
the receiving store does anything, so what they see written afterwards is
only what the receiving store let run.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def git(*args: str, cwd: Path | None = None, check: bool = True) -> str:
    """Run the git CLI; return stdout (AssertionError with stderr on failure)."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def module_code(name: str, factor: int = 2, extra: str = "") -> str:
    """A function module scaling its input; ``extra`` is appended at top level."""
    return (
        "from fnstore import numpy\n\n\n"
        "@numpy\n"
        f"def {name}(image):\n"
        f"    return image * {factor}\n" + extra
    )


def touch_code(name: str, mark: Path) -> str:
    """A module that writes ``mark`` the moment it is imported."""
    return module_code(
        name, 5, f"\nimport pathlib\n\npathlib.Path({str(mark)!r}).write_text('ran')\n"
    )
