"""A service's primary role needs a real share of the service: one inference module among ten
of business logic is business logic ("mixed"), and the Roles row never contradicts itself."""

from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace

from decompose.decision import decision_markdown, evaluate
from decompose.roles import PRIMARY_SHARE, classify
from tests.unit._plans import plan_for

BODY = "\n".join(f"def f_{i}(x):\n    return x + {i}\n" for i in range(20))

EVAL = {
    "lib/__init__.py": "",
    **{f"lib/evaluators/metric_{i}.py": BODY for i in range(10)},
    "lib/evaluators/__init__.py": "",
    "lib/evaluators/sas.py": """
        from sentence_transformers import SentenceTransformer

        def score(a, b):
            return SentenceTransformer("all-MiniLM-L6-v2").encode([a, b])
    """,
    "lib/serving/__init__.py": "",
    **{
        f"lib/serving/model_{i}.py": "import torch\nfrom transformers import AutoModel\n\n"
        "def load():\n    return AutoModel.from_pretrained('x')\n" + BODY
        for i in range(3)
    },
    "lib/serving/util.py": BODY,
    # the model server runs (``python -m lib.serving``): not library code in a caller's process
    "lib/serving/__main__.py": "from lib.serving import model_0, model_1, model_2\n",
    "lib/web/__init__.py": "",
    "lib/web/admin.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n\n"
    '@router.get("/health")\ndef health():\n    return {"ok": True}\n\n\n' + BODY,
    "lib/monitoring/__init__.py": "",
    **{f"lib/monitoring/m_{i}.py": BODY for i in range(3)},
}
SERVICES = {
    "lib.evaluators": "evaluators",
    "lib.serving": "serving",
    "lib.web": "monitoring",
    "lib.monitoring": "monitoring",
    "lib": "rest",
}


def test_one_inference_module_in_ten_is_business_logic(make_project) -> None:
    root = make_project(EVAL)
    graph, plan = plan_for(root, SERVICES)
    svc = classify(graph, plan)["services"]
    ev = svc["evaluators"]
    assert ev["roles"]["inference"] == 1 and ev["roles"]["business"] == 10
    assert (ev["primary"], ev["primary_basis"]) == ("business", "mixed")
    assert "mixed: 1 of 11 model serving / inference" in ev["primary_text"]
    # a service that mostly serves a model still is a model server
    sv = svc["serving"]
    assert (sv["primary"], sv["primary_basis"]) == ("inference", "evidence")
    assert sv["primary_text"] == "model serving / inference"
    assert PRIMARY_SHARE > 1 / 11


def test_a_minority_route_module_does_not_name_the_service(make_project) -> None:
    """Regression (predictly `monitoring`): roles "monitoring (3), HTTP API (1)" but the
    evidence said "primary role HTTP API". Names make no role now (tester5 N3): the three
    ``monitoring/`` modules without code evidence are business logic, and the role table and
    the primary agree on the one role the code shows."""
    root = make_project(EVAL)
    graph, plan = plan_for(root, SERVICES)
    mon = classify(graph, plan)["services"]["monitoring"]
    assert mon["roles"] == {"business": 3, "api": 1}
    assert mon["primary"] in ("api", "business")
    assert "from module names only" not in mon["primary_text"]
    assert mon["http_handlers"] == ["lib.web.admin"]  # still an HTTP front door


def test_report_rows_and_scaling_evidence_agree(make_project) -> None:
    root = make_project(EVAL)
    graph, plan = plan_for(root, SERVICES)
    extras = evaluate(root, graph, plan, history_enabled=False)
    dec = extras["decision"]
    scaling = " ".join(dec["services"]["evaluators"]["criteria"]["independent_scaling"]["evidence"])
    assert "primary role business logic (mixed: 1 of 11" in scaling
    assert "load that is not the request path" not in scaling
    assert "primary role model serving / inference: load that is not the request path" in " ".join(
        dec["services"]["serving"]["criteria"]["independent_scaling"]["evidence"]
    )
    md = decision_markdown(SimpleNamespace(plan=dataclasses.replace(plan, extras=extras)))  # type: ignore[arg-type]
    roles_table = md.split("## Roles", 1)[1].split("<details>", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \| ", roles_table, re.M))
    assert rows["evaluators"].startswith("business logic (mixed: 1 of 11")
    assert rows["monitoring"] == classify(graph, plan)["services"]["monitoring"]["primary_text"]
    assert "from module names only" not in rows["monitoring"]
