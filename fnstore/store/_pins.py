"""The pin: which revision the registry loads, and per-function overrides (the lock).

Kept in ``<repo>/fnstore/pins.json`` (local, never pushed), in the format
:mod:`fnstore.layout._pins` spells out; the registry reads it directly.
"""

from __future__ import annotations

from fnstore.errors import (
    FunctionNotFoundError,
    ManifestError,
    NothingToDoError,
    RevisionNotFoundError,
)
from fnstore.git._refnames import ref_target
from fnstore.layout import PINS_FILE, PINS_FORMAT, dump_pins, parse_pins
from fnstore.store._ops import _OpsMixin

__all__: list[str] = []


class _PinMixin(_OpsMixin):
    """Pinning of :class:`FunctionStore` (see the module docstring)."""

    def _pins(self) -> dict[str, object]:
        path = self._state_path(PINS_FILE)
        if not path.exists():
            return {"format": PINS_FORMAT, "spec": self.branch, "functions": {}}
        try:
            doc = parse_pins(path.read_bytes())
        except ValueError as exc:
            raise ManifestError(
                f"{path} cannot be read ({exc}): delete it to unpin everything, or fix it by hand"
            ) from exc
        if doc["format"] > PINS_FORMAT:  # type: ignore[operator]
            raise ManifestError(f"{path} was written by a newer fnstore: upgrade fnstore")
        return doc

    def _write_pins(self, doc: dict[str, object]) -> None:
        self._write_state(PINS_FILE, dump_pins(doc))

    def pin(self, spec: str) -> None:
        """Pin the registry to a branch (follow its head), a tag, or a commit."""
        if (
            ref_target(self._repo, f"refs/heads/{spec}") is None
            and ref_target(self._repo, f"refs/tags/{spec}") is None
        ):
            spec = self.resolve(spec)  # a commit (prefix): store it in full
        with self._locked():
            doc = self._pins()
            doc["spec"] = spec
            self._write_pins(doc)

    @property
    def pin_spec(self) -> str:
        """What the registry follows: a branch, a tag, or a commit id (default: the branch)."""
        return str(self._pins()["spec"])

    @property
    def pinned_commit(self) -> str | None:
        """The commit the pin names now (None while the pinned branch is empty)."""
        spec = self.pin_spec
        if spec == self.branch and self.head is None:
            return None
        try:
            return self.resolve(spec)
        except RevisionNotFoundError:
            if ref_target(self._repo, f"refs/heads/{spec}") is None:
                raise
            return None

    def pin_function(self, name: str, ref: str) -> None:
        """Keep function ``name`` at one version (``3``, a content id prefix, tag, commit).

        The pin is kept under the function's name at the head (a module's
        name gives its only function), which the registry lists; the version
        may be older than a rename (``smooth@2`` when version 2 called it
        ``rescale_numpy``).
        """
        version = self.get(ref if "@" in ref else f"{name}@{ref}")
        current = self.get(name).function if self.head is not None else name
        if current is None or version.function is None:
            names = ", ".join(f.name for f in version.manifest.functions)
            raise FunctionNotFoundError(
                f"{name!r} is module {version.module}, which has several functions ({names}): "
                "pin one of them by its name"
            )
        with self._locked():
            doc = self._pins()
            functions = dict(doc.get("functions", {}))  # type: ignore[call-overload]
            functions[current] = version.content_id
            doc["functions"] = functions
            self._write_pins(doc)

    def _move_pin(self, old: str, new: str) -> None:
        """Move the pin of function ``old`` to ``new`` (the rename holds the lock)."""
        doc = self._pins()
        functions = dict(doc.get("functions", {}))  # type: ignore[call-overload]
        if old in functions:
            functions[new] = functions.pop(old)
            doc["functions"] = functions
            self._write_pins(doc)

    def unpin_function(self, name: str) -> None:
        """Let function ``name`` follow the pin again."""
        with self._locked():
            doc = self._pins()
            functions = dict(doc.get("functions", {}))  # type: ignore[call-overload]
            if functions.pop(name, None) is None:
                raise NothingToDoError(f"{name!r} is not pinned: nothing to unpin")
            doc["functions"] = functions
            self._write_pins(doc)

    @property
    def pinned_functions(self) -> dict[str, str]:
        """Function name -> the content id it is pinned at."""
        functions = self._pins().get("functions", {})
        return {str(k): str(v) for k, v in functions.items()}  # type: ignore[attr-defined]
