"""The pin file's format: ``<repo>/fnstore/pins.json`` (local, never pushed).

::

    {"format": 1, "spec": "main", "functions": {"blur": "<content id>"}}

``spec`` is a branch (follow its head), a tag, or a full commit id;
``functions`` maps a function name to the content id it stays at.  The store
writes it with :func:`dump_pins`; the store and the registry's cached start-up
read it with :func:`parse_pins`, which reads the written layout with plain
string operations (importing :mod:`json` costs more than the whole read) and
anything else, such as a hand-edited file, with :mod:`json`.
"""

from __future__ import annotations

__all__ = ["PINS_FORMAT", "dump_pins", "parse_pins"]

#: The pin file format this fnstore writes (and the newest it reads).
PINS_FORMAT = 1

_PIN_HEAD = '{\n  "format": 1,\n  "functions": {'
_PIN_SPEC = '  "spec": "'


def dump_pins(doc: dict[str, object]) -> bytes:
    """Return the bytes of a pin document as the store writes it."""
    import json

    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def _exact_format(text: str) -> dict[str, object] | None:
    """Read the pin file as :func:`dump_pins` writes it; None for any other layout."""
    if not text.startswith(_PIN_HEAD) or "\\" in text:
        return None
    lines = text[len(_PIN_HEAD) :].rstrip("\n").split("\n")
    functions: dict[str, str] = {}
    if lines[0] == "},":
        rest = lines[1:]
    else:
        if lines[0] != "":
            return None
        rest = lines[1:]
        while rest and rest[0].startswith('    "'):
            name, sep, cid = rest.pop(0)[5:].rstrip(",").partition('": "')
            if not sep or not cid.endswith('"') or not name.isidentifier():
                return None
            functions[name] = cid[:-1]
        if not rest or rest.pop(0) != "  },":
            return None
    if len(rest) != 2 or rest[1] != "}" or not rest[0].startswith(_PIN_SPEC):
        return None
    spec = rest[0][len(_PIN_SPEC) :]
    if not spec.endswith('"') or '"' in spec[:-1]:
        return None
    return {"format": PINS_FORMAT, "spec": spec[:-1], "functions": functions}


def parse_pins(raw: bytes) -> dict[str, object]:
    """Read a pin file.

    Raises
    ------
    ValueError
        Not UTF-8, not JSON, not an object with a ``functions`` object, or
        without an integer ``format`` (the message says which).  A format
        newer than :data:`PINS_FORMAT` is returned as it is: the caller
        decides (the store refuses to write it, the registry asks the store).
    """
    text = raw.decode("utf-8")
    found = _exact_format(text)
    if found is not None:
        return found
    import json

    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("functions", {}), dict):
        raise ValueError("not an object with 'spec' and 'functions'")
    if not isinstance(data.get("format"), int):
        raise ValueError("no integer 'format'")
    return data
