"""Tester 3, finding N1: a baselined service cycle that grows. The recorded cycle still occurs
(inside the bigger group): it is never reported as gone nor dropped by --update-baseline; the
bigger group is new and is reported at the edge that made it grow; after a revert the check
passes again."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from conftest import MakeProject, service_config

from decompose.cli import main
from decompose.diagnostics import (
    Finding,
    apply_baseline,
    baselined_cycles,
    grown_cycles,
    shrink_baseline,
)
from decompose.model import Diagnostic


def _project(names: str) -> dict[str, str | bytes]:
    """a <-> b in a cycle; a uses c heavily (three modules), c and d import nothing."""
    files: dict[str, str | bytes] = {"pyproject.toml": service_config(names), "app/__init__.py": ""}
    for n in names:
        files[f"app/{n}/__init__.py"] = ""
        files[f"app/{n}/core.py"] = f"def f{n}():\n    pass\n"
    files["app/a/core.py"] = "from app.b.core import fb\n\ndef fa():\n    pass\n"
    files["app/b/core.py"] = "from app.a.core import fa\n\ndef fb():\n    pass\n"
    for i in range(3):
        files[f"app/a/use{i}.py"] = "from app.c.core import fc\n"
    return files


def _check(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["check", *args])
    return r.exit_code, r.stdout, r.stderr


def _cycles(bl: Path) -> list[str]:
    return [e["src"] for e in json.loads(bl.read_text())["entries"] if e["code"] == "DEC103"]


GROW = "import os\nfrom app.b.core import fb\n\ndef fc():\n    pass\n"


def test_grown_cycle_is_new_at_the_new_edge_and_revert_passes(make_project: MakeProject) -> None:
    root = make_project(_project("abc"))
    bl = root / "baseline.json"
    assert _check(str(root), "--baseline", str(bl), "--update-baseline")[0] == 0
    assert _cycles(bl) == ["a,b"]
    before = (root / "app/c/core.py").read_text()
    # one import pulls c into the cycle: c -> b (new), a -> c (old, three imports)
    (root / "app/c/core.py").write_text(GROW)
    code, out, _ = _check(str(root), "--baseline", str(bl))
    assert code == 1
    assert "no longer occurs" not in out and "DEC192" not in out
    dec103 = [ln for ln in out.splitlines() if " DEC103 " in ln]
    assert len(dec103) == 1
    assert dec103[0].startswith(f"{root}/app/c/core.py:2:")
    assert "c -> b (app/c/core.py:2)" in dec103[0]
    assert "grew past a baselined cycle group of 2 services (new here: c)" in dec103[0]
    # following the advice does not drop the recorded cycle
    code, out, err = _check(str(root), "--baseline", str(bl), "--update-baseline")
    assert code == 1 and "removed" not in err
    assert _cycles(bl) == ["a,b"]
    # revert: the original debt passes again
    (root / "app/c/core.py").write_text(before)
    code, out, _ = _check(str(root), "--baseline", str(bl), "--strict")
    assert (code, out) == (0, "")


def test_warm_check_re_anchors_when_the_baseline_changes(make_project: MakeProject) -> None:
    """The cached result is keyed by the baselined groups too."""
    files = _project("abc")
    files["app/c/core.py"] = GROW
    root = make_project(files)
    # no baseline: the first edge of a shortest cycle (an old edge from a)
    code, out, _ = _check(str(root))
    assert code == 1 and "grew past" not in out
    bl = root / "baseline.json"
    bl.write_text(
        json.dumps(
            {
                "schema": "decompose.baseline/1",
                "entries": [{"code": "DEC103", "count": 1, "src": "a,b", "dst": ""}],
            }
        )
    )
    code, out, _ = _check(str(root), "--baseline", str(bl))
    assert code == 1 and f"{root}/app/c/core.py:2:" in out and "new here: c" in out


def test_two_recorded_groups_joined_by_one_edge(make_project: MakeProject) -> None:
    files = _project("abcd")
    files["app/c/core.py"] = "from app.d.core import fd\n\ndef fc():\n    pass\n"
    files["app/d/core.py"] = "from app.c.core import fc\n\ndef fd():\n    pass\n"
    root = make_project(files)
    bl = root / "baseline.json"
    assert _check(str(root), "--baseline", str(bl), "--update-baseline")[0] == 0
    assert _cycles(bl) == ["a,b", "c,d"]
    # d -> b joins {a, b} and {c, d} (a -> c already exists, three imports)
    (root / "app/d/new.py").write_text("from app.b.core import fb\n")
    code, out, _ = _check(str(root), "--baseline", str(bl))
    assert code == 1 and "DEC192" not in out
    line = next(ln for ln in out.splitlines() if " DEC103 " in ln)
    assert line.startswith(f"{root}/app/d/new.py:1:") and "joins 2 baselined cycle groups" in line
    _check(str(root), "--baseline", str(bl), "--update-baseline")
    assert _cycles(bl) == ["a,b", "c,d"]
    (root / "app/d/new.py").unlink()
    assert _check(str(root), "--baseline", str(bl))[0] == 0


def _cyc(group: str) -> Finding:
    return Finding(Diagnostic("x.py", 1, 0, "DEC103", "cycle", "error"), group, "")


def test_grown_cycles_unit() -> None:
    old = Counter({("DEC103", "a,b", ""): 1, ("DEC103", "x,y", ""): 1})
    assert baselined_cycles(old) == [frozenset("ab"), frozenset("xy")]
    now = [_cyc("a,b,c")]
    assert grown_cycles(now, old) == {("DEC103", "a,b", "")}
    new, n, stale = apply_baseline(now, old)
    assert [f.src for f in new] == ["a,b,c"] and n == 0
    assert stale == [("DEC103", "x,y", "")]  # gone for real
    assert shrink_baseline(old, now) == Counter({("DEC103", "a,b", ""): 1})
