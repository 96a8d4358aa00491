"""Emitters for ``analyze``: ``graph.json``, ``proposal.json``, ``boundaries.toml`` and
``report.md``. Each returns text; :func:`plan_outputs` returns the files as data (plan, then
write: :func:`decompose.outputs.write_files` applies them).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from decompose import __version__
from decompose.decision import decision_markdown, md_escape
from decompose.model import GeneratedFile, Plan, count
from decompose.partition import is_migration_module, is_test_module

if TYPE_CHECKING:
    from decompose.graph import ProgramGraph
    from decompose.pipeline import Analysis


# A proposal scoring below 0 is looser than no split at all (docs/quality.md): say so wherever Q
# is shown, so the groups are not read as service boundaries.
NEGATIVE_Q_NOTE = (
    " (below 0: fewer ties inside these groups than chance would give; read them as a map of "
    "the code, not as service boundaries)"
)


def dumps(obj: Any) -> str:
    """Deterministic JSON: sorted keys, 2-space indent, UTF-8, trailing newline."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def toml_str(s: str) -> str:
    """A TOML basic string (JSON escapes are valid TOML escapes)."""
    return json.dumps(s, ensure_ascii=False)


def toml_key(s: str) -> str:
    ok = s and all(c.isalnum() and c.isascii() or c in "_-" for c in s)
    return s if ok else toml_str(s)


def collapse(modules: list[str], all_modules: list[str]) -> list[str]:
    """Module patterns covering exactly ``modules``: a package whose whole subtree is in the
    list becomes ``pkg.*`` (which also matches ``pkg``)."""
    mine = set(modules)
    everything = sorted(set(all_modules) | mine)
    out: list[str] = []
    covered: set[str] = set()
    for m in sorted(mine, key=lambda x: (x.count("."), x)):
        if m in covered:
            continue
        subtree = [x for x in everything if x == m or x.startswith(m + ".")]
        if len(subtree) > 1 and all(x in mine for x in subtree):
            out.append(m + ".*")
            covered.update(subtree)
        else:
            out.append(m)
            covered.add(m)
    return sorted(out)


def service_dependencies(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    """``{(from, to): {"imports": n, "calls": n, "examples": [location strings]}}``."""
    deps: dict[tuple[str, str], dict[str, Any]] = {}
    for c in plan.crossings:
        d = deps.setdefault(
            (c.src_service, c.dst_service), {"imports": 0, "calls": 0, "examples": []}
        )
        if ":" in c.dst or ":" in c.src:
            d["calls"] += 1
        else:
            d["imports"] += 1
        if len(d["examples"]) < 3:
            d["examples"].append(
                f"{c.location.path}:{c.location.line} {c.src} → {c.dst} ({c.kind})"
            )
    return dict(sorted(deps.items()))


def proposal_json(analysis: Analysis) -> dict[str, Any]:
    """The ``proposal.json`` document (schema in docs/schema.md)."""
    plan = analysis.plan
    deps = service_dependencies(plan)
    lines = {m.name: m.lines for m in analysis.graph.modules}
    return {
        "schema": "decompose.proposal/1",
        "tool": {"name": "decompose", "version": __version__},
        "algorithm": plan.partition.algorithm,
        "seed": plan.partition.seed,
        "resolution": plan.partition.resolution,
        "settings": plan.settings,
        "metrics": plan.metrics,
        "services": {
            s.name: {
                "modules": list(s.modules),
                "interface": list(s.interface),
                "kernel": s.kernel,
                "lines": sum(lines.get(m, 0) for m in s.modules),
                "depends_on": sorted({b for (a, b) in deps if a == s.name}),
            }
            for s in plan.services
        },
        "kernel": list(plan.partition.kernel),
        # Files reached under a second name (symlinked folders) are listed once, under their
        # canonical module; each alias belongs to its canonical module's service.
        **(
            {"aliases": {a: c for a, c in sorted(analysis.graph.aliases)}}
            if analysis.graph.aliases
            else {}
        ),
        "dependencies": [
            {
                "from": a,
                "to": b,
                "imports": d["imports"],
                "calls": d["calls"],
                "examples": d["examples"],
            }
            for (a, b), d in deps.items()
        ],
        "explanations": {
            e.module: {
                "service": e.service,
                "pull": [{"service": s, "weight": w} for s, w in e.pull],
                "runner_up": e.runner_up,
                "margin": e.margin,
                "contested": e.contested,
                "top_edges": [{"module": n, "weight": w} for n, w in e.top_edges],
            }
            for e in plan.explanations
        },
        "extras": plan.extras,
    }


def boundaries_toml(analysis: Analysis) -> str:
    """The proposal as a ``boundaries.toml`` in the ``[tool.decompose]`` key format."""
    plan = analysis.plan
    all_modules = [m.name for m in analysis.graph.modules]
    deps = service_dependencies(plan)
    out = [
        "# Service boundaries proposed by `decompose analyze` "
        f"(algorithm {plan.partition.algorithm}, seed {plan.partition.seed}, "
        f"resolution {plan.partition.resolution}).",
        "# Same keys as [tool.decompose] / decompose.toml. Edit freely, then enforce with",
        "#   decompose check --boundaries boundaries.toml",
        "# or adopt it into your config with `decompose adopt`.",
        "",
    ]
    kernel = [s for s in plan.services if s.kernel]
    if kernel:
        pats = collapse(list(kernel[0].modules), all_modules)
        out.append("kernel = [" + ", ".join(toml_str(p) for p in pats) + "]")
        out.append("")
    for s in plan.services:
        if s.kernel:
            continue
        out.append(f"[services.{toml_key(s.name)}]")
        pats = collapse(list(s.modules), all_modules)
        out.append("modules = [")
        out.extend(f"  {toml_str(p)}," for p in pats)
        out.append("]")
        iface = list(s.interface)
        out.append("interface = [")
        out.extend(f"  {toml_str(i)}," for i in iface)
        out.append("]")
        dep = sorted({b for (a, b) in deps if a == s.name and b != "kernel"})
        out.append("depends_on = [" + ", ".join(toml_str(d) for d in dep) + "]")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def mermaid(plan: Plan) -> str:
    """A Mermaid flowchart of the service view (one node per service, crossing counts on the
    edges, import cycles between services highlighted, the shared kernel drawn apart), from the
    same view the ``graph`` command renders."""
    from decompose.render import services_view, to_mermaid

    return to_mermaid(services_view(plan))


def _md(s: str) -> str:
    """Escape text from analyzed code for Markdown tables and inline use."""
    return md_escape(s.replace("\n", " "))


def _code(s: str) -> str:
    return "`" + s.replace("`", "'").replace("\n", " ") + "`"


def report_markdown(analysis: Analysis) -> str:
    """``report.md``: the proposal for people (see docs/outputs.md)."""
    g = analysis.graph
    plan = analysis.plan
    m = plan.metrics
    deps = service_dependencies(plan)
    lines_of = {x.name: x.lines for x in g.modules}
    skipped = analysis.skipped
    out: list[str] = []
    w = out.append
    w(f"# Service boundary report: {_md(analysis.project.root.name)}")
    w("")
    w(
        f"Generated by decompose {__version__}. Seed {plan.partition.seed}, algorithm "
        f"{plan.partition.algorithm}, resolution {plan.partition.resolution}."
    )
    w("")
    w("## Summary")
    w("")
    w("| | |")
    w("|---|---|")
    w(f"| files read | {len(g.modules) - sum(1 for x in g.modules if x.kind == 'namespace')} |")
    w(f"| files skipped (not parsed) | {len(skipped)} |")
    w(f"| modules | {len(g.modules)} |")
    w(f"| lines of code | {sum(lines_of.values())} |")
    w(f"| first-party import edges | {len(g.imports)} |")
    w(f"| external import edges | {len(g.external)} |")
    w(f"| call-graph edges | {len(g.calls)} |")
    w(f"| call resolution rate | {g.resolution_rate:.1%} ({g.resolved_calls}/{g.call_sites}) |")
    w(
        f"| services proposed | {int(m.get('services', 0))} (+ shared kernel of "
        f"{count(int(m.get('kernel_modules', 0)), 'module')}) |"
    )
    q = m.get("modularity", 0)
    w(f"| modularity Q | {q:.3f}{NEGATIVE_Q_NOTE if q < 0 else ''} |")
    w(f"| crossings | {int(m.get('crossings', 0))} |")
    w(f"| contested modules | {int(m.get('contested_modules', 0))} |")
    w("")
    w("## Service graph")
    w("")
    w("```mermaid")
    w(mermaid(plan).rstrip())
    w("```")
    w("")
    w("## Services")
    w("")
    for s in plan.services:
        code = [x for x in s.modules if not is_test_module(x) and not is_migration_module(x)]
        tests = sum(1 for x in s.modules if is_test_module(x))
        migrations = len(s.modules) - len(code) - tests
        loc = sum(lines_of.get(x, 0) for x in code)
        title = "Shared kernel" if s.kernel else f"`{s.name}`"
        attached = [
            count(n, w) for n, w in ((tests, "test module"), (migrations, "migration")) if n
        ]
        extra = f" (+ {' and '.join(attached)} attached)" if attached else ""
        w(f"### {title} — {count(len(code), 'module')}, {count(loc, 'line')}{extra}")
        w("")
        if s.kernel:
            w(
                "Omnipresent modules taken out of the clustering: a library every service may "
                "use (keep it small and stable; consider publishing it as a package)."
            )
            w("")
        w(
            "Modules: "
            + ", ".join(_code(x) for x in s.modules[:60])
            + (f" … and {len(s.modules) - 60} more" if len(s.modules) > 60 else "")
        )
        w("")
        if s.interface:
            w(
                f"Interface ({count(len(s.interface), 'member')} used by other services): "
                + ", ".join(_code(x) for x in s.interface[:25])
                + (" …" if len(s.interface) > 25 else "")
            )
            w("")
        outs = sorted(b for (a, b) in deps if a == s.name)
        ins = sorted(a for (a, b) in deps if b == s.name)
        if outs:
            w("Depends on: " + ", ".join(_code(x) for x in outs))
            w("")
        if ins:
            w("Used by: " + ", ".join(_code(x) for x in ins))
            w("")
    w("## Dependencies between services")
    w("")
    if deps:
        w("| from | to | imports | calls | examples |")
        w("|---|---|---|---|---|")
        for (a, b), d in deps.items():
            ex = "<br>".join(_md(e) for e in d["examples"])
            w(f"| {_md(a)} | {_md(b)} | {d['imports']} | {d['calls']} | {ex} |")
    else:
        w("No crossings: the services are independent.")
    w("")
    contested = [e for e in plan.explanations if e.contested]
    w("## Modules that were hard to place")
    w("")
    if contested:
        w(
            "A module is contested when its pull towards its runner-up service is close to "
            "the pull "
            "towards its own (margin below the configured threshold)."
        )
        w("")
        w("| module | service | runner-up | margin |")
        w("|---|---|---|---|")
        for e in sorted(contested, key=lambda e: (e.margin, e.module))[:100]:
            w(f"| {_md(e.module)} | {_md(e.service)} | {_md(e.runner_up)} | {e.margin:.2f} |")
    else:
        w("None: every module is clearly closer to its own service than to any other.")
    w("")
    loose = [e.module for e in plan.explanations if not e.pull]
    if loose:
        w(
            f"{len(loose)} module{'s have' if len(loose) != 1 else ' has'} no dependency ties "
            "at all (empty packages, entry scripts, unused code): placed with the service of "
            "their package or nearest name, without evidence either way (margin 0, shown as "
            '"no ties" below).'
        )
        w("")
    if any(e.margin < 0 for e in plan.explanations):
        w(
            "A negative margin means the module is pulled harder towards its runner-up than "
            "towards its own service: it sits where a constraint, the merge of a tiny community "
            "or the consensus of the clustering runs put it, and is a candidate to move."
        )
        w("")
    gods = plan.extras.get("god_modules") or []
    if isinstance(gods, list) and gods:
        w("## God modules")
        w("")
        w(
            "Modules whose members are used by several services; the suggested split gives each "
            "member to the service that uses it most."
        )
        w("")
        for gm in gods:
            w(f"- {_code(str(gm['module']))} (in `{gm['service']}`):")
            for svc, members in dict(gm["suggested_split"]).items():
                w(f"  - to `{svc}`: " + ", ".join(_code(x) for x in members))
        w("")
    out.append(decision_markdown(analysis))  # roles, footprints, data coupling, the decision
    w("## Metrics")
    w("")
    w("| metric | value | meaning |")
    w("|---|---|---|")
    meaning = {
        "modularity": "Newman Q of the proposal on the dependency graph (higher = denser inside)",
        "structural_modularity": "SM, Jin et al. TSE 2019 (higher is better, -1..1)",
        "icp": "inter-call percentage, Mono2Micro (share of call weight crossing services; lower "
        "is better)",
        "ifn": "interface number, Jin et al. (mean members used from outside per service; lower "
        "is better)",
        "ned": "non-extreme distribution, Mono2Micro (share of modules outside services of 5-20; "
        "lower is better)",
        "cohesion": "CARGO cohesion (higher is better)",
        "coupling": "CARGO coupling (share of edge weight cut; lower is better)",
    }
    for k in sorted(m):
        w(f"| {k} | {m[k]:.4g} | {meaning.get(k, '')} |")
    w("")
    w("## Why each module is where it is")
    w("")
    w(
        "<details><summary>Explanation for every module (service, strongest ties, runner-up, "
        "margin)</summary>"
    )
    w("")
    w("| module | service | pulled by | runner-up | margin |")
    w("|---|---|---|---|---|")
    for e in plan.explanations:
        ties = ", ".join(f"{_md(n)} ({wt:g})" for n, wt in e.top_edges[:3]) or "—"
        margin = f"{e.margin:.2f}" if e.pull else "no ties"
        w(f"| {_md(e.module)} | {_md(e.service)} | {ties} | {_md(e.runner_up) or '—'} | {margin} |")
    w("")
    w("</details>")
    w("")
    from decompose.config import analyze_key_prefix, constraint_warnings

    kept = constraint_warnings(
        analysis.config.analyze,
        dict(plan.partition.assignment),
        dict(g.aliases),
        analyze_key_prefix(analysis.config),
    )
    if kept:  # pin / together / apart / kernel rules not simply obeyed (docs/configuration.md)
        w("## Constraints not kept as written")
        w("")
        w("\n".join(f"- {md_escape(x)}" for x in kept))
        w("")
    w("## Diagnostics")
    w("")
    diags = g.diagnostics
    if diags:
        counts: dict[str, int] = defaultdict(int)
        for diag in diags:
            counts[diag.code] += 1
        w(", ".join(f"{c}: {n}" for c, n in sorted(counts.items())))
        w("")
        w("```")
        for diag in diags[:200]:
            w(diag.format().replace("```", "'''"))
        if len(diags) > 200:
            w(f"... {len(diags) - 200} more in graph.json")
        w("```")
    else:
        w("None.")
    w("")
    return "\n".join(out)


def graph_json(graph: ProgramGraph) -> str:
    return dumps(graph.to_json())


def plan_outputs(analysis: Analysis) -> list[GeneratedFile]:
    """Every file ``analyze`` writes, as data (paths relative to the output folder)."""
    files = [
        GeneratedFile("graph.json", graph_json(analysis.graph).encode()),
        GeneratedFile("proposal.json", dumps(proposal_json(analysis)).encode()),
        GeneratedFile("boundaries.toml", boundaries_toml(analysis).encode()),
        GeneratedFile("report.md", report_markdown(analysis).encode()),
    ]
    try:
        from decompose.html import report_html
    except ImportError:  # pragma: no cover - the HTML report lands separately
        return files
    files.append(GeneratedFile("report.html", report_html(analysis).encode()))
    return files
