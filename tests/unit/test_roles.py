"""Roles from imports, decorators, routes, calls, SQL and names, with the evidence shown."""

from __future__ import annotations

from decompose.roles import classify, classify_modules
from tests.unit._plans import plan_for

AI = {
    "app/__init__.py": "",
    "app/trainer.py": """
        import torch.optim
        from sklearn.ensemble import RandomForestClassifier

        def train(x, y):
            model = RandomForestClassifier()
            model.fit(x, y)
            return model
    """,
    "app/web.py": """
        from fastapi import APIRouter
        router = APIRouter()

        @router.post("/predict")
        def predict(row):
            return row
    """,
    "app/jobs.py": """
        from celery import shared_task

        @shared_task
        def nightly():
            return 1
    """,
    "app/store.py": """
        import sqlite3

        def users(conn):
            return conn.execute("SELECT id FROM users WHERE active = 1").fetchall()
    """,
    "app/rules.py": """
        def discount(total):
            return total * 0.9
    """,
}


def test_roles_from_evidence(make_project) -> None:
    root = make_project(AI)
    graph, plan = plan_for(root, {"app": "core"})
    mods = classify_modules(graph)
    assert mods["app.trainer"]["primary"] == "training"
    assert mods["app.web"]["primary"] == "api"
    assert mods["app.jobs"]["primary"] == "worker"
    assert mods["app.store"]["primary"] == "data_access"
    assert mods["app.rules"]["roles"] == ["business"]
    # Every role is backed by evidence with its kind and line.
    kinds = {(e["role"], e["kind"]) for e in mods["app.trainer"]["evidence"]}
    assert ("training", "import") in kinds and ("training", "call") in kinds
    route = [e for e in mods["app.web"]["evidence"] if e["kind"] == "route"]
    assert route and "POST /predict" in route[0]["detail"] and route[0]["line"] > 0
    sql = [e for e in mods["app.store"]["evidence"] if e["kind"] == "sql"]
    assert sql and "users" in sql[0]["detail"]
    assert mods["app.trainer"]["strong"] == ["training"]


def test_name_alone_is_weak(make_project) -> None:
    root = make_project({"pkg/__init__.py": "", "pkg/trainer.py": "def f():\n    return 1\n"})
    graph, _ = plan_for(root, {"pkg": "core"})
    mods = classify_modules(graph)
    # A file called trainer.py with nothing else is not training code.
    assert mods["pkg.trainer"]["roles"] == ["business"]
    assert mods["pkg.trainer"]["strong"] == []


def test_service_roles(make_project) -> None:
    root = make_project(AI)
    graph, plan = plan_for(root, {"app.trainer": "ml", "app.jobs": "ml", "app": "web"})
    roles = classify(graph, plan)
    assert roles["services"]["ml"]["primary"] in ("training", "worker")
    assert roles["services"]["ml"]["primary_basis"] == "evidence"
    assert set(roles["services"]["ml"]["roles"]) == {"training", "worker"}
    assert "api" in roles["services"]["web"]["strong_roles"]


def test_http_handlers_and_wiring(make_project) -> None:
    """A route, a handler registration or a view class makes an HTTP handler; importing a web
    framework in settings/urls/asgi is wiring / config (regression: khoj's Django settings were
    called "the HTTP front door")."""
    root = make_project(
        {
            "web/__init__.py": "",
            "web/routes.py": "from fastapi import APIRouter\n\n\ndef ping():\n    return 1\n\n\n"
            "router = APIRouter()\nrouter.add_api_route('/ping', ping)\n",
            "web/views.py": "from django.views import View\n\n\nclass Home(View):\n"
            "    def get(self, request):\n        return 1\n",
            "web/deps.py": "from fastapi import HTTPException\n\n\ndef deny():\n"
            "    raise HTTPException(403)\n",
            "conf/__init__.py": "",
            "conf/settings.py": "from django.http import HttpResponse\n"
            "PROBE = 'SELECT datname FROM pg_database'\n",
            "conf/urls.py": "from django.contrib import admin\nfrom django.urls import path\n"
            "urlpatterns = [path('admin/', admin.site.urls)]\n",
        }
    )
    graph, plan = plan_for(root, {"web": "web", "conf": "conf"})
    roles = classify(graph, plan)
    mods = roles["modules"]
    assert mods["web.routes"]["handlers"] and mods["web.views"]["handlers"]
    assert not mods["web.deps"]["handlers"] and "api" in mods["web.deps"]["roles"]
    kinds = {e["kind"] for e in mods["web.views"]["evidence"]}
    assert "handler" in kinds
    for m in ("conf.settings", "conf.urls"):
        assert mods[m]["primary"] == "wiring" and not mods[m]["handlers"], mods[m]
        assert "api" not in mods[m]["roles"]
    web, conf = roles["services"]["web"], roles["services"]["conf"]
    assert web["http_handlers"] == ["web.routes", "web.views"] and web["primary"] == "api"
    assert conf["http_handlers"] == [] and conf["primary"] == "wiring"
    assert "wiring / config" in conf["summary"] and "HTTP API" not in conf["summary"]
