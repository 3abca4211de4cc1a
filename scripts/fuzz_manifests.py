#!/usr/bin/env python3
"""Feed generated manifests to the manifest reader and to pull; report what breaks.

Each case is one ``manifest.json`` (valid, truncated, nested, oversized,
wrong types, newer or invalid schema, bad UTF-8, odd JSON, mutated bytes,
junk), made from a real manifest with a seeded random generator:

* every case goes to the readers: ``Manifest.from_json`` and, where the
  store has it, the one module reader (``fnstore.layout``);
* in every ``--pull-every`` cases, one of each kind is committed to a lab repository (a bare
  git repository on disk, written with pygit2 as a lab member's plain git
  would) as ``functions/bad/manifest.json``, beside a change to another
  module, and pulled into a store; then the store is read (``functions``,
  ``source``, ``Registry.load``) and checked with ``git fsck --full``.

A case fails when anything but an :class:`~fnstore.errors.FnStoreError` is
raised, when it takes longer than ``--limit`` seconds, when a pull that
raised moved a ref, when a pull that returned did not take the lab's commit
or the other module, or when ``git fsck --full`` complains.  Prints the count
per kind, the slowest case, and each failure; exits 1 on any failure::

    python scripts/fuzz_manifests.py --cases 100000 --pull-every 5000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = (
    "valid",
    "truncated",
    "nested",
    "oversized",
    "wrong_type",
    "schema",
    "bad_utf8",
    "odd_json",
    "mutated",
    "junk",
)
CODE = (
    "from fnstore import numpy\n\n\n@numpy\ndef {name}(image, sigma: float = 1.0):\n"
    '    """Scale."""\n    return image * 2\n'
)
_WRONG = [None, True, False, 0, -1, 1.5, "", "x", [], {}, [1, 2], {"a": 1}, 10**30, "é" * 40]


# -- generating manifests ------------------------------------------------------------


class Generator:
    """Manifests of every kind, from one real manifest and a seeded random generator."""

    def __init__(self, base: dict[str, Any], seed: int) -> None:
        self.base = base
        self.rng = random.Random(seed)
        self.valid_bytes = json.dumps(base, indent=2).encode()
        from fnstore.manifest import SCHEMA_VERSION

        self.schema = SCHEMA_VERSION
        # big documents are costly to build: a few, reused
        big = dict(base, message="x" * (3 << 19))
        many = dict(base, functions=base["functions"] * 6000)
        self.oversized = [
            json.dumps(big).encode(),
            json.dumps(many).encode(),
            self.valid_bytes[:-1] + b" " * (1 << 21) + b"}",
            b"[" + b"0," * (1 << 20) + b"0]",
        ]

    def case(self, kind: str) -> bytes:
        """Return one manifest of ``kind`` (one of :data:`KINDS`)."""
        return getattr(self, f"_{kind}")()

    def _doc(self) -> dict[str, Any]:
        return json.loads(self.valid_bytes)

    def _text(self, size: int) -> str:
        return "".join(
            chr(self.rng.choice([self.rng.randrange(32, 127), self.rng.randrange(0xA0, 0xD7FF)]))
            for _ in range(size)
        )

    def _valid(self) -> bytes:
        doc = self._doc()
        doc["message"] = self._text(self.rng.randrange(0, 60))
        doc["version"] = self.rng.randrange(1, 10**6)
        doc["functions"][0]["docstring"] = self._text(self.rng.randrange(0, 40)) or None
        return json.dumps(
            doc, indent=self.rng.choice([None, 2]), ensure_ascii=self.rng.random() < 0.5
        ).encode()

    def _truncated(self) -> bytes:
        return self.valid_bytes[: self.rng.randrange(len(self.valid_bytes))]

    def _nested(self) -> bytes:
        depth = self.rng.choice([20, 40, 200, 990, 1100, 10_000, 100_000, 400_000])
        if self.rng.random() < 0.5:
            inner = "[" * depth + "]" * depth
        else:
            inner = '{"a":' * depth + "1" + "}" * depth
        where = self.rng.choice(["top", "message", "functions", "extra", "parameter"])
        if where == "top":
            return inner.encode()
        doc = self._doc()
        marker = "\u0000fuzz\u0000"
        if where == "functions":
            doc["functions"] = marker
        elif where == "parameter":
            doc["functions"][0]["parameters"] = [marker]
        else:
            doc[where] = marker
        return json.dumps(doc).replace(json.dumps(marker), inner).encode()

    def _oversized(self) -> bytes:
        return self.rng.choice(self.oversized)

    def _wrong_type(self) -> bytes:
        doc = self._doc()
        value = self.rng.choice(_WRONG)
        target = self.rng.random()
        if target < 0.5:
            doc[self.rng.choice(list(doc))] = value
        elif target < 0.8:
            doc["functions"][0][self.rng.choice(list(doc["functions"][0]))] = value
        elif doc["functions"][0]["parameters"]:
            param = doc["functions"][0]["parameters"][0]
            param[self.rng.choice(list(param))] = value
        else:
            doc["functions"] = [value]
        return json.dumps(doc).encode()

    def _schema(self) -> bytes:
        doc = self._doc()
        newer = [self.schema + 1, 99, 2**31, 10**20]
        doc["schema_version"] = self.rng.choice([*newer, *newer, 0, -1, "1", 1.0, True, None])
        if self.rng.random() < 0.3:
            del doc["schema_version"]
        return json.dumps(doc).encode()

    def _bad_utf8(self) -> bytes:
        data = bytearray(self.valid_bytes)
        for _ in range(self.rng.randrange(1, 4)):
            bad = self.rng.choice(
                [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"]
            )
            at = self.rng.randrange(len(data))
            data[at:at] = bad
        if self.rng.random() < 0.1:
            return self.valid_bytes.decode().encode("utf-16")
        return bytes(data)

    def _odd_json(self) -> bytes:
        text = self.valid_bytes.decode()
        return self.rng.choice(
            [
                lambda: text.replace('"version": ', '"version": NaN, "x": ', 1),
                lambda: text.replace('"version": ', '"version": Infinity, "y": ', 1),
                lambda: text[:-2] + ', "module": "other"}',  # duplicate key
                lambda: text.replace('"version": ', '"version": ' + "9" * 5000 + ', "z": ', 1),
                lambda: text.replace('"message": "', '"message": "\\ud800', 1),
                lambda: "\ufeff" + text,
                lambda: text + "garbage",
                lambda: text.replace('"module": "', '"module": "../../etc/', 1),
                lambda: json.dumps(self.rng.choice(_WRONG)),
                lambda: "[" + text + "]",
                lambda: "",
            ]
        )().encode("utf-8", "surrogatepass")

    def _mutated(self) -> bytes:
        data = bytearray(self.valid_bytes)
        for _ in range(self.rng.randrange(1, 8)):
            data[self.rng.randrange(len(data))] = self.rng.randrange(256)
        return bytes(data)

    def _junk(self) -> bytes:
        return bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(0, 200)))


# -- running one case ------------------------------------------------------------------


@dataclass
class Report:
    """What a run found."""

    cases: Counter[str] = field(default_factory=Counter)
    pulls: int = 0
    # per target: (seconds, kind, bytes) of its slowest case
    slowest: dict[str, tuple[float, str, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def timed(self, seconds: float, target: str, kind: str, size: int, limit: float | None) -> None:
        """Record how long ``target`` took on a case; a failure when over ``limit``."""
        if seconds > self.slowest.get(target, (0.0,))[0]:
            self.slowest[target] = (seconds, kind, size)
        if limit is not None and seconds > limit:
            self.failures.append(
                f"{target} took {seconds:.2f} s on a {kind} case of {size:,} bytes"
            )


def _readers() -> list[tuple[str, Any]]:
    from fnstore.manifest import Manifest

    readers: list[tuple[str, Any]] = [("Manifest.from_json", Manifest.from_json)]
    try:
        from fnstore import layout
    except ImportError:
        return readers
    if hasattr(layout, "read_module") and hasattr(layout, "files_of_tree"):
        files = {"source.py": (0o100644, "1" * 40), "manifest.json": (0o100644, "2" * 40)}

        def read(data: bytes) -> None:
            reading = layout.read_module("bad", files, lambda _oid: data)
            if reading.readable and reading.data is not None:
                reading.parsed()

        readers.append(("layout.read_module", read))
    return readers


def read_case(data: bytes, kind: str, report: Report, limit: float | None) -> None:
    """Give one manifest to every reader."""
    from fnstore.errors import FnStoreError

    for name, reader in _readers_cached():
        started = time.perf_counter()
        try:
            reader(data)
        except FnStoreError:
            pass
        except BaseException as exc:  # the finding: anything else escaped
            what = f"{type(exc).__name__}: {str(exc)[:200]}"
            report.failures.append(f"{name} raised {what} ({kind}, {len(data):,} bytes)")
        report.timed(time.perf_counter() - started, name, kind, len(data), limit)


_READERS: list[tuple[str, Any]] = []


def _readers_cached() -> list[tuple[str, Any]]:
    if not _READERS:
        _READERS.extend(_readers())
    return _READERS


class Lab:
    """A lab repository (written with pygit2, as plain git would) and a member's store."""

    def __init__(self, root: Path) -> None:
        import pygit2

        from fnstore import open_store

        alice = open_store(root / "alice.git")
        alice.save(CODE.format(name="good"), author="Alice <alice@example.org>")
        alice.save(CODE.format(name="bad"), author="Alice <alice@example.org>")
        self.lab_path = root / "lab.git"
        pygit2.init_repository(str(self.lab_path), bare=True, initial_head="main")
        alice.add_remote("lab", str(self.lab_path))
        alice.push("lab")
        self.lab = pygit2.Repository(str(self.lab_path))
        self.store = open_store(root / "bob.git")
        self.store.add_remote("lab", str(self.lab_path))
        self.store.pull("lab")
        self.base = json.loads(alice.get("bad").manifest.to_json())
        self.counter = 0

    def commit(self, manifest: bytes) -> str:
        """Commit ``manifest`` as bad's manifest.json, and a change to good (store layout)."""
        import pygit2

        from fnstore.layout import MANIFEST, SOURCE, module_path

        repo = self.lab
        head = repo.references["refs/heads/main"].peel(pygit2.Commit)
        self.counter += 1
        good = f"{module_path('good')}/{SOURCE}"
        source = repo[head.tree[good].id].data + f"# lab change {self.counter}\n".encode()
        root = _put(repo, head.tree, good, repo.create_blob(source))
        root = _put(
            repo, repo[root], f"{module_path('bad')}/{MANIFEST}", repo.create_blob(manifest)
        )
        who = pygit2.Signature("Lab Member", "lab@example.org")
        commit = repo.create_commit(
            "refs/heads/main", who, who, f"case {self.counter}", root, [head.id]
        )
        return str(commit)

    def refs(self) -> str:
        """Every ref of the member's store and what it points at."""
        return _git(self.store.path, "for-each-ref", "--format=%(refname) %(objectname)")


def _put(repo: Any, tree: Any, path: str, blob: Any) -> Any:
    """Write ``tree`` with the file at ``path`` (``a/b/c``) set to ``blob``; return its id."""
    from pygit2.enums import FileMode

    first, _, rest = path.partition("/")
    builder = repo.TreeBuilder(tree)
    if not rest:
        builder.insert(first, blob, FileMode.BLOB)
    else:
        builder.insert(first, _put(repo, repo[tree[first].id], rest, blob), FileMode.TREE)
    return builder.write()


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def pull_case(lab: Lab, data: bytes, kind: str, report: Report, limit: float | None) -> None:
    """Commit one manifest to the lab, pull it, read the store, fsck it."""
    from fnstore.errors import FnStoreError
    from fnstore.registry import Registry

    store = lab.store
    theirs = lab.commit(data)
    before = lab.refs()
    report.pulls += 1
    where = f"pull of a {kind} case of {len(data):,} bytes"
    started = time.perf_counter()
    try:
        result = store.pull("lab")
        _ = result.broken, result.ignored
    except FnStoreError:
        if lab.refs() != before:
            report.failures.append(f"{where}: raised, yet the store's refs changed")
        result = None
    except BaseException as exc:
        report.failures.append(f"{where}: raised {type(exc).__name__}: {str(exc)[:200]}")
        result = None
    report.timed(time.perf_counter() - started, "pull", kind, len(data), limit)
    if result is not None and store.head != theirs:
        report.failures.append(
            f"{where}: returned {result.status} but did not take the lab's commit"
        )
    started = time.perf_counter()
    try:
        modules = {m.module for m in store.functions()}
        if result is not None and (
            "good" not in modules or f"# lab change {lab.counter}" not in store.source("good")
        ):
            report.failures.append(f"{where}: the other module did not come in")
        report.timed(time.perf_counter() - started, "store reads", kind, len(data), limit)
        started = time.perf_counter()
        Registry.load(store.path).names()
        report.timed(time.perf_counter() - started, "Registry.load", kind, len(data), limit)
    except FnStoreError:
        pass
    except BaseException as exc:
        report.failures.append(
            f"{where}: reading the store then raised {type(exc).__name__}: {str(exc)[:200]}"
        )
    try:
        _git(store.path, "fsck", "--full", "--no-progress")
    except RuntimeError as exc:
        report.failures.append(f"{where}: {exc}")


def run(cases: int, *, pull_every: int, seed: int, limit: float | None, root: Path) -> Report:
    """Run ``cases`` cases (a pull for every ``pull_every``-th); return the report."""
    os.environ.setdefault("FNSTORE_HOME", str(root / "home"))
    lab = Lab(root)
    generator = Generator(lab.base, seed)
    report = Report()
    for i in range(cases):
        kind = KINDS[i % len(KINDS)]
        data = generator.case(kind)
        report.cases[kind] += 1
        read_case(data, kind, report, limit)
        if pull_every and i % pull_every < len(KINDS):  # a round of every kind
            pull_case(lab, data, kind, report, limit)
    return report


def main(argv: list[str] | None = None) -> int:
    """Run from the command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--pull-every", type=int, default=500, help="pull every Nth case (0: never)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--limit", type=float, default=1.0, help="seconds a case may take (0: no limit)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fnstore-fuzz-") as tmp:
        report = run(
            args.cases,
            pull_every=args.pull_every,
            seed=args.seed,
            limit=args.limit or None,
            root=Path(tmp),
        )
    kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(report.cases.items()))
    print(f"{sum(report.cases.values()):,} manifests ({kinds})")
    print(f"{report.pulls:,} of them pulled; readers: {', '.join(n for n, _ in _readers_cached())}")
    for target, (seconds, kind, size) in report.slowest.items():
        print(f"slowest {target}: {seconds:.3f} s, on a {kind} case of {size:,} bytes")
    print(f"{len(report.failures)} failure(s) in {time.perf_counter() - started:.0f} s")
    for line in report.failures[:50]:
        print("  " + line)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
