"""The light readers of the cached start-up path: pin file, refs, manifest records."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from fnstore.errors import ManifestError, SchemaVersionError
from fnstore.registry import _records, _snapshot

if TYPE_CHECKING:
    from pathlib import Path

A = "a" * 40
B = "b" * 40


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "store.git"
    (repo / "refs" / "heads").mkdir(parents=True)
    (repo / "refs" / "tags").mkdir(parents=True)
    (repo / "HEAD").write_text("ref: refs/heads/main\n")
    return repo


def test_loose_refs_win_over_packed_refs(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "packed-refs").write_text(f"# pack-refs with: peeled\n{B} refs/heads/main\n")
    assert _snapshot.resolve(repo, "main") == B
    (repo / "refs" / "heads" / "main").write_text(A + "\n")
    assert _snapshot.resolve(repo, "main") == A


def test_tags_and_commit_ids_resolve(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "refs" / "tags" / "v1").write_text(B + "\n")
    assert _snapshot.resolve(repo, "v1") == B
    assert _snapshot.resolve(repo, A) == A


@pytest.mark.parametrize("spec", ["nope", "../main", "", "-x", "main~2"])
def test_anything_unsure_is_left_to_the_store(tmp_path: Path, spec: str) -> None:
    repo = _repo(tmp_path)
    (repo / "refs" / "heads" / "main").write_text(A + "\n")
    assert _snapshot.resolve(repo, spec) is None


def test_a_symbolic_or_ambiguous_ref_is_left_to_the_store(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "refs" / "heads" / "x").write_text("ref: refs/heads/main\n")
    (repo / "packed-refs").write_text(f"{A} refs/heads/x\n")
    assert _snapshot.resolve(repo, "x") is None
    (repo / "refs" / "heads" / "both").write_text(A + "\n")
    (repo / "refs" / "tags" / "both").write_text(B + "\n")
    assert _snapshot.resolve(repo, "both") is None


def test_pin_file(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert _snapshot.read_pin(repo) == ("main", {})
    (repo / "fnstore").mkdir()
    pins = repo / "fnstore" / "pins.json"
    pins.write_text(json.dumps({"format": 1, "spec": "v1", "functions": {"blur": A}}))
    assert _snapshot.read_pin(repo) == ("v1", {"blur": A})
    broken_docs = [
        "{",
        "[]",
        json.dumps({"format": 1, "spec": 3}),
        json.dumps({"format": 1, "spec": "main", "functions": {"b": "x"}}),
        json.dumps({"format": 2, "spec": "main", "functions": {}}),
    ]
    for broken in broken_docs:
        pins.write_text(broken)
        assert _snapshot.read_pin(repo) is None
    assert _snapshot.read_pin(tmp_path / "nothing-here") is None


def _manifest(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "schema_version": _records.SCHEMA_VERSION,
        "module": "blur",
        "version": 3,
        "content_id": A,
        "parent_content_id": None,
        "author": {"name": "A", "email": "a@example.org"},
        "created": "2026-01-01T00:00:00+00:00",
        "message": "m",
        "functions": [
            {
                "name": "blur",
                "input_memory_type": "numpy",
                "output_memory_type": "torch",
                "parameters": [],
                "docstring": "Blur.",
                "special_inputs": [],
                "special_outputs": ["stats"],
                "lineno": 4,
            }
        ],
        "imports": ["fnstore", "scipy"],
    }
    doc.update(changes)
    return doc


def test_a_manifest_becomes_a_record() -> None:
    record = _records.module_record(json.dumps(_manifest()).encode())
    assert record == (
        "blur",
        3,
        A,
        (("blur", "numpy", "torch", "Blur.", 4, (), ("stats",)),),
        ("fnstore", "scipy"),
        (),
    )


def test_the_fast_reader_agrees_with_the_manifest_model() -> None:
    from fnstore.manifest import SCHEMA_VERSION, Manifest

    assert SCHEMA_VERSION == _records.SCHEMA_VERSION
    text = json.dumps(_manifest()).encode()
    fast = _records.module_record(text)
    full = _records.module_record_from_manifest(Manifest.from_json(text))
    assert fast == full


@pytest.mark.parametrize(
    "doc",
    [
        "not json",
        "[]",
        json.dumps(_manifest(functions=[])),
        json.dumps(_manifest(version="3")),
        json.dumps(_manifest(functions=[{"name": 1}])),
        json.dumps(_manifest(imports="numpy")),
    ],
)
def test_broken_manifests_are_reported(doc: str) -> None:
    with pytest.raises(ManifestError):
        _records.module_record(doc)


def test_a_newer_schema_is_refused_with_advice() -> None:
    with pytest.raises(SchemaVersionError, match="upgrade fnstore"):
        _records.module_record(json.dumps(_manifest(schema_version=99)))


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"FNSTORE_HOME": None},
        {"FNSTORE_HOME": None, "XDG_CACHE_HOME": "/x/cache", "XDG_DATA_HOME": "/x/data"},
        {"FNSTORE_HOME": None, "XDG_CACHE_HOME": "relative", "XDG_DATA_HOME": " "},
        {"FNSTORE_HOME": "~/elsewhere"},
    ],
)
def test_fast_paths_agree_with_fnstore_paths(
    env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fnstore import paths
    from fnstore.registry import _snapshot

    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert _snapshot.cache_dir() == str(paths.cache_dir())
    assert _snapshot.default_store_path() == str(paths.default_store_path())


@pytest.mark.parametrize(
    "doc",
    [
        {"format": 1, "spec": "main", "functions": {}},
        {"format": 1, "spec": "v1.2", "functions": {"blur": A, "b_2": B}},
        {"format": 1, "spec": "zweig-ä", "functions": {"x": A}},  # escaped: the json path
        {"format": 1, "spec": 'odd"name', "functions": {}},
    ],
)
def test_the_pin_file_reader_agrees_with_json(doc: dict[str, object], tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "fnstore").mkdir()
    (repo / "fnstore" / "pins.json").write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    assert _snapshot.read_pin(str(repo)) == (doc["spec"], doc["functions"])
