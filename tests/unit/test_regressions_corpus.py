"""Regressions found by running decompose on real PyPI packages (bench/sweep.py, bench/accuracy.py).

Each test is a tiny reproduction written for this project (never third-party code)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from decompose.cache import FactCache
from decompose.config import Config
from decompose.graph import ProgramGraph
from decompose.pipeline import load_graph


def _graph(root: Path) -> ProgramGraph:
    _, graph, _ = load_graph(root, Config(), FactCache(root / ".nocache", enabled=False), jobs=1)
    return graph


def test_except_star_is_analyzed_not_an_internal_error(
    make_project: Callable[[dict[str, str]], Path],
) -> None:
    # letta 0.16.8 uses `except* X` (PEP 654, Python 3.11): the parser raised AssertionError,
    # reported as DEC099.
    root = make_project(
        {
            "app/__init__.py": "",
            "app/errors.py": "class Boom(Exception):\n    pass\n",
            "app/client.py": """
            async def cleanup(c):
                try:
                    await c.close()
                except* ValueError as eg:
                    from app.errors import Boom
                    raise Boom(str(eg.exceptions))
            """,
        }
    )
    graph = _graph(root)
    codes = {d.code for d in graph.diagnostics if d.path == "app/client.py"}
    assert "DEC099" not in codes and "DEC001" not in codes
    node = next(m for m in graph.modules if m.name == "app.client")
    assert node.status == "ok"
    assert ("app.client", "app.errors") in {(e.src, e.dst) for e in graph.imports}


def test_from_import_of_a_missing_first_party_module_is_reported(
    make_project: Callable[[dict[str, str]], Path],
) -> None:
    # letta 0.16.8 (`from letta.memory import ...`) and rasa 3.6.21 import modules that no longer
    # exist; the edge went to the nearest package with no diagnostic, so nobody was told.
    root = make_project(
        {
            "app/__init__.py": "",
            "app/core/__init__.py": "",
            "app/core/real.py": "X = 1\n",
            "app/user.py": """
            from app.core.real import X
            from app.core.gone import helper
            """,
        }
    )
    graph = _graph(root)
    unresolved = [d for d in graph.diagnostics if d.code == "DEC005" and d.path == "app/user.py"]
    assert [(d.line, "app.core.gone" in d.message) for d in unresolved] == [(2, True)]
    assert ("app.user", "app.core.real") in {(e.src, e.dst) for e in graph.imports}


def test_newer_syntax_with_fstring_in_implicit_concatenation(
    make_project: Callable[[dict[str, str]], Path],
) -> None:
    # weblate 2026.10.1: a 3.12 `type` statement in a file that also concatenates a plain string
    # with an f-string; lowering turned the f-string into a tuple inside the concatenation,
    # libcst refused it, and a valid file became a DEC001 syntax error.
    root = make_project(
        {
            "app/__init__.py": "",
            "app/util.py": "def helper():\n    return 1\n",
            "app/user.py": """
            from app.util import helper

            type Kind = str

            MESSAGE = "value: " f"{helper()}" " done"
            """,
        }
    )
    graph = _graph(root)
    assert not [d for d in graph.diagnostics if d.code == "DEC001"]
    assert next(m for m in graph.modules if m.name == "app.user").status == "ok"
    assert ("app.user:<module>", "app.util:helper") in {(c.src, c.dst) for c in graph.calls}


def test_import_of_a_namespace_folder_inside_a_package_is_an_edge(
    make_project: Callable[[dict[str, str]], Path],
) -> None:
    # r2r 3.6.6: `from .api import *` in core/main/__init__.py where core/main/api/ has no
    # __init__.py: the namespace package is a node of the graph, yet the import was reported as
    # "no such first-party module" (DEC005) and had no edge.
    root = make_project(
        {
            "core/__init__.py": "",
            "core/main/__init__.py": "from .api import *\nfrom .app import App\n",
            "core/main/app.py": "class App:\n    pass\n",
            "core/main/api/v3/router.py": "from core.main.app import App\n",
        }
    )
    graph = _graph(root)
    kinds = {m.name: m.kind for m in graph.modules}
    assert kinds["core.main.api"] == "namespace"
    assert not [d for d in graph.diagnostics if d.code == "DEC005"]
    assert ("core.main", "core.main.api") in {(e.src, e.dst) for e in graph.imports}


def test_from_pkg_init_import_names_the_package(
    make_project: Callable[[dict[str, str]], Path],
) -> None:
    # letta 0.16.8: `from letta.__init__ import __version__` names letta/__init__.py itself; it
    # must be an edge to the package, not an unresolved `letta.__init__` module.
    root = make_project(
        {
            "app/__init__.py": "__version__ = '1.0'\n",
            "app/server/__init__.py": "",
            "app/server/main.py": "from app.__init__ import __version__\n",
        }
    )
    graph = _graph(root)
    assert not [d for d in graph.diagnostics if d.code == "DEC005"]
    edges = {(e.src, e.dst, e.kind) for e in graph.imports}
    assert ("app.server.main", "app", "import") in edges
