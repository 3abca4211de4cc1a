"""``import fnstore`` must stay light: no GPU frameworks, no Qt; a local save loads no sync."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

HEAVY = ["cupy", "torch", "jax", "tensorflow", "pyclesperanto", "PyQt6", "matplotlib"]


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_fnstore_loads_no_heavy_package() -> None:
    loaded = _modules_after("import fnstore")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_public_api_loads_no_heavy_package() -> None:
    # Touching every public name still imports no backend and no Qt.
    loaded = _modules_after("import fnstore\nfor n in fnstore.__all__: getattr(fnstore, n)")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_a_local_save_loads_nothing_of_sync(tmp_path: Path) -> None:
    # open_store plus one save: no remotes, pull, merge or git-command transport.
    loaded = _modules_after(
        "import fnstore\n"
        f"store = fnstore.open_store({str(tmp_path / 's.git')!r})\n"
        "store.save('from fnstore import numpy\\n@numpy\\ndef f(image):\\n    return image\\n',"
        " author=('A', 'a@example.org'))"
    )
    sync = {m for m in loaded if m.startswith("fnstore.sync")}
    transport = {"fnstore.git._gitcli", "fnstore.git._transport"} & loaded
    assert not sync and not transport, sorted(sync | transport)
