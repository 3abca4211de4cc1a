"""A member who uses plain git and a member who uses fnstore see each other's work."""

from __future__ import annotations

import pytest
from _lab import function_code, git

from fnstore.layout import module_path


@pytest.fixture
def lab(make_store, bare_remote, git_daemon, tmp_path):
    """An fnstore member and a plain-git member's working copy of the same lab repo."""
    store = make_store("fn")
    store.save(function_code("blur"), message="blur")
    store.add_remote("lab", git_daemon.url(bare_remote.name))
    store.push("lab")
    work = tmp_path / "plain"
    git("clone", "-q", git_daemon.url(bare_remote.name), str(work))
    git("config", "user.name", "Plain Git", cwd=work)
    git("config", "user.email", "plain@lab.org", cwd=work)
    return store, work


def test_plain_git_edit_reaches_fnstore(lab):
    store, work = lab
    edited = function_code("blur", 7)
    (work / module_path("blur") / "source.py").write_text(edited)
    # a brand-new module with code only: fnstore derives its manifest
    (work / module_path("edges")).mkdir(parents=True)
    (work / module_path("edges") / "source.py").write_text(function_code("edges"))
    git("add", "-A", cwd=work)
    git("commit", "-qm", "tweak blur, add edges", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)

    result = store.pull("lab")
    assert result.status == "fast-forward"
    assert sorted(result.changed) == ["blur", "edges"] and result.broken == {}
    blur = store.get("blur")
    assert blur.source == edited and blur.version == 2
    assert blur.author.startswith("Plain Git")
    assert store.get("edges").source == function_code("edges")


def test_fnstore_work_reaches_plain_git(lab):
    store, work = lab
    store.save(function_code("sharpen"), message="sharpen")
    store.save(function_code("blur", 4), message="blur v2")
    store.push("lab")
    git("pull", "-q", "--ff-only", cwd=work)
    assert (work / module_path("sharpen") / "source.py").read_text() == function_code("sharpen")
    assert (work / module_path("blur") / "source.py").read_text() == function_code("blur", 4)
    assert "blur v2" in git("log", "--format=%s", cwd=work)


def test_both_change_different_modules_and_merge(lab):
    store, work = lab
    (work / module_path("blur") / "source.py").write_text(function_code("blur", 9))
    git("commit", "-qam", "blur 9 from plain git", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    store.save(function_code("sharpen"), message="sharpen")
    result = store.pull("lab")
    assert result.status == "merged"
    store.push("lab")
    git("pull", "-q", "--ff-only", cwd=work)
    assert (work / module_path("sharpen") / "source.py").exists()
    assert store.source("blur") == function_code("blur", 9)
    git("fsck", "--strict", cwd=work)


def test_plain_git_sees_the_benchmark_notes(lab, bare_remote):
    store, work = lab
    cid = store.get("blur").content_id
    git("notes", "--ref", "fnstore-bench", "add", "-m", '[{"id": "r1"}]', cid, cwd=store.path)
    store.push("lab")
    git("fetch", "-q", "origin", "refs/notes/*:refs/notes/*", cwd=work)
    assert "r1" in git("notes", "--ref", "fnstore-bench", "show", cid, cwd=work)
