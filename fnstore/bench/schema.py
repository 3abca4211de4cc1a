"""Export the benchmark record's JSON schema to ``schemas/bench-record.schema.json``.

Run ``python -m fnstore.bench.schema`` to (re)write the file after changing
:class:`~fnstore.bench.BenchRecord`, and ``python -m fnstore.bench.schema
--check`` (as ``scripts/lint`` does) to fail when the committed file is out of
date.  Other tools (a lab's dashboard, say) can validate the JSON git notes in
``refs/notes/fnstore-bench`` against it: each note is a list of such records.
"""

from __future__ import annotations

import sys

from fnstore._schemafile import SchemaFile
from fnstore.bench._records import SCHEMA_VERSION, BenchRecord

__all__ = ["SCHEMA_PATH", "main", "record_schema", "render"]

_FILE = SchemaFile(BenchRecord, "bench-record", SCHEMA_VERSION, "fnstore.bench.schema")
SCHEMA_PATH = _FILE.path
record_schema = _FILE.schema
render = _FILE.render
main = _FILE.main

if __name__ == "__main__":
    sys.exit(main())
