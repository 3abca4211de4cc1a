"""The rooms stay apart at run time: what a caller imports is what it uses."""

from __future__ import annotations

import json
import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_open_and_save_import_nothing_of_sync_or_bench(tmp_path) -> None:
    code = (
        "from fnstore.store import open_store\n"
        f"store = open_store({str(tmp_path / 's.git')!r})\n"
        "store.save('from fnstore import numpy\\n@numpy\\ndef f(image):\\n    return image\\n',"
        " message='first', author=('A', 'a@example.org'))\n"
    )
    loaded = _modules_after(code)
    assert "fnstore.store" in loaded
    assert not {m for m in loaded if m.startswith(("fnstore.sync", "fnstore.bench"))}


def test_sync_types_import_without_pygit2() -> None:
    loaded = _modules_after(
        "import fnstore.sync\nfrom fnstore.sync import Conflict, PullResult, TransferProgress"
    )
    assert "fnstore.sync" in loaded
    assert "pygit2" not in loaded


def test_the_verbs_of_sync_and_bench_live_above_the_store(tmp_path) -> None:
    import fnstore
    import fnstore.store

    local = fnstore.store.open_store(tmp_path / "s.git")
    public = fnstore.open_store(tmp_path / "s.git")
    verbs = ("push", "pull", "fetch", "add_remote", "conflicts", "bench", "bench_history")
    assert not [v for v in verbs if hasattr(local, v)]  # the store room knows no room above
    assert all(callable(getattr(public, v)) for v in verbs)  # the README's store has them all
    assert isinstance(public, fnstore.store.FunctionStore)
    assert public.remotes() == {} and public.bench_annotated() == []
