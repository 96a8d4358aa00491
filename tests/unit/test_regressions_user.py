"""Regressions found by a fresh-eyes user test: each names the behaviour a user expects."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from decompose.cli import main
from decompose.config import Config
from decompose.pipeline import load_graph, make_cache


def _graph(root: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_graph(root, Config(), make_cache(Config(), tmp_path / "c", True))[1]


def test_project_module_named_like_a_library_does_not_hide_it(make_project, tmp_path) -> None:
    root = make_project(
        {
            "app/__init__.py": "",
            "app/clients/__init__.py": "",
            "app/clients/openai.py": "def wrap():\n    return 1\n",
            "app/svc.py": "import openai\nfrom openai import OpenAI\n\ndef f():\n"
            "    return openai.chat(OpenAI())\n",
            "app/celery.py": "from celery import Celery\n\napp = Celery('x')\n",
            "app/tasks.py": "from celery import shared_task\n",
        }
    )
    g = _graph(root, tmp_path)
    ext = {(e.src, e.dst) for e in g.external}
    assert ("app.svc", "openai") in ext
    assert ("app.tasks", "celery") in ext
    assert ("app.celery", "celery") in ext
    assert not [d for d in g.diagnostics if d.code == "DEC005"]


def test_sibling_hint_still_given_when_the_code_uses_the_sibling(make_project, tmp_path) -> None:
    root = make_project(
        {
            "legacy/__init__.py": "",
            "legacy/a.py": "import b\n\ndef run():\n    return b.VALUE\n",
            "legacy/b.py": "VALUE = 1\n",
        }
    )
    g = _graph(root, tmp_path)
    assert [
        d for d in g.diagnostics if d.code == "DEC005" and "sibling module legacy.b" in d.message
    ]
    assert not [e for e in g.imports if (e.src, e.dst) == ("legacy.a", "legacy.b")]


def test_package_wins_over_module_of_the_same_name(make_project, tmp_path) -> None:
    root = make_project(
        {
            "app/__init__.py": "",
            "app/pkgmod.py": "OLD = 1\n",
            "app/pkgmod/__init__.py": "NEW = 1\n",
        }
    )
    g = _graph(root, tmp_path)
    node = next(m for m in g.modules if m.name == "app.pkgmod")
    assert node.path == "app/pkgmod/__init__.py" and node.kind == "package"
    assert [d for d in g.diagnostics if d.code == "DEC012" and d.path == "app/pkgmod.py"]


def test_import_module_relative_to_dunder_package(make_project, tmp_path) -> None:
    root = make_project(
        {
            "app/__init__.py": "",
            "app/dyn2.py": "X = 1\n",
            "app/loader.py": "import importlib\n\ndef f():\n"
            "    return importlib.import_module('.dyn2', __package__)\n",
        }
    )
    g = _graph(root, tmp_path)
    assert [e for e in g.imports if (e.src, e.dst, e.kind) == ("app.loader", "app.dyn2", "dynamic")]


def test_merge_conflict_is_named(make_project, tmp_path) -> None:
    root = make_project(
        {
            "app/__init__.py": "",
            "app/c.py": "A = 1\n<<<<<<< HEAD\nB = 1\n=======\nB = 2\n>>>>>>> other\n",
        }
    )
    g = _graph(root, tmp_path)
    d = next(d for d in g.diagnostics if d.code == "DEC001")
    assert d.line == 2 and "merge conflict" in d.message


def test_bad_resolution_and_roots_are_usage_errors(make_project, tmp_path) -> None:
    root = make_project({"app/__init__.py": "", "decompose.toml": "roots = ['../..']\n"})
    r = CliRunner().invoke(main, ["analyze", str(root), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "outside the analyzed folder" in r.output
    for bad in ("nan", "inf", "-1", "0"):
        r = CliRunner().invoke(main, ["analyze", str(root), "--resolution", bad])
        assert r.exit_code == 2 and "finite number > 0" in r.output
