"""Saving code: one commit per save, manifests built by AST and checked by running."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from fnstore import open_store
from fnstore.errors import AuthorRequiredError, InvalidCodeError, StoreNotFoundError
from fnstore.layout import module_path
from tests.conftest import AUTHOR_EMAIL, AUTHOR_NAME
from tests.store._helpers import git, snippet

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore


def test_save_writes_one_commit_with_source_and_manifest(store: FunctionStore) -> None:
    code = snippet("blur")
    result = store.save(code, message="first blur")
    assert result.changed and result.commit == store.head
    (version,) = result.versions
    assert (version.name, version.module, version.version) == ("blur", "blur", 1)
    assert version.author == f"{AUTHOR_NAME} <{AUTHOR_EMAIL}>"
    assert git(store.path, "show", f"HEAD:{module_path('blur')}/source.py") == code
    assert (
        git(store.path, "log", "--format=%s|%an|%ae")
        == f"first blur|{AUTHOR_NAME}|{AUTHOR_EMAIL}\n"
    )
    # the content id is the blob id git sees
    assert (
        git(store.path, "rev-parse", f"HEAD:{module_path('blur')}/source.py").strip()
        == version.content_id
    )
    manifest = version.manifest
    assert manifest.functions[0].parameters[1].default == 1.0
    assert manifest.parent_content_id is None and manifest.parent_commit is None


def test_second_save_links_to_its_parent(store: FunctionStore) -> None:
    first = store.save(snippet("blur"))
    second = store.save(snippet("blur", "return image * 2"))
    manifest = second.versions[0].manifest
    assert manifest.version == 2
    assert manifest.parent_content_id == first.content_id
    assert manifest.parent_commit == first.commit
    assert (
        manifest.parent_tree
        == git(store.path, "rev-parse", f"{first.commit}:{module_path('blur')}").strip()
    )


def test_identical_save_is_a_no_op(store: FunctionStore) -> None:
    first = store.save(snippet("blur"))
    again = store.save(snippet("blur"), message="nothing new")
    assert not again.changed
    assert again.commit == first.commit == store.head
    assert again.version == 1
    assert git(store.path, "rev-list", "--count", "HEAD").strip() == "1"


def test_module_defaults_to_first_function_and_can_be_given(store: FunctionStore) -> None:
    code = snippet("b") + "\n" + snippet("a").split("\n", 1)[1]
    assert {v.name for v in store.save(code).versions} == {"a", "b"}
    assert store.get("a").module == "b"
    other = store.save(snippet("c"), module="filters")
    assert other.versions[0].module == "filters"
    assert store.source("c") == snippet("c") == store.source("filters")


def test_author_and_time_can_be_given(store: FunctionStore) -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    result = store.save(snippet("blur"), author=("Ada", "ada@example.org"), time=when)
    assert result.versions[0].author == "Ada <ada@example.org>"
    assert result.versions[0].time == when
    assert (
        git(store.path, "log", "--format=%an <%ae> %at")
        == f"Ada <ada@example.org> {int(when.timestamp())}\n"
    )
    result = store.save(snippet("blur", "return image + 1"), author="Bo Li <bo@example.org>")
    assert result.versions[0].manifest.author.name == "Bo Li"


@pytest.mark.usefixtures("no_git_identity")
def test_without_git_identity_an_author_is_required(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.git")
    with pytest.raises(AuthorRequiredError, match=r"git config --global user\.name"):
        store.save(snippet("blur"))
    assert store.head is None
    assert store.save(snippet("blur"), author="Ada <ada@example.org>").changed


@pytest.mark.parametrize("author", ["no email", ("", "x@y"), ("a",), 42])
def test_malformed_author_is_refused(store: FunctionStore, author: object) -> None:
    with pytest.raises(AuthorRequiredError, match="Name <email>"):
        store.save(snippet("blur"), author=author)  # type: ignore[arg-type]


def test_openhcs_imports_work_without_openhcs(store: FunctionStore) -> None:
    code = (
        "from openhcs.core.memory.decorators import numpy as numpy_func\n"
        "from openhcs.core.memory.decorators import torch\n\n"
        "@numpy_func\ndef a(image):\n    return image\n\n"
        "@torch(oom_recovery=False)\ndef b(image):\n    return image\n"
    )
    result = store.save(code)
    assert [
        (v.name, v.manifest.functions[i].input_memory_type) for i, v in enumerate(result.versions)
    ] == [
        ("a", "numpy"),
        ("b", "torch"),
    ]


def test_missing_packages_are_recorded_not_refused(store: FunctionStore) -> None:
    code = snippet(
        "gpu_blur",
        "return cp.asarray(image)",
        extra="import cupy as cp\nimport not_a_real_package.sub as nr\n"
        "from zz_missing import thing\nfrom cupyx.scipy import ndimage\nK = cp.float32\n",
    )
    result = store.save(code)
    manifest = result.versions[0].manifest
    assert manifest.missing_imports == ["cupy", "cupyx", "not_a_real_package", "zz_missing"]
    assert "cupy" in manifest.imports


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (snippet("f", extra="x = undefined_name"), "NameError"),
        (snippet("f", extra="raise SystemExit(3)"), "SystemExit"),
        (snippet("f", extra="from os import not_there"), "ImportError"),
        (snippet("f", extra="import os.not_a_module"), "ModuleNotFoundError"),
        (
            "from fnstore import numpy\nif False:\n    pass\nelse:\n    del numpy\n"
            "    from fnstore import numpy\n@numpy\ndef f(x):\n    return x\ndel f\n",
            "not defined when the code runs",
        ),
        (
            "from fnstore import numpy\n\ndef numpy(fn):\n    return fn\n\n"
            "@numpy\ndef f(x):\n    return x\n",
            "no input_memory_type",
        ),
        (
            "from fnstore import numpy, torch\nnumpy = torch\n@numpy\ndef f(x):\n    return x\n",
            "runs as torch",
        ),
    ],
)
def test_code_that_fails_when_run_is_refused(store: FunctionStore, code: str, words: str) -> None:
    with pytest.raises(InvalidCodeError, match=words):
        store.save(code)
    assert store.head is None


def test_open_store_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="open_store"):
        open_store(tmp_path / "nowhere.git", create=False)
    open_store(tmp_path / "there.git")
    assert open_store(tmp_path / "there.git", create=False).head is None


def test_default_path_is_under_the_data_dir(isolated_home: Path) -> None:
    store = open_store()
    assert store.path == isolated_home / "fnstore" / "data" / "functions.git"
    assert git(store.path, "rev-parse", "--is-bare-repository").strip() == "true"


@pytest.mark.parametrize("deco", ["numpy", "cupy", "torch", "tensorflow", "jax", "pyclesperanto"])
def test_every_memory_type_decorator_saves_without_its_backend_loaded(
    store: FunctionStore, deco: str
) -> None:
    # the decorators load nothing at decoration time: cupy need not be installed
    (version,) = store.save(snippet(f"f_{deco}", deco=deco)).versions
    info = version.manifest.functions[0]
    assert (info.input_memory_type, info.output_memory_type) == (deco, deco)
