"""Starter code for a new function module, one template per memory type.

Each template is a complete module that saves and runs as it is: its imports,
one decorated function whose first parameter is ``image`` (a 3D stack,
slices x height x width), a numpy-style docstring, and an example of a special
output (measurements returned beside the stack).  The function names differ
between templates because function names are unique across a store.

Two slips of the seed system's templates are avoided on purpose: ``import
torch`` after ``from fnstore import torch`` would rebind the decorator's name
to the package (so the backend package is imported under another name, ``th``),
and pyclesperanto is the maintained ``pyclesperanto`` package, not the old
``pyclesperanto_prototype``.
"""

from __future__ import annotations

import keyword

__all__ = [
    "AVAILABLE_MEMORY_TYPES",
    "TEMPLATE_FUNCTION_NAMES",
    "get_default_template",
    "get_template_for_memory_type",
]

#: The memory types a template exists for (the order a GUI lists them in).
AVAILABLE_MEMORY_TYPES = ["numpy", "cupy", "torch", "tensorflow", "jax", "pyclesperanto"]

_SPECIAL_OUTPUT_NOTE = """
# Special outputs: a function may return measurements beside the stack.  Name
# them with OpenHCS's @special_outputs (the manifest records the names) and
# return a tuple, the stack first:
#
#     @special_outputs("slice_means")
#     @{mt}
#     def measure_{mt}(image):
#         means = [float(plane.mean()) for plane in image]
#         return image, means
"""

_NUMPY = '''"""Rescale intensities on the CPU with numpy."""

import numpy as np

from fnstore import numpy


@numpy
def rescale_numpy(image, scale: float = 1.0, offset: float = 0.0):
    """Multiply a stack by ``scale`` and add ``offset``.

    Parameters
    ----------
    image : numpy.ndarray
        A 3D stack: slices x height x width.
    scale : float
        Factor applied to every voxel.
    offset : float
        Added after scaling.

    Returns
    -------
    numpy.ndarray
        The rescaled stack, as float32, same shape as ``image``.
    """
    return (np.asarray(image, dtype=np.float32) * scale + offset).astype(np.float32)
'''

_CUPY = '''"""Threshold a stack on an NVIDIA GPU with CuPy."""

import cupy as cp

from fnstore import cupy


@cupy
def threshold_cupy(image, k: float = 1.0):
    """Keep voxels brighter than the mean plus ``k`` standard deviations.

    Parameters
    ----------
    image : cupy.ndarray
        A 3D stack on the GPU: slices x height x width.
    k : float
        How many standard deviations above the mean the threshold lies.

    Returns
    -------
    cupy.ndarray
        The stack with voxels under the threshold set to zero.
    """
    threshold = cp.mean(image) + k * cp.std(image)
    return cp.where(image > threshold, image, 0).astype(image.dtype)
'''

_TORCH = '''"""A max filter per slice with PyTorch (CPU or GPU)."""

import torch as th

from fnstore import torch


@torch
def max_filter_torch(image, kernel_size: int = 3):
    """Replace each voxel by the maximum of its ``kernel_size`` square in its slice.

    Parameters
    ----------
    image : torch.Tensor
        A 3D stack: slices x height x width.
    kernel_size : int
        Side of the square window (odd, so that the shape is kept).

    Returns
    -------
    torch.Tensor
        The filtered stack, same shape and dtype as ``image``.
    """
    planes = image.to(th.float32).unsqueeze(1)  # slices become a batch of 1-channel images
    pooled = th.nn.functional.max_pool2d(
        planes, kernel_size=kernel_size, stride=1, padding=kernel_size // 2
    )
    return pooled.squeeze(1).to(image.dtype)
'''

_TENSORFLOW = '''"""Stretch contrast with TensorFlow."""

import tensorflow as tf

from fnstore import tensorflow


@tensorflow
def contrast_tensorflow(image, strength: float = 0.5):
    """Push intensities away from the stack's mean by ``strength``.

    Parameters
    ----------
    image : tensorflow.Tensor
        A 3D stack: slices x height x width.
    strength : float
        0 leaves the stack unchanged; 1 doubles each voxel's distance to the mean.

    Returns
    -------
    tensorflow.Tensor
        The stack with stretched contrast, as float32.
    """
    stack = tf.cast(image, tf.float32)
    mean = tf.reduce_mean(stack)
    return (stack - mean) * (1.0 + strength) + mean
'''

_JAX = '''"""A gamma curve with JAX (CPU, GPU or TPU)."""

import jax.numpy as jnp

from fnstore import jax


@jax
def gamma_jax(image, gamma: float = 2.0):
    """Apply ``gamma`` to intensities normalised to [0, 1], then scale back.

    Parameters
    ----------
    image : jax.Array
        A 3D stack: slices x height x width.
    gamma : float
        Exponent of the curve; above 1 darkens mid-tones.

    Returns
    -------
    jax.Array
        The transformed stack, as float32, in the input's intensity range.
    """
    stack = jnp.asarray(image, dtype=jnp.float32)
    low, high = jnp.min(stack), jnp.max(stack)
    unit = (stack - low) / (high - low + 1e-7)
    return jnp.power(unit, gamma) * (high - low) + low
'''

_PYCLESPERANTO = '''"""A Gaussian blur per slice with pyclesperanto (any OpenCL device)."""

import pyclesperanto as cle

from fnstore import pyclesperanto


@pyclesperanto
def blur_pyclesperanto(image, sigma: float = 2.0):
    """Blur each slice with a Gaussian of width ``sigma`` (nothing across slices).

    Parameters
    ----------
    image : pyclesperanto.Array
        A 3D stack on the OpenCL device: slices x height x width.
    sigma : float
        Standard deviation of the Gaussian, in pixels.

    Returns
    -------
    pyclesperanto.Array
        The blurred stack, as float32.
    """
    return cle.gaussian_blur(image, sigma_x=sigma, sigma_y=sigma, sigma_z=0)
'''

_TEMPLATES = {
    "numpy": _NUMPY,
    "cupy": _CUPY,
    "torch": _TORCH,
    "tensorflow": _TENSORFLOW,
    "jax": _JAX,
    "pyclesperanto": _PYCLESPERANTO,
}

#: The function each template defines (distinct: names are unique in a store).
TEMPLATE_FUNCTION_NAMES = {
    "numpy": "rescale_numpy",
    "cupy": "threshold_cupy",
    "torch": "max_filter_torch",
    "tensorflow": "contrast_tensorflow",
    "jax": "gamma_jax",
    "pyclesperanto": "blur_pyclesperanto",
}


def get_default_template(*, name: str | None = None) -> str:
    """Return the numpy template (numpy is the memory type every installation has)."""
    return get_template_for_memory_type("numpy", name=name)


def get_template_for_memory_type(memory_type: str, *, name: str | None = None) -> str:
    """Return the starter module for ``memory_type``, its function called ``name`` if given.

    ``fnstore new blur.py`` passes ``name="blur"``, so the module ``blur``
    holds a function ``blur``.  A name the template already uses for
    something else (``np``, ``image``, the decorator) keeps the template's
    own function name, since renaming to it would change what the code means.

    Raises
    ------
    MemoryTypeError
        ``memory_type`` is not one of :data:`AVAILABLE_MEMORY_TYPES`.
    """
    key = str(memory_type).strip().lower()
    template = _TEMPLATES.get(key)
    if template is None:
        from fnstore.errors import MemoryTypeError

        raise MemoryTypeError(
            f"no template for memory type {memory_type!r}: use one of "
            f"{', '.join(AVAILABLE_MEMORY_TYPES)}"
        )
    code = template + _SPECIAL_OUTPUT_NOTE.format(mt=key)
    own = TEMPLATE_FUNCTION_NAMES[key]
    if name and name != own and name.isidentifier() and not keyword.iskeyword(name):
        import re

        if re.search(rf"\b{re.escape(name)}\b", code) is None:
            # the template's function name occurs once, in its def statement
            code = code.replace(f"def {own}(", f"def {name}(", 1)
    return code
