"""Tester round 2, finding 16: summary wording. A project whose every file has errors proposes
nothing (exit 2, says why); counts are pluralised in summaries and graph labels."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from conftest import MakeProject

from decompose import render
from decompose.cli import main
from decompose.dot import to_dot
from tests.unit._plans import plan_for
from tests.unit.test_render import SERVICES, SHOP

BROKEN = "def f(:\n    pass\n"


def test_only_file_with_a_syntax_error_proposes_nothing(
    make_project: MakeProject, tmp_path: Path
) -> None:
    root = make_project({"mod.py": BROKEN})
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["analyze", str(root), "--out", str(out)])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert "DEC001 syntax error" in lines[0]
    assert lines[-1].startswith("decompose: error: nothing could be analysed")
    assert "its only file has errors" in lines[-1] and "services:" not in r.stdout + r.stderr
    assert not out.exists()


def test_some_files_with_errors_are_counted_as_such(
    make_project: MakeProject, tmp_path: Path
) -> None:
    root = make_project({"a.py": "import b\n", "b.py": "x = 1\n", "bad.py": BROKEN})
    r = CliRunner().invoke(main, ["analyze", str(root), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0
    said = r.stdout + r.stderr
    assert "  files: 3, 1 with errors (not analysed, see diagnostics)" in said
    assert " read, " not in said and "skipped" not in said
    clean = CliRunner().invoke(main, ["analyze", str(root), "--out", str(tmp_path / "o2")])
    assert clean.exit_code == 0  # the run cache serves the same outcome


def test_check_summary_singular(make_project: MakeProject) -> None:
    root = make_project(
        {
            "decompose.toml": 'kernel = []\n[services.app]\nmodules = ["app.*"]\n',
            "app/__init__.py": "",
        }
    )
    r = CliRunner().invoke(main, ["check", str(root)])
    assert r.exit_code == 0
    assert "(1 file, 1 service from " in r.stdout + r.stderr


def _labels(text: str) -> list[str]:
    return re.findall(r"\d+ (?:imports?|calls?)\b", text)


def test_graph_labels_pluralised(make_project: MakeProject) -> None:
    graph, plan = plan_for(make_project(SHOP), SERVICES)
    v = render.build_view(plan, graph, "services", None, None, 1, None, None)
    for text in (render.to_mermaid(v), to_dot(v)):
        found = _labels(text)
        assert found, text
        for label in found:
            n, word = label.split()
            assert word.endswith("s") == (n != "1"), label
    assert any(lb.startswith("1 ") for lb in _labels(render.to_mermaid(v)))
