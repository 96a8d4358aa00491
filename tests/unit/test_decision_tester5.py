"""Fifth tester's evidence errors in the decision (docs/decision.md):

- F2 residue: project-template trees attached to a service (``feast init`` skeletons) gave it
  model-deployment credit and image evidence; attached modules are never the service's code;
- N1: a tokenizer (``tokenizers`` import, a ``tokenizer`` module's ``from_pretrained``, a hub
  download beside ``tiktoken``) was "model serving/registry code";
- N3: a package name (``handlers``) made a module an HTTP API, then wiring / config;
- F8 residue: library code that runs in the caller's process still scored +1 independent
  scaling from its role; another HTTP app owner (feast's feature server) was "load that is
  not the request path".
"""

from __future__ import annotations

from decompose.roles import attached_modules, classify_modules
from tests.unit._plans import evaluate_plan, pad, plan_for

SERVER = """
from fastapi import FastAPI
import uvicorn

app = FastAPI()


@app.get("/features")
def features():
    return []


@app.get("/push")
def push():
    return []


if __name__ == "__main__":
    uvicorn.run(app)
"""


def test_template_trees_are_not_the_services_code(make_project) -> None:
    """feast: ``feast.templates.ray_rag.feature_repo.feature_definitions`` (imports
    sentence_transformers) gave the feature server's service +2 model deployment."""
    root = make_project(
        {
            "shop/__init__.py": "",
            "shop/server.py": pad(SERVER, "srv"),
            "shop/store.py": pad("def get(k):\n    return k\n", "st"),
            "shop/templates/__init__.py": "",
            "shop/templates/rag/__init__.py": "",
            "shop/templates/rag/repo/__init__.py": "",
            "shop/templates/rag/repo/definitions.py": """
                import torch
                from sentence_transformers import SentenceTransformer

                def embed(texts):
                    return SentenceTransformer("all-MiniLM-L6-v2").encode(texts)
            """,
            "shop/templates/rag/bootstrap.py": """
                import pyarrow

                def bootstrap():
                    return pyarrow.table({})
            """,
        }
    )
    graph, _ = plan_for(root, {"shop": "shop"})
    attached = attached_modules(graph)
    assert "shop.templates.rag.repo.definitions" in attached
    assert "shop.server" not in attached and "shop.store" not in attached
    out = evaluate_plan(root, {"shop": "shop"})
    svc = out["roles"]["services"]["shop"]
    listed = {m for ms in svc["modules_by_role"].values() for m in ms}
    assert not {m for m in listed if ".templates" in m}, svc["modules_by_role"]
    md = out["decision"]["services"]["shop"]["criteria"]["model_deployment"]
    assert md["score"] == 0, md
    fp = out["footprints"]["services"]["shop"]
    dists = {d["distribution"] for d in fp["distributions"]}
    assert not dists & {"sentence-transformers", "torch", "pyarrow"}, dists
    assert fp["image"] == "slim"


def test_a_tokenizer_is_not_a_model(make_project) -> None:
    """litellm: a vocabulary download (``hf_hub_download`` beside ``tiktoken``), ``import
    tokenizers`` and a ``tokenizer`` module's own ``from_pretrained`` helper were "model
    serving/registry code"; a weights download beside torch still is."""
    root = make_project(
        {
            "gw/__init__.py": "",
            "gw/server.py": pad(SERVER, "srv"),
            "gw/count/__init__.py": "",
            "gw/count/kimi.py": pad(
                """
                import tiktoken

                def ranks_path():
                    import huggingface_hub
                    return huggingface_hub.hf_hub_download(repo_id="x/y", filename="t.model")

                def encoding():
                    return tiktoken.Encoding("k", pat_str="", mergeable_ranks={})
                """,
                "kimi",
            ),
            "gw/count/tokenizer.py": pad(
                """
                from tokenizers import Tokenizer

                def from_pretrained(identifier):
                    return Tokenizer.from_pretrained(identifier)
                """,
                "tok",
            ),
            "gw/count/utils.py": pad(
                """
                from gw.count import tokenizer

                def count(text):
                    return len(tokenizer.from_pretrained("Xenova/llama-3-tokenizer").encode(text))
                """,
                "cu",
            ),
            "gw/local/__init__.py": "",
            "gw/local/weights.py": pad(
                """
                import torch
                from huggingface_hub import hf_hub_download

                def fetch(repo):
                    return torch.load(hf_hub_download(repo, "pytorch_model.bin"))
                """,
                "w",
            ),
        }
    )
    services = {"gw.count": "count", "gw.local": "local", "gw": "gw"}
    graph, _ = plan_for(root, services)
    mods = classify_modules(graph)
    for m in ("gw.count.kimi", "gw.count.tokenizer", "gw.count.utils"):
        assert not {"registry", "inference"} & set(mods[m]["roles"]), (m, mods[m])
    out = evaluate_plan(root, services)
    dec = out["decision"]
    md = dec["services"]["count"]["criteria"]["model_deployment"]
    assert md["score"] == 0, md
    local = dec["services"]["local"]["criteria"]["model_deployment"]
    assert local["score"] == 2, local
    assert dec["criteria"]["model_deployment"]["evidence"][0] == "model code separable in: local"


def test_a_package_name_makes_no_role(make_project) -> None:
    """mindsdb: ``integrations/handlers/*`` (database adapters) were "HTTP API: package name
    'handlers'", then "wiring / config"; a SQL executor under ``api/`` likewise."""
    root = make_project(
        {
            "mdb/__init__.py": "",
            "mdb/api/__init__.py": "",
            "mdb/api/http/__init__.py": "",
            "mdb/api/http/server.py": pad(SERVER, "srv"),
            "mdb/api/executor/__init__.py": "",
            "mdb/api/executor/planner.py": pad("def plan(q):\n    return [q]\n", "pl"),
            "mdb/integrations/__init__.py": "",
            "mdb/integrations/handlers/__init__.py": "",
            "mdb/integrations/handlers/shop/__init__.py": "",
            "mdb/integrations/handlers/shop/tables.py": pad(
                "def rows(client):\n    return client.fetch()\n", "sh"
            ),
        }
    )
    services = {
        "mdb.api.http": "http",
        "mdb.api.executor": "executor",
        "mdb.integrations": "handlers",
        "mdb": "http",
    }
    out = evaluate_plan(root, services)
    mods = out["roles"]["modules"]
    for m in ("mdb.integrations.handlers.shop.tables", "mdb.api.executor.planner"):
        assert mods[m]["primary"] == "business", (m, mods[m])
        assert not {"api", "wiring"} & set(mods[m]["roles"]), (m, mods[m])
    svcs = out["roles"]["services"]
    for s in ("executor", "handlers"):
        assert svcs[s]["primary"] == "business", (s, svcs[s])
        assert "from module names only" not in svcs[s]["primary_text"]
    # code evidence still counts: the route module is an HTTP API
    assert "api" in mods["mdb.api.http.server"]["roles"]


def test_library_code_in_the_callers_process_earns_no_scaling(make_project) -> None:
    """bentoml: ``frameworks`` was "runs in the caller's process, not a service of its own"
    and still +1 independent scaling from its model-serving role (plan +2)."""
    root = make_project(
        {
            "bm/__init__.py": "",
            "bm/server.py": pad(SERVER, "srv"),
            "bm/frameworks/__init__.py": "",
            "bm/frameworks/pt.py": pad(
                """
                import torch
                import onnxruntime

                def load(path):
                    return onnxruntime.InferenceSession(path)

                def run(model, x):
                    with torch.no_grad():
                        return model.predict(x)
                """,
                "pt",
            ),
        }
    )
    out = evaluate_plan(root, {"bm.frameworks": "frameworks", "bm": "core"})
    dec = out["decision"]
    sc = dec["services"]["frameworks"]["criteria"]["independent_scaling"]
    assert out["roles"]["services"]["frameworks"]["primary"] == "inference"
    assert sc["score"] == 0, sc
    text = " ".join(sc["evidence"])
    assert "caller's process" in text
    assert "load that is not the request path" not in text
    assert "frameworks" not in dec["criteria"]["independent_scaling"]["evidence"][0]


def test_an_http_app_of_its_own_is_a_request_path(make_project) -> None:
    """feast: the feature server's service (its own FastAPI app, pyarrow) was "data ingestion:
    load that is not the request path" and "large image kept off the API replicas" because a
    lighter lineage server was the front door. A model server behind an endpoint (GPU image)
    still scales apart."""
    root = make_project(
        {
            "fs/__init__.py": "",
            "fs/lineage/__init__.py": "",
            "fs/lineage/server.py": pad(SERVER, "lin"),
            "fs/serving/__init__.py": "",
            "fs/serving/feature_server.py": pad(
                SERVER
                + """
import pandas
import pyarrow
from kafka import KafkaConsumer


def ingest(path):
    for msg in KafkaConsumer("t").poll():
        pandas.read_parquet(path)
    return pyarrow.table({})
""",
                "fsv",
            ),
            "fs/worker/__init__.py": "",
            "fs/worker/model_server.py": pad(
                SERVER
                + """
import torch
from vllm import LLM


def gen(p):
    return LLM("m").generate(p)
""",
                "ms",
            ),
        }
    )
    services = {
        "fs.lineage": "lineage",
        "fs.serving": "serving",
        "fs.worker": "worker",
        "fs": "lineage",
    }
    out = evaluate_plan(root, services)
    dec = out["decision"]
    serving = dec["services"]["serving"]["criteria"]
    assert serving["independent_scaling"]["score"] == 0, serving["independent_scaling"]
    text = " ".join(serving["independent_scaling"]["evidence"])
    assert "load that is not the request path" not in text
    assert "application of its own" in text
    assert serving["infrastructure_cost"]["score"] < 1, serving["infrastructure_cost"]
    worker = dec["services"]["worker"]["criteria"]["independent_scaling"]
    assert worker["score"] >= 1, worker
