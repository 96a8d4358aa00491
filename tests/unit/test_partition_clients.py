"""Client SDKs shipped beside a server, and usage examples (issue 4, names-on proposal)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from decompose.config import AnalyzeSettings, Config
from decompose.graph import ProgramGraph
from decompose.partition import client_libraries, is_example_module, propose
from decompose.pipeline import load_graph, make_cache

DOMAINS = ("documents", "users", "chats")


def _server(files: dict[str, str]) -> None:
    """A FastAPI server in vertical slices over layers, with a pydantic contract package."""
    files["app/__init__.py"] = ""
    files["app/main.py"] = "from fastapi import FastAPI\n" + "".join(
        f"from app.routers import {d}\n" for d in DOMAINS
    )
    files["app/routers/__init__.py"] = ""
    files["app/services/__init__.py"] = ""
    files["app/db/__init__.py"] = ""
    files["contracts/__init__.py"] = ""
    for d in DOMAINS:
        files[f"contracts/{d}.py"] = (
            f"from pydantic import BaseModel\nclass {d.title()}(BaseModel):\n    pass\n"
        )
        files[f"app/db/{d}.py"] = f"import sqlalchemy\nclass {d.title()}Row:\n    pass\n"
        files[f"app/services/{d}.py"] = (
            f"from app.db.{d} import {d.title()}Row\n"
            f"from contracts.{d} import {d.title()}\n"
            f"def get_{d}():\n    return {d.title()}Row()\n"
        )
        files[f"app/routers/{d}.py"] = (
            "from fastapi import APIRouter\n"
            f"from app.services.{d} import get_{d}\n"
            f"from contracts.{d} import {d.title()}\n"
            "router = APIRouter()\n"
            f"@router.get('/{d}')\ndef read():\n    return get_{d}()\n"
        )


def _sdk(files: dict[str, str], folder: str = "sdk") -> None:
    """A client SDK: one module per server resource, talking HTTP through httpx."""
    files[f"{folder}/__init__.py"] = "".join(f"from {folder}.{d} import *\n" for d in DOMAINS)
    files[f"{folder}/base.py"] = "import httpx\nclass Base:\n    client = httpx.Client()\n"
    for d in DOMAINS:
        files[f"{folder}/{d}.py"] = (
            f"from {folder}.base import Base\nfrom contracts.{d} import {d.title()}\n"
            f"class {d.title()}Methods(Base):\n    def get(self):\n"
            f"        return {d.title()}(**self.client.get('/{d}').json())\n"
        )


def _graph(make_project: Any, files: dict[str, str]) -> ProgramGraph:
    root: Path = make_project(files)
    _, g, _ = load_graph(root, Config(), make_cache(Config(), None, True))
    return g


def test_client_sdk_is_one_group_apart_from_the_server_slices(make_project: Any) -> None:
    files: dict[str, str] = {}
    _server(files)
    _sdk(files)
    files["examples/__init__.py"] = ""
    files["examples/quickstart.py"] = "from sdk import DocumentsMethods\nDocumentsMethods().get()\n"
    g = _graph(make_project, files)
    part, info = propose(g, AnalyzeSettings())
    of = part.as_dict()
    sdk = {m for m in of if m == "sdk" or m.startswith("sdk.")}
    services = {of[m] for m in sdk}
    assert len(services) == 1, services  # the SDK is one library, not spread over the slices
    (name,) = services
    assert name == "sdk"
    server = {m for m in of if m.startswith(("app.", "contracts."))}
    assert not {m for m in server if of[m] == name}  # the SDK holds no server module
    assert of["examples.quickstart"] == name  # the example follows the code it uses
    assert "examples" not in part.services()
    libs = info["client_libraries"]
    assert list(libs) == [name]
    assert libs[name]["http_clients"] == ["httpx"]
    assert set(libs[name]["mirrors"]) == {"document", "user", "chat"}
    # the server's vertical slices survive: each router with its own service and table
    for d in DOMAINS:
        assert of[f"app.routers.{d}"] == of[f"app.services.{d}"] == of[f"app.db.{d}"]
    again, _ = propose(g, AnalyzeSettings())
    assert again == part


def test_name_blind_mode_detects_no_client(make_project: Any) -> None:
    files: dict[str, str] = {}
    _server(files)
    _sdk(files)
    g = _graph(make_project, files)
    _, info = propose(g, AnalyzeSettings(names=False))
    assert "client_libraries" not in info


def test_what_is_no_client_library(make_project: Any) -> None:
    # 1. no server framework anywhere: the codebase may itself be the client; nothing is set apart
    files: dict[str, str] = {}
    _sdk(files)
    for d in DOMAINS:
        files[f"contracts/{d}.py"] = f"class {d.title()}:\n    pass\n"
    g = _graph(make_project, files)
    assert client_libraries(g, [m.name for m in g.modules]) == ()
    # 2. plugins inside a server package calling third-party HTTP APIs (embed finders)
    files = {}
    _server(files)
    files["app/finders/__init__.py"] = "from fastapi import APIRouter\n"
    for d in DOMAINS:
        files[f"app/finders/{d}.py"] = (
            f"import requests\ndef find_{d}():\n    return requests.get('x')\n"
        )
    g = _graph(make_project, files)
    assert client_libraries(g, [m.name for m in g.modules]) == ()
    # 3. an SDK that the server imports is a shared contract, not a client
    files = {}
    _server(files)
    _sdk(files)
    files["app/main.py"] += "import sdk.documents\n"
    g = _graph(make_project, files)
    assert client_libraries(g, [m.name for m in g.modules]) == ()


def test_client_library_found_under_the_project_package(make_project: Any) -> None:
    files: dict[str, str] = {}
    _server(files)
    files["app/__init__.py"] = "from app.client import Client\n"
    _sdk(files, "app/client")
    for rel in [r for r in files if r.startswith("app/client/")]:
        files[rel] = files[rel].replace("from app/client", "from app.client")
    files["app/client/__init__.py"] += "class Client:\n    pass\n"
    g = _graph(make_project, files)
    libs = client_libraries(g, [m.name for m in g.modules])
    assert [lib.name for lib in libs] == ["client"]
    assert "app" not in libs[0].modules  # the project package itself is no part of the SDK
    assert set(libs[0].modules) == {"app.client", "app.client.base"} | {
        f"app.client.{d}" for d in DOMAINS
    }


def test_examples_are_attached_like_tests() -> None:
    assert is_example_module("shop.examples.quickstart")
    assert is_example_module("example.run")
    assert not is_example_module("shop.exemplary")
    assert not is_example_module("mlflow.demo.generators")  # a product feature, not an example


def test_decision_calls_the_sdk_a_client_library_not_a_service(make_project: Any) -> None:
    from decompose.pipeline import analyze

    files: dict[str, str] = {}
    _server(files)
    _sdk(files)
    root: Path = make_project(files)
    a = analyze(root, Config(), history=False)
    dec: Any = a.plan.extras["decision"]
    sdk = dec["services"]["sdk"]
    assert sdk["kind"] == "client_library"
    assert not sdk["candidate"]
    assert sdk["why_not"].startswith("client SDK: a library for the callers, not a service")
    assert "httpx" in sdk["why_not"]
    assert "sdk" not in dec["stay"]  # not "stay in the monolith": it ships apart, to callers
    assert any("client SDKs" in line and "`sdk`" in line for line in dec["why"])
    others = [p["kind"] for s, p in dec["services"].items() if s != "sdk"]
    assert "client_library" not in others


def test_explanations_tie_the_sdk_by_name_only_to_itself(make_project: Any) -> None:
    """The report's explanations weigh the evidence the partitioner weighed: the SDK was set
    apart, so its `documents` module is not drawn by name towards the server's documents slice
    (before: runner-up a server service with a small margin)."""
    from decompose.boundary import build_plan

    files: dict[str, str] = {}
    _server(files)
    _sdk(files)
    g = _graph(make_project, files)
    part, info = propose(g, AnalyzeSettings())
    plan = build_plan(g, part, AnalyzeSettings(), info)
    of = part.as_dict()
    sdk_mods = [e for e in plan.explanations if of[e.module] == "sdk"]
    assert sdk_mods
    for e in sdk_mods:
        names = [m for m, _ in e.top_edges if m.startswith("name:")]
        assert all(n.endswith("@sdk") for n in names), (e.module, names)
    server_names = [
        m
        for e in plan.explanations
        if of[e.module] != "sdk"
        for m, _ in e.top_edges
        if m.startswith("name:")
    ]
    assert server_names and not any("@" in n for n in server_names)


def test_the_sdk_is_not_counted_as_a_deployable(make_project: Any) -> None:
    from decompose.pipeline import analyze

    files: dict[str, str] = {}
    _server(files)
    _sdk(files)
    a = analyze(make_project(files), Config(), history=False)
    dec: Any = a.plan.extras["decision"]
    running = [s for s, p in dec["services"].items() if p["kind"] not in ("client_library",)]
    assert len(running) == len(dec["services"]) - 1
    assert dec["criteria"]["operational_complexity"]["evidence"] == [
        f"{len(running)} deployables instead of 1"
    ]
