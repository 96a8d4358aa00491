"""Sixth tester's decision findings (docs/decision.md):

- F2/E2: a service got +1 "distinct scaling need" from a heavier image while the same evidence
  said its role "scales with the request path"; score and evidence now come from one decision;
- L2: ``from datasets import Dataset`` and sklearn estimators fitted inside a metric were
  "training code — retraining on its own schedule"; a notebook gave service evidence;
- F9: the front door was the lightest app owner (a one-route lineage consumer beat the 13-route
  feature server); the what-if showed no front-door or scaling-list change.
"""

from __future__ import annotations

from decompose.decision import apply_moves, what_if
from decompose.roles import attached_modules, classify_modules
from tests.unit._plans import evaluate_plan, pad, plan_for

API = """
from fastapi import FastAPI
from shop import calc, stats

app = FastAPI()


@app.get("/a")
def a():
    return calc.run([1])


@app.get("/b")
def b():
    return stats.run([2])
"""


def test_heavy_image_on_the_request_path_is_no_scaling_need(make_project) -> None:
    """evidently ``metrics``: +1 "image large-cpu (scipy) while the front door needs only slim"
    beside "business logic: scales with the request path"."""
    root = make_project(
        {
            "shop/__init__.py": "",
            "shop/api.py": pad(API, "api"),
            "shop/calc.py": pad("import scipy.stats\n\ndef run(x):\n    return x\n", "c"),
            "shop/stats.py": pad("def run(x):\n    return x\n", "s"),
        }
    )
    out = evaluate_plan(root, {"shop": "api", "shop.calc": "calc", "shop.stats": "stats"})
    crit = out["decision"]["services"]["calc"]["criteria"]["independent_scaling"]
    assert out["footprints"]["services"]["calc"]["image"] == "large-cpu"
    text = " | ".join(crit["evidence"])
    assert "scales with the request path" in text
    assert crit["score"] == 0, crit
    assert "calc" not in out["decision"]["candidates"]


def test_dataset_and_metric_imports_are_not_training(make_project) -> None:
    """lightrag: ``from datasets import Dataset`` in an evaluation script; evidently: a
    domain classifier fitted inside a drift metric; a notebook importing sklearn."""
    root = make_project(
        {
            "app/__init__.py": "",
            "app/evaluation.py": pad(
                """
                from datasets import Dataset
                from sklearn.metrics import roc_auc_score

                def rows(xs):
                    return Dataset.from_dict({"q": xs})
                """,
                "ev",
            ),
            "app/drift.py": pad(
                """
                from sklearn.linear_model import SGDClassifier

                def score(x, y):
                    clf = SGDClassifier()
                    clf.fit(x, y)
                    return clf.score(x, y)
                """,
                "dr",
            ),
            "app/train.py": pad(
                """
                import joblib
                from sklearn.ensemble import RandomForestClassifier

                def main(x, y):
                    model = RandomForestClassifier()
                    model.fit(x, y)
                    joblib.dump(model, "model.joblib")
                """,
                "tr",
            ),
            "app/explore.ipynb": (
                '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], '
                '"source": ["from sklearn.ensemble import RandomForestClassifier\\n", '
                '"RandomForestClassifier().fit([[1]], [1])\\n"]}], "metadata": {}, '
                '"nbformat": 4, "nbformat_minor": 5}'
            ),
        }
    )
    graph, _ = plan_for(root, {"app": "app"})
    mods = classify_modules(graph)
    assert "training" not in mods["app.evaluation"]["roles"], mods["app.evaluation"]
    assert mods["app.train"]["trains"] and mods["app.train"]["saves_weights"]
    assert "app/explore.ipynb" in attached_modules(graph)
    out = evaluate_plan(
        root,
        {"app": "core", "app.evaluation": "evaluation", "app.drift": "drift", "app.train": "train"},
    )
    per = out["decision"]["services"]
    assert per["evaluation"]["criteria"]["model_deployment"]["score"] == 0
    md = per["drift"]["criteria"]["model_deployment"]
    assert md["score"] == 0 and "retraining" not in md["evidence"][0], md
    assert per["train"]["criteria"]["model_deployment"]["score"] >= 1
    for svc in out["roles"]["services"].values():
        assert not [m for ms in svc["modules_by_role"].values() for m in ms if "ipynb" in m]


def _route(i: int) -> str:
    return f'\n@app.get("/r{i}")\ndef r{i}():\n    return {i}\n'


def test_front_door_serves_most_routes_and_what_if_shows_it(make_project) -> None:
    """feast: the one-route ``openlineage`` consumer was the front door beside the feature
    server's routes (both slim: the name decided); ``--move`` showed no change of either."""
    server = "from fastapi import FastAPI\n\napp = FastAPI()\n" + "".join(
        _route(i) for i in range(6)
    )
    lineage = "from fastapi import FastAPI\n\napp = FastAPI()\n" + _route(0)
    root = make_project(
        {
            "fs/__init__.py": "",
            "fs/a_lineage.py": pad(lineage, "ln"),
            "fs/server.py": pad(server, "sv"),
            "fs/store.py": pad("def get(k):\n    return k\n", "st"),
        }
    )
    services = {"fs": "core", "fs.a_lineage": "a_lineage", "fs.server": "core"}
    out = evaluate_plan(root, services)
    assert out["decision"]["front_door"] == "core"
    graph, plan = plan_for(root, services)
    from decompose.config import load_config

    moved, extras = what_if(
        root,
        graph,
        plan.partition,
        load_config(root).analyze,
        {},
        [("fs.server", "serving")],
        history_enabled=False,
    )
    assert apply_moves(plan.partition, [("fs.server", "serving")]).as_dict()["fs.server"] == (
        "serving"
    )
    wi = extras["decision"]["what_if"]
    assert wi["before"]["front_door"] == "core"
    assert wi["after"]["front_door"] == "serving"
    assert "scaling" in wi["after"] and wi["after"]["roles"]["serving"] == "api"
