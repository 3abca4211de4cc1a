"""Pulls between a member whose store has moved to layout 2 and one whose has not, both ways.

The member who has not moved is played by a store object that writes layout
1, as an older fnstore does (``_write_layout = 1``).  Whatever the sides'
layouts, a pull merges module by module and loses nothing; the result is
written in layout 2 (a pull that merges is a write).
"""

from __future__ import annotations

import pytest
from _lab import function_code, git

from fnstore.layout import LAYOUT_FILE, shard
from fnstore.registry import Registry

ALICE = "Alice <alice@lab.org>"
BOB = "Bob <bob@lab.org>"


@pytest.fixture
def lab(make_store, bare_remote):
    """Alice and Bob share a lab repository of layout 1 (blur, sharpen); Bob stays there."""
    alice, bob = make_store("alice"), make_store("bob")
    for member in (alice, bob):
        member._write_layout = 1
        member.add_remote("lab", str(bare_remote))
    alice.save(function_code("blur"), message="blur", author=ALICE)
    alice.save(function_code("sharpen"), message="sharpen", author=ALICE)
    alice.push("lab")
    bob.pull("lab")
    alice._write_layout = 2  # Alice upgrades fnstore: her next write moves her store
    return alice, bob


def layout_of(store) -> int:
    return 2 if LAYOUT_FILE in git("ls-tree", "--name-only", "HEAD", cwd=store.path).split() else 1


def test_the_moved_member_pulls_from_one_who_has_not(lab):
    alice, bob = lab
    alice.save(function_code("edge"), author=ALICE)  # moves alice's store
    bob.save(function_code("blur", 3), author=BOB)  # layout 1
    bob.save(function_code("denoise"), author=BOB)
    bob.push("lab")
    assert (layout_of(alice), layout_of(bob)) == (2, 1)

    result = alice.pull("lab", author=ALICE)
    assert result.status == "merged" and not result.conflicts
    assert sorted(result.changed) == ["blur", "denoise"]
    assert not result.ignored and not result.broken
    assert layout_of(alice) == 2
    assert [v.version for v in alice.history("blur")] == [2, 1]
    assert alice.get("blur").content_id == bob.get("blur").content_id
    assert sorted(m.module for m in alice.functions()) == ["blur", "denoise", "edge", "sharpen"]
    files = git("ls-tree", "-r", "--name-only", "HEAD", cwd=alice.path).split()
    assert f"functions/{shard('denoise')}/denoise/source.py" in files
    assert "functions/denoise/source.py" not in files
    registry = Registry.load(alice.path)  # (pulled code runs once accepted: not asked here)
    assert registry.names() == ["blur", "denoise", "edge", "sharpen"] and not registry.errors
    assert registry.info("blur").version == 2
    git("fsck", "--strict", cwd=alice.path)


def test_a_member_who_has_not_moved_pulls_from_one_who_has(lab):
    alice, bob = lab
    alice.save(function_code("edge"), author=ALICE)  # moves alice's store
    alice.push("lab")
    bob.save(function_code("denoise"), author=BOB)  # layout 1, unpushed
    bob._write_layout = 2  # Bob upgrades too, and pulls: a merge, his first write
    result = bob.pull("lab", author=BOB)
    assert result.status == "merged"
    assert layout_of(bob) == 2
    assert sorted(m.module for m in bob.functions()) == ["blur", "denoise", "edge", "sharpen"]
    assert [v.version for v in bob.history("denoise")] == [1]
    bob.push("lab")
    assert alice.pull("lab").status == "fast-forward"
    assert sorted(m.module for m in alice.functions()) == ["blur", "denoise", "edge", "sharpen"]
    git("fsck", "--strict", cwd=bob.path)


def test_a_fast_forward_to_the_new_layout_needs_no_write(lab):
    alice, bob = lab
    alice.save(function_code("edge"), author=ALICE)
    alice.push("lab")
    bob._write_layout = 2
    assert bob.pull("lab").status == "fast-forward"
    assert layout_of(bob) == 2
    assert [v.version for v in bob.history("blur")] == [1]
    assert bob.get("edge").commit == alice.get("edge").commit


def test_a_conflict_on_both_sides_of_the_move_is_resolved(lab):
    alice, bob = lab
    alice.save(function_code("blur", 5), author=ALICE)  # moves alice's store
    alice.push("lab")
    bob.save(function_code("blur", 7), author=BOB)  # layout 1
    result = bob.pull("lab", author=BOB)
    assert result.status == "conflicts"
    bob._write_layout = 2
    bob.save(function_code("later"), author=BOB)  # moves bob's store while a pull waits
    assert layout_of(bob) == 2
    done = bob.resolve_conflict("blur", "theirs", author=BOB)
    assert done.status == "merged"
    assert bob.get("blur").content_id == alice.get("blur").content_id
    assert sorted(m.module for m in bob.functions()) == ["blur", "later", "sharpen"]
    git("fsck", "--strict", cwd=bob.path)


def test_a_pull_of_a_newer_layout_is_refused(lab, tmp_path):
    alice, bob = lab
    work = tmp_path / "work"
    git("clone", "-q", str(alice.path), str(work))
    (work / LAYOUT_FILE).write_text('{"layout": 3}\n')
    git("add", LAYOUT_FILE, cwd=work)
    git("-c", "user.name=N", "-c", "user.email=n@x", "commit", "-qm", "newer", cwd=work)
    git("push", "-q", str(alice.path), "HEAD:refs/heads/main", cwd=work)
    alice.push("lab")
    head = bob.head
    with pytest.raises(Exception, match="upgrade fnstore"):
        bob.pull("lab")
    assert bob.head == head
