"""The decision: stay a monolith, become a modular monolith, or extract named services — scored
on the eight criteria teams weigh, from the evidence of roles, footprints, data coupling,
crossings and history, with that evidence shown next to every score.

Criteria (:data:`CRITERIA`): development speed, independent scaling, team autonomy, operational
complexity, model deployment flexibility, fault isolation, testing and debugging, infrastructure
cost. Each is scored for each proposed service on -2..+2: **positive favours extracting the
service, negative favours keeping it in the monolith**, 0 is neutral. The rules (documented in
docs/decision.md) are deliberately simple so a reader can check them against the evidence:

- *development speed*: share of the service's dependency edges that cross its boundary (< 25%:
  +1, 25-50%: -1, > 50%: -2) and, with history, how often it changes together with another
  service (> 30% of commits: -1) — coupled changes become coordinated releases;
- *independent scaling*: a distinct image (GPU or large runtime while the HTTP API's image is
  slimmer: +1) and a load that is not the request path (training, inference, workers,
  orchestration or ingestion as primary role, unless it serves HTTP routes: +1); an LLM API
  client is network-bound on a slim image and scales with the requests that call it (0);
- *team autonomy*: with history, a distinct main author owning >= 60% of the commits (+1, +2 when
  the rest of the code has other owners); one author everywhere gives 0. Without history, size
  decides: >= 3,000 lines +1, < 800 lines -1;
- *operational complexity*: always a cost: -1 for one more deployable, -1 more when it must call
  three or more other services or shares written tables;
- *model deployment flexibility*: holds inference or model-registry code +2, training +1; a
  client of hosted LLM APIs only 0 (the model runs at the provider: nothing to deploy);
- *fault isolation*: heavy runtime or long-running work (training, workers) +1 (a crash or OOM
  stays out of the API); called synchronously by HTTP API code -1 (a new network failure mode);
- *testing and debugging*: crossings that become network calls: <= 5: 0, <= 25: -1, more: -2;
- *infrastructure cost*: an image class different from the API's (GPU: +2, large CPU: +1), else
  -1 (one more always-on deployment).

A service is an extraction **candidate** when its total is positive, its independent-scaling
score is at least +1 and no table it shares is written by two services. Candidates are ordered
for a strangler-fig migration by (shared written tables, inbound crossings, -scaling score, name):
the first one is the easiest to carve out with the most to gain.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from decompose.errors import UsageError
from decompose.model import Crossing, Partition, Plan, count
from decompose.partition import WEB_APP_CLASSES

if TYPE_CHECKING:
    from decompose.config import AnalyzeSettings
    from decompose.graph import ProgramGraph
    from decompose.pipeline import Analysis

KERNEL = "kernel"
CRITERIA = (
    ("development_speed", "development speed"),
    ("independent_scaling", "independent scaling"),
    ("team_autonomy", "team autonomy"),
    ("operational_complexity", "operational complexity"),
    ("model_deployment", "model deployment flexibility"),
    ("fault_isolation", "fault isolation"),
    ("testing_debugging", "testing and debugging"),
    ("infrastructure_cost", "infrastructure cost"),
)
_IMAGE_RANK = {"slim": 0, "large-cpu": 1, "gpu-capable": 2, "gpu": 3}
_SCALING_ROLES = ("training", "inference", "worker", "orchestration", "ingestion")
_SMALL_PROJECT = 1500  # lines: below this a split is rarely worth a second deployable
_MIN_Q = 0.3
# Minimum substance (docs/decision.md, "What each service is"): a service of fewer than
# MIN_MODULES modules with more than MERGE_RATIO crossings per module is merged, not extracted.
MIN_MODULES = 3
MERGE_RATIO = 3
# Substance of a candidate (docs/decision.md, "Substance of a candidate"): fewer lines than this
# (tests aside) is too small to extract, the size team autonomy calls too small to staff; more
# than this share of its modules contested means its boundary is not settled.
SMALL_LINES = 800
CONTESTED_SHARE = 0.5
# ASGI / WSGI / URL-configuration modules: a server loads their ``application`` /
# ``urlpatterns``; with a web-framework import they are entries of the running system.
_WEB_APP_NAMES = frozenset({"asgi", "wsgi", "urls"})
# Tokens of a service name that say evaluation: such a service with scripts of its own is a job.
_EVAL_TOKENS = frozenset(
    {"eval", "evals", "evaluate", "evaluation", "bench", "benchmark", "benchmarks", "judge"}
)
# Import kinds that run no code: they do not make a module part of the running system.
_NO_RUN_KINDS = frozenset({"type_checking", "stub_only"})
_JOB_ROLES = ("training", "orchestration")
_GPU_IMAGES = ("gpu", "gpu-capable")
# Dataframe and columnar-format libraries: their import alone is no ingestion load.
_FRAME_LIBS = frozenset({"pandas", "polars", "pyarrow", "dask", "numpy"})


def total_reason(total: int) -> str:
    """Why a service with this criteria total stays, worded from the sign of the total:
    negative "the costs outweigh the gains", zero "the gains only balance the costs", positive
    "the gains outweigh the costs" (the other conditions of a candidate then decide)."""
    if total < 0:
        return f"total {total:+d}: the costs outweigh the gains"
    if total == 0:
        return "total 0: the gains only balance the costs"
    return f"total {total:+d}: the gains outweigh the costs"


def role_title(role: str) -> str:
    """A role as the report writes it (``data_access`` -> ``data access``)."""
    from decompose.roles import ROLE_TITLES

    return ROLE_TITLES.get(role, role.replace("_", " "))


def _clamp(v: int) -> int:
    return max(-2, min(2, v))


def _crit(score: int, evidence: Sequence[str]) -> dict[str, Any]:
    return {"score": _clamp(score), "evidence": [e for e in evidence if e]}


def _api_services(roles: Mapping[str, Any]) -> list[str]:
    """Services that serve HTTP: at least one module with a route handler (a route decorator, a
    handler registration or a view class; ``http_handlers`` of :func:`decompose.roles.classify`).
    Settings, urls and asgi wiring that only imports a web framework does not count."""
    out = []
    for name, info in roles.get("services", {}).items():
        if name != KERNEL and info.get("http_handlers"):
            out.append(name)
    return sorted(out)


def _attached(graph: ProgramGraph, roles: Mapping[str, Any]) -> frozenset[str]:
    """The attached modules (tests, migrations, examples, template trees) of
    :func:`decompose.roles.attached_modules`, as ``roles`` recorded them (computed when absent)."""
    if "attached" in roles:
        return frozenset(roles["attached"])
    from decompose.roles import attached_modules

    return attached_modules(graph)


def model_server(image: str, primary: str, basis: str) -> bool:
    """Whether an HTTP service is a model server behind an endpoint, whose load is the model
    rather than its requests: a GPU or GPU-capable image, or model serving / inference as its
    primary role on evidence (fschat's model workers). The one predicate :func:`front_door` and
    :func:`score_services` share."""
    return image in _GPU_IMAGES or (primary == "inference" and basis == "evidence")


def front_door(
    graph: ProgramGraph, plan: Plan, roles: Mapping[str, Any], footprints: Mapping[str, Any]
) -> tuple[str, dict[str, str]]:
    """The HTTP front door, and the HTTP services that run an application of their own.

    A service that builds an app (``FastAPI()``, ``Flask(...)``...), launches an HTTP server or
    holds an ASGI / WSGI / urls module (:func:`_http_app`) runs an HTTP application of its own.
    A service with route handlers (:func:`_api_services`) but no such module holds routers that
    another service's application mounts, so it serves the API itself. The front door is chosen
    among the app owners that serve routes (route handlers of their own, or routers their app
    modules import), model servers (:func:`model_server`) left out when any other owner exists
    — when several HTTP processes exist (an API server and GPU model workers each with its own
    server), requests enter through the API server: the one serving the most routes (route
    definitions, view classes and handler registrations in its own modules and in the routers
    its app modules import), then the lightest image class, then the most route-handler
    modules, then the name; with no such owner, the same order over every service with route
    handlers. (Before, the lightest image came first, then the name: feast's one-route lineage
    consumer beat its 13-route feature server, both slim. Before that, it was the lightest
    service with any route: a one-route router beat the app factory.)

    Args:
        graph, plan: the analysis.
        roles: :func:`decompose.roles.classify` output.
        footprints: :func:`decompose.footprint.footprints` output.

    Returns:
        ``(door, apps)``: the front door's service name (``""`` when no service serves HTTP)
        and ``{service: how it runs its own application}`` for the app owners that serve routes
        (their own, or routers their app modules import).
    """

    api = _api_services(roles)
    fp = footprints.get("services", {})
    mods = roles.get("modules", {})
    attached = _attached(graph, roles)
    ext = _external_tops(graph)
    imports: dict[str, set[str]] = defaultdict(set)
    for e in graph.imports:
        if e.kind not in _NO_RUN_KINDS and e.kind != "parent_init":
            imports[e.src].add(e.dst)
    apps: dict[str, str] = {}
    mounting: set[str] = set()  # app owners whose app modules import route handlers
    served: dict[str, set[str]] = defaultdict(set)  # route-handler modules each service serves
    of = plan.partition.as_dict()
    for m, info in mods.items():
        if info.get("handlers") and m not in attached and of.get(m, KERNEL) != KERNEL:
            served[of[m]].add(m)
    for svc in plan.services:
        if svc.kernel:
            continue
        for m in sorted(svc.modules):
            if m in attached:
                continue
            how = _http_app(graph, m, ext, mods.get(m, {}))
            if not how:
                continue
            apps.setdefault(svc.name, how)
            mounted = {
                d
                for d in imports.get(m, ())
                if mods.get(d, {}).get("handlers") and d not in attached
            }
            served[svc.name] |= mounted
            if mods.get(m, {}).get("handlers") or mounted:
                mounting.add(svc.name)
    # the app owners that serve routes (their own, or routers their app modules import)
    apps = {s: how for s, how in apps.items() if s in api or s in mounting}
    handlers = roles.get("services", {})

    def serves_model(s: str) -> bool:
        r = handlers.get(s, {})
        image = str(fp.get(s, {}).get("image", "slim"))
        return model_server(image, r.get("primary", ""), r.get("primary_basis", ""))

    pool = sorted(apps) or api
    pool = [s for s in pool if not serves_model(s)] or pool
    ranked = sorted(
        pool,
        key=lambda s: (
            -sum(int(mods.get(m, {}).get("routes", 1)) for m in served.get(s, ())),
            _IMAGE_RANK.get(fp.get(s, {}).get("image"), 0),
            -len(handlers.get(s, {}).get("http_handlers", [])),
            s,
        ),
    )
    return (ranked[0] if ranked else ""), apps


def _model_evidence(
    roles: Mapping[str, Any],
    service: Mapping[str, Any],
    wanted: Sequence[str],
    use_only: bool = False,
) -> list[str]:
    """Modules of a service whose ``wanted`` roles rest on more than names, each with its first
    piece of evidence: ``["pkg.llm (imports vllm)"]``. Tests and migrations are never listed
    (:func:`decompose.roles.classify` leaves them out of ``modules_by_role``).

    With ``use_only``, an import of a model-registry or serialization client (``huggingface_hub``,
    ``safetensors``, ``mlflow``, ``pickle``, ``joblib``: role ``registry``) is no evidence: the
    hub client also pushes datasets and sends telemetry pings. What counts is a use — a call
    that loads, saves or serves weights (``from_pretrained``, ``hf_hub_download``,
    ``torch.load``, ``transformers.pipeline``...), an inference decorator, or the import of a
    runtime that runs a model in the process (``vllm``, ``onnxruntime``, ``sentence_transformers``:
    role ``inference``)."""
    mods = roles.get("modules", {})
    by = service.get("modules_by_role", {})
    out: list[str] = []
    for m in sorted({m for role in wanted for m in by.get(role, [])}):
        info = mods.get(m, {})
        hits = [
            e
            for e in info.get("evidence", [])
            if e["role"] in wanted
            and e["kind"] not in ("name", "default", "partition")
            and not (use_only and e["kind"] == "import" and e["role"] == "registry")
        ]
        if hits:
            out.append(f"{m} ({hits[0]['detail']})")
    return out


def _internal_edges(graph: ProgramGraph, of: Mapping[str, str]) -> dict[str, int]:
    n: dict[str, int] = defaultdict(int)
    for e in graph.imports:
        if e.kind != "parent_init" and of.get(e.src) is not None and of.get(e.src) == of.get(e.dst):
            n[of[e.src]] += 1
    for c in graph.calls:
        a, b = of.get(c.src.split(":", 1)[0]), of.get(c.dst.split(":", 1)[0])
        if a is not None and a == b:
            n[a] += 1
    return n


def _group(crossings: Sequence[Crossing], key: str) -> list[dict[str, Any]]:
    """Crossings grouped by target member: ``[{"member", "from", "count", "example"}]``."""
    by: dict[str, dict[str, Any]] = {}
    for c in crossings:
        if ":" not in c.dst:
            continue
        d = by.setdefault(c.dst, {"member": c.dst, "from": set(), "count": 0, "example": ""})
        d["from"].add(getattr(c, key))
        d["count"] += 1
        if not d["example"]:
            d["example"] = f"{c.location.path}:{c.location.line} {c.src} ({c.kind})"
    return [
        {"member": m, "from": sorted(d["from"]), "count": d["count"], "example": d["example"]}
        for m, d in sorted(by.items(), key=lambda kv: (-kv[1]["count"], kv[0]))
    ]


def service_kind(
    name: str,
    modules: Sequence[str],
    crossings: int,
    partners: Sequence[str],
    primary_evidence: str,
    own_image: str,
    run: Mapping[str, Any],
) -> tuple[str, dict[str, Any]]:
    """What a service is: ``client_library``, ``offline_tool``, ``merge``, ``job`` or
    ``service``, in that order of precedence (docs/decision.md, "What each service is").

    Args:
        name: the service.
        modules: its modules, tests and migrations left out.
        crossings: its inbound + outbound crossings.
        partners: the other end of each of its crossings (service names, repeated).
        primary_evidence: its primary role when backed by evidence, else ``""``.
        own_image: the image class of its own imports (``gpu``, ``gpu-capable``, ...).
        run: ``has_entries`` (the project has entry modules), ``imported`` (its modules the
            running system imports), ``scripts`` (``path:line`` of its unreached ``__main__``
            guards), ``scheduled`` (its modules with an orchestrator's runner registration),
            ``serves`` (its modules with HTTP handlers, a server launch or a worker's runner
            registration: such a service is never a job), ``client`` (true for a client SDK
            the partitioner set apart: ``decompose.partition.client_libraries``).

    Returns:
        ``(kind, facts)``; facts hold ``imported``, ``scripts``, ``serves``, ``merge_into`` (the
        service it has most crossings with, ``""`` when none) and ``merge_crossings``.
    """
    tally: dict[str, int] = defaultdict(int)
    for x in partners:
        if x not in (name, KERNEL):
            tally[x] += 1
    target, with_target = min(tally.items(), key=lambda kv: (-kv[1], kv[0]), default=("", 0))
    facts: dict[str, Any] = {
        "imported": list(run.get("imported", [])),
        "scripts": list(run.get("scripts", [])),
        "serves": list(run.get("serves", [])),
        "merge_into": "",
        "merge_crossings": 0,
    }
    offline = (
        bool(run.get("has_entries"))
        and not facts["imported"]
        and bool(facts["scripts"])
        and not facts["serves"]
    )
    tokens = set(re.split(r"[_.\-]+", name.lower()))
    job_like = (
        primary_evidence in _JOB_ROLES
        or bool(tokens & _EVAL_TOKENS)
        or (offline and own_image in _GPU_IMAGES)
    )
    if run.get("client"):
        return "client_library", facts
    if offline and not job_like:
        return "offline_tool", facts
    if modules and len(modules) < MIN_MODULES and crossings > MERGE_RATIO * len(modules):
        facts["merge_into"], facts["merge_crossings"] = target, with_target
        return "merge", facts
    if job_like and not facts["serves"] and (facts["scripts"] or run.get("scheduled")):
        return "job", facts
    return "service", facts


def score_services(
    graph: ProgramGraph,
    plan: Plan,
    roles: Mapping[str, Any],
    footprints: Mapping[str, Any],
    coupling: Mapping[str, Any],
    hist: Mapping[str, Any],
    reach: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Score the eight criteria for every service except the shared kernel, and say what each
    service is (:func:`service_kind`).

    Args:
        graph, plan: the analysis.
        roles: :func:`decompose.roles.classify` output.
        footprints: :func:`decompose.footprint.footprints` output.
        coupling: :func:`decompose.coupling.data_coupling` output.
        hist: :func:`decompose.history.history` output.
        reach: :func:`reachability` output; without it (no sources read) no service is an
            offline tool and none is a job by its scripts.

    Returns:
        ``{service: {"criteria": {key: {"score": -2..2, "evidence": [str]}}, "total": int,
        "candidate": bool, "why_not": str, "kind": "service" | "job" | "offline_tool" |
        "merge", "job": bool, "notes": [str], "facts": {...}}}`` in service-name order.
        ``job`` marks a service split out as a job: kind ``job``, or a service nothing else
        calls and that serves nothing (no HTTP handler, server or worker: no network API
        needed). ``facts`` include ``kind``, ``scripts`` (``path:line`` of ``__main__``
        guards not reached by the running system),
        ``imported_modules`` (its modules the running system imports), ``serves`` (its modules
        with HTTP handlers, a server launch or a worker registration), ``contested_modules`` and
        ``merge_into``. A candidate also needs substance: at least :data:`MIN_MODULES` modules
        and :data:`SMALL_LINES` lines (tests aside), and no more than :data:`CONTESTED_SHARE`
        of its modules contested.
    """
    from decompose.coupling import shared_with

    reach = reach or {"entries": {}, "imported": [], "scripts": {}, "serves": []}
    attached = _attached(graph, roles)
    client_libs: Mapping[str, Any] = plan.extras.get("client_libraries") or {}  # type: ignore[assignment]
    imported_all = set(reach.get("imported", []))
    serves_all = set(reach.get("serves", []))
    explained = {e.module: e for e in plan.explanations}
    margin_limit = float(plan.settings.get("contested_margin", 0.2))  # type: ignore[arg-type]
    scripts_all: Mapping[str, str] = reach.get("scripts", {})
    has_entries = bool(reach.get("entries"))
    role_mods = roles.get("modules", {})
    of = plan.partition.as_dict()
    lines = {m.name: m.lines for m in graph.modules}
    internal = _internal_edges(graph, of)
    api_svcs = _api_services(roles)
    fp = footprints.get("services", {})
    # The HTTP front door (:func:`front_door`). A service needing a heavier image than it can
    # scale (and be priced) apart from the request path — unless it serves the API itself.
    door, apps = front_door(graph, plan, roles, footprints)
    api_image = _IMAGE_RANK.get(fp.get(door, {}).get("image"), 0) if door else 0
    door_text = (
        (
            f"the HTTP front door ({door}) needs only "
            f"{[k for k, v in _IMAGE_RANK.items() if v == api_image][0]}"
        )
        if door
        else ("no service has HTTP route handlers")
    )
    from decompose.footprint import heavy_importers

    heavy_mods = heavy_importers(graph, attached, footprints.get("required", {}))
    # What runs: entries and what they import, the modules that serve, the scripts run by hand
    # and what they import. Only meaningful when the project has entries at all.
    run_all = _import_closure(
        graph, imported_all | serves_all | set(scripts_all) | set(reach.get("entries", {}))
    )
    hist_svcs = hist.get("services", {}) if hist.get("available") else {}
    owners = {s: h.get("owner", "") for s, h in hist_svcs.items() if h.get("commits")}
    out: dict[str, dict[str, Any]] = {}
    # Crossings grouped once (in plan order): scanning them per service was O(services x
    # crossings), 45 s on transformers' 316 services.
    by_dst: dict[str, list[Any]] = {}
    by_src: dict[str, list[Any]] = {}
    for c in plan.crossings:
        by_dst.setdefault(c.dst_service, []).append(c)
        by_src.setdefault(c.src_service, []).append(c)
    for s in plan.services:
        if s.kernel:
            continue
        name = s.name
        inbound = by_dst.get(name, [])
        outbound = by_src.get(name, [])
        n_in, n_out = len(inbound), len(outbound)
        inside = internal.get(name, 0)
        total_edges = inside + n_in + n_out
        ratio = (n_in + n_out) / total_edges if total_edges else 0.0
        loc = sum(lines.get(m, 0) for m in s.modules)
        r = roles.get("services", {}).get(name, {})
        # The one primary role (roles.classify): the Roles table shows the same value.
        primary = r.get("primary", "business")
        basis = r.get("primary_basis", "default")
        # The HTTP front door is the request path, whatever else its modules do; so is a
        # service whose route handlers run in an application it does not build (routers mounted
        # into the front door's app): it serves the API itself.
        is_door = bool(door) and name == door
        f = fp.get(name, {})
        image = f.get("image", "slim")
        # Another app owner that serves routes (feast's feature server beside its lineage and
        # registry servers) is a request path of its own, like the front door — unless it is a
        # model server behind an endpoint (a GPU-capable image or model serving from evidence:
        # fschat's model workers), whose load is the model, not the requests.
        own_door = name in apps and not is_door and not model_server(image, primary, basis)
        api_side = is_door or own_door or (name in api_svcs and name not in apps)
        own = [m for m in s.modules if m not in attached]
        # Library code the running system never loads (a framework's per-library adapters that
        # the callers' own code imports): its heavy runtime runs in the caller's process.
        own_heavy = [m for m in own if m in heavy_mods and not f.get("via_kernel")]
        in_caller = bool(has_entries and own_heavy and not (set(own_heavy) & run_all))
        # Data ingestion from dataframe imports alone (pandas, pyarrow, polars: a query result
        # read into a frame) is no load apart from the request path: it needs a reading call,
        # a stream consumer or a loader (read_csv, load_dataset, kafka...).
        frames_only = primary == "ingestion" and not [
            e
            for m in r.get("modules_by_role", {}).get("ingestion", [])
            for e in role_mods.get(m, {}).get("evidence", [])
            if e["role"] == "ingestion"
            and e["kind"] not in ("name", "default", "partition")
            and not (
                e["kind"] == "import" and e["detail"].split(" ", 1)[-1].split(".")[0] in _FRAME_LIBS
            )
        ]
        counted = (
            primary in _SCALING_ROLES
            and basis == "evidence"
            and not frames_only
            and not is_door
            and not own_door
            and not api_side
            and not in_caller
        )
        kind, kind_facts = service_kind(
            name,
            own,
            n_in + n_out,
            [c.src_service for c in inbound] + [c.dst_service for c in outbound],
            primary if basis == "evidence" else "",
            str(f.get("image_own") or image),
            {
                "has_entries": has_entries,
                "imported": [m for m in own if m in imported_all],
                # the scripts that do the service's primary work first, longest first
                # (train.py before a monkey patch's self-test), then by path
                "scripts": [
                    scripts_all[m]
                    for m in sorted(
                        (m for m in own if m in scripts_all),
                        key=lambda m: (
                            primary not in role_mods.get(m, {}).get("strong", []),
                            -lines.get(m, 0),
                            scripts_all[m],
                        ),
                    )
                ],
                "scheduled": [
                    m
                    for m in own
                    if any(
                        x["role"] == "orchestration" for x in role_mods.get(m, {}).get("runner", [])
                    )
                ],
                "serves": [m for m in own if m in serves_all],
                "client": name in client_libs,
            },
        )
        serving = bool(kind_facts["serves"]) or bool(r.get("http_handlers"))
        # an offline tool's scripts are not loaded by the running system either: that is what
        # it is, its heavy image stays out of the deployable (its own rule above)
        in_caller = in_caller and kind != "offline_tool"
        shared = shared_with(dict(coupling), name)
        multi_writer = [
            t["name"]
            for t in coupling.get("tables", [])
            if t["shared"]
            and name in t["services"]
            and len([w for w in t["writers"] if w != KERNEL]) >= 2
        ]
        depends = sorted({c.dst_service for c in outbound if c.dst_service != KERNEL})
        callers_api = sorted(
            {
                c.src_service
                for c in inbound
                if ":" in c.dst and c.src_service in api_svcs and c.src_service != name
            }
        )
        crit: dict[str, dict[str, Any]] = {}

        # development speed
        ev = [
            f"{count(n_in + n_out, 'crossing')} ({n_in} in, {n_out} out) vs "
            f"{count(inside, 'edge')} inside: {ratio:.0%} of its dependencies cross the boundary"
        ]
        sc = 1 if ratio < 0.25 else (-1 if ratio <= 0.5 else -2)
        h = hist_svcs.get(name, {})
        if h.get("commits"):
            worst = max(h.get("co_change", {}).items(), key=lambda kv: (kv[1], kv[0]), default=None)
            if worst is not None:
                share = worst[1] / max(h["commits"], 1)
                ev.append(
                    f"history: changed together with {worst[0]} in {worst[1]} of "
                    f"{count(h['commits'], 'commit')} ({share:.0%})"
                )
                if share > 0.3:
                    sc -= 1
        crit["development_speed"] = _crit(sc, ev)

        # independent scaling
        sc = 0
        ev = []
        rank = _IMAGE_RANK.get(image, 0)
        heavy = f.get("gpu_runtimes", []) + f.get("large", [])
        if f.get("via_kernel"):
            ev.append(
                f"the shared kernel brings {', '.join(f['via_kernel'][:4])} into every "
                "image (make those imports lazy to slim the other services)"
            )
        # One decision for score and evidence: a heavier image than the front door's is a
        # distinct scaling need when it is GPU hardware the API replicas do not need, or when
        # the service's load is apart from the request path (its role point below, or a job);
        # a large CPU image whose load follows the requests only makes those replicas bigger.
        heavier = rank > api_image and not api_side and not in_caller
        job_load = kind == "job" and not counted
        load_apart = (counted or job_load) and kind != "offline_tool"
        apart = heavier and (image in _GPU_IMAGES or load_apart)
        if apart:
            sc += 1
            ev.append(
                f"image {image} ({', '.join(heavy[:4])}) while {door_text}"
                + ("" if load_apart else ": hardware the API replicas do not need")
            )
        elif heavier:
            ev.append(
                f"image {image} ({', '.join(heavy[:4])}), heavier than the front door's, but its "
                "load follows the request path (below): bigger replicas on that path, not a "
                "distinct scaling need"
            )
        elif heavy and in_caller:
            ev.append(
                f"image {image} ({', '.join(heavy[:4])}) comes only from modules the running "
                f"system never loads ({', '.join(own_heavy[:3])}"
                + (" …" if len(own_heavy) > 3 else "")
                + ": no entry, script or module they import does): library code that the "
                "callers' own code imports (such as per-framework adapters) or that is loaded "
                "dynamically, so the runtime runs in the caller's process, not in a service of "
                "its own; ship it as an optional extra (lazy imports)"
            )
        elif heavy and own_door:
            ev.append(
                f"image {image} ({', '.join(heavy[:4])}), but it runs an HTTP application of "
                f"its own ({apps[name]}): that image is its own API replicas' image"
            )
        elif heavy and api_side and not is_door:
            ev.append(
                f"image {image} ({', '.join(heavy[:4])}), but it serves the HTTP API itself: "
                "its route handlers run in an application it does not build (the front door's"
                + (f", {door}" if door else "")
                + "), so its image is the API replicas' image"
            )
        elif heavy:
            ev.append(f"image {image} ({', '.join(heavy[:4])}), no heavier than the front door's")
        else:
            ev.append(f"image {image}: no heavy runtime")
        opt_gpu = list(f.get("optional_gpu", []))
        if opt_gpu:
            ev.append(
                f"optional GPU extras ({', '.join(opt_gpu[:4])}): imported only when installed "
                "(guarded or lazy imports), so they do not set the image class"
            )
        llm_apis = list(f.get("llm_apis", []))
        if llm_apis:
            ev.append(
                f"calls hosted LLM APIs ({', '.join(llm_apis[:4])}): network-bound, needs API "
                "keys and rate limits, not a GPU"
            )
        # with a GPU image apart, the role's load follows the requests on hardware of its own
        hardware = f", on {image} hardware of its own (above)" if apart and not load_apart else ""
        if kind == "offline_tool":
            sc = 0
            ev.append(
                "offline scripts run by hand, not reached by the running system: nothing to "
                "scale, not on the request path"
            )
        elif counted:
            sc += 1
            ev.append(f"primary role {role_title(primary)}: load that is not the request path")
        elif job_load:
            sc += 1
            ev.append(
                "runs as a job ("
                + (f"`{kind_facts['scripts'][0]}`" if kind_facts["scripts"] else "scheduled")
                + "), on demand or on a schedule: load that is not the request path"
            )
        elif frames_only and basis == "evidence":
            ev.append(
                "primary role data ingestion from dataframe imports only (pandas, pyarrow, "
                "polars): data read into frames on the request path, not a load apart from it"
            )
        elif in_caller and primary in _SCALING_ROLES and basis == "evidence":
            ev.append(
                f"primary role {role_title(primary)}, but its code runs in the caller's "
                "process (see above): no load of its own to scale"
            )
        elif own_door and primary in _SCALING_ROLES and basis == "evidence":
            ev.append(
                f"primary role {role_title(primary)}, but it serves HTTP routes from an "
                f"application of its own ({apps[name]}): its load is those requests, a request "
                "path of its own"
            )
        elif is_door and primary in _SCALING_ROLES and basis == "evidence":
            ev.append(
                f"primary role {role_title(primary)}, but it is the HTTP front door: the request "
                "path itself, not a load apart from it"
            )
        elif api_side and primary in _SCALING_ROLES and basis == "evidence":
            ev.append(
                f"primary role {role_title(primary)}, but it serves HTTP routes in an "
                "application it does not build (the front door's"
                + (f", {door}" if door else "")
                + "): the request path itself, not a load apart from it"
            )
        elif primary in _SCALING_ROLES:
            ev.append(
                f"primary role {role_title(primary)} from module names only: not counted "
                "without import, call or decorator evidence"
            )
        elif primary == "llm_client":
            ev.append(
                "primary role LLM API client: waits on a hosted model and scales with the "
                "requests that make the calls" + hardware
            )
        elif primary == "wiring":
            ev.append(
                "primary role wiring / config (settings, urls, asgi; no route handlers): "
                "starts with the application" + hardware
            )
        else:
            text = r.get("primary_text") or role_title(primary)
            ev.append(f"primary role {text}: scales with the request path" + hardware)
        if f.get("loads_pickles"):
            ev.append(
                "loads pickled artifacts (" + f["loads_pickles"][0] + "): its image also "
                "needs the libraries that wrote them, which static imports do not show"
            )
        crit["independent_scaling"] = _crit(sc, ev)

        # team autonomy
        if h.get("commits"):
            others = {o for k, o in owners.items() if k != name and k != KERNEL}
            own, share = h.get("owner", ""), float(h.get("owner_share", 0.0))
            authors = len(h.get("authors", {}))
            if len(set(owners.values())) <= 1:
                sc = 0
                ev = [
                    f"history: one main author ({own}) across all services: no team "
                    "boundary to follow yet"
                ]
            elif share >= 0.6:
                sc = 2 if own not in others else 1
                ev = [
                    f"history: {own} made {share:.0%} of its {count(h['commits'], 'commit')} "
                    f"({count(authors, 'author')}); "
                    + ("owns no other service" if own not in others else "also owns others")
                ]
            else:
                sc = 0
                ev = [
                    f"history: no clear owner (top author {share:.0%} of "
                    f"{count(h['commits'], 'commit')})"
                ]
        else:
            sc = 1 if loc >= 3000 else (-1 if loc < SMALL_LINES else 0)
            ev = [
                f"{count(loc, 'line')} in {count(len(s.modules), 'module')} "
                + (
                    "(enough for a team to own)"
                    if sc > 0
                    else "(too small to staff on its own)"
                    if sc < 0
                    else "(medium)"
                ),
                "no git history: ownership unknown",
            ]
        crit["team_autonomy"] = _crit(sc, ev)

        # operational complexity
        sc = -1
        ev = ["one more deployable to build, deploy, monitor and version"]
        if len(depends) >= 3:
            sc -= 1
            ev.append(
                f"calls {count(len(depends), 'other service')} at run time: {', '.join(depends)}"
            )
        elif depends:
            ev.append(f"calls {', '.join(depends)}")
        if shared["written_tables"]:
            sc -= 1
            ev.append(
                f"shares written tables: {', '.join(shared['written_tables'][:6])} "
                "(needs one owner and a data migration)"
            )
        crit["operational_complexity"] = _crit(sc, ev)

        # model deployment flexibility
        model_ev = _model_evidence(roles, r, ("inference", "registry"), use_only=True)
        # Training code is a training use (a fit/train call, an optimizer or training-loop
        # library: roles' ``trains``), and a model lifecycle to retrain on its own schedule
        # needs a gradient loop or trained weights saved somewhere in the service; an estimator
        # fitted and used in place (a drift metric's domain classifier) is computation.
        train_mods = [
            m
            for m in r.get("modules_by_role", {}).get("training", [])
            if role_mods.get(m, {}).get("trains")
        ]
        train_ev = []
        for m in train_mods:
            hits = sorted(
                (
                    e
                    for e in role_mods[m].get("evidence", [])
                    if e["role"] == "training" and e["kind"] not in ("name", "default", "partition")
                ),
                key=lambda e: e["kind"] != "call",
            )
            if hits:
                train_ev.append(f"{m} ({hits[0]['detail']})")
        lifecycle = any(role_mods[m].get("training_loop") for m in train_mods) or any(
            role_mods.get(m, {}).get("saves_weights") for m in own
        )
        client_ev = _model_evidence(roles, r, ("llm_client",))
        if model_ev:
            sc = 2
            ev = [
                "holds model serving/registry code: "
                + ", ".join(model_ev[:4])
                + " — models could ship and roll back without the API"
            ]
        elif train_ev and lifecycle:
            sc = 1
            ev = [
                "holds training code: "
                + ", ".join(train_ev[:4])
                + " — retraining on its own schedule"
            ]
        elif train_ev:
            sc = 0
            ev = [
                "fits models in place: "
                + ", ".join(train_ev[:4])
                + " — no training loop and no trained weights saved: computation, not a model "
                "to retrain on its own schedule"
            ]
        elif client_ev:
            sc = 0
            ev = [
                "calls hosted LLM APIs only: "
                + ", ".join(client_ev[:4])
                + " — the model runs at the provider; changing it is configuration, "
                "not a deployment"
            ]
        else:
            sc = 0
            ev = ["no model code"]
        crit["model_deployment"] = _crit(sc, ev)

        # fault isolation
        sc = 0
        ev = []
        heavy_apart = bool(heavy) and not api_side and not in_caller
        if (
            kind == "job"
            and not heavy_apart
            and not (basis == "evidence" and primary in ("training", "worker", "orchestration"))
        ):
            sc += 1
            ev.append(
                "runs as a job, not in the API's processes: a crash or OOM stays out of the API"
            )
        elif heavy_apart or (
            basis == "evidence" and primary in ("training", "worker", "orchestration")
        ):
            sc += 1
            ev.append(
                "heavy runtime or long-running work ("
                + ", ".join((heavy if heavy_apart else [])[:3] or [role_title(primary)])
                + "): a crash or OOM stays out of the API"
            )
        elif heavy and in_caller:
            ev.append(
                f"heavy runtime ({', '.join(heavy[:3])}) only in modules the running system "
                "never loads: it fails in the callers' process, nothing to isolate here"
            )
        elif heavy and api_side:
            ev.append(
                f"heavy runtime ({', '.join(heavy[:3])}), but it serves the HTTP API itself: a "
                "crash or OOM takes API routes down with it"
            )
        if callers_api:
            sc -= 1
            ev.append(
                f"called synchronously by HTTP API code in {', '.join(callers_api)}: "
                "timeouts and retries become a new failure mode"
            )
        if not ev:
            ev.append(
                "no heavy runtime; serves HTTP routes: on the request path, in the API's processes"
                if api_side
                else "no heavy runtime, not on the request path"
            )
        crit["fault_isolation"] = _crit(sc, ev)

        # testing and debugging
        n = n_in + n_out
        sc = 0 if n <= 5 else (-1 if n <= 25 else -2)
        n_if = len(s.interface)
        ev = [
            (
                "1 crossing becomes a network call; "
                if n == 1
                else f"{n} crossings become network calls; "
            )
            + f"{count(n_if, 'interface member')} need{'s' if n_if == 1 else ''} contract tests"
        ]
        crit["testing_debugging"] = _crit(sc, ev)

        # infrastructure cost
        if heavier and image in ("gpu", "gpu-capable"):
            sc, ev = (
                2,
                [
                    f"{image} image scaled apart: API replicas need no "
                    f"{', '.join(f.get('gpu_runtimes', [])[:3])}"
                ],
            )
        elif heavier:
            sc, ev = 1, [f"large image ({', '.join(heavy[:3])}) kept off the API replicas"]
        elif kind == "job":
            sc, ev = 0, ["runs as a job, on demand or on a schedule: no always-on deployment"]
        else:
            sc, ev = -1, ["same image class as the rest: one more always-on deployment"]
        crit["infrastructure_cost"] = _crit(sc, ev)

        total = sum(int(c["score"]) for c in crit.values())
        notes: list[str] = []
        gpu_mods = set(f.get("gpu_modules", []))
        api_mods = set(r.get("modules_by_role", {}).get("api", []))
        if gpu_mods and api_mods - gpu_mods:
            first = sorted(gpu_mods)[0]
            n_api = len(api_mods - gpu_mods)
            notes.append(
                f"mixed service: {count(len(gpu_mods), 'module')} need"
                f"{'s' if len(gpu_mods) == 1 else ''} {', '.join(f['gpu_runtimes'][:3])}"
                f" and {count(n_api, 'HTTP API module')} do{'es' if n_api == 1 else ''} not; try "
                f"`decompose analyze --move {first}={name}_gpu` (and the other GPU modules) to "
                "see the split"
            )
        job = kind == "job" or (kind == "service" and n_in == 0 and not serving)
        own_lines = sum(lines.get(m, 0) for m in own)
        contested = sorted(
            (explained[m].margin, m, explained[m].runner_up)
            for m in own
            if m in explained and explained[m].contested
        )
        why_not = ""
        if kind == "client_library":
            lib = client_libs[name]
            why_not = (
                "client SDK: a library for the callers, not a service: it talks to the server "
                f"over HTTP ({', '.join(lib['http_clients'])}) and the server imports none of it;"
                " ship it as its own package, versioned with the API it mirrors ("
                + ", ".join(lib["mirrors"][:5])
                + (" …" if len(lib["mirrors"]) > 5 else "")
                + ")"
            )
        elif kind == "offline_tool":
            why_not = (
                f"offline tool: {count(len(kind_facts['scripts']), 'script')} run by hand ("
                + ", ".join(f"`{x}`" for x in kind_facts["scripts"][:3])
                + (" …" if len(kind_facts["scripts"]) > 3 else "")
                + " `__main__` guard), not imported by the running system: keep it out of the "
                "deployable image (a separate package or `tools/`), no service, no network API"
            )
        elif kind == "merge":
            target = kind_facts["merge_into"]
            why_not = (
                f"too small to stand alone: {count(len(own), 'module')} with "
                f"{count(n_in + n_out, 'crossing')} (more than {MERGE_RATIO} per module): "
                + (
                    f"merge it into `{target}` ({kind_facts['merge_crossings']} of its crossings)"
                    if target
                    else "merge it into the code it serves"
                )
            )
        elif total <= 0:
            why_not = total_reason(total)
        elif crit["independent_scaling"]["score"] < 1:
            why_not = "no distinct scaling need"
        elif multi_writer:
            why_not = f"tables written by two services: {', '.join(multi_writer[:4])}"
        elif shared["written_tables"] or shared["orm_models"]:
            tabs = shared["written_tables"] + shared["orm_models"]
            why_not = (
                f"shares tables with other services ({', '.join(tabs[:4])}): give each one "
                "owner first"
            )
        elif len(own) < MIN_MODULES or own_lines < SMALL_LINES:
            why_not = (
                f"too small to extract: {count(len(own), 'module')}, {count(own_lines, 'line')} "
                f"(a candidate needs at least {MIN_MODULES} modules and {SMALL_LINES} lines): "
                "keep it in the monolith"
            )
        elif own and len(contested) > CONTESTED_SHARE * len(own):
            why_not = (
                f"boundary not settled: {len(contested)} of {count(len(own), 'module')} "
                f"contested (margin < {margin_limit:g}): "
                + ", ".join(
                    f"`{m}` {mg:.2f}" + (f" vs `{ru}`" if ru else "") for mg, m, ru in contested[:4]
                )
                + (" …" if len(contested) > 4 else "")
                + "; settle it (`--move`, then re-run) before extracting"
            )
        out[name] = {
            "criteria": crit,
            "total": total,
            "candidate": not why_not,
            "why_not": why_not,
            "kind": kind,
            "job": job,
            "notes": notes,
            "facts": {
                "modules": len(s.modules),
                "lines": loc,
                "inbound_crossings": n_in,
                "outbound_crossings": n_out,
                "internal_edges": inside,
                "interface": len(s.interface),
                "primary_role": primary,
                "kind": kind,
                "scripts": kind_facts["scripts"][:20],
                "imported_modules": kind_facts["imported"][:20],
                "imported_count": len(kind_facts["imported"]),
                "serves": kind_facts["serves"][:20],
                "contested_modules": len(contested),
                "merge_into": kind_facts["merge_into"],
                "image": image,
                "serves_api": api_side,
                "heavy_apart": heavy_apart,
                "llm_apis": llm_apis,
                "llm_client_modules": len(client_ev),
                "depends_on": depends,
                "shared": {k: v for k, v in shared.items() if v},
                "multi_writer_tables": multi_writer,
            },
        }
    return out


def scaling_services(per: Mapping[str, Any]) -> list[str]:
    """Services with a distinct scaling need: an independent-scaling score of at least +1.

    The one definition that the plan's independent-scaling criterion, the candidates and the
    verdict's text all use, so they cannot contradict each other.

    Args:
        per: :func:`score_services` output.

    Returns:
        Service names, sorted.
    """
    return sorted(s for s, p in per.items() if p["criteria"]["independent_scaling"]["score"] >= 1)


def _plan_criteria(
    graph: ProgramGraph,
    plan: Plan,
    per: Mapping[str, Any],
    coupling: Mapping[str, Any],
    hist: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    m = plan.metrics
    q = float(m.get("modularity", 0.0))
    crossings = int(m.get("crossings", 0))
    # Deployables: what would run; a client SDK ships to the callers, an offline tool is run by
    # hand, neither is deployed.
    n = sum(1 for p in per.values() if p["kind"] not in ("client_library", "offline_tool"))
    images = sorted({p["facts"]["image"] for p in per.values()})
    scaling = scaling_services(per)
    models = sorted(s for s, p in per.items() if p["criteria"]["model_deployment"]["score"] >= 1)
    # heavy images that a split would isolate: not a service serving the API itself, nor
    # library code that runs in the callers' process
    heavy = sorted(s for s, p in per.items() if p["facts"].get("heavy_apart"))
    summ = coupling.get("summary", {})
    crit: dict[str, dict[str, Any]] = {}
    sc = 1 if q >= 0.5 else (0 if q >= _MIN_Q else -1)
    crit["development_speed"] = _crit(
        sc,
        [
            f"modularity Q {q:.3f} ({'clear' if q >= 0.5 else 'usable' if q >= _MIN_Q else 'weak'} "
            f"boundaries), {int(m.get('contested_modules', 0))} contested modules"
        ],
    )
    crit["independent_scaling"] = _crit(
        min(len(scaling), 2),
        [
            f"{count(len(scaling), 'service')} with a distinct scaling need"
            + (f": {', '.join(scaling)}" if scaling else ""),
            f"image classes: {', '.join(images) or 'none'}",
        ],
    )
    if hist.get("available"):
        owners = {h.get("owner") for h in hist.get("services", {}).values() if h.get("commits")}
        crit["team_autonomy"] = _crit(
            1 if len(owners) >= 2 else 0,
            [
                f"history: {count(int(hist.get('commits') or 0), 'commit')}, "
                f"{count(len(owners), 'distinct main author')} "
                "across services"
            ],
        )
    else:
        loc = sum(x.lines for x in graph.modules)
        crit["team_autonomy"] = _crit(
            1 if loc >= 20000 else 0, [f"{count(loc, 'line')}; no git history: ownership unknown"]
        )
    crit["operational_complexity"] = _crit(
        -1 if n <= 2 else -2, [f"{count(n, 'deployable')} instead of 1"]
    )
    clients = sorted(s for s, p in per.items() if p["facts"].get("llm_client_modules"))
    crit["model_deployment"] = _crit(
        2 if models else 0,
        [
            f"model code separable in: {', '.join(models)}" if models else "no model code",
            (
                f"hosted LLM API clients (no model to deploy): {', '.join(clients)}"
                if clients
                else ""
            ),
        ],
    )
    crit["fault_isolation"] = _crit(
        1 if heavy else 0,
        [
            f"heavy runtimes isolated in: {', '.join(heavy)}"
            if heavy
            else "no heavy runtime to isolate"
        ],
    )
    crit["testing_debugging"] = _crit(
        0 if crossings <= 10 else (-1 if crossings <= 60 else -2),
        [
            f"{count(crossings, 'crossing')} would become network "
            f"call{'' if crossings == 1 else 's'} if every service were extracted"
        ],
    )
    gpu = [
        s
        for s in per
        if per[s]["facts"]["image"] in ("gpu", "gpu-capable") and per[s]["facts"].get("heavy_apart")
    ]
    crit["infrastructure_cost"] = _crit(
        1 if gpu and len(gpu) < n else -1,
        [
            f"GPU-capable images only in {', '.join(gpu)}"
            if gpu
            else "no GPU image to scale apart; every service is another always-on deployment",
            f"{count(summ.get('shared_tables', 0), 'shared table')}, "
            + (
                f"{count(summ.get('shared_orm_models', 0), 'shared ORM model')}, "
                if summ.get("orm_recognised", True)
                else "ORM models: none recognised (shared models unknown), "
            )
            + f"{summ.get('multi_writer_tables', 0)} written by two services",
        ],
    )
    return crit


_CLI_DECORATORS = ("click.", "typer.", "asyncclick.", "cloup.", "fire.")
_SERVER_CALLS = frozenset(
    {
        "uvicorn.run",
        "waitress.serve",
        "hypercorn.asyncio.serve",
        "aiohttp.web.run_app",
        "grpc.server",
        "grpc.aio.server",
        "gunicorn.app.base.BaseApplication",
    }
)
_MAIN_GUARD = re.compile(rb"""__name__\s*==\s*['"]__main__['"]|['"]__main__['"]\s*==\s*__name__""")


def main_guards(graph: ProgramGraph, root: Path | None) -> dict[str, int]:
    """Modules with an ``if __name__ == "__main__":`` block, read from the source.

    Args:
        graph: the program graph (``facts`` give each module's file).
        root: the project root; without it no source is read and the result is empty.

    Returns:
        ``{module: 1-based line of the first guard}``, in module order.
    """
    out: dict[str, int] = {}
    if root is None:
        return out
    for m in sorted(graph.facts):
        rel = graph.facts[m].source.relpath
        if not rel.endswith(".py"):
            continue
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        if b"__main__" not in data:
            continue
        hit = _MAIN_GUARD.search(data)
        if hit is not None:
            out[m] = data.count(b"\n", 0, hit.start()) + 1
    return out


def _server_launch(graph: ProgramGraph, module: str, ext: Mapping[str, set[str]]) -> str:
    """How ``module`` starts a server, or ``""``: a call of a known launcher (``uvicorn.run``,
    ``grpc.server``...), a Gradio app's ``.launch()`` (a module importing ``gradio`` that calls
    something ending in ``.launch``) or a Streamlit app (a module importing ``streamlit``, run by
    ``streamlit run``). ``ext`` maps a module to the top-level names of its external imports."""
    f = graph.facts.get(module)
    if f is None:
        return ""
    tops = ext.get(module, set())
    for r in f.references:
        if r.hint not in ("call", "inferred"):
            continue
        target = r.target.replace("()", "")
        if target in _SERVER_CALLS:
            return r.target
        if "gradio" in tops and (target == "launch" or target.endswith(".launch")):
            return "gradio launch()"
    if "streamlit" in tops:
        return "streamlit app"
    return ""


def _http_app(
    graph: ProgramGraph, module: str, ext: Mapping[str, set[str]], info: Mapping[str, Any]
) -> str:
    """How ``module`` runs an HTTP application of its own, or ``""``: it builds one (an app
    factory: ``FastAPI()``, ``Flask(__name__)``, ``Starlette(...)``...), launches an HTTP
    server (:func:`_server_launch`, gRPC servers aside) or is an ASGI / WSGI / urls module
    (:func:`_web_app`). Route handlers in a service with none of these are routers mounted into
    another service's application."""
    f = graph.facts.get(module)
    if f is None:
        return ""
    for r in f.references:
        if r.hint not in ("call", "inferred"):
            continue
        t = r.target.replace("()", "")
        hit = next((k for k in WEB_APP_CLASSES if t == k or t.endswith("." + k)), None)
        if hit is not None:
            return f"app factory {hit}() in {module}"
    launch = _server_launch(graph, module, ext)
    if launch and not launch.startswith("grpc."):
        return f"server launch {launch} in {module}"
    if _web_app(module, info):
        return f"web application {module}"
    return ""


def _import_closure(graph: ProgramGraph, starts: set[str]) -> set[str]:
    """``starts`` and every first-party module they import, transitively (imports that run
    code: ``type_checking`` and ``stub_only`` aside; parents of imported submodules included)."""
    from decompose.partition import reachable

    out_edges: dict[str, list[str]] = defaultdict(list)
    for e in graph.imports:
        if e.kind not in _NO_RUN_KINDS and e.src != e.dst:
            out_edges[e.src].append(e.dst)
    return reachable(starts, out_edges)


def _external_tops(graph: ProgramGraph) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for e in graph.external:
        if e.kind not in _NO_RUN_KINDS:
            out[e.src].add(e.dst.split(".", 1)[0])
    return out


def _entry_rank(evidence: str) -> int:
    order = (
        "entry point",
        "HTTP handlers",
        "server launch",
        "web application",
        "__main__ module",
        "runner registration",
    )
    return next((i for i, k in enumerate(order) if evidence.startswith(k)), len(order))


def _web_app(module: str, info: Mapping[str, Any]) -> bool:
    """An ASGI / WSGI / URL-configuration module (``asgi``, ``wsgi``, ``urls``) that imports a
    web framework: the server loads its ``application`` / ``urlpatterns``."""
    return module.rsplit(".", 1)[-1] in _WEB_APP_NAMES and any(
        e["kind"] == "import" and e["role"] in ("api", "wiring") for e in info.get("evidence", [])
    )


def _entries(graph: ProgramGraph, roles: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Entry modules of the running system and the modules that serve.

    Returns:
        ``(entries, serves)``: ``{module: evidence}`` in module order (tests and migrations
        aside) and the sorted modules with HTTP handlers, a server launch, a web-application
        module or a worker's runner registration. Imports are never entries
        (docs/decision.md, "What each service is").
    """

    attached = _attached(graph, roles)

    def skip(m: str) -> bool:
        return m in attached

    mods = roles.get("modules", {})
    ext = _external_tops(graph)
    entries: dict[str, str] = {}
    serves: list[str] = []
    for ep in graph.entry_points:
        if ep.group in ("console_scripts", "gui_scripts") and not skip(ep.dst):
            entries.setdefault(ep.dst, f"entry point {ep.name} = {ep.target} ({ep.src})")
    for m in sorted(graph.facts):
        if skip(m):
            continue
        info = mods.get(m, {})
        launch = _server_launch(graph, m, ext)
        runner = list(info.get("runner", []))
        web = _web_app(m, info)
        if info.get("handlers") or launch or web or any(x["role"] == "worker" for x in runner):
            serves.append(m)
        if m in entries:
            continue
        if info.get("handlers"):
            entries[m] = "HTTP handlers"
        elif launch:
            entries[m] = f"server launch: {launch}"
        elif web:
            entries[m] = f"web application: {m.rsplit('.', 1)[-1]} module"
        elif m == "__main__" or m.endswith(".__main__"):
            entries[m] = "__main__ module"
        elif runner:
            entries[m] = f"runner registration: {runner[0]['detail']}"
    return dict(sorted(entries.items())), serves


def reachability(
    graph: ProgramGraph,
    roles: Mapping[str, Any],
    guards: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Which modules the running system reaches from its entry modules, and which are scripts.

    Entry modules (tests and migrations aside): targets of ``console_scripts`` /
    ``gui_scripts`` entry points, modules with HTTP handlers, server launches
    (:func:`_server_launch`), ASGI / WSGI / urls modules importing a web framework, ``__main__``
    modules and runner registrations (``roles`` field ``runner``: ``@shared_task``, ``@flow``,
    ``airflow.DAG(...)``; not ``@ray.remote``). An import is never an entry, whatever it
    imports. An ``if __name__ == "__main__":`` block is not an entry: it is a script run by
    hand. Reached: breadth-first over first-party import
    edges of every kind that runs code (``type_checking`` and ``stub_only`` excluded); a
    package reached only as the parent of an imported submodule (``parent_init``) runs, but is
    not counted as *imported* (so an ``__init__`` does not tie its scripts to the running
    system).

    Args:
        graph: the program graph.
        roles: :func:`decompose.roles.classify` output.
        guards: :func:`main_guards` output (``{module: line}``); empty when not given.

    Returns:
        ``{"entries": {module: evidence}, "imported": [module], "scripts": {module:
        "path:line"}, "serves": [module]}``: ``imported`` are the modules reached by an import
        (entries included), sorted; ``scripts`` the modules with a ``__main__`` guard that are
        not imported; ``serves`` the modules with HTTP handlers, a server launch, a web
        application or a worker's runner registration.
    """

    attached = _attached(graph, roles)

    def skip(m: str) -> bool:
        return m in attached

    entries, serves = _entries(graph, roles)
    out_edges: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for e in graph.imports:
        if e.kind not in _NO_RUN_KINDS and e.src != e.dst:
            out_edges[e.src].append((e.dst, e.kind != "parent_init"))
    seen = set(entries)
    imported = set(entries)
    todo = sorted(entries)
    while todo:
        src = todo.pop()
        for dst, real in out_edges.get(src, ()):
            if real:
                imported.add(dst)
            if dst not in seen:
                seen.add(dst)
                todo.append(dst)
    scripts = {
        m: f"{graph.facts[m].source.relpath}:{line}"
        for m, line in sorted((guards or {}).items())
        if m in graph.facts and m not in imported and not skip(m)
    }
    return {
        "entries": dict(sorted(entries.items())),
        "imported": sorted(imported),
        "scripts": scripts,
        "serves": serves,
    }


def deployable_evidence(
    graph: ProgramGraph,
    roles: Mapping[str, Any],
    root: Path | None = None,
    guards: Mapping[str, int] | None = None,
) -> list[str]:
    """What makes the project something one deploys or runs, rather than a library others
    import: console or GUI script entry points in packaging metadata, HTTP route handlers,
    runner registrations (``@shared_task``, ``@flow``, ``airflow.DAG(...)``), ASGI / WSGI /
    urls modules importing a web framework, ``__main__`` modules, ``if __name__ ==
    "__main__":`` blocks (read from the source when ``root`` is given), click / typer
    commands and server launches (``uvicorn.run``, ``grpc.server``...). An import is never
    evidence, whatever it imports (a function-level ``import ray`` in a library). Tests and
    migrations do not count.

    Args:
        graph: the program graph.
        roles: :func:`decompose.roles.classify` output.
        root: the project root, to look for ``__main__`` blocks; without it they are not seen.
        guards: :func:`main_guards` output when already computed (then ``root`` is not read).

    Returns:
        Up to 8 pieces of evidence, ``"kind: detail"``, sorted; empty for a library.
    """

    found: set[str] = set()
    if guards is None:
        guards = main_guards(graph, root)
    ext = _external_tops(graph)
    for e in graph.entry_points:
        if e.group in ("console_scripts", "gui_scripts"):
            found.add(f"entry point: {e.name} = {e.target} ({e.src})")
    mods = roles.get("modules", {})
    attached = _attached(graph, roles)
    for m in sorted(graph.facts):
        if m in attached:
            continue
        f = graph.facts[m]
        info = mods.get(m, {})
        if info.get("handlers"):
            found.add(f"HTTP handlers: {m}")
        for x in info.get("runner", [])[:1]:
            found.add(f"{x['role']}: {m} ({x['detail']})")
        if _web_app(m, info):
            found.add(f"web application: {m}")
        if m == "__main__" or m.endswith(".__main__"):
            found.add(f"__main__ module: {m}")
        for d in f.definitions:
            dec = next((x for x in d.decorators if x.startswith(_CLI_DECORATORS)), None)
            if dec is not None:
                found.add(f"CLI command: @{dec} on {m}.{d.qualname}")
                break
        launch = _server_launch(graph, m, ext)
        if launch:
            found.add(f"server launch: {launch} in {m}")
        if m in guards:
            found.add(f"__main__ block: {f.source.relpath}")
    order = (
        "entry point",
        "HTTP handlers",
        "web application",
        "worker",
        "orchestration",
        "server launch",
        "CLI command",
        "__main__",
    )

    def rank(x: str) -> tuple[int, str]:
        return (next((i for i, k in enumerate(order) if x.startswith(k)), len(order)), x)

    return sorted(found, key=rank)[:8]


def decide(
    graph: ProgramGraph,
    plan: Plan,
    roles: Mapping[str, Any],
    footprints: Mapping[str, Any],
    coupling: Mapping[str, Any],
    hist: Mapping[str, Any],
    root: Path | None = None,
) -> dict[str, Any]:
    """The verdict, the criteria and an ordered strangler-fig extraction plan.

    A project with no :func:`deployable_evidence` at all is a **library** (verdict
    ``library``): its boundaries are still worth enforcing as a modular structure, but there
    is no deployable to split, so no service is a candidate; services with heavy imports are
    named as optional extras instead.

    Args:
        graph, plan, roles, footprints, coupling, hist: the analysis and its findings.
        root: the project root (to find ``__main__`` blocks); optional.

    Returns:
        ``{"verdict": "monolith" | "library" | "modular_monolith" | "extract", "headline": str,
        "why": [str], "criteria": {key: {"score", "evidence"}}, "services": {...}}`` (see
        :func:`score_services`) ``, "candidates": [service], "steps": [{"step", "service",
        "why": [str], "inbound": [{"member", "from", "count", "example"}], "outbound": [...],
        "data": {...}, "check_rules": str}], "stay": {service: reason}, "deployable":
        [evidence]}``.
    """
    from decompose.report import collapse, toml_key, toml_str

    guards = main_guards(graph, root)
    reach = reachability(graph, roles, guards)
    per = score_services(graph, plan, roles, footprints, coupling, hist, reach)
    deployable = deployable_evidence(graph, roles, root, guards)
    crit = _plan_criteria(graph, plan, per, coupling, hist)
    q = float(plan.metrics.get("modularity", 0.0))
    loc = sum(x.lines for x in graph.modules)
    cands = [s for s, p in per.items() if p["candidate"]]
    cands.sort(
        key=lambda s: (
            len(per[s]["facts"]["shared"].get("written_tables", [])),
            per[s]["facts"]["inbound_crossings"],
            -per[s]["criteria"]["independent_scaling"]["score"],
            s,
        )
    )
    why: list[str] = []
    if loc < _SMALL_PROJECT or len(per) < 2:
        verdict = "monolith"
        headline = "Stay a monolith"
        why.append(
            f"{count(loc, 'line')} in {count(len(per), 'proposed service')}: too small for a "
            "second deployable to pay for itself"
        )
        cands = []
    elif not deployable:
        verdict = "library"
        headline = "A library, not a deployable: keep one package and enforce the module boundaries"
        why.append(
            "no HTTP route handler, console-script entry point, `__main__` block, CLI command, "
            "server launch, worker or orchestrated job was found: applications import this "
            "code, nothing deploys it on its own"
        )
        why.append(
            "the proposed boundaries are still useful as a modular structure (subpackages with "
            "declared interfaces, checked by `decompose check`); extracting services is not "
            "recommended"
        )
        if q < _MIN_Q:
            why.append(
                f"modularity Q {q:.3f} < {_MIN_Q}: the boundaries are weak; untangle before "
                "enforcing them"
            )
        extras = [
            s
            for s, p in per.items()
            if footprints.get("services", {}).get(s, {}).get("optional_gpu")
            or p["candidate"]
            or p["criteria"]["independent_scaling"]["score"] >= 1
        ]
        for x in extras[:6]:
            f = footprints.get("services", {}).get(x, {})
            heavy = (
                f.get("gpu_runtimes", [])
                + f.get("large", [])
                + f.get("optional_gpu", [])
                + f.get("optional_large", [])
            )
            if heavy:
                why.append(
                    f"`{x}` needs {', '.join(sorted(set(heavy))[:4])}: ship it as an optional "
                    "extra of the package (keep those imports lazy), not as a service"
                )
        for p in per.values():
            if p["candidate"]:
                p["candidate"] = False
                p["why_not"] = "part of a library: nothing to deploy on its own"
        cands = []
    elif cands:
        verdict = "extract"
        svcs = [c for c in cands if not per[c]["job"]]
        jobs = [c for c in cands if per[c]["job"]]
        parts = []
        if svcs:
            parts.append("extract " + ", ".join(f"`{c}`" for c in svcs))
        if jobs:
            parts.append(
                ("run " if svcs else "split out ")
                + ", ".join(f"`{c}`" for c in jobs)
                + (" as a job" if len(jobs) == 1 else " as jobs")
            )
        headline = "Modular monolith, then " + "; ".join(parts)
        for c in cands:
            p = per[c]
            why.append(
                f"`{c}`: total {p['total']:+d}; "
                + "; ".join(p["criteria"]["independent_scaling"]["evidence"][:2])
            )
    elif q >= _MIN_Q:
        verdict = "modular_monolith"
        headline = "Modular monolith with enforced boundaries"
        scaling = scaling_services(per)
        if not scaling:
            why.append(
                f"the boundaries are real (modularity Q {q:.3f} >= {_MIN_Q}) but no service "
                "has a distinct scaling need that pays for a network boundary"
            )
        else:
            why.append(
                f"the boundaries are real (modularity Q {q:.3f} >= {_MIN_Q}); "
                + ", ".join(f"`{x}`" for x in scaling)
                + (" has" if len(scaling) == 1 else " have")
                + " a distinct scaling need, but extracting "
                + ("it" if len(scaling) == 1 else "them")
                + " does not pay yet:"
            )
            for x in scaling:
                why.append(
                    f"`{x}`: {per[x]['why_not']}; "
                    + "; ".join(per[x]["criteria"]["independent_scaling"]["evidence"][:2])
                )
    else:
        verdict = "monolith"
        headline = "Stay a monolith (untangle first)"
        why.append(
            f"modularity Q {q:.3f} < {_MIN_Q}: the proposed boundaries are weak; "
            "extracting now would turn most calls into network calls"
        )
    # Service import cycles: the boundaries are not enforceable as a layered structure until
    # they are broken, and an extracted service inside one turns it into network round trips.
    from decompose.render import service_cycles

    cycles = service_cycles(plan)
    if cycles and verdict != "library":
        big = max(cycles, key=lambda c: (len(c), c))
        inside = [c for c in cands if c in big]
        why.append(
            f"{len(big)} services import each other in a cycle ("
            + ", ".join(f"`{x}`" for x in big[:8])
            + (", …" if len(big) > 8 else "")
            + "): break it first (`decompose check` reports it as DEC103 and the baseline "
            "keeps it from growing); until then the boundaries do not form layers"
            + (
                ", and extracting "
                + ", ".join(f"`{x}`" for x in inside)
                + " would turn that cycle into network round trips"
                if inside
                else ""
            )
        )
    offline = {s: p for s, p in per.items() if p["kind"] == "offline_tool"}
    merges = {s: p for s, p in per.items() if p["kind"] == "merge"}
    if offline and verdict != "library":
        why.append(
            "offline tools, not part of the running system: "
            + ", ".join(f"`{s}`" for s in offline)
            + " (scripts run by hand, imported by no entry module): keep them out of the "
            "deployable image (a separate package or `tools/`), no service, no network API"
        )
    named = [(s, p["facts"]["merge_into"]) for s, p in merges.items() if p["facts"]["merge_into"]]
    if named and verdict != "library":
        why.append(
            f"too small to stand alone (fewer than {MIN_MODULES} modules, more than "
            f"{MERGE_RATIO} crossings per module), merge rather than extract: "
            + ", ".join(f"`{s}` into `{x}`" for s, x in named[:6])
            + (f" and {len(named) - 6} more" if len(named) > 6 else "")
        )
    kf = next((v for k, v in footprints.get("services", {}).items() if k == KERNEL), None)
    if kf and kf.get("image") != "slim":
        heavy_k = [d for d in kf["distributions"] if d["heavy"] and not d["optional"]]
        why.append(
            f"the shared kernel needs a {kf['image']} image ("
            + ", ".join(f"{d['distribution']} at {d['evidence']}" for d in heavy_k[:3])
            + "): every service embeds it, so make those imports lazy or move them out of the "
            "kernel before any split can slim an image"
        )
    summ = coupling.get("summary", {})
    dyn_svcs = [s for s in coupling.get("dynamic_sql", {}).get("services", {}) if s != KERNEL]
    if len(dyn_svcs) >= 2:
        why.append(
            f"{count(summ.get('dynamic_sql', 0), 'SQL statement')} in {len(dyn_svcs)} services "
            "name their tables at run time: check table ownership by hand before "
            "trusting 'no shared tables'"
        )
    if summ.get("shared_tables"):
        why.append(
            (
                "1 table is used"
                if summ["shared_tables"] == 1
                else f"{summ['shared_tables']} tables are used"
            )
            + " by more than one service "
            f"({summ.get('multi_writer_tables', 0)} written by two): give each table "
            "one owning service before any extraction"
        )
    if summ.get("shared_orm_models"):
        n_orm = summ["shared_orm_models"]
        why.append(
            ("1 ORM model is used" if n_orm == 1 else f"{n_orm} ORM models are used")
            + " by more than one service: give each model one owning service before any "
            "extraction"
        )
    elif not summ.get("orm_recognised", True):
        why.append(
            "the code uses an ORM but no model class was recognised: check by hand which "
            "services share models before trusting 'no shared tables'"
        )
    clients = {s: p for s, p in per.items() if p["kind"] == "client_library"}
    if clients:
        why.append(
            "client SDKs, libraries for the callers, not services: "
            + ", ".join(f"`{s}`" for s in clients)
            + " (they talk to the server over HTTP and the server imports none of them): ship "
            "each as its own package"
        )
    stay = {
        s: p["why_not"]
        for s, p in per.items()
        if s not in cands and s not in offline and s not in clients
    }
    steps: list[dict[str, Any]] = []
    all_modules = [m.name for m in graph.modules]
    services = {s.name: s for s in plan.services}
    if verdict != "monolith":
        steps.append(
            {
                "step": 0,
                "service": "",
                "action": "enforce",
                "why": [
                    "keep one deployable; make the proposed boundaries rules first, so that "
                    "no new crossing appears while the extraction is prepared"
                ],
                "inbound": [],
                "outbound": [],
                "data": {},
                "check_rules": "decompose check --boundaries boundaries.toml  # pre-commit and CI",
            }
        )
    for i, name in enumerate(cands, 1):
        p = per[name]
        svc = services[name]
        inbound = [c for c in plan.crossings if c.dst_service == name]
        outbound = [c for c in plan.crossings if c.src_service == name and c.dst_service != KERNEL]
        reasons = [
            f"{p['facts']['inbound_crossings']} inbound crossings"
            + (" (fewest of the candidates)" if i == 1 and len(cands) > 1 else ""),
            *p["criteria"]["independent_scaling"]["evidence"],
        ]
        sh = p["facts"]["shared"]
        reasons.append(
            "shares tables: " + ", ".join(sh.get("tables", [])[:6])
            if sh.get("tables")
            else "no shared tables"
        )
        pats = collapse(list(svc.modules), all_modules)
        rules = [
            f"[services.{toml_key(name)}]",
            "modules = [" + ", ".join(toml_str(x) for x in pats) + "]",
            "interface = [" + ", ".join(toml_str(x) for x in svc.interface) + "]",
            "depends_on = [" + ", ".join(toml_str(x) for x in p["facts"]["depends_on"]) + "]",
            (
                "# a job: nothing running calls it; it imports what it shares with the "
                "monolith as a library"
                if p["kind"] == "job"
                else f"# after extraction: callers reach `{name}` only through its client; "
                "remove these modules from the monolith's import path"
            ),
        ]
        if p["kind"] == "job":
            fx = p["facts"]
            entry = fx["scripts"][:3] or ["scheduled tasks"]
            reasons.insert(
                0,
                "extract as a job (run on demand or on a schedule), not a long-running "
                "service: no API, no replicas; its entries: " + ", ".join(f"`{x}`" for x in entry),
            )
            if fx["imported_count"]:
                reasons.insert(
                    1,
                    f"{count(fx['imported_count'], 'module')} of it "
                    f"{'is' if fx['imported_count'] == 1 else 'are'} imported by the running "
                    "system ("
                    + ", ".join(f"`{x}`" for x in fx["imported_modules"][:4])
                    + (" …" if fx["imported_count"] > 4 else "")
                    + "): leave them in the monolith or a shared library the job installs; "
                    "move only the job's own code",
                )
        elif p["job"]:
            reasons.insert(
                0,
                "nothing in the rest of the code calls it and it serves nothing (no HTTP handler, "
                "server or worker): split it out as a job or a separate package, no API needed",
            )
        steps.append(
            {
                "step": i,
                "service": name,
                "action": "job" if p["job"] else "extract",
                "why": reasons,
                "inbound": _group(inbound, "src"),
                "outbound": _group(outbound, "src"),
                "data": {k: v for k, v in sh.items() if v},
                "check_rules": "\n".join(rules),
            }
        )
    return {
        "verdict": verdict,
        "headline": headline,
        "why": why,
        "criteria": crit,
        "services": per,
        "candidates": cands,
        "steps": steps,
        "stay": stay,
        "deployable": deployable,
        "front_door": front_door(graph, plan, roles, footprints)[0],
        "offline_tools": {
            s: {"scripts": p["facts"]["scripts"], "modules": p["facts"]["modules"]}
            for s, p in offline.items()
        },
        "merges": {s: p["facts"]["merge_into"] for s, p in merges.items()},
        "reachability": {
            "entry_modules": len(reach["entries"]),
            "imported_modules": len(reach["imported"]),
            "scripts": len(reach["scripts"]),
            "entries": [
                f"{m} ({ev})"
                for m, ev in sorted(
                    reach["entries"].items(), key=lambda kv: (_entry_rank(kv[1]), kv[0])
                )[:8]
            ],
        },
    }


def _md_table(
    w: Callable[[str], None], header: Sequence[str], rows: Sequence[Sequence[str]], limit: int = 40
) -> None:
    """Write a Markdown table of at most ``limit`` rows (cells already escaped), then a row
    saying how many more are in proposal.json, then a blank line."""
    w("| " + " | ".join(header) + " |")
    w("|" + "---|" * len(header))
    for row in rows[:limit]:
        w("| " + " | ".join(row) + " |")
    if len(rows) > limit:
        w(f"| … {len(rows) - limit} more in proposal.json |" + " |" * (len(header) - 1))
    w("")


def parse_moves(moves: Sequence[str]) -> list[tuple[str, str]]:
    """``["MODULE=SERVICE", ...]`` to pairs.

    MODULE is a dotted module name or pattern: parts of letters, digits, ``_`` and ``-`` (module
    names as discovered, e.g. ``app.migrations.0001_initial``) with ``*`` / ``?`` wildcards, or
    a notebook's path as discovered (``notebooks/explore.ipynb``, ``notebooks/*``).
    SERVICE is a service name as in the configuration
    (:func:`decompose.config.service_name_problem`) or ``kernel``, the shared kernel.

    Raises:
        UsageError: an item without ``=`` or with an empty side, a malformed module pattern or
            service name, or one module pattern given twice (naming both moves).
    """
    from decompose.config import service_name_problem

    out: list[tuple[str, str]] = []
    first: dict[str, str] = {}
    for mv in moves:
        mod, sep, svc = mv.partition("=")
        mod, svc = mod.strip(), svc.strip()
        if not sep or not mod or not svc:
            raise UsageError(f"--move expects MODULE=SERVICE, got {mv!r}")
        if not _MOVE_PATTERN.fullmatch(mod):
            raise UsageError(
                f"--move {mv!r}: {mod!r} is not a dotted module name or pattern (letters, "
                "digits, '_' and '-' between dots, '*' and '?' as wildcards) or a notebook path "
                "(notebooks/explore.ipynb)"
            )
        if svc != "kernel" and service_name_problem(svc):
            raise UsageError(f"--move {mv!r}: {svc!r} is {service_name_problem(svc)}")
        if mod in first:
            raise UsageError(
                f"--move {first[mod]!r} and --move {mv!r} both move {mod!r}: give each module "
                "one move"
            )
        first[mod] = mv
        out.append((mod, svc))
    return out


_MOVE_PATTERN = re.compile(
    r"[\w*?-]+(?:\.[\w*?-]+)*"  # dotted module name or pattern
    r"|(?!(?:.*/)?\.\.(?:/|$))[\w*?. -]+(?:/[\w*?. -]+)*(?:\.ipynb|/\*)"  # notebook path
)


def apply_moves(partition: Partition, moves: Sequence[tuple[str, str]]) -> Partition:
    """A copy of ``partition`` with the modules matching each pattern moved to a service; a
    service that lost modules and whose name no longer fits what it keeps is renamed
    (:func:`decompose.partition.rename_stale`).

    Args:
        partition: the proposal.
        moves: ``(module pattern, service)``; patterns as in boundaries (``pkg.*``).

    Raises:
        UsageError: a pattern that matches no module.
    """
    from decompose.config import matches
    from decompose.partition import rename_stale

    of = partition.as_dict()
    losers: set[str] = set()
    for pattern, svc in moves:
        hit = [m for m in of if matches(m, pattern)]
        if not hit:
            raise UsageError(f"--move {pattern}={svc}: no analyzed module matches {pattern!r}")
        for m in hit:
            losers.add(of[m])
            of[m] = svc
    # A service that gave modules away is renamed when its name no longer fits what is left
    # (``templates`` after every ``feast.templates`` module moved out).
    keep = (set(of.values()) - losers) | {svc for _, svc in moves}
    renamed = rename_stale(of, keep)
    of = {m: renamed.get(s, s) for m, s in of.items()}
    kernel = tuple(sorted(m for m, s in of.items() if s == KERNEL))
    return dataclasses.replace(partition, assignment=tuple(sorted(of.items())), kernel=kernel)


def summary(plan: Plan, decision: Mapping[str, Any], coupling: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers a what-if compares: crossings, metrics, shared tables, verdict, candidates,
    the HTTP front door, the services with a distinct scaling need (:func:`scaling_services`)
    and the primary role of every service."""
    keys = ("modularity", "crossings", "icp", "ifn", "coupling", "cohesion", "services")
    return {
        "metrics": {k: round(float(plan.metrics.get(k, 0.0)), 4) for k in keys},
        "shared_tables": coupling.get("summary", {}).get("shared_tables", 0),
        "verdict": decision["verdict"],
        "candidates": list(decision["candidates"]),
        "totals": {s: p["total"] for s, p in decision["services"].items()},
        "front_door": decision.get("front_door", ""),
        "scaling": scaling_services(decision["services"]),
        "roles": {s: p["facts"]["primary_role"] for s, p in decision["services"].items()},
    }


def evaluate(
    root: Any, graph: ProgramGraph, plan: Plan, history_enabled: bool = True
) -> dict[str, Any]:
    """Roles, footprints, data coupling, history and the decision for one plan, as the
    ``Plan.extras`` keys ``roles``, ``footprints``, ``data_coupling``, ``history``,
    ``decision``."""
    from decompose.coupling import data_coupling
    from decompose.footprint import footprints
    from decompose.history import history
    from decompose.roles import classify

    roles = classify(graph, plan)
    fps = footprints(
        graph, plan, Path(root) if root is not None else None, frozenset(roles["attached"])
    )
    dc = data_coupling(graph, plan, Path(root) if root is not None else None)
    hist = (
        history(root, graph, plan)
        if history_enabled
        else {"available": False, "reason": "history disabled"}
    )
    dec = decide(graph, plan, roles, fps, dc, hist, Path(root) if root is not None else None)
    return {
        "roles": roles,
        "footprints": fps,
        "data_coupling": dc,
        "history": hist,
        "decision": dec,
    }


def what_if(
    root: Any,
    graph: ProgramGraph,
    partition: Partition,
    settings: AnalyzeSettings,
    info: Mapping[str, object],
    moves: Sequence[tuple[str, str]],
    history_enabled: bool = True,
) -> tuple[Plan, dict[str, Any]]:
    """Plan the proposal with ``moves`` applied and compare it with the proposal as found.

    Returns:
        ``(moved plan, extras)`` where extras are :func:`evaluate`'s keys for the moved plan and
        ``decision["what_if"] = {"moves": [...], "before": summary, "after": summary,
        "delta": {metric: after - before}}``.

    Raises:
        UsageError: a move pattern that matches nothing.
    """
    from decompose.boundary import build_plan

    base_plan = build_plan(graph, partition, settings, info)
    base = evaluate(root, graph, base_plan, history_enabled)
    moved_partition = apply_moves(partition, moves)
    plan = build_plan(graph, moved_partition, settings, info)
    extras = evaluate(root, graph, plan, history_enabled)
    before = summary(base_plan, base["decision"], base["data_coupling"])
    after = summary(plan, extras["decision"], extras["data_coupling"])
    delta = {k: round(after["metrics"][k] - before["metrics"][k], 4) for k in after["metrics"]}
    delta["shared_tables"] = after["shared_tables"] - before["shared_tables"]
    extras["decision"]["what_if"] = {
        "moves": [f"{m}={s}" for m, s in moves],
        "before": before,
        "after": after,
        "delta": delta,
    }
    return plan, extras


# --------------------------------------------------------------------------- Markdown


def _md(s: object) -> str:
    """Escape text for Markdown (tables included); text between a pair of backticks (the
    sentences name services and modules that way) stays a code span, only ``|`` escaped."""
    parts = str(s).replace("\n", " ").split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: escape everything
        return md_escape(str(s).replace("\n", " "))
    return "".join(
        md_escape(p) if i % 2 == 0 else "`" + p.replace("|", "\\|") + "`"
        for i, p in enumerate(parts)
    )


def md_escape(s: str) -> str:
    """Escape text from analyzed code for Markdown tables and inline use (also ``report.md``)."""
    return (
        s.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("*", "\\*")
        .replace("_", "\\_")
        .replace("`", "\\`")
    )


def _c(s: object) -> str:
    return "`" + str(s).replace("`", "'").replace("\n", " ") + "`"


def _score(v: int) -> str:
    return f"{v:+d}" if v else "0"


def decision_markdown(analysis: Analysis) -> str:
    """The report sections for roles, footprints, data coupling, history and the decision
    (Markdown), from ``analysis.plan.extras``; empty when the extras are missing."""
    ex = analysis.plan.extras
    dec = ex.get("decision")
    if not isinstance(dec, dict):
        return ""
    roles: dict[str, Any] = ex.get("roles") or {}  # type: ignore[assignment]
    fps: dict[str, Any] = ex.get("footprints") or {}  # type: ignore[assignment]
    dc: dict[str, Any] = ex.get("data_coupling") or {}  # type: ignore[assignment]
    hist: dict[str, Any] = ex.get("history") or {}  # type: ignore[assignment]
    out: list[str] = []
    w = out.append
    w("## Decision: monolith, modular monolith or services?")
    w("")
    w(f"**Verdict: {_md(dec['headline'])}.**")
    w("")
    for y in dec["why"]:
        w(f"- {_md(y)}")
    w("")
    rc = dec.get("reachability")
    if isinstance(rc, dict):
        if rc.get("entry_modules"):
            w(
                f"Running system: {count(rc['entry_modules'], 'entry module')} (e.g. "
                + ", ".join(_md(x) for x in rc["entries"][:3])
                + f"), {count(rc['imported_modules'], 'module')} imported from them; "
                f"{count(rc['scripts'], 'script')} with a `__main__` guard that nothing "
                "running imports (run by hand)."
            )
        else:
            w(
                "Running system: no entry module (HTTP handler, console script, server, worker) "
                "was found, so no service is called an offline tool."
            )
        w("")
    w(
        "Scores run from -2 (keep it in the monolith) to +2 (extract it); every score is followed "
        "by the evidence it was computed from (rules in docs/decision.md)."
    )
    w("")
    w("### The eight criteria for the whole plan")
    w("")
    w("| criterion | score | evidence |")
    w("|---|---|---|")
    for key, title in CRITERIA:
        c = dec["criteria"][key]
        w(f"| {title} | {_score(c['score'])} | {'; '.join(_md(e) for e in c['evidence'])} |")
    w("")
    w("### The eight criteria per service")
    w("")
    per = dec["services"]
    w(
        "| service | roles | image | in / out crossings | "
        + " | ".join(t for _, t in CRITERIA)
        + " | total | candidate |"
    )
    w("|---|---|---|---|" + "---|" * len(CRITERIA) + "---|---|")
    for s, p in per.items():
        f = p["facts"]
        rsum = roles.get("services", {}).get(s, {}).get("summary", "")
        w(
            f"| {_c(s)} | {_md(rsum)} | {f['image']} | {f['inbound_crossings']} / "
            f"{f['outbound_crossings']} | "
            + " | ".join(_score(p["criteria"][k]["score"]) for k, _ in CRITERIA)
            + f" | {p['total']:+d} | {'yes' if p['candidate'] else 'no: ' + _md(p['why_not'])} |"
        )
    w("")
    for s, p in per.items():
        for note in p.get("notes", []):
            w(f"- {_c(s)}: {_md(note)}")
    if any(p.get("notes") for p in per.values()):
        w("")
    for s, p in per.items():
        w(f"<details><summary>Evidence for {_md(s)} (total {p['total']:+d})</summary>")
        w("")
        w("| criterion | score | evidence |")
        w("|---|---|---|")
        for key, title in CRITERIA:
            c = p["criteria"][key]
            w(f"| {title} | {_score(c['score'])} | {'; '.join(_md(e) for e in c['evidence'])} |")
        w("")
        w("</details>")
        w("")
    w("### Extraction plan (strangler fig)")
    w("")
    if not dec["steps"]:
        w(
            "None: the verdict is to stay one deployable. Re-run after the code grows or a "
            "distinct scaling need appears (a GPU runtime, a batch workload)."
        )
        w("")
    for st in dec["steps"]:
        if st["action"] == "enforce":
            w(
                f"{st['step']}. **Enforce the boundaries in the monolith.** "
                + " ".join(_md(x) for x in st["why"])
            )
            w("")
            w("   ```")
            w(f"   {st['check_rules']}")
            w("   ```")
            w("")
            continue
        kind = per.get(st["service"], {}).get("kind")
        verb = "Split out the job" if st["action"] == "job" and kind != "job" else "Extract"
        w(
            f"{st['step']}. **{verb} {_c(st['service'])}"
            + (" as a job" if kind == "job" else "")
            + ".** Why: "
            + "; ".join(_md(x) for x in st["why"])
            + "."
        )
        w("")
        if st["inbound"]:
            w(
                (
                    f"   Code of `{st['service']}` the rest imports (a job serves no API: keep "
                    "it in the monolith or a shared library) "
                    if kind == "job"
                    else f"   Crossings that become API calls into `{st['service']}` "
                )
                + f"({count(len(st['inbound']), 'member')}):"
            )
            w("")
            for g in st["inbound"][:15]:
                w(
                    f"   - {_c(g['member'])} ← {', '.join(_c(x) for x in g['from'][:4])} "
                    f"({count(g['count'], 'site')}; e.g. {_md(g['example'])})"
                )
            if len(st["inbound"]) > 15:
                w(f"   - … {len(st['inbound']) - 15} more in proposal.json")
            w("")
        if st["outbound"]:
            w(
                f"   Code the job `{st['service']}` uses from the monolith (install it as a "
                "library, or move it along):"
                if kind == "job"
                else f"   Calls from `{st['service']}` back into the monolith (expose them as an "
                "API, or move the code along):"
            )
            w("")
            for g in st["outbound"][:10]:
                w(f"   - {_c(g['member'])} ({count(g['count'], 'site')})")
            if len(st["outbound"]) > 10:
                w(f"   - … {len(st['outbound']) - 10} more in proposal.json")
            w("")
        if st["data"]:
            w(
                "   Data to untangle first: "
                + "; ".join(
                    f"{k.replace('_', ' ')}: " + ", ".join(_c(v) for v in vals[:6])
                    for k, vals in st["data"].items()
                )
                + "."
            )
            w("")
        w("   `check` rules to add (boundaries.toml):")
        w("")
        w("   ```toml")
        for line in st["check_rules"].splitlines():
            w(f"   {line}")
        w("   ```")
        w("")
    if dec.get("stay"):
        w(
            "Stay in the (modular) monolith: "
            + "; ".join(f"{_c(s)} ({_md(r)})" for s, r in dec["stay"].items() if r)
            + "."
        )
        w("")
    if dec.get("offline_tools"):
        w(
            "Offline tools, not part of the running system — keep them out of the deployable "
            "image (a separate package or `tools/`), no service, no network API:"
        )
        w("")
        for s, o in dec["offline_tools"].items():
            w(
                f"- {_c(s)} ({count(o['modules'], 'module')}): not imported by the running "
                "system; `__main__` guards at "
                + ", ".join(_c(x) for x in o["scripts"][:5])
                + (f" and {len(o['scripts']) - 5} more" if len(o["scripts"]) > 5 else "")
            )
        w("")
    wi = dec.get("what_if")
    if isinstance(wi, dict):
        w("### What-if")
        w("")
        w("Moves applied to this report: " + ", ".join(_c(m) for m in wi["moves"]) + ".")
        w("")
        w("| | before | after | change |")
        w("|---|---|---|---|")
        for k in wi["before"]["metrics"]:
            b, a = wi["before"]["metrics"][k], wi["after"]["metrics"][k]
            w(f"| {k} | {b:.4g} | {a:.4g} | {wi['delta'][k]:+.4g} |")
        w(
            f"| shared tables | {wi['before']['shared_tables']} | {wi['after']['shared_tables']} "
            f"| {wi['delta']['shared_tables']:+d} |"
        )
        w(f"| verdict | {wi['before']['verdict']} | {wi['after']['verdict']} | |")
        w(
            f"| candidates | {', '.join(wi['before']['candidates']) or '—'} | "
            f"{', '.join(wi['after']['candidates']) or '—'} | |"
        )
        b_door, a_door = wi["before"].get("front_door", ""), wi["after"].get("front_door", "")
        w(f"| HTTP front door | {b_door or '—'} | {a_door or '—'} | |")
        b_sc, a_sc = wi["before"].get("scaling", []), wi["after"].get("scaling", [])
        change = [f"+{x}" for x in a_sc if x not in b_sc] + [f"−{x}" for x in b_sc if x not in a_sc]
        w(
            f"| distinct scaling need | {', '.join(b_sc) or '—'} | {', '.join(a_sc) or '—'} "
            f"| {', '.join(change)} |"
        )
        b_roles, a_roles = wi["before"].get("roles", {}), wi["after"].get("roles", {})
        for svc in sorted(set(b_roles) | set(a_roles)):
            if b_roles.get(svc) != a_roles.get(svc):
                was = role_title(b_roles[svc]) if svc in b_roles else "—"
                now = role_title(a_roles[svc]) if svc in a_roles else "—"
                w(f"| primary role of {_c(svc)} | {was} | {now} | |")
        w("")
    # ---- roles
    w("## Roles")
    w("")
    w("| service | primary role | roles (modules) |")
    w("|---|---|---|")
    for s, info in roles.get("services", {}).items():
        text = info.get("primary_text") or role_title(info["primary"])
        w(f"| {_c(s)} | {_md(text)} | {_md(info['summary'])} |")
    w("")
    w("<details><summary>Role evidence per module</summary>")
    w("")
    w("| module | roles | evidence |")
    w("|---|---|---|")
    for m, info in roles.get("modules", {}).items():
        if info.get("empty"):
            continue
        evs = [
            f"{e['role']}: {e['detail']}" + (f" (line {e['line']})" if e["line"] else "")
            for e in info["evidence"][:6]
        ]
        w(f"| {_md(m)} | {', '.join(info['roles'])} | {'<br>'.join(_md(e) for e in evs)} |")
    w("")
    w("</details>")
    w("")
    # ---- footprints
    w("## Footprints")
    w("")
    gpu = fps.get("gpu_services", [])
    w(
        "Services that need a GPU image: "
        + (", ".join(_c(s) for s in gpu) if gpu else "none")
        + ". Distributions: "
        + _md(fps.get("mapping", ""))
        + "."
    )
    req = fps.get("required", {})
    if req:
        files = sorted(set(req.values()))
        w("")
        w(
            f"Required by the project's declared dependencies ({_md(', '.join(files[:3]))}): "
            + _md(", ".join(list(req)[:12]))
            + (f" … {len(req) - 12} more" if len(req) > 12 else "")
            + ". A guarded or lazy import of one of them is not optional: every install has it."
        )
    w("")
    w(
        "| service | image | GPU runtimes | large runtimes | hosted LLM APIs | CUDA evidence "
        "| distributions |"
    )
    w("|---|---|---|---|---|---|---|")
    for s, f in fps.get("services", {}).items():
        dists = ", ".join(
            d["distribution"]
            + ("?" if d["source"] == "guessed" else "")
            + (" (optional)" if d["optional"] else "")
            for d in f["distributions"][:25]
        )
        if f["count"] > 25:
            dists += f" … {f['count'] - 25} more"
        w(
            f"| {_c(s)} | {f['image']}"
            + (
                f" (own: {f['image_own']}; via kernel: {', '.join(f['via_kernel'][:3])})"
                if f.get("via_kernel")
                else ""
            )
            + (
                f" + optional GPU extras ({', '.join(f['optional_gpu'][:3])})"
                if f.get("optional_gpu")
                else ""
            )
            + f" | {', '.join(f['gpu_runtimes']) or '—'} | "
            f"{', '.join(f['large']) or '—'} | {', '.join(f.get('llm_apis', [])) or '—'} | "
            f"{'<br>'.join(_md(x) for x in f['cuda_evidence'][:2]) or '—'} | {_md(dists) or '—'} |"
        )
    w("")
    # ---- data coupling
    w("## Data coupling")
    w("")
    summ = dc.get("summary", {})
    w(
        f"{count(summ.get('tables', 0), 'table')} seen, {summ.get('shared_tables', 0)} used by "
        f"more than one service ({summ.get('multi_writer_tables', 0)} written by two); "
        + (
            f"{count(summ.get('orm_models', 0), 'ORM model')} ({summ.get('shared_orm_models', 0)} "
            "shared); "
            if summ.get("orm_recognised", True)
            else "ORM models: none recognised (the code uses an ORM — "
            + "; ".join(summ.get("orm_evidence", [])[:2])
            + " — but no model class was recognised, so models shared by services are "
            "unknown); "
        )
        + f"shared files {summ.get('shared_files', 0)}, env keys {summ.get('shared_env', 0)}, "
        f"queues {summ.get('shared_queues', 0)}, caches {summ.get('shared_caches', 0)}. The shared "
        "kernel is a library and does not count as a sharer."
    )
    w("")
    dyn = dc.get("dynamic_sql", {})
    if dyn.get("services"):
        w(
            (
                "1 SQL statement builds its table name"
                if summ.get("dynamic_sql", 0) == 1
                else f"{summ.get('dynamic_sql', 0)} SQL statements build their table name"
            )
            + " at run time "
            "(f-strings, helpers), so table sharing could not be checked for them: "
            + ", ".join(f"{_c(s)} {n}" for s, n in dyn["services"].items())
            + (f" (e.g. {_md(dyn['evidence'][0])})" if dyn.get("evidence") else "")
            + "."
        )
        w("")
    shared_tables = [t for t in dc.get("tables", []) if t["shared"]]
    if shared_tables:
        _md_table(
            w,
            ("table", "services", "writers", "readers", "schema", "evidence"),
            [
                (
                    _c(t["name"]),
                    ", ".join(t["services"]),
                    ", ".join(t["writers"]) or "—",
                    ", ".join(t["readers"]) or "—",
                    ", ".join(t["schema"]) or "—",
                    "<br>".join(_md(e) for e in t["evidence"][:3]),
                )
                for t in shared_tables
            ],
        )
    shared_orm = [d for d in dc.get("orm_models", []) if d["shared"]]
    if shared_orm:
        _md_table(
            w,
            ("ORM model", "table", "owner", "used by", "evidence"),
            [
                (
                    _c(d["model"]),
                    f"{_md(d['name'])} ({_md(d['table_source'])})",
                    _c(d["owner"]),
                    ", ".join(d["services"]),
                    "<br>".join(_md(e) for e in d["evidence"][:3]),
                )
                for d in shared_orm
            ],
        )
    for group, title in (
        ("files", "files and artifacts"),
        ("env", "environment keys"),
        ("queues", "queues and topics"),
        ("caches", "cache keys"),
    ):
        items = [d for d in dc.get(group, []) if d["shared"]]
        if items:
            w(
                f"Shared {title}: "
                + "; ".join(f"{_c(d['name'])} ({', '.join(d['services'])})" for d in items[:20])
                + "."
            )
            w("")
    if dc.get("pairs"):
        w(
            "Data-coupling weight between services (written table 3, read table 2, ORM model 2, "
            "file/queue/cache 1, env key 0.5): "
            + "; ".join(f"{p['a']}–{p['b']} {p['weight']:g}" for p in dc["pairs"][:12])
            + "."
        )
        w("")
    # ---- history
    w("## History")
    w("")
    if not hist.get("available"):
        w(f"No history used: {_md(hist.get('reason', 'unavailable'))}.")
        w("")
    else:
        w(
            f"{count(hist['commits'], 'commit')} from {hist['first']} to {hist['last']}"
            + (f" (the newest {hist['max_commits']} only)" if hist.get("truncated") else "")
            + "."
        )
        w("")
        w("| service | commits | main author (share) | changes together with |")
        w("|---|---|---|---|")
        for s, h in hist.get("services", {}).items():
            co = ", ".join(f"{k} ({v})" for k, v in h["co_change"].items()) or "—"
            w(
                f"| {_c(s)} | {h['commits']} | {_md(h['owner']) or '—'} "
                f"({h['owner_share']:.0%}) | {_md(co)} |"
            )
        w("")
        if hist.get("module_pairs"):
            w(
                "Modules in different services that change together most: "
                + "; ".join(
                    f"{_c(p['a'])} + {_c(p['b'])} ({p['commits']})"
                    for p in hist["module_pairs"][:8]
                )
                + "."
            )
            w("")
    return "\n".join(out)
