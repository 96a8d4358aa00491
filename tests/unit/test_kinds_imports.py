"""Kinds of import statements: transitive chains, re-export hubs, optional imports and
fallbacks, version and platform guards however spelled, ``.pyi`` stubs and stub-only
packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from decompose.cache import FactCache
from decompose.config import Config
from decompose.graph import RUNTIME_KINDS, ProgramGraph
from decompose.pipeline import load_graph


def analyze(root: Path) -> ProgramGraph:
    return load_graph(root, Config(), FactCache(root / ".nocache", enabled=False), jobs=1)[1]


def kinds(g: ProgramGraph, src: str) -> dict[str, str]:
    """``{dst: kind}`` for the non-parent_init edges (first-party and external) of ``src``."""
    out = {e.dst: e.kind for e in g.external if e.src == src}
    out.update({e.dst: e.kind for e in g.imports if e.src == src and e.kind != "parent_init"})
    return out


def calls(g: ProgramGraph) -> set[tuple[str, str, str]]:
    return {(c.src, c.dst, c.kind) for c in g.calls}


# ----------------------------------------------------------------- transitive chains
def test_transitive_chain_never_becomes_a_direct_edge(make_project) -> None:
    g = analyze(
        make_project(
            {
                "a.py": "import b\n\ndef fa():\n    return b.fb()\n",
                "b.py": "from c import fc\n\ndef fb():\n    return fc()\n",
                "c.py": "import d\n\ndef fc():\n    return d.X\n",
                "d.py": "X = 1\n",
            }
        )
    )
    direct = {(e.src, e.dst) for e in g.imports}
    assert direct == {("a", "b"), ("b", "c"), ("c", "d")}
    assert {(s, d) for s, d, _ in calls(g)} == {("a:fa", "b:fb"), ("b:fb", "c:fc"), ("c:fc", "d:X")}


# ----------------------------------------------------------------- re-export hubs
HUB = {
    "hub/__init__.py": (
        "from .impl import Thing, make\nfrom .more import *\nfrom . import sub\n"
        "__all__ = ['Thing', 'make', 'helper', 'sub']\n"
    ),
    "hub/impl.py": "class Thing:\n    def go(self):\n        pass\n\ndef make():\n"
    "    return Thing()\n",
    "hub/more.py": "__all__ = ['helper']\n\ndef helper():\n    pass\n\ndef hidden():\n    pass\n",
    "hub/sub.py": "def s():\n    pass\n",
    "user.py": (
        "import hub\nfrom hub import Thing, helper, sub\n\n"
        "def main():\n    hub.make()\n    helper()\n    sub.s()\n    hub.sub.s()\n"
        "    t = hub.Thing()\n    t.go()\n    return Thing\n"
    ),
}


def test_reexport_hub_explicit_and_star(make_project) -> None:
    g = analyze(make_project(HUB))
    k = kinds(g, "user")
    assert k == {
        "hub": "import",
        "hub.sub": "import",
        "hub.impl": "reexport",
        "hub.more": "reexport",
    }
    assert kinds(g, "hub") == {"hub.impl": "import", "hub.more": "import", "hub.sub": "import"}
    c = calls(g)
    assert {
        ("user:main", "hub.impl:make", "call"),
        ("user:main", "hub.more:helper", "call"),
        ("user:main", "hub.sub:s", "call"),
        ("user:main", "hub.impl:Thing", "call"),
        ("user:main", "hub.impl:Thing.go", "inferred"),
        ("user:main", "hub.impl:Thing", "ref"),
    } <= c
    # a name the hub does not export is not invented
    assert not [x for x in c if x[1].endswith(":hidden")]
    # the reexport edges are not runtime edges of their own: `from hub import ...` runs hub
    assert "reexport" not in RUNTIME_KINDS


def test_star_reexport_respects_all_and_underscore(make_project) -> None:
    g = analyze(
        make_project(
            {
                "p/__init__.py": "from .a import *\nfrom .b import *\n",
                "p/a.py": "__all__ = ['one']\n\ndef one():\n    pass\n\ndef two():\n    pass\n",
                "p/b.py": "def three():\n    pass\n\ndef _four():\n    pass\n",
                "u.py": "import p\n\ndef f():\n    p.one()\n    p.two()\n    p.three()\n"
                "    p._four()\n",
            }
        )
    )
    dsts = {d for s, d, _ in calls(g) if s == "u:f"}
    assert dsts == {"p.a:one", "p.b:three"}


def test_reexport_chain_through_two_hubs(make_project) -> None:
    g = analyze(
        make_project(
            {
                "outer/__init__.py": "from .inner import api\n",
                "outer/inner/__init__.py": "from .core import api\n",
                "outer/inner/core.py": "def api():\n    pass\n",
                "client.py": "from outer import api\n\napi()\n",
            }
        )
    )
    assert kinds(g, "client") == {"outer": "import", "outer.inner.core": "reexport"}
    assert ("client:<module>", "outer.inner.core:api", "call") in calls(g)


# ----------------------------------------------------------------- optional imports and guards
def test_optional_imports_and_fallbacks(make_project) -> None:
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/fast.py": "",
                "app/slow.py": "",
                "app/compat.py": "",
                "app/plain.py": "",
                "app/m.py": """
                    import contextlib
                    try:
                        import app.fast as impl
                    except ImportError:
                        import app.slow as impl
                    try:
                        import ujson
                    except (ImportError, ModuleNotFoundError):
                        ujson = None
                    try:
                        from app import compat
                    except ModuleNotFoundError as exc:
                        compat = None
                    try:
                        import simdjson
                    except (ValueError, ImportError):
                        pass
                    try:
                        import orjson
                    except:
                        orjson = None
                    try:
                        from app import plain
                    except KeyError:
                        pass
                    with contextlib.suppress(ImportError):
                        import rapidjson
                    """,
            }
        )
    )
    assert kinds(g, "app.m") == {
        "contextlib": "import",
        "app.fast": "optional",
        "app.slow": "fallback",
        "ujson": "optional",
        "app.compat": "optional",
        "simdjson": "optional",
        "orjson": "optional",
        "app.plain": "import",  # KeyError does not make an import optional
        "rapidjson": "optional",
    }
    assert {"optional", "fallback"} <= RUNTIME_KINDS


GUARDS = """
import sys, platform, os, six
from typing import TYPE_CHECKING
from sys import version_info as vi
if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli
if sys.platform == "win32":
    from app import win
elif sys.platform.startswith("linux"):
    from app import posix
PY2 = sys.version_info[0] == 2
if PY2:
    from app import py2
if not TYPE_CHECKING:
    from app import runtime_only
else:
    from app import typing_only
if vi < (3, 8):
    import importlib_metadata
IS_WIN = platform.system() == "Windows"
ON_WINDOWS = IS_WIN and True
if ON_WINDOWS:
    from app import w2
if six.PY3:
    import a3
if sys.version_info.major >= 3 and os.name == "nt":
    import winreg
if sys.hexversion > 0x030B0000:
    import a5
if sys.implementation.name == "pypy":
    import a6
if DEBUG:
    from app import dbg
"""


@pytest.mark.parametrize(
    ("dst", "kind"),
    [
        ("tomllib", "guarded"),
        ("tomli", "guarded"),
        ("app.win", "guarded"),
        ("app.posix", "guarded"),
        ("app.py2", "guarded"),
        ("app.runtime_only", "import"),
        ("app.typing_only", "type_checking"),
        ("importlib_metadata", "guarded"),
        ("app.w2", "guarded"),
        ("a3", "guarded"),
        ("winreg", "guarded"),
        ("a5", "guarded"),
        ("a6", "guarded"),
        ("app.dbg", "import"),  # an ordinary flag is not a version/platform guard
    ],
)
def test_version_and_platform_guards_however_spelled(make_project, dst: str, kind: str) -> None:
    files = {"app/__init__.py": "", "app/m.py": "DEBUG = False\n" + GUARDS}
    for mod in ("win", "posix", "py2", "runtime_only", "typing_only", "w2", "dbg"):
        files[f"app/{mod}.py"] = ""
    g = analyze(make_project(files))
    assert kinds(g, "app.m")[dst] == kind


def test_guard_inside_function_keeps_scope(make_project) -> None:
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/w.py": "",
                "app/m.py": "import sys\n\ndef f():\n    if sys.platform == 'win32':\n"
                "        from app import w\n",
            }
        )
    )
    (e,) = [e for e in g.imports if e.src == "app.m" and e.dst == "app.w"]
    assert (e.kind, e.scope) == ("guarded", "function")


# ----------------------------------------------------------------- stubs
def test_pyi_beside_py_is_not_a_second_module(make_project) -> None:
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/fast.py": "def f():\n    pass\n",
                "app/fast.pyi": "def f() -> None: ...\n",
                "app/use.py": "from app import fast\nfast.f()\n",
            }
        )
    )
    nodes = {m.name: m for m in g.modules}
    assert nodes["app.fast"].kind == "module" and nodes["app.fast"].path == "app/fast.py"
    assert kinds(g, "app.use") == {"app.fast": "import"}
    assert ("app.use:<module>", "app.fast:f", "call") in calls(g)
    assert not [d for d in g.diagnostics if d.code == "DEC012"]  # a stub is not a duplicate


def test_stub_only_modules_and_packages(make_project) -> None:
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/_native.pyi": "def g() -> int: ...\n",
                "app/use.py": "from app import _native\nfrom app._native import g\ng()\n",
                "stubpkg/__init__.pyi": "from .types import T\n",
                "stubpkg/types.pyi": "class T: ...\n",
                "app/use2.py": "import stubpkg\nfrom stubpkg.types import T\n\n"
                "def f(t: T):\n    return T()\n",
            }
        )
    )
    nodes = {m.name: m for m in g.modules}
    assert nodes["app._native"].kind == "stub" and nodes["stubpkg"].kind == "stub"
    assert kinds(g, "app.use") == {"app._native": "stub_only"}
    assert kinds(g, "app.use2") == {"stubpkg": "stub_only", "stubpkg.types": "stub_only"}
    c = calls(g)
    assert ("app.use:<module>", "app._native:g", "call") in c
    assert ("app.use2:f", "stubpkg.types:T", "call") in c
    assert "stub_only" not in RUNTIME_KINDS
