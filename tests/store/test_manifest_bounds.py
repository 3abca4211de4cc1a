"""Manifests are bounded before they are parsed, and the store never writes one it would refuse.

D4: a pulled manifest nested 10,000 deep raised RecursionError from the store's
readers; a huge one was parsed whole.  (The pull itself: tests/sync/test_sync_hostile.py.)
"""

from __future__ import annotations

import json

import pytest

from fnstore.errors import CodeTooLargeError, ManifestError
from fnstore.manifest import MAX_MANIFEST_BYTES, Manifest
from fnstore.registry import _records
from fnstore.store import FunctionStore
from tests.store._helpers import state


def test_a_deep_manifest_is_a_manifest_error() -> None:
    with pytest.raises(ManifestError, match="nested too deep"):
        Manifest.from_json("[" * 10_000 + "]" * 10_000)
    with pytest.raises(ManifestError, match="nested too deep"):
        _records.module_record("[" * 10_000 + "]" * 10_000)


def test_an_oversized_manifest_is_refused_before_parsing() -> None:
    big = json.dumps({"schema_version": 2, "message": "x" * MAX_MANIFEST_BYTES})
    with pytest.raises(ManifestError, match="bytes, over the"):
        Manifest.from_json(big)
    with pytest.raises(ManifestError, match="bytes, over the"):
        _records.module_record(big)


def test_save_never_writes_a_manifest_it_would_refuse(store: FunctionStore) -> None:
    # each \x01 in a docstring is 6 bytes in JSON: 200 KB of code, 1.2 MB of manifest
    doc = "\x01" * 200_000
    code = (
        f'from fnstore import numpy\n\n@numpy\ndef blur(image):\n    """{doc}"""\n'
        "    return image\n"
    )
    before = state(store)
    with pytest.raises(CodeTooLargeError, match="manifest of this code"):
        store.save(code)
    assert state(store) == before
