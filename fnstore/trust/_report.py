"""What a module does at import time, read from its syntax tree without running it.

Importing a module runs its top level.  For a function module that should be
imports, ``def`` and ``class`` statements and simple assignments; anything
else (a call, a loop, a ``with`` block, ``exec``) runs code the moment the
module loads, before any of its functions is called.  :func:`import_report`
lists each such thing with its line, and names the worrying kinds (files,
processes, network, code from strings, imports by name) so a reviewer sees at
a glance what accepting the module would run.

What counts as running at import time: top-level statements, class bodies,
decorator expressions (the memory-type decorators, called or bare, are
expected and not reported), default values and annotations of top-level
functions (evaluated when the ``def`` runs; annotations not under
``from __future__ import annotations``).  ``if __name__ == "__main__":``
bodies never run on import and are skipped.

The report also lists, apart, the modules the code imports that can reach
files, processes or the network: not an import-time action, but worth a
reviewer's look at the functions that use them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fnstore._parse import parse as parse_source

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Finding", "ImportReport", "import_report"]

_DECORATORS = frozenset(
    {"numpy", "cupy", "torch", "tensorflow", "jax", "pyclesperanto", "memory_types"}
    | {"special_inputs", "special_outputs"}
)

# Callee (dotted name, or its first part) -> the kind of access it means.
_CODE = frozenset({"exec", "eval", "compile", "execfile", "runpy.run_path", "runpy.run_module"})
_IMPORT = frozenset({"__import__", "importlib.import_module", "importlib.reload"})
_PROCESS_MODULES = ("subprocess", "multiprocessing", "pty", "signal")
_PROCESS_CALLS = frozenset(
    {"os.system", "os.popen", "os.fork", "os.kill", "os._exit", "sys.exit", "exit", "quit"}
)
_NETWORK_MODULES = (
    "socket",
    "urllib",
    "http",
    "requests",
    "httpx",
    "ftplib",
    "smtplib",
    "telnetlib",
    "paramiko",
    "aiohttp",
    "webbrowser",
)
_FILE_MODULES = ("shutil", "tempfile", "glob", "pathlib", "io")
_FILE_CALLS = frozenset({"open", "os.remove", "os.unlink", "os.rmdir", "os.rename", "os.replace"})
_FILE_METHODS = frozenset(
    {"write_text", "write_bytes", "read_text", "read_bytes", "unlink", "rmtree", "touch", "mkdir"}
)
#: Modules whose import is listed (not refused) as reaching outside Python.
_RISKY_IMPORTS = frozenset(
    {"os", "sys", "ctypes", "importlib", "builtins", "pickle", "marshal", "runpy", "shutil"}
    | set(_PROCESS_MODULES)
    | set(_NETWORK_MODULES)
)


@dataclass(frozen=True)
class Finding:
    """One thing the module does at import time.

    Attributes
    ----------
    line
        Its line in ``source.py``.
    kind
        ``"code"`` (exec/eval/compile), ``"import"`` (``__import__``,
        ``importlib``), ``"process"``, ``"network"``, ``"file"``, ``"call"``
        (any other call) or ``"statement"`` (a loop, ``with``, ``raise``...).
    what
        A short description, e.g. ``"calls os.system(...)"``.
    """

    line: int
    kind: str
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what} ({self.kind})"


@dataclass(frozen=True)
class ImportReport:
    """What importing a module would do beyond imports, definitions and simple assignments.

    ``findings`` is empty for a well-behaved function module (``clean``).
    ``risky_imports`` lists imported modules that reach files, processes or
    the network (information for a reviewer; never a reason to refuse).
    ``error`` is set when the code does not even parse.
    """

    findings: tuple[Finding, ...] = ()
    risky_imports: tuple[str, ...] = ()
    error: str | None = None

    @property
    def clean(self) -> bool:
        """True when importing the module runs nothing but definitions."""
        return not self.findings and self.error is None

    def summary(self) -> str:
        """One line: ``"clean"`` or what it does, for listings."""
        if self.error is not None:
            return f"does not parse: {self.error}"
        if not self.findings:
            return "clean: imports and definitions only"
        kinds = sorted({f.kind for f in self.findings})
        return (
            f"runs code at import time ({', '.join(kinds)}): "
            + "; ".join(str(f) for f in self.findings[:3])
            + (f"; and {len(self.findings) - 3} more" if len(self.findings) > 3 else "")
        )

    def lines(self) -> list[str]:
        """Every finding and the risky imports, one per line, for a review."""
        out = [self.summary()] if self.error is not None or not self.findings else []
        out += [str(f) for f in self.findings]
        if self.risky_imports:
            out.append("imports that reach outside Python: " + ", ".join(self.risky_imports))
        return out


def import_report(source: str) -> ImportReport:
    """Read ``source``'s syntax tree and report what its import would run (never runs it)."""
    try:
        tree = parse_source(source)
    except (SyntaxError, ValueError) as exc:
        return ImportReport(error=str(exc))
    walker = _Walker(
        future_annotations=any(
            isinstance(n, ast.ImportFrom)
            and n.module == "__future__"
            and any(a.name == "annotations" for a in n.names)
            for n in tree.body
        )
    )
    walker.block(tree.body)
    return ImportReport(tuple(walker.findings), tuple(sorted(walker.risky)))


@dataclass
class _Walker:
    future_annotations: bool
    findings: list[Finding] = field(default_factory=list)
    risky: set[str] = field(default_factory=set)

    def block(self, body: list[ast.stmt]) -> None:
        for node in body:
            self.statement(node)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                if name and name.split(".")[0] in _RISKY_IMPORTS:
                    self.risky.add(name.split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                self.decorator(deco)
            args = node.args
            self.expressions([*args.defaults, *(d for d in args.kw_defaults if d is not None)])
            if not self.future_annotations:
                notes = [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
                notes += [a.annotation for a in (args.vararg, args.kwarg) if a is not None]
                self.expressions([*notes, node.returns])
        elif isinstance(node, ast.ClassDef):
            for deco in node.decorator_list:
                self.decorator(deco)
            self.expressions([*node.bases, *(k.value for k in node.keywords)])
            self.block(node.body)  # a class body runs when the class statement does
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            self.expressions([*targets, node.value])
            if isinstance(node, ast.AnnAssign) and not self.future_annotations:
                self.expressions([node.annotation])
        elif isinstance(node, ast.Expr):
            if not isinstance(node.value, ast.Constant):  # a docstring is fine
                self.expressions([node.value])
        elif isinstance(node, ast.If):
            if _is_main_guard(node.test):
                self.block(node.orelse)  # the body never runs on import
                return
            self.expressions([node.test])
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.block(node.body)
            for handler in node.handlers:
                self.expressions([handler.type])
                self.block(handler.body)
            self.block(node.orelse)
            self.block(node.finalbody)
        elif isinstance(node, ast.Pass | ast.Global | ast.Nonlocal):
            return
        else:
            kind = type(node).__name__.lower()
            self.findings.append(Finding(node.lineno, "statement", f"a `{kind}` statement"))
            self.expressions(list(ast.iter_child_nodes(node)))  # and what it calls

    def decorator(self, node: ast.expr) -> None:
        target = node.func if isinstance(node, ast.Call) else node
        if _dotted(target).rsplit(".", 1)[-1] in _DECORATORS:
            if isinstance(node, ast.Call):
                self.expressions([*node.args, *(k.value for k in node.keywords)])
            return
        self.expressions([node] if isinstance(node, ast.Call) else [])

    def expressions(self, nodes: Sequence[ast.AST | None]) -> None:
        for root in nodes:
            if root is not None:
                for node in _evaluated(root):
                    if isinstance(node, ast.Call):
                        self.findings.append(_call_finding(node))
                    elif isinstance(node, ast.Await | ast.Yield | ast.YieldFrom | ast.NamedExpr):
                        what = type(node).__name__.lower()
                        self.findings.append(Finding(node.lineno, "statement", f"a `{what}`"))


def _evaluated(root: ast.AST) -> list[ast.AST]:
    """Every node under ``root`` that runs when it is evaluated (not a lambda's body)."""
    out: list[ast.AST] = []
    stack = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda n: getattr(n, "lineno", 0))


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else f"?.{node.attr}"
    if isinstance(node, ast.Call):
        inner = _dotted(node.func)
        return f"{inner}(...)" if inner else ""
    return ""


def _call_finding(call: ast.Call) -> Finding:
    name = _dotted(call.func) or "an expression's result"
    root = name.split(".")[0]
    method = name.rsplit(".", 1)[-1]
    if name in _CODE:
        kind = "code"
    elif name in _IMPORT:
        kind = "import"
    elif name in _PROCESS_CALLS or root in _PROCESS_MODULES or method.startswith(("exec", "spawn")):
        kind = (
            "process"
            if root in ("os", "subprocess", "multiprocessing", "pty") or (name in _PROCESS_CALLS)
            else "call"
        )
    elif root in _NETWORK_MODULES:
        kind = "network"
    elif name in _FILE_CALLS or root in _FILE_MODULES or method in _FILE_METHODS:
        kind = "file"
    elif root == "os":
        kind = "file"  # os.makedirs, os.chmod, os.chdir...: the file system
    else:
        kind = "call"
    return Finding(call.lineno, kind, f"calls {name}(...)")
