"""tester5 N4: ``decompose graph`` right after ``decompose adopt`` drew a fresh proposal, so it
showed services the adopted contract does not have. Like ``scaffold`` it now draws the contract
the configuration declares, says which it drew, and draws a fresh proposal with --propose."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from decompose.cli import main
from tests.unit.test_render import SHOP

# A contract no proposal would make: every module but the kernel in one service.
CONTRACT = 'kernel = []\n[services.everything]\nmodules = ["shop.*"]\n'


def _graph(runner: CliRunner, root: Path, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    r = runner.invoke(main, ["graph", str(root), "--view", "services", "--format", "json", *args])
    return r.exit_code, json.loads(r.stdout) if r.exit_code == 0 else {}, r.stderr


def _ids(doc: dict) -> set[str]:  # type: ignore[type-arg]
    return {n["id"] for n in doc["nodes"]}


def test_graph_draws_the_declared_contract_and_says_so(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({**SHOP, "decompose.toml": CONTRACT})
    code, doc, err = _graph(runner, root)
    assert code == 0, err
    assert _ids(doc) == {"everything"}
    assert f"drew the services declared in {root / 'decompose.toml'}" in err
    assert "--propose" in err


def test_propose_draws_a_fresh_proposal(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({**SHOP, "decompose.toml": CONTRACT})
    code, doc, err = _graph(runner, root, "--propose")
    assert code == 0, err
    assert "everything" not in _ids(doc) and len(_ids(doc)) >= 2
    assert "decompose: drew a fresh proposal" in err


def test_pyproject_contract_is_drawn(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    toml = "[project]\nname = 'shop'\nversion = '0'\n[tool.decompose]\n" + CONTRACT.replace(
        "[services.", "[tool.decompose.services."
    )
    root = make_project({**SHOP, "pyproject.toml": toml})
    code, doc, err = _graph(runner, root)
    assert code == 0, err
    assert _ids(doc) == {"everything"}
    assert "pyproject.toml" in err


def test_no_contract_says_it_draws_a_proposal(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(SHOP)
    code, _doc, err = _graph(runner, root)
    assert code == 0, err
    assert "decompose: drew a fresh proposal (no services declared" in err


def test_boundaries_with_propose_is_a_usage_error(runner, make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project(SHOP)
    b = tmp_path / "b.toml"
    b.write_text(CONTRACT)
    r = runner.invoke(main, ["graph", str(root), "--boundaries", str(b), "--propose"])
    assert r.exit_code == 2
    assert "use one of --boundaries and --propose" in r.output


def test_after_adopt_graph_shows_exactly_the_adopted_services(
    runner, make_project, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    root = make_project(SHOP)
    monkeypatch.chdir(root)  # analyze writes ./decompose-out, adopt reads PATH/decompose-out
    assert runner.invoke(main, ["analyze", ".", "--no-cache", "-q"]).exit_code == 0
    r = runner.invoke(main, ["adopt", ".", "--no-baseline"])
    assert r.exit_code == 0, r.output
    # Change the contract by hand, as a team does after adopting: rename one service.
    toml = (root / "decompose.toml").read_text()
    adopted = sorted(
        line[len("[services.") : -1]
        for line in toml.splitlines()
        if line.startswith("[services.") and line.count(".") == 1
    )
    assert adopted
    old = adopted[0]
    renamed = toml.replace(f"[services.{old}]", "[services.renamed_by_team]").replace(
        f'"{old}"', '"renamed_by_team"'
    )
    (root / "decompose.toml").write_text(renamed)
    code, doc, err = _graph(runner, root, "--min-crossings", "1")
    assert code == 0, err
    drawn = _ids(doc) - {"kernel", "unassigned"}
    assert drawn == {"renamed_by_team", *adopted[1:]}
    r = runner.invoke(main, ["graph", ".", "-o", "g.json"])
    assert r.exit_code == 0, r.output
    assert "view of the services declared in decompose.toml" in r.stdout
