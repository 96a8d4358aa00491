"""What a service is before it can be extracted: offline tools (scripts run by hand that the
running system never imports), jobs (training, orchestration, evaluation with scripts of their
own) and merges (too small and too entangled to stand alone); reachability from the running
system's entry modules."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from decompose.decision import (
    MERGE_RATIO,
    MIN_MODULES,
    decision_markdown,
    evaluate,
    main_guards,
    reachability,
    service_kind,
)
from decompose.roles import classify
from tests.unit._plans import plan_for

FILLER = "\n".join(f"def helper_{i}(x):\n    return x + {i}\n" for i in range(300))

ROUTES = """
from fastapi import APIRouter
from app.core.logic import answer

router = APIRouter()


@router.get("/answer")
def get_answer(q: str):
    return answer(q)
"""

SCRIPT = """
import argparse
import json


def clean(path):
    with open(path) as f:
        return [r for r in json.load(f) if r]


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("path")
    print(clean(p.parse_args().path))
"""

APP = {
    "app/__init__.py": "",
    "app/api/__init__.py": "",
    "app/api/routes.py": ROUTES,
    "app/core/__init__.py": "",
    "app/core/logic.py": "def answer(q):\n    return q\n" + FILLER,
    "app/core/more.py": "from app.core.logic import answer\n" + FILLER,
    "app/tools/__init__.py": "",
    "app/tools/clean_a.py": SCRIPT,
    "app/tools/clean_b.py": "from app.tools.clean_a import clean\n" + SCRIPT,
    "app/tools/stats.py": "def count(rows):\n    return len(rows)\n",
}
APP_SERVICES = {"app.api": "api", "app.core": "core", "app.tools": "tools", "app": "core"}


def _evaluate(root: Path, services: dict[str, str]) -> dict[str, Any]:
    graph, plan = plan_for(root, services)
    return evaluate(root, graph, plan, history_enabled=False)


def _markdown(root: Path, services: dict[str, str]) -> str:
    graph, plan = plan_for(root, services)
    moved = dataclasses.replace(plan, extras=evaluate(root, graph, plan, history_enabled=False))
    return decision_markdown(SimpleNamespace(plan=moved))  # type: ignore[arg-type]


def test_scripts_nothing_running_imports_are_an_offline_tool(make_project) -> None:
    root = make_project(APP)
    dec = _evaluate(root, APP_SERVICES)["decision"]
    tools = dec["services"]["tools"]
    assert tools["kind"] == "offline_tool", tools["why_not"]
    assert not tools["candidate"] and "tools" not in dec["candidates"]
    # evidence: the `__main__` guard's file and line, read from the source
    for name in ("clean_a", "clean_b"):
        text = (root / "app" / "tools" / f"{name}.py").read_text().splitlines()
        line = text.index('if __name__ == "__main__":') + 1
        assert f"app/tools/{name}.py:{line}" in tools["facts"]["scripts"]
    assert "not imported by the running system" in tools["why_not"]
    assert "no service" in tools["why_not"] and "tools/" in tools["why_not"]
    # no "scales with the request path" for code nobody runs in production
    scaling = " ".join(tools["criteria"]["independent_scaling"]["evidence"])
    assert "request path" not in scaling.replace("not on the request path", "")
    assert tools["criteria"]["independent_scaling"]["score"] == 0
    assert dec["offline_tools"]["tools"]["modules"] == 4
    assert "tools" not in dec["stay"]
    assert any("offline tools" in y and "`tools`" in y for y in dec["why"])
    # the API and its core are the running system
    assert dec["services"]["api"]["kind"] == "service"
    assert dec["services"]["core"]["kind"] == "service"
    assert dec["reachability"]["entry_modules"] == 1
    assert dec["reachability"]["entries"] == ["app.api.routes (HTTP handlers)"]


def test_the_same_scripts_imported_by_the_running_system_are_not_offline(make_project) -> None:
    root = make_project(
        {
            **APP,
            "app/core/logic.py": "from app.tools.stats import count\n" + APP["app/core/logic.py"],
        }
    )
    dec = _evaluate(root, APP_SERVICES)["decision"]
    tools = dec["services"]["tools"]
    assert tools["kind"] != "offline_tool"
    assert tools["facts"]["imported_modules"] == ["app.tools.stats"]
    assert dec["offline_tools"] == {}


def test_without_an_entry_module_nothing_is_called_offline(make_project) -> None:
    files = {k: v for k, v in APP.items() if k != "app/api/routes.py"}
    root = make_project(files)
    dec = _evaluate(root, APP_SERVICES)["decision"]
    assert dec["reachability"]["entry_modules"] == 0
    assert all(p["kind"] != "offline_tool" for p in dec["services"].values())


def test_reachability_entries_and_parent_packages(make_project) -> None:
    root = make_project(
        {
            **APP,
            # a gradio app is a server, a script that only imports ray is still a script
            "app/ui.py": "import gradio as gr\n\ndemo = gr.Blocks()\n\n"
            "if __name__ == '__main__':\n    demo.queue().launch()\n",
            "app/tools/par.py": "import ray\n\nif __name__ == '__main__':\n    ray.init()\n",
            # importing app.tools.stats runs app.tools/__init__, but does not tie the
            # package's scripts to the running system
            "app/api/routes.py": ROUTES + "\nimport app.tools.stats\n",
        }
    )
    graph, plan = plan_for(root, APP_SERVICES)
    guards = main_guards(graph, root)
    assert guards["app.ui"] == 5 and "app.api.routes" not in guards
    reach = reachability(graph, classify(graph, plan), guards)
    assert reach["entries"]["app.ui"] == "server launch: gradio launch()"
    assert "app.tools.par" not in reach["entries"]
    assert "app.tools.par" in reach["scripts"] and "app.tools.clean_a" in reach["scripts"]
    assert "app.ui" not in reach["scripts"]  # an entry, not a script
    assert "app.tools.stats" in reach["imported"]
    assert "app.tools" not in reach["imported"]  # reached only as a parent package
    assert "app.core.more" not in reach["imported"]  # nothing running imports it


TRAIN = """
import torch
from app.core.logic import answer


def train(data):
    model = torch.nn.Linear(4, 2).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x in data:
        loss = model(x).sum()
        loss.backward()
        opt.step()
    torch.save(model.state_dict(), "model.pt")
    return answer(model)


if __name__ == "__main__":
    train([])
"""

JOB_APP = {
    **{k: v for k, v in APP.items() if not k.startswith("app/tools")},
    "app/train/__init__.py": "",
    "app/train/train.py": TRAIN,
    "app/train/data.py": "import torch\n\ndef batches(n):\n    return torch.zeros(n).cuda()\n",
    # padded: enough substance to extract (docs/decision.md, "Substance of a candidate")
    "app/train/shared.py": "def tokenize(s):\n    return s.split()\n" + FILLER,
    "app/core/logic.py": "from app.train.shared import tokenize\n\ndef answer(q):\n"
    "    return tokenize(q)\n" + FILLER,
}
JOB_SERVICES = {"app.api": "api", "app.core": "core", "app.train": "train", "app": "core"}


def test_training_scripts_are_extracted_as_a_job(make_project) -> None:
    root = make_project(JOB_APP)
    dec = _evaluate(root, JOB_SERVICES)["decision"]
    train = dec["services"]["train"]
    assert train["kind"] == "job" and train["job"] and train["candidate"], train["why_not"]
    assert dec["verdict"] == "extract"
    assert "`train` as a job" in dec["headline"] and "extract `train`" not in dec["headline"]
    step = next(s for s in dec["steps"] if s["service"] == "train")
    assert step["action"] == "job"
    assert "extract as a job" in step["why"][0] and "not a long-running service" in step["why"][0]
    text = (root / "app/train/train.py").read_text().splitlines()
    line = text.index('if __name__ == "__main__":') + 1
    assert f"`app/train/train.py:{line}`" in step["why"][0]
    # the module the running system imports stays behind
    assert train["facts"]["imported_modules"] == ["app.train.shared"]
    assert "`app.train.shared`" in step["why"][1] and "leave them in the monolith" in step["why"][1]
    md = _markdown(root, JOB_SERVICES)
    assert "**Extract `train` as a job.**" in md
    assert "Crossings that become API calls into `train`" not in md


def test_training_called_from_the_api_is_not_a_job(make_project) -> None:
    files = dict(JOB_APP)
    files["app/train/train.py"] = TRAIN.split("if __name__")[0]
    files["app/api/routes.py"] = ROUTES + "\nfrom app.train.train import train\n"
    root = make_project(files)
    train = _evaluate(root, JOB_SERVICES)["decision"]["services"]["train"]
    assert train["kind"] == "service"
    assert train["facts"]["scripts"] == []


def test_minimum_substance_rule() -> None:
    run = {"has_entries": True, "imported": ["a.x"], "scripts": [], "scheduled": []}
    small = ["a.x", "a.y"]
    assert MIN_MODULES == 3 and MERGE_RATIO == 3
    at_limit = ["b"] * 4 + ["c"] * 2
    kind, facts = service_kind("a", small, len(at_limit), at_limit, "inference", "gpu", run)
    assert kind == "service" and facts["merge_into"] == ""
    over = [*at_limit, "kernel", "a"]  # the kernel and itself are no merge target
    kind, facts = service_kind("a", small, len(over), over, "inference", "gpu", run)
    assert (kind, facts["merge_into"], facts["merge_crossings"]) == ("merge", "b", 4)
    # ties go to the first name; three modules are substance enough
    tie = ["d"] * 4 + ["c"] * 4
    assert service_kind("a", small, 8, tie, "", "slim", run)[1]["merge_into"] == "c"
    three = [*small, "a.z"]
    assert service_kind("a", three, 100, ["b"] * 100, "", "slim", run)[0] == "service"
    # offline tools come first; evaluation by name with a script is a job
    offline = {**run, "imported": [], "scripts": ["a/x.py:3"]}
    assert service_kind("a", small, 100, ["b"] * 100, "", "slim", offline)[0] == "offline_tool"
    assert service_kind("a", small, 100, ["b"] * 100, "", "gpu", offline)[0] == "merge"
    assert service_kind("llm_judge", three, 4, ["b"] * 4, "", "slim", offline)[0] == "job"
    assert service_kind("gen", three, 4, ["b"] * 4, "", "gpu", offline)[0] == "job"
    assert service_kind("gen", three, 4, ["b"] * 4, "training", "slim", run)[0] == "service"


def test_a_tiny_entangled_service_is_merged_not_extracted(make_project) -> None:
    gpu = "import torch\n\ndef run(x):\n    return torch.ones(1).cuda() + x\n"
    calls = "\n".join(f"def use_{i}(x):\n    return run(x) + run_{i % 2}(x)\n" for i in range(8))
    root = make_project(
        {
            **{k: v for k, v in APP.items() if not k.startswith("app/tools")},
            "app/gpu/__init__.py": "",
            "app/gpu/run.py": gpu
            + "\ndef run_0(x):\n    return x\n\ndef run_1(x):\n    return x\n",
            "app/core/more.py": "from app.gpu.run import run, run_0, run_1\n" + calls + FILLER,
        }
    )
    services = {"app.api": "api", "app.core": "core", "app.gpu": "gpu", "app": "core"}
    dec = _evaluate(root, services)["decision"]
    g = dec["services"]["gpu"]
    n = g["facts"]["inbound_crossings"] + g["facts"]["outbound_crossings"]
    assert g["facts"]["modules"] == 2 and n > MERGE_RATIO * 2
    assert g["kind"] == "merge" and not g["candidate"]
    assert "merge it into `core`" in g["why_not"]
    assert dec["merges"] == {"gpu": "core"}
    assert any("`gpu` into `core`" in y for y in dec["why"])
    assert "gpu" not in dec["candidates"]
