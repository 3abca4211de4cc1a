"""Memory types, the decorators that declare them, and conversions between them.

The names ``numpy``, ``cupy``, ``torch``, ``tensorflow``, ``jax`` and
``pyclesperanto`` here are the *decorators*; the array libraries themselves are
imported lazily, inside functions, through :func:`require`, so importing this
package loads none of them.

- :class:`MemoryType`, :func:`detect_memory_type`, :func:`device_of`
- decorators ``@numpy``... and ``@memory_types(input_type, output_type)``;
  :func:`memory_type_of` reads what a function declares
- :func:`convert` (zero-copy through DLPack where both sides allow)
- :func:`require`, :func:`devices`, :func:`gpu_available`, :func:`synchronize`
- :func:`prepare_imports` before running code that imports the libraries itself
"""

from __future__ import annotations

from fnstore.memory._backends import (
    devices,
    free_memory_pool,
    gpu_available,
    prepare_imports,
    require,
    synchronize,
)
from fnstore.memory._convert import convert, device_of, empty_aligned
from fnstore.memory._decorators import (
    MemoryDecorator,
    cupy,
    jax,
    memory_type_of,
    memory_types,
    numpy,
    pyclesperanto,
    tensorflow,
    torch,
)
from fnstore.memory._types import GPU_TYPES, MemoryType, as_memory_type, detect_memory_type

#: The contract's first name for :func:`devices`.
available_devices = devices

__all__ = [
    "GPU_TYPES",
    "MemoryDecorator",
    "MemoryType",
    "as_memory_type",
    "available_devices",
    "convert",
    "cupy",
    "detect_memory_type",
    "device_of",
    "devices",
    "empty_aligned",
    "free_memory_pool",
    "gpu_available",
    "jax",
    "memory_type_of",
    "memory_types",
    "numpy",
    "prepare_imports",
    "pyclesperanto",
    "require",
    "synchronize",
    "tensorflow",
    "torch",
]
