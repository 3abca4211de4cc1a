"""Every caller reports the same state for a module, however it was committed.

Each hostile or unusual shape is built with plain git in a clone and pushed,
as a lab member might; then the store (``get``, ``functions``), the CLI
(``ls``, ``doctor``, ``bench run``) and the registry (its git fast path, its
cache and its store path; listing and ``get``) must agree: readable, or the
same error with the same reason.  This is what the one module reader
(:mod:`fnstore.layout`) is for (#13 D6).
"""

from __future__ import annotations

import functools
import json
import os
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from fnstore import open_store
from fnstore.cli import app
from fnstore.errors import FnStoreError, ManifestError, SchemaVersionError
from fnstore.git import _gitread
from fnstore.layout import module_path
from fnstore.registry import Registry
from fnstore.registry._background import flush
from tests.store._helpers import git, snippet

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

MANIFEST = f"{module_path('blur')}/manifest.json"
SOURCE = f"{module_path('blur')}/source.py"


def _bad_utf8(work: Path) -> None:
    path = work / MANIFEST
    path.write_bytes(path.read_bytes().replace(b'"message": "', b'"message": "\xff'))


def _symlink(work: Path) -> None:
    (work / SOURCE).unlink()
    os.symlink("../sharpen/source.py", work / SOURCE)


def _code_only(work: Path) -> None:
    (work / module_path("plain")).mkdir(parents=True)
    (work / module_path("plain") / "source.py").write_text(snippet("plain", "return image + 1"))


def _newer_schema(work: Path) -> None:
    path = work / MANIFEST
    doc = json.loads(path.read_text())
    doc["schema_version"] = 99
    path.write_text(json.dumps(doc))


def _deep(work: Path) -> None:
    (work / MANIFEST).write_text("[" * 10_000 + "]" * 10_000)


def _too_big(work: Path) -> None:
    path = work / MANIFEST
    doc = json.loads(path.read_text())
    doc["message"] = "x" * (1 << 20)
    path.write_text(json.dumps(doc))


def _other_code(work: Path) -> None:
    (work / SOURCE).write_text(snippet("blur", "return image * 3"))


def _no_code(work: Path) -> None:
    (work / SOURCE).unlink()


def _submodule(work: Path) -> None:
    (work / SOURCE).unlink()
    git(work / module_path("blur"), "init", "-q", "source.py")  # git add records a gitlink
    git(work / SOURCE, "commit", "-q", "--allow-empty", "-m", "inner")


#: shape -> (how to build it, function asked for, None if readable else (error, words))
SHAPES: dict[str, tuple[Callable[[Path], None], str, tuple[type, str] | None]] = {
    "invalid UTF-8 manifest": (_bad_utf8, "blur", (ManifestError, "not UTF-8")),
    "symlinked source.py, valid manifest": (_symlink, "blur", (ManifestError, "symbolic link")),
    "source.py committed without manifest": (_code_only, "plain", None),
    "newer schema": (_newer_schema, "blur", (SchemaVersionError, "upgrade fnstore")),
    "deep nesting": (_deep, "blur", (ManifestError, "nested too deep")),
    "manifest over the size limit": (_too_big, "blur", (ManifestError, "over the")),
    "manifest that doesn't match its code": (_other_code, "blur", None),
    "manifest without code": (_no_code, "blur", (ManifestError, "has no source.py")),
    "source.py as a submodule": (_submodule, "blur", (ManifestError, "a submodule")),
}


def _outcome(call: Callable[[], object]) -> tuple[str, str]:
    """``("ok", "")`` or ``(error class name, message)``."""
    try:
        call()
    except FnStoreError as exc:
        return type(exc).__name__, str(exc)
    return "ok", ""


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_caller_reports_the_same_state(
    shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build, name, expected = SHAPES[shape]
    path = tmp_path / "lab.git"
    store = open_store(path)
    store.save(snippet("blur"))
    store.save(snippet("sharpen"))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(path), str(work))
    build(work)
    git(work, "add", "-A")
    git(work, "commit", "-qm", f"by hand: {shape}")
    git(work, "push", "-q", "origin", "main")
    module = "plain" if name == "plain" else "blur"

    seen: dict[str, tuple[str, str]] = {}
    seen["store.get"] = _outcome(lambda: store.get(name))
    scan = store.scan()
    listed = any(m.module == module for m in store.functions())
    seen["store.functions"] = ("ok", "") if listed else _named(scan.errors.get(module))

    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--store", str(path), *args], catch_exceptions=False)
        return result.exit_code, result.output

    code, out = cli("ls", "--json")
    assert code == 0, out
    listing = json.loads(out)
    if any(r["name"] == name for r in listing["functions"]):
        seen["fnstore ls"] = ("ok", "")
    else:
        seen["fnstore ls"] = ("listed unreadable", listing["unreadable"].get(module, "(absent)"))
    code, out = cli("doctor", "--no-devices", "--json")
    # (the report, then the one-line verdict when something is unreadable)
    unreadable = json.JSONDecoder().raw_decode(out)[0]["store"]["unreadable"]
    seen["fnstore doctor"] = (
        ("ok", "") if module not in unreadable else ("listed unreadable", unreadable[module])
    )
    code, out = cli("bench", "run", name, "--shape", "1x8x8", "--rounds", "1", "--no-save")
    seen["fnstore bench"] = ("ok", "") if code == 0 else ("exit 1", out)

    for way in ("git fast path", "cache", "store path"):
        if way == "store path":
            monkeypatch.setattr(_gitread, "read_manifests", lambda *a: None)
            monkeypatch.setattr(_gitread, "read_changed_manifests", lambda *a: None)
            monkeypatch.setenv("FNSTORE_HOME", str(tmp_path / "other-home"))  # a cold cache
        registry = Registry.load(path)
        flush()
        if name in registry.names():
            seen[f"registry listing ({way})"] = ("ok", "")
        else:
            seen[f"registry listing ({way})"] = (
                "listed unreadable",
                registry.errors.get(module, "(absent)"),
            )
        seen[f"registry.get ({way})"] = _outcome(functools.partial(registry.get, name))

    if expected is None:
        assert all(v == ("ok", "") for v in seen.values()), seen
        assert registry.get(name)(1) is not None
        return
    error, words = expected
    wrong = {k: v for k, v in seen.items() if v[0] == "ok" or words not in v[1]}
    assert not wrong, list(wrong.items())
    assert seen["store.get"][0] == seen["registry.get (git fast path)"][0] == error.__name__
    reasons = {v[1] for k, v in seen.items() if k.startswith(("store", "registry", "fnstore ls"))}
    assert len(reasons) == 1, reasons  # one reader: one message, word for word


def _named(error: Exception | None) -> tuple[str, str]:
    return ("listed unreadable", str(error)) if error is not None else ("absent", "")
