"""The store is a plain git repository: git reads it, and fnstore reads what git wrote."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from fnstore import open_store
from fnstore.errors import ManifestError, SchemaVersionError
from fnstore.layout import module_path
from fnstore.manifest import SCHEMA_VERSION
from tests.store._helpers import git, snippet

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

_CURRENT_SCHEMA = f'"schema_version": {SCHEMA_VERSION}'


@pytest.fixture
def saved(store: FunctionStore) -> FunctionStore:
    store.save(snippet("blur"))
    store.save(snippet("sharpen"))
    store.save(snippet("blur", "return image * 2"))
    return store


def clone(store: FunctionStore, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(store.path), str(work))
    git(work, "config", "user.name", "Lab Member")
    git(work, "config", "user.email", "member@lab.org")
    return work


def test_git_log_show_and_fsck_work(saved: FunctionStore) -> None:
    log = git(saved.path, "log", "--format=%s", "--", module_path("blur"))
    assert log.split("\n")[:2] == ["save blur version 2", "save blur version 1"]
    shown = git(saved.path, "show", f"HEAD:{module_path('blur')}/manifest.json")
    assert json.loads(shown)["version"] == 2
    git(saved.path, "fsck", "--full", "--strict")


def test_commit_made_with_git_is_read_and_continued(saved: FunctionStore, tmp_path: Path) -> None:
    work = clone(saved, tmp_path)
    source = work / module_path("blur") / "source.py"
    source.write_text(snippet("blur", "return image * 10"))
    git(work, "commit", "-qam", "tweak blur by hand")
    git(work, "push", "-q", "origin", "main")

    version = saved.get("blur")  # the store object notices the new head by itself
    assert version.version == 3
    assert (
        version.content_id
        == git(saved.path, "rev-parse", f"HEAD:{module_path('blur')}/source.py").strip()
    )
    assert version.author == "Lab Member <member@lab.org>"
    assert version.message == "tweak blur by hand"
    assert version.commit == saved.head
    assert version.manifest.parent_content_id == saved.get("blur@2").content_id
    assert [v.version for v in saved.history("blur")] == [3, 2, 1]

    # two hand edits in a row count as two versions
    source.write_text(snippet("blur", "return image * 11"))
    git(work, "commit", "-qam", "again by hand")
    git(work, "push", "-q", "origin", "main")
    fresh = open_store(saved.path)  # and a process that never saw the old head
    assert [v.version for v in fresh.history("blur")] == [4, 3, 2, 1]

    # fnstore carries the lineage on from there
    hand_commit = fresh.head
    result = fresh.save(snippet("blur", "return image * 12"))
    assert result.version == 5
    assert result.versions[0].manifest.parent_commit == hand_commit
    assert [v.version for v in fresh.history("blur")] == [5, 4, 3, 2, 1]
    assert fresh.get("blur@3").message == "tweak blur by hand"


def test_new_module_added_with_git(saved: FunctionStore, tmp_path: Path) -> None:
    work = clone(saved, tmp_path)
    folder = work / module_path("edges")
    folder.mkdir(parents=True)
    (folder / "source.py").write_text(snippet("edges"))
    git(work, "add", ".")
    git(work, "commit", "-qm", "add edges by hand")
    git(work, "push", "-q", "origin", "main")
    version = saved.get("edges")
    assert (version.version, version.manifest.functions[0].name) == (1, "edges")
    assert [m.module for m in saved.functions()] == ["blur", "edges", "sharpen"]
    # the name index knows about it: a clash is refused
    with pytest.raises(Exception, match="already exists in module 'edges'"):
        saved.save(snippet("edges"), module="other")


@pytest.mark.parametrize(
    ("breakage", "error", "words"),
    [
        (lambda text: text[: len(text) // 2], ManifestError, "not valid JSON"),
        (lambda text: text.replace('"version": 2', '"version": "two"'), ManifestError, "version"),
        (
            lambda text: text.replace(
                f'"schema_version": {SCHEMA_VERSION}', '"schema_version": 99'
            ),
            SchemaVersionError,
            "upgrade fnstore",
        ),
    ],
)
def test_a_broken_manifest_names_its_module_and_spares_the_others(
    saved: FunctionStore, tmp_path: Path, breakage: object, error: type, words: str
) -> None:
    work = clone(saved, tmp_path)
    manifest = work / module_path("blur") / "manifest.json"
    manifest.write_text(breakage(manifest.read_text()))  # type: ignore[operator]
    git(work, "commit", "-qam", "break it")
    git(work, "push", "-q", "origin", "main")

    scan = saved.scan()
    assert [m.module for m in scan.manifests] == ["sharpen"]
    assert list(scan.errors) == ["blur"]
    assert isinstance(scan.errors["blur"], error)
    with pytest.raises(error, match=words) as caught:
        saved.get("blur")
    assert f"{module_path('blur')}/manifest.json" in str(caught.value)
    assert "git rm" in str(caught.value)
    assert saved.get("sharpen").version == 1

    # the fix the message offers: remove the manifest, fnstore re-derives it
    git(work, "rm", "-q", f"{module_path('blur')}/manifest.json")
    git(work, "commit", "-qm", "drop the broken manifest")
    git(work, "push", "-q", "origin", "main")
    assert saved.get("blur").manifest.functions[0].name == "blur"
    assert saved.scan().errors == {}
