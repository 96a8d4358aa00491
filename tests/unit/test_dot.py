"""DOT building (no binary needed) and rendering with the real Graphviz ``dot``."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from decompose import dot, render
from decompose.errors import MissingToolError
from tests.unit._plans import plan_for
from tests.unit.test_render import SERVICES, SHOP

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def shop(make_project):  # type: ignore[no-untyped-def]
    return plan_for(make_project(SHOP), SERVICES)


def _edge_lines(source: str) -> list[str]:
    return [ln for ln in source.splitlines() if "->" in ln and "tooltip" in ln]


def test_modules_view_has_one_cluster_per_service_and_styled_edges(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    v = render.modules_view(plan, graph)
    src = dot.to_dot(v)
    assert src.startswith("digraph decompose {")
    assert src.count("subgraph cluster_") == len({n.cluster for n in v.nodes})
    lines = _edge_lines(src)
    assert len(lines) == len(v.edges)
    for e, line in zip(v.edges, lines, strict=True):
        if e.cycle:
            assert dot._CYCLE in line
        elif e.crossing:
            assert dot._CROSSING in line and "dashed" in line
        else:
            assert dot._CROSSING not in line and dot._CYCLE not in line
    # the kernel cluster is drawn apart (grey, dashed)
    blocks = re.findall(r"subgraph cluster_\d+ \{\n\t\t([^\n]*)", src)
    kernel = [b for b in blocks if 'label="shared kernel"' in b]
    assert len(kernel) == 1 and "dashed" in kernel[0]
    assert not any("dashed" in b for b in blocks if b not in kernel)


def test_services_view_edges_carry_counts(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    v = render.services_view(plan, graph, min_crossings=1)
    src = dot.to_dot(v)
    for e in v.edges:
        calls = f"{e.calls} call{'' if e.calls == 1 else 's'}"
        assert f"{e.weight}\\n{e.imports} imp, {calls}" in src


def test_hostile_labels_cannot_break_the_dot() -> None:
    evil = 'x" ]; evil -> pwn; a [label="\\'
    v = render.View(
        "services",
        'title "q"',
        (render.Node(evil, evil, "service"), render.Node("b", "b", "service")),
        (render.Edge(evil, "b", 2, 1, 1, True),),
        (),
    )
    src = dot.to_dot(v)
    assert len(re.findall(r"^\s*n\d+ -> n\d+", src, re.M)) == 1
    if shutil.which("dot"):
        svg = dot.render(src, "svg")
        root = ET.fromstring(svg)
        nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
        assert len(nodes) == 2
        texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
        assert 'x" ]; evil -> pwn; a [label="\\' in texts


@needs_dot
@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_render_images(shop, fmt: str, magic: bytes) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    out = dot.render(dot.to_dot(render.services_view(plan, graph)), fmt)
    assert out.startswith(magic)


@needs_dot
def test_rendered_svg_has_one_node_per_service(shop) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    svg = dot.render(dot.to_dot(render.services_view(plan, graph)), "svg")
    root = ET.fromstring(svg)
    titles = {
        g.find(f"{SVG}title").text
        for g in root.iter(f"{SVG}g")  # type: ignore[union-attr]
        if g.get("class") == "node"
    }
    assert len(titles) == len(plan.services)


def test_missing_dot_is_a_clear_error(
    shop, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    graph, plan = shop
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here
    src = dot.to_dot(render.services_view(plan, graph))  # building DOT needs no binary
    with pytest.raises(MissingToolError) as info:
        dot.render(src, "svg")
    msg = str(info.value)
    assert "apt-get install graphviz" in msg and "brew install graphviz" in msg
    assert "\n" not in msg and info.value.exit_code == 2
