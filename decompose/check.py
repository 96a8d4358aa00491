"""``decompose check``: declared service boundaries + per-file facts -> diagnostics.

The rules (one documentation page each under docs/rules/):

- DEC101 an import or a call reaches into another service's module or name that is not in its
  ``interface`` (module patterns, or ``module:name`` entries);
- DEC102 a service depends on a service that is not in its ``depends_on``;
- DEC103 services depend on each other in a cycle;
- DEC104 a module no service claims (severity ``check.unclaimed``, default warn);
- DEC105 a service imports a service of a higher layer (``layers``, highest first);
- DEC106 an undeclared service reached through a chain of services (``check.indirect``);
- DEC107 two services claim a module with equally specific patterns;
- DEC108 a pattern of the contract matches no module (a contract that claims nothing passes
  vacuously);
- DEC001/DEC002/DEC003 unparsable, undecodable or unreadable files and DEC020 (no internal edge
  resolved while modules import first-party-looking names) make the check fail: never a silent
  pass.

Speed: the check does not build the program graph (no networkx, igraph or libcst on its path).
It resolves each import statement and each dotted reference against the set of module names
itself, from a compact copy of the per-file facts. A *snapshot* (one pickle per project and
discovery settings, beside the fact cache) keeps those compact facts with each file's size and
modification time, so a warm run only walks the tree, stats the files and loads one pickle; after
an edit only the changed files go through the per-file fact cache and the parser.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import translate
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from decompose import __version__
from decompose.algorithms import strongly_connected_components
from decompose.cache import FactCache
from decompose.config import DEFAULT_EXCLUDES, SOURCE_SUFFIXES, Config, ServiceDecl, matches
from decompose.diagnostics import Finding, Ignore, parse_ignores, with_severity
from decompose.model import Diagnostic, FileFacts, SourceFile

if TYPE_CHECKING:
    from decompose.discover import Project

# A copy of partition.is_test_module, so a warm check does not import the partitioner; a test
# asserts they agree.
_TEST_RE = re.compile(r"(^|\.)(tests?|testing|conftest)(\.|$)|(^|\.)test_[^.]*$|_tests?$")


def is_test_module(module: str) -> bool:
    """True for test modules (as :func:`decompose.partition.is_test_module`)."""
    return bool(_TEST_RE.search(module))


SNAPSHOT_FORMAT = 5
KERNEL = "<kernel>"
_INPUT_CODES = ("DEC001", "DEC002", "DEC003")
_RUNTIME_KINDS = frozenset({"import", "optional", "fallback", "guarded", "dynamic"})
_REF_HINTS = frozenset({"call", "ref", "decorates", "inherits", "inferred", "load", "store"})
_STRUCTURE_FILES = frozenset({"pyproject.toml", "setup.cfg", ".gitignore", "decompose.toml"})
_SKIP_DIRS = tuple(p.rstrip("/") for p in DEFAULT_EXCLUDES)

Collect = Callable[["Project", FactCache, int], Sequence[FileFacts]]


# ---------------------------------------------------------------------------- compact facts


class Imp(NamedTuple):
    """An import fact (the fields of :class:`decompose.model.Import`) as a named tuple: a
    snapshot of thousands of them unpickles an order of magnitude faster than dataclasses."""

    line: int
    column: int
    module: str
    name: str | None
    alias: str | None
    kind: str
    scope: str
    confidence: str
    error: str


class ModuleFacts(NamedTuple):
    """What ``check`` needs of one file (a compact copy of its FileFacts).

    Attributes:
        module, path, kind, status: as in the facts (``path`` POSIX, relative to the root).
        imports: the file's import facts.
        refs: ``(line, column, dotted target, hint)`` of references that may name another
            module's definition.
        errors: input diagnostics (DEC001-DEC003) of the file.
        sys_path_hint: the file adds its own folder to ``sys.path``.
        ignores: inline ignore comments.
    """

    module: str
    path: str
    kind: str
    status: str
    is_package: bool
    imports: tuple[Imp, ...]
    refs: tuple[tuple[int, int, str, str], ...]
    errors: tuple[Diagnostic, ...]
    sys_path_hint: bool = False
    ignores: tuple[Ignore, ...] = ()


def compact(facts: FileFacts, root: Path) -> ModuleFacts:
    """The :class:`ModuleFacts` of ``facts``; reads the file again for its ignore comments
    (notebooks have none)."""
    sf = facts.source
    ignores: tuple[Ignore, ...] = ()
    if sf.kind != "notebook":
        try:
            data = (root / sf.relpath).read_bytes()
        except OSError:
            data = b""
        if b"decompose:" in data:
            ignores = parse_ignores(data.decode("utf-8", errors="replace"))
    refs = tuple(
        (r.line, r.column, r.target, r.hint)
        for r in facts.references
        if r.hint in _REF_HINTS and "()" not in r.target and "." in r.target
    )
    errors = tuple(d for d in facts.diagnostics if d.code in _INPUT_CODES)
    return ModuleFacts(
        sf.module,
        sf.relpath,
        sf.kind,
        facts.status,
        sf.is_package,
        tuple(
            Imp(i.line, i.column, i.module, i.name, i.alias, i.kind, i.scope, i.confidence, i.error)
            for i in facts.imports
        ),
        refs,
        errors,
        facts.sys_path_hint,
        ignores,
    )


# ---------------------------------------------------------------------------- snapshot


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    """The fields of :class:`decompose.discover.Project`, kept in the snapshot without importing
    discovery (``root`` as a string)."""

    root: str
    roots: tuple[str, ...]
    alias_roots: tuple[str, ...]
    files: tuple[SourceFile, ...]
    stubs: tuple[SourceFile, ...]
    shadowed: tuple[str, ...]
    aliases: tuple[tuple[str, str], ...]
    diagnostics: tuple[Diagnostic, ...]
    first_party: tuple[str, ...]

    def __reduce__(self) -> tuple[Any, ...]:
        # SourceFile rows as plain tuples: rebuilding them is cheaper than unpickling dataclasses
        rows = tuple(
            (f.relpath, f.module, f.root, f.kind, f.is_package, f.size) for f in self.files
        )
        return (
            _project_info,
            (
                self.root,
                self.roots,
                self.alias_roots,
                rows,
                self.stubs,
                self.shadowed,
                self.aliases,
                self.diagnostics,
                self.first_party,
            ),
        )

    @staticmethod
    def of(p: Project) -> ProjectInfo:
        return ProjectInfo(
            str(p.root),
            p.roots,
            p.alias_roots,
            p.files,
            p.stubs,
            p.shadowed,
            p.aliases,
            p.diagnostics,
            p.first_party,
        )

    def project(self, files: tuple[SourceFile, ...] | None = None) -> Project:
        from decompose.discover import Project

        return Project(
            Path(self.root),
            self.roots,
            self.alias_roots,
            self.files if files is None else files,
            self.stubs,
            self.shadowed,
            self.aliases,
            self.diagnostics,
            self.first_party,
        )


def _project_info(
    root: str,
    roots: tuple[str, ...],
    alias_roots: tuple[str, ...],
    rows: tuple[tuple[str, str, str, str, bool, int], ...],
    *rest: Any,
) -> ProjectInfo:
    return ProjectInfo(root, roots, alias_roots, tuple(SourceFile(*r) for r in rows), *rest)


@dataclass(slots=True)
class Snapshot:
    """What a previous run saw: file stats, the discovery result and the compact facts, plus
    the findings for one contract (``result_key``)."""

    discovery_key: str
    stats: dict[str, tuple[int, int]]
    structure: dict[str, tuple[int, int]]
    project: ProjectInfo
    modules: dict[str, tuple[tuple[int, int], ModuleFacts]]
    dirs: DirMemo = field(default_factory=dict)
    result_key: str = ""
    result: tuple[Finding, ...] = ()


@dataclass(slots=True)
class Gathered:
    """The inputs of the rules and how they were obtained.

    Attributes:
        mode: ``warm`` (nothing changed), ``incremental`` (some files re-read) or ``cold``.
        parsed: files that went through the fact cache or the parser this run.
    """

    project: ProjectInfo
    modules: dict[str, ModuleFacts]
    mode: str
    parsed: int
    snapshot: Snapshot | None = None
    snapshot_path: Path | None = None
    cached_result: tuple[Finding, ...] | None = None
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)


DirMemo = dict[str, tuple[int, tuple[str, ...]]]


def _scan(
    root: Path, memo: DirMemo | None = None
) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]], bool, DirMemo]:
    """Walk ``root`` (skipping the default-excluded folders) and stat every source and
    structure file.

    ``memo`` (from the previous scan) maps each folder that holds no source or structure file
    to ``(its mtime in ns, its subfolders)``: such a folder whose mtime is unchanged has the
    same entries, so it is not listed again, only its subfolders are visited (locale and data
    folders are most of a large tree).

    Returns:
        ``(source stats, structure stats, saw a symlinked folder, new memo)``; a stat is
        ``(size in bytes, mtime in ns)``.
    """
    stats: dict[str, tuple[int, int]] = {}
    structure: dict[str, tuple[int, int]] = {}
    new_memo: DirMemo = {}
    old = memo or {}
    links = False
    stack = [(str(root), "")]
    suffixes = SOURCE_SUFFIXES
    while stack:
        folder, rel = stack.pop()
        prev = old.get(rel)
        if prev is not None:
            try:
                mtime = os.stat(folder).st_mtime_ns
            except OSError:
                mtime = -1
            if mtime == prev[0]:
                new_memo[rel] = prev
                stack.extend((f"{folder}/{d}", f"{rel}/{d}" if rel else d) for d in prev[1])
                continue
        try:
            mtime = os.stat(folder).st_mtime_ns
            it = os.scandir(folder)
        except OSError:
            structure[rel + "/"] = (-1, -1)
            continue
        subdirs: list[str] = []
        plain = True
        venv = False
        seen_link = False
        with it:
            for e in it:
                name = e.name
                if name == "pyvenv.cfg":
                    venv = True  # a virtualenv (any name): never project code, see below
                try:
                    if e.is_dir(follow_symlinks=False):
                        if name in _SKIP_DIRS or name.endswith(".egg-info"):
                            continue
                        subdirs.append(name)
                        continue
                    if name.endswith(suffixes):
                        plain = False
                        erel = f"{rel}/{name}" if rel else name
                        if e.is_symlink() and e.is_dir():
                            seen_link = True
                        st = e.stat()
                        stats[erel] = (st.st_size, st.st_mtime_ns)
                    elif name in _STRUCTURE_FILES:
                        plain = False
                        erel = f"{rel}/{name}" if rel else name
                        st = e.stat(follow_symlinks=False)
                        structure[erel] = (st.st_size, st.st_mtime_ns)
                    elif e.is_symlink() and e.is_dir():
                        seen_link = True
                except OSError:
                    plain = False
                    structure[f"{rel}/{name}"] = (-1, -1)
        if venv and rel:
            # A virtualenv inside the tree (``.venv-py311``, ``bench/.venv-peers``): its
            # ``lib64`` symlink would otherwise switch the snapshot off for the whole project,
            # and discovery never analyzes it (``site-packages`` is a default exclude).
            new_memo[rel] = (mtime, ())
            continue
        links = links or seen_link
        if plain:
            new_memo[rel] = (mtime, tuple(subdirs))
        stack.extend((f"{folder}/{d}", f"{rel}/{d}" if rel else d) for d in subdirs)
    return stats, structure, links, new_memo


def _discovery_key(root: Path, config: Config) -> str:
    code = []
    for mod in (__file__, os.path.join(os.path.dirname(__file__), "diagnostics.py")):
        try:
            code.append(os.stat(mod).st_mtime_ns)  # an edited install rebuilds the snapshot
        except OSError:
            code.append(0)
    ident = (
        f"{code}\0{__version__}\0{SNAPSHOT_FORMAT}\0{root}\0{config.roots}\0"
        f"{config.exclude}\0{config.include_notebooks}\0{config.respect_gitignore}"
    )
    return hashlib.sha256(ident.encode()).hexdigest()


def _load_snapshot(path: Path, key: str) -> Snapshot | None:
    try:
        from decompose.cache import loads_signed

        with open(path, "rb") as fh:
            snap = loads_signed(fh.read())
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a broken snapshot is only a cache miss
        try:
            path.unlink()
        except OSError:
            pass
        return None
    if not isinstance(snap, Snapshot) or snap.discovery_key != key:
        return None
    return snap


def save_snapshot(g: Gathered, result_key: str, result: Sequence[Finding]) -> None:
    """Store the snapshot of a run (atomically; I/O errors are ignored: it is a cache)."""
    if g.snapshot is None or g.snapshot_path is None:
        return
    snap = g.snapshot
    if g.mode == "warm" and snap.result_key == result_key:
        return
    snap.result_key = result_key
    snap.result = tuple(result)
    path = g.snapshot_path
    from decompose.cache import atomic_pickle

    atomic_pickle(path, snap, (path.parent,))


def gather(
    path: Path,
    config: Config,
    cache: FactCache,
    collect: Collect,
    jobs: int = 0,
) -> Gathered:
    """Discover the project and get the compact facts of every file, as cheaply as possible.

    Args:
        path: project folder.
        config: the configuration (roots, exclude... for discovery).
        cache: the per-file fact cache; when disabled, no snapshot is read or written either.
        collect: ``collect(project, cache, jobs) -> facts`` (the pipeline's fact collection, so
            this stage does not import the pipeline).
        jobs: parser processes for uncached files (0 = all cores).

    Returns:
        A :class:`Gathered`.

    Raises:
        UsageError: bad path or roots. NoSourcesError: no Python file.
    """
    root = path.resolve() if path.is_dir() else path
    use_snap = cache.enabled and root.is_dir()
    snap: Snapshot | None = None
    snap_path: Path | None = None
    stats: dict[str, tuple[int, int]] = {}
    structure: dict[str, tuple[int, int]] = {}
    key = ""
    dirs: DirMemo = {}
    if use_snap:
        key = _discovery_key(root, config)
        snap_path = cache.folder.parent / f"check-v{SNAPSHOT_FORMAT}" / f"{key[:40]}.pickle"
        snap = _load_snapshot(snap_path, key)
        stats, structure, links, dirs = _scan(root, snap.dirs if snap is not None else None)
        if links:
            use_snap = False
            snap = None
    if snap is not None and snap.structure == structure and snap.stats.keys() == stats.keys():
        project = snap.project
    else:
        from decompose.discover import discover

        project = ProjectInfo.of(
            discover(
                path,
                config.roots,
                config.exclude,
                config.include_notebooks,
                config.respect_gitignore,
            )
        )
        snap = None if snap is None else replace(snap, result_key="")
    stubs = {s.module: s.relpath for s in project.stubs}
    modules: dict[str, ModuleFacts] = {}
    entries: dict[str, tuple[tuple[int, int], ModuleFacts]] = {}
    todo = []
    for sf in project.files:
        st = stats.get(sf.relpath, (-1, -1))
        stub = stubs.get(sf.module)
        st2 = (st[0], st[1] ^ (hash(stats.get(stub, (0, 0))) if stub else 0))
        old = snap.modules.get(sf.relpath) if snap is not None else None
        if old is not None and old[0] == st2 and st[0] >= 0 and old[1].module == sf.module:
            modules[sf.module] = old[1]
            entries[sf.relpath] = old
        else:
            todo.append((sf, st2))
    if todo:
        facts = collect(project.project(tuple(sf for sf, _ in todo)), cache, jobs)
        st_of = {sf.relpath: st for sf, st in todo}
        root_path = Path(project.root)
        for f in facts:
            mf = compact(f, root_path)
            modules[mf.module] = mf
            entries[mf.path] = (st_of.get(mf.path, (-1, -1)), mf)
    if snap is None:
        mode = "cold"
    elif todo:
        mode = "incremental"
    else:
        mode = "warm"
    new_snap = None
    if use_snap:
        new_snap = Snapshot(
            key,
            stats,
            structure,
            project,
            entries,
            dirs,
            snap.result_key if (snap is not None and not todo) else "",
            snap.result if (snap is not None and not todo) else (),
        )
    cached = new_snap.result if (new_snap is not None and new_snap.result_key) else None
    return Gathered(
        project,
        dict(sorted(modules.items())),
        mode,
        len(todo),
        new_snap,
        snap_path if use_snap else None,
        cached,
        stats,
    )


def result_key(config: Config, severities: Mapping[str, str], extra: str = "") -> str:
    """Identity of everything besides the files that the findings depend on."""
    try:
        code = os.stat(__file__).st_mtime_ns  # an edited check.py (editable install) re-runs
    except OSError:
        code = 0
    ident = f"{__version__}\0{code}\0{config!r}\0{sorted(severities.items())}\0{extra}"
    return hashlib.sha256(ident.encode()).hexdigest()


# ---------------------------------------------------------------------------- the contract


def _matcher(pattern: str) -> Callable[[str], bool]:
    """A compiled :func:`matches` for one pattern."""
    rx = re.compile(translate(pattern))
    parent = pattern[:-2] if pattern.endswith(".*") else None

    def match(module: str) -> bool:
        return module == parent or rx.match(module) is not None

    return match


def _specificity(pattern: str) -> tuple[int, int]:
    """Exact names beat wildcards; longer literal text beats shorter."""
    wild = any(c in pattern for c in "*?[")
    literal = len(pattern.replace("*", "").replace("?", ""))
    return (0 if wild else 1, literal)


@dataclass(slots=True)
class _Claims:
    owner: dict[str, str]
    ambiguous: dict[str, tuple[str, ...]]
    used_patterns: set[tuple[str, str]]


def _claim(
    modules: Iterable[str], services: Sequence[ServiceDecl], kernel: Sequence[str]
) -> _Claims:
    pats: list[tuple[str, str]] = [(KERNEL, p) for p in kernel]
    for s in services:
        pats.extend((s.name, p) for p in s.modules)
    compiled = [(name, p, _matcher(p), _specificity(p)) for name, p in pats]
    owner: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    used: set[tuple[str, str]] = set()
    for m in modules:
        best: tuple[int, int] | None = None
        who: set[str] = set()
        for name, p, match, sp in compiled:
            if match(m):
                used.add((name, p))
                if best is None or sp > best:
                    best, who = sp, {name}
                elif sp == best:
                    who.add(name)
        if who:
            ordered = sorted(who)
            owner[m] = ordered[0]
            if len(ordered) > 1:
                ambiguous[m] = tuple(ordered)
    return _Claims(owner, ambiguous, used)


@dataclass(slots=True)
class _Evidence:
    """First evidence of a service-level dependency: (path, line, column, src, dst)."""

    path: str
    line: int
    column: int
    src: str
    dst: str


class _Resolver:
    """Names an import's target module (and name) from the set of module names alone."""

    def __init__(
        self,
        modules: Mapping[str, ModuleFacts],
        first_party: Iterable[str],
        alias_prefixes: Iterable[str],
        aliases: Mapping[str, str],
    ) -> None:
        self.names = set(modules)
        self.first_party = set(first_party) or {m.split(".")[0] for m in modules}
        self.prefixes = sorted(alias_prefixes)
        self.aliases = dict(aliases)
        self.parts = {p for m in modules for p in m.split(".")}
        self.memo: dict[str, tuple[str, str] | None] = {}
        self.bindings: dict[str, dict[str, str]] = {}
        for m, f in modules.items():
            b: dict[str, str] = {}
            for imp in f.imports:
                if (
                    imp.scope != "module"
                    or imp.error
                    or imp.kind == "dynamic"
                    or not imp.name
                    or imp.name == "*"
                ):
                    continue
                b[imp.alias or imp.name] = f"{imp.module}.{imp.name}"
            self.bindings[m] = b

    def module(self, dotted: str) -> str | None:
        if dotted in self.names:
            return self.aliases.get(dotted, dotted)
        top = dotted.split(".")[0]
        if top not in self.first_party:
            for p in self.prefixes:
                c = f"{p}.{dotted}"
                if c in self.names:
                    return self.aliases.get(c, c)
        return None

    def split(self, dotted: str) -> tuple[str, str] | None:
        """``(module, rest)`` for the longest module prefix of ``dotted`` (rest may be "")."""
        try:
            return self.memo[dotted]
        except KeyError:
            pass
        out = None
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            m = self.module(".".join(parts[:i]))
            if m is not None:
                out = m, ".".join(parts[i:])
                break
        self.memo[dotted] = out
        return out

    def looks_first_party(self, dotted: str) -> bool:
        top = dotted.split(".")[0]
        return top in self.first_party or top in self.parts

    def target(self, imp: Imp) -> tuple[str, str] | None:
        if imp.name and imp.name != "*":
            sub = f"{imp.module}.{imp.name}"
            m = self.module(sub)
            if m is not None:
                return m, ""
            return self.split(sub)
        return self.split(imp.module)


@dataclass(slots=True)
class _Service:
    decl: ServiceDecl
    module_iface: tuple[str, ...]
    name_iface: tuple[tuple[str, str], ...]
    cache: dict[tuple[str, str], bool] = field(default_factory=dict)


def _public(
    svc: _Service, module: str, name: str, res: _Resolver, owner: Mapping[str, str], depth: int = 0
) -> bool:
    """Is ``module`` (``name == ""``) or ``module:name`` public in ``svc``'s interface?

    A module pattern makes the module and all its names public; ``module:Name`` makes ``Name``,
    its members (``Name.x``) and the module itself (for ``import module``) reachable. A name a
    module only re-exports is public when its defining module exports it.
    """
    key = (module, name)
    hit = svc.cache.get(key)
    if hit is None:
        hit = svc.cache[key] = _public_uncached(svc, module, name, res, owner, depth)
    return hit


def _public_uncached(
    svc: _Service, module: str, name: str, res: _Resolver, owner: Mapping[str, str], depth: int
) -> bool:
    if any(matches(module, p) for p in svc.module_iface):
        return True
    named = [n for p, n in svc.name_iface if matches(module, p)]
    if not name:
        return bool(named)
    for n in named:
        if name == n or name.startswith(n + ".") or n.startswith(name + "."):
            return True
    if depth < 8:
        head = name.split(".")[0]
        bound = res.bindings.get(module, {}).get(head)
        if bound is not None:
            rest = name[len(head) :]
            t = res.split(bound + rest)
            if t is not None and owner.get(t[0]) == svc.decl.name and t != (module, name):
                return _public(svc, t[0], t[1], res, owner, depth + 1)
    return False


def _sccs(nodes: Iterable[str], succ: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components (:func:`decompose.algorithms.strongly_connected_components`)
    of ``nodes`` only."""
    keep = set(nodes)
    return strongly_connected_components(
        keep, {v: [w for w in succ.get(v, ()) if w in keep] for v in keep}
    )


def _shortest_cycle(start: str, members: set[str], succ: Mapping[str, Iterable[str]]) -> list[str]:
    """A shortest cycle ``[start, ..., start]`` inside ``members`` (breadth-first search)."""
    parent: dict[str, str] = {}
    queue = [start]
    seen = {start}
    while queue:
        v = queue.pop(0)
        for w in sorted(succ.get(v, ())):
            if w not in members:
                continue
            if w == start:
                chain = [v]
                while chain[-1] != start:
                    chain.append(parent[chain[-1]])
                return [*reversed(chain), start]
            if w not in seen:
                seen.add(w)
                parent[w] = v
                queue.append(w)
    return [start, start]


def _grown_cycle(
    comp: set[str],
    recorded: Sequence[frozenset[str]],
    succ: Mapping[str, Iterable[str]],
    weight: Mapping[tuple[str, str], int],
) -> list[str] | None:
    """A shortest cycle through the edge that made ``comp`` grow past recorded cycle groups.

    When ``comp`` (today's cycle group) strictly contains baselined groups, the edges that no
    recorded group inside ``comp`` holds (an end outside every one of them, or ends in two
    different ones) are what is new. Of those, the edge with the fewest imports is taken (ties:
    by name): a fresh back edge is usually one import, while old edges into the new member
    carry many.

    Args:
        comp: the services of one cycle group (a strongly connected component).
        recorded: baselined DEC103 groups, in a fixed order.
        succ: service -> services it imports.
        weight: ``(service, service)`` -> number of imports on that edge.

    Returns:
        ``[a, b, ..., a]`` starting with the chosen edge ``a -> b``, or ``None`` when ``comp``
        contains no recorded group (nothing grew).
    """
    inside = [g for g in recorded if g < comp]
    if not inside:
        return None

    def held(a: str, b: str) -> bool:
        return any(a in g and b in g for g in inside)

    edges = sorted(
        (weight.get((a, b), 0), a, b)
        for a in sorted(comp)
        for b in succ.get(a, ())
        if b in comp and not held(a, b)
    )
    if not edges:
        return None
    _n, a, b = edges[0]
    # breadth-first from b back to a inside comp (there is a path: comp is strongly connected)
    parent: dict[str, str] = {b: ""}
    queue = [b]
    while queue and a not in parent:
        v = queue.pop(0)
        for w in sorted(succ.get(v, ())):
            if w in comp and w not in parent:
                parent[w] = v
                queue.append(w)
    if a not in parent:
        return None
    path = [a]
    while path[-1] != b:
        path.append(parent[path[-1]])
    return [a, *reversed(path)]


def _find_line(text: str, needle: str) -> int:
    q = f'"{needle}"'
    for i, line in enumerate(text.splitlines(), start=1):
        if q in line or f"'{needle}'" in line:
            return i
    return 1


def evaluate(
    modules: Mapping[str, ModuleFacts],
    config: Config,
    severities: Mapping[str, str],
    first_party: Iterable[str] = (),
    alias_roots: Iterable[str] = (),
    aliases: Iterable[tuple[str, str]] = (),
    extra_diagnostics: Iterable[Diagnostic] = (),
    config_path: str = "",
    config_text: str = "",
    known_cycles: Iterable[frozenset[str]] = (),
) -> list[Finding]:
    """Apply the rules of the contract in ``config`` to the facts.

    Args:
        modules: compact facts by module name.
        config: services, kernel, layers and ``check`` settings.
        severities: code -> ``error``/``warn``/``off`` (see
            :func:`decompose.diagnostics.resolve_severities`).
        first_party: top-level first-party names (discovery's).
        alias_roots: package folders on ``sys.path`` (POSIX paths).
        aliases: ``(module, canonical)`` for files reached under two names.
        extra_diagnostics: discovery's diagnostics (its errors are reported).
        config_path: where the contract came from, relative to the root when inside it (for
            DEC108 locations).
        config_text: that file's text (to find a pattern's line).
        known_cycles: the service groups of baselined DEC103 cycles. A cycle group that grew
            past one of them is reported at an edge that no recorded group holds (the edge
            that made it grow), not at an old edge (see :func:`_grown_cycle`).

    Returns:
        Findings with their configured severity, sorted; codes set to ``off`` are left out.
    """
    ck = config.check
    alias_map = dict(aliases)
    prefixes = {r.replace("/", ".") for r in alias_roots}
    for m, f in modules.items():
        if f.sys_path_hint and f.kind != "notebook":
            pkg = m if f.is_package else m.rpartition(".")[0]
            if pkg and pkg in modules:
                prefixes.add(pkg)
    res = _Resolver(modules, first_party, prefixes, alias_map)
    claimable = [m for m, f in modules.items() if m not in alias_map and f.kind != "notebook"]
    claims = _claim(claimable, config.services, config.kernel)
    known = set(claimable)
    for m in claimable:
        parts = m.split(".")
        known.update(".".join(parts[:i]) for i in range(1, len(parts)))
    used = set(claims.used_patterns) | {
        (n, p)
        for n, p in [(KERNEL, p) for p in config.kernel]
        + [(s.name, p) for s in config.services for p in s.modules]
        if (n, p) not in claims.used_patterns and any(matches(m, p) for m in known)
    }
    owner = claims.owner
    by_owner: dict[str, list[str]] = defaultdict(list)
    for m, o in owner.items():
        by_owner[o].append(m)
    services = {
        s.name: _Service(
            s,
            tuple(e for e in s.interface if ":" not in e),
            tuple((e.split(":", 1)[0], e.split(":", 1)[1]) for e in s.interface if ":" in e),
        )
        for s in config.services
    }
    layer_of = {
        s.name: config.layers.index(s.layer)
        for s in config.services
        if s.layer and s.layer in config.layers
    }
    out: list[Finding] = []
    seen: set[tuple[str, str, int, str, str]] = set()

    def add(code: str, path: str, line: int, col: int, msg: str, src: str, dst: str) -> None:
        sev = severities.get(code, "error")
        if sev == "off":
            return
        k = (code, path, line, src, dst)
        if k in seen:
            return
        seen.add(k)
        out.append(Finding(with_severity(Diagnostic(path, line, col, code, msg), sev), src, dst))

    # ---- input problems: never a silent pass
    for d in extra_diagnostics:
        if d.code in _INPUT_CODES and d.severity == "error":
            add(d.code, d.path, d.line, d.column, d.message, d.path, "")
    for f in modules.values():
        for d in f.errors:
            if d.severity == "error":
                add(d.code, d.path, d.line, d.column, d.message, d.path, "")

    # ---- claims
    for m, who in sorted(claims.ambiguous.items()):
        add(
            "DEC107",
            modules[m].path,
            1,
            0,
            f"module {m} is claimed by services {', '.join(who)} with equally specific "
            "patterns: make one pattern more specific",
            m,
            ",".join(who),
        )
    for m in claimable:
        if m not in owner and not is_test_module(m) and modules[m].kind not in ("stub",):
            add(
                "DEC104",
                modules[m].path,
                1,
                0,
                f"module {m} belongs to no service and is not in the shared kernel",
                m,
                "",
            )
    where = config_path or "pyproject.toml"
    for s in config.services:
        for p in s.modules:
            if (s.name, p) not in used:
                add(
                    "DEC108",
                    where,
                    _find_line(config_text, p),
                    0,
                    f"services.{s.name}.modules: pattern '{p}' matches no module",
                    s.name,
                    p,
                )
        own = by_owner.get(s.name, [])
        for e in s.interface:
            match = _matcher(e.split(":", 1)[0])
            if not any(match(m) for m in own):
                add(
                    "DEC108",
                    where,
                    _find_line(config_text, e),
                    0,
                    f"services.{s.name}.interface: '{e}' names no module of service '{s.name}'",
                    s.name,
                    e,
                )
    for p in config.kernel:
        if (KERNEL, p) not in used:
            add(
                "DEC108",
                where,
                _find_line(config_text, p),
                0,
                f"kernel: pattern '{p}' matches no module",
                "kernel",
                p,
            )

    # ---- imports
    deps: dict[tuple[str, str], _Evidence] = {}
    dep_count: dict[tuple[str, str], int] = defaultdict(int)
    private_hits: set[tuple[str, str, str]] = set()
    internal_edges = 0
    unresolved_fp = 0
    n_py = 0
    exempt_tests = config.analyze.exclude_tests
    for m, f in modules.items():
        if f.kind != "notebook":
            n_py += 1
        if m in alias_map:
            continue
        # Tests use every service on purpose; like `analyze` (exclude_tests) they are not
        # held to the boundaries.
        src_svc = None if exempt_tests and is_test_module(m) else owner.get(m)
        for imp in f.imports:
            if imp.error or not imp.module:
                continue
            t = res.target(imp)
            if t is None:
                if res.looks_first_party(imp.module) and imp.kind != "dynamic":
                    unresolved_fp += 1
                continue
            dst, name = t
            if dst == m or m.startswith(dst + ".") and not name:
                continue
            if imp.kind in _RUNTIME_KINDS:
                internal_edges += 1
            if src_svc is None or imp.confidence != "high":
                continue
            if imp.kind == "type_checking" and ck.ignore_type_checking:
                continue
            dst_svc = owner.get(dst)
            if dst_svc is None or dst_svc == src_svc or dst_svc == KERNEL:
                continue
            shown = f"{dst}:{name}" if name else dst
            path, line, col = f.path, imp.line, imp.column
            if src_svc == KERNEL:
                add(
                    "DEC102",
                    path,
                    line,
                    col,
                    f"shared kernel module {m} imports {shown} of service '{dst_svc}': the "
                    "kernel may not depend on services",
                    m,
                    dst,
                )
                continue
            deps.setdefault((src_svc, dst_svc), _Evidence(path, line, col, m, dst))
            dep_count[(src_svc, dst_svc)] += 1
            decl = services[src_svc].decl
            if decl.depends_on is not None and dst_svc not in decl.depends_on:
                add(
                    "DEC102",
                    path,
                    line,
                    col,
                    f"{m} imports {shown}: service '{src_svc}' does not declare a dependency on "
                    f"'{dst_svc}' (services.{src_svc}.depends_on)",
                    m,
                    dst,
                )
            if (
                src_svc in layer_of
                and dst_svc in layer_of
                and layer_of[dst_svc] < layer_of[src_svc]
            ):
                add(
                    "DEC105",
                    path,
                    line,
                    col,
                    f"{m} imports {shown}: service '{src_svc}' (layer "
                    f"'{services[src_svc].decl.layer}') may not import service '{dst_svc}' of "
                    f"the higher layer '{services[dst_svc].decl.layer}'",
                    m,
                    dst,
                )
            if not _public(services[dst_svc], dst, name, res, owner):
                private_hits.add((m, dst, name.split(".")[0]))
                what = f"name {shown}" if name else f"module {dst}"
                add(
                    "DEC101",
                    path,
                    line,
                    col,
                    f"{m} imports {what}, which is not in the interface of service '{dst_svc}'",
                    m,
                    shown,
                )

    # ---- calls and other references (names reached through a partly public module)
    if ck.calls:
        for m, f in modules.items():
            src_svc = None if exempt_tests and is_test_module(m) else owner.get(m)
            if src_svc is None or src_svc == KERNEL or m in alias_map:
                continue
            for line, col, target, _hint in f.refs:
                t = res.split(target)
                if t is None or not t[1]:
                    continue
                dst, name = t
                dst_svc = owner.get(dst)
                if dst_svc is None or dst_svc in (src_svc, KERNEL):
                    continue
                head = name.split(".")[0]
                if (m, dst, head) in private_hits or (m, dst, "") in private_hits:
                    continue
                if not _public(services[dst_svc], dst, name, res, owner):
                    shown = f"{dst}:{name}"
                    if any(k[0] == "DEC101" and k[3] == m and k[4] == shown for k in seen):
                        continue
                    add(
                        "DEC101",
                        f.path,
                        line,
                        col,
                        f"{m} uses {shown}, which is not in the interface of service '{dst_svc}'",
                        m,
                        shown,
                    )

    # ---- cycles between services
    succ: dict[str, set[str]] = defaultdict(set)
    for a, b in deps:
        succ[a].add(b)
    recorded = sorted({g for g in known_cycles if len(g) > 1}, key=sorted)
    for comp in _sccs(list(services), succ):
        if len(comp) < 2:
            continue
        grown = _grown_cycle(set(comp), recorded, succ, dep_count)
        cycle = grown or _shortest_cycle(comp[0], set(comp), succ)
        ev = deps[(cycle[0], cycle[1])]
        steps = ", ".join(
            f"{a} -> {b} ({deps[(a, b)].path}:{deps[(a, b)].line})"
            for a, b in zip(cycle, cycle[1:], strict=False)
        )
        group = (
            f" ({len(comp)} services are in this cycle group: {', '.join(comp)})"
            if len(comp) > len(cycle) - 1
            else ""
        )
        if grown:
            inside = [g for g in recorded if g < set(comp)]
            added = sorted(set(comp).difference(*inside))
            group += (
                f"; it grew past a baselined cycle group of {len(inside[0])} services"
                if len(inside) == 1
                else f"; it joins {len(inside)} baselined cycle groups"
            ) + (f" (new here: {', '.join(added)})" if added else "")
        add(
            "DEC103",
            ev.path,
            ev.line,
            ev.column,
            f"services depend on each other in a cycle: {steps}{group}",
            ",".join(comp),
            "",
        )

    # ---- indirect chains
    if ck.indirect:
        for sname in sorted(services):
            decl = services[sname].decl
            if decl.depends_on is None:
                continue
            direct = succ.get(sname, set())
            parent: dict[str, str] = {sname: ""}
            queue = [sname]
            while queue:
                v = queue.pop(0)
                for w in sorted(succ.get(v, ())):
                    if w not in parent:
                        parent[w] = v
                        queue.append(w)
            for tname in sorted(parent):
                if tname == sname or tname in direct or tname in decl.depends_on:
                    continue
                chain = [tname]
                while parent[chain[-1]] != sname:
                    chain.append(parent[chain[-1]])
                chain.append(sname)
                chain.reverse()
                ev = deps[(sname, chain[1])]
                add(
                    "DEC106",
                    ev.path,
                    ev.line,
                    ev.column,
                    f"service '{sname}' depends on '{tname}' indirectly "
                    f"({' -> '.join(chain)}) without declaring it",
                    sname,
                    tname,
                )

    # ---- zero internal edges while first-party-looking imports exist
    if n_py > 1 and internal_edges == 0 and unresolved_fp > 0:
        first = next(iter(modules.values()))
        add(
            "DEC020",
            first.path,
            1,
            0,
            "no first-party import edge was found although modules import first-party-looking "
            "names: check the source roots (roots = [...])",
            "",
            "",
        )
    return sorted(out)


def collect_ignores(modules: Mapping[str, ModuleFacts]) -> dict[str, tuple[Ignore, ...]]:
    """``{path: ignores}`` for the files that have any."""
    return {f.path: f.ignores for f in modules.values() if f.ignores}
