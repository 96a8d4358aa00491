"""Helpers for the decision-stage tests: a graph and a plan with a chosen partition."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from decompose.boundary import build_plan
from decompose.config import load_config
from decompose.graph import ProgramGraph
from decompose.model import Partition, Plan
from decompose.pipeline import load_graph, make_cache

# 300 small functions: enough lines for a service to be worth extracting (decision.MIN_LINES).
FILLER = "\n".join(f"def helper_{i}(x):\n    return x + {i}\n" for i in range(300))


def pad(source: str, tag: str) -> str:
    """``source`` dedented, followed by :data:`FILLER` with its names prefixed by ``tag``."""
    return textwrap.dedent(source).lstrip("\n") + "\n" + FILLER.replace("helper_", f"{tag}_")


def plan_for(root: Path, services: dict[str, str]) -> tuple[ProgramGraph, Plan]:
    """Graph of ``root`` and the plan of a hand-made partition: module prefix -> service (the
    longest matching prefix wins; unmatched modules go to ``rest``)."""
    config = load_config(root)
    _, graph, _ = load_graph(root, config, make_cache(config, None, True), jobs=1)
    assignment = []
    for m in graph.modules:
        best = ""
        for prefix in services:
            if (m.name == prefix or m.name.startswith(prefix + ".")) and len(prefix) > len(best):
                best = prefix
        assignment.append((m.name, services[best] if best else "rest"))
    kernel = tuple(sorted(m for m, s in assignment if s == "kernel"))
    part = Partition(tuple(sorted(assignment)), "manual", 0, 1.0, kernel)
    return graph, build_plan(graph, part, config.analyze, {})


def evaluate_plan(root: Path, services: dict[str, str]) -> dict[str, Any]:
    """``decision.evaluate`` (roles, footprints, coupling, decision) of :func:`plan_for`'s plan,
    without history."""
    from decompose.decision import evaluate

    graph, plan = plan_for(root, services)
    return evaluate(root, graph, plan, history_enabled=False)
