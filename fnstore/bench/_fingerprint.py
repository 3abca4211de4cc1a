"""A fingerprint of the machine a benchmark ran on.

Timings mean little without the hardware and software that produced them, so
every record carries a :class:`~fnstore.bench._records.Fingerprint`.  The
``machine_id`` hashes only what identifies the machine (host name, CPU, GPUs):
upgrading numpy does not turn a workstation into another machine, but its
version is still recorded beside the figures.

Nothing here imports a GPU framework: GPUs are listed with ``nvidia-smi`` when
it is present, and the backend's own version and CUDA runtime are read from
``sys.modules`` because the backend is already imported by the time a record is
made.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

from fnstore.bench._records import Fingerprint, GPUInfo

__all__ = ["cpu_model", "fingerprint", "list_gpus"]

# module that carries each backend's version
_BACKEND_MODULES = {
    "numpy": "numpy",
    "torch": "torch",
    "cupy": "cupy",
    "jax": "jax",
    "tensorflow": "tensorflow",
    "pyclesperanto": "pyclesperanto",
}


@functools.cache
def cpu_model() -> str:
    """Return the CPU model name, e.g. 'AMD EPYC 7B13', or the architecture when unknown."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            # x86 says "model name"; some ARM kernels only say "Hardware" or "Model"
            if key.strip() in ("model name", "Hardware", "Model") and value.strip():
                return value.strip()
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            )
            if out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown CPU"


@functools.cache
def _nvidia_smi() -> tuple[tuple[GPUInfo, ...], str | None]:
    """GPUs and driver version from nvidia-smi; nothing when it is absent or fails."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return (), None
    try:
        out = subprocess.run(
            [exe, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return (), None
    gpus: list[GPUInfo] = []
    driver: str | None = None
    for line in out.stdout.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3:
            continue
        name, memory_mib, driver = parts
        memory = int(memory_mib) * 2**20 if memory_mib.isdigit() else None
        gpus.append(GPUInfo(name=name, memory_bytes=memory))
    return tuple(gpus), driver


def list_gpus() -> list[GPUInfo]:
    """CUDA GPUs of this machine (empty without an NVIDIA driver)."""
    return list(_nvidia_smi()[0])


def _backend_version(backend: str) -> str | None:
    module = sys.modules.get(_BACKEND_MODULES.get(backend, backend))
    version = getattr(module, "__version__", None)
    return str(version) if version is not None else None


def _cuda_version(backend: str) -> str | None:
    """CUDA runtime version of a backend that is already imported, else None."""
    try:
        if backend == "torch" and "torch" in sys.modules:
            version = sys.modules["torch"].version.cuda
            return str(version) if version else None
        if backend == "cupy" and "cupy" in sys.modules:
            number = int(sys.modules["cupy"].cuda.runtime.runtimeGetVersion())
            return f"{number // 1000}.{number % 1000 // 10}"
    except Exception:  # a broken CUDA install must not stop a CPU benchmark
        return None
    return None


def machine_id(hostname: str, cpu: str, cpu_count: int, gpus: list[GPUInfo]) -> str:
    """Short stable hash of what identifies a machine."""
    parts = [hostname, cpu, str(cpu_count), *sorted(g.name for g in gpus)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def fingerprint(backend: str) -> Fingerprint:
    """Describe this machine and the software that runs ``backend`` on it."""
    from fnstore._version import __version__

    gpus, driver = _nvidia_smi()
    hostname = socket.gethostname()
    cpu = cpu_model()
    count = os.cpu_count() or 1
    return Fingerprint(
        machine_id=machine_id(hostname, cpu, count, list(gpus)),
        hostname=hostname,
        platform=platform.platform(),
        cpu_model=cpu,
        cpu_count=count,
        gpus=list(gpus),
        driver_version=driver,
        cuda_version=_cuda_version(backend),
        python=platform.python_version(),
        numpy=np.__version__,
        backend=backend,
        backend_version=_backend_version(backend),
        fnstore=__version__,
    )
