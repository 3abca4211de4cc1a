"""Rename a module's own functions in its source, for a merge's ``both`` choice.

When a pull keeps both versions of a module, the remote's copy becomes
``<module>_theirs`` and its functions ``<name>_theirs`` (function names are
unique across a store).  The rename must change exactly the places that mean
*this module's function*, and nothing else:

- the ``def`` statement's name;
- every use of the name that Python resolves to the module-level function:
  module-level code (``__all__`` aside, which is a string) and functions that
  do not bind the name themselves.

It must leave alone strings, comments, attributes (``ndi.blur``), keyword
arguments (``f(blur=1)``), and parameters or locals that happen to share the
name, together with their uses.  A regex cannot tell these apart; a token
scan can tell strings and attributes but not scopes.  So this walks the
syntax tree with a small scope analysis (the binding rules of functions,
lambdas, classes and comprehensions) and edits the source text at the exact
positions of the nodes found, so everything else is kept byte for byte.
"""

from __future__ import annotations

import ast
import re

from fnstore._parse import parse as parse_source

__all__ = ["rename_functions"]

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
EMPTY: frozenset[str] = frozenset()


def _bound_in(body: list[ast.stmt] | list[ast.expr], args: ast.arguments | None) -> set[str]:
    """Names a scope binds itself (its own, not those of nested scopes), minus globals."""
    bound: set[str] = set()
    declared_global: set[str] = set()
    if args is not None:
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        bound.update(a.arg for a in every if a is not None)
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        if isinstance(node, _SCOPES):
            if not isinstance(node, ast.Lambda):
                bound.add(node.name)
            # a nested scope's decorators, defaults and bases run in this scope
            todo.extend(getattr(node, "decorator_list", []))
            todo.extend(getattr(node, "bases", []))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                todo.extend(d for d in [*node.args.defaults, *node.args.kw_defaults] if d)
            continue
        if isinstance(node, _COMPREHENSIONS):
            continue  # its targets are its own
        todo.extend(ast.iter_child_nodes(node))
    return bound - declared_global


def _references(tree: ast.Module, names: set[str]) -> list[ast.Name]:
    """Name nodes that refer to the module-level binding of one of ``names``."""
    found: list[ast.Name] = []

    def visit(node: ast.AST, shadowed: frozenset[str], attrs: frozenset[str] = EMPTY) -> None:
        if isinstance(node, ast.Name):
            if node.id in names and node.id not in shadowed:
                # in a class body, assigning the name makes a class attribute
                if not (node.id in attrs and isinstance(node.ctx, ast.Store | ast.Del)):
                    found.append(node)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            outer = [*getattr(node, "decorator_list", []), *node.args.defaults]
            outer += [d for d in node.args.kw_defaults if d is not None]
            if not isinstance(node, ast.Lambda):
                outer += [a.annotation for a in _all_args(node.args) if a.annotation]
                outer += [node.returns] if node.returns else []
            for child in outer:
                visit(child, shadowed)
            body = node.body if isinstance(node.body, list) else [node.body]
            inner = shadowed | _bound_in(body, node.args)
            for child in body:
                visit(child, frozenset(inner))
            return
        if isinstance(node, ast.ClassDef):
            for child in [*node.decorator_list, *node.bases, *node.keywords]:
                visit(child, shadowed)
            # A class body reads names from the class, then the module (so a use
            # before any class attribute of that name is the function); what
            # it assigns are class attributes, which keep their names.
            own = frozenset(_bound_in(node.body, None))
            for child in node.body:
                visit(child, shadowed, EMPTY if isinstance(child, _SCOPES) else own)
            return
        if isinstance(node, _COMPREHENSIONS):
            targets = {
                n.id
                for gen in node.generators
                for n in ast.walk(gen.target)
                if isinstance(n, ast.Name)
            }
            for child in ast.iter_child_nodes(node):
                visit(child, frozenset(shadowed | targets))
            return
        for child in ast.iter_child_nodes(node):
            visit(child, shadowed, attrs)

    visit(tree, EMPTY)
    return found


def _global_statements(tree: ast.Module, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) for each ``global name`` statement naming one of ``names``."""
    return [
        (node.lineno, name)
        for node in ast.walk(tree)
        if isinstance(node, ast.Global)
        for name in node.names
        if name in names
    ]


def _all_args(args: ast.arguments) -> list[ast.arg]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return [a for a in every if a is not None]


def rename_functions(source: str, renames: dict[str, str]) -> str:
    """Rename module-level functions of ``source`` (see the module docstring).

    Parameters
    ----------
    source
        The module's code (it must parse).
    renames
        Old function name -> new name.

    Returns
    -------
    str
        The code with the definitions and their references renamed.
    """
    tree = parse_source(source)
    lines = [line.encode("utf-8") for line in source.splitlines(keepends=True)]
    # (line, start byte, end byte, new name); ast offsets are UTF-8 byte offsets
    edits: list[tuple[int, int, int, str]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in renames:
            line = lines[node.lineno - 1]
            keyword = line.index(b"def", node.col_offset) + 3
            start = keyword + len(line[keyword:]) - len(line[keyword:].lstrip())
            edits.append((node.lineno, start, start + len(node.name.encode()), renames[node.name]))
    for ref in _references(tree, set(renames)):
        if ref.end_col_offset is not None:
            edits.append((ref.lineno, ref.col_offset, ref.end_col_offset, renames[ref.id]))
    for row, old in _global_statements(tree, set(renames)):
        # `global blur` holds the name as text: find it after the keyword
        line = lines[row - 1]
        at = line.index(b"global") + len(b"global")
        match = re.compile(rb"\b" + re.escape(old.encode()) + rb"\b").search(line, at)
        if match is not None:
            edits.append((row, match.start(), match.end(), renames[old]))
    for row, start, end, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new.encode("utf-8") + line[end:]
    return b"".join(lines).decode("utf-8")
