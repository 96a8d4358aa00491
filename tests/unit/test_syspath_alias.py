"""``sys.path`` changes and the aliases they create: only a folder the code provably names
(``os.path.dirname(__file__)``, ``Path(__file__).parents[1]``, literals, local names of those)
makes modules under it importable by short names; a folder computed at run time (settings,
environment) is reported and never aliased; and an alias never hides an external package of the
same name (the lnbits ``bolt11`` pattern)."""

from __future__ import annotations

from pathlib import Path

import pytest

from decompose.cache import FactCache
from decompose.config import Config
from decompose.graph import ProgramGraph
from decompose.model import SourceFile
from decompose.parse import parse_file
from decompose.pipeline import load_graph


def analyze(root: Path, roots: tuple[str, ...] = ()) -> ProgramGraph:
    cache = FactCache(root / ".nocache", enabled=False)
    return load_graph(root, Config(roots=roots), cache, jobs=1)[1]


def edges(g: ProgramGraph) -> set[tuple[str, str]]:
    return {(e.src, e.dst) for e in g.imports if e.kind == "import"}


def external(g: ProgramGraph) -> set[tuple[str, str]]:
    return {(e.src, e.dst) for e in g.external}


def diags(g: ProgramGraph, code: str) -> list[str]:
    return [d.format() for d in g.diagnostics if d.code == code]


# ------------------------------------------------------------------ parser: what is "proven"
PROVEN = [
    ("sys.path.insert(0, os.path.dirname(__file__))", "pkg/sub"),
    ("sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))", "pkg/sub"),
    ("sys.path.insert(0, osp.realpath(osp.dirname(__file__)))", "pkg/sub"),
    ("sys.path.append(str(Path(__file__).parent))", "pkg/sub"),
    ("sys.path.append(str(Path(__file__).resolve().parent))", "pkg/sub"),
    ("sys.path.append(str(pathlib.Path(__file__).absolute().parents[1]))", "pkg"),
    ("sys.path.append(os.path.join(os.path.dirname(__file__), '..'))", "pkg"),
    ("sys.path.append(join(dirname(__file__), '..', '..'))", ""),
    ("sys.path.append(os.path.dirname(os.path.dirname(__file__)))", "pkg"),
    ("sys.path.append(str(Path(__file__).parent / 'lib'))", "pkg/sub/lib"),
    ("sys.path.append(str(Path(__file__).parent.joinpath('lib', 'x')))", "pkg/sub/lib/x"),
    ("sys.path.insert(0, 'vendor/libs')", "vendor/libs"),
    ("sys.path.insert(0, HERE)", "pkg/sub"),  # a module-level name
    ("from sys import path\npath.insert(0, os.path.dirname(__file__))", "pkg/sub"),
]
UNKNOWN = [
    "sys.path.append(str(Path(settings.extensions_path, 'extensions')))",
    "sys.path.append(os.environ['EXT_DIR'])",
    "sys.path.insert(0, os.getcwd())",
    "sys.path.insert(0, '/opt/app/lib')",
    "sys.path.insert(0, os.path.expanduser('~/lib'))",
    "sys.path.insert(0, f'{base}/lib')",
    "sys.path.append(str(Path(__file__).parents[7]))",  # above the analyzed root
    "sys.path.append(os.path.join(os.path.dirname(__file__), name))",
    "sys.path.insert(0, HERE_LATER)",  # reassigned to a run-time value
]
HEADER = (
    "import os, sys, pathlib\n"
    "import os.path as osp\n"
    "from os.path import dirname, join\n"
    "from pathlib import Path\n"
    "HERE = os.path.dirname(os.path.abspath(__file__))\n"
    "HERE_LATER = Path(__file__).parent\n"
    "HERE_LATER = settings.folder\n"
)


def facts_of(root: Path, body: str) -> tuple[tuple[tuple[int, str], ...], list[str], bool]:
    f = root / "pkg" / "sub" / "m.py"
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(HEADER + body + "\n", encoding="utf-8")
    facts = parse_file(SourceFile("pkg/sub/m.py", "pkg.sub.m", ".", "module"), root)
    infos = [d.message for d in facts.diagnostics if d.code == "DEC014"]
    return facts.sys_path_dirs, infos, facts.sys_path_hint


@pytest.mark.parametrize(("call", "folder"), PROVEN)
def test_proven_folders(tmp_path: Path, call: str, folder: str) -> None:
    dirs, infos, own = facts_of(tmp_path, call)
    assert [d for _, d in dirs] == [folder]
    assert infos == []
    assert own == (folder == "pkg/sub")  # sys_path_hint: exactly "its own folder"


@pytest.mark.parametrize("call", UNKNOWN)
def test_runtime_folders_are_reported_not_analysed(tmp_path: Path, call: str) -> None:
    dirs, infos, own = facts_of(tmp_path, call)
    assert dirs == () and not own
    assert len(infos) == 1 and "not analysed, no aliases assumed" in infos[0]


def test_function_local_names(tmp_path: Path) -> None:
    body = (
        "def setup(cfg):\n"
        "    here = Path(__file__).resolve().parent\n"
        "    sys.path.insert(0, str(here))\n"
        "    here = cfg.plugins\n"
        "    sys.path.insert(0, str(here))\n"
        "def other():\n"
        "    sys.path.insert(0, str(here))\n"  # not this scope's `here`: unknown
    )
    dirs, infos, _ = facts_of(tmp_path, body)
    assert [d for _, d in dirs] == ["pkg/sub"]
    assert len(infos) == 2


# --------------------------------------------------------- graph: the lnbits bolt11 pattern
LNBITS = {
    "lnbits/__init__.py": "",
    "lnbits/settings.py": "class Settings:\n    extensions_path = '.'\nsettings = Settings()\n",
    "lnbits/bolt11.py": "from bolt11 import decode, encode  # noqa: F401\n",
    "lnbits/app.py": (
        "import sys\n"
        "from pathlib import Path\n"
        "from lnbits.settings import settings\n"
        "def register():\n"
        "    extensions_dir = Path(settings.extensions_path, 'extensions')\n"
        "    sys.path.append(str(extensions_dir))\n"
    ),
    "lnbits/wallets/__init__.py": "",
    "lnbits/wallets/boltz.py": (
        "from bolt11 import decode as bolt11_decode\n"
        "from bolt11.decode import decode\n"
        "from bolt11.types import Bolt11\n"
        "from lnbits import bolt11 as wrapped\n"
    ),
}


def test_runtime_sys_path_makes_no_alias(make_project) -> None:
    g = analyze(make_project(LNBITS))
    assert g.alias_roots == ()
    info = diags(g, "DEC014")
    assert len(info) == 1 and info[0].startswith("lnbits/app.py:6:")
    assert "computed at run time" in info[0] and "aliases)" not in info[0]
    assert diags(g, "DEC005") == []
    assert ("lnbits.wallets.boltz", "lnbits.bolt11") in edges(g)  # `from lnbits import bolt11`
    ext = external(g)
    assert {("lnbits.wallets.boltz", d) for d in ("bolt11", "bolt11.decode", "bolt11.types")} <= ext
    assert ("lnbits.bolt11", "bolt11") in ext
    # the only edge to the wrapper is the explicit one, none through the bare name
    to_wrapper = [e for e in g.imports if e.dst == "lnbits.bolt11" and e.kind == "import"]
    assert [e.src for e in to_wrapper] == ["lnbits.wallets.boltz"] and to_wrapper[0].line == 4


def test_proven_alias_does_not_hide_external_package(make_project) -> None:
    """The folder IS put on sys.path, yet a same-named external package wins: a wrapper module
    importing the library, a known distribution name, a submodule of a plain module."""
    files = dict(LNBITS)
    files["lnbits/app.py"] = "import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\n"
    files["lnbits/redis.py"] = "def connect():\n    return 1\n"  # named like a known library
    files["lnbits/helpers.py"] = "def help():\n    return 1\n"  # a plain module
    files["lnbits/core/__init__.py"] = ""
    files["lnbits/core/settings.py"] = "DEBUG = True\n"
    files["lnbits/wallets/fake.py"] = (
        "import redis\n"
        "from core import settings\n"  # a real alias of lnbits.core.settings
        "from helpers.sub import thing\n"  # helpers is a plain module here: not this one
        "from settings import settings as s\n"
    )
    g = analyze(make_project(files))
    assert g.alias_roots == ("lnbits",)
    info = diags(g, "DEC014")
    assert len(info) == 1 and "treated as aliases" in info[0] and "lnbits/app.py:2:" in info[0]
    e = edges(g)
    assert ("lnbits.wallets.fake", "lnbits.core.settings") in e
    assert ("lnbits.wallets.fake", "lnbits.settings") in e
    assert not {d for s, d in e if s == "lnbits.wallets.boltz"} - {"lnbits.bolt11"}
    assert ("lnbits.wallets.fake", "lnbits.redis") not in e
    assert ("lnbits.wallets.fake", "lnbits.helpers") not in e
    ext = external(g)
    assert {("lnbits.wallets.fake", "redis"), ("lnbits.wallets.fake", "helpers.sub")} <= ext
    assert ("lnbits.wallets.boltz", "bolt11.decode") in ext
    assert diags(g, "DEC005") == []


def test_parent_folder_on_sys_path(make_project) -> None:
    """fastchat's ``sys.path.append(os.path.dirname(os.path.dirname(__file__)))`` in
    ``serve/launch.py`` adds the package folder, not ``serve/``."""
    files = {
        "chat/__init__.py": "",
        "chat/model.py": "def load():\n    return 1\n",
        "chat/serve/__init__.py": "",
        "chat/serve/worker.py": "X = 1\n",
        "chat/serve/launch.py": (
            "import os, sys\n"
            "sys.path.append(os.path.dirname(os.path.dirname(__file__)))\n"
            "from model import load\n"
            "import worker\n"  # serve/ itself is not on sys.path
        ),
    }
    g = analyze(make_project(files))
    assert g.alias_roots == ("chat",)
    assert ("chat.serve.launch", "chat.model") in edges(g)
    assert ("chat.serve.launch", "chat.serve.worker") not in edges(g)
    assert [d for d in diags(g, "DEC014") if "folder chat/ " in d]


def test_src_layout_folder_maps_to_module_name(make_project) -> None:
    files = {
        "pyproject.toml": (
            '[project]\nname = "tool"\n[tool.setuptools.packages.find]\nwhere = ["src"]\n'
        ),
        "src/tool/__init__.py": "",
        "src/tool/plugins/__init__.py": "",
        "src/tool/plugins/base.py": "class Base:\n    pass\n",
        "src/tool/cli.py": (
            "import sys\n"
            "from pathlib import Path\n"
            "sys.path.insert(0, str(Path(__file__).parent))\n"
            "from plugins.base import Base\n"
        ),
    }
    g = analyze(make_project(files))
    assert g.alias_roots == ("tool",)
    assert ("tool.cli", "tool.plugins.base") in edges(g)
