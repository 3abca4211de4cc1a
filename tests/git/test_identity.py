"""The author a window prefills is the one the store would use."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from fnstore import open_store
from fnstore.git._identity import configured_identity

if TYPE_CHECKING:
    from pathlib import Path

SOURCE = "from fnstore import numpy\n\n@numpy\ndef who_i(image):\n    return image\n"


def test_the_store_repository_s_own_identity_wins_as_for_a_save(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.git")
    git = ["git", f"--git-dir={store.path}", "config"]
    subprocess.run([*git, "user.name", "Lab Bench"], check=True)
    subprocess.run([*git, "user.email", "bench@lab.example"], check=True)
    assert configured_identity(str(store.path)) == ("Lab Bench", "bench@lab.example")
    store.save(SOURCE)  # no author given: the store reads the same identity
    assert store.history("who_i")[0].author == "Lab Bench <bench@lab.example>"


def test_the_global_identity_without_a_repository(isolated_home: Path) -> None:
    name, email = configured_identity()
    assert name and email
    assert f"name = {name}" in (isolated_home / ".gitconfig").read_text()


def test_no_identity_is_empty_not_an_error(no_git_identity: Path, tmp_path: Path) -> None:
    assert configured_identity() == ("", "")
    assert configured_identity(str(tmp_path / "not-a-repository")) == ("", "")
