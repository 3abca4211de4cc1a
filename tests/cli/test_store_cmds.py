"""The store verbs, run through the CLI against real stores, checked with git."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fnstore.layout import module_path
from fnstore.paths import data_dir
from tests.cli.conftest import BLUR, git, write

if TYPE_CHECKING:
    from tests.cli.conftest import Invoke


def _one_error_line(result_stderr: str) -> str:
    lines = result_stderr.splitlines()
    assert len(lines) == 1, result_stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def _commits(store: Path) -> list[str]:
    return git(store, "log", "--format=%s", "main").splitlines()


@pytest.fixture
def saved(invoke: Invoke, blur_file: Path, store_path: Path) -> Path:
    """A store holding blur@1 and blur@2 (sigma default changed)."""
    assert invoke("save", blur_file, "-m", "first blur").exit_code == 0
    write(blur_file, BLUR.replace("sigma: float = 1.0", "sigma: float = 2.0"))
    assert invoke("save", blur_file, "-m", "wider blur").exit_code == 0
    return store_path


# -- init, new ------------------------------------------------------------------


def test_init_creates_a_bare_git_repository(invoke: Invoke, store_path: Path) -> None:
    result = invoke("init")
    assert result.exit_code == 0, result.output
    assert str(store_path) in result.stdout
    assert git(store_path, "rev-parse", "--is-bare-repository").strip() == "true"
    again = invoke("init")
    assert again.exit_code == 0
    assert "already exists" in again.stdout


def test_store_option_picks_the_repository(invoke: Invoke, tmp_path: Path) -> None:
    elsewhere = tmp_path / "lab.git"
    assert invoke("--store", elsewhere, "init").exit_code == 0
    assert git(elsewhere, "rev-parse", "--is-bare-repository").strip() == "true"


def test_new_writes_the_default_template(invoke: Invoke, tmp_path: Path) -> None:
    from fnstore.templates import get_default_template

    target = tmp_path / "mine.py"
    result = invoke("new", target)
    assert result.exit_code == 0, result.output
    assert target.read_text() == get_default_template(name="mine")


def test_new_with_memory_type(invoke: Invoke, tmp_path: Path) -> None:
    from fnstore.templates import get_template_for_memory_type

    target = tmp_path / "t.py"
    assert invoke("new", target, "--memory-type", "torch").exit_code == 0
    assert target.read_text() == get_template_for_memory_type("torch", name="t")


def test_new_refuses_to_overwrite(invoke: Invoke, tmp_path: Path) -> None:
    target = write(tmp_path / "mine.py", "# precious\n")
    result = invoke("new", target)
    assert result.exit_code == 1
    assert "already exists" in _one_error_line(result.stderr)
    assert target.read_text() == "# precious\n"
    assert invoke("new", target, "--force").exit_code == 0
    assert target.read_text() != "# precious\n"


def test_new_unknown_memory_type_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("new", tmp_path / "x.py", "--memory-type", "fortran")
    assert result.exit_code == 2
    assert not (tmp_path / "x.py").exists()


def test_memory_type_choices_match_the_memory_layer() -> None:
    from fnstore.cli._store_cmds import MemoryTypeName
    from fnstore.memory import MemoryType

    assert [m.value for m in MemoryTypeName] == [m.value for m in MemoryType]


# -- save -------------------------------------------------------------------------


def test_save_commits_a_version(invoke: Invoke, blur_file: Path, store_path: Path) -> None:
    result = invoke("save", blur_file, "-m", "first blur")
    assert result.exit_code == 0, result.output
    assert "blur" in result.stdout
    assert "version 1" in result.stdout
    assert _commits(store_path)[0] == "first blur"
    files = git(store_path, "ls-tree", "-r", "--name-only", "main").split()
    assert f"{module_path('blur')}/source.py" in files
    assert git(store_path, "show", f"main:{module_path('blur')}/source.py") == BLUR


def test_save_names_the_module_after_the_file_when_it_can(
    invoke: Invoke, tmp_path: Path, store_path: Path
) -> None:
    assert invoke("save", write(tmp_path / "filters.py", BLUR), "-m", "a").exit_code == 0
    assert json.loads(invoke("show", "blur", "--json").stdout)["module"] == "filters"
    other = BLUR.replace("def blur(", "def sharpen(")
    result = invoke("save", write(tmp_path / "my-sharpen.py", other), "-m", "b")
    assert result.exit_code == 0, result.output
    assert json.loads(invoke("show", "sharpen", "--json").stdout)["module"] == "sharpen"
    result = invoke("save", write(tmp_path / "x.py", other), "-m", "c", "--module", "../x")
    assert result.exit_code == 1
    _one_error_line(result.stderr)


def test_save_unchanged_code_commits_nothing(invoke: Invoke, saved: Path, blur_file: Path) -> None:
    before = _commits(saved)
    result = invoke("save", blur_file, "-m", "again")
    assert result.exit_code == 0, result.output
    assert "No change" in result.stdout
    assert _commits(saved) == before


def test_save_broken_code_is_one_line_and_changes_nothing(
    invoke: Invoke, saved: Path, tmp_path: Path
) -> None:
    head = git(saved, "rev-parse", "main")
    bad = write(tmp_path / "blur.py", "@numpy\ndef blur(image:\n")
    result = invoke("save", bad, "-m", "oops")
    assert result.exit_code == 1
    _one_error_line(result.stderr)
    assert git(saved, "rev-parse", "main") == head


def test_save_missing_file_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("save", tmp_path / "nope.py", "-m", "x")
    assert result.exit_code == 2


def test_save_with_author(invoke: Invoke, blur_file: Path, store_path: Path) -> None:
    result = invoke("save", blur_file, "-m", "m", "--author", "Ada Lovelace <ada@example.org>")
    assert result.exit_code == 0, result.output
    assert git(store_path, "log", "-1", "--format=%an <%ae>", "main").strip() == (
        "Ada Lovelace <ada@example.org>"
    )


# -- ls, show, log, diff ----------------------------------------------------------


def test_ls_table_and_json(invoke: Invoke, saved: Path) -> None:
    result = invoke("ls")
    assert result.exit_code == 0, result.output
    header = result.stdout
    for column in ("name", "module", "version", "memory types", "author", "date", "available"):
        assert column in header
    row = next(line for line in result.stdout.splitlines() if "blur" in line)
    assert "numpy" in row
    assert "Test Scientist" in row
    assert "yes" in row

    data = json.loads(invoke("ls", "--json").stdout)
    assert data["unreadable"] == {}
    (entry,) = data["functions"]
    assert entry["name"] == "blur"
    assert entry["version"] == 2
    assert entry["memory_types"] == ["numpy"]
    assert entry["available"] is True


def test_ls_available_hides_what_cannot_run_here(
    invoke: Invoke, saved: Path, tmp_path: Path
) -> None:
    needs = write(
        tmp_path / "exotic.py",
        "import not_installed_anywhere_xyz\nfrom fnstore import numpy\n\n\n"
        "@numpy\ndef exotic(image):\n    return image\n",
    )
    assert invoke("save", needs, "-m", "exotic").exit_code == 0
    everything = json.loads(invoke("ls", "--json").stdout)["functions"]
    exotic = next(e for e in everything if e["name"] == "exotic")
    assert exotic["available"] is False
    assert exotic["missing"] == ["not_installed_anywhere_xyz"]
    assert "no: needs not_installed_anywhere_xyz" in invoke("ls").stdout
    here = json.loads(invoke("ls", "--available", "--json").stdout)["functions"]
    assert [e["name"] for e in here] == ["blur"]


def test_ls_empty_store(invoke: Invoke) -> None:
    invoke("init")
    result = invoke("ls")
    assert result.exit_code == 0
    assert "No functions yet" in result.stdout


def test_ls_without_a_store_says_what_to_do(invoke: Invoke, store_path: Path) -> None:
    result = invoke("ls")
    assert result.exit_code == 1
    assert "`fnstore init`" in _one_error_line(result.stderr)
    assert not store_path.exists()  # reading never creates a store


@pytest.mark.parametrize(
    "args",
    [
        ("show", "blur"),
        ("log", "blur"),
        ("diff", "a@1", "a@2"),
        ("rm", "blur"),
        ("tag", "add", "t"),
    ],
)
def test_verbs_on_an_empty_store_say_to_save_first(invoke: Invoke, args: tuple[str, ...]) -> None:
    invoke("init")
    result = invoke(*args)
    assert result.exit_code == 1
    assert "`fnstore save FILE" in _one_error_line(result.stderr)


def test_show(invoke: Invoke, saved: Path) -> None:
    result = invoke("show", "blur@1")
    assert result.exit_code == 0, result.output
    assert "first blur" in result.stdout
    assert "sigma: float = 1.0" in result.stdout
    data = json.loads(invoke("show", "blur", "--json").stdout)
    assert data["version"] == 2
    assert data["source"] == BLUR.replace("1.0", "2.0", 1)
    assert data["manifest"]["functions"][0]["name"] == "blur"
    assert (
        data["content_id"]
        == git(saved, "rev-parse", f"main:{module_path('blur')}/source.py").strip()
    )


def test_show_unknown_function(invoke: Invoke, saved: Path) -> None:
    result = invoke("show", "sharpen")
    assert result.exit_code == 1
    _one_error_line(result.stderr)


def test_log(invoke: Invoke, saved: Path) -> None:
    result = invoke("log", "blur")
    assert result.exit_code == 0, result.output
    assert "wider blur" in result.stdout
    assert "first blur" in result.stdout
    data = json.loads(invoke("log", "blur", "--json").stdout)
    assert [v["version"] for v in data] == [2, 1]
    assert [v["message"] for v in data] == ["wider blur", "first blur"]
    assert data[0]["commit"] == git(saved, "rev-parse", "main").strip()


def test_diff(invoke: Invoke, saved: Path) -> None:
    result = invoke("diff", "blur@1", "blur@2")
    assert result.exit_code == 0, result.output
    assert "-def blur(image, sigma: float = 1.0):" in result.stdout
    assert "+def blur(image, sigma: float = 2.0):" in result.stdout


# -- rollback, rm, restore, rename, tag ---------------------------------------------


def test_rollback_is_a_new_version(invoke: Invoke, saved: Path) -> None:
    result = invoke("rollback", "blur", "1")
    assert result.exit_code == 0, result.output
    assert "version 3" in result.stdout
    assert len(_commits(saved)) == 3
    assert git(saved, "show", f"main:{module_path('blur')}/source.py") == BLUR
    versions = json.loads(invoke("log", "blur", "--json").stdout)
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert versions[0]["content_id"] == versions[2]["content_id"]


def test_rollback_to_unknown_version(invoke: Invoke, saved: Path) -> None:
    head = git(saved, "rev-parse", "main")
    result = invoke("rollback", "blur", "9")
    assert result.exit_code == 1
    _one_error_line(result.stderr)
    assert git(saved, "rev-parse", "main") == head


def test_rm_and_restore(invoke: Invoke, saved: Path) -> None:
    result = invoke("rm", "blur", "-m", "not needed")
    assert result.exit_code == 0, result.output
    assert "fnstore restore blur" in result.stdout
    assert f"{module_path('blur')}/source.py" not in git(
        saved, "ls-tree", "-r", "--name-only", "main"
    )
    assert json.loads(invoke("ls", "--json").stdout)["functions"] == []

    result = invoke("restore", "blur")
    assert result.exit_code == 0, result.output
    assert git(saved, "show", f"main:{module_path('blur')}/source.py") == BLUR.replace(
        "1.0", "2.0", 1
    )
    assert [e["name"] for e in json.loads(invoke("ls", "--json").stdout)["functions"]] == ["blur"]


def test_rm_unknown_and_restore_live_are_errors(invoke: Invoke, saved: Path) -> None:
    for args in (("rm", "sharpen"), ("restore", "blur")):
        result = invoke(*args)
        assert result.exit_code == 1, args
        _one_error_line(result.stderr)


def test_rename(invoke: Invoke, saved: Path) -> None:
    result = invoke("rename", "blur", "smooth")
    assert result.exit_code == 0, result.output
    names = [e["name"] for e in json.loads(invoke("ls", "--json").stdout)["functions"]]
    assert names == ["smooth"]
    assert "def smooth(" in json.loads(invoke("show", "smooth", "--json").stdout)["source"]
    # The old name is gone from the tip but still in history.
    assert "def blur(" in git(saved, "show", f"main~1:{module_path('blur')}/source.py")
    assert invoke("show", "blur").exit_code == 1


def test_rename_to_an_unsafe_name(invoke: Invoke, saved: Path) -> None:
    result = invoke("rename", "blur", "../evil")
    assert result.exit_code == 1
    _one_error_line(result.stderr)


def test_tag_add_and_list(invoke: Invoke, saved: Path) -> None:
    assert "No tags yet" in invoke("tag", "list").stdout
    result = invoke("tag", "add", "paper-2026")
    assert result.exit_code == 0, result.output
    assert git(saved, "tag", "--list").split() == ["paper-2026"]
    head = git(saved, "rev-parse", "main").strip()
    assert json.loads(invoke("tag", "list", "--json").stdout) == {"paper-2026": head}
    assert "paper-2026" in invoke("tag", "list").stdout
    # A tag is a reference, usable as name@tag.
    assert json.loads(invoke("show", "blur@paper-2026", "--json").stdout)["version"] == 2


def test_tag_bad_revision(invoke: Invoke, saved: Path) -> None:
    result = invoke("tag", "add", "x", "no-such-branch")
    assert result.exit_code == 1
    _one_error_line(result.stderr)


# -- edit ---------------------------------------------------------------------------


def _editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(f"import sys\npath = sys.argv[1]\n{textwrap.dedent(body)}")
    return f"{sys.executable} {script}"


def test_edit_saves_a_new_version(
    invoke: Invoke, saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = _editor(
        tmp_path,
        """
        text = open(path).read()
        open(path, "w").write(text.replace("image * 1.0", "image * 3.0"))
        """,
    )
    monkeypatch.setenv("EDITOR", editor)
    monkeypatch.delenv("VISUAL", raising=False)
    result = invoke("edit", "blur", "-m", "brighter")
    assert result.exit_code == 0, result.output
    assert "version 3" in result.stdout
    assert "image * 3.0" in git(saved, "show", f"main:{module_path('blur')}/source.py")
    assert _commits(saved)[0] == "brighter"


def test_edit_without_change_saves_nothing(
    invoke: Invoke, saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "pass\n"))
    monkeypatch.delenv("VISUAL", raising=False)
    before = _commits(saved)
    result = invoke("edit", "blur")
    assert result.exit_code == 0, result.output
    assert "No change" in result.stdout
    assert _commits(saved) == before


def test_edit_failing_editor_saves_nothing(
    invoke: Invoke, saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "open(path, 'a').write('x')\nsys.exit(3)\n"))
    monkeypatch.delenv("VISUAL", raising=False)
    before = _commits(saved)
    result = invoke("edit", "blur")
    assert result.exit_code == 1
    assert "status 3" in _one_error_line(result.stderr)
    assert _commits(saved) == before


def test_edit_broken_code_keeps_the_edits(
    invoke: Invoke, saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "open(path, 'a').write('def (:\\n')\n"))
    monkeypatch.delenv("VISUAL", raising=False)
    before = _commits(saved)
    result = invoke("edit", "blur")
    assert result.exit_code == 1
    line = _one_error_line(result.stderr)
    kept = Path(line.split("kept at ")[1].split(":")[0])
    assert kept.read_text().endswith("def (:\n")
    assert kept.is_relative_to(data_dir())  # drafts stay in the data dir, not /tmp
    assert _commits(saved) == before


def test_edit_without_editor(invoke: Invoke, saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    result = invoke("edit", "blur")
    assert result.exit_code == 1
    assert "EDITOR" in _one_error_line(result.stderr)


def test_os_errors_are_one_line_too(
    invoke: Invoke, saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The drafts folder of `edit` cannot be made: a file is in its way.
    (data_dir() / "drafts").write_text("in the way")
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "pass\n"))
    monkeypatch.delenv("VISUAL", raising=False)
    result = invoke("edit", "blur")
    assert result.exit_code == 1
    assert "drafts" in _one_error_line(result.stderr)
    debug = invoke("--debug", "edit", "blur")
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("show", "nope"), "`fnstore ls`"),
        (("log", "nope"), "`fnstore ls`"),
        (("rollback", "blur", "9"), "`fnstore log blur`"),
        (("ls", "--rev", "nope"), "`fnstore tag list`"),
    ],
)
def test_errors_name_the_verb_that_helps(
    invoke: Invoke, saved: Path, args: tuple[str, ...], hint: str
) -> None:
    result = invoke(*args)
    assert result.exit_code == 1
    line = _one_error_line(result.stderr)
    assert hint in line
    assert "store." not in line


def test_ls_available_when_nothing_can_run(invoke: Invoke, tmp_path: Path) -> None:
    needs = write(
        tmp_path / "exotic.py",
        "import not_installed_anywhere_xyz\nfrom fnstore import numpy\n\n\n"
        "@numpy\ndef exotic(image):\n    return image\n",
    )
    assert invoke("save", needs, "-m", "exotic").exit_code == 0
    result = invoke("ls", "--available")
    assert result.exit_code == 0
    assert "No function can run here" in result.stdout


def test_ls_counts_openhcs_code_as_runnable_like_the_registry(
    invoke: Invoke, tmp_path: Path
) -> None:
    # OpenHCS-style code imports OpenHCS's decorators, which fnstore provides.
    code = (
        "from openhcs.core.memory.decorators import numpy\n\n\n"
        "@numpy\ndef legacy(image):\n    return image\n"
    )
    assert invoke("save", write(tmp_path / "legacy.py", code), "-m", "old code").exit_code == 0
    (entry,) = json.loads(invoke("ls", "--json").stdout)["functions"]
    assert entry["available"] is True, entry

    from fnstore.registry import Registry

    assert Registry.load().info("legacy").available


def test_save_non_utf8_file(invoke: Invoke, tmp_path: Path, store_path: Path) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes(BLUR.replace("Blur a stack.", "Flou d'une pile \xe9.").encode("latin-1"))
    result = invoke("save", latin, "-m", "x")
    assert result.exit_code == 1
    assert "UTF-8" in _one_error_line(result.stderr)
    assert not store_path.exists() or not git(store_path, "rev-parse", "--all").strip()


def test_diff_of_equal_versions(invoke: Invoke, saved: Path) -> None:
    assert invoke("rollback", "blur", "1").exit_code == 0
    result = invoke("diff", "blur@1", "blur@3")
    assert result.exit_code == 0
    assert "No difference" in result.stdout


def test_edit_with_a_missing_editor(
    invoke: Invoke, saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", "no-such-editor-xyz --wait")
    monkeypatch.delenv("VISUAL", raising=False)
    before = _commits(saved)
    result = invoke("edit", "blur")
    assert result.exit_code == 1
    assert "no-such-editor-xyz" in _one_error_line(result.stderr)
    assert _commits(saved) == before
