"""The import-time report: what a module would run when imported, read from its syntax tree."""

from __future__ import annotations

import textwrap

import pytest

from fnstore.trust import import_report


def kinds(code: str) -> list[tuple[int, str]]:
    return [(f.line, f.kind) for f in import_report(textwrap.dedent(code)).findings]


def test_definitions_imports_and_simple_assignments_are_clean() -> None:
    report = import_report(
        textwrap.dedent(
            '''
            """Docs."""
            from __future__ import annotations
            import numpy as np
            from fnstore import numpy, torch

            SCALE = 2.0
            NAMES: tuple[str, ...] = ("a", "b")
            LOOKUP = {"x": [1, 2], "y": -SCALE * 3}
            square = lambda x: print(x)  # a lambda's body runs only when called

            try:
                import cupy
            except ImportError:
                cupy = None

            @numpy
            def blur(image, sigma: float = 1.0):
                return np.asarray(image) * sigma

            @numpy(oom_recovery=False)
            def sharpen(image, amount=SCALE):
                open("/etc/passwd")  # inside a function: runs only when called
                return image

            class Helper:
                factor = 3

                def run(self):
                    return eval("1")

            if __name__ == "__main__":
                blur(np.ones(3))
            '''
        )
    )
    assert report.clean, report.findings
    assert report.summary() == "clean: imports and definitions only"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("print('hi')", [(1, "call")]),
        ("exec('import os')", [(1, "code")]),
        ("x = eval('1 + 1')", [(1, "code")]),
        ("m = __import__('os')", [(1, "import")]),
        ("import importlib\nm = importlib.import_module('os')", [(2, "import")]),
        ("import os\nos.system('rm -rf ~')", [(2, "process")]),
        ("import subprocess\nsubprocess.run(['ls'])", [(2, "process")]),
        ("import socket\ns = socket.create_connection(('h', 1))", [(2, "network")]),
        ("import urllib.request\nurllib.request.urlopen('http://x')", [(2, "network")]),
        ("data = open('/etc/passwd').read()", [(1, "call"), (1, "file")]),
        ("import shutil\nshutil.rmtree('/tmp/x')", [(2, "file")]),
        ("while True:\n    pass", [(1, "statement")]),
        ("for i in range(3):\n    pass", [(1, "statement"), (1, "call")]),
        ("def f(x=print('at def time')):\n    pass", [(1, "call")]),
        ("def f(x: print('annotation')):\n    pass", [(1, "call")]),
        ("class A:\n    x = print('class body')", [(2, "call")]),
        ("@register()\ndef f(image):\n    pass", [(1, "call")]),
        ("with open('x') as fh:\n    pass", [(1, "statement"), (1, "file")]),
        ("raise SystemExit(0)", [(1, "statement"), (1, "call")]),
        ("if print('x'):\n    pass", [(1, "call")]),
    ],
)
def test_what_runs_at_import_is_reported(code: str, expected: list[tuple[int, str]]) -> None:
    assert sorted(kinds(code)) == sorted(expected)


def test_annotations_under_future_import_are_not_evaluated() -> None:
    code = "from __future__ import annotations\ndef f(x: print('no')):\n    pass\n"
    assert import_report(code).clean


def test_risky_imports_are_listed_apart() -> None:
    report = import_report("import os\nimport subprocess\nfrom socket import socket\n")
    assert report.clean  # importing is not running anything worrying by itself
    assert report.risky_imports == ("os", "socket", "subprocess")
    assert report.lines() == [
        "clean: imports and definitions only",
        "imports that reach outside Python: os, socket, subprocess",
    ]


def test_code_that_does_not_parse_is_not_clean() -> None:
    report = import_report("def (:\n")
    assert not report.clean
    assert report.summary().startswith("does not parse")
