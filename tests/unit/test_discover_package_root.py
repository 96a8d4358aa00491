"""Pointing analyze at a package folder itself names modules as Python would from its parent."""

from __future__ import annotations

from decompose.config import Config
from decompose.discover import discover
from decompose.pipeline import load_graph, make_cache


def test_package_folder_as_root_keeps_the_package_name(make_project, tmp_path) -> None:
    root = make_project(
        {
            "mlpkg/__init__.py": "from .core import run\n",
            "mlpkg/core.py": "from mlpkg.util import helper\n\ndef run():\n    return helper()\n",
            "mlpkg/util.py": "def helper():\n    return 1\n",
            "mlpkg/sub/__init__.py": "",
            "mlpkg/sub/deep.py": "from .. import core\n",
        }
    )
    pkg = root / "mlpkg"
    project = discover(pkg)
    assert sorted(f.module for f in project.files) == [
        "mlpkg",
        "mlpkg.core",
        "mlpkg.sub",
        "mlpkg.sub.deep",
        "mlpkg.util",
    ]
    _, graph, _ = load_graph(pkg, Config(), make_cache(Config(), tmp_path / "c", True))
    edges = {(e.src, e.dst, e.kind) for e in graph.imports}
    assert ("mlpkg.core", "mlpkg.util", "import") in edges
    assert ("mlpkg.sub.deep", "mlpkg.core", "import") in edges
    assert not graph.external
    assert any(d.code == "DEC017" for d in graph.diagnostics)
    assert not any(d.code == "DEC004" for d in graph.diagnostics)
