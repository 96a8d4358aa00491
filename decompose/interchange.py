"""Graphs and partitions from files: partition any graph in the ``graph.json`` schema, and score
a proposal against a reference partition.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from decompose.config import AnalyzeSettings
from decompose.errors import UsageError
from decompose.graph import ProgramGraph
from decompose.model import CallEdge, ModuleEdge, ModuleNode


def graph_from_json(doc: Any, source: str = "") -> ProgramGraph:
    """A ProgramGraph from a ``graph.json``-shaped document.

    Reads ``modules[].name`` (``kind`` optional), ``imports[]`` (``src``, ``dst``, optional
    ``kind`` = import, ``weight`` = 1, ``line``) and ``calls[]`` (``src``, ``dst`` as
    ``module:qualname`` or plain node names, optional ``kind`` = call, ``count`` = 1). Nodes named
    only by edges are added.

    Raises:
        UsageError: the document does not have that shape (message names the first bad entry).
    """
    if not isinstance(doc, dict):
        raise UsageError(f"{source}: expected a JSON object with 'modules' and 'imports'")
    for key in ("modules", "imports", "calls"):
        if key in doc and not isinstance(doc[key], list):
            raise UsageError(f"{source}: '{key}' must be a list, got {type(doc[key]).__name__}")
    if not any(isinstance(doc.get(k), list) for k in ("modules", "imports", "calls")):
        hint = (
            " (this looks like a proposal.json: pass the graph.json written beside it)"
            if "services" in doc
            else ""
        )
        raise UsageError(
            f"{source}: expected a graph.json-shaped object with a 'modules', 'imports' or "
            f"'calls' list{hint}"
        )
    names: set[str] = set()
    kinds: dict[str, str] = {}
    for i, m in enumerate(doc.get("modules", [])):
        if isinstance(m, str):
            names.add(m)
        elif isinstance(m, dict) and isinstance(m.get("name"), str):
            names.add(m["name"])
            kinds[m["name"]] = str(m.get("kind", "module"))
        else:
            raise UsageError(f"{source}: modules[{i}] has no string 'name'")
    imports: list[ModuleEdge] = []
    for i, e in enumerate(doc.get("imports", [])):
        try:
            src, dst = str(e["src"]), str(e["dst"])
            w = int(e.get("weight", 1))
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{source}: imports[{i}] needs 'src' and 'dst'") from exc
        names.update((src, dst))
        imports.append(
            ModuleEdge(src, dst, str(e.get("kind", "import")), int(e.get("line", 0)), max(w, 1))
        )
    calls: list[CallEdge] = []
    for i, c in enumerate(doc.get("calls", [])):
        try:
            src, dst = str(c["src"]), str(c["dst"])
        except (KeyError, TypeError) as exc:
            raise UsageError(f"{source}: calls[{i}] needs 'src' and 'dst'") from exc
        if ":" not in src:
            src += ":<module>"
        if ":" not in dst:
            dst += ":<module>"
        names.update((src.split(":", 1)[0], dst.split(":", 1)[0]))
        calls.append(
            CallEdge(
                src,
                dst,
                str(c.get("kind", "call")),
                int(c.get("line", 0)),
                max(int(c.get("count", 1)), 1),
            )
        )
    modules = tuple(sorted(ModuleNode(n, n, kinds.get(n, "module"), "ok") for n in names))
    return ProgramGraph(modules, tuple(sorted(imports)), (), tuple(sorted(calls)), (), 0, 0, {})


def partition_graph_file(path: Path, settings: AnalyzeSettings) -> dict[str, Any]:
    """Partition the graph in ``path``; returns a proposal document (services, settings,
    metrics)."""
    from decompose.boundary import build_plan
    from decompose.partition import propose

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read graph {path}: {exc}") from exc
    graph = graph_from_json(doc, str(path))
    part, info = propose(graph, settings)
    plan = build_plan(graph, part, settings, info)
    return {
        "schema": "decompose.proposal/1",
        "algorithm": part.algorithm,
        "seed": part.seed,
        "resolution": part.resolution,
        "services": {
            s.name: {"modules": list(s.modules), "kernel": s.kernel} for s in plan.services
        },
        "kernel": list(part.kernel),
        "metrics": plan.metrics,
        "extras": {k: v for k, v in plan.extras.items() if k != "god_modules"},
    }


def package_structure(modules: Iterable[tuple[str, bool]]) -> dict[str, str]:
    """Today's package structure as a partition: each module grouped under its first package
    component below the top-level package.

    ``pkg.orders.models`` -> ``pkg.orders``; the package ``pkg.orders`` itself -> ``pkg.orders``; a
    plain module directly under the top level (``pkg.config``) and the top-level package ``pkg`` ->
    ``pkg``; a top-level single-file module ``script`` -> ``script``.

    Args:
        modules: ``(dotted name, is_package)`` pairs.

    Returns:
        ``{module: package label}``.
    """
    items = list(modules)
    packages = {m for m, is_pkg in items if is_pkg}
    out: dict[str, str] = {}
    for m, _ in items:
        parts = m.split(".")
        if len(parts) >= 2 and ".".join(parts[:2]) in packages:
            out[m] = ".".join(parts[:2])
        else:
            out[m] = parts[0]
    return out


def load_partition(path: Path) -> dict[str, str]:
    """``{module: service}`` from a file or a project folder.

    Accepts a ``proposal.json`` (``services: {name: {modules: [...]}}``), a truth file
    (``services: {name: [modules]}``, optional ``shared_kernel``), a ``boundaries.toml`` /
    ``decompose.toml`` (module patterns, expanded by :func:`expand` when a graph is given), or a
    project folder, read as its package structure (:func:`package_structure`).

    Raises:
        UsageError: unreadable file or unknown shape.
    """
    if path.is_dir():
        from decompose.discover import discover

        project = discover(path)
        return package_structure(
            (f.module, f.is_package) for f in project.files if f.kind != "notebook"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    if path.suffix == ".toml":
        from decompose.config import load_boundaries

        cfg = load_boundaries(path)
        res: dict[str, str] = {}
        for s in cfg.services:
            for p in s.modules:
                res[p] = s.name
        for p in cfg.kernel:
            res[p] = "kernel"
        return res
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path}: not JSON or TOML: {exc}") from exc
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict):
        raise UsageError(f"{path}: expected a 'services' object")
    res = {}
    for name, val in services.items():
        mods = val.get("modules", []) if isinstance(val, dict) else val
        if not isinstance(mods, list):
            raise UsageError(f"{path}: services.{name} must list modules")
        for m in mods:
            res[str(m)] = str(name)
    for m in doc.get("shared_kernel", doc.get("kernel", [])) or []:
        res[str(m)] = "kernel"
    aliases = doc.get("aliases")
    for alias, canonical in sorted(aliases.items()) if isinstance(aliases, dict) else ():
        if str(canonical) in res:  # a proposal lists a symlinked file once, canonically
            res[str(alias)] = res[str(canonical)]
    return res


def expand(partition: dict[str, str], modules: list[str]) -> dict[str, str]:
    """Expand ``pkg.*`` / fnmatch patterns in a partition against known module names."""
    from decompose.config import matches

    if not any(ch in k for k in partition for ch in "*?["):
        return partition
    out: dict[str, str] = {}
    for m in modules:
        for pat, svc in sorted(partition.items(), key=lambda kv: -len(kv[0])):
            if m == pat or matches(m, pat):
                out[m] = svc
                break
    return out


def score_files(proposal: Path, reference: Path, graph_file: Path | None) -> dict[str, Any]:
    """Score a proposal against a reference partition.

    MoJoFM(proposal -> reference) and the reverse direction (Wen & Tzerpos 2004, exact, see
    :mod:`decompose.metrics`) on the modules both name; the shared kernel counts as one more
    service (a proposal cannot improve its score by putting modules aside). With a graph, the
    structural metrics (Q, SM, ICP, IFN, NED, cohesion, coupling) of the proposal and, under
    ``reference_metrics``, of the reference on the same projection, so today's package structure
    can be compared with what the dependencies say.

    Raises:
        UsageError: unreadable input, or no module in common.
    """
    from decompose.metrics import all_metrics, mojofm

    a = load_partition(proposal)
    b = load_partition(reference)
    graph = None
    if graph_file is not None:
        try:
            gdoc = json.loads(graph_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read graph {graph_file}: {exc}") from exc
        graph = graph_from_json(gdoc, str(graph_file))
        names = [m.name for m in graph.modules]
        a, b = expand(a, names), expand(b, names)
    else:
        # Without a graph, patterns (a boundaries TOML) are expanded against the module names
        # the other side lists, so ``pkg.auth.*`` still covers ``pkg.auth.views``.
        a_names = sorted(k for k in a if not any(ch in k for ch in "*?["))
        b_names = sorted(k for k in b if not any(ch in k for ch in "*?["))
        a, b = (
            expand(a, sorted(set(a_names) | set(b_names))),
            expand(b, sorted(set(a_names) | set(b_names))),
        )
    common = sorted(set(a) & set(b))
    if not common:
        raise UsageError("the proposal and the reference share no module name")
    only_a, only_b = sorted(set(a) - set(common)), sorted(set(b) - set(common))
    doc: dict[str, Any] = {
        "common_modules": len(common),
        "proposal_only": len(only_a),
        "reference_only": len(only_b),
    }
    # which modules one side lacks (scored on the common ones only): the first few by name
    if only_a:
        doc["proposal_only_modules"] = only_a[:_ONLY_LISTED]
    if only_b:
        doc["reference_only_modules"] = only_b[:_ONLY_LISTED]
    a = {m: a[m] for m in common}
    b = {m: b[m] for m in common}
    doc["proposal_services"] = len(set(a.values()))
    doc["reference_services"] = len(set(b.values()))
    doc["mojofm"] = round(mojofm(a, b), 3)
    doc["mojofm_reverse"] = round(mojofm(b, a), 3)
    if graph is not None:
        from decompose.config import DEFAULT_WEIGHTS
        from decompose.partition import project

        proj = project(graph, DEFAULT_WEIGHTS, True)
        nodes = [n for n in proj.nodes if n in a]
        pairs: dict[tuple[str, str], int] = {}
        for c in graph.calls:
            pairs[(c.src, c.dst)] = pairs.get((c.src, c.dst), 0) + c.count

        def metrics(part: dict[str, str]) -> dict[str, float]:
            # As analyze's report: the shared kernel is a library, not a service, so its
            # modules are left out of the structural metrics (MoJoFM above counts it).
            inside = [n for n in nodes if part[n] != "kernel"]
            return all_metrics(
                inside,
                dict(proj.edges),
                {n: part[n] for n in inside},
                call_pairs=pairs,
                partition_of=lambda x: (
                    None
                    if part.get(x.split(":", 1)[0]) == "kernel"
                    else part.get(x.split(":", 1)[0])
                ),
            )

        doc.update(metrics(a))
        doc["reference_metrics"] = metrics(b)
    return doc


_ONLY_LISTED = 20  # module names listed per side in score's output when one side lacks them


def format_score(doc: dict[str, Any]) -> str:
    """The text form of :func:`score_files`: one ``name value`` line per number, the proposal's
    metrics next to the reference's when both are present."""
    ref = doc.get("reference_metrics") or {}
    lines = []
    if ref:
        lines.append(f"{'':28} {'proposal':>10} {'reference':>10}")
    for k in sorted(doc):
        v = doc[k]
        if k == "reference_metrics":
            continue
        if isinstance(v, list):  # module names one side lacks
            count_key = k.removesuffix("_modules")
            more = int(doc.get(count_key, len(v))) - len(v)
            lines.append(f"{k}: " + ", ".join(v) + (f" … and {more} more" if more > 0 else ""))
            continue
        text = f"{v:.4g}" if isinstance(v, float) else str(v)
        line = f"{k:28} {text:>10}"
        if k in ref:
            line += f" {ref[k]:>10.4g}"
        lines.append(line)
    return "\n".join(lines) + "\n"
