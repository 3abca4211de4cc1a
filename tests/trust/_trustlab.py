"""Helpers for the trust tests: the git CLI and function modules.

A member whose code writes a file at import time saves it with fnstore (whose
save check runs it in the saver's process); the tests delete that file before
the receiving store does anything, so what they see written afterwards is
only what the receiving store let run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(*args: str, cwd: Path | None = None, check: bool = True, both: bool = False) -> str:
    """Run the git CLI; return stdout (and stderr with ``both``); AssertionError on failure."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout + (done.stderr if both else "")


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


def ssh_key(folder: Path, name: str) -> Path:
    """Make an ed25519 key pair without a passphrase with the real ssh-keygen; the private key."""
    import shutil

    if shutil.which("ssh-keygen") is None:
        import pytest

        pytest.skip("ssh-keygen is not installed: apt-get install openssh-client")
    key = folder / name
    done = subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return key
