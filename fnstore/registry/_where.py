"""Where the registry's start-up finds things, without pygit2 or platformdirs.

The second start-up at the same pin must cost almost nothing, and importing
pygit2 or platformdirs (with the tempfile, shutil and pathlib imports it
brings) costs more than all the rest of it.  So this module finds, with plain
``os`` calls:

**The cache and the default store.**  :func:`cache_dir` and
:func:`default_store_path` give the same answers as
:func:`fnstore.paths.cache_dir` and :func:`fnstore.paths.default_store_path`
(a test holds them to it) for the cases that are simple to get right: an
``FNSTORE_HOME``, and the XDG rules on Linux; anywhere else they ask
:mod:`fnstore.paths`.

**A store's pin and the commit it names.**  A pin and the refs it names are
small text files in the bare repository, whose formats git documents:

* ``<repo>/fnstore/pins.json`` (its format: :mod:`fnstore.layout._pins`),
  written by :mod:`fnstore.store._pins`; absent, the store follows the
  branch ``HEAD`` names;
* ``<repo>/refs/heads/<branch>``, ``<repo>/refs/tags/<tag>``: one object id;
* ``<repo>/packed-refs``: ``<id> <refname>`` lines (a loose ref wins over it).

Anything :func:`read_pin` and :func:`resolve` are unsure about (no pin file
they understand, a symbolic ref, a reftable repository...) gives ``None``
and the caller asks the store, which is always right.  The id found may be
an annotated tag's object id rather than a commit's: it is just as
immutable, so it still names a cache entry.
"""

import os
import sys

from fnstore.layout import PINS_FILE, STATE_DIR

__all__ = ["REGISTRY_NAME", "STORES_ENV", "cache_dir", "default_store_path", "read_pin", "resolve"]

_APP = "fnstore"

#: The registry name in ``"<registry>:<name>"`` keys, as OpenHCS's RegistryService keys them.
REGISTRY_NAME = "fnstore"

#: Environment variable listing the stores registries were loaded from, so that
#: a worker process (which inherits it) can import a pickled function's module.
STORES_ENV = "FNSTORE_REGISTRY_STORES"


def _xdg(variable: str, default: str) -> str | None:
    if not sys.platform.startswith("linux") or "HOME" not in os.environ:
        return None
    value = os.environ.get(variable, "").strip()
    if value:
        return os.path.join(value, _APP) if os.path.isabs(value) else None
    return os.path.join(os.path.expanduser(default), _APP)


def cache_dir() -> str:
    """Return :func:`fnstore.paths.cache_dir`, as a string."""
    home = os.environ.get("FNSTORE_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "cache")
    found = _xdg("XDG_CACHE_HOME", "~/.cache")
    if found is not None:
        return found
    from fnstore import paths

    return str(paths.cache_dir())


def default_store_path() -> str:
    """Return :func:`fnstore.paths.default_store_path`, as a string."""
    home = os.environ.get("FNSTORE_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "data", "functions.git")
    found = _xdg("XDG_DATA_HOME", "~/.local/share")
    if found is not None:
        return os.path.join(found, "functions.git")
    from fnstore import paths

    return str(paths.default_store_path())


# -- the pin and the commit it names ----------------------------------------

_HEX = frozenset("0123456789abcdef")


def _is_oid(text: str) -> bool:
    return len(text) == 40 and not (set(text) - _HEX)


def _read(repo: str, *parts: str) -> bytes:
    # Plain os.path and open(): pathlib costs more to import than this whole read.
    with open(os.path.join(repo, *parts), "rb") as fh:
        return fh.read()


def _branch(repo: str) -> str | None:
    """Return the branch ``HEAD`` names (what the store follows when nothing is pinned)."""
    try:
        head = _read(repo, "HEAD").decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    prefix = "ref: refs/heads/"
    return head.removeprefix(prefix) if head.startswith(prefix) else None


def _parse(raw: bytes) -> dict[str, object] | None:
    """Return the pin file's fields; None unless in the format this fnstore writes."""
    # The format's reader is loaded only here: a store that pins nothing has no file.
    from fnstore.layout import PINS_FORMAT, parse_pins

    try:
        data = parse_pins(raw)
    except ValueError:
        return None
    return data if data.get("format") == PINS_FORMAT else None


def read_pin(repo: str) -> tuple[str, dict[str, str]] | None:
    """Return the pin spec and overrides (name -> content id), or None if unsure."""
    try:
        raw = _read(repo, STATE_DIR, PINS_FILE)
    except FileNotFoundError:
        branch = _branch(repo)  # no pin written yet: the store follows its branch
        return (branch, {}) if branch else None
    except OSError:
        return None
    data = _parse(raw)
    if data is None:
        return None
    spec = data.get("spec")
    functions = data.get("functions", {})
    if not isinstance(spec, str) or not isinstance(functions, dict):
        return None
    for name, cid in functions.items():
        if not (isinstance(name, str) and isinstance(cid, str) and _is_oid(cid)):
            return None
    return spec, dict(functions)


_UNSURE = "?"


def _loose(repo: str, refname: str) -> str | None:
    try:
        text = _read(repo, *refname.split("/")).decode("ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return _UNSURE
    # A symbolic ref ("ref: ...") or anything else odd: let the store decide.
    return text if _is_oid(text) else _UNSURE


def _packed(repo: str, refname: str) -> str | None:
    try:
        lines = _read(repo, "packed-refs").decode("utf-8").splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return _UNSURE
    for line in lines:
        oid, _, name = line.partition(" ")
        if name == refname:
            return oid if _is_oid(oid) else _UNSURE
    return None


def resolve(repo: str, spec: str) -> str | None:
    """Return the object id ``spec`` (a branch, tag or commit id) names, or None."""
    if _is_oid(spec):
        return spec
    if not spec or spec.startswith(("/", ".", "-")) or ".." in spec or "\\" in spec:
        return None
    found = []
    for refname in (f"refs/heads/{spec}", f"refs/tags/{spec}"):
        oid = _loose(repo, refname)  # a loose ref wins over packed-refs
        if oid is None:
            oid = _packed(repo, refname)
        if oid is not None:
            found.append(oid)
    # Both a branch and a tag of that name, or an odd ref: the store knows the rules.
    if len(found) != 1 or found[0] == _UNSURE:
        return None
    return found[0]
