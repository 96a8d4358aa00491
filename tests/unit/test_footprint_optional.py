"""Optional heavy imports (``with LazyImport(...)``, ``is_torch_available()``, ``find_spec``)
and CUDA evidence: a service whose GPU libraries are all optional gets no GPU image."""

from __future__ import annotations

from pathlib import Path

from decompose.footprint import footprints
from decompose.model import SourceFile
from decompose.parse import parse_file
from tests.unit._plans import plan_for

LAZY = """
import importlib.util
from pkg.lazy_imports import LazyImport
from transformers.utils import is_torch_available

with LazyImport("pip install torch") as torch_import:
    import torch
    from sentence_transformers import SentenceTransformer

if is_torch_available():
    import accelerate

if importlib.util.find_spec("cupy") is not None:
    import cupy

if not is_torch_available():
    x = 1
else:
    import peft

if importlib.util.find_spec("vllm") is None:
    y = 2
else:
    import vllm

with open("x") as fh:
    import numpy
"""


def _kinds(tmp_path: Path, source: str) -> dict[str, str]:
    (tmp_path / "m.py").write_text(source)
    f = parse_file(SourceFile("m.py", "m", ".", "module"), tmp_path)
    return {i.module: i.kind for i in f.imports}


def test_lazy_import_blocks_and_availability_guards_are_optional(tmp_path: Path) -> None:
    kinds = _kinds(tmp_path, LAZY)
    for mod in ("torch", "sentence_transformers", "accelerate", "cupy", "peft", "vllm"):
        assert kinds[mod] == "optional", (mod, kinds[mod])
    # an ordinary context manager and the helpers' own imports stay plain imports
    assert kinds["numpy"] == "import"
    assert kinds["pkg.lazy_imports"] == "import"


def test_lazy_helper_with_attribute_receiver(tmp_path: Path) -> None:
    kinds = _kinds(
        tmp_path,
        "import optuna\nwith optuna._imports.try_import() as _i:\n    import torch\n",
    )
    assert kinds["torch"] == "optional"


LIB = {
    "lib/__init__.py": "",
    "lib/lazy_imports.py": """
        class LazyImport:
            def __init__(self, message=""):
                self.message = message
            def __enter__(self):
                return self
            def __exit__(self, *exc):
                return True
    """,
    "lib/device.py": """
        from lib.lazy_imports import LazyImport

        with LazyImport("pip install torch") as torch_import:
            import torch

        def pick():
            return "cuda:0" if torch.cuda.is_available() else "cpu"
    """,
    "lib/sas.py": """
        from lib.lazy_imports import LazyImport

        with LazyImport("pip install sentence-transformers") as st_import:
            from sentence_transformers import SentenceTransformer
            from transformers import AutoConfig
    """,
    "lib/telemetry.py": """
        import torch

        STATS = {"libraries.torch": False, "libraries.cuda": False}

        def collect():
            return dict(STATS)
    """,
}


def test_optional_gpu_libraries_give_no_gpu_image(make_project) -> None:
    root = make_project(LIB)
    graph, plan = plan_for(root, {"lib.device": "evaluators", "lib.sas": "evaluators", "lib": "x"})
    fp = footprints(graph, plan, root)["services"]["evaluators"]
    dists = {d["distribution"]: d for d in fp["distributions"]}
    assert dists["torch"]["optional"] and dists["sentence-transformers"]["optional"]
    assert fp["image"] not in ("gpu", "gpu-capable"), fp
    assert fp["gpu_runtimes"] == [] and fp["optional_gpu"] == ["torch"]
    assert "sentence-transformers" in fp["optional_large"]


def test_a_dict_key_is_no_cuda_evidence(make_project) -> None:
    """Regression (haystack telemetry): ``"libraries.cuda": False`` made a service "gpu"."""
    root = make_project(LIB)
    graph, plan = plan_for(root, {"lib.telemetry": "telemetry", "lib": "x"})
    fp = footprints(graph, plan, root)["services"]["telemetry"]
    assert fp["cuda_evidence"] == []
    assert fp["image"] == "gpu-capable"  # torch imported unconditionally, no CUDA use


def test_real_cuda_uses_are_evidence(make_project) -> None:
    root = make_project(
        {
            "g/__init__.py": "",
            "g/a.py": "import torch\n\ndef f(m):\n    return m.cuda()\n",
            "g/b.py": "import torch\n\ndef f(x):\n    return x.to('cuda:1')\n",
            "g/c.py": "import torch\n\ndef f():\n    return torch.zeros(3, device='cuda')\n",
            "g/d.py": "import os\nimport torch\nGPUS = os.environ.get('CUDA_VISIBLE_DEVICES')\n",
            "g/e.py": "import torch\nOK = torch.cuda.is_available()\n",
            "g/f.py": "import torch\nNAMES = {'cuda': 1, 'libraries.cuda': 2}\n",
        }
    )
    mods = ("a", "b", "c", "d", "e", "f")
    graph, plan = plan_for(root, {f"g.{m}": m for m in mods} | {"g": "x"})
    fps = footprints(graph, plan, root)["services"]
    for m in ("a", "b", "c", "d", "e"):
        assert fps[m]["cuda_evidence"] and fps[m]["image"] == "gpu", (m, fps[m])
    assert fps["f"]["cuda_evidence"] == [] and fps["f"]["image"] == "gpu-capable"
    # without the project root only the facts speak: torch.cuda and the env key still count
    no_root = footprints(graph, plan)["services"]
    assert no_root["e"]["image"] == "gpu" and no_root["d"]["image"] == "gpu"
