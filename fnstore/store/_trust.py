"""The trust policy of a store: which versions may run, review, acceptance, signing.

:class:`TrustMixin` gives :class:`~fnstore.store.FunctionStore` its trust
verbs.  The policy and the record of trusted code are described in
:mod:`fnstore.trust._state`; what this mixin adds is what needs git:

- a version's verdict (:meth:`TrustMixin.trust_verdict`): trusted when the
  policy is ``any``, when this user saved or accepted its code (the record),
  or under ``signed`` when the commit that brought its code is signed by an
  allowed signer; under ``strict``, never when its top level runs code;
- :meth:`pending` (what arrived and awaits review, with its diff against the
  last trusted version and its import-time report), :meth:`accept`,
  :meth:`accept_all`;
- signing saves with an SSH key (``gpgsig`` header, as git signs), and the
  allowed-signers file.

The record is started (from every version the branch's history holds) by the
first save, pull, acceptance or policy change under a policy other than
``any``: before that moment no code can have arrived under the policy.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fnstore.errors import FnStoreError, InvalidCodeError, TrustError
from fnstore.git._history import walk
from fnstore.git._repoinfo import config_value, set_config
from fnstore.layout import SOURCE
from fnstore.store._read import _ReadMixin
from fnstore.trust._state import POLICIES, TrustState, append_record, untrusted_error

if TYPE_CHECKING:
    from datetime import datetime

    from fnstore.store._types import FunctionVersion
    from fnstore.trust._report import ImportReport
    from fnstore.trust._signing import SignatureCheck, Signer

__all__ = ["PendingVersion", "TrustVerdict"]

_SIGNERS_FILE = "allowed_signers"
_SIGNATURES_FILE = "signatures"  # verdicts by commit and signers file (derived, local)
_HOW = {
    "saved": "saved here",
    "accepted": "accepted by you",
    "existing": "in this store before review began",
}


@dataclass(frozen=True)
class TrustVerdict:
    """Whether one module version may run here, and why (or why not)."""

    trusted: bool
    reason: str


@dataclass(frozen=True)
class PendingVersion:
    """A version that arrived (by pull) and may not run until it is accepted.

    Attributes
    ----------
    module, functions, version, content_id
        What it is.
    commit
        The commit that brought its code.
    author, message, time
        From its manifest.
    reason
        Why it is not trusted (not accepted yet; unsigned; signed by an unknown key).
    base
        The last trusted version of the module (``module@version``), or None.
    diff
        A unified diff of ``source.py`` from ``base`` (from nothing when None).
    report
        What importing it would run beyond imports and definitions.
    """

    module: str
    functions: tuple[str, ...]
    version: int
    content_id: str
    commit: str
    author: str
    message: str
    time: datetime
    reason: str
    base: str | None
    diff: str
    report: ImportReport = field(repr=False)

    @property
    def ref(self) -> str:
        """A reference that names exactly this version (for :meth:`TrustMixin.accept`)."""
        return f"{self.module}@{self.content_id[:12]}"


class TrustMixin(_ReadMixin):
    """Trust policy, review and signing of :class:`FunctionStore` (see the module docstring)."""

    _signature_cache: dict[str, SignatureCheck] | None = None

    # -- policy ---------------------------------------------------------------

    def trust_state(self) -> TrustState:
        """Return the policy and the record as they are now."""
        return TrustState.load(str(self.path))

    @property
    def trust_policy(self) -> str:
        """``"review"``, ``"signed"`` or ``"any"`` (unset: review with a remote, else any)."""
        return self.trust_state().policy

    def set_trust(self, policy: str | None = None, *, strict: bool | None = None) -> TrustState:
        """Set the trust policy and/or the strict setting, in the store's git config.

        Parameters
        ----------
        policy
            ``"review"``: code that arrives by pull runs only once accepted;
            ``"signed"``: only code whose commit is signed by an allowed
            signer runs (plus what you saved or accepted); ``"any"``: all code runs.
        strict
            Refuse every module whose top level runs code at import time.

        Raises
        ------
        TrustError
            An unknown policy.
        """
        if policy is not None and policy not in POLICIES:
            raise TrustError(f"no trust policy {policy!r}: choose one of {', '.join(POLICIES)}")
        with self._locked():
            if policy is not None:
                set_config(self._repo, "fnstore.trust", policy)
            if strict is not None:
                set_config(self._repo, "fnstore.strict", bool(strict))
            state = self.trust_state()
            if not state.open:
                self._start_record(state)
            return self.trust_state()

    # -- verdicts ---------------------------------------------------------------

    def trust_verdict(
        self, module: str, content_id: str, *, commit: str | None = None
    ) -> TrustVerdict:
        """Whether the version of ``module`` with ``content_id`` may run here, and why.

        ``commit`` is a commit that holds it (default: found from the history).
        """
        return self._verdict(self.trust_state(), module, content_id, commit)

    def _verdict(
        self, state: TrustState, module: str, content_id: str, commit: str | None
    ) -> TrustVerdict:
        if state.strict:
            report = self.import_report(content_id)
            if not report.clean:
                return TrustVerdict(
                    False,
                    f"strict is on and its code {report.summary()}: remove that code, or turn "
                    "strict off (`fnstore trust --no-strict`)",
                )
        if state.policy == "any":
            return TrustVerdict(True, "the trust policy is 'any'")
        how = state.recorded(content_id)
        if how is not None:
            return TrustVerdict(True, _HOW.get(how, how))
        if state.policy == "signed":
            check = self._signature_of(module, content_id, commit)
            if check.ok:
                return TrustVerdict(True, check.detail)
            return TrustVerdict(False, f"{check.detail}, and you have not accepted it")
        return TrustVerdict(False, "it arrived by pull and you have not accepted it yet")

    def check_trusted(self, version: FunctionVersion) -> None:
        """Raise :class:`UntrustedCodeError` unless ``version`` may run here (bench, registry)."""
        verdict = self.trust_verdict(version.module, version.content_id, commit=version.commit)
        if not verdict.trusted:
            raise untrusted_error(
                version.module, version.version, version.content_id, verdict.reason
            )

    def import_report(self, content_id: str) -> ImportReport:
        """Report what importing the code with ``content_id`` would run (read, never run)."""
        from fnstore.trust._report import import_report

        return import_report(self.blob_text(content_id)[1])

    # -- review ---------------------------------------------------------------

    def untrusted_modules(self) -> dict[str, str]:
        """Map each module whose version at the branch head may not run yet to why.

        The cheap half of :meth:`pending` (no diffs, no reports): one record
        look-up per module, git read only for what the record does not hold.
        """
        state = self.trust_state()
        if state.open or self.head is None:
            return {}
        head = self.head
        out: dict[str, str] = {}
        for module, entry in sorted(self._head_index().modules.items()):
            tree = self._tree(entry.tree)
            source_id = self._reading(tree, module).source_id if tree is not None else None
            if source_id is None:
                continue  # no code: nothing can run; doctor and pull report it
            if not state.strict and state.recorded(source_id) is not None:
                continue  # the common case: one set look-up, no manifest read
            verdict = self._verdict(state, module, source_id, head)
            if not verdict.trusted:
                out[module] = verdict.reason
        return out

    def pending(self) -> list[PendingVersion]:
        """List the versions at the branch head that may not run yet, by module.

        Each comes with why, its diff against the module's last trusted
        version, and what its import would run.  Empty under ``any`` (not strict).
        """
        out = []
        state = self.trust_state()  # read once: the record may hold thousands of lines
        for module, reason in self.untrusted_modules().items():
            try:
                out.append(self._pending_version(state, module, TrustVerdict(False, reason)))
            except FnStoreError:
                continue  # unreadable: `fnstore doctor` and pull report it; it cannot load anyway
        return out

    def _pending_version(
        self, state: TrustState, module: str, verdict: TrustVerdict
    ) -> PendingVersion:
        from fnstore.trust._report import import_report

        history = self.history(module)
        current = history[0]
        base = next(
            (
                v
                for v in history[1:]
                if self._verdict(state, v.module, v.content_id, v.commit).trusted
            ),
            None,
        )
        old = base.source if base is not None else ""
        diff = "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                current.source.splitlines(keepends=True),
                fromfile=f"{base.module}@{base.version}/{SOURCE}" if base else "/dev/null",
                tofile=f"{current.module}@{current.version}/{SOURCE}",
            )
        )
        return PendingVersion(
            module=current.module,
            functions=tuple(f.name for f in current.manifest.functions),
            version=current.version,
            content_id=current.content_id,
            commit=current.commit,
            author=current.author,
            message=current.message,
            time=current.time,
            reason=verdict.reason,
            base=f"{base.module}@{base.version}" if base is not None else None,
            diff=diff,
            report=import_report(current.source),
        )

    def accept(self, ref: str) -> FunctionVersion:
        """Trust one version (``name``, ``name@3``, ``name@<content id>``): it may run from now on.

        The acceptance is recorded in this store only (``<repo>/fnstore/trusted``).

        Raises
        ------
        FunctionNotFoundError, RevisionNotFoundError
            No such version.
        """
        version = self.get(ref)
        with self._locked():
            self._start_record(self.trust_state())
            append_record(str(self.path), {version.content_id: "accepted"})
        return version

    def accept_all(self) -> list[PendingVersion]:
        """Accept every version :meth:`pending` lists; returns them."""
        waiting = self.pending()
        if waiting:
            with self._locked():
                self._start_record(self.trust_state())
                append_record(str(self.path), {p.content_id: "accepted" for p in waiting})
        return waiting

    # -- the record -------------------------------------------------------------

    def _start_record(self, state: TrustState) -> None:
        """Start the record (lock held) from every version the branch's history holds."""
        if state.record is None:
            append_record(str(self.path), dict.fromkeys(self._history_sources(), "existing"))

    def _history_sources(self) -> list[str]:
        """Content ids of every ``source.py`` the branch's history ever held."""
        head = self.head
        if head is None:
            return []
        found: dict[str, None] = {}
        for commit in walk(self._repo, head):
            parents = commit.parent_ids
            old = self._functions_tree(parents[0]) if parents else None
            new = self._functions_tree(commit.id)
            if new is None:
                continue
            for path, blob_id in new.changed_files(old):
                if path.endswith(SOURCE):
                    found[blob_id] = None
        return list(found)

    def _note_saved(self, content_id: str) -> None:
        """Record code saved here as trusted (lock held); nothing while no policy needs it."""
        # Not reading the record: appending a content id it has already is harmless,
        # and a save must stay cheap in a store of thousands of versions.
        state = TrustState.load(str(self.path), with_record=False)
        if state.record is None and not state.open:
            self._start_record(state)
        if state.record is not None or not state.open:
            append_record(str(self.path), {content_id: "saved"})

    def _trust_before_pull(self) -> None:
        """Start the record before pulled code can reach the branch (lock held)."""
        state = TrustState.load(str(self.path), with_record=False)
        if state.record is None and not state.open:
            self._start_record(state)

    def _check_strict(self, code: object) -> None:
        """Under ``strict``, refuse to save code whose top level runs something."""
        if not isinstance(code, str) or not self.trust_state().strict:
            return
        from fnstore.trust._report import import_report

        report = import_report(code)
        if report.findings:
            raise InvalidCodeError(
                f"strict is on and this code {report.summary()}: move that code into a "
                "function, or turn strict off (`fnstore trust --no-strict`)"
            )

    # -- signatures -------------------------------------------------------------

    def allowed_signers_path(self) -> Path:
        """Return the allowed-signers file (``fnstore.allowedSigners``, else in ``fnstore/``)."""
        configured = self._config_value("fnstore.allowedSigners")
        return Path(configured).expanduser() if configured else self._state_path(_SIGNERS_FILE)

    def signers(self) -> list[Signer]:
        """List the allowed signers (principal, key) that ``signed`` accepts."""
        from fnstore.trust._signing import read_signers

        return read_signers(self.allowed_signers_path())

    def add_signer(self, principal: str, key: str | Path) -> Signer:
        """Allow an SSH public key (its text or a ``.pub`` file) to sign as ``principal``.

        Also points git's ``gpg.ssh.allowedSignersFile`` at the same file in
        the store's config (unless set), so ``git verify-commit`` agrees.
        """
        from fnstore.trust._signing import add_signer

        path = self.allowed_signers_path()
        with self._locked():
            signer = add_signer(path, principal, str(key))
            if self._config_value("gpg.ssh.allowedSignersFile") is None:
                set_config(self._repo, "gpg.ssh.allowedSignersFile", str(path))
        self._signature_cache = None
        return signer

    def remove_signer(self, principal: str) -> list[Signer]:
        """Stop allowing ``principal``'s keys; returns the entries removed."""
        from fnstore.trust._signing import remove_signer

        with self._locked():
            gone = remove_signer(self.allowed_signers_path(), principal)
        self._signature_cache = None
        return gone

    def set_signing(self, key: str | Path | None, *, always: bool | None = None) -> None:
        """Set the SSH key saves sign with (``fnstore.signingKey``); ``always`` signs every save."""
        with self._locked():
            if key is not None:
                path = Path(key).expanduser().resolve()
                if not path.is_file():
                    raise TrustError(f"signing key {path} does not exist: give an SSH key file")
                set_config(self._repo, "fnstore.signingKey", str(path))
            if always is not None:
                set_config(self._repo, "fnstore.sign", bool(always))

    def signing(self) -> tuple[str | None, bool]:
        """Return the SSH key saves sign with (None: none set) and whether every save is signed."""
        always = (self._config_value("fnstore.sign") or "").lower() in ("true", "yes", "1", "on")
        return self._config_value("fnstore.signingKey"), always

    def _signing_key(self) -> str | None:
        """Return the key to sign the commit being made with, or None (no signing asked)."""
        wanted = self._sign_request
        if wanted is None:
            wanted = (self._config_value("fnstore.sign") or "").lower() in (
                "true",
                "yes",
                "1",
                "on",
            )
        if not wanted:
            return None
        key = self._config_value("fnstore.signingKey")
        if key is None and (self._config_value("gpg.format") or "").lower() == "ssh":
            key = self._config_value("user.signingKey")
        if key is None or key.startswith("key::"):
            raise TrustError(
                "no SSH key to sign with: set one with store.set_signing(PATH) or "
                "`fnstore trust --signing-key PATH` (or git's user.signingKey with gpg.format=ssh)"
            )
        return key

    def _config_value(self, name: str) -> str | None:
        return config_value(self._repo, name)

    def _signature_of(self, module: str, content_id: str, commit: str | None) -> SignatureCheck:
        """Check the signature of the commit that brought ``module``'s code ``content_id``.

        SSH verdicts are kept in ``<repo>/fnstore/signatures`` by commit and
        allowed-signers file content (both immutable as a pair), so a listing
        of a thousand pulled modules asks ssh-keygen once per commit, ever.
        OpenPGP verdicts depend on the keyring's trust and are kept in memory only.
        """
        from fnstore.trust._signing import SignatureCheck, verify

        origin = self._origin(module, content_id, commit)
        if origin is None:
            return SignatureCheck(False, "fnstore cannot find the commit that brought it")
        allowed = self.allowed_signers_path()
        key = f"{origin} {_digest(allowed)}"
        cache = self._signature_verdicts()
        cached = cache.get(key)
        if cached is not None:
            return cached
        signed = self._commit(origin).gpg_signature
        if signed[0] is None:
            result = SignatureCheck(False, f"its commit {origin[:12]} is not signed")
        else:
            result = verify(signed[0], signed[1], allowed)
        if result.final:  # a missing or hung tool is asked again next time
            cache[key] = result
            if signed[0] is None or b"SSH SIGNATURE" in signed[0]:
                self._remember_signature(key, result)
        return result

    def _signature_verdicts(self) -> dict[str, SignatureCheck]:
        from fnstore.trust._signing import SignatureCheck

        if self._signature_cache is None:
            self._signature_cache = {}
            try:
                lines = self._state_path(_SIGNATURES_FILE).read_text("utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                lines = []
            for line in lines:
                parts = line.split(" ", 3)
                if len(parts) == 4 and parts[2] in ("ok", "no"):
                    key = f"{parts[0]} {parts[1]}"
                    self._signature_cache[key] = SignatureCheck(parts[2] == "ok", parts[3])
        return self._signature_cache

    def _remember_signature(self, key: str, result: SignatureCheck) -> None:
        detail = " ".join(result.detail.split())  # one line
        line = f"{key} {'ok' if result.ok else 'no'} {detail}\n"
        try:
            path = self._state_path(_SIGNATURES_FILE)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line)  # derived data: a torn or lost line is only checked again
        except OSError:
            pass  # a read-only store checks again next time

    def _origin(self, module: str, content_id: str, commit: str | None) -> str | None:
        """Find the commit that brought ``module``'s code ``content_id`` (None: not found).

        At the head the index knows the commit that changed the module last:
        that is the answer unless it is a merge, which brought the module from
        one of its parents (then walk back while the module is unchanged).
        """
        head = self.head
        if commit == head and head is not None and self._source_at(head, module) == content_id:
            known = self._introducer(head, module)
            if len(self._commit(known).parent_ids) <= 1:
                return known
        start = commit
        if start is None or self._source_at(start, module) != content_id:
            try:
                start = self.get(f"{module}@{content_id}").commit
            except FnStoreError:
                return None
            if self._source_at(start, module) != content_id:
                return None
        return self._introducer(start, module, use_index=False)

    def _source_at(self, commit: str, module: str) -> str | None:
        try:
            tree = self._module_tree(commit, module)
        except FnStoreError:
            return None
        return self._reading(tree, module).source_id if tree is not None else None


def _digest(path: Path) -> str:
    """Name the allowed-signers file's content (``none`` when absent): part of a verdict's key."""
    import hashlib

    try:
        data = path.read_bytes()
    except OSError:
        return "none"
    return hashlib.sha256(data).hexdigest()[:16]
