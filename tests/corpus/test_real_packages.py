"""`decompose analyze` on real packages from PyPI (issue 2): opt-in, ``pytest -m corpus``.

The packages are downloaded at run time into the corpus cache (``bench/.cache`` or
``$DECOMPOSE_CORPUS_CACHE``) by ``bench/corpus.py``; their code is never committed.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
import corpus  # noqa: E402

pytestmark = pytest.mark.corpus

OUTPUTS = ("graph.json", "proposal.json", "boundaries.toml", "report.md", "report.html")


def _analyze(root: Path, out: Path, hashseed: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hashseed, "DECOMPOSE_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "decompose", "analyze", str(root), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def _top_names(root: Path) -> set[str]:
    """First-party top-level names of an extracted wheel: its packages and top-level modules."""
    names = {p.name for p in root.iterdir() if p.is_dir() and "." not in p.name}
    names |= {p.stem for p in root.glob("*.py")}
    return names


def _module_name(rel: str) -> str:
    parts = rel[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def files_with_first_party_imports(root: Path) -> set[str]:
    """Files (POSIX paths relative to ``root``) holding at least one import statement that names
    another first-party module: a relative import, or an absolute one whose top-level name is a
    first-party package. Read independently of decompose, with CPython's ``ast``; files that do
    not parse under this interpreter are left out (they must carry a diagnostic instead)."""
    tops = _top_names(root)
    found: set[str] = set()
    for f in sorted(root.rglob("*.py")):
        rel = f.relative_to(root).as_posix()
        if ".dist-info/" in rel:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(f.read_bytes())
        except (SyntaxError, ValueError):
            continue
        me = _module_name(rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                if node.level or (mod.split(".")[0] in tops and mod != me):
                    found.add(rel)
                    break
            elif isinstance(node, ast.Import):
                if any(a.name.split(".")[0] in tops and a.name != me for a in node.names):
                    found.add(rel)
                    break
    return found


@pytest.fixture(scope="module")
def tmp_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


@pytest.mark.parametrize("name", ["fschat", "khoj"])
def test_analyze_real_package(name: str, tmp_module: Path) -> None:
    root = corpus.fetch(name)
    runs = []
    for seed in ("0", "12345"):
        out = tmp_module / f"{name}-{seed}"
        # A fresh cache per run: the second run re-parses everything under another hash seed.
        proc = _analyze(root, out, seed, tmp_module / f"cache-{name}-{seed}")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr
        runs.append(out)

    # Byte-identical outputs whatever PYTHONHASHSEED is.
    for fname in OUTPUTS:
        a, b = runs[0] / fname, runs[1] / fname
        if fname == "report.html" and not a.exists():
            continue
        assert a.read_bytes() == b.read_bytes(), f"{fname} differs between hash seeds"

    graph = json.loads((runs[0] / "graph.json").read_text())
    proposal = json.loads((runs[0] / "proposal.json").read_text())

    # Every .py file is a module node or has a diagnostic.
    py_files = {
        f.relative_to(root).as_posix()
        for f in root.rglob("*.py")
        if ".dist-info/" not in f.relative_to(root).as_posix()
    }
    node_paths = {m["path"] for m in graph["modules"]}
    diag_paths = {d["path"] for d in graph["diagnostics"]}
    missing = sorted(py_files - node_paths - diag_paths)
    assert not missing, f"files neither modules nor diagnosed: {missing[:10]}"
    assert len(py_files) > 100

    # A plausible number of first-party import edges: every file that holds an import statement
    # naming another first-party module is the source of a (non parent_init) edge or has a
    # diagnostic, and there are at least as many edges as such files.
    importing = files_with_first_party_imports(root)
    path_of = {m["name"]: m["path"] for m in graph["modules"]}
    edges = [e for e in graph["imports"] if e["kind"] != "parent_init"]
    sources = {path_of[e["src"]] for e in edges if e["src"] in path_of}
    silent = sorted(importing - sources - diag_paths)
    assert not silent, f"first-party imports that produced no edge: {silent[:10]}"
    assert len(edges) >= len(importing) > 20
    assert all(e["src"] in path_of and e["dst"] in path_of for e in graph["imports"])

    # Every module in exactly one service.
    owner: dict[str, list[str]] = {}
    for svc, spec in proposal["services"].items():
        for mod in spec["modules"]:
            owner.setdefault(mod, []).append(svc)
    names = {m["name"] for m in graph["modules"]}
    assert set(owner) == names
    assert all(len(v) == 1 for v in owner.values()), {k: v for k, v in owner.items() if len(v) > 1}
    assert len(proposal["services"]) >= 2

    # The resolution rate is reported and sane.
    assert 0.0 < graph["stats"]["resolution_rate"] <= 1.0
