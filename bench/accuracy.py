"""Measured import-graph accuracy against grimp (issue 3).

Usage::

    python bench/accuracy.py [NAME...]      # default: fschat khoj r2r rasa letta

For each corpus package, builds decompose's ``graph.json`` (through the CLI, in a subprocess) and
grimp's graph (``grimp.build_graph``, run in a separate virtualenv ``bench/.venv-peers`` that this
script creates and fills with ``pip install grimp``), compares the first-party module import edges
as ``(importer, imported)`` pairs and puts every difference into exactly one category (see
:data:`CATEGORIES`). A difference that fits no category is *unexplained*.

Writes ``bench/out/accuracy.json`` (every difference with its evidence) and
``bench/out/accuracy.md`` (the table for ``docs/accuracy.md``). Exit status 1 when a difference is
unexplained. ``tests/corpus/test_accuracy.py`` runs this and asserts that none is.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

OUT = HERE / "out"
PEERS = HERE / ".venv-peers"
GRIMP_SPEC = "grimp>=3.5"
DEFAULT = ("fschat", "khoj", "r2r", "rasa", "letta", "invokeai", "mlflow")

# Every category, its side (which tool has the edge) and its class:
#   model: a kind grimp does not model (by design, not a mistake of either tool)
#   grimp: a grimp mistake
#   ours:  a mistake of ours (must be fixed, never left in the table)
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "parent_init": (
        "ours",
        "model",
        "importing a.b.c runs a/__init__.py: decompose records parent_init edges",
    ),
    "reexport": (
        "ours",
        "model",
        "`from pkg import name` where pkg/__init__ re-exports name from pkg.sub: "
        "decompose adds importer -> pkg.sub (kind reexport)",
    ),
    "dynamic": ("ours", "model", "importlib.import_module / __import__ with a literal name"),
    "string_ref": (
        "ours",
        "model",
        "string references (Django app labels, dotted paths in strings)",
    ),
    "namespace_folder": (
        "ours",
        "model",
        "a module in a folder without __init__.py inside the package: grimp "
        "does not descend into it, so it has no node",
    ),
    "sys_path_alias": (
        "ours",
        "model",
        "the code adds its own folder to sys.path and imports a sibling by its "
        "short name (DEC014): decompose resolves it, grimp sees an external name",
    ),
    "self_import": (
        "grimp",
        "model",
        "a module importing itself (e.g. under `if __name__ == '__main__'`): grimp "
        "keeps a self-loop, decompose drops self-edges by design",
    ),
    "unresolved_module": (
        "either",
        "model",
        "the statement names a first-party module with no Python file (removed, or a folder of "
        "data files); decompose reports DEC005 at that line and keeps at most an edge to the "
        "nearest package that runs before the import fails; grimp drops the statement or keeps "
        "the parent",
    ),
    "non_importable_file": (
        "ours",
        "model",
        "the importer's file name is not an identifier (`composition-nodes.py`), so it can only "
        "run as a script: decompose resolves its absolute imports against its own folder first "
        "(sys.path[0]; a sibling `math.py` shadows the stdlib), grimp reads it as a module or "
        "skips it",
    ),
    "excluded_vendored": (
        "either",
        "model",
        "an import of or from a module under `vendor/`, `_vendor/` or `vendored/`: excluded by "
        "decompose's default excludes (configurable; an import of it gets DEC005 at most), read "
        "by grimp",
    ),
    "grimp_init_spelled": (
        "ours",
        "grimp",
        "`from pkg.__init__ import x` names pkg's own __init__.py: grimp finds no module "
        "`pkg.__init__` and drops the import",
    ),
}


# Our edge kinds grimp does not model, most specific first (an edge with several takes the first).
MODEL_KINDS = ("reexport", "dynamic", "string_ref", "parent_init")


def _under_namespace(root: Path, path: str) -> bool:
    """Whether ``path`` (relative to ``root``) is, or lies in, a folder without ``__init__.py``
    below its top-level package (a namespace portion grimp does not descend into)."""
    parts = Path(path).parts
    if not parts:
        return False
    folders = parts if (root / path).is_dir() else parts[:-1]
    return any(
        not (root.joinpath(*folders[: i + 1]) / "__init__.py").is_file()
        for i in range(len(folders))
    )


def _importable(path: str) -> bool:
    """Whether every part of ``path`` is an identifier (else Python cannot import it by name)."""
    parts = [p.removesuffix(".py") for p in Path(path).parts]
    return all(p.isidentifier() for p in parts)


_VENDOR_NAME = re.compile(r"\.(_?vendor|vendored)(\.|\b)")


def _vendored(path: str) -> bool:
    """Whether ``path`` lies in a vendored folder (excluded by decompose's defaults)."""
    return any(p in ("vendor", "_vendor", "vendored") for p in Path(path).parts)


def _newest_python() -> str:
    """The newest CPython 3 available (pyenv versions, else this one): grimp parses the code
    with the grammar of the interpreter it runs on, so it must know the newest syntax the corpus
    uses (invokeai and weblate use 3.12 forms)."""
    env = os.environ.get("DECOMPOSE_PEERS_PYTHON")
    if env:
        return env
    best = (sys.version_info[:2], sys.executable)
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for d in root.glob("3.*") if root.is_dir() else []:
        m = re.match(r"3\.(\d+)", d.name)
        if m and (d / "bin" / "python").exists() and (3, int(m[1])) > best[0]:
            best = ((3, int(m[1])), str(d / "bin" / "python"))
    return best[1]


def ensure_peers() -> Path:
    """Create ``bench/.venv-peers`` (with the newest Python 3 found) holding grimp if needed;
    return its Python."""
    py = PEERS / "bin" / "python"
    if not py.exists():
        subprocess.run([_newest_python(), "-m", "venv", str(PEERS)], check=True)
    probe = subprocess.run([str(py), "-c", "import grimp"], capture_output=True, check=False)
    if probe.returncode != 0:
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", GRIMP_SPEC],
            check=True,
        )
    return py


_GRIMP = r"""
import json, sys, time
import grimp
root, tops = sys.argv[1], sys.argv[2:]
sys.path.insert(0, root)
t0 = time.perf_counter()
g = grimp.build_graph(*tops, include_external_packages=False, cache_dir=None)
dt = time.perf_counter() - t0
edges = []
for m in sorted(g.modules):
    for d in sorted(g.find_modules_directly_imported_by(m)):
        det = g.get_import_details(importer=m, imported=d)
        edges.append([m, d, sorted({x["line_number"] for x in det}),
                      sorted({x["line_contents"] for x in det})])
print(json.dumps({"modules": sorted(g.modules), "edges": edges, "seconds": dt,
                  "version": getattr(grimp, "__version__", "")}))
"""


def grimp_graph(py: Path, root: Path, tops: list[str]) -> dict[str, object]:
    """grimp's graph of ``tops`` under ``root``: modules, edges ``[src, dst, lines, contents]``."""
    proc = subprocess.run(
        [str(py), "-c", _GRIMP, str(root), *tops],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"grimp failed on {root}: {proc.stderr[-2000:]}")
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def our_graph(root: Path, out: Path) -> dict[str, object]:
    """decompose's graph.json for ``root`` (through the CLI)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "decompose",
            "analyze",
            str(root),
            "--out",
            str(out),
            "-q",
            "--no-cache",
        ],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    data: dict[str, object] = json.loads((out / "graph.json").read_text())
    return data


def grimp_view(root: Path, tops: list[str]) -> tuple[Path, list[str]]:
    """A copy of ``root``'s Python files in which every folder below a top-level package that
    holds Python files but no ``__init__.py`` gets an empty one, so that grimp (which does not
    descend into namespace folders) sees the same modules as we do. Module names do not change:
    absolute and relative imports resolve the same. Returns the copy and the folders changed."""
    view = corpus.cache_dir() / "grimp-view" / root.name
    shutil.rmtree(view, ignore_errors=True)
    added: list[str] = []
    for top in tops:
        for f in sorted((root / top).rglob("*.py")):
            dest = view / f.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
    for top in tops:
        for d in [view / top, *sorted(p for p in (view / top).rglob("*") if p.is_dir())]:
            if not (d / "__init__.py").exists() and any(d.rglob("*.py")):
                (d / "__init__.py").write_bytes(b"")
                added.append(d.relative_to(view).as_posix())
    return view, added


def top_packages(root: Path) -> list[str]:
    """Top-level packages of an extracted wheel: folders (with or without ``__init__.py``) whose
    name is an identifier and that hold Python files."""
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and p.name.isidentifier() and any(p.rglob("*.py"))
    )


def _relative_targets(root: Path, path: str, line: int) -> list[str]:
    """Source text of the import statement at ``path:line`` (for evidence)."""
    try:
        lines = (root / path).read_text(encoding="utf-8", errors="replace").splitlines()
        return [lines[line - 1].strip()] if 0 < line <= len(lines) else []
    except OSError:
        return []


def _first_import_line(root: Path, path: str, line: int) -> str:
    got = _relative_targets(root, path, line)
    return got[0] if got else ""


def compare(name: str, py: Path) -> dict[str, object]:
    """Compare decompose with grimp on one package; every difference gets a category."""
    root = corpus.fetch(name)
    tops = top_packages(root)
    ours = our_graph(root, OUT / "accuracy" / name)
    view, added = grimp_view(root, tops)
    theirs = grimp_graph(py, view, tops)
    grimp_mods = set(theirs["modules"])  # type: ignore[arg-type]
    path_of = {m["name"]: m["path"] for m in ours["modules"]}  # type: ignore[attr-defined]
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    lines: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e in ours["imports"]:  # type: ignore[attr-defined]
        kinds[(e["src"], e["dst"])].add(e["kind"])
        lines[(e["src"], e["dst"])].append(e["line"])
    g_edges = {(a, b): (ln, txt) for a, b, ln, txt in theirs["edges"]}  # type: ignore[attr-defined]
    alias_dirs = [
        d["path"].rsplit("/", 1)[0]
        for d in ours["diagnostics"]  # type: ignore[attr-defined]
        if d["code"] == "DEC014"
    ]

    our_mods = set(path_of)
    dec005 = {
        (d["path"], d["line"])
        for d in ours["diagnostics"]  # type: ignore[attr-defined]
        if d["code"] == "DEC005"
    }

    def view_path(mod: str) -> str:
        rel = mod.replace(".", "/")
        return rel + "/__init__.py" if (view / rel).is_dir() else rel + ".py"

    diffs: list[dict[str, object]] = []
    for pair in sorted(set(kinds) | set(g_edges)):
        if pair in kinds and pair in g_edges:
            continue
        src, dst = pair
        mine = pair in kinds
        if mine:
            k = kinds[pair]
            at = sorted(lines[pair])
            path = path_of.get(src, "")
            code = _first_import_line(root, path, at[0])
        else:
            k = set()
            at, txt = g_edges[pair]
            path = path_of.get(src, view_path(src))
            code = txt[0] if txt else ""
        # Node sets first: an edge whose end is not a node of the other tool.
        missing_there = [x for x in (src, dst) if x not in (grimp_mods if mine else our_mods)]
        if src == dst:
            cat = "self_import"
        elif (
            _vendored(path_of.get(dst, "") if mine else view_path(dst))
            or (not mine and _vendored(view_path(src)))
            or _VENDOR_NAME.search(code)
        ):
            cat = "excluded_vendored"
        elif any((path, ln) in dec005 for ln in at):
            cat = "unresolved_module"
        elif mine and k <= set(MODEL_KINDS):
            cat = next(c for c in MODEL_KINDS if c in k)
        elif mine and not all(_importable(path_of.get(x, "")) for x in (src, dst)):
            cat = "non_importable_file"
        elif missing_there:
            paths = [path_of.get(x, "") if mine else view_path(x) for x in missing_there]
            if mine and all(_under_namespace(root, p) for p in paths):
                cat = "namespace_folder"
            elif not mine and all(_vendored(p) for p in paths):
                cat = "excluded_vendored"
            else:
                cat = "UNEXPLAINED"
        elif mine and _is_alias_import(code, dst, alias_dirs, path_of):
            cat = "sys_path_alias"
        elif mine and re.search(r"\b" + re.escape(dst) + r"\.__init__\b", code):
            cat = "grimp_init_spelled"
        else:
            cat = "UNEXPLAINED"
        diffs.append(
            {
                "src": src,
                "dst": dst,
                "side": "ours" if mine else "grimp",
                "kinds": sorted(k),
                "path": path,
                "lines": at[:5],
                "code": code,
                "category": cat,
            }
        )
    counts = Counter(str(d["category"]) for d in diffs)
    stats = ours.get("stats", {})
    assert isinstance(stats, dict)
    return {
        "name": name,
        "version": corpus.PACKAGES[name].version,
        "tops": tops,
        "our_modules": len(path_of),
        "grimp_modules": len(grimp_mods),
        "namespace_folders_given_init": len(added),
        "our_edges": len(kinds),
        "grimp_edges": len(g_edges),
        "common": len(set(kinds) & set(g_edges)),
        "categories": dict(sorted(counts.items())),
        "resolution_rate": stats.get("resolution_rate"),
        "call_sites": stats.get("call_sites"),
        "grimp_seconds": round(float(theirs["seconds"]), 3),  # type: ignore[arg-type]
        "grimp_version": theirs.get("version", ""),
        "differences": diffs,
    }


def _is_alias_import(code: str, dst: str, alias_dirs: list[str], path_of: dict[str, str]) -> bool:
    """An absolute import by a short name that only resolves through a folder the code adds to
    ``sys.path`` (DEC014): the first name of the statement is a module in such a folder."""
    try:
        tree = ast.parse(code.strip())
    except SyntaxError:
        return False
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.append(node.module)
    dpath = path_of.get(dst, "")
    for n in names:
        first = n.split(".")[0]
        for d in alias_dirs:
            if dpath.startswith(d + "/") and first == dpath[len(d) + 1 :].split("/")[
                0
            ].removesuffix(".py"):
                return True
    return False


def table(results: list[dict[str, Any]]) -> str:
    """The Markdown tables of ``docs/accuracy.md``."""
    cats = [c for c in CATEGORIES if any(c in r["categories"] for r in results)]
    unexpl = any("UNEXPLAINED" in r["categories"] for r in results)
    head = [
        "package",
        "modules (ours/grimp)",
        "our edges",
        "grimp edges",
        "common",
        *[f"`{c}`" for c in cats],
        *(["UNEXPLAINED"] if unexpl else []),
        "call resolution",
    ]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        row = [
            f"{r['name']} {r['version']}",
            f"{r['our_modules']}/{r['grimp_modules']}",
            str(r["our_edges"]),
            str(r["grimp_edges"]),
            str(r["common"]),
            *[str(r["categories"].get(c, 0)) for c in cats],
            *([str(r["categories"].get("UNEXPLAINED", 0))] if unexpl else []),
            f"{100 * float(r['resolution_rate']):.1f}% of {r['call_sites']}",
        ]
        out.append("| " + " | ".join(row) + " |")
    out += ["", "| category | edge only in | class | meaning |", "|---|---|---|---|"]
    for c in cats:
        side, cls, text = CATEGORIES[c]
        who = {"ours": "decompose", "grimp": "grimp"}.get(side, side)
        out.append(f"| `{c}` | {who} | {cls} | {text} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    names = (sys.argv[1:] if argv is None else argv) or list(DEFAULT)
    py = ensure_peers()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for n in names:
        r = compare(n, py)
        print(n, {k: v for k, v in r.items() if k != "differences"}, flush=True)
        results.append(r)
    (OUT / "accuracy.json").write_text(json.dumps(results, indent=1, sort_keys=True))
    (OUT / "accuracy.md").write_text(table(results))
    print(table(results))
    bad = [d for r in results for d in r["differences"] if d["category"] == "UNEXPLAINED"]  # type: ignore[attr-defined]
    for d in bad:
        print("UNEXPLAINED", d)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
