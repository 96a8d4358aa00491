"""Caches and concurrency: shared caches, killed runs, -j, file order and hash seeds.

Every run here is a real ``decompose analyze`` process; the projects have more than 64 files so
the process pool is used.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from decompose.cache import FORMAT, FactCache, loads_signed
from decompose.discover import discover
from decompose.model import FileFacts
from decompose.pipeline import collect_facts

N = 90


def sources(n: int = N) -> dict[str, str]:
    """A layered project: n modules in 6 packages with imports and calls across them."""
    files = {"shop/__init__.py": ""}
    pkgs = ["api", "billing", "cart", "catalog", "users", "util"]
    for p in pkgs:
        files[f"shop/{p}/__init__.py"] = ""
    for i in range(n):
        pkg = pkgs[i % len(pkgs)]
        dep = pkgs[(i * 7 + 3) % len(pkgs)]
        j = (i * 5 + 1) % n
        files[f"shop/{pkg}/m{i:03}.py"] = (
            f"from shop.{pkgs[j % len(pkgs)]} import m{j:03}\n"
            f"from shop.{dep} import m{(i + 2) % n:03} as other\n\n"
            f"class Thing{i}:\n    def run(self):\n        return m{j:03}.work{j}()\n\n"
            f"def work{i}():\n    return other\n"
        )
    return files


def write(root: Path, files: dict[str, str], reverse: bool = False) -> Path:
    items = sorted(files.items(), reverse=reverse)
    for rel, text in items:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def analyze(
    root: Path, out: Path, *extra: str, env: dict[str, str] | None = None, cache: Path | None = None
) -> subprocess.Popen[str]:
    args = [
        sys.executable,
        "-m",
        "decompose",
        "analyze",
        str(root),
        "--out",
        str(out),
        "-q",
        *extra,
    ]
    if cache is not None:
        args += ["--cache-dir", str(cache)]
    return subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[str]) -> None:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err


def outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def entries(cache: Path) -> list[Path]:
    return sorted((cache / f"facts-v{FORMAT}").rglob("*.pickle"))


def test_two_runs_sharing_a_cache_at_once(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", sources())
    cache = tmp_path / "cache"
    a = analyze(root, tmp_path / "a", "-j", "2", cache=cache)
    b = analyze(root, tmp_path / "b", "-j", "2", cache=cache)
    finish(a)
    finish(b)
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")
    files = entries(cache)
    assert len(files) == len(discover(root).files)
    for f in files:  # every entry is whole
        with open(f, "rb") as fh:
            assert isinstance(loads_signed(fh.read()), FileFacts)
    assert not [p for p in cache.rglob(".tmp-*")]
    warm = collect_facts(discover(root), FactCache(cache), jobs=2)
    assert warm.cache_misses == 0 and warm.cache_repaired == 0
    finish(analyze(root, tmp_path / "c", cache=cache))
    assert outputs(tmp_path / "c") == outputs(tmp_path / "a")


def test_run_killed_mid_write_leaves_a_cache_the_next_run_repairs(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", sources(400))
    cache = tmp_path / "cache"
    proc = analyze(root, tmp_path / "killed", "-j", "2", cache=cache)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(entries(cache)) < 40 and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    stored = entries(cache)
    assert stored, "the run was killed before it wrote anything"
    # What a kill (or a crash, or a full disk) can leave: a torn entry and a temporary file.
    with open(stored[0], "r+b") as fh:
        fh.truncate(7)
    stale = stored[-1].parent / ".tmp-killed.pickle"
    stale.write_bytes(b"\x80\x05half")
    old = time.time() - 7200
    os.utime(stale, (old, old))

    result = collect_facts(discover(root), FactCache(cache), jobs=2)
    assert result.cache_repaired == 1
    assert not stale.exists()
    clean = collect_facts(discover(root), FactCache(tmp_path / "x", enabled=False), jobs=2)
    assert result.facts == clean.facts
    finish(analyze(root, tmp_path / "after", cache=cache))
    finish(analyze(root, tmp_path / "fresh", "--no-cache"))
    assert outputs(tmp_path / "after") == outputs(tmp_path / "fresh")


def test_outputs_do_not_depend_on_jobs_order_or_hash_seed(tmp_path: Path) -> None:
    files = sources()
    root = write(tmp_path / "a" / "proj", files)
    rev = write(tmp_path / "b" / "proj", files, reverse=True)  # same name: it is in the report
    runs = []
    for i, (tree, jobs, seed) in enumerate(
        [(root, "1", "0"), (root, "2", "1"), (rev, "2", "12345"), (rev, "1", "random")]
    ):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = tmp_path / f"out{i}"
        runs.append(analyze(tree, out, "-j", jobs, "--no-cache", env=env))
    for p in runs:
        finish(p)
    results = [outputs(tmp_path / f"out{i}") for i in range(len(runs))]
    assert results[0]
    for other in results[1:]:
        assert other == results[0]
