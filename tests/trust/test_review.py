"""The ``review`` policy end to end: pulled code runs only once accepted, with real repositories."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import numpy as np
import pytest
from _trustlab import git, module_code, touch_code

from fnstore import open_store
from fnstore.errors import InvalidCodeError, UntrustedCodeError
from fnstore.registry import Registry

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from fnstore.store import FunctionStore

    Member = Callable[[str], FunctionStore]


def _share(alice: FunctionStore, code: str, mark: Path | None = None) -> None:
    alice.save(code)
    alice.push("lab")
    if mark is not None:
        mark.unlink(missing_ok=True)  # written by alice's own save check, not by bob


def test_pulled_code_does_not_run_until_accepted(member: Member, tmp_path: Path) -> None:
    mark = tmp_path / "ran-at-import"
    alice, bob = member("alice"), member("bob")
    assert bob.trust_policy == "review"  # the default with a remote
    _share(alice, touch_code("evil", mark), mark)
    assert bob.pull("lab").changed == ["evil"]

    registry = Registry.load(bob)
    assert "evil" in registry.names()  # listed...
    meta = registry.info("evil")
    assert meta.trusted is False
    assert "evil" in registry.untrusted
    with pytest.raises(UntrustedCodeError, match=r"fnstore pending.*fnstore accept evil@"):
        registry.get("evil")  # ...but not run
    with pytest.raises(UntrustedCodeError):
        registry.get("evil@1")
    assert not mark.exists()

    [pending] = bob.pending()
    assert (pending.module, pending.version, pending.base) == ("evil", 1, None)
    assert "+pathlib.Path(" in pending.diff
    assert not pending.report.clean
    assert any(f.kind == "file" for f in pending.report.findings)
    assert not mark.exists()  # reviewing reads, never runs

    bob.accept(pending.ref)
    assert bob.pending() == []
    assert registry.refresh().changed == ("evil",)
    assert registry.get("evil")(np.ones(2)).tolist() == [5.0, 5.0]
    assert mark.read_text() == "ran"


def test_the_last_trusted_version_stays_in_use(member: Member) -> None:
    alice, bob = member("alice"), member("bob")
    _share(alice, module_code("blur", 2))
    bob.pull("lab")
    assert [p.module for p in bob.accept_all()] == ["blur"]
    _share(alice, module_code("blur", 3))
    bob.pull("lab")

    registry = Registry.load(bob)
    assert registry.get("blur")(np.ones(1)).tolist() == [2.0]  # version 1, accepted
    meta = registry.info("blur")  # the version at the pin, listed with why it does not run
    assert (meta.version, meta.trusted) == (2, False)
    assert meta.trust_note is not None and "version 1 runs meanwhile" in meta.trust_note
    listed = registry.functions()["fnstore:blur"]
    assert (listed.trusted, listed.trust_note) == (False, meta.trust_note)
    assert registry.untrusted == {"blur": "it arrived by pull and you have not accepted it yet"}
    [pending] = bob.pending()
    assert pending.base == "blur@1"
    assert "-    return image * 2\n+    return image * 3" in pending.diff

    bob.accept("blur")
    registry.refresh()
    assert registry.get("blur")(np.ones(1)).tolist() == [3.0]


def test_acceptance_survives_restarts_and_stays_local(
    member: Member, lab: Path, tmp_path: Path
) -> None:
    alice, bob = member("alice"), member("bob")
    _share(alice, module_code("blur"))
    bob.pull("lab")
    bob.accept("blur")
    again = open_store(bob.path)
    assert again.pending() == []
    assert Registry.load(bob.path).info("blur").trusted

    bob.push("lab")  # the acceptance is not part of what is shared
    clone = tmp_path / "clone"
    git("clone", "-q", str(lab), str(clone))
    assert "trusted" not in git("ls-files", cwd=clone)
    assert git("for-each-ref", cwd=lab).count("refs/") == 1  # the branch only
    carol = member("carol")
    carol.pull("lab")
    assert [p.module for p in carol.pending()] == ["blur"]


def test_local_saves_are_trusted(member: Member) -> None:
    bob = member("bob")
    bob.save(module_code("mine", 4))
    registry = Registry.load(bob)
    assert registry.get("mine")(np.ones(1)).tolist() == [4.0]
    assert bob.pending() == []
    assert bob.trust_verdict("mine", bob.get("mine").content_id).reason == "saved here"


def test_code_saved_before_the_first_pull_stays_trusted(tmp_path: Path, lab: Path) -> None:
    # A store made without a remote (policy any) that later joins a lab: what
    # it holds is the user's own, what the pull brings is not.
    bob = open_store(tmp_path / "bob.git")
    assert bob.trust_policy == "any"
    bob.save(module_code("old", 1))
    bob.save(module_code("old", 7))
    alice = open_store(tmp_path / "alice.git")
    alice.add_remote("lab", str(lab))
    _share(alice, module_code("theirs", 2))
    bob.add_remote("lab", str(lab))
    bob.pull("lab")
    assert [p.module for p in bob.pending()] == ["theirs"]
    registry = Registry.load(bob)
    assert registry.get("old@1")(np.ones(1)).tolist() == [1.0]
    assert registry.get("old")(np.ones(1)).tolist() == [7.0]


def test_policy_any_loads_everything(member: Member, tmp_path: Path) -> None:
    mark = tmp_path / "ran-at-import"
    alice, bob = member("alice"), member("bob")
    _share(alice, touch_code("evil", mark), mark)
    bob.pull("lab")
    state = bob.set_trust("any")
    assert (state.policy, state.explicit) == ("any", True)
    assert bob.pending() == []
    Registry.load(bob).get("evil")
    assert mark.exists()
    assert git("config", "fnstore.trust", cwd=bob.path).strip() == "any"  # plain git sees it


def test_an_unknown_policy_is_refused(member: Member) -> None:
    bob = member("bob")
    with pytest.raises(Exception, match="choose one of review, signed, any"):
        bob.set_trust("trusting")
    assert bob.trust_policy == "review"


def test_strict_refuses_modules_that_run_code_at_import(member: Member, tmp_path: Path) -> None:
    mark = tmp_path / "ran-at-import"
    alice, bob = member("alice"), member("bob")
    _share(alice, touch_code("evil", mark), mark)
    bob.pull("lab")
    bob.accept("evil")
    bob.set_trust(strict=True)
    registry = Registry.load(bob)
    with pytest.raises(UntrustedCodeError, match="strict is on"):
        registry.get("evil")
    assert not mark.exists()

    head = bob.head
    with pytest.raises(InvalidCodeError, match=r"strict is on .*calls print"):
        bob.save(module_code("noisy", 1, "\nprint('hello')\n"))
    assert bob.head == head  # nothing saved
    bob.save(module_code("quiet", 1))  # definitions only: fine
    assert Registry.load(bob).get("quiet")(np.ones(1)).tolist() == [1.0]


def test_plain_git_verifies_the_store_is_still_a_repository(member: Member) -> None:
    bob = member("bob")
    bob.save(module_code("blur"))
    bob.accept("blur")
    done = subprocess.run(["git", "fsck", "--full"], cwd=bob.path, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_merge_trusts_your_side_only(member: Member) -> None:
    alice, bob = member("alice"), member("bob")
    _share(alice, module_code("shared", 1))
    bob.pull("lab")
    bob.accept_all()
    bob.save(module_code("mine", 4))  # both sides move: the next pull is a merge commit
    _share(alice, module_code("theirs", 2))
    assert bob.pull("lab").status == "merged"
    assert [p.module for p in bob.pending()] == ["theirs"]
    registry = Registry.load(bob)
    assert registry.get("mine")(np.ones(1)).tolist() == [4.0]
    with pytest.raises(UntrustedCodeError):
        registry.get("theirs")


def test_keeping_both_sides_of_a_conflict_does_not_trust_theirs(member: Member) -> None:
    alice, bob = member("alice"), member("bob")
    _share(alice, module_code("blur", 1))
    bob.pull("lab")
    bob.accept_all()
    bob.save(module_code("blur", 5))
    _share(alice, module_code("blur", 7))
    assert bob.pull("lab").status == "conflicts"
    bob.resolve("blur", "both")  # theirs comes in renamed: new code, still theirs
    assert [p.module for p in bob.pending()] == ["blur_theirs"]
    registry = Registry.load(bob)
    assert registry.get("blur")(np.ones(1)).tolist() == [5.0]
    assert registry.info("blur_theirs").trusted is False
    # its lineage is the lab's blur, whose version 1 you accepted: that runs, not 7
    assert registry.get("blur_theirs")(np.ones(1)).tolist() == [1.0]
    with pytest.raises(UntrustedCodeError):
        registry.get(f"blur_theirs@{bob.get('blur_theirs').content_id}")


def test_bench_refuses_what_may_not_run(member: Member, tmp_path: Path) -> None:
    mark = tmp_path / "ran-at-import"
    alice, bob = member("alice"), member("bob")
    _share(alice, touch_code("evil", mark), mark)
    bob.pull("lab")
    with pytest.raises(UntrustedCodeError, match="fnstore accept evil@"):
        bob.bench("evil", shapes=[(1, 8, 8)], rounds=1, save=False)
    assert not mark.exists()
    assert bob.bench_history("evil") == []
