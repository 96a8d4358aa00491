"""Kinds of input about module names: first-party modules named like the standard library,
folders without ``__init__.py`` inside regular packages, relative imports in ``__init__.py`` at
every level, and folders or files whose names are not identifiers."""

from __future__ import annotations

import json
from pathlib import Path

from decompose.cache import FactCache
from decompose.config import Config
from decompose.graph import ProgramGraph
from decompose.pipeline import load_graph


def analyze(root: Path, roots: tuple[str, ...] = ()) -> ProgramGraph:
    cache = FactCache(root / ".nocache", enabled=False)
    return load_graph(root, Config(roots=roots), cache, jobs=1)[1]


def edges(g: ProgramGraph, *kinds: str) -> set[str]:
    wanted = set(kinds) or {"import"}
    return {f"{e.src} -> {e.dst}" for e in g.imports if e.kind in wanted}


def external(g: ProgramGraph) -> set[str]:
    return {f"{e.src} -> {e.dst}" for e in g.external}


def codes(g: ProgramGraph, code: str) -> list[str]:
    return [d.format() for d in g.diagnostics if d.code == code]


# ----------------------------------------------------------------- stdlib-named first-party modules
STDLIB_NAMED = {
    "io/__init__.py": "from .types import T\n",
    "io/types.py": "T = 1\n",
    "enum.py": "import logging\nfrom io import types\nimport io.types\n",
    "logging.py": "def log():\n    pass\n",
    "main.py": "import enum, logging\nimport json\nlogging.log()\n",
}


def test_stdlib_named_modules_flat_layout(make_project) -> None:
    g = analyze(make_project(STDLIB_NAMED))
    assert edges(g) == {
        "io -> io.types",
        "enum -> logging",
        "enum -> io.types",
        "main -> enum",
        "main -> logging",
    }
    assert external(g) == {"main -> json"}  # a real stdlib module stays external
    assert ("main:<module>", "logging:log", "call") in {(c.src, c.dst, c.kind) for c in g.calls}
    shadow = codes(g, "DEC010")
    assert len(shadow) == 3 and all("shadows the standard library" in d for d in shadow)
    assert next(e for e in g.imports if (e.src, e.dst) == ("enum", "io.types")).weight == 2


def test_stdlib_named_modules_src_layout(make_project) -> None:
    root = make_project(
        {
            "pyproject.toml": '[project]\nname = "x"\n',
            "src/types/__init__.py": "from enum import E\n",
            "src/enum.py": "class E:\n    pass\n",
            "src/app.py": "import types\nfrom types import E\nimport os\n\nx = E()\n",
        }
    )
    g = analyze(root)
    assert {m.name for m in g.modules} == {"app", "enum", "types"}
    assert edges(g) == {"types -> enum", "app -> types"}
    assert "app -> enum" in edges(g, "reexport")
    assert external(g) == {"app -> os"}
    assert ("app:<module>", "enum:E", "call") in {(c.src, c.dst, c.kind) for c in g.calls}


def test_stdlib_named_submodule_is_not_the_stdlib_and_vice_versa(make_project) -> None:
    """Inside package ``app``, ``import logging`` is the standard library (absolute import);
    ``from . import logging`` is ``app/logging.py``."""
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/logging.py": "def setup():\n    pass\n",
                "app/x.py": "import logging\nfrom . import logging as lg\n"
                "logging.getLogger()\nlg.setup()\n",
            }
        )
    )
    assert edges(g) == {"app.x -> app.logging"}
    assert external(g) == {"app.x -> logging"}
    assert {(c.src, c.dst) for c in g.calls} == {("app.x:<module>", "app.logging:setup")}
    assert not codes(g, "DEC010")  # top-level `logging` is not shadowed


# ----------------------------------------------------------------- folders without __init__.py
def test_folder_without_init_inside_regular_package(make_project) -> None:
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/core.py": "def f():\n    pass\n",
                "app/plugins/a.py": "from ..core import f\nfrom . import b\n\ndef go():\n    f()\n",
                "app/plugins/b.py": "",
                "app/m.py": "from app.plugins import a\nimport app.plugins.b\n"
                "from .plugins.a import go\n",
            }
        )
    )
    nodes = {m.name: m for m in g.modules}
    assert nodes["app.plugins"].kind == "namespace"
    assert nodes["app.plugins"].path == "app/plugins"
    assert edges(g) == {
        "app.plugins.a -> app.core",
        "app.plugins.a -> app.plugins.b",
        "app.m -> app.plugins.a",
        "app.m -> app.plugins.b",
    }
    # importing app.plugins.a runs app/__init__.py but no __init__ of the namespace folder
    assert "app.m -> app.plugins" not in edges(g, "parent_init")
    assert "app.plugins.a -> app" in edges(g, "parent_init")
    assert ("app.plugins.a:go", "app.core:f", "call") in {(c.src, c.dst, c.kind) for c in g.calls}
    assert not codes(g, "DEC005") and not codes(g, "DEC004")


def test_src_folder_inside_a_package_is_not_a_root(make_project) -> None:
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/src/engine.py": "from app.util import u\n",
                "app/util.py": "def u():\n    pass\n",
            }
        )
    )
    assert "app.src.engine" in {m.name for m in g.modules}
    assert edges(g) == {"app.src.engine -> app.util"}


# ----------------------------------------------------------------- relative imports in __init__
def test_relative_imports_in_package_init_at_every_level(make_project) -> None:
    g = analyze(
        make_project(
            {
                "a/__init__.py": "from . import x\nfrom .x import X\nfrom .b import y\n",
                "a/x.py": "X = 1\n",
                "a/b/__init__.py": "from .. import x\nfrom ..x import X\nfrom . import y\n"
                "from .c import z\n",
                "a/b/y.py": "",
                "a/b/c/__init__.py": "from ... import x\nfrom ...b import y\n"
                "from .. import y as yy\nfrom .z import Z\nfrom .... import nope\n",
                "a/b/c/z.py": "Z = 1\n",
            }
        )
    )
    assert edges(g) == {
        "a -> a.x",
        "a -> a.b.y",
        "a.b -> a.x",
        "a.b -> a.b.y",
        "a.b -> a.b.c.z",
        "a.b.c -> a.x",
        "a.b.c -> a.b.y",
        "a.b.c -> a.b.c.z",
    }
    weights = {(e.src, e.dst): e.weight for e in g.imports if e.kind == "import"}
    assert weights[("a", "a.x")] == 2 and weights[("a.b.c", "a.b.y")] == 2
    beyond = codes(g, "DEC004")
    assert beyond == [
        "a/b/c/__init__.py:5:1: DEC004 relative import beyond top-level package: no edge"
    ]
    # a package __init__ runs its parents' __init__, never itself
    assert edges(g, "parent_init") >= {"a.b.c -> a.b", "a.b.c -> a", "a.b -> a"}
    assert not [e for e in g.imports if e.src == e.dst]


# ----------------------------------------------------------------- non-identifier names
def test_non_identifier_folders_and_files_are_scripts(make_project) -> None:
    nb = {
        "cells": [
            {"cell_type": "code", "source": ["import util\n", "util.u()\n", "!ls\n"]},
        ]
    }
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/core.py": "def f():\n    pass\n",
                "deploy-scripts/run.py": "from app.core import f\nimport helper\n"
                "from helper import h\nf()\nhelper.h()\nh()\n",
                "deploy-scripts/helper.py": "def h():\n    pass\n",
                "2024_jobs/nightly.py": "from app import core\ncore.f()\n",
                "lambda/__init__.py": "",
                "lambda/handler.py": "import app.core\n",
                "app/jobs-v2.py": "from app.core import f\n",
                "my-lib/__init__.py": "",
                "my-lib/x.py": "from . import y\n",
                "my-lib/y.py": "",
                "nb/util.py": "def u():\n    pass\n",
                "nb/explore.ipynb": json.dumps(nb),
            }
        )
    )
    names = {m.name for m in g.modules}
    assert {"deploy-scripts.run", "2024_jobs.nightly", "lambda.handler", "app.jobs-v2"} <= names
    assert edges(g) == {
        "deploy-scripts.run -> app.core",
        "deploy-scripts.run -> deploy-scripts.helper",  # the script's folder is sys.path[0]
        "2024_jobs.nightly -> app.core",
        "lambda.handler -> app.core",
        "app.jobs-v2 -> app.core",
        "nb/explore.ipynb -> nb.util",
    }
    calls = {(c.src, c.dst): c.count for c in g.calls}
    assert calls[("deploy-scripts.run:<module>", "deploy-scripts.helper:h")] == 2
    assert ("2024_jobs.nightly:<module>", "app.core:f") in calls
    assert ("nb/explore.ipynb:<cell 1>", "nb.util:u") in calls
    scripts = {d.split(":")[0] for d in codes(g, "DEC013")}
    assert {"deploy-scripts/run.py", "2024_jobs/nightly.py", "lambda/handler.py"} <= scripts
    assert "app/jobs-v2.py" in scripts and "app/core.py" not in scripts
    assert not codes(g, "DEC005")  # `import helper` resolved, not "unresolved"
    (rel,) = codes(g, "DEC004")
    assert rel.startswith("my-lib/x.py:1:1:") and "not importable" in rel
