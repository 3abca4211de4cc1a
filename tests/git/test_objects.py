"""fnstore.git's objects, history and repository facts, in plain terms, against the git CLI."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pygit2
import pytest

from fnstore.git._errors import GitError, git_errors
from fnstore.git._history import walk
from fnstore.git._objects import (
    TreeWriter,
    find_blob,
    has_object,
    read_commit,
    read_tree,
    resolve_commit,
    write_commit,
)
from fnstore.git._repoinfo import config_int, config_value, git_dir, head_branch, set_config
from fnstore.git._treeread import BLOB

if TYPE_CHECKING:
    from pathlib import Path

DATE = "2026-03-04T05:06:07+02:00"


def git(repo: Path, *args: str, date: str = DATE) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.org",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.org",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def work(tmp_path: Path) -> tuple[Path, pygit2.Repository]:
    """A repository with two commits: blur/ added, then blur/source.py changed and a file added."""
    path = tmp_path / "work"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "blur").mkdir()
    (path / "blur" / "source.py").write_text("x = 1\n")
    (path / "README").write_text("hi\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "first")
    (path / "blur" / "source.py").write_text("x = 2\n")
    (path / "blur" / "notes.txt").write_text("n\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "second\n\nbody", date="2026-03-05T00:00:00-05:30")
    return path, pygit2.Repository(str(path))


def test_a_commit_reads_as_git_shows_it(work: tuple[Path, pygit2.Repository]) -> None:
    path, repo = work
    head = git(path, "rev-parse", "HEAD")
    commit = read_commit(repo, head)
    assert commit is not None
    assert commit.id == head
    assert commit.parent_ids == [git(path, "rev-parse", "HEAD~1")]
    assert [p.id for p in commit.parents] == commit.parent_ids
    assert commit.message == "second\n\nbody\n"
    assert commit.tree.id == git(path, "rev-parse", "HEAD^{tree}")
    who = commit.author
    assert (who.name, who.email) == ("Ada", "ada@example.org")
    assert who.when == datetime(2026, 3, 5, tzinfo=timezone(-timedelta(hours=5, minutes=30)))
    assert who.when.utcoffset() == -timedelta(hours=5, minutes=30)
    assert commit.gpg_signature == (None, None)


def test_what_is_not_a_commit_reads_as_none(work: tuple[Path, pygit2.Repository]) -> None:
    path, repo = work
    tree = git(path, "rev-parse", "HEAD^{tree}")
    assert read_commit(repo, tree) is None
    assert read_commit(repo, "0" * 40) is None
    assert read_commit(repo, "not hex") is None
    assert read_tree(repo, git(path, "rev-parse", "HEAD")) is None
    assert has_object(repo, tree)
    assert not has_object(repo, "0" * 40)


def test_a_tree_lists_entries_and_folders_as_ls_tree(work: tuple[Path, pygit2.Repository]) -> None:
    path, repo = work
    root = read_tree(repo, git(path, "rev-parse", "HEAD^{tree}"))
    assert root is not None
    listed = {}
    for line in git(path, "ls-tree", "HEAD").splitlines():
        meta, name = line.split("\t")
        mode, _, oid = meta.split()
        listed[name] = (int(mode, 8), oid)
    assert root.files() == listed
    assert {e.name: (e.mode, e.id) for e in root} == listed
    assert len(root) == 2 and "blur" in root and "nothing" not in root
    assert [name for name, _ in root.folders()] == ["blur"]
    folder = root.folder("blur")
    assert folder is not None and folder.id == git(path, "rev-parse", "HEAD:blur")
    assert root.folder("README") is None and root.folder("nothing") is None
    entry = root.entry("README")
    assert entry is not None and not entry.is_tree and entry.mode == BLOB
    assert root.id_of("README") == git(path, "rev-parse", "HEAD:README")
    assert root.id_of("nothing") is None and root.entry("nothing") is None


def test_changed_files_are_those_added_or_changed(work: tuple[Path, pygit2.Repository]) -> None:
    path, repo = work
    old = read_tree(repo, git(path, "rev-parse", "HEAD~1^{tree}"))
    new = read_tree(repo, git(path, "rev-parse", "HEAD^{tree}"))
    assert new is not None and old is not None
    assert dict(new.changed_files(old)) == {
        "blur/notes.txt": git(path, "rev-parse", "HEAD:blur/notes.txt"),
        "blur/source.py": git(path, "rev-parse", "HEAD:blur/source.py"),
    }
    assert dict(old.changed_files(new)) == {
        "blur/source.py": git(path, "rev-parse", "HEAD~1:blur/source.py")
    }  # a file only in the other tree is not listed
    assert len(dict(new.changed_files(None))) == 3


def test_a_tree_writer_changes_a_tree_as_git_would(work: tuple[Path, pygit2.Repository]) -> None:
    path, repo = work
    root = read_tree(repo, git(path, "rev-parse", "HEAD^{tree}"))
    writer = TreeWriter(repo, root)
    folder = git(path, "rev-parse", "HEAD:blur")
    writer.set_folder("README", folder)  # a folder replaces a file of that name
    writer.set_folder("blur", None)
    writer.set_folder("gone", None)  # removing what is not there is nothing
    assert writer.id_of("README") == folder and writer.id_of("blur") is None
    assert len(writer) == 1
    first = writer.write()
    assert git(path, "ls-tree", first) == f"040000 tree {folder}\tREADME"
    writer.put("x", git(path, "rev-parse", "HEAD:README"), BLOB)  # kept, written again
    assert "x" in git(path, "ls-tree", "--name-only", writer.write()).split()
    assert TreeWriter(repo, folder).id_of("source.py") is not None  # from a tree's id
    assert len(TreeWriter(repo, git(path, "rev-parse", "HEAD:README"))) == 0  # a file: empty
    assert len(TreeWriter(repo)) == 0


def test_a_written_commit_is_what_git_reads(work: tuple[Path, pygit2.Repository]) -> None:
    path, repo = work
    head = git(path, "rev-parse", "HEAD")
    tree = git(path, "rev-parse", "HEAD~1^{tree}")
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    made = write_commit(repo, ("Bo", "bo@example.org"), when, "undo\n", tree, [head])
    assert git(path, "log", "-1", "--format=%an <%ae> %aI %P %T %s", made) == (
        f"Bo <bo@example.org> 2026-01-02T03:04:05+01:00 {head} {tree} undo"
    )
    texts: list[bytes] = []

    def sign(text: bytes) -> str:
        texts.append(text)
        return "-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----"

    signed = write_commit(repo, ("Bo", "bo@example.org"), when, "s\n", tree, [], sign=sign)
    shown = git(path, "cat-file", "-p", signed)
    assert "gpgsig -----BEGIN SSH SIGNATURE-----" in shown
    commit = read_commit(repo, signed)
    assert commit is not None and commit.gpg_signature[1] == texts[0]
    with pytest.raises(GitError):
        write_commit(repo, ("Bo", "bo@example.org"), when, "m", head, [])  # head is no tree


def test_revisions_and_prefixes_resolve(work: tuple[Path, pygit2.Repository]) -> None:
    path, repo = work
    assert resolve_commit(repo, "main~1") == git(path, "rev-parse", "main~1")
    assert resolve_commit(repo, "HEAD") == git(path, "rev-parse", "HEAD")
    with pytest.raises((KeyError, ValueError, GitError)):
        resolve_commit(repo, "nope")
    blob = git(path, "rev-parse", "HEAD:README")
    assert find_blob(repo, blob[:8]) == (blob, b"hi\n")
    assert find_blob(repo, git(path, "rev-parse", "HEAD")[:10]) is None  # a commit
    with pytest.raises((KeyError, ValueError, GitError)):
        find_blob(repo, "0000000")


def test_walk_gives_history_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "w"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    for i in range(3):
        git(path, "commit", "-q", "--allow-empty", "-m", f"c{i}", date=f"2026-01-0{i + 1}T00:00Z")
    git(path, "checkout", "-q", "-b", "side", "HEAD~1")
    git(path, "commit", "-q", "--allow-empty", "-m", "side", date="2026-01-05T00:00Z")
    git(path, "checkout", "-q", "main")
    git(path, "merge", "-q", "--no-ff", "-m", "merge", "side", date="2026-01-06T00:00Z")
    repo = pygit2.Repository(str(path))
    head = git(path, "rev-parse", "HEAD")
    topo = git(path, "rev-list", "--topo-order", "HEAD").split()
    assert [c.id for c in walk(repo, head, topological=True)] == topo
    assert {c.id for c in walk(repo, head)} == set(topo)
    stop = git(path, "rev-parse", "HEAD^1~1")
    assert [c.id for c in walk(repo, head, hide=stop, topological=True)] == git(
        path, "rev-list", "--topo-order", "HEAD", f"^{stop}"
    ).split()


def test_repository_facts_and_config(tmp_path: Path) -> None:
    path = tmp_path / "r.git"
    repo = pygit2.init_repository(str(path), bare=True, initial_head="lab")
    assert git_dir(repo) == path
    assert head_branch(repo) == "refs/heads/lab"
    assert config_value(repo, "fnstore.trust") is None
    set_config(repo, "fnstore.trust", "review")
    set_config(repo, "fnstore.sign", True)
    assert git(path, "config", "fnstore.trust") == "review"
    assert config_value(repo, "fnstore.sign") == "true"
    assert config_int(repo, "gc.auto") is None
    git(path, "config", "gc.auto", "2k")
    assert config_int(repo, "gc.auto") == 2048
    git(path, "config", "gc.auto", "lots")
    assert config_int(repo, "gc.auto") is None
    oid = repo.create_blob(b"x")
    repo.references.create("HEAD", oid, force=True)  # a detached HEAD names no branch
    assert head_branch(repo) is None


def test_git_errors_become_ours_with_libgit2s_message() -> None:
    with pytest.raises(GitError, match="boom") as caught, git_errors():
        raise pygit2.GitError("boom")
    assert isinstance(caught.value.__cause__, pygit2.GitError)
    with pytest.raises(KeyError), git_errors():
        raise KeyError("a plain lookup passes through")
