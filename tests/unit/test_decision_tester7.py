"""Seventh tester's findings (txtai 9.14.0; docs/decision.md):

- T1: torch and transformers imported through a ``try/except ImportError`` helper were optional
  extras, so "Services that need a GPU image: none", although the wheel's METADATA requires
  ``torch>=2.4`` (no ``extra ==`` marker). A guarded import of a distribution the project
  declares as required now counts; one declared only in an extra stays optional;
- T2: services whose route handlers (an ``APIRouter`` the front door's app factory includes)
  run in the front door's application got "+1 ... load that is not the request path".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from decompose.footprint import footprints, heavy_importers
from decompose.requirements import declared_requirements, required_distributions
from tests.unit._plans import evaluate_plan, pad, plan_for

# txtai's util/library.py: every heavy import inside a function, behind try/except ImportError.
LIBRARY = """
class Library:
    def torch(self):
        try:
            import torch
        except ImportError:
            torch = None
        return torch

    def device(self):
        torch = self.torch()
        return "cuda" if torch and torch.cuda.is_available() else "cpu"
"""
# haystack / ludwig style module-level guard
GUARDED = """
try:
    import torch
except ImportError:
    torch = None


def run(x):
    return torch.cuda.is_available() if torch else x
"""


def _project(make_project, declaration: dict[str, str]) -> Path:
    files = {
        "pkg/__init__.py": "",
        "pkg/models/__init__.py": "",
        "pkg/models/library.py": LIBRARY,
        "pkg/models/guarded.py": GUARDED,
        "pkg/web.py": "def index():\n    return 'ok'\n",
    }
    files.update(declaration)
    return make_project(files)


def _models(root: Path) -> dict[str, object]:
    graph, plan = plan_for(root, {"pkg.models": "models", "pkg": "web"})
    out = footprints(graph, plan, root)
    assert isinstance(out, dict)
    return out


METADATA_REQUIRED = """Metadata-Version: 2.1
Name: pkg
Version: 1.0
Requires-Dist: numpy>=1.18
Requires-Dist: torch>=2.4
Requires-Dist: black; extra == "dev"

Long description: torch; extra == "x" in prose is not a header.
"""


@pytest.mark.parametrize(
    "declaration",
    [
        {"pkg-1.0.dist-info/METADATA": METADATA_REQUIRED},
        {"pyproject.toml": '[project]\nname = "pkg"\ndependencies = ["torch>=2.4"]\n'},
        {"setup.cfg": "[options]\ninstall_requires =\n    torch>=2.4\n"},
        {"requirements.txt": "torch>=2.4  # the model runtime\n"},
        {
            "pyproject.toml": '[tool.poetry]\nname = "pkg"\n[tool.poetry.dependencies]\n'
            'python = "^3.10"\ntorch = "^2.4"\n'
        },
    ],
    ids=["metadata", "pyproject", "setup-cfg", "requirements", "poetry"],
)
def test_guarded_import_of_a_required_distribution_sets_the_image(make_project, declaration):
    out = _models(_project(make_project, declaration))
    models = out["services"]["models"]  # type: ignore[index]
    torch = next(d for d in models["distributions"] if d["distribution"] == "torch")
    assert torch["optional"] is False
    assert torch["required_by"] in declaration
    assert models["gpu_runtimes"] == ["torch"]
    assert models["optional_gpu"] == []
    assert models["image"] == "gpu"  # torch.cuda.is_available() is the CUDA evidence
    assert out["gpu_services"] == ["models"]  # type: ignore[index]
    assert out["required"]["torch"] in declaration  # type: ignore[index]


@pytest.mark.parametrize(
    "declaration",
    [
        {},
        {
            "pkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: pkg\n"
            'Requires-Dist: numpy\nRequires-Dist: torch>=2; extra == "gpu"\n'
        },
        {
            "pyproject.toml": '[project]\nname = "pkg"\ndependencies = ["numpy"]\n'
            '[project.optional-dependencies]\ntorch = ["torch>=2"]\n'
        },
        {
            "setup.cfg": "[options]\ninstall_requires = numpy\n"
            "[options.extras_require]\ngpu =\n    torch>=2\n"
        },
        {"requirements.txt": "numpy\n", "requirements-gpu.txt": "torch>=2\n"},
        {
            "pyproject.toml": '[tool.poetry]\nname = "pkg"\n[tool.poetry.dependencies]\n'
            'torch = {version = "^2", optional = true}\n'
        },
    ],
    ids=["undeclared", "metadata-extra", "optional-deps", "extras-require", "req-gpu", "poetry"],
)
def test_extras_stay_optional(make_project, declaration):
    """ludwig / autogluon style: torch only in an extra is an optional extra, no GPU image."""
    out = _models(_project(make_project, declaration))
    models = out["services"]["models"]  # type: ignore[index]
    assert models["optional_gpu"] == ["torch"]
    assert models["gpu_runtimes"] == []
    assert models["image"] == "slim"
    assert out["gpu_services"] == []  # type: ignore[index]
    assert "torch" not in out["required"]  # type: ignore[index]


def test_required_distributions_reader(tmp_path: Path) -> None:
    (tmp_path / "x-1.0.dist-info").mkdir()
    (tmp_path / "x-1.0.dist-info" / "METADATA").write_text(
        "Name: x\nRequires-Dist: Torch>=2.4\n"
        'Requires-Dist: tomli; python_version < "3.11"\n'
        'Requires-Dist: pytest; extra == "test"\n'
        "Requires-Dist: pytest-cov ; extra=='test' and python_version > \"3\"\n"
    )
    req = required_distributions(tmp_path)
    assert set(req) == {"torch", "tomli"}
    # scaffold's reader (the same files) still sees every declared name, extras too
    declared, files = declared_requirements(tmp_path)
    assert {"torch", "tomli", "pytest", "pytest-cov"} <= set(declared)
    assert files == [str(tmp_path / "x-1.0.dist-info" / "METADATA")]


def test_heavy_importers_count_a_required_guarded_module_level_import(make_project) -> None:
    root = _project(make_project, {"requirements.txt": "torch\n"})
    graph, _ = plan_for(root, {"pkg": "all"})
    assert "pkg.models.guarded" not in heavy_importers(graph)
    heavy = heavy_importers(graph, required={"torch"})
    assert heavy["pkg.models.guarded"] == ["torch"]
    # a function-level import still needs no runtime to import the module
    assert "pkg.models.library" not in heavy


# ---- T2: routers mounted by the front door's app factory

FACTORY = """
from fastapi import FastAPI

from shop.routers import transcribe


def create():
    app = FastAPI()
    app.include_router(transcribe.router)
    return app


app = create()


@app.get("/health")
def health():
    return "ok"
"""
ROUTER = """
from fastapi import APIRouter

from shop.audio import model

router = APIRouter()


@router.get("/transcribe")
def transcribe(path: str):
    return model.transcribe(path)
"""
MODEL = """
try:
    import onnxruntime
except ImportError:
    onnxruntime = None


def transcribe(path):
    session = onnxruntime.InferenceSession(path)
    return session.run(None, {})
"""


def test_route_handlers_mounted_by_the_front_door_are_the_request_path(make_project) -> None:
    """txtai ``audio``: ``GET /transcribe`` (an APIRouter the app factory includes) and the
    transcription pipeline: primary role inference, yet the request path."""
    root = make_project(
        {
            "shop/__init__.py": "",
            "shop/api.py": pad(FACTORY, "api"),
            "shop/routers/__init__.py": "",
            "shop/routers/transcribe.py": pad(ROUTER, "rt"),
            "shop/audio/__init__.py": "",
            "shop/audio/model.py": pad(MODEL, "md"),
            "shop/audio/speech.py": pad(MODEL, "sp"),
            "shop/audio/mixer.py": pad(MODEL, "mx"),
        }
    )
    out = evaluate_plan(
        root, {"shop": "api", "shop.routers.transcribe": "audio", "shop.audio": "audio"}
    )
    dec = out["decision"]
    assert dec["front_door"] == "api"
    assert out["roles"]["services"]["audio"]["http_handlers"] == ["shop.routers.transcribe"]
    assert out["roles"]["services"]["audio"]["primary"] == "inference"
    audio = dec["services"]["audio"]
    scaling = audio["criteria"]["independent_scaling"]
    text = " | ".join(scaling["evidence"])
    assert "load that is not the request path" not in text
    assert "serves HTTP routes" in text
    assert scaling["score"] == 0, scaling
    assert "not on the request path" not in " ".join(
        audio["criteria"]["fault_isolation"]["evidence"]
    )
    assert "audio" not in dec["candidates"]
