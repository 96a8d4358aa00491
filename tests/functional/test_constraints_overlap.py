"""tester5 F7 residue: analyze constraints broken through overlapping patterns. Every rule the
proposal does not obey as written (pin, together, apart, kernel, max_service_size) must be
named in a warning, with the rule that won; checked here against an independent reading of the
final assignment over several overlapping-pattern combinations, on the real partitioner."""

from __future__ import annotations

import itertools
import textwrap
from collections import Counter
from typing import Any

import pytest

from decompose.cli import main
from decompose.config import (
    AnalyzeSettings,
    constraint_warnings,
    matches,
    parse_config,
    pinned_service,
)

FILES = {
    "app/__init__.py": "",
    "app/api/__init__.py": "",
    "app/api/routes.py": """
        from app.ml import model
        from app.data import load

        def root():
            return model.predict() + load.rows()
    """,
    "app/api/auth.py": "from app.data import store\n\ndef login():\n    return store.get()\n",
    "app/ml/__init__.py": "",
    "app/ml/model.py": """
        from app.data import load
        from app.ml import feats

        def predict():
            return load.rows() + feats.f()
    """,
    "app/ml/feats.py": "from app.data import store\n\ndef f():\n    return store.get()\n",
    "app/ml/train.py": """
        from app.ml import feats, model

        def train():
            return model.predict() + feats.f()
    """,
    "app/data/__init__.py": "",
    "app/data/load.py": "from app.data import store\n\ndef rows():\n    return store.get()\n",
    "app/data/store.py": "def get():\n    return [1]\n",
    "app/data/etl.py": """
        from app.data import load, store

        def run():
            return load.rows() + store.get()
    """,
    "app/util/__init__.py": "",
    "app/util/log.py": "def log():\n    return 1\n",
    "tests/test_model.py": (
        "from app.ml import model\n\n\ndef test_m():\n    assert model.predict()\n"
    ),
    "tests/test_load.py": "from app.data import load\n\ndef test_l():\n    assert load.rows()\n",
}

# Overlapping-pattern combinations (each valid as configuration: no literal contradiction).
COMBOS: list[dict[str, Any]] = [
    # tester5's two reports
    {"together": [["app.ml.model", "app.data.*"]], "apart": [["app.ml.*", "app.data.load"]]},
    {"together": [["app.ml.*", "app.data.*"]], "pin": {"app.ml.model": "ml", "app.data.load": "d"}},
    # a wildcard apart inside a together group, and a pin under a wildcard together
    {"together": [["app.*"]], "apart": [["app.ml.model", "app.data.*"]]},
    {"together": [["app.api.*", "app.ml.feats"]], "pin": {"app.ml.*": "ml"}},
    # two together groups sharing modules through different patterns
    {"together": [["app.data.load", "app.ml"], ["app.ml.*", "tests.test_model"]]},
    {"together": [["app.api.routes", "app.ml.*"], ["app.data.*", "tests.*", "app.ml.*"]]},
    # kernel patterns that reach tests, which are attached after clustering
    {"kernel": ["tests.*"]},
    {"kernel": ["app.data.store", "tests.test_model"], "together": [["app.data.*", "app.api.*"]]},
    # max_service_size against pins that take their together group along
    {
        "pin": {"app.data.store": "api"},
        "together": [["app.data.store", "app.util.*", "app.ml.*"]],
        "max_service_size": 2,
    },
    {"pin": {"app.*": "core"}, "max_service_size": 4},
    # apart lists whose patterns overlap each other
    {"apart": [["app.*", "app.ml.*"]]},
    {"apart": [["app.ml", "app.api.routes", "app.ml.model"]], "services": 1},
    {"apart": [["app.data.*", "app.util.*", "app.ml.feats"]], "pin": {"app.util.*": "data"}},
]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from decompose.pipeline import load_graph, make_cache

    root = tmp_path_factory.mktemp("overlap")
    for rel, text in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    cfg = parse_config({})
    return load_graph(root, cfg, make_cache(cfg, None, False))[1]


def broken_rules(
    s: AnalyzeSettings, assignment: dict[str, str], aliases: dict[str, str]
) -> set[str]:
    """Key paths of the rules the final assignment does not obey as written (read directly,
    not through constraint_warnings)."""
    canon = [m for m in sorted(assignment) if m not in aliases]

    def hits(p: str) -> set[str]:
        return {m for m in canon if matches(m, p)}

    out: set[str] = set()
    for p, svc in s.pin.items():
        for m in hits(p):
            won = pinned_service(m, s.pin)
            if won is not None and won[0] == p and assignment[m] != svc:
                out.add("analyze.pin.")
    for i, g in enumerate(s.together):
        if len({assignment[m] for p in g for m in hits(p)}) > 1:
            out.add(f"analyze.together[{i}]")
    for j, g in enumerate(s.apart):
        for a, b in itertools.combinations(g, 2):
            ha, hb = hits(a), hits(b)
            both = ha & hb
            if both or {assignment[m] for m in ha - both} & {assignment[m] for m in hb - both}:
                out.add(f"analyze.apart[{j}]")
    for k, p in enumerate(s.kernel):
        if any(assignment[m] != "kernel" for m in hits(p)):
            out.add(f"analyze.kernel[{k}]")
    if s.max_service_size:
        size = Counter(assignment[m] for m in canon if assignment[m] != "kernel")
        if max(size.values()) > s.max_service_size:
            out.add("analyze.max_service_size")
    return out


@pytest.mark.parametrize("analyze", COMBOS, ids=[str(i) for i in range(len(COMBOS))])
def test_every_rule_not_kept_is_warned(graph: Any, analyze: dict[str, Any]) -> None:
    from decompose.partition import propose

    s = parse_config({"analyze": analyze}).analyze
    assignment = dict(propose(graph, s)[0].assignment)
    aliases = dict(graph.aliases)
    warnings = constraint_warnings(s, assignment, aliases)
    for rule in sorted(broken_rules(s, assignment, aliases)):
        said = [w for w in warnings if w.startswith(rule)]
        assert said, f"{rule} not kept, no warning: {assignment} {warnings}"
        # each names what won or what happened, never a bare "could not be kept"
        assert not [w for w in said if w.endswith("could not be kept")], said


def test_some_combination_breaks_each_kind_of_rule(graph: Any) -> None:
    """The combinations above really exercise every kind of rule (guards the test itself)."""
    from decompose.partition import propose

    kinds: set[str] = set()
    for analyze in COMBOS:
        s = parse_config({"analyze": analyze}).analyze
        a = dict(propose(graph, s)[0].assignment)
        kinds |= {r.split("[")[0].rstrip(".") for r in broken_rules(s, a, dict(graph.aliases))}
    assert kinds >= {
        "analyze.together",
        "analyze.apart",
        "analyze.kernel",
        "analyze.max_service_size",
    }


def test_kernel_pattern_on_tests_says_tests_follow_their_code() -> None:
    s = AnalyzeSettings(kernel=("tests.*",))
    warns = constraint_warnings(s, {"app.a": "x", "tests": "x", "tests.test_a": "x"})
    assert len(warns) == 1
    assert warns[0].startswith("analyze.kernel[0]: 'tests.*' matches modules outside the shared")
    assert "tests, tests.test_a ended in 'x'. The kernel takes product code only: tests" in warns[0]


def test_pin_beyond_max_service_size_names_the_pin_and_its_together_group() -> None:
    s = AnalyzeSettings(pin={"app.a": "big"}, together=(("app.a", "app.b.*"),), max_service_size=2)
    a = {"app.a": "big", "app.b": "big", "app.b.x": "big", "app.c": "c"}
    (w,) = constraint_warnings(s, a)
    assert w.startswith("analyze.max_service_size: big has 3 modules, more than 2: pin places")
    assert "'app.a' there (analyze.pin, with analyze.together[0])" in w


def test_pin_not_applied_is_never_silent() -> None:
    (w,) = constraint_warnings(AnalyzeSettings(pin={"app.a": "ml"}), {"app.a": "api"})
    assert w.startswith("analyze.pin.\"app.a\": app.a ended in 'api', not 'ml'") or w.startswith(
        "analyze.pin.app.a: app.a ended in 'api', not 'ml'"
    )


def test_together_broken_by_an_overlapping_together_group_names_it() -> None:
    s = AnalyzeSettings(together=(("app.a", "app.m"), ("app.m.*", "app.t")))
    a = {"app.a": "x", "app.m": "y", "app.m.k": "y", "app.t": "y"}
    (w,) = constraint_warnings(s, a)
    assert w.startswith("analyze.together[0]: 'app.a', 'app.m' ended in 2 services (x, y)")
    assert "analyze.together[1] also lists app.m" in w


def test_together_member_moved_by_apart_with_an_outside_pattern_names_the_apart() -> None:
    s = AnalyzeSettings(together=(("app.a", "app.m"),), apart=(("app.u.*", "app.m"),))
    a = {"app.a": "x", "app.m": "y", "app.u": "x", "app.u.l": "x"}
    (w,) = constraint_warnings(s, a)
    assert "analyze.apart[0] moved 'app.m' away from 'app.u.*'" in w


def test_tester5_overlap_is_a_warning_on_stderr_and_in_the_report(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    toml = (
        '[analyze]\ntogether = [["app.ml.model", "app.data.*"]]\n'
        'apart = [["app.ml.*", "app.data.load"]]\n'
    )
    root = make_project({**FILES, "decompose.toml": toml})
    out = root.parent / "out"
    result = runner.invoke(main, ["analyze", str(root), "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    needle = "analyze.together[0]: 'app.ml.model', 'app.data.*' ended in 2 services"
    assert f"decompose: warning: {needle}" in result.output
    report = (out / "report.md").read_text()
    section = report.split("## Constraints not kept as written", 1)[1].split("\n## ", 1)[0]
    assert "analyze.apart[0] keeps 'app.ml.\\*' and 'app.data.load' apart" in section


@pytest.mark.parametrize(
    "analyze",
    [
        {"apart": [["app.ml", "app.api.routes", "app.ml.model"]], "services": 1},
        {"apart": [["app.data.*", "app.api.*", "app.ml.*"]], "services": 1},
        {"together": [["app.data.load", "app.ml"], ["app.ml.*", "app.api.auth"]]},
    ],
)
def test_apart_lists_and_overlapping_together_groups_are_kept(
    graph: Any, analyze: dict[str, Any]
) -> None:
    """Every pattern of one apart list ends apart from every other (a pair separated first is
    never moved back onto a third pattern); together groups sharing a module are one group."""
    from decompose.partition import propose

    s = parse_config({"analyze": analyze}).analyze
    assignment = dict(propose(graph, s)[0].assignment)
    assert broken_rules(s, assignment, dict(graph.aliases)) == set()
