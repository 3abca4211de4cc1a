"""Property tests (hypothesis) over what users and other labs hand fnstore:
names, references, remote URLs and manifests.  Whatever comes in, only an
``FnStoreError`` comes out, and what is accepted is safe; plus a bounded run of
``scripts/fuzz_manifests.py`` (the full run is 100,000 manifests, by hand).
"""

from __future__ import annotations

import importlib.util
import json
import string
import sys
from pathlib import Path
from typing import Any

import pygit2
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fnstore import open_store
from fnstore.errors import FnStoreError, InvalidNameError, ManifestError, SyncError
from fnstore.git._transport import redact
from fnstore.git._urls import check_url
from fnstore.manifest import MAX_MANIFEST_BYTES, MAX_NAME_LENGTH, Manifest, check_name, check_tag

ROOT = Path(__file__).resolve().parent.parent
FAST = settings(max_examples=300, deadline=None)
SLOW = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CODE = "from fnstore import numpy\n\n@numpy\ndef {name}(image):\n    return image + {value}\n"

# text biased toward what breaks parsers: separators, dots, '@', '~', unicode
tricky = st.text(
    alphabet=st.sampled_from([*string.printable, "é", "\u0000", "\u202e", "@", "~", "^", ":"]),
    max_size=40,
) | st.text(max_size=40)


# -- names -------------------------------------------------------------------------------


@FAST
@given(tricky)
def test_accepted_names_are_plain_identifiers(name: str) -> None:
    try:
        assert check_name(name) == name
    except InvalidNameError:
        return
    assert name.isidentifier() and name.isascii() and len(name) <= MAX_NAME_LENGTH
    assert not {"/", ".", "\\", "\u0000"} & set(name)


@FAST
@given(tricky)
def test_accepted_tags_are_valid_git_refs(tag: str) -> None:
    try:
        assert check_tag(tag) == tag
    except InvalidNameError:
        return
    assert pygit2.reference_is_valid_name(f"refs/tags/{tag}")
    assert not tag.isdigit() and "/" not in tag


# -- references ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = open_store(tmp_path_factory.mktemp("refs") / "s.git")
    for value in range(3):
        store.save(CODE.format(name="blur", value=value))
    store.save(CODE.format(name="sharpen", value=0))
    store.tag("v1")
    return store


@SLOW
@given(st.one_of(tricky, st.builds(lambda a, b: f"{a}@{b}", tricky, tricky)))
def test_any_reference_resolves_or_raises_an_fnstore_error(history: Any, ref: str) -> None:
    head = history.head
    for read in (history.get, history.resolve, history.history):
        try:
            read(ref)
        except FnStoreError:
            pass
    assert history.head == head


# -- remote URLs ---------------------------------------------------------------------------

hosts = st.sampled_from(["example.org", "127.0.0.1", "lab-server", "-oProxyCommand=x", "[::1]"])
secrets = st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=6, max_size=20)


@FAST
@given(tricky)
def test_check_url_raises_only_sync_errors_and_accepts_nothing_that_runs(url: str) -> None:
    try:
        check_url(url)
    except SyncError:
        return
    text = url.strip()
    assert not text.startswith("-")
    assert "::" not in text.split("/", 1)[0] or "://" in text


@FAST
@given(st.sampled_from(["http", "https", "ssh", "git"]), secrets, secrets, hosts)
def test_a_secret_in_a_url_is_refused_and_never_shown(
    scheme: str, user: str, token: str, host: str
) -> None:
    assume(token not in f"{scheme}://{user}@{host}/lab.git")  # shown parts may not hold it
    urls = [f"{scheme}://{user}:{token}@{host}/lab.git"]
    if scheme in ("http", "https"):
        urls.append(f"{scheme}://{token}@{host}/lab.git")  # D9: a token as the user name
    for url in urls:
        with pytest.raises(SyncError) as info:
            check_url(url)
        assert token not in str(info.value)
        assert token not in redact(url)


@SLOW
@given(url=tricky, name=st.sampled_from(["lab", "origin"]))
def test_add_remote_refuses_with_fnstore_errors_only(tmp_path: Path, url: str, name: str) -> None:
    store = open_store(tmp_path / "remote.git")
    try:
        store.add_remote(name, url)
    except FnStoreError:
        assert store.remotes() == {}
    finally:
        for remote in store.remotes():
            store.remove_remote(remote)


# -- manifests -----------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@pytest.fixture(scope="module")
def valid_manifest(history: Any) -> dict[str, Any]:
    return dict(json.loads(history.get("blur").manifest.to_json()))


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_read_as_a_manifest_or_a_manifest_error(data: bytes) -> None:
    try:
        Manifest.from_json(data)
    except ManifestError:
        pass


@SLOW
@given(key=st.text(max_size=20), value=json_values, nested=st.integers(0, 3000))
def test_a_damaged_manifest_is_a_manifest_error(
    valid_manifest: dict[str, Any], key: str, value: Any, nested: int
) -> None:
    doc = dict(valid_manifest)
    doc[key if key else "functions"] = value
    text = json.dumps(doc)
    if nested:
        text = text[:-1] + ', "deep": ' + "[" * nested + "]" * nested + "}"
    try:
        manifest = Manifest.from_json(text)
    except ManifestError:
        return
    assert manifest.module == doc["module"]


def test_the_size_bounds_agree() -> None:
    from fnstore import layout
    from fnstore.registry import _records

    assert MAX_MANIFEST_BYTES == _records.MAX_MANIFEST_BYTES == layout.MAX_MANIFEST_BYTES


# -- the fuzz script, bounded -------------------------------------------------------------


def test_the_manifest_fuzz_script_finds_nothing(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "fuzz_manifests", ROOT / "scripts" / "fuzz_manifests.py"
    )
    assert spec is not None and spec.loader is not None
    fuzz = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_manifests"] = fuzz  # its dataclasses look their module up
    try:
        spec.loader.exec_module(fuzz)
    finally:
        del sys.modules["fuzz_manifests"]
    # every kind read twice, each kind pulled once; no time limit (speed is not asserted here)
    report = fuzz.run(20, pull_every=20, seed=7, limit=None, root=tmp_path)
    assert report.failures == []
    assert report.pulls == len(fuzz.KINDS)
    assert set(report.cases) == set(fuzz.KINDS)
