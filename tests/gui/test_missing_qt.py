"""Without PyQt6, the GUI says which extra to install (runs without Qt: nothing imports it)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
sys.modules["PyQt6"] = None  # as on an install without the gui extra
try:
    import fnstore.gui
except ImportError as exc:
    from fnstore.errors import MissingDependencyError
    assert isinstance(exc, MissingDependencyError), type(exc)
    print(exc)
"""


def test_import_names_the_extra() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert 'pip install "fnstore[gui]"' in out.stdout
    assert out.stdout.startswith("PyQt6 is not installed")


def test_fnstore_gui_without_qt_is_one_line(tmp_path) -> None:
    code = (
        'import sys; sys.modules["PyQt6"] = None\n'
        "from fnstore.cli import main\n"
        f'sys.argv = ["fnstore", "--home", {str(tmp_path)!r}, "gui"]\n'
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert 'pip install "fnstore[gui]"' in lines[0]
