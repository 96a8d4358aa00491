"""tester5: after ``analyze`` + ``adopt`` the default ``decompose-out/`` showed as untracked in
``git status``. A decompose-out folder that decompose creates now ignores itself, as pytest,
ruff and mypy caches do (a ``.gitignore`` holding ``*``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from decompose.cli import main
from decompose.model import GeneratedFile
from decompose.outputs import write_files

APP = {
    "app/__init__.py": "",
    "app/api.py": "from app import core\n\ndef root():\n    return core.f()\n",
    "app/core.py": "def f():\n    return 1\n",
}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_analyze_then_adopt_leaves_git_status_clean_of_the_output(
    runner, make_project, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    root = make_project(APP)
    _git(root, "init", "-q")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    monkeypatch.chdir(root)
    r = runner.invoke(main, ["analyze", ".", "--no-cache", "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["adopt", "."])
    assert r.exit_code == 0, r.output
    status = _git(root, "status", "--porcelain", "--untracked-files=all")
    assert "decompose-out" not in status
    assert "decompose.toml" in status  # the contract itself is for committing
    assert (root / "decompose-out" / ".gitignore").read_text().splitlines()[-1] == "*"
    # the ignore file is not one of the listed outputs, and a second run keeps it
    assert runner.invoke(main, ["analyze", ".", "--no-cache", "-q"]).exit_code == 0
    assert "decompose-out" not in _git(root, "status", "--porcelain", "--untracked-files=all")


def test_explicit_decompose_out_is_self_ignoring_other_names_are_not(
    runner, make_project, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    root = make_project(APP)
    for name, expected in (("decompose-out", True), ("reports", False)):
        out = tmp_path / "x" / name
        r = runner.invoke(main, ["analyze", str(root), "--out", str(out), "--no-cache", "-q"])
        assert r.exit_code == 0, r.output
        assert (out / ".gitignore").exists() is expected
        assert (out / "report.md").exists()


def test_existing_folder_is_left_as_it_is(tmp_path: Path) -> None:
    out = tmp_path / "decompose-out"
    out.mkdir()
    written = write_files(out, [GeneratedFile("a.txt", b"a")], self_ignoring=True)
    assert written == [out / "a.txt"]
    assert not (out / ".gitignore").exists()


def test_created_folder_gets_the_ignore_file_first(tmp_path: Path) -> None:
    out = tmp_path / "new" / "decompose-out"
    written = write_files(out, [GeneratedFile("a.txt", b"a")], self_ignoring=True)
    assert written == [out / ".gitignore", out / "a.txt"]
    assert "*" in (out / ".gitignore").read_text().splitlines()


def test_dry_run_creates_nothing(runner, make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project(APP)
    out = tmp_path / "decompose-out"
    r = runner.invoke(main, ["analyze", str(root), "--out", str(out), "--no-cache", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert not out.exists()
