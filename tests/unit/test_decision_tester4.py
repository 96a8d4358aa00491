"""Fourth tester's evidence errors in the decision (docs/decision.md):

- F1: a ``huggingface_hub`` import (a telemetry ping, a dataset push) was "model serving/registry
  code" (+2 model deployment flexibility): model code is what loads, saves or serves weights;
- F8: a serving framework's per-framework adapters (``import torch`` to wrap it, loaded by the
  users' own code, never by the framework's server or CLI) were "extract as a GPU service";
- F10: Alembic migrations were a second *writer* of every table they touch;
- F11: the HTTP front door was the lightest service with a route, so router services mounted
  into the real app earned "large image kept off the API replicas".
"""

from __future__ import annotations

from tests.unit._plans import evaluate_plan, pad

APP = """
from fastapi import FastAPI
import uvicorn
from app.routes import router

app = FastAPI()
app.include_router(router)


@app.get("/health")
def health():
    return "ok"


if __name__ == "__main__":
    uvicorn.run(app)
"""
ROUTES = """
from fastapi import APIRouter

router = APIRouter()


@router.get("/items")
def items():
    return []
"""

# ---------------------------------------------------------------- F1: a hub client is no model


def test_a_hub_client_import_is_not_model_code(make_project) -> None:
    """Regression (argilla-server): ``from huggingface_hub.utils import send_telemetry`` and a
    dataset export through ``HfApi`` were "holds model serving/registry code ... models could
    ship and roll back without the API"."""
    root = make_project(
        {
            "app/__init__.py": "",
            "app/main.py": APP,
            "app/routes.py": ROUTES,
            "app/telemetry/__init__.py": "",
            "app/telemetry/client.py": pad(
                """
                from huggingface_hub.utils import send_telemetry


                def ping(topic):
                    send_telemetry(topic=topic, library_name="app")
                """,
                "tel",
            ),
            "app/hub/__init__.py": "",
            "app/hub/export.py": pad(
                """
                from huggingface_hub import HfApi, DatasetCard


                def push(name, rows):
                    api = HfApi()
                    api.create_repo(name, repo_type="dataset")
                    DatasetCard("# data").push_to_hub(name)
                """,
                "hub",
            ),
            "app/models/__init__.py": "",
            "app/models/weights.py": pad(
                """
                import torch
                from huggingface_hub import hf_hub_download


                def fetch(repo):
                    path = hf_hub_download(repo, "pytorch_model.bin")
                    return torch.load(path)
                """,
                "w",
            ),
        }
    )
    services = {
        "app.telemetry": "telemetry",
        "app.hub": "hub",
        "app.models": "models",
        "app": "web",
    }
    out = evaluate_plan(root, services)
    dec = out["decision"]
    for name in ("telemetry", "hub"):
        md = dec["services"][name]["criteria"]["model_deployment"]
        assert md["score"] == 0, (name, md)
        assert md["evidence"] == ["no model code"], md
    # a real download of model files and a torch.load stay model code
    md = dec["services"]["models"]["criteria"]["model_deployment"]
    assert md["score"] == 2, md
    assert "app.models.weights" in md["evidence"][0]
    # the use, not the import, is the evidence
    assert "imports huggingface_hub" not in md["evidence"][0], md
    assert "hf_hub_download()" in md["evidence"][0] or "torch.load()" in md["evidence"][0], md
    plan_md = dec["criteria"]["model_deployment"]["evidence"][0]
    assert plan_md == "model code separable in: models", plan_md
    # the telemetry module is no model registry either
    tel = out["roles"]["modules"]["app.telemetry.client"]
    assert "registry" not in tel["roles"], tel


# ---------------------------------------------------------------- F10: migrations define schema


def test_migrations_are_not_table_writers(make_project) -> None:
    """Regression (argilla-server): Alembic revisions that ``op.execute("UPDATE datasets ...")``
    made "5 tables written by two services" and "shares written tables" for the service that
    holds the migrations."""
    root = make_project(
        {
            "app/__init__.py": "",
            "app/main.py": APP,
            "app/routes.py": ROUTES,
            "app/store/__init__.py": "",
            "app/store/repo.py": """
                def save(conn, name):
                    conn.execute("INSERT INTO datasets (name) VALUES (?)", (name,))


                def rename(conn, old, new):
                    conn.execute("UPDATE datasets SET name = ? WHERE name = ?", (new, old))
            """,
            "app/alembic/__init__.py": "",
            "app/alembic/versions/__init__.py": "",
            "app/alembic/versions/a1b2_add_status.py": """
                from alembic import op


                def upgrade():
                    op.execute("ALTER TABLE datasets ADD COLUMN status TEXT")
                    op.execute("UPDATE datasets SET status = 'ready'")


                def downgrade():
                    op.execute("DELETE FROM datasets WHERE status IS NULL")
            """,
        }
    )
    services = {"app.store": "store", "app.alembic": "core", "app": "core"}
    out = evaluate_plan(root, services)
    table = next(t for t in out["data_coupling"]["tables"] if t["name"] == "datasets")
    assert table["writers"] == ["store"], table
    assert "core" in table["schema"], table
    assert out["data_coupling"]["summary"]["multi_writer_tables"] == 0
    dec = out["decision"]
    assert dec["services"]["store"]["facts"]["multi_writer_tables"] == []
    assert not any("written by two" in w and "(1 written" in w for w in dec["why"]), dec["why"]
    assert not any("(1 written by two)" in w for w in dec["why"]), dec["why"]


# ---------------------------------------------------------------- F11: the front door


def test_routers_mounted_in_the_app_get_no_api_replica_credit(make_project) -> None:
    """Regression (arize-phoenix): `agents`, `trace`, `types` hold routers that the app factory
    of another service mounts; they were "+1 independent scaling ... pyarrow kept off the API
    replicas" because the front door was the lightest service with any route."""
    files = {
        "app/__init__.py": "",
        "app/server/__init__.py": "",
        "app/server/main.py": pad(
            """
            from fastapi import FastAPI
            import uvicorn
            from app.routes.items import router as items
            from app.datasets.api import router as datasets

            app = FastAPI()
            app.include_router(items)
            app.include_router(datasets)


            def serve():
                uvicorn.run(app)
            """,
            "srv",
        ),
        "app/server/deps.py": pad("def dep():\n    return 1\n", "dep"),
        # a heavy router service: pyarrow, but its routes are served by app.server's app
        "app/datasets/__init__.py": "",
        "app/datasets/api.py": pad(
            """
            import pyarrow as pa
            from fastapi import APIRouter

            router = APIRouter()


            @router.get("/datasets")
            def datasets():
                return pa.table({"a": [1]}).to_pylist()
            """,
            "ds",
        ),
        "app/datasets/io.py": pad("import pyarrow\n\n\ndef read(p):\n    return p\n", "io"),
        "app/datasets/more.py": pad("def more():\n    return 2\n", "dm"),
        # a tiny slim router: the old rule's "front door"
        "app/routes/__init__.py": "",
        "app/routes/items.py": ROUTES,
    }
    services = {"app.server": "server", "app.datasets": "datasets", "app.routes": "items"}
    dec = evaluate_plan(make_project(files), services)["decision"]
    ds = dec["services"]["datasets"]
    crit = ds["criteria"]
    text = " ".join(e for c in crit.values() for e in c["evidence"])
    assert "kept off the API replicas" not in text, crit
    assert "front door (items)" not in text, crit
    assert crit["independent_scaling"]["score"] == 0, crit["independent_scaling"]
    assert crit["infrastructure_cost"]["score"] == -1, crit["infrastructure_cost"]
    assert "stays out of the API" not in " ".join(crit["fault_isolation"]["evidence"])
    assert "datasets" not in dec["criteria"]["independent_scaling"]["evidence"][0]
    assert dec["front_door"] == "server"


MODEL_WORKER = """
import torch
import uvicorn
from fastapi import FastAPI
from transformers import AutoModelForCausalLM

app = FastAPI()
model = AutoModelForCausalLM.from_pretrained("gpt2").to("cuda")


@app.post("/generate")
def generate(prompt):
    with torch.no_grad():
        return model.generate(prompt)


if __name__ == "__main__":
    uvicorn.run(app)
"""


def test_a_model_worker_with_its_own_server_still_scales_apart(make_project) -> None:
    """The control (fschat): GPU model workers run their own HTTP server, apart from the slim API
    server; they keep their image credit."""
    files = {
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/server.py": pad(APP.replace("app.routes", "app.api.routes"), "api"),
        "app/api/routes.py": ROUTES,
        "app/worker/__init__.py": "",
        "app/worker/model_worker.py": pad(MODEL_WORKER, "mw"),
        "app/worker/loader.py": pad("import torch\n\n\ndef dev():\n    return 'cuda'\n", "ld"),
        "app/worker/batching.py": pad("def batch(x):\n    return [x]\n", "bt"),
    }
    dec = evaluate_plan(make_project(files), {"app.api": "api", "app.worker": "worker"})["decision"]
    assert dec["front_door"] == "api"
    w = dec["services"]["worker"]["criteria"]
    assert w["independent_scaling"]["score"] >= 1, w["independent_scaling"]
    assert w["infrastructure_cost"]["score"] == 2, w["infrastructure_cost"]


# ---------------------------------------------------------------- F8: a framework's adapters

ADAPTER = """
import torch


def save_model(name, model):
    torch.save(model.state_dict(), name)


def load_model(name, model):
    model.load_state_dict(torch.load(name))
    return model.to("cuda")
"""


def test_framework_adapters_are_not_a_gpu_service(make_project) -> None:
    """Regression (bentoml): ``_internal.frameworks.*``, per-framework save/load adapters that
    the users' own service code imports (the framework's server and CLI never do), were
    "Modular monolith, then extract `frameworks`" as a GPU service."""
    files = {
        "fw/__init__.py": "",
        "fw/server/__init__.py": "",
        "fw/server/app.py": pad(
            """
            from fastapi import FastAPI
            import uvicorn
            from fw.core.config import settings

            app = FastAPI()


            @app.post("/call")
            def call(x):
                return settings(x)


            def main():
                uvicorn.run(app)
            """,
            "app",
        ),
        "fw/server/runner.py": pad("def run():\n    return 1\n", "run"),
        "fw/core/__init__.py": "",
        "fw/core/config.py": pad("def settings(x):\n    return x\n", "cfg"),
        "fw/core/store.py": pad("def store(x):\n    return x\n", "st"),
        "fw/frameworks/__init__.py": "",
        "fw/frameworks/pytorch.py": pad(ADAPTER, "pt"),
        "fw/frameworks/lightning.py": pad(ADAPTER, "pl"),
        "fw/frameworks/common.py": pad("import torch\n\n\ndef dev():\n    return 'cuda'\n", "cm"),
        "fw/frameworks/utils.py": pad("def name(x):\n    return str(x)\n", "fu"),
    }
    services = {"fw.frameworks": "frameworks", "fw.server": "server", "fw": "core"}
    dec = evaluate_plan(make_project(files), services)["decision"]
    fr = dec["services"]["frameworks"]
    assert "frameworks" not in dec["candidates"], fr
    assert "extract" not in dec["headline"].lower(), dec["headline"]
    crit = fr["criteria"]
    assert crit["independent_scaling"]["score"] == 0, crit["independent_scaling"]
    assert crit["infrastructure_cost"]["score"] == -1, crit["infrastructure_cost"]
    scaling = " ".join(crit["independent_scaling"]["evidence"])
    assert "never loads" in scaling, scaling
