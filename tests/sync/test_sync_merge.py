"""Pull merges per function module; conflicts wait for mine / theirs / both."""

from __future__ import annotations

import pytest
from _lab import function_code, git

from fnstore.errors import ConflictError

ALICE = "Alice <alice@lab.org>"
BOB = "Bob <bob@lab.org>"


@pytest.fixture
def lab(make_store, bare_remote):
    """Alice and Bob, both at the same first commit (blur, sharpen) of the lab remote."""
    alice, bob = make_store("alice"), make_store("bob")
    alice.save(function_code("blur"), message="blur", author=ALICE)
    alice.save(function_code("sharpen"), message="sharpen", author=ALICE)
    for member in (alice, bob):
        member.add_remote("lab", str(bare_remote))
    alice.push("lab")
    bob.pull("lab")
    return alice, bob


def parents(store, commit=None):
    return store._repo[commit or store.head].parent_ids


def test_different_modules_merge_with_a_merge_commit(lab):
    alice, bob = lab
    alice.save(function_code("blur", 3), message="blur v2", author=ALICE)
    alice.push("lab")
    mine = bob.save(function_code("denoise"), message="denoise", author=BOB).commit
    result = bob.pull("lab", author=BOB)
    assert result.status == "merged"
    assert result.changed == ["blur"]
    assert [str(p) for p in parents(bob)] == [mine, alice.head]
    assert bob.source("blur") == function_code("blur", 3)
    assert bob.source("denoise") == function_code("denoise")
    assert bob.get("blur").version == 2
    # and it goes back: Alice fast-forwards to Bob's merge
    bob.push("lab")
    assert alice.pull("lab").status == "fast-forward"
    assert alice.head == bob.head
    git("fsck", "--strict", cwd=bob.path)


def test_up_to_date_when_remote_is_behind(lab):
    _alice, bob = lab
    bob.save(function_code("denoise"), message="denoise", author=BOB)
    before = bob.head
    assert bob.pull("lab").status == "up-to-date"
    assert bob.head == before


def test_same_module_conflicts_and_nothing_changes_until_resolved(lab):
    alice, bob = lab
    alice.save(function_code("blur", 3), message="blur 3", author=ALICE)
    alice.push("lab")
    bob.save(function_code("blur", 5), message="blur 5", author=BOB)
    before = bob.head
    result = bob.pull("lab", author=BOB)
    assert result.status == "conflicts"
    [conflict] = result.conflicts
    assert conflict.name == "blur" and conflict.module == "blur"
    assert conflict.mine == bob.get("blur").content_id
    assert conflict.theirs == alice.get("blur").content_id
    assert bob.head == before and bob.source("blur") == function_code("blur", 5)
    # the pending state survives a new process (a fresh store object)
    from fnstore import open_store

    again = open_store(bob.path)
    assert again.conflicts() == result.conflicts
    assert "refs/fnstore/pending/lab" in list(again._repo.references)


@pytest.mark.parametrize(("choice", "factor"), [("mine", 5), ("theirs", 3)])
def test_resolve_mine_or_theirs(lab, choice, factor):
    alice, bob = lab
    alice.save(function_code("blur", 3), message="blur 3", author=ALICE)
    alice.save(function_code("denoise"), message="denoise", author=ALICE)
    alice.push("lab")
    mine = bob.save(function_code("blur", 5), message="blur 5", author=BOB).commit
    assert bob.pull("lab").status == "conflicts"
    result = bob.resolve_conflict("blur", choice, author=BOB)
    assert result.status == "merged"
    assert bob.source("blur") == function_code("blur", factor)
    assert bob.source("denoise") == function_code("denoise")
    assert [str(p) for p in parents(bob)] == [mine, alice.head]
    assert bob.conflicts() == []
    assert not (bob.path / "fnstore" / "pending.json").exists()
    assert "refs/fnstore/pending/lab" not in list(bob._repo.references)


def test_resolve_both_keeps_theirs_under_new_names(lab):
    alice, bob = lab
    alice.save(function_code("blur", 3), message="blur 3", author=ALICE)
    alice.push("lab")
    bob.save(function_code("blur", 5), message="blur 5", author=BOB)
    bob.pull("lab")
    result = bob.resolve_conflict("blur", "both", author=BOB)
    assert result.status == "merged"
    assert result.renamed == {"blur": "blur_theirs"}
    assert bob.source("blur") == function_code("blur", 5)
    # the remote's code, with its function renamed where it is defined
    assert bob.source("blur_theirs") == function_code("blur_theirs", 3)
    kept = bob.get("blur_theirs")
    assert kept.module == "blur_theirs"
    assert kept.manifest.parent_content_id == alice.get("blur").content_id
    assert sorted(m.module for m in bob.functions()) == ["blur", "blur_theirs", "sharpen"]


def test_delete_here_change_there_is_a_conflict(lab):
    alice, bob = lab
    alice.save(function_code("blur", 3), message="blur 3", author=ALICE)
    alice.push("lab")
    bob.delete("blur", author=BOB)
    result = bob.pull("lab")
    [conflict] = result.conflicts
    assert conflict.mine is None and conflict.theirs == alice.get("blur").content_id
    assert "deleted here" in conflict.reason
    bob.resolve_conflict("blur", "theirs", author=BOB)
    assert bob.source("blur") == function_code("blur", 3)


def test_two_members_adding_the_same_function_name(lab):
    alice, bob = lab
    alice.save(function_code("denoise", 3), message="denoise", author=ALICE, module="filters")
    alice.push("lab")
    bob.save(function_code("denoise", 5), message="denoise", author=BOB)
    result = bob.pull("lab")
    [conflict] = result.conflicts
    assert conflict.name == "denoise" and conflict.module == "filters"
    assert "also defines" in conflict.reason
    with pytest.raises(ConflictError, match=r"'mine'.*'both'"):
        bob.resolve_conflict("denoise", "theirs")
    result = bob.resolve_conflict("denoise", "both", author=BOB)
    assert result.renamed == {"denoise": "denoise_theirs", "filters": "filters_theirs"}
    assert bob.get("denoise_theirs").module == "filters_theirs"
    assert bob.source("denoise") == function_code("denoise", 5)


def test_one_choice_per_module_then_merge(lab):
    alice, bob = lab
    for name, k in (("blur", 3), ("sharpen", 3)):
        alice.save(function_code(name, k), message=name, author=ALICE)
        bob.save(function_code(name, 5), message=name, author=BOB)
    alice.push("lab")
    before = bob.head
    assert len(bob.pull("lab").conflicts) == 2
    partial = bob.resolve_conflict("blur", "theirs")
    assert partial.status == "conflicts" and [c.name for c in partial.conflicts] == ["sharpen"]
    assert bob.head == before
    done = bob.resolve_conflict("sharpen", "mine", author=BOB)
    assert done.status == "merged"
    assert bob.source("blur") == function_code("blur", 3)
    assert bob.source("sharpen") == function_code("sharpen", 5)


def test_local_saves_while_pending_are_kept(lab):
    alice, bob = lab
    alice.save(function_code("blur", 3), message="blur 3", author=ALICE)
    alice.push("lab")
    bob.save(function_code("blur", 5), message="blur 5", author=BOB)
    bob.pull("lab")
    later = bob.save(function_code("denoise"), message="meanwhile", author=BOB).commit
    bob.resolve_conflict("blur", "mine", author=BOB)
    assert str(parents(bob)[0]) == later
    assert bob.source("denoise") == function_code("denoise")


def test_bad_choices_and_nothing_pending(lab):
    alice, bob = lab
    with pytest.raises(ConflictError, match="nothing to resolve"):
        bob.resolve_conflict("blur", "mine")
    with pytest.raises(ConflictError, match="nothing to abort"):
        bob.abort_pull()
    alice.save(function_code("blur", 3), message="blur 3", author=ALICE)
    alice.push("lab")
    bob.save(function_code("blur", 5), message="blur 5", author=BOB)
    bob.pull("lab")
    with pytest.raises(ConflictError, match="mine', 'theirs' or 'both"):
        bob.resolve_conflict("blur", "yours")
    with pytest.raises(ConflictError, match="choose one of blur"):
        bob.resolve_conflict("sharpen", "mine")
    bob.abort_pull()
    assert bob.conflicts() == []
    assert bob.source("blur") == function_code("blur", 5)


def test_pulling_again_keeps_the_same_conflicts(lab):
    alice, bob = lab
    alice.save(function_code("blur", 3), message="blur 3", author=ALICE)
    alice.push("lab")
    bob.save(function_code("blur", 5), message="blur 5", author=BOB)
    first = bob.pull("lab")
    assert bob.pull("lab").conflicts == first.conflicts


def test_resolve_spelling_of_the_issue_and_of_the_core(lab):
    alice, bob = lab
    alice.save(function_code("blur", 3), message="blur 3", author=ALICE)
    alice.push("lab")
    bob.save(function_code("blur", 5), message="blur 5", author=BOB)
    bob.pull("lab")
    assert bob.resolve() == bob.head  # the core's revision resolver is unchanged
    assert bob.resolve("main") == bob.head
    result = bob.resolve("blur", "theirs", author=BOB)
    assert result.status == "merged" and bob.source("blur") == function_code("blur", 3)


def test_member_with_an_own_history_joins_the_lab(make_store, bare_remote):
    """Unrelated histories: everything merges, same-name modules conflict."""
    alice, bob = make_store("alice"), make_store("bob")
    alice.save(function_code("blur", 3), message="blur", author=ALICE)
    alice.save(function_code("sharpen"), message="sharpen", author=ALICE)
    alice.add_remote("lab", str(bare_remote))
    alice.push("lab")
    bob.save(function_code("blur", 5), message="my blur", author=BOB)
    bob.save(function_code("denoise"), message="denoise", author=BOB)
    mine = bob.head
    bob.add_remote("lab", str(bare_remote))
    result = bob.pull("lab")
    assert [c.name for c in result.conflicts] == ["blur"]
    done = bob.resolve_conflict("blur", "both", author=BOB)
    assert done.status == "merged"
    assert [str(p) for p in parents(bob)] == [mine, alice.head]
    assert sorted(m.module for m in bob.functions()) == [
        "blur",
        "blur_theirs",
        "denoise",
        "sharpen",
    ]
    bob.push("lab")
    git("fsck", "--strict", cwd=bare_remote)
