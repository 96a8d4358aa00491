"""``decompose graph`` end to end on the predictly sample and tiny projects."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from decompose.cli import main
from tests.conftest import SAMPLES
from tests.unit.test_render import SHOP, check_mermaid

PREDICTLY = SAMPLES / "predictly"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
SVG = "{http://www.w3.org/2000/svg}"


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    r = runner.invoke(main, ["graph", *args])
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def services() -> dict[str, list[str]]:
    """Service -> modules of the predictly proposal, from `decompose analyze` itself."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        r = CliRunner().invoke(main, ["analyze", str(PREDICTLY), "--out", tmp])
        assert r.exit_code == 0, r.output
        doc = json.loads((Path(tmp) / "proposal.json").read_text())
    return {k: v["modules"] for k, v in doc["services"].items()}


def test_services_json_matches_the_proposal(runner: CliRunner, services) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        runner, str(PREDICTLY), "--view", "services", "--format", "json", "--min-crossings", "1"
    )
    assert code == 0
    doc = json.loads(out)
    assert {n["id"] for n in doc["nodes"]} == set(services)
    assert all(e["crossing"] and e["weight"] == e["imports"] + e["calls"] for e in doc["edges"])


def test_default_view_of_the_small_sample_is_modules_by_service(
    runner: CliRunner, services
) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(runner, str(PREDICTLY), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["view"] == "modules"
    assert {c["name"] for c in doc["clusters"]} == set(services)
    assert sum(n["size"] for n in doc["nodes"]) == sum(len(v) for v in services.values())


@needs_dot
@pytest.mark.parametrize(
    "args",
    [
        ["--view", "services"],
        ["--view", "modules", "--depth", "2"],
        ["--view", "focus", "--focus", "predictly.billing.plans", "--hops", "1"],
    ],
)
def test_svg_output_to_file(runner: CliRunner, tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "g.svg"
    code, stdout, _ = run(runner, str(PREDICTLY), *args, "-o", str(out))
    assert code == 0, stdout
    root = ET.fromstring(out.read_bytes())
    assert root.tag == f"{SVG}svg"
    assert any(g.get("class") == "node" for g in root.iter(f"{SVG}g"))
    assert f"wrote {out}" in stdout


def test_service_view_in_mermaid_and_dot(runner: CliRunner, services) -> None:  # type: ignore[no-untyped-def]
    name = sorted(s for s in services if s != "kernel")[0]
    code, out, _ = run(
        runner, str(PREDICTLY), "--view", "service", "--service", name, "--format", "mermaid"
    )
    assert code == 0
    nodes, _edges = check_mermaid(out)
    assert len(nodes) >= len(services[name])
    code, out, _ = run(runner, str(PREDICTLY), "--service", name, "--format", "dot")
    assert code == 0 and out.startswith("digraph") and f'label="Service {name}' in out


def test_format_from_the_output_suffix(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "g.mmd"
    assert run(runner, str(PREDICTLY), "--view", "services", "-o", str(out))[0] == 0
    check_mermaid(out.read_text())


def test_missing_dot_still_writes_the_dot(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "g.png"
    code, _, err = run(runner, str(PREDICTLY), "--view", "services", "-o", str(out))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "apt-get install graphviz" in lines[0]
    assert not out.exists()
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    # text formats need no binary
    assert run(runner, str(PREDICTLY), "--view", "services", "--format", "json")[0] == 0


@pytest.mark.parametrize(
    "args,message",
    [
        (["--view", "service"], "--service NAME"),
        (["--service", "nope"], "unknown service 'nope'"),
        (["--focus", "predictly.billing.plan"], "did you mean"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    runner: CliRunner, args: list[str], message: str
) -> None:
    code, _, err = run(runner, str(PREDICTLY), *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_declared_boundaries(runner: CliRunner, make_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_project(SHOP)
    b = tmp_path / "boundaries.toml"
    b.write_text(
        'kernel = ["shop.util"]\n[services.front]\nmodules = ["shop.orders.*", '
        '"shop.catalog.*"]\n[services.money]\nmodules = ["shop.billing.*"]\n'
    )
    code, out, err = run(
        runner,
        str(root),
        "--view",
        "services",
        "--format",
        "json",
        "--boundaries",
        str(b),
        "--min-crossings",
        "1",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert {n["id"] for n in doc["nodes"]} == {"front", "money", "kernel", "unassigned"}
    pairs = {(e["src"], e["dst"]) for e in doc["edges"]}
    assert ("front", "money") in pairs and ("money", "front") in pairs
    assert sum(e["cycle"] for e in doc["edges"]) == 1
