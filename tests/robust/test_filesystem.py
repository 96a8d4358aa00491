"""Files and folders as they are on real machines: each oddity has one clear, tested behaviour.

The behaviours are listed in docs/reliability.md (## Files and folders).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from decompose.cache import FactCache
from decompose.discover import discover
from decompose.pipeline import collect_facts

BASE = {
    "app/__init__.py": "",
    "app/a.py": "from app import b\n\ndef f():\n    return b.g()\n",
    "app/b.py": "def g():\n    return 1\n",
}


def run_cli(
    args: list[str], cwd: Path, timeout: float = 120, **kw: Any
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess with a time limit (a hang fails the test, not the suite)."""
    return subprocess.run(
        [sys.executable, "-m", "decompose", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=timeout,
        **kw,
    )


def diagnostics(out: Path) -> list[dict[str, Any]]:
    return json.loads((out / "graph.json").read_text())["diagnostics"]


def modules(out: Path) -> set[str]:
    return {m["name"] for m in json.loads((out / "graph.json").read_text())["modules"]}


def test_fifo_and_socket_are_skipped_without_hanging(make_project: Any, tmp_path: Path) -> None:
    root = make_project(BASE)
    os.mkfifo(root / "app" / "pipe.py")
    sock = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    try:
        os.chdir(root / "app")  # AF_UNIX paths are limited to ~108 bytes: bind a relative name
        sock.bind("sock.py")
    finally:
        os.chdir(cwd)
    try:
        out = tmp_path / "out"
        r = run_cli(["analyze", str(root), "--out", str(out)], tmp_path, timeout=60)
        assert r.returncode == 0, r.stderr
        skipped = {(d["path"], d["code"]) for d in diagnostics(out)}
        assert {("app/pipe.py", "DEC003"), ("app/sock.py", "DEC003")} <= skipped
        assert modules(out) >= {"app.a", "app.b"} and "app.pipe" not in modules(out)
        c = run_cli(
            ["check", str(root), "--boundaries", str(out / "boundaries.toml")], tmp_path, timeout=60
        )
        assert c.returncode in (0, 1), c.stderr  # ran; never hangs on the FIFO
    finally:
        sock.close()


def test_non_utf8_names_are_skipped_with_a_located_warning(
    make_project: Any, tmp_path: Path
) -> None:
    root = make_project(BASE)
    app = os.fsencode(root / "app")
    with open(app + b"/caf\xe9.py", "wb") as fh:
        fh.write(b"from app import a\n")
    os.mkdir(app + b"/pkg\xff")
    with open(app + b"/pkg\xff/__init__.py", "wb") as fh:
        fh.write(b"")
    with open(app + b"/notes\xe9.txt", "wb") as fh:  # not a source file: silently ignored
        fh.write(b"hello")
    out = tmp_path / "out"
    r = run_cli(["analyze", str(root), "--out", str(out)], tmp_path)
    assert r.returncode == 0, r.stderr
    found = {d["path"]: d for d in diagnostics(out) if d["code"] == "DEC003"}
    assert set(found) == {"app/caf\\xe9.py", "app/pkg\\xff"}
    assert all(d["severity"] == "warning" and d["line"] == 1 for d in found.values())
    assert modules(out) == {"app", "app.a", "app.b"}
    for f in out.iterdir():
        f.read_bytes().decode("utf-8")  # every output is valid UTF-8


def test_symlinks_to_outside_the_root_are_not_followed(make_project: Any, tmp_path: Path) -> None:
    outside = make_project({"secret/__init__.py": "", "secret/keys.py": "TOKEN = 'x'\n"})
    root = make_project(BASE)
    (root / "app" / "linked").symlink_to(outside / "secret", target_is_directory=True)
    (root / "app" / "keys.py").symlink_to(outside / "secret" / "keys.py")
    (root / "app" / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    project = discover(root)
    assert {f.module for f in project.files} == {"app", "app.a", "app.b"}
    codes = {(d.path, d.code) for d in project.diagnostics}
    assert {
        ("app/linked", "DEC007"),
        ("app/keys.py", "DEC007"),
        ("app/dangling.py", "DEC007"),
    } <= codes


def test_symlink_inside_the_root_is_followed_once(make_project: Any) -> None:
    root = make_project(BASE)
    (root / "app" / "again").symlink_to(root / "app", target_is_directory=True)
    project = discover(root)  # a loop: must terminate
    assert any(d.code == "DEC006" for d in project.diagnostics)
    assert {"app.a", "app.b"} <= {f.module for f in project.files}


def test_case_only_name_clashes_are_two_modules(make_project: Any, tmp_path: Path) -> None:
    root = make_project(
        {
            **BASE,
            "app/Utils.py": "def upper():\n    return 1\n",
            "app/utils.py": "def lower():\n    return 2\n",
            "app/c.py": "from app import utils\n\ndef h():\n    return utils.lower()\n",
        }
    )
    if not (root / "app" / "Utils.py").exists() or len(os.listdir(root / "app")) < 6:
        pytest.skip("case-insensitive file system")
    out = tmp_path / "out"
    r = run_cli(["analyze", str(root), "--out", str(out)], tmp_path)
    assert r.returncode == 0, r.stderr
    g = json.loads((out / "graph.json").read_text())
    assert {"app.Utils", "app.utils"} <= {m["name"] for m in g["modules"]}
    assert any(e["src"] == "app.c" and e["dst"] == "app.utils" for e in g["imports"])
    assert not any(e["dst"] == "app.Utils" for e in g["imports"])


def test_very_long_names_and_deep_folders(make_project: Any, tmp_path: Path) -> None:
    long = "m" * 200
    files = dict(BASE)
    files[f"app/{long}.py"] = "from app import b\n"
    deep = "/".join(f"p{i:02}_{'x' * 40}" for i in range(30))  # ~1.3k characters
    parts = deep.split("/")
    for i in range(len(parts)):
        files["app/" + "/".join(parts[: i + 1]) + "/__init__.py"] = ""
    files[f"app/{deep}/leaf.py"] = "from app import a\n"
    root = make_project(files)
    out = tmp_path / "out"
    r = run_cli(["analyze", str(root), "--out", str(out)], tmp_path)
    assert r.returncode == 0, r.stderr
    names = modules(out)
    assert f"app.{long}" in names
    assert "app." + deep.replace("/", ".") + ".leaf" in names


def test_folders_nested_beyond_the_limit_are_a_diagnostic(make_project: Any) -> None:
    root = make_project(BASE)
    folder = root / "app"
    for _ in range(70):
        folder = folder / "d"
    folder.mkdir(parents=True)
    (folder / "deep.py").write_text("X = 1\n")
    project = discover(root)
    assert any(d.code == "DEC006" and "too deep" in d.message for d in project.diagnostics)
    assert {"app.a", "app.b"} <= {f.module for f in project.files}


def test_unreadable_file_is_a_read_error(make_project: Any, tmp_path: Path) -> None:
    """chmod 000 does not stop root: as root the test drops to user ``nobody`` in a child."""
    root = make_project(BASE)
    (root / "app" / "locked.py").write_text("import os\n")
    os.chmod(root / "app" / "locked.py", 0)
    if os.geteuid() != 0:
        project = discover(root)
        facts = collect_facts(project, FactCache(tmp_path / "c"), jobs=1)
        locked = next(f for f in facts.facts if f.source.module == "app.locked")
        assert locked.status == "read_error"
        assert [(d.path, d.code) for d in locked.diagnostics] == [("app/locked.py", "DEC003")]
        return
    # As root, chmod does not bind: run the CLI as root without the capabilities that bypass
    # file permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), via util-linux setpriv.
    setpriv = shutil.which("setpriv")
    drop = [setpriv or "setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    probe = None
    if setpriv:
        probe = subprocess.run(
            [*drop, sys.executable, "-c", f"open({str(root / 'app' / 'locked.py')!r}).read()"],
            capture_output=True,
            text=True,
        )
    if probe is None or "PermissionError" not in probe.stderr:
        pytest.skip(
            "running as root without a way to drop CAP_DAC_OVERRIDE (setpriv), so an "
            "unreadable file cannot be simulated: chmod 000 does not stop root"
        )
    out = tmp_path / "out"
    cmd = [*drop, sys.executable, "-m", "decompose", "analyze", str(root), "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "app/locked.py:1:1: DEC003 cannot read file" in r.stderr
    assert modules(out) >= {"app.a", "app.b", "app.locked"}
    strict = subprocess.run([*cmd, "--strict"], capture_output=True, text=True, timeout=120)
    assert strict.returncode == 1


def test_output_folder_inside_the_tree_does_not_feed_back(
    make_project: Any, tmp_path: Path
) -> None:
    root = make_project(BASE)
    from decompose.discover import DEFAULT_EXCLUDES

    assert "decompose-out/" in DEFAULT_EXCLUDES  # the default output folder is never read
    for out_name in ("reports",):
        first = run_cli(["analyze", ".", "--out", out_name], root)
        assert first.returncode == 0, first.stderr
        before = {p.name: p.read_bytes() for p in (root / out_name).iterdir()}
        second = run_cli(["analyze", ".", "--out", out_name], root)
        assert second.returncode == 0, second.stderr
        after = {p.name: p.read_bytes() for p in (root / out_name).iterdir()}
        assert before == after  # the outputs of the first run are not inputs of the second


def test_scaffold_output_inside_the_tree_is_code_like_any_other(
    make_project: Any, tmp_path: Path
) -> None:
    """Scaffolded services are code the team will edit: a later run analyzes them under their
    own module names (the original modules keep theirs) unless ``exclude`` names the folder."""
    root = make_project(BASE)
    first = run_cli(["analyze", ".", "--out", str(tmp_path / "o1")], root)
    assert first.returncode == 0, first.stderr
    sc = run_cli(["scaffold", ".", "--out", "services", "--no-openapi"], root)
    if sc.returncode == 2 and "No such command" in sc.stderr:
        pytest.skip("decompose scaffold is not available")
    assert sc.returncode == 0, sc.stderr
    assert any((root / "services").rglob("*.py"))
    second = run_cli(["analyze", ".", "--out", str(tmp_path / "o2")], root)
    assert second.returncode == 0, second.stderr
    before, after = modules(tmp_path / "o1"), modules(tmp_path / "o2")
    assert before < after

    def paths(out: Path) -> dict[str, str]:
        g = json.loads((out / "graph.json").read_text())
        return {m["name"]: m["path"] for m in g["modules"]}

    # The originals keep their files; the copies inside the scaffold are named as conflicts.
    assert {m: paths(tmp_path / "o2")[m] for m in before} == paths(tmp_path / "o1")
    conflicts = [d for d in diagnostics(tmp_path / "o2") if d["code"] == "DEC012"]
    assert conflicts and all(d["path"].startswith("services/") for d in conflicts)
    (root / "decompose.toml").write_text('exclude = ["services/"]\n')
    third = run_cli(["analyze", ".", "--out", str(tmp_path / "o3")], root)
    assert third.returncode == 0, third.stderr
    assert modules(tmp_path / "o3") == before
