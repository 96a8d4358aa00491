"""Frozen facts and derived results shared by every stage.

Everything learned from code is a frozen, slotted dataclass. Graphs are views rebuilt from these
values and never hold data of their own. This module imports nothing from the package.

Paths are POSIX strings relative to the project root given to ``analyze``; lines are 1-based and
columns 0-based (the convention of CPython's ``ast`` and of editors' ``path:line:col`` links, with
the column printed 1-based by the diagnostics formatter).
"""

from __future__ import annotations

from dataclasses import dataclass, field


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 module"``, ``"3 modules"``: a number with its noun in the right number."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


# Module edge kinds (see docs/schema.md and the cases README).
IMPORT_KINDS = (
    "import",
    "type_checking",
    "parent_init",
    "reexport",
    "dynamic",
    "optional",
    "fallback",
    "guarded",
    "stub_only",
    "string_ref",
)
# Call-graph edge kinds.
CALL_KINDS = ("call", "ref", "decorates", "inherits", "dispatch", "inferred", "reads", "writes")

MODULE_KINDS = ("module", "package", "namespace", "notebook", "stub", "extension")
MODULE_STATUSES = ("ok", "parse_error", "decode_error", "read_error", "not_analyzed")


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a source file: POSIX path relative to the project root, 1-based line, 0-based
    column."""

    path: str
    line: int
    column: int = 0


@dataclass(frozen=True, slots=True, order=True)
class SourceFile:
    """One file found by discovery.

    Attributes:
        relpath: POSIX path relative to the project root (``src/app/api.py``).
        module: dotted module name (``app.api``); for a notebook its ``relpath``.
        root: the source root it was found under, relative to the project root (``.`` or ``src``).
        kind: one of :data:`MODULE_KINDS`.
        is_package: True for ``__init__.py`` / ``__init__.pyi``.
        size: file size in bytes at discovery time.
    """

    relpath: str
    module: str
    root: str
    kind: str
    is_package: bool = False
    size: int = 0


@dataclass(frozen=True, slots=True, order=True)
class Import:
    """One imported name as the source wrote it, with relative imports made absolute.

    ``import a.b as x`` gives ``module="a.b", name=None, alias="x"``; ``from a import b as c`` gives
    ``module="a", name="b", alias="c"``; ``from a import *`` gives ``name="*"``. ``module`` is empty
    and ``error`` is set when a relative import climbs above the top-level package.

    Attributes:
        kind: ``import``, ``type_checking``, ``optional``, ``fallback``, ``guarded`` or ``dynamic``.
        scope: ``module`` (runs at import time), ``function`` or ``class``.
        confidence: ``high`` for parsed statements, ``low`` for recovered or guessed ones.
    """

    line: int
    column: int
    module: str
    name: str | None = None
    alias: str | None = None
    level: int = 0
    kind: str = "import"
    scope: str = "module"
    confidence: str = "high"
    error: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Definition:
    """A module-level or nested definition.

    Attributes:
        qualname: dotted name inside the module (``Class.method``, ``outer.<locals>``-free form
            ``outer.inner``).
        kind: ``function``, ``class``, ``method`` or ``variable``.
        bases: for classes, base-class references (dotted, resolved through the file's bindings).
        returns: for functions, the return annotation as a dotted reference, or ``""``.
        end_line: last line of the definition (lines of code = end_line - line + 1).
        mutable: for variables, True when bound to a call result, dict, list or set (shared state).
        decorators: decorator references (dotted), outermost first.
        params: parameter names in order (``self``/``cls`` included).
        annotations: ``(param, dotted annotation)`` pairs for annotated parameters.
        is_async: True for ``async def``.
        route: for route-decorated functions, ``(METHOD, path)``; otherwise ``None``.
    """

    qualname: str
    kind: str
    line: int
    end_line: int
    bases: tuple[str, ...] = ()
    returns: str = ""
    mutable: bool = False
    decorators: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    is_async: bool = False
    route: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True, order=True)
class Reference:
    """A use of a name that the graph stage may resolve to a definition.

    Attributes:
        src: qualname of the enclosing scope (``<module>``, ``func``, ``Class.method``,
            ``func.<lambda>``, ``<cell 3>`` in notebooks).
        target: dotted path after substituting the file's import bindings (``app.tasks.reindex``)
            or, for ``self.x`` inside class ``C`` of module ``m``, ``m.C.x``.
        hint: what the site does: ``call``, ``ref`` (used as a value), ``decorates``, ``inherits``,
            ``inferred`` (receiver type from an annotation or constructor), ``load`` or ``store``
            (attribute access on a module-level object), ``self`` (a call through self/cls),
            ``string`` (a dotted string constant), ``django_model`` (``"app_label.Model"``).
    """

    line: int
    column: int
    src: str
    target: str
    hint: str


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """A message for the user, printed as ``path:line:col: CODE message``.

    Attributes:
        code: stable code (``DEC0xx`` input, ``DEC1xx`` boundary rules, ``DEC2xx`` cycles).
        severity: ``error``, ``warning`` or ``info``.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    severity: str = "warning"

    def format(self) -> str:
        """Return the one-line ``path:line:col: CODE message`` form (column printed 1-based)."""
        return f"{self.path}:{self.line}:{self.column + 1}: {self.code} {self.message}"


@dataclass(frozen=True, slots=True)
class FileFacts:
    """Everything the parser learned from one file. Pure data: picklable, comparable.

    Attributes:
        source: the file.
        status: one of :data:`MODULE_STATUSES`.
        sha256: hex digest of the file's bytes.
        lines: number of lines in the file.
        imports, definitions, references: the facts, in source order.
        all_names: the module's ``__all__`` when it is a literal list/tuple, else ``None``.
        unresolved_calls: number of call sites whose callee could not be named statically.
        call_sites: number of call sites seen (resolved or not).
        sys_path_hint: True when the file provably inserts its own folder into ``sys.path``
            (``os.path.dirname(__file__)``, ``Path(__file__).parent``...).
        diagnostics: problems found while reading this file.
        data_refs: ``(line, kind, value)`` data-coupling literals in source order: ``sql_read``,
            ``sql_write``, ``sql_ddl`` (table names in SQL strings), ``orm_table``
            (``__tablename__``, ``db_table``, ``Table("name", ...)``), ``env`` (keys read through
            ``os.environ``/``os.getenv``), ``path`` (data and model-artifact file names),
            ``queue`` (queues, topics, streams) and ``cache`` (cache keys; ``prefix*`` for
            f-strings).
        sys_path_dirs: ``(line, folder)`` for each ``sys.path.insert``/``append`` whose
            argument provably names a folder of the project: POSIX, relative to the analyzed
            root (``""`` for the root itself). Folders computed at run time are not listed
            (the parser reports them as DEC014 info instead).
    """

    source: SourceFile
    status: str
    sha256: str
    lines: int
    imports: tuple[Import, ...] = ()
    definitions: tuple[Definition, ...] = ()
    references: tuple[Reference, ...] = ()
    all_names: tuple[str, ...] | None = None
    unresolved_calls: int = 0
    call_sites: int = 0
    sys_path_hint: bool = False
    strings: tuple[tuple[int, str], ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    data_refs: tuple[tuple[int, str, str], ...] = ()
    sys_path_dirs: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class ModuleNode:
    """A module in ``graph.json``: ``{name, path, kind, status, lines}``."""

    name: str
    path: str
    kind: str
    status: str
    lines: int = 0


@dataclass(frozen=True, slots=True, order=True)
class ModuleEdge:
    """A module edge ``src -> dst`` in ``graph.json`` (first-party in ``imports``, otherwise in
    ``external``).

    Attributes:
        kind: one of :data:`IMPORT_KINDS`.
        line: first line of evidence in ``src``.
        weight: number of statements (or references) that give this edge.
        scope: ``module`` when any evidence runs at import time, else ``function``.
        confidence: ``high`` or ``low``.
    """

    src: str
    dst: str
    kind: str
    line: int
    weight: int = 1
    scope: str = "module"
    confidence: str = "high"


@dataclass(frozen=True, slots=True, order=True)
class CallEdge:
    """A call-graph edge between ``module:qualname`` ids.

    Attributes:
        kind: one of :data:`CALL_KINDS`.
        line: first line of evidence in the caller's module.
        count: number of sites that give this edge.
    """

    src: str
    dst: str
    kind: str
    line: int
    count: int = 1


@dataclass(frozen=True, slots=True)
class Service:
    """A proposed or declared service.

    Attributes:
        name: unique readable name (``training``, ``api``).
        modules: sorted module names.
        interface: sorted ``module:qualname`` ids used from other services.
        kernel: True for the shared kernel (a library every service may use).
    """

    name: str
    modules: tuple[str, ...]
    interface: tuple[str, ...] = ()
    kernel: bool = False


@dataclass(frozen=True, slots=True)
class Partition:
    """A partition of module names into services.

    Attributes:
        assignment: sorted ``(module, service name)`` pairs; every analyzed module exactly once.
        algorithm: e.g. ``leiden`` or ``louvain``.
        seed: random seed used (default 0).
        resolution: modularity resolution gamma.
        kernel: modules taken out of clustering as the shared kernel.
    """

    assignment: tuple[tuple[str, str], ...]
    algorithm: str
    seed: int
    resolution: float
    kernel: tuple[str, ...] = ()

    def services(self) -> dict[str, tuple[str, ...]]:
        """Return ``{service name: sorted module names}``."""
        out: dict[str, list[str]] = {}
        for module, service in self.assignment:
            out.setdefault(service, []).append(module)
        return {k: tuple(sorted(v)) for k, v in sorted(out.items())}

    def as_dict(self) -> dict[str, str]:
        """Return ``{module: service name}``."""
        return dict(self.assignment)


@dataclass(frozen=True, slots=True, order=True)
class Crossing:
    """One dependency that crosses a service boundary.

    Attributes:
        src_service, dst_service: service names.
        src, dst: module names, or ``module:qualname`` ids for calls.
        kind: the edge kind (an import kind or a call kind).
        location: where the evidence is.
    """

    src_service: str
    dst_service: str
    src: str
    dst: str
    kind: str
    location: Location


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    """A file an emitter wants written: POSIX path relative to the output folder, and content."""

    path: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a module sits in its service.

    Attributes:
        module: module name.
        service: its service.
        pull: ``(service, weight)`` pairs, strongest first: edge weight to each service.
        runner_up: the second-strongest service, or ``""``.
        margin: ``(w_own - w_runner_up) / (w_own + w_runner_up)`` in [-1, 1]; 1 when no runner-up.
        contested: True when the margin is below the contested threshold.
        top_edges: up to five ``(neighbour module, weight)`` pairs that pulled it there.
    """

    module: str
    service: str
    pull: tuple[tuple[str, float], ...]
    runner_up: str
    margin: float
    contested: bool
    top_edges: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """The result of ``analyze``: services, crossings, explanations and metrics.

    Attributes:
        partition: the partition it was built from.
        services: services in name order (the shared kernel, if any, included with kernel=True).
        crossings: sorted crossings between different services.
        explanations: one per module, sorted by module.
        metrics: metric name -> value (see decompose.metrics).
        settings: the settings used (algorithm, seed, resolution, weights...), JSON-ready.
        extras: further JSON-ready findings keyed by name (``god_modules``,
            ``resolution_profile``, ``shared_state``, ``roles``...), filled by later stages.
    """

    partition: Partition
    services: tuple[Service, ...]
    crossings: tuple[Crossing, ...]
    explanations: tuple[Explanation, ...]
    metrics: dict[str, float] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    extras: dict[str, object] = field(default_factory=dict)
