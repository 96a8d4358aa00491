"""Measure decompose against the ``ast.parse`` floor and the peer tools, side by side, in one run.

For every input (default: fschat, r2r, invokeai, mlflow from ``/work/shared/corpus.md`` plus
transformers, the 1.2M-line package), on the same files, this script times (median of ``--runs``
fresh processes, wall-clock seconds) and records the peak RSS of the largest process:

- ``decompose analyze`` cold (empty fact cache) and warm (nothing changed), with its stage
  timings (``-v``);
- ``decompose check`` cold, warm and after one edited file (services = the package's top-level
  children, each allowed the dependencies it really has: the same configuration as
  ``bench/check_bench.py``);
- the floor: ``ast.parse`` of every file in 1 process and in 2 processes;
- ``tach check`` (unchanged and one edit), ``lint-imports`` (``--no-cache``), ``grimp.build_graph``
  (no cache), ``pydeps`` (DOT on stdout, default settings) and ``pyan3`` (DOT call graph; one run,
  with a time limit).

Each package is downloaded from PyPI (``bench/corpus.py``, or ``pip download`` when that helper is
missing) and its main top-level package is copied into ``bench/.cache/perf/NAME`` (the configs for
tach, import-linter and decompose are written there). The peers live in their own virtualenv,
``bench/.venv-peers``, created on first use. Nothing here runs in the default test suite.

With ``--baseline REV`` the cold ``analyze`` of the ``decompose`` package at git revision
``REV`` (``git archive`` into ``bench/.cache/baseline-SHA``, run through ``PYTHONPATH``; or a
folder holding a ``decompose/`` package) is timed too, in the same run right before the current
one, so that a speed-up is measured against the same floor on the same machine state; a note
says when its graph.json, proposal.json or report.md differ from the current ones.
``--tree REV|FOLDER`` runs that tree (the same way) instead of the installed ``decompose`` as the
current one: in a shared working tree, a commit landing mid-run would otherwise change what is
measured. ``--no-check`` skips the ``check`` and peer-``check`` rows (tach, lint-imports) when
only ``analyze`` is being worked on.

Usage::

    .venv/bin/python bench/perf.py [--inputs fschat,r2r,invokeai,mlflow,transformers]
                                   [--runs 3] [--no-peers] [--no-pyan] [--no-check]
                                   [--baseline REV] [--write]

``--write`` replaces the ``## Benchmark`` section of ``docs/performance.md`` (other sections, such
as ``## check`` and the notes, are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".cache" / "perf"
PEERS = HERE / ".venv-peers"
PY = sys.executable
DECOMPOSE = [PY, "-m", "decompose"]
DOC = REPO / "docs" / "performance.md"
INPUTS = ("fschat", "r2r", "invokeai", "mlflow", "transformers")
PEER_PACKAGES = ("tach", "import-linter", "grimp", "pydeps", "pyan3")
GIB = 1024**3

sys.path.insert(0, str(HERE))

FLOOR = r"""
import ast, sys, os
from concurrent.futures import ProcessPoolExecutor
def parse(paths):
    n = 0
    for p in paths:
        try:
            ast.parse(open(p, "rb").read(), p)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        n += 1
    return n
paths = sorted(l for l in open(sys.argv[1]).read().splitlines() if l)
jobs = int(sys.argv[2])
if jobs == 1:
    parse(paths)
else:
    with ProcessPoolExecutor(jobs) as pool:
        sum(pool.map(parse, [paths[i::jobs * 8] for i in range(jobs * 8)]))
"""

GRIMP = r"""
import sys, grimp
sys.path.insert(0, sys.argv[1])
g = grimp.build_graph(sys.argv[2], cache_dir=None)
print(len(g.modules))
"""


@dataclass
class Run:
    """One timed command: wall seconds of each run, peak RSS in bytes, exit codes."""

    walls: list[float] = field(default_factory=list)
    rss: int = 0
    codes: set[int] = field(default_factory=set)
    stderr: str = ""
    stdout: str = ""
    failure: str = ""  # stderr of the last run that exited with another code than 0 or 1

    @property
    def median(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")


def run_once(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 1800
) -> tuple[float, int, int, str, str]:
    """Run ``cmd``; return (wall seconds, peak RSS in bytes of the largest process among the
    child and the descendants it waited for (``os.wait4``), exit code, stdout, stderr). A
    timeout kills the child and gives code -9."""
    import tempfile
    import threading

    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fo, stderr=fe)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode(errors="replace")
        err = fe.read().decode(errors="replace")
    code = -9 if proc.returncode == -9 else proc.returncode
    return wall, usage.ru_maxrss * 1024, code, out, err


def series(
    n: int,
    cmd: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    before: Callable[[], None] | None = None,
    timeout: float = 1800,
) -> Run:
    """``n`` timed runs of ``cmd`` (``before`` runs untimed before each one)."""
    r = Run()
    for _ in range(n):
        if before is not None:
            before()
        wall, rss, code, out, err = run_once(cmd, cwd, env, timeout)
        r.walls.append(wall)
        r.rss = max(r.rss, rss)
        r.codes.add(code)
        r.stdout, r.stderr = out, err
        if code not in (0, 1):
            r.failure = err
        if code == -9:
            break
    return r


# ------------------------------------------------------------------ inputs


def fetch(name: str) -> Path:
    """The extracted wheel of corpus package ``name`` (downloaded on first use)."""
    try:
        import corpus  # bench/corpus.py

        return Path(corpus.fetch(name))
    except ImportError:
        pass
    dl, src = HERE / ".cache" / "dl", HERE / ".cache" / "src" / name
    if not src.is_dir():
        dl.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [PY, "-m", "pip", "download", "--no-deps", "-q", name, "-d", str(dl)], check=True
        )
        wheel = sorted(dl.glob(f"{name.replace('-', '_')}-*.whl"))[-1]
        subprocess.run([PY, "-m", "zipfile", "-e", str(wheel), str(src)], check=True)
    return src


def main_package(src: Path) -> str:
    """The top-level folder of ``src`` holding the most ``.py`` files."""
    best = max(
        (
            d
            for d in src.iterdir()
            if d.is_dir()
            and not d.name.endswith((".dist-info", ".data"))
            and not d.name.startswith(".")
        ),
        key=lambda d: (sum(1 for _ in d.rglob("*.py")), d.name),
    )
    return best.name


def prepare(name: str) -> tuple[Path, str]:
    """Copy the main package of ``name`` into ``bench/.cache/perf/NAME``; (folder, package)."""
    src = fetch(name)
    pkg = main_package(src)
    dest = WORK / name
    marker = dest / ".perf-complete"
    if not marker.exists():
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        shutil.copytree(src / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__"))
        marker.write_text(pkg)
    return dest, pkg


def py_files(proj: Path, pkg: str) -> list[Path]:
    return sorted(p for p in (proj / pkg).rglob("*.py") if p.is_file())


def count_lines(paths: list[Path]) -> int:
    return sum(p.read_bytes().count(b"\n") for p in paths)


# ------------------------------------------------------------------ peers


def ensure_peers() -> Path:
    """bench/.venv-peers with the peer tools; returns its bin folder."""
    bin_dir = PEERS / "bin"
    need = [bin_dir / "tach", bin_dir / "lint-imports", bin_dir / "pydeps", bin_dir / "pyan3"]
    if not all(p.exists() for p in need):
        if not (bin_dir / "pip").exists():
            subprocess.run([PY, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(bin_dir / "pip"), "install", "-q", *PEER_PACKAGES], check=True)
    return bin_dir


def peer_versions(bin_dir: Path) -> str:
    out = subprocess.run(
        [str(bin_dir / "pip"), "list", "--format", "json"], capture_output=True, text=True
    ).stdout
    try:
        have = {d["name"].lower(): d["version"] for d in json.loads(out)}
    except json.JSONDecodeError:
        return "?"
    return ", ".join(f"{p} {have.get(p, '?')}" for p in PEER_PACKAGES)


# ------------------------------------------------------------------ measuring


@dataclass
class Result:
    name: str
    pkg: str
    files: int
    lines: int
    runs: dict[str, Run] = field(default_factory=dict)
    stages_cold: dict[str, float] = field(default_factory=dict)
    stages_baseline: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def stage_timings(stderr: str) -> dict[str, float]:
    """Stage seconds from ``analyze -v``: ``timings: discover 0.6 s, parse 2.8 s, ...`` (or the
    older ``timings (s): {...}``)."""
    m = re.search(r"timings \(s\): (\{.*?\})", stderr)
    if m:
        try:
            return {k: float(v) for k, v in json.loads(m.group(1).replace("'", '"')).items()}
        except (json.JSONDecodeError, ValueError):
            return {}
    line = next((x for x in stderr.splitlines() if x.startswith("timings:")), "")
    return {k: float(v) for k, v in re.findall(r"(\w+) ([0-9.]+) s", line)}


def baseline_tree(rev: str) -> tuple[str, Path]:
    """(short sha, folder) holding ``decompose/`` and ``templates/`` as of git revision ``rev``;
    (folder name, folder) when ``rev`` is a folder that holds ``decompose/`` (a hand-made
    baseline, e.g. the current tree with some files as they were)."""
    given = Path(rev)
    if (given / "decompose" / "__init__.py").exists():
        return given.name, given.resolve()
    sha = subprocess.run(
        ["git", "rev-parse", "--short=10", rev],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dest = HERE / ".cache" / f"baseline-{sha}"
    if not (dest / "decompose" / "__init__.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "decompose", "templates"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return sha, dest


def measure(
    name: str,
    n: int,
    peers: Path | None,
    pyan: bool,
    baseline: Path | None = None,
    check: bool = True,
    tree: Path | None = None,
) -> Result:
    proj, pkg = prepare(name)
    files = py_files(proj, pkg)
    res = Result(name, pkg, len(files), count_lines(files))
    print(f"== {name}: {pkg}, {res.files} files, {res.lines} lines", flush=True)
    cache = WORK / f"{name}.fact-cache"
    out = WORK / f"{name}.out"
    listing = WORK / f"{name}.files"
    listing.write_text("\n".join(str(p) for p in files))
    env = dict(os.environ)
    env.pop("DECOMPOSE_CACHE_DIR", None)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)

    def clear_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def record(key: str, r: Run) -> None:
        res.runs[key] = r
        if r.codes - {0, 1, -9}:
            err = r.failure.strip().splitlines()
            res.notes.append(
                f"{key}: exit {sorted(r.codes - {0, 1})} in one of the runs: "
                f"{err[-1] if err else '(no message)'}"
            )
        print(
            f"  {key:28} {r.median:8.2f} s  {r.rss / 2**20:7.0f} MiB  exit {sorted(r.codes)}",
            flush=True,
        )

    record("ast 1 proc", series(n, [PY, "-c", FLOOR, str(listing), "1"], proj, env))
    record("ast 2 procs", series(n, [PY, "-c", FLOOR, str(listing), "2"], proj, env))
    analyze = [*DECOMPOSE, "analyze", pkg, "--out", str(out), "--cache-dir", str(cache), "-v"]
    if baseline is not None:
        benv = dict(env, PYTHONPATH=str(baseline))
        bout = WORK / f"{name}.baseline-out"
        bcmd = [*DECOMPOSE, "analyze", pkg, "--out", str(bout), "--cache-dir", str(cache), "-v"]
        before = series(n, bcmd, proj, benv, clear_cache)
        res.stages_baseline = stage_timings(before.stderr)
        record("analyze cold baseline", before)
    cold = series(n, analyze, proj, env, clear_cache)
    res.stages_cold = stage_timings(cold.stderr)
    record("analyze cold", cold)
    if baseline is not None:
        bout = WORK / f"{name}.baseline-out"
        differ = [
            f
            for f in ("graph.json", "proposal.json", "report.md")
            if not (bout / f).exists()
            or not (out / f).exists()
            or (bout / f).read_bytes() != (out / f).read_bytes()
        ]
        if differ:
            res.notes.append(f"outputs differ from the baseline's: {', '.join(differ)}")
    record("analyze warm", series(n, analyze, proj, env))

    # One file edited before each run: the middle file of the sorted list (a comment appended).
    edited = files[len(files) // 2]
    original = edited.read_bytes()
    counter = [0]

    def edit() -> None:
        counter[0] += 1
        edited.write_bytes(original + f"\n# perf edit {counter[0]}\n".encode())

    check_ready = False
    if peers is not None and check:
        import check_bench as cb  # the same configs as the check benchmark

        mods = cb.units(proj, pkg)
        penv = dict(env, PYTHONPATH=str(proj))
        try:
            deps = cb.real_deps(proj, pkg, mods, peers / "tach", penv)
            cb.write_tach(proj, mods, deps)
            cb.write_importlinter(proj, pkg, mods, deps)
            cb.write_decompose(proj, pkg, mods, deps)
            check_ready = True
        except Exception as exc:  # noqa: BLE001 - a peer that cannot run is reported, not fatal
            res.notes.append(f"peer configs failed: {type(exc).__name__}: {exc}")
    if check_ready:
        check = [*DECOMPOSE, "check", ".", "--cache-dir", str(cache), "-q"]
        record("check cold", series(n, check, proj, env, clear_cache))
        record("check warm", series(n, check, proj, env))
        record("check one edit", series(n, check, proj, env, edit))
        edited.write_bytes(original)
    if peers is not None:
        penv = dict(env, PYTHONPATH=str(proj))
        if check_ready and check:
            record("tach check", series(n, [str(peers / "tach"), "check"], proj, penv))
            record("tach one edit", series(n, [str(peers / "tach"), "check"], proj, penv, edit))
            edited.write_bytes(original)
            record(
                "lint-imports", series(n, [str(peers / "lint-imports"), "--no-cache"], proj, penv)
            )
        record(
            "grimp build",
            series(n, [str(peers / "python"), "-c", GRIMP, str(proj), pkg], proj, penv),
        )
        record(
            "pydeps",
            series(
                n,
                [str(peers / "pydeps"), pkg, "--noshow", "--no-output", "--show-dot"],
                proj,
                penv,
                timeout=900,
            ),
        )
        if pyan:
            rels = [str(p.relative_to(proj)) for p in files]
            record(
                "pyan3",
                series(
                    1,
                    [str(peers / "pyan3"), *rels, "--dot", "--no-defines"],
                    proj,
                    penv,
                    timeout=600,
                ),
            )
    edited.write_bytes(original)
    for stale in ("tach.toml", ".importlinter", "decompose.toml"):
        (proj / stale).unlink(missing_ok=True)
    return res


# ------------------------------------------------------------------ report


def fmt_s(r: Run | None) -> str:
    if r is None or not r.walls:
        return "—"
    if -9 in r.codes:
        return f"> {r.walls[-1]:.0f} (timeout)"
    s = f"{r.median:.2f}"
    bad = {c for c in r.codes if c not in (0, 1)}
    return s + (f" (exit {','.join(map(str, sorted(bad)))})" if bad else "")


def ratio(a: Run | None, b: Run | None) -> float | None:
    if a is None or b is None or not a.walls or not b.walls or -9 in a.codes or -9 in b.codes:
        return None
    return a.median / b.median if b.median > 0 else None


def verdict(value: float | None, limit: float, less: bool = True) -> str:
    if value is None:
        return "n/a"
    ok = value <= limit if less else value >= limit
    return f"{value:.2f} {'✅' if ok else '❌'}"


def render_baseline(results: list[Result], rev: str) -> list[str]:
    """The ``--baseline`` table: cold ``analyze`` before and after, against the floor and pydeps,
    with the stage seconds of each (from ``-v``; the rest of a run is start-up and reports)."""
    rows = [r for r in results if r.runs.get("analyze cold baseline")]
    if not rows:
        return []
    lines = [
        "",
        f"Cold `analyze` against the baseline `{rev}` (same run, baseline timed right before; "
        "stages parse / graph / partition / plan in seconds):",
        "",
        "| input | ast 2 procs | cold before | cold now | speed-up | before / ast 2 procs "
        "| now / ast 2 procs | before / pydeps | now / pydeps | stages before | stages now |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        g = r.runs.get
        before, now = g("analyze cold baseline"), g("analyze cold")
        speed = ratio(before, now)

        def cell(v: float | None) -> str:
            return "—" if v is None else f"{v:.2f}"

        def stages(st: dict[str, float]) -> str:
            keys = ("parse", "graph", "partition", "plan")
            return " / ".join(f"{st.get(k, float('nan')):.1f}" for k in keys)

        lines.append(
            f"| {r.name} | {fmt_s(g('ast 2 procs'))} | {fmt_s(before)} | {fmt_s(now)} "
            f"| {cell(speed)}× | {cell(ratio(before, g('ast 2 procs')))} "
            f"| {cell(ratio(now, g('ast 2 procs')))} | {cell(ratio(before, g('pydeps')))} "
            f"| {cell(ratio(now, g('pydeps')))} | {stages(r.stages_baseline)} "
            f"| {stages(r.stages_cold)} |"
        )
    return lines


def render(
    results: list[Result], n: int, peers_line: str, load: str, baseline: str | None = None
) -> str:
    from decompose import __version__

    lines = [
        "## Benchmark",
        "",
        f"`bench/perf.py` (median of {n} runs per cell, wall-clock seconds; each run a fresh "
        f"process). decompose {__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; peers: {peers_line}. Load average at the start: {load} "
        "(the machine was shared with other work: ratios from the same run are the "
        "steadier reading).",
        "",
    ]
    cols = [
        "ast 1 proc",
        "ast 2 procs",
        "analyze cold",
        "analyze warm",
        "check cold",
        "check warm",
        "check one edit",
        "tach check",
        "tach one edit",
        "lint-imports",
        "grimp build",
        "pydeps",
        "pyan3",
    ]
    lines.append("| input | files / lines | " + " | ".join(cols) + " |")
    lines.append("|---|---|" + "---:|" * len(cols))
    for r in results:
        cells = [fmt_s(r.runs.get(c)) for c in cols]
        lines.append(
            f"| {r.name} (`{r.pkg}`) | {r.files:,} / {r.lines / 1000:,.0f}k | "
            + " | ".join(cells)
            + " |"
        )
    lines += [
        "",
        "Stages of a cold `analyze` (seconds, from `-v`), peak memory (RSS of the "
        "largest process) and time per thousand lines:",
        "",
        "| input | discover | parse | graph | partition | plan | peak RSS cold / warm "
        "(MiB) | cold ms/kLOC | warm ms/kLOC |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        st = r.stages_cold
        cold, warm = r.runs.get("analyze cold"), r.runs.get("analyze warm")
        kloc = r.lines / 1000
        lines.append(
            f"| {r.name} | "
            + " | ".join(
                f"{st.get(k, float('nan')):.2f}"
                for k in ("discover", "parse", "graph", "partition", "plan")
            )
            + f" | {(cold.rss if cold else 0) / 2**20:.0f}"
            + f" / {(warm.rss if warm else 0) / 2**20:.0f}"
            + f" | {cold.median / kloc * 1000 if cold else float('nan'):.1f}"
            + f" | {warm.median / kloc * 1000 if warm else float('nan'):.1f} |"
        )
    lines += [
        "",
        "Targets (ratios from this run; ✅ met, ❌ not met):",
        "",
        "| input | cold / pydeps (< 1) | cold / ast 2 procs (≤ 3) | warm / ast 1 proc (≤ 1) "
        "| check warm / tach (≤ 1) | check one edit / tach one edit (≤ 1) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        g = r.runs.get
        lines.append(
            f"| {r.name} | {verdict(ratio(g('analyze cold'), g('pydeps')), 1.0)} "
            f"| {verdict(ratio(g('analyze cold'), g('ast 2 procs')), 3.0)} "
            f"| {verdict(ratio(g('analyze warm'), g('ast 1 proc')), 1.0)} "
            f"| {verdict(ratio(g('check warm'), g('tach check')), 1.0)} "
            f"| {verdict(ratio(g('check one edit'), g('tach one edit')), 1.0)} |"
        )
    big = max(results, key=lambda r: r.lines) if results else None
    if big is not None and big.runs.get("analyze cold"):
        rss = max(
            big.runs["analyze cold"].rss,
            big.runs["analyze warm"].rss if "analyze warm" in big.runs else 0,
        )
        lines += [
            "",
            f"Peak memory on the largest input ({big.name}, {big.lines:,} lines): "
            f"{rss / 2**20:.0f} MiB (target < 1024 MiB: {'✅' if rss < GIB else '❌'}).",
        ]
    per = [
        (r.name, r.lines, r.runs["analyze cold"].median / (r.lines / 1000))
        for r in results
        if r.runs.get("analyze cold") and r.lines
    ]
    if len(per) >= 2:
        mid = statistics.median(p for _, _, p in per)
        spread = max(abs(p / mid - 1) for _, _, p in per)
        lines += [
            "",
            "Cold time per thousand lines relative to the median across inputs: "
            + ", ".join(f"{nm} {p / mid - 1:+.0%}" for nm, _, p in per)
            + f" (target within ±30%: {'✅' if spread <= 0.3 else '❌'}).",
        ]
    if baseline:
        lines += render_baseline(results, baseline)
    notes = [f"{r.name}: {note}" for r in results for note in r.notes]
    if notes:
        lines += ["", "Notes from the run:", "", *[f"- {x}" for x in notes]]
    lines += [
        "",
        "Reproduce: `.venv/bin/python bench/perf.py --write` (add `--inputs fschat "
        "--runs 1` for a quick look).",
    ]
    return "\n".join(lines) + "\n"


def replace_section(doc: str, heading: str, body: str) -> str:
    """Replace the ``## heading`` section of ``doc`` (up to the next ``## ``) by ``body``, or
    insert it after the title when absent."""
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(doc):
        return pattern.sub(lambda _: body.rstrip("\n") + "\n\n", doc, count=1)
    if not doc.strip():
        return "# Performance\n\n" + body
    head, sep, rest = doc.partition("\n## ")
    return (
        head.rstrip("\n")
        + "\n\n"
        + body.rstrip("\n")
        + "\n\n"
        + (sep.lstrip("\n") + rest if sep else "")
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", default=",".join(INPUTS))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-pyan", action="store_true", help="skip pyan3 (slow)")
    ap.add_argument("--write", action="store_true", help="update docs/performance.md")
    ap.add_argument("--no-check", action="store_true", help="skip the check rows")
    ap.add_argument("--baseline", metavar="REV", help="also time cold analyze at git REV")
    ap.add_argument("--tree", metavar="REV", help="time the decompose tree at git REV instead")
    args = ap.parse_args(argv)
    base_sha, base_dir = baseline_tree(args.baseline) if args.baseline else (None, None)
    WORK.mkdir(parents=True, exist_ok=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    peers = None if args.no_peers else ensure_peers()
    peers_line = peer_versions(peers) if peers else "not run"
    results = [
        measure(
            name,
            args.runs,
            peers,
            not args.no_pyan,
            base_dir,
            not args.no_check,
            baseline_tree(args.tree)[1] if args.tree else None,
        )
        for name in args.inputs.split(",")
        if name
    ]
    text = render(results, args.runs, peers_line, load, base_sha)
    print()
    print(text)
    if args.write:
        doc = DOC.read_text() if DOC.exists() else "# Performance\n"
        DOC.write_text(replace_section(doc, "Benchmark", text))
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
