"""The record model: JSON round trip, schema versions, merge-friendly notes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from fnstore.bench import SCHEMA_VERSION, record_from_dict, records_from_json, records_to_json
from fnstore.errors import BenchError, SchemaVersionError

if TYPE_CHECKING:
    from .conftest import MakeRecord


def test_records_round_trip_through_json(make_record: MakeRecord) -> None:
    records = [make_record([0.1, 0.2, 0.3], version=1), make_record([0.2], version=2)]
    text = records_to_json(records)
    assert json.loads(text)[0]["schema_version"] == SCHEMA_VERSION
    assert records_from_json(text) == records


def test_notes_hold_one_record_per_line(make_record: MakeRecord) -> None:
    text = records_to_json([make_record([0.1]), make_record([0.2])])
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 4


def test_a_newer_record_is_refused_with_advice(make_record: MakeRecord) -> None:
    data = make_record([0.1]).model_dump(mode="json")
    data["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(SchemaVersionError, match="upgrade fnstore"):
        record_from_dict(data)


def test_a_version_1_record_is_migrated(make_record: MakeRecord) -> None:
    data = make_record([0.1], shape=(16, 2048, 2048)).model_dump(mode="json")
    data.update(schema_version=1, shape="16x2048x2048")
    del data["input"]
    del data["id"]
    record = record_from_dict(data)
    assert record.schema_version == SCHEMA_VERSION
    assert record.shape == [16, 2048, 2048]
    assert record.input == "synthetic"
    # the id given to an old record depends only on its content: merges keep it once
    assert record_from_dict(data).id == record.id
    assert records_from_json(json.dumps([data, data])) == [record]


def test_notes_mangled_by_cat_sort_uniq_still_read(make_record: MakeRecord) -> None:
    # `git notes merge -s cat_sort_uniq` concatenates both notes, sorts the
    # lines and drops duplicates: brackets and commas move around.
    mine = records_to_json([make_record([0.1]), make_record([0.2])])
    theirs = records_to_json([make_record([0.3])])
    merged = "\n".join(sorted(set(mine.splitlines()) | set(theirs.splitlines())))
    with pytest.raises(json.JSONDecodeError):
        json.loads(merged)
    assert sorted(r.time.median for r in records_from_json(merged) if r.time) == [0.1, 0.2, 0.3]


def test_duplicates_are_read_once(make_record: MakeRecord) -> None:
    record = make_record([0.1])
    assert records_from_json(records_to_json([record, record])) == [record]


def test_an_empty_note_has_no_records() -> None:
    assert records_from_json("  \n") == []


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '[{"schema_version": 2}]'])
def test_broken_notes_raise_bench_errors(text: str) -> None:
    with pytest.raises(BenchError):
        records_from_json(text)


def test_the_committed_json_schema_is_current() -> None:
    from fnstore.bench import schema

    assert schema.SCHEMA_PATH.read_text(encoding="utf-8") == schema.render(), (
        "run `python -m fnstore.bench.schema` and commit schemas/bench-record.schema.json"
    )
    schema_id = str(schema.record_schema()["$id"])
    assert schema_id.endswith(f"bench-record-v{SCHEMA_VERSION}.json")
