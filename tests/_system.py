"""Which system packages the suite can use here, and the skip marks that say what to install.

The suite runs everywhere: a test that needs an OpenCL device (pocl on a
laptop) or sshd skips on a machine without it, naming the Debian package
that brings it; everything else runs.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil

import pytest


@functools.cache
def opencl_device() -> bool:
    """Whether pyclesperanto is installed and finds an OpenCL device."""
    if importlib.util.find_spec("pyclesperanto") is None:
        return False
    from fnstore.memory import devices

    return bool(devices("pyclesperanto"))


NO_OPENCL = "no OpenCL device: apt-get install pocl-opencl-icd (or a GPU driver with OpenCL)"

#: Mark for a test that runs code on an OpenCL device.
needs_opencl = pytest.mark.skipif(not opencl_device(), reason=NO_OPENCL)


NO_GIT = "needs the git command: apt-get install git"

#: Mark for a test of a feature that fnstore runs git for (packing, the
#: registry's pygit2-free start-up), which a machine without git does not have.
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason=NO_GIT)
