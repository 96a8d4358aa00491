"""Views of a plan for people: which nodes and edges to draw, grouped how, styled why.

A :class:`View` is plain data (nodes, edges, clusters, notes) built from the program graph and the
plan. :mod:`decompose.dot` turns a view into Graphviz DOT (and SVG/PNG with the ``dot`` program);
this module turns it into Mermaid and JSON, and gives the HTML report its service-graph layout.

Views:

- **services**: one node per service; an edge ``A -> B`` per pair of services with crossings,
  labelled with the number of crossing imports and calls. On large graphs the weakest edges are
  hidden (``min_crossings``; the view's notes say how many).
- **modules**: every module (or package, when collapsed by ``depth``), clustered by service.
- **service**: one service's modules, with the other services it touches drawn as single nodes.
- **focus**: one module or service and its neighbours within ``hops`` steps of the import graph
  (undirected), or of the service graph for a service.

Styling facts carried on edges: ``crossing`` (the ends are in different services, the shared
kernel excepted: it is a library) and ``cycle`` (the edge closes an import cycle between services:
it is in the feedback edge set of the service import graph, the few light edges whose removal
breaks every cycle; the view's notes list each cycle's services). The shared kernel is its own
cluster, drawn apart.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from decompose.algorithms import strongly_connected_components
from decompose.errors import UsageError
from decompose.model import Partition, Plan, count

if TYPE_CHECKING:
    from decompose.config import Config
    from decompose.graph import ProgramGraph

KERNEL = "kernel"
VIEWS = ("services", "modules", "service", "focus")
# Import kinds that do not make a dependency worth drawing (implicit package __init__ runs).
_SKIP_KINDS = frozenset({"parent_init"})
# Import kinds that count for import cycles between services (not typing-only or stub edges).
_CYCLE_EXCLUDE = frozenset({"type_checking", "stub_only", "parent_init", "string_ref"})
# Above this many modules the default view is the service view, and the module view is
# collapsed by package depth automatically.
LARGE = 150
_AUTO_COLLAPSE = 300


@dataclass(frozen=True, slots=True)
class Node:
    """A node to draw.

    Attributes:
        id: unique id within the view (a module, package prefix or service name).
        label: text to show.
        kind: ``service``, ``kernel``, ``module``, ``package`` (collapsed modules) or
            ``external`` (another service drawn as one node in a service or focus view).
        cluster: the cluster (service name) it is drawn in, or ``""``.
        size: number of modules it stands for.
        lines: lines of code it stands for.
        focus: True for the node a focus view is centred on.
    """

    id: str
    label: str
    kind: str
    cluster: str = ""
    size: int = 1
    lines: int = 0
    focus: bool = False


@dataclass(frozen=True, slots=True)
class Edge:
    """An edge to draw.

    Attributes:
        src, dst: node ids.
        weight: evidence count (import statements + call sites).
        imports, calls: crossing imports and calls (service view), else import weight / 0.
        crossing: the ends are in different services (edges into the kernel are not crossings).
        cycle: closes an import cycle between services (a feedback edge, see the module doc).
    """

    src: str
    dst: str
    weight: int
    imports: int = 0
    calls: int = 0
    crossing: bool = False
    cycle: bool = False


@dataclass(frozen=True, slots=True)
class View:
    """A drawable view: sorted nodes and edges, cluster labels, notes for the reader."""

    name: str
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    settings: dict[str, object] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


_BUNDLED = ("migrations", "tests", "test", "alembic")


def _bundle(module: str) -> str:
    """Schema migrations and test suites are drawn as one node per folder (a Django app's
    hundred migrations would otherwise be most of the picture)."""
    parts = module.split(".")
    for i, p in enumerate(parts[:-1]):
        if p in _BUNDLED:
            return ".".join(parts[: i + 1])
    return module


def collapse_name(module: str, depth: int | None) -> str:
    """The first ``depth`` dotted components of ``module`` (the whole name when ``depth`` is
    None or not shorter)."""
    if depth is None:
        return module
    return ".".join(module.split(".")[:depth])


def service_edges(plan: Plan) -> dict[tuple[str, str], tuple[int, int]]:
    """``{(from service, to service): (crossing imports, crossing calls)}``, sorted."""
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for c in plan.crossings:
        is_call = ":" in c.src or ":" in c.dst
        acc[(c.src_service, c.dst_service)][1 if is_call else 0] += 1
    return {k: (v[0], v[1]) for k, v in sorted(acc.items())}


def service_cycles(plan: Plan) -> list[list[str]]:
    """Import cycles between services: the strongly connected components (2+ services) of the
    service graph whose edges are runtime import crossings. Each sorted; the list sorted.

    Uses Tarjan's algorithm (iterative), R. Tarjan, SIAM J. Comput. 1(2), 1972.
    """
    adj: dict[str, set[str]] = defaultdict(set)
    for a, b in _import_weights(plan):
        adj[a].add(b)
    return [sorted(c) for c in _sccs(adj) if len(c) > 1]


def _sccs(adj: Mapping[str, Iterable[str]]) -> list[list[str]]:
    return strongly_connected_components(adj, adj)


def _import_weights(plan: Plan) -> dict[tuple[str, str], int]:
    acc: dict[tuple[str, str], int] = defaultdict(int)
    for c in plan.crossings:
        if ":" in c.src or ":" in c.dst or c.kind in _CYCLE_EXCLUDE:
            continue
        acc[(c.src_service, c.dst_service)] += 1
    return dict(sorted(acc.items()))


def feedback_edges(weights: Mapping[tuple[str, str], float]) -> set[tuple[str, str]]:
    """A small set of edges whose removal leaves the directed graph acyclic, preferring light
    edges: the greedy heuristic of Eades, Lin & Smyth (Information Processing Letters 47(6),
    1993), weighted, ties broken by name. Edges outside every cycle are never returned.

    Args:
        weights: ``{(src, dst): weight}``.

    Returns:
        The feedback edges ``(src, dst)``.
    """
    out_w: dict[str, dict[str, float]] = defaultdict(dict)
    for (a, b), w in weights.items():
        if a != b:
            out_w[a][b] = out_w[a].get(b, 0.0) + w
    comps = [c for c in _sccs({a: list(bs) for a, bs in out_w.items()}) if len(c) > 1]
    result: set[tuple[str, str]] = set()
    for comp in comps:
        members = set(comp)
        succ = {v: {w: x for w, x in out_w.get(v, {}).items() if w in members} for v in comp}
        pred: dict[str, dict[str, float]] = {v: {} for v in comp}
        for v, targets in succ.items():
            for t, x in targets.items():
                pred[t][v] = x
        alive = set(comp)
        s1: list[str] = []
        s2: list[str] = []
        while alive:
            changed = True
            while changed:
                changed = False
                for v in sorted(alive):
                    if not any(w in alive for w in succ[v]):
                        s2.insert(0, v)
                        alive.discard(v)
                        changed = True
                    elif not any(u in alive for u in pred[v]):
                        s1.append(v)
                        alive.discard(v)
                        changed = True
            if not alive:
                break
            best = max(
                sorted(alive),
                key=lambda v: (
                    sum(x for w, x in succ[v].items() if w in alive)
                    - sum(x for u, x in pred[v].items() if u in alive)
                ),
            )
            s1.append(best)
            alive.discard(best)
        rank = {v: i for i, v in enumerate(s1 + s2)}
        result |= {(v, w) for v in comp for w in succ[v] if rank[w] < rank[v]}
    return result


def cycle_pairs(plan: Plan) -> set[tuple[str, str]]:
    """Service pairs ``(a, b)`` whose import crossings close an import cycle between services
    (the feedback edges of the service import graph)."""
    return feedback_edges({k: float(v) for k, v in _import_weights(plan).items()})


def auto_min_crossings(weights: Sequence[int], n_nodes: int, per_node: float = 3.0) -> int:
    """The smallest threshold ``t`` such that at most ``per_node * n_nodes`` edges have weight
    ``>= t`` (1 when every edge fits). Keeps the strongest edges of a dense service graph."""
    budget = max(int(per_node * n_nodes), 12)
    ws = sorted(weights, reverse=True)
    if len(ws) <= budget:
        return 1
    return ws[budget] + 1


def _lines(graph: ProgramGraph) -> dict[str, int]:
    return {m.name: m.lines for m in graph.modules}


def _module_edges(graph: ProgramGraph) -> dict[tuple[str, str], int]:
    acc: dict[tuple[str, str], int] = defaultdict(int)
    for e in graph.imports:
        if e.kind in _SKIP_KINDS or e.src == e.dst:
            continue
        acc[(e.src, e.dst)] += e.weight
    return dict(sorted(acc.items()))


def _clusters(plan: Plan, used: Iterable[str]) -> tuple[tuple[str, str], ...]:
    kinds = {s.name: s.kernel for s in plan.services}
    out = []
    for name in sorted(set(used)):
        if not name:
            continue
        out.append((name, "shared kernel" if kinds.get(name) else name))
    return tuple(out)


# --------------------------------------------------------------------------- views


def services_view(
    plan: Plan,
    graph: ProgramGraph | None = None,
    min_crossings: int | None = None,
    only: Iterable[str] | None = None,
) -> View:
    """One node per service, one edge per pair of services with crossings.

    Args:
        plan: the plan.
        graph: the program graph (for lines of code; optional).
        min_crossings: hide edges with fewer crossings; None = :func:`auto_min_crossings`.
        only: restrict to these services (focus view).

    Returns:
        The view; its notes say how many edges were hidden.
    """
    lines = _lines(graph) if graph is not None else {}
    keep = set(only) if only is not None else None
    nodes = []
    for s in plan.services:
        if keep is not None and s.name not in keep:
            continue
        loc = sum(lines.get(m, 0) for m in s.modules)
        label = f"{'shared kernel' if s.kernel else s.name}\n{count(len(s.modules), 'module')}"
        if loc:
            label += f", {loc} lines"
        nodes.append(
            Node(s.name, label, KERNEL if s.kernel else "service", "", len(s.modules), loc)
        )
    ids = {n.id for n in nodes}
    cyc = cycle_pairs(plan)
    all_edges = [
        Edge(a, b, i + c, i, c, True, (a, b) in cyc)
        for (a, b), (i, c) in service_edges(plan).items()
        if a in ids and b in ids
    ]
    t = (
        min_crossings
        if min_crossings is not None
        else auto_min_crossings([e.weight for e in all_edges], len(nodes))
    )
    shown = [e for e in all_edges if e.weight >= t]
    notes = []
    if len(shown) < len(all_edges):
        notes.append(
            f"{len(all_edges) - len(shown)} of {len(all_edges)} service edges with "
            f"fewer than {t} crossings hidden (--min-crossings 1 shows all)"
        )
    cycles = [c for c in service_cycles(plan) if keep is None or set(c) <= keep]
    for c in cycles:
        more = f" and {len(c) - 8} more" if len(c) > 8 else ""
        notes.append(f"import cycle between {len(c)} services: " + ", ".join(c[:8]) + more)
    kernel = [n for n in nodes if n.kind == KERNEL]
    if kernel:
        notes.append(
            "the shared kernel is a library every service may use: edges into it are not crossings"
        )
    return View(
        "services",
        "Service graph",
        tuple(nodes),
        tuple(shown),
        _clusters(plan, [n.cluster for n in nodes]),
        tuple(notes),
        {"min_crossings": t},
    )


def modules_view(
    plan: Plan,
    graph: ProgramGraph,
    depth: int | None = None,
    only_modules: Iterable[str] | None = None,
    focus: str = "",
    title: str = "Modules by service",
) -> View:
    """Modules (or packages collapsed to ``depth`` components) clustered by service.

    A collapsed node stands for the modules of one service under one package prefix, so a
    package split between services gives one node per service. With ``depth`` None and more
    than 300 modules, the deepest package depth that gives at most 300 nodes is chosen
    automatically (and noted in the view).

    Args:
        plan: the plan.
        graph: the program graph.
        depth: package depth to collapse to (None = every module).
        only_modules: restrict to these modules.
        focus: a module to mark as the focus node.
        title: the view's title.
    """
    of = plan.partition.as_dict()
    lines = _lines(graph)
    mods = sorted(set(only_modules) if only_modules is not None else set(of))
    mods = [m for m in mods if m in of]
    notes: list[str] = []
    if depth is None and len(mods) > _AUTO_COLLAPSE:
        max_depth = max((m.count(".") + 1 for m in mods), default=1)
        chosen = 1
        for d in range(1, max_depth + 1):
            if len({(of[m], collapse_name(m, d)) for m in mods}) <= _AUTO_COLLAPSE:
                chosen = d
        depth = chosen
        notes.append(
            f"{len(mods)} modules collapsed to package depth {depth} (--depth N to choose)"
        )

    def nid(m: str) -> str:
        key = collapse_name(_bundle(m), depth)
        return f"{of[m]}/{key}" if key != m else f"{of[m]}/{m}"

    members: dict[str, list[str]] = defaultdict(list)
    for m in mods:
        members[nid(m)].append(m)
    kernel_names = {s.name for s in plan.services if s.kernel}
    nodes = []
    for n, ms in sorted(members.items()):
        svc = of[ms[0]]
        name = n.split("/", 1)[1]
        collapsed = len(ms) > 1 or ms[0] != name
        label = f"{name}\n{count(len(ms), 'module')}" if collapsed else name
        nodes.append(
            Node(
                n,
                label,
                "package" if collapsed else "module",
                svc,
                len(ms),
                sum(lines.get(m, 0) for m in ms),
                focus in ms,
            )
        )
    cyc = cycle_pairs(plan)
    agg: dict[tuple[str, str], int] = defaultdict(int)
    mset = set(mods)
    for (a, b), w in _module_edges(graph).items():
        if a in mset and b in mset:
            na, nb = nid(a), nid(b)
            if na != nb:
                agg[(na, nb)] += w
    edges = []
    for (na, nb), w in sorted(agg.items()):
        sa, sb = na.split("/", 1)[0], nb.split("/", 1)[0]
        crossing = sa != sb and sb not in kernel_names
        edges.append(Edge(na, nb, w, w, 0, crossing, crossing and (sa, sb) in cyc))
    return View(
        "modules",
        title,
        tuple(nodes),
        tuple(edges),
        _clusters(plan, [n.cluster for n in nodes]),
        tuple(notes),
        {"depth": depth},
    )


def service_view(plan: Plan, graph: ProgramGraph, service: str, depth: int | None = None) -> View:
    """One service's modules and their edges; every other service it imports from or is
    imported by is drawn as one node, with the crossing edges aggregated onto it.

    Raises:
        UsageError: unknown service (with the known names).
    """
    names = [s.name for s in plan.services]
    if service not in names:
        raise UsageError(f"unknown service {service!r}; services: {', '.join(names)}")
    inner = modules_view(
        plan,
        graph,
        depth,
        [m for m, s in plan.partition.assignment if s == service],
        title=f"Service {service}",
    )
    of = plan.partition.as_dict()
    kernel_names = {s.name for s in plan.services if s.kernel}
    member_node: dict[str, str] = {}
    for m, s in plan.partition.assignment:
        if s == service:
            member_node[m] = f"{s}/{collapse_name(m, depth)}"
    cyc = cycle_pairs(plan)
    agg: dict[tuple[str, str], int] = defaultdict(int)
    for (a, b), w in _module_edges(graph).items():
        sa, sb = of.get(a), of.get(b)
        if sa is None or sb is None or (sa == service) == (sb == service):
            continue
        if sa == service:
            agg[(member_node[a], f"@{sb}")] += w
        else:
            agg[(f"@{sa}", member_node[b])] += w
    others = sorted({x[1:] for pair in agg for x in pair if x.startswith("@")})
    sizes = {s.name: len(s.modules) for s in plan.services}
    extra = [
        Node(
            f"@{o}",
            f"{'shared kernel' if o in kernel_names else o}\n{count(sizes[o], 'module')}",
            "external",
            "",
            sizes[o],
        )
        for o in others
    ]
    edges = list(inner.edges)
    for (a, b), w in sorted(agg.items()):
        sa = a[1:] if a.startswith("@") else service
        sb = b[1:] if b.startswith("@") else service
        crossing = sb not in kernel_names
        edges.append(Edge(a, b, w, w, 0, crossing, crossing and (sa, sb) in cyc))
    return View(
        "service",
        inner.title,
        tuple(sorted(inner.nodes + tuple(extra), key=lambda n: n.id)),
        tuple(sorted(edges, key=lambda e: (e.src, e.dst))),
        inner.clusters,
        inner.notes,
        {"service": service, "depth": inner.settings.get("depth")},
    )


def _bfs(adj: Mapping[str, Iterable[str]], start: str, hops: int) -> set[str]:
    seen = {start}
    frontier = [start]
    for _ in range(hops):
        nxt = []
        for v in frontier:
            for w in sorted(adj.get(v, ())):
                if w not in seen:
                    seen.add(w)
                    nxt.append(w)
        frontier = nxt
    return seen


def focus_view(
    plan: Plan, graph: ProgramGraph, name: str, hops: int = 1, depth: int | None = None
) -> View:
    """A module (or service) and its neighbours within ``hops`` steps, edges taken both ways.

    A module name gives a module view of the neighbourhood (clustered by service); a service
    name gives a service view of the neighbouring services.

    Raises:
        UsageError: ``name`` is neither a module nor a service (with close names).
    """
    of = plan.partition.as_dict()
    if name in of:
        adj: dict[str, set[str]] = defaultdict(set)
        for a, b in _module_edges(graph):
            adj[a].add(b)
            adj[b].add(a)
        near = _bfs(adj, name, hops)
        v = modules_view(plan, graph, depth, near, focus=name, title=f"Focus: {name} ({hops} hops)")
        return View(
            "focus",
            v.title,
            v.nodes,
            v.edges,
            v.clusters,
            v.notes,
            {"focus": name, "hops": hops, "depth": v.settings.get("depth")},
        )
    services = {s.name for s in plan.services}
    if name in services:
        sadj: dict[str, set[str]] = defaultdict(set)
        for a, b in service_edges(plan):
            sadj[a].add(b)
            sadj[b].add(a)
        near = _bfs(sadj, name, hops)
        v = services_view(plan, graph, 1, only=near)
        nodes = tuple(
            Node(n.id, n.label, n.kind, n.cluster, n.size, n.lines, n.id == name) for n in v.nodes
        )
        return View(
            "focus",
            f"Focus: service {name} ({hops} hops)",
            nodes,
            v.edges,
            v.clusters,
            v.notes,
            {"focus": name, "hops": hops},
        )
    import difflib

    close = difflib.get_close_matches(name, sorted(services | set(of)), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(f"{name!r} is neither a module nor a service{hint}")


def build_view(
    plan: Plan,
    graph: ProgramGraph,
    view: str | None = None,
    service: str | None = None,
    focus: str | None = None,
    hops: int = 1,
    depth: int | None = None,
    min_crossings: int | None = None,
) -> View:
    """Dispatch to a view by name. ``view`` None picks ``focus`` when ``focus`` is given,
    ``service`` when ``service`` is given, else ``services`` for a large codebase (more than
    150 modules) and ``modules`` for a small one.

    Raises:
        UsageError: unknown view, or a missing ``service`` / ``focus`` argument.
    """
    if view is None:
        if focus:
            view = "focus"
        elif service:
            view = "service"
        else:
            view = "services" if len(graph.modules) > LARGE else "modules"
    if view == "services":
        return services_view(plan, graph, min_crossings)
    if view == "modules":
        return modules_view(plan, graph, depth)
    if view == "service":
        if not service:
            raise UsageError("--view service needs --service NAME")
        return service_view(plan, graph, service, depth)
    if view == "focus":
        if not focus:
            raise UsageError("--view focus needs --focus NAME")
        return focus_view(plan, graph, focus, hops, depth)
    raise UsageError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")


def declared_partition(graph: ProgramGraph, config: Config) -> Partition:
    """A partition from declared boundaries: each module goes to the service with the most
    specific matching pattern (the rule ``check`` uses: :func:`decompose.config.owners`); kernel
    patterns give ``kernel``; the rest ``unassigned``.

    Raises:
        UsageError: the configuration declares no service.
    """
    from decompose.config import owners

    if not config.services:
        raise UsageError(
            f"{config.source or 'the boundaries file'} declares no service ([services.NAME] tables)"
        )
    names = graph.module_names()
    own = owners(names, config.services, config.kernel, KERNEL)
    out = {m: own.get(m, "unassigned") for m in names}
    kernel = sorted(m for m, s in out.items() if s == KERNEL)
    return Partition(tuple(sorted(out.items())), "declared", 0, 1.0, tuple(kernel))


# --------------------------------------------------------------------------- emitters


def plural(n: int, word: str) -> str:
    """``"1 import"``, ``"2 imports"`` (English ``-s`` plural)."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _mermaid_text(s: str) -> str:
    """Text for a quoted Mermaid label: entity codes for the characters Mermaid or HTML treat
    specially, newlines as ``<br>``."""
    out = []
    for ch in s:
        if ch == "\n":
            out.append("<br>")
        elif ch in '"#<>&`|[](){};' or ord(ch) < 32:
            out.append(f"#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def to_mermaid(view: View) -> str:
    """A Mermaid ``flowchart LR`` of the view: clusters as subgraphs, crossing edges dotted,
    import-cycle edges thick and red, the focus node and the kernel styled apart."""
    ids = {n.id: f"n{i}" for i, n in enumerate(view.nodes)}
    lines = ["flowchart LR"]
    by_cluster: dict[str, list[Node]] = defaultdict(list)
    for n in view.nodes:
        by_cluster[n.cluster].append(n)
    labels = dict(view.clusters)

    def node_line(n: Node) -> str:
        text = _mermaid_text(n.label)
        shape = f'[("{text}")]' if n.kind == KERNEL else f'["{text}"]'
        return f"{ids[n.id]}{shape}"

    for n in by_cluster.get("", []):
        lines.append("  " + node_line(n))
    for i, (cluster, _label) in enumerate(view.clusters):
        if cluster not in by_cluster:
            continue
        lines.append(f'  subgraph c{i}["{_mermaid_text(labels[cluster])}"]')
        for n in by_cluster[cluster]:
            lines.append("    " + node_line(n))
        lines.append("  end")
    red: list[int] = []
    for k, e in enumerate(view.edges):
        arrow = "==>" if e.cycle else ("-.->" if e.crossing else "-->")
        if view.name in ("services",) or (view.name == "focus" and e.calls):
            label = f"{plural(e.imports, 'import')}, {plural(e.calls, 'call')}"
            lines.append(f'  {ids[e.src]} {arrow}|"{label}"| {ids[e.dst]}')
        else:
            lines.append(f"  {ids[e.src]} {arrow} {ids[e.dst]}")
        if e.cycle:
            red.append(k)
    lines.append("  classDef kernel fill:#eeeeee,stroke:#888888,stroke-dasharray:4 3")
    lines.append("  classDef focus fill:#fff3b0,stroke:#b58900,stroke-width:2px")
    kern = [ids[n.id] for n in view.nodes if n.kind == KERNEL]
    if kern:
        lines.append(f"  class {','.join(kern)} kernel")
    foc = [ids[n.id] for n in view.nodes if n.focus]
    if foc:
        lines.append(f"  class {','.join(foc)} focus")
    if red:
        lines.append(f"  linkStyle {','.join(map(str, red))} stroke:#d62728,stroke-width:3px")
    return "\n".join(lines) + "\n"


def to_json(view: View) -> str:
    """The view as JSON (``decompose.view/1``): nodes, edges, clusters, notes; sorted keys."""
    doc: dict[str, Any] = {
        "schema": "decompose.view/1",
        "view": view.name,
        "title": view.title,
        "settings": view.settings,
        "clusters": [{"name": c, "label": lab} for c, lab in view.clusters],
        "nodes": [
            {
                "id": n.id,
                "label": n.label,
                "kind": n.kind,
                "cluster": n.cluster,
                "size": n.size,
                "lines": n.lines,
                "focus": n.focus,
            }
            for n in view.nodes
        ],
        "edges": [
            {
                "src": e.src,
                "dst": e.dst,
                "weight": e.weight,
                "imports": e.imports,
                "calls": e.calls,
                "crossing": e.crossing,
                "cycle": e.cycle,
            }
            for e in view.edges
        ],
        "notes": list(view.notes),
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- layout


def force_layout(
    nodes: Sequence[str],
    edges: Mapping[tuple[str, str], float],
    sizes: Mapping[str, float] | None = None,
    iterations: int = 300,
    width: float = 1000.0,
) -> dict[str, tuple[float, float]]:
    """Deterministic force-directed layout (Fruchterman & Reingold, Software: Practice and
    Experience 21(11), 1991), pure Python, for small graphs (services).

    Starts from a circle in ``nodes`` order, attracts along ``edges`` (weights compressed by
    log), repels all pairs, cools linearly, then pushes overlapping discs (radius from
    ``sizes``) apart. Same input gives the same floats.

    Args:
        nodes: node ids, in a deterministic order.
        edges: ``{(a, b): weight}`` (direction ignored).
        sizes: node radius in layout units (default 20).
        iterations: cooling steps.
        width: the layout is scaled into ``[0, width]`` on its larger side.

    Returns:
        ``{node: (x, y)}`` rounded to 0.1.
    """
    n = len(nodes)
    if n == 0:
        return {}
    rad = {v: float((sizes or {}).get(v, 20.0)) for v in nodes}
    if n == 1:
        return {nodes[0]: (width / 2, width / 2)}
    idx = {v: i for i, v in enumerate(nodes)}
    pos = [
        [math.cos(2 * math.pi * i / n) * width / 3, math.sin(2 * math.pi * i / n) * width / 3]
        for i in range(n)
    ]
    k = width / math.sqrt(n) * 0.6
    und: dict[tuple[int, int], float] = defaultdict(float)
    for (a, b), w in sorted(edges.items()):
        if a in idx and b in idx and a != b:
            i, j = sorted((idx[a], idx[b]))
            und[(i, j)] += w
    wmax = max((math.log1p(w) for w in und.values()), default=1.0) or 1.0
    elist = [(i, j, 0.3 + math.log1p(w) / wmax) for (i, j), w in sorted(und.items())]
    gravity = 0.6 * k / width * math.sqrt(n)
    temp = width / 8
    for it in range(iterations):
        disp = [[0.0, 0.0] for _ in range(n)]
        for i in range(n):
            xi, yi = pos[i]
            for j in range(i + 1, n):
                dx, dy = xi - pos[j][0], yi - pos[j][1]
                d2 = dx * dx + dy * dy or 1e-6
                f = k * k / d2
                disp[i][0] += dx * f
                disp[i][1] += dy * f
                disp[j][0] -= dx * f
                disp[j][1] -= dy * f
        for i, j, w in elist:
            dx, dy = pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]
            d = math.sqrt(dx * dx + dy * dy) or 1e-6
            f = d / k * w
            disp[i][0] -= dx * f
            disp[i][1] -= dy * f
            disp[j][0] += dx * f
            disp[j][1] += dy * f
        for i in range(n):
            # gravity keeps disconnected nodes near the middle
            disp[i][0] -= pos[i][0] * gravity
            disp[i][1] -= pos[i][1] * gravity
            dx, dy = disp[i]
            d = math.sqrt(dx * dx + dy * dy) or 1e-6
            step = min(d, temp)
            pos[i][0] += dx / d * step
            pos[i][1] += dy / d * step
        temp = max(width / 8 * (1 - (it + 1) / iterations), 0.5)
    # scale to the box, then separate overlapping discs
    xs = [p[0] for p in pos]
    ys = [p[1] for p in pos]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    margin = max(rad.values()) * 1.5
    scale = (width - 2 * margin) / span
    pos = [[(p[0] - min(xs)) * scale + margin, (p[1] - min(ys)) * scale + margin] for p in pos]
    r = [rad[v] for v in nodes]
    for _ in range(60):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                dx, dy = pos[j][0] - pos[i][0], pos[j][1] - pos[i][1]
                d = math.sqrt(dx * dx + dy * dy)
                need = r[i] + r[j] + 24
                if d < need:
                    if d < 1e-6:
                        dx, dy, d = 1.0, 0.0, 1.0
                    push = (need - d) / 2
                    pos[i][0] -= dx / d * push
                    pos[i][1] -= dy / d * push
                    pos[j][0] += dx / d * push
                    pos[j][1] += dy / d * push
                    moved = True
        if not moved:
            break
    return {v: (round(pos[i][0], 1), round(pos[i][1], 1)) for v, i in idx.items()}
