"""Shared fixtures: tiny projects on disk, the shared extraction cases, the CLI runner."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
CASES = Path(os.environ.get("DECOMPOSE_CASES", REPO.parent / "shared" / "cases"))

MakeProject = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test gets its own fact cache, never the user's."""
    monkeypatch.setenv("DECOMPOSE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def _fresh_cli_state() -> None:
    """--quiet/--verbose/--debug stick to the CLI's class-level state across in-process
    invocations (CliRunner): every test starts from the defaults."""
    from decompose.cli import _State

    _State.quiet = _State.verbose = _State.debug = False


def service_config(names: str, interface: str = "*") -> str:
    """``[tool.decompose]`` text declaring one service per letter of ``names``: service ``n``
    owns ``app.n.*`` and exposes ``app.n.<interface>``; no kernel."""
    out = "[tool.decompose]\nkernel = []\n"
    for n in names:
        out += f'[tool.decompose.services.{n}]\nmodules = ["app.{n}.*"]\n'
        out += f'interface = ["app.{n}.{interface}"]\n'
    return out


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Write ``{relative path: source}`` into a fresh folder and return it. ``str`` sources are
    dedented and written as UTF-8; ``bytes`` are written as they are."""

    counter = [0]

    def make(files: dict[str, str | bytes]) -> Path:
        counter[0] += 1
        root = tmp_path / f"proj{counter[0]}"
        root.mkdir()
        for rel, content in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return root

    return make


def copy_case(name: str, dest: Path) -> Path:
    """Copy a shared case into ``dest`` (writable), turning the placeholder files that stand for
    symlinks (a file holding a relative path to an existing folder) back into symlinks."""
    src = CASES / name
    if not src.is_dir():
        if os.environ.get("DECOMPOSE_REQUIRE_CASES"):
            pytest.fail(f"shared cases not found at {CASES}")
        pytest.skip(f"shared cases not found at {CASES} (set DECOMPOSE_CASES to their folder)")
    out = dest / name
    shutil.copytree(src, out, copy_function=shutil.copyfile)
    for dirpath, _dirnames, filenames in os.walk(out):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            p = Path(dirpath) / f
            os.chmod(p, 0o644)
            if "." in f or p.stat().st_size > 200:
                continue
            target = p.read_text(errors="replace").strip()
            if target and (p.parent / target).resolve().is_dir():
                p.unlink()
                p.symlink_to(target, target_is_directory=True)
    return out


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# Loopback ports reserved by reserve_port(): bound (so no other process, e.g. a parallel test's
# server, can take them) but not listening (connections are refused) until a server gets them.
_RESERVED: dict[int, socket.socket] = {}


def reserve_port() -> int:
    """A free loopback TCP port, held bound by this process until :func:`spawn_uvicorn` hands it
    to a server. Choosing a port by binding and closing a socket let two parallel tests pick the
    same one: a readiness probe then reached the other test's server."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    _RESERVED[port] = sock
    return port


def spawn_uvicorn(
    port: int, cwd: Path, env: dict[str, str], log: Path, app: str = "decompose_service.app:app"
) -> subprocess.Popen[bytes]:
    """Start ``uvicorn app`` in ``cwd`` serving on a port from :func:`reserve_port`, through the
    reserved socket (``--fd``), so nothing else can be listening there; output goes to ``log``."""
    sock = _RESERVED.pop(port)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--fd", str(sock.fileno())]
            + ["--log-level", "warning"],
            cwd=cwd,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
        )
    finally:
        sock.close()  # the server has its own copy
