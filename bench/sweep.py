"""Corpus sweep (issue 10): run ``decompose analyze`` (and ``decompose check`` when it exists) on
every corpus package plus django, sympy and transformers; record files, modules, parse
diagnostics, crashes, wall time and peak memory; classify every parse diagnostic.

Usage::

    python bench/sweep.py [NAME...]        # default: every package in bench/corpus.py

Writes ``bench/out/sweep.json`` (all numbers and every diagnostic) and ``bench/out/sweep.md``
(the tables for ``docs/reliability.md``). Not part of any test run: it takes minutes.

Each run is a fresh subprocess with an empty fact cache (cold); wall time is measured around the
process and peak memory is the child's ``ru_maxrss`` from ``os.wait4`` (KiB on Linux; the
largest of the process and its waited-for workers). ``check`` runs warm with
``--boundaries`` pointing at the ``boundaries.toml`` that ``analyze`` wrote. A *crash* is an exit
code other than 0/1, a Python traceback on stderr, a signal, or a ``DEC099`` internal-error
diagnostic.

Every DEC001/DEC002 diagnostic's file is compiled by each available CPython (pyenv's 2.7 and
3.6-3.13, plus the running interpreter) with ``compile(bytes, path, "exec")``: a file that some
Python 3 accepts is a bug of ours; a file only Python 2 accepts is "Python 2 only"; a file no
interpreter accepts is "invalid everywhere" (templates, deliberately broken test data).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

OUT = HERE / "out"
PARSE_CODES = ("DEC001", "DEC002")
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"

_COMPILE = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
res = {}
for p in sys.argv[1:]:
    try:
        with open(p, "rb") as f:
            data = f.read()
        compile(data, p, "exec")
        res[p] = None
    except SyntaxError as e:
        res[p] = [e.lineno or 0, str(e.msg if hasattr(e, "msg") else e)]
    except Exception as e:
        res[p] = [0, type(e).__name__ + ": " + str(e)]
sys.stdout.write(json.dumps(res))
"""


def interpreters() -> dict[str, str]:
    """Available CPythons as ``{"2.7": path, "3.6": path, ...}`` (pyenv versions + this one)."""
    found: dict[str, str] = {}
    if PYENV.is_dir():
        for d in sorted(PYENV.iterdir()):
            m = re.match(r"(\d+)\.(\d+)", d.name)
            exe = d / "bin" / "python"
            if m and exe.exists():
                found[f"{m[1]}.{m[2]}"] = str(exe)
    found.setdefault(f"{sys.version_info[0]}.{sys.version_info[1]}", sys.executable)
    return dict(sorted(found.items(), key=lambda kv: tuple(int(x) for x in kv[0].split("."))))


def compile_everywhere(files: list[str]) -> dict[str, dict[str, list[object] | None]]:
    """``{file: {version: None (compiles) | [line, message]}}`` for every interpreter."""
    out: dict[str, dict[str, list[object] | None]] = {f: {} for f in files}
    if not files:
        return out
    for ver, exe in interpreters().items():
        try:
            proc = subprocess.run(
                [exe, "-c", _COMPILE, *files],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            res = json.loads(proc.stdout or "{}")
        except (subprocess.TimeoutExpired, json.JSONDecodeError):
            res = {}
        for f in files:
            out[f][ver] = res.get(f, [0, "interpreter crashed or timed out"])
    return out


def verdict(per_version: dict[str, list[object] | None]) -> str:
    ok = [v for v, r in per_version.items() if r is None]
    if any(v.startswith("3.") for v in ok):
        return "BUG: valid Python " + ", ".join(v for v in ok if v.startswith("3."))
    if ok:
        return "Python 2 only"
    return "invalid in every version"


def run(
    cmd: list[str], env: dict[str, str], cwd: Path | None = None
) -> tuple[int, float, int, str, str]:
    """Run ``cmd``; return (exit code, wall seconds, peak RSS KiB, stdout, stderr)."""
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=so, stderr=se, env=env, cwd=cwd)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        so.seek(0)
        se.seek(0)
        return (
            proc.returncode,
            wall,
            ru.ru_maxrss,
            so.read().decode(errors="replace"),
            se.read().decode(errors="replace"),
        )


def check_available(env: dict[str, str]) -> tuple[bool, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "decompose", "check", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return proc.returncode == 0, proc.stdout


def sweep_one(
    name: str, env: dict[str, str], has_check: bool, check_help: str
) -> dict[str, object]:
    root = corpus.fetch(name)
    pkg = corpus.PACKAGES.get(name)
    py = [p for p in root.rglob("*.py") if ".dist-info" not in p.as_posix()]
    out = OUT / "sweep" / name
    shutil.rmtree(out, ignore_errors=True)
    cache = Path(tempfile.mkdtemp(prefix=f"sweep-cache-{name}-"))
    renv = {**env, "DECOMPOSE_CACHE_DIR": str(cache)}
    rc, wall, rss, so, se = run(
        [
            sys.executable,
            "-m",
            "decompose",
            "analyze",
            str(root),
            "--out",
            str(out),
            "--format",
            "json",
        ],
        renv,
    )
    rec: dict[str, object] = {
        "name": name,
        "version": pkg.version if pkg else "",
        "py_files": len(py),
        "analyze": {"exit": rc, "seconds": round(wall, 2), "peak_rss_mib": round(rss / 1024, 1)},
    }
    crashed = rc not in (0, 1) or "Traceback" in se
    diags: list[dict[str, object]] = []
    if (out / "graph.json").is_file():
        g = json.loads((out / "graph.json").read_text())
        rec["modules"] = len(g["modules"])
        rec["import_edges"] = len(g["imports"])
        rec["resolution_rate"] = g.get("stats", {}).get("resolution_rate")
        try:
            rec["files_read"] = json.loads(so)["files"]
        except (json.JSONDecodeError, KeyError):
            rec["files_read"] = None
        diags = [d for d in g["diagnostics"] if d["code"] in (*PARSE_CODES, "DEC099")]
        from collections import Counter

        rec["diag_codes"] = dict(sorted(Counter(d["code"] for d in g["diagnostics"]).items()))
        if any(d["code"] == "DEC099" for d in diags):
            crashed = True
    rec["analyze"]["stderr_tail"] = se[-2000:] if crashed else ""  # type: ignore[index]
    # Warm run (cache filled by the cold one).
    rc2, wall2, rss2, _, se2 = run(
        [
            sys.executable,
            "-m",
            "decompose",
            "analyze",
            str(root),
            "--out",
            str(out) + "-warm",
            "-q",
        ],
        renv,
    )
    rec["analyze_warm"] = {
        "exit": rc2,
        "seconds": round(wall2, 2),
        "peak_rss_mib": round(rss2 / 1024, 1),
        "stderr_tail": se2[-1500:] if rc2 not in (0, 1) else "",
    }
    crashed = crashed or rc2 not in (0, 1) or "Traceback" in se2
    if has_check:
        cmd = [sys.executable, "-m", "decompose", "check", str(root)]
        if "--boundaries" in check_help and (out / "boundaries.toml").is_file():
            cmd += ["--boundaries", str(out / "boundaries.toml")]
        rc3, wall3, rss3, so3, se3 = run(cmd, renv)
        rec["check"] = {
            "exit": rc3,
            "seconds": round(wall3, 2),
            "peak_rss_mib": round(rss3 / 1024, 1),
            "stderr_tail": se3[-1500:] if rc3 not in (0, 1) else "",
            "output_lines": so3.count("\n"),
        }
        crashed = crashed or rc3 not in (0, 1) or "Traceback" in se3
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(str(out) + "-warm", ignore_errors=True)
    rec["crashed"] = crashed
    comp = compile_everywhere(sorted({str(root / str(d["path"])) for d in diags}))
    for d in diags:
        per = comp.get(str(root / str(d["path"])), {})
        d["verdict"] = "BUG: internal error" if d["code"] == "DEC099" else verdict(per)
        d["compile"] = per
    rec["parse_diagnostics"] = diags
    return rec


def table(results: list[dict[str, object]], has_check: bool) -> str:
    lines = [
        "| package | version | .py files | modules | parse diags (bugs) | crashes "
        "| analyze cold s | analyze warm s | peak MiB | check s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    tot = {"py": 0, "mods": 0, "diags": 0, "bugs": 0, "crash": 0, "t": 0.0}
    for r in results:
        diags = r.get("parse_diagnostics", [])
        assert isinstance(diags, list)
        bugs = sum(1 for d in diags if str(d["verdict"]).startswith("BUG"))
        a = r["analyze"]
        w = r["analyze_warm"]
        assert isinstance(a, dict) and isinstance(w, dict)
        chk = r.get("check")
        cs = f"{chk['seconds']:.2f}" if isinstance(chk, dict) else "n/a"
        lines.append(
            f"| {r['name']} | {r['version']} | {r['py_files']} | {r.get('modules', '-')} | "
            f"{len(diags)} ({bugs}) | {int(bool(r['crashed']))} | {a['seconds']:.2f} | "
            f"{w['seconds']:.2f} | {a['peak_rss_mib']:.0f} | {cs} |"
        )
        tot["py"] += int(r["py_files"])  # type: ignore[call-overload]
        tot["mods"] += int(r.get("modules", 0))  # type: ignore[call-overload]
        tot["diags"] += len(diags)
        tot["bugs"] += bugs
        tot["crash"] += int(bool(r["crashed"]))
        tot["t"] += float(a["seconds"])
    lines.append(
        f"| **total** | | {tot['py']} | {tot['mods']} | {tot['diags']} ({tot['bugs']}) |"
        f" {tot['crash']} | {tot['t']:.1f} | | | |"
    )
    lines.append("")
    lines.append("### Every parse diagnostic")
    lines.append("")
    lines.append("| package | file:line | code | verdict | message |")
    lines.append("|---|---|---|---|---|")
    for r in results:
        for d in r.get("parse_diagnostics", []):  # type: ignore[union-attr]
            msg = str(d["message"]).replace("|", "\\|")[:90]
            lines.append(
                f"| {r['name']} | `{d['path']}:{d['line']}` | {d['code']} | "
                f"{d['verdict']} | {msg} |"
            )
    if not has_check:
        lines.append("")
        lines.append("`decompose check` did not exist when the sweep ran (skipped).")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    names = (sys.argv[1:] if argv is None else argv) or list(corpus.PACKAGES)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    has_check, check_help = check_available(env)
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for n in names:
        print(f"== {n}", flush=True)
        rec = sweep_one(n, env, has_check, check_help)
        a = rec["analyze"]
        print(
            f"   files={rec['py_files']} modules={rec.get('modules')} "
            f"parse_diags={len(rec['parse_diagnostics'])} crashed={rec['crashed']} "  # type: ignore[arg-type]
            f"t={a['seconds']}s rss={a['peak_rss_mib']}MiB",
            flush=True,
        )  # type: ignore[index]
        results.append(rec)
        (OUT / "sweep.json").write_text(
            json.dumps(
                {
                    "check_available": has_check,
                    "interpreters": list(interpreters()),
                    "results": results,
                },
                indent=1,
                sort_keys=True,
            )
        )
    (OUT / "sweep.md").write_text(table(results, has_check))
    print((OUT / "sweep.md").read_text())
    return 1 if any(r["crashed"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
