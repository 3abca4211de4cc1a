"""The benchmark record: what one timed run of one version on one device leaves behind.

Records are stored as JSON in git notes (see :mod:`fnstore.store._notes`), so
they outlive this process and travel between machines with push and pull.
Like every on-disk document of fnstore they carry a ``schema_version``: a
record written by a newer fnstore is refused with a message that says to
upgrade, and an older one is migrated step by step (``_MIGRATIONS``) before it
is validated.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fnstore.errors import BenchError, SchemaVersionError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "SCHEMA_VERSION",
    "BenchRecord",
    "Fingerprint",
    "GPUInfo",
    "Timing",
    "record_from_dict",
    "records_from_json",
    "records_to_json",
]

SCHEMA_VERSION = 2
"""Version of the record layout written by this fnstore."""

Status = Literal["ok", "skipped", "no_device"]


class _Model(BaseModel):
    # Unknown keys are kept rather than rejected: a lab member on a slightly
    # newer fnstore of the same schema version may add optional fields.
    model_config = ConfigDict(extra="allow", frozen=True)


class Timing(_Model):
    """Summary of the per-round times of one benchmark, in seconds."""

    rounds: int = Field(description="Number of measured rounds (warm-up excluded).")
    min: float = Field(description="Fastest round, in seconds.")
    max: float = Field(description="Slowest round, in seconds.")
    median: float = Field(description="Median round, in seconds.")
    q1: float = Field(description="First quartile, in seconds.")
    q3: float = Field(description="Third quartile, in seconds.")
    iqr: float = Field(description="Interquartile range q3 - q1, in seconds.")
    mean: float = Field(description="Mean round, in seconds.")
    std: float = Field(description="Sample standard deviation (ddof=1), in seconds.")
    samples: list[float] = Field(
        default_factory=list,
        description="The per-round times, kept so that comparisons can resample them.",
    )


class GPUInfo(_Model):
    """One GPU of the machine, as its driver reports it."""

    name: str = Field(description="Marketing name, e.g. 'NVIDIA H100 80GB HBM3'.")
    memory_bytes: int | None = Field(default=None, description="Total device memory.")


class Fingerprint(_Model):
    """What the machine and software were when a record was made."""

    machine_id: str = Field(
        description="Short hash of host name, CPU and GPUs: records with the same id "
        "come from the same machine and may be compared."
    )
    hostname: str = Field(description="Network name of the machine.")
    platform: str = Field(description="Operating system and architecture.")
    cpu_model: str = Field(description="CPU model name.")
    cpu_count: int = Field(description="Logical CPUs.")
    gpus: list[GPUInfo] = Field(default_factory=list, description="CUDA GPUs seen here.")
    driver_version: str | None = Field(default=None, description="NVIDIA driver version.")
    cuda_version: str | None = Field(default=None, description="CUDA runtime of the backend.")
    python: str = Field(description="Python version.")
    numpy: str = Field(description="numpy version.")
    backend: str = Field(description="Backend (memory type) that ran the function.")
    backend_version: str | None = Field(default=None, description="Version of the backend.")
    fnstore: str = Field(description="fnstore version that made the record.")


class BenchRecord(_Model):
    """One benchmark of one function version on one device, shape and dtype."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Record layout version.")
    id: str = Field(
        default_factory=lambda: uuid.uuid4().hex,
        description="Unique id; merging notes from two clones keeps each record once.",
    )
    function: str = Field(description="Name of the benchmarked function.")
    module: str = Field(description="Module (saved code block) the function lives in.")
    version: int = Field(description="Version number of the module.")
    content_id: str = Field(description="Blob id of the version's source.py.")
    backend: str = Field(description="Memory type that ran it: numpy, torch, cupy...")
    device: str = Field(description="Device label: 'cpu', 'cuda:0', 'opencl:0'...")
    device_name: str = Field(default="", description="Human name of the device.")
    shape: list[int] = Field(description="Shape of the input stack.")
    dtype: str = Field(description="dtype of the input stack.")
    input: str = Field(
        default="synthetic", description="'synthetic', 'array:<hash>' or 'tiff:<file name>'."
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments the function was called with."
    )
    status: Status = Field(
        default="ok", description="'ok', 'skipped' (cannot run) or 'no_device' (none here)."
    )
    reason: str | None = Field(default=None, description="Why the benchmark did not run.")
    timer: str = Field(
        default="", description="How time was taken: perf_counter, cuda-event, block_until_ready..."
    )
    warmup: int = Field(default=0, description="Warm-up rounds run before measuring.")
    time: Timing | None = Field(
        default=None, description="Device time per round (events/synchronised), in seconds."
    )
    wall: Timing | None = Field(default=None, description="Host wall time per round.")
    machine: Fingerprint = Field(description="The machine and software that ran it.")
    created: datetime = Field(
        default_factory=lambda: datetime.now(UTC), description="When it ran (UTC)."
    )

    @property
    def ok(self) -> bool:
        """Whether the benchmark ran and holds timings."""
        return self.status == "ok" and self.time is not None

    @property
    def shape_label(self) -> str:
        """The shape as '16x2048x2048'."""
        return "x".join(str(n) for n in self.shape)


def _update_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Migrate the first draft layout: shape as a string '16x2048x2048', no ``input``.

    A record without an id gets one derived from its content, so reading the
    same old note twice (or in two clones) gives the same id and merges keep
    it once.
    """
    if "id" not in data:
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
        data["id"] = digest.hexdigest()[:32]
    shape = data.get("shape")
    if isinstance(shape, str):
        data["shape"] = [int(n) for n in shape.split("x") if n]
    data.setdefault("input", "synthetic")
    return data


# schema version N -> function that turns an N document into an N + 1 document
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _update_to_2}


def record_from_dict(data: dict[str, Any]) -> BenchRecord:
    """Validate one record, migrating it from an older schema version first.

    Raises
    ------
    SchemaVersionError
        The record was written by a newer fnstore.
    BenchError
        The record is malformed.
    """
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or version < 1:
        raise BenchError(f"benchmark record has a bad schema_version {version!r}: remove the note")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"benchmark record has schema version {version}, newer than the {SCHEMA_VERSION} "
            "this fnstore reads: upgrade fnstore (pip install -U fnstore)"
        )
    data = dict(data)
    while version < SCHEMA_VERSION:
        data = _MIGRATIONS[version](data)
        version += 1
        data["schema_version"] = version
    try:
        return BenchRecord.model_validate(data)
    except ValidationError as exc:
        raise BenchError(f"malformed benchmark record {data.get('id', '?')}: {exc}") from exc


def _parse_items(text: str) -> list[Any]:
    """Read the JSON values in a note: a JSON list, or one value per line.

    Notes are written as a JSON list with one record per line.  After ``git
    notes merge -s cat_sort_uniq`` (or a union merge) the brackets and commas
    end up in odd places, so when the whole text is not valid JSON each line is
    read on its own.
    """
    text = text.strip()
    if not text:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        items = []
        for line in text.splitlines():
            line = line.strip().rstrip(",").strip()
            if line in ("", "[", "]"):
                continue
            try:
                items.append(json.loads(line.lstrip("[").rstrip("]")))
            except json.JSONDecodeError as exc:
                raise BenchError(
                    f"benchmark note is not JSON ({exc}): fix or remove it with "
                    "`git notes --ref fnstore-bench edit <content id>`"
                ) from exc
        return items
    return value if isinstance(value, list) else [value]


def records_from_json(text: str) -> list[BenchRecord]:
    """Read the records of one note, dropping duplicates by id.

    Raises
    ------
    SchemaVersionError
        A record was written by a newer fnstore.
    BenchError
        The note is not JSON, or holds a malformed record.
    """
    records: dict[str, BenchRecord] = {}
    for item in _parse_items(text):
        if not isinstance(item, dict):
            raise BenchError("benchmark note holds something that is not a record: remove it")
        record = record_from_dict(item)
        records.setdefault(record.id, record)
    return sorted(records.values(), key=lambda r: r.created)


def records_to_json(records: list[BenchRecord]) -> str:
    """Write records as a JSON list, one record per line (merge friendly)."""
    lines = [r.model_dump_json(exclude_none=False) for r in records]
    return "[\n" + ",\n".join(lines) + "\n]\n"
