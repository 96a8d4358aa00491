"""Discovery reads entry points from wheel / egg metadata and ``setup.py`` (tester6 L1), names a
package inside a package by its full dotted name (J2), and never splits a folder name at its
dots (E1)."""

from __future__ import annotations

from pathlib import Path

from decompose.config import Config
from decompose.discover import discover
from decompose.graph import ProgramGraph
from decompose.pipeline import load_graph, make_cache

APP = {
    "app/__init__.py": "",
    "app/server.py": "def main():\n    return 0\n",
    "app/launch.py": "from app import server\n\ndef main():\n    return server.main()\n",
    "app/tools/__init__.py": "",
    "app/tools/clean.py": "def run():\n    return 1\n",
}


def _graph(root: Path, tmp_path: Path, config: Config | None = None) -> ProgramGraph:
    config = config or Config()
    _, graph, _ = load_graph(root, config, make_cache(config, tmp_path / "cache", True))
    return graph


def _edges(graph: ProgramGraph) -> dict[str, tuple[str, str, int, str, str]]:
    return {e.name: (e.src, e.dst, e.line, e.group, e.dst_id) for e in graph.entry_points}


def test_dist_info_entry_points_become_edges_and_the_launcher_an_entry(make_project, tmp_path):
    root = make_project(
        {
            **APP,
            "app-1.0.dist-info/METADATA": "Name: app\nVersion: 1.0\n",
            "app-1.0.dist-info/entry_points.txt": (
                "[console_scripts]\n"
                "app-server = app.server:main\n"
                "app-gunicorn = app.launch:main [prod]\n"
                "\n"
                "[app.plugins]\n"
                "Clean = app.tools.clean:run\n"
            ),
        }
    )
    graph = _graph(root, tmp_path)
    ep = "app-1.0.dist-info/entry_points.txt"
    assert _edges(graph) == {
        "app-server": (ep, "app.server", 2, "console_scripts", "app.server:main"),
        "app-gunicorn": (ep, "app.launch", 3, "console_scripts", "app.launch:main"),
        "Clean": (ep, "app.tools.clean", 6, "app.plugins", "app.tools.clean:run"),
    }
    # the metadata folder itself is no code to analyze
    assert not any("dist-info" in m.path for m in graph.modules)

    from decompose.decision import _entries

    entries, _ = _entries(graph, {"modules": {}})
    assert "app.launch" in entries and "app-gunicorn" in entries["app.launch"]


def test_egg_info_entry_points_are_read(make_project, tmp_path):
    root = make_project(
        {
            **{f"src/{k}": v for k, v in APP.items()},
            "src/app.egg-info/entry_points.txt": "[console_scripts]\nserve = app.server:main\n",
        }
    )
    assert _edges(_graph(root, tmp_path)) == {
        "serve": (
            "src/app.egg-info/entry_points.txt",
            "app.server",
            2,
            "console_scripts",
            "app.server:main",
        )
    }


SETUP_PY = '''\
import sys
from setuptools import setup, find_packages

PLUGINS = ["clean = app.tools.clean:run"]
open("SETUP_PY_WAS_RUN", "w").write("x")  # never executed by discovery
sys.exit(3)

setup(
    name="app",
    packages=find_packages(),
    entry_points={
        "console_scripts": [
            "app-server=app.server:main",
            "app-gunicorn = app.launch:main [prod]",
        ],
        "gui_scripts": """
            app-gui = app.server:main
        """,
        "app.plugins": PLUGINS,
    },
)
'''


def test_setup_py_entry_points_are_read_statically(make_project, tmp_path):
    root = make_project({**APP, "setup.py": SETUP_PY})
    graph = _graph(root, tmp_path)
    assert _edges(graph) == {
        "app-server": ("setup.py", "app.server", 13, "console_scripts", "app.server:main"),
        "app-gunicorn": ("setup.py", "app.launch", 14, "console_scripts", "app.launch:main"),
        "app-gui": ("setup.py", "app.server", 17, "gui_scripts", "app.server:main"),
        "clean": ("setup.py", "app.tools.clean", 4, "app.plugins", "app.tools.clean:run"),
    }
    assert not (root / "SETUP_PY_WAS_RUN").exists()


def test_setup_py_ini_string_and_dict_call(make_project, tmp_path):
    ini = (
        "import setuptools\n"
        'setuptools.setup(name="app", entry_points="""\n'
        "[console_scripts]\n"
        "app-server = app.server:main\n"
        '""")\n'
    )
    root = make_project({**APP, "setup.py": ini})
    assert _edges(_graph(root, tmp_path))["app-server"][:3] == ("setup.py", "app.server", 4)
    call = (
        "from setuptools import setup\n"
        'setup(entry_points=dict(console_scripts=["x = app.launch:main"]))\n'
    )
    root2 = make_project({**APP, "setup.py": call})
    assert _edges(_graph(root2, tmp_path))["x"][:3] == ("setup.py", "app.launch", 2)
    computed = "from setuptools import setup\nsetup(entry_points=load())\n"
    root3 = make_project({**APP, "setup.py": computed, "broken/setup.py": "setup(\n"})
    assert _graph(root3, tmp_path).entry_points == ()


def test_folder_inside_a_package_gets_its_full_dotted_names(make_project, tmp_path):
    root = make_project(
        {
            "outer/__init__.py": "",
            "outer/util.py": "def helper():\n    return 1\n",
            "outer/api/__init__.py": "",
            "outer/api/a.py": (
                "from outer.api import b\n"
                "from outer.util import helper\n"
                "from ..util import helper as h2\n"
                "from . import b as b2\n"
            ),
            "outer/api/b.py": "import outer.api.sub.c\n",
            "outer/api/sub/__init__.py": "",
            "outer/api/sub/c.py": "from ...util import helper\nfrom .. import b\n",
        }
    )
    api = root / "outer" / "api"
    assert sorted(f.module for f in discover(api).files) == [
        "outer.api",
        "outer.api.a",
        "outer.api.b",
        "outer.api.sub",
        "outer.api.sub.c",
    ]
    graph = _graph(api, tmp_path)
    edges = {(e.src, e.dst) for e in graph.imports if e.kind == "import"}
    assert {("outer.api.a", "outer.api.b"), ("outer.api.b", "outer.api.sub.c")} <= edges
    assert ("outer.api.sub.c", "outer.api.b") in edges
    # the parent package's own modules are outside the analysis: external, not unresolved
    assert {e.dst for e in graph.external} == {"outer.util"}
    assert "outer" not in {m.name for m in graph.modules}
    codes = {d.code for d in graph.diagnostics}
    assert "DEC004" not in codes and "DEC005" not in codes
    dec017 = [d.message for d in graph.diagnostics if d.code == "DEC017"]
    assert len(dec017) == 1 and "outer.api" in dec017[0] and "external" in dec017[0]


def test_wheel_data_folder_is_excluded_and_dots_never_split_a_name(make_project, tmp_path):
    files = {
        **APP,
        "app-1.0.data/scripts/run.py": "import app.server\n",
        "app-1.0.data/data/app/migrations/env.py": "import app.launch\n",
        "tools/run.v2.py": "import helper\n",
        "tools/helper.py": "X = 1\n",
    }
    root = make_project(files)
    mods = {f.module for f in discover(root).files}
    assert not any("data" in m for m in mods)  # excluded by default, like a virtualenv
    assert "tools.run-v2" in mods
    graph = _graph(root, tmp_path)
    names = {m.name for m in graph.modules}
    assert "tools.run" not in names  # no package invented from a file name's dot
    assert ("tools.run-v2", "tools.helper") in {(e.src, e.dst) for e in graph.imports}

    # included on purpose: still no fake packages split at the folder name's dots
    included = discover(root, exclude=["!app-1.0.data/"])
    inc = {f.module for f in included.files}
    assert "app-1-0-data.scripts.run" in inc
    assert not any(m.startswith(("app-1.", "app-1-0-data.data.app.migrations.env.")) for m in inc)
    parts = {p for m in inc for p in m.split(".")}
    assert "app-1" not in parts and "0" not in parts
