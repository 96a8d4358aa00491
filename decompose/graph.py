"""Build the program graph (module import graph + function call graph) from per-file facts.

This is where cross-file questions are answered: whether ``a.b`` names a module, which file
defines a name that a package re-exports (explicitly or through ``from .x import *`` with or
without ``__all__``), which method ``self.encode()`` binds to (the enclosing class, then its bases
in a left-to-right depth-first approximation of the MRO), and what a receiver's type is when it
comes from a constructor or an annotation.

The :class:`ProgramGraph` holds sorted tuples of edges; networkx views are built on demand and
never hold data of their own.
"""

from __future__ import annotations

import keyword
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from decompose.discover import EntryPoint
from decompose.model import (
    CallEdge,
    Definition,
    Diagnostic,
    FileFacts,
    ModuleEdge,
    ModuleNode,
    Reference,
)

if TYPE_CHECKING:
    import networkx as nx

# Import kinds that execute when the importing module runs.
RUNTIME_KINDS = frozenset({"import", "optional", "fallback", "guarded", "dynamic"})
_MAX_DEPTH = 24


@dataclass(frozen=True, slots=True)
class Symbol:
    """A resolved name: ``module`` and ``qualname`` ("" for the module itself) and its kind
    (``module``, ``class``, ``function``, ``method``, ``variable``)."""

    module: str
    qualname: str
    kind: str
    definition: Definition | None = None
    # ``module:qualname`` (or ``module``), computed once: member lookups read it millions of
    # times on a large project (not part of equality or the hash: a function of the above)
    id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "id", f"{self.module}:{self.qualname}" if self.qualname else self.module
        )


_EXTERNAL = Symbol("", "", "external")


@dataclass(frozen=True, slots=True, order=True)
class EntryEdge:
    """An ``entry_point`` edge: packaging metadata (``src``: a ``pyproject.toml``, ``setup.cfg``,
    ``setup.py`` or a ``*.dist-info`` / ``*.egg-info`` ``entry_points.txt``) declares an entry
    point into first-party module ``dst``.

    Attributes:
        line: line of the declaration in ``src``.
        group: ``console_scripts``, ``gui_scripts`` or a plugin group.
        name: the entry point's name.
        target: ``module:object`` as declared.
        dst_id: ``module:qualname`` of the object when it resolves, else ``""``.
    """

    src: str
    dst: str
    line: int
    group: str
    name: str
    target: str
    dst_id: str = ""


@dataclass(frozen=True, slots=True)
class ProgramGraph:
    """The program graph. Every tuple is sorted.

    Attributes:
        modules: first-party module nodes.
        imports: first-party module edges.
        external: edges to stdlib and third-party modules.
        calls: call-graph edges between ``module:qualname`` ids.
        diagnostics: graph-level diagnostics (unresolved imports, cycles, shared state...) plus
            every file's diagnostics.
        call_sites: number of call sites seen.
        resolved_calls: call sites whose callee was named (first-party definition, stdlib,
            third-party or builtin).
        facts: per-module facts, by module name.
        alias_roots: folders treated as added to ``sys.path``.
        aliases: ``(module, canonical)`` for one file reached under two names.
    """

    modules: tuple[ModuleNode, ...]
    imports: tuple[ModuleEdge, ...]
    external: tuple[ModuleEdge, ...]
    calls: tuple[CallEdge, ...]
    diagnostics: tuple[Diagnostic, ...]
    call_sites: int
    resolved_calls: int
    facts: dict[str, FileFacts]
    alias_roots: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    entry_points: tuple[EntryEdge, ...] = ()

    @property
    def resolution_rate(self) -> float:
        """Resolved call sites / all call sites, in [0, 1] (1.0 when there is no call)."""
        return self.resolved_calls / self.call_sites if self.call_sites else 1.0

    def module_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.modules)

    def import_graph(self, kinds: Iterable[str] | None = None) -> nx.DiGraph:
        """Directed module graph (networkx ``DiGraph``); edge attribute ``weight`` sums the
        weights of the selected kinds (all kinds when ``None``); ``kinds`` lists them."""
        import networkx as nx

        wanted = set(kinds) if kinds is not None else None
        g = nx.DiGraph()
        g.add_nodes_from(m.name for m in self.modules)
        for e in self.imports:
            if wanted is not None and e.kind not in wanted:
                continue
            if g.has_edge(e.src, e.dst):
                g[e.src][e.dst]["weight"] += e.weight
                g[e.src][e.dst]["kinds"].add(e.kind)
            else:
                g.add_edge(e.src, e.dst, weight=e.weight, kinds={e.kind})
        return g

    def call_graph(self) -> nx.DiGraph:
        """Directed call graph between ``module:qualname`` ids; ``count`` and ``kinds`` attrs."""
        import networkx as nx

        g = nx.DiGraph()
        for e in self.calls:
            if g.has_edge(e.src, e.dst):
                g[e.src][e.dst]["count"] += e.count
                g[e.src][e.dst]["kinds"].add(e.kind)
            else:
                g.add_edge(e.src, e.dst, count=e.count, kinds={e.kind})
        return g

    def to_json(self) -> dict[str, Any]:
        """The ``graph.json`` document (schema in docs/schema.md), JSON-ready and sorted."""
        return {
            "schema": "decompose.graph/1",
            "modules": [
                {
                    "name": m.name,
                    "path": m.path,
                    "kind": m.kind,
                    "status": m.status,
                    "lines": m.lines,
                }
                for m in self.modules
            ],
            "imports": [_edge_json(e) for e in self.imports],
            "external": [_edge_json(e) for e in self.external],
            "calls": [
                {"src": c.src, "dst": c.dst, "kind": c.kind, "line": c.line, "count": c.count}
                for c in self.calls
            ],
            "diagnostics": [
                {
                    "path": d.path,
                    "line": d.line,
                    "column": d.column + 1,
                    "code": d.code,
                    "message": d.message,
                    "severity": d.severity,
                }
                for d in self.diagnostics
            ],
            "aliases": [{"module": a, "canonical": b} for a, b in self.aliases],
            "entry_points": [
                {
                    "src": e.src,
                    "dst": e.dst,
                    "kind": "entry_point",
                    "line": e.line,
                    "group": e.group,
                    "name": e.name,
                    "target": e.target,
                    "object": e.dst_id,
                }
                for e in self.entry_points
            ],
            "stats": {
                "modules": len(self.modules),
                "import_edges": len(self.imports),
                "external_edges": len(self.external),
                "call_edges": len(self.calls),
                "call_sites": self.call_sites,
                "resolved_call_sites": self.resolved_calls,
                "resolution_rate": round(self.resolution_rate, 4),
            },
        }


def _edge_json(e: ModuleEdge) -> dict[str, Any]:
    return {
        "src": e.src,
        "dst": e.dst,
        "kind": e.kind,
        "line": e.line,
        "weight": e.weight,
        "scope": e.scope,
        "confidence": e.confidence,
    }


class _Resolver:
    """Resolves dotted references against all modules' definitions and bindings."""

    def __init__(
        self,
        facts: dict[str, FileFacts],
        first_party: set[str],
        alias_prefixes: list[str],
        alias_blocked: frozenset[str] = frozenset(),
    ) -> None:
        self.facts = facts
        self.first_party = first_party
        self.dotted_first_party = sorted(p for p in first_party if "." in p)
        self.alias_prefixes = alias_prefixes
        # ``prefix.top`` modules not reachable as ``top``: an external package of that name wins
        self.alias_blocked = alias_blocked
        self.defs: dict[str, dict[str, Definition]] = {}
        self.bindings: dict[str, dict[str, str]] = {}
        self.stars: dict[str, list[str]] = {}
        for name, f in facts.items():
            self.defs[name] = {d.qualname: d for d in f.definitions}
            b: dict[str, str] = {}
            stars: list[str] = []
            for imp in f.imports:
                if imp.scope != "module" or imp.error or imp.kind == "dynamic":
                    continue
                if imp.name == "*":
                    stars.append(imp.module)
                elif imp.name is None:
                    if imp.alias:
                        b[imp.alias] = imp.module
                    else:
                        top = imp.module.split(".")[0]
                        b.setdefault(top, top)
                else:
                    b[imp.alias or imp.name] = f"{imp.module}.{imp.name}"
            self.bindings[name] = b
            self.stars[name] = stars
        self.cache: dict[str, Symbol | None] = {}
        # Performance memos (pure functions of the facts, so behaviour-preserving):
        # method id -> ids of its overrides reached by dispatch, one per subclass path;
        # a top-level name -> (first module, index) where it appears below the top level.
        self.dispatch: dict[str, list[str]] = {}
        # dotted -> (symbol, depth): resolve() at any depth <= that depth gives this symbol
        # (recorded when no lookup below it hit _MAX_DEPTH); depth_cuts counts those hits.
        self.clean: dict[str, tuple[Symbol | None, int]] = {}
        self.depth_cuts = 0
        self._members: dict[tuple[str, str, bool], tuple[Symbol | None, int, frozenset[str]]] = {}
        self._ancestors: dict[str, frozenset[str]] = {}
        self._nested_tops: dict[str, tuple[str, int]] | None = None
        self.script_dirs: dict[str, str] = {}  # module -> _script_dir() of it

    def nested_top(self, top: str) -> tuple[str, int] | None:
        """The first module (in sorted order) with ``top`` as a non-first part of its dotted name,
        and the index of that part; built once in O(total parts)."""
        if self._nested_tops is None:
            index: dict[str, tuple[str, int]] = {}
            for mod in self.facts:
                parts = mod.split(".")
                for i in range(1, len(parts)):
                    index.setdefault(parts[i], (mod, i))
            self._nested_tops = index
        return self._nested_tops.get(top)

    def module(self, dotted: str) -> str | None:
        """Canonical first-party module for a dotted module name, or None."""
        if dotted in self.facts:
            return dotted
        top = dotted.split(".")[0]
        if top not in self.first_party:
            for prefix in self.alias_prefixes:
                cand = f"{prefix}.{dotted}"
                if cand in self.facts and f"{prefix}.{top}" not in self.alias_blocked:
                    return cand
        return None

    def is_first_party(self, dotted: str) -> bool:
        top = dotted.split(".")[0]
        if top in self.first_party:
            return True
        if self.dotted_first_party and any(
            dotted == p or dotted.startswith(p + ".") for p in self.dotted_first_party
        ):
            return True  # the analyzed folder is the package ``a.b`` inside package ``a``
        return any(
            f"{p}.{top}" in self.facts and f"{p}.{top}" not in self.alias_blocked
            for p in self.alias_prefixes
        )

    def resolve(self, dotted: str, depth: int = 0) -> Symbol | None:
        """Resolve a dotted reference; ``_EXTERNAL`` for stdlib/third-party, None when it looks
        first-party but names nothing."""
        if depth > _MAX_DEPTH:
            self.depth_cuts += 1
            return None
        clean = self.clean.get(dotted)
        if clean is not None and depth <= clean[1]:
            return clean[0]
        if depth == 0 and dotted in self.cache:
            return self.cache[dotted]
        cuts = self.depth_cuts
        result = self._resolve(dotted, depth)
        if self.depth_cuts == cuts and (clean is None or clean[1] < depth):
            # No lookup below hit the depth limit, so starting shallower gives the same answer.
            self.clean[dotted] = (result, depth)
        if depth == 0:
            self.cache[dotted] = result
        return result

    def _resolve(self, dotted: str, depth: int) -> Symbol | None:
        segs = dotted.split(".")
        if not segs or not segs[0] or segs[0].endswith("()"):
            return None
        limit = 0
        while limit < len(segs) and not segs[limit].endswith("()"):
            limit += 1
        for i in range(min(limit, len(segs)), 0, -1):
            mod = self.module(".".join(segs[:i]))
            if mod is not None:
                sym: Symbol | None = Symbol(mod, "", "module")
                if limit < len(segs) and i == limit:
                    pass
                rest = segs[i:]
                if limit == i and limit < len(segs):
                    # "mod.X()" cannot happen at a module prefix boundary; handled below
                    pass
                return self._walk(sym, rest, depth)
        if not self.is_first_party(segs[0]):
            return _EXTERNAL
        return None

    def _walk(self, sym: Symbol | None, rest: list[str], depth: int) -> Symbol | None:
        above = False  # after "<super>": look the next name up in the bases only
        for seg in rest:
            if sym is None:
                return None
            if seg == "<super>":
                if sym is _EXTERNAL or sym.kind != "class":
                    return None
                above = True
                continue
            instance = seg.endswith("()")
            name = seg[:-2] if instance else seg
            if above:
                above = False
                sym = self.member(sym, name, depth + 1, own=False)
                if instance and sym is not None:
                    sym = self.instance_of(sym, depth + 1)
                continue
            if sym.kind == "variable":
                d = sym.definition
                if d is not None and d.returns:
                    cls = self.resolve(d.returns, depth + 1)
                    if cls is not None and cls.kind == "class":
                        member = self.member(cls, name, depth + 1)
                        if member is not None and member.kind in ("method", "function"):
                            sym = member
                            if instance:
                                sym = self.instance_of(sym, depth + 1)
                            continue
                return sym
            if sym is _EXTERNAL:
                return _EXTERNAL
            if sym.kind == "module":
                sym = self.in_module(sym.module, name, depth + 1)
            elif sym.kind == "class":
                sym = self.member(sym, name, depth + 1)
            elif sym.kind in ("function", "method"):
                return None
            if instance and sym is not None:
                sym = self.instance_of(sym, depth + 1)
        return sym

    def instance_of(self, sym: Symbol, depth: int) -> Symbol | None:
        """The class of ``sym()``: the class itself, or a function's annotated return type."""
        if sym is _EXTERNAL or sym.kind == "class":
            return sym
        d = sym.definition
        if sym.kind in ("function", "method") and d is not None and d.returns:
            cls = self.resolve(d.returns, depth + 1)
            if cls is not None and cls.kind == "class":
                return cls
            return _EXTERNAL if cls is _EXTERNAL else None
        return None

    def in_module(
        self, module: str, name: str, depth: int, seen: frozenset[str] = frozenset()
    ) -> Symbol | None:
        if depth > _MAX_DEPTH or module in seen:
            self.depth_cuts += depth > _MAX_DEPTH
            return None
        d = self.defs.get(module, {}).get(name)
        if d is not None:
            return Symbol(module, name, d.kind, d)
        sub = f"{module}.{name}"
        if sub in self.facts:
            return Symbol(sub, "", "module")
        target = self.bindings.get(module, {}).get(name)
        if target is not None and target != f"{module}.{name}":
            return self.resolve(target, depth + 1)
        for star in self.stars.get(module, []):
            smod = self.module(star)
            if smod is None:
                continue
            allowed = self.facts[smod].all_names
            if allowed is not None and name not in allowed:
                continue
            if allowed is None and name.startswith("_"):
                continue
            found = self.in_module(smod, name, depth + 1, seen | {module})
            if found is not None:
                return found
        return None

    def ancestors(self, cls: Symbol) -> frozenset[str]:
        """Ids of ``cls`` and every class reachable through its bases (resolved as
        :meth:`member` resolves them): every class a member lookup on ``cls`` can visit."""
        found = self._ancestors.get(cls.id)
        if found is None:
            out = {cls.id}
            stack = [cls]
            while stack:
                c = stack.pop()
                for base in c.definition.bases if c.definition is not None else ():
                    b = self.resolve(base, 0)
                    if (
                        b is not None
                        and b is not _EXTERNAL
                        and b.kind == "class"
                        and (b.id not in out)
                    ):
                        out.add(b.id)
                        stack.append(b)
            found = self._ancestors[cls.id] = frozenset(out)
        return found

    def member(
        self,
        cls: Symbol,
        name: str,
        depth: int,
        seen: frozenset[str] = frozenset(),
        own: bool = True,
    ) -> Symbol | None:
        """Look ``name`` up on class ``cls`` (unless ``own`` is False, as for ``super()``) and
        then its bases, depth-first left to right.

        Memoized per ``(class, name, own)``: a lookup that hit neither the depth limit nor a
        class in ``seen`` is the same from any shallower depth and any ``seen`` disjoint from
        the class's ancestors (dispatch asks it once per subclass of a receiver class)."""
        if cls is _EXTERNAL:
            return _EXTERNAL
        if depth > _MAX_DEPTH or cls.id in seen:
            self.depth_cuts += depth > _MAX_DEPTH
            return None
        key = (cls.id, name, own)
        memo = self._members.get(key)
        if memo is not None and depth <= memo[1] and (not seen or seen.isdisjoint(memo[2])):
            return memo[0]
        cuts = self.depth_cuts
        result = self._member(cls, name, depth, seen, own)
        if self.depth_cuts == cuts and (memo is None or memo[1] < depth):
            anc = self.ancestors(cls)
            if self.depth_cuts == cuts and (not seen or seen.isdisjoint(anc)):
                self._members[key] = (result, depth, anc)
        return result

    def _member(
        self,
        cls: Symbol,
        name: str,
        depth: int,
        seen: frozenset[str] = frozenset(),
        own: bool = True,
    ) -> Symbol | None:
        if cls is _EXTERNAL:
            return _EXTERNAL
        if depth > _MAX_DEPTH or cls.id in seen:
            self.depth_cuts += depth > _MAX_DEPTH
            return None
        qual = f"{cls.qualname}.{name}"
        d = self.defs.get(cls.module, {}).get(qual) if own else None
        if d is not None:
            return Symbol(cls.module, qual, d.kind, d)
        bases = cls.definition.bases if cls.definition is not None else ()
        external_base = False
        below: frozenset[str] | None = None  # seen | {cls.id}, made once
        for base in bases:
            bsym = self.resolve(base, depth + 1)
            if bsym is _EXTERNAL:
                external_base = True
                continue
            if bsym is None or bsym.kind != "class":
                continue
            if below is None:
                below = seen | {cls.id}
            found = self.member(bsym, name, depth + 1, below)
            if found is not None:
                return found
        return _EXTERNAL if external_base else None


def build_graph(
    facts: Iterable[FileFacts],
    first_party: Iterable[str] = (),
    alias_roots: Iterable[str] = (),
    aliases: Iterable[tuple[str, str]] = (),
    extra_diagnostics: Iterable[Diagnostic] = (),
    entry_points: Iterable[EntryPoint] = (),
) -> ProgramGraph:
    """Build the module import graph and the call graph.

    Args:
        facts: one FileFacts per module (any order; the result is sorted).
        first_party: top-level first-party names (default: from the facts' module names); a
            dotted name (``lightrag.api``) is an analyzed package inside an outer package that
            is not analyzed: the outer package gets no node and its other modules are external.
        alias_roots: package folders added to ``sys.path`` (POSIX paths, e.g. ``label_app``).
        aliases: ``(module, canonical)`` pairs for one file reached under two names.
        extra_diagnostics: discovery diagnostics to carry into the graph's list.
        entry_points: entry points from packaging metadata (become ``entry_point`` edges).

    Returns:
        A :class:`ProgramGraph`. Never raises on odd input: problems become diagnostics.
    """
    by_module: dict[str, FileFacts] = {}
    for f in facts:
        by_module[f.source.module] = f
    facts_map = dict(sorted(by_module.items()))
    fp = set(first_party) or {
        m.split(".")[0] for m, f in facts_map.items() if f.source.kind != "notebook"
    }
    diags: list[Diagnostic] = list(extra_diagnostics)
    for f in facts_map.values():
        diags.extend(f.diagnostics)

    # Alias roots: explicit ones plus project folders that code provably puts on sys.path.
    prefixes: set[str] = {folder.replace("/", ".") for folder in alias_roots}
    on_sys_path = _sys_path_prefixes(facts_map, prefixes, diags)
    prefixes |= on_sys_path
    blocked = _alias_blocked(facts_map, fp, on_sys_path)
    res = _Resolver(facts_map, fp, sorted(prefixes), blocked)

    # ---- nodes (+ namespace packages that have no file)
    nodes: dict[str, ModuleNode] = {}
    real_lines: dict[str, int] = {}
    alias_of = dict(aliases)
    for m, f in facts_map.items():
        lines = 0 if m in alias_of else f.lines
        nodes[m] = ModuleNode(m, f.source.relpath, f.source.kind, f.status, lines)
        real_lines[m] = lines
    for m, f in facts_map.items():
        if f.source.kind == "notebook":
            continue
        parts = m.split(".")
        # the folder (or path without suffix) that stands for ``m`` itself
        base = (
            f.source.relpath.rpartition("/")[0]
            if f.source.is_package
            else (f.source.relpath.rpartition(".")[0])
        )
        for i in range(1, len(parts)):
            pkg = ".".join(parts[:i])
            if pkg not in nodes and not any(
                p.startswith(pkg + ".") for p in res.dotted_first_party
            ):
                path = base.rsplit("/", len(parts) - i)[0]
                nodes[pkg] = ModuleNode(pkg, path, "namespace", "ok", 0)

    # ---- module edges
    edges: dict[tuple[str, str, str], list[Any]] = {}
    ext: dict[tuple[str, str, str], list[Any]] = {}

    def add(
        store: dict[tuple[str, str, str], list[Any]],
        src: str,
        dst: str,
        kind: str,
        line: int,
        scope: str,
        confidence: str,
    ) -> None:
        key = (src, dst, kind)
        cur = store.get(key)
        if cur is None:
            store[key] = [line, 1, scope, confidence]
        else:
            cur[0] = min(cur[0], line)
            cur[1] += 1
            if scope == "module":
                cur[2] = "module"
            if confidence == "high":
                cur[3] = "high"

    unresolved_imports: list[tuple[FileFacts, int, int, str]] = []
    hinted: list[FileFacts] = []  # unresolved imports that look first-party (DEC005 with a hint)
    for m, f in facts_map.items():
        sdir = _script_dir(m, f, res)
        for imp in f.imports:
            if imp.error or not imp.module:
                continue
            base = imp.module
            if sdir and imp.level == 0 and res.module(f"{sdir}.{base.split('.')[0]}"):
                base = f"{sdir}.{base}"  # a script's own folder is sys.path[0]
            if base.endswith(".__init__") and res.module(base[: -len(".__init__")]):
                base = base[: -len(".__init__")]  # `from pkg.__init__ import x` names pkg's file
            if imp.name is None or imp.name == "*":
                target = base
            else:
                sub = f"{base}.{imp.name}"
                target = sub if res.module(sub) is not None else base
            canon = res.module(target)
            if canon is None and target in nodes and nodes[target].kind == "namespace":
                canon = target  # a namespace package: a node without a file, not "unresolved"
            kind = imp.kind
            if canon is None and res.is_first_party(target):
                # A first-party name that is not a module: the longest existing prefix.
                parts = target.split(".")
                for i in range(len(parts) - 1, 0, -1):
                    c = res.module(".".join(parts[:i]))
                    if c is not None:
                        canon = c
                        break
                # The statement names a module that does not exist (`import a.b.missing`,
                # `from a.missing import x`): say so, even when a package prefix exists.
                if canon is None or imp.kind != "dynamic":
                    unresolved_imports.append((f, imp.line, imp.column, target))
                    if canon is None:
                        continue
            if canon is None:
                if imp.kind == "dynamic":
                    continue  # a string that names nothing here is not evidence of a dependency
                hint = _unresolved_hint(m, f, target, res)
                if hint:
                    diags.append(
                        Diagnostic(
                            f.source.relpath,
                            imp.line,
                            imp.column,
                            "DEC005",
                            f"unresolved import `{target}` - hint: {hint}",
                            "warning",
                        )
                    )
                    hinted.append(f)
                    continue
                add(ext, m, target, kind, imp.line, imp.scope, imp.confidence)
                continue
            if canon == m:
                continue
            dst_node = nodes.get(canon)
            if dst_node is not None and dst_node.kind == "stub" and kind == "import":
                kind = "stub_only"
            add(edges, m, canon, kind, imp.line, imp.scope, imp.confidence)
            # Names handed on by a package __init__: attribute them to their defining module.
            if imp.name is not None and imp.name != "*" and canon == res.module(base):
                sym = res.in_module(canon, imp.name, 0)
                if sym is not None and sym is not _EXTERNAL and sym.module not in (canon, m):
                    add(edges, m, sym.module, "reexport", imp.line, imp.scope, imp.confidence)
    for f, line, col, target in unresolved_imports:
        diags.append(
            Diagnostic(
                f.source.relpath,
                line,
                col,
                "DEC005",
                f"unresolved import `{target}`: no such first-party module",
                "warning",
            )
        )

    # parent_init: importing a.b.c runs a/__init__.py and a/b/__init__.py; so does being a.b.c.
    runtime_targets: dict[str, set[str]] = defaultdict(set)
    for src, dst, kind in edges:
        if kind in RUNTIME_KINDS:
            runtime_targets[src].add(dst)
    for m, f in facts_map.items():
        if f.source.kind == "notebook":
            continue
        direct = runtime_targets.get(m, set())
        parents: set[str] = set()
        for t in [m, *direct]:
            parts = t.split(".")
            for i in range(1, len(parts)):
                pkg = ".".join(parts[:i])
                node = nodes.get(pkg)
                if node is not None and node.kind == "package" and pkg != m:
                    parents.add(pkg)
        for pkg in sorted(parents - direct):
            add(edges, m, pkg, "parent_init", 0, "module", "high")

    # ---- entry points declared in packaging metadata
    entry_edges: list[EntryEdge] = []
    for ep in entry_points:
        mod, _, obj = ep.target.partition(":")
        mod, obj = mod.strip(), obj.strip()
        canon = res.module(mod)
        if canon is None:
            if mod and res.is_first_party(mod):
                diags.append(
                    Diagnostic(
                        ep.path,
                        ep.line,
                        0,
                        "DEC016",
                        f"entry point {ep.name} = {ep.target}: no first-party module {mod}",
                        "warning",
                    )
                )
            continue
        dst_id = ""
        if obj:
            sym = res.resolve(f"{mod}.{obj}")
            if sym is not None and sym is not _EXTERNAL and sym.kind != "module":
                dst_id = sym.id
            elif sym is None:
                diags.append(
                    Diagnostic(
                        ep.path,
                        ep.line,
                        0,
                        "DEC016",
                        f"entry point {ep.name} = {ep.target}: {obj} is not defined in {canon}",
                        "warning",
                    )
                )
        entry_edges.append(EntryEdge(ep.path, canon, ep.line, ep.group, ep.name, ep.target, dst_id))

    # ---- call graph
    calls: dict[tuple[str, str, str], list[int]] = {}
    call_sites = 0
    resolved = 0
    subclasses: dict[str, list[Symbol]] = defaultdict(list)
    class_syms: dict[str, Symbol] = {}
    for m, f in facts_map.items():
        for d in f.definitions:
            if d.kind == "class":
                class_syms[f"{m}:{d.qualname}"] = Symbol(m, d.qualname, "class", d)
    for _cid, csym in sorted(class_syms.items()):
        for base in csym.definition.bases if csym.definition else ():
            b = res.resolve(base)
            if b is not None and b is not _EXTERNAL and b.kind == "class":
                subclasses[b.id].append(csym)

    def add_call(src: str, dst: str, kind: str, line: int) -> None:
        key = (src, dst, kind)
        cur = calls.get(key)
        if cur is None:
            calls[key] = [line, 1]
        else:
            cur[0] = min(cur[0], line)
            cur[1] += 1

    state_access: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    # Task-queue tasks by registered name (Celery's default is module.function).
    tasks: dict[str, str] = {}
    for m, f in facts_map.items():
        for r in f.references:
            if r.hint == "task_def":
                tasks.setdefault(r.target, f"{m}:{r.src}")
    for m, f in facts_map.items():
        call_sites += f.call_sites
        resolved += f.call_sites - f.unresolved_calls
        for r in f.references:
            if r.hint in ("task_def", "task_name"):
                tid = tasks.get(r.target) if r.hint == "task_name" else None
                if tid is not None:
                    add_call(f"{m}:{r.src}", tid, "ref", r.line)
                    tmod = tid.partition(":")[0]
                    if tmod != m:
                        add(edges, m, tmod, "string_ref", r.line, "module", "low")
                continue
            _reference(m, r, res, add_call, add, edges, subclasses, state_access, facts_map)
            if r.hint in ("call", "inferred"):
                sym = res.resolve(r.target)
                if sym is None:
                    resolved -= 1

    # Shared mutable state written and read by different modules.
    for vid, access in sorted(state_access.items()):
        writers = sorted(access.get("writes", set()))
        readers = sorted(access.get("reads", set()) - set(writers))
        vmod, _, vname = vid.partition(":")
        others = set(writers) | set(readers)
        others.discard(vmod)
        if writers and len(others) >= 2 and readers:
            vdef = res.defs.get(vmod, {}).get(vname)
            if vdef is not None and (vdef.mutable or vdef.returns):
                diags.append(
                    Diagnostic(
                        facts_map[vmod].source.relpath,
                        vdef.line,
                        0,
                        "DEC015",
                        f"mutable module-level object {vid} is written by {', '.join(writers)} and "
                        f"read by {', '.join(readers)}: shared state if they land in different "
                        "services",
                        "info",
                    )
                )

    # Sorted by key: the keys (src, dst, kind) are unique and are the edges' first fields, so
    # this is the dataclasses' order without 240k generated __lt__ calls on transformers.
    import_edges = tuple(
        ModuleEdge(s, d, k, v[0], v[1], v[2], v[3]) for (s, d, k), v in sorted(edges.items())
    )
    external_edges = tuple(
        ModuleEdge(s, d, k, v[0], v[1], v[2], v[3]) for (s, d, k), v in sorted(ext.items())
    )
    call_edges = tuple(CallEdge(s, d, k, v[0], v[1]) for (s, d, k), v in sorted(calls.items()))

    diags.extend(_cycle_diagnostics(import_edges, facts_map))
    n_py = sum(1 for f in facts_map.values() if f.source.kind != "notebook")
    if (
        n_py > 1
        and not any(e.kind in RUNTIME_KINDS for e in import_edges)
        and (unresolved_imports or hinted)
    ):
        f0 = min([u[0] for u in unresolved_imports] + hinted, key=lambda x: x.source.relpath)
        diags.append(
            Diagnostic(
                f0.source.relpath,
                1,
                0,
                "DEC020",
                "no first-party import edge was found although modules import "
                "first-party-looking names: check the source roots",
                "error",
            )
        )
    return ProgramGraph(
        modules=tuple(sorted(nodes.values())),
        imports=import_edges,
        external=external_edges,
        calls=call_edges,
        diagnostics=tuple(sorted(set(diags))),
        call_sites=call_sites,
        resolved_calls=max(resolved, 0),
        facts=facts_map,
        alias_roots=tuple(sorted(prefixes)),
        aliases=tuple(sorted(aliases)),
        entry_points=tuple(sorted(entry_edges)),
    )


def _reference(
    m: str,
    r: Reference,
    res: _Resolver,
    add_call: Any,
    add_edge: Any,
    edges: dict[tuple[str, str, str], list[Any]],
    subclasses: dict[str, list[Symbol]],
    state_access: dict[str, dict[str, set[str]]],
    facts_map: dict[str, FileFacts],
) -> None:
    src = f"{m}:{r.src}"
    hint = r.hint
    if hint == "string":
        target = r.target
        canon = res.module(target) if res.is_first_party(target) else None
        if canon is None and res.is_first_party(target):
            sym = res.resolve(target)
            if sym is not None and sym is not _EXTERNAL and sym.kind != "variable":
                canon = sym.module
        if canon is not None and canon != m and not canon.startswith(m + "."):
            add_edge(edges, m, canon, "string_ref", r.line, "module", "low")
        return
    if hint == "django_model":
        label, _, model = r.target.rpartition(".")
        for cand in (f"{label}.models", label):
            for mod in sorted(facts_map):
                if mod == cand or mod.endswith("." + cand):
                    sym = res.in_module(mod, model, 0)
                    if sym is not None and sym is not _EXTERNAL and sym.kind == "class":
                        if sym.module != m:
                            add_edge(edges, m, sym.module, "string_ref", r.line, "module", "low")
                        add_call(src, sym.id, "ref", r.line)
                        return
        return
    sym = res.resolve(r.target)
    if sym is _EXTERNAL:
        sdir = res.script_dirs.get(m)
        if sdir is None:
            sdir = res.script_dirs[m] = _script_dir(m, facts_map[m], res)
        if sdir and res.module(f"{sdir}.{r.target.split('.')[0]}"):
            sym = res.resolve(f"{sdir}.{r.target}")
    if sym is None or sym is _EXTERNAL or sym.kind == "module":
        return
    kind: str | None = None
    if hint in ("call", "inferred"):
        kind = "reads" if sym.kind == "variable" else hint
    elif hint == "load":
        if sym.kind == "variable":
            kind = "reads"
        elif sym.definition is not None and any(
            dd.split(".")[-1] in ("property", "cached_property") for dd in sym.definition.decorators
        ):
            kind = "call"
        else:
            kind = "ref"
    elif hint == "store":
        kind = "writes" if sym.kind == "variable" else None
    elif hint == "decorates":
        kind = "decorates" if sym.kind in ("function", "class", "method") else None
    elif hint == "inherits":
        kind = "inherits" if sym.kind == "class" else None
    if kind is None:
        return
    add_call(src, sym.id, kind, r.line)
    if kind in ("reads", "writes"):
        state_access[sym.id][kind].add(m)
    # dispatch: self.m() may reach overrides in subclasses of the receiver's class.
    if hint == "call" and "()" in r.target and sym.kind == "method" and ("<super>" not in r.target):
        overrides = res.dispatch.get(sym.id)
        if overrides is None:  # computed once per method, not once per call site
            overrides = []
            cls_qual, _, meth = sym.qualname.rpartition(".")
            todo = list(subclasses.get(f"{sym.module}:{cls_qual}", []))
            seen: set[str] = set()
            while todo:
                sub = todo.pop()
                if sub.id in seen:
                    continue
                seen.add(sub.id)
                # what `meth` means on an instance of the subclass (its MRO, which may put a
                # mixin's method before the receiver class's own)
                over = res.member(sub, meth, 0)
                if over is not None and over is not _EXTERNAL and over.id != sym.id:
                    overrides.append(over.id)
                todo.extend(subclasses.get(sub.id, []))
            res.dispatch[sym.id] = overrides
        for over_id in overrides:
            add_call(src, over_id, "dispatch", r.line)


def _sys_path_prefixes(
    facts: dict[str, FileFacts], known: set[str], diags: list[Diagnostic]
) -> set[str]:
    """Dotted prefixes of project folders that code provably puts on ``sys.path``
    (``FileFacts.sys_path_dirs``: ``os.path.dirname(__file__)``, ``Path(__file__).parents[1]``,
    literals...): modules under such a folder are also importable without its prefix.

    A folder counts when it lies inside the file's source root (the root itself adds nothing)
    and holds modules. Appends one DEC014 info to ``diags`` per new prefix, at the first file
    (in module order) that adds it. Folders computed at run time never get here: the parser
    reports them (DEC014, "not analysed") and no alias is assumed.

    Args:
        facts: the files by module name, sorted.
        known: prefixes already declared (``alias_roots``); they get no diagnostic.
        diags: the diagnostics list to extend.

    Returns:
        The new prefixes (``known`` excluded).
    """
    folders: set[str] = set()
    for m in facts:
        parts = m.split(".")
        folders.update(".".join(parts[:i]) for i in range(1, len(parts)))
    out: set[str] = set()
    for f in facts.values():
        if f.source.kind == "notebook":
            continue
        root = f.source.root.strip("/")
        for line, folder in f.sys_path_dirs:
            if root in ("", "."):
                rel = folder
            elif folder.startswith(root + "/"):
                rel = folder[len(root) + 1 :]
            else:
                continue  # the source root itself, or outside it: no new name
            pkg = rel.replace("/", ".")
            if not pkg or pkg not in folders or pkg in known or pkg in out:
                continue
            out.add(pkg)
            diags.append(
                Diagnostic(
                    f.source.relpath,
                    line,
                    0,
                    "DEC014",
                    f"this file adds the folder {folder}/ to sys.path: modules under {pkg} are "
                    f"also importable without the '{pkg}.' prefix (treated as aliases)",
                    "info",
                )
            )
    return out


def _alias_blocked(
    facts: dict[str, FileFacts], first_party: set[str], prefixes: set[str]
) -> frozenset[str]:
    """Modules ``prefix.top`` under a folder put on ``sys.path`` that must NOT be reached as
    ``top``, because ``top`` is evidently an external package of the same name:

    - ``top`` is a distribution the built-in tables know (:data:`decompose.footprint.SAME_NAME`,
      :data:`decompose.footprint.DISTRIBUTIONS`), so the name is read as that library;
    - the module itself imports ``top`` absolutely (``lnbits/bolt11.py`` doing
      ``from bolt11 import decode`` wraps the library; it would import itself otherwise);
    - it is a plain module, yet some file imports a submodule ``top.x`` of it.

    Args:
        facts: the files by module name.
        first_party: top-level first-party names (never aliased anyway).
        prefixes: dotted folders put on ``sys.path`` by the code (declared roots excluded: the
            user said so).

    Returns:
        The blocked ``prefix.top`` module names.
    """
    if not prefixes:
        return frozenset()
    from decompose.footprint import DISTRIBUTIONS, SAME_NAME

    candidates: dict[str, list[str]] = defaultdict(list)  # top -> its prefix.top modules
    for prefix in prefixes:
        for m in facts:
            if m.startswith(prefix + "."):
                top = m[len(prefix) + 1 :].split(".")[0]
                cand = f"{prefix}.{top}"
                if top not in first_party and cand in facts and cand not in candidates[top]:
                    candidates[top].append(cand)
    blocked: set[str] = set()
    for top, cands in candidates.items():
        if top in SAME_NAME or top in DISTRIBUTIONS:
            blocked.update(cands)
            continue
        for cand in cands:
            if any(
                imp.level == 0 and imp.module.split(".")[0] == top for imp in facts[cand].imports
            ):
                blocked.add(cand)
    sub_imported = {
        imp.module.split(".")[0]
        for f in facts.values()
        for imp in f.imports
        if imp.level == 0 and "." in imp.module
    }
    for top in sub_imported & candidates.keys():
        blocked.update(c for c in candidates[top] if not facts[c].source.is_package)
    return frozenset(blocked)


def importable(name: str) -> bool:
    """True when every part of dotted ``name`` is an identifier and not a keyword, i.e. the
    module can be imported under that name (``lambda.handler`` and ``deploy-scripts.run``
    cannot)."""
    return all(p.isidentifier() and not keyword.iskeyword(p) for p in name.split("."))


def _script_dir(m: str, f: FileFacts, res: _Resolver) -> str:
    """For a file that can only run as a script (a notebook, or a module whose path is not
    importable), the dotted name of its folder: Python puts that folder first on ``sys.path``, so
    ``import helper`` there means the sibling ``helper.py``. ``""`` for ordinary modules."""
    if f.source.kind == "notebook":
        folder = f.source.relpath.rpartition("/")[0]
        if f.source.root not in (".", ""):
            inner = folder[len(f.source.root) + 1 :] if folder.startswith(f.source.root) else ""
            folder = inner
        return folder.replace("/", ".")
    if importable(m):
        return ""
    return m if f.source.is_package else m.rpartition(".")[0]


def _corroborated(f: FileFacts, target: str, candidate: str, res: _Resolver) -> bool:
    """Whether the file uses ``target`` the way the first-party ``candidate`` module would be
    used: a name it imports from it (``from core import settings``) or an attribute it reads
    on it (``b.VALUE``) exists in ``candidate``. A project module merely named like a library
    (``app/clients/openai.py`` beside ``import openai``) is not evidence on its own."""
    names: set[str] = set()
    for imp in f.imports:
        if imp.module == target and imp.name and imp.name != "*":
            names.add(imp.name)
        elif imp.module.startswith(target + ".") and imp.name is None:
            names.add(imp.module[len(target) + 1 :].split(".")[0])
        elif imp.module.startswith(target + "."):
            names.add(imp.module[len(target) + 1 :].split(".")[0])
    prefix = target + "."
    for r in f.references:
        if r.target.startswith(prefix):
            names.add(r.target[len(prefix) :].split(".")[0].removesuffix("()"))
    for name in sorted(names):
        if res.module(f"{candidate}.{name}") is not None:
            return True
        sym = res.in_module(candidate, name, 0) if res.module(candidate) else None
        if sym is not None and sym is not _EXTERNAL:
            return True
    return False


def _unresolved_hint(m: str, f: FileFacts, target: str, res: _Resolver) -> str:
    """A hint for an absolute import whose top-level name is not first-party but that looks
    like it was meant to be (Python 2 implicit relative import, a folder that needs a root).

    Only when the evidence corroborates it (:func:`_corroborated`): otherwise the import is
    what Python 3 makes of it, a third-party or stdlib module."""
    if target.split(".")[0] in sys.stdlib_module_names:
        return ""
    top = target.split(".")[0]
    pkg = m if f.source.is_package else m.rpartition(".")[0]
    sibling = f"{pkg}.{top}" if pkg else ""
    if (
        sibling
        and sibling != m
        and res.module(sibling) is not None
        and _corroborated(f, top, sibling, res)
    ):
        folder = f.source.relpath.rpartition("/")[0]
        return (
            f"sibling module {pkg}.{target} exists (Python-2 implicit relative import?); "
            f"if {folder}/ is put on sys.path, add source root {folder}"
        )
    found = res.nested_top(top)
    if found is not None:
        mod, i = found
        folder = "/".join(mod.split(".")[:i])
        candidate = ".".join(mod.split(".")[: i + 1])
        if _corroborated(f, top, candidate, res):
            return f"unresolved, but folder {folder}/{top} exists - add source root {folder}?"
    return ""


def _cycle_diagnostics(
    edges: tuple[ModuleEdge, ...], facts: dict[str, FileFacts]
) -> list[Diagnostic]:
    """DEC201 for import cycles that run at import time, DEC202 for cycles that exist only
    through function-level (deferred) imports. Deterministic: members sorted."""
    import networkx as nx

    all_g = nx.DiGraph()
    mod_g = nx.DiGraph()
    for e in edges:
        if e.kind not in RUNTIME_KINDS:
            continue
        all_g.add_edge(e.src, e.dst)
        if e.scope == "module":
            mod_g.add_edge(e.src, e.dst)
    out: list[Diagnostic] = []
    import_time = [sorted(c) for c in nx.strongly_connected_components(mod_g) if len(c) > 1]
    import_time_sets = [set(c) for c in import_time]
    for comp in sorted(import_time):
        f = facts.get(comp[0])
        path = f.source.relpath if f else comp[0]
        out.append(
            Diagnostic(
                path,
                1,
                0,
                "DEC201",
                f"import cycle at import time among {len(comp)} modules: "
                + ", ".join(comp[:12])
                + (" ..." if len(comp) > 12 else ""),
                "warning",
            )
        )
    for comp in sorted(sorted(c) for c in nx.strongly_connected_components(all_g) if len(c) > 1):
        if set(comp) in import_time_sets:
            continue
        f = facts.get(comp[0])
        path = f.source.relpath if f else comp[0]
        out.append(
            Diagnostic(
                path,
                1,
                0,
                "DEC202",
                f"import cycle through function-level imports among {len(comp)} "
                "modules: " + ", ".join(comp[:12]) + (" ..." if len(comp) > 12 else ""),
                "info",
            )
        )
    return out
