"""Several processes at once, and processes killed mid-save: nothing saved is lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fnstore import open_store
from fnstore.errors import StoreLockedError
from tests.store._helpers import git, snippet

if TYPE_CHECKING:
    from fnstore.store import FunctionStore

WORKER = str(Path(__file__).with_name("_worker.py"))


def test_four_processes_saving_fifty_each_lose_nothing(
    store: FunctionStore, tmp_path: Path
) -> None:
    store.save(snippet("seed"))
    go = tmp_path / "go"
    workers = [
        subprocess.Popen([sys.executable, WORKER, "many", str(store.path), f"p{n}", "50", str(go)])
        for n in range(4)
    ]
    go.touch()
    assert [w.wait(timeout=300) for w in workers] == [0, 0, 0, 0]

    assert git(store.path, "rev-list", "--count", "HEAD").strip() == "201"
    git(store.path, "fsck", "--full")
    names = {m.module for m in store.functions()}
    assert names == {"seed"} | {f"p{n}_{i}" for n in range(4) for i in range(50)}
    # history is linear: each commit's parent is the previous head
    assert git(store.path, "rev-list", "--merges", "HEAD") == ""


def test_a_held_lock_times_out_with_a_clear_error(store: FunctionStore) -> None:
    store.save(snippet("blur"))
    other = open_store(store.path, lock_timeout=0.2)
    with store._locked():
        with pytest.raises(StoreLockedError, match="another process"):
            other.save(snippet("blur", "return -image"))
    assert other.save(snippet("blur", "return -image")).version == 2


def test_processes_killed_while_saving_leave_a_sound_store(
    store: FunctionStore, tmp_path: Path
) -> None:
    log = tmp_path / "saved.log"
    subprocess.run(
        [sys.executable, WORKER, "crash", str(store.path), "60", "1234", str(log)],
        check=True,
        timeout=300,
    )
    lines = [line.split() for line in log.read_text().splitlines()]
    returned = [(m, cid) for m, cid in (p for p in lines if len(p) == 2) if len(cid) == 40]
    # most kills landed after some saves returned, or inside one
    assert len(returned) >= 15, f"only {len(returned)} saves returned in 60 runs"

    git(store.path, "fsck", "--full")
    fresh = open_store(store.path)
    kept = {m: {v.content_id for v in fresh.history(m)} for m in {m for m, _ in returned}}
    lost = [(m, cid) for m, cid in returned if cid not in kept[m]]
    assert lost == []
    # and it still takes saves (no stale lock left behind)
    assert fresh.save(snippet("after")).changed
