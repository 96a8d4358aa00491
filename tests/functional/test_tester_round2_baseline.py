"""Tester round 2, finding 5: a baselined service cycle that shrinks is an improvement, not a new
violation; a cycle with a service outside every recorded group is still new."""

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
    cycle_cover,
    narrowed_cycles,
    shrink_baseline,
)
from decompose.model import Diagnostic


def _ring(names: str) -> dict[str, str | bytes]:
    """Services app.<n> importing each other in the ring a -> b -> ... -> a."""
    files: dict[str, str | bytes] = {
        "pyproject.toml": service_config(names, "core"),
        "app/__init__.py": "",
    }
    for i, n in enumerate(names):
        nxt = names[(i + 1) % len(names)]
        files[f"app/{n}/__init__.py"] = ""
        files[f"app/{n}/core.py"] = f"from app.{nxt}.core import f{nxt}\n\ndef f{n}():\n    pass\n"
    return files


def _check(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["check", *args])
    return r.exit_code, r.stdout, r.stderr


def _cycles(bl: Path) -> list[str]:
    return [e["src"] for e in json.loads(bl.read_text())["entries"] if e["code"] == "DEC103"]


def test_shrunk_cycle_is_baselined_and_update_narrows_it(make_project: MakeProject) -> None:
    root = make_project(_ring("abc"))
    bl = root / "baseline.json"
    assert _check(str(root), "--baseline", str(bl), "--update-baseline")[0] == 0
    assert _cycles(bl) == ["a,b,c"]
    # c leaves the cycle: b -> a instead of b -> c -> a
    (root / "app/b/core.py").write_text("from app.a.core import fa\n\ndef fb():\n    pass\n")
    (root / "app/c/core.py").write_text("def fc():\n    pass\n")
    code, out, err = _check(str(root), "--baseline", str(bl))
    assert code == 0, out
    assert "DEC103" not in out.replace("DEC192 baseline entry DEC103", "")
    assert "DEC192 baseline entry DEC103 a,b,c -> - now covers a smaller cycle group (a, b)" in out
    # --strict fails on the shrinkable entry; --update-baseline narrows it and keeps passing
    assert _check(str(root), "--baseline", str(bl), "--strict")[0] == 1
    code, out, err = _check(str(root), "--baseline", str(bl), "--update-baseline")
    assert code == 0 and "1 cycle group narrowed" in err and "removed" not in err
    assert _cycles(bl) == ["a,b"]
    code, out, _ = _check(str(root), "--baseline", str(bl), "--strict")
    assert (code, out) == (0, "")


def test_cycle_with_a_new_service_is_new(make_project: MakeProject) -> None:
    root = make_project(
        {**_ring("ab"), "pyproject.toml": service_config("abc", "core"), "app/c/__init__.py": ""}
    )
    (root / "app/c/core.py").write_text("def fc():\n    pass\n")
    bl = root / "baseline.json"
    assert _check(str(root), "--baseline", str(bl), "--update-baseline")[0] == 0
    assert _cycles(bl) == ["a,b"]
    # c joins: a -> b -> c -> a; the group {a, b, c} is not inside {a, b}
    (root / "app/b/core.py").write_text("from app.c.core import fc\n\ndef fb():\n    pass\n")
    (root / "app/c/core.py").write_text("from app.a.core import fa\n\ndef fc():\n    pass\n")
    code, out, _ = _check(str(root), "--baseline", str(bl))
    assert code == 1 and "DEC103 services depend on each other in a cycle" in out
    code, out, _ = _check(str(root), "--baseline", str(bl), "--update-baseline")
    assert code == 1 and _cycles(bl) == ["a,b"]  # kept: it still occurs inside {a, b, c}


def _cyc(group: str) -> Finding:
    d = Diagnostic("x.py", 1, 0, "DEC103", "cycle", "error")
    return Finding(d, group, "")


def test_cycle_cover_subsets_and_splits() -> None:
    old = Counter({("DEC103", "a,b,c,d", ""): 1, ("DEC103", "x,y", ""): 1})
    assert cycle_cover(("DEC103", "a,c", ""), old) == ("DEC103", "a,b,c,d", "")
    assert cycle_cover(("DEC103", "a,x", ""), old) is None  # spans two recorded groups
    assert cycle_cover(("DEC103", "x,y", ""), old) is None  # exact: not a cover
    assert cycle_cover(("DEC101", "a,c", ""), old) is None
    # one recorded group split in two: both halves are baselined, and the entry is narrowed
    now = [_cyc("a,b"), _cyc("c,d"), _cyc("x,y")]
    new, n, stale = apply_baseline(now, old)
    assert (new, n, stale) == ([], 3, [])
    assert narrowed_cycles(now, old) == {("DEC103", "a,b,c,d", ""): ["a,b", "c,d"]}
    assert shrink_baseline(old, now) == Counter(
        {("DEC103", "a,b", ""): 1, ("DEC103", "c,d", ""): 1, ("DEC103", "x,y", ""): 1}
    )
    # the recorded group gone entirely: stale as before
    new, n, stale = apply_baseline([_cyc("x,y")], old)
    assert stale == [("DEC103", "a,b,c,d", "")]
