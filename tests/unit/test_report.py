"""Emitters: boundaries.toml round-trips through the config loader, patterns collapse exactly,
Markdown escapes names from analyzed code."""

from __future__ import annotations

from pathlib import Path

from decompose.config import Config, load_boundaries, matches
from decompose.pipeline import analyze, make_cache
from decompose.report import _md, boundaries_toml, collapse, mermaid, report_markdown


def test_collapse_covers_exactly_the_given_modules() -> None:
    every = ["a", "a.x", "a.y", "a.y.z", "b", "b.q", "c"]
    mine = ["a", "a.x", "a.y", "a.y.z", "b.q"]
    pats = collapse(mine, every)
    assert pats == ["a.*", "b.q"]
    covered = {m for m in every if any(matches(m, p) for p in pats)}
    assert covered == set(mine)


def test_collapse_keeps_a_package_whose_subtree_is_split() -> None:
    every = ["a", "a.x", "a.y"]
    pats = collapse(["a", "a.x"], every)
    assert pats == ["a", "a.x"]


def test_boundaries_toml_round_trips(make_project, tmp_path: Path) -> None:
    root = make_project(
        {
            "shop/__init__.py": "",
            "shop/cart.py": "from shop import billing\n\ndef t():\n    return billing.charge(1)\n",
            "shop/billing.py": "def charge(x):\n    return x\n",
            "shop/users/__init__.py": "",
            "shop/users/auth.py": "import shop.users.store\n",
            "shop/users/store.py": "X = 1\n",
        }
    )
    result = analyze(root, Config(), cache=make_cache(Config(), tmp_path / "c", True))
    text = boundaries_toml(result)
    f = tmp_path / "boundaries.toml"
    f.write_text(text)
    cfg = load_boundaries(f)
    names = [m.name for m in result.graph.modules]
    for svc in result.plan.services:
        if svc.kernel:
            continue
        decl = next(s for s in cfg.services if s.name == svc.name)
        covered = sorted(m for m in names if any(matches(m, p) for p in decl.modules))
        assert covered == sorted(svc.modules)


def test_markdown_escapes_hostile_names() -> None:
    hostile = "<script>alert(1)</script>|x`y"
    out = _md(hostile)
    assert "<script>" not in out and "\\|" in out and "\\`" in out


def test_report_and_mermaid_mention_every_service(make_project, tmp_path: Path) -> None:
    root = make_project({"a/__init__.py": "", "a/m.py": "import a.n\n", "a/n.py": "X = 1\n"})
    result = analyze(root, Config(), cache=make_cache(Config(), tmp_path / "c", True))
    md = report_markdown(result)
    mm = mermaid(result.plan)
    for s in result.plan.services:
        assert s.name in md and s.name in mm
    assert mm.startswith("flowchart LR\n")
    for e in result.plan.explanations:
        assert e.module.replace("_", "\\_") in md
