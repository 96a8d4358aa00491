"""Security: analyzed code is never run, hostile names stay data, nothing lands in the repo.

The hostile tree below would leave a sentinel file (and exit) on import, carries markup and
code in docstrings, route paths and folder names, and is run through every command.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

MARKUP = "</script><script>alert('x')</script><img src=x onerror=alert(1)>"
ROUTE = "/items/\\\"; import os; os.system('touch SENTINEL-route') #</script><script>alert(2)"


def hostile_tree(root: Path, sentinel: Path) -> Path:
    s = str(sentinel)
    files = {
        "app/__init__.py": f"open({s + '-init'!r}, 'w').write('ran')\n",
        "app/api.py": (
            f'"""{MARKUP}"""\n'
            "import os\n"
            "from fastapi import FastAPI\n"
            "from app import core\n"
            f"open({s + '-api'!r}, 'w').write('ran')\n"
            "os._exit(7)\n"
            "app = FastAPI()\n\n"
            f'@app.get("{ROUTE}")\n'
            "def items():\n"
            f'    """{MARKUP}"""\n'
            "    return core.run()\n"
        ),
        "app/core.py": (
            f'"""{MARKUP}"""\n'
            "import sys\n"
            f"open({s + '-core'!r}, 'w').write('ran')\n"
            "sys.exit(5)\n"
            "STATE = {}\n\n"
            "def run():\n"
            "    STATE['x'] = 1\n"
            "    return 1\n"
        ),
        "app/models.py": (
            "from app import core\n\n"
            "class Item:\n"
            f'    """{MARKUP}"""\n'
            "    def total(self):\n"
            "        return core.run()\n"
        ),
        "setup.py": f"open({s + '-setup'!r}, 'w').write('ran')\n",
        "conftest.py": f"open({s + '-conftest'!r}, 'w').write('ran')\n",
        "sitecustomize.py": f"open({s + '-sitecustomize'!r}, 'w').write('ran')\n",
        "app/__main__.py": f"open({s + '-main'!r}, 'w').write('ran')\n",
        'scripts/<b>bold</b> & "q"/run.py': "from app import core\ncore.run()\n",
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (root / "app" / "evil.pth").write_text(f"import os; open({s + '-pth'!r}, 'w')\n")
    return root


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(root.rglob("*"))
    }


def cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "decompose", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path, dict[str, str], Path]:
    work = tmp_path / "work"
    work.mkdir()
    sentinel = tmp_path / "SENTINEL"
    root = hostile_tree(tmp_path / "repo", sentinel)
    env = dict(os.environ, DECOMPOSE_CACHE_DIR=str(tmp_path / "cache"), HOME=str(tmp_path))
    return root, work, env, sentinel


def code_tokens(source: str) -> list[str]:
    """The names and operators of ``source``: everything but strings and comments."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.NAME, tokenize.OP):
            out.append(tok.string)
    return out


def test_analyzed_code_is_never_imported_or_executed_and_the_repo_is_untouched(
    hostile: tuple[Path, Path, dict[str, str], Path],
) -> None:
    root, work, env, sentinel = hostile
    before = snapshot(root)
    a = cli("analyze", str(root), "--out", str(work / "out"), cwd=work, env=env)
    assert a.returncode == 0, a.stderr
    c = cli(
        "check", str(root), "--boundaries", str(work / "out" / "boundaries.toml"), cwd=work, env=env
    )
    assert c.returncode in (0, 1), c.stderr
    for fmt in ("mermaid",):
        g = cli(
            "graph",
            str(root),
            "--view",
            "modules",
            "--format",
            fmt,
            "-o",
            str(work / f"graph.{fmt}"),
            cwd=work,
            env=env,
        )
        assert g.returncode in (0, 1), g.stderr
    s = cli("scaffold", str(root), "--out", str(work / "scaffold"), cwd=work, env=env)
    assert s.returncode == 0, s.stderr  # default: also writes the OpenAPI documents
    ran = sorted(p.name for p in sentinel.parent.iterdir() if p.name.startswith("SENTINEL"))
    assert ran == []
    assert snapshot(root) == before  # nothing written inside the analyzed repository
    assert not (root / "decompose-out").exists() and not (root / ".decompose-cache").exists()


def test_hostile_strings_stay_data_in_every_output(
    hostile: tuple[Path, Path, dict[str, str], Path],
) -> None:
    root, work, env, _ = hostile
    out = work / "out"
    assert cli("analyze", str(root), "--out", str(out), cwd=work, env=env).returncode == 0
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written >= {"graph.json", "report.html"}
    html = (out / "report.html").read_text()
    for raw in ("<script>alert", "<img src=x", "<b>bold</b>", "onerror=alert"):
        assert raw not in html, raw
    for name in written:
        if name.endswith(".json"):
            json.loads((out / name).read_text())  # still valid JSON

    sc = work / "scaffold"
    s = cli("scaffold", str(root), "--out", str(sc), cwd=work, env=env)
    assert s.returncode == 0, s.stderr
    originals = {p.read_bytes() for p in root.rglob("*.py")}
    generated = [p for p in sc.rglob("*.py") if p.read_bytes() not in originals]
    assert generated
    for p in generated:
        text = p.read_text()
        ast.parse(text, str(p))  # every generated module is valid Python
        tokens = code_tokens(text)
        assert "system" not in tokens and "_exit" not in tokens, p  # hostile text stayed data
    for p in sc.rglob("*"):
        assert p.resolve().is_relative_to(sc.resolve())  # nothing escaped the output folder
    for p in sc.rglob("*.html"):
        assert "<script>alert" not in p.read_text()


def test_outputs_are_only_written_where_asked(
    hostile: tuple[Path, Path, dict[str, str], Path],
    tmp_path: Path,
) -> None:
    root, work, env, _ = hostile
    before = snapshot(tmp_path)
    out = work / "out"
    assert cli("analyze", str(root), "--out", str(out), cwd=work, env=env).returncode == 0
    after = snapshot(tmp_path)
    new = {k for k in after if k not in before}
    allowed = ("work/out", "cache")
    assert {k for k in new if not k.startswith(allowed)} == set()


def test_a_repository_cannot_get_its_own_pickles_loaded_from_a_cache_it_ships(
    tmp_path: Path,
) -> None:
    """The project's own config may name a ``cache_dir`` inside the repository; whatever the
    repository ships there is never unpickled (entries are signed with a key that lives in the
    user's default cache folder)."""
    import pickle

    sentinel = tmp_path / "PWNED"
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[tool.decompose]\ncache_dir = ".dc"\n')
    (repo / "app" / "__init__.py").write_text("")
    (repo / "app" / "a.py").write_text("from app import b\n\ndef f():\n    return b.g()\n")
    (repo / "app" / "b.py").write_text("def g():\n    return 1\n")
    env = dict(os.environ, DECOMPOSE_CACHE_DIR=str(tmp_path / "user-cache"), HOME=str(tmp_path))
    first = cli("analyze", str(repo), "--out", str(tmp_path / "o1"), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    entries = sorted((repo / ".dc").rglob("*.pickle"))
    assert entries, "the configured cache_dir is used"

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {sentinel}",))

    evil = pickle.dumps(Evil())
    for i, entry in enumerate(entries):
        # unsigned, and signed-looking with a made-up key: neither may load
        entry.write_bytes(evil if i % 2 else b"DCSIG1\n" + b"\0" * 32 + evil)
    again = cli("analyze", str(repo), "--out", str(tmp_path / "o2"), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    c = cli(
        "check",
        str(repo),
        "--boundaries",
        str(tmp_path / "o2" / "boundaries.toml"),
        cwd=tmp_path,
        env=env,
    )
    assert c.returncode in (0, 1), c.stderr
    assert not sentinel.exists()
    # and the run rebuilt what it could not trust: outputs equal the first run's
    assert (tmp_path / "o1" / "graph.json").read_bytes() == (
        tmp_path / "o2" / "graph.json"
    ).read_bytes()
