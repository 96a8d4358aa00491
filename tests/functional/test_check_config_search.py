"""``decompose check`` finds its configuration by walking up from PATH (or the current folder),
like ruff and tach: the nearest ``decompose.toml`` or ``pyproject.toml`` with ``[tool.decompose]``
is the project root; relative paths of the config are relative to that file; paths on the
command line stay relative to the current folder; file names (as pre-commit passes them) work
the same way."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MakeProject

from decompose.cli import _State, main

SERVICES = """
kernel = ["shop"]
[services.cart]
modules = ["shop.cart.*"]
interface = ["shop.cart.api"]
depends_on = ["billing"]
[services.billing]
modules = ["shop.billing.*"]
interface = ["shop.billing.api"]
depends_on = []
"""


def as_pyproject(body: str, extra: str = "") -> str:
    """The decompose.toml ``body`` as [tool.decompose] tables of a pyproject.toml."""
    out = ['[project]\nname = "shop"\n', "[tool.decompose]"]
    for line in body.strip().splitlines():
        out.append(line.replace("[services.", "[tool.decompose.services."))
    return "\n".join([*out, extra]) + "\n"


def shop(prefix: str = "src/") -> dict[str, str | bytes]:
    """A two-service shop; cart/checkout.py reaches into billing's private ledger (DEC101)."""
    return {
        f"{prefix}shop/__init__.py": "",
        f"{prefix}shop/cart/__init__.py": "",
        f"{prefix}shop/cart/api.py": "def add(x):\n    return x\n",
        f"{prefix}shop/cart/checkout.py": "from shop.billing._ledger import post\n",
        f"{prefix}shop/billing/__init__.py": "",
        f"{prefix}shop/billing/api.py": "def charge(x):\n    return x\n",
        f"{prefix}shop/billing/_ledger.py": "def post():\n    pass\n",
    }


def run(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    _State.quiet = _State.verbose = _State.debug = False
    r = CliRunner().invoke(main, ["check", *args])
    return r.exit_code, r.stdout, r.stderr


def diagnostics(out: str) -> list[tuple[str, str]]:
    """(path, code) of each text diagnostic line."""
    rows = []
    for line in out.splitlines():
        path, _line, _col, rest = line.split(":", 3)
        rows.append((path, rest.split()[0]))
    return rows


def test_from_a_subfolder_finds_pyproject_and_checks_the_whole_project(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"pyproject.toml": as_pyproject(SERVICES), **shop()})
    code_root, out_root, _ = run(root, monkeypatch)
    sub = root / "src" / "shop" / "billing"  # not the folder holding the violation
    code, out, err = run(sub, monkeypatch, "-v")
    assert code_root == code == 1
    assert diagnostics(out_root) == [("src/shop/cart/checkout.py", "DEC101")]
    # the same finding, its path clickable from the subfolder
    assert diagnostics(out) == [("../../../src/shop/cart/checkout.py", "DEC101")]
    assert (sub / "../../../src/shop/cart/checkout.py").resolve() == (
        root / "src/shop/cart/checkout.py"
    ).resolve()
    assert "config ../../../pyproject.toml" in err  # --verbose names the config file
    assert "services from ../../../pyproject.toml" in err  # and so does the summary


def test_decompose_toml_in_a_parent_beats_a_nearer_pyproject_without_our_table(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a monorepo: the contract at the top, a package with its own pyproject.toml (no decompose)
    files = {
        "decompose.toml": 'roots = ["packages/shop/src"]\n' + SERVICES,
        "packages/shop/pyproject.toml": '[project]\nname = "shop"\n[tool.ruff]\nline-length = 99\n',
        **shop("packages/shop/src/"),
    }
    root = make_project(files)
    code, out, err = run(root / "packages" / "shop", monkeypatch, "--format", "json", "-v")
    assert code == 1, err
    doc = json.loads(out)
    assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [
        ("../../packages/shop/src/shop/cart/checkout.py", "DEC101")
    ]
    assert doc["summary"]["services"] == 2
    assert "services from ../../decompose.toml" in err


def test_nested_projects_the_nearest_config_wins(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the outer project declares one service that everything may use; the inner project (its
    # own decompose.toml) has the strict contract that the checkout file breaks
    outer = '[services.all]\nmodules = ["*"]\ninterface = ["*"]\n'
    root = make_project({"decompose.toml": outer, "app.py": "", **shop("inner/")})
    (root / "inner" / "decompose.toml").write_text(SERVICES)
    code_in, out_in, err_in = run(root / "inner" / "shop" / "cart", monkeypatch)
    assert code_in == 1, err_in
    assert diagnostics(out_in) == [("../../shop/cart/checkout.py", "DEC101")]
    assert "services from ../../decompose.toml" in err_in
    code_out, out_out, err_out = run(root, monkeypatch)
    assert "1 service from decompose.toml" in err_out
    assert ("inner/shop/cart/checkout.py", "DEC101") not in diagnostics(out_out)


def test_baseline_in_the_config_is_relative_to_the_config_file(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = '[tool.decompose.check]\nbaseline = "ci/decompose-baseline.json"\n'
    root = make_project({"pyproject.toml": as_pyproject(SERVICES, extra), "ci/.keep": "", **shop()})
    sub = root / "src" / "shop"
    code, _, err = run(sub, monkeypatch, "--update-baseline")
    assert code == 0, err
    bl = root / "ci" / "decompose-baseline.json"
    assert bl.is_file() and not (sub / "ci").exists()
    assert [e["code"] for e in json.loads(bl.read_text())["entries"]] == ["DEC101"]
    code, out, err = run(sub, monkeypatch)
    assert (code, out) == (0, ""), err
    assert "1 baselined" in err
    # from the project root it is the same file
    code, _, err = run(root, monkeypatch)
    assert code == 0 and "1 baselined" in err


def test_baseline_on_the_command_line_stays_relative_to_the_current_folder(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"pyproject.toml": as_pyproject(SERVICES), **shop()})
    sub = root / "src"
    code, _, err = run(sub, monkeypatch, "--baseline", "bl.json", "--update-baseline")
    assert code == 0, err
    assert (sub / "bl.json").is_file() and not (root / "bl.json").exists()
    assert run(sub, monkeypatch, "--baseline", "bl.json")[0] == 0


def test_no_config_anywhere_is_a_clear_exit_2(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"pyproject.toml": '[project]\nname = "shop"\n', **shop()})
    code, out, err = run(root / "src" / "shop", monkeypatch)
    assert (code, out) == (2, "")
    assert "no decompose.toml or pyproject.toml with [tool.decompose] in . or any folder" in err
    # --boundaries still works without any config (the folder given is the project, as before)
    (root / "b.toml").write_text(SERVICES)
    code, out, err = run(root, monkeypatch, ".", "--boundaries", "b.toml")
    assert code == 1, err
    assert diagnostics(out) == [("src/shop/cart/checkout.py", "DEC101")]


def test_a_config_that_excludes_the_folder_does_not_govern_it(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a repository holding sample projects it excludes from its own contract
    outer = 'exclude = ["samples/"]\n[services.all]\nmodules = ["*"]\n'
    root = make_project({"decompose.toml": outer, "app.py": "", **shop("samples/demo/")})
    code, _, err = run(root / "samples" / "demo", monkeypatch)
    assert code == 2
    assert "../../decompose.toml excludes this folder" in err
    (root / "samples" / "demo" / "decompose.toml").write_text(SERVICES)
    code, out, err = run(root / "samples" / "demo", monkeypatch)
    assert code == 1, err
    assert diagnostics(out) == [("shop/cart/checkout.py", "DEC101")]


def test_a_broken_pyproject_above_is_reported_not_skipped(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"pyproject.toml": "[tool.decompose\nkernel = [", **shop()})
    code, _, err = run(root / "src", monkeypatch)
    assert code == 2
    assert "invalid TOML" in err and "pyproject.toml" in err


def test_file_names_find_their_project_and_multiple_projects_are_all_checked(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(
        {
            "a/decompose.toml": SERVICES,
            **shop("a/"),
            "b/decompose.toml": SERVICES,
            **shop("b/"),
        }
    )
    (root / "b" / "shop" / "cart" / "checkout.py").write_text("from shop.billing.api import x\n")
    # one file of project a: only a is checked
    code, out, err = run(root, monkeypatch, "a/shop/billing/api.py")
    assert code == 1, err
    assert diagnostics(out) == [("a/shop/cart/checkout.py", "DEC101")]
    # files of both projects (pre-commit passes every changed file): each project once
    code, out, err = run(
        root, monkeypatch, "b/shop/cart/checkout.py", "a/shop/cart/api.py", "b/shop/__init__.py"
    )
    assert code == 1, err
    assert diagnostics(out) == [("a/shop/cart/checkout.py", "DEC101")]
    assert "services from a/decompose.toml, b/decompose.toml" in err
    code, _, err = run(root, monkeypatch, "a", "b", "--baseline", "x.json")
    assert code == 2 and "2 projects (a, b)" in err
    # absolute paths stay absolute
    code, out, _ = run(root / "b", monkeypatch, str(root / "a" / "shop"))
    assert diagnostics(out) == [(str(root / "a" / "shop/cart/checkout.py"), "DEC101")]


@pytest.mark.skipif(
    shutil.which("git") is None or not Path(sys.executable).with_name("pre-commit").exists(),
    reason="needs git and pre-commit",
)
def test_real_precommit_with_file_names_in_a_monorepo_subfolder(tmp_path: Path) -> None:
    """The real pre-commit runs a local hook with pass_filenames: true from the repository root;
    the project (and its config) live in a subfolder, found from the file names."""
    repo = tmp_path / "repo"
    files = {
        "svc/pyproject.toml": as_pyproject(SERVICES),
        **{k: v for k, v in shop("svc/src/").items() if not k.endswith("checkout.py")},
        "svc/src/shop/cart/checkout.py": "from shop.billing.api import charge\n",
        "README.md": "monorepo\n",
    }
    decompose = Path(sys.executable).with_name("decompose")
    files[".pre-commit-config.yaml"] = (
        "repos:\n  - repo: local\n    hooks:\n      - id: decompose-check\n"
        f"        name: decompose check\n        entry: {decompose} check\n"
        "        language: system\n        types_or: [python, toml]\n"
        "        pass_filenames: true\n        require_serial: true\n"
    )
    for rel, text in files.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(str(text))
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }

    def sh(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=120)

    assert sh("git", "init", "-q").returncode == 0
    assert sh(str(Path(sys.executable).with_name("pre-commit")), "install").returncode == 0
    sh("git", "add", ".")
    clean = sh("git", "commit", "-q", "-m", "clean")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (repo / "svc/src/shop/cart/checkout.py").write_text("from shop.billing._ledger import post\n")
    sh("git", "add", ".")
    bad = sh("git", "commit", "-q", "-m", "violation")
    assert bad.returncode != 0
    assert "svc/src/shop/cart/checkout.py:1:1: DEC101" in bad.stdout + bad.stderr
    assert "services from svc/pyproject.toml" in bad.stdout + bad.stderr
