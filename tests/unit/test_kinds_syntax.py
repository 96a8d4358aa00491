"""Syntax newer than the running interpreter (3.12 generics and ``type`` statements, 3.12
f-strings with nested quotes, 3.14 t-strings and unparenthesised ``except A, B``): analysed
correctly through :mod:`decompose.lower`, with imports, calls and definitions found on their
own lines -- not merely reported."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from decompose.lower import lower_source
from decompose.model import FileFacts, SourceFile
from decompose.parse import parse_file

NEW = '''from app import util
from app.models import Model

type Alias[T] = list[util.Thing[T]]
type Plain = Model

def first[T: Model](xs: list[T]) -> T:
    return util.pick(xs)

class Box[T]:
    def get(self) -> T:
        return util.unbox(self)

def fmt(user):
    return f"{user["name"]} {util.fmt(f'{user['id']:>{util.width()}}')}"

def multi():
    return f"""
    {util.a()}
    {util.b(
        1)}
    """

def tpl(x):
    return t"hello {util.tname(x)}"

def handler():
    try:
        util.risky()
    except ValueError, TypeError:
        util.recover()

def gen[**P, *Ts](f):
    import app.late
    return app.late.run(f)

class Sub(Box[int]):
    def get(self):
        return super().get()

msg = ("a "
       f"{util.joined()}"
       " b")

def after():
    return util.last()
'''


def lines_of(name: str) -> int:
    return next(i for i, ln in enumerate(NEW.splitlines(), start=1) if name in ln)


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> FileFacts:
    root: Path = tmp_path_factory.mktemp("new")
    (root / "m.py").write_text(NEW, encoding="utf-8")
    return parse_file(SourceFile("m.py", "app.m", ".", "module"), root)


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="the interpreter reads this natively")
def test_interpreter_cannot_read_it_itself() -> None:
    with pytest.raises(SyntaxError):
        ast.parse(NEW)


def test_newer_syntax_is_analysed_not_just_reported(facts: FileFacts) -> None:
    assert facts.status == "ok"
    codes = {d.code for d in facts.diagnostics}
    assert "DEC001" not in codes
    if sys.version_info < (3, 14):
        assert codes == {"DEC011"}


def test_imports_found_with_lines(facts: FileFacts) -> None:
    assert [(i.module, i.name, i.line, i.scope) for i in facts.imports] == [
        ("app", "util", 1, "module"),
        ("app.models", "Model", 2, "module"),
        ("app.late", None, lines_of("import app.late"), "function"),
    ]


def test_definitions_found_with_lines(facts: FileFacts) -> None:
    defs = {d.qualname: (d.kind, d.line, d.end_line) for d in facts.definitions}
    for name, kind in [
        ("Alias", "variable"),
        ("Plain", "variable"),
        ("first", "function"),
        ("Box", "class"),
        ("Box.get", "method"),
        ("fmt", "function"),
        ("multi", "function"),
        ("tpl", "function"),
        ("handler", "function"),
        ("gen", "function"),
        ("Sub", "class"),
        ("after", "function"),
    ]:
        keyword = (
            "type " + name
            if kind == "variable"
            else (f"class {name}" if kind == "class" else f"def {name.split('.')[-1]}")
        )
        assert defs[name][0] == kind and defs[name][1] == lines_of(keyword), name
    assert defs["multi"][2] == lines_of('    """') + 0  # the f-string kept its lines
    bases = {d.qualname: d.bases for d in facts.definitions}
    assert bases["Sub"] == ("app.m.Box",)  # a subscripted base is its class


@pytest.mark.parametrize(
    "target",
    [
        "pick",  # inside a generic function
        "unbox",  # inside a generic class
        "fmt",  # PEP 701 nested quotes
        "width",  # inside a nested format spec
        "a",  # multi-line f-string
        "b(",
        "tname",  # t-string
        "risky",
        "recover",  # after `except A, B:`
        "joined",  # f-string in an implicit concatenation
        "last",  # after all of them: line numbers did not drift
    ],
)
def test_calls_found_on_their_own_lines(facts: FileFacts, target: str) -> None:
    name = target.rstrip("(")
    refs = [r for r in facts.references if r.target == f"app.util.{name}" and r.hint == "call"]
    assert refs, [r.target for r in facts.references]
    assert refs[0].line == lines_of(f"util.{target}")


def test_late_import_call_and_super(facts: FileFacts) -> None:
    calls = {(r.src, r.target, r.line) for r in facts.references if r.hint == "call"}
    assert ("gen", "app.late.run", lines_of("app.late.run")) in calls
    assert any(src == "Sub.get" and "<super>" in t for src, t, _ in calls)


def test_lower_keeps_every_line() -> None:
    out = lower_source(NEW)
    assert out is not None
    assert len(out.splitlines()) == len(NEW.splitlines())
    ast.parse(out)


def test_genuine_syntax_error_is_not_lowered(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("import os\ndef f(:\n    pass\n", encoding="utf-8")
    f = parse_file(SourceFile("bad.py", "bad", ".", "module"), tmp_path)
    assert f.status == "parse_error"
    (d,) = [d for d in f.diagnostics if d.code == "DEC001"]
    assert d.line == 2
    assert [i.module for i in f.imports] == ["os"]
