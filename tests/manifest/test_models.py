"""Manifest documents: round trip, schema versions, broken documents, the schema file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from fnstore.errors import ManifestError, SchemaVersionError
from fnstore.manifest import (
    SCHEMA_VERSION,
    Author,
    Manifest,
    _models,
    content_id,
    introspect,
    schema,
)

CODE = "from fnstore import numpy\n\n@numpy\ndef blur(image):\n    return image\n"


def make() -> Manifest:
    return Manifest(
        module="blur",
        version=1,
        content_id=content_id(CODE.encode()),
        author=Author(name="A", email="a@example.org"),
        created=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        functions=introspect(CODE).functions,
        imports=["fnstore"],
    )


def test_round_trip_is_exact() -> None:
    manifest = make()
    text = manifest.to_json()
    assert Manifest.from_json(text) == manifest
    assert Manifest.from_json(text).to_json() == text
    assert json.loads(text)["schema_version"] == SCHEMA_VERSION


def test_content_id_is_the_git_blob_id() -> None:
    assert content_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_newer_schema_is_refused_with_upgrade_advice() -> None:
    doc = json.loads(make().to_json())
    doc["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(SchemaVersionError, match="upgrade fnstore"):
        Manifest.from_json(json.dumps(doc))


def test_older_schema_is_migrated(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend the current schema is one newer, with a step that renames a field.
    doc = json.loads(make().to_json())
    doc["summary"] = doc.pop("message")

    def step(old: dict[str, Any]) -> dict[str, Any]:
        old["message"] = old.pop("summary")
        return old

    monkeypatch.setattr(_models, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(_models._MIGRATIONS, SCHEMA_VERSION, step)
    migrated = Manifest.from_json(json.dumps(doc))
    assert migrated.schema_version == SCHEMA_VERSION + 1
    assert migrated.message == ""


@pytest.mark.parametrize(
    ("imports", "package"),
    [(["numpy", "openhcs"], "openhcs"), (["fnstore", "scipy"], "fnstore"), ([], None)],
)
def test_schema_1_manifests_gain_where_their_decorators_come_from(
    imports: list[str], package: str | None
) -> None:
    doc = json.loads(make().to_json())
    doc["schema_version"] = 1
    doc["imports"] = imports
    for function in doc["functions"]:
        del function["decorators_from"]  # version 1 had no such field
    migrated = Manifest.from_json(json.dumps(doc))
    assert migrated.schema_version == SCHEMA_VERSION
    assert [f.decorators_from for f in migrated.functions] == [package]


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: "{not json", "not valid JSON"),
        (lambda d: "[]", "JSON object"),
        (lambda d: {**d, "schema_version": "1"}, "schema_version"),
        (lambda d: {**d, "version": 0}, "version"),
        (lambda d: {**d, "content_id": "xyz"}, "content_id"),
        (lambda d: {**d, "created": "2026-01-01T00:00:00"}, "time zone"),
        (lambda d: {**d, "functions": []}, "functions"),
        (lambda d: {**d, "surprise": 1}, "surprise"),
    ],
)
def test_broken_documents_are_reported(mutate: Any, words: str) -> None:
    doc = mutate(json.loads(make().to_json()))
    text = doc if isinstance(doc, str) else json.dumps(doc)
    with pytest.raises(ManifestError, match=words):
        Manifest.from_json(text)


def test_every_field_has_a_description() -> None:
    exported = schema.manifest_schema()
    for model in [exported, *exported["$defs"].values()]:  # type: ignore[attr-defined]
        for name, field in model["properties"].items():
            assert field.get("description"), name


def test_exported_schema_file_is_current() -> None:
    assert schema.SCHEMA_PATH.read_text(encoding="utf-8") == schema.render(), (
        "run 'python -m fnstore.manifest.schema' and commit schemas/manifest.schema.json"
    )


def test_schema_check_mode(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "manifest.schema.json"
    assert schema.main(["--check", "--path", str(target)]) == 1
    assert schema.main(["--path", str(target)]) == 0
    assert schema.main(["--check", "--path", str(target)]) == 0
    assert "is current" in capsys.readouterr().out
