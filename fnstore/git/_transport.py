"""Talking to a remote through libgit2: credentials, progress, time limits, errors.

Everything here is the boundary between fnstore's sync and the network:

- :class:`SyncCallbacks` answers libgit2's questions during one fetch or
  push: which credentials to offer (ssh keys from ``FNSTORE_SSH_KEY``, the
  agent or ``~/.ssh``; https tokens from ``FNSTORE_TOKEN`` or git's credential
  helper), whether to trust the server (only a known host key or a valid
  certificate), and it turns libgit2's counters into :class:`TransferProgress`
  for the CLI and GUI.  It also records which references the server refused.
- :func:`network_settings` bounds the time a dead or silent server can hold
  us (libgit2's connect and read/write timeouts).
- :func:`translate_error` maps ``pygit2.GitError`` onto the ``SyncError`` tree
  with a message that says what to do.

Secrets never leave this module: they are read from the environment or the
credential helper when libgit2 asks, handed to libgit2 and never written into
the repository, its config, a message or a log (URLs are shown redacted).
"""

from __future__ import annotations

import getpass
import os
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pygit2
from pygit2.enums import CredentialType

from fnstore.errors import AuthenticationError, RemoteUnreachableError, SyncError
from fnstore.git._progress import ProgressCallback, TransferProgress

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "ProgressCallback",
    "SyncCallbacks",
    "TransferProgress",
    "network_settings",
    "redact",
    "time_limits",
    "translate_error",
    "translate_message",
]

#: Seconds to wait for a TCP connection, and for any read or write after it.
CONNECT_TIMEOUT_ENV = "FNSTORE_CONNECT_TIMEOUT"
IO_TIMEOUT_ENV = "FNSTORE_TIMEOUT"
_DEFAULT_CONNECT_S = 15.0
_DEFAULT_IO_S = 60.0

# ssh private keys tried, in order, when FNSTORE_SSH_KEY is not set.
_DEFAULT_KEYS = ("id_ed25519", "id_ecdsa", "id_rsa")


def redact(url: str) -> str:
    """``url`` without any password or token in it, fit for messages and logs.

    Over http(s) a user name alone is redacted too: that is where a pasted
    token ends up (``https://TOKEN@host``).
    """
    try:
        parts = urlsplit(url)
        token_user = bool(parts.username) and parts.scheme.lower() in ("http", "https")
        if parts.password is None and not token_user:
            return url
        host = parts.netloc.rpartition("@")[2]
    except ValueError:  # not a URL urllib can split: show no part of what may hold a secret
        return "<a URL that cannot be shown>" if "@" in url else url
    user = "***@" if token_user else f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _seconds(env: str, default: float) -> float:
    raw = os.environ.get(env, "")
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = default
    return value if value > 0 else default


def time_limits() -> tuple[float, float]:
    """Seconds allowed to connect, and for any read or write after it (from the environment)."""
    return _seconds(CONNECT_TIMEOUT_ENV, _DEFAULT_CONNECT_S), _seconds(
        IO_TIMEOUT_ENV, _DEFAULT_IO_S
    )


@contextmanager
def network_settings() -> Iterator[None]:
    """Apply fnstore's network settings to libgit2 for one operation.

    libgit2's options are process-wide; setting them before every operation
    (rather than once at import) lets ``FNSTORE_TIMEOUT`` and ``HOME`` change
    between calls, which the CLI's ``--home`` and the tests rely on.
    """
    connect_s, io_s = time_limits()
    pygit2.settings.server_connect_timeout = int(connect_s * 1000)
    pygit2.settings.server_timeout = int(io_s * 1000)
    # libgit2 resolves "~" (for ~/.ssh/known_hosts) from the HOME it saw at
    # start-up; follow the current one.
    pygit2.settings.homedir = str(Path.home())
    yield


def _git_credential(action: str, fields: dict[str, str]) -> dict[str, str] | None:
    """Run ``git credential <action>``; for ``fill`` return what it answered.

    Terminal prompts are switched off: a GUI or a script must never hang on a
    hidden password prompt.  Any failure (no git, no helper, nothing stored)
    means "no credentials from git".
    """
    text = "".join(f"{k}={v}\n" for k, v in fields.items()) + "\n"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    try:
        done = subprocess.run(
            ["git", "credential", action],
            input=text,
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if action != "fill" or done.returncode != 0:
        return None
    answer = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return answer if answer.get("password") else None


class SyncCallbacks(pygit2.RemoteCallbacks):
    """libgit2's questions during one fetch or push, answered for fnstore.

    Parameters
    ----------
    url
        The remote's URL (used for the credential helper and messages).
    progress
        Called with a :class:`TransferProgress` as objects move, or None.
    """

    def __init__(self, url: str, progress: ProgressCallback | None = None) -> None:
        super().__init__()
        self.url = url
        self.progress = progress
        #: remote reference -> the server's reason, for refused push updates.
        self.rejected: dict[str, str] = {}
        self._ssh_keys: list[pygit2.Keypair | pygit2.KeypairFromAgent] | None = None
        self._ssh_tried: list[str] = []
        self._userpass_tried: str | None = None
        self._helper_fields: dict[str, str] | None = None

    # -- credentials -------------------------------------------------------

    def credentials(
        self, url: str, username_from_url: str | None, allowed_types: CredentialType
    ) -> Any:
        """Offer the next credential libgit2 may use (called again after a refusal)."""
        if allowed_types & CredentialType.SSH_KEY:
            return self._next_ssh_key(username_from_url or getpass.getuser())
        if allowed_types & CredentialType.USERPASS_PLAINTEXT:
            return self._userpass(username_from_url)
        if allowed_types & CredentialType.USERNAME:
            return pygit2.Username(username_from_url or getpass.getuser())
        raise AuthenticationError(
            f"{redact(self.url)} asks for a kind of login fnstore does not support; "
            "use an ssh:// URL with a key, or an https:// URL with a token in FNSTORE_TOKEN"
        )

    def _ssh_candidates(self, user: str) -> list[pygit2.Keypair | pygit2.KeypairFromAgent]:
        explicit = os.environ.get("FNSTORE_SSH_KEY")
        passphrase = os.environ.get("FNSTORE_SSH_PASSPHRASE", "")
        if explicit:
            key = Path(explicit).expanduser()
            if not key.is_file():
                raise AuthenticationError(
                    f"FNSTORE_SSH_KEY names {key}, which is not a file: point it at your "
                    "private ssh key (e.g. ~/.ssh/id_ed25519)"
                )
            self._ssh_tried.append(str(key))
            return [_keypair(user, key, passphrase)]
        found: list[pygit2.Keypair | pygit2.KeypairFromAgent] = []
        if os.environ.get("SSH_AUTH_SOCK"):
            self._ssh_tried.append("the ssh agent")
            found.append(pygit2.KeypairFromAgent(user))
        for name in _DEFAULT_KEYS:
            key = Path.home() / ".ssh" / name
            if key.is_file():
                self._ssh_tried.append(str(key))
                found.append(_keypair(user, key, passphrase))
        return found

    def _next_ssh_key(self, user: str) -> pygit2.Keypair | pygit2.KeypairFromAgent:
        if self._ssh_keys is None:
            self._ssh_keys = self._ssh_candidates(user)
            if not self._ssh_keys:
                raise AuthenticationError(
                    f"{redact(self.url)} needs an ssh key and none was found: set "
                    "FNSTORE_SSH_KEY to your private key file, start ssh-agent, or create "
                    "~/.ssh/id_ed25519 (ssh-keygen -t ed25519) and give the .pub to the server"
                )
        if not self._ssh_keys:
            raise AuthenticationError(
                f"{redact(self.url)} refused the ssh key(s) tried ({', '.join(self._ssh_tried)}) "
                f"for user {user!r}: add your public key to the server's authorized_keys, "
                "or set FNSTORE_SSH_KEY to the key the server knows"
            )
        return self._ssh_keys.pop(0)

    def _userpass(self, username: str | None) -> pygit2.UserPass:
        host = urlsplit(self.url).hostname or self.url
        if self._userpass_tried is not None:
            if self._helper_fields is not None:
                _git_credential("reject", self._helper_fields)
                self._helper_fields = None
            raise AuthenticationError(
                f"{host} refused the credentials from {self._userpass_tried}: check that "
                "the token is valid and allowed to read/write this repository"
            )
        token = os.environ.get("FNSTORE_TOKEN")
        if token:
            self._userpass_tried = "FNSTORE_TOKEN"
            # Hosting services ignore the user name for tokens but want one.
            user = username or os.environ.get("FNSTORE_USERNAME") or "fnstore"
            return pygit2.UserPass(user, token)
        parts = urlsplit(self.url)
        fields = {"protocol": parts.scheme, "host": parts.netloc.rsplit("@", 1)[-1]}
        if parts.path.strip("/"):
            fields["path"] = parts.path.lstrip("/")
        if username:
            fields["username"] = username
        answer = _git_credential("fill", fields)
        if answer is None:
            raise AuthenticationError(
                f"{host} asks for a login: put an access token in the FNSTORE_TOKEN "
                "environment variable, or store one with git's credential helper "
                "(git config --global credential.helper store)"
            )
        self._userpass_tried = "git's credential helper"
        self._helper_fields = {**fields, **answer}
        return pygit2.UserPass(answer.get("username", username or ""), answer["password"])

    def finish(self, *, ok: bool) -> None:
        """Tell git's credential helper whether its credentials worked."""
        if self._helper_fields is not None:
            _git_credential("approve" if ok else "reject", self._helper_fields)
            self._helper_fields = None

    # -- server identity ---------------------------------------------------

    def certificate_check(self, certificate: None, valid: bool, host: bytes) -> bool:
        """Trust only a host key found in known_hosts, or a valid TLS certificate."""
        if valid:
            return True
        name = host.decode(errors="replace")
        if urlsplit(self.url).scheme in ("ssh", "") or "@" in self.url.split("/", 1)[0]:
            port = urlsplit(self.url).port
            probe = f"ssh -p {port} {name}" if port else f"ssh {name}"
            raise AuthenticationError(
                f"the ssh host key of {name} is not in ~/.ssh/known_hosts, so fnstore cannot "
                f"tell it is the right server: check and record it once with `{probe}` "
                "(or ssh-keyscan after comparing the fingerprint with the server's admin)"
            )
        raise AuthenticationError(
            f"the TLS certificate of {name} could not be verified: check the URL; if the lab "
            "uses its own certificate authority, point SSL_CERT_FILE at its certificate"
        )

    # -- progress and push results -----------------------------------------

    def transfer_progress(self, stats: pygit2.remotes.TransferProgress) -> None:
        """Report fetch progress: objects received, then deltas resolved."""
        if self.progress is None:
            return
        if stats.total_deltas and stats.received_objects == stats.total_objects:
            self.progress(
                TransferProgress(
                    "resolving", stats.indexed_deltas, stats.total_deltas, stats.received_bytes
                )
            )
        else:
            self.progress(
                TransferProgress(
                    "receiving", stats.received_objects, stats.total_objects, stats.received_bytes
                )
            )

    def push_negotiation(self, updates: list[pygit2.remotes.PushUpdate]) -> None:
        """Report that the upload starts (server reached, references negotiated)."""
        # A first "0 of ?" lets a progress bar appear before the pack is built,
        # which for a large store takes a moment.
        if self.progress is not None:
            self.progress(TransferProgress("sending", 0, 0, 0))

    def push_transfer_progress(
        self, objects_pushed: int, total_objects: int, bytes_pushed: int
    ) -> None:
        """Report push progress: objects and bytes sent."""
        if self.progress is not None:
            self.progress(TransferProgress("sending", objects_pushed, total_objects, bytes_pushed))

    def push_update_reference(self, refname: str, message: str | None) -> None:
        """Remember each reference update the server refused, with its reason."""
        if message:
            self.rejected[refname] = message


def _keypair(user: str, key: Path, passphrase: str) -> pygit2.Keypair:
    public = key.with_name(key.name + ".pub")
    # libssh2 can derive the public key itself when the .pub file is missing.
    return pygit2.Keypair(user, str(public) if public.is_file() else None, str(key), passphrase)


# libgit2 message fragments -> (error class, what to tell the user)
_UNREACHABLE = (
    "failed to connect",
    "unable to connect",
    "connection refused",
    "timed out",
    "failed to resolve address",
    "could not read from socket",
    "could not write to socket",
    "connection reset",
    "broken pipe",
    "early eof",
    "unexpected eof",
    "failed to start ssh session",
    "the remote end hung up",
    "network is unreachable",
    "no route to host",
)
_NO_REPO = (
    "no such repository",
    "failed to resolve path",
    "could not find repository",
    "repository not found",
    "not found",
    "does not appear to be a git repository",
    "unsupported url protocol",
    "not exported",
    "status code: 404",
)
_AUTH = (
    "authentication",
    "unauthorized",
    "permission denied",
    "credentials",
    "could not read username",  # git, asked for a login it may not prompt for
    "terminal prompts disabled",
)

# HTTP 401 and 403 as a status, not as digits inside a port number or an address
_DENIED_STATUS = re.compile(r"(?:code|error|status)\W{0,3}40[13](?!\d)")


def translate_error(exc: pygit2.GitError, url: str, action: str) -> SyncError:
    """Return the ``SyncError`` for a libgit2 failure while ``action`` on ``url``.

    Parameters
    ----------
    exc
        What libgit2 raised.
    url
        The remote's URL (redacted before it is shown).
    action
        What was being done, e.g. ``"fetching from lab"``.

    Returns
    -------
    SyncError
        A subclass matching the cause, whose message says what to do.
    """
    return translate_message(str(exc), url, action, auth=isinstance(exc, pygit2.errors.AuthError))


def translate_message(text: str, url: str, action: str, *, auth: bool = False) -> SyncError:
    """Return the ``SyncError`` for a failure message (libgit2's or git's), as above.

    ``auth`` says the failure is known to be a refused login.
    """
    low = text.lower()
    where = redact(url)
    if auth or any(w in low for w in _AUTH) or _DENIED_STATUS.search(low):
        return AuthenticationError(
            f"{action}: {where} refused to let us in ({text}); check your ssh key "
            "(FNSTORE_SSH_KEY) or token (FNSTORE_TOKEN) and that you have access"
        )
    if any(w in low for w in _NO_REPO):
        return RemoteUnreachableError(
            f"{action}: there is no git repository at {where} ({text}); check the URL "
            "with `fnstore remote ls` and fix it with `fnstore remote rm` + `fnstore remote add`"
        )
    if any(w in low for w in _UNREACHABLE):
        return RemoteUnreachableError(
            f"{action}: could not reach {where} ({text}); check the URL, your network and "
            "that the server is running, then try again (nothing local was changed)"
        )
    return SyncError(f"{action} failed: {text} (remote {where}); nothing local was changed")
