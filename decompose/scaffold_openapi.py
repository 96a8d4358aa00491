"""Static OpenAPI 3.1 documents for the services ``scaffold`` generates (nothing is imported).

Every fact comes from the parsed sources (:mod:`decompose.scaffold_rewrite`): the interface
endpoints' parameters, annotations and defaults, and the monolith routes the service serves with
their methods, paths and parameters. The document follows what the generated FastAPI app does:
the same paths, methods, operationIds (FastAPI's ``generate_unique_id``), request and response
models of the interface, the state endpoint and the health route.

Annotations become JSON Schema when they are simple (``int``, ``float``, ``str``, ``bool``,
``None``, ``list[...]``, ``dict[...]``, ``tuple[...]``, ``set[...]``, ``Optional``, ``Union``,
``X | Y``, ``Literal``, ``Annotated``); anything else is ``{}`` (any value) with a description
naming the Python annotation. Monolith routes are described from their signatures the way FastAPI
reads them (``Depends`` skipped, ``Header``/``Query``/``Cookie``/``Path``/``Body`` honoured,
scalars as query parameters, other types as the body), without the response models and tags a
decorator may add: ``decompose scaffold --openapi import`` gives FastAPI's own document instead.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from decompose.scaffold_rewrite import Function

JsonSchema = dict[str, Any]

_SCALARS = {
    "int": "integer",
    "float": "number",
    "str": "string",
    "bool": "boolean",
    "None": "null",
    "NoneType": "null",
}
_ANY = frozenset({"Any", "object"})
_OBJECTS = frozenset({"dict", "Dict", "Mapping", "MutableMapping", "OrderedDict", "defaultdict"})
_ARRAYS = frozenset(
    {"list", "List", "Sequence", "MutableSequence", "Iterable", "Collection", "deque"}
)
_SETS = frozenset({"set", "Set", "frozenset", "FrozenSet", "AbstractSet", "MutableSet"})
_TUPLES = frozenset({"tuple", "Tuple"})
_UNIONS = frozenset({"Union", "Optional"})
# parameters FastAPI fills itself: never in the document
_INJECTED = frozenset(
    {"Request", "Response", "BackgroundTasks", "WebSocket", "HTTPConnection", "SecurityScopes"}
)
_PARAM_FUNCS = {
    "Query": "query",
    "Header": "header",
    "Cookie": "cookie",
    "Path": "path",
    "Body": "body",
    "Form": "body",
    "File": "body",
}
_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
_CONVERTER = re.compile(r"{([^}:]+):[^}]*}")
_VALIDATION_ERROR: JsonSchema = {
    "properties": {
        "loc": {
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "title": "Location",
            "type": "array",
        },
        "ctx": {"title": "Context", "type": "object"},
        "input": {"title": "Input"},
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
    },
    "required": ["loc", "msg", "type"],
    "title": "ValidationError",
    "type": "object",
}
_HTTP_VALIDATION_ERROR: JsonSchema = {
    "properties": {
        "detail": {
            "items": {"$ref": "#/components/schemas/ValidationError"},
            "title": "Detail",
            "type": "array",
        }
    },
    "title": "HTTPValidationError",
    "type": "object",
}
_STATE_REQUEST: JsonSchema = {
    "description": "One operation on a module-level object owned by this service.",
    "properties": {
        "args": {"items": {}, "title": "Args", "type": "array"},
        "kwargs": {"title": "Kwargs"},
        "op": {"title": "Op", "type": "string"},
        "ref": {"items": {}, "title": "Ref", "type": "array"},
    },
    "required": ["ref", "op"],
    "title": "StateRequest",
    "type": "object",
}
_STATE_RESPONSE: JsonSchema = {
    "description": "The operation's result (scaffold codec).",
    "properties": {"result": {"title": "Result"}},
    "title": "StateResponse",
    "type": "object",
}


# ---------------------------------------------------------------------------- annotations
def _last(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _opaque(text: str) -> JsonSchema:
    return {"description": f"Python annotation `{text}`: no JSON Schema (scaffold codec)"}


def _any_of(schemas: Iterable[JsonSchema]) -> JsonSchema:
    out: list[JsonSchema] = []
    for s in schemas:
        for part in s["anyOf"] if list(s) == ["anyOf"] else [s]:
            if part not in out:
                out.append(part)
    if any(not s for s in out):
        return {}  # one member accepts anything: so does the union
    return out[0] if len(out) == 1 else {"anyOf": out}


def _literal(node: ast.expr) -> tuple[bool, Any]:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None
    if isinstance(value, bool | int | float | str) or value is None:
        return True, value
    return False, None


def _schema(node: ast.expr, text: str, depth: int = 0) -> JsonSchema:  # noqa: C901, PLR0911, PLR0912
    if depth > 20:
        return _opaque(text)
    if isinstance(node, ast.Constant):
        if node.value is None:
            return {"type": "null"}
        if isinstance(node.value, str):  # a forward reference
            return annotation_schema(node.value, depth + 1)
        return _opaque(text)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _any_of([_schema(node.left, text, depth + 1), _schema(node.right, text, depth + 1)])
    if isinstance(node, ast.Name | ast.Attribute):
        name = _last(node)
        if name in _SCALARS:
            return {"type": _SCALARS[name]}
        if name in _ANY:
            return {}
        if name in _OBJECTS:
            return {"type": "object"}
        if name in _ARRAYS or name in _TUPLES:
            return {"type": "array", "items": {}}
        if name in _SETS:
            return {"type": "array", "items": {}, "uniqueItems": True}
        return _opaque(ast.unparse(node))
    if not isinstance(node, ast.Subscript):
        return _opaque(text)
    head = _last(node.value)
    args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if head in _UNIONS:
        members = [_schema(a, text, depth + 1) for a in args]
        if head == "Optional":
            members.append({"type": "null"})
        return _any_of(members)
    if head == "Annotated":
        return _schema(args[0], text, depth + 1)
    if head == "Literal":
        values = [_literal(a) for a in args]
        if all(ok for ok, _ in values):
            return {"enum": [v for _, v in values]}
        return _opaque(ast.unparse(node))
    if head in _ARRAYS or head in _SETS:
        out: JsonSchema = {"type": "array", "items": _schema(args[0], text, depth + 1)}
        if head in _SETS:
            out["uniqueItems"] = True
        return out
    if head in _TUPLES:
        if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
            return {"type": "array", "items": _schema(args[0], text, depth + 1)}
        items = [_schema(a, text, depth + 1) for a in args]
        return {
            "type": "array",
            "prefixItems": items,
            "minItems": len(items),
            "maxItems": len(items),
        }
    if head in _OBJECTS:
        out = {"type": "object"}
        if len(args) == 2:
            value = _schema(args[1], text, depth + 1)
            if value:
                out["additionalProperties"] = value
        return out
    return _opaque(ast.unparse(node))


def annotation_schema(annotation: str, depth: int = 0) -> JsonSchema:
    """JSON Schema (2020-12, as OpenAPI 3.1 uses it) for a Python annotation's source text.

    Args:
        annotation: the annotation as written (``"list[int] | None"``); ``""`` for none.
        depth: nesting of string annotations (internal).

    Returns:
        ``{}`` (any value) for no annotation and for ``Any``/``object``; the JSON Schema of a
        simple annotation (see the module docstring); otherwise ``{}`` with a ``description``
        naming the annotation (the value travels in the scaffold codec).
    """
    text = annotation.strip()
    if not text:
        return {}
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return _opaque(text)
    return _schema(tree.body, text, depth)


def _nullable(schema: JsonSchema) -> JsonSchema:
    """``schema`` that also accepts null (the interface accepts None for every typed field)."""
    if not schema or "description" in schema and len(schema) == 1:
        return schema
    return _any_of([schema, {"type": "null"}])


def _title(name: str) -> str:
    return name.replace("_", " ").strip().title()


def _json_default(default: str) -> tuple[bool, Any]:
    if not default:
        return False, None
    try:
        value = ast.literal_eval(default)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False, None
    return True, value


def operation_id(name: str, path: str, method: str) -> str:
    """FastAPI's default operationId (``fastapi.utils.generate_unique_id``)."""
    fmt = _CONVERTER.sub(r"{\1}", path)
    return re.sub(r"\W", "_", f"{name}{fmt}") + "_" + method.lower()


def _json_body(schema: JsonSchema) -> JsonSchema:
    return {"application/json": {"schema": schema}}


def _responses(schema: JsonSchema, validated: bool) -> JsonSchema:
    out: JsonSchema = {"200": {"content": _json_body(schema), "description": "Successful Response"}}
    if validated:
        out["422"] = {
            "content": _json_body({"$ref": "#/components/schemas/HTTPValidationError"}),
            "description": "Validation Error",
        }
    return out


# ---------------------------------------------------------------------------- interface
def _endpoint_schemas(ep: Mapping[str, Any]) -> tuple[JsonSchema, JsonSchema]:
    props: JsonSchema = {}
    required: list[str] = []
    for f in ep["fields"]:
        key = f["alias"] or f["field"]
        prop = dict(_nullable(annotation_schema(f.get("annotation", ""))))
        prop["title"] = _title(key)
        named = prop.get("description", "")
        prop["description"] = f["note"] + "."
        if named and f.get("annotation", "") not in f["note"]:
            prop["description"] += " " + named
        ok, value = _json_default(f.get("default_source", ""))
        if ok:
            prop["default"] = value
        elif f["default"]:
            prop["default"] = None
        if not f["default"]:
            required.append(key)
        props[key] = prop
    req: JsonSchema = {
        "description": f"Parameters of `{ep['module']}.{ep['name']}`.",
        "properties": props,
        "title": ep["req"],
        "type": "object",
    }
    if required:
        req["required"] = required
    result = dict(_nullable(annotation_schema(ep.get("returns", ""))))
    result["title"] = "Result"
    resp: JsonSchema = {
        "description": f"Result of `{ep['module']}.{ep['name']}` ({ep['result_note']}).",
        "properties": {"result": result},
        "title": ep["resp"],
        "type": "object",
    }
    return req, resp


# ---------------------------------------------------------------------------- routes
def _call_of(default: str) -> tuple[str, ast.Call | None]:
    """``(FastAPI parameter function, its call)`` for a default like ``Header(None)``."""
    if not default:
        return "", None
    try:
        node = ast.parse(default, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return "", None
    if isinstance(node, ast.Call):
        return _last(node.func), node
    return "", None


def _annotated_marker(annotation: str) -> tuple[str, ast.Call | None, str]:
    """For ``Annotated[X, Query(...)]``: ``(function, call, X as text)``; else ``("", None, a)``."""
    try:
        node = ast.parse(annotation, mode="eval").body if annotation.strip() else None
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return "", None, annotation
    if isinstance(node, ast.Subscript) and _last(node.value) == "Annotated":
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for extra in elts[1:]:
            if isinstance(extra, ast.Call):
                return _last(extra.func), extra, ast.unparse(elts[0])
        return "", None, ast.unparse(elts[0])
    return "", None, annotation


def _required_by_call(call: ast.Call, in_annotated: bool, default: str) -> bool:
    given = [k.value for k in call.keywords if k.arg == "default"]
    if call.args and not in_annotated:
        given.append(call.args[0])
    if not given:
        return not (in_annotated and default) and not _has_factory(call)
    first = given[0]
    return isinstance(first, ast.Constant) and first.value is Ellipsis


def _has_factory(call: ast.Call) -> bool:
    return any(k.arg == "default_factory" for k in call.keywords)


def _is_scalar(schema: JsonSchema) -> bool:
    parts = schema["anyOf"] if "anyOf" in schema else [schema]
    return bool(parts) and all(
        p.get("type") in ("integer", "number", "string", "boolean", "null") or "enum" in p
        for p in parts
    )


Resolver = Callable[[str, str], "tuple[str, Function] | None"]


def _dependency(call: ast.Call) -> str:
    """The dependency a ``Depends(x)`` / ``Security(x)`` call names, as source text."""
    target = [k.value for k in call.keywords if k.arg == "dependency"] or call.args[:1]
    return ast.unparse(target[0]) if target else ""


class _Params:
    """Parameters and body fields of one route, its dependencies' included (as FastAPI does)."""

    def __init__(self, path: str, resolve: Resolver | None) -> None:
        self.path_names = _PATH_PARAM.findall(path)
        self.resolve = resolve
        self.params: list[JsonSchema] = []
        self.body: list[tuple[str, JsonSchema, bool]] = []
        self.seen: set[tuple[str, str]] = set()

    def collect(self, module: str, fn: Function, stack: tuple[str, ...] = ()) -> None:  # noqa: C901, PLR0912
        for p in fn.params:
            if p.kind in ("vararg", "varkw"):
                continue
            func, call, annotation = _annotated_marker(p.annotation)
            in_annotated = call is not None
            if call is None:
                func, call = _call_of(p.default)
            if func in ("Depends", "Security"):
                key = f"{module}:{_dependency(call) if call is not None else ''}"
                dep = (
                    self.resolve(module, _dependency(call))
                    if call is not None and self.resolve is not None and len(stack) < 8
                    else None
                )
                if dep is not None and key not in stack:
                    self.collect(dep[0], dep[1], (*stack, key))
                continue
            if _last_name(annotation) in _INJECTED:
                continue
            schema = annotation_schema(annotation)
            where = _PARAM_FUNCS.get(func, "")
            if p.name in self.path_names:
                where = "path"
            elif not where:
                where = "query" if not annotation or _is_scalar(schema) else "body"
            if call is not None and func in _PARAM_FUNCS:
                required = _required_by_call(call, in_annotated, p.default)
            else:
                required = not p.default
            ok, value = _json_default(p.default)
            prop = dict(schema)
            prop["title"] = _title(p.name)
            if ok and not required:
                prop["default"] = value
            if where == "body":
                if all(n != p.name for n, _, _ in self.body):
                    self.body.append((p.name, prop, required))
                continue
            name = p.name.replace("_", "-") if where == "header" else p.name
            if (where, name) in self.seen:
                continue
            self.seen.add((where, name))
            self.params.append(
                {
                    "in": where,
                    "name": name,
                    "required": True if where == "path" else required,
                    "schema": prop,
                }
            )


def _route_operation(
    fn: Function, method: str, path: str, module: str = "", resolve: Resolver | None = None
) -> JsonSchema:
    found = _Params(path, resolve)
    found.collect(module, fn)
    params, body = found.params, found.body
    for name in found.path_names:  # a path parameter nothing declares: still declared
        if ("path", name) not in found.seen:
            found.seen.add(("path", name))
            params.append(
                {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            )
    op: JsonSchema = {
        "operationId": operation_id(fn.name, path, method),
        "summary": _title(fn.name),
    }
    if params:
        op["parameters"] = params
    if len(body) == 1:
        _, schema, required = body[0]
        op["requestBody"] = {"content": _json_body(schema), "required": required}
    elif body:
        op["requestBody"] = {
            "content": _json_body(
                {
                    "properties": {n: s for n, s, _ in body},
                    "required": [n for n, _, r in body if r],
                    "title": _title(fn.name) + " Body",
                    "type": "object",
                }
            ),
            "required": True,
        }
    op["responses"] = _responses(annotation_schema(fn.returns), bool(params or body))
    return op


def make_resolver(modules: Mapping[str, tuple[str, bool, Mapping[str, Function]]]) -> Resolver:
    """A resolver of ``Depends(x)`` targets: ``resolve(module, "x")`` is ``(module defining
    x, its Function)`` when ``x`` is a top-level function of ``module`` or one it imports
    (``from a.b import x``, ``from . import deps`` then ``deps.x``, ``import a.b as m`` then
    ``m.x``), else None.

    Args:
        modules: ``{module: (source, is_package, top-level functions)}`` of the analyzed project.
    """
    table: dict[str, dict[str, str]] = {}

    def bindings(module: str) -> dict[str, str]:
        if module not in table:
            out: dict[str, str] = {}
            source, is_package, _ = modules[module]
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                tree = ast.Module(body=[], type_ignores=[])
            parts = module.split(".")
            for node in tree.body:
                if isinstance(node, ast.Import):
                    for a in node.names:
                        out[a.asname or a.name.split(".")[0]] = (
                            a.name if a.asname else a.name.split(".")[0]
                        )
                elif isinstance(node, ast.ImportFrom):
                    base = parts if is_package else parts[:-1]
                    if node.level:
                        base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                        prefix = ".".join([*base, *(node.module.split(".") if node.module else [])])
                    else:
                        prefix = node.module or ""
                    for a in node.names:
                        out[a.asname or a.name] = f"{prefix}.{a.name}" if prefix else a.name
            table[module] = out
        return table[module]

    def resolve(module: str, text: str) -> tuple[str, Function] | None:
        if module not in modules or not text:
            return None
        head, _, rest = text.partition(".")
        functions = modules[module][2]
        if not rest and head in functions:
            return module, functions[head]
        full = bindings(module).get(head)
        if full is None:
            return None
        full = f"{full}.{rest}" if rest else full
        owner, _, name = full.rpartition(".")
        if owner in modules and name in modules[owner][2]:
            return owner, modules[owner][2][name]
        return None

    return resolve


def _last_name(annotation: str) -> str:
    text = annotation.strip().strip("'\"")
    try:
        node = ast.parse(text, mode="eval").body if text else None
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ""
    return _last(node) if isinstance(node, ast.expr) else ""


# ---------------------------------------------------------------------------- document
def service_document(
    *,
    title: str,
    version: str,
    endpoints: Sequence[Mapping[str, Any]],
    routes: Sequence[tuple[str, str, str, Function]],
    health_path: str,
    service: str,
    resolve: Resolver | None = None,
    live_path: str = "/live",
) -> JsonSchema:
    """The OpenAPI 3.1 document of one generated service, built from facts only.

    Args:
        title: the app's title (as in the generated ``app.py``).
        version: the app's version.
        endpoints: the interface endpoints (``decompose.scaffold._endpoints`` dicts, whose fields
            carry ``annotation`` and ``default_source``; ``returns`` on the endpoint).
        routes: ``(METHOD, full path, module, function)`` of the monolith routes the service
            serves, in registration order (a repeated method and path keeps the first, as
            FastAPI matches).
        health_path: the service's readiness route (200, or 503 naming the modules that
            failed to import).
        service: the service name (returned by the health routes).
        resolve: finds the functions ``Depends(...)`` names (:func:`make_resolver`), whose
            parameters FastAPI adds to the route's; None leaves dependencies out.
        live_path: the service's liveness route.

    Returns:
        The document as a JSON-ready dict (dump it with sorted keys).
    """
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, JsonSchema] = {
        "StateRequest": _STATE_REQUEST,
        "StateResponse": _STATE_RESPONSE,
    }
    used_ids: set[str] = set()

    def add(path: str, method: str, op: JsonSchema) -> None:
        slot = paths.setdefault(path, {})
        if method in slot:
            return
        base, i = op["operationId"], 2
        while op["operationId"] in used_ids:
            op["operationId"] = f"{base}_{i}"
            i += 1
        used_ids.add(op["operationId"])
        slot[method] = op

    add(
        "/_rpc/_state",
        "post",
        {
            "description": "Apply one proxy operation (read, write, call...) to an object in "
            "``STATE``.",
            "operationId": operation_id("state_operation", "/_rpc/_state", "post"),
            "requestBody": {
                "content": _json_body({"$ref": "#/components/schemas/StateRequest"}),
                "required": True,
            },
            "responses": _responses({"$ref": "#/components/schemas/StateResponse"}, True),
            "summary": "State proxy operation",
            "tags": ["interface"],
        },
    )
    for ep in endpoints:
        req, resp = _endpoint_schemas(ep)
        schemas[ep["req"]] = req
        schemas[ep["resp"]] = resp
        add(
            ep["full_path"],
            "post",
            {
                "description": f"Call `{ep['module']}.{ep['name']}` in this service.",
                "operationId": operation_id(ep["func"], ep["full_path"], "post"),
                "requestBody": {
                    "content": _json_body({"$ref": f"#/components/schemas/{ep['req']}"}),
                    "required": True,
                },
                "responses": _responses({"$ref": f"#/components/schemas/{ep['resp']}"}, True),
                "summary": f"{ep['module']}.{ep['name']}",
                "tags": ["interface"],
            },
        )
    for method, path, module, fn in routes:
        verb = "get" if method == "ANY" else method.lower()
        # the document's path drops Starlette converters ({p:path} -> {p}), as FastAPI's does
        add(_CONVERTER.sub(r"{\1}", path), verb, _route_operation(fn, verb, path, module, resolve))
    ok_schema = {"additionalProperties": True, "type": "object"}
    add(
        health_path,
        "get",
        {
            "description": "Readiness: 200 when every module the service serves imports, else "
            "503 with each failing module and its exception.",
            "operationId": operation_id("service_health", health_path, "get"),
            "responses": {
                "200": {
                    "content": _json_body(
                        dict(ok_schema, examples=[{"service": service, "status": "ok"}])
                    ),
                    "description": "Successful Response",
                },
                "503": {"description": "Not ready: a module it serves failed to import"},
            },
            "summary": "Service Health",
            "tags": ["service"],
        },
    )
    add(
        live_path,
        "get",
        {
            "description": "Liveness: the process answers (imports nothing).",
            "operationId": operation_id("service_live", live_path, "get"),
            "responses": {
                "200": {
                    "content": _json_body(
                        {
                            "additionalProperties": {"type": "string"},
                            "examples": [{"service": service, "status": "alive"}],
                            "type": "object",
                        }
                    ),
                    "description": "Successful Response",
                }
            },
            "summary": "Service Live",
            "tags": ["service"],
        },
    )
    # the state endpoint validates its body: the 422 schemas are always referenced
    schemas["HTTPValidationError"] = _HTTP_VALIDATION_ERROR
    schemas["ValidationError"] = _VALIDATION_ERROR
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Generated statically by decompose scaffold from the analyzed "
            "sources (nothing was imported). Interface schemas follow the annotations; monolith "
            "routes are described from their signatures, without the response models or tags "
            "their decorators may add. `decompose scaffold --openapi import` (or `python -m "
            "decompose_service.openapi` in the service) gives FastAPI's own document.",
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }


def dump(doc: Mapping[str, Any]) -> bytes:
    """The document as written: sorted keys, 2-space indent, trailing newline."""
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode()


__all__ = ["annotation_schema", "dump", "make_resolver", "operation_id", "service_document"]
