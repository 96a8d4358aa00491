"""Footprints: the third-party closure of each service, mapped to distributions, heavy runtimes
flagged, and which services need a GPU image.

The closure of a service is every non-stdlib, non-first-party module its modules import
(``graph.external`` edges; ``TYPE_CHECKING`` imports excluded). Import names map to distributions
through :data:`DISTRIBUTIONS` (names that differ, such as ``sklearn`` -> ``scikit-learn``), then
``importlib.metadata.packages_distributions()`` of the interpreter running decompose (it only
knows what is installed *here*, not in the analyzed project), then the import name itself
(marked ``guessed``).

A distribution is ``optional`` for a service when every import of it is guarded (``try/except
ImportError``, a version check) or sits inside a function (a lazy import): the service can start
without it. Heavy runtimes (:data:`GPU_RUNTIMES`, :data:`LARGE_RUNTIMES`) decide the image class:

- ``gpu``: a CUDA-only runtime (vllm, cupy, flash-attn, ...), or a GPU-capable one (torch,
  tensorflow, jax, onnxruntime), imported unconditionally, together with CUDA evidence in the
  service's code (a reference through ``torch.cuda`` or a ``.cuda()`` call);
- ``gpu-capable``: a GPU-capable runtime without CUDA evidence (CPU inference or training works,
  a GPU would be faster), or any GPU runtime imported only optionally or lazily;
- ``large-cpu``: large CPU libraries only (transformers without a backend, scipy, pyarrow...);
- ``slim``: none of the above.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any

from decompose.graph import ProgramGraph
from decompose.model import Plan
from decompose.partition import is_test_module

# import name -> distribution, where they differ (or where a well-known name is ambiguous).
DISTRIBUTIONS: dict[str, str] = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "PyYAML",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jose": "python-jose",
    "jwt": "PyJWT",
    "multipart": "python-multipart",
    "magic": "python-magic",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "fitz": "PyMuPDF",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyOpenSSL",
    "google.protobuf": "protobuf",
    "google.generativeai": "google-generativeai",
    "google.genai": "google-genai",
    "google.cloud.storage": "google-cloud-storage",
    "google.auth": "google-auth",
    "googleapiclient": "google-api-python-client",
    "attr": "attrs",
    "pkg_resources": "setuptools",
    "psycopg2": "psycopg2-binary",
    "pydantic_settings": "pydantic-settings",
    "sentence_transformers": "sentence-transformers",
    "llama_index": "llama-index",
    "llama_cpp": "llama-cpp-python",
    "flash_attn": "flash-attn",
    "faiss": "faiss-cpu",
    "tensorflow_hub": "tensorflow-hub",
    "sentencepiece": "sentencepiece",
    "huggingface_hub": "huggingface-hub",
    "qdrant_client": "qdrant-client",
    "prometheus_client": "prometheus-client",
    "opentelemetry": "opentelemetry-api",
    "sentry_sdk": "sentry-sdk",
    "websocket": "websocket-client",
    "serial": "pyserial",
    "win32api": "pywin32",
    "skimage": "scikit-image",
    "pytorch_lightning": "pytorch-lightning",
    "lightning": "lightning",
    "jaxlib": "jaxlib",
    "onnxruntime": "onnxruntime",
    "langchain_core": "langchain-core",
    "langchain_community": "langchain-community",
    "langchain_openai": "langchain-openai",
    "rest_framework": "djangorestframework",
    "sse_starlette": "sse-starlette",
    "confluent_kafka": "confluent-kafka",
    "kafka": "kafka-python",
    "auto_gptq": "auto-gptq",
    "awq": "autoawq",
    "markdown_it": "markdown-it-py",
    "email_validator": "email-validator",
    "magika": "magika",
}
# Import names that are also their distribution's name (known, so not "guessed").
SAME_NAME = frozenset(
    {
        "torch",
        "tensorflow",
        "jax",
        "transformers",
        "vllm",
        "numpy",
        "pandas",
        "polars",
        "requests",
        "httpx",
        "aiohttp",
        "tqdm",
        "openai",
        "anthropic",
        "gradio",
        "fastapi",
        "flask",
        "django",
        "starlette",
        "uvicorn",
        "pydantic",
        "sqlalchemy",
        "celery",
        "redis",
        "boto3",
        "scipy",
        "xgboost",
        "lightgbm",
        "catboost",
        "accelerate",
        "peft",
        "datasets",
        "tiktoken",
        "tokenizers",
        "sentencepiece",
        "safetensors",
        "deepspeed",
        "xformers",
        "ray",
        "mlflow",
        "joblib",
        "plotly",
        "matplotlib",
        "langchain",
        "litellm",
        "cohere",
        "groq",
        "ollama",
        "mistralai",
        "rich",
        "click",
        "typer",
        "psutil",
        "pytz",
        "shortuuid",
        "markdownify",
        "jsonlines",
        "websockets",
        "pytest",
        "openpyxl",
        "tenacity",
        "orjson",
        "ujson",
        "jinja2",
        "aiofiles",
        "asyncpg",
        "psycopg",
        "pymongo",
        "elasticsearch",
        "chromadb",
        "pgvector",
        "neo4j",
        "unstructured",
        "spacy",
        "nltk",
        "torchvision",
        "torchaudio",
        "diffusers",
        "timm",
        "onnx",
        "onnxruntime",
        "cupy",
        "triton",
        "bitsandbytes",
        "exllamav2",
        "ctranslate2",
        "einops",
        "wandb",
        "optuna",
        "prefect",
        "dagster",
        "airflow",
        "dramatiq",
        "rq",
        "arq",
        "huey",
        "kombu",
        "apscheduler",
        "schedule",
        "stripe",
        "twilio",
        "resend",
        "posthog",
        "magika",
        "pypdf",
        "sse_starlette",
    }
)
# CUDA-bound or GPU-capable runtimes: import name -> (distribution, note, cuda_only).
GPU_RUNTIMES: dict[str, tuple[str, bool]] = {
    "torch": ("PyTorch (CUDA wheels are several GB)", False),
    "tensorflow": ("TensorFlow", False),
    "jax": ("JAX", False),
    "jaxlib": ("JAX runtime", False),
    "onnxruntime": ("ONNX Runtime (onnxruntime-gpu for CUDA)", False),
    "paddle": ("PaddlePaddle", False),
    "mxnet": ("MXNet", False),
    "llama_cpp": ("llama.cpp bindings", False),
    "ctranslate2": ("CTranslate2", False),
    "vllm": ("vLLM (CUDA/ROCm only)", True),
    "cupy": ("CuPy (CUDA only)", True),
    "tensorrt": ("TensorRT (CUDA only)", True),
    "triton": ("Triton kernels (CUDA only)", True),
    "xformers": ("xFormers (CUDA kernels)", True),
    "flash_attn": ("FlashAttention (CUDA only)", True),
    "bitsandbytes": ("bitsandbytes (CUDA quantization)", True),
    "deepspeed": ("DeepSpeed (distributed GPU training)", True),
    "exllamav2": ("ExLlamaV2 (CUDA only)", True),
    "auto_gptq": ("AutoGPTQ (CUDA)", True),
    "awq": ("AutoAWQ (CUDA)", True),
}
# Large libraries that do not need a GPU but make an image big or slow to start.
LARGE_RUNTIMES: dict[str, str] = {
    "transformers": "Hugging Face transformers (needs a backend such as torch to run models)",
    "sentence_transformers": "sentence-transformers (pulls torch)",
    "diffusers": "diffusers (pulls torch)",
    "torchvision": "torchvision (pulls torch)",
    "torchaudio": "torchaudio (pulls torch)",
    "accelerate": "accelerate (pulls torch)",
    "peft": "PEFT (pulls torch)",
    "timm": "timm (pulls torch)",
    "spacy": "spaCy and its models",
    "scipy": "SciPy",
    "sklearn": "scikit-learn (+ SciPy)",
    "xgboost": "XGBoost",
    "lightgbm": "LightGBM",
    "catboost": "CatBoost",
    "pyarrow": "PyArrow",
    "pyspark": "PySpark (needs a JVM)",
    "cv2": "OpenCV",
    "faiss": "FAISS",
    "langchain": "LangChain (large dependency tree)",
    "llama_index": "LlamaIndex (large dependency tree)",
    "mlflow": "MLflow",
    "ray": "Ray",
    "unstructured": "unstructured (document parsing stack)",
    "whisper": "OpenAI Whisper (pulls torch)",
    "magika": "Magika (ONNX model)",
}
_RANK = {"slim": 0, "large-cpu": 1, "gpu-capable": 2, "gpu": 3}
_PICKLE_LOADS = frozenset(
    {"joblib.load", "pickle.load", "pickle.loads", "torch.load", "cloudpickle.load", "dill.load"}
)
_OPTIONAL_KINDS = frozenset({"optional", "fallback", "guarded", "dynamic"})


def distribution_of(name: str, installed: dict[str, list[str]] | None = None) -> tuple[str, str]:
    """Map an imported module name to a distribution.

    Args:
        name: dotted module name as imported (``sklearn.ensemble``).
        installed: ``importlib.metadata.packages_distributions()`` or None.

    Returns:
        ``(distribution, source)`` where source is ``table``, ``installed`` or ``guessed``.
    """
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in DISTRIBUTIONS:
            return DISTRIBUTIONS[key], "table"
    top = parts[0]
    if top in SAME_NAME:
        return top.replace("_", "-"), "table"
    if installed and top in installed and installed[top]:
        return sorted(installed[top])[0], "installed"
    return top, "guessed"


def _installed() -> dict[str, list[str]]:
    try:
        from importlib.metadata import packages_distributions

        return {k: list(v) for k, v in packages_distributions().items()}
    except Exception:  # noqa: BLE001 - metadata of a broken environment is only a hint
        return {}


def footprints(graph: ProgramGraph, plan: Plan) -> dict[str, Any]:
    """Third-party closure per service.

    Args:
        graph: the program graph (external edges, facts for CUDA evidence).
        plan: services to compute footprints for.

    Returns:
        ``{"services": {service: {"distributions": [{"distribution", "source", "imports",
        "modules", "optional", "heavy", "note", "evidence"}], "image": "gpu" | "gpu-capable" |
        "large-cpu" | "slim", "gpu_runtimes": [required GPU runtimes], "optional_gpu": [...],
        "gpu_modules": [modules importing a required GPU runtime], "large": [...],
        "cuda_evidence": [...], "loads_pickles": ["path:line callee"], "count": n, "image_own":
        class from its own imports, "via_kernel": [heavy distributions the shared kernel brings
        into its image]}},
        "gpu_services": [...], "mapping": "..."}``. Lists sorted; ``evidence`` is
        ``path:line`` of the first import. ``heavy`` is ``gpu``, ``gpu-only``, ``large`` or ``""``.
    """
    first_party_tops = {m.name.split(".")[0] for m in graph.modules}
    installed = _installed()
    path_of = {m.name: m.path for m in graph.modules}
    of = plan.partition.as_dict()
    # service -> dist -> info
    acc: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for e in graph.external:
        svc = of.get(e.src)
        if svc is None or e.kind in ("type_checking", "stub_only") or is_test_module(e.src):
            continue
        top = e.dst.split(".")[0]
        if (
            not top
            or top in sys.stdlib_module_names
            or top in first_party_tops
            or (top == "__future__")
        ):
            continue
        dist, source = distribution_of(e.dst, installed)
        info = acc[svc].setdefault(
            dist,
            {
                "distribution": dist,
                "source": source,
                "imports": set(),
                "modules": set(),
                "optional": True,
                "heavy": "",
                "note": "",
                "evidence": (10**9, ""),
            },
        )
        info["imports"].add(e.dst)
        info["modules"].add(e.src)
        lazy = e.kind in _OPTIONAL_KINDS or e.scope == "function"
        if not lazy:
            info["optional"] = False
        ev = (0 if not lazy else 1, f"{path_of.get(e.src, e.src)}:{e.line}")
        if ev < info["evidence"]:
            info["evidence"] = ev
        if top in GPU_RUNTIMES:
            note, cuda_only = GPU_RUNTIMES[top]
            info["heavy"] = "gpu-only" if cuda_only else "gpu"
            info["note"] = note
        elif top in LARGE_RUNTIMES and not info["heavy"]:
            info["heavy"] = "large"
            info["note"] = LARGE_RUNTIMES[top]
    cuda: dict[str, list[str]] = defaultdict(list)
    for module, f in sorted(graph.facts.items()):
        svc = of.get(module)
        if svc is None or is_test_module(module):
            continue
        for r in f.references:
            segments = r.target.replace("()", "").lower().split(".")
            if "cuda" in segments and len(cuda[svc]) < 6:
                cuda[svc].append(f"{f.source.relpath}:{r.line} {r.target}")
    pickles: dict[str, list[str]] = defaultdict(list)
    for module, f in sorted(graph.facts.items()):
        svc = of.get(module)
        if svc is None or is_test_module(module):
            continue
        for r in f.references:
            t = r.target.replace("()", "")
            if r.hint == "call" and t in _PICKLE_LOADS and len(pickles[svc]) < 4:
                pickles[svc].append(f"{f.source.relpath}:{r.line} {t}")
    out: dict[str, Any] = {}
    gpu_services: list[str] = []
    for s in plan.services:
        dists = []
        for dist in sorted(acc.get(s.name, {})):
            i = acc[s.name][dist]
            dists.append(
                {
                    "distribution": dist,
                    "source": i["source"],
                    "imports": sorted(i["imports"])[:12],
                    "modules": sorted(i["modules"])[:12],
                    "optional": i["optional"],
                    "heavy": i["heavy"],
                    "note": i["note"],
                    "evidence": i["evidence"][1],
                }
            )
        gpu_only = [
            d["distribution"] for d in dists if d["heavy"] == "gpu-only" and not d["optional"]
        ]
        gpu_cap = [d["distribution"] for d in dists if d["heavy"] in ("gpu", "gpu-only")]
        gpu_required = [
            d["distribution"]
            for d in dists
            if d["heavy"] in ("gpu", "gpu-only") and not d["optional"]
        ]
        large = [d["distribution"] for d in dists if d["heavy"] == "large" and not d["optional"]]
        cuda_ev = cuda.get(s.name, [])
        if gpu_only or (gpu_required and cuda_ev):
            image = "gpu"
        elif gpu_required:
            image = "gpu-capable"
        elif large:
            image = "large-cpu"
        else:
            image = "slim"
        if image == "gpu":
            gpu_services.append(s.name)
        out[s.name] = {
            "distributions": dists,
            "count": len(dists),
            "image": image,
            "gpu_runtimes": gpu_required,
            "optional_gpu": sorted(set(gpu_cap) - set(gpu_required)),
            "gpu_modules": sorted(
                {
                    m
                    for d in dists
                    if d["heavy"] in ("gpu", "gpu-only") and not d["optional"]
                    for m in d["modules"]
                }
            ),
            "large": large,
            "loads_pickles": pickles.get(s.name, []),
            "cuda_evidence": cuda_ev,
        }
    # The shared kernel is a library every service embeds: its required runtimes are in every
    # service's image.
    kern = next((s.name for s in plan.services if s.kernel), None)
    if kern is not None and kern in out:
        k = out[kern]
        krank = _RANK[k["image"]]
        inherited = sorted(set(k["gpu_runtimes"]) | set(k["large"]))
        for name, info in out.items():
            info["image_own"] = info["image"]
            info["via_kernel"] = []
            if name != kern and krank > _RANK[info["image"]]:
                info["image"] = k["image"]
                info["via_kernel"] = inherited
                if k["image"] == "gpu" and name not in gpu_services:
                    gpu_services.append(name)
    else:
        for info in out.values():
            info["image_own"] = info["image"]
            info["via_kernel"] = []
    return {
        "services": out,
        "gpu_services": sorted(gpu_services),
        "mapping": "import name -> distribution: built-in table, then the distributions "
        "installed with decompose, else the import name (guessed)",
    }
