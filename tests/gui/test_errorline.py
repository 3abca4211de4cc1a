"""Finding the line a save error is about (plain text: no Qt needed)."""

from __future__ import annotations

import tests.gui._qt  # noqa: F401  (first: skips the module without the GUI extra)

# isort: split
from fnstore.gui._errorline import error_line

CODE = "import numpy\n\n@numpy\ndef blur(image):\n    return image\n"


def test_a_line_number_in_the_message() -> None:
    assert error_line("the code has a syntax error at line 4: invalid", CODE) == 4
    assert error_line("the code failed when run (line 2): NameError", CODE) == 2


def test_a_line_outside_the_code_is_ignored() -> None:
    assert error_line("failed when run (line 90): x", CODE) is None


def test_a_function_name_finds_its_def() -> None:
    message = "function 'blur' already exists in module 'filters': rename yours"
    assert error_line(message, CODE) == 4


def test_nothing_to_point_at() -> None:
    assert error_line("no decorated function found", CODE) is None
