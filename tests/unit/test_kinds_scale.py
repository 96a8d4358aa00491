"""Huge generated modules and deeply nested expressions: the run finishes, the facts are right,
there is never a RecursionError and the file is never lost. (No timing is asserted here; the
benchmarks measure time.)"""

from __future__ import annotations

from pathlib import Path

from decompose.cache import FactCache
from decompose.config import Config
from decompose.graph import ProgramGraph
from decompose.model import FileFacts, SourceFile
from decompose.parse import parse_file
from decompose.pipeline import load_graph

HEADER = "import os\nfrom app import util\n"
UTIL = "def h(*a):\n    return 0\n"


def analyze(root: Path) -> ProgramGraph:
    return load_graph(root, Config(), FactCache(root / ".nocache", enabled=False), jobs=1)[1]


def one(tmp_path: Path, text: str) -> FileFacts:
    (tmp_path / "gen.py").write_text(text, encoding="utf-8")
    return parse_file(SourceFile("gen.py", "gen", ".", "module"), tmp_path)


def test_fifty_thousand_line_generated_module(make_project) -> None:
    n = 25_000  # two lines each
    body = "".join(f"def f{i}(x):\n    return util.h(x) + {i}\n" for i in range(n))
    tail = "from app.other import late\n\ndef last():\n    return late(f0(1))\n"
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/util.py": UTIL,
                "app/other.py": "def late(x):\n    return x\n",
                "app/gen.py": HEADER + body + tail,
            }
        )
    )
    f = g.facts["app.gen"]
    assert f.status == "ok" and f.lines == 2 + 2 * n + 4
    assert len([d for d in f.definitions if d.kind == "function"]) == n + 1
    deps = {(e.dst, e.line) for e in g.imports if e.src == "app.gen" and e.kind == "import"}
    assert deps == {("app.util", 2), ("app.other", 2 + 2 * n + 1)}
    calls = {(c.src, c.dst) for c in g.calls if c.src.startswith("app.gen:")}
    assert ("app.gen:f0", "app.util:h") in calls and (f"app.gen:f{n - 1}", "app.util:h") in calls
    assert {("app.gen:last", "app.other:late"), ("app.gen:last", "app.gen:f0")} <= calls
    assert len(calls) == n + 2


def test_giant_literals(tmp_path: Path) -> None:
    rows = "".join(f"    'k{i}': [{i}, {i + 1}, 'v{i}', ('a.b', None)],\n" for i in range(30_000))
    text = HEADER + "DATA = {\n" + rows + "}\nBLOB = '" + "x" * 2_000_000 + "'\nutil.h(DATA)\n"
    f = one(tmp_path, text)
    assert f.status == "ok"
    assert [i.module for i in f.imports] == ["os", "app"]
    assert {d.qualname for d in f.definitions} >= {"DATA", "BLOB"}
    assert any(r.target == "app.util.h" and r.hint == "call" for r in f.references)


def test_thirty_thousand_term_operator_chain(tmp_path: Path) -> None:
    """CPython builds this tree only with a deep C stack (sympy has a real 40 KB one)."""
    chain = " + ".join(["a"] * 30_000)
    text = HEADER + f"def f(a):\n    return {chain}\n\ndef g():\n    return util.h()\n"
    f = one(tmp_path, text)
    assert f.status == "ok", f.diagnostics
    assert {d.qualname for d in f.definitions} == {"f", "g"}
    assert [(r.src, r.target) for r in f.references if r.hint == "call"] == [("g", "app.util.h")]


def test_long_boolean_and_attribute_chains(tmp_path: Path) -> None:
    text = HEADER + "x = " + " and ".join(["util.flag"] * 20_000) + "\n"
    text += "y = util" + ".b" * 20_000 + "\nutil.h()\n"
    f = one(tmp_path, text)
    assert f.status == "ok"
    assert any(r.target == "app.util.h" and r.hint == "call" for r in f.references)


def test_deeply_nested_calls_and_brackets_are_located_errors(tmp_path: Path) -> None:
    """CPython refuses more than 200 nested brackets; so do we, with the place and the imports
    (and never handing such a file to libcst, whose native parser crashes on it)."""
    for opener, closer in (("f(", ")"), ("(", ")"), ("[", "]"), ("{", "}")):
        text = HEADER + "\nx = " + opener * 3000 + "1" * (opener != "[") + closer * 3000 + "\n"
        text += "from app.late import z\n"
        f = one(tmp_path, text)
        assert f.status == "parse_error"
        (d,) = [d for d in f.diagnostics if d.code == "DEC001"]
        assert d.line == 4 and d.column > 0 and d.severity == "error"
        assert [(i.module, i.confidence) for i in f.imports] == [
            ("os", "low"),
            ("app", "low"),
            ("app.late", "low"),
        ]


def test_deeply_nested_blocks(tmp_path: Path) -> None:
    depth = 90
    text = HEADER + "".join("    " * i + "if x:\n" for i in range(depth))
    text += "    " * depth + "import app.deep\n"
    f = one(tmp_path, text)
    assert f.status == "ok"
    assert "app.deep" in [i.module for i in f.imports]
