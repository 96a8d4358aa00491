"""Liveness and readiness of a scaffolded service whose peer is down (tester4 finding F6).

A module the service serves calls another service at import time. With that peer down, the
import waits ``DECOMPOSE_RPC_CONNECT_WAIT`` seconds (30 by default) per call. Before the fix the
import ran in the server's start-up, so ``/live`` gave no answer for that long, and each
``/health`` retried the import, so it took as long to say 503. Checked with real uvicorn
servers on 127.0.0.1 and the compose file's own healthcheck command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from conftest import reserve_port, spawn_uvicorn

from decompose.cli import main

PROJECT = {
    "app/__init__.py": "",
    "app/peer.py": """
        def ping():
            return 41
    """,
    "app/core.py": """
        from app.peer import ping

        ANSWER = ping() + 1  # a call to the peer service at import time


        def put(key):
            return [key, ANSWER]
    """,
    "app/front.py": """
        from app.core import put


        def handle(x):
            return put(x)
    """,
    "boundaries.json": json.dumps(
        {
            "services": {"core": ["app.core"], "peer": ["app.peer"], "front": ["app.front"]},
            "shared_kernel": ["app"],
        }
    ),
}


def _start(src: Path, service: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    return spawn_uvicorn(port, src, dict(env, DECOMPOSE_SERVICE=service), log)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def scaffold(make_project, runner: CliRunner, tmp_path: Path) -> Path:
    project = make_project(PROJECT)
    out = tmp_path / "out"
    res = runner.invoke(
        main,
        ["scaffold", str(project), "--boundaries", str(project / "boundaries.json")]
        + ["--out", str(out), "--no-cache", "--no-openapi"],
    )
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for p in started:
        _stop(p)


def test_live_answers_at_once_and_health_fails_fast_while_a_peer_is_down(
    scaffold: Path, procs: list[subprocess.Popen], tmp_path: Path
) -> None:
    core_port, peer_port = reserve_port(), reserve_port()  # nothing listens on peer_port yet
    env = dict(
        os.environ,
        CORE_SERVICE_URL=f"http://127.0.0.1:{core_port}",
        PEER_SERVICE_URL=f"http://127.0.0.1:{peer_port}",
    )
    env.pop("DECOMPOSE_RPC_CONNECT_WAIT", None)  # the default: 30 s of retries per call
    env.pop("DECOMPOSE_READY_WAIT", None)
    url = f"http://127.0.0.1:{core_port}"
    started = time.monotonic()
    procs.append(_start(scaffold / "services/core/src", "core", core_port, env, tmp_path / "c.log"))
    # liveness: the process answers as soon as uvicorn listens (interpreter and FastAPI start
    # take a few seconds on a loaded 2-core machine; the import it is not waiting for takes 30)
    while True:
        try:
            live = httpx.get(url + "/live", timeout=2)
            break
        except httpx.HTTPError:
            assert procs[0].poll() is None, (tmp_path / "c.log").read_text()
            assert time.monotonic() - started < 12, "/live did not answer while a peer is down"
            time.sleep(0.1)
    assert live.status_code == 200 and live.json()["status"] == "alive"

    # readiness: 503 at once, naming the module still importing; not once per 30 s
    for _ in range(3):
        t0 = time.monotonic()
        health = httpx.get(url + "/health", timeout=10)
        took = time.monotonic() - t0
        assert health.status_code == 503, health.text
        assert "app.core" in health.json()["failed"]
        assert took < 2.5, f"/health took {took:.1f} s with a peer down"

    # the compose healthcheck fails fast too (a probe, not a hang)
    compose = (scaffold / "docker-compose.yaml").read_text()
    match = re.search(r"healthcheck:\n(?:\s+#.*\n)*\s+test: (\[.*\])", compose)
    assert match, compose
    probe = json.loads(match.group(1))[3].replace("http://localhost:8000", url)
    t0 = time.monotonic()
    rc = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=30).returncode
    assert rc != 0 and time.monotonic() - t0 < 5
    assert re.search(r"healthcheck:(?:.|\n)*?\n\s+timeout: \d+s", compose)

    # the peer comes up: the import in flight gets through, and the service turns ready
    procs.append(_start(scaffold / "services/peer/src", "peer", peer_port, env, tmp_path / "p.log"))
    deadline = time.monotonic() + 20
    while True:
        health = httpx.get(url + "/health", timeout=10)
        if health.status_code == 200:
            break
        assert time.monotonic() < deadline, health.text
        time.sleep(0.2)
    assert health.json() == {"service": "core", "status": "ok"}
    call = httpx.post(url + "/_rpc/app.core/put", json={"key": "k"}, timeout=10)
    assert call.status_code == 200 and call.json()["result"] == ["k", 42]
