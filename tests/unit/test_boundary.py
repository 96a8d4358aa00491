"""decompose.boundary: explanations (pull, runner-up, margin, contested) and god modules."""

from __future__ import annotations

from pathlib import Path

from decompose.boundary import build_plan, god_modules
from decompose.config import AnalyzeSettings
from decompose.graph import ProgramGraph
from decompose.model import CallEdge, ModuleEdge, ModuleNode, Partition

ROOT = Path(__file__).resolve().parents[2]


def graph(edges: list[tuple[str, str]], calls: list[tuple[str, str]] = ()) -> ProgramGraph:
    names = sorted(
        {n for e in edges for n in e} | {c[i].split(":")[0] for c in calls for i in (0, 1)}
    )
    return ProgramGraph(
        tuple(ModuleNode(n, f"{n}.py", "module", "ok") for n in names),
        tuple(sorted(ModuleEdge(a, b, "import", 3, 1) for a, b in edges)),
        (),
        tuple(sorted(CallEdge(a, b, "call", 7, 1) for a, b in calls)),
        (),
        0,
        0,
        {},
    )


def partition(of: dict[str, str]) -> Partition:
    return Partition(
        tuple(sorted(of.items())),
        "leiden",
        0,
        1.0,
        tuple(sorted(m for m, s in of.items() if s == "kernel")),
    )


def test_explanation_names_the_pull_runner_up_and_margin() -> None:
    # m is tied to a1, a2 (service A) and to b1 (service B): A wins 2 to 1, margin (2-1)/(2+1).
    g = graph([("m", "a1"), ("m", "a2"), ("m", "b1"), ("a1", "a2"), ("b1", "b2"), ("m", "k")])
    of = {"m": "A", "a1": "A", "a2": "A", "b1": "B", "b2": "B", "k": "kernel"}
    plan = build_plan(g, partition(of), AnalyzeSettings(contested_margin=0.5))
    ex = {e.module: e for e in plan.explanations}
    assert set(ex) == set(of)  # every module is explained
    e = ex["m"]
    assert e.service == "A" and e.runner_up == "B"
    # the margin is computed on the ties the partitioner weighs: hub-damped (association
    # strength), not raw counts
    from decompose.partition import directed_association_strength, project_directed

    damped = directed_association_strength(
        project_directed(g, AnalyzeSettings().weights, True, [m.name for m in g.modules])
    )

    def tie(x: str) -> float:
        return damped.get(("m", x) if "m" < x else (x, "m"), 0.0)

    own, rival = tie("a1") + tie("a2"), tie("b1")
    assert abs(e.margin - (own - rival) / (own + rival)) < 1e-3
    assert 0 < e.margin < 0.5 and e.contested
    assert {n for n, _ in e.top_edges} == {"a1", "a2"}  # the edges that pulled it there
    assert all(s != "kernel" for s, _ in e.pull)  # the kernel pulls nobody
    assert not ex["a2"].contested and ex["b2"].runner_up == ""
    relaxed = build_plan(g, partition(of), AnalyzeSettings(contested_margin=0.1))
    assert not {e.module: e for e in relaxed.explanations}["m"].contested


def test_misplaced_module_has_a_negative_margin() -> None:
    g = graph([("m", "b1"), ("m", "b2"), ("b1", "b2"), ("a1", "a2"), ("m", "a1")])
    of = {"m": "A", "a1": "A", "a2": "A", "b1": "B", "b2": "B"}
    e = {e.module: e for e in build_plan(g, partition(of), AnalyzeSettings()).explanations}["m"]
    assert e.margin < 0 and e.runner_up == "B" and e.contested


def test_crossings_skip_the_kernel_and_carry_locations() -> None:
    g = graph([("a", "b"), ("a", "k")], calls=[("a:f", "b:g")])
    plan = build_plan(g, partition({"a": "A", "b": "B", "k": "kernel"}), AnalyzeSettings())
    kinds = sorted((c.src_service, c.dst_service, c.kind) for c in plan.crossings)
    assert kinds == [("A", "B", "call"), ("A", "B", "import")]
    assert {c.location.path for c in plan.crossings} == {"a.py"}


def test_god_module_split_follows_what_each_member_calls() -> None:
    # facade.f1..f6 each wrap one service; the http layer (service H) calls all of them.
    calls = []
    owner = {}
    for i in range(6):
        svc = "acc" if i < 3 else "bill"
        calls += [(f"facade:f{i}", f"{svc}_impl:g{i}"), (f"http:h{i}", f"facade:f{i}")]
        owner[f"f{i}"] = svc
    g = graph([("http", "facade")], calls)
    of = {"facade": "H", "http": "H", "acc_impl": "acc", "bill_impl": "bill"}
    gods = god_modules(g, of)
    assert [d["module"] for d in gods] == ["facade"]
    split = gods[0]["suggested_split"]
    assert split == {"acc": ["f0", "f1", "f2"], "bill": ["f3", "f4", "f5"]}
    # every member wraps the same service: move the module whole, no split
    assert god_modules(g, {**of, "bill_impl": "acc"}) == []


def test_predictly_core_is_flagged_with_a_split_into_the_domains() -> None:
    from decompose.config import Config
    from decompose.pipeline import analyze

    result = analyze(ROOT / "samples" / "predictly", Config())
    gods = {d["module"]: d for d in result.plan.extras["god_modules"]}  # type: ignore[union-attr]
    assert "predictly.core" in gods
    split = gods["predictly.core"]["suggested_split"]
    of = result.partition.as_dict()
    home = {m: s for s, ms in split.items() for m in ms}
    # each function goes next to the domain code it wraps
    assert home["get_user_by_api_key"] == of["predictly.accounts.api_keys"]
    assert home["check_quota"] == of["predictly.billing.metering"]
    assert home["model_overview"] == of["predictly.registry.versions"]
    assert len(split) >= 3


def test_reported_modularity_is_newman_q_whatever_the_resolution_used() -> None:
    from dataclasses import replace

    g = graph([("a1", "a2"), ("a2", "a3"), ("b1", "b2"), ("b2", "b3"), ("a3", "b1")])
    of = {"a1": "a", "a2": "a", "a3": "a", "b1": "b", "b2": "b", "b3": "b"}
    at_one = build_plan(g, partition(of), AnalyzeSettings(names=False)).metrics
    at_44 = build_plan(g, replace(partition(of), resolution=44.2), AnalyzeSettings()).metrics
    assert at_one["modularity"] == at_44["modularity"]
    assert -0.5 <= at_44["modularity"] <= 1.0


def test_tests_make_no_crossings_and_tieless_modules_have_no_margin() -> None:
    g = graph(
        [("a", "b"), ("tests.test_b", "b"), ("tests.test_b", "a")],
        calls=[("tests.test_b:t", "b:g")],
    )
    of = {"a": "A", "b": "B", "tests.test_b": "A", "lonely": "A"}
    plan = build_plan(g, partition(of), AnalyzeSettings())
    assert {c.src for c in plan.crossings} == {"a"}
    iface = {s.name: s.interface for s in plan.services}
    assert "b:g" not in iface["B"]  # only the test calls it
    lonely = next(e for e in plan.explanations if e.module == "lonely")
    assert lonely.margin == 0.0 and not lonely.pull and not lonely.contested
    checked = build_plan(g, partition(of), AnalyzeSettings(exclude_tests=False))
    assert {c.src for c in checked.crossings} == {"a", "tests.test_b", "tests.test_b:t"}


def test_names_on_explanations_show_the_name_ties_that_placed_a_module() -> None:
    import json as _json

    from decompose.config import Config
    from decompose.pipeline import analyze, make_cache

    cfg = Config()
    a = analyze(ROOT / "samples" / "layered", cfg, cfg.analyze, make_cache(cfg, None, True), 1)
    ex = {e.module: e for e in a.plan.explanations}
    e = ex["shopapi.routers.orders"]
    assert any(n == "name:order" for n, _ in e.top_edges)
    truth = _json.loads((ROOT / "samples" / "layered" / "truth.json").read_text())["services"]
    placed = [m for mods in truth.values() for m in mods]
    assert all(ex[m].margin > 0 for m in placed), [m for m in placed if ex[m].margin <= 0]
