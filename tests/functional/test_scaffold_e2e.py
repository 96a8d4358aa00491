"""The proof: the scaffold of the predictly sample boots and answers like the monolith.

Each test scaffolds ``samples/predictly`` (with its ground-truth boundaries, then with the
boundaries ``analyze`` proposes), starts every service and the gateway with uvicorn on loopback
ports (subprocesses, no Docker), runs the sample's end-to-end scenario through the gateway and
compares the records with the monolith's own run. Nothing is excluded: the process-local state the
sample's README warns about (metrics counters, maintenance mode, job table, caches) is routed to
its owner by the scaffold, and the comparison covers those steps too.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from conftest import reserve_port, spawn_uvicorn

from decompose.config import load_config
from decompose.outputs import write_files
from decompose.pipeline import analyze, load_graph, make_cache
from decompose.scaffold import plan_from_boundaries, plan_scaffold

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "predictly"

_MONOLITH = """
import json, sys
sys.path.insert(0, sys.argv[1])
from fastapi.testclient import TestClient
from predictly.api.app import create_app
import scenario
with TestClient(create_app()) as client:
    print(json.dumps(scenario.run(client)))
"""
_SCENARIO = """
import json, sys
import httpx
sys.path.insert(0, sys.argv[1])
import scenario
with httpx.Client(base_url=sys.argv[2], timeout=180) as client:
    print(json.dumps(scenario.run(client)))
"""


def _app_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PREDICTLY_DB=str(tmp / "predictly.db"),
        PREDICTLY_MODEL_DIR=str(tmp / "models"),
        PREDICTLY_DATA_DIR=str(SAMPLE / "data"),
        PYTHONHASHSEED="0",
    )
    return env


@pytest.fixture(scope="module")
def monolith_records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    """The scenario against the monolith itself (fresh state, in a subprocess)."""
    tmp = tmp_path_factory.mktemp("monolith")
    out = subprocess.run(
        [sys.executable, "-c", _MONOLITH, str(SAMPLE)],
        env=_app_env(tmp),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    records: list[dict[str, object]] = json.loads(out.stdout)
    return records


Launcher = Callable[[Path, Path], str]


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    """Start every service of a scaffold, then its gateway; return the gateway URL. The
    finaliser always stops every process it started."""
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []

    def start(out: Path, state: Path) -> str:
        services = sorted(p.name for p in (out / "services").iterdir())
        ports = {s: reserve_port() for s in services}
        env = _app_env(state)
        env.update(DECOMPOSE_RPC_PICKLE="1", DECOMPOSE_RPC_CONNECT_WAIT="90")
        for s, port in ports.items():
            env[f"{s.upper()}_SERVICE_URL"] = f"http://127.0.0.1:{port}"
        health = json.loads((out / "scaffold-report.json").read_text())["health_path"]

        def spawn(name: str, cwd: Path, port: int, extra: dict[str, str]) -> None:
            log = tmp_path / f"{name}.log"
            logs.append(log)
            procs.append(spawn_uvicorn(port, cwd, dict(env, **extra), log))

        for s, port in ports.items():
            spawn(s, out / "services" / s / "src", port, {"DECOMPOSE_SERVICE": s})
        deadline = time.monotonic() + 120
        for s, port in ports.items():
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}{health}").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or procs[services.index(s)].poll() is not None:
                    pytest.fail(
                        f"service {s} did not start:\n"
                        + "\n".join(p.read_text(errors="replace")[-3000:] for p in logs)
                    )
                time.sleep(0.1)
        gport = reserve_port()
        spawn("gateway", out / "gateway" / "src", gport, {})
        # wait for the port only: an HTTP probe would be counted by the monolith's middleware
        while True:
            try:
                socket.create_connection(("127.0.0.1", gport), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or procs[-1].poll() is not None:
                    pytest.fail("gateway did not start:\n" + logs[-1].read_text(errors="replace"))
                time.sleep(0.1)
        return f"http://127.0.0.1:{gport}"

    yield start
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _scenario(url: str) -> list[dict[str, object]]:
    out = subprocess.run(
        [sys.executable, "-c", _SCENARIO, str(SAMPLE), url],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    records: list[dict[str, object]] = json.loads(out.stdout)
    return records


def _compare(got: list[dict[str, object]], want: list[dict[str, object]]) -> None:
    assert len(got) == len(want) == 35
    for g, w in zip(got, want, strict=True):
        assert g == w, f"{w['method']} {w['path']}: split {g} != monolith {w}"
    # the steps that depend on process-local state are in the comparison, and they did happen
    paths = [(r["path"], r["status"]) for r in want]
    assert ("/predict", 503) in paths
    metrics = next(r for r in want if r["path"] == "/admin/metrics" and r["status"] == 200)
    assert metrics["body"]["counters"]["http_requests_total"] > 0  # type: ignore[index]


def _assert_headers_once(url: str) -> None:
    """Forwarded responses carry each server-generated header once, as the monolith's do: the
    gateway drops the service's date, server and framing headers before its own server adds
    them."""
    # /health and /models are the monolith's routes, forwarded to the services that own them
    for path in ("/health", "/models"):
        resp = httpx.get(url + path)
        for name in ("date", "server", "content-length"):
            assert len(resp.headers.get_list(name)) == 1, (path, name, resp.headers.raw)
        assert "transfer-encoding" not in resp.headers or "content-length" not in resp.headers


def test_truth_boundaries_answer_like_the_monolith(
    tmp_path: Path, launch: Launcher, monolith_records: list[dict[str, object]]
) -> None:
    config = load_config(SAMPLE)
    _, graph, _ = load_graph(SAMPLE, config, make_cache(config, None, True))
    plan = plan_from_boundaries(graph, SAMPLE / "truth.json", config.analyze)
    result = plan_scaffold(SAMPLE, graph, plan, boundaries_source="truth.json")
    assert "gateway" in result.services  # truth's own thin gateway service, not the proxy
    out = tmp_path / "out"
    write_files(out, result.files)
    url = launch(out, tmp_path / "state")
    _compare(_scenario(url), monolith_records)
    _assert_headers_once(url)


def test_proposed_boundaries_answer_like_the_monolith(
    tmp_path: Path, launch: Launcher, monolith_records: list[dict[str, object]]
) -> None:
    config = load_config(SAMPLE)
    analysis = analyze(SAMPLE, config, cache=make_cache(config, None, True))
    result = plan_scaffold(SAMPLE, analysis.graph, analysis.plan)
    assert len(result.services) >= 3
    out = tmp_path / "out"
    write_files(out, result.files)
    url = launch(out, tmp_path / "state")
    _compare(_scenario(url), monolith_records)
    _assert_headers_once(url)
