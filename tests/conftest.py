"""Shared fixtures: every test gets its own fnstore home and git identity.

The user's real store, git config and caches are never touched: ``FNSTORE_HOME``
points into the test's tmp dir, ``HOME`` too (so git and libgit2 find a
throw-away ``.gitconfig`` with a known author), and the system git config is
ignored.
"""

from __future__ import annotations

import os
import shutil
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

# pytester tests the fnstore pytest plugin (tests/bench); pytest accepts
# pytest_plugins only in the top-level conftest.
pytest_plugins = ["pytester"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_configure(config: pytest.Config) -> None:
    """Import pyclesperanto before anything can import tensorflow.

    Under pocl, importing tensorflow first makes pyclesperanto's first OpenCL
    call segfault the whole process; the other order is fine.  Tests from
    several layers import both, so the session fixes the order once here.
    """
    from fnstore.memory._backends import prepare_imports

    # The package's own safe import: it loads pyclesperanto quietly, so a
    # machine without an OpenCL device (no pocl) still runs the suite, and the
    # tests that need a device skip, naming pocl-opencl-icd.
    prepare_imports(["tensorflow"])


# Decided once, before any test hides git from PATH on purpose (git_hidden).
GIT_INSTALLED = shutil.which("git") is not None
NO_GIT = "needs the git command to check the store: apt-get install git"


def _tests_ran_missing_git(exc: BaseException) -> bool:
    """Whether ``exc`` is the test's own call of a git that is not installed.

    fnstore itself must never run git without looking for it first, so a
    missing git raised from the package's code stays a failure.
    """
    if GIT_INSTALLED or not isinstance(exc, FileNotFoundError) or exc.filename != "git":
        return False
    frames = [Path(f.f_code.co_filename) for f, _ in traceback.walk_tb(exc.__traceback__)]
    ours = [f for f in frames if "subprocess" not in f.name]
    return bool(ours) and _TESTS in ours[-1].parents


_TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Skip, naming the package, a test whose set-up needs git where there is none."""
    try:
        return (yield)
    except FileNotFoundError as exc:
        if _tests_ran_missing_git(exc):
            pytest.skip(NO_GIT)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Skip, naming the package, a test that checks with git where there is none."""
    try:
        return (yield)
    except FileNotFoundError as exc:
        if _tests_ran_missing_git(exc):
            pytest.skip(NO_GIT)
        raise


AUTHOR_NAME = "Test Scientist"
AUTHOR_EMAIL = "scientist@example.org"


def _point_libgit2_at(home: Path) -> None:
    """libgit2 reads $HOME once at start-up; tell it where the config is now."""
    import pygit2

    for level in (
        pygit2.enums.ConfigLevel.GLOBAL,
        pygit2.enums.ConfigLevel.XDG,
        pygit2.enums.ConfigLevel.SYSTEM,
    ):
        pygit2.settings.search_path[level] = str(home)


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh FNSTORE_HOME, HOME and git identity (and no web proxy) for each test."""
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text(
        f"[user]\n\tname = {AUTHOR_NAME}\n\temail = {AUTHOR_EMAIL}\n"
        "[init]\n\tdefaultBranch = main\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("FNSTORE_HOME", str(home / "fnstore"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    # servers here are on loopback: an ambient web proxy must not be asked for them
    for name in ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    _point_libgit2_at(home)
    yield home


@pytest.fixture
def no_git_identity(isolated_home: Path) -> Path:
    """Remove the test's git identity, as on a machine where git was never configured."""
    (isolated_home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    return isolated_home
