"""Footprints: the third-party closure of each service, mapped to distributions, heavy runtimes
flagged, and which services need a GPU image.

The closure of a service is every non-stdlib, non-first-party module its modules import
(``graph.external`` edges; ``TYPE_CHECKING`` imports excluded). Import names map to distributions
through built-in tables only (:func:`distribution_of`): :data:`DISTRIBUTIONS` (names that differ,
such as ``sklearn`` -> ``scikit-learn``), :data:`NAMESPACE_RULES` (``google.cloud.storage`` ->
``google-cloud-storage``) and :data:`SAME_NAME`; any other name stands for itself and is marked
``guessed``. The environment decompose runs in is never consulted, so the output is the same
whatever is installed next to decompose.

A distribution is ``optional`` for a service when every import of it is guarded (``try/except
ImportError``, a version check, ``with LazyImport(...)``, ``if is_torch_available():``,
``importlib.util.find_spec``) or sits inside a function (a lazy import): the service can start
without it — unless the project declares that distribution as a *required* dependency
(:func:`decompose.requirements.required_distributions`: ``[project] dependencies``,
``install_requires``, ``requirements.txt``, a ``Requires-Dist`` without an ``extra ==``
marker). Every install then has it, so the guard is only a fallback and the import counts
(txtai imports torch through a ``try/except`` helper but requires ``torch>=2.4``). A
distribution declared only in an extra (``[project.optional-dependencies]``,
``extras_require``, ``extra == "gpu"``) stays optional.

Heavy runtimes (:data:`GPU_RUNTIMES`, :data:`LARGE_RUNTIMES`) decide the image class:

- ``gpu``: a CUDA-only runtime (vllm, cupy, flash-attn, ...), or a GPU-capable one (torch,
  tensorflow, jax, onnxruntime), imported unconditionally, together with CUDA evidence in the
  service's code (a reference through ``torch.cuda`` or a ``.cuda()`` call);
- ``gpu-capable``: a GPU-capable runtime imported unconditionally without CUDA evidence (CPU
  inference or training works, a GPU would be faster);
- ``large-cpu``: large CPU libraries only (transformers without a backend, scipy, pyarrow...);
- ``slim``: none of the above.

Heavy runtimes imported only optionally are *optional extras* (``optional_gpu``,
``optional_large``): listed, never raising the image class.

Hosted-model SDKs (``openai``, ``anthropic``, ``litellm``...; see
:data:`decompose.roles.LLM_API_IMPORTS`) weigh nothing in the image class: a service that calls a
hosted LLM is a network-bound client on a slim image. They are listed per service as ``llm_apis``
(what it needs instead: API keys, network egress, rate limits and a cost per token) and their
distributions carry a note saying so.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path
from typing import Any

from decompose.graph import ProgramGraph
from decompose.model import Plan
from decompose.requirements import normalize, required_distributions
from decompose.roles import LLM_API_IMPORTS, framework_of

# import name -> distribution, where they differ (or where a well-known name is ambiguous). A
# dotted key matches that module and its submodules; the longest key wins.
DISTRIBUTIONS: dict[str, str] = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "PyYAML",
    "ruamel": "ruamel.yaml",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "decouple": "python-decouple",
    "jose": "python-jose",
    "jwt": "PyJWT",
    "jwcrypto": "jwcrypto",
    "nacl": "PyNaCl",
    "argon2": "argon2-cffi",
    "multipart": "python-multipart",
    "python_multipart": "python-multipart",
    "magic": "python-magic",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "fitz": "PyMuPDF",
    "pymupdf": "PyMuPDF",
    "pdfminer": "pdfminer.six",
    "Crypto": "pycryptodome",
    "Cryptodome": "pycryptodomex",
    "OpenSSL": "pyOpenSSL",
    "google.protobuf": "protobuf",
    "google.generativeai": "google-generativeai",
    "google.ai.generativelanguage": "google-ai-generativelanguage",
    "google.genai": "google-genai",
    "google.auth": "google-auth",
    "google.oauth2": "google-auth",
    "google.api_core": "google-api-core",
    "google.cloud.aiplatform": "google-cloud-aiplatform",
    "google.cloud.pubsub": "google-cloud-pubsub",
    "google.cloud.pubsub_v1": "google-cloud-pubsub",
    "google.cloud.secretmanager": "google-cloud-secret-manager",
    "google_auth_oauthlib": "google-auth-oauthlib",
    "googleapiclient": "google-api-python-client",
    "vertexai": "google-cloud-aiplatform",
    "attr": "attrs",
    "pkg_resources": "setuptools",
    "psycopg2": "psycopg2-binary",
    "MySQLdb": "mysqlclient",
    "pymysql": "PyMySQL",
    "mysql.connector": "mysql-connector-python",
    "snowflake.connector": "snowflake-connector-python",
    "cx_Oracle": "cx-Oracle",
    "tortoise": "tortoise-orm",
    "opensearchpy": "opensearch-py",
    "weaviate": "weaviate-client",
    "git": "GitPython",
    "github": "PyGithub",
    "gitlab": "python-gitlab",
    "Levenshtein": "Levenshtein",
    "pydantic_settings": "pydantic-settings",
    "pydantic_core": "pydantic-core",
    "sentence_transformers": "sentence-transformers",
    "llama_index.core": "llama-index-core",
    "llama_cpp": "llama-cpp-python",
    "flash_attn": "flash-attn",
    "faiss": "faiss-cpu",
    "tensorflow_hub": "tensorflow-hub",
    "tf_keras": "tf-keras",
    "haiku": "dm-haiku",
    "huggingface_hub": "huggingface-hub",
    "qdrant_client": "qdrant-client",
    "prometheus_client": "prometheus-client",
    "opentelemetry": "opentelemetry-api",
    "opentelemetry.sdk": "opentelemetry-sdk",
    "opentelemetry.exporter.otlp": "opentelemetry-exporter-otlp",
    "sentry_sdk": "sentry-sdk",
    "websocket": "websocket-client",
    "socketio": "python-socketio",
    "engineio": "python-engineio",
    "telegram": "python-telegram-bot",
    "discord": "discord.py",
    "slack_sdk": "slack-sdk",
    "slack_bolt": "slack-bolt",
    "serial": "pyserial",
    "usb": "pyusb",
    "zmq": "pyzmq",
    "win32api": "pywin32",
    "win32con": "pywin32",
    "skimage": "scikit-image",
    "imblearn": "imbalanced-learn",
    "category_encoders": "category-encoders",
    "pytorch_lightning": "pytorch-lightning",
    "lightning": "lightning",
    "jaxlib": "jaxlib",
    "onnxruntime": "onnxruntime",
    "paddle": "paddlepaddle",
    "whisper": "openai-whisper",
    "faster_whisper": "faster-whisper",
    "speech_recognition": "SpeechRecognition",
    "gtts": "gTTS",
    "rest_framework": "djangorestframework",
    "corsheaders": "django-cors-headers",
    "django_filters": "django-filter",
    "ninja": "django-ninja",
    "strawberry": "strawberry-graphql",
    "flask_cors": "flask-cors",
    "flask_sqlalchemy": "Flask-SQLAlchemy",
    "flask_login": "Flask-Login",
    "flask_migrate": "Flask-Migrate",
    "flask_restful": "Flask-RESTful",
    "flask_wtf": "Flask-WTF",
    "flask_jwt_extended": "Flask-JWT-Extended",
    "flask_socketio": "Flask-SocketIO",
    "wtforms": "WTForms",
    "fastapi_users": "fastapi-users",
    "sse_starlette": "sse-starlette",
    "httpx_sse": "httpx-sse",
    "requests_toolbelt": "requests-toolbelt",
    "requests_oauthlib": "requests-oauthlib",
    "authlib": "Authlib",
    "aio_pika": "aio-pika",
    "nats": "nats-py",
    "paho": "paho-mqtt",
    "confluent_kafka": "confluent-kafka",
    "kafka": "kafka-python",
    "airflow": "apache-airflow",
    "comet_ml": "comet-ml",
    "auto_gptq": "auto-gptq",
    "awq": "autoawq",
    "markdown_it": "markdown-it-py",
    "markdown": "Markdown",
    "pygments": "Pygments",
    "mako": "Mako",
    "email_validator": "email-validator",
    "duckduckgo_search": "duckduckgo-search",
    "tavily": "tavily-python",
    "newspaper": "newspaper3k",
    "readability": "readability-lxml",
    "e2b_code_interpreter": "e2b-code-interpreter",
    "fireworks": "fireworks-ai",
    "dspy": "dspy",
    "haystack": "haystack-ai",
    "semantic_kernel": "semantic-kernel",
    "autogen_agentchat": "autogen-agentchat",
    "autogen_core": "autogen-core",
    "hydra": "hydra-core",
    "dataclasses_json": "dataclasses-json",
    "typing_extensions": "typing-extensions",
    "annotated_types": "annotated-types",
    "async_timeout": "async-timeout",
    "charset_normalizer": "charset-normalizer",
    "nest_asyncio": "nest-asyncio",
    "prompt_toolkit": "prompt-toolkit",
    "pre_commit": "pre-commit",
    "faker": "Faker",
    "factory": "factory-boy",
    "vcr": "vcrpy",
    "IPython": "ipython",
    "jupyter_client": "jupyter-client",
    "xlsxwriter": "XlsxWriter",
    "brotli": "Brotli",
    "snappy": "python-snappy",
    "barcode": "python-barcode",
    "fasthtml": "python-fasthtml",
    "apscheduler": "APScheduler",
    "cerberus": "Cerberus",
    "werkzeug": "Werkzeug",
    "babel": "Babel",
    "jinja2": "Jinja2",
    "sqlalchemy": "SQLAlchemy",
    "flask": "Flask",
    "django": "Django",
    "scrapy": "Scrapy",
    "cython": "Cython",
    "Cython": "Cython",
    "rapidjson": "python-rapidjson",
    "jsonpath_ng": "jsonpath-ng",
    "tomli_w": "tomli-w",
    "memcache": "python-memcached",
    "ldap": "python-ldap",
    "olefile": "olefile",
    "docx2txt": "docx2txt",
    "azure.core": "azure-core",
    "azure.identity": "azure-identity",
    "azure.cosmos": "azure-cosmos",
    "azure.keyvault.secrets": "azure-keyvault-secrets",
    "azure.storage.blob": "azure-storage-blob",
    "azure.storage.queue": "azure-storage-queue",
    "azure.ai.inference": "azure-ai-inference",
    "azure.search.documents": "azure-search-documents",
    "grpc": "grpcio",
    "grpc_status": "grpcio-status",
    "grpc_tools": "grpcio-tools",
    "grpc_health": "grpcio-health-checking",
}
# Namespace families with a regular naming rule: ``google.cloud.storage`` ->
# ``google-cloud-storage``, ``llama_index.llms.openai`` -> ``llama-index-llms-openai``. The
# number is how many segments after the prefix name the distribution.
NAMESPACE_RULES: tuple[tuple[str, int], ...] = (
    ("google.cloud.", 1),
    ("azure.", 2),
    ("llama_index.", 2),
    ("opentelemetry.instrumentation.", 1),
    ("opentelemetry.exporter.", 1),
)
# Import names that are also their distribution's name, ``_`` read as ``-`` (known, so not
# "guessed").
SAME_NAME = frozenset(
    {
        # AI / ML
        "torch",
        "torchvision",
        "torchaudio",
        "torchtext",
        "torchmetrics",
        "tensorflow",
        "keras",
        "jax",
        "flax",
        "optax",
        "transformers",
        "tokenizers",
        "datasets",
        "evaluate",
        "accelerate",
        "peft",
        "trl",
        "bitsandbytes",
        "optimum",
        "vllm",
        "sglang",
        "xformers",
        "deepspeed",
        "triton",
        "cupy",
        "onnx",
        "onnxruntime",
        "openvino",
        "tensorrt",
        "tritonclient",
        "ctranslate2",
        "ctransformers",
        "exllamav2",
        "einops",
        "safetensors",
        "sentencepiece",
        "tiktoken",
        "timm",
        "diffusers",
        "numpy",
        "pandas",
        "polars",
        "pyarrow",
        "fastparquet",
        "scipy",
        "sympy",
        "statsmodels",
        "xgboost",
        "lightgbm",
        "catboost",
        "shap",
        "lime",
        "numba",
        "dask",
        "distributed",
        "modin",
        "ray",
        "mlflow",
        "wandb",
        "neptune",
        "clearml",
        "tensorboard",
        "tensorboardX",
        "optuna",
        "hyperopt",
        "joblib",
        "cloudpickle",
        "dill",
        "spacy",
        "nltk",
        "gensim",
        "textblob",
        "jieba",
        "rapidfuzz",
        "thefuzz",
        "fuzzywuzzy",
        "langdetect",
        "langid",
        "annoy",
        "hnswlib",
        "usearch",
        "pgvector",
        "chromadb",
        "pinecone",
        "pymilvus",
        "lancedb",
        "ultralytics",
        "mediapipe",
        "albumentations",
        "imageio",
        "pytesseract",
        "easyocr",
        "paddleocr",
        "librosa",
        "soundfile",
        "pydub",
        "pyttsx3",
        "elevenlabs",
        "magika",
        "unstructured",
        # LLM clients and agent frameworks
        "openai",
        "anthropic",
        "cohere",
        "groq",
        "mistralai",
        "ollama",
        "litellm",
        "together",
        "replicate",
        "voyageai",
        "instructor",
        "outlines",
        "guidance",
        "langchain",
        "langgraph",
        "langsmith",
        "langchain_core",
        "llama_index",
        "langchain_community",
        "langchain_openai",
        "langchain_anthropic",
        "langchain_text_splitters",
        "crewai",
        "smolagents",
        "autogen",
        "mcp",
        "e2b",
        "jina",
        "serpapi",
        "wikipedia",
        "arxiv",
        "trafilatura",
        "html2text",
        "markdownify",
        "mistune",
        "letta_client",
        "composio",
        "pypdf",
        "PyPDF2",
        "pdfplumber",
        "openpyxl",
        "xlrd",
        "lxml",
        "html5lib",
        "selenium",
        "playwright",
        "pyppeteer",
        # web, API, data access
        "fastapi",
        "starlette",
        "uvicorn",
        "gunicorn",
        "hypercorn",
        "daphne",
        "waitress",
        "pydantic",
        "httpx",
        "httpcore",
        "h11",
        "requests",
        "urllib3",
        "aiohttp",
        "yarl",
        "multidict",
        "frozenlist",
        "aiosignal",
        "anyio",
        "sniffio",
        "trio",
        "uvloop",
        "certifi",
        "idna",
        "websockets",
        "sanic",
        "tornado",
        "falcon",
        "bottle",
        "pyramid",
        "quart",
        "litestar",
        "connexion",
        "apispec",
        "graphene",
        "ariadne",
        "channels",
        "slowapi",
        "oauthlib",
        "itsdangerous",
        "cryptography",
        "bcrypt",
        "passlib",
        "pyotp",
        "qrcode",
        "gradio",
        "streamlit",
        "dash",
        "panel",
        "nicegui",
        "flet",
        "chainlit",
        "mesop",
        "reflex",
        "alembic",
        "sqlmodel",
        "peewee",
        "pony",
        "mongoengine",
        "motor",
        "beanie",
        "odmantic",
        "asyncpg",
        "aiosqlite",
        "psycopg",
        "pyodbc",
        "duckdb",
        "pymongo",
        "redis",
        "aioredis",
        "pymemcache",
        "elasticsearch",
        "neo4j",
        "py2neo",
        "boto3",
        "botocore",
        "aioboto3",
        "s3transfer",
        "s3fs",
        "gcsfs",
        "fsspec",
        "minio",
        "smart_open",
        "celery",
        "kombu",
        "rq",
        "dramatiq",
        "huey",
        "arq",
        "pika",
        "aiokafka",
        "temporalio",
        "prefect",
        "dagster",
        "luigi",
        "kedro",
        "metaflow",
        "zenml",
        "schedule",
        "thrift",
        "avro",
        "fastavro",
        # general-purpose libraries
        "click",
        "typer",
        "rich",
        "textual",
        "fire",
        "docopt",
        "argcomplete",
        "tqdm",
        "colorama",
        "termcolor",
        "tabulate",
        "questionary",
        "inquirer",
        "humanize",
        "pendulum",
        "arrow",
        "pytz",
        "tzlocal",
        "dateparser",
        "marshmallow",
        "voluptuous",
        "validators",
        "phonenumbers",
        "jsonschema",
        "fastjsonschema",
        "jsonpatch",
        "jsonpointer",
        "jmespath",
        "orjson",
        "ujson",
        "simplejson",
        "msgpack",
        "msgspec",
        "cbor2",
        "cattrs",
        "attrs",
        "omegaconf",
        "dynaconf",
        "environs",
        "toml",
        "tomli",
        "tomlkit",
        "structlog",
        "loguru",
        "logfire",
        "ddtrace",
        "newrelic",
        "statsd",
        "datadog",
        "posthog",
        "mixpanel",
        "stripe",
        "twilio",
        "sendgrid",
        "resend",
        "tenacity",
        "backoff",
        "retrying",
        "ratelimit",
        "limits",
        "pybreaker",
        "cachetools",
        "diskcache",
        "filelock",
        "portalocker",
        "watchdog",
        "psutil",
        "docker",
        "kubernetes",
        "paramiko",
        "pexpect",
        "ptyprocess",
        "aiofiles",
        "shortuuid",
        "nanoid",
        "ulid",
        "jsonlines",
        "chardet",
        "filetype",
        "packaging",
        "setuptools",
        "six",
        "wrapt",
        "deprecated",
        "decorator",
        "matplotlib",
        "seaborn",
        "plotly",
        "bokeh",
        "altair",
        "networkx",
        "graphviz",
        "pydot",
        "igraph",
        "h5py",
        "xarray",
        "zarr",
        "netCDF4",
        "geopandas",
        "shapely",
        "pyproj",
        "fiona",
        "rasterio",
        "folium",
        "geopy",
        "reportlab",
        "weasyprint",
        "pdfkit",
        "pypandoc",
        "nbformat",
        "nbconvert",
        "papermill",
        "ipykernel",
        "ipywidgets",
        "chevron",
        "docutils",
        "lz4",
        "zstandard",
        "blosc",
        "ldap3",
        "pytest",
        "hypothesis",
        "freezegun",
        "responses",
        "respx",
        "mock",
        "coverage",
        "tox",
        "nox",
        "black",
        "ruff",
        "isort",
        "mypy",
        "pylint",
        "flake8",
        "bandit",
        "pyjson5",
        "demjson3",
        "jsonref",
        "sqlparse",
        "sqlglot",
        "croniter",
        "emoji",
        "regex",
        "ftfy",
        "unidecode",
        "inflect",
        "pycountry",
        "pyperclip",
        "pyautogui",
        "pynput",
        "keyring",
        "markupsafe",
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
LLM_API_NOTE = "hosted LLM API client: network, API keys, rate limits; no GPU"


def is_llm_api(name: str) -> bool:
    """True when the import ``name`` is a hosted-model SDK: its longest dotted prefix among
    :data:`decompose.roles.FRAMEWORKS` is one of :data:`decompose.roles.LLM_API_IMPORTS`
    (``openai.types.chat`` is ``openai``'s; ``llama_index.llms.huggingface``, a local model, is
    not)."""
    hit = framework_of(name)
    return hit is not None and hit[0] in LLM_API_IMPORTS


_PICKLE_LOADS = frozenset(
    {"joblib.load", "pickle.load", "pickle.loads", "torch.load", "cloudpickle.load", "dill.load"}
)
_OPTIONAL_KINDS = frozenset({"optional", "fallback", "guarded", "dynamic"})
# A device string: "cuda", "cuda:0".
_CUDA_DEVICE = re.compile(r"^cuda(:\d+)?$")


def heavy_importers(
    graph: ProgramGraph,
    attached: frozenset[str] | None = None,
    required: Collection[str] = (),
) -> dict[str, list[str]]:
    """Modules that need a heavy runtime to be imported at all: a module-level import of a GPU
    runtime (:data:`GPU_RUNTIMES`) or a large library (:data:`LARGE_RUNTIMES`), unguarded or
    of a distribution the project requires (``required``) — the imports that set a service's
    image class in :func:`footprints`. Attached modules
    (:func:`decompose.roles.attached_modules`: tests, migrations, examples, templates) excluded.

    Args:
        graph: the program graph.
        attached: the attached modules when already computed.
        required: normalized names of the distributions the project declares as required
            (:func:`decompose.requirements.required_distributions`; ``footprints()["required"]``
            holds them): a guarded import of one of them still runs on every install.

    Returns:
        ``{module: [top-level import names, sorted]}``, in module order.
    """
    if attached is None:
        attached = _attached_modules(graph)
    out: dict[str, set[str]] = defaultdict(set)
    for e in graph.external:
        if e.kind in ("type_checking", "stub_only") or e.src in attached:
            continue
        if e.scope == "function":
            continue
        if e.kind in _OPTIONAL_KINDS and normalize(distribution_of(e.dst)[0]) not in required:
            continue
        top = e.dst.split(".")[0]
        if top in GPU_RUNTIMES or top in LARGE_RUNTIMES:
            out[e.src].add(top)
    return {m: sorted(v) for m, v in sorted(out.items())}


def _attached_modules(graph: ProgramGraph) -> frozenset[str]:
    from decompose.roles import attached_modules

    return attached_modules(graph)


def distribution_of(name: str) -> tuple[str, str]:
    """Map an imported module name to a distribution, from the built-in tables only.

    The result depends on nothing but ``name``: not on what is installed next to decompose, so
    the same project gives the same footprints (and the same output bytes) everywhere.

    Args:
        name: dotted module name as imported (``sklearn.ensemble``).

    Returns:
        ``(distribution, source)``. ``source`` is ``table`` when :data:`DISTRIBUTIONS`,
        :data:`NAMESPACE_RULES` or :data:`SAME_NAME` know the name, else ``guessed`` and the
        distribution is the top-level import name itself (reports mark it with ``?``).
    """
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in DISTRIBUTIONS:
            return DISTRIBUTIONS[key], "table"
    for prefix, extra in NAMESPACE_RULES:
        if name.startswith(prefix):
            n = prefix.count(".") + extra
            return "-".join(parts[:n]).replace("_", "-"), "table"
    top = parts[0]
    if top in SAME_NAME:
        return top.replace("_", "-"), "table"
    return top, "guessed"


def _source_cuda_uses(root: Path, relpath: str) -> list[tuple[int, str]]:
    """``(line, what)`` for the CUDA uses in one source file that the facts do not keep:
    ``x.cuda()`` on an unresolved receiver, a ``"cuda"`` / ``"cuda:N"`` device string given to a
    call (``.to("cuda")``, ``device="cuda:0"``, ``torch.device("cuda")``), assigned or compared.
    A ``"cuda"`` dictionary key or any other string that merely contains the word is not a use.
    An unreadable or unparsable file has none. The bytes are searched for ``cuda`` first, so
    files without the word are never parsed."""
    import ast

    try:
        data = (root / relpath).read_bytes()
    except OSError:
        return []
    if b"cuda" not in data:
        return []
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return []

    def device(node: ast.AST | None) -> bool:
        if isinstance(node, ast.IfExp):
            return device(node.body) or device(node.orelse)
        return (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _CUDA_DEVICE.match(node.value) is not None
        )

    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "cuda":
                out.append((line, ".cuda()"))
            elif any(device(a) for a in node.args) or any(device(k.value) for k in node.keywords):
                out.append((line, 'device "cuda"'))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and device(node.value):
            out.append((line, 'device "cuda"'))
        elif isinstance(node, ast.Compare) and any(
            device(x) for x in (node.left, *node.comparators)
        ):
            out.append((line, 'device "cuda"'))
    return sorted(set(out))


def footprints(
    graph: ProgramGraph,
    plan: Plan,
    root: Path | None = None,
    attached: frozenset[str] | None = None,
    required: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Third-party closure per service, its attached modules (tests, migrations, usage examples,
    project templates: :func:`decompose.roles.attached_modules`) left out: they run beside the
    service, not in its image, so a template's ``sentence_transformers`` import is no runtime
    of the service and a migration's ``pickle.loads`` no model artifact.

    CUDA evidence (what turns a GPU-capable runtime into a ``gpu`` image) is a real use only:
    a reference through ``torch.cuda`` (or any ``.cuda`` attribute the parser resolved), a read
    of a ``CUDA_*`` environment key (``CUDA_VISIBLE_DEVICES``) and, when ``root`` is given, the
    uses :func:`_source_cuda_uses` finds in the source (``x.cuda()``, ``.to("cuda")``,
    ``device="cuda:0"``). A string constant such as ``"libraries.cuda"`` (a dictionary key) is
    not evidence.

    Args:
        graph: the program graph (external edges, facts for CUDA evidence).
        plan: services to compute footprints for.
        root: the project root, to look for CUDA device strings and ``.cuda()`` calls in the
            source (not in the facts); without it only the facts are used.
        attached: the attached modules when already computed.
        required: the distributions the project declares as required,
            ``{normalized name: declaring file}``; read from ``root``
            (:func:`decompose.requirements.required_distributions`) when None. A guarded or
            lazy import of a required distribution is not optional: every install has it, so
            the service that imports it carries it in its image.

    Returns:
        ``{"services": {service: {"distributions": [{"distribution", "source", "imports",
        "modules", "optional", "heavy", "note", "evidence", "required_by"}], "image": "gpu" |
        "gpu-capable" | "large-cpu" | "slim", "gpu_runtimes": [required GPU runtimes],
        "optional_gpu": [...],
        "gpu_modules": [modules importing a required GPU runtime], "large": [...],
        "cuda_evidence": [...], "loads_pickles": ["path:line callee"], "count": n, "image_own":
        class from its own imports, "via_kernel": [heavy distributions the shared kernel brings
        into its image], "llm_apis": [hosted-LLM SDK distributions it calls through; they do not
        raise the image class]}},
        "gpu_services": [...], "mapping": "...", "required": {normalized name: declaring file
        relative to root}}``. ``required_by`` is the file declaring a distribution required
        (``""`` when it is not). Lists sorted; ``evidence`` is
        ``path:line`` of the first import. ``heavy`` is ``gpu``, ``gpu-only``, ``large`` or ``""``.
        ``optional_gpu`` and ``optional_large`` are heavy distributions imported only optionally
        (guarded, ``with LazyImport(...)``, inside functions): *optional extras* that never
        raise the image class.
    """
    if attached is None:
        attached = _attached_modules(graph)
    if required is None:
        required = (
            {k: _rel(v, root) for k, v in required_distributions(root).items()}
            if root is not None
            else {}
        )
    first_party_tops = {m.name.split(".")[0] for m in graph.modules}
    path_of = {m.name: m.path for m in graph.modules}
    of = plan.partition.as_dict()
    # service -> dist -> info
    acc: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for e in graph.external:
        svc = of.get(e.src)
        if svc is None or e.kind in ("type_checking", "stub_only") or e.src in attached:
            continue
        top = e.dst.split(".")[0]
        if (
            not top
            or top in sys.stdlib_module_names
            or top in first_party_tops
            or (top == "__future__")
        ):
            continue
        dist, source = distribution_of(e.dst)
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
                "required_by": required.get(normalize(dist), ""),
            },
        )
        info["imports"].add(e.dst)
        info["modules"].add(e.src)
        lazy = (e.kind in _OPTIONAL_KINDS or e.scope == "function") and not info["required_by"]
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
        if is_llm_api(e.dst):
            info["llm_api"] = True
            if not info["heavy"]:
                info["note"] = LLM_API_NOTE
    # Attached modules run beside the service, not in it: a ``pickle.loads`` of a job's state
    # in a Django migration is no model artifact.
    cuda: dict[str, list[str]] = defaultdict(list)
    for module, f in sorted(graph.facts.items()):
        svc = of.get(module)
        if svc is None or module in attached:
            continue
        found: list[tuple[int, str]] = []
        for r in f.references:
            if r.hint == "string":
                continue  # "libraries.cuda" as a dict key names CUDA, it does not use it
            segments = r.target.replace("()", "").lower().split(".")
            if "cuda" in segments:
                found.append((r.line, r.target))
        for line, kind, value in f.data_refs:
            if kind == "env" and value.upper().startswith("CUDA_"):
                found.append((line, f"env {value}"))
        if root is not None:
            found.extend(_source_cuda_uses(root, f.source.relpath))
        for line, what in sorted(set(found)):
            if len(cuda[svc]) < 6:
                cuda[svc].append(f"{f.source.relpath}:{line} {what}")
    pickles: dict[str, list[str]] = defaultdict(list)
    for module, f in sorted(graph.facts.items()):
        svc = of.get(module)
        if svc is None or module in attached:
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
                    "required_by": i["required_by"],
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
        optional_large = [
            d["distribution"] for d in dists if d["heavy"] == "large" and d["optional"]
        ]
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
            "optional_large": optional_large,
            "loads_pickles": pickles.get(s.name, []),
            "cuda_evidence": cuda_ev,
            "llm_apis": sorted(dist for dist, i in acc.get(s.name, {}).items() if i.get("llm_api")),
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
        "mapping": "import name -> distribution: decompose's built-in table (the same on "
        "every machine), else the import name itself (guessed, marked ?)",
        "required": dict(required),
    }


def _rel(path: str, root: Path | None) -> str:
    """``path`` relative to ``root`` with ``/`` separators (``../`` for the parent folder)."""
    import os

    if root is None:
        return path
    return os.path.relpath(path, root).replace(os.sep, "/")
