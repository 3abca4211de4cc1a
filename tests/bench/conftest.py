"""Helpers for the bench tests: records built from known timings, and small stores.

Statistics and verdicts are tested on synthetic timing data whose right answer
is known, so records here are made from given samples rather than measured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fnstore.bench import BenchRecord, Fingerprint, summarize

MakeRecord = Callable[..., BenchRecord]

_T0 = datetime(2026, 1, 1, tzinfo=UTC)


def machine(hostname: str = "laptop", *, gpu: bool = False) -> Fingerprint:
    return Fingerprint(
        machine_id=f"id-{hostname}",
        hostname=hostname,
        platform="Linux-6.1-x86_64",
        cpu_model="Test CPU",
        cpu_count=8,
        gpus=[{"name": "Test GPU", "memory_bytes": 2**34}] if gpu else [],  # type: ignore[list-item]
        python="3.11.9",
        numpy="2.0.0",
        backend="numpy",
        fnstore="0.1.0",
    )


@pytest.fixture
def make_record() -> MakeRecord:
    """Build an ok record from known per-round times (seconds)."""
    counter = iter(range(10_000))

    def make(
        samples: Sequence[float],
        *,
        version: int = 1,
        function: str = "blur",
        device: str = "cpu",
        backend: str = "numpy",
        shape: Sequence[int] = (1, 64, 64),
        host: str = "laptop",
        content_id: str | None = None,
        **fields: Any,
    ) -> BenchRecord:
        return BenchRecord(
            function=function,
            module=function,
            version=version,
            content_id=content_id or f"{version:040x}",
            backend=backend,
            device=device,
            shape=list(shape),
            dtype="uint16",
            timer="perf_counter",
            time=summarize(samples),
            wall=summarize(samples),
            machine=machine(host, gpu=device.startswith("cuda")),
            created=_T0 + timedelta(minutes=next(counter)),
            **fields,
        )

    return make
