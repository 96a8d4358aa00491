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
    "app/worker_util.py": "import torch\n\ndef batch(xs):\n    return torch.stack(xs)\n" + FILLER,
    # enough substance to extract (docs/decision.md, "Substance of a candidate")
    "app/worker_more.py": "import torch\n" + FILLER,
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
    dec = _decide(
        root,
        {
            "app.worker": "inference",
            "app.worker_util": "inference",
            "app.worker_more": "inference",
            "app": "web",
        },
    )
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


# A Django project's wiring (settings, urls, asgi) next to a FastAPI router, a GPU model, a
# document loader, a name-only "db" package, and a migration and a test that unpickle things.
WIRED = {
    "proj/__init__.py": "",
    "proj/app/__init__.py": "",
    "proj/app/settings.py": "DATABASES = {}\nPROBE = 'SELECT datname FROM pg_database'\n" + FILLER,
    "proj/app/urls.py": "from django.contrib import admin\nfrom django.urls import path\n"
    "urlpatterns = [path('admin/', admin.site.urls)]\n",
    "proj/app/asgi.py": "from django.core.asgi import get_asgi_application\n"
    "application = get_asgi_application()\n",
    "proj/routers/__init__.py": "",
    "proj/routers/api.py": """
        from fastapi import APIRouter
        from proj.ml.model import generate
        from proj.ingest.docx_loader import load
        router = APIRouter()

        @router.post("/chat")
        def chat(q):
            return {"a": generate(q), "doc": load(q)}
    """,
    "proj/ml/__init__.py": "",
    "proj/ml/model.py": "import torch\nfrom transformers import AutoModelForCausalLM\n\n\n"
    "def generate(prompt):\n"
    "    return AutoModelForCausalLM.from_pretrained('gpt2').cuda().generate(prompt)\n\n\n"
    + FILLER,
    "proj/ml/migrations/__init__.py": "",
    "proj/ml/migrations/0064_job_state.py": "import pickle\n\n\ndef forwards(job):\n"
    "    return pickle.loads(job.state)\n",
    "proj/ml/tests/__init__.py": "",
    "proj/ml/tests/test_model.py": "import pickle\n\n\ndef test_it(f):\n"
    "    assert pickle.loads(f)\n",
    "proj/ingest/__init__.py": "",
    "proj/ingest/docx_loader.py": """
        from langchain_community.document_loaders import Docx2txtLoader

        def load(path):
            return Docx2txtLoader(path).load()
    """,
    "proj/db/__init__.py": "",
    "proj/db/apps.py": "class Config:\n    name = 'db'\n",
}
WIRED_SERVICES = {
    "proj.app": "app",
    "proj.routers": "web",
    "proj.ml": "ml",
    "proj.ingest": "ingest",
    "proj.db": "apps",
}


def _wired(make_project) -> tuple[dict, dict, str]:
    import dataclasses
    from types import SimpleNamespace

    from decompose.decision import decision_markdown, evaluate

    root = make_project(WIRED)
    graph, plan = plan_for(root, WIRED_SERVICES)
    extras = evaluate(root, graph, plan, history_enabled=False)
    md = decision_markdown(SimpleNamespace(plan=dataclasses.replace(plan, extras=extras)))  # type: ignore[arg-type]
    return extras["roles"], extras["decision"], md


def test_one_primary_role_in_every_table_and_sentence(make_project) -> None:
    """Regression (khoj): the Roles table said `app` is api while its evidence said "primary
    role data_access"; now one value feeds both."""
    import re

    from decompose.decision import role_title

    roles, dec, md = _wired(make_project)
    table = dict(
        re.findall(
            r"^\| `(\w+)` \| ([^|]+?) \| ",
            md.split("## Roles", 1)[1].split("<details>", 1)[0],
            re.M,
        )
    )
    assert set(dec["services"]) <= set(table)
    for s, p in dec["services"].items():
        primary = roles["services"][s]["primary"]
        assert p["facts"]["primary_role"] == primary
        assert table[s].startswith(role_title(primary)), (s, table[s])
        sentence = " ".join(p["criteria"]["independent_scaling"]["evidence"])
        assert f"primary role {role_title(primary)}" in sentence, (s, sentence)
    # a package name alone makes no role (``db/``): business logic, not data access
    assert roles["services"]["apps"]["primary"] == "business"
    assert "(from module names only)" not in table["apps"]
    assert "data_access" not in roles["modules"]["proj.db.apps"]["roles"]


def test_wiring_is_not_the_http_front_door(make_project) -> None:
    """Regression (khoj): Django settings/urls/asgi were called "the HTTP front door"."""
    roles, dec, _ = _wired(make_project)
    app, web = roles["services"]["app"], roles["services"]["web"]
    assert app["http_handlers"] == [] and app["primary"] == "wiring"
    assert "api" not in app["roles"] and "wiring" in app["roles"]
    assert web["http_handlers"] == ["proj.routers.api"] and web["primary"] == "api"
    scaling = " ".join(dec["services"]["ml"]["criteria"]["independent_scaling"]["evidence"])
    assert "HTTP front door (web)" in scaling
    assert "front door (app)" not in " ".join(
        e for p in dec["services"].values() for c in p["criteria"].values() for e in c["evidence"]
    )


def test_migrations_tests_and_loaders_are_not_model_code(make_project) -> None:
    """Regression (khoj): a pickle.loads in a migration was a "pickled model artifact" and a
    document loader (langchain_community.document_loaders) was "model serving" code."""
    from decompose.footprint import footprints

    root = make_project(WIRED)
    graph, plan = plan_for(root, WIRED_SERVICES)
    fps = footprints(graph, plan)
    assert fps["services"]["ml"]["loads_pickles"] == []
    roles = classify(graph, plan)
    ml = roles["services"]["ml"]
    assert not [m for ms in ml["modules_by_role"].values() for m in ms if "migrations" in m]
    assert not [m for ms in ml["modules_by_role"].values() for m in ms if "tests" in m]
    assert roles["modules"]["proj.ingest.docx_loader"]["primary"] == "ingestion"
    dec = decide(graph, plan, roles, fps, data_coupling(graph, plan), {"available": False})
    assert dec["services"]["ingest"]["criteria"]["model_deployment"]["score"] == 0
    model = dec["services"]["ml"]["criteria"]["model_deployment"]
    assert model["score"] == 2
    # the evidence is what the code does (a load of weights, a generate call), not `import torch`
    assert "proj.ml.model (" in model["evidence"][0]
    assert "imports torch" not in model["evidence"][0]
    assert "migrations" not in model["evidence"][0]


def test_total_wording_follows_its_sign() -> None:
    from decompose.decision import total_reason

    assert total_reason(-3) == "total -3: the costs outweigh the gains"
    assert "outweigh" not in total_reason(0) and "balance" in total_reason(0)
    assert total_reason(2) == "total +2: the gains outweigh the costs"


def test_counts_agree_in_number(make_project) -> None:
    """Regression (khoj): "1 crossings", "1 modules" in the report."""
    import re

    from decompose.decision import count

    assert count(1, "module") == "1 module" and count(2, "module") == "2 modules"
    assert count(1, "entry", "entries") == "1 entry" and count(0, "entry", "entries") == "0 entries"
    _, dec, md = _wired(make_project)
    assert "1 module " in md or "1 module)" in md or "1 crossing" in md  # singulars are used
    bad = re.findall(
        r"(?<![\d.,])1 (modules|crossings|edges|lines|members|sites|commits|services|tables|"
        r"deployables|statements|authors|entries)\b",
        md,
    )
    assert bad == []


def test_a_service_cycle_is_named_in_the_verdict(make_project) -> None:
    # the GPU app, with the worker importing the web module back: worker <-> web
    files = dict(GPU_APP)
    files["app/worker_more.py"] = "import torch\nfrom app import api\n" + FILLER
    root = make_project(files)
    services = {
        "app.worker": "inference",
        "app.worker_util": "inference",
        "app.worker_more": "inference",
        "app": "web",
    }
    dec = _decide(root, services)
    cycle = [w for w in dec["why"] if "import each other in a cycle" in w]
    assert cycle and "`inference`" in cycle[0] and "`web`" in cycle[0]
    if "inference" in dec["candidates"]:
        assert "network round trips" in cycle[0]
    clean = _decide(make_project(GPU_APP), services)
    assert not any("in a cycle" in w for w in clean["why"])
