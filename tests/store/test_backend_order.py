"""Saving tensorflow code and then pyclesperanto code in one process must not crash it.

Under pocl, pyclesperanto's OpenCL start-up segfaults once tensorflow is
loaded.  The save check runs the user's plain ``import`` lines, so the store
must load the backends in the safe order first.  A subprocess, because this
test session already loaded pyclesperanto (tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None
    or importlib.util.find_spec("pyclesperanto") is None,
    reason='needs tensorflow and pyclesperanto: pip install "fnstore[tensorflow,cle]"',
)

SCRIPT = textwrap.dedent(
    """
    import sys
    from fnstore import open_store
    store = open_store(sys.argv[1])
    store.save(
        "import tensorflow as tf\\nfrom fnstore import tensorflow\\n\\n"
        "@tensorflow\\ndef tf_step(image):\\n    return tf.identity(image)\\n",
        message="tf",
    )
    store.save(
        "import pyclesperanto as cle\\nfrom fnstore import pyclesperanto\\n\\n"
        "@pyclesperanto\\ndef cle_step(image):\\n    return cle.copy(image)\\n",
        message="cle",
    )
    print(sorted(m.module for m in store.functions()))
    """
)


def test_tensorflow_then_pyclesperanto_saves_in_one_process(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "s.git")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "['cle_step', 'tf_step']"
