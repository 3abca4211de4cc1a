"""Export the manifest's JSON schema to ``schemas/manifest.schema.json``.

Run ``python -m fnstore.manifest.schema`` to (re)write the file after changing
the models, and ``python -m fnstore.manifest.schema --check`` (as
``scripts/lint`` does) to fail when the committed file is out of date.
"""

from __future__ import annotations

import sys

from fnstore._schemafile import SchemaFile
from fnstore.manifest._models import SCHEMA_VERSION, Manifest

__all__ = ["SCHEMA_PATH", "main", "manifest_schema", "render"]

_FILE = SchemaFile(Manifest, "manifest", SCHEMA_VERSION, "fnstore.manifest.schema")
SCHEMA_PATH = _FILE.path
manifest_schema = _FILE.schema
render = _FILE.render
main = _FILE.main

if __name__ == "__main__":
    sys.exit(main())
