"""Commit signatures: SSH (``ssh-keygen -Y``) and OpenPGP (``gpg``), the way git makes them.

A signed git commit carries its signature in a ``gpgsig`` header over the rest
of the commit text.  For SSH that is an ``-----BEGIN SSH SIGNATURE-----``
block made by ``ssh-keygen -Y sign -n git``, so ``git verify-commit`` and
``git log --show-signature`` (with ``gpg.format=ssh`` and
``gpg.ssh.allowedSignersFile``) accept what fnstore signs, and fnstore
accepts what git signs.

Verification follows git: ``ssh-keygen -Y find-principals`` names who the
signature claims to be in the allowed-signers file (OpenSSH's format:
``principal[,principal] [options] keytype base64-key [comment]``), then
``ssh-keygen -Y verify`` checks the signature for that principal.  An OpenPGP
signature is checked by ``gpg`` against the user's keyring and counts only
when gpg trusts the key fully or ultimately (git's ``gpg.minTrustLevel``
idea); without gpg installed it is reported as unverifiable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fnstore.errors import TrustError

__all__ = [
    "SignatureCheck",
    "Signer",
    "add_signer",
    "read_signers",
    "remove_signer",
    "sign_ssh",
    "verify",
]

_SSH_BEGIN = b"-----BEGIN SSH SIGNATURE-----"
_PGP_BEGIN = b"-----BEGIN PGP SIGNATURE-----"
_TIMEOUT = 30.0


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one commit's signature: ``ok``, and who signed or why not.

    ``final`` is False when the verdict depends on this machine rather than on
    the commit and the signers (no ssh-keygen, a check that timed out): such a
    verdict is never kept.
    """

    ok: bool
    detail: str
    final: bool = True


@dataclass(frozen=True)
class Signer:
    """One line of an allowed-signers file."""

    principal: str
    key_type: str
    key: str
    comment: str = ""

    def line(self) -> str:
        """Return the line as written to the file."""
        return f"{self.principal} {self.key_type} {self.key}" + (
            f" {self.comment}" if self.comment else ""
        )


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise TrustError(
            "ssh-keygen is not installed: install OpenSSH (e.g. apt-get install openssh-client) "
            "to sign or verify SSH signatures"
        )
    return found


def _run(args: list[str], data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            args,
            input=data,
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
            stdin=None if data is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise TrustError(f"{Path(args[0]).name} did not answer within {_TIMEOUT:.0f} s") from exc


def sign_ssh(payload: bytes, key: str | Path) -> str:
    """Sign ``payload`` for git (namespace ``git``) with an SSH key file; the armored signature.

    ``key`` is a private key file, or a public key whose private half is in
    the ssh agent.

    Raises
    ------
    TrustError
        No such key, a key that needs a passphrase and no agent, or no ssh-keygen.
    """
    path = Path(key).expanduser()
    if not path.is_file():
        raise TrustError(
            f"signing key {path} does not exist: give the path of an SSH key "
            "(store.set_signing(key) or `fnstore trust --signing-key PATH`)"
        )
    done = _run([_ssh_keygen(), "-Y", "sign", "-n", "git", "-f", str(path)], payload)
    if done.returncode != 0 or _SSH_BEGIN not in done.stdout:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise TrustError(
            f"ssh-keygen could not sign with {path} ({why[-1] if why else 'no output'}): "
            "use a key without a passphrase, or load it into ssh-agent and give its .pub file"
        )
    return done.stdout.decode("ascii").strip() + "\n"


def verify(signature: bytes, payload: bytes, allowed_signers: Path) -> SignatureCheck:
    """Check a commit signature over ``payload``: by an allowed SSH key, or a trusted gpg key."""
    if _SSH_BEGIN in signature:
        try:
            return _verify_ssh(signature, payload, allowed_signers)
        except TrustError as exc:  # no ssh-keygen, or it hung: not the commit's fault
            return SignatureCheck(False, f"its SSH signature cannot be checked here ({exc})", False)
    if _PGP_BEGIN in signature:
        return _verify_gpg(signature, payload)
    return SignatureCheck(False, "its signature is of a kind fnstore cannot check")


def _verify_ssh(signature: bytes, payload: bytes, allowed: Path) -> SignatureCheck:
    if not allowed.is_file() or not read_signers(allowed):
        return SignatureCheck(
            False, "signed, but no signer is allowed yet (add one with `fnstore signers add`)"
        )
    keygen = _ssh_keygen()
    with tempfile.TemporaryDirectory(prefix="fnstore-sig-") as tmp:
        sig = Path(tmp, "commit.sig")
        sig.write_bytes(signature)
        found = _run([keygen, "-Y", "find-principals", "-f", str(allowed), "-s", str(sig)])
        principals = found.stdout.decode(errors="replace").split() if found.returncode == 0 else []
        if not principals:
            return SignatureCheck(False, "signed by a key that is not an allowed signer")
        for principal in principals:
            done = _run(
                [
                    keygen,
                    "-Y",
                    "verify",
                    "-f",
                    str(allowed),
                    "-I",
                    principal,
                    "-n",
                    "git",
                    "-s",
                    str(sig),
                ],
                payload,
            )
            if done.returncode == 0:
                return SignatureCheck(True, f"signed by {principal}")
    return SignatureCheck(False, "its signature does not match the commit (altered, or forged)")


def _verify_gpg(signature: bytes, payload: bytes) -> SignatureCheck:
    gpg = shutil.which("gpg")
    if gpg is None:
        return SignatureCheck(
            False, "signed with OpenPGP, and gpg is not installed to check it", False
        )
    with tempfile.TemporaryDirectory(prefix="fnstore-sig-") as tmp:
        sig = Path(tmp, "commit.asc")
        sig.write_bytes(signature)
        done = _run([gpg, "--status-fd=1", "--batch", "--verify", str(sig), "-"], payload)
    status = done.stdout.decode(errors="replace").splitlines()
    good = [s for s in status if s.startswith("[GNUPG:] GOODSIG ")]
    trusted = any(s.startswith(("[GNUPG:] TRUST_FULLY", "[GNUPG:] TRUST_ULTIMATE")) for s in status)
    if good and trusted and done.returncode == 0:
        return SignatureCheck(True, "signed by " + good[0].split(" ", 3)[-1])
    if good:
        return SignatureCheck(False, "signed with an OpenPGP key your keyring does not trust")
    return SignatureCheck(False, "its OpenPGP signature does not verify")


# -- the allowed-signers file ---------------------------------------------------


def read_signers(path: Path) -> list[Signer]:
    """List the signers an allowed-signers file holds (comments and blank lines skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        # principal [options] keytype key [comment]: the key type is the field
        # before the base64 key; options (cert-authority, namespaces=...) may sit between
        kinds = [i for i, p in enumerate(parts) if p.startswith(("ssh-", "ecdsa-", "sk-"))]
        if not kinds or kinds[0] + 1 >= len(parts):
            continue
        at = kinds[0]
        out.append(Signer(parts[0], parts[at], parts[at + 1], " ".join(parts[at + 2 :])))
    return out


def _parse_key(key: str) -> tuple[str, str, str]:
    """``(type, base64, comment)`` from a public key text or a ``.pub`` file path."""
    text = key.strip()
    candidate = Path(text).expanduser()
    if not text.startswith(("ssh-", "ecdsa-", "sk-")) and candidate.is_file():
        text = candidate.read_text(encoding="utf-8").strip()
    parts = text.split()
    if len(parts) < 2 or not parts[0].startswith(("ssh-", "ecdsa-", "sk-")):
        raise TrustError(
            f"{key!r} is not an SSH public key: give a .pub file or its text "
            "('ssh-ed25519 AAAA... comment')"
        )
    return parts[0], parts[1], " ".join(parts[2:])


def add_signer(path: Path, principal: str, key: str) -> Signer:
    """Allow ``key`` (a public key or ``.pub`` file) to sign as ``principal``; returns the entry."""
    if not principal or any(c.isspace() for c in principal) or principal.startswith("#"):
        raise TrustError(
            f"signer name {principal!r} is not usable: give one word, such as an email address"
        )
    kind, data, comment = _parse_key(key)
    signer = Signer(principal, kind, data, comment)
    existing = read_signers(path)
    if any(s.principal == principal and s.key == data for s in existing):
        return signer
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    _write(path, old + ("" if not old or old.endswith("\n") else "\n") + signer.line() + "\n")
    return signer


def remove_signer(path: Path, principal: str) -> list[Signer]:
    """Remove every key of ``principal``; returns what was removed.

    Raises
    ------
    TrustError
        No such signer.
    """
    signers = read_signers(path)
    gone = [s for s in signers if s.principal == principal]
    if not gone:
        names = ", ".join(sorted({s.principal for s in signers})) or "none yet"
        raise TrustError(f"no allowed signer {principal!r} (allowed: {names})")
    keep = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not (line.split() and line.split()[0] == principal)
    ]
    _write(path, "".join(f"{line}\n" for line in keep))
    return gone


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
