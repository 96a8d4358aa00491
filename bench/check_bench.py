"""Benchmark ``decompose check`` against ``tach check`` and ``lint-imports`` on a real package.

Same package, equivalent rules: one module/service per top-level child of the package, each
allowed to depend on exactly the others it really imports (the union of what ``tach sync`` and
decompose find), every name public, cycles allowed (neither tach nor import-linter forbids
them by default), type-only imports ignored (all three tools' default). So every tool passes on
the untouched tree; a sanity step then adds one forbidden import and checks that all three fail.

Timed, each as a fresh process (median and min of ``--repeat`` runs, wall-clock seconds):

- decompose check: cold (empty cache), warm (nothing changed), one edit (a file of the package
  changed before each run);
- tach check (no cache of its own for ``check``): unchanged and one edit;
- lint-imports: cold (``--no-cache``), warm (its cache), one edit.

The peers are installed in a separate virtualenv (``bench/.venv-peers``) by this script; the
package is downloaded from PyPI into ``bench/.cache`` (both git-ignored).

Usage::

    .venv/bin/python bench/check_bench.py [--package Django==5.1.4] [--repeat 7] [--write]

``--write`` replaces the ``## check`` section of docs/performance.md with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache" / "check"
PEERS = HERE / ".venv-peers"
DECOMPOSE = Path(sys.executable).with_name("decompose")


def sh(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    if check and r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r


def ensure_peers() -> tuple[Path, Path]:
    tach, li = PEERS / "bin" / "tach", PEERS / "bin" / "lint-imports"
    if not (tach.exists() and li.exists()):
        sh([sys.executable, "-m", "venv", str(PEERS)], REPO, check=True)
        sh([str(PEERS / "bin" / "pip"), "install", "-q", "tach", "import-linter"], REPO, check=True)
    return tach, li


def ensure_package(spec: str) -> tuple[Path, str]:
    """Download the sdist of ``spec`` and extract its top-level package; returns (folder that
    holds the package, package name)."""
    dl = CACHE / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    name = spec.split("==")[0]
    sdists = sorted(dl.glob("*.tar.gz"))
    if not sdists:
        sh(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-q",
                "-d",
                str(dl),
                spec,
            ],
            REPO,
            check=True,
        )
        sdists = sorted(dl.glob("*.tar.gz"))
    work = CACHE / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    pkg = name.lower().replace("-", "_")
    with tarfile.open(sdists[0]) as tf:
        members = [
            m
            for m in tf.getmembers()
            if f"/{pkg}/" in f"/{m.name}/" and m.name.split("/")[1] == pkg
        ]
        tf.extractall(work / "x", members=members, filter="data")
    src = next((work / "x").iterdir()) / pkg
    proj = work / "proj"
    proj.mkdir()
    shutil.move(str(src), proj / pkg)
    shutil.rmtree(work / "x")
    return proj, pkg


def units(proj: Path, pkg: str) -> list[str]:
    out = []
    for p in sorted((proj / pkg).iterdir()):
        if p.is_dir() and (p / "__init__.py").exists():
            out.append(f"{pkg}.{p.name}")
        elif p.suffix == ".py" and p.name != "__init__.py":
            out.append(f"{pkg}.{p.stem}")
    return out


def write_tach(proj: Path, mods: list[str], deps: dict[str, set[str]]) -> None:
    lines = ['source_roots = ["."]', 'exclude = ["**/__pycache__"]', ""]
    for m in mods:
        d = ", ".join(f'"{x}"' for x in sorted(deps.get(m, ())))
        lines += ["[[modules]]", f'path = "{m}"', f"depends_on = [{d}]", ""]
    (proj / "tach.toml").write_text("\n".join(lines))


def write_decompose(proj: Path, pkg: str, mods: list[str], deps: dict[str, set[str]]) -> None:
    lines = ["[check]", 'unclaimed = "off"', 'rules = {DEC103 = "off", DEC108 = "off"}', ""]
    for m in mods:
        d = ", ".join(f'"{x}"' for x in sorted(deps.get(m, ())))
        lines += [
            f'[services."{m}"]',
            f'modules = ["{m}", "{m}.*"]',
            f'interface = ["{m}", "{m}.*"]',
            f"depends_on = [{d}]",
            "",
        ]
    (proj / "decompose.toml").write_text("\n".join(lines))


def write_importlinter(proj: Path, pkg: str, mods: list[str], deps: dict[str, set[str]]) -> None:
    lines = ["[importlinter]", f"root_package = {pkg}", ""]
    for i, m in enumerate(mods):
        forbidden = [x for x in mods if x != m and x not in deps.get(m, ())]
        if not forbidden:
            continue
        lines += [
            f"[importlinter:contract:c{i}]",
            f"name = {m} depends only on its declared",
            "type = forbidden",
            f"source_modules = {m}",
            "forbidden_modules =",
            *[f"    {x}" for x in forbidden],
            "allow_indirect_imports = True",
            "",
        ]
    (proj / ".importlinter").write_text("\n".join(lines))


def real_deps(
    proj: Path, pkg: str, mods: list[str], tach: Path, env: dict[str, str]
) -> dict[str, set[str]]:
    deps: dict[str, set[str]] = {m: set() for m in mods}
    write_tach(proj, mods, {})
    sh([str(tach), "sync"], proj, env)
    for mod in tomllib.loads((proj / "tach.toml").read_text()).get("modules", []):
        for d in mod.get("depends_on", []):
            deps[mod["path"]].add(d if isinstance(d, str) else d["path"])
    write_decompose(proj, pkg, mods, {})
    r = sh([str(DECOMPOSE), "check", ".", "--format", "json", "--no-cache"], proj, env)
    owner = {}
    for m in mods:
        owner[m] = m
    for d in json.loads(r.stdout)["diagnostics"]:
        if d["code"] != "DEC102":
            continue
        src, dst = d["key"]["src"], d["key"]["dst"]
        s = next((m for m in mods if src == m or src.startswith(m + ".")), None)
        t = next((m for m in mods if dst == m or dst.startswith(m + ".")), None)
        if s and t and s != t:
            deps[s].add(t)
    return deps


def timed(
    cmd: list[str],
    cwd: Path,
    env: dict[str, str],
    before=None,  # type: ignore[no-untyped-def]
) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds user+sys of the child and its children, exit code)."""
    if before is not None:
        before()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, r.returncode


def series(
    n: int,
    cmd: list[str],
    cwd: Path,
    env: dict[str, str],
    before=None,  # type: ignore[no-untyped-def]
    warmup: bool = True,
) -> tuple[float, float, float, set[int]]:
    """(median wall, min wall, median CPU, exit codes) of ``n`` runs after one warm-up."""
    if warmup:
        timed(cmd, cwd, env, before)
    runs = [timed(cmd, cwd, env, before) for _ in range(n)]
    return (
        statistics.median(w for w, _, _ in runs),
        min(w for w, _, _ in runs),
        statistics.median(c for _, c, _ in runs),
        {rc for _, _, rc in runs},
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", default="Django==5.1.4")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = ap.parse_args()

    tach, li = ensure_peers()
    proj, pkg = ensure_package(args.package)
    n_files = sum(1 for _ in (proj / pkg).rglob("*.py"))
    mods = units(proj, pkg)
    tmp = Path(tempfile.mkdtemp(prefix="check-bench-"))
    env = {**os.environ, "DECOMPOSE_CACHE_DIR": str(tmp / "dc"), "PYTHONPATH": str(proj)}
    env.pop("OPENBLAS_CORETYPE", None)
    deps = real_deps(proj, pkg, mods, tach, env)
    write_tach(proj, mods, deps)
    write_decompose(proj, pkg, mods, deps)
    write_importlinter(proj, pkg, mods, deps)
    n_contracts = (proj / ".importlinter").read_text().count("[importlinter:contract:")

    dc = [str(DECOMPOSE), "check", "."]
    tc = [str(tach), "check"]
    lc = [str(li)]
    passes = {
        "decompose": sh(dc, proj, env).returncode,
        "tach": sh(tc, proj, env).returncode,
        "lint-imports": sh(lc, proj, env).returncode,
    }

    edited = proj / pkg / "db" / "models" / "query.py"
    if not edited.exists():
        edited = sorted((proj / pkg).rglob("*.py"), key=lambda p: -p.stat().st_size)[0]
    counter = [0]
    original = edited.read_text()

    def edit() -> None:
        counter[0] += 1
        edited.write_text(original + f"\n# bench edit {counter[0]}\n")

    def cold() -> None:
        shutil.rmtree(tmp / "dc", ignore_errors=True)

    def li_cold() -> None:
        shutil.rmtree(proj / ".import_linter_cache", ignore_errors=True)

    rows = []
    n = args.repeat
    load = os.getloadavg()[0]
    rows.append(("decompose check, cold (empty cache)", *series(n, dc, proj, env, cold)))
    rows.append(("decompose check, warm", *series(n, dc, proj, env)))
    rows.append(("decompose check, one file edited", *series(n, dc, proj, env, edit)))
    rows.append(("tach check", *series(n, tc, proj, env)))
    rows.append(("tach check, one file edited", *series(n, tc, proj, env, edit)))
    rows.append(("lint-imports, cold (no cache)", *series(n, lc, proj, env, li_cold)))
    rows.append(("lint-imports, warm (its cache)", *series(n, lc, proj, env)))
    rows.append(("lint-imports, one file edited", *series(n, lc, proj, env, edit)))
    edited.write_text(original)

    # sanity: one forbidden import must fail all three
    victim_mod = next(
        m for m in mods if len(deps[m]) < len(mods) - 1 and (proj / m.replace(".", "/")).is_dir()
    )
    target = next(m for m in mods if m != victim_mod and m not in deps[victim_mod])
    victim = proj / victim_mod.replace(".", "/") / "__init__.py"
    before = victim.read_text()
    victim.write_text(before + f"\nimport {target}  # bench: forbidden\n")
    caught = {
        "decompose": sh(dc, proj, env).returncode,
        "tach": sh(tc, proj, env).returncode,
        "lint-imports": sh(lc, proj, env).returncode,
    }
    victim.write_text(before)

    ver = {
        "decompose": sh([str(DECOMPOSE), "--version"], proj).stdout.strip(),
        "tach": sh([str(tach), "--version"], proj).stdout.strip(),
        "import-linter": sh([str(PEERS / "bin" / "pip"), "show", "import-linter"], proj)
        .stdout.split("Version: ")[1]
        .split("\n")[0],
    }
    table = [
        "| run | wall median (s) | wall min (s) | CPU median (s) | exit codes |",
        "|---|---:|---:|---:|---|",
    ]
    for label, med, mn, cpu, rcs in rows:
        table.append(
            f"| {label} | {med:.3f} | {mn:.3f} | {cpu:.3f} | {', '.join(map(str, sorted(rcs)))} |"
        )
    text = "\n".join(
        [
            "## check",
            "",
            f"`bench/check_bench.py` on {args.package} ({n_files} files, {len(mods)} top-level "
            f"modules as services, {sum(len(v) for v in deps.values())} allowed dependencies; "
            f"import-linter: {n_contracts} forbidden contracts with direct imports only). "
            f"{ver['decompose']}, tach {ver['tach'].split()[-1]}, import-linter "
            f"{ver['import-linter']}; Python {platform.python_version()}, {os.cpu_count()} cores. "
            f"Each run is a fresh process; {n} runs after one warm-up. CPU = user + sys time of "
            f"the process and its children (robust when other work shares the machine; load "
            f"average at the start: {load:.1f}).",
            "",
            *table,
            "",
            f"Untouched tree (all must pass, exit 0): {passes}. One forbidden import added to "
            f"`{victim_mod}` (`import {target}`), all must fail (exit 1): {caught}.",
            "",
            "Edited file for the one-edit rows: "
            f"`{edited.relative_to(proj).as_posix()}` (a comment "
            "appended before each run).",
            "",
        ]
    )
    print(text)
    if args.write:
        doc = REPO / "docs" / "performance.md"
        old = doc.read_text() if doc.exists() else "# Performance\n\n"
        if "\n## check\n" in "\n" + old:
            head, _, rest = ("\n" + old).partition("\n## check\n")
            nxt = rest.find("\n## ")
            tail = rest[nxt + 1 :] if nxt >= 0 else ""
            new = head[1:] + "\n" + text + ("\n" + tail if tail else "")
        else:
            new = old.rstrip() + "\n\n" + text
        doc.write_text(new)
        print(f"updated {doc}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
