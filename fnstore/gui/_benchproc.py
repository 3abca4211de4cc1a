"""Benchmark runs in a separate process, so the window never waits for them.

A benchmark runs someone's numerical code for seconds; in a thread of the
GUI's process, any C call that holds the GIL (an import, a numpy routine
that does not release it) stalls the window, measured at over 400 ms.  A
child process (``spawn``: a fresh interpreter, no Qt state inherited) runs
``store.bench`` instead and sends back progress, then the records as JSON;
Cancel ends the child.  A crash of a GPU library ends the child, not the GUI.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
from typing import TYPE_CHECKING, Any

from fnstore.errors import BenchError, FnStoreError
from fnstore.gui._jobs import Cancelled

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fnstore.bench import BenchRecord
    from fnstore.gui._jobs import Job

__all__ = ["bench_in_process", "devices_in_process"]

_POLL_S = 0.1


def bench_in_process(
    job: Job,
    store_path: str,
    ref: str,
    *,
    devices: Sequence[str],
    shapes: Sequence[Sequence[int]],
    rounds: int | None,
) -> list[BenchRecord]:
    """Run ``store.bench`` in a child process; progress goes to ``job.report``."""
    from fnstore.bench import BenchRecord

    args = (store_path, ref, list(devices), [list(s) for s in shapes], rounds)
    texts = _in_child(job, _child, args)
    return [BenchRecord.model_validate_json(text) for text in texts]


def devices_in_process(job: Job, memory_type: str) -> list[str]:
    """List the devices ``memory_type`` can use here, asked in a child process.

    Finding GPUs imports the backend (torch, jax...): seconds of work that,
    in this process, would hold the GIL and the window with it.
    """
    found: list[str] = _in_child(job, _devices_child, (memory_type,))
    return found


def _in_child(job: Job, target: Any, args: tuple[Any, ...]) -> Any:
    context = multiprocessing.get_context("spawn")
    messages: Any = context.Queue()
    child = context.Process(target=target, args=(*args, messages), daemon=True)
    child.start()
    try:
        while True:
            if job.is_cancelled:
                raise Cancelled
            try:
                kind, payload = messages.get(timeout=_POLL_S)
            except queue_module.Empty:
                if not child.is_alive():
                    raise BenchError(
                        f"the benchmark process ended unexpectedly (exit code {child.exitcode}): "
                        "the function or its backend crashed; nothing was stored"
                    ) from None
                continue
            if kind == "progress":
                job.report(payload)
            elif kind == "done":
                return payload
            else:
                raise _rebuilt(*payload)
    finally:
        if child.is_alive():
            child.terminate()
        child.join(5)
        messages.close()


def _rebuilt(name: str, message: str) -> FnStoreError:
    """Rebuild the child's error as the same FnStoreError class (its message unchanged)."""
    import fnstore.errors

    cls = getattr(fnstore.errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, FnStoreError)):
        return BenchError(message)
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    return error


def _child(
    store_path: str,
    ref: str,
    devices: list[str],
    shapes: list[list[int]],
    rounds: int | None,
    messages: Any,
) -> None:  # pragma: no cover - runs in the child process (covered by the GUI tests)
    from fnstore._facade import open_store

    try:
        store = open_store(store_path, create=False)
        records = store.bench(
            ref,
            devices=devices,
            shapes=shapes,
            rounds=rounds,
            progress=lambda text: messages.put(("progress", text)),
        )
        messages.put(("done", [r.model_dump_json() for r in records]))
    except FnStoreError as exc:
        messages.put(("error", (type(exc).__name__, str(exc))))
    except BaseException as exc:  # anything else is a bug: say what it was
        messages.put(("error", ("BenchError", f"{type(exc).__name__}: {exc}")))


def _devices_child(memory_type: str, messages: Any) -> None:  # pragma: no cover - child
    from fnstore.memory import devices

    try:
        messages.put(("done", devices(memory_type)))
    except FnStoreError as exc:
        messages.put(("error", (type(exc).__name__, str(exc))))
    except BaseException as exc:  # a backend that fails to load: say what it was
        messages.put(("error", ("BackendUnavailableError", f"{type(exc).__name__}: {exc}")))
