"""Functions saved with fnstore, run through OpenHCS's own function registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

pytest.importorskip(
    "openhcs.processing.custom_functions",
    reason="needs the real OpenHCS 0.8.6: run scripts/test-openhcs",
)

from openhcs.processing import func_registry
from openhcs.processing.custom_functions import CustomFunctionManager

from fnstore.registry import Registry

if TYPE_CHECKING:
    from fnstore.openhcs import Installed

# Two functions in one module, written with OpenHCS's imports, saved with fnstore.
MODULE = '''"""Background and scaling, for OpenHCS."""

import numpy as np
from openhcs.core.memory import numpy
from skimage.morphology import disk, white_tophat


@numpy
def fn_tophat(image, radius: int = 3):
    """Remove a smooth background with a white top-hat, plane by plane."""
    return np.stack([white_tophat(plane, disk(radius)) for plane in image])


@numpy
def fn_scale(image, factor: float = 0.5):
    """Scale intensities."""
    return (image * factor).astype(image.dtype)
'''


def real_stack() -> np.ndarray[Any, Any]:
    """scikit-image's cells3d nuclei (16-bit) where present, else a synthetic 16-bit stack."""
    try:
        from skimage.data import cells3d

        return np.ascontiguousarray(cells3d()[20:24, 1, :96, :96])
    # cells3d is downloaded on first use; offline, scikit-image raises (under
    # pytest, its fetcher even calls pytest.skip): use the synthetic stack.
    except (Exception, pytest.skip.Exception):
        rng = np.random.default_rng(0)
        y, x = np.mgrid[:96, :96]
        background = (x + y).astype(np.uint16) * 20
        stack = np.stack([background + rng.integers(0, 500, (96, 96), dtype=np.uint16)] * 4)
        stack[:, 40:50, 40:50] += 8000  # a bright "nucleus"
        return stack


def test_fnstore_functions_run_through_openhcs_registry(
    adapted: Installed, catalog: dict[str, Any]
) -> None:
    adapted.store.save(MODULE, module="background")
    assert CustomFunctionManager().load_all_custom_functions() == 2
    stack = real_stack()
    direct = Registry.load(adapted.store)
    for name, doc in (("fn_tophat", "Remove a smooth"), ("fn_scale", "Scale intensities")):
        func = func_registry.get_function_by_name(name, "numpy")
        assert func is not None, f"{name} is not in OpenHCS's registry"
        info = func_registry.get_function_info(func)
        assert (info["input_memory_type"], info["output_memory_type"]) == ("numpy", "numpy")
        assert info["doc"].strip().startswith(doc)
        assert func in func_registry.get_functions_by_memory_type("numpy")
        through_openhcs = func(stack)
        expected = direct.get(name)(stack)
        assert through_openhcs.dtype == expected.dtype == np.uint16
        assert np.array_equal(through_openhcs, expected)
        assert not np.array_equal(expected, stack)  # the function did something
