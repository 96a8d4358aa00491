"""A library is not a deployable: without HTTP handlers, entry points, ``__main__`` blocks, CLI
commands or workers the verdict says so instead of recommending an extraction."""

from __future__ import annotations

from pathlib import Path

from decompose.decision import deployable_evidence, evaluate
from decompose.roles import classify
from tests.unit._plans import plan_for

FILLER = "\n".join(f"def helper_{i}(x):\n    return x + {i}\n" for i in range(300))

# A RAG-style library: a GPU-capable evaluator (torch with CUDA use) that would be an
# extraction candidate in an application, plus plain components.
LIBRARY = {
    "lib/__init__.py": "",
    "lib/evaluators/__init__.py": "",
    "lib/evaluators/sas.py": """
        import torch
        from transformers import AutoModel

        def score(a, b):
            model = AutoModel.from_pretrained("x").cuda()
            with torch.no_grad():
                return model(a, b)
    """,
    # padded: enough substance to extract (docs/decision.md, "Substance of a candidate")
    "lib/evaluators/sas_util.py": "import torch\n\ndef stack(xs):\n    return torch.stack(xs)\n"
    + FILLER
    + "\n"
    + FILLER.replace("helper_", "more_"),
    "lib/components/__init__.py": "",
    "lib/components/joiner.py": "from lib.evaluators.sas import score\n" + FILLER,
    "lib/components/splitter.py": "from lib.components.joiner import helper_1\n" + FILLER,
    "lib/tests/__init__.py": "",
    "lib/tests/test_sas.py": "if __name__ == '__main__':\n    print('run')\n",
}
SERVICES = {"lib.evaluators": "evaluators", "lib.components": "components", "lib": "components"}


def _evaluate(root: Path) -> dict:
    graph, plan = plan_for(root, SERVICES)
    return evaluate(root, graph, plan, history_enabled=False)


def test_a_library_gets_no_extraction(make_project) -> None:
    root = make_project(LIBRARY)
    ex = _evaluate(root)
    dec = ex["decision"]
    assert dec["deployable"] == []
    assert dec["verdict"] == "library", dec["why"]
    assert dec["candidates"] == [] and "extract" not in dec["headline"].lower()
    assert "library" in dec["headline"]
    assert not any(p["candidate"] for p in dec["services"].values())
    # the boundaries are still enforced as a modular structure, nothing is extracted
    assert [s["action"] for s in dec["steps"]] == ["enforce"]
    text = " ".join(dec["why"])
    assert "extracting services is not recommended" in text
    assert "`evaluators` needs" in text and "optional extra" in text
    assert "library" in dec["services"]["evaluators"]["why_not"]


def test_the_same_code_with_an_entry_point_or_a_route_is_an_application(make_project) -> None:
    main = make_project({**LIBRARY, "lib/__main__.py": "from lib.components import joiner\n"})
    dec = _evaluate(main)["decision"]
    assert dec["verdict"] == "extract" and dec["candidates"] == ["evaluators"]
    assert dec["deployable"] == ["__main__ module: lib.__main__"]
    guard = make_project(
        {**LIBRARY, "lib/cli.py": "def run():\n    pass\n\nif __name__ == '__main__':\n    run()\n"}
    )
    assert _evaluate(guard)["decision"]["deployable"] == ["__main__ block: lib/cli.py"]
    web = make_project(
        {
            **LIBRARY,
            # the route uses the evaluator: GPU code the running system never loads would be
            # library code, not a service (docs/decision.md, "Heavy code the running system
            # never loads")
            "lib/components/api.py": "from fastapi import APIRouter\n"
            "from lib.components.joiner import helper_1\nrouter = APIRouter()\n\n\n"
            "@router.get('/x')\ndef x():\n    return helper_1(1)\n",
        }
    )
    assert _evaluate(web)["decision"]["verdict"] == "extract"
    script = make_project(
        {
            **LIBRARY,
            "pyproject.toml": '[project]\nname = "lib"\nversion = "1"\n\n'
            '[project.scripts]\nlib-eval = "lib.components.joiner:helper_1"\n',
        }
    )
    ev = _evaluate(script)["decision"]["deployable"]
    assert ev and ev[0].startswith("entry point: lib-eval = lib.components.joiner:helper_1")


def test_cli_commands_and_tests(make_project) -> None:
    root = make_project(
        {
            **LIBRARY,
            "lib/commands.py": "import click\n\n@click.command()\ndef go():\n    pass\n",
        }
    )
    graph, plan = plan_for(root, SERVICES)
    ev = deployable_evidence(graph, classify(graph, plan), root)
    assert ev == ["CLI command: @click.command on lib.commands.go"]
    # a `__main__` block in a test module does not make a deployable (LIBRARY has one)
    root2 = make_project(LIBRARY)
    graph2, plan2 = plan_for(root2, SERVICES)
    assert deployable_evidence(graph2, classify(graph2, plan2), root2) == []
