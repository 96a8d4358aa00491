"""AI-aware roles: what part each module plays in an AI system, and the evidence for it.

Roles (:data:`ROLES`): data ingestion, feature engineering, training, model serving and
inference, LLM API client, model registry and artifacts, HTTP API, background workers,
orchestration, data access, business logic and shared kernel. A module's role is scored from four
kinds of evidence, each shown with its line:

- **imports** of frameworks (``graph.external`` edges), matched by longest dotted prefix against
  :data:`FRAMEWORKS` (``sklearn.ensemble`` is training, ``sklearn.preprocessing`` features,
  ``torch`` / ``transformers`` alone nothing (:data:`FRAMEWORK_ONLY`),
  ``fastapi`` HTTP API, ``celery`` workers, ``vllm`` inference...). Hosted-model SDKs
  (:data:`LLM_API_IMPORTS`: ``openai``, ``anthropic``, ``litellm``...) make an *LLM API client*,
  not model serving: serving means loading weights in the process (torch, transformers, vllm,
  onnxruntime, sentence-transformers, ``from_pretrained``, ``load_state_dict``);
- **decorators** (``Definition.decorators``) and routes (``Definition.route``): a route is an HTTP
  API, ``@shared_task`` / ``@app.task`` a worker, ``@flow`` / ``@asset`` / ``@dag`` orchestration;
- **HTTP handlers** besides routes: calls that register one (``add_api_route``,
  ``add_url_rule``, ``as_view``...: :data:`HANDLER_CALLS`) and web-framework view classes
  (:data:`VIEW_BASES`); a module with a route or a handler has ``handlers`` set — importing a web
  framework alone (settings, urls, asgi, middleware) is wiring, not an HTTP API;
- **calls** (``Reference`` targets of calls): ``fit``, ``backward`` and ``optimizer.step`` are
  training, ``predict``/``generate``
  inference, ``from_pretrained``/``torch.save``/``joblib.dump`` the model registry (a
  ``from_pretrained`` or ``load_state_dict`` of weights, not of a tokenizer or config, also
  inference; ``hf_hub_download`` / ``snapshot_download`` and ``safetensors`` loads and saves
  too — a ``huggingface_hub`` import alone weighs 1: the hub client also pushes datasets and
  sends telemetry), ``chat.completions.create``/``messages.create``/``litellm.completion`` LLM API
  client, ``read_csv`` ingestion;
- **data literals** (``FileFacts.data_refs``): SQL statements and ORM table names are data access;
- **names**: a module path token such as ``ingestion``, ``training`` or ``routers`` (weak):
  it only adds weight to a role the code already shows, never makes one on its own.

Scores are sums of weights (framework 2, decorator or route 3, call 1 per distinct callee name,
SQL/ORM 2, name 1). A module takes every role scoring at least 2 and at least 40% of its best;
with no role at 2 it is business logic. Modules of the shared kernel also get ``kernel``. The
rules are heuristics: the evidence is listed so that a reader can overrule them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from decompose.graph import ProgramGraph
from decompose.model import Plan
from decompose.partition import (
    is_example_module,
    is_migration_module,
    is_test_module,
    template_modules,
)

ROLES = (
    "ingestion",
    "features",
    "training",
    "inference",
    "llm_client",
    "registry",
    "api",
    "worker",
    "orchestration",
    "monitoring",
    "data_access",
    "business",
    "wiring",
    "kernel",
)
ROLE_TITLES = {
    "ingestion": "data ingestion",
    "features": "feature engineering",
    "training": "training",
    "inference": "model serving / inference",
    "llm_client": "LLM API client",
    "registry": "model registry / artifacts",
    "api": "HTTP API",
    "worker": "background workers",
    "orchestration": "orchestration",
    "monitoring": "monitoring",
    "data_access": "data access",
    "business": "business logic",
    "wiring": "wiring / config",
    "kernel": "shared kernel",
}
# Roles whose load differs from the request path: they argue for independent scaling. An LLM
# API client is not one: its calls are network-bound and scale with the requests that make them.
SCALING_ROLES = frozenset({"training", "inference", "worker", "orchestration", "ingestion"})

# SDKs of hosted models (and of model servers run apart from the service, such as Ollama): a
# module importing one is an LLM *client* — network-bound, a slim image, API keys, rate limits
# and cost per token — not a service that loads weights. Import prefix -> weight; the longest
# dotted prefix wins. The SDKs' ``types`` packages alone (message and tool schemas, no call) weigh
# 1, so they make the role only together with other evidence. decompose.footprint lists the same
# imports as a service's ``llm_apis``.
LLM_API_IMPORTS: dict[str, int] = {
    "openai": 2,
    "openai.types": 1,
    "anthropic": 2,
    "anthropic.types": 1,
    "litellm": 2,
    "cohere": 2,
    "mistralai": 2,
    "groq": 2,
    "together": 2,
    "replicate": 2,
    "voyageai": 2,
    "fireworks": 2,
    "ollama": 2,
    "instructor": 2,
    "google.generativeai": 2,
    "google.genai": 2,
    "google.genai.types": 1,
    "vertexai": 2,
    "google.cloud.aiplatform": 2,
    "azure.ai.inference": 2,
    "langchain_openai": 2,
    "langchain_anthropic": 2,
    "langchain_google_genai": 2,
    "langchain_mistralai": 2,
    "langchain_groq": 2,
    "langchain_cohere": 2,
    "langchain_ollama": 2,
    "llama_index.llms": 2,
    "llama_index.embeddings": 2,
}

# import prefix -> ((role, weight), ...). Longest dotted prefix wins.
FRAMEWORKS: dict[str, tuple[tuple[str, int], ...]] = {
    # data
    "pandas": (("ingestion", 1), ("features", 1)),
    "polars": (("ingestion", 1), ("features", 1)),
    "pyarrow": (("ingestion", 2),),
    "dask": (("ingestion", 1), ("features", 1)),
    "pyspark": (("ingestion", 2), ("features", 1)),
    "kafka": (("ingestion", 2),),
    "confluent_kafka": (("ingestion", 2),),
    "aiokafka": (("ingestion", 2),),
    "boto3": (("ingestion", 1),),
    "botocore": (("ingestion", 1),),
    "s3fs": (("ingestion", 2),),
    "fsspec": (("ingestion", 1),),
    "google.cloud.storage": (("ingestion", 2),),
    # A dataset library loads and builds datasets (RAGAS evaluation rows, a benchmark): data,
    # not training (docs/decision.md, "Training is a use, not an import").
    "datasets": (("ingestion", 2),),
    "bs4": (("ingestion", 2),),
    "pypdf": (("ingestion", 2),),
    "PyPDF2": (("ingestion", 2),),
    "unstructured": (("ingestion", 2),),
    "docx": (("ingestion", 1),),
    "markdownify": (("ingestion", 1),),
    # persistence
    "sqlalchemy": (("data_access", 2),),
    "sqlmodel": (("data_access", 2),),
    "alembic": (("data_access", 2),),
    "django.db": (("data_access", 2),),
    "peewee": (("data_access", 2),),
    "tortoise": (("data_access", 2),),
    "psycopg2": (("data_access", 2),),
    "psycopg": (("data_access", 2),),
    "asyncpg": (("data_access", 2),),
    "aiosqlite": (("data_access", 2),),
    "sqlite3": (("data_access", 2),),
    "pymongo": (("data_access", 2),),
    "motor": (("data_access", 2),),
    "redis": (("data_access", 1), ("worker", 1)),
    "pgvector": (("data_access", 2),),
    "chromadb": (("data_access", 2),),
    "qdrant_client": (("data_access", 2),),
    "weaviate": (("data_access", 2),),
    "pinecone": (("data_access", 2),),
    "faiss": (("data_access", 1), ("inference", 1)),
    "elasticsearch": (("data_access", 2),),
    "neo4j": (("data_access", 2),),
    # features
    "sklearn.preprocessing": (("features", 2),),
    "sklearn.feature_extraction": (("features", 2),),
    "sklearn.feature_selection": (("features", 2),),
    "sklearn.compose": (("features", 2),),
    "sklearn.impute": (("features", 2),),
    "sklearn.pipeline": (("features", 1), ("training", 1)),
    "feast": (("features", 2),),
    "featuretools": (("features", 2),),
    "category_encoders": (("features", 2),),
    # A tokenizer turns text into ids: no weights, no model (docs/decision.md).
    "tokenizers": (("features", 1),),
    "tiktoken": (("features", 1),),
    "sentencepiece": (("features", 1),),
    "nltk": (("features", 2),),
    "spacy": (("features", 1), ("inference", 1)),
    # training
    "sklearn": (("training", 1),),
    "sklearn.ensemble": (("training", 2),),
    "sklearn.linear_model": (("training", 2),),
    "sklearn.svm": (("training", 2),),
    "sklearn.tree": (("training", 2),),
    "sklearn.neighbors": (("training", 2),),
    "sklearn.cluster": (("training", 2),),
    "sklearn.model_selection": (("training", 2),),
    # scoring functions and toy datasets: no model is trained by importing them
    "sklearn.metrics": (),
    "sklearn.datasets": (),
    "xgboost": (("training", 2),),
    "lightgbm": (("training", 2),),
    "catboost": (("training", 2),),
    "statsmodels": (("training", 2),),
    # torch, torch.nn, tensorflow, keras, jax, transformers alone: FRAMEWORK_ONLY (no role).
    "torch.optim": (("training", 3),),
    "torch.utils.data": (("training", 2),),
    "torch.distributed": (("training", 2),),
    "flax": (("training", 2),),
    "optax": (("training", 2),),
    "lightning": (("training", 3),),
    "pytorch_lightning": (("training", 3),),
    "deepspeed": (("training", 3),),
    "accelerate": (("training", 2),),
    "peft": (("training", 3),),
    "trl": (("training", 3),),
    "optuna": (("training", 2),),
    "transformers.trainer": (("training", 3),),
    "transformers.Trainer": (("training", 3),),
    "transformers.Seq2SeqTrainer": (("training", 3),),
    "transformers.TrainingArguments": (("training", 2),),
    "transformers.Seq2SeqTrainingArguments": (("training", 2),),
    # inference
    "onnxruntime": (("inference", 3),),
    "vllm": (("inference", 3),),
    "tritonclient": (("inference", 3),),
    "tensorrt": (("inference", 3),),
    "ctranslate2": (("inference", 3),),
    "llama_cpp": (("inference", 3),),
    "exllamav2": (("inference", 3),),
    "sentence_transformers": (("inference", 2),),
    "diffusers": (("inference", 2),),
    # LLM application frameworks call a model through a provider, hosted unless the code imports
    # a local one (torch, transformers, sentence_transformers, llama_cpp, the HuggingFace
    # integrations below): LLM API client.
    "langchain": (("llm_client", 2),),
    "langchain_huggingface": (("inference", 2),),
    "langchain_community.llms.huggingface_pipeline": (("inference", 2),),
    "langchain_community.embeddings.huggingface": (("inference", 2),),
    "llama_index.llms.huggingface": (("inference", 2),),
    "llama_index.embeddings.huggingface": (("inference", 2),),
    # Document loaders and text splitters read and chunk files: ingestion, not a model.
    "langchain.document_loaders": (("ingestion", 2),),
    "langchain_community.document_loaders": (("ingestion", 2),),
    "langchain.text_splitter": (("features", 2),),
    "langchain_text_splitters": (("features", 2),),
    "llama_index.readers": (("ingestion", 2),),
    "llama_index.core.readers": (("ingestion", 2),),
    "langchain_core": (("llm_client", 2),),
    "langchain_community": (("llm_client", 2),),
    "llama_index": (("llm_client", 2),),
    "bentoml": (("inference", 2), ("registry", 1)),
    "ray.serve": (("inference", 3),),
    # registry / artifacts
    "mlflow": (("registry", 3),),
    "joblib": (("registry", 1),),
    "safetensors": (("registry", 2),),
    # The hub client alone downloads or pushes datasets, spaces and telemetry pings as well as
    # model files: weight 1, a registry only with a download or a weight load beside it.
    "huggingface_hub": (("registry", 1),),
    "dvc": (("registry", 2),),
    "wandb": (("registry", 1), ("training", 1)),
    "pickle": (("registry", 1),),
    # HTTP API
    "fastapi": (("api", 3),),
    "flask": (("api", 3),),
    "starlette": (("api", 2),),
    "django.http": (("api", 2),),
    "django.urls": (("api", 2),),
    "django.views": (("api", 2),),
    "django.shortcuts": (("api", 2),),
    "rest_framework": (("api", 3),),
    "ninja": (("api", 3),),
    "aiohttp.web": (("api", 3),),
    "sanic": (("api", 3),),
    "tornado.web": (("api", 3),),
    "litestar": (("api", 3),),
    "quart": (("api", 3),),
    "uvicorn": (("api", 1),),
    "gunicorn": (("api", 1),),
    "grpc": (("api", 2),),
    "gradio": (("api", 2),),
    "streamlit": (("api", 2),),
    "websockets": (("api", 1),),
    "sse_starlette": (("api", 2),),
    # workers
    "celery": (("worker", 3),),
    "rq": (("worker", 3),),
    "dramatiq": (("worker", 3),),
    "arq": (("worker", 3),),
    "huey": (("worker", 3),),
    "kombu": (("worker", 2),),
    "apscheduler": (("worker", 2),),
    "schedule": (("worker", 2),),
    "taskiq": (("worker", 3),),
    # orchestration
    "airflow": (("orchestration", 3),),
    "prefect": (("orchestration", 3),),
    "dagster": (("orchestration", 3),),
    "luigi": (("orchestration", 3),),
    "kfp": (("orchestration", 3),),
    "zenml": (("orchestration", 3),),
    "metaflow": (("orchestration", 3),),
    "flytekit": (("orchestration", 3),),
    "temporalio": (("orchestration", 3),),
    "ray": (("orchestration", 2), ("worker", 1)),
    # monitoring
    "prometheus_client": (("monitoring", 3),),
    "opentelemetry": (("monitoring", 2),),
    "sentry_sdk": (("monitoring", 2),),
    "evidently": (("monitoring", 3),),
    "whylogs": (("monitoring", 3),),
    "posthog": (("monitoring", 1),),
}
FRAMEWORKS.update({k: (("llm_client", w),) for k, w in LLM_API_IMPORTS.items()})
# Deep-learning frameworks imported alike by training loops, serving code and plain layer
# definitions (an ``nn.Module`` run inside another model's forward pass): the import alone is no
# evidence of training or of serving (docs/decision.md, "A deep-learning framework import is
# neither training nor serving"). They are known frameworks with no role; footprints still count
# them for the image class.
FRAMEWORK_ONLY = frozenset({"torch", "torch.nn", "transformers", "tensorflow", "keras", "jax"})
FRAMEWORKS.update({k: () for k in FRAMEWORK_ONLY})

# Training is a use, not an import (docs/decision.md): a module's training imports (sklearn
# estimators, xgboost, datasets...) count only when the module also shows a training use — a
# fit/train call, an optimizer step or build, a backward pass, or the import of a library that
# exists only to run training loops (weight 3: torch.optim, lightning, deepspeed, peft, trl,
# the transformers Trainer).
TRAINING_USE_CALLS = frozenset(
    {
        "fit",
        "partial_fit",
        "train",
        "backward",
        "zero_grad",
        "fine_tune",
        "finetune",
        "cross_val_score",
        "cross_validate",
        "torch.optim",
        "optimizer.step",
    }
)
# Calls that persist trained weights (a model that outlives the process that fitted it).
WEIGHT_SAVES = frozenset(
    {
        "save_model",
        "save_pretrained",
        "save_weights",
        "log_model",
        "register_model",
        "joblib.dump",
        "torch.save",
        "pickle.dump",
        "safetensors.torch.save_file",
        "safetensors.torch.save_model",
        "safetensors.numpy.save_file",
    }
)
# A training loop proper: gradients and optimizers (not an estimator's ``fit`` used in place).
TRAINING_LOOP_CALLS = frozenset({"backward", "zero_grad", "torch.optim", "optimizer.step"})

# callee last name -> role (weight 1 per distinct name).
CALLS: dict[str, str] = {
    "fit": "training",
    "partial_fit": "training",
    "train": "training",
    "backward": "training",
    "zero_grad": "training",
    "train_test_split": "training",
    "cross_val_score": "training",
    "cross_validate": "training",
    "fine_tune": "training",
    "finetune": "training",
    "fit_transform": "features",
    "transform": "features",
    "get_dummies": "features",
    "tokenize": "features",
    "embed_documents": "features",
    "split_text": "features",
    "predict": "inference",
    "predict_proba": "inference",
    "decision_function": "inference",
    "generate": "inference",
    "generate_stream": "inference",
    "infer": "inference",
    "embed_query": "inference",
    "completion": "llm_client",
    "acompletion": "llm_client",
    "chat_completion": "llm_client",
    "generate_content": "llm_client",
    "generate_content_async": "llm_client",
    "save_model": "registry",
    "load_model": "registry",
    "save_pretrained": "registry",
    "from_pretrained": "registry",
    "load_state_dict": "registry",
    "load_weights": "registry",
    "save_weights": "registry",
    "log_model": "registry",
    "register_model": "registry",
    "hf_hub_download": "registry",
    "snapshot_download": "registry",
    "read_csv": "ingestion",
    "read_parquet": "ingestion",
    "read_json": "ingestion",
    "read_excel": "ingestion",
    "read_sql": "ingestion",
    "load_dataset": "ingestion",
    "get_object": "ingestion",
    "download_file": "ingestion",
    "poll": "ingestion",
}
# full-target suffixes that are stronger than the last name alone.
CALL_SUFFIXES: dict[str, str] = {
    "joblib.dump": "registry",
    "joblib.load": "registry",
    "torch.save": "registry",
    "torch.load": "registry",
    "safetensors.torch.load_file": "registry",
    "safetensors.torch.save_file": "registry",
    "safetensors.torch.load_model": "registry",
    "safetensors.torch.save_model": "registry",
    "safetensors.numpy.load_file": "registry",
    "safetensors.numpy.save_file": "registry",
    "safetensors.safe_open": "registry",
    "pickle.dump": "registry",
    "pickle.load": "registry",
    "completions.create": "llm_client",
    "embeddings.create": "llm_client",
    "messages.create": "llm_client",
    "messages.stream": "llm_client",
    "responses.create": "llm_client",
    "litellm.embedding": "llm_client",
    "huggingface_hub.InferenceClient": "llm_client",
    "huggingface_hub.AsyncInferenceClient": "llm_client",
    "litellm.aembedding": "llm_client",
    "torch.no_grad": "inference",
    "torch.inference_mode": "inference",
    "transformers.pipeline": "inference",
    "onnxruntime.InferenceSession": "inference",
    "sentence_transformers.SentenceTransformer": "inference",
    "sentence_transformers.CrossEncoder": "inference",
    "vllm.LLM": "inference",
    "vllm.AsyncLLMEngine.from_engine_args": "inference",
    "llama_cpp.Llama": "inference",
    "airflow.DAG": "orchestration",
    "airflow.models.DAG": "orchestration",
    "airflow.models.dag.DAG": "orchestration",
    "dagster.Definitions": "orchestration",
}
# Calls that build an object an orchestrator's scheduler picks up (a DAG): runner registrations.
RUNNER_CALLS = frozenset(
    {"airflow.DAG", "airflow.models.DAG", "airflow.models.dag.DAG", "dagster.Definitions"}
)
# ``optimizer.step()``, ``self.optim.step()``, ``opt.step()``: an optimizer step is training.
_OPTIMIZER_RECEIVER = re.compile(r"^_*opt$|optim", re.IGNORECASE)
# Calls that load model weights into the process (besides their registry role above): they make
# the module a place where a model runs, unless what they load is a tokenizer, a config or a
# processor (``AutoTokenizer.from_pretrained`` loads no weights).
WEIGHT_LOADS = frozenset({"from_pretrained", "load_state_dict", "load_model", "load_weights"})
# The owner of a ``from_pretrained`` that loads no weights: a tokenizer (``AutoTokenizer``,
# ``HuggingFaceTokenizer``, a ``tokenizer`` module's own ``from_pretrained`` helper), a config,
# a processor or a feature extractor.
_NOT_WEIGHTS = re.compile(r"tokeni[sz]er|(?:config|processor|feature_?extractor)$", re.IGNORECASE)
# Hub downloads fetch a file, whatever it holds (weights, a tokenizer vocabulary, a config): in
# a module that imports a tokenizer library (:data:`TOKENIZER_IMPORTS`) and no model runtime
# (an import of torch, transformers, safetensors, onnxruntime..., or a weight load) what it
# fetches is a vocabulary, no model artifact (docs/decision.md, "A tokenizer is not a model").
HUB_DOWNLOADS = frozenset({"hf_hub_download", "snapshot_download"})
TOKENIZER_IMPORTS = frozenset({"tiktoken", "tokenizers", "sentencepiece"})
# ``generate``/``predict``/``infer`` on a client object (``self.client.generate``,
# ``_get_sglang_client().generate``) asks a model served elsewhere: an LLM API client call.
_REMOTE_RECEIVER = re.compile(r"client", re.IGNORECASE)
# An inference import at least this heavy (vllm, onnxruntime, tensorrt, llama_cpp...) keeps the
# module's inference role even when its routes score far higher: a model worker with an HTTP
# endpoint still serves a model. (A load of weights is not decisive: training starts from one.)
_DECISIVE = 3
# decorator last name -> role; decorator target prefix -> role (wins when it matches).
DECORATORS: dict[str, str] = {
    "task": "worker",
    "shared_task": "worker",
    "periodic_task": "worker",
    "actor": "worker",
    "job": "worker",
    "flow": "orchestration",
    "asset": "orchestration",
    "op": "orchestration",
    "dag": "orchestration",
}
DECORATOR_PREFIXES: dict[str, str] = {
    "celery": "worker",
    "dramatiq": "worker",
    "rq": "worker",
    "huey": "worker",
    "prefect": "orchestration",
    "dagster": "orchestration",
    "airflow": "orchestration",
    "ray.remote": "worker",
    "modal": "worker",
}
# Decorators that parallelise inside the calling program rather than register the function with
# a runner of its own: their worker role stands, but they make no entry of the running system.
_NOT_RUNNER_DECORATORS = ("ray.",)
# HTTP handlers registered without a route decorator: calls that bind a function to a path, and
# view classes of the web frameworks. With route decorators they are what makes a module an HTTP
# handler; a module that only imports a framework (settings, urls, asgi, middleware) is wiring.
HANDLER_CALLS = frozenset(
    {
        "add_api_route",
        "add_api_websocket_route",
        "add_url_rule",
        "add_route",
        "add_get",
        "add_post",
        "add_put",
        "add_delete",
        "as_view",
    }
)
VIEW_BASES = (
    "django.views",
    "rest_framework.views",
    "rest_framework.viewsets",
    "rest_framework.generics",
    "flask.views",
    "tornado.web.RequestHandler",
    "starlette.endpoints",
    "aiohttp.web.View",
)
_NAME_TOKENS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"^(?:{p})$"), role)
    for p, role in (
        (
            r"ingest(?:ion|ors?)?|etl|loaders?|importers?|crawlers?|scrapers?|connectors?|sources?",
            "ingestion",
        ),
        (
            r"features?|feature_store|transforms?|preprocess(?:ing|ors?)?|embeddings?|chunk(?:ing|ers?)?",
            "features",
        ),
        (r"train(?:ing|ers?)?|fine_?tun(?:e|ing)|hyperparams?|evaluation", "training"),
        (
            r"serv(?:e|ing)|infer(?:ence)?|predict(?:ors?|ions?)?|model_workers?|generation",
            "inference",
        ),
        (r"llms?|llm_apis?|llm_clients?", "llm_client"),
        (r"registry|artifacts?|checkpoints?|model_store|storage", "registry"),
        (r"api|apis|routers?|routes|views|endpoints|handlers|web|http|rest|app", "api"),
        (r"tasks|workers?|jobs|queues?|consumers?|scheduler", "worker"),
        (r"pipelines?|dags?|flows?|orchestrat\w*|workflows?", "orchestration"),
        (r"monitor(?:ing)?|metrics|telemetry|observability|drift|tracing|analytics", "monitoring"),
        (r"db|database|repositor(?:y|ies)|dao|crud|orm|migrations|tables|schemas?", "data_access"),
        (
            r"utils?|common|helpers?|config|settings|constants|logging|log|errors|exceptions|types",
            "kernel",
        ),
    )
)
_WIRING_NAME = re.compile(
    r"^(?:settings|urls|asgi|wsgi|manage|config|conf|configure|configuration|"
    r"settings_\w+|\w+_settings)$"
)
_MIN_SCORE = 2
# A service's primary role must cover at least this share of its code (lines or modules,
# whichever is larger); below it the service is business logic with a minor role ("mixed").
PRIMARY_SHARE = 0.25
_REL = 0.4
_MAX_EVIDENCE = 8


def attached_modules(graph: ProgramGraph) -> frozenset[str]:
    """Modules that run beside a service's code, never in the deployed service: notebooks
    (exploration and examples, never imported by the running system), tests, schema
    migrations, usage examples (:func:`decompose.partition.is_example_module`) and project-
    template trees (:func:`decompose.partition.template_modules`: ``feast init`` skeletons). The
    partitioner attaches them to the code they use; this is the one predicate that keeps them
    out of roles, footprints, entries, the front door and every criterion of the decision
    (docs/decision.md, "Attached modules are not the service's code").

    Args:
        graph: the program graph.

    Returns:
        The attached module names (namespace packages included).
    """
    templates = template_modules(graph)
    return frozenset(
        m.name
        for m in graph.modules
        if m.kind == "notebook"
        or is_test_module(m.name)
        or is_migration_module(m.name)
        or is_example_module(m.name)
        or m.name in templates
    )


def framework_of(name: str) -> tuple[str, tuple[tuple[str, int], ...]] | None:
    """The :data:`FRAMEWORKS` entry for an import: ``(longest matching dotted prefix, ((role,
    weight), ...))``, or None when no prefix of ``name`` is a known framework."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        hit = FRAMEWORKS.get(key)
        if hit is not None:
            return key, hit
    return None


def _model_runtime(frameworks: set[str], calls: set[str]) -> bool:
    """Whether a module holds something that runs or stores model weights: an import of a
    deep-learning framework (:data:`FRAMEWORK_ONLY`), of an inference runtime, of a training
    library (weight 2 or more) or of ``safetensors``, or a call that serializes weights
    (``torch.load``, ``joblib.dump``, ``safetensors.torch.save_file``...). ``frameworks`` are the
    :data:`FRAMEWORKS` keys the module imports, ``calls`` the keys of its recognised calls."""
    for key in frameworks:
        hit = FRAMEWORKS.get(key, ())
        if key in FRAMEWORK_ONLY or key == "safetensors":
            return True
        if any(r == "inference" or (r == "training" and w >= 2) for r, w in hit):
            return True
    return any(CALL_SUFFIXES.get(c) == "registry" or c in WEIGHT_LOADS for c in calls)


def _callee(target: str) -> str:
    return target.replace("()", "").rsplit(".", 1)[-1]


def classify_modules(
    graph: ProgramGraph, kernel: frozenset[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """Score the roles of every analyzed module from its evidence.

    Args:
        graph: the program graph (facts, external edges).
        kernel: modules of the shared kernel (they also get the ``kernel`` role).

    Returns:
        ``{module: {"primary": role, "roles": [role, ...], "scores": {role: int},
        "evidence": [{"role", "kind", "detail", "line"}, ...], "empty": bool}}``, modules sorted;
        evidence sorted by role then line, at most 8 items per role. ``kind`` is ``import``,
        ``decorator``, ``route``, ``handler``, ``call``, ``sql``, ``name``, ``partition`` or
        ``default``. ``handlers`` is True when the module serves HTTP itself (a route, a handler
        registration or a view class). ``runner`` lists the module's runner registrations
        (``[{"role", "detail", "line"}]``): functions decorated for a task runner or an
        orchestrator that runs them from its own process (``@shared_task``, ``@flow``,
        ``@dag``...; not ``@ray.remote``, which runs when a driver submits it) and DAG objects
        (``airflow.DAG(...)``); an import is never one.
        ``routes`` counts its route definitions, view classes and handler registrations;
        ``trains`` marks a training use (:data:`TRAINING_USE_CALLS` or a training-loop library:
        a training import alone is no training role), ``training_loop`` a gradient loop
        (backward, optimizer) or such a library, ``saves_weights`` a call that persists a model
        (:data:`WEIGHT_SAVES`).
        ``empty`` marks a module without definitions or references (a bare ``__init__``);
        ``strong`` lists the roles backed by more than the module's name.
    """
    ext: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for e in graph.external:
        if e.kind in ("type_checking", "stub_only"):
            continue
        ext[e.src].append((e.dst, e.line))
    out: dict[str, dict[str, Any]] = {}
    for module in sorted(graph.facts):
        f = graph.facts[module]
        role: str | None
        scores: dict[str, int] = defaultdict(int)
        ev: list[tuple[str, str, str, int]] = []
        seen_fw: set[str] = set()
        seen_tok: set[str] = set()
        train_imports = 0  # training weight from imports alone
        trainer_lib = False  # imports a library that exists to run training loops
        routes = 0  # route definitions, view classes and handler registrations
        decisive: set[str] = set()
        for dst, line in sorted(ext.get(module, ()), key=lambda t: (t[1], t[0])):
            hit = framework_of(dst)
            if hit is None or hit[0] in seen_fw:
                continue
            seen_fw.add(hit[0])
            if hit[0] in TOKENIZER_IMPORTS:
                seen_tok.add(hit[0])
            for fw_role, w in hit[1]:
                scores[fw_role] += w
                ev.append((fw_role, "import", f"imports {dst}", line))
                if fw_role == "training":
                    train_imports += w
                    trainer_lib = trainer_lib or w >= 3
                if fw_role == "inference" and w >= _DECISIVE:
                    decisive.add("inference")
        handler = False
        runner: list[dict[str, Any]] = []
        seen_call: set[str] = set()
        for d in f.definitions:
            view = next(
                (b for b in d.bases if any(b == v or b.startswith(v + ".") for v in VIEW_BASES)),
                None,
            )
            if d.kind == "class" and view is not None:
                if not handler:
                    scores["api"] += 3
                handler = True
                routes += 1
                ev.append(("api", "handler", f"view class {d.qualname}({view})", d.line))
            if d.route is not None:
                handler = True
                routes += 1
                scores["api"] += 3
                ev.append(
                    (
                        "api",
                        "route",
                        f"route {d.route[0]} {d.route[1] or '/'} -> {d.qualname}",
                        d.line,
                    )
                )
                continue
            for dec in d.decorators:
                # ``@torch.inference_mode()`` / ``@torch.no_grad()`` on a function: inference,
                # as the call would be.
                base = dec.replace("()", "")
                mode = next(
                    (
                        k
                        for k, r in CALL_SUFFIXES.items()
                        if r == "inference" and (base == k or base.endswith("." + k))
                    ),
                    None,
                )
                if mode is not None:
                    if mode not in seen_call:
                        seen_call.add(mode)
                        scores["inference"] += 1
                        ev.append(("inference", "call", f"@{dec} on {d.qualname}", d.line))
                    continue
                role = None
                for pre, pr in DECORATOR_PREFIXES.items():
                    if dec == pre or dec.startswith(pre + "."):
                        role = pr
                        break
                last = dec.rsplit(".", 1)[-1]
                if (
                    role is None
                    and last in DECORATORS
                    and (last not in ("task", "job", "op", "flow", "asset", "dag") or "." in dec)
                ):
                    role = DECORATORS[last]
                if role is not None:
                    scores[role] += 3
                    ev.append((role, "decorator", f"@{dec} on {d.qualname}", d.line))
                    if role in ("worker", "orchestration") and not dec.startswith(
                        _NOT_RUNNER_DECORATORS
                    ):
                        runner.append(
                            {"role": role, "detail": f"@{dec} on {d.qualname}", "line": d.line}
                        )
                    break
        loads_weights = False
        downloads: list[tuple[str, str, int]] = []
        for ref in f.references:
            if ref.hint not in ("call", "inferred"):
                continue
            t = ref.target.replace("()", "")
            role = None
            key = ""
            for suf, sr in CALL_SUFFIXES.items():
                if t == suf or t.endswith("." + suf):
                    role, key = sr, suf
                    break
            if role is None and _callee(t) in HANDLER_CALLS and "." in t:
                role, key = "api", _callee(t)
                if not handler:
                    scores["api"] += 3
                handler = True
                routes += 1
                if key not in seen_call:
                    seen_call.add(key)
                    ev.append(("api", "handler", f"registers a handler: {ref.target}()", ref.line))
                continue
            if role is not None and key in RUNNER_CALLS and key not in seen_call:
                runner.append({"role": role, "detail": f"DAG object {key}()", "line": ref.line})
            if role is None and t.startswith("torch.optim.") and "()" not in ref.target:
                role, key = "training", "torch.optim"  # an optimizer built: a training loop
            if role is None and _callee(t) == "step" and "." in t:
                if any(_OPTIMIZER_RECEIVER.search(p) for p in t.split(".")[:-1]):
                    role, key = "training", "optimizer.step"
            if role is None:
                last = _callee(t)
                if last in CALLS and "." in t:
                    role, key = CALLS[last], last
                    if role == "inference" and any(
                        _REMOTE_RECEIVER.search(p) for p in t.split(".")[:-1]
                    ):
                        role = "llm_client"
            if role is not None and key in HUB_DOWNLOADS:
                downloads.append((key, ref.target, ref.line))
                continue
            if (
                role is not None
                and key in WEIGHT_LOADS
                and _NOT_WEIGHTS.search(t.rsplit(".", 2)[-2])
            ):
                # a tokenizer, config or processor: no weights, no model artifact
                continue
            if role is not None and key in WEIGHT_LOADS and not loads_weights:
                owner = t.rsplit(".", 2)[-2]
                if not _NOT_WEIGHTS.search(owner):
                    loads_weights = True
                    scores["inference"] += 1
                    ev.append(
                        (
                            "inference",
                            "call",
                            f"loads model weights: {key}() via {ref.target}",
                            ref.line,
                        )
                    )
            if role is None or key in seen_call:
                continue
            seen_call.add(key)
            scores[role] += 1
            ev.append((role, "call", f"calls {key}() via {ref.target}", ref.line))
        tokenizer_only = bool(seen_tok) and not (
            loads_weights or _model_runtime(seen_fw, seen_call)
        )
        if downloads and not tokenizer_only:
            for key, target, line in downloads:
                if key not in seen_call:
                    seen_call.add(key)
                    scores["registry"] += 1
                    ev.append(("registry", "call", f"calls {key}() via {target}", line))
        # Training is a use, not an import: without a training call or a training-loop library,
        # the training weight of imports (an estimator class, a dataset library) is dropped.
        trains = trainer_lib or bool(seen_call & TRAINING_USE_CALLS)
        if not trains and train_imports:
            scores["training"] -= train_imports
            ev = [x for x in ev if not (x[0] == "training" and x[1] == "import")]
        sql_lines: dict[str, int] = {}
        for line, kind, value in f.data_refs:
            if kind.startswith("sql_") or kind == "orm_table":
                sql_lines.setdefault(f"{kind.replace('_', ' ')} {value}", line)
        if sql_lines:
            scores["data_access"] += 2
            for detail, line in sorted(sql_lines.items(), key=lambda kv: (kv[1], kv[0]))[:4]:
                ev.append(("data_access", "sql", detail, line))
        # Name tokens: a folder the team made (``training/``) weighs 2, a file name 1 — but
        # only for a role the code already shows (an import, decorator, route, call or SQL):
        # a name confirms a role, it never makes one (``integrations/handlers/`` of database
        # adapters is no HTTP API, docs/decision.md "Roles come from code, not names").
        evidenced = {r for r, w in scores.items() if w > 0}
        name_roles: set[str] = set()
        parts = module.split(".")
        folders = parts[1:] if f.source.is_package else parts[1:-1]
        for part in parts[1:] or parts:
            for pat, role in _NAME_TOKENS:
                if pat.match(part) and role not in name_roles and role in evidenced:
                    name_roles.add(role)
                    w = 2 if part in folders else 1
                    scores[role] += w
                    where = "package" if part in folders else "module"
                    ev.append((role, "name", f"{where} name '{part}'", 0))
        # Configuration and framework wiring (settings.py, urls.py, asgi.py, config.py...)
        # without a route handler of its own: wiring / config, whatever framework it imports
        # and whatever SQL probe its settings hold; its web-framework evidence is wiring's.
        if not handler and _WIRING_NAME.match(parts[-1]):
            scores.pop("api", None)
            ev = [(("wiring" if r == "api" else r), k, d, ln) for r, k, d, ln in ev]
            scores["wiring"] = max(max(scores.values(), default=0), _MIN_SCORE) + 1
            ev.append(
                ("wiring", "wiring", f"configuration module '{parts[-1]}', no route handler", 0)
            )
        best = max(scores.values(), default=0)
        roles = [
            r
            for r in ROLES
            if scores.get(r, 0) >= _MIN_SCORE
            and (scores[r] >= _REL * best or r in decisive)
            and r != "kernel"
        ]
        if scores.get("kernel", 0) >= _MIN_SCORE or module in kernel:
            roles.append("kernel")
        if module in kernel:
            ev.append(("kernel", "partition", "in the shared kernel (used by most services)", 0))
        if not [r for r in roles if r != "kernel"]:
            roles.insert(0, "business")
            ev.append(
                (
                    "business",
                    "default",
                    "no framework, decorator, call or SQL evidence of a more specific role",
                    0,
                )
            )
        ranked = sorted(roles, key=lambda r: (-scores.get(r, 0), ROLES.index(r)))
        primary = ranked[0]
        if primary == "kernel" and len(ranked) > 1 and module not in kernel:
            primary = ranked[1]
        per_role: dict[str, int] = defaultdict(int)
        evidence: list[dict[str, Any]] = []
        for role, kind, detail, line in sorted(ev, key=lambda x: (ROLES.index(x[0]), x[3], x[2])):
            if role not in roles or per_role[role] >= _MAX_EVIDENCE:
                continue
            per_role[role] += 1
            evidence.append({"role": role, "kind": kind, "detail": detail, "line": line})
        out[module] = {
            "primary": primary,
            "roles": ranked,
            "scores": {r: scores[r] for r in ROLES if scores.get(r, 0) > 0},
            "evidence": evidence,
            "empty": not f.definitions and not f.references,
            "handlers": handler,
            "routes": routes,
            "trains": trains,
            "training_loop": trainer_lib or bool(seen_call & TRAINING_LOOP_CALLS),
            "saves_weights": bool(seen_call & WEIGHT_SAVES),
            "runner": sorted(runner, key=lambda x: (x["line"], x["detail"])),
            "strong": sorted(
                {e["role"] for e in evidence if e["kind"] not in ("name", "default", "partition")},
                key=ROLES.index,
            ),
        }
    return out


def _top(
    pool: Mapping[str, int],
    ties: Mapping[str, int] | None = None,
    then: Mapping[str, int] | None = None,
) -> str | None:
    """The heaviest role of ``pool`` other than ``kernel`` and ``business``, or None; equal
    weights go to the heavier role of ``ties`` (lines of modules with that primary role), then
    of ``then`` (lines backed by evidence)."""
    specific = [r for r in pool if r not in ("kernel", "business")]
    t, u = ties or {}, then or {}
    return (
        sorted(specific, key=lambda r: (-pool[r], -t.get(r, 0), -u.get(r, 0), ROLES.index(r)))[0]
        if specific
        else None
    )


def _share(
    role: str, lines: Mapping[str, int], modules: Mapping[str, int], total: int, n: int
) -> float:
    """The larger of ``role``'s share of the service's lines and of its modules (0 when the
    service has none)."""
    if not n or not total:
        return 0.0
    return max(lines.get(role, 0) / total, modules.get(role, 0) / n)


def _primary_text(
    primary: str, basis: str, minor: list[str], modules: Mapping[str, int], total: int
) -> str:
    """The primary role as tables and sentences write it: ``model serving / inference``,
    ``monitoring (from module names only)``, ``business logic (mixed: 1 of 11 modules model
    serving / inference)``."""
    title = ROLE_TITLES.get(primary, primary)
    if basis == "names":
        return f"{title} (from module names only)"
    if basis == "mixed" and minor:
        parts = [f"{modules.get(r, 0)} of {total} {ROLE_TITLES.get(r, r)}" for r in minor[:3]]
        return f"{title} (mixed: " + ", ".join(parts) + ")"
    return title


def classify(graph: ProgramGraph, plan: Plan) -> dict[str, Any]:
    """Roles per module and per service.

    Attached modules (:func:`attached_modules`: tests, schema migrations, usage examples,
    project-template trees) are left out of a service's roles: they run beside the code, not in
    the deployed service, so a ``pickle.loads`` in a migration is no model artifact, a test
    client is no HTTP API and a template's ``SentenceTransformer`` is no model server.

    A service's ``primary`` role is the one source of truth every table and sentence uses. It is
    the specific role (not ``business`` or ``kernel``) that most of its code (lines of the
    modules playing it, names included) plays; on equal lines, the role that is the primary of
    more lines, then the one with more lines backed by evidence. That role must cover at least
    :data:`PRIMARY_SHARE` of the service (lines or modules, whichever share is larger): below,
    the service is ``business`` with ``primary_basis`` ``"mixed"`` (one inference module among
    ten of business logic does not make a model server). The basis is ``"evidence"`` when the
    role's modules backed by imports, decorators, routes, calls or SQL also reach that share,
    else ``"names"`` (never a scaling need); ``"default"`` for business logic without any
    specific role; the shared kernel is ``kernel`` (``"partition"``). ``primary_text`` writes
    it for tables and sentences. A service whose HTTP API modules have
    no route handler (a route decorator, a handler registration or a view class:
    ``http_handlers`` empty) only wires a web framework — settings, urls, asgi, middleware — so
    its ``api`` role is reported as ``wiring`` (wiring / config).

    Args:
        graph: the program graph.
        plan: the plan whose services get the roles.

    Returns:
        ``{"modules": {module: ...}`` (see :func:`classify_modules`) ``, "services": {service:
        {"primary": role, "primary_basis": str, "primary_text": str, "strong_roles": [role],
        "http_handlers":
        [module], "roles": {role: modules with that role}, "modules_by_role": {role: [module,
        ...]}, "summary": "training (4), inference (2)"}}, "attached": [module]}``;
        ``strong_roles`` are the roles backed by more than names, strongest first;
        ``attached`` lists :func:`attached_modules` (sorted).
    """
    kernel = frozenset(m for s in plan.services if s.kernel for m in s.modules)
    mods = classify_modules(graph, kernel)
    attached = attached_modules(graph)
    lines = {m.name: m.lines for m in graph.modules}
    services: dict[str, Any] = {}
    for s in plan.services:
        by_role: dict[str, list[str]] = defaultdict(list)
        weight: dict[str, int] = defaultdict(int)
        strong: dict[str, int] = defaultdict(int)
        first: dict[str, int] = defaultdict(int)
        deployed = [
            m for m in s.modules if m in mods and not mods[m]["empty"] and m not in attached
        ]
        handlers = [m for m in deployed if mods[m].get("handlers")]
        for m in deployed:
            info = mods[m]
            # Without a route handler anywhere in the service, its web-framework code is wiring.
            rs = {"wiring" if (r == "api" and not handlers) else r for r in info["roles"]}
            st = {"wiring" if (r == "api" and not handlers) else r for r in info["strong"]}
            p = info["primary"]
            first["wiring" if (p == "api" and not handlers) else p] += max(lines.get(m, 0), 1)
            for r in rs:
                by_role[r].append(m)
                weight[r] += max(lines.get(m, 0), 1)
                if r in st:
                    strong[r] += max(lines.get(m, 0), 1)

        total_lines = sum(max(lines.get(m, 0), 1) for m in deployed)
        strong_mods: dict[str, int] = defaultdict(int)
        for m in deployed:
            for r in mods[m]["strong"]:
                strong_mods["wiring" if (r == "api" and not handlers) else r] += 1

        mod_n = {r: len(ms) for r, ms in by_role.items()}
        # The specific role that covers most of the code, names included; then whether enough
        # of the service backs it with evidence (imports, calls, routes...) to call it that.
        top = _top(weight, first, strong)
        minor: list[str] = []
        if s.kernel:
            primary, basis = "kernel", "partition"
        elif top is None:
            primary, basis = "business", "default"
        elif _share(top, weight, mod_n, total_lines, len(deployed)) < PRIMARY_SHARE:
            # one inference module among ten of business logic: the service is business logic
            primary, basis = "business", "mixed"
            minor = sorted(
                (r for r in weight if r not in ("kernel", "business")),
                key=lambda r: (-weight[r], ROLES.index(r)),
            )
        elif _share(top, strong, strong_mods, total_lines, len(deployed)) >= PRIMARY_SHARE:
            primary, basis = top, "evidence"
        else:
            primary, basis = top, "names"
        ordered = sorted(by_role, key=lambda r: (-len(by_role[r]), ROLES.index(r)))
        services[s.name] = {
            "primary": primary,
            "primary_basis": basis,
            "primary_text": _primary_text(primary, basis, minor, mod_n, len(deployed)),
            "strong_roles": sorted(
                (r for r in strong if r not in ("kernel", "business")),
                key=lambda r: (-strong[r], ROLES.index(r)),
            ),
            "http_handlers": sorted(handlers),
            "roles": {r: len(by_role[r]) for r in ordered},
            "modules_by_role": {r: sorted(by_role[r]) for r in ordered},
            "summary": ", ".join(f"{ROLE_TITLES[r]} ({len(by_role[r])})" for r in ordered),
        }
    return {"modules": mods, "services": services, "attached": sorted(attached)}


def service_roles(roles: Mapping[str, Any], service: str) -> list[str]:
    """Role names present in ``service`` (most modules first), from :func:`classify`'s result."""
    svc = roles.get("services", {}).get(service, {})
    return list(svc.get("roles", {}))
