"""Which remote URLs fnstore talks to, and the plain words for those it refuses.

A remote URL is handed to libgit2 or to the git command, and some forms make
git run a program or read a secret: ``ext::<command>`` (git runs the
command), ``fd::<n>``, a URL that begins with ``-`` (read as an option, e.g.
``--upload-pack=<command>``), an ssh host or user that begins with ``-``
(``ssh://-oProxyCommand=<command>/x``: ssh reads it as an option).  libgit2
happens to fail on them with "failed to resolve address"; the git command
refuses most; neither says why.  :func:`check_url` refuses them up front, at
``remote add`` and again before every fetch and push (a remote may have been
added with plain git), saying which rule the URL breaks.

A password or token in the URL (``https://user:token@host``, or a token as
the user name, ``https://TOKEN@host``) would be written into the store's
config and shown by ``remote ls``: refused too, with the secret redacted.
Tokens go in ``FNSTORE_TOKEN``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fnstore.errors import SyncError

__all__ = ["ALLOWED_SCHEMES", "check_url"]

#: The transports a remote may use (``scheme://``); a plain path is a local repository.
ALLOWED_SCHEMES = ("file", "git", "ssh", "git+ssh", "ssh+git", "http", "https")
_HELPER = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)::")  # git's '<transport>::<address>'
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_SCP = re.compile(r"(?:(?P<user>[^@/:]*)@)?(?P<host>[^/:]+):")  # user@host:path
_USE = "use a path, or a file://, git://, ssh:// or https:// URL"


def check_url(url: str) -> None:
    """Refuse a remote URL that could make git run a program or leak a secret.

    Raises
    ------
    SyncError
        The URL uses a transport that is not allowed (``ext::``, ``fd::``, an
        unknown ``scheme://``), holds a control character, begins with ``-``,
        names an ssh host or user beginning with ``-``, or holds a password or
        token (shown redacted).
    """
    text = url.strip()
    if any(ord(c) < 32 or c == "\x7f" for c in text):
        # a NUL ends the string for git; a newline would be written into the config as is
        raise SyncError(
            f"the remote URL {text!r} holds a control character (a NUL or line break?): "
            "it is not allowed; copy the URL again"
        )
    if text.startswith("-"):
        raise SyncError(
            f"the remote URL {_shown(text)!r} begins with '-', which git would read as an "
            f"option: it is not allowed; {_USE}"
        )
    helper = _HELPER.match(text)
    if helper:
        raise SyncError(f"transport {helper.group(1)}:: is not allowed: {_USE}")
    scheme = _SCHEME.match(text)
    if scheme:
        name = scheme.group(1).lower()
        if name not in ALLOWED_SCHEMES:
            raise SyncError(f"transport {name}:// is not allowed: {_USE}")
        _check_authority(text, name)
        return
    scp = _SCP.match(text)
    if scp and "/" not in text[: scp.end()]:
        for part in ("user", "host"):
            if (scp.group(part) or "").startswith("-"):
                raise SyncError(
                    f"the ssh {part} in {text!r} begins with '-', which ssh would read as an "
                    f"option: it is not allowed; {_USE}"
                )


def _check_authority(url: str, scheme: str) -> None:
    netloc = urlsplit(url).netloc
    userinfo, at, host = netloc.rpartition("@")
    if host.startswith("-") or userinfo.startswith("-"):
        part = "host" if host.startswith("-") else "user"
        raise SyncError(
            f"the {part} in the remote URL begins with '-', which ssh would read as an "
            f"option: it is not allowed; {_USE}"
        )
    if not at:
        return
    if ":" in userinfo or scheme in ("http", "https"):
        # over http(s) a user name alone is how tokens are often pasted
        raise SyncError(
            f"the URL {_shown(url)} holds a password or token (as the "
            f"{'password' if ':' in userinfo else 'user name'}), which would be written into "
            "the store's config: remove it and put the token in FNSTORE_TOKEN instead"
        )


def _shown(url: str) -> str:
    from fnstore.git._transport import redact

    return redact(url)
