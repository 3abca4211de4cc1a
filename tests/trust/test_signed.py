"""The ``signed`` policy and signed saves, with the real ssh-keygen and the git CLI."""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

import numpy as np
import pytest
from _trustlab import git, module_code, ssh_key

from fnstore.errors import TrustError, UntrustedCodeError
from fnstore.layout import module_path
from fnstore.registry import Registry

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from fnstore.store import FunctionStore

    Member = Callable[[str], FunctionStore]


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "keys"
    folder.mkdir()
    return {who: ssh_key(folder, f"{who}@lab") for who in ("alice", "mallory")}


def test_an_unsigned_version_is_refused_while_the_signed_one_keeps_working(
    member: Member, keys: dict[str, Path]
) -> None:
    alice, bob = member("alice"), member("bob")
    alice.set_signing(keys["alice"])
    bob.set_trust("signed")
    bob.add_signer("alice@lab", keys["alice"].with_suffix(".pub"))

    alice.save(module_code("blur", 2), sign=True)
    alice.push("lab")
    bob.pull("lab")
    assert bob.pending() == []  # signed by an allowed signer: no review needed
    verdict = bob.trust_verdict("blur", bob.get("blur").content_id)
    assert verdict == verdict.__class__(True, "signed by alice@lab")
    registry = Registry.load(bob)
    assert registry.get("blur")(np.ones(1)).tolist() == [2.0]

    alice.save(module_code("blur", 3))  # not signed
    alice.push("lab")
    bob.pull("lab")
    [waiting] = bob.pending()
    assert (waiting.module, waiting.version, waiting.base) == ("blur", 2, "blur@1")
    assert "is not signed" in waiting.reason
    registry.refresh()
    assert registry.get("blur")(np.ones(1)).tolist() == [2.0]  # the signed version stays
    assert registry.info("blur").trusted is False
    with pytest.raises(UntrustedCodeError, match="not signed"):
        registry.get("blur@2")


def test_a_signature_by_a_key_not_allowed_is_refused(member: Member, keys: dict[str, Path]) -> None:
    mallory, bob = member("mallory"), member("bob")
    mallory.set_signing(keys["mallory"], always=True)  # signs every save
    bob.set_trust("signed")
    bob.add_signer("alice@lab", keys["alice"].with_suffix(".pub"))
    mallory.save(module_code("evil"))
    mallory.push("lab")
    bob.pull("lab")
    [waiting] = bob.pending()
    assert "not an allowed signer" in waiting.reason
    with pytest.raises(UntrustedCodeError):
        Registry.load(bob).get("evil")

    bob.add_signer("mallory@lab", keys["mallory"].with_suffix(".pub"))
    assert bob.pending() == []
    bob.remove_signer("mallory@lab")  # revoking makes it untrusted again
    assert [p.module for p in bob.pending()] == ["evil"]
    bob.accept("evil")  # or the user's own review
    assert bob.pending() == []


def test_a_signed_save_verifies_with_the_git_cli(member: Member, keys: dict[str, Path]) -> None:
    alice = member("alice")
    alice.set_signing(keys["alice"])
    alice.add_signer("alice@lab", keys["alice"].with_suffix(".pub"))
    alice.save(module_code("blur"), sign=True)
    # the store's config names the allowed-signers file, as git expects
    signers = git("config", "gpg.ssh.allowedSignersFile", cwd=alice.path).strip()
    assert signers == str(alice.allowed_signers_path())
    verified = git("-c", "gpg.format=ssh", "verify-commit", "-v", "HEAD", cwd=alice.path, both=True)
    assert 'Good "git" signature for alice@lab' in verified
    shown = git("-c", "gpg.format=ssh", "log", "--show-signature", "-1", cwd=alice.path)
    assert 'Good "git" signature for alice@lab' in shown
    assert "gpgsig -----BEGIN SSH SIGNATURE-----" in git(
        "cat-file", "commit", "HEAD", cwd=alice.path
    )

    alice.save(module_code("blur", 3))  # sign not asked, not configured: a plain commit
    assert "gpgsig" not in git("cat-file", "commit", "HEAD", cwd=alice.path)


def test_a_commit_signed_by_git_is_verified_by_fnstore(
    member: Member, keys: dict[str, Path], lab: Path, tmp_path: Path
) -> None:
    alice, bob = member("alice"), member("bob")
    alice.save(module_code("blur", 2))
    alice.push("lab")
    work = tmp_path / "work"
    git("clone", "-q", str(lab), str(work))
    (work / module_path("blur") / "source.py").write_text(module_code("blur", 9))
    git(
        "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['alice']}",
        "commit", "-q", "-S", "-am", "tuned with plain git", cwd=work,
    )  # fmt: skip
    git("push", "-q", "origin", "main", cwd=work)
    bob.set_trust("signed")
    bob.add_signer("alice@lab", keys["alice"].with_suffix(".pub"))
    bob.pull("lab")
    # version 1 came unsigned (review needed); version 2, signed with plain git, may run
    assert bob.pending() == []
    assert bob.trust_verdict("blur", bob.get("blur@1").content_id).trusted is False
    assert bob.trust_verdict("blur", bob.get("blur").content_id).reason == "signed by alice@lab"


def test_signing_without_a_key_says_how_to_set_one(member: Member) -> None:
    alice = member("alice")
    head = alice.head
    with pytest.raises(TrustError, match="fnstore trust --signing-key"):
        alice.save(module_code("blur"), sign=True)
    assert alice.head == head


@pytest.fixture
def gnupg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throw-away gpg home with one ultimately trusted key; its agent is stopped after."""
    if shutil.which("gpg") is None or shutil.which("gpgconf") is None:
        pytest.skip("gpg is not installed: apt-get install gnupg")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    made = subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Alice <alice@lab>",
         "ed25519", "sign", "never"],
        capture_output=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    yield "alice@lab"
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], capture_output=True, check=False)


def test_an_openpgp_signed_commit_is_verified_with_gpg(
    member: Member, gnupg: str, lab: Path, tmp_path: Path
) -> None:
    alice, bob = member("alice"), member("bob")
    alice.save(module_code("blur", 2))
    alice.push("lab")
    work = tmp_path / "work"
    git("clone", "-q", str(lab), str(work))
    (work / module_path("blur") / "source.py").write_text(module_code("blur", 4))
    git("-c", f"user.signingkey={gnupg}", "commit", "-q", "-S", "-am", "gpg-signed", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    bob.set_trust("signed")
    bob.pull("lab")
    assert bob.pending() == []  # the keyring trusts alice's key ultimately
    verdict = bob.trust_verdict("blur", bob.get("blur").content_id)
    assert verdict.trusted and "Alice <alice@lab>" in verdict.reason
    assert Registry.load(bob).get("blur")(np.ones(1)).tolist() == [4.0]


def test_signature_verdicts_are_kept_until_the_signers_change(
    member: Member, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fnstore import open_store

    alice, bob = member("alice"), member("bob")
    alice.set_signing(keys["alice"], always=True)
    alice.save(module_code("blur"))
    alice.push("lab")
    bob.set_trust("signed")
    bob.add_signer("alice@lab", keys["alice"].with_suffix(".pub"))
    bob.pull("lab")
    assert bob.pending() == []  # checked once with ssh-keygen...
    monkeypatch.setenv("PATH", "")  # ...and not again: no ssh-keygen from here on
    again = open_store(bob.path)
    assert again.trust_verdict("blur", again.get("blur").content_id).reason == "signed by alice@lab"
    again.add_signer("carol@lab", keys["mallory"].with_suffix(".pub"))  # the file changed
    verdict = again.trust_verdict("blur", again.get("blur").content_id)
    assert not verdict.trusted
    assert "cannot be checked here (ssh-keygen is not installed" in verdict.reason
    monkeypatch.undo()  # with ssh-keygen back, that verdict was not kept: checked again
    assert again.trust_verdict("blur", again.get("blur").content_id).trusted


def test_a_merge_made_by_a_member_who_signs_every_commit_is_signed(
    member: Member, keys: dict[str, Path]
) -> None:
    alice, bob = member("alice"), member("bob")
    alice.save(module_code("sharpen"))
    alice.push("lab")
    bob.set_signing(keys["alice"], always=True)
    bob.save(module_code("blur"))  # bob's own work, not yet pushed
    bob.pull("lab")  # histories diverged: the pull writes a merge commit
    merge = git("--git-dir", str(bob.path), "cat-file", "commit", "HEAD")
    assert merge.count("\nparent ") == 2
    assert "\ngpgsig -----BEGIN SSH SIGNATURE-----" in merge
