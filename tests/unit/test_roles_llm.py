"""LLM API clients versus model serving: a hosted-LLM SDK makes a network-bound client on a slim
image; loading weights (torch, transformers, vllm, sentence-transformers) makes model serving."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from decompose.coupling import data_coupling
from decompose.decision import decide, decision_markdown
from decompose.footprint import LLM_API_NOTE, footprints, is_llm_api
from decompose.roles import classify, classify_modules
from tests.unit._plans import plan_for

FILLER = "\n".join(f"def helper_{i}(x):\n    return x + {i}\n" for i in range(200))


def _big(source: str) -> str:
    """A module's source padded with helpers, so that it weighs in lines."""
    return textwrap.dedent(source).lstrip("\n") + "\n" + FILLER


FILES = {
    "app/__init__.py": "",
    # The HTTP front door, calling every other service.
    "app/web.py": """
        from fastapi import APIRouter
        from app.chat import ask
        from app.judge import grade
        from app.hf import answer
        from app.fast import serve_batch
        from app.embed_local import embed as embed_local
        from app.embed_api import embed as embed_api
        from app.mixed.client import summarize
        router = APIRouter()

        @router.post("/ask")
        def ask_route(q):
            return ask(q), grade(q), answer(q), serve_batch([q]), embed_local(q), embed_api(q)

        @router.post("/sum")
        def sum_route(q):
            return summarize(q)
    """,
    "app/chat.py": _big(
        """
        from openai import OpenAI

        client = OpenAI()

        def ask(question):
            reply = client.chat.completions.create(model="gpt-4o", messages=[question])
            return reply.choices[0].message.content
    """
    ),
    "app/judge.py": _big(
        """
        import anthropic
        import litellm

        def grade(text):
            a = anthropic.Anthropic().messages.create(model="claude", messages=[text])
            b = litellm.completion(model="gpt-4o", messages=[text])
            return a, b
    """
    ),
    "app/hf.py": _big(
        """
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        def answer(prompt):
            tok = AutoTokenizer.from_pretrained("gpt2")
            model = AutoModelForCausalLM.from_pretrained("gpt2")
            model.eval()
            with torch.no_grad():
                return tok.decode(model.generate(tok(prompt)))
    """
    ),
    "app/fast.py": _big(
        """
        from vllm import LLM, SamplingParams

        def serve_batch(prompts):
            llm = LLM(model="meta-llama/Llama-3-8B")
            return llm.generate(prompts, SamplingParams(max_tokens=64))
    """
    ),
    "app/embed_local.py": _big(
        """
        from sentence_transformers import SentenceTransformer

        def embed(text):
            return SentenceTransformer("all-MiniLM-L6-v2").encode([text])
    """
    ),
    "app/embed_api.py": _big(
        """
        import openai

        def embed(text):
            return openai.OpenAI().embeddings.create(model="text-embedding-3-small", input=text)
    """
    ),
    # One service with both: a hosted-LLM client and a local model.
    "app/mixed/__init__.py": "",
    "app/mixed/client.py": _big(
        """
        from openai import OpenAI
        from app.mixed.local import rerank

        def summarize(text):
            out = OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[text])
            return rerank(out)
    """
    ),
    "app/mixed/local.py": """
        import torch
        from app.mixed.net import Net

        def rerank(x):
            net = Net()
            net.load_state_dict(torch.load("reranker.pt"))
            with torch.no_grad():
                return net(x)
    """,
    "app/mixed/net.py": "import torch.nn\n\nclass Net(torch.nn.Module):\n    pass\n",
}
SERVICES = {
    "app.chat": "chat",
    "app.judge": "judge",
    "app.hf": "hf",
    "app.fast": "fast",
    "app.embed_local": "embed_local",
    "app.embed_api": "embed_api",
    "app.mixed": "mixed",
    "app": "web",
}


def _analyze(root: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    graph, plan = plan_for(root, SERVICES)
    roles = classify(graph, plan)
    fps = footprints(graph, plan)
    hist = {"available": False, "reason": "test"}
    dec = decide(graph, plan, roles, fps, data_coupling(graph, plan), hist)
    return roles, fps, dec


def _evidence(mod: dict[str, Any], role: str) -> list[str]:
    return [e["detail"] for e in mod["evidence"] if e["role"] == role]


def test_module_roles_split_clients_from_serving(make_project) -> None:
    root = make_project(FILES)
    graph, _ = plan_for(root, SERVICES)
    mods = classify_modules(graph)
    # openai only: an LLM API client, with the import and the call as evidence.
    chat = mods["app.chat"]
    assert chat["primary"] == "llm_client" and "inference" not in chat["roles"]
    assert "imports openai" in _evidence(chat, "llm_client")
    assert any(d.startswith("calls completions.create()") for d in _evidence(chat, "llm_client"))
    # anthropic + litellm.
    judge = mods["app.judge"]
    assert judge["roles"] == ["llm_client"]
    ev = _evidence(judge, "llm_client")
    assert {"imports anthropic", "imports litellm"} <= set(ev)
    assert any("messages.create()" in d for d in ev) and any("completion()" in d for d in ev)
    # torch + from_pretrained: model serving; the weights are the model's, not the tokenizer's.
    hf = mods["app.hf"]
    assert hf["primary"] == "inference" and "llm_client" not in hf["roles"]
    loads = [d for d in _evidence(hf, "inference") if d.startswith("loads model weights")]
    assert loads == [
        "loads model weights: from_pretrained() via "
        "transformers.AutoModelForCausalLM.from_pretrained"
    ]
    assert any(d.startswith("calls torch.no_grad()") for d in _evidence(hf, "inference"))
    # vllm: serving.
    assert mods["app.fast"]["primary"] == "inference"
    assert "imports vllm" in _evidence(mods["app.fast"], "inference")
    # Embeddings: local sentence-transformers is inference, the hosted API a client.
    assert mods["app.embed_local"]["primary"] == "inference"
    assert "imports sentence_transformers" in _evidence(mods["app.embed_local"], "inference")
    api_emb = mods["app.embed_api"]
    assert api_emb["roles"] == ["llm_client"]
    assert any(d.startswith("calls embeddings.create()") for d in _evidence(api_emb, "llm_client"))
    # A load_state_dict of weights is inference too.
    local = mods["app.mixed.local"]
    assert "inference" in local["roles"]
    assert any("load_state_dict()" in d for d in _evidence(local, "inference"))


def test_service_roles_footprints_and_criteria(make_project) -> None:
    root = make_project(FILES)
    roles, fps, dec = _analyze(root)
    svc = roles["services"]
    fp = fps["services"]
    per = dec["services"]
    # Hosted-LLM clients: slim images, their SDKs listed with a note, no scaling or model credit.
    for name, sdks in (("chat", ["openai"]), ("judge", ["anthropic", "litellm"])):
        assert svc[name]["primary"] == "llm_client"
        assert fp[name]["image"] == "slim" and fp[name]["gpu_runtimes"] == []
        assert fp[name]["llm_apis"] == sdks
        notes = {d["distribution"]: d["note"] for d in fp[name]["distributions"]}
        assert all(notes[s] == LLM_API_NOTE for s in sdks)
        crit = per[name]["criteria"]
        assert crit["independent_scaling"]["score"] == 0
        assert any("hosted LLM APIs" in e for e in crit["independent_scaling"]["evidence"])
        assert any("LLM API client" in e for e in crit["independent_scaling"]["evidence"])
        assert crit["model_deployment"]["score"] == 0
        assert crit["model_deployment"]["evidence"][0].startswith("calls hosted LLM APIs only")
        assert crit["infrastructure_cost"]["score"] == -1
        assert per[name]["candidate"] is False
        assert per[name]["facts"]["llm_apis"] == sdks
    assert fp["embed_api"]["image"] == "slim" and fp["embed_api"]["llm_apis"] == ["openai"]
    assert svc["embed_api"]["primary"] == "llm_client"
    # Local models: serving, heavy images, scaling and model-deployment credit.
    assert (svc["hf"]["primary"], fp["hf"]["image"]) == ("inference", "gpu-capable")
    assert (svc["fast"]["primary"], fp["fast"]["image"]) == ("inference", "gpu")
    assert (svc["embed_local"]["primary"], fp["embed_local"]["image"]) == (
        "inference",
        "large-cpu",
    )
    for name in ("hf", "fast", "embed_local"):
        assert fp[name]["llm_apis"] == []
        crit = per[name]["criteria"]
        assert crit["independent_scaling"]["score"] == 2
        assert crit["model_deployment"]["score"] == 2
        assert "model serving" in crit["model_deployment"]["evidence"][0]
    # one-module services are too small to extract (docs/decision.md, "Substance of a
    # candidate"); the local model server fails on size alone, the hosted client before that
    assert "chat" not in dec["candidates"]
    assert per["fast"]["why_not"].startswith("too small to extract"), per["fast"]["why_not"]
    assert "too small" not in per["chat"]["why_not"]
    # Both in one service: both roles, the local model decides the image and the criteria.
    mixed = svc["mixed"]
    assert {"llm_client", "inference"} <= set(mixed["strong_roles"])
    assert mixed["modules_by_role"]["llm_client"] == ["app.mixed.client"]
    assert "app.mixed.local" in mixed["modules_by_role"]["inference"]
    assert fp["mixed"]["image"] == "gpu-capable" and fp["mixed"]["llm_apis"] == ["openai"]
    assert per["mixed"]["criteria"]["model_deployment"]["score"] == 2
    # The plan as a whole names the clients apart from the model code.
    md = dec["criteria"]["model_deployment"]["evidence"]
    assert any(e.startswith("model code separable in:") and "chat" not in e for e in md)
    assert any(e.startswith("hosted LLM API clients") and "chat, embed_api" in e for e in md)


def test_report_shows_hosted_llm_apis(make_project) -> None:
    from decompose.config import load_config
    from decompose.pipeline import analyze

    root = make_project(FILES)
    analysis = analyze(root, load_config(root))
    text = decision_markdown(analysis)
    assert "| hosted LLM APIs |" in text
    assert "LLM API client" in text
    payload = json.dumps(analysis.plan.extras["footprints"], sort_keys=True)
    assert '"llm_apis"' in payload


def test_remote_generate_and_names(make_project) -> None:
    root = make_project(
        {
            "svc/__init__.py": "",
            # generate() on a client object asks a model served elsewhere.
            "svc/adapter.py": """
                import httpx

                class Adapter:
                    def __init__(self):
                        self.client = httpx.Client()

                    def run(self, ids):
                        return self._get_sglang_client().generate(ids)
            """,
            # A tokenizer alone loads no weights.
            "svc/count.py": """
                from transformers import AutoTokenizer

                def count(text):
                    return len(AutoTokenizer.from_pretrained("gpt2")(text))
            """,
            # Neither ``server`` nor ``serve`` is evidence of model serving: a name alone
            # makes no role.
            "svc/server/__init__.py": "",
            "svc/server/app.py": "def start():\n    return 1\n",
            "svc/serve/__init__.py": "",
            "svc/serve/worker.py": "def start():\n    return 1\n",
            "svc/llm/__init__.py": "",
            "svc/llm/prompts.py": "def prompt():\n    return 'hi'\n",
            # A model worker with many routes keeps its vllm serving role.
            "svc/vllm_worker.py": """
                from fastapi import FastAPI
                from vllm import AsyncLLMEngine
                app = FastAPI()

                @app.post("/a")
                def a(): ...
                @app.post("/b")
                def b(): ...
                @app.post("/c")
                def c(): ...
                @app.post("/d")
                def d(): ...
            """,
        }
    )
    graph, _ = plan_for(root, {"svc": "svc"})
    mods = classify_modules(graph)
    adapter = mods["svc.adapter"]
    assert "inference" not in adapter["roles"]
    assert adapter["scores"].get("llm_client") == 1
    assert not any(
        d.startswith("loads model weights") for d in _evidence(mods["svc.count"], "inference")
    )
    assert "inference" not in mods["svc.count"]["roles"]
    assert "inference" not in mods["svc.server.app"]["roles"]
    assert mods["svc.serve.worker"]["primary"] == "business"
    assert mods["svc.llm.prompts"]["primary"] == "business"
    assert mods["svc.llm.prompts"]["strong"] == []
    assert set(mods["svc.vllm_worker"]["roles"]) >= {"api", "inference"}


def test_llm_api_imports() -> None:
    assert is_llm_api("openai") and is_llm_api("openai.types.chat")
    assert is_llm_api("anthropic.types.beta.messages") and is_llm_api("google.genai")
    assert is_llm_api("llama_index.llms.openai")
    assert not is_llm_api("llama_index.llms.huggingface")
    assert not is_llm_api("torch") and not is_llm_api("openai_like_but_not")


def test_sdk_types_alone_are_not_a_client(make_project) -> None:
    """Importing an SDK's message types (schemas, no call) weighs 1: below a role on its own."""
    root = make_project(
        {
            "pkg/__init__.py": "",
            "pkg/messages.py": "from openai.types.chat import ChatCompletionMessage\n\n"
            "def f(m: ChatCompletionMessage):\n    return m\n",
        }
    )
    graph, _ = plan_for(root, {"pkg": "pkg"})
    mod = classify_modules(graph)["pkg.messages"]
    assert mod["roles"] == ["business"] and mod["scores"] == {"llm_client": 1}
