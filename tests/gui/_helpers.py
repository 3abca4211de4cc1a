"""Shared helpers for the GUI tests: answering modal dialogs, code snippets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QWidget


def code(name: str, body: str = "return image", *, deco: str = "numpy") -> str:
    """A small module with one decorated function."""
    return (
        f"from fnstore import {deco}\n\n\n"
        f"@{deco}\n"
        f"def {name}(image, k: float = 1.0):\n"
        f'    """{name} a stack."""\n'
        f"    {body}\n"
    )


def answer(
    kind: type[QWidget], act: Callable[[Any], None], *, timeout_ms: int = 10000
) -> list[Any]:
    """When a modal ``kind`` opens (``exec()``), run ``act(dialog)`` on it; returns [dialog]."""
    seen: list[Any] = []
    timer = QTimer()
    waited = [0]

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind):
            timer.stop()
            seen.append(widget)
            act(widget)
            return
        waited[0] += 20
        if waited[0] > timeout_ms:
            timer.stop()

    timer.timeout.connect(poll)
    timer.start(20)
    _KEEP.append(timer)  # alive until the test ends
    return seen


_KEEP: list[QTimer] = []


def activate(qtbot: Any, widget: QWidget) -> None:
    """Show ``widget``'s window and wait until it is active (shortcuts need that)."""
    window = widget.window()
    assert window is not None
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
