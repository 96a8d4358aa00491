"""Time predictly's end-to-end scenario: the monolith vs the scaffolded split.

Scaffolds ``samples/predictly`` (the boundaries ``analyze`` proposes, or ``--truth``), then for
each of ``--repeat`` rounds, on fresh state (a new database and model folder):

- starts the monolith with uvicorn on 127.0.0.1 and times the scenario against it;
- starts every service and the gateway with uvicorn on 127.0.0.1 and times the scenario
  through the gateway.

Each time is the wall time of the client process (``python -c 'scenario.run(...)'``, so about
0.2 s of interpreter start-up is included) and, separately, the time of ``scenario.run`` alone.
The records of the split are compared with the monolith's, so a fast but wrong run shows up.

Usage::

    .venv/bin/python bench/scaffold_bench.py [--repeat 3] [--truth] [--profile DIR]

``--profile DIR`` runs every server under cProfile (``DIR/<name>.prof``; slower, for reading
where the time goes, not for the table).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "predictly"

_SCENARIO = """
import json, sys, time
import httpx
sys.path.insert(0, sys.argv[1])
import scenario
with httpx.Client(base_url=sys.argv[2], timeout=180) as client:
    t = time.perf_counter()
    records = scenario.run(client)
    print(json.dumps({"run_s": time.perf_counter() - t, "records": records}))
"""
_PROFILED = """
import cProfile, runpy, signal, sys
out = sys.argv.pop(1)
prof = cProfile.Profile()
def stop(*_):
    prof.disable(); prof.dump_stats(out); sys.exit(0)
signal.signal(signal.SIGTERM, stop)
sys.argv = ["uvicorn", *sys.argv[1:]]
prof.enable()
try:
    runpy.run_module("uvicorn", run_name="__main__")
finally:
    stop()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(state: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PREDICTLY_DB=str(state / "predictly.db"),
        PREDICTLY_MODEL_DIR=str(state / "models"),
        PREDICTLY_DATA_DIR=str(SAMPLE / "data"),
        PYTHONHASHSEED="0",
        DECOMPOSE_RPC_PICKLE="1",
    )
    return env


class Servers:
    """Uvicorn subprocesses on loopback; stopped on exit."""

    def __init__(self, profile: Path | None) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.profile = profile

    def spawn(self, name: str, cwd: Path, port: int, env: dict[str, str]) -> None:
        args = ["decompose_service.app:app" if name != "monolith" else "predictly.api.app:app"]
        args += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        if self.profile:
            cmd = [sys.executable, "-c", _PROFILED, str(self.profile / f"{name}.prof"), *args]
        else:
            cmd = [sys.executable, "-m", "uvicorn", *args]
        self.procs.append(subprocess.Popen(cmd, cwd=cwd, env=env))

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *_: object) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _wait_port(port: int, deadline: float) -> None:
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"port {port} did not open") from None
            time.sleep(0.05)


def _wait_health(port: int, path: str, deadline: float) -> None:
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"service on port {port} did not start")
        time.sleep(0.05)


def _scenario(url: str) -> tuple[float, float, list[object]]:
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _SCENARIO, str(SAMPLE), url],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    wall = time.perf_counter() - t
    data = json.loads(out.stdout)
    return wall, float(data["run_s"]), list(data["records"])


def _monolith(state: Path, profile: Path | None) -> tuple[float, float, list[object]]:
    with Servers(profile) as servers:
        port = _free_port()
        servers.spawn("monolith", SAMPLE, port, _env(state))
        _wait_port(port, time.monotonic() + 60)
        return _scenario(f"http://127.0.0.1:{port}")


def _split(out: Path, state: Path, profile: Path | None) -> tuple[float, float, list[object]]:
    services = sorted(p.name for p in (out / "services").iterdir())
    ports = {s: _free_port() for s in services}
    env = _env(state)
    for s, port in ports.items():
        env[f"{s.upper()}_SERVICE_URL"] = f"http://127.0.0.1:{port}"
    health = json.loads((out / "scaffold-report.json").read_text())["health_path"]
    with Servers(profile) as servers:
        for s, port in ports.items():
            servers.spawn(s, out / "services" / s / "src", port, dict(env, DECOMPOSE_SERVICE=s))
        deadline = time.monotonic() + 120
        for port in ports.values():
            _wait_health(port, health, deadline)
        gport = _free_port()
        servers.spawn("gateway", out / "gateway" / "src", gport, env)
        _wait_port(gport, deadline)
        return _scenario(f"http://127.0.0.1:{gport}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--truth", action="store_true", help="use truth.json boundaries")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of every server here")
    parser.add_argument("--keep", type=Path, help="write the scaffold here (kept), or reuse it")
    parser.add_argument("--split-only", action="store_true", help="time the split only")
    args = parser.parse_args()

    from decompose.config import load_config
    from decompose.outputs import write_files
    from decompose.pipeline import analyze, load_graph, make_cache
    from decompose.scaffold import plan_from_boundaries, plan_scaffold

    config = load_config(SAMPLE)
    if args.keep and (args.keep / "scaffold-report.json").exists():
        result = None
    elif args.truth:
        _, graph, _ = load_graph(SAMPLE, config, make_cache(config, None, True))
        plan = plan_from_boundaries(graph, SAMPLE / "truth.json", config.analyze)
        result = plan_scaffold(SAMPLE, graph, plan, boundaries_source="truth.json")
    else:
        analysis = analyze(SAMPLE, config, cache=make_cache(config, None, True))
        result = plan_scaffold(SAMPLE, analysis.graph, analysis.plan)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[tuple[float, float]]] = {"monolith": [], "split": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp) / "out"
        if result is not None:
            write_files(out, result.files)
        print(f"services: {', '.join(sorted(p.name for p in (out / 'services').iterdir()))}")
        want: list[object] | None = None
        for i in range(args.repeat):
            if not args.split_only or want is None:
                wall_m, run_m, want = _monolith(Path(tmp) / f"m{i}", args.profile)
            wall_s, run_s, got = _split(out, Path(tmp) / f"s{i}", args.profile)
            if got != want:
                raise SystemExit("the split answered differently from the monolith")
            rows["monolith"].append((wall_m, run_m))
            rows["split"].append((wall_s, run_s))
            print(
                f"round {i + 1}: monolith {wall_m:.2f} s ({run_m:.2f}), "
                f"split {wall_s:.2f} s ({run_s:.2f})",
                flush=True,
            )
    med = {
        k: (statistics.median(w for w, _ in v), statistics.median(r for _, r in v))
        for k, v in rows.items()
    }
    print(
        f"median wall: monolith {med['monolith'][0]:.2f} s, split {med['split'][0]:.2f} s, "
        f"ratio {med['split'][0] / med['monolith'][0]:.1f}x"
    )
    print(
        f"median scenario.run only: monolith {med['monolith'][1]:.3f} s, "
        f"split {med['split'][1]:.3f} s, ratio {med['split'][1] / med['monolith'][1]:.1f}x"
    )


if __name__ == "__main__":
    main()
