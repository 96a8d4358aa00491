"""Third tester's findings on the decision (docs/decision.md):

- ludwig's ``entmax`` (``nn.Module`` activations) was "extract as a service" because
  ``import torch`` counted as both training and serving evidence: a framework import is
  neither; what the code does (optimizer steps, trainers, weight loads and inference calls) is;
- ludwig's ``contribs`` was "a job: no API" while it held ``ludwig.serve``'s ``POST /predict``: a
  service with HTTP handlers, a server launch or a worker registration is never a job;
- autogluon (a library) was "extract 8 services" because of one function-level ``import ray``:
  an import is never an entry of the running system nor deployable evidence;
- a candidate needs substance: at least 3 modules and 800 lines, and no more than half of its
  modules contested.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from decompose.decision import (
    CONTESTED_SHARE,
    MIN_MODULES,
    SMALL_LINES,
    deployable_evidence,
    evaluate,
    reachability,
    service_kind,
)
from decompose.roles import classify, classify_modules
from tests.unit._plans import plan_for

FILLER = "\n".join(f"def helper_{i}(x):\n    return x + {i}\n" for i in range(300))


def _pad(source: str, tag: str) -> str:
    """A module's source (dedented by make_project) followed by unindented helpers named after
    ``tag``, so that the module weighs in lines."""
    import textwrap

    return textwrap.dedent(source).lstrip("\n") + "\n" + FILLER.replace("helper_", f"{tag}_")


def _evaluate(root: Path, services: dict[str, str]) -> dict[str, Any]:
    graph, plan = plan_for(root, services)
    return evaluate(root, graph, plan, history_enabled=False)


# ---------------------------------------------------------------- framework imports (entmax)

LAYERS = """
import torch
import torch.nn as nn
from torch.nn import functional as F


class Sparsemax(nn.Module):
    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return torch.clamp(x - x.max(dim=self.dim, keepdim=True).values, min=0)


def entmax15(x):
    return F.relu(x) ** 2
"""

TRAINING_LOOP = """
import torch


def train(model, batches, lr=0.1):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for x, y in batches:
        optimizer.zero_grad()
        loss = (model(x) - y).pow(2).mean()
        loss.backward()
        optimizer.step()
    return model
"""

SERVING = """
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def answer(prompt):
    tok = AutoTokenizer.from_pretrained("gpt2")
    model = AutoModelForCausalLM.from_pretrained("gpt2")
    with torch.no_grad():
        return tok.decode(model.generate(tok(prompt)))
"""


def test_a_framework_import_is_neither_training_nor_serving(make_project) -> None:
    root = make_project(
        {
            "pkg/__init__.py": "",
            "pkg/layers.py": LAYERS,
            "pkg/loop.py": TRAINING_LOOP,
            "pkg/serve.py": SERVING,
            "pkg/tok.py": "from transformers import AutoTokenizer\n\n\ndef tok(name):\n"
            "    return AutoTokenizer.from_pretrained(name)\n",
            "pkg/worker.py": """
                import torch
                from pkg.loader import load_model


                class Worker:
                    def __init__(self, path):
                        self.model = load_model(path)

                    @torch.inference_mode()
                    def embed(self, x):
                        return self.model(x)
            """,
            "pkg/loader.py": "def load_model(path):\n    return path\n",
        }
    )
    graph, _ = plan_for(root, {"pkg": "all"})
    mods = classify_modules(graph)
    layers = mods["pkg.layers"]
    # imports torch, torch.nn, defines an nn.Module: no training, no serving, no evidence of it
    assert not {"training", "inference"} & set(layers["roles"]), layers
    assert not [e for e in layers["evidence"] if "torch" in e["detail"]]
    # an optimizer step loop is training; from_pretrained of a model + generate is serving
    loop = mods["pkg.loop"]
    assert "training" in loop["strong"], loop
    details = {e["detail"] for e in loop["evidence"] if e["role"] == "training"}
    assert any("optimizer.step" in d for d in details), details
    assert any(d.startswith("calls torch.optim()") for d in details), details
    assert "inference" in mods["pkg.serve"]["strong"]
    # a tokenizer's from_pretrained loads no weights and is no model artifact
    assert not {"registry", "inference"} & set(mods["pkg.tok"]["roles"]), mods["pkg.tok"]
    # load_model() and an @inference_mode decorator: a model that runs in the process
    worker = mods["pkg.worker"]
    assert "inference" in worker["strong"], worker
    inf = [e["detail"] for e in worker["evidence"] if e["role"] == "inference"]
    assert any(d.startswith("@torch.inference_mode") for d in inf), inf
    assert any(d.startswith("loads model weights: load_model()") for d in inf), inf


ENTMAX_APP = {
    "app/__init__.py": "",
    # as in ludwig, the HTTP front door runs the model itself (torch in its image)
    "app/api.py": """
        import torch
        from fastapi import APIRouter
        from app.models.net import predict
        router = APIRouter()

        @router.post("/predict")
        def route(x):
            return predict(x)
    """,
    "app/models/__init__.py": "",
    "app/models/net.py": _pad(
        """
        from app.entmax.activations import Sparsemax


        def predict(x):
            return Sparsemax()(x)
        """,
        "net",
    ),
    "app/entmax/__init__.py": "from app.entmax.activations import Sparsemax\n",
    "app/entmax/activations.py": _pad(LAYERS, "act"),
    "app/entmax/losses.py": _pad(
        "import torch\nfrom app.entmax.activations import entmax15\n\n\ndef loss(x):\n"
        "    return torch.sum(entmax15(x))\n",
        "loss",
    ),
    "app/entmax/root_finding.py": _pad(
        "import torch.nn as nn\nfrom app.entmax.activations import Sparsemax\n\n\n"
        "class Bisect(nn.Module):\n    def forward(self, x):\n        return Sparsemax()(x)\n",
        "root",
    ),
}
ENTMAX_SERVICES = {"app.entmax": "entmax", "app.models": "models", "app": "web"}


def test_layers_are_not_extracted_as_a_service(make_project) -> None:
    """Regression (ludwig): `entmax`, activation layers run inside a model's forward pass, was
    "extract `entmax`" with "primary role training" and "holds model serving code (imports
    torch)"."""
    dec = _evaluate(make_project(ENTMAX_APP), ENTMAX_SERVICES)["decision"]
    ent = dec["services"]["entmax"]
    assert "entmax" not in dec["candidates"]
    assert ent["criteria"]["model_deployment"]["score"] == 0
    assert ent["criteria"]["model_deployment"]["evidence"] == ["no model code"]
    assert ent["criteria"]["independent_scaling"]["score"] < 1, ent["criteria"]
    assert ent["facts"]["primary_role"] not in ("training", "inference")
    assert "extract" not in dec["headline"].lower()


# ---------------------------------------------------------------- substance of a candidate

GPU_MODEL = """
from transformers import AutoModelForCausalLM


def generate_{tag}(prompt):
    model = AutoModelForCausalLM.from_pretrained("gpt2").cuda()
    return model.generate(prompt)
"""


def _gpu_app(settled: bool, pad: bool = True) -> dict[str, str]:
    """An HTTP front door on a slim image and a GPU service of three model modules. Settled:
    the three import each other (their pull is to their own service). Not settled: each
    imports the web service's helpers and none of its siblings."""
    files = {
        "app/__init__.py": "",
        "app/api.py": """
            from fastapi import APIRouter
            from app.util import norm
            router = APIRouter()

            @router.get("/x")
            def x(q):
                # the route runs the model: GPU code the running system never loads would be
                # library code, not a service
                from app.gpu.m_a import generate_a

                return generate_a(norm(q))
        """,
        "app/util.py": "def norm(q):\n    return q\n\n\ndef clip(q):\n    return q\n" + FILLER,
        "app/gpu/__init__.py": "",
    }
    for i, tag in enumerate(("a", "b", "c")):
        other = ("a", "b", "c")[(i + 1) % 3]
        head = (
            f"from app.gpu.m_{other} import generate_{other}\n"
            if settled
            else "from app.util import norm, clip\n"
        )
        body = head + GPU_MODEL.replace("{tag}", tag)
        files[f"app/gpu/m_{tag}.py"] = _pad(body, tag) if pad else body
    return files


def test_a_mostly_contested_service_is_not_a_candidate(make_project) -> None:
    settled = _evaluate(make_project(_gpu_app(True)), {"app.gpu": "gpu", "app": "web"})
    dec = settled["decision"]
    assert dec["candidates"] == ["gpu"], dec["services"]["gpu"]["why_not"]
    assert dec["services"]["gpu"]["facts"]["contested_modules"] == 0

    loose = _evaluate(make_project(_gpu_app(False)), {"app.gpu": "gpu", "app": "web"})
    dec = loose["decision"]
    gpu = dec["services"]["gpu"]
    n = gpu["facts"]["contested_modules"]
    own = gpu["facts"]["modules"]
    assert n > CONTESTED_SHARE * own, gpu["facts"]
    assert "gpu" not in dec["candidates"]
    assert gpu["why_not"].startswith(f"boundary not settled: {n} of {own} modules contested")
    assert "`app.gpu.m_a`" in gpu["why_not"] and "vs `web`" in gpu["why_not"]
    # everything else about it would make a candidate
    assert gpu["total"] > 0 and gpu["criteria"]["independent_scaling"]["score"] >= 1


def test_a_tiny_service_is_not_a_candidate(make_project) -> None:
    dec = _evaluate(make_project(_gpu_app(True, pad=False)), {"app.gpu": "gpu", "app": "web"})[
        "decision"
    ]
    gpu = dec["services"]["gpu"]
    assert gpu["facts"]["lines"] < SMALL_LINES and gpu["facts"]["modules"] >= MIN_MODULES
    assert gpu["why_not"].startswith("too small to extract"), gpu["why_not"]
    assert f"{SMALL_LINES} lines" in gpu["why_not"]
    assert dec["candidates"] == []


# ---------------------------------------------------------------- a service that serves is no job

TRAIN_SCRIPT = _pad(
    """
    import torch
    from app.core.logic import answer


    def train(model, data):
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x in data:
            model(x).sum().backward()
            opt.step()
        return answer(model)


    if __name__ == "__main__":
        train(None, [])
    """,
    "tr",
)

SERVE = """
from fastapi import FastAPI
import uvicorn
from app.front.train import train

app = FastAPI()


@app.post("/predict")
def predict(x):
    return train(None, [x])


if __name__ == "__main__":
    uvicorn.run(app)
"""


def test_a_service_with_routes_is_never_a_job(make_project) -> None:
    """Regression (ludwig): `contribs` held `ludwig.serve` and its POST /predict, yet was "run
    `contribs` as a job: no API, no replicas"."""
    files = {
        "app/__init__.py": "",
        "app/core/__init__.py": "",
        "app/core/logic.py": "def answer(q):\n    return q\n" + FILLER,
        "app/front/__init__.py": "",
        "app/front/train.py": TRAIN_SCRIPT,
        "app/front/more.py": _pad("def more():\n    return 1\n", "more"),
    }
    services = {"app.core": "core", "app.front": "front", "app": "core"}
    job = _evaluate(make_project(files), services)["decision"]["services"]["front"]
    assert job["kind"] == "job" and job["facts"]["serves"] == []  # the control: scripts only

    dec = _evaluate(make_project({**files, "app/front/serve.py": SERVE}), services)["decision"]
    front = dec["services"]["front"]
    assert front["kind"] == "service" and not front["job"], front
    assert front["facts"]["serves"] == ["app.front.serve"]
    assert "as a job" not in dec["headline"]
    for step in dec["steps"]:
        assert "no API" not in " ".join(step["why"])


def test_service_kind_never_makes_a_serving_service_a_job() -> None:
    run = {"has_entries": True, "imported": [], "scripts": ["a/x.py:9"], "scheduled": []}
    args = ("t", ["a.x", "a.y", "a.z"], 0, [], "training", "gpu")
    assert service_kind(*args, run)[0] == "job"
    kind, facts = service_kind(*args, {**run, "serves": ["a.y"]})
    assert kind == "service" and facts["serves"] == ["a.y"]


# ---------------------------------------------------------------- imports are not entries

RAY_LIBRARY = {
    "lib/__init__.py": "",
    "lib/resources.py": _pad(
        """
        class ResourceManager:
            def _init_ray(self):
                import ray

                ray.init(num_cpus=2)
                return ray
        """,
        "res",
    ),
    "lib/parallel.py": _pad(
        """
        import ray


        @ray.remote
        def fit_fold(model, x):
            return model.fit(x)


        class RayParallelFitter:
            def __init__(self):
                ray.init()

            def run(self, model, folds):
                return ray.get([fit_fold.remote(model, x) for x in folds])
        """,
        "par",
    ),
    "lib/hpo.py": _pad(
        "from ray import tune\n\n\ndef search(space):\n    return tune.choice(space)\n", "hpo"
    ),
    "lib/models.py": _pad("import torch\n\n\ndef zeros(n):\n    return torch.zeros(n)\n", "mod"),
}
RAY_SERVICES = {"lib.resources": "common", "lib.parallel": "ensemble", "lib.hpo": "hpo"}


def test_an_import_of_ray_does_not_make_a_library_deployable(make_project) -> None:
    """Regression (autogluon): `import ray` inside ResourceManager._init_ray() made the module an
    "orchestration" entry and the library "extract 8 services"."""
    root = make_project(RAY_LIBRARY)
    graph, plan = plan_for(root, RAY_SERVICES)
    roles = classify(graph, plan)
    assert reachability(graph, roles)["entries"] == {}
    assert deployable_evidence(graph, roles, root) == []
    dec = evaluate(root, graph, plan, history_enabled=False)["decision"]
    assert dec["verdict"] == "library", dec["why"]
    assert dec["candidates"] == [] and dec["deployable"] == []
    # the roles still say what the code does: @ray.remote is parallel work, not a runner entry
    par = roles["modules"]["lib.parallel"]
    assert "worker" in par["strong"] and par["runner"] == []


def test_runner_registrations_are_entries(make_project) -> None:
    root = make_project(
        {
            **RAY_LIBRARY,
            "lib/tasks.py": """
                from celery import shared_task


                @shared_task
                def reindex(doc):
                    return doc
            """,
            "lib/dags.py": """
                from airflow import DAG


                with DAG("nightly") as dag:
                    pass
            """,
            "lib/ray_only.py": "import celery\nimport airflow\n\n\ndef f():\n    return 1\n",
        }
    )
    graph, plan = plan_for(root, RAY_SERVICES)
    roles = classify(graph, plan)
    reach = reachability(graph, roles)
    assert reach["entries"]["lib.tasks"] == "runner registration: @celery.shared_task on reindex"
    assert reach["entries"]["lib.dags"] == "runner registration: DAG object airflow.DAG()"
    assert "lib.ray_only" not in reach["entries"]  # imports of celery and airflow alone
    assert "lib.tasks" in reach["serves"] and "lib.dags" not in reach["serves"]
    ev = deployable_evidence(graph, roles, root)
    assert "worker: lib.tasks (@celery.shared_task on reindex)" in ev
    assert "orchestration: lib.dags (DAG object airflow.DAG())" in ev
    assert not [x for x in ev if "ray" in x]


# ------------------------------------------------------- the front door is the request path


def test_the_front_door_earns_no_scaling_point_for_its_role(make_project) -> None:
    """Regression (ludwig): the only HTTP service (`contribs`, holding `ludwig.serve`) scored
    "primary role ...: load that is not the request path"."""
    files = {
        "app/__init__.py": "",
        "app/lab/__init__.py": "",
        "app/lab/handler.py": """
            from fastapi import APIRouter
            from app.lab.loop import train
            router = APIRouter()

            @router.post("/train")
            def route(x):
                return train(x, [])
        """,
        "app/lab/loop.py": _pad(TRAINING_LOOP, "loop"),
        "app/lab/loop2.py": _pad(TRAINING_LOOP, "loop2"),
        "app/other/__init__.py": "",
        "app/other/x.py": _pad("def x():\n    return 1\n", "x"),
    }
    dec = _evaluate(make_project(files), {"app.lab": "web", "app": "other"})["decision"]
    web = dec["services"]["web"]
    assert web["facts"]["primary_role"] == "training"
    scaling = web["criteria"]["independent_scaling"]
    assert scaling["score"] == 0, scaling
    assert any("HTTP front door" in e for e in scaling["evidence"]), scaling
    assert "web" not in dec["candidates"]
