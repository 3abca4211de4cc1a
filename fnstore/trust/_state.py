"""The trust policy and the record of accepted code, read without pygit2.

Two things decide whether a module version may run:

* the **policy**, in the store's git config (``git config fnstore.trust
  review|signed|any``, ``fnstore.strict true``), so plain git shows and sets it
  too.  Unset, it is ``review`` for a store with a remote and ``any`` for one
  without (a single user's own store);
* the **record** of trusted code, ``<repo>/fnstore/trusted``: one line per
  content id (the git id of a module's ``source.py``), with how it came to be
  trusted (``saved`` here, ``accepted`` after review, or ``existing`` code a
  store held when the record was started).

Why a file in the repository's ``fnstore/`` folder rather than a ref or a
commit: that folder is never pushed, fetched or cloned (push sends the branch
and ``refs/notes/*`` only), so an acceptance is this user's alone and travels
with no one else's repository, and no lab member can write it by pushing; it
is append-only text, so recording a save costs one small write, and the
registry's cached start-up reads it without importing pygit2.

A store that has no record yet has never had code arrive under a policy (the
record is started, from the code the store holds, by the first save, pull,
accept or policy change), so everything in it is trusted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from fnstore.errors import UntrustedCodeError

__all__ = [
    "DEFAULT_REMOTE_POLICY",
    "POLICIES",
    "RECORD_FILE",
    "TrustState",
    "append_record",
    "read_config",
    "read_record",
    "untrusted_error",
]

POLICIES = ("review", "signed", "any")
DEFAULT_REMOTE_POLICY = "review"
RECORD_FILE = "trusted"
_STATE_DIR = "fnstore"
_HEADER = "# fnstore trust record 1: <content id> <saved|accepted|existing>\n"
_HEX = frozenset("0123456789abcdef")


def read_config(repo: str) -> tuple[dict[str, str], bool]:
    """Return the ``[fnstore]`` keys of ``<repo>/config`` (lower-cased) and whether a remote exists.

    A minimal reader of git's config format: sections, ``key = value``
    lines, comments, quoted values.  Includes and other files are not read:
    the policy is the store's own setting.
    """
    path = os.path.join(repo, "config")
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = _CONFIGS.get(path)
        if cached is not None and cached[0] == stamp:
            return dict(cached[1]), cached[2]  # every save asks: a stat instead of a parse
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return {}, False
    keys, remote = _parse_config(text)
    _CONFIGS[path] = (stamp, keys, remote)
    return dict(keys), remote


# config path -> ((mtime ns, size, inode), [fnstore] keys, has a remote)
_CONFIGS: dict[str, tuple[tuple[int, int, int], dict[str, str], bool]] = {}


def _parse_config(text: str) -> tuple[dict[str, str], bool]:
    section, keys, remote = "", {}, False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            head = line[1 : line.find("]")] if "]" in line else line[1:]
            name, _, sub = head.partition(" ")
            section = name.strip().lower()
            remote = remote or (section == "remote" and bool(sub.strip()))
            continue
        if section != "fnstore":
            continue
        key, sep, value = line.partition("=")
        value = value.strip() if sep else "true"
        for mark in (" #", " ;"):
            if mark in value and not value.startswith('"'):
                value = value[: value.index(mark)].strip()
        keys[key.strip().lower()] = value.strip('"')
    return keys, remote


def read_record(repo: str) -> dict[str, str] | None:
    """Return content id -> how it came to be trusted, or None when no record exists yet."""
    try:
        with open(
            os.path.join(repo, _STATE_DIR, RECORD_FILE), encoding="ascii", errors="replace"
        ) as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return None
    except OSError:
        return {}  # unreadable: trust nothing by it (safe), the policy still applies
    out: dict[str, str] = {}
    for line in lines:
        cid, _, how = line.partition(" ")
        if len(cid) == 40 and not (set(cid) - _HEX):
            out[cid] = how.strip() or "accepted"
    return out


def append_record(repo: str, entries: dict[str, str]) -> None:
    """Add content ids to the record (creating it with its header); the caller holds the store lock.

    One ``write`` of whole lines in append mode: a crash leaves at worst a
    partial last line, which :func:`read_record` ignores.  Not fsynced, like
    the commits themselves (libgit2 does not fsync): a save lost to a power
    cut loses its line with it, and a lost acceptance only asks again.
    """
    folder = os.path.join(repo, _STATE_DIR)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, RECORD_FILE)
    text = "".join(f"{cid} {how}\n" for cid, how in entries.items())
    new = not os.path.exists(path)
    with open(path, "a", encoding="ascii") as fh:
        if new:
            text = _HEADER + text
        elif fh.tell() and not _ends_with_newline(path):
            text = "\n" + text  # after a torn last line, start clean
        fh.write(text)


def _ends_with_newline(path: str) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


@dataclass(frozen=True)
class TrustState:
    """The policy and record of one store, as read at one moment.

    Attributes
    ----------
    policy
        ``"review"``, ``"signed"`` or ``"any"`` (see the module docstring).
    explicit
        Whether the policy was set (False: the default for the store's remotes).
    strict
        Refuse any module that runs code at import time.
    record
        Content id -> how it was trusted; None while no record was started.
    """

    policy: str
    explicit: bool
    strict: bool
    record: dict[str, str] | None

    @classmethod
    def load(cls, repo: str, *, with_record: bool = True) -> TrustState:
        """Read the policy from ``<repo>/config`` and the record from ``<repo>/fnstore/``.

        ``with_record=False`` leaves the record unread (``{}`` when it exists).
        """
        keys, has_remote = read_config(repo)
        value = keys.get("trust", "").lower()
        policy = value if value in POLICIES else ("review" if has_remote else "any")
        if value and value not in POLICIES:
            policy = DEFAULT_REMOTE_POLICY  # a typo must not open the door
        strict = keys.get("strict", "false").lower() in ("true", "yes", "on", "1")
        if not with_record:
            started = os.path.exists(os.path.join(repo, _STATE_DIR, RECORD_FILE))
            return cls(policy, bool(value), strict, {} if started else None)
        record = read_record(repo) if policy != "any" or strict else None
        return cls(policy, bool(value), strict, record)

    @property
    def open(self) -> bool:
        """Whether every version may run without looking further (``any``, not strict)."""
        return self.policy == "any" and not self.strict

    def recorded(self, content_id: str) -> str | None:
        """How ``content_id`` was trusted by the record (``None``: it was not)."""
        if self.record is None:
            return "existing"  # no record yet: nothing has arrived under a policy
        return self.record.get(content_id)


def untrusted_error(module: str, version: int, content_id: str, reason: str) -> UntrustedCodeError:
    """Return the error for running a version the policy does not allow (says how to review it)."""
    ref = f"{module}@{content_id[:12]}"
    return UntrustedCodeError(
        f"{module} version {version} ({content_id[:12]}) may not run here: {reason}. "
        f"Review it with `fnstore pending`, then allow it with `fnstore accept {ref}` "
        f"(store.accept({ref!r}))"
    )
