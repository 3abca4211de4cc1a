"""Code written for OpenHCS or arraybridge, saved and run where neither is installed.

Every import form real OpenHCS 0.8.6 code uses goes through fnstore's stand-in
here (tests/openhcs/ runs the same forms against the real packages).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pytest

from fnstore._standin import really_installed
from fnstore.registry import Registry

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore

STACK = np.arange(18, dtype=np.float32).reshape(2, 3, 3)

pytestmark = pytest.mark.skipif(
    really_installed("openhcs") or really_installed("arraybridge"),
    reason="the real OpenHCS is installed: tests/openhcs covers these forms against it",
)

FORMS = [
    ("from openhcs.core.memory import numpy", "@numpy", "openhcs"),
    ("from openhcs.core.memory.decorators import numpy", "@numpy", "openhcs"),
    ("from openhcs.core.memory import numpy as numpy_func", "@numpy_func", "openhcs"),
    ("import openhcs.core.memory as mem", "@mem.numpy", "openhcs"),
    ("from openhcs.core import memory", "@memory.numpy()", "openhcs"),
    ("from openhcs.core.memory import memory_types", '@memory_types("numpy", "numpy")', "openhcs"),
    ("from arraybridge import numpy", "@numpy", "arraybridge"),
    ("from arraybridge.decorators import numpy", "@numpy", "arraybridge"),
    ("import arraybridge as ab", "@ab.numpy", "arraybridge"),
    (
        "import arraybridge as ab",
        '@ab.memory_types(input_type="numpy", output_type="numpy")',
        "arraybridge",
    ),
]


@pytest.mark.parametrize(("imports", "decorator", "package"), FORMS)
def test_every_openhcs_import_form_saves_loads_and_runs(
    store: FunctionStore, imports: str, decorator: str, package: str
) -> None:
    code = (
        f"{imports}\n\n\n{decorator}\ndef hcs_form(image, gain: float = 2.0):\n"
        '    """Scale a stack."""\n    return image * gain\n'
    )
    result = store.save(code)
    (info,) = result.versions[0].manifest.functions
    assert info.decorators_from == package
    registry = Registry.load(store)
    assert registry.info("hcs_form").available
    func = registry.get("hcs_form")
    assert (func.input_memory_type, func.output_memory_type) == ("numpy", "numpy")
    assert func.__doc__ == "Scale a stack."
    assert np.array_equal(func(STACK), STACK * 2)


def _run(code: str, path: Path | None = None) -> str:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_stand_in_is_a_proper_module() -> None:
    # Once in use, the stand-in must not break importlib (find_spec raised before).
    out = _run(
        """
        import importlib, importlib.util
        from fnstore._standin import ensure_openhcs_decorators
        assert ensure_openhcs_decorators()
        from openhcs.core.memory import numpy
        import openhcs, arraybridge
        spec = importlib.util.find_spec("openhcs")
        assert spec is not None and spec.name == "openhcs"
        assert importlib.util.find_spec("openhcs.core.memory.decorators") is not None
        assert importlib.util.find_spec("openhcs.not_provided") is None
        importlib.reload(openhcs.core.memory)
        print(openhcs.__spec__.name, arraybridge.numpy is numpy)
        """
    )
    assert out == "openhcs True"


def test_a_missing_name_says_what_to_install() -> None:
    out = _run(
        """
        from fnstore._standin import ensure_openhcs_decorators
        ensure_openhcs_decorators()
        import arraybridge
        try:
            arraybridge.convert_memory
        except AttributeError as exc:
            print(exc)
        """
    )
    assert "install the real package" in out


def test_a_real_package_is_never_shadowed(tmp_path: Path) -> None:
    # A "real" arraybridge on the path wins; openhcs, absent, gets the stand-in.
    real = tmp_path / "arraybridge"
    real.mkdir()
    (real / "__init__.py").write_text(
        "REAL = True\ndef numpy(f):\n    f.real = True\n    return f\n"
    )
    out = _run(
        """
        from fnstore._standin import ensure_openhcs_decorators
        ensure_openhcs_decorators()
        import arraybridge
        from openhcs.core.memory import numpy
        import fnstore.memory
        print(arraybridge.REAL, getattr(arraybridge, "__fnstore_shim__", False),
              numpy is fnstore.memory.numpy)
        """,
        tmp_path,
    )
    assert out == "True False True"


def test_a_folder_named_openhcs_is_not_taken_for_openhcs(tmp_path: Path) -> None:
    # OpenHCS's own data dir holds a folder "openhcs": on sys.path (the current
    # directory, say) it is a namespace package, which has no decorators.
    (tmp_path / "openhcs" / "custom_functions").mkdir(parents=True)
    out = _run(
        """
        from fnstore._standin import ensure_openhcs_decorators, really_installed
        print(really_installed("openhcs"), ensure_openhcs_decorators())
        from openhcs.core.memory import numpy
        import fnstore.memory
        print(numpy is fnstore.memory.numpy)
        """,
        tmp_path,
    )
    assert out.split() == ["False", "True", "True"]
