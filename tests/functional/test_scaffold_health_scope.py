"""What a scaffolded service ships and how it reports itself (tester findings N7, N8).

- A service ships stand-ins only for the first-party modules its own code imports
  (transitively), and its dependencies are the distributions the modules it ships import.
- ``/health`` is readiness: 503 naming each module it serves that fails to import, 200 once
  they import; ``/live`` is liveness; the docker-compose healthcheck uses readiness. Checked
  with a real uvicorn on 127.0.0.1 and the compose file's own healthcheck command.
"""

from __future__ import annotations

import ast
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
from decompose.scaffold import distribution_of
from decompose.scaffold_rewrite import imported_modules

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "predictly"
BASE = {"fastapi", "httpx", "pydantic", "uvicorn"}

SCOPE = {
    "pkg/__init__.py": "",
    "pkg/util.py": """
        def clean(s):
            return s.strip()
    """,
    "pkg/lean.py": """
        from pkg.util import clean


        def tidy(s):
            return clean(s)
    """,
    "pkg/heavy.py": """
        import torchish
        from sklearn.linear_model import LogisticRegression


        class Model(LogisticRegression):
            def fit_more(self, x):
                return torchish.tensor(x)


        def train(x):
            return Model().fit_more(x)
    """,
    "pkg/other.py": """
        from pkg.heavy import Model, train
        from pkg.lean import tidy


        def run(x):
            assert isinstance(train(x), object)
            return Model, tidy(x)
    """,
    "boundaries.json": json.dumps(
        {
            "services": {
                "lean": ["pkg.lean", "pkg.util"],
                "heavy": ["pkg.heavy"],
                "other": ["pkg.other"],
            },
            "shared_kernel": ["pkg"],
        }
    ),
}


def _scaffold(runner: CliRunner, project: Path, boundaries: Path, out: Path) -> dict[str, object]:
    res = runner.invoke(
        main,
        [
            "scaffold",
            str(project),
            "--boundaries",
            str(boundaries),
            "--out",
            str(out),
            "--no-cache",
            "--no-openapi",
        ],
    )
    assert res.exit_code == 0, res.output
    report: dict[str, object] = json.loads((out / "scaffold-report.json").read_text())
    return report


def _shipped(src: Path) -> dict[str, tuple[Path, bool]]:
    """``{module: (file, is_package)}`` of the project modules in a service's ``src``."""
    out: dict[str, tuple[Path, bool]] = {}
    for p in src.rglob("*.py"):
        rel = p.relative_to(src)
        if rel.parts[0] == "decompose_service":
            continue
        parts = list(rel.with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (p, is_pkg)
    return out


def _check_service(out: Path, service: str, own: list[str], kernel: list[str], data: dict) -> None:
    """Every stand-in is reached from the service's own and kernel modules through the imports
    of the code it ships (plus parent packages), and the dependencies are exactly the
    distributions that shipped code imports."""
    shipped = _shipped(out / "services" / service / "src")
    first_party = {m.split(".")[0] for m in shipped}
    seen = {m for m in [*own, *kernel] if m in shipped}
    todo = list(seen)
    wanted: set[str] = set()
    while todo:
        m = todo.pop()
        path, is_pkg = shipped[m]
        deps = imported_modules(path.read_text(), m, is_pkg)
        deps |= {".".join(m.split(".")[:i]) for i in range(1, m.count(".") + 1)}
        for d in deps:
            if d in shipped and d not in seen:
                seen.add(d)
                todo.append(d)
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                dist = distribution_of(name)
                if dist and name.split(".")[0] not in first_party | {"decompose_service"}:
                    wanted.add(dist)
    shims = set(data["shims"])
    assert shims <= seen, f"{service}: stand-ins nothing imports: {sorted(shims - seen)}"
    assert set(shipped) == seen, f"{service}: unreachable files {sorted(set(shipped) - seen)}"
    # requirement lines may carry the project's declared extras and versions: compare names
    declared = {
        re.split(r"[\[<>=~!; ]", d, maxsplit=1)[0]
        for d in data["dependencies"] + data["optional_dependencies"]
    }
    assert declared - BASE == wanted - BASE, service


def test_a_service_ships_what_its_code_imports_and_depends_on_that_only(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    """Regression (N8): every service shipped a stand-in for every module defining a class and
    listed the whole project's dependencies; a stand-in's ``from a.b import C`` was not counted."""
    project = make_project(SCOPE)
    out = tmp_path / "out"
    report = _scaffold(runner, project, project / "boundaries.json", out)
    services = report["services"]
    assert isinstance(services, dict)
    lean, other = services["lean"], services["other"]
    assert "pkg.heavy" not in lean["shims"]  # lean never imports it
    assert set(lean["dependencies"]) == BASE
    # other imports pkg.heavy: its stand-in copies Model(LogisticRegression), which needs both
    assert "pkg.heavy" in other["shims"]
    assert {"scikit-learn", "torchish"} <= set(other["dependencies"])
    for s, data in services.items():
        _check_service(out, s, data["modules"], report["kernel"], data)  # type: ignore[arg-type]


def test_predictly_services_ship_only_their_import_closure(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    report = _scaffold(runner, SAMPLE, SAMPLE / "truth.json", out)
    services = report["services"]
    assert isinstance(services, dict)
    for s, data in services.items():
        _check_service(out, s, data["modules"], report["kernel"], data)  # type: ignore[arg-type]
    # the services differ in what they need: not one list copied to every row
    assert len({tuple(d["dependencies"]) for d in services.values()}) > 1


# ---------------------------------------------------------------------------- readiness
READY = {
    "app/__init__.py": "",
    "app/core.py": """
        import os
        import pathlib

        if not pathlib.Path(os.environ.get("CORE_READY_FLAG", "/nonexistent")).exists():
            import not_installed_anywhere_xyz  # noqa: F401


        def put(key):
            return key
    """,
    "app/front.py": """
        from app.core import put


        def handle(x):
            return put(x)
    """,
    "boundaries.json": json.dumps(
        {"services": {"core": ["app.core"], "front": ["app.front"]}, "shared_kernel": ["app"]}
    ),
}


@pytest.fixture
def core_service(
    make_project, runner: CliRunner, tmp_path: Path
) -> Iterator[tuple[str, Path, Path]]:
    """The scaffolded ``core`` service under a real uvicorn: (url, ready flag, scaffold)."""
    project = make_project(READY)
    out = tmp_path / "out"
    _scaffold(runner, project, project / "boundaries.json", out)
    flag = tmp_path / "core-ready"
    port = reserve_port()
    env = dict(os.environ, DECOMPOSE_SERVICE="core", CORE_READY_FLAG=str(flag))
    proc = spawn_uvicorn(port, out / "services/core/src", env, tmp_path / "core.log")
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/live")
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, (
                    tmp_path / "core.log"
                ).read_text()
                time.sleep(0.1)
        yield url, flag, out
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_health_is_readiness_and_the_compose_healthcheck_uses_it(
    core_service: tuple[str, Path, Path],
) -> None:
    """Regression (N7): /health said ok while every module the service serves failed to
    import, so docker compose reported a broken service as healthy."""
    url, flag, out = core_service
    compose = (out / "docker-compose.yaml").read_text()
    # the compose healthcheck command, run as docker would, against this server
    match = re.search(r"healthcheck:\n\s+test: (\[.*\])", compose)
    assert match, compose
    command = json.loads(match.group(1))
    assert command[:3] == ["CMD", "python", "-c"]
    probe = command[3].replace("http://localhost:8000", url)
    assert "/health" in probe

    def compose_healthy() -> bool:
        return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0

    live = httpx.get(url + "/live")
    assert live.status_code == 200 and live.json()["status"] == "alive"
    resp = httpx.get(url + "/health")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "unavailable" and body["service"] == "core"
    assert "not_installed_anywhere_xyz" in body["failed"]["app.core"]
    assert body["failed"]["app.core"].startswith("ModuleNotFoundError")
    assert not compose_healthy()

    flag.write_text("ready")  # the import works now: readiness retries it
    resp = httpx.get(url + "/health")
    assert resp.status_code == 200 and resp.json() == {"service": "core", "status": "ok"}
    assert compose_healthy()
    # and the interface serves
    call = httpx.post(url + "/_rpc/app.core/put", json={"key": "k"})
    assert call.status_code == 200 and call.json()["result"] == "k"
