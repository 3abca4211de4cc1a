"""Real stores for the registry tests, and code blocks to save in them."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore


def numpy_code(name: str, factor: int = 2, *, extra: str = "") -> str:
    """A one-function module: ``name(image)`` returns ``image * factor``."""
    return (
        f'"""Module {name}."""\n\n'
        "import numpy as np\n\n"
        "from fnstore import numpy\n"
        f"{extra}\n\n"
        "@numpy\n"
        f"def {name}(image, offset: float = 0.0):\n"
        f'    """Multiply by {factor}."""\n'
        f"    return np.asarray(image) * {factor} + offset\n"
    )


@pytest.fixture
def store(tmp_path: Path) -> FunctionStore:
    from fnstore import open_store

    return open_store(tmp_path / "store.git")


def git_edit(store_path: Path, tmp_path: Path, files: dict[str, str], message: str) -> None:
    """Commit files to the store with plain git, as a lab member might."""
    work = tmp_path / f"clone-{abs(hash(message))}"
    subprocess.run(["git", "clone", "-q", str(store_path), str(work)], check=True)
    for rel, text in files.items():
        target = work / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(work), "commit", "-qm", message], check=True)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "HEAD:main"], check=True)
