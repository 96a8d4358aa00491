"""History: ownership and co-change from a real git repository (bounded), none without one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from decompose.history import history, read_log
from tests.unit._plans import plan_for

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def _commit(root: Path, author: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", f"user.name={author}", "-c", f"user.email={author}@x", "commit", "-qm", "c"],
        cwd=root,
        check=True,
    )


def test_owners_and_co_change(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    proj = repo / "proj"
    proj.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    _commit(
        repo,
        "ann",
        {
            "proj/app/__init__.py": "",
            "proj/app/a.py": "x = 1\n",
            "proj/app/b.py": "y = 1\n",
            "outside.txt": "o",
        },
    )
    _commit(repo, "ann", {"proj/app/a.py": "x = 2\n", "proj/app/b.py": "y = 2\n"})
    _commit(repo, "bob", {"proj/app/b.py": "y = 3\n"})
    _commit(repo, "bob", {"proj/app/b.py": "y = 4\n"})
    _commit(repo, "bob", {"outside.txt": "only outside the project"})
    graph, plan = plan_for(proj, {"app.a": "alpha", "app": "beta"})
    h = history(proj, graph, plan)
    assert h["available"] and h["commits"] == 4  # the commit outside the folder is not read
    assert h["modules"]["app.a"]["owner"] == "ann"
    assert h["modules"]["app.b"] == {
        "commits": 4,
        "authors": {"bob": 2, "ann": 2},
        "owner": "ann",
        "owner_share": 0.5,
    }
    assert h["services"]["beta"]["co_change"] == {"alpha": 2}
    assert h["service_pairs"][0] == {"a": "alpha", "b": "beta", "commits": 2, "share": 0.5}
    assert h["module_pairs"][0]["commits"] == 2
    # Bounded: only the newest commits are read.
    commits, _ = read_log(proj, max_commits=2)
    assert len(commits) == 2 and commits[0][0] == "bob"


def test_no_repository(tmp_path: Path, make_project) -> None:
    root = make_project({"a.py": "x = 1\n"})
    graph, plan = plan_for(root, {})
    if subprocess.run(["git", "rev-parse"], cwd=root, capture_output=True).returncode == 0:
        pytest.skip("the temporary folder is inside a git repository")
    h = history(root, graph, plan)
    assert h == {"available": False, "reason": "not a git repository (or git is not installed)"}
