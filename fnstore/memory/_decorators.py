"""The memory-type decorators: ``@numpy``, ``@torch``... and ``@memory_types``.

A decorated function carries ``input_memory_type`` and ``output_memory_type``
attributes, exactly as OpenHCS's decorators set them, so OpenHCS reads ours
and :func:`memory_type_of` reads OpenHCS's (or plain attributes set by hand).

Calling it, the first positional argument (the image stack) is converted to
the declared input type if it has another one; arguments that are no array at
all pass unchanged.  The check is ``type(arg) in <set of classes>``, so when
the input already has the declared type the call costs a few hundred
nanoseconds more than calling the function itself.  Options, all off the fast
path unless asked for:

``preserve_dtype``
    cast the result back to the input's dtype (rounding and clipping into an
    integer type's range).
``oom_recovery``
    (on by default for GPU types) when the call runs out of device memory,
    free the frameworks' memory pools and try once more, then raise
    :class:`~fnstore.errors.GPUOutOfMemoryError`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, overload

import numpy as np

from fnstore.errors import GPUOutOfMemoryError, MemoryTypeError
from fnstore.memory._backends import free_memory_pool, is_out_of_memory
from fnstore.memory._convert import convert
from fnstore.memory._dtype import cast_to, numpy_dtype
from fnstore.memory._types import GPU_TYPES, MemoryType, as_memory_type, detect_memory_type

__all__ = [
    "MemoryDecorator",
    "cupy",
    "jax",
    "memory_type_of",
    "memory_types",
    "numpy",
    "pyclesperanto",
    "tensorflow",
    "torch",
]

F = TypeVar("F", bound=Callable[..., Any])

# Per declared input type: the classes of first arguments that are passed on
# unchanged (arrays of that type, and things that are no array at all).  A
# class's answer never changes, so it is learnt once and then costs one lookup.
_PASS: dict[MemoryType, set[type]] = {mt: set() for mt in MemoryType}
_PASS[MemoryType.NUMPY].add(np.ndarray)


def _coerce(args: tuple[Any, ...], mt: MemoryType, passing: set[type]) -> tuple[Any, ...]:
    first = args[0]
    try:
        found = detect_memory_type(first)
    except MemoryTypeError:
        found = None  # a list of stacks, a path...: the function knows what it wants
    if found is None or found is mt:
        passing.add(type(first))
        return args
    return (convert(first, mt), *args[1:])


def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _retry_after_oom(func: Callable[..., Any], args: Any, kwargs: Any, first_error: str) -> Any:
    """Free every loaded framework's pool (another may hold the memory), then try once more."""
    for mt in GPU_TYPES:
        free_memory_pool(mt)
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        name = getattr(func, "__qualname__", repr(func))
        raise GPUOutOfMemoryError(
            f"{name} ran out of GPU memory twice, even after the memory pools were freed "
            f"({first_error}). Process the stack in smaller pieces, free other GPU work, "
            "or run it on a GPU with more memory"
        ) from exc


def _call_recovering(func: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        first_error = _brief(exc)
    # Outside the except block: the traceback, whose frames hold the arrays that
    # filled the device, is gone before the pools are freed.
    return _retry_after_oom(func, args, kwargs, first_error)


def _restore(result: Any, dtype: np.dtype[Any] | None) -> Any:
    if dtype is None:
        return result
    if isinstance(result, tuple) and result:
        # OpenHCS special outputs: (image, extra...) — only the image is cast.
        return (_restore(result[0], dtype), *result[1:])
    try:
        return cast_to(result, dtype)
    except MemoryTypeError:
        return result  # not an array (a measurement, None): nothing to cast


def _input_dtype(args: tuple[Any, ...]) -> np.dtype[Any] | None:
    if not args:
        return None
    try:
        return numpy_dtype(args[0])
    except MemoryTypeError:
        return None


def _wrap(
    func: F, in_mt: MemoryType, out_mt: MemoryType, *, preserve_dtype: bool, oom_recovery: bool
) -> F:
    if not callable(func):
        raise MemoryTypeError(
            f"@{in_mt.value} decorates functions, not {type(func).__name__}: "
            f"put it on the line above a def"
        )
    for attr, wanted in (("input_memory_type", in_mt), ("output_memory_type", out_mt)):
        have = getattr(func, attr, None)
        if have is not None and have != wanted:
            raise MemoryTypeError(
                f"{_name(func)} already has {attr} {str(have)!r}, "
                f"not {wanted.value!r}: keep one memory-type decorator"
            )
    passing = _PASS[in_mt]

    # Three shapes of wrapper, so the common one does no more than it must.
    if preserve_dtype:

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if args and type(args[0]) not in passing:
                args = _coerce(args, in_mt, passing)
            dtype = _input_dtype(args)
            if oom_recovery:
                return _restore(_call_recovering(func, args, kwargs), dtype)
            return _restore(func(*args, **kwargs), dtype)

    elif oom_recovery:

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if args and type(args[0]) not in passing:
                args = _coerce(args, in_mt, passing)
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                if not is_out_of_memory(exc):
                    raise
                first_error = _brief(exc)
            return _retry_after_oom(func, args, kwargs, first_error)

    else:

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if args and type(args[0]) not in passing:
                args = _coerce(args, in_mt, passing)
            return func(*args, **kwargs)

    functools.update_wrapper(wrapper, func)
    wrapper.input_memory_type = in_mt  # type: ignore[attr-defined]
    wrapper.output_memory_type = out_mt  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def memory_types(
    input_type: MemoryType | str,
    output_type: MemoryType | str,
    *,
    preserve_dtype: bool = False,
    oom_recovery: bool | None = None,
) -> Callable[[F], F]:
    """Declare the memory types a function takes and returns.

    Parameters
    ----------
    input_type, output_type
        Memory types (a :class:`MemoryType` or its name, e.g. ``"torch"``).
    preserve_dtype
        Cast the result back to the dtype of the first argument.
    oom_recovery
        On running out of device memory, free the memory pools and retry once.
        None (the default) turns it on when either type is a GPU type.

    Returns
    -------
    Callable
        A decorator.

    Raises
    ------
    MemoryTypeError
        If a type is not a memory type, or the function already declares others.
    """
    in_mt = as_memory_type(input_type)
    out_mt = as_memory_type(output_type)
    recover = (in_mt in GPU_TYPES or out_mt in GPU_TYPES) if oom_recovery is None else oom_recovery

    def decorate(func: F) -> F:
        return _wrap(func, in_mt, out_mt, preserve_dtype=preserve_dtype, oom_recovery=recover)

    return decorate


class MemoryDecorator(Protocol):
    """The shape of ``@numpy``, ``@torch``...: usable bare or called with options."""

    @overload
    def __call__(self, func: F, /) -> F: ...

    @overload
    def __call__(
        self,
        func: None = None,
        /,
        *,
        input_type: MemoryType | str | None = None,
        output_type: MemoryType | str | None = None,
        preserve_dtype: bool = False,
        oom_recovery: bool | None = None,
    ) -> Callable[[F], F]: ...


def _named(mt: MemoryType) -> MemoryDecorator:
    def decorator(
        func: Callable[..., Any] | None = None,
        /,
        *,
        input_type: MemoryType | str | None = None,
        output_type: MemoryType | str | None = None,
        preserve_dtype: bool = False,
        oom_recovery: bool | None = None,
    ) -> Any:
        decorate = memory_types(
            mt if input_type is None else input_type,
            mt if output_type is None else output_type,
            preserve_dtype=preserve_dtype,
            oom_recovery=oom_recovery,
        )
        return decorate if func is None else decorate(func)

    decorator.__name__ = decorator.__qualname__ = mt.value
    decorator.__module__ = "fnstore.memory"
    gpu = " OOM recovery is on by default." if mt in GPU_TYPES else ""
    decorator.__doc__ = (
        f"Declare a function that takes and returns {mt.value} arrays.\n\n"
        f"Use bare (``@{mt.value}``) or with options: ``@{mt.value}(input_type=..., "
        "output_type=..., preserve_dtype=False, oom_recovery=None)``; see "
        f":func:`memory_types`.{gpu}"
    )
    return decorator


numpy = _named(MemoryType.NUMPY)
cupy = _named(MemoryType.CUPY)
torch = _named(MemoryType.TORCH)
tensorflow = _named(MemoryType.TENSORFLOW)
jax = _named(MemoryType.JAX)
pyclesperanto = _named(MemoryType.PYCLESPERANTO)


def memory_type_of(func: Callable[..., Any]) -> tuple[MemoryType, MemoryType]:
    """Return the ``(input, output)`` memory types a function declares.

    Reads the ``input_memory_type`` and ``output_memory_type`` attributes set
    by these decorators, by OpenHCS's, or by hand; looks through
    ``functools.wraps`` layers and ``functools.partial``.

    Raises
    ------
    MemoryTypeError
        If the function declares none, or names an unknown memory type.
    """
    target: Any = func
    seen: set[int] = set()
    while target is not None and id(target) not in seen:
        seen.add(id(target))
        have_in = getattr(target, "input_memory_type", None)
        have_out = getattr(target, "output_memory_type", None)
        if have_in is not None and have_out is not None:
            try:
                return as_memory_type(have_in), as_memory_type(have_out)
            except MemoryTypeError as exc:
                raise MemoryTypeError(f"{_name(func)}: {exc}") from None
        if isinstance(target, functools.partial):
            target = target.func
        else:
            target = getattr(target, "__wrapped__", None)
    raise MemoryTypeError(
        f"{_name(func)} declares no memory types: decorate it with @numpy, @cupy, @torch, "
        "@tensorflow, @jax or @pyclesperanto (from fnstore)"
    )


def _name(func: object) -> str:
    return str(getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or func)
