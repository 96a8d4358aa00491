"""Every shared graph-extraction case (``../shared/cases``) as a test.

The harness is generic: it reads each case's ``expected.json`` and asserts every module edge,
external edge, call edge and node it lists (with the weight, line, scope, count, kind and status
that a note states). What ``expected.json`` says in prose (``diagnostics``, ``must_not``) is encoded
once per case in :data:`CHECKS`; a case without an entry fails, so a new case cannot pass
vacuously. Cases whose roots are not just ``.`` are also built with auto-detected roots.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES, copy_case

from decompose.cache import FactCache
from decompose.config import Config
from decompose.discover import Project
from decompose.graph import RUNTIME_KINDS, ProgramGraph
from decompose.pipeline import load_graph

CASE_NAMES = (
    sorted(p.name for p in CASES.glob("*") if (p / "expected.json").is_file())
    if CASES.is_dir()
    else []
)

if not CASE_NAMES and os.environ.get("DECOMPOSE_REQUIRE_CASES"):
    raise RuntimeError(f"shared cases not found at {CASES} (DECOMPOSE_REQUIRE_CASES is set)")
pytestmark = pytest.mark.skipif(not CASE_NAMES, reason=f"no shared cases at {CASES}")


@dataclass
class Built:
    """A case copied to a temporary folder and analysed."""

    root: Path
    expected: dict[str, Any]
    project: Project
    graph: ProgramGraph

    # ---- views
    def edges(self) -> set[tuple[str, str, str]]:
        return {(e.src, e.dst, e.kind) for e in self.graph.imports}

    def edge(self, src: str, dst: str, kind: str | None = None) -> list[Any]:
        return [
            e
            for e in self.graph.imports
            if e.src == src and e.dst == dst and (kind is None or e.kind == kind)
        ]

    def calls(self) -> set[tuple[str, str, str]]:
        return {(c.src, c.dst, c.kind) for c in self.graph.calls}

    def node(self, name: str) -> Any:
        return next((m for m in self.graph.modules if m.name == name), None)

    def diags(self, code: str) -> list[Any]:
        return [d for d in self.graph.diagnostics if d.code == code]


def build(root: Path, roots: tuple[str, ...] = (), notebooks: bool = True) -> Built:
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    cfg = Config(roots=roots, include_notebooks=notebooks)
    project, graph, _ = load_graph(root, cfg, FactCache(root / ".nocache", enabled=False), jobs=1)
    return Built(root, expected, project, graph)


def case_roots(expected: dict[str, Any]) -> tuple[str, ...]:
    roots = tuple(expected.get("roots") or ["."])
    return () if roots == (".",) else roots


@pytest.fixture
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Built:
    root = copy_case(request.param, tmp_path)
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    return build(root, case_roots(expected))


# --------------------------------------------------------------------------- generic checks
_WEIGHT = re.compile(r"weight (\d+)")
_STMTS = re.compile(r"(\d+) statements")
_LINE = re.compile(r"\blines? (\d+)")
_SCOPE = re.compile(r"scope=(\w+)")
_SITES = re.compile(r"(\d+) call sites")


def check_modules(b: Built) -> None:
    for exp in b.expected.get("modules", []):
        src, dst, kind, note = exp["src"], exp["dst"], exp["kind"], exp.get("note", "")
        found = b.edge(src, dst, kind)
        assert found, f"missing module edge {src} -> {dst} ({kind}); have " + str(
            sorted(x for x in b.edges() if x[0] == src)
        )
        e = found[0]
        if exp.get("runtime") and kind != "import":
            assert kind in RUNTIME_KINDS, f"{src} -> {dst}: runtime edge of non-runtime kind"
        if m := _WEIGHT.search(note) or _STMTS.search(note):
            assert e.weight == int(m.group(1)), f"{src} -> {dst}: weight {e.weight}"
        if m := _LINE.search(note):
            assert e.line == int(m.group(1)), f"{src} -> {dst}: line {e.line}"
        if m := _SCOPE.search(note):
            assert e.scope == m.group(1), f"{src} -> {dst}: scope {e.scope}"
        if "low" in note and "confidence" in note:
            assert e.confidence == "low", f"{src} -> {dst}: recovered edge must be low confidence"
        if src in {m.name for m in b.graph.modules} and b.node(src).kind == "notebook":
            continue
        if kind in RUNTIME_KINDS and exp.get("runtime"):
            # Nothing that runs at import time may hide as a weaker kind next to it.
            assert not b.edge(src, dst, "type_checking"), f"{src} -> {dst} also type_checking"


def check_external(b: Built) -> None:
    ext = {(e.src, e.dst) for e in b.graph.external}
    for line in b.expected.get("external", []):
        src, _, rest = line.partition(" -> ")
        dst = rest.split(" (")[0].strip()
        assert (src.strip(), dst) in ext, f"missing external edge {line!r}; have {sorted(ext)}"
        assert not any(e.src == src.strip() and e.dst == dst for e in b.graph.imports)


def check_calls(b: Built) -> None:
    calls = b.calls()
    for exp in b.expected.get("calls", []):
        key = (exp["src"], exp["dst"], exp["kind"])
        assert key in calls, f"missing call edge {key}; have " + str(
            sorted(c for c in calls if c[0] == exp["src"])
        )
        if m := _SITES.search(exp.get("note", "")):
            c = next(c for c in b.graph.calls if (c.src, c.dst, c.kind) == key)
            assert c.count == int(m.group(1)), f"{key}: count {c.count}"


_KIND = re.compile(r"kind=(\w+)")
_STATUS = re.compile(r"status=(\w+)")


def check_nodes(b: Built) -> None:
    for text in b.expected.get("nodes", []):
        name = text.split(" (")[0].split()[0]
        node = b.node(name)
        assert node is not None, f"missing node {name}"
        if m := _KIND.search(text):
            assert node.kind == m.group(1), f"{name}: kind {node.kind}"
        if m := _STATUS.search(text):
            assert node.status == m.group(1), f"{name}: status {node.status}"
            if m2 := _LINE.search(text):
                lines = [
                    d.line
                    for d in b.graph.diagnostics
                    if d.path == node.path and d.code == "DEC001"
                ]
                assert lines == [int(m2.group(1))], f"{name}: DEC001 lines {lines}"


def check_general(b: Built) -> None:
    """What holds for every case: no internal error, no root prefix in module names, every
    Python file a node."""
    assert not b.diags("DEC099"), b.diags("DEC099")
    names = {m.name for m in b.graph.modules}
    for r in b.expected.get("roots", ["."]):
        if r != "." and not (b.root / r / "__init__.py").exists():  # not an alias root
            prefix = r.replace("/", ".") + "."
            assert not [n for n in names if n.startswith(prefix)], f"names under root {r}"
    for sf in b.project.files:
        assert sf.module in names
    for m in b.graph.modules:
        if m.kind == "namespace":  # a folder named like the package's last part
            assert (b.root / m.path).is_dir() and m.path.split("/")[-1] == m.name.split(".")[-1]
    for top in b.expected.get("runtime", {}).get("first_party", []):
        alias = b.expected.get("runtime", {}).get("alias", {})
        if top in alias:
            continue
        assert top in names, f"first-party {top} is not a node"
        assert not [e for e in b.graph.external if e.dst.split(".")[0] == top], top


# --------------------------------------------------------------------------- per-case checks
Check = Callable[[Built], None]


def no_external_named(*names: str) -> Check:
    def check(b: Built) -> None:
        bad = [e for e in b.graph.external if set(e.dst.split(".")) & set(names)]
        assert not bad, bad

    return check


def no_edge(src: str, dst: str, kinds: frozenset[str] | None = None) -> Check:
    def check(b: Built) -> None:
        bad = [
            e
            for e in b.graph.imports
            if e.src == src and e.dst == dst and (kinds is None or e.kind in kinds)
        ]
        assert not bad, bad

    return check


def no_call(src: str, dst: str) -> Check:
    def check(b: Built) -> None:
        assert not [c for c in b.graph.calls if c.src == src and c.dst == dst]

    return check


def no_call_to_prefix(prefix: str) -> Check:
    def check(b: Built) -> None:
        assert not [c for c in b.graph.calls if c.dst.startswith(prefix)]

    return check


def diag(code: str, path: str | None = None, line: int | None = None, *needles: str) -> Check:
    def check(b: Built) -> None:
        found = [
            d
            for d in b.diags(code)
            if (path is None or d.path == path)
            and (line is None or d.line == line)
            and all(n in d.message for n in needles)
        ]
        assert found, f"no {code} at {path}:{line} with {needles}; have " + str(
            [d.format() for d in b.graph.diagnostics]
        )

    return check


def scc(code: str, members: set[str]) -> Check:
    def check(b: Built) -> None:
        got = [set(d.message.split(": ", 1)[1].split(", ")) for d in b.diags(code)]
        assert members in got, f"{code} {members} not in {got}"

    return check


def no_scc_with(members: set[str]) -> Check:
    def check(b: Built) -> None:
        for d in b.diags("DEC201"):
            assert not members <= set(d.message.split(": ", 1)[1].split(", ")), d.format()

    return check


def only_parent_init_from(src: str) -> Check:
    def check(b: Built) -> None:
        bad = [e for e in b.graph.imports if e.src == src and e.kind != "parent_init"]
        assert not bad, bad
        assert not [e for e in b.graph.external if e.src == src]

    return check


def no_inbound_to_notebooks(b: Built) -> None:
    nbs = {m.name for m in b.graph.modules if m.kind == "notebook"}
    assert nbs
    assert not [e for e in b.graph.imports if e.dst in nbs]
    assert not [
        c for c in b.graph.calls if c.dst.split(":")[0] in nbs and c.src.split(":")[0] not in nbs
    ]
    for n in nbs:
        assert b.node(n).status == "ok"  # magics and shell lines did not cause a parse error
        assert not [d for d in b.graph.diagnostics if d.path == n and d.code == "DEC001"]


def notebooks_off(b: Built) -> None:
    off = build(b.root, case_roots(b.expected), notebooks=False)
    assert not [m for m in off.graph.modules if m.kind == "notebook"]
    assert not [e for e in off.graph.imports if e.src.endswith(".ipynb")]


def parse_errors_are_errors(b: Built) -> None:
    bad = [m for m in b.graph.modules if m.status == "parse_error"]
    assert len(bad) >= 2
    for m in bad:
        d = [d for d in b.diags("DEC001") if d.path == m.path]
        assert d and all(x.severity == "error" for x in d)
    # the good file after the bad ones is still analysed
    assert b.edge("app.ok", "app.util", "import")


def symlink_alias(b: Built) -> None:
    assert ("app.shared.metrics", "shared.metrics") in b.graph.aliases
    assert (b.root / "app" / "shared").is_symlink()
    lines = {m.name: m.lines for m in b.graph.modules}
    # one file, two names: its lines are counted once
    assert lines["shared.metrics"] > 0 and lines["app.shared.metrics"] == 0


def sys_path_hint_without_idiom(b: Built) -> None:
    auto = build(b.root)  # roots detected: the sys.path.insert idiom is recognised
    assert [d for d in auto.diags("DEC014") if d.path == "label_app/server.py"]
    assert auto.graph.alias_roots == ("label_app",)
    server = b.root / "label_app" / "server.py"
    text = server.read_text(encoding="utf-8")
    server.write_text(
        "\n".join("" if "sys.path" in ln else ln for ln in text.splitlines()) + "\n",
        encoding="utf-8",
    )
    plain = build(b.root)
    hints = [d for d in plain.diags("DEC005") if "add source root label_app" in d.message]
    assert {d.path for d in hints} >= {"label_app/server.py", "label_app/projects/models.py"}
    assert not [e for e in plain.graph.external if e.dst.split(".")[0] in ("core", "projects")]
    # and with the root declared, the same canonical edges as with the idiom
    declared = build(b.root, (".", "label_app"))
    for exp in b.expected["modules"]:
        assert declared.edge(exp["src"], exp["dst"], exp["kind"])


def no_duplicate_alias_nodes(b: Built) -> None:
    names = {m.name for m in b.graph.modules}
    assert not [n for n in names if n.split(".")[0] in ("core", "projects")]


def shared_state(b: Built) -> None:
    d = [d for d in b.diags("DEC015") if "app.state:state" in d.message]
    assert d and "written by app.worker" in d[0].message and "app.routes" in d[0].message


def src_layout_zero_edges(b: Built) -> None:
    assert "src" in b.project.roots or "src" in b.expected["roots"]
    flat = build(b.root, (".",))
    assert flat.diags("DEC020"), [d.format() for d in flat.graph.diagnostics]
    assert [d for d in flat.diags("DEC005") if "add source root src" in d.message]


def extension_node(b: Built) -> None:
    assert b.node("app.ops._kernels").kind == "extension"
    assert not [e for e in b.graph.external if "_kernels" in e.dst]
    assert not [d for d in b.diags("DEC005") if "_kernels" in d.message]


def no_private_reexports(b: Built) -> None:
    from decompose.graph import _Resolver

    res = _Resolver(b.graph.facts, {"trainer", "cli"}, [])
    assert res.in_module("trainer", "evaluate", 0) is None
    assert res.in_module("trainer", "_private", 0) is None
    fit = res.in_module("trainer", "fit", 0)
    assert fit is not None and fit.id == "trainer.loop:fit"


def namespace_not_external(b: Built) -> None:
    assert b.node("myorg").kind == "namespace"
    assert not [e for e in b.graph.external if e.dst.startswith("myorg")]
    assert not b.diags("DEC005")


def parent_init_kept_apart(b: Built) -> None:
    assert not b.edge("app.api.report", "app.training", "import")
    g = b.graph.import_graph(kinds=["import"])
    assert not g.has_edge("app.api.report", "app.training")


def dynamic_pattern(b: Built) -> None:
    d = [d for d in b.diags("DEC009") if d.path == "app/registry.py"]
    assert d and "app.loaders.*" in d[0].message and "get_any" in d[0].message
    dyn = [e for e in b.graph.imports if e.src == "app.registry" and e.kind == "dynamic"]
    assert {e.dst for e in dyn} == {"app.loaders.pdf", "app.loaders.html", "app.loaders.csv"}
    csv = b.edge("app.registry", "app.loaders.csv", "dynamic")[0]
    assert csv.confidence == "low"


def orphan_is_node(b: Built) -> None:
    assert b.node("app.orphan") is not None
    assert not [
        e for e in b.graph.imports if "app.orphan" in (e.src, e.dst) and e.kind != "parent_init"
    ]


CHECKS: dict[str, list[Check]] = {
    "relative-parent-import": [no_external_named("config", "ranker")],
    "star-reexport": [no_external_named("trainer"), no_private_reexports],
    "namespace-multi-root": [namespace_not_external],
    "type-checking-guard": [
        no_scc_with({"app.api.routes", "app.retrieval.index"}),
        no_edge("app.serving", "app.models.llm", RUNTIME_KINDS),
    ],
    "parent-init-side-effects": [parent_init_kept_apart],
    "module-none-and-beyond-top": [
        only_parent_init_from("agents.broken"),
        diag("DEC004", "agents/broken.py", 1, "beyond top-level"),
    ],
    "py2-implicit-relative": [
        no_edge("legacy.a", "legacy.b"),
        diag("DEC005", "legacy/a.py", 1, "`b`", "sibling module legacy.b"),
    ],
    "syntax-errors-py2-conflicts": [parse_errors_are_errors],
    "symlinked-packages": [
        diag("DEC006", "app/loop", None, "symlink cycle"),
        symlink_alias,
    ],
    "notebooks": [no_inbound_to_notebooks, notebooks_off],
    "sys-path-nested-root": [no_duplicate_alias_nodes, sys_path_hint_without_idiom],
    "leaf-modules-dropped": [orphan_is_node],
    "cycles-function-imports-determinism": [
        scc("DEC201", {"app.a", "app.b", "app.c"}),
        scc("DEC202", {"app.d", "app.e"}),
    ],
    "module-attr-and-alias-calls": [],
    "same-name-methods-self": [
        no_call("app.models:Embedder.run", "app.models:Tokenizer.encode"),
        no_call("app.models:Tokenizer.run", "app.models:Embedder.encode"),
        no_call_to_prefix("app.other:"),
    ],
    "callbacks-partial-lambda": [],
    "shared-state-attribute-reads": [shared_state],
    "dynamic-imports": [dynamic_pattern],
    "cython-sources": [extension_node],
    "src-layout-not-installed": [src_layout_zero_edges],
}


@pytest.mark.parametrize("case", CASE_NAMES, indirect=True)
def test_case(case: Built) -> None:
    check_general(case)
    check_modules(case)
    check_external(case)
    check_calls(case)
    check_nodes(case)
    slug = case.expected.get("slug", case.root.name)
    assert slug in CHECKS, (
        f"case {slug}: encode its `diagnostics` and `must_not` prose in tests/test_cases.py CHECKS"
    )
    for check in CHECKS[slug]:
        check(case)


AUTO_ROOT_CASES = [
    n
    for n in CASE_NAMES
    if case_roots(json.loads((CASES / n / "expected.json").read_text(encoding="utf-8")))
]


@pytest.mark.parametrize("name", AUTO_ROOT_CASES)
def test_case_detected_roots(name: str, tmp_path: Path) -> None:
    """Cases about source roots also pass when the roots are detected, not declared."""
    b = build(copy_case(name, tmp_path))
    check_general(b)
    check_modules(b)
    check_calls(b)


# --------------------------------------------------------------------------- determinism
_DUMP = r"""
import json, sys
from pathlib import Path
from decompose.cache import FactCache
from decompose.config import Config
from decompose.pipeline import load_graph
for arg in sys.argv[1:]:
    root = Path(arg)
    exp = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    roots = tuple(exp["roots"]) if exp["roots"] != ["."] else ()
    cfg = Config(roots=roots)
    _, g, _ = load_graph(root, cfg, FactCache(root / ".nocache", enabled=False), jobs=1)
    sys.stdout.write(json.dumps(g.to_json(), sort_keys=True) + chr(10))
"""


def test_graph_json_same_bytes_across_hash_seeds(tmp_path: Path) -> None:
    folders = [str(copy_case(name, tmp_path)) for name in CASE_NAMES]
    outs = set()
    for seed in ("0", "1", "random", str(random.randint(2, 2**31))):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run([sys.executable, "-c", _DUMP, *folders], env=env, capture_output=True)
        assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
        outs.add(r.stdout)
    assert len(outs) == 1
    assert next(iter(outs)).count(b"\n") == len(CASE_NAMES)


def test_graph_json_same_across_discovery_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files found in reverse order (and facts handed to the graph reversed) change nothing."""
    import decompose.discover as disc
    import decompose.pipeline as pipe

    root = copy_case("19-cycles-function-imports-determinism", tmp_path)
    copy_case("21-same-name-methods-self", root)
    copy_case("03-star-reexport", root)
    first = json.dumps(build(root).graph.to_json(), sort_keys=True)
    real_walk = disc._Walker.walk
    real_build = pipe.build_graph

    def walk_reversed(self: Any) -> None:
        real_walk(self)
        self.files.reverse()
        self.dirs.reverse()

    monkeypatch.setattr(disc._Walker, "walk", walk_reversed)
    monkeypatch.setattr(
        pipe, "build_graph", lambda facts, *a, **k: real_build(list(reversed(facts)), *a, **k)
    )
    second = json.dumps(build(root).graph.to_json(), sort_keys=True)
    assert first == second
