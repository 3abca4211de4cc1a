"""One reading of a function module at a commit: its manifest, code, identity and state.

Every caller that asks "what is this module?" -- the store (``get``,
``functions``, history, save), the registry's fast start-up path (which reads
git objects with the git command, without pygit2), pull, bench and the CLI --
asks this reader, so they always agree on a module's state:

=================  ==========================================================
``ok``             a manifest fnstore wrote for exactly this code
``derived``        readable: the code was committed with plain git without
                   a manifest, or its manifest describes other code; the
                   store derives the manifest from the code (no execution)
``no code``        no ``source.py`` in the folder
``not a file``     ``source.py`` or ``manifest.json`` is a symbolic link, a
                   submodule or a folder (never followed)
``too big``        a manifest over :data:`MAX_MANIFEST_BYTES`
``bad UTF-8``      a manifest that is not UTF-8 text
``too deep``       a manifest nested deeper than :data:`MAX_DEPTH`
``newer schema``   written by a newer fnstore (:class:`SchemaVersionError`)
``invalid``        not JSON, or not the manifest's shape
``unreadable``     git could not give the object (a damaged or partial clone)
=================  ==========================================================

The reader never touches git itself: it is given a module folder's entries
(name -> file mode and object id, from pygit2, ``git ls-tree`` or a raw tree
object) and a way to read a blob, so both the pygit2 store and the
pygit2-free fast path feed it.  It imports neither pygit2 nor pydantic: a
manifest is checked with :mod:`json`, or, when its bytes have exactly the
layout the store writes, by byte search (a first start-up reads thousands).
Full validation against the pydantic model is the store's
(:meth:`fnstore.manifest.Manifest.from_data` on :meth:`ModuleReading.parsed`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fnstore.layout import MANIFEST, SCHEMA_VERSION, SOURCE, module_path

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from fnstore.errors import ManifestError

# The state names (OK, DERIVED...) are imported by name; the package exports them all.
__all__ = [
    "MAX_DEPTH",
    "MAX_MANIFEST_BYTES",
    "ModuleReading",
    "check_files",
    "check_manifest",
    "error_for",
    "files_of_tree",
    "parse_manifest",
    "read_module",
]

OK = "ok"
DERIVED = "derived"
NO_CODE = "no code"
NOT_A_FILE = "not a file"
TOO_BIG = "too big"
BAD_UTF8 = "bad UTF-8"
TOO_DEEP = "too deep"
NEWER_SCHEMA = "newer schema"
INVALID = "invalid"
UNREADABLE = "unreadable"

#: Largest manifest read (a 16-function module's is about 20 KB).
MAX_MANIFEST_BYTES = 1 << 20
#: Deepest nesting of a manifest's JSON (fnstore writes at most about 8).
MAX_DEPTH = 32

_BLOB_MODES = (0o100644, 0o100755)
_NEWER = "but this fnstore reads up to version"
_KINDS = {0o120000: "a symbolic link", 0o160000: "a submodule", 0o040000: "a folder"}


class ModuleReading:
    """What one module folder holds, and whether fnstore can read it.

    A plain class with slots: the registry's first start-up makes thousands.
    """

    __slots__ = (
        "_path",
        "content_id",
        "data",
        "doc",
        "manifest_id",
        "module",
        "names",
        "reason",
        "source_id",
        "state",
        "version",
    )

    def __init__(self, module: str, path: str | None = None) -> None:
        #: The module's folder name.
        self.module = module
        self._path = path
        #: One of the states above; "" while the manifest is still to be read.
        self.state = ""
        #: Why it is not ``ok``, in words a user can act on (None when ok).
        self.reason: str | None = None
        #: Blob ids of ``source.py`` (the content id of the code) and ``manifest.json``.
        self.source_id: str | None = None
        self.manifest_id: str | None = None
        #: The manifest's bytes, and its decoded JSON once parsed.
        self.data: bytes | None = None
        self.doc: dict[str, Any] | None = None
        #: Identity read from an ``ok`` manifest: function names, version, content id.
        self.names: tuple[str, ...] = ()
        self.version: int | None = None
        self.content_id: str | None = None

    def __repr__(self) -> str:
        return f"<ModuleReading {self.module!r} {self.state!r}>"

    @property
    def readable(self) -> bool:
        """Whether fnstore can serve this module (its manifest as stored, or derived)."""
        return self.state in (OK, DERIVED)

    @property
    def path(self) -> str:
        """The module's folder in the tree (in the current layout unless told otherwise)."""
        if self._path is None:
            self._path = module_path(self.module)
        return self._path

    def error(self) -> ManifestError:
        """Return the error that reports this (unreadable) module, the same for every caller."""
        return self.error_for(self.state, self.reason or f"{self.path} cannot be read")

    @staticmethod
    def error_for(state: str, reason: str | None) -> ManifestError:
        """Return the error for an unreadable state and its reason."""
        # The error tree is imported on the error path only (a reading that
        # succeeds, the common case, needs none of its 34 classes).
        from fnstore.errors import ManifestError, SchemaVersionError

        kind = SchemaVersionError if state == NEWER_SCHEMA else ManifestError
        return kind(reason or "the manifest cannot be read")

    def parsed(self) -> dict[str, Any]:
        """Return the manifest's JSON object (parsed on first need after a quick read)."""
        if self.doc is None:
            import json

            from fnstore.errors import ManifestError  # (see error_for)

            if self.data is None:
                raise ManifestError(f"{self.path} has no {MANIFEST}")
            try:
                self.doc = json.loads(self.data)
            except (ValueError, RecursionError) as exc:
                # bytes in the store's layout that are still not JSON (damaged inside)
                raise ManifestError(
                    f"{self.path}/{MANIFEST} is not valid JSON ({exc}): fix it by hand, or "
                    f"delete it (git rm {self.path}/{MANIFEST}) and fnstore will re-derive it"
                ) from exc
        return self.doc

    def _set(self, state: str, reason: str | None = None) -> ModuleReading:
        self.state, self.reason = state, reason
        return self


def error_for(reason: str) -> ManifestError:
    """Return the error a reason given by this reader stands for (kept as text in caches)."""
    return ModuleReading.error_for(NEWER_SCHEMA if _NEWER in reason else "", reason)


def files_of_tree(raw: bytes) -> dict[str, tuple[int, str]]:
    """Map the entries of a raw git tree object to ``(mode, object id)``."""
    out: dict[str, tuple[int, str]] = {}
    pos, end = 0, len(raw)
    while pos < end:
        space = raw.index(b" ", pos)
        nul = raw.index(b"\0", space)
        name = raw[space + 1 : nul].decode("utf-8", "surrogateescape")
        out[name] = (int(raw[pos:space], 8), raw[nul + 1 : nul + 21].hex())
        pos = nul + 21
    return out


def check_files(
    module: str, files: Mapping[str, tuple[int, str]], path: str | None = None
) -> ModuleReading:
    """Judge a module folder by its entries alone.

    The result's state is final, except ``""``: the manifest
    (:attr:`ModuleReading.manifest_id`) must then be read and given to
    :func:`check_manifest`.  ``path`` is the folder's path in the tree
    (default: where the current layout puts ``module``).
    """
    reading = ModuleReading(module, path)
    path = reading.path
    source, manifest = files.get(SOURCE), files.get(MANIFEST)
    if source is None:
        what = f" (only a {MANIFEST})" if manifest is not None else ""
        return reading._set(
            NO_CODE,
            f"{path}/ has no {SOURCE}{what}: restore the code with git, or remove {path}",
        )
    for name, entry in ((SOURCE, source), (MANIFEST, manifest)):
        if entry is not None and entry[0] not in _BLOB_MODES:
            kind = _KINDS.get(entry[0], f"an entry of mode {entry[0]:o}")
            return reading._set(
                NOT_A_FILE,
                f"{path}/{name} is {kind}, which fnstore never follows: commit the file itself "
                f"in its place, or remove {path}",
            )
    reading.source_id = source[1]
    if manifest is None:
        return reading._set(
            DERIVED,
            f"{path}/ has code but no {MANIFEST} (committed with plain git): its manifest is "
            "derived from the code",
        )
    reading.manifest_id = manifest[1]
    return reading


def read_module(
    module: str,
    files: Mapping[str, tuple[int, str]],
    read_blob: Callable[[str], bytes],
    path: str | None = None,
) -> ModuleReading:
    """Read one module folder: its entries, then its manifest through ``read_blob(id)``."""
    reading = check_files(module, files, path)
    if reading.state or reading.manifest_id is None:
        return reading
    try:
        data = read_blob(reading.manifest_id)
    except (OSError, KeyError, ValueError) as exc:
        return reading._set(
            UNREADABLE,
            f"{reading.path}/{MANIFEST} cannot be read from git ({exc}): the repository may "
            "be damaged or a partial clone; run git fsck",
        )
    return check_manifest(reading, data)


# The layout the store writes (pydantic's model_dump_json(indent=2)).  Raw
# newlines only ever separate tokens in that JSON (one inside a string is
# escaped), so a key at a given indentation can be found by plain byte search.
_HEAD = b'{\n  "schema_version": %d,\n  "module": "' % SCHEMA_VERSION
_VERSION = b'",\n  "version": '
_CONTENT_ID = b'\n  "content_id": "'
_FUNCTIONS = b'\n  "functions": [\n'
_FUNCTIONS_END = b"\n  ],\n"
_NAME = b'\n      "name": "'  # a function's own key: parameters' names are deeper
# In that layout every nesting level indents by two: deeper than this may be too deep.
_DEEP = b"\n" + b" " * (2 * MAX_DEPTH - 2)


def _quick(reading: ModuleReading, data: bytes) -> bool:
    """Read the identity of a manifest in the store's own layout by byte search.

    False when the bytes are laid out any other way (a hand-edited file):
    then the manifest is parsed with json.
    """
    if (
        not data.startswith(_HEAD)
        or not data.endswith(b"\n}\n")  # (a truncated one: parsed, and refused)
        or _DEEP in data
        or len(data) > MAX_MANIFEST_BYTES
    ):
        return False
    try:
        data.decode("utf-8")  # (C speed: a few microseconds for a manifest)
    except UnicodeDecodeError:
        return False  # the full path says why
    at = data.find(_VERSION, len(_HEAD))
    cid = data.find(_CONTENT_ID, at)
    start = data.find(_FUNCTIONS, cid)
    end = data.find(_FUNCTIONS_END, start)
    if min(at, cid, start, end) < 0:
        return False
    digits = data[at + len(_VERSION) : cid - 1]
    content_id = data[cid + len(_CONTENT_ID) : cid + len(_CONTENT_ID) + 40]
    if not digits.isdigit() or data[cid - 1 : cid] != b"," or len(content_id) != 40:
        return False
    if data[cid + len(_CONTENT_ID) + 40 : cid + len(_CONTENT_ID) + 42] != b'",':
        return False
    names = []
    pos = data.find(_NAME, start, end)
    while pos >= 0:
        first = pos + len(_NAME)
        last = data.find(b'"', first, end)
        name = data[first:last].decode("utf-8", "replace")
        if last < 0 or not name.isidentifier():
            return False
        names.append(name)
        pos = data.find(_NAME, last, end)
    module = data[len(_HEAD) : at].decode("utf-8", "replace")
    if not names or '"' in module or "\\" in module:
        return False
    reading.names, reading.version = tuple(names), int(digits)
    reading.content_id, reading.doc = content_id.decode("ascii", "replace"), None
    _identity(reading, module)
    return True


def _depth(value: object, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (stops as soon as it does)."""
    if limit < 0:
        return True
    if isinstance(value, dict):
        return any(_depth(v, limit - 1) for v in value.values())
    if isinstance(value, list):
        return any(_depth(v, limit - 1) for v in value)
    return False


def parse_manifest(path: str, data: bytes) -> tuple[str, str | None, dict[str, Any] | None]:
    """Check and parse manifest bytes: ``(state, reason, document)``.

    The state is ``""`` (well-formed, identity not yet compared with the
    code) or one of the unreadable states.
    """
    where = f"{path}/{MANIFEST}"
    fix = f"fix it by hand, or delete it (git rm {where}) and fnstore will re-derive it"
    if len(data) > MAX_MANIFEST_BYTES:
        size = f"{len(data):,} bytes, over the {MAX_MANIFEST_BYTES:,} fnstore reads"
        return TOO_BIG, f"{where} is {size}: {fix}", None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BAD_UTF8, f"{where} is not UTF-8 text ({exc}): {fix}", None
    import json

    try:
        doc = json.loads(text)
    except RecursionError:
        doc = None
    except ValueError as exc:
        return INVALID, f"{where} is not valid JSON ({exc}): {fix}", None
    # Counting brackets bounds the depth from above, so the walk runs only when it might matter.
    if doc is None or (text.count("[") + text.count("{") > MAX_DEPTH and _depth(doc, MAX_DEPTH)):
        return TOO_DEEP, f"{where} is nested too deep (over {MAX_DEPTH} levels): {fix}", None
    if not isinstance(doc, dict):
        return INVALID, f"{where} must hold a JSON object: {fix}", None
    schema = doc.get("schema_version")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        return INVALID, f"{where} has no valid schema_version (a positive integer): {fix}", None
    if schema > SCHEMA_VERSION:
        return (
            NEWER_SCHEMA,
            f"{where} uses schema version {schema}, {_NEWER} "
            f"{SCHEMA_VERSION}: upgrade fnstore (pip install -U fnstore), or {fix[0].lower()}"
            f"{fix[1:]}",
            None,
        )
    return "", None, doc


def check_manifest(reading: ModuleReading, data: bytes) -> ModuleReading:
    """Judge a module by its manifest's bytes (after :func:`check_files`)."""
    reading.data = data
    if _quick(reading, data):
        return reading
    state, reason, doc = parse_manifest(reading.path, data)
    if doc is None:
        return reading._set(state, reason)
    reading.doc = doc  # an older schema is migrated by the model; its identity keys are the same
    module, version, cid, functions = (
        doc.get(k) for k in ("module", "version", "content_id", "functions")
    )
    names = [f.get("name") for f in functions if isinstance(f, dict)] if functions else []
    if (
        not isinstance(module, str)
        or not isinstance(version, int)
        or isinstance(version, bool)
        or version < 1
        or not isinstance(cid, str)
        or not isinstance(functions, list)
        or not names
        or len(names) != len(functions)
        or not all(isinstance(n, str) for n in names)
    ):
        return reading._set(
            INVALID,
            f"{reading.path}/{MANIFEST} lacks its identity (a string 'module', a positive "
            "integer 'version', a string 'content_id' and a non-empty list 'functions' with "
            f"names): fix it by hand, or delete it (git rm {reading.path}/{MANIFEST}) and "
            "fnstore will re-derive it",
        )
    reading.names = tuple(str(n) for n in names)
    reading.version, reading.content_id = version, cid
    _identity(reading, module)
    return reading


def _identity(reading: ModuleReading, module: str) -> None:
    """``ok`` when the manifest is this folder's and this code's, else ``derived``."""
    if reading.content_id == reading.source_id and module == reading.module:
        reading._set(OK)
        return
    what = "other code" if reading.content_id != reading.source_id else f"module {module!r}"
    reading._set(
        DERIVED,
        f"{reading.path}/{MANIFEST} describes {what} ({SOURCE} or the folder was changed "
        "with plain git): its manifest is derived from the code",
    )
