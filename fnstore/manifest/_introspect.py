"""Read a code block's decorated functions from its syntax tree, never executing it.

Recognised decorators (bare or called, under any alias the code imports them as):

* the six memory-type decorators ``numpy``, ``cupy``, ``torch``,
  ``tensorflow``, ``jax``, ``pyclesperanto`` from ``fnstore`` /
  ``fnstore.memory``, from OpenHCS (``openhcs.core.memory``, as its own
  templates write it, or ``openhcs.core.memory.decorators``), or from the
  ``arraybridge`` package OpenHCS builds on (``arraybridge`` or
  ``arraybridge.decorators``): ``@numpy``, ``@fnstore.numpy``,
  ``@numpy(oom_recovery=False)``, ``import arraybridge as ab`` then
  ``@ab.numpy``, ``from openhcs.core.memory import numpy as numpy_func``;
* ``memory_types("numpy", "torch")`` or with ``input_type=``/``output_type=``,
  from any of those modules;
* OpenHCS's ``special_inputs(...)`` / ``special_outputs(...)``, whose names are recorded.

Only module-level ``def`` statements count: that is what the registry can load.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fnstore._parse import parse as parse_source
from fnstore.errors import InvalidCodeError, InvalidNameError
from fnstore.manifest._models import DecoratorPackage, FunctionInfo, Parameter
from fnstore.manifest._names import check_name

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["DECORATOR_MODULES", "MEMORY_TYPES", "Introspection", "decorator_package", "introspect"]

MEMORY_TYPES = ("numpy", "cupy", "torch", "tensorflow", "jax", "pyclesperanto")
#: Modules whose attributes of those names are the memory-type decorators,
#: and the package each belongs to (recorded in the manifest as ``decorators_from``).
DECORATOR_MODULES: dict[str, DecoratorPackage] = {
    "fnstore": "fnstore",
    "fnstore.memory": "fnstore",
    "openhcs.core.memory": "openhcs",
    "openhcs.core.memory.decorators": "openhcs",
    "arraybridge": "arraybridge",
    "arraybridge.decorators": "arraybridge",
}
_MEMORY_TYPES_DECORATOR = "memory_types"
_SPECIAL = ("special_inputs", "special_outputs")
_BARE = "<bare>"  # marks a name the code never imported


@dataclass(frozen=True)
class Introspection:
    """What :func:`introspect` found in a code block."""

    functions: list[FunctionInfo]
    imports: list[str] = field(default_factory=list)


def introspect(code: str) -> Introspection:
    """Find the decorated functions and the imports of ``code`` by its syntax tree.

    Raises
    ------
    InvalidCodeError
        The code does not parse, defines no decorated function, defines one
        twice, or writes a memory type that cannot be read without running it.
    InvalidNameError
        A decorated function's name is not a safe name.
    """
    tree = parse(code)
    aliases, rebound = _aliases(tree)
    functions: list[FunctionInfo] = []
    seen: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        info = _function_info(node, aliases, rebound)
        if info is None:
            continue
        if info.name in seen:
            raise InvalidCodeError(
                f"function {info.name!r} is defined twice (line {node.lineno}): keep one definition"
            )
        seen.add(info.name)
        functions.append(info)
    if not functions:
        raise InvalidCodeError(
            "no decorated function found: decorate at least one module-level function with a "
            "memory type, e.g. '@numpy' after 'from fnstore import numpy'"
        )
    return Introspection(functions=functions, imports=_imports(tree))


def parse(code: str) -> ast.Module:
    """Parse ``code``, turning every way parsing can fail into :class:`InvalidCodeError`."""
    try:
        return parse_source(code, filename="source.py")
    except SyntaxError as exc:
        where = f" at line {exc.lineno}" if exc.lineno else ""
        raise InvalidCodeError(
            f"the code has a syntax error{where}: {exc.msg}; fix it and save again"
        ) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        # null bytes (ValueError) or absurd nesting (RecursionError/MemoryError)
        raise InvalidCodeError(f"the code cannot be parsed ({exc}); fix it and save again") from exc


def _bindings(node: ast.AST) -> Iterator[tuple[str, str]]:
    """``(local name, dotted path)`` for each name an import statement binds."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:  # 'import a.b' binds 'a'
                first = alias.name.split(".")[0]
                yield first, first
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            if alias.name != "*":
                yield alias.asname or alias.name, f"{node.module}.{alias.name}"


def _aliases(tree: ast.Module) -> tuple[dict[str, str], dict[str, int]]:
    """Local name -> the dotted path it was imported as, for every import in the code.

    Also returns the memory-type decorators that a later import rebinds, with
    the line that imported the decorator: OpenHCS 0.8.6's own torch template
    writes ``from openhcs.core.memory import torch`` and then ``import torch``,
    so ``@torch`` is the torch package (and OpenHCS fails on it too).
    """
    aliases: dict[str, str] = {}
    decorator_line: dict[str, int] = {}
    rebound: dict[str, int] = {}
    for node in ast.walk(tree):
        for local, path in _bindings(node):
            aliases[local] = path
            found = _decorator_kind(path)
            if found is not None and found[0] not in _SPECIAL:
                decorator_line[local] = getattr(node, "lineno", 0)
                rebound.pop(local, None)
            elif local in decorator_line:
                rebound[local] = decorator_line[local]
    return aliases, rebound


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """Return the full dotted path an expression like ``fs.numpy`` refers to, if it is one."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, f"{_BARE}.{node.id}"))
    return ".".join(reversed(parts))


def decorator_package(module: str) -> DecoratorPackage | None:
    """Return the package (fnstore, openhcs, arraybridge) whose decorators ``module`` holds."""
    if module.startswith("fnstore.memory."):
        return "fnstore"
    return DECORATOR_MODULES.get(module)


def _decorator_kind(path: str) -> tuple[str, DecoratorPackage | None] | None:
    """``(kind, package)`` when ``path`` names a decorator fnstore reads, else None.

    ``kind`` is a memory type, ``memory_types`` or a special-io name; ``package``
    is where the memory decorator comes from (None: used without an import).
    """
    module, _, name = path.rpartition(".")
    if name in (*MEMORY_TYPES, _MEMORY_TYPES_DECORATOR):
        if module == _BARE:
            return name, None
        package = decorator_package(module)
        if package is not None:
            return name, package
    if name in _SPECIAL:
        return name, None
    return None


def _function_info(
    node: ast.FunctionDef | ast.AsyncFunctionDef, aliases: dict[str, str], rebound: dict[str, int]
) -> FunctionInfo | None:
    types: tuple[str, str] | None = None
    package: DecoratorPackage | None = None
    special: dict[str, list[str]] = {name: [] for name in _SPECIAL}
    for deco in node.decorator_list:
        call = deco if isinstance(deco, ast.Call) else None
        path = _dotted(call.func if call else deco, aliases)
        found = _decorator_kind(path) if path else None
        if found is None:
            _check_not_rebound(call.func if call else deco, rebound, node)
            continue
        kind = found[0]
        if kind in _SPECIAL:
            special[kind].extend(_special_names(call))
        elif types is None:  # the outermost memory decorator is the one that wins
            types = _memory_types(kind, call, node)
            package = found[1]
    if types is None:
        return None
    try:
        check_name(node.name)
    except InvalidNameError as exc:
        raise InvalidNameError(f"{exc} (def on line {node.lineno})") from None
    return FunctionInfo(
        name=node.name,
        input_memory_type=types[0],
        output_memory_type=types[1],
        decorators_from=package,
        parameters=_parameters(node.args),
        docstring=ast.get_docstring(node),
        special_inputs=special["special_inputs"],
        special_outputs=special["special_outputs"],
        lineno=node.lineno,
    )


def _check_not_rebound(
    deco: ast.expr, rebound: dict[str, int], node: ast.FunctionDef | ast.AsyncFunctionDef
) -> None:
    if isinstance(deco, ast.Name) and deco.id in rebound:
        name = deco.id
        raise InvalidCodeError(
            f"@{name} on {node.name!r} (line {node.lineno}) is not the memory decorator "
            f"imported on line {rebound[name]}: a later import rebinds the name {name!r}. "
            f"Import the decorator under another name, e.g. 'from openhcs.core.memory import "
            f"{name} as {name}_func' and write @{name}_func"
        )


def _memory_types(
    kind: str, call: ast.Call | None, node: ast.FunctionDef | ast.AsyncFunctionDef
) -> tuple[str, str]:
    if kind != _MEMORY_TYPES_DECORATOR:
        return kind, kind
    given: dict[str, ast.expr] = {}
    if call is not None:
        for key, arg in zip(("input_type", "output_type"), call.args, strict=False):
            given[key] = arg
        given.update({kw.arg: kw.value for kw in call.keywords if kw.arg})
    values = [_memory_type_literal(given.get(key)) for key in ("input_type", "output_type")]
    if values[0] is None or values[1] is None:
        raise InvalidCodeError(
            f"the memory types of {node.name!r} (line {node.lineno}) cannot be read without "
            f"running the code: write them as literals, e.g. "
            f'@memory_types("numpy", "torch") or input_type="numpy", output_type="torch", '
            f"using {', '.join(MEMORY_TYPES)}"
        )
    return values[0], values[1]


def _memory_type_literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        value = node.value.lower()
    elif isinstance(node, ast.Attribute):  # MemoryType.NUMPY
        value = node.attr.lower()
    else:
        return None
    return value if value in MEMORY_TYPES else None


def _special_names(call: ast.Call | None) -> list[str]:
    names: list[str] = []
    for arg in call.args if call else []:
        if isinstance(arg, ast.Tuple) and arg.elts:  # ("name", materializer)
            arg = arg.elts[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.append(arg.value)
    return names


def _parameters(args: ast.arguments) -> list[Parameter]:
    positional = [*args.posonlyargs, *args.args]
    # defaults belong to the last len(defaults) positional parameters
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults.extend(args.defaults)
    entries: list[tuple[ast.arg, str, ast.expr | None]] = []
    for i, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = "positional_only" if i < len(args.posonlyargs) else "positional_or_keyword"
        entries.append((arg, kind, default))
    if args.vararg:
        entries.append((args.vararg, "var_positional", None))
    entries.extend(
        (arg, "keyword_only", default)
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    )
    if args.kwarg:
        entries.append((args.kwarg, "var_keyword", None))
    return [_parameter(arg, kind, default) for arg, kind, default in entries]


def _parameter(arg: ast.arg, kind: str, default: ast.expr | None) -> Parameter:
    annotation = ast.unparse(arg.annotation) if arg.annotation else None
    if default is None:
        return Parameter(name=arg.arg, kind=kind, annotation=annotation)  # type: ignore[arg-type]
    value, is_json = _json_literal(default)
    return Parameter(
        name=arg.arg,
        kind=kind,  # type: ignore[arg-type]
        has_default=True,
        default=value if is_json else None,
        default_source=None if is_json else ast.unparse(default),
        annotation=annotation,
    )


def _json_literal(node: ast.expr) -> tuple[Any, bool]:
    """``(value, True)`` when ``node`` is a literal JSON represents exactly."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, False
    return value, _is_json(value)


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False  # tuples, sets, bytes, complex: kept as source text


def _imports(tree: ast.Module) -> list[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    names.discard("__future__")
    return sorted(names)
