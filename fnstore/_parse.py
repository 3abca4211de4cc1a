"""Parsing Python source into a syntax tree, one thread at a time.

CPython 3.11 keeps the AST constructor's recursion depth in state shared by
the whole interpreter.  Two threads building syntax trees at once (a save
on the GUI's thread while a background job reads the trust report of a
module, say) can leave it inconsistent, and ``ast.parse`` then fails with
``SystemError: AST constructor recursion depth mismatch`` (python/cpython
issue 106905; seen in this project's GUI tests).  Every parse fnstore makes
goes through :func:`parse`, under one lock: parses are short, so threads
waiting for each other cost nothing a user notices.
"""

from __future__ import annotations

import ast
import threading

__all__ = ["parse"]

_LOCK = threading.Lock()


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """Return ``ast.parse(source, filename)``, never while another fnstore thread parses."""
    with _LOCK:
        return ast.parse(source, filename=filename)
