"""Footprints: distributions per service, heavy runtimes, GPU images, the kernel's share."""

from __future__ import annotations

from decompose.footprint import distribution_of, footprints
from tests.unit._plans import plan_for

FILES = {
    "svc/__init__.py": "",
    "svc/api.py": """
        import fastapi
        from pydantic import BaseModel
    """,
    "svc/worker.py": """
        import torch

        def run(x):
            if torch.cuda.is_available():
                x = x.cuda()
            return x
    """,
    "svc/optional.py": """
        try:
            import torch
        except ImportError:
            torch = None
        import yaml
    """,
    "svc/learn.py": "from sklearn.linear_model import LogisticRegression\n",
}


def test_distribution_mapping() -> None:
    assert distribution_of("sklearn.ensemble") == ("scikit-learn", "table")
    assert distribution_of("yaml") == ("PyYAML", "table")
    assert distribution_of("torch.nn") == ("torch", "table")
    assert distribution_of("surely_not_a_package_xyz") == ("surely_not_a_package_xyz", "guessed")
    assert distribution_of("mylib", {"mylib": ["my-lib"]}) == ("my-lib", "installed")


def test_gpu_and_optional(make_project) -> None:
    root = make_project(FILES)
    graph, plan = plan_for(root, {"svc.api": "api", "svc.worker": "gpu", "svc.optional": "opt",
                                  "svc.learn": "learn", "svc": "api"})
    fp = footprints(graph, plan)
    s = fp["services"]
    assert s["gpu"]["image"] == "gpu"
    assert s["gpu"]["cuda_evidence"] and "torch.cuda" in s["gpu"]["cuda_evidence"][0]
    assert fp["gpu_services"] == ["gpu"]
    assert s["api"]["image"] == "slim"
    assert {d["distribution"] for d in s["api"]["distributions"]} == {"fastapi", "pydantic"}
    # A guarded import is optional: the service starts without torch, no GPU image.
    opt = {d["distribution"]: d for d in s["opt"]["distributions"]}
    assert opt["torch"]["optional"] is True and opt["PyYAML"]["optional"] is False
    assert s["opt"]["image"] == "slim" and s["opt"]["optional_gpu"] == ["torch"]
    assert s["learn"]["image"] == "large-cpu" and s["learn"]["large"] == ["scikit-learn"]
    ev = opt["PyYAML"]["evidence"]
    assert ev.startswith("svc/optional.py:")


def test_kernel_runtime_reaches_every_service(make_project) -> None:
    root = make_project(FILES)
    graph, plan = plan_for(root, {"svc.worker": "kernel", "svc": "api"})
    s = footprints(graph, plan)["services"]
    assert s["api"]["image_own"] == "large-cpu"  # scikit-learn
    assert s["api"]["image"] == "gpu" and s["api"]["via_kernel"] == ["torch"]
