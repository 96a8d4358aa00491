"""``scaffold``: turn a set of boundaries into services that boot and behave like the monolith.

Plan, then write. :func:`plan_scaffold` returns every file as data (:class:`ScaffoldResult`),
including each service's OpenAPI document built from the facts alone
(:mod:`decompose.scaffold_openapi`); :func:`add_openapi` adds those documents, or, only when asked
(``--openapi import``), imports each generated service app in a subprocess for FastAPI's own
document (that runs the generated code, and so the analyzed project's module-level code); the CLI
writes the files with :func:`decompose.outputs.write_files`. By default nothing of the analyzed
project is imported or run.

How behaviour is kept (details in docs/scaffold.md):

- Each service package holds its own modules and the shared kernel, copied byte for byte, and a
  client shim (:func:`decompose.scaffold_rewrite.make_shim`) at the import path of every other
  module its code imports, so moved code runs unchanged while its calls become HTTP requests.
- Module-level state has exactly one owner: everywhere else it is a proxy whose every use is a call
  to the owner. Shared-kernel state that code outside the kernel writes (e.g. runtime settings)
  gets an owner too: the service that writes it most (ties: the first name).
- The gateway is the monolith's own composition root (its ``FastAPI`` app: middleware, exception
  handlers, startup) run with forwarding routers: each route sends the request unchanged to the
  service that owns it, and an exception raised there is raised again in the gateway, so the
  monolith's handlers answer exactly as before.
- The database stays shared (every service points at the same one): the honest first step of a
  strangler-fig split; the report lists which service touches which tables to split later.
"""

from __future__ import annotations

import ast
import json
import keyword
import os
import posixpath
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from decompose import __version__
from decompose.errors import UsageError
from decompose.model import GeneratedFile, Plan
from decompose.scaffold_deps import Requirement, Resolver, declared_requirements, normalize
from decompose.scaffold_files import (
    MAX_ENTRY_BYTES,
    MAX_ENTRY_FILES,
    DataFile,
    above_source_root,
    dest_of,
    find_data_files,
    names_in,
    source_prefixes,
)
from decompose.scaffold_openapi import dump, make_resolver, service_document
from decompose.scaffold_payload import check_function
from decompose.scaffold_rewrite import (
    Function,
    ModuleInfo,
    analyze_module,
    import_bindings,
    imported_modules,
    imported_names,
    make_shim,
    mutated_names,
    proxy_state,
)

KERNEL = "kernel"
GATEWAY = "__gateway__"
CALL_KINDS = ("call", "ref", "decorates", "inherits", "dispatch", "inferred", "reads", "writes")
RPC_PREFIX = "/_rpc"
BASE_DEPENDENCIES = ("fastapi", "httpx", "pydantic", "uvicorn")
# import name -> distribution name, for when the package is not installed here.
_ENV_CALLS = ("getenv", "get", "environ")
_NAME_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(slots=True)
class ScaffoldResult:
    """The planned scaffold.

    Attributes:
        files: every file to write, sorted by path.
        report: the JSON scaffold report (also in ``files`` as ``scaffold-report.json``).
        services: sanitised service names (gateway excluded).
        service_dirs: ``{service: folder}`` of each service, ``gateway`` included.
        openapi: ``{service: path of its openapi.json}`` still to be generated.
        warnings: problems worth telling the user (modules skipped...).
        static_openapi: ``{service: OpenAPI document}`` built from the facts alone
            (:func:`decompose.scaffold_openapi.service_document`); :func:`add_openapi` writes
            them, or the documents FastAPI builds when asked to import the services.
    """

    files: list[GeneratedFile]
    report: dict[str, Any]
    services: list[str]
    service_dirs: dict[str, str]
    openapi: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    static_openapi: dict[str, dict[str, Any]] = field(default_factory=dict)


# ---------------------------------------------------------------------------- names
def safe_service_name(name: str, taken: Iterable[str] = ()) -> str:
    """A service name usable as a folder, a Python string, an environment variable prefix and a
    DNS label: lowercase ``[a-z0-9_]``, starting with a letter, unique among ``taken``."""
    s = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    s = re.sub(r"_+", "_", s)[:40].strip("_")
    if not s or not s[0].isalpha():
        s = "s_" + s if s else "service"
    base, i, used = s, 2, set(taken)
    while s in used:
        s = f"{base}_{i}"
        i += 1
    return s


def importable(module: str) -> bool:
    """True when every part of the dotted name is an identifier that is not a keyword."""
    return bool(module) and all(
        p.isidentifier() and not keyword.iskeyword(p) and p.isascii() for p in module.split(".")
    )


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=True)


def _md(s: str) -> str:
    """Escape text for a Markdown table cell / paragraph."""
    out = str(s).replace("\\", "\\\\")
    for ch in "`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", " ").replace("\r", " ")


def _camel(*parts: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", "_".join(parts))
    return "".join(w[:1].upper() + w[1:] for w in words if w) or "X"


def _mod_path(module: str, is_package: bool) -> str:
    parts = module.split(".")
    return "/".join(parts) + ("/__init__.py" if is_package else ".py")


# ---------------------------------------------------------------------------- templates
def templates_dir() -> Path:
    """The ``templates/services`` folder: in the installed package, else beside the source."""
    from importlib import resources

    try:
        packaged = resources.files("decompose") / "templates" / "services"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, NotADirectoryError):
        pass
    beside = Path(__file__).resolve().parent.parent / "templates" / "services"
    if beside.is_dir():
        return beside
    raise UsageError(f"scaffold templates not found (looked in the package and in {beside})")


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["q"] = _q
    env.filters["md"] = _md
    return env


# ---------------------------------------------------------------------------- inputs
@dataclass(slots=True)
class _Module:
    name: str
    relpath: str
    is_package: bool
    source: str
    info: ModuleInfo


def distribution_of(import_name: str) -> str | None:
    """The distribution that provides ``import_name`` (None for stdlib), from decompose's
    built-in table only (:func:`decompose.footprint.distribution_of`): never from the
    environment decompose runs in, so generated ``pyproject.toml`` files are the same bytes on
    every machine. Unknown names stand for themselves."""
    from decompose.footprint import distribution_of as lookup

    top = import_name.split(".")[0]
    if top in sys.stdlib_module_names or top in ("__future__",):
        return None
    return lookup(import_name)[0]


def env_vars(source: str) -> set[str]:
    """Environment variable names read with ``os.environ.get("X")``, ``os.getenv("X")`` or
    ``os.environ["X"]`` in ``source``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    out: set[str] = set()
    for node in ast.walk(tree):
        arg: ast.expr | None = None
        if (
            isinstance(node, ast.Call)
            and node.args
            and (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in ("getenv", "get")
                and (
                    node.func.attr == "getenv"
                    or isinstance(node.func.value, ast.Attribute)
                    and node.func.value.attr == "environ"
                )
            )
        ):
            arg = node.args[0]
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and (node.value.attr == "environ")
        ):
            arg = node.slice
        if (
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, str)
            and _NAME_OK.match(arg.value)
        ):
            out.add(arg.value)
    return out


# ---------------------------------------------------------------------------- plan
def plan_scaffold(  # noqa: C901, PLR0912, PLR0915 - one pass over the plan, in order
    root: Path,
    graph: Any,
    plan: Plan,
    *,
    boundaries_source: str = "analyze proposal",
    app: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ScaffoldResult:
    """Plan every file of the scaffold.

    Args:
        root: the analyzed project's root folder (sources are read from it, never imported).
        graph: its :class:`~decompose.graph.ProgramGraph`.
        plan: the boundaries to scaffold (from ``analyze`` or from a boundaries file).
        boundaries_source: where the boundaries came from (recorded in the outputs).
        app: ``module:attribute`` of the monolith's ASGI application (default: detected, the
            module-level object built by ``FastAPI(...)``).
        progress: ``callback(stage, done, total)``: stage ``modules`` (each module classified)
            then ``services`` (percent of the service packages built).

    Returns:
        A :class:`ScaffoldResult` (OpenAPI documents still to be added by :func:`add_openapi`).

    Raises:
        UsageError: no service to scaffold, or ``app`` names an unknown module.
    """
    from decompose.partition import is_test_module

    warnings: list[str] = []
    of_raw = plan.partition.as_dict()
    services_raw = sorted({s.name for s in plan.services if not s.kernel})
    if not services_raw:
        raise UsageError("no service to scaffold: the boundaries declare none")
    names: dict[str, str] = {}
    for s in services_raw:
        names[s] = safe_service_name(s, names.values())
    skipped: list[str] = []
    modules: dict[str, _Module] = {}
    # modules whose names are not identifiers (Alembic revisions...): loaded by path, so they
    # are carried as files with their package, never imported by name nor shimmed
    file_only: dict[str, tuple[str, str]] = {}
    for m in graph.modules:
        if m.kind not in ("module", "package") or m.status != "ok":
            continue
        if is_test_module(m.name):
            continue
        if not importable(m.name):
            try:
                file_only[m.name] = (m.path, (root / m.path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                skipped.append(f"{m.name}: cannot read {m.path}: {exc}")
            continue
        try:
            text = (root / m.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            skipped.append(f"{m.name}: cannot read {m.path}: {exc}")
            continue
        modules[m.name] = _Module(m.name, m.path, m.kind == "package", text, ModuleInfo())
    mutated: set[str] = set()
    for mod in modules.values():
        mutated |= mutated_names(mod.source)
    decorator_users: dict[str, set[str]] = defaultdict(set)
    for c in graph.calls:
        if c.kind == "decorates" and ":" in c.dst:
            dmod, dq = c.dst.split(":", 1)
            if c.src.split(":", 1)[0] != dmod and "." not in dq:
                decorator_users[dmod].add(dq)
    for i, mod in enumerate(modules.values(), 1):
        mod.info = analyze_module(mod.source, mutated, decorator_users.get(mod.name, ()))
        if mod.info.error:
            skipped.append(f"{mod.name}: does not parse: {mod.info.error}")
        if progress is not None and (i % 25 == 0 or i == len(modules)):
            progress("modules", i, len(modules))
    for bad in [k for k, v in modules.items() if v.info.error]:
        del modules[bad]

    owner: dict[str, str] = {}
    for m in modules:
        svc = of_raw.get(m)
        owner[m] = KERNEL if svc is None or svc == KERNEL else names[svc]
    unassigned = sorted(m for m in modules if m not in of_raw)
    services = sorted(names.values())
    own: dict[str, list[str]] = {s: sorted(m for m in modules if owner[m] == s) for s in services}
    kernel_mods = sorted(m for m in modules if owner[m] == KERNEL)

    # ---- shared-kernel state that code outside the kernel writes gets one owner
    writers: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in graph.calls:
        if c.kind != "writes" or ":" not in c.dst:
            continue
        dmod, dq = c.dst.split(":", 1)
        smod = c.src.split(":", 1)[0]
        if dmod in modules and owner.get(dmod) == KERNEL and owner.get(smod, KERNEL) != KERNEL:
            var = dq.split(".")[0]
            if modules[dmod].info.variables.get(var) == "state":
                writers[(dmod, var)][owner[smod]] += 1
    kernel_state: dict[tuple[str, str], str] = {}
    for key, counts in sorted(writers.items()):
        kernel_state[key] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    per_process = sorted(
        f"{m}.{v}"
        for m in kernel_mods
        for v, k in modules[m].info.variables.items()
        if k == "state" and (m, v) not in kernel_state and v in mutated
    )

    # ---- composition root (the monolith's ASGI app)
    root_mod, root_attr = "", ""
    if app:
        root_mod, _, root_attr = app.partition(":")
        if root_mod not in modules or not root_attr.isidentifier():
            raise UsageError(f"--app {app!r}: expected module:attribute of an analyzed module")
    else:
        for m in sorted(modules):
            av = modules[m].info.app_vars
            if av:
                root_mod, root_attr = m, ("app" if "app" in av else av[0])
                break

    # ---- packages: real copies, then the closure of shims
    shim_cache: dict[
        tuple[str, str, frozenset[str]], tuple[str, list[str], list[str], list[str]]
    ] = {}
    endpoints: dict[str, set[tuple[str, str]]] = defaultdict(set)
    state_served: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for (km, kv), so in kernel_state.items():
        state_served[so].add((km, kv))
    local_copies: dict[tuple[str, str], str] = {}
    package_files: dict[str, dict[str, tuple[str, str]]] = {}  # unit -> {module: (kind, code)}

    def shim(
        m: str, flavor: str, keep: frozenset[str] = frozenset()
    ) -> tuple[str, list[str], list[str], list[str]]:
        # The flavor only changes route handlers: a module without routes has one shim per
        # set of re-exported names its importers take (`keep`, already cut to its imports).
        has_routes = any(f.routes for f in modules[m].info.functions.values())
        key = (m, flavor if has_routes else "any", keep)
        if key not in shim_cache:
            mod = modules[m]
            shim_cache[key] = make_shim(mod.source, m, owner[m], mod.info, flavor, keep)
            _code, stubs, proxies, local = shim_cache[key]
            for f in stubs:
                endpoints[owner[m]].add((m, f))
            for v in proxies:
                state_served[owner[m]].add((m, v))
            for f in local:
                local_copies[(m, f)] = mod.info.functions[f].local_reason
        return shim_cache[key]

    def build(
        unit: str, real: list[str], flavor: str, extra: Iterable[str] = ()
    ) -> dict[str, tuple[str, str]]:
        files: dict[str, tuple[str, str]] = {}
        for m in real:
            src = modules[m].source
            if owner[m] == KERNEL:
                owned = {v: so for (km, v), so in kernel_state.items() if km == m and so != unit}
                if owned:
                    files[m] = ("kernel-proxy", proxy_state(src, m, owned))
                    continue
                files[m] = ("kernel", src)
            else:
                files[m] = ("copy", src)
        # Only the first-party modules this code imports (transitively) get a stand-in. An
        # object of a class whose module is not here arrives as a runtime.Foreign (its state,
        # re-sent unchanged), an exception as a subclass of its nearest class that is here.
        # (module, code, is_package) whose imports are still to follow; the file-only modules
        # the unit carries count too (a migration's imports must resolve)
        todo: list[tuple[str, str, bool]] = [(m, files[m][1], modules[m].is_package) for m in files]
        todo += [(x, file_only[x][1], False) for x in extra]
        # A stand-in keeps the import lines binding the names the unit's code takes from it
        # (`from pkg import Name` where pkg's __init__ re-exports Name). The names only grow as
        # code is added, so a stand-in is rebuilt when they do (the result is the least fixed
        # point, whatever the order).
        wanted: dict[str, set[str]] = defaultdict(set)
        kept: dict[str, frozenset[str]] = {}

        def keep_of(d: str) -> frozenset[str]:
            names = wanted.get(d, set())
            if "*" in names:
                return frozenset({"*"})
            return frozenset(names & import_bindings(modules[d].source))

        while todo:
            m, code, is_pkg = todo.pop()
            for d, names in imported_names(code, m, is_pkg).items():
                if d in modules and not names <= wanted[d]:
                    wanted[d] |= names
                    if files.get(d, ("",))[0] == "shim" and keep_of(d) != kept[d]:
                        kept[d] = keep_of(d)
                        files[d] = ("shim", shim(d, flavor, kept[d])[0])
                        todo.append((d, files[d][1], modules[d].is_package))
            deps = imported_modules(code, m, is_pkg)
            parts = m.split(".")
            deps.update(".".join(parts[:i]) for i in range(1, len(parts)))
            for d in sorted(deps):
                if d in files or d not in modules:
                    continue
                if owner[d] in (KERNEL, unit) and d in real:
                    continue
                if owner[d] == KERNEL:
                    owned = {
                        v: so for (km, v), so in kernel_state.items() if km == d and so != unit
                    }
                    files[d] = (
                        ("kernel-proxy", proxy_state(modules[d].source, d, owned))
                        if owned
                        else ("kernel", modules[d].source)
                    )
                elif owner[d] == unit:
                    files[d] = ("copy", modules[d].source)
                else:
                    kept[d] = keep_of(d)
                    files[d] = ("shim", shim(d, flavor, kept[d])[0])
                todo.append((d, files[d][1], modules[d].is_package))
        return dict(sorted(files.items()))

    # ---- file-only modules go with their owner (kernel ones everywhere)
    prefixes = source_prefixes((m, mod.relpath) for m, mod in modules.items())
    not_carried: list[str] = []
    file_dest: dict[str, str] = {}
    file_owner: dict[str, str] = {}
    for x, (xpath, _code) in sorted(file_only.items()):
        dest = dest_of(x, xpath, prefixes)
        if dest is None:
            not_carried.append(f"{xpath}: module {x} sits outside the source root of its package")
            continue
        file_dest[x] = dest
        svc = of_raw.get(x)
        file_owner[x] = KERNEL if svc is None or svc == KERNEL else names[svc]
    file_units: dict[str, list[str]] = {
        u: sorted(x for x, o in file_owner.items() if o in (u, KERNEL))
        for u in [*services, GATEWAY]
    }

    for i, s in enumerate(services):
        if progress is not None:
            progress("services", 100 * i // (len(services) + 1), 100)
        package_files[s] = build(s, own[s] + kernel_mods, "service", file_units[s])
    gateway_real = kernel_mods + ([root_mod] if root_mod else [])
    package_files[GATEWAY] = build(GATEWAY, gateway_real, "gateway", file_units[GATEWAY])
    if progress is not None:
        progress("services", 100, 100)
    if root_mod and owner[root_mod] != KERNEL:
        package_files[GATEWAY][root_mod] = ("root", modules[root_mod].source)

    # ---- data files: a unit carries those its shipped code names, and those beside its
    # modules that no code names (alembic's script.py.mako...)
    data_units, data_notes = _place_data_files(
        root,
        {u: [m for m, (k, _) in pf.items() if k != "shim"] for u, pf in package_files.items()},
        file_units,
        modules,
        file_only,
        prefixes,
    )
    not_carried += data_notes
    warnings.extend(f"not carried: {n}" for n in not_carried)

    # ---- routes, by owning service
    routes: list[dict[str, Any]] = []
    routers: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for m in sorted(modules):
        info = modules[m].info
        for rfn in info.functions.values():
            for method, path in rfn.routes:
                prefix = info.routers.get(rfn.router, "")
                routes.append(
                    {
                        "method": method,
                        "path": prefix + path,
                        "module": m,
                        "function": rfn.name,
                        "service": owner[m],
                    }
                )
        if info.routers and owner[m] != KERNEL:
            for var in sorted(info.routers):
                if any(f.router == var and f.routes for f in info.functions.values()):
                    routers[owner[m]].append((m, var))
    # readiness (the compose healthcheck) and liveness, clear of the monolith's own routes
    health, live = (
        f"/_service/{p}"
        if any(r["path"] == f"/{p}" and r["method"] in ("GET", "ANY") for r in routes)
        else f"/{p}"
        for p in ("health", "live")
    )
    if any(r["path"].startswith(RPC_PREFIX) for r in routes):
        warnings.append(
            f"the monolith has routes under {RPC_PREFIX}: they clash with the service interfaces"
        )

    # ---- report data
    classes = frozenset(c for mod in modules.values() for c in mod.info.classes)
    crossings: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    flagged: set[tuple[str, str]] = set()
    for c in plan.crossings:
        src_svc = names.get(c.src_service)
        dst_svc = names.get(c.dst_service)
        if src_svc is None or dst_svc is None or ":" not in c.dst:
            continue
        dmod, dq = c.dst.split(":", 1)
        if dmod not in modules:
            continue
        top = dq.split(".")[0]
        info = modules[dmod].info
        fn = info.functions.get(top)
        if fn is not None and fn.routes:
            how, detail = "route", "served by the owner; the gateway routes it"
        elif fn is not None and fn.local_reason:
            how, detail = "local copy", fn.local_reason
        elif fn is not None:
            how, detail = "network call", f"POST {RPC_PREFIX}/{dmod}/{top} on {dst_svc}"
            if (dmod, top) not in flagged:
                flagged.add((dmod, top))
                params = tuple(
                    (p.name, p.kind, p.annotation)
                    for p in fn.params
                    if p.name not in ("self", "cls")
                )
                for f in check_function(
                    params, fn.returns, fn.is_generator, classes, fn.return_calls
                ):
                    flags.append(
                        {
                            "function": f"{dmod}.{top}",
                            "service": dst_svc,
                            "where": f.where,
                            "category": f.category,
                            "evidence": f.evidence,
                            "suggestion": f.suggestion,
                        }
                    )
        elif top in info.classes:
            how, detail = (
                "class copied",
                "the class is copied into the caller's shim: define "
                "it once in a shared contract package",
            )
        elif info.variables.get(top) == "state":
            how, detail = "state proxy", f"every use is a call to {dst_svc} ({RPC_PREFIX}/_state)"
        else:
            how, detail = "constant copied", "an immutable value, copied into the shim"
        crossings.append(
            {
                "from_service": src_svc,
                "to_service": dst_svc,
                "src": c.src,
                "dst": c.dst,
                "kind": c.kind,
                "location": f"{c.location.path}:{c.location.line}",
                "becomes": how,
                "detail": detail,
            }
        )
    for (m, fname), reason in sorted(local_copies.items()):
        if modules[m].info.functions[fname].is_generator:
            flags.append(
                {
                    "function": f"{m}.{fname}",
                    "service": owner[m],
                    "where": "return",
                    "category": "generator",
                    "evidence": "body",
                    "suggestion": "copied and run locally: " + reason,
                }
            )

    first_party = sorted({m.split(".")[0] for m in modules} | {"decompose_service"})
    ext_by_module: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for e in graph.external:
        ext_by_module[e.src].append((e.dst, e.kind))

    declared, dependency_files = declared_requirements(root)
    dep_files_rel = [Path(os.path.relpath(f, root)).as_posix() for f in dependency_files]
    resolver = Resolver(declared)

    def deps_of(
        files: Mapping[str, tuple[str, str]], extra: Iterable[str] = ()
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        # The distributions imported by the modules the package ships (its own, the kernel and
        # the stand-ins, which are the first-party closure of its imports): a stand-in counts
        # only the imports its rewritten code kept, with the kind (optional...) of the original.
        # Each is {"req": requirement, "source": how it was found, "import": import name}.
        req: dict[str, tuple[Requirement, str, str]] = {}
        opt: dict[str, tuple[Requirement, str, str]] = {}
        for base_dist in BASE_DEPENDENCIES:
            r, how = resolver.resolve(base_dist)
            req[normalize(r.name)] = (r, "base", base_dist)
        for m, (kind, code) in [*files.items(), *((x, ("file", "")) for x in extra)]:
            found = ext_by_module.get(m, [])
            if kind == "shim":
                kept = imported_modules(code, m, modules[m].is_package)
                found = [(d, k) for d, k in found if d in kept]
            for dst, ekind in sorted(found):
                if distribution_of(dst) is None or dst.split(".")[0] in first_party:
                    continue
                r, how = resolver.resolve(dst)
                into = opt if ekind in ("optional", "fallback", "guarded") else req
                key = normalize(r.name)
                if key in into:
                    into[key][0].extras |= r.extras
                else:
                    into[key] = (r, how, dst.split(".")[0])

        def rows(d: dict[str, tuple[Requirement, str, str]]) -> list[dict[str, str]]:
            return [
                {"req": r.render(), "source": how, "import": imp}
                for _k, (r, how, imp) in sorted(d.items(), key=lambda kv: kv[1][0].name.lower())
            ]

        return rows(req), rows({k: v for k, v in opt.items() if k not in req})

    env_names: set[str] = set()
    for m in modules:
        env_names |= env_vars(modules[m].source)
    app_env = sorted(env_names)

    # ---- render
    env = _env()
    files: list[GeneratedFile] = []
    service_dirs: dict[str, str] = {s: f"services/{s}" for s in services}
    service_dirs[GATEWAY] = "gateway"
    runtime = env.get_template("runtime.py.j2").render(
        version=__version__,
        first_party=repr(tuple(x for x in first_party if x != "decompose_service")),
    )
    common = {
        "version": __version__,
        "boundaries": boundaries_source,
        "project": root.name or "app",
        "health_path": health,
        "live_path": live,
    }
    deps_report: dict[str, dict[str, list[str]]] = {}
    interfaces: dict[str, list[dict[str, Any]]] = {}
    static_openapi: dict[str, dict[str, Any]] = {}
    resolve = make_resolver(
        {m: (mod.source, mod.is_package, mod.info.functions) for m, mod in modules.items()}
    )
    guessed_in: dict[tuple[str, str], list[str]] = defaultdict(list)
    for unit in [*services, GATEWAY]:
        base = service_dirs[unit]
        for m, (_kind, code) in package_files[unit].items():
            files.append(
                GeneratedFile(
                    f"{base}/src/{_mod_path(m, modules[m].is_package)}", code.encode("utf-8")
                )
            )
        for x in file_units[unit]:
            files.append(GeneratedFile(f"{base}/src/{file_dest[x]}", file_only[x][1].encode()))
        for df in data_units.get(unit, []):
            try:
                files.append(GeneratedFile(f"{base}/src/{df.dest}", (root / df.src).read_bytes()))
            except OSError as exc:
                warnings.append(f"not carried: {df.src}: cannot read it: {exc.strerror}")
        files.append(
            GeneratedFile(
                f"{base}/src/decompose_service/__init__.py",
                b'"""Generated by decompose scaffold."""\n',
            )
        )
        files.append(
            GeneratedFile(f"{base}/src/decompose_service/runtime.py", runtime.encode("utf-8"))
        )
        req_rows, opt_rows = deps_of(package_files[unit], file_units[unit])
        req = [x["req"] for x in req_rows]
        opt = [x["req"] for x in opt_rows]
        name = "gateway" if unit == GATEWAY else unit
        guessed = [
            f"{row['req']} (import {row['import']}: {row['source']})"
            for row in req_rows + opt_rows
            if row["source"] in ("guessed", "matched", "installed")
        ]
        deps_report[unit] = {"dependencies": req, "optional": opt, "unsure": guessed}
        for row in req_rows + opt_rows:
            if row["source"] == "guessed":
                guessed_in[(row["req"], row["import"])].append(name)
        copied = sorted(m for m, (k, _) in package_files[unit].items() if k != "shim")
        shimmed = sorted(m for m, (k, _) in package_files[unit].items() if k == "shim")
        urls = sorted(
            {owner[m] for m in shimmed}
            | {so for (km, _v), so in kernel_state.items() if so != unit}
        )
        ctx = dict(
            common,
            service=name,
            dependencies=req_rows,
            optional=opt_rows,
            dependency_files=dep_files_rel,
            copied=copied,
            shimmed=shimmed,
            depends_on=urls,
            app_env=app_env,
            python=f"{sys.version_info.major}.{sys.version_info.minor}",
            routes=[r for r in routes if r["service"] == unit],
            is_gateway=unit == GATEWAY,
            own=own.get(unit, []),
            kernel=kernel_mods,
        )
        if unit == GATEWAY:
            gw_routers = [(m, v) for s in services for m, v in routers.get(s, [])]
            app_py = env.get_template("gateway_app.py.j2").render(
                ctx,
                root_module=root_mod,
                root_attr=root_attr,
                routers=gw_routers,
                title=f"{common['project']} gateway",
            )
            files.append(GeneratedFile(f"{base}/src/decompose_service/app.py", app_py.encode()))
            files.append(
                GeneratedFile(
                    f"{base}/README.md",
                    env.get_template("gateway_README.md.j2")
                    .render(ctx, root_module=root_mod, root_attr=root_attr, all_routes=routes)
                    .encode(),
                )
            )
        else:
            eps = _endpoints(modules, sorted(endpoints.get(unit, ())))
            interfaces[unit] = eps
            served = [
                (method, modules[m].info.routers.get(var, "") + path, m, fn)
                for m, var in routers.get(unit, [])
                for fn in modules[m].info.functions.values()
                if fn.router == var
                for method, path in fn.routes
            ]
            static_openapi[unit] = service_document(
                title=f"{common['project']}: {unit} service",
                version=__version__,
                endpoints=eps,
                routes=served,
                health_path=health,
                live_path=live,
                service=unit,
                resolve=resolve,
            )
            state = sorted(state_served.get(unit, ()))
            files.append(
                GeneratedFile(
                    f"{base}/src/decompose_service/interface.py",
                    env.get_template("interface.py.j2")
                    .render(ctx, endpoints=eps, state=state)
                    .encode(),
                )
            )
            files.append(
                GeneratedFile(
                    f"{base}/src/decompose_service/app.py",
                    env.get_template("service_app.py.j2")
                    .render(
                        ctx,
                        routers=routers.get(unit, []),
                        title=f"{common['project']}: {unit} service",
                    )
                    .encode(),
                )
            )
            files.append(
                GeneratedFile(
                    f"{base}/src/decompose_service/openapi.py",
                    env.get_template("openapi.py.j2").render(ctx).encode(),
                )
            )
            files.append(
                GeneratedFile(
                    f"{base}/README.md",
                    env.get_template("service_README.md.j2")
                    .render(ctx, endpoints=eps, state=state)
                    .encode(),
                )
            )
        files.append(
            GeneratedFile(
                f"{base}/pyproject.toml", env.get_template("pyproject.toml.j2").render(ctx).encode()
            )
        )
        files.append(
            GeneratedFile(
                f"{base}/Dockerfile", env.get_template("Dockerfile.j2").render(ctx).encode()
            )
        )

    for (greq, gimp), gunits in sorted(guessed_in.items()):
        warnings.append(
            f"dependency {greq!r} (import {gimp}) is guessed from the import name: no declared "
            f"dependency provides it; check the pyproject.toml of {', '.join(gunits)}"
        )
    compose_services = [
        {"name": s, "host": s.replace("_", "-") + "-service", "dir": f"services/{s}"}
        for s in services
    ]
    files.append(
        GeneratedFile(
            "docker-compose.yaml",
            env.get_template("docker-compose.yaml.j2")
            .render(common, services=compose_services, app_env=app_env)
            .encode(),
        )
    )
    report: dict[str, Any] = {
        "schema": "decompose.scaffold/1",
        "tool": {"name": "decompose", "version": __version__},
        "boundaries": boundaries_source,
        "services": {
            s: {
                "modules": own[s],
                "routes": [f"{r['method']} {r['path']}" for r in routes if r["service"] == s],
                "endpoints": [e["path"] for e in interfaces.get(s, [])],
                "state": [f"{m}.{v}" for m, v in sorted(state_served.get(s, ()))],
                "shims": sorted(m for m, (k, _) in package_files[s].items() if k == "shim"),
                "dependencies": deps_report[s]["dependencies"],
                "optional_dependencies": deps_report[s]["optional"],
                "unsure_dependencies": deps_report[s]["unsure"],
                "files": sorted(file_dest[x] for x in file_units[s]),
                "data": _data_summary(data_units.get(s, [])),
            }
            for s in services
        },
        "gateway": {
            "composition_root": f"{root_mod}:{root_attr}" if root_mod else "",
            "routes": [
                {k: r[k] for k in ("method", "path", "service")}
                for r in routes
                if r["service"] != KERNEL
            ],
            "dependencies": deps_report[GATEWAY]["dependencies"],
            "unsure_dependencies": deps_report[GATEWAY]["unsure"],
            "files": sorted(file_dest[x] for x in file_units[GATEWAY]),
            "data": _data_summary(data_units.get(GATEWAY, [])),
        },
        "service_names": dict(sorted(names.items())),
        "kernel": kernel_mods,
        "unassigned_copied_as_kernel": unassigned,
        "kernel_state_owners": {f"{m}.{v}": so for (m, v), so in sorted(kernel_state.items())},
        "per_process_state": per_process,
        "crossings": crossings,
        "network_calls": sum(1 for c in crossings if c["becomes"] == "network call"),
        "local_copies": [
            {"function": f"{m}.{f}", "owner": owner[m], "reason": r}
            for (m, f), r in sorted(local_copies.items())
        ],
        "payload_flags": flags,
        "database": "shared: every service uses the monolith's database settings unchanged "
        "(a shared database is the honest first step of a strangler-fig split; "
        "give each service its own tables next)",
        "environment": app_env,
        "health_path": health,
        "live_path": live,
        "skipped_modules": skipped,
        "dependency_files": dep_files_rel,
        "not_carried": sorted(not_carried),
        "warnings": warnings,
    }
    files.append(
        GeneratedFile(
            "scaffold-report.json", (json.dumps(report, indent=2, sort_keys=True) + "\n").encode()
        )
    )
    files.append(
        GeneratedFile(
            "scaffold-report.md",
            env.get_template("report.md.j2").render(common, r=report, services=services).encode(),
        )
    )
    files.sort(key=lambda f: f.path)
    openapi = {s: f"services/{s}/openapi.json" for s in services}
    return ScaffoldResult(
        files, report, services, service_dirs, openapi, warnings + skipped, static_openapi
    )


def _place_data_files(
    root: Path,
    real: Mapping[str, list[str]],
    file_units: Mapping[str, list[str]],
    modules: Mapping[str, _Module],
    file_only: Mapping[str, tuple[str, str]],
    prefixes: dict[str, str],
) -> tuple[dict[str, list[DataFile]], list[str]]:
    """Which unit carries which data file, and what cannot be carried.

    A unit carries a data file when code it ships as itself (not as a stand-in) names it (a
    string literal holding its name or the name of its top folder below its package, such as
    ``"alembic.ini"`` or ``"static"``), and a data file inside a package that no code names goes
    with every unit that ships a module from the same folder. An entry bigger than
    :data:`~decompose.scaffold_files.MAX_ENTRY_BYTES` (or with more files than
    :data:`~decompose.scaffold_files.MAX_ENTRY_FILES`), and a named file above the source root,
    are reported, not carried.

    Returns:
        ``({unit: [DataFile]}, [one line per thing not carried])``.
    """
    sources: dict[str, tuple[str, str]] = {
        m: (mod.relpath, mod.source) for m, mod in modules.items()
    }
    sources.update(file_only)
    named_by: dict[str, set[str]] = {}
    for unit in real:
        for m in [*real[unit], *file_units.get(unit, [])]:
            for n in names_in(sources[m][1]):
                named_by.setdefault(n, set()).add(unit)
    all_named = frozenset(n for m, (_p, code) in sources.items() for n in names_in(code))
    data = find_data_files(root, [p for p, _ in sources.values()], prefixes, all_named)
    notes: list[str] = []
    groups: dict[tuple[str, str], list[DataFile]] = defaultdict(list)
    for df in data:
        groups[(df.anchor, df.entry)].append(df)
    too_big: set[tuple[str, str]] = set()
    for key, dfs in groups.items():
        size = sum(d.size for d in dfs)
        if size > MAX_ENTRY_BYTES or len(dfs) > MAX_ENTRY_FILES:
            too_big.add(key)
            notes.append(
                f"{posixpath.join(*[p for p in key if p])}: {len(dfs)} files, "
                f"{size / 1e6:.1f} MB: over the limit of {MAX_ENTRY_FILES} files or "
                f"{MAX_ENTRY_BYTES // 2**20} MiB; copy it into the services that need it"
            )
    unit_dirs = {
        u: {posixpath.dirname(sources[m][0]) for m in [*real[u], *file_units.get(u, [])]}
        for u in real
    }
    out: dict[str, list[DataFile]] = defaultdict(list)
    for df in data:
        if (df.anchor, df.entry) in too_big:
            continue
        units = set(named_by.get(df.entry, ()))
        if not units and df.inside and df.entry not in all_named:
            units = {u for u, dirs in unit_dirs.items() if df.anchor in dirs}
        for u in sorted(units):
            out[u].append(df)
    for path, name in above_source_root(root, prefixes):
        if name in named_by:
            users = ", ".join(sorted(u if u != GATEWAY else "gateway" for u in named_by[name]))
            notes.append(
                f"{path}: named by the code of {users}, but it lies outside the source root "
                "(a service's src/ has no place for it); copy it where the code looks for it"
            )
    return dict(out), notes


def _data_summary(dfs: list[DataFile]) -> list[str]:
    """One line per data entry a unit carries: ``path`` or ``folder/ (N files, X MB)``."""
    groups: dict[str, list[DataFile]] = defaultdict(list)
    for df in dfs:
        rel = df.src[len(df.anchor) + 1 :] if df.anchor else df.src
        groups[df.dest[: len(df.dest) - len(rel)] + df.entry].append(df)
    out = []
    for key, items in sorted(groups.items()):
        if len(items) == 1 and items[0].dest == key:
            out.append(key)
        else:
            size = sum(i.size for i in items) / 1e6
            out.append(f"{key}/ ({len(items)} files, {size:.1f} MB)")
    return out


_JSON_TYPES = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "dict": "dict",
    "Dict": "dict",
    "Mapping": "dict",
}


def _field_type(annotation: str) -> tuple[str, str]:
    """``(pydantic type, note)`` for a parameter or return annotation.

    JSON-native annotations (str, int, float, bool, dict and their Optional forms) become typed
    fields that also accept None (Python does not enforce annotations, and neither may the
    interface); anything else is ``Any`` and travels through the scaffold codec.
    """
    ann = annotation.strip().strip("'\"")
    if not ann:
        return "Any", "no annotation: any JSON value (scaffold codec)"
    opt = re.fullmatch(r"(?:typing\.)?Optional\[(.+)\]", ann)
    inner = opt.group(1) if opt else ann
    if not opt and "|" in ann:
        parts = [p.strip() for p in ann.split("|")]
        rest = [p for p in parts if p != "None"]
        inner = rest[0] if len(rest) == 1 else ann
    head = re.split(r"\[", inner, maxsplit=1)[0].strip().split(".")[-1]
    if head in _JSON_TYPES and (head == inner or inner.startswith(("dict[", "Dict[", "Mapping["))):
        return f"{_JSON_TYPES[head]} | None", f"from annotation `{ann}`"
    return "Any", f"annotation `{ann}` is not JSON: sent with the scaffold codec"


# BaseModel attributes a field must not shadow (names starting with ``model_`` are also avoided).
_PYDANTIC_RESERVED = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "fields",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
        "Config",
    }
)


def _endpoints(
    modules: Mapping[str, _Module], pairs: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    reserved = _PYDANTIC_RESERVED
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for m, name in pairs:
        fn: Function = modules[m].info.functions[name]
        base = _camel(m.split(".")[-1], name)
        cls = base
        i = 2
        while cls in used:
            cls = f"{base}{i}"
            i += 1
        used.add(cls)
        fields = []
        for p in fn.params:
            if p.kind == "vararg":
                typ, note, default = "Any", "positional arguments (*args)", " = None"
            elif p.kind == "varkw":
                typ, note, default = "Any", "keyword arguments (**kwargs)", " = None"
            else:
                typ, note = _field_type(p.annotation)
                default = " = None" if p.default or typ != "Any" else ""
                if p.default:
                    note += f"; default `{p.default}` applied by the service"
            fname = p.name
            alias = ""
            if fname.startswith("_") or fname in reserved or fname.startswith("model_"):
                fname, alias = f"p_{p.name.lstrip('_')}", p.name
            fields.append(
                {
                    "field": fname,
                    "type": typ,
                    "default": default,
                    "alias": alias,
                    "note": note.replace("\n", " "),
                    "annotation": "" if p.kind in ("vararg", "varkw") else p.annotation,
                    "default_source": p.default,
                }
            )
        rtype, rnote = _field_type(fn.returns)
        out.append(
            {
                "module": m,
                "name": name,
                "path": f"/{m}/{name}",
                "full_path": f"{RPC_PREFIX}/{m}/{name}",
                "req": f"{cls}Request",
                "resp": f"{cls}Response",
                "func": f"rpc_{cls}",
                "fields": fields,
                "result_type": rtype,
                "result_note": rnote,
                "is_async": fn.is_async,
                "returns": fn.returns,
            }
        )
    return out


# ---------------------------------------------------------------------------- OpenAPI
OPENAPI_MODES = ("static", "import", "none")


def add_openapi(
    result: ScaffoldResult,
    mode: str = "static",
    python: str = sys.executable,
    timeout: float = 120.0,
) -> list[str]:
    """Add each service's ``openapi.json`` to ``result.files``.

    Args:
        result: the planned scaffold.
        mode: ``static`` (default): the documents built from the facts
            (``result.static_openapi``); nothing is imported or run. ``import``: import each
            generated service app in a subprocess and write FastAPI's own document; this RUNS
            the service's code, and so the analyzed project's module-level code. The plan is
            written to a temporary folder first; each service's ``decompose_service.openapi``
            runs there with only that service's ``src`` on ``sys.path`` (in parallel); a service
            whose app cannot be imported here (a missing third-party package, say) gets its
            static document and a warning. ``none``: no document.
        python: the interpreter of the ``import`` mode.
        timeout: seconds each ``import`` subprocess may take.

    Returns:
        Warnings (one per service whose app could not be imported).

    Raises:
        UsageError: an unknown mode.
    """
    if mode not in OPENAPI_MODES:
        raise UsageError(f"unknown OpenAPI mode {mode!r} (expected one of {OPENAPI_MODES})")
    if mode == "none":
        return []
    if mode == "static":
        for s in result.services:
            if s in result.static_openapi:
                result.files.append(
                    GeneratedFile(result.openapi[s], dump(result.static_openapi[s]))
                )
        result.files.sort(key=lambda f: f.path)
        return []
    return _import_openapi(result, python, timeout)


def _import_openapi(result: ScaffoldResult, python: str, timeout: float) -> list[str]:
    from decompose.outputs import write_files

    warnings: list[str] = []
    fallback: list[str] = []
    with tempfile.TemporaryDirectory(prefix="decompose-scaffold-") as tmp:
        write_files(Path(tmp), result.files)
        procs: dict[str, subprocess.Popen[bytes]] = {}
        for s in result.services:
            src = Path(tmp) / result.service_dirs[s] / "src"
            env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0", DECOMPOSE_SERVICE=s)
            env.pop("PYTHONSTARTUP", None)
            procs[s] = subprocess.Popen(
                [
                    python,
                    "-I",
                    "-c",
                    "import sys; sys.path.insert(0, sys.argv[1]); import runpy; "
                    "runpy.run_module('decompose_service.openapi', run_name='__main__')",
                    str(src),
                ],
                cwd=str(src),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        for s, p in procs.items():
            try:
                out, err = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                warnings.append(f"{s}: OpenAPI generation timed out; wrote the static document")
                fallback.append(s)
                continue
            if p.returncode != 0:
                last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
                warnings.append(
                    f"{s}: could not import the generated app to write its OpenAPI "
                    f"document ({last[0]}); wrote the static document (run `python -m "
                    "decompose_service.openapi` where its dependencies are installed for "
                    "FastAPI's)"
                )
                fallback.append(s)
                continue
            try:
                doc = json.loads(out)
            except ValueError:
                warnings.append(
                    f"{s}: the OpenAPI generator printed no JSON; wrote the static document"
                )
                fallback.append(s)
                continue
            result.files.append(GeneratedFile(result.openapi[s], dump(doc)))
    for s in fallback:
        if s in result.static_openapi:
            result.files.append(GeneratedFile(result.openapi[s], dump(result.static_openapi[s])))
    result.files.sort(key=lambda f: f.path)
    return warnings


def select_services(result: ScaffoldResult, wanted: Iterable[str]) -> ScaffoldResult:
    """The part of a planned scaffold that holds only the named services' folders.

    Each selected folder is the same bytes as in the whole scaffold (the plan is made for every
    service, since a service's interface depends on what the others call). The gateway,
    ``docker-compose.yaml`` and the scaffold report are left out unless ``gateway`` is named.

    Args:
        result: the planned scaffold (before :func:`add_openapi`).
        wanted: service names, as in the boundaries or sanitised; ``gateway`` for the gateway.

    Returns:
        A new :class:`ScaffoldResult` with the selected files, services and OpenAPI paths.

    Raises:
        UsageError: a name that is no service of the scaffold.
    """
    choices = [*result.services, "gateway"]
    units: list[str] = []
    for name in wanted:
        unit = name if name in choices else safe_service_name(name)
        if unit not in choices:
            raise UsageError(
                f"--service {name!r}: no such service (services: {', '.join(choices)})"
            )
        if unit not in units:
            units.append(unit)
    dirs = {u: result.service_dirs.get(u, result.service_dirs[GATEWAY]) + "/" for u in units}
    files = [f for f in result.files if any(f.path.startswith(d) for d in dirs.values())]
    services = [s for s in result.services if s in units]
    return ScaffoldResult(
        files=files,
        report=result.report,
        services=services,
        service_dirs=result.service_dirs,
        openapi={s: p for s, p in result.openapi.items() if s in services},
        warnings=result.warnings,
        static_openapi={s: d for s, d in result.static_openapi.items() if s in services},
    )


# ---------------------------------------------------------------------------- boundaries
def out_inside(out: Path, root: Path) -> str | None:
    """A one-line warning when the output folder ``out`` is ``root`` or inside it (the next
    ``analyze`` of ``root`` would read the generated services as part of the project), else
    None. Symbolic links are resolved; ``out`` need not exist yet."""
    real_out, real_root = Path(os.path.realpath(out)), Path(os.path.realpath(root))
    if real_out != real_root and real_root not in real_out.parents:
        return None
    sibling = f"../{real_root.name or 'project'}-services"
    return (
        f"--out {out} is inside the analyzed project {root}: the next analyze would read the "
        f"generated services as project code; use a sibling folder such as {sibling}"
    )


def plan_from_boundaries(graph: Any, path: Path, settings: Any) -> Plan:
    """Build a :class:`~decompose.model.Plan` from a boundaries file: a ``boundaries.toml`` /
    ``decompose.toml`` (``[services.X] modules = [...]``, ``kernel = [...]``), a
    ``proposal.json``, or a truth file
    (``{"services": {name: [modules]}, "shared_kernel": [...]}``).

    Raises:
        UsageError: unreadable file or no service in it. ConfigError: invalid TOML.
    """
    from decompose.boundary import build_plan
    from decompose.interchange import expand, load_partition
    from decompose.model import Partition

    if not path.is_file():
        raise UsageError(f"boundaries file not found: {path}")
    try:
        raw = load_partition(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read boundaries {path}: {exc}") from exc
    mods = [m.name for m in graph.modules]
    assign = expand(raw, mods)
    assign = {m: s for m, s in assign.items() if m in set(mods)}
    if not any(s != KERNEL for s in assign.values()):
        raise UsageError(f"{path}: no service declares any analyzed module")
    part = Partition(
        tuple(sorted(assign.items())),
        "declared",
        0,
        1.0,
        tuple(sorted(m for m, s in assign.items() if s == KERNEL)),
    )
    return build_plan(graph, part, settings)
