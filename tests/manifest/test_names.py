"""Names that become folders and refs: only safe identifiers pass."""

from __future__ import annotations

import pytest

from fnstore.errors import InvalidNameError
from fnstore.manifest import check_name, check_tag


@pytest.mark.parametrize("name", ["blur", "_private", "Blur2", "a" * 100])
def test_good_names(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "empty"),
        ("../x", "not a plain Python identifier"),
        ("a/b", "not a plain Python identifier"),
        ("x.lock", "not a plain Python identifier"),
        ("with space", "not a plain Python identifier"),
        ("1abc", "not a plain Python identifier"),
        ("naïve", "not a plain Python identifier"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("__init__", "reserved"),
        ("a" * 101, "longer than"),
        (None, "empty"),
    ],
)
def test_bad_names(name: str, words: str) -> None:
    with pytest.raises(InvalidNameError, match=words):
        check_name(name, "module")


@pytest.mark.parametrize("tag", ["v1", "paper-2024", "release_1.2"])
def test_good_tags(tag: str) -> None:
    assert check_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", "a/b", "../x", "x.lock", "a..b", "3", "HEAD", "x.", "a b"])
def test_bad_tags(tag: str) -> None:
    with pytest.raises(InvalidNameError):
        check_tag(tag)
