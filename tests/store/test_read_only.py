"""D8: a store on a read-only file system refuses writes with a clear error; reads work.

Before the fix, save, tag and pin raised a raw OSError from the lock file.
The store is made read-only for real: a read-only bind mount in a private
mount namespace when running as root (where permissions do not bind), else
by removing write permission.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from tests.store._helpers import snippet

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from fnstore import ReadOnlyStoreError, Registry, open_store
    store = open_store(sys.argv[1], create=False)
    out = {"ls": [m.module for m in store.functions()], "source": store.source("blur")}
    out["registry"] = sorted(Registry.load(store.path).names())
    for name, write in [
        ("save", lambda: store.save(sys.argv[2])),
        ("tag", lambda: store.tag("v1")),
        ("pin", lambda: store.pin("main")),
    ]:
        try:
            write()
            out[name] = "wrote"
        except ReadOnlyStoreError as exc:
            out[name] = "read-only" if "read-only" in str(exc) else str(exc)
        except BaseException as exc:
            out[name] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(out))
    """
)


def _run_read_only(path: Path, code: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", SCRIPT, str(path), code]
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root needs unshare (util-linux) for a read-only mount")
        mount = f"mount --bind -o ro {path} {path} && exec " + " ".join(
            f"'{part}'" for part in command
        )
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
        if probe.returncode != 0:
            pytest.skip("running as root without mount namespaces: cannot make a read-only mount")
        return subprocess.run(
            ["unshare", "-m", "sh", "-c", mount], capture_output=True, text=True, timeout=120
        )
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chmod(os.path.join(root, name), 0o555)
    os.chmod(path, 0o555)
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        for root, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                os.chmod(os.path.join(root, name), 0o755)
        os.chmod(path, 0o755)


def test_d8_a_read_only_store_says_so_and_still_reads(store: FunctionStore) -> None:
    store.save(snippet("blur"))
    done = _run_read_only(store.path, snippet("sharpen"))
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["ls"] == ["blur"]
    assert "def blur" in out["source"]
    assert out["registry"] == ["blur"]
    assert (out["save"], out["tag"], out["pin"]) == ("read-only", "read-only", "read-only")
