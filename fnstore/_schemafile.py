"""Export a pydantic model's JSON schema to a file in the repository, and check it.

Every on-disk document fnstore writes (manifests, benchmark records) has its
JSON schema committed under ``schemas/``, so other tools can validate it and
reviewers see format changes.  Each format's ``schema`` module builds a
:class:`SchemaFile` and hands ``python -m ... [--check]`` to :meth:`main`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["SCHEMAS_DIR", "SchemaFile"]

#: Where the schemas live in a checkout of fnstore.
SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"


@dataclass(frozen=True)
class SchemaFile:
    """The schema of ``model`` (format ``name``, version ``version``) and its file."""

    model: type[BaseModel]
    name: str
    version: int
    module: str  # the ``python -m`` module that rewrites the file

    @property
    def path(self) -> Path:
        """The committed schema file."""
        return SCHEMAS_DIR / f"{self.name}.schema.json"

    def schema(self) -> dict[str, object]:
        """Return the JSON schema, with an id that names the format version."""
        schema = self.model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://fnstore.invalid/schemas/{self.name}-v{self.version}.json"
        return schema

    def render(self) -> str:
        """Return the schema as the exact text written to the file."""
        return json.dumps(self.schema(), indent=2, sort_keys=True) + "\n"

    def main(self, argv: list[str] | None = None) -> int:
        """Write the schema file, or with ``--check`` report whether it is current."""
        parser = argparse.ArgumentParser(prog=f"python -m {self.module}")
        parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
        parser.add_argument("--path", type=Path, default=self.path, help="the schema file")
        args = parser.parse_args(argv)
        text = self.render()
        if args.check:
            current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
            if current != text:
                print(
                    f"{args.path} is out of date: run 'python -m {self.module}' and commit it",
                    file=sys.stderr,
                )
                return 1
            print(f"{args.path} is current")
            return 0
        args.path.parent.mkdir(parents=True, exist_ok=True)
        args.path.write_text(text, encoding="utf-8")
        print(f"wrote {args.path}")
        return 0
