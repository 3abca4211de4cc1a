"""Export the benchmark record's JSON schema to ``schemas/bench-record.schema.json``.

Run ``python -m fnstore.bench.schema`` to (re)write the file after changing
:class:`~fnstore.bench.BenchRecord`, and ``python -m fnstore.bench.schema
--check`` (as ``scripts/lint`` does) to fail when the committed file is out of
date.  Other tools (a lab's dashboard, say) can validate the JSON git notes in
``refs/notes/fnstore-bench`` against it: each note is a list of such records.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fnstore.bench._records import SCHEMA_VERSION, BenchRecord

__all__ = ["SCHEMA_PATH", "main", "record_schema", "render"]

#: Where the schema lives in a checkout of fnstore.
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "bench-record.schema.json"


def record_schema() -> dict[str, object]:
    """Return the JSON schema of :class:`~fnstore.bench.BenchRecord`, with an id and version."""
    schema = BenchRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://fnstore.invalid/schemas/bench-record-v{SCHEMA_VERSION}.json"
    return schema


def render() -> str:
    """Return the schema as the exact text written to the file."""
    return json.dumps(record_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema file, or with ``--check`` report whether it is current."""
    parser = argparse.ArgumentParser(prog="python -m fnstore.bench.schema")
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    parser.add_argument("--path", type=Path, default=SCHEMA_PATH, help="the schema file")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
        if current != text:
            print(
                f"{args.path} is out of date: run 'python -m fnstore.bench.schema' and commit it",
                file=sys.stderr,
            )
            return 1
        print(f"{args.path} is current")
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
