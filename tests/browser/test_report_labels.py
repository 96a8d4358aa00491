"""report.html on a dense service graph: in a real headless Chromium, no two node labels overlap
(nor a label and another service's disc), and after "fit" every label is inside the graph pane and
clear of its controls. The project is synthesised: 40 packages with long names, each a tight
cluster of modules importing two others, so the proposal has ~40 services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from decompose import html
from decompose.config import load_config
from decompose.pipeline import Analysis, analyze
from tests.conftest import SAMPLES

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

WORDS = (
    "billing invoicing notifications recommendation ingestion feature_store training_pipeline "
    "model_registry serving_gateway accounts authentication authorization monitoring alerting "
    "reporting search_indexer payments subscriptions catalog inventory shipping pricing_engine "
    "experiments labeling annotation data_quality lineage scheduler orchestration audit_log "
    "webhooks exports imports_etl translations media_storage thumbnails chat_assistant "
    "embeddings vector_store evaluation_harness"
).split()
# long, distinct names: two words each (the layout must make room for the text, not the discs)
NAMES = [f"{w}_{WORDS[(i * 11 + 5) % len(WORDS)]}" for i, w in enumerate(WORDS)]

# Geometry read in the page: the screen rectangles of every label, every node (disc and labels),
# the SVG pane and the controls box.
GEOMETRY = """() => {
  const r = e => {
    const b = e.getBoundingClientRect();
    return [b.left, b.top, b.right, b.bottom];
  };
  const nodes = [...document.querySelectorAll('g.node')];
  return {
    labels: nodes.map(g => [...g.querySelectorAll('text')].map(r)),
    nodes: nodes.map(r),
    names: nodes.map(g => g.getAttribute('data-name')),
    pane: r(document.getElementById('graph')),
    controls: r(document.getElementById('controls')),
    viewBox: document.getElementById('graph').getAttribute('viewBox'),
  };
}"""

Box = list[float]


def dense_project(make_project: Callable[[dict[str, str | bytes]], Path]) -> Path:
    files: dict[str, str | bytes] = {"app/__init__.py": ""}
    n = len(NAMES)
    for i, name in enumerate(NAMES):
        files[f"app/{name}/__init__.py"] = ""
        files[f"app/{name}/m1.py"] = f"from app.{name} import m2\n\ndef f1():\n    return 1\n"
        files[f"app/{name}/m2.py"] = f"from app.{name} import m1\n\ndef f2():\n    return 2\n"
        others = sorted({NAMES[(i + 1) % n], NAMES[(i * 7 + 3) % n]})
        others = [o for o in others if o != name]
        files[f"app/{name}/m0.py"] = (
            f"from app.{name} import m1, m2\n"
            + "".join(f"from app.{o} import m1 as x{k}\n" for k, o in enumerate(others))
            + "\n\ndef f0():\n    return m1.f1() + m2.f2()"
            + "".join(f" + x{k}.f1()" for k in range(len(others)))
            + "\n"
        )
    return make_project(files)


def intersect(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(a: Box, outer: Box, slack: float = 0.5) -> bool:
    return (
        a[0] >= outer[0] - slack
        and a[1] >= outer[1] - slack
        and a[2] <= outer[2] + slack
        and a[3] <= outer[3] + slack
    )


def assert_readable(geo: dict[str, Any]) -> None:
    """No label overlaps another node's label or disc; every label is in the pane, below the
    controls."""
    labels: list[list[Box]] = geo["labels"]
    names: list[str] = geo["names"]
    flat = [(i, box) for i, boxes in enumerate(labels) for box in boxes]
    for k, (i, a) in enumerate(flat):
        assert a[2] - a[0] > 1 and a[3] - a[1] > 1, f"label of {names[i]} not rendered"
        for j, b in flat[k + 1 :]:
            assert not intersect(a, b), f"labels overlap: {names[i]} / {names[j]}"
        assert inside(a, geo["pane"]), f"label of {names[i]} outside the pane after fit"
        assert not intersect(a, geo["controls"]), f"label of {names[i]} under the controls"
    nodes: list[Box] = geo["nodes"]
    for i, a in enumerate(nodes):
        for j in range(i + 1, len(nodes)):
            assert not intersect(a, nodes[j]), f"nodes overlap: {names[i]} / {names[j]}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def open_report(browser: Any, path: Path, errors: list[str]) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("body[data-ready='1']")
    return page


@pytest.mark.browser
def test_dense_graph_labels_do_not_overlap(
    browser: Any, make_project: Callable[[dict[str, str | bytes]], Path], tmp_path: Path
) -> None:
    root = dense_project(make_project)
    analysis = analyze(root, load_config(root))
    core = [s for s in analysis.plan.services if not s.kernel]
    assert len(core) >= 30, [s.name for s in core]
    path = tmp_path / "report.html"
    path.write_text(html.report_html(analysis), encoding="utf-8")
    errors: list[str] = []
    page = open_report(browser, path, errors)
    geo = page.evaluate(GEOMETRY)
    assert sorted(geo["names"]) == sorted(s.name for s in analysis.plan.services)
    assert_readable(geo)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#graphwrap").screenshot(path=str(ARTIFACTS / "report-dense-graph.png"))
    # zoom and pan still work, and "fit" brings back the same view
    fitted = geo["viewBox"]
    page.click("#zoom-in")
    assert page.get_attribute("#graph", "viewBox") != fitted
    box = page.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + 300, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + 420, box["y"] + 360, steps=4)
    page.mouse.up()
    page.mouse.move(box["x"] + 300, box["y"] + 300)
    page.mouse.wheel(0, 300)
    page.click("#zoom-fit")
    assert page.get_attribute("#graph", "viewBox") == fitted
    assert_readable(page.evaluate(GEOMETRY))
    # deterministic: a second load gives the same positions
    again = open_report(browser, path, errors)
    transforms = "els => els.map(e => e.getAttribute('transform'))"
    assert again.eval_on_selector_all("g.node", transforms) == page.eval_on_selector_all(
        "g.node", transforms
    )
    # edges start and end at the discs where the labels put them
    ends = again.evaluate(
        """() => [...document.querySelectorAll('path.edge')].map(p => {
          const t = s => document.querySelector(`g.node[data-name="${CSS.escape(s)}"]`);
          const pos = g => g.getAttribute('transform').slice(10, -1).split(',').map(Number);
          const r = g => Number(g.querySelector('circle').getAttribute('r'));
          const a = t(p.dataset.src), b = t(p.dataset.dst);
          const l = p.getTotalLength(), p0 = p.getPointAtLength(0), p1 = p.getPointAtLength(l);
          const [ax, ay] = pos(a), [bx, by] = pos(b);
          return [Math.hypot(p0.x - ax, p0.y - ay) - r(a), Math.hypot(p1.x - bx, p1.y - by) - r(b)];
        })"""
    )
    assert ends and all(abs(d0) < 0.5 and abs(d1 - 2) < 0.5 for d0, d1 in ends)
    assert errors == []
    page.close()
    again.close()


@pytest.mark.browser
def test_labels_separate_even_when_every_service_starts_at_one_point(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst start for the separation: all discs on the same spot (ties broken by index)."""
    import decompose.render

    def one_point(nodes: list[str], *args: Any, **kwargs: Any) -> dict[str, tuple[float, float]]:
        return {v: (100.0, 100.0) for v in nodes}

    monkeypatch.setattr(decompose.render, "force_layout", one_point)
    predictly: Analysis = analyze(SAMPLES / "predictly", load_config(SAMPLES / "predictly"))
    data = html.report_data(predictly)
    core = [s for s in data["services"] if not s["kernel"]]
    assert len({(s["x"], s["y"]) for s in core}) == 1 and len(core) > 5
    path = tmp_path / "report.html"
    path.write_text(html.report_html(predictly), encoding="utf-8")
    errors: list[str] = []
    page = open_report(browser, path, errors)
    geo = page.evaluate(GEOMETRY)
    assert len(geo["names"]) == len(predictly.plan.services)
    assert_readable(geo)
    assert errors == []
    page.close()
