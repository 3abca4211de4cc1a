"""Memory types, and telling which one a piece of data has.

A memory type names the array library a function works with: ``numpy``,
``cupy``, ``torch``, ``tensorflow``, ``jax`` or ``pyclesperanto``.  Detection
never imports anything: data can only be a torch tensor if torch is already in
``sys.modules``, so only the packages already loaded are asked.  The answer is
cached per Python class, which makes the common case one dict lookup.
"""

from __future__ import annotations

import enum
import sys
from typing import Any

import numpy as np

from fnstore.errors import MemoryTypeError

__all__ = ["GPU_TYPES", "MemoryType", "as_memory_type", "detect_memory_type"]


class MemoryType(enum.StrEnum):
    """The array library a function takes and returns.

    A ``str`` enum: ``MemoryType("torch") == "torch"``, and a member is accepted
    wherever the plain string is (manifests, OpenHCS attributes, JSON).
    """

    NUMPY = "numpy"
    CUPY = "cupy"
    TORCH = "torch"
    TENSORFLOW = "tensorflow"
    JAX = "jax"
    PYCLESPERANTO = "pyclesperanto"

    @property
    def package(self) -> str:
        """The importable package behind this memory type."""
        return self.value

    @property
    def extra(self) -> str | None:
        """The ``fnstore[...]`` extra that installs it (None for core numpy)."""
        return _EXTRAS[self]


_EXTRAS: dict[MemoryType, str | None] = {
    MemoryType.NUMPY: None,
    MemoryType.CUPY: "cupy",
    MemoryType.TORCH: "torch",
    MemoryType.TENSORFLOW: "tensorflow",
    MemoryType.JAX: "jax",
    MemoryType.PYCLESPERANTO: "cle",
}

#: Memory types whose functions may run on an accelerator, and so may run out
#: of its memory (pyclesperanto counts: an OpenCL device is usually a GPU).
GPU_TYPES: frozenset[MemoryType] = frozenset(
    {
        MemoryType.CUPY,
        MemoryType.TORCH,
        MemoryType.TENSORFLOW,
        MemoryType.JAX,
        MemoryType.PYCLESPERANTO,
    }
)

_NAMES = ", ".join(m.value for m in MemoryType)
_BY_NAME: dict[str, MemoryType] = {m.value: m for m in MemoryType}


def as_memory_type(value: object) -> MemoryType:
    """Turn ``"torch"`` (or a :class:`MemoryType`) into a :class:`MemoryType`.

    Raises
    ------
    MemoryTypeError
        If ``value`` names no memory type.
    """
    if isinstance(value, str):
        # A MemoryType member hashes and compares as its value, so one lookup
        # serves members and names (Enum's own lookup is ten times slower).
        found = _BY_NAME.get(value) or _BY_NAME.get(value.strip().lower())
        if found is not None:
            return found
    raise MemoryTypeError(f"{value!r} is not a memory type: use one of {_NAMES}")


# class -> memory type, filled on first sight of each class.  numpy is core, so
# its array class is known up front.
_BY_CLASS: dict[type, MemoryType] = {np.ndarray: MemoryType.NUMPY}


def _class_attr(package: str, *path: str) -> Any:
    """``package.path...`` if the package is loaded and has it, else None."""
    obj: Any = sys.modules.get(package)
    for name in path:
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj


def _classes_for(mt: MemoryType) -> tuple[type, ...]:
    """List the array classes of ``mt`` that are loaded right now, importing nothing."""
    if mt is MemoryType.NUMPY:
        found = [np.ndarray]
    elif mt is MemoryType.CUPY:
        found = [_class_attr("cupy", "ndarray")]
    elif mt is MemoryType.TORCH:
        found = [_class_attr("torch", "Tensor")]
    elif mt is MemoryType.TENSORFLOW:
        found = [_class_attr("tensorflow", "Tensor"), _class_attr("tensorflow", "Variable")]
    elif mt is MemoryType.JAX:
        found = [_class_attr("jax", "Array")]
    else:
        found = [_class_attr("pyclesperanto", "Array")]
    return tuple(c for c in found if isinstance(c, type))


def _detect_uncached(data: object) -> MemoryType | None:
    for mt in MemoryType:
        classes = _classes_for(mt)
        if classes and isinstance(data, classes):
            return mt
    return None


def detect_memory_type(data: object) -> MemoryType:
    """Return the memory type of ``data``, found without importing any package.

    Raises
    ------
    MemoryTypeError
        If ``data`` is not an array of any of the six memory types.
    """
    cls = type(data)
    mt = _BY_CLASS.get(cls)
    if mt is not None:
        return mt
    mt = _detect_uncached(data)
    if mt is None:
        raise MemoryTypeError(
            f"{cls.__module__}.{cls.__qualname__} is not an array of any memory type "
            f"({_NAMES}): pass one, e.g. numpy.asarray(data)"
        )
    _BY_CLASS[cls] = mt
    return mt
