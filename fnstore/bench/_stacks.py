"""Input stacks for benchmarks: deterministic synthetic ones, arrays, TIFF files.

The synthetic stack looks enough like a fluorescence image for filters to do
real work (a smooth background, bright round blobs, noise) and is the same
bytes on every machine and every run, so that two versions and two machines
are timed on identical input.  It is built plane by plane in float32 so that
the realistic (16, 2048, 2048) shape never needs a float64 copy of itself.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fnstore.errors import BenchError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DEFAULT_SHAPES", "BenchInput", "resolve_inputs", "synthetic_stack"]

DEFAULT_SHAPES: tuple[tuple[int, int, int], ...] = ((1, 512, 512), (16, 2048, 2048))
"""A small stack (one plane) and a realistic one (a 16-plane 4-megapixel stack)."""

_SEED = 20240611


@dataclass(frozen=True)
class BenchInput:
    """One input of a benchmark: the array and how records label it."""

    array: np.ndarray
    label: str  # 'synthetic', 'array:<hash>' or 'tiff:<file name>'

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the stack."""
        return tuple(int(n) for n in self.array.shape)

    @property
    def shape_label(self) -> str:
        """The shape as '16x2048x2048'."""
        return "x".join(str(n) for n in self.shape)

    @property
    def dtype(self) -> str:
        """Name of the dtype, e.g. 'uint16'."""
        return str(self.array.dtype)


def _check_shape(shape: Sequence[int]) -> tuple[int, int, int]:
    dims = tuple(int(n) for n in shape)
    if len(dims) != 3 or any(n < 1 for n in dims):
        raise BenchError(
            f"benchmark shapes are 3D stacks (planes, rows, columns) of positive sizes, "
            f"not {tuple(shape)}: pass e.g. shapes=[(1, 512, 512)]"
        )
    return dims[0], dims[1], dims[2]


def _check_dtype(dtype: str) -> np.dtype[np.generic]:
    try:
        kind = np.dtype(dtype)
    except TypeError as exc:
        raise BenchError(f"unknown dtype {dtype!r}: use e.g. 'uint16' or 'float32'") from exc
    if kind.kind not in "uif":
        raise BenchError(f"benchmark stacks are integer or float images, not {kind}")
    return kind


@functools.lru_cache(maxsize=2)
def _cached_stack(shape: tuple[int, int, int], dtype: str) -> np.ndarray:
    kind = np.dtype(dtype)
    planes, rows, cols = shape
    rng = np.random.default_rng(_SEED)
    # Blob centres and sizes are drawn once for the whole stack so that every
    # plane of a given shape is the same whatever else was generated before.
    n_blobs = max(1, rows * cols // 4096)
    centres_y = rng.uniform(0, rows, n_blobs).astype(np.float32)
    centres_x = rng.uniform(0, cols, n_blobs).astype(np.float32)
    y = np.arange(rows, dtype=np.float32)[:, None]
    x = np.arange(cols, dtype=np.float32)[None, :]
    background = 0.1 + 0.05 * np.sin(y / max(rows, 1) * np.pi) * np.cos(x / max(cols, 1) * np.pi)
    scale = float(np.iinfo(kind).max) * 0.8 if kind.kind in "ui" else 1.0
    out = np.empty(shape, dtype=kind)
    plane = np.empty((rows, cols), dtype=np.float32)
    for z in range(planes):
        plane[...] = background
        # blobs: a coarse grid of bright squares softened by the noise below;
        # cheap to draw and gives filters and thresholds structure to work on
        for cy, cx in zip(centres_y, centres_x, strict=True):
            y0, x0 = int(cy), int(cx)
            plane[max(0, y0 - 3) : y0 + 4, max(0, x0 - 3) : x0 + 4] += 0.5
        plane += rng.random((rows, cols), dtype=np.float32) * 0.1
        np.clip(plane, 0, 1, out=plane)
        out[z] = plane * scale if kind.kind in "ui" else plane
    out.setflags(write=False)  # shared between runs: no function may change it
    return out


def synthetic_stack(shape: Sequence[int], dtype: str = "uint16") -> np.ndarray:
    """Return the deterministic synthetic stack of a shape and dtype (read-only).

    Raises
    ------
    BenchError
        The shape is not 3D, or the dtype is not an integer or float type.
    """
    dims = _check_shape(shape)
    kind = _check_dtype(dtype)
    return _cached_stack(dims, kind.name)


def _load_tiff(path: Path) -> np.ndarray:
    try:
        import tifffile
    except ImportError as exc:
        from fnstore.errors import MissingDependencyError

        raise MissingDependencyError("tifffile", extra="bench", why="to read TIFF stacks") from exc
    if not path.is_file():
        raise BenchError(f"no TIFF file at {path}: check the path")
    try:
        array = np.asarray(tifffile.imread(path))
    except Exception as exc:  # tifffile raises many types for a bad file
        raise BenchError(f"cannot read {path} as TIFF ({exc}): pass a TIFF stack") from exc
    return array


def _as_stack(array: np.ndarray, label: str) -> BenchInput:
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise BenchError(
            f"benchmark inputs are 2D images or 3D stacks, not {array.ndim}D ({label})"
        )
    _check_dtype(str(array.dtype))
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return BenchInput(array, label)


def resolve_inputs(
    shapes: Sequence[Sequence[int] | np.ndarray | str | Path] | None,
    dtype: str = "uint16",
) -> list[BenchInput]:
    """Turn the ``shapes`` argument of ``bench`` into input stacks.

    Each item is a shape (a synthetic stack of ``dtype``), a numpy array, or the
    path of a TIFF file; ``None`` means :data:`DEFAULT_SHAPES`.
    """
    if shapes is None:
        shapes = DEFAULT_SHAPES
    elif isinstance(shapes, str | Path | np.ndarray) or all(
        isinstance(n, int | np.integer) for n in shapes
    ):
        # one input given on its own: shapes=(4, 512, 512) or shapes="cells.tif"
        shapes = [shapes]  # type: ignore[list-item]
    inputs: list[BenchInput] = []
    for item in shapes:
        if isinstance(item, np.ndarray):
            digest = hashlib.sha1(np.ascontiguousarray(item).tobytes()).hexdigest()[:12]
            inputs.append(_as_stack(item, f"array:{digest}"))
        elif isinstance(item, str | Path):
            path = Path(item).expanduser()
            inputs.append(_as_stack(_load_tiff(path), f"tiff:{path.name}"))
        else:
            inputs.append(BenchInput(synthetic_stack(item, dtype), "synthetic"))
    if not inputs:
        raise BenchError("no input shapes given: pass e.g. shapes=[(1, 512, 512)]")
    return inputs
