"""`decompose scaffold` through the CLI: plan then write, --dry-run, --force, determinism, ruff,
OpenAPI documents and hostile names."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from decompose.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "predictly"

SHOP = {
    "shop/__init__.py": "",
    "shop/app.py": """
        from fastapi import FastAPI

        from shop.api import router


        def create_app():
            app = FastAPI()
            app.include_router(router)
            return app


        app = create_app()
    """,
    "shop/api.py": """
        from fastapi import APIRouter

        from shop.billing import charge
        from shop.stock import reserve

        router = APIRouter(prefix="/orders")


        @router.post("/{sku}")
        def order(sku: str, qty: int = 1):
            reserve(sku, qty)
            return {"sku": sku, "total": charge(sku, qty)}
    """,
    "shop/stock.py": """
        import pandas as pd

        LEVELS = {}


        def reserve(sku: str, qty: int) -> dict:
            LEVELS[sku] = LEVELS.get(sku, 10) - qty
            return {"left": LEVELS[sku]}


        def table() -> pd.DataFrame:
            return pd.DataFrame({"sku": list(LEVELS)})
    """,
    "shop/billing.py": """
        from shop.stock import LEVELS, table


        def charge(sku: str, qty: int) -> float:
            return 2.5 * qty + len(table()) + LEVELS.get(sku, 0) * 0
    """,
    "boundaries.toml": """
        kernel = ["shop"]

        [services.front]
        modules = ["shop.app", "shop.api"]

        [services.stock]
        modules = ["shop.stock"]

        [services.billing]
        modules = ["shop.billing"]
    """,
}


SERVICES = ("billing", "front", "stock")


def _scaffold(runner: CliRunner, project: Path, out: Path, *extra: str) -> object:
    return runner.invoke(
        main,
        [
            "scaffold",
            str(project),
            "--boundaries",
            str(project / "boundaries.toml"),
            "--out",
            str(out),
            "--no-cache",
            *extra,
        ],
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_dry_run_lists_files_and_writes_nothing(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    project = make_project(SHOP)
    out = tmp_path / "out"
    res = _scaffold(runner, project, out, "--dry-run")
    assert res.exit_code == 0, res.output
    assert not out.exists()
    listed = {line.split()[2] for line in res.output.splitlines() if line.startswith("would")}
    for rel in (
        "services/stock/src/shop/stock.py",
        "services/front/src/shop/stock.py",
        "services/stock/src/decompose_service/interface.py",
        "gateway/src/shop/app.py",
        "docker-compose.yaml",
        "scaffold-report.md",
        "scaffold-report.json",
        "services/billing/openapi.json",
        "services/stock/Dockerfile",
        "services/stock/pyproject.toml",
        "services/stock/README.md",
    ):
        assert str(out / rel) in listed, rel


def test_existing_output_needs_force(make_project, runner: CliRunner, tmp_path: Path) -> None:
    project = make_project(SHOP)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    res = _scaffold(runner, project, out, "--no-openapi")
    assert res.exit_code == 2 and "--force" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    res = _scaffold(runner, project, out, "--no-openapi", "--force")
    assert res.exit_code == 0, res.output
    assert (out / "keep.txt").read_text() == "mine"
    assert (out / "services" / "stock" / "src" / "shop" / "stock.py").is_file()


def test_bad_boundaries_file_is_a_usage_error(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    project = make_project(SHOP)
    res = runner.invoke(
        main,
        [
            "scaffold",
            str(project),
            "--boundaries",
            str(tmp_path / "no.toml"),
            "--out",
            str(tmp_path / "o"),
            "--no-cache",
        ],
    )
    assert res.exit_code == 2 and "not found" in res.output


def test_small_project_scaffold_is_complete_and_clean(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    project = make_project(SHOP)
    out = tmp_path / "out"
    res = _scaffold(runner, project, out)
    assert res.exit_code == 0, res.output
    # own modules copied byte for byte, other modules as shims at the same import path
    assert (out / "services/stock/src/shop/stock.py").read_bytes() == (
        project / "shop/stock.py"
    ).read_bytes()
    shim = (out / "services/billing/src/shop/stock.py").read_text()
    assert 'call("stock", "shop.stock", "reserve", locals())' in shim
    assert 'LEVELS = _decompose_rt.Remote("stock", "shop.stock", "LEVELS")' in shim
    # OpenAPI: the interface endpoints with models derived from the annotations
    doc = json.loads((out / "services/stock/openapi.json").read_text())
    assert "/_rpc/shop.stock/reserve" in doc["paths"]
    props = doc["components"]["schemas"]["StockReserveRequest"]["properties"]
    assert {"anyOf": [{"type": "string"}, {"type": "null"}]}.items() <= props["sku"].items()
    front = json.loads((out / "services/front/openapi.json").read_text())
    assert "/orders/{sku}" in front["paths"]
    # dependencies from the import graph, plus what the app needs
    stock_deps = (out / "services/stock/pyproject.toml").read_text()
    assert '"pandas"' in stock_deps and '"fastapi"' in stock_deps
    # report: every call crossing, and the payload flag for the DataFrame
    report = json.loads((out / "scaffold-report.json").read_text())
    calls = {(c["src"], c["dst"]): c["becomes"] for c in report["crossings"]}
    assert calls[("shop.api:order", "shop.stock:reserve")] == "network call"
    assert calls[("shop.billing:charge", "shop.stock:table")] == "network call"
    assert any(
        f["function"] == "shop.stock.table" and f["category"] == "dataframe"
        for f in report["payload_flags"]
    )
    assert report["gateway"]["composition_root"] == "shop.app:app"
    md = (out / "scaffold-report.md").read_text()
    assert "strangler-fig" in md and "network call" in md
    # counts agree in number ("1 call crossings became network calls" before)
    n = report["network_calls"]
    assert (
        "1 call crossing became a network call"
        if n == 1
        else f"{n} call crossings became network calls"
    ) in md
    assert not re.search(r"(?<![\d.])1 (services|call crossings)\b", md)
    # generated code parses; what we wrote passes ruff's defaults, derived files pyflakes
    for p in out.rglob("*.py"):
        ast.parse(p.read_text(), str(p))
    generated = [str(p) for p in out.rglob("decompose_service/*.py")]
    ruff = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"]
    res_gen = subprocess.run([*ruff, *generated], capture_output=True, text=True)
    assert res_gen.returncode == 0, res_gen.stdout
    res_all = subprocess.run([*ruff, "--select", "E9,F", str(out)], capture_output=True, text=True)
    assert res_all.returncode == 0, res_all.stdout


def test_predictly_scaffold_is_deterministic_and_ruff_clean(tmp_path: Path) -> None:
    outs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"out{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "decompose",
                "scaffold",
                str(SAMPLE),
                "--boundaries",
                str(SAMPLE / "truth.json"),
                "--out",
                str(out),
                "--no-cache",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert res.returncode == 0, res.stderr
        outs.append(out)
    a, b = _tree(outs[0]), _tree(outs[1])
    assert a.keys() == b.keys() and a == b
    # the static OpenAPI documents (default) are part of it, and valid OpenAPI 3.1
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    docs = sorted(outs[0].glob("services/*/openapi.json"))
    assert len(docs) == len(list(outs[0].glob("services/*/pyproject.toml")))
    for doc in docs:
        validate(json.loads(doc.read_text()), cls=OpenAPIV31SpecValidator)
    generated = [str(p) for p in outs[0].rglob("decompose_service/*.py")]
    ruff = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"]
    assert subprocess.run([*ruff, *generated], capture_output=True).returncode == 0
    assert (
        subprocess.run([*ruff, "--select", "E9,F", str(outs[0])], capture_output=True).returncode
        == 0
    )
    report = json.loads((outs[0] / "scaffold-report.json").read_text())
    assert report["kernel_state_owners"] == {"predictly.config.settings": "gateway"}
    state = {s: set(d["state"]) for s, d in report["services"].items()}
    assert "predictly.registry.versions.ACTIVE_MODELS" in state["registry"]
    assert "predictly.monitoring.metrics.COUNTERS" not in state["registry"]


HOSTILE = {
    "pkg/__init__.py": "",
    "pkg/core.py": '''
        STATE = {}


        def put(key, value):
            """Doc with \\"\\"\\" quotes and {{ jinja }} and ` backticks |."""
            STATE[key] = value
            return len(STATE)
    ''',
    "pkg/front.py": """
        from pkg.core import put


        def handle(x):
            return put("../../etc/passwd", x)
    """,
    "pkg/not-a-name.py": "import os\n",
    # a truth file: decompose.toml / boundaries.toml refuse such names since the config
    # validates them, but the scaffold must stay safe whatever file it is given
    "boundaries.json": json.dumps(
        {
            "services": {
                "../../escape": ["pkg.core"],
                "x\"; import os; os.system('echo pwned') #": ["pkg.front", "pkg"],
                "{{ 7*7 }}": ["pkg.not-a-name"],
            }
        }
    ),
}


def test_hostile_names_cannot_escape_or_inject(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    project = make_project(HOSTILE)
    out = tmp_path / "out"
    res = runner.invoke(
        main,
        [
            "scaffold",
            str(project),
            "--boundaries",
            str(project / "boundaries.json"),
            "--out",
            str(out),
            "--no-cache",
            "--no-openapi",
        ],
    )
    assert res.exit_code == 0, res.output
    root = out.resolve()
    for p in out.rglob("*"):
        assert p.resolve().is_relative_to(root)
    assert not (tmp_path / "escape").exists()
    services = sorted(p.name for p in (out / "services").iterdir())
    assert all(s.isidentifier() and s.isascii() for s in services)
    assert "escape" in services and "s_7_7" in services  # the template was not evaluated
    for p in out.rglob("*.py"):
        tree = ast.parse(p.read_text(), str(p))
        if "decompose_service" in p.parts:
            # names from the analyzed code end up as sanitised literals, never as code
            assert not any(
                isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "system"
                for n in ast.walk(tree)
            )
            if p.name != "runtime.py":
                assert not any(
                    isinstance(n, (ast.Import, ast.ImportFrom))
                    and any(a.name == "os" for a in n.names)
                    for n in ast.walk(tree)
                )
    report = json.loads((out / "scaffold-report.json").read_text())
    # a module whose name is not an identifier is carried as a file (loaded by path), in place
    assert report["services"]["s_7_7"]["files"] == ["pkg/not-a-name.py"]
    assert (out / "services/s_7_7/src/pkg/not-a-name.py").read_text() == "import os\n"
    assert "{{ 7*7 }}" in report["service_names"]
    ruff = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"]
    generated = [str(p) for p in out.rglob("decompose_service/*.py")]
    assert subprocess.run([*ruff, *generated], capture_output=True).returncode == 0


def test_out_inside_the_analyzed_project_warns_once(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    """Regression: the docs suggested an output folder inside the project, which the next
    analyze reads as project code. Inside: one warning line on stderr; a sibling: none."""
    project = make_project(SHOP)
    res = _scaffold(runner, project, project / "services", "--dry-run", "--no-openapi")
    assert res.exit_code == 0, res.output
    warn = [x for x in res.stderr.splitlines() if "warning" in x]
    assert len(warn) == 1, res.stderr
    assert "inside the analyzed project" in warn[0] and f"../{project.name}-services" in warn[0]
    sibling = project.parent / f"{project.name}-services"
    res = _scaffold(runner, project, sibling, "--dry-run", "--no-openapi")
    assert res.exit_code == 0 and "inside the analyzed project" not in res.stderr


def test_plan_scaffold_reports_progress(make_project) -> None:
    """The CLI's progress bar is fed by plan_scaffold's callback: modules, then services."""
    from decompose.config import load_config
    from decompose.pipeline import load_graph, make_cache
    from decompose.scaffold import plan_from_boundaries, plan_scaffold

    project = make_project(SHOP)
    config = load_config(project)
    _, graph, _ = load_graph(project, config, make_cache(config, None, True), 1)
    plan = plan_from_boundaries(graph, project / "boundaries.toml", config.analyze)
    seen: list[tuple[str, int, int]] = []
    plan_scaffold(project, graph, plan, progress=lambda *a: seen.append(a))
    stages = [s for s, _, _ in seen]
    assert stages.index("modules") < stages.index("services")
    assert seen[-1] == ("services", 100, 100)
    mods = [(d, t) for s, d, t in seen if s == "modules"]
    assert mods[-1][0] == mods[-1][1] == len([m for m in graph.modules if m.kind != "namespace"])


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(p, m): op for p, ops in doc["paths"].items() for m, op in ops.items()}


def _params(op: dict[str, Any]) -> list[tuple[str, str, bool, str]]:
    return sorted(
        (
            p["in"],
            p["name"],
            p["required"],
            json.dumps({k: v for k, v in p["schema"].items() if k != "title"}, sort_keys=True),
        )
        for p in op.get("parameters", [])
    )


def test_default_scaffold_never_runs_the_project_import_mode_does(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    """Regression (tester finding 8): the default imported every generated service to write
    openapi.json, so the project's module-level code ran although the help promises it is only
    read. Now the default document is static (and valid OpenAPI 3.1, agreeing with FastAPI's on
    paths, operationIds and route parameters); --openapi import runs the code, on request."""
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    marker = tmp_path / "SIDE_EFFECT_RAN"
    files = dict(SHOP)
    files["shop/api.py"] = (  # the router module: imported when the front app is
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        + textwrap.dedent(SHOP["shop/api.py"])
    )
    project = make_project(files)
    static = tmp_path / "static"
    res = _scaffold(runner, project, static)
    assert res.exit_code == 0, res.output
    assert not marker.exists()  # nothing of the project ran
    assert "warning" not in res.stderr
    docs = {s: json.loads((static / f"services/{s}/openapi.json").read_text()) for s in SERVICES}
    for doc in docs.values():
        validate(doc, cls=OpenAPIV31SpecValidator)
    assert not any(p.name == "SIDE_EFFECT_RAN" for p in tmp_path.rglob("*"))

    imported = tmp_path / "imported"
    res = _scaffold(runner, project, imported, "--openapi", "import")
    assert res.exit_code == 0, res.output
    assert marker.read_text() == "ran"  # the opt-in runs the project's module-level code
    assert "--openapi import runs" in res.stderr
    for s in ("stock", "front"):
        ours = _operations(docs[s])
        fastapi = _operations(json.loads((imported / f"services/{s}/openapi.json").read_text()))
        assert ours.keys() == fastapi.keys(), s
        for key, op in fastapi.items():
            assert ours[key]["operationId"] == op["operationId"], key
            assert _params(ours[key]) == _params(op), key
            assert ("requestBody" in ours[key]) == ("requestBody" in op), key

    # a service that cannot be imported here: warned, and its static document written instead
    files["shop/api.py"] = (
        "import not_installed_anywhere_xyz  # noqa: F401\n" + files["shop/api.py"]
    )
    broken = make_project(files)
    res = _scaffold(runner, broken, tmp_path / "broken", "--openapi", "import")
    assert res.exit_code == 0, res.output
    assert "front: could not import" in res.stderr and "static document" in res.stderr
    fallback = json.loads((tmp_path / "broken/services/front/openapi.json").read_text())
    assert fallback["paths"] == docs["front"]["paths"]

    none = tmp_path / "none"
    for flag in (("--no-openapi",), ("--openapi", "none")):
        res = _scaffold(runner, project, none, "--force", *flag)
        assert res.exit_code == 0, res.output
        assert not list(none.rglob("openapi.json"))


def test_declared_services_are_scaffolded_without_boundaries_flag(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    files = dict(SHOP)
    files["decompose.toml"] = files.pop("boundaries.toml")  # the contract adopted in the repo
    project = make_project(files)

    def services(*extra: str) -> set[str]:
        res = runner.invoke(
            main,
            [
                "scaffold",
                str(project),
                "--out",
                str(tmp_path / "o"),
                "--dry-run",
                "--no-cache",
                "--no-openapi",
                *extra,
            ],
        )
        assert res.exit_code == 0, res.output
        return {
            line.split()[2].split("/services/")[1].split("/")[0]
            for line in res.output.splitlines()
            if line.startswith("would") and "/services/" in line
        }

    assert services() == set(SERVICES)
    assert services("--propose") != set(SERVICES)
