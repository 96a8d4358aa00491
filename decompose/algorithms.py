"""Small graph algorithms shared by stages that must not import networkx (the warm path of
``check``, the renderer). Pure functions on plain mappings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def strongly_connected_components(
    nodes: Iterable[str], succ: Mapping[str, Iterable[str]]
) -> list[list[str]]:
    """Strongly connected components by iterative Tarjan (Tarjan, "Depth-first search and
    linear graph algorithms", SIAM J. Comput. 1(2), 1972): O(V + E), no recursion.

    Args:
        nodes: every node (successors not listed here are added).
        succ: node -> successors.

    Returns:
        Every component (singletons included) as a sorted list, the list itself sorted;
        deterministic whatever the input order.
    """
    all_nodes = sorted(set(nodes) | set(succ) | {w for vs in succ.values() for w in vs})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in all_nodes:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(succ.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, todo = work[-1]
            if todo:
                w = todo.pop(0)
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, sorted(succ.get(w, ()))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp: list[str] = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return sorted(out)
