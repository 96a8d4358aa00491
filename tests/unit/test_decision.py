"""The decision: eight criteria with evidence, a verdict, an ordered plan, what-if moves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from decompose.cli import main
from decompose.config import load_config
from decompose.coupling import data_coupling
from decompose.decision import CRITERIA, apply_moves, decide, parse_moves
from decompose.errors import UsageError
from decompose.footprint import footprints
from decompose.pipeline import analyze
from decompose.roles import classify
from tests.unit._plans import plan_for

REPO = Path(__file__).resolve().parents[2]
FILLER = "\n".join(f"def helper_{i}(x):\n    return x + {i}\n" for i in range(300))

# An HTTP API on a slim image calling a GPU inference worker and a CPU-only business module.
GPU_APP = {
    "app/__init__.py": "",
    "app/api.py": """
        from fastapi import APIRouter
        from app.worker import generate
        from app.rules import price
        router = APIRouter()

        @router.post("/generate")
        def gen(prompt):
            return {"text": generate(prompt), "price": price(prompt)}
    """,
    "app/worker.py": """
        import torch
        from transformers import AutoModelForCausalLM

        MODEL = None

        def load():
            return AutoModelForCausalLM.from_pretrained("gpt2").cuda()

        def generate(prompt):
            return load().generate(prompt)
    """,
    "app/worker_util.py": "import torch\n\ndef batch(xs):\n    return torch.stack(xs)\n",
    "app/rules.py": "def price(p):\n    return len(p)\n" + FILLER,
    "app/rules_more.py": "from app.rules import price\n" + FILLER,
}


def _decide(root: Path, services: dict[str, str]) -> dict:
    graph, plan = plan_for(root, services)
    hist = {"available": False, "reason": "test"}
    return decide(
        graph,
        plan,
        classify(graph, plan),
        footprints(graph, plan),
        data_coupling(graph, plan),
        hist,
    )


def test_extract_the_gpu_worker(make_project) -> None:
    root = make_project(GPU_APP)
    dec = _decide(root, {"app.worker": "inference", "app.worker_util": "inference", "app": "web"})
    assert dec["verdict"] == "extract"
    assert dec["candidates"] == ["inference"]
    inf = dec["services"]["inference"]
    assert inf["facts"]["image"] == "gpu"
    assert inf["criteria"]["independent_scaling"]["score"] == 2
    assert inf["criteria"]["model_deployment"]["score"] == 2
    assert dec["services"]["web"]["candidate"] is False
    # Every score of every service comes with evidence.
    for p in dec["services"].values():
        assert set(p["criteria"]) == {k for k, _ in CRITERIA}
        assert all(c["evidence"] and -2 <= c["score"] <= 2 for c in p["criteria"].values())
    assert all(c["evidence"] for c in dec["criteria"].values())
    steps = dec["steps"]
    assert [s["action"] for s in steps] == ["enforce", "extract"]
    inbound = {g["member"] for g in steps[1]["inbound"]}
    assert "app.worker:generate" in inbound
    assert "[services.inference]" in steps[1]["check_rules"]
    assert '"app.worker:generate"' in steps[1]["check_rules"]


def test_no_scaling_need_means_modular_monolith(make_project) -> None:
    root = make_project(
        {k: v for k, v in GPU_APP.items() if "worker" not in k}
        | {
            "app/api.py": "from fastapi import APIRouter\nfrom app.rules import price\n"
            "router = APIRouter()\n\n@router.get('/p')\ndef p(x):\n"
            "    return price(x)\n" + FILLER
        }
    )
    dec = _decide(root, {"app.rules": "rules", "app.rules_more": "rules", "app": "web"})
    assert dec["candidates"] == []
    assert dec["verdict"] in ("modular_monolith", "monolith")


def test_tiny_project_stays_a_monolith(make_project) -> None:
    root = make_project({"a/__init__.py": "", "a/x.py": "import torch\n", "a/y.py": "y = 1\n"})
    dec = _decide(root, {"a.x": "gpu", "a": "rest"})
    assert dec["verdict"] == "monolith" and dec["steps"] == []


def test_moves() -> None:
    assert parse_moves(["a.b=svc", " a.* = x "]) == [("a.b", "svc"), ("a.*", "x")]
    with pytest.raises(UsageError):
        parse_moves(["a.b"])
    from decompose.model import Partition

    part = Partition((("a", "s1"), ("a.b", "s1"), ("c", "s2")), "manual", 0, 1.0)
    moved = apply_moves(part, [("a.*", "s2")])
    assert moved.as_dict() == {"a": "s2", "a.b": "s2", "c": "s2"}
    with pytest.raises(UsageError, match="no analyzed module"):
        apply_moves(part, [("zzz", "s1")])


def test_predictly_report_and_what_if(tmp_path: Path, runner) -> None:
    sample = REPO / "samples" / "predictly"
    a = analyze(sample, load_config(sample), history=False)
    ex = a.plan.extras
    assert {"roles", "footprints", "data_coupling", "history", "decision"} <= set(ex)
    dc = ex["data_coupling"]
    # users is written by accounts and read elsewhere: the shared-table evidence is there.
    users = [t for t in dc["tables"] if t["name"] == "users"][0]
    assert users["shared"] and users["writers"] and users["evidence"]
    out = tmp_path / "o"
    res = runner.invoke(
        main,
        [
            "analyze",
            str(sample),
            "--out",
            str(out),
            "--no-history",
            "--move",
            "predictly.training.*=serving_and_training",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    report = (out / "report.md").read_text()
    for heading in (
        "## Decision",
        "### The eight criteria per service",
        "### Extraction plan",
        "## Roles",
        "## Footprints",
        "## Data coupling",
        "### What-if",
    ):
        assert heading in report
    assert report.index("## Decision") < report.index("## Metrics")
    prop = json.loads((out / "proposal.json").read_text())
    wi = prop["extras"]["decision"]["what_if"]
    assert wi["moves"] == ["predictly.training.*=serving_and_training"]
    assert "serving_and_training" in prop["services"]
    assert (
        wi["delta"]["crossings"]
        == wi["after"]["metrics"]["crossings"] - wi["before"]["metrics"]["crossings"]
    )
    bad = runner.invoke(
        main,
        [
            "analyze",
            str(sample),
            "--out",
            str(out),
            "--no-history",
            "--move",
            "nothing.here=x",
            "-q",
        ],
    )
    assert bad.exit_code == 2 and "no analyzed module" in bad.output


def test_verdict_text_agrees_with_the_scaling_criterion(make_project) -> None:
    """Regression (letta): the verdict said "no service has a distinct scaling need" while the
    plan's independent-scaling criterion scored +2 citing two services. Here the GPU worker
    scales apart but writes a table the API writes too, so it is not a candidate; the
    boundaries are declared clear (modularity 0.6) so the verdict is a modular monolith."""
    import dataclasses

    files = dict(GPU_APP)
    files["app/worker_db.py"] = "def record(db):\n    db.execute('INSERT INTO jobs VALUES (1)')\n"
    files["app/api_db.py"] = "def log(db):\n    db.execute('UPDATE jobs SET done = 1')\n"
    files["app/rules_extra.py"] = "from app.rules import price\n" + FILLER  # not too small
    root = make_project(files)
    graph, plan = plan_for(
        root,
        {
            "app.worker": "inference",
            "app.worker_util": "inference",
            "app.worker_db": "inference",
            "app": "web",
        },
    )
    plan = dataclasses.replace(plan, metrics={**plan.metrics, "modularity": 0.6})
    dec = decide(
        graph,
        plan,
        classify(graph, plan),
        footprints(graph, plan),
        data_coupling(graph, plan),
        {"available": False, "reason": "test"},
    )
    scaling = [
        s for s, p in dec["services"].items() if p["criteria"]["independent_scaling"]["score"] >= 1
    ]
    assert scaling == ["inference"] and dec["candidates"] == []
    assert dec["criteria"]["independent_scaling"]["score"] >= 1
    assert "inference" in dec["criteria"]["independent_scaling"]["evidence"][0]
    text = " ".join(dec["why"])
    assert dec["verdict"] == "modular_monolith", dec["why"]
    assert "no service has a distinct scaling need" not in text
    assert "`inference` has a distinct scaling need" in text
    assert "tables written by two services: jobs" in text
    # And with no scaling need anywhere, the verdict says so (same source of truth).
    web_only = {k: v for k, v in dec["services"].items() if k != "inference"}
    assert not [
        s for s, p in web_only.items() if p["criteria"]["independent_scaling"]["score"] >= 1
    ]
