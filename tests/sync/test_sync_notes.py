"""Benchmark notes (refs/notes/*) travel with push and pull, and merge as a union."""

from __future__ import annotations

import json

from _lab import function_code, git


def add_note(store, content_id, records, ref="fnstore-bench"):
    """Append records the way a plain-git user (or the bench layer) would: a JSON list."""
    try:
        old = json.loads(git("notes", "--ref", ref, "show", content_id, cwd=store.path))
    except AssertionError:
        old = []
    git(
        "notes",
        "--ref",
        ref,
        "add",
        "-f",
        "-m",
        json.dumps(old + records),
        content_id,
        cwd=store.path,
    )


def note(store, content_id, ref="fnstore-bench"):
    return json.loads(git("notes", "--ref", ref, "show", content_id, cwd=store.path))


def test_notes_travel_both_ways_and_merge_per_object(make_store, bare_remote):
    alice, bob = make_store("alice"), make_store("bob")
    cid = alice.save(function_code("blur"), message="blur").content_id
    other = alice.save(function_code("sharpen"), message="sharpen").content_id
    add_note(alice, cid, [{"id": "gpu-run", "median": 1.0}])
    for member in (alice, bob):
        member.add_remote("lab", str(bare_remote))
    pushed = alice.push("lab")
    assert pushed.notes == ["refs/notes/fnstore-bench"]
    assert "refs/notes/fnstore-bench" in git("for-each-ref", cwd=bare_remote)

    pulled = bob.pull("lab")
    assert pulled.notes == ["refs/notes/fnstore-bench"]
    assert note(bob, cid) == [{"id": "gpu-run", "median": 1.0}]

    # both sides record more runs, on the same version and on another one
    add_note(alice, cid, [{"id": "alice-cpu", "median": 2.0}])
    alice.push("lab")
    add_note(bob, cid, [{"id": "bob-laptop", "median": 3.0}])
    add_note(bob, other, [{"id": "bob-only", "median": 4.0}])
    bob.pull("lab")
    ids = [r["id"] for r in note(bob, cid)]
    assert sorted(ids) == ["alice-cpu", "bob-laptop", "gpu-run"]
    assert [r["id"] for r in note(bob, other)] == ["bob-only"]
    merge = bob._repo.references["refs/notes/fnstore-bench"].peel()
    assert len(merge.parent_ids) == 2  # a real merge of both notes histories

    bob.push("lab")
    alice.pull("lab")
    assert sorted(r["id"] for r in note(alice, cid)) == ["alice-cpu", "bob-laptop", "gpu-run"]
    assert bob.bench_annotated() == sorted([cid, other])


def test_every_notes_ref_travels(make_store, bare_remote):
    alice, bob = make_store("alice"), make_store("bob")
    cid = alice.save(function_code("blur"), message="blur").content_id
    add_note(alice, cid, [{"id": "review", "ok": True}], ref="reviews")
    alice.add_remote("lab", str(bare_remote))
    alice.push("lab")
    bob.add_remote("lab", str(bare_remote))
    bob.pull("lab")
    assert note(bob, cid, ref="reviews") == [{"id": "review", "ok": True}]


def test_diverged_notes_make_push_say_pull_first(make_store, bare_remote):
    import pytest

    from fnstore.errors import PushRejectedError

    alice, bob = make_store("alice"), make_store("bob")
    cid = alice.save(function_code("blur"), message="blur").content_id
    for member in (alice, bob):
        member.add_remote("lab", str(bare_remote))
    alice.push("lab")
    bob.pull("lab")
    add_note(alice, cid, [{"id": "a"}])
    alice.push("lab")
    add_note(bob, cid, [{"id": "b"}])
    with pytest.raises(PushRejectedError, match="pull first"):
        bob.push("lab")
    bob.pull("lab")
    bob.push("lab")
    assert sorted(r["id"] for r in note(bob, cid)) == ["a", "b"]


def test_notes_we_only_lag_behind_on_do_not_block_a_push(make_store, bare_remote):
    alice, bob = make_store("alice"), make_store("bob")
    cid = alice.save(function_code("blur"), message="blur").content_id
    add_note(alice, cid, [{"id": "a1"}])
    for member in (alice, bob):
        member.add_remote("lab", str(bare_remote))
    alice.push("lab")
    bob.pull("lab")
    add_note(alice, cid, [{"id": "a2"}])
    alice.push("lab")
    bob.fetch("lab")  # bob knows the lab's notes moved on; his own hold nothing new
    bob.save(function_code("sharpen"), message="sharpen")
    pushed = bob.push("lab")
    assert pushed.notes == []
    assert git("rev-parse", "main", cwd=bare_remote).strip() == bob.head
    assert [
        r["id"]
        for r in json.loads(git("notes", "--ref", "fnstore-bench", "show", cid, cwd=bare_remote))
    ] == ["a1", "a2"]
