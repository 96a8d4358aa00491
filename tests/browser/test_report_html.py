"""report.html: safe data embedding, template lookup, determinism, and the page in a real headless
Chromium (Playwright for Python pointed at the system browser; no `playwright install`)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from decompose import html
from decompose.config import load_config
from decompose.decision import CRITERIA
from decompose.model import Plan
from decompose.pipeline import Analysis, analyze
from tests.conftest import REPO, SAMPLES

PREDICTLY = SAMPLES / "predictly"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"
EVIL = '</script><img src=x onerror="window.__pwned=1">\u2028&amp;'


@pytest.fixture(scope="module")
def predictly() -> Analysis:
    return analyze(PREDICTLY, load_config(PREDICTLY))


def rename_service(plan: Plan, old: str, new: str) -> Plan:
    """The same plan with service ``old`` called ``new`` everywhere."""

    def r(s: str) -> str:
        return new if s == old else s

    part = dataclasses.replace(
        plan.partition, assignment=tuple(sorted((m, r(s)) for m, s in plan.partition.assignment))
    )
    return dataclasses.replace(
        plan,
        partition=part,
        services=tuple(
            sorted(
                (dataclasses.replace(s, name=r(s.name)) for s in plan.services),
                key=lambda s: s.name,
            )
        ),
        crossings=tuple(
            sorted(
                dataclasses.replace(c, src_service=r(c.src_service), dst_service=r(c.dst_service))
                for c in plan.crossings
            )
        ),
        explanations=tuple(
            dataclasses.replace(e, service=r(e.service), runner_up=r(e.runner_up))
            for e in plan.explanations
        ),
    )


def hostile_extras(extras: Any, old: str, new: str) -> Any:
    """``extras`` with the service ``old`` called ``new`` and hostile text in the verdict, an
    evidence line, a distribution, a shared table and an added extraction step."""
    text = json.dumps(extras).replace(json.dumps(old), json.dumps(new))
    ex = json.loads(text)
    dec = ex["decision"]
    dec["headline"] = f"Extract `{new}` {new}"
    dec["why"].append(new)
    dec["criteria"]["team_autonomy"]["evidence"].append(new)
    dec["steps"].append(
        {
            "step": 1,
            "service": new,
            "action": "extract",
            "why": [new],
            "inbound": [{"member": new, "from": [new], "count": 1, "example": new}],
            "outbound": [],
            "data": {"tables": [new]},
            "check_rules": new,
        }
    )
    ex["footprints"]["services"][new]["distributions"].append(
        {
            "distribution": new,
            "heavy": "gpu",
            "optional": False,
            "source": "guessed",
            "note": new,
            "evidence": new,
            "modules": [new],
        }
    )
    table = next(t for t in ex["data_coupling"]["tables"] if t["shared"])
    table["name"] = new
    table["evidence"].append(new)
    return ex


# ---------------------------------------------------------------- no browser needed


def test_script_json_cannot_close_the_script_element() -> None:
    obj = {"a": EVIL, "b": ["<!--", "-->", "\u2029", "<script>"]}
    text = html.script_json(obj)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == obj


def test_templates_are_found_in_the_package_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # editable install: not in the package, found beside the source tree
    found = html.templates_dir()
    assert (found / html.TEMPLATE).is_file()
    assert Path(str(found)).resolve() == (REPO / "templates").resolve()
    # installed wheel: decompose/templates inside the package wins
    pkg = tmp_path / "decompose"
    (pkg / "templates").mkdir(parents=True)
    (pkg / "templates" / html.TEMPLATE).write_text("packaged {{ title }}")
    monkeypatch.setattr(html.resources, "files", lambda name: pkg)
    assert Path(str(html.templates_dir())) == pkg / "templates"
    # neither: a clear error
    monkeypatch.setattr(html.resources, "files", lambda name: tmp_path / "nowhere")
    monkeypatch.setattr(html, "__file__", str(tmp_path / "x" / "decompose" / "html.py"))
    with pytest.raises(html.DecomposeError, match="templates not found"):
        html.templates_dir()


def test_untrusted_names_are_escaped(predictly: Analysis) -> None:
    evil = dataclasses.replace(
        predictly,
        project=dataclasses.replace(predictly.project, root=Path("/tmp/<i onmouseover=x>bold")),
        plan=rename_service(predictly.plan, "billing", EVIL),
    )
    page = html.report_html(evil)
    assert "<i onmouseover" not in page and "&lt;i onmouseover=x&gt;bold" in page
    assert page.count("</script>") == 2  # the data element and the code element, nothing more
    data_text = page.split('id="report-data">', 1)[1].split("</script>")[0]
    assert "<" not in data_text and "\u2028" not in data_text
    assert EVIL in [s["name"] for s in json.loads(data_text)["services"]]


def test_roles_are_embedded_trimmed(predictly: Analysis) -> None:
    plan = dataclasses.replace(
        predictly.plan,
        extras={
            **predictly.plan.extras,
            "roles": {
                "modules": {
                    "predictly.billing.plans": {
                        "primary": "business",
                        "roles": ["business"],
                        "evidence": [{"detail": "x" * 50}],
                    }
                },
                "services": {
                    "billing": {"summary": "business logic (3)", "roles": {"business": 3}}
                },
            },
        },
    )
    data = html.report_data(dataclasses.replace(predictly, plan=plan))
    assert data["roles"]["modules"]["predictly.billing.plans"] == {
        "primary": "business",
        "roles": ["business"],
    }
    row = next(r for r in data["modules"] if r[0] == "predictly.billing.plans")
    assert row[8] == "business"


def test_decision_coupling_and_footprints_are_embedded(predictly: Analysis) -> None:
    from decompose.decision import CRITERIA

    ex = predictly.plan.extras
    dec, fps, dc = ex["decision"], ex["footprints"], ex["data_coupling"]
    data = html.report_data(predictly)
    d = data["decision"]
    assert (d["verdict"], d["headline"], d["why"]) == (dec["verdict"], dec["headline"], dec["why"])
    assert d["titles"] == [t for _, t in CRITERIA]
    assert d["criteria"] == [
        [dec["criteria"][k]["score"], dec["criteria"][k]["evidence"]] for k, _ in CRITERIA
    ]
    for s, p in dec["services"].items():
        assert d["services"][s]["criteria"] == [
            [p["criteria"][k]["score"], p["criteria"][k]["evidence"]] for k, _ in CRITERIA
        ]
        assert d["services"][s]["total"] == p["total"]
    assert [st["step"] for st in d["steps"]] == [st["step"] for st in dec["steps"]]
    for s, f in fps["services"].items():
        mine = data["footprints"]["services"][s]
        assert mine["image"] == f["image"]
        assert [r[0] for r in mine["distributions"]] == [
            x["distribution"] for x in f["distributions"]
        ]
    # only the shared items, with the services that use them
    shared = {(i["name"], tuple(sorted(i["services"]))) for i in dc["tables"] if i["shared"]}
    assert shared, "predictly shares tables between services"
    assert {
        (i["name"], tuple(sorted(i["services"])))
        for i in data["coupling"]["items"]
        if i["kind"] == "table"
    } == shared
    assert data["coupling"]["counts"]["table"] == [len(shared), len(dc["tables"])]
    # without the extras the page still renders, without those sections
    bare = dataclasses.replace(predictly, plan=dataclasses.replace(predictly.plan, extras={}))
    data = html.report_data(bare)
    assert data["decision"] is data["coupling"] is data["footprints"] is None
    assert "decision-section" in html.report_html(bare)


def test_report_is_byte_identical_whatever_the_hash_seed(tmp_path: Path) -> None:
    code = (
        "import hashlib,sys; from pathlib import Path; from decompose.config import "
        "load_config; from decompose.pipeline import analyze; from decompose.html import "
        "report_html; p=Path(sys.argv[1]); "
        "print(hashlib.sha256(report_html(analyze(p, load_config(p))).encode()).hexdigest())"
    )
    digests = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "DECOMPOSE_CACHE_DIR": str(tmp_path / seed)}
        out = subprocess.run(
            [sys.executable, "-c", code, str(PREDICTLY)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_analyze_writes_report_html(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from decompose.cli import main

    r = runner.invoke(main, ["analyze", str(PREDICTLY), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    for external in ("http://", "https://", "//cdn", 'src="http'):
        assert external not in page.replace("http://www.w3.org/2000/svg", "")


# ---------------------------------------------------------------- in Chromium


def _playwright() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright not installed")
    return sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _playwright()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def self_scores(page: Any, rows: str, cell: int) -> list[int]:
    """The scores shown in column ``cell`` of the ``rows`` (text such as "+2", "−1", "0")."""
    texts = page.eval_on_selector_all(rows, f"rows => rows.map(r => r.cells[{cell}].textContent)")
    return [int(t.replace("−", "-").replace("+", "")) for t in texts]


class Page:
    """A page on a report file that records console errors, page errors and requests."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.errors.append("dialog " + d.message), d.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready='1']")


@pytest.fixture(scope="module")
def report(predictly: Analysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    out.write_text(html.report_html(predictly), encoding="utf-8")
    return out


@pytest.mark.browser
def test_report_in_chromium(browser: Any, report: Path, predictly: Analysis) -> None:
    p = Page(browser, report)
    page = p.page
    plan = predictly.plan
    # one node per service
    names = page.eval_on_selector_all("g.node", "els => els.map(e => e.getAttribute('data-name'))")
    assert sorted(names) == sorted(s.name for s in plan.services)
    # clicking a service lists its modules
    svc = max((s for s in plan.services if not s.kernel), key=lambda s: (len(s.modules), s.name))
    page.click(f"g.node[data-name='{svc.name}']")
    listed = page.eval_on_selector_all(
        "#service-modules li.module > span:first-child", "els => els.map(e => e.textContent)"
    )
    assert listed == list(svc.modules)
    assert page.text_content("#panel h3") == svc.name
    # ... with its roles, footprint and criteria scores
    ex = plan.extras
    assert page.text_content("#panel .roles") == ex["roles"]["services"][svc.name]["summary"]
    fp = ex["footprints"]["services"][svc.name]
    assert page.text_content("#footprint .chip") == "image " + fp["image"]
    dists = page.eval_on_selector_all(
        "#footprint li.dist > span:first-child", "els => els.map(e => e.textContent)"
    )
    assert [d.rstrip("?") for d in dists] == [d["distribution"] for d in fp["distributions"]]
    per = ex["decision"]["services"][svc.name]["criteria"]
    assert self_scores(page, "#service-criteria tr", 1) == [per[k]["score"] for k, _ in CRITERIA]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-predictly.png"))
    # the verdict, the eight criteria with their evidence, the plan and the data coupling
    dec = ex["decision"]
    assert page.text_content("#verdict-headline") == dec["headline"].replace("`", "")
    assert page.eval_on_selector_all("#verdict-why li", "els => els.map(e => e.textContent)") == [
        w.replace("`", "") for w in dec["why"]
    ]
    rows = page.eval_on_selector_all(
        "#criteria tbody tr",
        "rows => rows.map(r => [r.cells[0].textContent,"
        " [...r.cells[2].querySelectorAll('li')].map(li => li.textContent)])",
    )
    assert rows == [[t, dec["criteria"][k]["evidence"]] for k, t in CRITERIA]
    assert self_scores(page, "#criteria tbody tr", 1) == [
        dec["criteria"][k]["score"] for k, _ in CRITERIA
    ]
    assert page.locator("#steps > li.step").count() == len(dec["steps"])
    assert page.locator("#service-scores tbody tr").count() == len(dec["services"])
    shared = [i for k in ("tables", "env", "files") for i in ex["data_coupling"][k] if i["shared"]]
    assert page.locator("#coupling tr.shared-item").count() == len(shared)
    # clicking a crossing lists its import and call locations
    data = json.loads(page.text_content("#report-data") or "{}")
    k = max(range(len(data["edges"])), key=lambda i: data["edges"][i]["imports"])
    e = data["edges"][k]
    page.locator("path.hit").nth(k).dispatch_event("click")
    heads = page.eval_on_selector_all("#panel h4", "els => els.map(e => e.textContent)")
    assert heads == [f"imports ({e['imports']})", f"calls and references ({e['calls']})"]
    src, dst = data["services"][e["s"]]["name"], data["services"][e["t"]]["name"]
    want = {
        (c.location.path, c.location.line)
        for c in plan.crossings
        if (c.src_service, c.dst_service) == (src, dst)
    }
    locs = page.eval_on_selector_all("#panel li .loc", "els => els.map(e => e.textContent)")
    assert {(x.rsplit(":", 1)[0], int(x.rsplit(":", 1)[1])) for x in locs} == want
    # search filters the table
    total = len(predictly.plan.partition.assignment)
    assert page.locator("#modules tbody tr").count() == min(total, 100)
    page.fill("#search", "billing")
    rows = page.eval_on_selector_all("#modules tbody tr", "els => els.map(e => e.textContent)")
    assert 0 < len(rows) < total and all("billing" in r.lower() for r in rows)
    page.fill("#search", "")
    assert page.locator("#modules tbody tr").count() == min(total, 100)
    # zoom changes the view box
    before = page.get_attribute("#graph", "viewBox")
    page.click("#zoom-in")
    assert page.get_attribute("#graph", "viewBox") != before
    # metrics and diagnostics are shown
    assert page.locator("#metrics tr").count() == len(plan.metrics)
    assert page.locator("#diagnostics tbody tr").count() == min(
        len(predictly.graph.diagnostics), 100
    )
    assert p.errors == []
    assert p.requests == [p.url], "the report must not load anything"
    page.close()


@pytest.mark.browser
def test_hostile_names_stay_text_in_chromium(
    browser: Any, predictly: Analysis, tmp_path: Path
) -> None:
    plan = rename_service(predictly.plan, "billing", EVIL)
    plan = dataclasses.replace(plan, extras=hostile_extras(plan.extras, "billing", EVIL))
    evil = dataclasses.replace(predictly, plan=plan)
    path = tmp_path / "report.html"
    path.write_text(html.report_html(evil), encoding="utf-8")
    p = Page(browser, path)
    names = p.page.eval_on_selector_all(
        "g.node", "els => els.map(e => e.getAttribute('data-name'))"
    )
    assert EVIL in names
    p.page.locator("g.node").nth(names.index(EVIL)).click()
    assert p.page.text_content("#panel h3") == EVIL
    # the decision's sentences, an extract step, the footprint and shared data: all text
    assert EVIL in (p.page.text_content("#verdict-headline") or "")
    assert EVIL in (p.page.text_content("#banner-headline") or "")
    assert EVIL in (p.page.text_content("#footprint") or "")
    assert p.page.text_content("#steps li[data-action='extract'] h4 button") == EVIL
    assert p.page.text_content("#steps li[data-action='extract'] pre") == EVIL
    assert EVIL in (p.page.text_content("#coupling") or "")
    assert p.page.evaluate("window.__pwned") is None
    assert p.page.locator("#panel img, #summary img, img").count() == 0
    assert p.errors == [] and p.requests == [p.url]
    p.page.close()
