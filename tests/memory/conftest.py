"""The memory tests' set-up: load pyclesperanto before tensorflow.

Under pocl (a CPU OpenCL driver), importing pyclesperanto after tensorflow
kills the process; the other order is safe (see fnstore/memory/_backends.py).
"""

from __future__ import annotations

import importlib.util
import sys

from fnstore.memory import require

if importlib.util.find_spec("pyclesperanto") is not None and "tensorflow" not in sys.modules:
    require("pyclesperanto", extra="cle")
