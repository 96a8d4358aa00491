"""Tarjan's SCCs against networkx on random graphs, and on a deep chain (no recursion)."""

from __future__ import annotations

import random

import networkx as nx

from decompose.algorithms import strongly_connected_components


def test_matches_networkx_on_random_graphs() -> None:
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(1, 12)
        nodes = [f"n{i}" for i in range(n)]
        succ = {v: [w for w in nodes if rng.random() < 0.2] for v in nodes}
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_edges_from((v, w) for v, ws in succ.items() for w in ws)
        want = sorted(sorted(c) for c in nx.strongly_connected_components(g))
        assert strongly_connected_components(nodes, succ) == want


def test_deep_cycle_without_recursion() -> None:
    n = 50_000
    succ = {f"m{i:06d}": [f"m{(i + 1) % n:06d}"] for i in range(n)}
    comps = strongly_connected_components(succ, succ)
    assert len(comps) == 1 and len(comps[0]) == n
