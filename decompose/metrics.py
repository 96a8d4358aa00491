"""Boundary-quality metrics, each implemented once with its exact definition and source.

Published numbers for "the same" metric are often computed differently by different papers' code,
so every baseline and every proposal is scored here, with the same code on the same graph. The
definitions follow ``/work/shared/metrics.md``; each public function states its formula, its
source, and what it does in degenerate cases.

Shapes used throughout:

* a *partition* is a ``Mapping[str, str]`` from node (module) to cluster (service) label;
* a *graph* is an explicit node iterable plus an undirected weighted edge map
  ``Mapping[tuple[str, str], float]`` in which each unordered pair should appear once. Should both
  ``(u, v)`` and ``(v, u)`` appear, their weights are added (the graph is read as a multigraph).
  A self-loop ``(u, u)`` is an edge inside ``u``'s cluster; weights must be finite and >= 0.

Graph metrics are computed on the node set ``V = (nodes ∪ edge endpoints) ∩ partition keys``:
nodes without a label (e.g. a shared kernel taken out of clustering) are left out together with
their edges. Services are the labels of the nodes in ``V``, so ``K`` counts only non-empty
services.

Everything is deterministic: float sums use :func:`math.fsum` (correctly rounded, hence
independent of summation order) and every other order-sensitive step iterates sorted keys, so
results do not depend on dict/set iteration order or on the hash seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

__all__ = [
    "all_metrics",
    "cohesion_coupling",
    "inter_call_percentage",
    "interface_number",
    "mojo",
    "mojofm",
    "modularity",
    "non_extreme_distribution",
    "stability",
    "structural_modularity",
]

Edges = Mapping[tuple[str, str], float]
PartitionMap = Mapping[str, str]
CallPairs = Mapping[tuple[str, str], int]


# --------------------------------------------------------------------------------------------
# Shared graph preparation
# --------------------------------------------------------------------------------------------


class _Clustered:
    """A graph restricted to labelled nodes, with per-cluster and per-cluster-pair sums."""

    __slots__ = ("labels", "sizes", "inner", "external", "degree", "between", "total", "cut")

    def __init__(self, nodes: Iterable[str], edges: Edges, partition: PartitionMap) -> None:
        candidates = set(nodes)
        for u, v in edges:
            candidates.add(u)
            candidates.add(v)
        # node -> label for the nodes in V, built in sorted node order.
        self.labels: dict[str, str] = {
            node: partition[node] for node in sorted(candidates) if node in partition
        }
        self.sizes: dict[str, int] = {}
        for node in sorted(self.labels):
            label = self.labels[node]
            self.sizes[label] = self.sizes.get(label, 0) + 1

        merged: dict[tuple[str, str], list[float]] = {}
        for (u, v), weight in edges.items():
            w = float(weight)
            if not math.isfinite(w) or w < 0:
                raise ValueError(f"edge ({u!r}, {v!r}) has weight {weight!r}; need finite >= 0")
            if u not in self.labels or v not in self.labels:
                continue
            key = (u, v) if u <= v else (v, u)
            merged.setdefault(key, []).append(w)

        inner: dict[str, list[float]] = {label: [] for label in self.sizes}
        external: dict[str, list[float]] = {label: [] for label in self.sizes}
        between: dict[tuple[str, str], list[float]] = {}
        all_w: list[float] = []
        cut_w: list[float] = []
        for key in sorted(merged):
            u, v = key
            w = math.fsum(merged[key])
            all_w.append(w)
            cu, cv = self.labels[u], self.labels[v]
            if cu == cv:
                inner[cu].append(w)
            else:
                cut_w.append(w)
                external[cu].append(w)
                external[cv].append(w)
                pair = (cu, cv) if cu <= cv else (cv, cu)
                between.setdefault(pair, []).append(w)

        #: label -> mu_i, total weight of edges with both ends in the cluster (self-loops once).
        self.inner: dict[str, float] = {c: math.fsum(ws) for c, ws in inner.items()}
        #: label -> ext_i, total weight of edges with exactly one end in the cluster.
        self.external: dict[str, float] = {c: math.fsum(ws) for c, ws in external.items()}
        #: label -> k_c, total (weighted) degree of the cluster = 2 mu_i + ext_i.
        self.degree: dict[str, float] = {
            c: math.fsum([2.0 * self.inner[c], self.external[c]]) for c in self.sizes
        }
        #: (label_i, label_j) with label_i < label_j -> sigma_ij.
        self.between: dict[tuple[str, str], float] = {
            pair: math.fsum(ws) for pair, ws in sorted(between.items())
        }
        #: m, the total edge weight (each undirected edge once, self-loops once).
        self.total: float = math.fsum(all_w)
        #: total weight of edges between different clusters, each counted once.
        self.cut: float = math.fsum(cut_w)


def _restrict(nodes: Iterable[str], edges: Edges, partition: PartitionMap) -> dict[str, str]:
    """Return the partition restricted to ``V`` (see the module docstring)."""
    return _Clustered(nodes, edges, partition).labels


# --------------------------------------------------------------------------------------------
# Internal metrics (graph only)
# --------------------------------------------------------------------------------------------


def modularity(
    nodes: Iterable[str], edges: Edges, partition: PartitionMap, resolution: float = 1.0
) -> float:
    """Newman modularity Q of a partition of an undirected weighted graph.

    Formula (Newman & Girvan 2004; resolution γ of Reichardt & Bornholdt 2006)::

        Q = Σ_c [ L_c / m − γ · (k_c / 2m)² ]

    with ``m`` the total edge weight, ``L_c`` the weight of the edges inside cluster ``c``
    (self-loops once) and ``k_c`` the sum of the weighted degrees of ``c``'s nodes (a self-loop
    adds twice its weight to its node's degree). This is the value of
    ``networkx.community.modularity(G, communities, weight="weight", resolution=γ)`` on the same
    graph. Q measures fit to the graph, not agreement with an architecture.

    Args:
        nodes: node ids; isolated nodes do not change Q.
        edges: ``{(u, v): weight}``, each unordered pair once, weights finite and >= 0.
        partition: ``{node: cluster label}``; unlabelled nodes and their edges are left out.
        resolution: γ; above 1 favours more, smaller clusters.

    Returns:
        Q as a float (at most 1). ``0.0`` for a graph with no edge weight (where networkx would
        divide by zero).
    """
    g = _Clustered(nodes, edges, partition)
    m = g.total
    if m == 0.0:
        return 0.0
    terms: list[float] = []
    for label in sorted(g.sizes):
        share = g.degree[label] / (2.0 * m)
        terms.append(g.inner[label] / m)
        terms.append(-resolution * share * share)
    return math.fsum(terms)


def structural_modularity(nodes: Iterable[str], edges: Edges, partition: PartitionMap) -> float:
    """Structural modularity SM (Jin et al., TSE 2019; Bunch's BasicMQ, Mancoridis et al. 1998).

    Formula, with ``K`` services, ``N_i`` the number of nodes of service ``i``, ``μ_i`` the edge
    weight inside it and ``σ_ij`` the edge weight between services ``i`` and ``j``::

        SM = (1/K) Σ_i μ_i / N_i²  −  (1 / (K(K−1)/2)) Σ_{i<j} σ_ij / (2 N_i N_j)

    Higher is better; with 0/1 edge weights and no duplicate edges the range is [−1, 1].

    Degenerate cases: for ``K = 1`` there is no service pair, so the coupling term is taken as 0
    and ``SM = μ_1 / N_1²`` (this is BasicMQ's own rule for a single cluster). ``K = 0`` (no
    labelled node) gives ``0.0``.

    Args:
        nodes: node ids; isolated nodes count in ``N_i`` (and isolated singleton services in
            ``K``).
        edges: ``{(u, v): weight}``, each unordered pair once, weights finite and >= 0.
        partition: ``{node: service label}``; unlabelled nodes and their edges are left out.

    Returns:
        SM as a float.
    """
    g = _Clustered(nodes, edges, partition)
    k = len(g.sizes)
    if k == 0:
        return 0.0
    cohesion = math.fsum(g.inner[c] / (g.sizes[c] * g.sizes[c]) for c in sorted(g.sizes)) / k
    if k == 1:
        return cohesion
    coupling_terms = [
        sigma / (2.0 * g.sizes[ci] * g.sizes[cj]) for (ci, cj), sigma in sorted(g.between.items())
    ]
    coupling = math.fsum(coupling_terms) / (k * (k - 1) / 2.0)
    return math.fsum([cohesion, -coupling])


def _call_weights(
    call_pairs: CallPairs, partition_of: Callable[[str], str | None]
) -> list[tuple[str, str, str, str, float]]:
    """Return sorted ``(caller, callee, caller service, callee service, ln(v) + 1)`` rows.

    Pairs with count 0, self-calls and pairs with an endpoint whose service is ``None`` are
    dropped; negative counts raise ``ValueError``.
    """
    rows: list[tuple[str, str, str, str, float]] = []
    for caller, callee in sorted(call_pairs):
        count = call_pairs[(caller, callee)]
        if count < 0:
            raise ValueError(f"call pair ({caller!r}, {callee!r}) has negative count {count!r}")
        if count == 0 or caller == callee:
            continue
        s_caller, s_callee = partition_of(caller), partition_of(callee)
        if s_caller is None or s_callee is None:
            continue
        rows.append((caller, callee, s_caller, s_callee, math.log(count) + 1.0))
    return rows


def inter_call_percentage(
    call_pairs: CallPairs, partition_of: Callable[[str], str | None]
) -> float:
    """Inter-call percentage ICP (Kalia et al., Mono2Micro, ESEC/FSE 2021).

    Each directed caller→callee pair with call count ``v >= 1`` gets weight ``w = ln(v) + 1``::

        ICP = Σ_{pairs crossing services} w  /  Σ_{all counted pairs} w

    Lower is better. Pairs are counted only when both endpoints have a service
    (``partition_of`` returns ``None`` for an endpoint to ignore the pair); pairs with count 0
    and self-calls (``caller == callee``) are ignored; ``(a, b)`` and ``(b, a)`` are distinct
    pairs.

    Args:
        call_pairs: ``{(caller, callee): call count}``, counts >= 0.
        partition_of: node -> service label, or ``None`` to ignore the node's pairs.

    Returns:
        The crossing share in [0, 1]; ``0.0`` when no pair is counted.

    Raises:
        ValueError: on a negative call count.
    """
    rows = _call_weights(call_pairs, partition_of)
    total = math.fsum(row[4] for row in rows)
    if total == 0.0:
        return 0.0
    crossing = math.fsum(row[4] for row in rows if row[2] != row[3])
    return crossing / total


def interface_number(
    call_pairs: CallPairs,
    partition_of: Callable[[str], str | None],
    *,
    services: Iterable[str] | None = None,
) -> float:
    """Interface number IFN in Jin et al.'s definition (TSE 2019).

    ``ifn_i`` is the number of *distinct members* (callees) of service ``i`` called from a
    different service; ``IFN = (1/K) Σ_i ifn_i`` over the ``K`` services. Lower is better.

    This is Jin et al.'s definition. It is *not* the count used by Mono2Micro's code, which counts
    the cut caller/callee pairs (two outside callers of one member count twice there, once here).

    Pairs are used as in :func:`inter_call_percentage`: count 0, self-calls and pairs with an
    endpoint whose service is ``None`` are ignored.

    Args:
        call_pairs: ``{(caller, callee): call count}``, counts >= 0.
        partition_of: node -> service label, or ``None`` to ignore the node's pairs.
        services: the services to average over. By default, the services of every endpoint of
            every pair in ``call_pairs`` (``None`` excluded); when given, these labels together
            with any service seen on a counted pair. Pass the partition's labels so that services
            nobody calls count with ``ifn_i = 0``.

    Returns:
        IFN as a float >= 0; ``0.0`` when there is no service.

    Raises:
        ValueError: on a negative call count.
    """
    rows = _call_weights(call_pairs, partition_of)
    if services is None:
        known: set[str] = set()
        for caller, callee in sorted(call_pairs):
            for node in (caller, callee):
                label = partition_of(node)
                if label is not None:
                    known.add(label)
    else:
        known = set(services)
    interfaces: dict[str, set[str]] = {}
    for _caller, callee, s_caller, s_callee, _w in rows:
        known.add(s_caller)
        known.add(s_callee)
        if s_caller != s_callee:
            interfaces.setdefault(s_callee, set()).add(callee)
    if not known:
        return 0.0
    return sum(len(members) for members in interfaces.values()) / len(known)


def non_extreme_distribution(partition: PartitionMap, low: int = 5, high: int = 20) -> float:
    """Non-extreme distribution NED (Kalia et al., Mono2Micro, ESEC/FSE 2021).

    Formula, with ``n`` nodes and ``N_i`` the size of service ``i``::

        NED = 1 − (Σ_{i : low <= N_i <= high} N_i) / n

    Both bounds are inclusive. Lower is better; it flags giant and tiny services.

    Args:
        partition: ``{node: service label}``.
        low: smallest non-extreme service size.
        high: largest non-extreme service size.

    Returns:
        NED in [0, 1]; ``0.0`` for an empty partition.

    Raises:
        ValueError: if ``low > high``.
    """
    if low > high:
        raise ValueError(f"low={low} > high={high}")
    n = len(partition)
    if n == 0:
        return 0.0
    sizes: dict[str, int] = {}
    for label in partition.values():
        sizes[label] = sizes.get(label, 0) + 1
    inside = sum(size for size in sizes.values() if low <= size <= high)
    return 1.0 - inside / n


def cohesion_coupling(
    nodes: Iterable[str], edges: Edges, partition: PartitionMap
) -> tuple[float, float]:
    """Cohesion and coupling as in CARGO (Nitin et al., ASE 2022).

    Formulas, with ``μ_i`` the edge weight inside service ``i``, ``ext_i`` the weight of edges
    with exactly one end in ``i`` and ``m`` the total edge weight::

        cohesion = mean_i 2 μ_i / (2 μ_i + ext_i)
        coupling = (Σ weight of edges between different services) / m

    Each cut edge is counted once in the coupling. Higher cohesion and lower coupling are better.

    Degenerate cases: a service with no incident edge weight (``2μ_i + ext_i = 0``, e.g. a lone
    isolated module) has no defined cohesion and is left out of the mean; cohesion is ``0.0``
    when no service has incident weight. Coupling is ``0.0`` when ``m = 0``.

    Args:
        nodes: node ids.
        edges: ``{(u, v): weight}``, each unordered pair once, weights finite and >= 0.
        partition: ``{node: service label}``; unlabelled nodes and their edges are left out.

    Returns:
        ``(cohesion, coupling)``, both in [0, 1].
    """
    g = _Clustered(nodes, edges, partition)
    ratios = [2.0 * g.inner[c] / g.degree[c] for c in sorted(g.sizes) if g.degree[c] > 0.0]
    cohesion = math.fsum(ratios) / len(ratios) if ratios else 0.0
    coupling = g.cut / g.total if g.total > 0.0 else 0.0
    return cohesion, coupling


# --------------------------------------------------------------------------------------------
# Agreement with a reference
# --------------------------------------------------------------------------------------------


def _max_matching(adjacency: Sequence[Sequence[int]], n_right: int) -> int:
    """Size of a maximum bipartite matching (Kuhn's augmenting paths, iterative DFS)."""
    match_right = [-1] * n_right
    size = 0
    for root in range(len(adjacency)):
        visited = [False] * n_right
        stack: list[list[int]] = [[root, 0]]  # [left vertex, next neighbour index]
        chosen: list[int] = []  # right vertex taken at each stack level but the last
        while stack:
            frame = stack[-1]
            left, i = frame
            if i >= len(adjacency[left]):
                stack.pop()
                if chosen:
                    chosen.pop()
                continue
            frame[1] = i + 1
            right = adjacency[left][i]
            if visited[right]:
                continue
            visited[right] = True
            chosen.append(right)
            if match_right[right] == -1:
                for (lv, _), rv in zip(stack, chosen, strict=True):
                    match_right[rv] = lv
                size += 1
                break
            stack.append([match_right[right], 0])
    return size


def _common(a: PartitionMap, b: PartitionMap) -> list[str]:
    return sorted(set(a) & set(b))


def _mno(a: PartitionMap, b: PartitionMap, objects: Sequence[str]) -> int:
    a_labels = sorted({a[o] for o in objects})
    b_labels = sorted({b[o] for o in objects})
    a_index = {label: i for i, label in enumerate(a_labels)}
    b_index = {label: j for j, label in enumerate(b_labels)}
    overlap: list[dict[int, int]] = [{} for _ in a_labels]
    for o in objects:
        row = overlap[a_index[a[o]]]
        j = b_index[b[o]]
        row[j] = row.get(j, 0) + 1
    moves = 0
    adjacency: list[list[int]] = []
    for row in overlap:
        best = max(row.values())
        moves += sum(row.values()) - best
        adjacency.append(sorted(j for j, count in row.items() if count == best))
    groups = _max_matching(adjacency, len(b_labels))
    return moves + len(a_labels) - groups


def mojo(a: PartitionMap, b: PartitionMap) -> int:
    """MoJo distance mno(A, B): the minimum number of Move and Join operations turning A into B.

    Exact algorithm of Wen & Tzerpos (IWPC 2004), on the objects present in both partitions
    (others are ignored). Tag each object with its B-cluster; ``M = Σ_i (|A_i| − max_k |A_i ∩
    B_k|)`` objects must move; join each A-cluster to a B-cluster of maximal overlap so as to use
    as many distinct B-clusters as possible, i.e. a maximum bipartite matching of size ``g``
    between A-clusters and their maximal-overlap B-clusters; then::

        mno(A, B) = M + l − g

    with ``l`` the number of A-clusters. A Move takes one object to another cluster (possibly a
    new one); a Join merges two clusters. Not symmetric.

    Args:
        a: ``{object: cluster label}``, the partition to transform.
        b: ``{object: cluster label}``, the target.

    Returns:
        The number of operations, an int >= 0 (0 when A and B agree up to relabelling).
    """
    objects = _common(a, b)
    if not objects:
        return 0
    return _mno(a, b, objects)


def _max_mno(b: PartitionMap, objects: Sequence[str]) -> int:
    """``max_{A'} mno(A', B) = n − g_B`` (Wen & Tzerpos 2004)."""
    sizes: dict[str, int] = {}
    for o in objects:
        sizes[b[o]] = sizes.get(b[o], 0) + 1
    groups = 0
    for size in sorted(sizes.values()):
        if groups < size:
            groups += 1
    return len(objects) - groups


def mojofm(a: PartitionMap, b: PartitionMap) -> float:
    """MoJoFM effectiveness of a proposal A against a reference B (Wen & Tzerpos, IWPC 2004).

    Formula, on the objects present in both partitions::

        MoJoFM(A, B) = (1 − mno(A, B) / max_{A'} mno(A', B)) × 100

    where ``max_{A'} mno(A', B) = n − g_B``: sort B's cluster sizes ascending and, starting from
    ``g_B = 0``, add 1 for each size ``s`` with ``g_B < s``. ``mno`` is the exact
    :func:`mojo`. Asymmetric: report ``mojofm(proposal, truth)``.

    Degenerate case: when ``max mno = 0`` (at most one common object) every A' equals B, and the
    result is defined as ``100.0``.

    Args:
        a: ``{object: cluster label}``, the proposal.
        b: ``{object: cluster label}``, the reference (ground truth).

    Returns:
        MoJoFM in [0, 100]; 100 when A and B agree up to relabelling.
    """
    objects = _common(a, b)
    worst = _max_mno(b, objects)
    if worst == 0:
        return 100.0
    return (1.0 - _mno(a, b, objects) / worst) * 100.0


def stability(partitions: Sequence[PartitionMap]) -> float:
    """Stability of proposals made with different seeds (or slightly perturbed graphs).

    Formula, over the ``P`` proposals ``p_1 .. p_P``::

        stability = mean_{i<j} (MoJoFM(p_i, p_j) + MoJoFM(p_j, p_i)) / 2

    Higher is better: a proposal that changes with the seed is not one an architect can trust.

    Args:
        partitions: the proposals, each ``{node: service label}``.

    Returns:
        Mean pairwise symmetric MoJoFM in [0, 100]; ``100.0`` for fewer than two proposals.
    """
    count = len(partitions)
    if count < 2:
        return 100.0
    scores: list[float] = []
    for i in range(count):
        for j in range(i + 1, count):
            scores.append(mojofm(partitions[i], partitions[j]))
            scores.append(mojofm(partitions[j], partitions[i]))
    return math.fsum(scores) / len(scores)


# --------------------------------------------------------------------------------------------
# Convenience
# --------------------------------------------------------------------------------------------


def _round6(value: float) -> float:
    # ``+ 0.0`` turns a rounded ``-0.0`` into ``0.0`` so that reports never print "-0.0".
    return round(value, 6) + 0.0


def all_metrics(
    nodes: Iterable[str],
    edges: Edges,
    partition: PartitionMap,
    call_pairs: CallPairs | None = None,
    partition_of: Callable[[str], str | None] | None = None,
    resolution: float = 1.0,
) -> dict[str, float]:
    """All internal metrics of one partition, each rounded to 6 decimals.

    Keys, in this order: ``modularity`` (:func:`modularity` with ``resolution``),
    ``structural_modularity``, then only when ``call_pairs`` is given ``icp``
    (:func:`inter_call_percentage`) and ``ifn`` (:func:`interface_number` averaged over the
    services of ``V``, so services nobody calls count with 0), then ``ned``
    (:func:`non_extreme_distribution` with its default bounds, on ``V``), ``cohesion`` and
    ``coupling`` (:func:`cohesion_coupling`). All graph metrics use the same node
    set ``V`` (see the module docstring).

    Args:
        nodes: node ids.
        edges: ``{(u, v): weight}``, each unordered pair once.
        partition: ``{node: service label}``.
        call_pairs: optional ``{(caller, callee): call count}``.
        partition_of: service of a call-graph node (``None`` to ignore it); defaults to the
            partition's label for nodes of ``V`` and ``None`` otherwise.
        resolution: modularity resolution γ.

    Returns:
        ``{metric name: value}``.
    """
    node_list = sorted(set(nodes))
    labels = _restrict(node_list, edges, partition)
    cohesion, coupling = cohesion_coupling(node_list, edges, partition)
    out = {
        "modularity": modularity(node_list, edges, partition, resolution),
        "structural_modularity": structural_modularity(node_list, edges, partition),
    }
    if call_pairs is not None:
        lookup: Callable[[str], str | None] = (
            partition_of if partition_of is not None else labels.get
        )
        out["icp"] = inter_call_percentage(call_pairs, lookup)
        out["ifn"] = interface_number(call_pairs, lookup, services=sorted(set(labels.values())))
    out["ned"] = non_extreme_distribution(labels)
    out["cohesion"] = cohesion
    out["coupling"] = coupling
    return {key: _round6(value) for key, value in out.items()}
