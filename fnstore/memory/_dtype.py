"""Casting a result back to its input's dtype, in whatever library it lives in.

Image stacks are mostly unsigned integers, and most filters return floats.
``preserve_dtype`` casts the result back: floats are rounded to the nearest
integer and clipped to the integer type's range first (so 70000.4 becomes
65535 in a ``uint16`` image, not 4464), NaN becomes 0 and infinities the range
ends.  Where the float type cannot hold the range's ends exactly (float32 and
``int32``), the clip stops at the nearest value inside the range it can hold.
Other casts (float to float, to ``bool``) are the library's own.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from fnstore.memory._backends import module_for, require
from fnstore.memory._types import MemoryType, detect_memory_type

__all__ = ["cast_to", "numpy_dtype"]

_M = MemoryType


def numpy_dtype(data: Any) -> np.dtype[Any] | None:
    """Return the numpy equivalent of ``data``'s dtype, or None where it has none."""
    mt = detect_memory_type(data)
    try:
        if mt is _M.TORCH:
            found = np.dtype(str(data.dtype).removeprefix("torch."))
        elif mt is _M.TENSORFLOW:
            found = np.dtype(data.dtype.as_numpy_dtype)
        else:
            found = np.dtype(data.dtype)
    except TypeError:
        return None  # e.g. torch.bfloat16
    return found


@functools.cache
def _float_bounds(float_dtype: np.dtype[Any], int_dtype: np.dtype[Any]) -> tuple[float, float]:
    """Bound an integer range by the nearest values inside it that the float type holds."""
    info = np.iinfo(int_dtype)
    ftype = float_dtype.type
    hi = ftype(info.max)
    if int(hi) > info.max:  # float32 rounds 2**31 - 1 up to 2**31
        hi = np.nextafter(hi, ftype(0))
    return float(ftype(info.min)), float(hi)


def _int_bounds(src: np.dtype[Any], dst: np.dtype[Any]) -> tuple[int, int]:
    """Bound ``dst``'s range by what ``src`` can hold (clip bounds must fit ``src``)."""
    s, d = np.iinfo(src), np.iinfo(dst)
    return max(s.min, d.min), min(s.max, d.max)


def _plan(src: np.dtype[Any], dst: np.dtype[Any]) -> tuple[str, tuple[float, float] | None]:
    """How to cast: ("float-int", bounds), ("int-int", bounds) or ("plain", None)."""
    if dst.kind in "iu" and src.kind == "f":
        work = src if src.itemsize >= 4 else np.dtype(np.float32)
        return "float-int", _float_bounds(work, dst)
    if dst.kind in "iu" and src.kind in "iu":
        lo, hi = _int_bounds(src, dst)
        return "int-int", (lo, hi)
    return "plain", None


def _cast_arraylike(xp: Any, data: Any, src: np.dtype[Any], dst: np.dtype[Any]) -> Any:
    """numpy, cupy and jax.numpy share this API."""
    how, bounds = _plan(src, dst)
    if src.kind == "c" and dst.kind != "c":
        data = data.real
    if how == "float-int" and bounds is not None:
        lo, hi = bounds
        if src.itemsize < 4:
            data = data.astype(xp.float32)
        data = xp.rint(xp.clip(xp.nan_to_num(data, nan=0.0, posinf=hi, neginf=lo), lo, hi))
    elif how == "int-int" and bounds is not None:
        data = xp.clip(data, bounds[0], bounds[1])
    if xp is np:
        with np.errstate(over="ignore"):  # float64 -> float32 overflow is inf, as asked
            return data.astype(dst)
    return data.astype(dst)


def _cast_torch(data: Any, src: np.dtype[Any], dst: np.dtype[Any]) -> Any:
    torch = module_for(_M.TORCH)
    how, bounds = _plan(src, dst)
    if data.is_complex() and dst.kind != "c":
        data = data.real
    if how == "float-int" and bounds is not None:
        lo, hi = bounds
        if src.itemsize < 4:
            data = data.float()
        data = torch.nan_to_num(data, nan=0.0, posinf=hi, neginf=lo).clamp(lo, hi).round()
    elif how == "int-int" and bounds is not None:
        data = data.clamp(bounds[0], bounds[1])
    return data.to(getattr(torch, dst.name))


def _cast_tensorflow(data: Any, src: np.dtype[Any], dst: np.dtype[Any]) -> Any:
    tf = module_for(_M.TENSORFLOW)
    how, bounds = _plan(src, dst)
    if data.dtype.is_complex and dst.kind != "c":
        data = tf.math.real(data)
    if how == "float-int" and bounds is not None:
        lo, hi = bounds
        if src.itemsize < 4:
            data = tf.cast(data, tf.float32)
        data = tf.where(tf.math.is_nan(data), tf.zeros_like(data), data)
        data = tf.round(tf.clip_by_value(data, lo, hi))  # round half to even, like rint
    elif how == "int-int" and bounds is not None:
        lo_t, hi_t = (tf.cast(b, data.dtype) for b in bounds)
        data = tf.clip_by_value(data, lo_t, hi_t)
    return tf.cast(data, tf.as_dtype(dst))


def cast_to(data: Any, dtype: np.dtype[Any]) -> Any:
    """Cast ``data`` to ``dtype`` (a numpy dtype), staying in its own memory type.

    Returns ``data`` itself when it already has that dtype.
    """
    src = numpy_dtype(data)
    if src == dtype:
        return data
    mt = detect_memory_type(data)
    if src is None:  # a dtype numpy lacks (bfloat16): the library casts it
        if mt is _M.TORCH:
            return data.to(getattr(module_for(_M.TORCH), dtype.name))
        return data.astype(dtype)
    if mt is _M.NUMPY:
        return _cast_arraylike(np, data, src, dtype)
    if mt is _M.CUPY:
        return _cast_arraylike(module_for(_M.CUPY), data, src, dtype)
    if mt is _M.JAX:
        return _cast_arraylike(require("jax.numpy", extra="jax"), data, src, dtype)
    if mt is _M.TORCH:
        return _cast_torch(data, src, dtype)
    if mt is _M.TENSORFLOW:
        return _cast_tensorflow(data, src, dtype)
    # pyclesperanto: its OpenCL types are few, so cast on the host and push back.
    cle = module_for(_M.PYCLESPERANTO)
    host = _cast_arraylike(np, np.asarray(cle.pull(data)), src, dtype)
    return cle.push(host, device=data.device)
