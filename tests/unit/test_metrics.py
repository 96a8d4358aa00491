"""Tests for decompose.metrics: brute force for MoJo, networkx for Q, hand values for the rest."""

from __future__ import annotations

import itertools
import json
import math
import random
import subprocess
import sys
from collections import deque
from functools import cache
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decompose.metrics import (
    all_metrics,
    cohesion_coupling,
    inter_call_percentage,
    interface_number,
    modularity,
    mojo,
    mojofm,
    non_extreme_distribution,
    stability,
    structural_modularity,
)

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------------------------
# Brute-force MoJo
# --------------------------------------------------------------------------------------------

Blocks = frozenset[frozenset[str]]


def _blocks(partition: dict[str, str], objects: list[str]) -> Blocks:
    groups: dict[str, set[str]] = {}
    for o in objects:
        groups.setdefault(partition[o], set()).add(o)
    return frozenset(frozenset(g) for g in groups.values())


def _successors(state: Blocks) -> set[Blocks]:
    """All partitions reachable with one Move (object to another or a new cluster) or Join."""
    out: set[Blocks] = set()
    clusters = list(state)
    for i, src in enumerate(clusters):
        rest = [c for k, c in enumerate(clusters) if k != i]
        for obj in src:
            remaining = src - {obj}
            base = rest + ([remaining] if remaining else [])
            # move to a new cluster (a no-op for a singleton, which leaves the state unchanged)
            if remaining:
                out.add(frozenset([*base, frozenset([obj])]))
            for k, dst in enumerate(rest):
                moved = [c for kk, c in enumerate(rest) if kk != k] + [dst | {obj}]
                if remaining:
                    moved.append(remaining)
                out.add(frozenset(moved))
    for i, j in itertools.combinations(range(len(clusters)), 2):
        others = [c for k, c in enumerate(clusters) if k not in (i, j)]
        out.add(frozenset([*others, clusters[i] | clusters[j]]))
    out.discard(state)
    return out


@cache
def _brute_mno(start: Blocks, target: Blocks) -> int:
    """Breadth-first search for the fewest Move/Join operations from start to target."""
    seen = {start}
    queue: deque[tuple[Blocks, int]] = deque([(start, 0)])
    while queue:
        state, dist = queue.popleft()
        if state == target:
            return dist
        for nxt in _successors(state):
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, dist + 1))
    raise AssertionError("target unreachable")  # pragma: no cover - moves reach any partition


def _all_set_partitions(objects: list[str]) -> list[Blocks]:
    if not objects:
        return [frozenset()]
    first, rest = objects[0], objects[1:]
    out: list[Blocks] = []
    for smaller in _all_set_partitions(rest):
        out.append(frozenset([*smaller, frozenset([first])]))
        for block in smaller:
            out.append(frozenset([*(smaller - {block}), block | {first}]))
    return out


def test_brute_force_successors_sanity() -> None:
    # {a,b},{c}: moves a->{c}, a->new, b->{c}, b->new, c->{a,b}; join -> {a,b,c}.
    state = frozenset([frozenset("ab"), frozenset("c")])
    got = _successors(state)
    assert len(_all_set_partitions(["a", "b", "c"])) == 5
    assert got == set(_all_set_partitions(["a", "b", "c"])) - {state}


partition_pairs = st.integers(min_value=1, max_value=6).flatmap(
    lambda n: st.tuples(
        st.lists(st.sampled_from("PQRSTU"), min_size=n, max_size=n),
        st.lists(st.sampled_from("vwxyz"), min_size=n, max_size=n),
    )
)


@settings(max_examples=400, deadline=None)
@given(partition_pairs)
def test_mojo_equals_brute_force(labels: tuple[list[str], list[str]]) -> None:
    la, lb = labels
    objects = [f"o{i}" for i in range(len(la))]
    a = dict(zip(objects, la, strict=True))
    b = dict(zip(objects, lb, strict=True))
    assert mojo(a, b) == _brute_mno(_blocks(a, objects), _blocks(b, objects))
    assert mojo(b, a) == _brute_mno(_blocks(b, objects), _blocks(a, objects))


def test_mojo_brute_force_many_random_pairs() -> None:
    rng = random.Random(20240501)
    for _ in range(600):
        n = rng.randint(1, 6)
        objects = [f"m{i}" for i in range(n)]
        a = {o: rng.choice("ABCDEF"[: rng.randint(1, 6)]) for o in objects}
        b = {o: rng.choice("uvwxyz"[: rng.randint(1, 6)]) for o in objects}
        assert mojo(a, b) == _brute_mno(_blocks(a, objects), _blocks(b, objects))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_mojofm_denominator_is_the_true_maximum(n: int) -> None:
    # max over every partition A' of the brute-force mno(A', B) equals n - g_B, for every B.
    objects = [f"x{i}" for i in range(n)]
    every = _all_set_partitions(objects)
    for target in every:
        worst = max(_brute_mno(start, target) for start in every)
        b = {o: f"B{k}" for k, block in enumerate(sorted(map(sorted, target))) for o in block}
        best_a = max(
            every,
            key=lambda s: (_brute_mno(s, target), sorted(map(sorted, s))),
        )
        a = {o: f"A{k}" for k, block in enumerate(sorted(map(sorted, best_a))) for o in block}
        if worst == 0:
            assert mojofm(a, b) == 100.0
        else:
            # the worst A' scores exactly 0, so the denominator is the true maximum
            assert mojofm(a, b) == 0.0


# --------------------------------------------------------------------------------------------
# MoJo / MoJoFM hand cases
# --------------------------------------------------------------------------------------------


def test_mojo_identical_and_relabelled() -> None:
    a = {"a": "1", "b": "1", "c": "2", "d": "3"}
    relabelled = {"a": "x", "b": "x", "c": "y", "d": "z"}
    assert mojo(a, a) == 0
    assert mojo(a, relabelled) == 0
    assert mojofm(a, a) == 100.0
    assert mojofm(a, relabelled) == 100.0


def test_one_cluster_versus_singletons() -> None:
    objects = [f"o{i}" for i in range(5)]
    one = dict.fromkeys(objects, "all")
    singles = {o: o for o in objects}
    # one -> singletons: 4 moves to new clusters (M = 5 - 1, l = 1, g = 1).
    assert mojo(one, singles) == 4
    # singletons -> one: 4 joins (M = 0, l = 5, g = 1).
    assert mojo(singles, one) == 4
    # Both are the worst possible proposal for that reference: max mno = n - g_B = 5 - 1.
    assert mojofm(one, singles) == 0.0
    assert mojofm(singles, one) == 0.0


def test_mojo_textbook_example() -> None:
    # A = {1,2,3},{4,5}; B = {1,2},{3,4,5}. Move 3 to the other cluster: mno = 1.
    # M = (3 - 2) + (2 - 2) = 1; l = 2; g = 2. max mno(B) = 5 - 2 (sizes 2,3 -> g_B = 2) = 3.
    a = {"1": "A1", "2": "A1", "3": "A1", "4": "A2", "5": "A2"}
    b = {"1": "B1", "2": "B1", "3": "B2", "4": "B2", "5": "B2"}
    assert mojo(a, b) == 1
    assert mojofm(a, b) == pytest.approx(100.0 * (1 - 1 / 3))


def test_mojofm_is_asymmetric() -> None:
    # A = {a,b,c,d}; B = {a,b},{c,d}.
    # mno(A,B): M = 4 - 2 = 2, l = g = 1 -> 2; max mno(B) = 4 - 2 = 2 -> MoJoFM 0.
    # mno(B,A): M = 0, l = 2, g = 1 -> 1 join; max mno(A) = 4 - 1 = 3 -> MoJoFM 100 * 2/3.
    a = dict.fromkeys("abcd", "all")
    b = {"a": "L", "b": "L", "c": "R", "d": "R"}
    assert (mojo(a, b), mojo(b, a)) == (2, 1)
    assert mojofm(a, b) == 0.0
    assert mojofm(b, a) == pytest.approx(200.0 / 3)


def test_mojo_needs_matching_not_greedy() -> None:
    # A1 = {x1, y1} ties between B1 and B2; A2 = {x2} only overlaps B1.
    # A greedy pass that gives A1 to B1 finds g = 1 and mno = 2; the matching A1-B2, A2-B1
    # gives g = 2 and mno = M + l - g = 1 + 2 - 2 = 1 (move x1 into A2).
    a = {"x1": "A1", "y1": "A1", "x2": "A2"}
    b = {"x1": "B1", "x2": "B1", "y1": "B2"}
    assert mojo(a, b) == 1
    assert _brute_mno(_blocks(a, sorted(a)), _blocks(b, sorted(b))) == 1


def test_mojo_only_common_objects_count() -> None:
    a = {"a": "1", "b": "1", "c": "2", "extra_a": "9"}
    b = {"a": "x", "b": "x", "c": "y", "extra_b": "x"}
    assert mojo(a, b) == 0
    assert mojofm(a, b) == 100.0
    assert mojo({}, b) == 0


def test_mojofm_degenerate_is_100() -> None:
    assert mojofm({}, {}) == 100.0
    assert mojofm({"a": "1"}, {"a": "2"}) == 100.0
    assert mojofm({"a": "1"}, {"b": "2"}) == 100.0


def test_mojofm_in_range_on_random_pairs() -> None:
    rng = random.Random(7)
    for _ in range(300):
        objects = [f"m{i}" for i in range(rng.randint(0, 40))]
        a = {o: str(rng.randint(0, 6)) for o in objects}
        b = {o: str(rng.randint(0, 6)) for o in objects}
        assert 0.0 <= mojofm(a, b) <= 100.0


def test_mojo_long_augmenting_path_is_exact() -> None:
    # A_i = {p_i, q_i} ties between B_i and B_{i+1}; the A-clusters are matched in label order,
    # so A_i first takes B_i. The last A-cluster {r} overlaps only B_0, which forces one
    # augmenting path through all n pairs (deeper than Python's recursion limit).
    # M = n (one object of each pair must move), l = n + 1, g = n + 1 -> mno = n.
    n = 2000
    a: dict[str, str] = {"r": f"A{n:05d}"}
    b: dict[str, str] = {"r": "B00000"}
    for i in range(n):
        a[f"p{i}"] = a[f"q{i}"] = f"A{i:05d}"
        b[f"p{i}"] = f"B{i:05d}"
        b[f"q{i}"] = f"B{i + 1:05d}"
    assert mojo(a, b) == n


def test_stability() -> None:
    p = {"a": "1", "b": "1", "c": "2", "d": "2"}
    q = {"a": "x", "b": "x", "c": "y", "d": "y"}
    r = dict.fromkeys("abcd", "z")
    assert stability([]) == 100.0
    assert stability([p]) == 100.0
    assert stability([p, q]) == 100.0
    # pairs: (p,q) -> 100 both ways; (p,r) and (q,r): MoJoFM(p->r) = 200/3, MoJoFM(r->p) = 0.
    # mean of [100, 100, 200/3, 0, 200/3, 0] = (200 + 400/3) / 6 = 500/9.
    assert stability([p, q, r]) == pytest.approx(500 / 9)
    assert stability([r, q, p]) == stability([p, q, r])


# --------------------------------------------------------------------------------------------
# Modularity against networkx
# --------------------------------------------------------------------------------------------


@st.composite
def weighted_graphs(
    draw: st.DrawFn,
) -> tuple[list[str], dict[tuple[str, str], float], dict[str, str]]:
    n = draw(st.integers(min_value=1, max_value=12))
    nodes = [f"n{i}" for i in range(n)]
    pairs = [(u, v) for i, u in enumerate(nodes) for v in nodes[i:]]  # self-loops included
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=30))
    weights = draw(
        st.lists(
            st.floats(min_value=0.1, max_value=10.0, allow_nan=False),
            min_size=len(chosen),
            max_size=len(chosen),
        )
    )
    labels = draw(st.lists(st.sampled_from("abcd"), min_size=n, max_size=n))
    return nodes, dict(zip(chosen, weights, strict=True)), dict(zip(nodes, labels, strict=True))


@settings(max_examples=300, deadline=None)
@given(weighted_graphs(), st.sampled_from([0.5, 1.0, 1.7, 2.0]))
def test_modularity_matches_networkx(
    graph: tuple[list[str], dict[tuple[str, str], float], dict[str, str]], gamma: float
) -> None:
    nodes, edges, partition = graph
    g = nx.Graph()
    g.add_nodes_from(nodes)
    for (u, v), w in edges.items():
        g.add_edge(u, v, weight=w)
    communities: dict[str, set[str]] = {}
    for node, label in partition.items():
        communities.setdefault(label, set()).add(node)
    ours = modularity(nodes, edges, partition, resolution=gamma)
    if not edges:
        assert ours == 0.0
        return
    expected = nx.community.modularity(
        g, list(communities.values()), weight="weight", resolution=gamma
    )
    assert ours == pytest.approx(expected, abs=1e-12)


# A small hand graph:  a-b, b-c, a-c, c-d, d-e (all weight 1, m = 5), services X={a,b,c},
# Y={d,e}; degrees a2 b2 c3 d2 e1 -> k_X = 7, k_Y = 3; mu_X = 3, mu_Y = 1; sigma_XY = 1 (c-d).
NODES = ["a", "b", "c", "d", "e"]
EDGES = {("a", "b"): 1.0, ("b", "c"): 1.0, ("a", "c"): 1.0, ("c", "d"): 1.0, ("d", "e"): 1.0}
PART = {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y"}


def test_modularity_hand_example() -> None:
    # Q = (3/5 - (7/10)^2) + (1/5 - (3/10)^2) = 0.11 + 0.11 = 0.22
    assert modularity(NODES, EDGES, PART) == pytest.approx(0.22)
    # gamma = 2: (0.6 - 0.98) + (0.2 - 0.18) = -0.36
    assert modularity(NODES, EDGES, PART, resolution=2.0) == pytest.approx(-0.36)
    assert modularity([], {}, {}) == 0.0
    assert modularity(["a", "b"], {}, {"a": "1", "b": "2"}) == 0.0


def test_unlabelled_nodes_and_their_edges_are_left_out() -> None:
    edges = dict(EDGES)
    edges[("a", "kernel")] = 5.0
    edges[("kernel", "e")] = 5.0
    assert modularity([*NODES, "kernel"], edges, PART) == modularity(NODES, EDGES, PART)
    assert cohesion_coupling(NODES, edges, PART) == cohesion_coupling(NODES, EDGES, PART)


def test_reversed_duplicate_edges_are_summed() -> None:
    edges = {("a", "b"): 1.0, ("b", "a"): 2.0, ("b", "c"): 1.0}
    merged = {("a", "b"): 3.0, ("b", "c"): 1.0}
    part = {"a": "1", "b": "1", "c": "2"}
    assert modularity("abc", edges, part) == modularity("abc", merged, part)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_bad_weights_raise(bad: float) -> None:
    with pytest.raises(ValueError):
        modularity(NODES, {("a", "b"): bad}, PART)


# --------------------------------------------------------------------------------------------
# Structural modularity
# --------------------------------------------------------------------------------------------


def test_structural_modularity_hand_example() -> None:
    # cohesion: (mu_X/N_X^2 + mu_Y/N_Y^2) / K = (3/9 + 1/4) / 2 = 7/24
    # coupling: sigma_XY / (2 N_X N_Y) / (K(K-1)/2) = 1 / 12 / 1 = 2/24
    # SM = 7/24 - 2/24 = 5/24
    assert structural_modularity(NODES, EDGES, PART) == pytest.approx(5 / 24)


def test_structural_modularity_isolated_singleton_service() -> None:
    # Add isolated f in its own service Z: K = 3.
    # cohesion: (3/9 + 1/4 + 0/1) / 3 = 7/36; coupling: (1/12 + 0 + 0) / 3 = 1/36 -> SM = 6/36
    part = {**PART, "f": "Z"}
    assert structural_modularity([*NODES, "f"], EDGES, part) == pytest.approx(1 / 6)


def test_structural_modularity_single_service() -> None:
    # K = 1: SM = mu / N^2 = 5 / 25 (no coupling term, no division by K(K-1)/2 = 0)
    part = dict.fromkeys(NODES, "all")
    assert structural_modularity(NODES, EDGES, part) == pytest.approx(0.2)
    assert structural_modularity([], {}, {}) == 0.0


def test_structural_modularity_range_unweighted() -> None:
    rng = random.Random(3)
    for _ in range(200):
        nodes = [f"v{i}" for i in range(rng.randint(1, 10))]
        edges = {
            (u, v): 1.0 for i, u in enumerate(nodes) for v in nodes[i + 1 :] if rng.random() < 0.4
        }
        part = {n: str(rng.randint(0, 3)) for n in nodes}
        assert -1.0 <= structural_modularity(nodes, edges, part) <= 1.0


# --------------------------------------------------------------------------------------------
# ICP and IFN
# --------------------------------------------------------------------------------------------

SERVICE = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C"}


def _service_of(node: str) -> str | None:
    return SERVICE.get(node)


def test_icp_hand_example() -> None:
    calls = {
        ("a1", "a2"): 1,  # A->A, w = ln 1 + 1 = 1
        ("a1", "b1"): 3,  # A->B, w = 1 + ln 3
        ("b1", "b2"): 2,  # B->B, w = 1 + ln 2
        ("b2", "a2"): 1,  # B->A, w = 1
        ("a1", "zz"): 5,  # zz has no service: ignored
        ("a1", "a1"): 9,  # self-call: ignored
        ("b2", "a1"): 0,  # no call: ignored
    }
    # ICP = (1 + ln 3 + 1) / (1 + 1 + ln 3 + 1 + ln 2 + 1) = (2 + ln 3) / (4 + ln 3 + ln 2)
    expected = (2 + math.log(3)) / (4 + math.log(3) + math.log(2))
    assert inter_call_percentage(calls, _service_of) == pytest.approx(expected)
    assert inter_call_percentage({}, _service_of) == 0.0
    assert inter_call_percentage({("a1", "a2"): 4}, _service_of) == 0.0
    assert inter_call_percentage({("a1", "b2"): 4}, _service_of) == 1.0


def test_icp_negative_count_raises() -> None:
    with pytest.raises(ValueError):
        inter_call_percentage({("a1", "b1"): -1}, _service_of)


def test_ifn_hand_example() -> None:
    calls = {
        ("b2", "a2"): 1,  # A's interface: a2
        ("b1", "a2"): 7,  # a2 again: distinct members, still 1
        ("b2", "a1"): 1,  # A's interface: a1 -> |ifn_A| = 2
        ("a1", "b1"): 3,  # B's interface: b1 -> |ifn_B| = 1
        ("c1", "a1"): 1,  # C calls out; nobody calls C -> |ifn_C| = 0
        ("a1", "a2"): 4,  # internal
    }
    # IFN = (2 + 1 + 0) / 3 = 1.0
    assert interface_number(calls, _service_of) == pytest.approx(1.0)
    # With an extra service D that has no calls at all: (2 + 1 + 0 + 0) / 4 = 0.75
    assert interface_number(calls, _service_of, services=["A", "B", "C", "D"]) == 0.75
    assert interface_number({}, _service_of) == 0.0


# --------------------------------------------------------------------------------------------
# NED, cohesion, coupling
# --------------------------------------------------------------------------------------------


def test_ned_hand_example() -> None:
    # sizes X = 3, Y = 2 (n = 5)
    assert non_extreme_distribution(PART) == 1.0  # none in 5..20
    assert non_extreme_distribution(PART, low=2, high=3) == 0.0  # all inside (inclusive)
    assert non_extreme_distribution(PART, low=3, high=20) == pytest.approx(0.4)  # 1 - 3/5
    assert non_extreme_distribution({}) == 0.0
    # 12 modules: 6 in a service of 6 (inside), 1 in a singleton, 5 in a service of 5 (inside)
    part = {f"m{i}": ("s6" if i < 6 else "s1" if i == 6 else "s5") for i in range(12)}
    assert non_extreme_distribution(part) == pytest.approx(1 - 11 / 12)
    with pytest.raises(ValueError):
        non_extreme_distribution(PART, low=5, high=4)


def test_cohesion_coupling_hand_example() -> None:
    # X: 2mu = 6, ext = 1 -> 6/7; Y: 2mu = 2, ext = 1 -> 2/3; mean = (6/7 + 2/3)/2 = 16/21.
    # coupling = cut / m = 1 / 5.
    cohesion, coupling = cohesion_coupling(NODES, EDGES, PART)
    assert cohesion == pytest.approx(16 / 21)
    assert coupling == pytest.approx(0.2)
    # An isolated singleton service has no defined ratio and is left out of the mean.
    assert cohesion_coupling([*NODES, "f"], EDGES, {**PART, "f": "Z"}) == (cohesion, coupling)
    assert cohesion_coupling(["a"], {}, {"a": "1"}) == (0.0, 0.0)
    assert cohesion_coupling(NODES, EDGES, dict.fromkeys(NODES, "all")) == (1.0, 0.0)


def test_cohesion_coupling_weighted() -> None:
    # a-b 2 (inside P), b-c 3 (cut), c-c 1 (self-loop inside Q).
    # P: 2mu = 4, ext = 3 -> 4/7; Q: 2mu = 2, ext = 3 -> 2/5; cohesion = (4/7 + 2/5) / 2 = 17/35
    # coupling = 3 / (2 + 3 + 1) = 1/2
    edges = {("a", "b"): 2.0, ("b", "c"): 3.0, ("c", "c"): 1.0}
    cohesion, coupling = cohesion_coupling("abc", edges, {"a": "P", "b": "P", "c": "Q"})
    assert cohesion == pytest.approx(17 / 35)
    assert coupling == pytest.approx(0.5)


# --------------------------------------------------------------------------------------------
# all_metrics and determinism
# --------------------------------------------------------------------------------------------


def test_all_metrics_keys_and_rounding() -> None:
    got = all_metrics(NODES, EDGES, PART)
    assert list(got) == ["modularity", "structural_modularity", "ned", "cohesion", "coupling"]
    assert got["modularity"] == 0.22
    assert got["structural_modularity"] == round(5 / 24, 6)
    assert got["ned"] == 1.0
    assert got["cohesion"] == round(16 / 21, 6)
    assert got["coupling"] == 0.2

    calls = {("a", "b"): 1, ("a", "d"): 1, ("e", "c"): 2}
    got = all_metrics(NODES, EDGES, PART, call_pairs=calls)
    assert list(got) == [
        "modularity",
        "structural_modularity",
        "icp",
        "ifn",
        "ned",
        "cohesion",
        "coupling",
    ]
    # ICP: cut pairs a->d (w 1) and e->c (w 1 + ln 2) over all three.
    assert got["icp"] == round((2 + math.log(2)) / (3 + math.log(2)), 6)
    # IFN: X exposes c, Y exposes d -> (1 + 1) / 2
    assert got["ifn"] == 1.0


def test_all_metrics_never_negative_zero() -> None:
    got = all_metrics(["a", "b"], {}, {"a": "1", "b": "2"})
    assert all(math.copysign(1.0, v) == 1.0 for v in got.values() if v == 0.0)


def _random_case(
    seed: int,
) -> tuple[list[str], dict[tuple[str, str], float], dict[str, str], dict[tuple[str, str], int]]:
    rng = random.Random(seed)
    nodes = [f"pkg.mod{i}" for i in range(30)]
    edges: dict[tuple[str, str], float] = {}
    for i, u in enumerate(nodes):
        for v in nodes[i + 1 :]:
            if rng.random() < 0.15:
                edges[(u, v)] = rng.choice([0.1, 0.3, 1.0, 2.5, 7.0])
    part = {n: f"svc{rng.randint(0, 4)}" for n in nodes}
    calls = {(rng.choice(nodes), rng.choice(nodes)): rng.randint(0, 20) for _ in range(60)}
    return nodes, edges, part, calls


def _shuffled(
    seed: int,
    nodes: list[str],
    edges: dict[tuple[str, str], float],
    part: dict[str, str],
    calls: dict[tuple[str, str], int],
) -> tuple[list[str], dict[tuple[str, str], float], dict[str, str], dict[tuple[str, str], int]]:
    rng = random.Random(seed)
    n2 = nodes[:]
    rng.shuffle(n2)
    e_items = list(edges.items())
    rng.shuffle(e_items)
    e2 = {((v, u) if rng.random() < 0.5 else (u, v)): w for (u, v), w in e_items}
    p_items = list(part.items())
    rng.shuffle(p_items)
    c_items = list(calls.items())
    rng.shuffle(c_items)
    return n2, e2, dict(p_items), dict(c_items)


def test_determinism_under_reordered_inputs() -> None:
    for seed in range(10):
        nodes, edges, part, calls = _random_case(seed)
        base = all_metrics(nodes, edges, part, call_pairs=calls)
        raw = (
            modularity(nodes, edges, part, 1.3),
            structural_modularity(nodes, edges, part),
            cohesion_coupling(nodes, edges, part),
            inter_call_percentage(calls, part.get),
            interface_number(calls, part.get),
        )
        other = {n: f"t{i % 3}" for i, n in enumerate(sorted(nodes))}
        base_mojo = (mojo(part, other), mojofm(part, other), stability([part, other, part]))
        for shuffle_seed in range(5):
            n2, e2, p2, c2 = _shuffled(shuffle_seed, nodes, edges, part, calls)
            # exact equality, not approx: sums are order-independent
            assert all_metrics(n2, e2, p2, call_pairs=c2) == base
            assert (
                modularity(n2, e2, p2, 1.3),
                structural_modularity(n2, e2, p2),
                cohesion_coupling(n2, e2, p2),
                inter_call_percentage(c2, p2.get),
                interface_number(c2, p2.get),
            ) == raw
            o2 = dict(reversed(list(other.items())))
            assert (mojo(p2, o2), mojofm(p2, o2), stability([p2, o2, p2])) == base_mojo


_HASHSEED_SCRIPT = """
import json, random
from decompose.metrics import all_metrics, mojofm, stability
rng = random.Random(11)
nodes = [f"m{i}" for i in range(40)]
edges = {(u, v): rng.random() for i, u in enumerate(nodes) for v in nodes[i + 1:]
         if rng.random() < 0.2}
part = {n: f"s{rng.randint(0, 5)}" for n in nodes}
truth = {n: f"t{rng.randint(0, 3)}" for n in nodes}
calls = {(rng.choice(nodes), rng.choice(nodes)): rng.randint(1, 9) for _ in range(80)}
out = all_metrics(set(nodes), edges, part, call_pairs=calls, resolution=1.5)
out["mojofm"] = mojofm(part, truth)
out["stability"] = stability([part, truth])
print(json.dumps(out, sort_keys=True))
"""


def test_independent_of_hash_seed() -> None:
    outputs = []
    for hash_seed in ("0", "1", "12345"):
        result = subprocess.run(
            [sys.executable, "-c", _HASHSEED_SCRIPT],
            cwd=REPO,
            env={"PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1] == outputs[2]


def test_importing_the_module_does_not_import_networkx() -> None:
    # Only what decompose.metrics itself adds is checked (the package __init__ is not ours).
    code = (
        "import sys, decompose; before = 'networkx' in sys.modules; "
        "import decompose.metrics; print(before or 'networkx' not in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True"
