"""tester5 case 13: with git's core.symlinks=false a symlinked folder is checked out as a plain
file holding the link's relative target. The tool reported only DEC005 unresolved imports; now
DEC018 points at the file and says what it probably is."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from decompose.cli import main
from decompose.discover import discover
from tests.conftest import CASES

SHARED = {
    "app/__init__.py": "",
    "app/eval.py": "from app.shared.metrics import auc\n\ndef report():\n    return auc()\n",
    "shared/__init__.py": "",
    "shared/metrics.py": "def auc():\n    return 0.5\n",
}
NEEDLE = "looks like a symlink checked out as a plain file (git core.symlinks=false?)"


def _dec018(root: Path) -> dict[str, str]:
    return {d.path: d.message for d in discover(root).diagnostics if d.code == "DEC018"}


def test_placeholder_for_a_folder_is_named_with_its_path(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({**SHARED, "app/shared": b"../shared"})
    found = _dec018(root)
    assert list(found) == ["app/shared"]
    assert found["app/shared"].startswith(f"app/shared {NEEDLE}")
    assert "'../shared'" in found["app/shared"]
    assert "git checkout -- app/shared" in found["app/shared"]


def test_in_graph_json_next_to_the_unresolved_import(runner, make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    root = make_project({**SHARED, "app/shared": b"../shared"})
    out = tmp_path / "out"
    r = runner.invoke(main, ["analyze", str(root), "--out", str(out), "--no-cache", "-q"])
    assert r.exit_code == 0, r.output
    diags = json.loads((out / "graph.json").read_text())["diagnostics"]
    codes = {(d["code"], d["path"]) for d in diags}
    assert ("DEC018", "app/shared") in codes
    assert ("DEC005", "app/eval.py") in codes
    assert "DEC018" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    "name,content",
    [
        ("app/shared", b"../nowhere"),  # no such folder
        ("app/shared", b"../shared\n"),  # git writes no newline: a hand-written file
        ("app/VERSION", b"1.2.3"),  # not a path
        ("app/NOTES", b"see ../shared for the code"),  # a sentence
        ("app/shared.txt", b"../shared"),  # a suffix: never a package
        ("app/absolute", b"/usr"),  # absolute: git keeps relative targets as written
        ("app/empty", b""),
        # a Makefile: paths on several lines, longer than a file name may be (feast crashed)
        ("docs/Makefile", b"SPHINXBUILD = sphinx-build\nhtml:\n\t" + b"x/" * 200 + b"y\n.."),
        ("docs/LONG", b"a/" + b"b" * 300),  # one line, a part too long for the file system
    ],
)
def test_ordinary_files_are_not_flagged(make_project, name: str, content: bytes) -> None:  # type: ignore[no-untyped-def]
    root = make_project({**SHARED, name: content})
    assert _dec018(root) == {}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_real_symlink_is_not_flagged(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(SHARED)
    os.symlink("../shared", root / "app" / "shared")
    assert _dec018(root) == {}


def test_shared_case_13_as_stored(tmp_path: Path) -> None:
    src = CASES / "13-symlinked-packages"
    if not src.is_dir():
        pytest.skip(f"shared cases not found at {CASES}")
    dest = tmp_path / "c13"
    shutil.copytree(src, dest, copy_function=shutil.copyfile)  # placeholders kept as files
    found = _dec018(dest)
    assert sorted(found) == ["app/loop", "app/shared"]
    assert found["app/shared"].startswith(f"app/shared {NEEDLE}")
