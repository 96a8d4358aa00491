"""Static OpenAPI documents of scaffolded services (decompose.scaffold_openapi)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from decompose.scaffold_openapi import (
    annotation_schema,
    make_resolver,
    operation_id,
    service_document,
)
from decompose.scaffold_rewrite import analyze_module


@pytest.mark.parametrize(
    ("annotation", "schema"),
    [
        ("int", {"type": "integer"}),
        ("float", {"type": "number"}),
        ("str", {"type": "string"}),
        ("bool", {"type": "boolean"}),
        ("None", {"type": "null"}),
        ("Optional[int]", {"anyOf": [{"type": "integer"}, {"type": "null"}]}),
        ("typing.Optional[str]", {"anyOf": [{"type": "string"}, {"type": "null"}]}),
        (
            "int | str | None",
            {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
        ),
        ("Union[int, float]", {"anyOf": [{"type": "integer"}, {"type": "number"}]}),
        ("list[str]", {"type": "array", "items": {"type": "string"}}),
        (
            "List[Optional[int]]",
            {"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
        ),
        ("set[int]", {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}),
        ("dict", {"type": "object"}),
        ("dict[str, float]", {"type": "object", "additionalProperties": {"type": "number"}}),
        ("dict[str, Any]", {"type": "object"}),
        ("tuple[int, ...]", {"type": "array", "items": {"type": "integer"}}),
        (
            "tuple[int, str]",
            {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "minItems": 2,
                "maxItems": 2,
            },
        ),
        ("Literal['a', 1]", {"enum": ["a", 1]}),
        ("Annotated[int, 'meta']", {"type": "integer"}),
        ("'list[int]'", {"type": "array", "items": {"type": "integer"}}),
        ("Any", {}),
        ("", {}),
        ("int | Any", {}),
    ],
)
def test_simple_annotations_become_json_schema(annotation: str, schema: dict[str, Any]) -> None:
    assert annotation_schema(annotation) == schema


@pytest.mark.parametrize(
    ("annotation", "named"),
    [
        ("pd.DataFrame", "pd.DataFrame"),
        ("Optional[np.ndarray]", "np.ndarray"),
        ("list[User]", "User"),
        ("Callable[[int], str]", "Callable[[int], str]"),
        ("not valid python(", "not valid python("),
    ],
)
def test_other_annotations_are_any_value_named_in_the_description(
    annotation: str, named: str
) -> None:
    schema = annotation_schema(annotation)
    text = repr(schema)
    assert f"`{named}`" in text
    assert "type': 'object" not in text and "'type': 'string'" not in text


def test_operation_ids_are_fastapis() -> None:
    from fastapi import FastAPI
    from fastapi.routing import APIRoute

    app = FastAPI()

    @app.get("/items/{item_id:path}/x-y")
    def read_item(item_id: str) -> None:
        """A route."""

    @app.post("/_rpc/a.b/c")
    def rpc_AbC() -> None:  # noqa: N802 - the generated interface's naming
        """Another."""

    ours = {
        (r.path_format, next(iter(r.methods))): operation_id(r.name, r.path, next(iter(r.methods)))
        for r in app.routes
        if isinstance(r, APIRoute)
    }
    theirs = {
        (path, method.upper()): op["operationId"]
        for path, ops in app.openapi()["paths"].items()
        for method, op in ops.items()
    }
    assert ours == theirs and len(ours) == 2


def _module(source: str) -> tuple[str, bool, Any]:
    src = textwrap.dedent(source)
    return src, False, analyze_module(src, set(), ()).functions


def test_routes_follow_fastapi_parameter_rules_and_dependencies() -> None:
    modules = {
        "app.deps": _module(
            """
            from fastapi import Header

            def current_user(x_api_key: str = Header(default=None)):
                return x_api_key
            """
        ),
        "app.routes": _module(
            """
            from fastapi import APIRouter, Depends, Query, Request
            from .deps import current_user

            router = APIRouter()

            @router.get("/things/{thing_id}/{slug}")
            def thing(request: Request, thing_id: int, q: str | None = None,
                      tags: list[str] = Query(default=[]), user=Depends(current_user)):
                return {}

            @router.post("/things")
            def add(payload: dict[str, int], note: str) -> dict[str, int]:
                return payload
            """
        ),
    }
    resolve = make_resolver(modules)
    assert resolve("app.routes", "current_user") == (
        "app.deps",
        modules["app.deps"][2]["current_user"],
    )
    assert resolve("app.routes", "nowhere") is None
    fns = modules["app.routes"][2]
    doc = service_document(
        title="t",
        version="1",
        endpoints=[],
        routes=[
            ("GET", "/things/{thing_id}/{slug}", "app.routes", fns["thing"]),
            ("POST", "/things", "app.routes", fns["add"]),
        ],
        health_path="/health",
        service="s",
        resolve=resolve,
    )
    validate(doc, cls=OpenAPIV31SpecValidator)
    get = doc["paths"]["/things/{thing_id}/{slug}"]["get"]
    params = {(p["in"], p["name"]): p for p in get["parameters"]}
    assert set(params) == {
        ("path", "thing_id"),
        ("path", "slug"),  # declared by nothing: still a path parameter
        ("query", "q"),
        ("query", "tags"),
        ("header", "x-api-key"),  # from the dependency, as FastAPI flattens it
    }
    assert params[("path", "thing_id")]["schema"]["type"] == "integer"
    assert params[("query", "q")]["required"] is False
    assert params[("query", "tags")]["schema"]["items"] == {"type": "string"}
    assert "requestBody" not in get
    post = doc["paths"]["/things"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] == {"type": "integer"}  # one body parameter: not embedded
    assert [p["name"] for p in post["parameters"]] == ["note"]  # a scalar: a query parameter
    ok = post["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"type": "object", "additionalProperties": {"type": "integer"}}


def test_interface_endpoints_mirror_the_generated_models() -> None:
    ep = {
        "module": "m",
        "name": "f",
        "full_path": "/_rpc/m/f",
        "req": "MFRequest",
        "resp": "MFResponse",
        "func": "rpc_MF",
        "fields": [
            {
                "field": "a",
                "alias": "",
                "default": "",
                "note": "n",
                "annotation": "",
                "default_source": "",
            },
            {
                "field": "b",
                "alias": "",
                "default": " = None",
                "note": "n",
                "annotation": "list[int]",
                "default_source": "[1, 2]",
            },
            {
                "field": "p_x",
                "alias": "_x",
                "default": " = None",
                "note": "n",
                "annotation": "pd.DataFrame",
                "default_source": "None",
            },
        ],
        "result_note": "r",
        "returns": "float",
    }
    doc = service_document(
        title="t", version="1", endpoints=[ep], routes=[], health_path="/health", service="s"
    )
    validate(doc, cls=OpenAPIV31SpecValidator)
    req = doc["components"]["schemas"]["MFRequest"]
    assert req["required"] == ["a"]
    assert set(req["properties"]) == {"a", "b", "_x"}  # the alias is the wire name
    assert req["properties"]["b"]["default"] == [1, 2]
    assert {"type": "null"} in req["properties"]["b"]["anyOf"]  # None is always accepted
    assert "`pd.DataFrame`" in req["properties"]["_x"]["description"]
    result = doc["components"]["schemas"]["MFResponse"]["properties"]["result"]
    assert result["anyOf"] == [{"type": "number"}, {"type": "null"}]
    assert set(doc["paths"]) == {"/_rpc/_state", "/_rpc/m/f", "/health", "/live"}
