"""Source encodings: PEP 263 declarations, a UTF-8 BOM, Latin-1 without a declaration,
undecodable bytes, null bytes, unknown codecs. A bad file is a located diagnostic and its facts
are still recovered; it never stops the run."""

from __future__ import annotations

from pathlib import Path

from decompose.cache import FactCache
from decompose.config import Config
from decompose.graph import ProgramGraph
from decompose.model import SourceFile
from decompose.parse import parse_file
from decompose.pipeline import load_graph


def analyze(root: Path) -> ProgramGraph:
    return load_graph(root, Config(), FactCache(root / ".nocache", enabled=False), jobs=1)[1]


UTIL = "def g():\n    return 1\n"


def project(make_project, name: str, data: bytes) -> ProgramGraph:
    return analyze(make_project({"app/__init__.py": "", "app/util.py": UTIL, f"app/{name}": data}))


def facts_of(g: ProgramGraph, module: str) -> tuple[str, set[str], set[tuple[str, str]]]:
    f = g.facts[module]
    deps = {e.dst for e in g.imports if e.src == module and e.kind == "import"}
    calls = {(c.src, c.dst) for c in g.calls if c.src.startswith(module + ":")}
    return f.status, deps, calls


def test_pep263_latin1_declaration(make_project) -> None:
    src = "# -*- coding: latin-1 -*-\nfrom app import util\nNAME = 'café'\n\ndef f():\n"
    src += "    return util.g()\n"
    g = project(make_project, "pep263.py", src.encode("latin-1"))
    status, deps, calls = facts_of(g, "app.pep263")
    assert status == "ok"
    assert deps == {"app.util"} and calls == {("app.pep263:f", "app.util:g")}
    assert not [d for d in g.diagnostics if d.path == "app/pep263.py"]


def test_vim_style_and_second_line_declarations(make_project) -> None:
    src = "#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nimport app.util\nS = '€'\n"
    g = project(make_project, "vim.py", src.encode("cp1252"))
    assert facts_of(g, "app.vim")[:2] == ("ok", {"app.util"})


def test_utf8_bom(make_project) -> None:
    data = b"\xef\xbb\xbf" + "from app.util import g\nS = 'é'\ng()\n".encode()
    g = project(make_project, "bom.py", data)
    status, deps, calls = facts_of(g, "app.bom")
    assert status == "ok" and deps == {"app.util"}
    assert calls == {("app.bom:<module>", "app.util:g")}
    # the import is on line 1 (the BOM does not shift positions)
    assert next(e for e in g.imports if e.src == "app.bom" and e.kind == "import").line == 1


def test_latin1_without_declaration_is_located_decode_error_with_facts(make_project) -> None:
    src = "from app import util\nNAME = 'café'\n\ndef h():\n    return util.g()\n"
    g = project(make_project, "latin.py", src.encode("latin-1"))
    status, deps, calls = facts_of(g, "app.latin")
    assert status == "decode_error"
    assert deps == {"app.util"} and calls == {("app.latin:h", "app.util:g")}
    (d,) = [d for d in g.diagnostics if d.path == "app/latin.py"]
    assert (d.code, d.line, d.column, d.severity) == ("DEC002", 2, 11, "error")
    assert "0xe9" in d.message
    assert d.format().startswith("app/latin.py:2:12: DEC002")


def test_undecodable_bytes_in_the_middle(make_project) -> None:
    data = b"import app.util\nX = 1\nY = '\xff\xfe'\n\ndef k():\n    return app.util.g()\n"
    g = project(make_project, "junk.py", data)
    status, deps, calls = facts_of(g, "app.junk")
    assert status == "decode_error" and deps == {"app.util"}
    assert calls == {("app.junk:k", "app.util:g")}
    (d,) = [d for d in g.diagnostics if d.path == "app/junk.py"]
    assert (d.code, d.line, d.column) == ("DEC002", 3, 5)


def test_null_bytes_are_located_and_facts_recovered(make_project) -> None:
    data = b"import app.util\nX = 1  \x00\x00\ndef k():\n    return app.util.g()\n"
    g = project(make_project, "nul.py", data)
    status, deps, calls = facts_of(g, "app.nul")
    assert status == "parse_error"  # Python itself would refuse to import it
    assert deps == {"app.util"} and calls == {("app.nul:k", "app.util:g")}
    (d,) = [d for d in g.diagnostics if d.path == "app/nul.py"]
    assert (d.code, d.line, d.column) == ("DEC001", 2, 7) and "null byte" in d.message


def test_unknown_codec_declaration(make_project) -> None:
    g = project(make_project, "badcodec.py", b"# coding: nosuchcodec\nimport app.util\n")
    status, deps, _ = facts_of(g, "app.badcodec")
    assert status == "decode_error" and deps == {"app.util"}
    (d,) = [d for d in g.diagnostics if d.path == "app/badcodec.py"]
    assert d.code == "DEC002" and d.line == 1 and "nosuchcodec" in d.message


def test_utf16_file_without_bom_does_not_raise(tmp_path: Path) -> None:
    p = tmp_path / "w.py"
    p.write_bytes("import os\n".encode("utf-16-le"))
    f = parse_file(SourceFile("w.py", "w", ".", "module"), tmp_path)
    assert f.status in ("parse_error", "decode_error")
    assert f.diagnostics and f.diagnostics[0].line >= 1
