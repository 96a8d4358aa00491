"""`decompose analyze` through the CLI on tiny projects and on the bundled sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from decompose import __version__
from decompose.cli import main
from decompose.config import load_boundaries

REPO = Path(__file__).resolve().parents[2]

SHOP = {
    "shop/__init__.py": "",
    "shop/cart.py": """
        from shop import billing
        from shop.catalog import price

        def total(items):
            return billing.charge(sum(price(i) for i in items))
    """,
    "shop/billing.py": """
        def charge(amount):
            return amount
    """,
    "shop/catalog.py": """
        def price(item):
            return 1
    """,
}


def test_version_and_help(runner: CliRunner) -> None:
    r = runner.invoke(main, ["--version"])
    assert r.exit_code == 0 and __version__ in r.output
    r = runner.invoke(main, ["analyze", "--help"])
    assert r.exit_code == 0 and "--resolution" in r.output and "--seed" in r.output


def test_analyze_writes_outputs(make_project, runner: CliRunner, tmp_path: Path) -> None:
    root = make_project(SHOP)
    out = tmp_path / "out"
    r = runner.invoke(main, ["analyze", str(root), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "modules: 4" in r.output and "seed: 0" in r.output
    graph = json.loads((out / "graph.json").read_text())
    edges = {(e["src"], e["dst"], e["kind"]) for e in graph["imports"]}
    assert ("shop.cart", "shop.billing", "import") in edges
    assert ("shop.cart", "shop.catalog", "import") in edges
    calls = {(c["src"], c["dst"], c["kind"]) for c in graph["calls"]}
    assert ("shop.cart:total", "shop.billing:charge", "call") in calls
    proposal = json.loads((out / "proposal.json").read_text())
    assigned = [m for s in proposal["services"].values() for m in s["modules"]]
    assert sorted(assigned) == sorted(m["name"] for m in graph["modules"])
    assert proposal["seed"] == 0
    cfg = load_boundaries(out / "boundaries.toml")
    assert {s.name for s in cfg.services} | ({"kernel"} if cfg.kernel else set()) == set(
        proposal["services"]
    )
    assert "## Services" in (out / "report.md").read_text()


def test_nothing_written_inside_the_analyzed_tree(make_project, runner, tmp_path: Path) -> None:
    root = make_project(SHOP)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    r = runner.invoke(main, ["analyze", str(root), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_broken_file_is_a_diagnostic_and_strict_exits_1(make_project, runner, tmp_path) -> None:
    root = make_project({**SHOP, "shop/broken.py": "def f(:\n    pass\n"})
    r = runner.invoke(main, ["analyze", str(root), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0
    assert "1 with errors (not analysed" in r.output
    assert "shop/broken.py:1:" in r.output and "DEC001" in r.output
    r = runner.invoke(main, ["analyze", str(root), "--out", str(tmp_path / "o"), "--strict"])
    assert r.exit_code == 1


def test_bad_inputs_exit_2_with_one_line(make_project, runner, tmp_path: Path) -> None:
    cases = [
        ([str(tmp_path / "missing")], "path does not exist"),
        ([str(make_project({"a.py": "x = 1"}) / "a.py")], "not a folder"),
        ([str(make_project({"README.md": "hi"}))], "no Python files"),
    ]
    bad_cfg = make_project({"a.py": "x = 1", "decompose.toml": "rots = []\n"})
    cases.append(([str(bad_cfg)], "did you mean 'roots'"))
    for args, message in cases:
        r = runner.invoke(main, ["analyze", *args, "--out", str(tmp_path / "o")])
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output
        assert "Traceback" not in r.output
    r = runner.invoke(main, ["analyze", str(bad_cfg), "--seed", "x"])
    assert r.exit_code == 2


def test_dry_run_writes_nothing(make_project, runner, tmp_path: Path) -> None:
    root = make_project(SHOP)
    out = tmp_path / "o"
    r = runner.invoke(main, ["analyze", str(root), "--out", str(out), "--dry-run"])
    assert r.exit_code == 0 and "would write" in r.output
    assert not out.exists()


def test_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    outs = []
    for seed in ("0", "1", "12345"):
        out = tmp_path / f"o{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "decompose",
                "analyze",
                str(REPO / "samples" / "predictly"),
                "--out",
                str(out),
                "--no-cache",
                "-q",
            ],
            check=True,
            env=env,
        )
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0] == outs[1] == outs[2]
    assert set(outs[0]) >= {"graph.json", "proposal.json", "boundaries.toml", "report.md"}


def test_sample_proposal_is_sane(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "o"
    r = runner.invoke(main, ["analyze", str(REPO / "samples" / "predictly"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    proposal = json.loads((out / "proposal.json").read_text())
    services = {k: v for k, v in proposal["services"].items() if not v["kernel"]}
    assert 3 <= len(services) <= 15
    assert all(v["modules"] for v in services.values())
    toml = tomllib.loads((out / "boundaries.toml").read_text())
    assert set(toml["services"]) == set(services)


def test_proposed_boundaries_describe_todays_code(runner: CliRunner, tmp_path: Path) -> None:
    """Adopting the proposal as a contract must not flag today's code for crossings outside the
    interface or undeclared dependencies: only service cycles (a real finding) may remain."""
    out = tmp_path / "o"
    sample = REPO / "samples" / "predictly"
    assert runner.invoke(main, ["analyze", str(sample), "--out", str(out), "-q"]).exit_code == 0
    r = runner.invoke(
        main,
        ["check", str(sample), "--boundaries", str(out / "boundaries.toml"), "--format", "json"],
    )
    doc = json.loads(r.stdout)
    codes = {d["code"] for d in doc["diagnostics"]}
    assert codes <= {"DEC103"}, codes


def test_unreachable_service_target_is_said_and_q_stays_newman(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    root = make_project(SHOP)
    out = tmp_path / "out"
    r = runner.invoke(main, ["analyze", str(root), "--out", str(out), "--services", "50"])
    assert r.exit_code == 0, r.output
    proposal = json.loads((out / "proposal.json").read_text())
    got = len([s for s in proposal["services"] if s != "kernel"])
    assert got < 50
    assert f"asked for 50 services, proposed {got}" in r.output
    assert -0.5 <= proposal["metrics"]["modularity"] <= 1.0


def test_proposal_interfaces_cover_modules_imported_across_services(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    root = make_project(
        {
            "decompose.toml": """
                [analyze.pin]
                "shop.auth*" = "auth"
                "shop.billing*" = "billing"
                "shop.app" = "web"
                "shop" = "web"
            """,
            "shop/__init__.py": "",
            "shop/app.py": (
                "from shop.auth import views as auth_views\nimport shop.billing.ledger\n"
            ),
            "shop/auth/__init__.py": "",
            "shop/auth/views.py": "def login():\n    return 1\n",
            "shop/billing/__init__.py": "",
            "shop/billing/ledger.py": "def post():\n    return 2\n",
        }
    )
    out = tmp_path / "out"
    r = runner.invoke(main, ["analyze", str(root), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    services = tomllib.loads((out / "boundaries.toml").read_text())["services"]
    assert "shop.auth.views" in services["auth"]["interface"]
    assert "shop.billing.ledger" in services["billing"]["interface"]
    r = runner.invoke(main, ["check", str(root), "--boundaries", str(out / "boundaries.toml")])
    assert r.exit_code == 0, r.output
