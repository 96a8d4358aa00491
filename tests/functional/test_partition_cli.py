"""`decompose partition GRAPH.json` (opaque node names) and `decompose score PROPOSAL REFERENCE`."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from click.testing import CliRunner

from decompose.cli import main

ROOT = Path(__file__).resolve().parents[2]


def opaque_graph(path: Path, groups: int = 4, size: int = 5) -> dict[str, str]:
    """Write a graph.json of opaque nodes in dense groups joined by single bridges; return the
    planted truth."""
    imports, truth = [], {}
    for g in range(groups):
        mods = [f"q{g * 37 % 11}{i}z" for i in range(size)]
        truth.update({m: f"g{g}" for m in mods})
        imports += [{"src": a, "dst": b} for a, b in itertools.combinations(mods, 2)]
    names = sorted(truth)
    imports += [
        {"src": names[i], "dst": names[(i + size + 1) % len(names)], "kind": "import"}
        for i in range(0, len(names), size)
    ]
    calls = [{"src": f"{a['src']}:f", "dst": f"{a['dst']}:g", "count": 3} for a in imports[:5]]
    path.write_text(
        json.dumps({"modules": [{"name": n} for n in names], "imports": imports, "calls": calls})
    )
    return truth


def test_partition_recovers_planted_groups_from_opaque_names(
    tmp_path: Path, runner: CliRunner
) -> None:
    gfile = tmp_path / "graph.json"
    truth = opaque_graph(gfile)
    out = tmp_path / "proposal.json"
    res = runner.invoke(main, ["partition", str(gfile), "-o", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    got = {m: s for s, v in doc["services"].items() for m in v["modules"]}
    assert set(got) == set(truth)
    groups = {frozenset(m for m in got if got[m] == s) for s in set(got.values())}
    assert groups == {frozenset(m for m in truth if truth[m] == g) for g in set(truth.values())}
    assert {"modularity", "structural_modularity", "icp", "ned"} <= set(doc["metrics"])
    # same seed, same bytes; stdout when no -o
    again = runner.invoke(main, ["partition", str(gfile)])
    assert again.exit_code == 0 and again.output == out.read_text()

    # scored against the planted truth it is perfect, also via the CLI
    tfile = tmp_path / "truth.json"
    tfile.write_text(
        json.dumps(
            {
                "services": {
                    g: sorted(m for m in truth if truth[m] == g) for g in set(truth.values())
                }
            }
        )
    )
    sc = runner.invoke(
        main, ["score", str(out), str(tfile), "--graph", str(gfile), "--format", "json"]
    )
    assert sc.exit_code == 0, sc.output
    s = json.loads(sc.output)
    assert s["mojofm"] == 100.0 and s["common_modules"] == len(truth)
    assert s["reference_metrics"]["modularity"] == s["modularity"]


def test_partition_options_change_the_result(tmp_path: Path, runner: CliRunner) -> None:
    gfile = tmp_path / "graph.json"
    opaque_graph(gfile)
    res = runner.invoke(main, ["partition", str(gfile), "--services", "2"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.output)["services"]) == 2
    lv = runner.invoke(
        main, ["partition", str(gfile), "--algorithm", "louvain", "--resolution", "1.0"]
    )
    assert json.loads(lv.output)["algorithm"] == "louvain"


def test_partition_rejects_bad_graphs(tmp_path: Path, runner: CliRunner) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    res = runner.invoke(main, ["partition", str(bad)])
    assert res.exit_code == 2 and "expected a JSON object" in res.output
    bad.write_text('{"imports": [{"src": "a"}]}')
    res = runner.invoke(main, ["partition", str(bad)])
    assert res.exit_code == 2 and "imports[0]" in res.output
    bad.write_text("not json")
    assert runner.invoke(main, ["partition", str(bad)]).exit_code == 2
    bad.write_text("{}")
    res = runner.invoke(main, ["partition", str(bad)])
    assert res.exit_code == 2 and "graph.json-shaped" in res.output
    bad.write_text('{"services": {"a": {"modules": ["x"]}}, "seed": 0}')
    res = runner.invoke(main, ["partition", str(bad)])
    assert res.exit_code == 2 and "looks like a proposal.json" in res.output
    bad.write_text('{"modules": "x"}')
    res = runner.invoke(main, ["partition", str(bad)])
    assert res.exit_code == 2 and "'modules' must be a list" in res.output


def test_score_against_a_project_folder_uses_its_packages(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    root = make_project(
        {
            "shop/__init__.py": "",
            "shop/config.py": "",
            "shop/orders/__init__.py": "",
            "shop/orders/models.py": "",
            "shop/orders/views.py": "",
            "shop/users/__init__.py": "",
            "shop/users/models.py": "",
        }
    )
    prop = tmp_path / "p.json"
    # orders.views misplaced into users: one move away from the package structure
    prop.write_text(
        json.dumps(
            {
                "services": {
                    "a": ["shop.orders", "shop.orders.models"],
                    "b": ["shop.users", "shop.users.models", "shop.orders.views"],
                    "c": ["shop", "shop.config"],
                }
            }
        )
    )
    res = runner.invoke(main, ["score", str(prop), str(root), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["reference_services"] == 3  # shop, shop.orders, shop.users
    assert doc["common_modules"] == 7
    assert 0 < doc["mojofm"] < 100
    text = runner.invoke(main, ["score", str(prop), str(root)])
    assert text.exit_code == 0 and "mojofm" in text.output


def test_score_rejects_disjoint_partitions(tmp_path: Path, runner: CliRunner) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"services": {"x": ["m1"]}}))
    b.write_text(json.dumps({"services": {"y": ["m2"]}}))
    res = runner.invoke(main, ["score", str(a), str(b)])
    assert res.exit_code == 2 and "share no module" in res.output
    b.write_text(json.dumps({"nothing": 1}))
    assert runner.invoke(main, ["score", str(a), str(b)]).exit_code == 2


def test_predictly_graph_partitioned_name_blind(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "out"
    assert (
        runner.invoke(
            main, ["analyze", str(ROOT / "samples" / "predictly"), "-o", str(out), "-q"]
        ).exit_code
        == 0
    )
    res = runner.invoke(
        main, ["partition", str(out / "graph.json"), "-o", str(tmp_path / "p.json")]
    )
    assert res.exit_code == 0, res.output
    sc = runner.invoke(
        main,
        [
            "score",
            str(tmp_path / "p.json"),
            str(ROOT / "samples" / "predictly" / "truth.json"),
            "--format",
            "json",
        ],
    )
    doc = json.loads(sc.output)
    assert doc["mojofm"] > 50  # well above the random floor (~20) name-blind


def test_score_expands_toml_patterns_without_a_graph(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "out"
    res = runner.invoke(
        main, ["analyze", str(ROOT / "samples" / "predictly"), "-o", str(out), "-q"]
    )
    assert res.exit_code == 0, res.output
    proposal = json.loads((out / "proposal.json").read_text())
    n = sum(len(s["modules"]) for s in proposal["services"].values())
    res = runner.invoke(
        main,
        ["score", str(out / "proposal.json"), str(out / "boundaries.toml"), "--format", "json"],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    # boundaries.toml is the same proposal written as patterns: every module is compared
    assert doc["common_modules"] == n and doc["proposal_only"] == 0
    assert doc["mojofm"] == 100.0


def test_score_metrics_match_the_report_kernel_included(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "out"
    res = runner.invoke(
        main, ["analyze", str(ROOT / "samples" / "predictly"), "-o", str(out), "-q"]
    )
    assert res.exit_code == 0, res.output
    proposal = json.loads((out / "proposal.json").read_text())
    assert proposal["kernel"]  # predictly has a shared kernel: the case that used to differ
    p = str(out / "proposal.json")
    res = runner.invoke(
        main, ["score", p, p, "--graph", str(out / "graph.json"), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    for key in ("modularity", "icp", "ifn", "structural_modularity"):
        assert round(doc[key], 4) == round(proposal["metrics"][key], 4), key
