"""collect_facts: cache reuse, parallel parsing, determinism, files changing during the run."""

from __future__ import annotations

import concurrent.futures.process
from pathlib import Path
from typing import Any

import pytest

import decompose.pipeline as pipeline
from decompose.cache import FactCache, cache_key
from decompose.discover import discover
from decompose.pipeline import collect_facts

N = 80  # above the pool threshold (64)


def big_project(make_project: Any, n: int = N) -> Path:
    files: dict[str, str | bytes] = {"app/__init__.py": ""}
    for i in range(n):
        files[f"app/m{i:03}.py"] = (
            f"from app import m{(i + 1) % n:03}\n"
            f"import os\n\n"
            f"class C{i}:\n    def run(self):\n"
            f"        return m{(i + 1) % n:03}.f{(i + 1) % n}()\n\n"
            f"def f{i}():\n    return os.getcwd()\n"
        )
    files["app/broken.py"] = "def broken(:\n"
    return make_project(files)


def test_cold_then_warm_gives_the_same_facts(make_project: Any, tmp_path: Path) -> None:
    root = big_project(make_project)
    project = discover(root)
    cold = collect_facts(project, FactCache(tmp_path / "c"), jobs=2)
    assert cold.cache_misses == len(project.files) and cold.cache_hits == 0
    warm = collect_facts(project, FactCache(tmp_path / "c"), jobs=2)
    assert warm.cache_hits == len(project.files) and warm.cache_misses == 0
    assert warm.facts == cold.facts
    assert [f.source.module for f in cold.facts] == sorted(f.source.module for f in cold.facts)
    broken = next(f for f in cold.facts if f.source.module == "app.broken")
    assert broken.status == "parse_error"
    located = [(d.path, d.line, d.code) for d in broken.diagnostics]
    assert located == [("app/broken.py", 1, "DEC001")]


def test_jobs_do_not_change_the_facts(make_project: Any, tmp_path: Path) -> None:
    project = discover(big_project(make_project))
    one = collect_facts(project, FactCache(tmp_path, enabled=False), jobs=1)
    two = collect_facts(project, FactCache(tmp_path, enabled=False), jobs=2)
    assert one.facts == two.facts


def test_file_order_does_not_change_the_facts(make_project: Any, tmp_path: Path) -> None:
    from dataclasses import replace

    project = discover(big_project(make_project))
    shuffled = replace(project, files=tuple(reversed(project.files)))
    a = collect_facts(project, FactCache(tmp_path, enabled=False), jobs=2)
    b = collect_facts(shuffled, FactCache(tmp_path, enabled=False), jobs=2)
    assert a.facts == b.facts


def test_one_edit_reparses_one_file(make_project: Any, tmp_path: Path) -> None:
    root = big_project(make_project)
    collect_facts(discover(root), FactCache(tmp_path), jobs=2)
    (root / "app/m005.py").write_text("import json\n")
    project = discover(root)
    again = collect_facts(project, FactCache(tmp_path), jobs=2)
    assert again.cache_misses == 1
    edited = next(f for f in again.facts if f.source.module == "app.m005")
    assert [i.module for i in edited.imports] == ["json"]


def test_a_different_source_root_is_a_different_entry(make_project: Any, tmp_path: Path) -> None:
    root = make_project(
        {
            "src/pkg/__init__.py": "",
            "src/pkg/a.py": "from pkg import b\n",
            "src/pkg/b.py": "X = 1\n",
        }
    )
    with_src = collect_facts(discover(root), FactCache(tmp_path), jobs=1)
    assert {f.source.module for f in with_src.facts} == {"pkg", "pkg.a", "pkg.b"}
    flat = collect_facts(discover(root, roots=["."]), FactCache(tmp_path), jobs=1)
    assert flat.cache_hits == 0
    assert {f.source.module for f in flat.facts} == {"src.pkg", "src.pkg.a", "src.pkg.b"}


def test_file_changed_during_the_run_is_not_cached_under_its_old_bytes(
    make_project: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"app/__init__.py": "", "app/a.py": "import os\n"})
    project = discover(root)
    sf = next(f for f in project.files if f.module == "app.a")
    old_key = cache_key(sf, b"import os\n")
    real_parse = pipeline.parse_file

    def edit_then_parse(source: Any, r: Path, stub: Any = None) -> Any:
        if source.module == "app.a":
            (r / source.relpath).write_text("import json\n")
        return real_parse(source, r, stub)

    monkeypatch.setattr(pipeline, "parse_file", edit_then_parse)
    cache = FactCache(tmp_path)
    result = collect_facts(project, cache, jobs=1)
    a = next(f for f in result.facts if f.source.module == "app.a")
    assert [i.module for i in a.imports] == ["json"]  # what the parser read, consistently
    assert cache.get(old_key) is None  # never stored under the key of the bytes it did not parse
    assert FactCache(tmp_path).get(cache_key(sf, b"")) is None


def test_vanished_file_is_a_read_error(make_project: Any, tmp_path: Path) -> None:
    root = make_project({"app/__init__.py": "", "app/a.py": "import os\n", "app/b.py": "X = 1\n"})
    project = discover(root)
    (root / "app/a.py").unlink()
    result = collect_facts(project, FactCache(tmp_path), jobs=1)
    a = next(f for f in result.facts if f.source.module == "app.a")
    assert a.status == "read_error"
    assert [(d.path, d.code) for d in a.diagnostics] == [("app/a.py", "DEC003")]
    b = next(f for f in result.facts if f.source.module == "app.b")
    assert b.status == "ok" and [d.qualname for d in b.definitions] == ["X"]


def test_broken_pool_falls_back_to_this_process(
    make_project: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def __init__(self, *a: Any, **k: Any) -> None:
            pass

        def __enter__(self) -> Broken:
            return self

        def __exit__(self, *a: Any) -> None:
            return None

        def map(self, *a: Any, **k: Any) -> Any:
            raise concurrent.futures.process.BrokenProcessPool("worker killed")

    project = discover(big_project(make_project))
    expected = collect_facts(project, FactCache(tmp_path, enabled=False), jobs=1)
    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", Broken)
    got = collect_facts(project, FactCache(tmp_path, enabled=False), jobs=2)
    assert got.facts == expected.facts


def test_progress_reaches_the_total(make_project: Any, tmp_path: Path) -> None:
    project = discover(big_project(make_project))
    calls: list[tuple[str, int, int]] = []
    collect_facts(
        project, FactCache(tmp_path), jobs=2, progress=lambda s, d, t: calls.append((s, d, t))
    )
    assert calls[-1] == ("parse", len(project.files), len(project.files))
    assert [d for _, d, _ in calls] == sorted(d for _, d, _ in calls)
