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
    assert distribution_of("pydantic_core") == ("pydantic-core", "table")
    assert distribution_of("google.cloud.storage.blob") == ("google-cloud-storage", "table")
    assert distribution_of("llama_index.llms.openai") == ("llama-index-llms-openai", "table")
    assert distribution_of("azure.storage.blob.aio") == ("azure-storage-blob", "table")
    assert distribution_of("azure.servicebus") == ("azure-servicebus", "table")


def test_mapping_ignores_the_environment_decompose_runs_in(make_project, monkeypatch) -> None:
    """Regression: footprints used ``importlib.metadata.packages_distributions()``, so installing
    a package next to decompose changed the output bytes ("guessed" vs "installed")."""
    import importlib.metadata as md
    import json

    root = make_project({**FILES, "svc/extra.py": "import pydantic_core\nimport somelib_xyz\n"})
    graph, plan = plan_for(root, {"svc": "api"})
    before = json.dumps(footprints(graph, plan), sort_keys=True)
    monkeypatch.setattr(
        md, "packages_distributions", lambda: {"somelib_xyz": ["some-lib"], "torch": ["x"]}
    )
    after = json.dumps(footprints(graph, plan), sort_keys=True)
    assert before == after
    dists = {
        d["distribution"]: d["source"]
        for d in footprints(graph, plan)["services"]["api"]["distributions"]
    }
    assert dists["pydantic-core"] == "table" and dists["somelib_xyz"] == "guessed"


def test_gpu_and_optional(make_project) -> None:
    root = make_project(FILES)
    graph, plan = plan_for(
        root,
        {
            "svc.api": "api",
            "svc.worker": "gpu",
            "svc.optional": "opt",
            "svc.learn": "learn",
            "svc": "api",
        },
    )
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
