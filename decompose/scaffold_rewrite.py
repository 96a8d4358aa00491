"""Rewriting of existing modules for ``scaffold`` (libcst: lossless, never string replacement).

Two rewrites:

- :func:`make_shim`: the client shim of a module that now lives in another service. It keeps the
  module's import path and names: top-level functions become stubs with the same signature that
  call the owner over HTTP (:func:`decompose_service.runtime.call`), module-level state becomes a
  :class:`~decompose_service.runtime.Remote` proxy to the owner, classes and constants are copied,
  and functions that cannot run remotely (decorator factories, functions taking a ``Request`` or
  a callable, generators) are copied and run locally (their state accesses still go to the owner
  through the proxies). In the gateway flavour, route handlers become forwarders to the owner.
- :func:`proxy_state`: a verbatim copy of a (shared-kernel) module whose named module-level
  objects are replaced by proxies to the service that owns them.

:func:`analyze_module` classifies a module's top-level statements once; :func:`imported_modules`
lists the first-party modules a piece of code imports (for the closure of a service package).
"""

from __future__ import annotations

import ast
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

RUNTIME_ALIAS = "_decompose_rt"
RUNTIME_IMPORT = f"from decompose_service import runtime as {RUNTIME_ALIAS}"
REQUEST_ALIAS = "_DecomposeRequest"
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "api_route", "route")
MUTATORS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "remove",
        "pop",
        "popitem",
        "clear",
        "update",
        "setdefault",
        "add",
        "discard",
        "sort",
        "reverse",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
        "__setitem__",
        "__delitem__",
    }
)
# Calls whose result is a constant-like value (copied into shims, not proxied).
PURE_CALLS = frozenset(
    {
        "compile",
        "TypeVar",
        "NewType",
        "namedtuple",
        "NamedTuple",
        "getLogger",
        "frozenset",
        "Path",
        "PurePath",
        "PurePosixPath",
        "ParamSpec",
        "APIRouter",
        "Enum",
        "IntEnum",
    }
)
LOCAL_PARAM_TYPES = frozenset(
    {
        "Request",
        "WebSocket",
        "Response",
        "BackgroundTasks",
        "HTTPConnection",
        "Callable",
    }
)


@dataclass(frozen=True, slots=True)
class Param:
    """A parameter of a top-level function.

    Attributes:
        kind: ``posonly``, ``normal``, ``vararg``, ``kwonly`` or ``varkw``.
        annotation: the annotation's source text, or ``""``.
        default: the default's source text, or ``""`` (none).
    """

    name: str
    kind: str
    annotation: str = ""
    default: str = ""


@dataclass(frozen=True, slots=True)
class Function:
    """A top-level function of a module.

    Attributes:
        local_reason: why it cannot be called over the network (``""`` when it can).
        routes: ``(METHOD, path)`` of its route decorators (path without the router prefix).
        router: the module-level router variable its route decorators use, or ``""``.
        rebinds_globals: names it rebinds with ``global``.
    """

    name: str
    is_async: bool
    params: tuple[Param, ...]
    returns: str = ""
    local_reason: str = ""
    routes: tuple[tuple[str, str], ...] = ()
    router: str = ""
    is_generator: bool = False
    rebinds_globals: tuple[str, ...] = ()
    return_calls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """What :func:`analyze_module` learned about a module's top level.

    Attributes:
        functions: top-level functions by name, in source order.
        classes: top-level class names.
        variables: ``{name: kind}`` with kind ``value`` (immutable, copied), ``reference``
            (aliases and aggregates of names, copied), ``router`` (an ``APIRouter``), ``all``
            (``__all__``) or ``state`` (proxied to the owner).
        routers: ``{router variable: prefix}``.
        app_vars: module-level names bound to ``FastAPI(...)`` or to a call of a same-module
            function that builds one (the composition root's application object).
        error: a parse error message, or ``""``.
    """

    functions: dict[str, Function] = field(default_factory=dict)
    classes: tuple[str, ...] = ()
    variables: dict[str, str] = field(default_factory=dict)
    routers: dict[str, str] = field(default_factory=dict)
    app_vars: tuple[str, ...] = ()
    error: str = ""


def _call_name(node: ast.expr) -> str:
    f = node.func if isinstance(node, ast.Call) else node
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def _is_immutable(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple):
        return all(_is_immutable(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _is_immutable(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_immutable(node.left) and _is_immutable(node.right)
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) for v in node.values)
    return False


def _is_ref(node: ast.expr) -> bool:
    return isinstance(node, (ast.Name, ast.Attribute)) or _is_immutable(node)


def _literal_container(node: ast.expr) -> bool:
    """A non-empty container literal made only of constants."""
    if isinstance(node, (ast.List, ast.Set, ast.Tuple)):
        return bool(node.elts) and all(_is_immutable(e) or _literal_container(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return (
            bool(node.keys)
            and all(k is not None and _is_immutable(k) for k in node.keys)
            and all(_is_immutable(v) or _literal_container(v) for v in node.values)
        )
    return False


def _ref_aggregate(node: ast.expr) -> bool:
    """A container whose items are names/attributes (routers, classes...) and constants."""
    if isinstance(node, (ast.List, ast.Set, ast.Tuple)):
        return (
            bool(node.elts)
            and all(_is_ref(e) for e in node.elts)
            and any(isinstance(e, (ast.Name, ast.Attribute)) for e in node.elts)
        )
    if isinstance(node, ast.Dict):
        return (
            bool(node.values)
            and all(k is not None and _is_ref(k) for k in node.keys)
            and all(_is_ref(v) for v in node.values)
            and any(isinstance(v, (ast.Name, ast.Attribute)) for v in node.values)
        )
    return False


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@functools.lru_cache(maxsize=4)
def _source_lines(source: str) -> tuple[bytes, ...]:
    """``source`` split as :func:`ast.get_source_segment` splits it (``\\r\\n``, ``\\r``,
    ``\\n``; not form feeds), each line UTF-8 encoded (AST column offsets count bytes). Cached:
    :func:`ast.get_source_segment` re-splits the whole text on every call, which made
    :func:`analyze_module` quadratic in the size of a module."""
    return tuple(x.encode("utf-8") for x in _LINE.findall(source))


def _segment(source: str, node: ast.expr) -> str | None:
    """:func:`ast.get_source_segment` without re-splitting ``source`` each time."""
    end_line, end_col = node.end_lineno, node.end_col_offset
    if end_line is None or end_col is None:
        return None
    lines = _source_lines(source)
    first, last = node.lineno - 1, end_line - 1
    if not 0 <= first <= last < len(lines):
        return None
    if first == last:
        return lines[first][node.col_offset : end_col].decode("utf-8", "replace")
    parts = [lines[first][node.col_offset :], *lines[first + 1 : last], lines[last][:end_col]]
    return b"".join(parts).decode("utf-8", "replace")


def _ann_text(source: str, node: ast.expr | None) -> str:
    if node is None:
        return ""
    return _segment(source, node) or ast.unparse(node)


def _params(source: str, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[Param, ...]:
    a = fn.args
    out: list[Param] = []
    positional = [*a.posonlyargs, *a.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(
        a.defaults
    )
    for i, arg in enumerate(positional):
        d = defaults[i]
        out.append(
            Param(
                arg.arg,
                "posonly" if i < len(a.posonlyargs) else "normal",
                _ann_text(source, arg.annotation),
                _ann_text(source, d),
            )
        )
    if a.vararg:
        out.append(Param(a.vararg.arg, "vararg", _ann_text(source, a.vararg.annotation)))
    for arg, kd in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        out.append(
            Param(arg.arg, "kwonly", _ann_text(source, arg.annotation), _ann_text(source, kd))
        )
    if a.kwarg:
        out.append(Param(a.kwarg.arg, "varkw", _ann_text(source, a.kwarg.annotation)))
    return tuple(out)


def _own_nodes(fn: ast.AST) -> Iterable[ast.AST]:
    """Nodes of a function body, not descending into nested functions, classes or lambdas."""
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _local_reason(fn: ast.FunctionDef | ast.AsyncFunctionDef, params: tuple[Param, ...]) -> str:
    nested = {
        n.name
        for n in ast.walk(fn)
        if n is not fn and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for node in _own_nodes(fn):
        if (
            isinstance(node, ast.Return)
            and node.value is not None
            and (
                isinstance(node.value, ast.Lambda)
                or isinstance(node.value, ast.Name)
                and node.value.id in nested
            )
        ):
            return "returns a function (decorator or factory): it must run where it is used"
    for p in params:
        last = p.annotation.replace('"', "").replace("'", "").split("[", 1)[0].split(".")[-1]
        if last in LOCAL_PARAM_TYPES:
            return f"takes `{p.name}: {last}`, which cannot cross a network"
    return ""


def _is_generator(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _own_nodes(fn))


def mutated_names(source: str) -> set[str]:
    """Names mutated in ``source`` (subscript stores, mutating method calls, augmented
    assignments, ``global`` rebinding), by bare name or ``.attr`` name."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    out: set[str] = set()

    def base(node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        return ""

    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript):
                    out.add(base(t.value))
                elif isinstance(node, ast.AugAssign):
                    out.add(base(t))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and (node.func.attr in MUTATORS)
        ):
            out.add(base(node.func.value))
        elif isinstance(node, ast.Global):
            out.update(node.names)
    out.discard("")
    return out


def analyze_module(
    source: str,
    mutated: set[str] | frozenset[str] = frozenset(),
    decorator_users: Iterable[str] = (),
) -> ModuleInfo:
    """Classify the top level of a module.

    Args:
        source: the module's text.
        mutated: names mutated anywhere in the project (see :func:`mutated_names`); a literal
            container with such a name is state, otherwise a copied constant.
        decorator_users: names of functions used as decorators from another module (they must
            run where they are used).

    Returns:
        A :class:`ModuleInfo` (with ``error`` set when the source does not parse).
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        return ModuleInfo(error=str(exc))
    decorators = set(decorator_users)
    variables: dict[str, str] = {}
    routers: dict[str, str] = {}
    classes: list[str] = []
    factories: set[str] = set()
    app_vars: list[str] = []
    fn_nodes: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            fn_nodes.append(stmt)
            if any(_call_name(n) == "FastAPI" for n in ast.walk(stmt) if isinstance(n, ast.Call)):
                factories.add(stmt.name)
        elif isinstance(stmt, ast.ClassDef):
            classes.append(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            for t in targets:
                if isinstance(t, ast.Tuple):
                    names.extend(e.id for e in t.elts if isinstance(e, ast.Name))
            value = stmt.value
            for name in names:
                if name == "__all__":
                    kind = "all"
                elif isinstance(value, ast.Call) and _call_name(value) == "APIRouter":
                    kind = "router"
                    prefix = next(
                        (
                            kw.value.value
                            for kw in value.keywords
                            if kw.arg == "prefix"
                            and isinstance(kw.value, ast.Constant)
                            and isinstance(kw.value.value, str)
                        ),
                        "",
                    )
                    routers[name] = prefix
                elif (
                    _is_immutable(value) and len(targets) == 1 and isinstance(targets[0], ast.Name)
                ):
                    kind = "value"
                elif _literal_container(value) and name not in mutated:
                    kind = "value"
                elif isinstance(value, (ast.Name, ast.Attribute, ast.Lambda)) or _ref_aggregate(
                    value
                ):
                    kind = "reference"
                elif isinstance(value, ast.Call) and _call_name(value) in PURE_CALLS:
                    kind = "value"
                else:
                    kind = "state"
                if isinstance(value, ast.Call) and _call_name(value) == "FastAPI":
                    app_vars.append(name)
                variables[name] = kind
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name)
            and stmt.value.func.id in factories
        ):
            app_vars.extend(t.id for t in stmt.targets if isinstance(t, ast.Name))
    functions: dict[str, Function] = {}
    for fn in fn_nodes:
        params = _params(source, fn)
        routes: list[tuple[str, str]] = []
        router = ""
        for dec in fn.decorator_list:
            if (
                isinstance(dec, ast.Call)
                and isinstance(dec.func, ast.Attribute)
                and isinstance(dec.func.value, ast.Name)
                and dec.func.value.id in routers
                and dec.func.attr in HTTP_METHODS
            ):
                router = dec.func.value.id
                path = (
                    dec.args[0].value if dec.args and isinstance(dec.args[0], ast.Constant) else ""
                )
                method = dec.func.attr.upper()
                if method in ("API_ROUTE", "ROUTE"):
                    method = "ANY"
                routes.append((method, str(path)))
        reason = _local_reason(fn, params)
        gen = _is_generator(fn)
        if not reason and gen:
            reason = "a generator: it cannot stream over a plain call"
        if not reason and fn.name in decorators:
            reason = "used as a decorator by other modules"
        rebinds = sorted(
            {n for node in _own_nodes(fn) if isinstance(node, ast.Global) for n in node.names}
        )
        returned = sorted(
            {
                ast.unparse(node.value.func)
                for node in _own_nodes(fn)
                if isinstance(node, ast.Return) and isinstance(node.value, ast.Call)
            }
        )
        functions[fn.name] = Function(
            fn.name,
            isinstance(fn, ast.AsyncFunctionDef),
            params,
            _ann_text(source, fn.returns),
            reason,
            tuple(routes),
            router,
            gen,
            tuple(rebinds),
            tuple(returned),
        )
    return ModuleInfo(functions, tuple(classes), variables, routers, tuple(app_vars))


# ---------------------------------------------------------------------------- name usage
def _bound_names(stmt: ast.stmt) -> list[str]:
    out: list[str] = []
    if isinstance(stmt, ast.Import):
        for a in stmt.names:
            out.append(a.asname or a.name.split(".")[0])
    elif isinstance(stmt, ast.ImportFrom):
        for a in stmt.names:
            out.append(a.asname or a.name)
    return out


def used_names(code: str) -> set[str]:
    """Names loaded by ``code`` (string annotations and ``__all__`` entries included)."""
    tree = ast.parse(code)
    out: set[str] = set()
    ann_nodes: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            ann_nodes.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            ann_nodes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            ann_nodes.append(node.annotation)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            if isinstance(node.value, (ast.List, ast.Tuple)):
                out.update(
                    e.value
                    for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
    for ann in ann_nodes:
        for sub in ast.walk(ann):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                try:
                    out |= used_names(sub.value)
                except SyntaxError:
                    pass
    return out


def imported_modules(code: str, module: str, is_package: bool) -> set[str]:
    """Absolute names of every module ``code`` imports (function-level imports included);
    ``from a import b`` yields both ``a`` and ``a.b`` (the caller keeps the known ones).

    Memoized on the arguments (a scaffold asks again for every service package that holds the
    same module); the caller gets its own copy."""
    return set(_imported_modules(code, module, is_package))


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(tree: ast.Module) -> Iterable[ast.AST]:
    """Every statement of a module, nested blocks included, without visiting expressions
    (imports are statements; walking expressions too made this the scaffold's hot spot)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        for name in _BODIES:
            block = getattr(node, name, None)
            if isinstance(block, list):
                stack.extend(block)


@functools.lru_cache(maxsize=8192)
def _imported_modules(code: str, module: str, is_package: bool) -> frozenset[str]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return frozenset()
    pkg_parts = module.split(".") if is_package else module.split(".")[:-1]
    out: set[str] = set()
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(node, pkg_parts)
            if not base:
                continue
            out.update(".".join(base[:i]) for i in range(1, len(base) + 1))
            for a in node.names:
                if a.name != "*":
                    out.add(".".join([*base, a.name]))
    return frozenset(out)


def _from_base(node: ast.ImportFrom, pkg_parts: list[str]) -> list[str]:
    """The absolute module parts ``from ... import`` reads from (relative levels resolved
    against ``pkg_parts``, the importing module's package); ``[]`` when it leaves the tree."""
    if node.level:
        if node.level - 1 > len(pkg_parts):
            return []
        base = pkg_parts[: len(pkg_parts) - (node.level - 1)]
        if node.module:
            base = base + node.module.split(".")
    else:
        base = (node.module or "").split(".")
    return base if base and base[0] else []


def imported_names(code: str, module: str, is_package: bool) -> dict[str, frozenset[str]]:
    """The names ``code`` imports from each module by ``from M import a, b`` (function-level
    imports included; relative imports resolved): ``{absolute M: {a, b}}``, ``*`` for a star
    import. A stand-in of ``M`` must still bind these names (a package ``__init__`` re-export
    looks unused inside the ``__init__`` itself).

    Memoized on the arguments; the caller gets its own copy."""
    return dict(_imported_names(code, module, is_package))


@functools.lru_cache(maxsize=8192)
def _imported_names(
    code: str, module: str, is_package: bool
) -> tuple[tuple[str, frozenset[str]], ...]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return ()
    pkg_parts = module.split(".") if is_package else module.split(".")[:-1]
    out: dict[str, set[str]] = defaultdict(set)
    for node in _statements(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = _from_base(node, pkg_parts)
        if not base:
            continue
        out[".".join(base)].update(a.name for a in node.names)
    return tuple(sorted((k, frozenset(v)) for k, v in out.items()))


def import_bindings(source: str) -> frozenset[str]:
    """Names bound by the top-level import statements of ``source`` (in ``try`` and
    ``if TYPE_CHECKING`` blocks too, with the flags assigned in those blocks): the names a
    module can re-export."""
    return _import_bindings(source)


@functools.lru_cache(maxsize=8192)
def _import_bindings(source: str) -> frozenset[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    out: set[str] = set()
    stack: list[ast.stmt] = list(tree.body)
    top = set(map(id, tree.body))
    while stack:
        stmt = stack.pop()
        in_block = id(stmt) not in top
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            out.update(n for n in _bound_names(stmt) if n != "*")
        elif isinstance(stmt, ast.Assign) and in_block:
            # the flag of an optional import (`FAISS = True` in its try block)
            out.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        elif isinstance(stmt, (ast.Try, ast.If)):
            stack.extend(stmt.body)
            stack.extend(stmt.orelse)
            if isinstance(stmt, ast.Try):
                stack.extend(x for h in stmt.handlers for x in h.body)
    return frozenset(out)


# ---------------------------------------------------------------------------- libcst rewriting
def _cst() -> Any:
    import libcst

    return libcst


def _is_type_checking_if(node: Any) -> bool:
    cst = _cst()
    if not isinstance(node, cst.If):
        return False
    test = node.test
    if isinstance(test, cst.Name):
        return bool(test.value == "TYPE_CHECKING")
    return isinstance(test, cst.Attribute) and test.attr.value == "TYPE_CHECKING"


def _is_import_line(node: Any) -> bool:
    cst = _cst()
    return isinstance(node, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in node.body
    )


def _is_import_try(node: Any) -> bool:
    cst = _cst()
    if not isinstance(node, cst.Try) or node.orelse or node.finalbody:
        return False
    # `try: import faiss; FAISS = True / except ImportError: FAISS = False`: imports, then
    # plain flags, in the body
    if not node.body.body or not _is_import_line(node.body.body[0]):
        return False
    for h in [node.body, *(h.body for h in node.handlers)]:
        for s in h.body:
            if not (
                isinstance(s, cst.SimpleStatementLine)
                and all(
                    isinstance(x, (cst.Import, cst.ImportFrom, cst.Assign, cst.Pass))
                    for x in s.body
                )
            ):
                return False
    return True


def _code(node: Any) -> str:
    cst = _cst()
    return str(cst.Module(body=[node]).code)


def _prune_import_line(node: Any, used: set[str]) -> Any | None:
    """The import statement line with only the used aliases, or None."""
    cst = _cst()
    new_body = []
    for s in node.body:
        if (
            isinstance(s, cst.ImportFrom)
            and s.module is not None
            and isinstance(s.module, cst.Name)
            and s.module.value == "__future__"
        ):
            new_body.append(s)
            continue
        if isinstance(s.names, cst.ImportStar):
            new_body.append(s)
            continue
        keep = []
        for alias in s.names:
            if isinstance(s, cst.Import):
                bound = (
                    alias.asname.name.value
                    if alias.asname
                    else _code_expr(alias.name).split(".")[0]
                )
            else:
                bound = alias.asname.name.value if alias.asname else _code_expr(alias.name)
            if bound in used:
                keep.append(alias)
        if not keep:
            continue
        keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if isinstance(s, cst.ImportFrom) and len(keep) == 1:
            s = s.with_changes(names=keep, lpar=None, rpar=None)
        else:
            s = s.with_changes(names=keep)
        new_body.append(s)
    if not new_body:
        return None
    return node.with_changes(body=new_body)


def _code_expr(node: Any) -> str:
    cst = _cst()
    return str(cst.Module(body=[]).code_for_node(node))


def _prune(body: list[Any], keep: Iterable[str] = ()) -> list[Any]:
    """Drop imports (and TYPE_CHECKING / optional-import blocks) that nothing uses; names in
    ``keep`` count as used (the names importers take from the module: re-exports)."""
    others = [
        n for n in body if not (_is_import_line(n) or _is_type_checking_if(n) or _is_import_try(n))
    ]
    used = set(keep)
    for n in others:
        used |= used_names(_code(n))
    out: list[Any] = []
    kept_tc = False
    for n in body:
        if _is_type_checking_if(n):
            inner = [
                p
                for p in (
                    _prune_import_line(s, used) if _is_import_line(s) else s for s in n.body.body
                )
                if p is not None
            ]
            if inner:
                kept_tc = True
                out.append(n.with_changes(body=n.body.with_changes(body=inner)))
        elif _is_import_try(n):
            bound: set[str] = set()
            for s in [*n.body.body, *[x for h in n.handlers for x in h.body.body]]:
                try:
                    for stmt in ast.parse(_code(s)).body:
                        bound |= set(_bound_names(stmt))
                        if isinstance(stmt, ast.Assign):
                            bound |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
                except SyntaxError:
                    pass
            if bound & used:
                out.append(n)
        else:
            out.append(n)
    if kept_tc:
        used |= {"TYPE_CHECKING", "typing"}
    final: list[Any] = []
    for n in out:
        if _is_import_line(n):
            p = _prune_import_line(n, used)
            if p is not None:
                final.append(p)
        else:
            final.append(n)
    return final


def _docstring_line(text: str) -> Any:
    cst = _cst()
    return cst.parse_statement('"""' + text.replace("\\", "\\\\").replace('"""', '\\"""') + '"""\n')


def _insert_runtime_import(body: list[Any], extra: Iterable[str] = ()) -> list[Any]:
    """Insert the runtime import (and ``extra`` import lines) after the leading docstring,
    ``__future__`` imports and the module's top block of imports."""
    cst = _cst()
    lines = [cst.parse_statement(RUNTIME_IMPORT + "\n")] + [
        cst.parse_statement(x + "\n") for x in extra
    ]
    idx = 0
    if (
        body
        and isinstance(body[0], cst.SimpleStatementLine)
        and isinstance(body[0].body[0], cst.Expr)
        and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    ):
        idx = 1
    while idx < len(body) and (
        _is_import_line(body[idx]) or _is_import_try(body[idx]) or _is_type_checking_if(body[idx])
    ):
        idx += 1
    return body[:idx] + lines + body[idx:]


def _q(s: str) -> str:
    """A Python string literal for a trusted, sanitised name (double-quoted)."""
    import json

    return json.dumps(s)


def _stub(node: Any, service: str, module: str) -> Any:
    cst = _cst()
    call = (
        f"return {RUNTIME_ALIAS}.call({_q(service)}, {_q(module)}, "
        f"{_q(node.name.value)}, locals())\n"
    )
    stmts: list[Any] = []
    first = node.body.body[0] if node.body.body else None
    if (
        isinstance(first, cst.SimpleStatementLine)
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    ):
        stmts.append(first)
    stmts.append(cst.parse_statement(call))
    return node.with_changes(decorators=[], body=cst.IndentedBlock(body=stmts))


def _forwarder(node: Any, service: str, routers: Mapping[str, str]) -> Any:
    cst = _cst()
    decs = []
    for d in node.decorators:
        dec = d.decorator
        if (
            isinstance(dec, cst.Call)
            and isinstance(dec.func, cst.Attribute)
            and isinstance(dec.func.value, cst.Name)
            and dec.func.value.value in routers
            and dec.func.attr.value in HTTP_METHODS
        ):
            decs.append(d)
    src = (
        f"async def {node.name.value}(request: {REQUEST_ALIAS}):\n"
        f"    return await {RUNTIME_ALIAS}.forward({_q(service)}, request)\n"
    )
    fn = cst.parse_statement(src)
    return fn.with_changes(decorators=decs, leading_lines=node.leading_lines)


def make_shim(
    source: str,
    module: str,
    owner: str,
    info: ModuleInfo,
    flavor: str,
    keep: Iterable[str] = (),
) -> tuple[str, list[str], list[str], list[str]]:
    """Rewrite a module into the client shim of ``owner`` (see the module docstring).

    Args:
        source: the original module text (must parse).
        module: its dotted name.
        owner: the (sanitised) name of the service that owns it.
        info: from :func:`analyze_module`.
        flavor: ``service`` (route handlers dropped: the gateway routes them to the owner) or
            ``gateway`` (route handlers become forwarders to the owner).
        keep: names the importers of ``module`` take from it (see :func:`imported_names`): the
            import lines that bind them stay, although nothing in the module uses them (a
            package ``__init__``'s re-exports); ``*`` keeps every import.

    Returns:
        ``(code, stubbed functions, proxied names, locally kept functions)``.
    """
    cst = _cst()
    tree = cst.parse_module(source)
    body: list[Any] = []
    stubs: list[str] = []
    proxies: list[str] = []
    local: list[str] = []
    forwarders = False
    for stmt in tree.body:
        if isinstance(stmt, cst.FunctionDef):
            fn = info.functions.get(stmt.name.value)
            if fn is None:
                continue
            if fn.routes:
                if flavor == "gateway":
                    body.append(_forwarder(stmt, owner, info.routers))
                    forwarders = True
                continue
            if fn.local_reason:
                body.append(stmt)
                local.append(fn.name)
            else:
                body.append(_stub(stmt, owner, module))
                stubs.append(fn.name)
        elif isinstance(stmt, cst.ClassDef):
            body.append(stmt)
        elif _is_import_line(stmt) or _is_type_checking_if(stmt) or _is_import_try(stmt):
            body.append(stmt)
        elif isinstance(stmt, cst.SimpleStatementLine):
            new_small = []
            for small in stmt.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                    targets = (
                        [t.target for t in small.targets]
                        if isinstance(small, cst.Assign)
                        else [small.target]
                    )
                    names = [t.value for t in targets if isinstance(t, cst.Name)]
                    if len(names) != len(targets) or len(names) != 1:
                        continue  # tuple or attribute/subscript targets: owner-side effects
                    name = names[0]
                    kind = info.variables.get(name, "state")
                    if kind == "state":
                        value = cst.parse_expression(
                            f"{RUNTIME_ALIAS}.Remote({_q(owner)}, {_q(module)}, {_q(name)})"
                        )
                        new_small.append(
                            cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=value)
                        )
                        proxies.append(name)
                    else:
                        new_small.append(small)
            if new_small:
                body.append(stmt.with_changes(body=new_small))
        # anything else at module level (loops, if-blocks, calls) runs in the owner only
    extra = []
    if forwarders:
        extra.append(f"from fastapi import Request as {REQUEST_ALIAS}")
    doc = (
        f"Client shim for `{module}`, which now lives in the `{owner}` service.\n\n"
        "Generated by decompose scaffold: functions call that service over HTTP, module-level "
        "state is a proxy\nto it, classes and constants are copies. Regenerate rather than "
        "edit.\n"
    )
    keep = set(keep)
    if "*" in keep:
        keep |= import_bindings(source)
    body = _prune(body, keep)
    future = [n for n in body if _is_import_line(n) and "__future__" in _code(n)]
    rest = [n for n in body if n not in future]
    needs_rt = bool(stubs or proxies or forwarders)
    if needs_rt:
        rest = _insert_runtime_import(rest, extra)
    out = cst.Module(body=[_docstring_line(doc), *future, *rest])
    return str(out.code), stubs, proxies, local


def proxy_state(source: str, module: str, owned: Mapping[str, str]) -> str:
    """A verbatim copy of ``source`` where each top-level assignment to a name in ``owned``
    (``{name: owner service}``) binds a proxy to the owner instead.

    Raises:
        ValueError: the source does not parse.
    """
    cst = _cst()
    try:
        tree = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise ValueError(str(exc)) from exc
    body: list[Any] = []
    changed = False
    for stmt in tree.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            new_small = []
            for small in stmt.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                    targets = (
                        [t.target for t in small.targets]
                        if isinstance(small, cst.Assign)
                        else [small.target]
                    )
                    if (
                        len(targets) == 1
                        and isinstance(targets[0], cst.Name)
                        and (targets[0].value in owned)
                    ):
                        name = targets[0].value
                        value = cst.parse_expression(
                            f"{RUNTIME_ALIAS}.Remote({_q(owned[name])}, {_q(module)}, {_q(name)})"
                        )
                        new_small.append(small.with_changes(value=value))
                        changed = True
                        continue
                new_small.append(small)
            body.append(stmt.with_changes(body=new_small))
        else:
            body.append(stmt)
    if not changed:
        return source
    future = [n for n in body if _is_import_line(n) and "__future__" in _code(n)]
    if future:
        idx = body.index(future[-1]) + 1
        body = body[:idx] + [cst.parse_statement(RUNTIME_IMPORT + "\n")] + body[idx:]
    else:
        body = _insert_runtime_import(body)
    return str(tree.with_changes(body=body).code)
