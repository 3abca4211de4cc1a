"""What the registry reads in bulk: raw manifest bytes, code by content id, a light import."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from fnstore.errors import RevisionNotFoundError
from fnstore.layout import module_path
from tests.store._helpers import git, snippet

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore


def test_manifest_blobs_and_known_ids(store: FunctionStore) -> None:
    assert store.manifest_blobs() == (None, {})
    store.save(snippet("blur"))
    store.save(snippet("sharpen"))
    commit, blobs = store.manifest_blobs()
    assert commit == store.head
    assert sorted(blobs) == ["blur", "sharpen"]
    blob_id, data = blobs["blur"]
    assert data is not None and json.loads(data)["module"] == "blur"
    assert (
        blob_id == git(store.path, "rev-parse", f"HEAD:{module_path('blur')}/manifest.json").strip()
    )
    store.save(snippet("blur", "return -image"))
    _, again = store.manifest_blobs(known={m: b for m, (b, _) in blobs.items()})
    assert again["sharpen"][1] is None  # unchanged: no bytes
    assert again["blur"][1] is not None
    _, old = store.manifest_blobs(rev="HEAD~1")
    assert old["blur"] == blobs["blur"]


def test_manifest_blobs_rederive_a_plain_git_edit(store: FunctionStore, tmp_path: Path) -> None:
    store.save(snippet("blur"))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(store.path), str(work))
    (work / module_path("blur") / "source.py").write_text(snippet("blur", "return image + 1"))
    git(work, "commit", "-qam", "by hand")
    git(work, "push", "-q", "origin", "main")
    _, blobs = store.manifest_blobs()
    doc = json.loads(blobs["blur"][1] or b"")
    assert doc["version"] == 2
    assert (
        doc["content_id"]
        == git(store.path, "rev-parse", f"HEAD:{module_path('blur')}/source.py").strip()
    )


def test_blob_text_by_prefix(store: FunctionStore) -> None:
    result = store.save(snippet("blur"))
    full, text = store.blob_text(result.content_id[:8])
    assert (full, text) == (result.content_id, snippet("blur"))
    with pytest.raises(RevisionNotFoundError):
        store.blob_text("0000000")
    with pytest.raises(RevisionNotFoundError):
        store.blob_text(result.commit)  # a commit, not code


def test_import_of_the_store_leaves_pydantic_out() -> None:
    code = "import sys, fnstore.store; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
