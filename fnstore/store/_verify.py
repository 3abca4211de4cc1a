"""Run code about to be saved, once, to check that it really does what its syntax says.

Introspection (:func:`fnstore.manifest.introspect`) reads the functions from
the syntax tree; this check then executes the code in a fresh namespace and
verifies that each of those functions exists and carries both memory-type
attributes (``input_memory_type``, ``output_memory_type``) with the same values.

Imports of packages that are not installed here (cupy on a laptop) do not
block a save: they are replaced by inert stand-ins, the code runs on, and the
names are returned so the manifest can record them (``missing_imports``).
Every other failure (NameError, TypeError, an import of something that is
installed but broken, even ``SystemExit`` or ``KeyboardInterrupt``) is refused
with :class:`InvalidCodeError`.  A save runs this in the check worker
(:mod:`fnstore.store._checkworker`), never in the caller's process.
"""

from __future__ import annotations

import builtins
import importlib.util
from typing import TYPE_CHECKING, Any

from fnstore.errors import InvalidCodeError, MissingDependencyError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from fnstore.manifest import FunctionInfo

__all__ = ["check_code"]

_FILENAME = "<fnstore: code being saved>"


class _Absent:
    """Stands in for anything reached through a package that is not installed."""

    def __init__(self, name: str = "?", *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "_fnstore_name", name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Absent(f"{object.__getattribute__(self, '_fnstore_name')}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Used as a decorator, give the function back so its attributes survive.
        if len(args) == 1 and not kwargs and callable(args[0]):
            return args[0]
        return _Absent(f"{object.__getattribute__(self, '_fnstore_name')}()")

    def __getitem__(self, key: Any) -> Any:
        return self

    def __iter__(self) -> Any:
        return iter(())

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        return ()  # 'class X(absent.Base)' becomes a plain class


def _not_installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):
        return True


def check_code(
    code: str, functions: Sequence[FunctionInfo], imports: Sequence[str] = ()
) -> list[str]:
    """Execute ``code`` once and check ``functions``; return the imports not installed here.

    ``imports`` are the top-level modules the code imports (from the syntax
    tree): some pairs of backends must be loaded in a safe order before the
    code's own plain ``import`` lines run (see :func:`fnstore.memory.prepare_imports`).

    Raises
    ------
    InvalidCodeError
        The code fails when run, a function is missing, or it lacks (or
        disagrees on) its memory-type attributes.
    BackendUnavailableError
        The code would load backends in an order that crashes this process.
    """
    from fnstore._standin import ensure_openhcs_decorators
    from fnstore.memory import prepare_imports

    ensure_openhcs_decorators()
    prepare_imports(imports)
    missing: set[str] = set()

    def guarded_import(
        name: str,
        globals_: Mapping[str, object] | None = None,
        locals_: Mapping[str, object] | None = None,
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> Any:
        try:
            return builtins.__import__(name, globals_, locals_, fromlist, level)
        except ImportError as exc:
            top = name.split(".")[0]
            if level == 0 and (exc.name or top).split(".")[0] == top and _not_installed(top):
                missing.add(top)
                return _Absent(name if fromlist else top)
            raise

    namespace_builtins = dict(vars(builtins))
    namespace_builtins["__import__"] = guarded_import
    namespace: dict[str, Any] = {
        "__name__": "fnstore_saved_code",
        "__builtins__": namespace_builtins,
    }
    complete = True
    try:
        exec(compile(code, _FILENAME, "exec"), namespace)
    except MissingDependencyError as exc:
        if not _not_installed(exc.package):
            raise InvalidCodeError(f"the code failed when run: {exc}") from exc
        missing.add(exc.package)
        complete = False
    except BaseException as exc:  # SystemExit, KeyboardInterrupt: this runs in the check worker
        raise InvalidCodeError(
            f"the code failed when run{_line_of(exc)}: it raised {_described(exc)}; "
            "fix it and save again"
        ) from exc
    for info in functions:
        _check_function(namespace.get(info.name), info, complete=complete)
    return sorted(missing)


def _check_function(obj: Any, info: FunctionInfo, *, complete: bool) -> None:
    if obj is None:
        if not complete:
            return  # stopped early at a missing package: the syntax tree has to do
        raise InvalidCodeError(
            f"function {info.name!r} (line {info.lineno}) is not defined when the code runs: "
            "define it at module level, unconditionally"
        )
    found = [getattr(obj, attr, None) for attr in ("input_memory_type", "output_memory_type")]
    if any(value is None for value in found):
        raise InvalidCodeError(
            f"function {info.name!r} (line {info.lineno}) has no input_memory_type/"
            "output_memory_type after decoration: decorate it with a memory type such as "
            "@numpy (from fnstore import numpy) and keep that decorator outermost"
        )
    values = [str(getattr(value, "value", value)) for value in found]
    expected = [info.input_memory_type, info.output_memory_type]
    if values != expected:
        raise InvalidCodeError(
            f"function {info.name!r} (line {info.lineno}) reads as {expected[0]} -> "
            f"{expected[1]} but runs as {values[0]} -> {values[1]}: make its decorator say "
            "what the code does"
        )


def _described(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _line_of(exc: BaseException) -> str:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None and isinstance(exc, SyntaxError) and exc.filename == _FILENAME:
        line = exc.lineno
    return f" (line {line})" if line else ""
