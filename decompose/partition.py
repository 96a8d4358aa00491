"""Propose service boundaries: seeded community detection on the program graph.

Pipeline (every step deterministic for a given seed; see docs/quality.md for the measurements
behind each choice and the rule that fixes every parameter in advance):

1. **Projection** (:func:`project`): an undirected weighted module graph that *sums* both
   directions' weights (networkx's ``to_undirected`` keeps one direction's data; we do not use it).
   Import edges weigh ``w(kind) * (1 + ln(statements))``; call-graph edges are lifted to their
   modules with ``w(kind) * (1 + ln(count))`` (the ln(v)+1 weighting of Mono2Micro, Kalia et al.
   FSE 2021). An import of a package whose names the package only re-exports is attributed to
   the modules that define them (the ``reexport`` edges), so re-export hubs stop gluing domains.
2. **Shared kernel**: omnipresent modules (imported from a large share of the codebase, as
   Bunch's omnipresent-module rule, Mancoridis et al. ICSM 1999) and modules matching
   ``kernel`` patterns are taken out of the clustering and reported as a shared library.
3. **Semantic tokens** (default, off with ``names = false`` for name-blind evaluation): modules
   sharing a domain token in their dotted names (``routers/users.py``, ``models/users.py`` and
   ``services/user_manager.py`` share ``user``, :func:`domain_tokens`) are tied through one
   virtual node per token, the way a human groups them; a module's token ties weigh as much as
   its code ties (round 3), so in a codebase whose folders are layers the names can pull a
   vertical slice together against the layers' own imports.
4. **Omnipresent clients** (modules importing a large share of the code: ``main``, re-exporting
   layer packages) are set aside and attached after clustering (:func:`omnipresent_clients`).
   **Hub damping**: every directed weight divided by its source's out-strength times its
   target's in-strength, both directions then summed (:func:`directed_association_strength`;
   round 1 used the undirected :func:`association_strength`), so edges into modules everybody
   uses, and edges out of modules that use everything, count little.
5. **Leiden** (Traag, Waltman & van Eck, Sci. Rep. 2019) with the modularity objective through
   igraph, or Louvain (Blondel et al. 2008), at resolution 1 (the fixed rule; the stability
   profile of :func:`choose_resolution` is kept as an option); run from 32 seeds derived from
   ``seed`` and combined by **consensus clustering** (Lancichinetti & Fortunato, Sci. Rep. 2012)
   so the proposal does not change with the seed.
6. Tiny communities merged into their strongest neighbour; tests, usage examples, notebooks,
   namespace packages and isolated modules attached to the service they depend on most; config
   constraints (pin, together, apart, size bounds, target count) applied last.

Names on, a **client SDK** shipped beside the server (:func:`client_libraries`) is taken out of
steps 2-5 and made one group of its own, so no token tie glues its ``documents`` methods to the
server's ``documents`` slice; modules attached afterwards join it only when they use nothing
else (:func:`_apart_from_libraries`).
"""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from decompose.config import AnalyzeSettings, matches
from decompose.graph import RUNTIME_KINDS, ProgramGraph
from decompose.model import Partition

GENERIC_TOKENS = frozenset(
    """
    __init__ __main__ init main app apps application api apis base common core shared util utils
    utilities helper helpers lib libs misc tool tools types typing model models schema schemas
    service services router routers route routes view views controller controllers handler
    handlers endpoint endpoints serializer serializers form forms admin urls url settings config
    configs conf constants const exceptions errors error signals tasks task migrations migration
    management commands command templatetags tests test testing conftest fixtures repository
    repositories repo repos dao db database store stores storage crud interface interfaces
    adapter adapters mixins mixin managers manager middleware decorators decorator backend
    backends frontend client clients server servers internal impl src py contrib ext extensions
    plugin plugins provider providers domain entities entity dto dtos v1 v2 v3 cli scripts
    wsgi asgi celery worker workers jobs job pipelines pipeline orm rest http web
    """.split()
)
_TEST_RE = re.compile(r"(^|\.)(tests?|testing|conftest)(\.|$)|(^|\.)test_[^.]*$|_tests?$")
_CONSENSUS_RUNS = 32
_CONSENSUS_ROUNDS = 4
_RESOLUTION_GRID = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
_TOKEN_WEIGHT = 1.0
_TOKEN_SHARE = 1.0
_LEIDEN_MAX_ITERATIONS = 50


@dataclass(frozen=True, slots=True)
class Tuning:
    """Switches of the pipeline that are not user settings; used by bench/evaluate.py to measure
    what each step contributes (ablations). The defaults are the product.

    Attributes:
        reexport: discount imports of a re-exporting package in favour of the ``reexport`` edges
            to the defining modules (step 1).
        consensus_runs: runs per consensus round (1 = a single run, no consensus).
        normalize: damp hubs with :func:`association_strength` before clustering.
        resolution_rule: ``"fixed"`` (gamma = 1, the default) or ``"profile"`` (the stability
            profile of :func:`choose_resolution`, the first rule; measured worse, kept for the
            ablation table).
        damping: ``"directed"`` (:func:`directed_association_strength`, the default since round
            2) or ``"undirected"`` (:func:`association_strength` on the summed projection, round
            1); only used when ``normalize``.
        clients: set omnipresent clients aside (:func:`omnipresent_clients`) and attach them
            after clustering.
        token_share: names-on mode only: a module's ties to its domain tokens weigh together
            ``token_share`` times its code ties on the damped graph (split evenly over its
            tokens, at least one mean edge each); ``None`` gives every tie the weight of one
            mean edge (rounds 1-2).
        method: ``"modularity"`` (``settings.algorithm``: Leiden or Louvain with consensus, the
            default) or ``"infomap"`` (the map equation on the directed damped graph, measured in
            round 2 and not adopted).
    """

    reexport: bool = True
    consensus_runs: int = _CONSENSUS_RUNS
    normalize: bool = True
    resolution_rule: str = "fixed"
    damping: str = "directed"
    method: str = "modularity"
    clients: bool = True
    token_share: float | None = _TOKEN_SHARE


_MIGRATION_RE = re.compile(r"(^|\.)(migrations|alembic)(\.|$)")


def is_migration_module(module: str) -> bool:
    """True for schema migrations (``app.migrations.0001_initial``, Alembic ``versions``)."""
    return bool(_MIGRATION_RE.search(module))


_GENERATED_RE = re.compile(r"(_pb2|_pb2_grpc|_pb2_grpc_pb2)$")


def is_generated_module(module: str) -> bool:
    """True for code generated from an interface definition (protobuf/gRPC ``*_pb2``,
    ``*_pb2_grpc``): it belongs with the code that uses it, never forms a service."""
    return bool(_GENERATED_RE.search(module))


def is_test_module(module: str) -> bool:
    """True for test modules (``tests``/``test`` packages, ``test_*.py``, ``*_test.py``,
    ``conftest``)."""
    return bool(_TEST_RE.search(module))


@dataclass(frozen=True, slots=True)
class Projection:
    """Undirected weighted module graph.

    Attributes:
        nodes: sorted module names.
        edges: ``{(u, v): weight}`` with ``u < v``; both directions summed.
    """

    nodes: tuple[str, ...]
    edges: Mapping[tuple[str, str], float] = field(default_factory=dict)

    def neighbours(self) -> dict[str, dict[str, float]]:
        adj: dict[str, dict[str, float]] = {n: {} for n in self.nodes}
        for (u, v), w in self.edges.items():
            adj.setdefault(u, {})[v] = w
            adj.setdefault(v, {})[u] = w
        return adj


def project_directed(
    graph: ProgramGraph,
    weights: Mapping[str, float],
    calls: bool = True,
    nodes: Iterable[str] | None = None,
    reexport: bool = True,
) -> dict[tuple[str, str], float]:
    """Directed weighted module graph ``{(src, dst): weight}`` (dependent -> dependency).

    Same weighting as :func:`project` (step 1 of the module docstring), one entry per ordered
    pair; self-loops and zero weights dropped. Keys are sorted.
    """
    keep = (
        set(nodes)
        if nodes is not None
        else {m.name for m in graph.modules if m.kind != "namespace"}
    )
    acc: dict[tuple[str, str], float] = defaultdict(float)
    reexported: dict[str, set[str]] = defaultdict(set)
    for e in graph.imports:
        if e.kind == "reexport":
            reexported[e.src].add(e.dst)

    def add(a: str, b: str, w: float) -> None:
        if a == b or w <= 0 or a not in keep or b not in keep:
            return
        acc[(a, b)] += w

    for e in graph.imports:
        w = weights.get(e.kind, 0.0) * (1.0 + math.log(max(e.weight, 1)))
        if e.kind == "reexport" and not reexport:
            continue
        if (
            reexport
            and e.kind == "import"
            and any(d.startswith(e.dst + ".") for d in reexported.get(e.src, ()))
        ):
            w *= 0.25  # the package only hands the names on; the reexport edges carry them
        add(e.src, e.dst, w)
    if calls:
        for c in graph.calls:
            a = c.src.split(":", 1)[0]
            b = c.dst.split(":", 1)[0]
            add(a, b, weights.get(c.kind, 0.0) * (1.0 + math.log(max(c.count, 1))))
    return {k: v for k, v in sorted(acc.items()) if v > 0}


def project(
    graph: ProgramGraph,
    weights: Mapping[str, float],
    calls: bool = True,
    nodes: Iterable[str] | None = None,
    reexport: bool = True,
) -> Projection:
    """Build the undirected projection (step 1 of the module docstring).

    Args:
        graph: the program graph.
        weights: edge kind -> weight (see ``config.DEFAULT_WEIGHTS``).
        calls: also lift call-graph edges to module edges.
        nodes: restrict to these modules (default: every code module).
        reexport: attribute imports through re-exporting packages to the defining modules.

    Returns:
        A Projection whose weights are floats >= 0 (zero-weight edges dropped); both directions
        of :func:`project_directed` summed.
    """
    keep = (
        set(nodes)
        if nodes is not None
        else {m.name for m in graph.modules if m.kind != "namespace"}
    )
    return _symmetrise(project_directed(graph, weights, calls, keep, reexport), keep)


def _symmetrise(directed: Mapping[tuple[str, str], float], keep: Iterable[str]) -> Projection:
    """Both directions of ``directed`` summed, restricted to ``keep``."""
    keep = set(keep)
    acc: dict[tuple[str, str], float] = defaultdict(float)
    for (a, b), w in directed.items():
        if a in keep and b in keep:
            acc[(a, b) if a < b else (b, a)] += w
    edges = {k: round(v, 9) for k, v in sorted(acc.items()) if v > 0}
    return Projection(tuple(sorted(keep)), edges)


def association_strength(edges: Mapping[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Hub damping: each weight divided by the product of its endpoints' strengths.

    ``a(u, v) = w(u, v) / (s(u) * s(v))`` with ``s`` the weighted degree — the *association
    strength* of van Eck & Waltman, "How to normalize co-occurrence data", JASIST 60 (2009) — then
    rescaled so the mean edge weight is 1 (modularity is invariant to a global scale; the rescaling
    only keeps token edges of weight 1 comparable). An edge to a module that everything uses says
    little about where either end belongs; an edge between two modules that mostly talk to each
    other says a lot.

    Args:
        edges: ``{(u, v): weight}`` with weights > 0.

    Returns:
        The damped edges, same keys, mean weight 1 (empty for no edges).
    """
    strength: dict[str, float] = defaultdict(float)
    for (u, v), w in edges.items():
        strength[u] += w
        strength[v] += w
    raw = {k: w / (strength[k[0]] * strength[k[1]]) for k, w in sorted(edges.items())}
    if not raw:
        return {}
    mean = math.fsum(raw.values()) / len(raw)
    return {k: round(w / mean, 12) for k, w in raw.items()}


def directed_association_strength(
    edges: Mapping[tuple[str, str], float], symmetric: bool = True
) -> dict[tuple[str, str], float]:
    """Hub damping that respects direction, summed into an undirected graph.

    ``a(u -> v) = w(u -> v) / (out(u) * in(v))`` with ``out``/``in`` the weighted out- and
    in-strengths: the observed flow over the flow a directed configuration model expects, the
    null model of directed modularity (Leicht & Newman, "Community structure in directed
    networks", PRL 100, 2008) and the directed form of van Eck & Waltman's association strength.
    An import of a model that every view imports (large ``in``) and an import made by a view that
    imports everything (large ``out``) both count little; a dependency that is a large share of
    both its ends' traffic counts a lot. Both directions are then summed per pair and the result
    rescaled so the mean edge weight is 1 (as :func:`association_strength`).

    Args:
        edges: ``{(src, dst): weight}`` with weights > 0 (see :func:`project_directed`).
        symmetric: sum both directions per pair (the default); False keeps the directed edges
            (for Infomap).

    Returns:
        ``{(u, v): weight}`` with ``u < v`` (``(src, dst)`` when not ``symmetric``), mean
        weight 1 (empty for no edges).
    """
    out: dict[str, float] = defaultdict(float)
    inn: dict[str, float] = defaultdict(float)
    for (u, v), w in edges.items():
        out[u] += w
        inn[v] += w
    acc: dict[tuple[str, str], float] = defaultdict(float)
    for (u, v), w in sorted(edges.items()):
        key = (u, v) if u < v or not symmetric else (v, u)
        acc[key] += w / (out[u] * inn[v])
    if not acc:
        return {}
    mean = math.fsum(acc.values()) / len(acc)
    return {k: round(w / mean, 12) for k, w in sorted(acc.items())}


def detect_kernel(
    graph: ProgramGraph,
    candidates: Sequence[str],
    patterns: Iterable[str] = (),
    auto: bool = True,
    keep_out: Iterable[str] = (),
) -> tuple[str, ...]:
    """Modules taken out of clustering as the shared kernel.

    Rule (fixed in advance, docs/quality.md): a module is omnipresent when its number of distinct
    first-party importers (runtime import kinds, tests excluded) is at least
    ``max(5, 0.15 * n)`` where n is the number of candidate modules — Bunch's omnipresent rule
    scaled to the codebase. Modules matching a ``kernel`` pattern are always in it; modules in
    ``keep_out`` (pinned by the user to a service) are never detected.
    """
    cand = set(candidates)
    kept_out = set(keep_out)
    out = {m for m in cand if any(matches(m, p) for p in patterns)}
    if auto and len(cand) >= 12:
        importers: dict[str, set[str]] = defaultdict(set)
        for e in graph.imports:
            if e.kind in RUNTIME_KINDS and e.src in cand and e.dst in cand and e.src != e.dst:
                importers[e.dst].add(e.src)
        threshold = max(5.0, 0.15 * len(cand))
        declared = set(out)
        for m, srcs in importers.items():
            if len(srcs) >= threshold and m not in kept_out:
                out.add(m)
        out = _kernel_closure(graph, cand, out, declared)
    return tuple(sorted(out))


def _kernel_closure(
    graph: ProgramGraph, cand: set[str], kernel: set[str], declared: set[str]
) -> set[str]:
    """Make the kernel a library: it may not import services (``check`` reports that as
    DEC102). Every auto-detected member that imports a non-kernel first-party module leaves the
    kernel, until nothing changes (pulling its dependencies in instead was measured: it dragged
    whole layers into the kernel). Declared (``kernel`` pattern) members always stay."""
    deps: dict[str, set[str]] = defaultdict(set)
    for e in graph.imports:
        if e.kind in RUNTIME_KINDS and e.src in cand and e.dst in cand and e.src != e.dst:
            deps[e.src].add(e.dst)
    out = set(kernel)
    changed = True
    while changed:
        changed = False
        for m in sorted(out - declared):
            if not deps.get(m, set()) <= out:
                out.discard(m)
                changed = True
    return out


def omnipresent_clients(graph: ProgramGraph, candidates: Sequence[str]) -> tuple[str, ...]:
    """Composition roots: modules that import a large share of the codebase.

    Bunch sets aside omnipresent *clients* as well as omnipresent suppliers (Mancoridis et al.,
    ICSM 1999): a module that imports everything (``main.py`` wiring every router, a root
    ``urls.py``) says nothing about how the others group, yet with directed damping its edges to
    modules nobody else imports are strong. Same threshold as :func:`detect_kernel`: at least
    ``max(5, 0.15 * n)`` distinct first-party modules imported (runtime import kinds). These
    modules are clustered out and attached afterwards to the service they depend on most.
    """
    cand = set(candidates)
    if len(cand) < 12:
        return ()
    imported: dict[str, set[str]] = defaultdict(set)
    for e in graph.imports:
        if e.kind in RUNTIME_KINDS and e.src in cand and e.dst in cand and e.src != e.dst:
            imported[e.src].add(e.dst)
    threshold = max(5.0, 0.15 * len(cand))
    return tuple(sorted(m for m, dsts in imported.items() if len(dsts) >= threshold))


# HTTP client libraries: a component that reaches the server only through one of these talks to
# it over the network (``aiohttp`` counts; ``aiohttp.web`` is a server framework, see roles).
HTTP_CLIENT_IMPORTS = frozenset(
    {"requests", "httpx", "aiohttp", "urllib3", "http.client", "urllib.request", "websocket"}
)
# Roles of :data:`decompose.roles.FRAMEWORKS` that only server-side code imports: web frameworks,
# ORMs and database drivers, task queues (weight >= 2: ``uvicorn`` or ``redis`` alone do not say).
_SERVER_ROLES = frozenset({"api", "data_access", "worker"})
_CLIENT_MIN_MODULES = 3
_CLIENT_MIN_MIRRORS = 2
_CLIENT_KINDS = RUNTIME_KINDS | {"reexport"}
_EXAMPLE_RE = re.compile(r"(^|\.)examples?(\.|$)")


def is_example_module(module: str) -> bool:
    """True for usage examples (``examples``/``example`` packages): code written for the
    callers, run by hand, never deployed. Like tests they are attached to the code they use
    instead of forming (and naming) a service. ``demo`` is not one: ``mlflow.demo`` is a
    feature of the product."""
    return bool(_EXAMPLE_RE.search(module))


_TEMPLATE_RE = re.compile(
    r"(^|\.)(templates?|skeletons?|scaffolds?|scaffolding|cookiecutters?|boilerplates?"
    r"|[a-z]+_templates?)(\.|$)"
)


def is_template_path(module: str) -> bool:
    """True for a module inside a folder named like a project template (``templates``,
    ``template``, ``skeleton(s)``, ``scaffold(s)``, ``scaffolding``, ``cookiecutter(s)``,
    ``boilerplate(s)``, ``<word>_template(s)`` such as ``project_template``). The name alone
    does not make a template tree: :func:`template_modules` also asks that the product never
    imports it."""
    return bool(_TEMPLATE_RE.search(module))


def template_modules(graph: ProgramGraph) -> frozenset[str]:
    """Modules of project-template trees: skeleton code a ``init``/``start`` command copies out
    for the users (``feast/templates/<name>/feature_repo/*.py``,
    ``wagtail/project_template/``), never run by the product itself. Like tests and examples
    they are attached to the code they use instead of forming (and naming) a service.

    A template tree is the package at the first template-named component of a module's name
    (:func:`is_template_path`) together with everything below it, when it holds at least one
    Python module below the package itself (a ``templates`` folder of HTML files, or a
    ``templates.py`` module, is no such tree) and no module outside the tree imports any
    module in it (tests excepted: they may exercise a template). So ``django.template`` (the
    template engine, imported everywhere) and ``wagtail.utils.templates`` are product code.

    Args:
        graph: the program graph.

    Returns:
        The modules of every template tree (namespace packages included).
    """
    names = sorted(m.name for m in graph.modules)
    roots: set[str] = set()
    for m in names:
        found = _TEMPLATE_RE.search(m)
        if found is not None:
            roots.add(m[: found.end(2)])
    if not roots:
        return frozenset()
    tree_of: dict[str, str] = {}
    for m in names:
        found = _TEMPLATE_RE.search(m)
        if found is not None:
            tree_of[m] = m[: found.end(2)]
    kind = {m.name: m.kind for m in graph.modules}
    members: dict[str, list[str]] = defaultdict(list)
    for m, root in tree_of.items():
        members[root].append(m)
    imported: set[str] = set()
    for e in graph.imports:
        hit = tree_of.get(e.dst)
        if hit is not None and tree_of.get(e.src) != hit and not is_test_module(e.src):
            imported.add(hit)
    out: set[str] = set()
    for root in sorted(roots - imported):
        mods = members[root]
        if any(m != root and kind.get(m) != "namespace" for m in mods):
            out.update(mods)
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class ClientLibrary:
    """A client SDK shipped inside the codebase: a library for the server's callers, not a
    service (see :func:`client_libraries`).

    Attributes:
        modules: its modules, sorted.
        name: service name proposed for it (last component of the package holding most of it,
            ``client`` when none does).
        http_clients: the HTTP client libraries it imports (top-level names), sorted.
        mirrors: domain tokens it shares with the server's modules (``documents`` methods
            mirroring a ``documents_router``), sorted.
    """

    modules: tuple[str, ...]
    name: str
    http_clients: tuple[str, ...]
    mirrors: tuple[str, ...]


def _server_modules(graph: ProgramGraph, cand: set[str]) -> set[str]:
    """Modules importing a server-side framework (:data:`_SERVER_ROLES`, weight >= 2)."""
    from decompose.roles import framework_of

    out: set[str] = set()
    for e in graph.external:
        if e.src in cand and e.kind in RUNTIME_KINDS and e.src not in out:
            hit = framework_of(e.dst)
            if hit and any(r in _SERVER_ROLES and w >= 2 for r, w in hit[1]):
                out.add(e.src)
    return out


def reachable(start: Iterable[str], adj: Mapping[str, Iterable[str]]) -> set[str]:
    """``start`` and every node reachable from it along ``adj`` (``node -> successors``)."""
    seen = set(start)
    stack = sorted(seen)
    while stack:
        for nb in adj.get(stack.pop(), ()):
            if nb not in seen:
                seen.add(nb)
                stack.append(nb)
    return seen


def client_libraries(graph: ProgramGraph, candidates: Sequence[str]) -> tuple[ClientLibrary, ...]:
    """Client SDKs shipped beside the server: libraries for the callers, not services.

    The server side is every module importing a server framework (web framework, ORM or
    database driver, task queue: :data:`_SERVER_ROLES`), every module from which an import path
    reaches one, every module one of them imports (runtime and re-export imports), every
    package holding one and every package that imports server-side submodules of its own. The
    rest
    is split into its connected components; a component is a client library when it has at
    least :data:`_CLIENT_MIN_MODULES` modules, imports an HTTP client library
    (:data:`HTTP_CLIENT_IMPORTS`: it talks to the server over the network), lives in packages
    of its own (no module of it below the top level sits in a server-side package: embed
    finders calling oEmbed APIs from a server package are plugins of the server) and mirrors
    the server's names (at least :data:`_CLIENT_MIN_MIRRORS` :func:`domain_tokens` of module
    stems shared with the server-framework modules' stems, as ``sdk/documents.py`` mirrors
    ``routers/documents.py``). So no
    import path leads from a client library to the server code, the server imports none of it,
    and a data-contract package both sides import (pydantic models) stays on the server side.
    A codebase without server-framework modules has no client library (it may be one).

    Args:
        graph: the program graph.
        candidates: modules to consider (tests and migrations left out by the caller).

    Returns:
        The client libraries, largest first (then by first module).
    """
    cand = set(candidates)
    server = _server_modules(graph, cand)
    if not server:
        return ()
    out_adj: dict[str, set[str]] = defaultdict(set)
    in_adj: dict[str, set[str]] = defaultdict(set)
    for e in graph.imports:
        if e.kind in _CLIENT_KINDS and e.src in cand and e.dst in cand and e.src != e.dst:
            out_adj[e.src].add(e.dst)
            in_adj[e.dst].add(e.src)
    side = reachable(server, in_adj) | reachable(server, out_adj)
    # A package holding server-framework modules is the server's package, whatever its
    # ``__init__`` imports (``app/__init__`` re-exporting ``app.client``).
    side |= cand & {h.rsplit(".", i)[0] for h in server for i in range(1, h.count(".") + 1)}
    # A package importing server-side submodules of its own (``models/__init__`` re-exporting
    # the models both sides use) is part of that contract, whoever imports it.
    grown = True
    while grown:
        grown = False
        for m in sorted(cand - side):
            if any(d in side and d.startswith(m + ".") for d in out_adj.get(m, ())):
                side.add(m)
                grown = True
    rest = sorted(cand - side)
    rset = set(rest)
    und: dict[str, set[str]] = defaultdict(set)
    for a in rest:
        for b in out_adj.get(a, ()):
            if b in rset:
                und[a].add(b)
                und[b].add(a)
    http: dict[str, set[str]] = defaultdict(set)
    for e in graph.external:
        if e.src in rset and e.kind in RUNTIME_KINDS:
            parts = e.dst.split(".")
            for i in range(len(parts), 0, -1):
                if ".".join(parts[:i]) in HTTP_CLIENT_IMPORTS:
                    http[e.src].add(".".join(parts[:i]))
                    break
    server_tokens: set[str] = set()
    for m in server:
        server_tokens |= _stem_tokens(m)
    found: list[ClientLibrary] = []
    seen: set[str] = set()
    for m in rest:
        if m in seen:
            continue
        comp = sorted(reachable([m], und))
        seen.update(comp)
        libs = sorted({x for c in comp for x in http.get(c, ())})
        if len(comp) < _CLIENT_MIN_MODULES or not libs:
            continue
        if any(c.count(".") >= 2 and c.rsplit(".", 1)[0] in side for c in comp):
            continue  # plugins of a server package (``embeds/finders/oembed.py``), no SDK
        mirrors = sorted({t for c in comp for t in _stem_tokens(c)} & server_tokens)
        if len(mirrors) < _CLIENT_MIN_MIRRORS:
            continue
        found.append(ClientLibrary(tuple(comp), _client_name(comp), tuple(libs), tuple(mirrors)))
    found.sort(key=lambda c: (-len(c.modules), c.modules[0]))
    return tuple(found)


def _stem_tokens(module: str) -> set[str]:
    """:func:`domain_tokens` of a module's last component only (``sdk.methods.documents`` and
    ``app.routers.documents_router`` both give ``document``)."""
    return domain_tokens("_." + module.rsplit(".", 1)[-1])


def _client_name(mods: Sequence[str]) -> str:
    """Last component of the deepest package (top level included) holding more than half of
    ``mods``, else ``client``."""
    counts: dict[str, int] = defaultdict(int)
    for m in mods:
        parts = m.split(".")
        for d in range(1, len(parts) + 1):
            counts[".".join(parts[:d])] += 1
    best = ""
    for prefix, c in sorted(counts.items()):
        if c > len(mods) / 2 and c >= 2 and (not best or prefix.count(".") > best.count(".")):
            best = prefix
    return _ascii_name(best.rsplit(".", 1)[-1]) if best else "client"


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and len(word) > 3 and not word.endswith("ss"):
        return word[:-1]
    return word


def domain_tokens(module: str) -> set[str]:
    """Domain tokens of a dotted module name.

    Every component after the top-level package gives at most one token: its underscore-separated
    words without generic layer words (:data:`GENERIC_TOKENS`) or digits, each singularised
    (``ies`` -> ``y``, a trailing ``s`` dropped), joined again with ``_``. So
    ``shop.routers.orders`` -> ``{"order"}``, ``shop.services.order_manager`` -> ``{"order"}``,
    ``shop.orm.sandbox_configs`` -> ``{"sandbox"}`` and ``app.data_import.views`` ->
    ``{"data_import"}`` (a compound name stays one token, so ``data_import`` and ``data_export``
    are not tied through ``data``). Words of three letters or more that begin the top-level
    package's name are the project's brand, not a domain: ``zenml.zen_server.routers.users`` and
    ``zenml.zen_stores.schemas.user_schemas`` both give ``{"user"}``, not ``zen`` (which tied
    every module of both folders together).

    Args:
        module: dotted module name.

    Returns:
        The set of tokens (empty for a module whose components are all generic).
    """
    out: set[str] = set()
    top, _, rest = module.lower().partition(".")
    for comp in rest.split(".") if rest else ():
        words = [w for w in comp.strip("_").split("_") if w]
        kept = [
            _singular(w)
            for w in words
            if w not in GENERIC_TOKENS
            and not w.isdigit()
            and _singular(w) not in GENERIC_TOKENS
            and not (len(w) >= 3 and top.startswith(w))
        ]
        if kept:
            out.add("_".join(kept))
    return out


def token_ties(
    modules: Sequence[str], edges: Mapping[tuple[str, str], float], share: float | None
) -> dict[tuple[str, str], float]:
    """Ties between modules and virtual domain-token nodes (step 3 of the module docstring).

    One virtual node ``"\\x00token:<t>"`` per token of :func:`domain_tokens` held by at least 2
    and at most half of ``modules``. A module's ties weigh together ``share`` times its strength
    on ``edges`` (its code ties), split evenly over its tokens, and at least 1 (one mean edge of
    the damped graph) each; ``share=None`` gives every tie weight 1 (rounds 1-2).

    Args:
        modules: the modules being clustered.
        edges: ``{(u, v): weight}`` of the damped graph (mean weight 1).
        share: token weight relative to code weight, or None.

    Returns:
        ``{(a, b): weight}`` with ``a < b``, one entry per (module, token) tie, sorted.
    """
    by_token: dict[str, list[str]] = defaultdict(list)
    for m in modules:
        for t in domain_tokens(m):
            by_token[t].append(m)
    kept = {
        t: mods
        for t, mods in sorted(by_token.items())
        if 2 <= len(mods) <= max(2, len(modules) // 2)
    }
    strength: dict[str, float] = defaultdict(float)
    for (u, v), w in edges.items():
        strength[u] += w
        strength[v] += w
    per_module: dict[str, int] = defaultdict(int)
    for mods in kept.values():
        for m in mods:
            per_module[m] += 1
    out: dict[tuple[str, str], float] = {}
    for t, mods in kept.items():
        tn = f"\x00token:{t}"
        for m in mods:
            key = (m, tn) if m < tn else (tn, m)
            weight = _TOKEN_WEIGHT
            if share is not None:
                weight = max(_TOKEN_WEIGHT, share * strength[m] / per_module[m])
            out[key] = weight
    return dict(sorted(out.items()))


def package_ties(
    graph: ProgramGraph, modules: Sequence[str], edges: Mapping[tuple[str, str], float]
) -> dict[tuple[str, str], float]:
    """``seed_from_packages``: today's package structure as a prior.

    One virtual node ``"\\x00package:<label>"`` per first package under the top level
    (``interchange.package_structure``, the reference ``decompose score`` uses for a project
    folder) with at least 2 of ``modules``; each module tied to it as strongly as to all its code
    (its strength on ``edges``, at least 1). A module then leaves its package only when its code
    pulls it elsewhere harder than the package holds it: a proposal that starts from today's
    structure and moves what the dependencies clearly say.

    Args:
        graph: the program graph (for which modules are packages).
        modules: the modules being clustered.
        edges: ``{(u, v): weight}`` of the damped graph.

    Returns:
        ``{(package node, module): weight}``, sorted.
    """
    from decompose.interchange import package_structure

    every = package_structure((m.name, m.kind == "package") for m in graph.modules)
    by_pkg: dict[str, list[str]] = defaultdict(list)
    for m in modules:
        if m in every:
            by_pkg[every[m]].append(m)
    strength: dict[str, float] = defaultdict(float)
    for (u, v), w in edges.items():
        strength[u] += w
        strength[v] += w
    out: dict[tuple[str, str], float] = {}
    for label, mods in sorted(by_pkg.items()):
        if len(mods) < 2:
            continue
        for m in mods:
            out[(f"\x00package:{label}", m)] = max(_TOKEN_WEIGHT, strength[m])
    return dict(sorted(out.items()))


def _igraph_graph(nodes: Sequence[str], edges: Mapping[tuple[str, str], float]) -> object:
    import igraph as ig

    index = {n: i for i, n in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for (u, v) in edges], directed=False)
    g.es["weight"] = list(edges.values())
    return g


def _igraph_membership(
    nodes: Sequence[str],
    edges: Mapping[tuple[str, str], float],
    resolution: float,
    seed: int,
    algorithm: str,
    built: object | None = None,
) -> list[int]:
    """One run of Louvain or Leiden; ``built`` is the igraph Graph of ``(nodes, edges)`` when the
    caller already made it (consensus rounds reuse one)."""
    import igraph as ig

    g: ig.Graph = built if built is not None else _igraph_graph(nodes, edges)
    rng = random.Random(seed)
    ig.set_random_number_generator(rng)
    try:
        if algorithm == "louvain":
            # igraph's multilevel visits nodes in a random order drawn from its RNG.
            cl = g.community_multilevel(weights="weight", resolution=resolution)
        else:
            # Iterate until an iteration changes nothing, as igraph's n_iterations=-1 does, but
            # at most _LEIDEN_MAX_ITERATIONS times: with a random refinement (beta) some graphs
            # alternate between equally good partitions forever (seen: 40 packages importing 6
            # others each, names on, > 5 min).
            membership: list[int] | None = None
            for _ in range(_LEIDEN_MAX_ITERATIONS):
                cl = g.community_leiden(
                    objective_function="modularity",
                    weights="weight",
                    resolution=resolution,
                    n_iterations=1,
                    beta=0.01,
                    initial_membership=membership,
                )
                if cl.membership == membership:
                    break
                membership = list(cl.membership)
    finally:
        ig.set_random_number_generator(random)
    return list(cl.membership)


def _canonical(membership: Sequence[int], nodes: Sequence[str]) -> dict[str, int]:
    """Relabel communities by their smallest node name so equal partitions compare equal."""
    first: dict[int, str] = {}
    for n, c in zip(nodes, membership, strict=True):
        if c not in first or n < first[c]:
            first[c] = n
    order = {c: i for i, c in enumerate(sorted(first, key=lambda c: first[c]))}
    return {n: order[c] for n, c in zip(nodes, membership, strict=True)}


def communities(
    nodes: Sequence[str],
    edges: Mapping[tuple[str, str], float],
    resolution: float,
    seed: int,
    algorithm: str = "leiden",
    runs: int = _CONSENSUS_RUNS,
) -> dict[str, int]:
    """Consensus community detection.

    Runs the algorithm ``runs`` times with seeds derived from ``seed``, keeps the original edges
    whose endpoints were grouped together in at least half of the runs (weighted by that share),
    and repeats on that consensus graph until every run agrees (at most 4 rounds), after
    Lancichinetti & Fortunato, "Consensus clustering in complex networks", Sci. Rep. 2 (2012).

    Returns:
        ``{node: community index}``, communities numbered by their smallest node name.
    """
    nodes = sorted(nodes)
    if not nodes:
        return {}
    if not edges:
        return {n: i for i, n in enumerate(nodes)}
    cur = dict(sorted(edges.items()))
    result: dict[str, int] = {}
    for rnd in range(_CONSENSUS_ROUNDS):
        built = _igraph_graph(nodes, cur)
        parts = [
            _canonical(
                _igraph_membership(
                    nodes, cur, resolution, seed * 1000 + rnd * 97 + r, algorithm, built
                ),
                nodes,
            )
            for r in range(runs)
        ]
        result = parts[0]
        if all(p == parts[0] for p in parts[1:]):
            return result
        consensus: dict[tuple[str, str], float] = {}
        for (u, v), w in cur.items():
            share = sum(1 for p in parts if p[u] == p[v]) / runs
            if share >= 0.5:
                consensus[(u, v)] = share * w
        if not consensus:
            break
        cur = consensus
        # Best-modularity run of the last round is the fallback when runs still disagree.
    return result


def infomap(
    nodes: Sequence[str], edges: Mapping[tuple[str, str], float], seed: int, trials: int = 10
) -> dict[str, int]:
    """Infomap (the map equation; Rosvall & Bergstrom, PNAS 105, 2008) on a directed graph.

    igraph's ``community_infomap`` with ``trials`` attempts, its random numbers drawn from a
    ``random.Random(seed)`` so the result is deterministic for a seed.

    Returns:
        ``{node: community index}``, communities numbered by their smallest node name.
    """
    import igraph as ig

    nodes = sorted(nodes)
    index = {n: i for i, n in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in edges], directed=True)
    g.es["weight"] = list(edges.values())
    ig.set_random_number_generator(random.Random(seed))
    try:
        cl = g.community_infomap(edge_weights="weight", trials=trials)
    finally:
        ig.set_random_number_generator(random)
    return _canonical(list(cl.membership), nodes)


def choose_resolution(
    nodes: Sequence[str], edges: Mapping[tuple[str, str], float], seed: int, algorithm: str
) -> tuple[float, list[dict[str, float]]]:
    """The fixed rule for the resolution (written down before any evaluation, docs/quality.md).

    For each gamma in (0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3), run the algorithm from 4 seeds and
    measure the mean pairwise MoJoFM between the runs (stability) and the number of communities
    with at least 2 modules. Keep the gammas whose stability is within 2 points of the best;
    among them take the one whose community count is closest to sqrt(n / 2) (the classical
    rule-of-thumb cluster count, Mardia et al. 1979), the smaller gamma on ties.

    Returns:
        (gamma, profile) with one ``{"resolution", "stability", "communities"}`` row per gamma.
    """
    from decompose.metrics import stability

    target = math.sqrt(max(len(nodes), 2) / 2.0)
    profile: list[dict[str, float]] = []
    for gamma in _RESOLUTION_GRID:
        runs = []
        for r in range(4):
            m = _canonical(
                _igraph_membership(list(nodes), edges, gamma, seed * 7919 + r, algorithm),
                list(nodes),
            )
            runs.append({n: str(c) for n, c in m.items()})
        sizes: dict[str, int] = defaultdict(int)
        for c in runs[0].values():
            sizes[c] += 1
        k = sum(1 for s in sizes.values() if s >= 2)
        profile.append(
            {"resolution": gamma, "stability": round(stability(runs), 3), "communities": float(k)}
        )
    best = max(p["stability"] for p in profile)
    ok = [p for p in profile if p["stability"] >= best - 2.0]
    chosen = min(ok, key=lambda p: (abs(p["communities"] - target), p["resolution"]))
    return chosen["resolution"], profile


def _merge_small(
    assign: dict[str, int], adj: Mapping[str, Mapping[str, float]], min_size: int
) -> dict[str, int]:
    """Merge communities smaller than ``min_size`` into the neighbour community they are most
    connected to (communities without any connection are left for the attach step)."""
    changed = True
    while changed:
        changed = False
        members: dict[int, list[str]] = defaultdict(list)
        for n, c in assign.items():
            members[c].append(n)
        for c in sorted(members, key=lambda c: (len(members[c]), min(members[c]))):
            if len(members[c]) >= min_size or len(members) <= 1:
                continue
            pull: dict[int, float] = defaultdict(float)
            for n in members[c]:
                for nb, w in adj.get(n, {}).items():
                    oc = assign.get(nb)
                    if oc is not None and oc != c:
                        pull[oc] += w
            if not pull:
                continue
            target = max(sorted(pull), key=lambda k: pull[k])
            for n in members[c]:
                assign[n] = target
            changed = True
            break
    return assign


def _attach(
    assign: dict[str, int], pending: Sequence[str], adj: Mapping[str, Mapping[str, float]]
) -> dict[str, int]:
    """Give each pending module the community it is most connected to, iterating so chains of
    pending modules settle; leftovers go to the community of the nearest module by name."""
    left = list(pending)
    for _ in range(5):
        nxt: list[str] = []
        for n in left:
            pull: dict[int, float] = defaultdict(float)
            for nb, w in adj.get(n, {}).items():
                c = assign.get(nb)
                if c is not None:
                    pull[c] += w
            if pull:
                assign[n] = max(sorted(pull), key=lambda k: pull[k])
            else:
                nxt.append(n)
        if len(nxt) == len(left):
            break
        left = nxt
    if assign:
        placed = sorted(assign)
        keyed = sorted((tuple(p.split(".")), p) for p in placed)
        for n in left:
            best = _nearest_by_name(n, keyed)
            if _common_prefix(n, best) == 0:
                sizes: dict[int, int] = defaultdict(int)
                for c in assign.values():
                    sizes[c] += 1
                assign[n] = max(sorted(sizes), key=lambda c: sizes[c])
            else:
                assign[n] = assign[best]
    else:
        for i, n in enumerate(sorted(left)):
            assign[n] = i
    return assign


def _nearest_by_name(name: str, keyed: Sequence[tuple[tuple[str, ...], str]]) -> str:
    """The placed module sharing the most leading name components with ``name`` (the greatest
    name on ties), found by bisection in ``keyed`` (component tuples, sorted): the longest
    common prefix is reached next to ``name``'s position, and all modules sharing it are one
    contiguous run."""
    import bisect

    parts = tuple(name.split("."))
    i = bisect.bisect_left(keyed, (parts, ""))
    best = 0
    for j in (i - 1, i):
        if 0 <= j < len(keyed):
            best = max(best, _common_prefix(name, keyed[j][1]))
    if best == 0:
        return max(p for _, p in keyed)
    prefix = parts[:best]
    lo = bisect.bisect_left(keyed, (prefix, ""))
    run = []
    for k in range(lo, len(keyed)):
        if keyed[k][0][:best] != prefix:
            break
        run.append(keyed[k][1])
    return max(run)


def _common_prefix(a: str, b: str) -> int:
    pa, pb = a.split("."), b.split(".")
    n = 0
    for x, y in zip(pa, pb):  # noqa: B905
        if x != y:
            break
        n += 1
    return n


def _common_package(mods: Sequence[str]) -> str:
    """Last component of the longest dotted prefix shared by every module, lower-cased."""
    split = [m.split(".") for m in mods if "/" not in m]
    if not split:
        return ""
    prefix = split[0]
    for parts in split[1:]:
        n = 0
        while n < min(len(prefix), len(parts)) and prefix[n] == parts[n]:
            n += 1
        prefix = prefix[:n]
    while prefix and _is_dunder(prefix[-1]):
        prefix = prefix[:-1]
    return prefix[-1].lower().strip("_") if prefix else ""


def _packages(module: str) -> list[str]:
    """The dotted prefixes of ``module`` below the top level (``top.pkg`` or deeper), itself
    included."""
    parts = module.split(".")
    return [".".join(parts[:d]) for d in range(2, len(parts) + 1)]


def _majority_package(
    mods: Sequence[str], package_total: Mapping[str, int] | None = None
) -> tuple[str, float, float]:
    """The package below the top level (``top.pkg`` or deeper) that holds more than half of
    ``mods`` (the package itself counts as inside it) and best coincides with them: the highest
    F-measure of "the codebase's modules in the package" against ``mods`` (precision: share of
    the package's modules in ``mods``, from ``package_total``; recall: share of ``mods`` in the
    package), a package named by a generic or status word (:func:`_is_generic`) at half
    weight, the deeper package on ties. So ``server.mcp`` (18 of 24, all of its
    modules) names an MCP server rather than its ``server.mcp.sql`` sub-package (14 of 24), and
    ``data_sources`` beats its ``data_sources.contrib``. Packages named like migrations or tests
    (:data:`_NEVER_NAMES`) never qualify.

    Returns:
        ``(last component lower-cased, F-measure, precision)``, or ``("", 0.0, 0.0)``.
    """
    names = [m for m in mods if "/" not in m]
    if len(names) < 2:
        return "", 0.0, 0.0
    counts: dict[str, int] = defaultdict(int)
    for m in names:
        for prefix in _packages(m):
            counts[prefix] += 1
    half = len(names) / 2
    best, best_key, precision = "", (-1.0, -1), 0.0
    for prefix, c in sorted(counts.items()):
        last = prefix.rsplit(".", 1)[-1].lower().strip("_")
        if (
            c <= half
            or c < 2
            or last in _NEVER_NAMES
            or _is_dunder(prefix.rsplit(".", 1)[-1])
            or (prefix in names and c == 1)
        ):
            continue
        total = max((package_total or {}).get(prefix, c), c)
        f = round(_f_measure(c / total, c / len(names)), 9)
        key = (round(f * (0.5 if _is_generic(last) else 1.0), 9), prefix.count("."))
        if key > best_key:
            best, best_key, precision = prefix, key, c / total
    if not best:
        return "", 0.0, 0.0
    last = best.rsplit(".", 1)[-1].lower().strip("_")
    return last, best_key[0] * (2.0 if _is_generic(last) else 1.0), precision


# Words that name a tool or a folder of non-product code, never a capability: a service is not
# called after its schema migrations or its tests.
_NEVER_NAMES = frozenset(
    "alembic migration migrations migrate test tests testing conftest fixtures".split()
)
# Generic words that still say how the system is reached: a group that *is* the CLI or the API
# package keeps that name rather than one of its words (``cli``, not ``argument``).
_ENTRY_WORDS = frozenset("api apis cli server web http rest admin worker workers".split())
_WORD_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")


# Words that say how code is kept, not what it does (naming only; ties keep GENERIC_TOKENS).
_STATUS_WORDS = frozenset(
    "generated experimental legacy deprecated vendor vendored third_party compat".split()
)


def _is_generic(token: str) -> bool:
    """A generic layer word (:data:`GENERIC_TOKENS`) or a status word (``generated``)."""
    word = token.lower().strip("_")
    return any(w in GENERIC_TOKENS or w in _STATUS_WORDS for w in (word, _singular(word)))


_DUNDER_RE = re.compile(r"^__\w+__$")


def _is_dunder(component: str) -> bool:
    """A dunder module or package name (``__about__``, ``__version__``, ``__main__``): it says
    how Python finds the code, never what the code does, so it names no service."""
    return bool(_DUNDER_RE.match(component))


def _name_words(module: str) -> dict[str, str]:
    """Domain words of a dotted module name for naming: every component after the top level
    split at ``_`` and at CamelCase (``types.DatasetExample`` -> ``dataset``, ``example``),
    lower-cased and singularised, without generic layer words (:data:`GENERIC_TOKENS`),
    migration/test words (:data:`_NEVER_NAMES`), words under three letters or the project's
    brand word (one beginning the top-level package's name).

    Returns:
        ``{word: its spelling in the name}`` (``{"prompt": "prompts"}``); of two spellings in
        one name, the lesser.
    """
    top, _, rest = module.partition(".")
    out: dict[str, str] = {}
    for comp in rest.split(".") if rest else ():
        if _is_dunder(comp):
            continue
        for raw in _WORD_RE.findall(comp):
            w = _singular(raw.lower())
            if (
                len(w) >= 3
                and not _is_generic(raw.lower())
                and not _is_generic(w)
                and w not in _NEVER_NAMES
                and not top.lower().startswith(w)
            ):
                out[w] = min(out.get(w, raw.lower()), raw.lower())
    return out


def _never_names(module: str) -> bool:
    """True for modules attached after clustering whatever the settings (migrations, usage
    examples, generated stubs): they never name a service."""
    return is_migration_module(module) or is_example_module(module) or is_generated_module(module)


def _ascii_name(token: str) -> str:
    """A service name from a token: ASCII (service names become folders, Python packages and
    container names), accents dropped and ``ß`` spelled ``ss`` (``größe`` -> ``grosse``), other
    characters as ``_``."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", token.lower().replace("ß", "ss"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9_]+", "_", plain).strip("_")


def _f_measure(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def name_services(
    groups: Mapping[int, Sequence[str]],
    taken: Iterable[str] = (),
    only: Iterable[int] | None = None,
    *,
    migrations: Mapping[int, Sequence[str]] | None = None,
    entries: Iterable[str] = (),
) -> dict[int, str]:
    """Readable, unique, deterministic names from the modules of each group (of the groups in
    ``only`` when given; the others still count for how specific a token is).

    A group is named after the package (below the top level) that holds most of its modules
    and best coincides with them (:func:`_majority_package`: ``training`` for ``app.training.*``
    plus a router; ``mcp`` rather than its ``mcp.sql`` sub-package). When that package's name is
    a generic layer word (``types``, ``api``, :data:`GENERIC_TOKENS`), a domain word of the
    module names (:func:`_name_words`, split at ``_`` and CamelCase) carried by at least a
    quarter of the group (two modules at least) names it instead when it describes the group
    better (F-measure below, the layer word at half weight): 27 of
    ``server.api.types.*``'s 150 modules about datasets and experiments are ``experiment``, not
    ``types``. Otherwise, and when that name is taken, after the token (package or module stem)
    that best describes it: the highest F-measure of "modules carrying the token" against the
    group (precision: share of the token's modules in the group; recall: share of the group
    carrying it), generic layer words at half weight, tokens carried by a single module of a
    group of three or more after all others, ties broken by the token; duplicates get the next
    token, then a numeric suffix. Migration and test words (``alembic``, ``migrations``:
    :data:`_NEVER_NAMES`) come last of all; dunder modules (``__about__``, ``__main__``)
    name nothing.

    Two facts from outside the names refine this (:func:`_purpose_name`): a group whose
    attached schema ``migrations`` outnumber its product modules is named for the app owning
    them (``langflow`` for ``langflow.alembic``, ``users`` for ``app.users.migrations``); a
    group holding one of the ``entries`` (modules that build the web application:
    ``FastAPI()``, ``Flask(__name__)``) is named for that application (``http`` for
    ``api.http.initialize`` with its ``api.http.namespaces``; ``app`` for a top-level
    ``main``) when its best name is a generic layer word or a sub-package of the
    application's own package.

    Args:
        groups: ``group id -> modules`` that may name it (attached modules left out).
        taken: names already used (``kernel``, client libraries).
        only: the groups to name (default: all).
        migrations: ``group id -> schema migrations attached to it``.
        entries: modules that build a web application.

    Returns:
        ``{group id: name}``.
    """
    tokens_of: dict[int, dict[str, int]] = {}
    total: dict[str, int] = defaultdict(int)
    package_total: dict[str, int] = defaultdict(int)
    words_of: dict[int, dict[str, int]] = {}
    spelling_of: dict[int, dict[str, str]] = {}
    word_total: dict[str, int] = defaultdict(int)
    for gid, mods in groups.items():
        counts: dict[str, int] = defaultdict(int)
        words: dict[str, int] = defaultdict(int)
        spellings: dict[tuple[str, str], int] = defaultdict(int)
        for m in mods:
            parts = [p for p in re.split(r"[./]", m) if p]
            toks = {p.lower().strip("_") for p in parts[1:] or parts if not _is_dunder(p)}
            toks = {t for t in toks if t and t not in ("__init__", "init", "py", "ipynb")}
            for t in toks:
                counts[t] += 1
            if "/" not in m:
                for prefix in _packages(m):
                    package_total[prefix] += 1
                for w, raw in _name_words(m).items():
                    words[w] += 1
                    spellings[(w, raw)] += 1
        common = _common_package(mods)
        if common:
            counts[common] = max(counts.get(common, 0), len(mods))
        tokens_of[gid] = counts
        words_of[gid] = words
        # each word spelled as the group mostly spells it (``prompts`` stays plural)
        spelling_of[gid] = {
            w: max(sorted(r for v, r in spellings if v == w), key=lambda r: spellings[(w, r)])
            for w in words
        }
        for t, c in counts.items():
            total[t] += c
        for w, c in words.items():
            word_total[w] += c
    used = set(taken)
    entry_set = frozenset(entries)
    names: dict[int, str] = {}
    wanted = set(groups) if only is None else set(only) & set(groups)
    for gid in sorted(wanted, key=lambda g: (-len(groups[g]), min(groups[g]) if groups[g] else "")):
        counts = tokens_of[gid]
        size = max(len(groups[gid]), 1)
        # F-measure of "the modules carrying t" against the group: precision = share of t's
        # modules inside the group, recall = share of the group carrying t; so neither a token
        # on 2 of 24 modules nor one on every module of the codebase wins.
        fit = {
            t: _f_measure(c / max(total[t], 1), min(c / size, 1.0))
            * (0.5 if t in GENERIC_TOKENS else 1.0)
            for t, c in counts.items()
        }
        ranked = sorted(counts, key=lambda t: (t in _NEVER_NAMES, -round(fit[t], 9), t))
        tops = sorted(m for m in groups[gid] if "." not in m and "/" not in m)
        if tops and size >= 3 and ranked and counts[ranked[0]] <= 1:
            # The project's root package with odds and ends (app factory, settings, logging):
            # no word of one module names it better than the package itself.
            ranked = [tops[0].lower(), *[t for t in ranked if t != tops[0].lower()]]
        home, home_fit, home_precision = _majority_package(groups[gid], package_total)
        if home and _is_generic(home) and home not in _ENTRY_WORDS and home_precision < 0.5:
            # The group is a slice of a layer package (a minority of its modules): a domain
            # word says which slice.
            need = max(2, math.ceil(size / 4))
            wfit = {
                w: _f_measure(c / max(word_total[w], 1), min(c / size, 1.0))
                for w, c in words_of[gid].items()
                if c >= need
            }
            better = [
                spelling_of[gid][w]
                for w in sorted(wfit, key=lambda w: (-wfit[w], w))
                if wfit[w] > 0.5 * home_fit
            ]
            ranked = [*better, home, *[t for t in ranked if t != home and t not in better]]
        elif home:
            ranked = [home, *[t for t in ranked if t != home]]
        purpose = _purpose_name(
            groups[gid], (migrations or {}).get(gid, ()), entry_set, ranked[0] if ranked else ""
        )
        if purpose:
            ranked = [purpose, *[t for t in ranked if t != purpose]]
        name = ""
        for t in ranked:
            cand = _ascii_name(t) or "service"
            if cand[0].isdigit():
                cand = "s_" + cand
            if cand not in used:
                name = cand
                break
        if not name:
            base = _ascii_name(ranked[0]) if ranked else "service"
            base = base or "service"
            i = 2
            while f"{base}_{i}" in used:
                i += 1
            name = f"{base}_{i}"
        used.add(name)
        names[gid] = name
    return names


_SCHEMA_ONLY_MODULES = 3  # product modules a group may hold and still be "the schema's home"


def _purpose_name(
    mods: Sequence[str], migrations: Sequence[str], entries: frozenset[str], best: str
) -> str:
    """The name a group's purpose gives it, or ``""`` (see :func:`name_services`).

    Migrations first: when ``migrations`` outnumber ``mods`` the group is the schema's home,
    named for the app owning most of them (the package holding their ``migrations`` or
    ``alembic`` folder; a generic app word such as ``core`` below the top level gives no name;
    the project's top-level package names it only when ``mods`` are at most
    :data:`_SCHEMA_ONLY_MODULES`).
    Then the web application: the first of ``entries`` in ``mods`` (sorted), whose package
    names it (``app`` when that package is the top level or a generic non-entry word), used when
    ``best`` is a generic layer word (not an entry word such as ``api``) or when more than half of
    ``mods`` lie below the application's package and ``best`` is one of their components there
    (``namespaces`` under ``api.http``).
    """
    if migrations and len(migrations) >= len(mods):
        apps: dict[str, int] = defaultdict(int)
        for m in migrations:
            found = _MIGRATION_RE.search(m)
            if found is not None and found.start() > 0:
                apps[m[: found.start()]] += 1
        if apps:
            app = max(sorted(apps), key=lambda a: apps[a])
            word = app.rsplit(".", 1)[-1]
            # The project's own top-level migrations join the models they migrate
            # (:func:`_migration_home`): the project's name fits only a group that is the
            # schema and little else, never a product group that also holds them.
            # Below the top level the app names the group when its own modules are a fair share
            # of the group's code (a Django app), not when only its migration tool sits there
            # beside other features (invokeai's ``shared.sqlite_migrator`` in a 26-module group).
            small = len(mods) <= _SCHEMA_ONLY_MODULES
            own = sum(1 for m in mods if m == app or m.startswith(app + "."))
            if ("." not in app and small) or (
                "." in app and not _is_generic(word) and (small or 3 * own >= len(mods))
            ):
                return word.lower().strip("_") or word.lower()
    found_entries = sorted(m for m in mods if m in entries)
    if not found_entries:
        return ""
    entry = found_entries[0]
    pkg = entry.rsplit(".", 1)[0] if "." in entry else entry
    last = pkg.rsplit(".", 1)[-1].lower().strip("_")
    own = "." in pkg and not (_is_generic(last) and last not in _ENTRY_WORDS)
    app_name = last if own else "app"
    if best and _is_generic(best) and best not in _ENTRY_WORDS:
        return app_name
    if own and best and best != last:
        below = [m for m in mods if m.startswith(pkg + ".")]
        inside = any(best in m[len(pkg) + 1 :].lower().split(".") for m in below)
        if len(below) * 2 > len(mods) and inside:
            return app_name
    return ""


def rename_stale(assignment: Mapping[str, str], keep: Iterable[str] = ()) -> dict[str, str]:
    """New names for services whose name no longer fits their modules (after ``--move``).

    A service's name is stale when none of its product modules (migrations, examples,
    generated stubs and template trees left out) carries the name as a component of its
    dotted name, or as its ``_``/CamelCase words (``experiment`` for ``types.Experiment``), and
    the name is not the last component of the package shared by all of them: ``templates``
    after every ``feast.templates`` module moved out. Such a service is renamed by
    :func:`name_services` over its remaining modules, avoiding every other name.

    Args:
        assignment: ``module -> service``.
        keep: services never renamed (``kernel``, the targets the user named).

    Returns:
        ``{old name: new name}`` for the stale services only (sorted by old name).
    """
    by: dict[str, list[str]] = defaultdict(list)
    for m, svc in assignment.items():
        by[svc].append(m)
    fixed = set(keep) | {"kernel", "unassigned"}
    groups: dict[int, list[str]] = {}
    old_of: dict[int, str] = {}
    stale: list[int] = []
    for gid, svc in enumerate(sorted(by)):
        mods = sorted(m for m in by[svc] if not _never_names(m) and not is_template_path(m))
        groups[gid], old_of[gid] = mods or sorted(by[svc]), svc
        if svc in fixed:
            continue
        word = re.sub(r"_\d+$", "", svc)
        carried = any(
            word in {_ascii_name(p) for p in re.split(r"[./]", m)[1:]} or word in _name_words(m)
            for m in groups[gid]
        )
        if not carried and word != _ascii_name(_common_package(groups[gid])):
            stale.append(gid)
    if not stale:
        return {}
    others = [old_of[g] for g in groups if g not in stale]
    new = name_services(groups, taken=(*others, *fixed), only=stale)
    return {old_of[g]: new[g] for g in sorted(stale)}


def propose(
    graph: ProgramGraph, settings: AnalyzeSettings, *, tuning: Tuning | None = None
) -> tuple[Partition, dict[str, object]]:
    """Propose a partition of the graph's modules into services.

    Args:
        graph: the program graph.
        settings: analyze settings (seed, resolution or None for the rule, algorithm, target
            count, kernel patterns, weights, constraints).
        tuning: pipeline switches for ablations (default: the product's pipeline).

    Returns:
        (partition, info) where info holds the resolution profile and counts, JSON-ready.
        Every module of the graph is assigned exactly once; the shared kernel is a service named
        ``kernel``.
    """
    all_modules = [m.name for m in graph.modules]
    # A file reached under a second name through a symlinked folder is clustered, named and
    # counted once, under its canonical name; the alias follows it at the end.
    alias_set = {alias for alias, _ in graph.aliases}
    code = [
        m.name
        for m in graph.modules
        if m.kind not in ("namespace", "notebook") and m.name not in alias_set
    ]
    # Tests and schema migrations follow the code they exercise or migrate: they are attached
    # after clustering (a Django app's hundred migrations would otherwise form a service).
    # Generated protobuf/gRPC stubs likewise follow the code that imports them, and so do
    # project-template trees (``feast init`` skeletons) that the product never imports.
    templates = template_modules(graph)
    tests = [
        m
        for m in code
        if (settings.exclude_tests and is_test_module(m))
        or is_migration_module(m)
        or is_generated_module(m)
        or is_example_module(m)
        or m in templates
        or not all(part.isidentifier() for part in m.split("."))  # ``project-static/``: no import
    ]
    core = [m for m in code if m not in set(tests)]
    # A client SDK shipped beside the server is a library for the callers: one group of its
    # own, out of the clustering, so no name tie glues it to the server's slices (names on:
    # the detection needs the names its methods share with the server's routers).
    libraries = client_libraries(graph, core) if settings.names else ()
    in_library = {m for lib in libraries for m in lib.modules}
    core = [m for m in core if m not in in_library]
    # A module the user pinned to a service is theirs to place: auto-detection never takes it
    # into the kernel (a declared ``kernel`` pattern still does; config reports that conflict).
    pinned_out = [
        m for m, s in _pins(core, settings.pin, settings.together).items() if s != "kernel"
    ]
    kernel = detect_kernel(
        graph, core, (*settings.kernel,), settings.auto_kernel, keep_out=pinned_out
    )
    kset = set(kernel)
    tuning = tuning or Tuning()
    cluster_nodes = [m for m in core if m not in kset]
    clients = omnipresent_clients(graph, cluster_nodes) if tuning.clients else ()
    cluster_nodes = [m for m in cluster_nodes if m not in set(clients)]
    directed_all = project_directed(
        graph, settings.weights, settings.calls, all_modules, tuning.reexport
    )
    cset = set(cluster_nodes)
    directed = {k: w for k, w in directed_all.items() if k[0] in cset and k[1] in cset}
    proj = _symmetrise(directed, cluster_nodes)
    full = _symmetrise(directed_all, all_modules)
    adj_full = _apart_from_libraries(full.neighbours(), in_library)

    edges: dict[tuple[str, str], float]
    if not tuning.normalize:
        edges = dict(proj.edges)
    elif tuning.damping == "directed":
        edges = directed_association_strength(directed)
    else:
        edges = association_strength(proj.edges)
    nodes = list(proj.nodes)
    token_nodes: list[str] = []
    if settings.names:
        ties = token_ties(cluster_nodes, edges, tuning.token_share)
        token_nodes = sorted({k[0] if k[0].startswith("\x00") else k[1] for k in ties})
        edges.update(ties)
        nodes = sorted(nodes + token_nodes)
    if settings.seed_from_packages:
        ties = package_ties(graph, cluster_nodes, edges)
        package_nodes = sorted({k[0] for k in ties})
        edges.update(ties)
        token_nodes = sorted(set(token_nodes) | set(package_nodes))
        nodes = sorted(set(nodes) | set(package_nodes))
        info_seed = "packages: each module tied to its package as strongly as to its code"
    else:
        info_seed = ""
    connected = {u for e in edges for u in e}
    active = [n for n in nodes if n in connected]
    info: dict[str, object] = {
        **({"seeded_from": info_seed} if info_seed else {}),
        "kernel": list(kernel),
        "clients": list(clients),
        "tests_attached": len(tests),
    }
    if settings.resolution is not None:
        gamma = settings.resolution
        info["resolution_rule"] = "given"
    elif active and tuning.resolution_rule == "profile":
        gamma, profile = choose_resolution(active, edges, settings.seed, settings.algorithm)
        info["resolution_rule"] = "stability profile (docs/quality.md)"
        info["resolution_profile"] = profile
    elif active:
        # The rule since 2026-11-29 (docs/quality.md §3): gamma = 1 on the hub-damped graph.
        gamma = 1.0
        info["resolution_rule"] = "fixed: 1.0 on the hub-damped graph (docs/quality.md)"
    else:
        gamma = 1.0
        info["resolution_rule"] = "default (empty graph)"
    if settings.services is not None:
        # Never aim for more services than there are modules to form them.
        settings = replace(settings, services=max(1, min(settings.services, len(cluster_nodes))))
    if settings.services is not None and active:
        gamma = _resolution_for_k(
            active, edges, settings.services, settings.seed, settings.algorithm, len(token_nodes)
        )
        info["resolution_rule"] = f"bisection for {settings.services} services"
    if active and tuning.method == "infomap":
        flow = directed_association_strength(directed, symmetric=False)
        for (u, v), w in edges.items():
            if u.startswith("\x00") or v.startswith("\x00"):
                flow[(u, v)] = flow[(v, u)] = w  # token ties go both ways
        assign = infomap(active, flow, settings.seed)
        info["method"] = "infomap"
    elif active:
        assign = communities(
            active, edges, gamma, settings.seed, settings.algorithm, tuning.consensus_runs
        )
    else:
        assign = {}
    for tn in token_nodes:
        assign.pop(tn, None)
    adj_proj = proj.neighbours()
    assign = _merge_small(assign, adj_proj, max(settings.min_service_size, 1))
    library_ids: dict[int, ClientLibrary] = {}
    for lib in libraries:
        gid = max(assign.values(), default=-1) + 1
        library_ids[gid] = lib
        for m in lib.modules:
            assign[m] = gid
    pending = [m for m in all_modules if m not in assign and m not in kset and m not in alias_set]
    # Schema migrations belong to the app they live in (Django, Alembic), whatever they import:
    # nautobot's migrations all import one app's status models, which drew 300 of them there.
    homes: dict[str, int | None] = {}  # per app: one scan of the placed modules, not one each
    for m in pending:
        place = _migration_home(m, assign, homes, adj_full, pending)
        if place is not None:
            assign[m] = place
    # Namespace packages follow the majority of their children; others by their edges.
    assign = _attach(assign, [m for m in pending if m in set(code) and m not in assign], adj_full)
    for m in pending:
        if m in assign:
            continue
        kids = [assign[c] for c in assign if c.startswith(m + ".")]
        if kids:
            assign[m] = max(sorted(set(kids)), key=kids.count)
    assign = _attach(assign, [m for m in pending if m not in assign], adj_full)
    assign = _dissolve_hollow(assign, graph, adj_full, set(library_ids))
    if settings.services is not None:
        assign = _merge_to_k(assign, adj_proj, settings.services)
    assign = _apply_constraints(assign, settings, adj_full, (a for a, _ in graph.aliases))
    groups: dict[int, list[str]] = defaultdict(list)
    for m, c in assign.items():
        groups[c].append(m)
    # Names come from the product code: attached modules (tests, migrations, examples,
    # templates, generated stubs, their namespace packages too) never name a service.
    attached = set(tests) | {m for m in all_modules if m in templates or _never_names(m)}
    names = _library_names(library_ids, groups)
    names.update(
        name_services(
            {
                g: sorted([m for m in v if m not in attached] or v)
                for g, v in groups.items()
                if g not in names
            },
            taken=("kernel", *names.values()),
            migrations={
                g: sorted(m for m in v if is_migration_module(m)) for g, v in groups.items()
            },
            entries=web_app_modules(graph) if settings.names else (),
        )
    )
    libraries_info = {
        names[g]: {
            "modules": len(lib.modules),
            "http_clients": list(lib.http_clients),
            "mirrors": list(lib.mirrors),
        }
        for g, lib in sorted(library_ids.items())
        if g in groups and all(assign.get(m) == g for m in lib.modules)
    }
    if libraries_info:
        info["client_libraries"] = libraries_info
    pinned = {m: s for m, s in _pins(all_modules, settings.pin, settings.together).items()}
    assignment: dict[str, str] = {m: names[c] for m, c in assign.items()}
    assignment.update(pinned)
    for m in kernel:
        assignment[m] = "kernel"
    for alias, canonical in graph.aliases:  # one file reached under two names: one service
        if canonical in assignment:
            assignment[alias] = assignment[canonical]
    for m in all_modules:
        assignment.setdefault(m, "unassigned")
    info["resolution"] = gamma
    info["token_nodes"] = len(token_nodes)
    partition = Partition(
        assignment=tuple(sorted(assignment.items())),
        algorithm=settings.algorithm,
        seed=settings.seed,
        resolution=gamma,
        kernel=kernel,
    )
    return partition, info


# Web-framework application objects: a module that builds one is an app factory (its entry), the
# process that serves the routes mounted into it. Also used by the decision (front door, serving).
WEB_APP_CLASSES = (
    "fastapi.FastAPI",
    "flask.Flask",
    "starlette.applications.Starlette",
    "quart.Quart",
    "sanic.Sanic",
    "litestar.Litestar",
    "aiohttp.web.Application",
    "tornado.web.Application",
    "falcon.App",
    "falcon.asgi.App",
    "bottle.Bottle",
    "django.core.asgi.get_asgi_application",
    "django.core.wsgi.get_wsgi_application",
)


def web_app_modules(graph: ProgramGraph) -> frozenset[str]:
    """Modules that build a web application: a call of one of :data:`WEB_APP_CLASSES`
    (``FastAPI()``, ``Flask()``, Django's ``get_wsgi_application()``...) resolved to the
    framework's class or factory."""
    out = set()
    last = {k.rsplit(".", 1)[-1] for k in WEB_APP_CLASSES}  # a cheap test before the full one
    for module, facts in graph.facts.items():
        for r in facts.references:
            if r.hint not in ("call", "inferred") or (
                r.target.rsplit(".", 1)[-1].replace("()", "") not in last
            ):
                continue
            target = r.target.replace("()", "")
            if any(target == k or target.endswith("." + k) for k in WEB_APP_CLASSES):
                out.add(module)
                break
    return frozenset(out)


def _is_hollow(graph: ProgramGraph, module: str, nodes: Mapping[str, object]) -> bool:
    """A module without code of its own: a namespace package, or a file that defines nothing
    (no function, class or variable) but package metadata (``__version__``, ``__title__``:
    mindsdb's ``__about__``) and calls nothing: an empty package ``__init__``, a docstring, a
    compatibility shim re-exporting another package (``from lfx.base import *``)."""
    node = nodes.get(module)
    if node is None:
        return False
    if getattr(node, "kind", "") == "namespace":
        return True
    facts = graph.facts.get(module)
    if facts is None:
        return False
    metadata_only = all(
        d.kind == "variable" and d.qualname.startswith("__") and d.qualname.endswith("__")
        for d in facts.definitions
    )
    return metadata_only and not any(r.hint == "call" for r in facts.references)


def _dissolve_hollow(
    assign: dict[str, int],
    graph: ProgramGraph,
    adj: Mapping[str, Mapping[str, float]],
    keep: set[int],
) -> dict[str, int]:
    """Groups made only of modules without code (empty package ``__init__`` files, re-export
    shims: :func:`_is_hollow`) are no service: each such module joins the group holding most of
    its sub-modules, else the group it is most connected to, else its nearest module by name
    (:func:`_attach`).
    Groups in ``keep`` (client libraries) stay; nothing happens when no other group is left.
    """
    nodes = {m.name: m for m in graph.modules}
    members: dict[int, list[str]] = defaultdict(list)
    for m, c in assign.items():
        members[c].append(m)
    hollow = sorted(
        c
        for c, mods in members.items()
        if c not in keep and all(_is_hollow(graph, m, nodes) for m in mods)
    )
    if not hollow or len(hollow) == len(members):
        return assign
    loose = sorted(m for c in hollow for m in members[c])
    for m in loose:
        del assign[m]
    placed = sorted(assign)
    import bisect

    left = []
    for m in sorted(loose, key=lambda m: (-m.count("."), m)):
        lo = bisect.bisect_left(placed, m + ".")
        kids: list[int] = []
        for k in range(lo, len(placed)):
            if not placed[k].startswith(m + "."):
                break
            kids.append(assign[placed[k]])
        if kids:
            assign[m] = max(sorted(set(kids)), key=kids.count)
            bisect.insort(placed, m)
        else:
            left.append(m)
    return _attach(assign, left, adj) if left else assign


def _apart_from_libraries(
    adj: dict[str, dict[str, float]], in_library: set[str]
) -> dict[str, dict[str, float]]:
    """``adj`` for attaching modules after clustering: a module outside the client libraries
    with any tie outside them loses its ties into them, so a models package that the server and
    its client SDK both import (or a test of the server using the SDK) never joins the SDK;
    examples and tests that use only the SDK still do."""
    if not in_library:
        return adj
    out = dict(adj)
    for m, nbs in adj.items():
        if m in in_library or not any(nb in in_library for nb in nbs):
            continue
        if any(nb not in in_library for nb in nbs):
            out[m] = {nb: w for nb, w in nbs.items() if nb not in in_library}
    return out


def _library_names(
    library_ids: Mapping[int, ClientLibrary], groups: Mapping[int, Sequence[str]]
) -> dict[int, str]:
    """Names of the client-library groups still present (``--services`` may have merged one):
    the library's own name, ``<name>_2``... when two libraries share it, never ``kernel``."""
    used = {"kernel"}
    out: dict[int, str] = {}
    for gid, lib in sorted(library_ids.items()):
        if gid not in groups:
            continue
        name, i = lib.name or "client", 2
        while name in used:
            name, i = f"{lib.name}_{i}", i + 1
        used.add(name)
        out[gid] = name
    return out


def _migration_home(
    module: str,
    assign: Mapping[str, int],
    homes: dict[str, int | None],
    adj: Mapping[str, Mapping[str, float]] | None = None,
    pending: Sequence[str] = (),
) -> int | None:
    """The community of the app a migration lives in: the package holding its ``migrations``
    (or ``alembic``) folder, else the majority of that package's placed modules; None when the
    module is no migration or its app has nothing placed. ``homes`` caches the answer per app
    (migrations are placed before any of them joins ``assign``, so it cannot go stale).

    When the app is the project's top-level package (``mindsdb/migrations``,
    ``langflow/alembic``) the package says nothing about which part of the project owns the
    schema, and its ``__init__`` is a weak anchor (one edge moved it, and 70 migrations with
    it): all of that app's migrations in ``pending`` go together to the community their
    imports (``adj``: the models they migrate) pull hardest, else by the rule above."""
    found = _MIGRATION_RE.search(module)
    if found is None:
        return None
    app = module[: found.start()]
    if not app:
        return None
    if app in homes:
        return homes[app]
    if "." not in app and adj is not None:
        pull: dict[int, float] = defaultdict(float)
        for m in pending:
            hit = _MIGRATION_RE.search(m)
            if hit is None or m[: hit.start()] != app:
                continue
            for nb, w in adj.get(m, {}).items():
                c = assign.get(nb)
                if c is not None:
                    pull[c] += w
        if pull:
            homes[app] = max(sorted(pull), key=lambda c: pull[c])
            return homes[app]
    if app in assign:
        homes[app] = assign[app]
        return homes[app]
    inside = [
        c for m, c in assign.items() if m.startswith(app + ".") and not is_migration_module(m)
    ]
    homes[app] = max(sorted(set(inside)), key=inside.count) if inside else None
    return homes[app]


def _pins(
    modules: Iterable[str], pin: Mapping[str, str], together: Sequence[Sequence[str]] = ()
) -> dict[str, str]:
    """``module -> service`` for the modules a ``pin`` pattern places: the most specific matching
    pattern wins (``config.pinned_service``), so ``app.ml.serve`` beats ``app.*``. A ``together``
    group whose pinned members are all pinned to one service takes its other members there too
    (pins to different services in one group are a configuration error)."""
    from decompose.config import pinned_service

    mods = list(modules)
    out: dict[str, str] = {}
    for m in mods:
        hit = pinned_service(m, pin)
        if hit is not None:
            out[m] = hit[1]
    direct = dict(out)
    for group in together:
        members = [m for m in mods if any(matches(m, p) for p in group)]
        services = {direct[m] for m in members if m in direct}
        if len(services) == 1:
            (service,) = services
            for m in members:
                out.setdefault(m, service)
    return out


def _apply_constraints(
    assign: dict[str, int],
    settings: AnalyzeSettings,
    adj: Mapping[str, Mapping[str, float]],
    aliases: Iterable[str] = (),
) -> dict[str, int]:
    """``together`` groups move to their majority community; ``apart`` groups that share one are
    separated (the smaller group moves to its next-best community, or a new one);
    ``max_service_size`` splits oversized communities along their weakest internal ties.

    Pins are applied afterwards by name and win (order in ``config.CONSTRAINT_ORDER``), so here
    pinned modules neither decide a together group's community nor are the ones moved apart.
    ``aliases`` (other names of a file reached through a symlink) match no pattern: they follow
    their canonical module. A module matching two patterns of one ``apart`` list stays put.
    What could not be kept is reported after the run by ``config.constraint_warnings``.
    """
    skip = set(aliases)
    pinned = set(_pins([m for m in assign if m not in skip], settings.pin, settings.together))

    def hits(pattern: str) -> list[str]:
        return [m for m in assign if m not in skip and matches(m, pattern)]

    # Together groups sharing a module are one group (else the later one would split the
    # earlier: a module cannot be in two places).
    merged: list[set[str]] = []
    for group in settings.together:
        mods_set = {m for p in group for m in hits(p)}
        for other in [g for g in merged if g & mods_set]:
            mods_set |= other
            merged.remove(other)
        merged.append(mods_set)
    for mods_set in merged:
        mods = sorted(mods_set)
        if len(mods) < 2:
            continue
        cs = [assign[m] for m in mods if m not in pinned] or [assign[m] for m in mods]
        target = max(sorted(set(cs)), key=cs.count)
        for m in mods:
            assign[m] = target
    next_id = max(assign.values(), default=-1) + 1
    for group in settings.apart:
        sets = [hits(p) for p in group]
        for i in range(len(sets)):
            for j in range(i + 1, len(sets)):
                both = set(sets[i]) & set(sets[j])
                shared = {assign[m] for m in sets[i] if m not in both} & {
                    assign[m] for m in sets[j] if m not in both
                }
                for c in sorted(shared):
                    mover = [m for m in sets[j] if assign[m] == c and m not in both | pinned]
                    if not mover:  # the second group is pinned here: move the first instead
                        mover = [m for m in sets[i] if assign[m] == c and m not in both | pinned]
                    if not mover:
                        continue  # pinned on both sides: pin wins
                    # never onto another pattern of the same list: all are kept pairwise apart
                    moving = set(mover)
                    taken = {
                        assign[m]
                        for k, other in enumerate(sets)
                        for m in other
                        if m not in moving
                        and not any(m in sets[x] for x in range(len(sets)) if x != k)
                    }
                    pull: dict[int, float] = defaultdict(float)
                    for m in mover:
                        for nb, w in adj.get(m, {}).items():
                            oc = assign.get(nb)
                            if oc is not None and oc != c and oc not in taken:
                                pull[oc] += w
                    target = max(sorted(pull), key=lambda k: pull[k]) if pull else next_id
                    if target == next_id:
                        next_id += 1
                    for m in mover:
                        assign[m] = target
    if settings.max_service_size > 0:
        assign = _split_large(assign, adj, settings.max_service_size, settings.seed)
    return assign


def _split_large(
    assign: dict[str, int], adj: Mapping[str, Mapping[str, float]], limit: int, seed: int
) -> dict[str, int]:
    next_id = max(assign.values(), default=-1) + 1
    for _ in range(50):
        members: dict[int, list[str]] = defaultdict(list)
        for n, c in assign.items():
            members[c].append(n)
        big = [c for c in sorted(members) if len(members[c]) > limit]
        if not big:
            break
        c = big[0]
        mods = sorted(members[c])
        sub = {
            (u, v): w for u in mods for v, w in adj.get(u, {}).items() if v in set(mods) and u < v
        }
        split = communities(mods, sub, 2.0, seed) if sub else {}
        if len(set(split.values())) < 2:
            half = len(mods) // 2
            split = {m: (0 if i < half else 1) for i, m in enumerate(mods)}
        for m, k in split.items():
            if k != 0:
                assign[m] = next_id + k
        next_id += max(split.values()) + 1
    return assign


def _resolution_for_k(
    nodes: Sequence[str],
    edges: Mapping[tuple[str, str], float],
    k: int,
    seed: int,
    algorithm: str,
    token_count: int,
) -> float:
    """Bisection on log(gamma) for about ``k`` communities of real modules."""
    lo, hi = math.log(0.02), math.log(50.0)
    best = 1.0
    best_gap = math.inf
    for _ in range(14):
        mid = (lo + hi) / 2
        gamma = math.exp(mid)
        m = _igraph_membership(list(nodes), edges, gamma, seed, algorithm)
        real = {c for n, c in zip(nodes, m, strict=True) if not n.startswith("\x00")}
        count = len(real)
        gap = abs(count - k)
        if gap < best_gap or (gap == best_gap and gamma < best):
            best, best_gap = gamma, gap
        if count < k:
            lo = mid
        elif count > k:
            hi = mid
        else:
            break
    return round(best, 6)


def _merge_to_k(
    assign: dict[str, int], adj: Mapping[str, Mapping[str, float]], k: int
) -> dict[str, int]:
    """Merge the smallest community into its strongest neighbour until at most ``k`` remain."""
    while len(set(assign.values())) > k:
        members: dict[int, list[str]] = defaultdict(list)
        for n, c in assign.items():
            members[c].append(n)
        c = min(members, key=lambda c: (len(members[c]), min(members[c])))
        pull: dict[int, float] = defaultdict(float)
        for n in members[c]:
            for nb, w in adj.get(n, {}).items():
                oc = assign.get(nb)
                if oc is not None and oc != c:
                    pull[oc] += w
        if pull:
            target = max(sorted(pull), key=lambda x: pull[x])
        else:
            others = [o for o in members if o != c]
            target = min(others, key=lambda o: (len(members[o]), min(members[o])))
        for n in members[c]:
            assign[n] = target
    return assign
