"""Stand-ins keep the names their service imports from them (tester7 finding S1).

txtai's ``txtai.database.sql/__init__.py`` re-exports ``from .aggregate import Aggregate``. The
stand-in of that package ``__init__`` kept only its docstring (the import line looked unused),
so the scaffolded ``data`` and ``image`` services died at start-up with ``ImportError: cannot
import name 'Aggregate'``. The made-up project below has the same shape: a router in ``front``
imports a re-exported class directly, and through a class copied from another service, and the
re-export is itself a chain of two package ``__init__`` files. The service is started with real
uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from conftest import reserve_port, spawn_uvicorn

from decompose.cli import main

PROJECT = {
    "shop/__init__.py": "",
    "shop/db/__init__.py": '"""The db package."""\nfrom .sql import Aggregate\n',
    "shop/db/sql/__init__.py": """
        \"\"\"SQL helpers.\"\"\"
        from .agg import Aggregate
        from .unused import Other
    """,
    "shop/db/sql/agg.py": """
        class Aggregate:
            def total(self, values):
                return sum(values)
    """,
    "shop/db/sql/unused.py": """
        class Other:
            pass
    """,
    "shop/db/store.py": """
        from .sql import Aggregate


        def save(values):
            return Aggregate().total(values)
    """,
    "shop/cluster.py": """
        from .db import Aggregate


        class Cluster:
            def run(self, values):
                return Aggregate().total(values) * 10
    """,
    "shop/front.py": """
        from fastapi import APIRouter

        from shop.cluster import Cluster
        from shop.db import Aggregate
        from shop.db.store import save

        router = APIRouter()


        @router.get("/total")
        def total(n: int = 3):
            values = list(range(n))
            return {"local": Aggregate().total(values), "cluster": Cluster().run(values),
                    "saved": save(values)}
    """,
    "shop/app.py": """
        from fastapi import FastAPI

        from shop.front import router

        app = FastAPI()
        app.include_router(router)
    """,
    "boundaries.json": json.dumps(
        {
            "services": {
                "front": ["shop.front"],
                "db": [
                    "shop.db",
                    "shop.db.sql",
                    "shop.db.sql.agg",
                    "shop.db.sql.unused",
                    "shop.db.store",
                    "shop.cluster",
                ],
                "web": ["shop.app"],
            },
            "shared_kernel": ["shop"],
        }
    ),
}


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for p in started:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _scaffold(runner: CliRunner, project: Path, out: Path, *extra: str) -> str:
    res = runner.invoke(
        main,
        ["scaffold", str(project), "--boundaries", str(project / "boundaries.json")]
        + ["--out", str(out), "--no-cache", "--no-openapi", *extra],
    )
    assert res.exit_code == 0, res.output
    return res.output


def _wait_live(url: str, proc: subprocess.Popen, log: Path) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url + "/live", timeout=2)
        except httpx.HTTPError:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.1)


def test_stand_ins_keep_reexported_names_and_the_service_starts(
    make_project, runner: CliRunner, tmp_path: Path, procs: list[subprocess.Popen]
) -> None:
    project = make_project(PROJECT)
    out = tmp_path / "out"
    _scaffold(runner, project, out)
    src = out / "services/front/src"
    # the package stand-ins keep the re-export the service imports, and only that one
    db_init = (src / "shop/db/__init__.py").read_text()
    sql_init = (src / "shop/db/sql/__init__.py").read_text()
    assert "from .sql import Aggregate" in db_init
    assert "from .agg import Aggregate" in sql_init
    assert "Other" not in sql_init and not (src / "shop/db/sql/unused.py").exists()
    assert (src / "shop/db/sql/agg.py").is_file()

    db_port, front_port = reserve_port(), reserve_port()
    env = dict(
        os.environ,
        DB_SERVICE_URL=f"http://127.0.0.1:{db_port}",
        FRONT_SERVICE_URL=f"http://127.0.0.1:{front_port}",
        DECOMPOSE_RPC_CONNECT_WAIT="20",
    )
    for name, port in (("db", db_port), ("front", front_port)):
        log = tmp_path / f"{name}.log"
        procs.append(
            spawn_uvicorn(
                port, out / "services" / name / "src", dict(env, DECOMPOSE_SERVICE=name), log
            )
        )
    for (name, port), proc in zip((("db", db_port), ("front", front_port)), procs, strict=True):
        url = f"http://127.0.0.1:{port}"
        live = _wait_live(url, proc, tmp_path / f"{name}.log")
        assert live.status_code == 200 and live.json()["status"] == "alive"
        deadline = time.monotonic() + 20
        while (health := httpx.get(url + "/health", timeout=10)).status_code != 200:
            assert time.monotonic() < deadline, health.text
            time.sleep(0.2)
        assert health.json() == {"service": name, "status": "ok"}
    # the monolith's route, served by front: a local class copy, a copied class that uses the
    # re-export, and a network call to db
    got = httpx.get(f"http://127.0.0.1:{front_port}/total", params={"n": 4}, timeout=30)
    assert got.status_code == 200, got.text
    assert got.json() == {"local": 6, "cluster": 60, "saved": 6}


def test_service_option_writes_only_the_named_services(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    project = make_project(PROJECT)
    full, one = tmp_path / "full", tmp_path / "one"
    _scaffold(runner, project, full)
    output = _scaffold(runner, project, one, "--service", "front")
    assert sorted(p.name for p in (one / "services").iterdir()) == ["front"]
    assert not (one / "gateway").exists()
    # the same bytes as in the full scaffold
    for f in sorted((one / "services/front").rglob("*")):
        if f.is_file():
            assert f.read_bytes() == (full / f.relative_to(one)).read_bytes(), f
    assert "front" in output
    bad = runner.invoke(
        main,
        ["scaffold", str(project), "--boundaries", str(project / "boundaries.json")]
        + ["--out", str(tmp_path / "bad"), "--no-cache", "--service", "nope"],
    )
    assert bad.exit_code == 2 and "nope" in bad.output and "front" in bad.output


def test_shim_keeps_requested_reexports_and_optional_import_flags() -> None:
    """txtai's faiss module: ``try: from faiss import ...; FAISS = True / except ImportError:
    FAISS = False``, a class that reads ``FAISS``, and a factory that re-imports ``FAISS``."""
    from decompose.scaffold_rewrite import analyze_module, import_bindings, make_shim

    source = (
        "import json\n"
        "from .agg import Aggregate\n"
        "try:\n"
        "    from faiss import index_factory\n"
        "    FAISS = True\n"
        "except ImportError:\n"
        "    FAISS = False\n"
        "class Index:\n"
        "    def ok(self):\n"
        "        return FAISS\n"
    )
    info = analyze_module(source)
    plain = make_shim(source, "pkg.index", "dense", info, "service")[0]
    assert "FAISS = True" in plain and "FAISS = False" in plain  # the class needs the flag
    assert "Aggregate" not in plain and "json" not in plain
    assert {"json", "Aggregate", "index_factory", "FAISS"} <= import_bindings(source)
    kept = make_shim(source, "pkg.index", "dense", info, "service", {"Aggregate"})[0]
    assert "from .agg import Aggregate" in kept and "json" not in kept
    star = make_shim(source, "pkg.index", "dense", info, "service", {"*"})[0]
    assert "import json" in star and "from .agg import Aggregate" in star
