"""Views (services, modules by service, one service, focus), cycles, Mermaid and JSON emitters,
the layout."""

from __future__ import annotations

import json
import random
import re
from collections import Counter

import pytest

from decompose import render
from decompose.errors import UsageError
from decompose.report import mermaid as report_mermaid
from tests.unit._plans import plan_for

# shop: orders <-> billing import each other (a cycle), catalog is used by orders, util is the
# shared kernel.
SHOP = {
    "shop/__init__.py": "",
    "shop/util.py": "def fmt(x):\n    return str(x)\n",
    "shop/catalog/__init__.py": "",
    "shop/catalog/items.py": "from shop.util import fmt\n\ndef item(i):\n    return fmt(i)\n",
    "shop/catalog/prices.py": "from shop.catalog.items import item\n\n"
    "def price(i):\n    return item(i)\n",
    "shop/orders/__init__.py": "",
    "shop/orders/cart.py": "from shop.catalog.prices import price\n"
    "from shop.billing.invoice import bill\n\n"
    "def checkout(i):\n    return bill(price(i))\n",
    "shop/orders/history.py": "from shop.orders.cart import checkout\n\n"
    "def again(i):\n    return checkout(i)\n",
    "shop/billing/__init__.py": "",
    "shop/billing/invoice.py": "from shop.util import fmt\n\ndef bill(x):\n    return fmt(x)\n",
    "shop/billing/refund.py": "from shop.orders.history import again\n\n"
    "def refund(i):\n    return again(i)\n",
}
SERVICES = {
    "shop": "orders",
    "shop.catalog": "catalog",
    "shop.orders": "orders",
    "shop.billing": "billing",
    "shop.util": "kernel",
}


@pytest.fixture
def shop(make_project):  # type: ignore[no-untyped-def]
    return plan_for(make_project(SHOP), SERVICES)


# ---------------------------------------------------------------- Mermaid syntax, structurally

_ID = r"[A-Za-z][A-Za-z0-9_]*"
_LABEL = r'"[^"\n]*"'
_NODE = re.compile(rf"^({_ID})(\[{_LABEL}\]|\[\({_LABEL}\)\])$")
_EDGE = re.compile(rf"^({_ID}) (-->|-\.->|==>)(\|{_LABEL}\|)? ({_ID})$")
_SUB = re.compile(rf"^subgraph ({_ID})\[{_LABEL}\]$")
_STYLE = r"[a-z-]+:[^,;\n]+(,[a-z-]+:[^,;\n]+)*"
_CLASSDEF = re.compile(rf"^classDef [A-Za-z]+ {_STYLE}$")
_CLASS = re.compile(rf"^class {_ID}(,{_ID})* [A-Za-z]+$")
_LINKSTYLE = re.compile(rf"^linkStyle \d+(,\d+)* {_STYLE}$")


def check_mermaid(text: str) -> tuple[set[str], list[tuple[str, str]]]:
    """Validate a Mermaid flowchart line by line (the subset we emit): header, node shapes with
    quoted labels free of raw quotes, edges between declared nodes, balanced subgraphs, class and
    link styles referring to existing nodes and edges. Returns (node ids, edges)."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] in ("flowchart LR", "flowchart TD"), lines[0]
    nodes: set[str] = set()
    edges: list[tuple[str, str]] = []
    depth = 0
    for raw in lines[1:]:
        line = raw.strip()
        assert line, "blank line"
        if m := _NODE.match(line):
            assert m.group(1) not in nodes, f"node declared twice: {line}"
            nodes.add(m.group(1))
        elif m := _EDGE.match(line):
            assert m.group(1) in nodes and m.group(4) in nodes, f"undeclared node in {line}"
            edges.append((m.group(1), m.group(4)))
        elif _SUB.match(line):
            depth += 1
        elif line == "end":
            depth -= 1
            assert depth >= 0
        elif _CLASSDEF.match(line):
            pass
        elif m := _CLASS.match(line):
            ids = line.split()[1].split(",")
            assert set(ids) <= nodes, line
        elif _LINKSTYLE.match(line):
            idx = [int(i) for i in line.split()[1].split(",")]
            assert max(idx) < len(edges), line
        else:
            raise AssertionError(f"not valid Mermaid (our subset): {line!r}")
    assert depth == 0, "unbalanced subgraph/end"
    return nodes, edges


# ---------------------------------------------------------------- services view


def test_services_view_one_node_per_service_and_crossing_counts(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    v = render.services_view(plan, graph, min_crossings=1)
    assert sorted(n.id for n in v.nodes) == sorted(s.name for s in plan.services)
    assert {n.id: n.kind for n in v.nodes}["kernel"] == "kernel"
    counts = Counter((c.src_service, c.dst_service) for c in plan.crossings)
    assert {(e.src, e.dst): e.weight for e in v.edges} == dict(counts)
    assert all(e.crossing for e in v.edges)
    assert ("orders", "billing") in counts and ("billing", "orders") in counts


def test_import_cycle_between_services_is_found_and_one_edge_closes_it(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    assert render.service_cycles(plan) == [["billing", "orders"]]
    v = render.services_view(plan, graph, min_crossings=1)
    red = {(e.src, e.dst) for e in v.edges if e.cycle}
    assert len(red) == 1 and red <= {("orders", "billing"), ("billing", "orders")}
    assert not any(e.cycle for e in v.edges if {e.src, e.dst} != {"orders", "billing"})
    assert any("import cycle between 2 services: billing, orders" in n for n in v.notes)


def test_weak_service_edges_are_hidden_with_a_note(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    full = render.services_view(plan, graph, min_crossings=1)
    top = max(e.weight for e in full.edges)
    v = render.services_view(plan, graph, min_crossings=top + 1)
    assert v.edges == ()
    hidden = len(full.edges) - len(v.edges)
    assert hidden > 0 and any(f"{hidden} of {len(full.edges)}" in n for n in v.notes)


def test_auto_min_crossings_keeps_the_strongest_edges() -> None:
    assert render.auto_min_crossings([5, 1, 1], 3) == 1
    ws = list(range(1, 101))
    t = render.auto_min_crossings(ws, 10)  # budget 30 edges
    assert sum(w >= t for w in ws) == 30


def test_feedback_edges_break_every_cycle_and_touch_nothing_else() -> None:
    rng = random.Random(7)
    for _ in range(40):
        nodes = [f"s{i}" for i in range(rng.randint(2, 9))]
        w = {
            (a, b): float(rng.randint(1, 9))
            for a in nodes
            for b in nodes
            if a != b and rng.random() < 0.3
        }
        fas = render.feedback_edges(w)
        rest = {a: [b for (x, b) in w if x == a and (x, b) not in fas] for a in nodes}
        assert all(len(c) == 1 for c in render._sccs(rest)), "cycle left"
        comp = {
            v: i
            for i, c in enumerate(render._sccs({a: [b for (x, b) in w if x == a] for a in nodes}))
            for v in c
        }
        assert all(comp[a] == comp[b] for a, b in fas), "edge outside a cycle returned"


def test_feedback_edge_prefers_the_lighter_direction() -> None:
    assert render.feedback_edges({("a", "b"): 10.0, ("b", "a"): 1.0}) == {("b", "a")}
    assert render.feedback_edges({("a", "b"): 1.0, ("b", "c"): 1.0}) == set()


# ---------------------------------------------------------------- modules / service / focus


def test_modules_view_clusters_by_service_and_styles_crossings(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    v = render.modules_view(plan, graph)
    of = plan.partition.as_dict()
    assert {n.id.split("/", 1)[1]: n.cluster for n in v.nodes} == of
    assert dict(v.clusters)["kernel"] == "shared kernel"
    for e in v.edges:
        sa, sb = e.src.split("/")[0], e.dst.split("/")[0]
        assert e.crossing == (sa != sb and sb != "kernel")
    into_kernel = [e for e in v.edges if e.dst.startswith("kernel/")]
    assert into_kernel and not any(e.crossing for e in into_kernel)
    assert any(e.cycle for e in v.edges), "the orders<->billing cycle shows on module edges"


def test_collapse_by_depth_merges_modules_of_one_service_only(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    v = render.modules_view(plan, graph, depth=2)
    ids = {n.id for n in v.nodes}
    assert "catalog/shop.catalog" in ids and "orders/shop.orders" in ids
    assert "orders/shop" in ids  # shop/__init__ is in orders; depth 1 prefix kept separate
    cat = next(n for n in v.nodes if n.id == "catalog/shop.catalog")
    assert cat.kind == "package" and cat.size == 3
    assert sum(n.size for n in v.nodes) == len(plan.partition.assignment)
    assert render.collapse_name("a.b.c", 2) == "a.b" and render.collapse_name("a", 3) == "a"


def test_service_view_draws_other_services_as_single_nodes(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    v = render.service_view(plan, graph, "orders")
    inner = {n.id for n in v.nodes if n.cluster == "orders"}
    assert inner == {f"orders/{m}" for m, s in plan.partition.assignment if s == "orders"}
    ext = {n.id for n in v.nodes if n.kind == "external"}
    assert ext == {"@billing", "@catalog"}
    assert all(e.crossing for e in v.edges if e.dst in ("@billing", "@catalog"))
    with pytest.raises(UsageError, match="unknown service 'nope'"):
        render.service_view(plan, graph, "nope")


def test_focus_view_hops(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    zero = render.focus_view(plan, graph, "shop.orders.cart", hops=0)
    assert [n.id for n in zero.nodes] == ["orders/shop.orders.cart"] and zero.nodes[0].focus
    one = render.focus_view(plan, graph, "shop.orders.cart", hops=1)
    names = {n.id.split("/", 1)[1] for n in one.nodes}
    assert names == {
        "shop.orders.cart",
        "shop.catalog.prices",
        "shop.billing.invoice",
        "shop.orders.history",
    }
    two = render.focus_view(plan, graph, "shop.orders.cart", hops=2)
    assert names < {n.id.split("/", 1)[1] for n in two.nodes}
    svc = render.focus_view(plan, graph, "catalog", hops=1)
    assert {n.id for n in svc.nodes} == {"catalog", "orders"}
    assert [n.id for n in svc.nodes if n.focus] == ["catalog"]
    with pytest.raises(UsageError, match="did you mean shop.orders.cart"):
        render.focus_view(plan, graph, "shop.orders.crt")


def test_default_view_depends_on_size(shop, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    assert render.build_view(plan, graph).name == "modules"
    monkeypatch.setattr(render, "LARGE", 3)
    assert render.build_view(plan, graph).name == "services"
    assert render.build_view(plan, graph, focus="catalog").name == "focus"
    with pytest.raises(UsageError, match="--service"):
        render.build_view(plan, graph, "service")


# ---------------------------------------------------------------- emitters


@pytest.mark.parametrize("view", ["services", "modules", "service", "focus"])
def test_mermaid_is_structurally_valid_for_every_view(shop, view: str) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    v = render.build_view(
        plan, graph, view, service="orders", focus="shop.orders.cart", min_crossings=1
    )
    nodes, edges = check_mermaid(render.to_mermaid(v))
    assert len(nodes) == len(v.nodes) and len(edges) == len(v.edges)


def test_report_md_mermaid_is_structurally_valid(shop) -> None:  # type: ignore[no-untyped-def]
    _graph, plan = shop
    nodes, edges = check_mermaid(report_mermaid(plan))
    assert len(nodes) == len(plan.services)
    assert len(edges) == len({(c.src_service, c.dst_service) for c in plan.crossings})


def test_mermaid_escapes_hostile_names() -> None:
    evil = 'a"b]c|d<script>#e;\nf`'
    v = render.View(
        "services",
        "t",
        (render.Node(evil, evil, "service"), render.Node("x", "x", "kernel")),
        (render.Edge(evil, "x", 1, 1, 0, True),),
        (),
    )
    text = render.to_mermaid(v)
    check_mermaid(text)
    assert "<script>" not in text and 'a"b' not in text


def test_view_json(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    v = render.services_view(plan, graph, min_crossings=1)
    doc = json.loads(render.to_json(v))
    assert doc["schema"] == "decompose.view/1" and doc["view"] == "services"
    assert len(doc["nodes"]) == len(v.nodes) and len(doc["edges"]) == len(v.edges)
    assert {"src", "dst", "weight", "imports", "calls", "crossing", "cycle"} <= set(doc["edges"][0])


def test_declared_partition(shop) -> None:  # type: ignore[no-untyped-def]
    from decompose.config import parse_config

    graph, _plan = shop
    cfg = parse_config(
        {
            "kernel": ["shop.util"],
            "services": {
                "front": {"modules": ["shop.orders.*", "shop.catalog.*"]},
                "money": {"modules": ["shop.billing.*"]},
            },
        }
    )
    part = render.declared_partition(graph, cfg).as_dict()
    assert part["shop.orders.cart"] == "front" and part["shop.catalog.items"] == "front"
    assert part["shop.billing.refund"] == "money" and part["shop.util"] == "kernel"
    assert part["shop"] == "unassigned"
    with pytest.raises(UsageError, match="declares no service"):
        render.declared_partition(graph, parse_config({}))


# ---------------------------------------------------------------- layout


def test_force_layout_is_deterministic_and_separates_discs() -> None:
    nodes = [f"s{i}" for i in range(12)]
    edges = {(nodes[i], nodes[(i * 5 + 3) % 12]): float(i + 1) for i in range(12)}
    sizes = {n: 20.0 + i for i, n in enumerate(nodes)}
    a = render.force_layout(nodes, edges, sizes)
    assert a == render.force_layout(nodes, edges, sizes)
    for i, u in enumerate(nodes):
        for v in nodes[i + 1 :]:
            d = ((a[u][0] - a[v][0]) ** 2 + (a[u][1] - a[v][1]) ** 2) ** 0.5
            assert d >= sizes[u] + sizes[v], (u, v, d)
    assert render.force_layout([], {}) == {}
    assert render.force_layout(["x"], {}) == {"x": (500.0, 500.0)}


def test_migrations_and_tests_are_one_node_per_folder() -> None:
    from decompose.render import _bundle

    assert _bundle("shop.orders.migrations.0001_initial") == "shop.orders.migrations"
    assert _bundle("shop.tests.test_api") == "shop.tests"
    assert _bundle("shop.orders.models") == "shop.orders.models"
    assert _bundle("tests") == "tests"
