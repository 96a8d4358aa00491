"""``report.html``: one self-contained, offline, interactive page for an analysis.

The page shows the service graph (zoom and pan; click a service for its modules, roles, interface,
crossings and metrics; click an edge for the import and call locations of its crossings), a
searchable, paginated module table, the metrics and the diagnostics. It loads nothing from the
network: the script and styles are inline and the data is one JSON document in a
``<script type="application/json">`` element. The disc positions computed here are a start: the
page measures each service's labels and moves the discs so that no two labels overlap (see
docs/report.md, "Determinism").

Names from the analyzed code are untrusted. The template is rendered by jinja2 with autoescaping
on; the data goes through :func:`script_json`, which escapes ``<``, ``>``, ``&`` and U+2028/U+2029
so that no string can close the script element; the page's script only ever puts data into the
document as text (``textContent``), never as markup.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from decompose import __version__
from decompose.errors import DecomposeError

if TYPE_CHECKING:
    from decompose.pipeline import Analysis

TEMPLATE = "report.html.j2"
# The graph pane is wider than tall: stretch the (square) layout horizontally; distances only grow,
# so discs stay apart.
_STRETCH = 1.6


def templates_dir() -> Traversable:
    """The folder of jinja2 templates.

    Looked up in the installed package first (``decompose/templates``, where the wheel puts the
    top-level ``templates/`` folder), then beside the source tree (an editable install).

    Raises:
        DecomposeError: neither exists (a broken installation).
    """
    try:
        packaged = resources.files("decompose") / "templates"
        if packaged.is_dir() and (packaged / TEMPLATE).is_file():
            return packaged
    except (ModuleNotFoundError, OSError):  # pragma: no cover - odd importers
        pass
    beside = Path(__file__).resolve().parent.parent / "templates"
    if (beside / TEMPLATE).is_file():
        return beside
    raise DecomposeError(
        f"templates not found (looked in the decompose package and in {beside}): "
        "reinstall decompose"
    )


def script_json(obj: Any) -> str:
    """JSON safe to place inside a ``<script>`` element: deterministic (sorted keys, compact),
    with ``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\\u`` escapes, so no value can end the
    element or start an HTML comment, and the text is also valid JavaScript."""
    text = json.dumps(
        obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _num(x: float) -> float | None:
    return round(x, 4) if isinstance(x, int | float) and math.isfinite(x) else None


def report_data(analysis: Analysis) -> dict[str, Any]:
    """The JSON document the page's script reads (compact: crossings are rows of indexes into a
    string table, sorted by service pair so each service edge owns a contiguous range).

    Returns:
        A JSON-ready dict (see the keys below in the code; documented in docs/report.md).
    """
    from decompose.render import (
        auto_min_crossings,
        cycle_pairs,
        force_layout,
        service_cycles,
        service_edges,
    )

    g = analysis.graph
    plan = analysis.plan
    lines = {m.name: m.lines for m in g.modules}
    path_of = {m.name: m.path for m in g.modules}
    diag_count: dict[str, int] = defaultdict(int)
    for d in g.diagnostics:
        diag_count[d.path] += 1
    svc_names = [s.name for s in plan.services]
    svc_idx = {n: i for i, n in enumerate(svc_names)}
    expl = {e.module: e for e in plan.explanations}

    strings: list[str] = []
    sidx: dict[str, int] = {}

    def st(s: str) -> int:
        if s not in sidx:
            sidx[s] = len(strings)
            strings.append(s)
        return sidx[s]

    crossings = sorted(
        plan.crossings,
        key=lambda c: (
            c.src_service,
            c.dst_service,
            ":" in c.src or ":" in c.dst,
            c.location,
            c.src,
            c.dst,
            c.kind,
        ),
    )
    rows: list[list[int]] = []
    ranges: dict[tuple[str, str], list[int]] = {}
    for c in crossings:
        key = (c.src_service, c.dst_service)
        r = ranges.setdefault(key, [len(rows), len(rows)])
        rows.append([st(c.src), st(c.dst), st(c.kind), st(c.location.path), c.location.line])
        r[1] = len(rows)
    sedges = service_edges(plan)
    cyc = cycle_pairs(plan)
    edges = []
    for (a, b), (imp, calls) in sedges.items():
        if a not in svc_idx or b not in svc_idx:
            continue
        lo, hi = ranges[(a, b)]
        edges.append(
            {
                "s": svc_idx[a],
                "t": svc_idx[b],
                "imports": imp,
                "calls": calls,
                "cycle": (a, b) in cyc,
                "from": lo,
                "to": hi,
            }
        )

    # per-service metrics
    of = plan.partition.as_dict()
    internal: dict[str, int] = defaultdict(int)
    outgoing: dict[str, int] = defaultdict(int)
    for medge in g.imports:
        if medge.kind == "parent_init":
            continue
        sa, sb = of.get(medge.src), of.get(medge.dst)
        if sa is None or sb is None:
            continue
        if sa == sb:
            internal[sa] += medge.weight
        else:
            outgoing[sa] += medge.weight
    c_out: dict[str, int] = defaultdict(int)
    c_in: dict[str, int] = defaultdict(int)
    for c in plan.crossings:
        c_out[c.src_service] += 1
        c_in[c.dst_service] += 1
    contested: dict[str, int] = defaultdict(int)
    for ex in plan.explanations:
        if ex.contested:
            contested[ex.service] += 1

    core = [s for s in plan.services if not s.kernel]
    radius = {s.name: 14.0 + 5.0 * math.sqrt(len(s.modules)) for s in plan.services}
    weights = {(a, b): float(i + c) for (a, b), (i, c) in sedges.items()}
    # layout box grows with the number of services so discs and labels keep their size
    box = max(480.0, 240.0 * math.sqrt(max(len(core), 1)))
    pos = force_layout([s.name for s in core], weights, radius, width=box)
    if core:
        max_y = max(pos[s.name][1] + radius[s.name] for s in core)
        mid_x = (
            _STRETCH * (min(pos[s.name][0] for s in core) + max(pos[s.name][0] for s in core)) / 2
        )
    else:
        max_y, mid_x = 0.0, 500.0
    kernel_x = mid_x
    services = []
    for s in plan.services:
        if s.kernel:
            x, y = kernel_x, max_y + 60 + radius[s.name]
            kernel_x += 2 * radius[s.name] + 30
        else:
            x, y = pos[s.name][0] * _STRETCH, pos[s.name][1]
        tot = internal[s.name] + outgoing[s.name]
        services.append(
            {
                "name": s.name,
                "kernel": s.kernel,
                "x": x,
                "y": round(y, 1),
                "r": round(radius[s.name], 1),
                "modules": list(s.modules),
                "interface": list(s.interface),
                "metrics": {
                    "modules": len(s.modules),
                    "lines of code": sum(lines.get(m, 0) for m in s.modules),
                    "interface members": len(s.interface),
                    "crossings out": c_out[s.name],
                    "crossings in": c_in[s.name],
                    "contested modules": contested[s.name],
                    "internal import weight": internal[s.name],
                    "cohesion (internal / all import weight)": _num(internal[s.name] / tot)
                    if tot
                    else None,
                },
            }
        )
    modules: list[list[Any]] = []
    for m in sorted(of):
        xm = expl.get(m)
        modules.append(
            [
                m,
                svc_idx.get(of[m], -1),
                _num(xm.margin) if xm else None,
                1 if xm and xm.contested else 0,
                lines.get(m, 0),
                diag_count.get(path_of.get(m, ""), 0),
                path_of.get(m, ""),
                xm.runner_up if xm else "",
            ]
        )
    diagnostics = [
        [d.path, d.line, d.column + 1, d.code, d.message, d.severity] for d in g.diagnostics
    ]
    metrics = {k: _num(v) for k, v in sorted(plan.metrics.items())}
    roles = _roles(plan.extras.get("roles"))
    mod_roles = roles.get("modules", {}) if isinstance(roles, dict) else {}
    for row in modules:
        mr = mod_roles.get(row[0]) if isinstance(mod_roles, dict) else None
        row.append(str(mr.get("primary", "")) if isinstance(mr, dict) else "")
    return {
        "schema": "decompose.report/1",
        "title": analysis.project.root.name,
        "version": __version__,
        "seed": plan.partition.seed,
        "algorithm": plan.partition.algorithm,
        "resolution": _num(plan.partition.resolution),
        "summary": {
            "modules": len(g.modules),
            "lines of code": sum(lines.values()),
            "import edges": len(g.imports),
            "call edges": len(g.calls),
            "call resolution": _num(g.resolution_rate),
            "services": len(core),
            "shared kernel modules": len(plan.partition.kernel),
            "crossings": len(plan.crossings),
            "files skipped": len(analysis.skipped),
            "diagnostics": len(g.diagnostics),
        },
        "services": services,
        "edges": edges,
        "min_crossings": auto_min_crossings([e["imports"] + e["calls"] for e in edges], len(core)),
        "cycles": service_cycles(plan),
        "strings": strings,
        "crossings": rows,
        "modules": modules,
        "metrics": metrics,
        "diagnostics": diagnostics,
        "roles": roles if roles else None,
        "decision": _decision(plan.extras.get("decision")),
        "coupling": _coupling(plan.extras.get("data_coupling")),
        "footprints": _footprints(plan.extras.get("footprints")),
    }


def _roles(raw: object) -> Any:
    """The roles finding, trimmed for the page: per module its ``primary`` role and ``roles``,
    per service its ``summary``, ``primary`` and ``roles`` (the evidence stays in
    proposal.json). Another shape is passed through as it is; nothing gives None."""
    if not raw:
        return None
    if not isinstance(raw, dict) or not ({"modules", "services"} & set(raw)):
        return raw
    out: dict[str, Any] = {}
    for scope, keys in (
        ("modules", ("primary", "roles")),
        ("services", ("summary", "primary", "roles", "strong_primary", "strong_roles")),
    ):
        table = raw.get(scope)
        if isinstance(table, dict):
            out[scope] = {
                name: {k: v[k] for k in keys if k in v} if isinstance(v, dict) else v
                for name, v in table.items()
            }
    return out


def _d(x: object) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _l(x: object, cap: int | None = None) -> list[Any]:
    out = list(x) if isinstance(x, list | tuple) else []
    return out if cap is None else out[:cap]


def _criteria_rows(raw: object) -> list[list[Any]]:
    """``{key: {"score", "evidence"}}`` as rows ``[score, [evidence]]`` in
    :data:`decompose.decision.CRITERIA` order (a missing criterion gives ``[None, []]``)."""
    from decompose.decision import CRITERIA

    table = _d(raw)
    return [
        [_d(table.get(k)).get("score"), [str(e) for e in _l(_d(table.get(k)).get("evidence"))]]
        for k, _ in CRITERIA
    ]


def _decision(raw: object) -> dict[str, Any] | None:
    """The decision (``extras["decision"]``, see :func:`decompose.decision.decide`) for the page:
    criteria as ordered rows, per service its scores, total and facts, the steps with their
    crossing groups capped (50 inbound, 20 outbound; ``*_total`` keeps the full count). None when
    there is no decision."""
    from decompose.decision import CRITERIA

    dec = _d(raw)
    if not dec.get("verdict"):
        return None
    services = {}
    for name, p in _d(dec.get("services")).items():
        p = _d(p)
        f = _d(p.get("facts"))
        services[str(name)] = {
            "total": p.get("total"),
            "candidate": bool(p.get("candidate")),
            "job": bool(p.get("job")),
            "kind": str(p.get("kind") or "service"),
            "why_not": str(p.get("why_not") or ""),
            "notes": [str(n) for n in _l(p.get("notes"))],
            "criteria": _criteria_rows(p.get("criteria")),
            "image": str(f.get("image") or ""),
            "primary_role": str(f.get("primary_role") or ""),
            "inbound": f.get("inbound_crossings"),
            "outbound": f.get("outbound_crossings"),
            "shared": {str(k): [str(v) for v in _l(vs)] for k, vs in _d(f.get("shared")).items()},
        }
    steps = []
    for st in _l(dec.get("steps")):
        st = _d(st)
        inbound, outbound = _l(st.get("inbound")), _l(st.get("outbound"))
        steps.append(
            {
                "step": st.get("step"),
                "service": str(st.get("service") or ""),
                "action": str(st.get("action") or ""),
                "why": [str(w) for w in _l(st.get("why"))],
                "inbound": inbound[:50],
                "inbound_total": len(inbound),
                "outbound": outbound[:20],
                "outbound_total": len(outbound),
                "data": {str(k): [str(v) for v in _l(vs)] for k, vs in _d(st.get("data")).items()},
                "check_rules": str(st.get("check_rules") or ""),
            }
        )
    return {
        "verdict": str(dec["verdict"]),
        "headline": str(dec.get("headline") or dec["verdict"]),
        "why": [str(w) for w in _l(dec.get("why"))],
        "titles": [title for _, title in CRITERIA],
        "criteria": _criteria_rows(dec.get("criteria")),
        "services": services,
        "candidates": [str(c) for c in _l(dec.get("candidates"))],
        "steps": steps,
        "stay": {str(k): str(v) for k, v in _d(dec.get("stay")).items()},
        "offline": sorted(str(k) for k in _d(dec.get("offline_tools"))),
        "what_if": dec.get("what_if") if isinstance(dec.get("what_if"), dict) else None,
    }


COUPLING_KINDS = (
    ("tables", "table"),
    ("orm_models", "ORM model"),
    ("files", "file"),
    ("env", "env key"),
    ("queues", "queue"),
    ("caches", "cache"),
)


def _coupling(raw: object) -> dict[str, Any] | None:
    """The data coupling (``extras["data_coupling"]``, see
    :func:`decompose.coupling.data_coupling`) for the page: only the *shared* items (used by two
    or more services), as ``{"kind", "name", "services": {service: [module]}, "writers",
    "readers", "model", "owner", "evidence", "evidence_total"}`` (modules capped at 20 per
    service, evidence at 8); ``counts`` gives ``[shared, all]`` per kind; the heaviest 100
    service pairs. None when there is no finding."""
    dc = _d(raw)
    if not any(k in dc for k, _ in COUPLING_KINDS):
        return None
    items: list[dict[str, Any]] = []
    counts: dict[str, list[int]] = {}
    for key, kind in COUPLING_KINDS:
        all_items = [_d(i) for i in _l(dc.get(key))]
        shared = [i for i in all_items if i.get("shared")]
        counts[kind] = [len(shared), len(all_items)]
        for i in shared:
            ev = [str(e) for e in _l(i.get("evidence"))]
            items.append(
                {
                    "kind": kind,
                    "name": str(i.get("name", "")),
                    "services": {
                        str(s): [str(m) for m in _l(ms, 20)]
                        for s, ms in _d(i.get("services")).items()
                    },
                    "writers": [str(x) for x in _l(i.get("writers"))],
                    "readers": [str(x) for x in _l(i.get("readers"))],
                    "model": str(i.get("model") or ""),
                    "owner": str(i.get("owner") or ""),
                    "evidence": ev[:8],
                    "evidence_total": len(ev),
                }
            )
    pairs = sorted(
        (_d(p) for p in _l(dc.get("pairs"))),
        key=lambda p: (-float(p.get("weight") or 0), str(p.get("a")), str(p.get("b"))),
    )
    dyn = _d(dc.get("dynamic_sql"))
    return {
        "items": items,
        "counts": counts,
        "pairs": [
            {
                "a": str(p.get("a")),
                "b": str(p.get("b")),
                "weight": _num(float(p.get("weight") or 0)),
                "items": [str(x) for x in _l(p.get("items"))],
            }
            for p in pairs[:100]
        ],
        "pairs_total": len(pairs),
        "dynamic_sql": {
            "services": {str(k): v for k, v in _d(dyn.get("services")).items()},
            "evidence": [str(e) for e in _l(dyn.get("evidence"), 10)],
        },
    }


def _footprints(raw: object) -> dict[str, Any] | None:
    """The footprints (``extras["footprints"]``, see :func:`decompose.footprint.footprints`) per
    service: image class (own and with the kernel), GPU and large runtimes, CUDA evidence,
    pickle loads and distributions as rows ``[distribution, heavy, optional, guessed, note,
    evidence, number of modules]``. None when there is no finding."""
    fp = _d(raw)
    if not isinstance(fp.get("services"), dict):
        return None
    services = {}
    for name, f in _d(fp.get("services")).items():
        f = _d(f)
        services[str(name)] = {
            "image": str(f.get("image") or ""),
            "image_own": str(f.get("image_own") or ""),
            **{
                k: [str(x) for x in _l(f.get(k), 10)]
                for k in (
                    "gpu_runtimes",
                    "optional_gpu",
                    "large",
                    "via_kernel",
                    "cuda_evidence",
                    "loads_pickles",
                )
            },
            "distributions": [
                [
                    str(d.get("distribution", "")),
                    str(d.get("heavy") or ""),
                    bool(d.get("optional")),
                    d.get("source") == "guessed",
                    str(d.get("note") or ""),
                    str(d.get("evidence") or ""),
                    len(_l(d.get("modules"))),
                ]
                for d in map(_d, _l(f.get("distributions")))
            ],
        }
    return {
        "services": services,
        "gpu_services": [str(s) for s in _l(fp.get("gpu_services"))],
        "mapping": str(fp.get("mapping") or ""),
    }


def report_html(analysis: Analysis) -> str:
    """Render ``report.html`` for ``analysis`` (deterministic; see the module docstring).

    Raises:
        DecomposeError: the template is missing.
    """
    import jinja2
    from markupsafe import Markup

    source = (templates_dir() / TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    data = report_data(analysis)
    return env.from_string(source).render(
        title=data["title"],
        version=__version__,
        data_json=Markup(script_json(data)),
    )
