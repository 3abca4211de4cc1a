"""Which line of the code a save error is about.

The store's messages name the line where it knows it ("syntax error at line
4", "failed when run (line 7)", "function 'blur' (line 3) ..."); a name
clash names the function instead, whose ``def`` line is found here.  Plain
text search, so this module needs no Qt and is tested on its own.
"""

from __future__ import annotations

import re

__all__ = ["error_line"]

_LINE = re.compile(r"\bline (\d+)\b")
_FUNCTION = re.compile(r"function '([A-Za-z_][A-Za-z0-9_]*)'")


def error_line(message: str, code: str) -> int | None:
    """Return the 1-based line ``message`` points at in ``code``, or None."""
    lines = code.splitlines()
    found = _LINE.search(message)
    if found is not None:
        line = int(found.group(1))
        return line if 1 <= line <= max(len(lines), 1) else None
    named = _FUNCTION.search(message)
    if named is not None:
        pattern = re.compile(rf"^\s*(async\s+)?def\s+{re.escape(named.group(1))}\s*\(")
        for number, text in enumerate(lines, start=1):
            if pattern.match(text):
                return number
    return None
