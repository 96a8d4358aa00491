"""Per-file fact extraction: imports, definitions and references, from CPython's ``ast``.

``parse_file`` is pure and never raises: any problem with a file becomes a :class:`Diagnostic` in
its :class:`FileFacts`, with as many facts as can still be recovered.

Why ``ast`` and not libcst: measured on this machine kind (issue 9), ``ast.parse`` is the floor for
a Python parser; libcst's parse costs 10-13x it and its scope/qualified-name metadata another ~10x.
So names are resolved here from each module's own import bindings and definitions, walking the tree
iteratively (a generated file of one long expression exhausts the recursion of a recursive visitor),
and libcst is only used as a fallback that lowers syntax newer than the running interpreter
(:mod:`decompose.lower`).

Cross-file questions (is ``a.b`` a module? which file defines ``fit`` re-exported by ``trainer``?)
are answered later by :mod:`decompose.graph`; references therefore carry dotted targets as the file
spells them after its bindings are substituted, e.g. ``rk.rank`` -> ``app.retrieval.ranker.rank``.
"""

from __future__ import annotations

import ast
import builtins
import codecs
import gc
import hashlib
import io
import json
import re
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from decompose.model import Definition, Diagnostic, FileFacts, Import, Reference, SourceFile
from decompose.sql import sql_tables

_BUILTINS = frozenset(dir(builtins))
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+(:[A-Za-z_][\w.]*)?$")
_HTTP_METHODS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "head": "HEAD",
    "options": "OPTIONS",
    "route": "ANY",
    "api_route": "ANY",
    "websocket": "WS",
}
_DJANGO_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
# Task-queue decorators that register a function under a name, and calls that name one.
_TASK_DECORATORS = {"task", "shared_task", "periodic_task", "actor"}
_TASK_SENDERS = {"send_task", "signature"}
_IMPORT_ERRORS = {
    "ImportError",
    "ModuleNotFoundError",
    "Exception",
    "BaseException",
    "builtins.ImportError",
    "builtins.ModuleNotFoundError",
}
_GUARD_NAMES = (
    "sys.version",  # also sys.version_info
    "sys.hexversion",
    "sys.platform",
    "sys.implementation",
    "sys.maxsize",
    "platform.",
    "os.name",
)
# Conventional flag names for version / platform checks (PY2, six.PY3, IS_WINDOWS, ON_MAC...).
_GUARD_FLAG = re.compile(
    r"^(IS_|ON_|USE_)?(PY\d*|PYTHON\d*|PYPY|CPYTHON|WIN(DOWS|32|64)?|MAC(OS)?|OSX|DARWIN|LINUX"
    r"|POSIX|JYTHON)$"
)
_TC_NAMES = {"typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING", "TYPE_CHECKING"}
# Context managers that swallow a failed import (haystack's ``with LazyImport(...)``, optuna's
# ``with try_import()``): the imports in their body are optional, like try/except ImportError.
_LAZY_IMPORT_HELPERS = frozenset(
    {"LazyImport", "lazy_import", "try_import", "optional_import", "optional_imports"}
)
# Guards that test whether a package is installed: ``is_torch_available()`` (transformers,
# diffusers...), ``importlib.util.find_spec("x")``; the imports they guard are optional.
_AVAILABLE_CALL = re.compile(r"^_?is_\w+_available$|^find_spec$")
# Kind priority when guards nest: the strongest wins.
_KIND_RANK = {"import": 0, "guarded": 1, "optional": 2, "fallback": 3, "type_checking": 4}
_MAX_STRING_REFS = 2000
# Data-coupling literals (FileFacts.data_refs): SQL statements, artifact paths, env keys, queues.
_MAX_DATA_REFS = 2000
_SQL_START = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH|ALTER|DROP|REPLACE|MERGE"
    r"|TRUNCATE)\b",
    re.IGNORECASE,
)
_ARTIFACT = re.compile(
    r"^[\w./~${}-]*\.(pkl|pickle|joblib|pt|pth|onnx|safetensors|ckpt|h5|hdf5|keras|pb|tflite|"
    r"gguf|ggml|bin|npz|npy|parquet|feather|arrow|db|sqlite|sqlite3|csv|tsv|jsonl|faiss|index|"
    r"model|engine|mlmodel)$"
)
_ENV_GETTERS = frozenset(
    {
        "os.environ.get",
        "os.getenv",
        "os.environ.setdefault",
        "os.environ.pop",
        "os.putenv",
        "os.environ.__getitem__",
    }
)
# Client methods that name a queue or topic in their first argument (also read by coupling).
QUEUE_CALLS = frozenset(
    {
        "send_task",
        "publish",
        "produce",
        "subscribe",
        "basic_publish",
        "queue_declare",
        "xadd",
        "xread",
        "xreadgroup",
        "lpush",
        "rpush",
        "blpop",
        "brpop",
        "enqueue_call",
    }
)
_QUEUE_KWARGS = frozenset(
    {"queue", "topic", "topics", "routing_key", "exchange", "stream", "queue_name", "topic_name"}
)
_CACHE_CALLS = frozenset({"setex", "hset", "hget", "hgetall", "incr", "expire", "getex", "hincrby"})


def _sql_tables(v: str) -> list[tuple[str, str]]:
    """``(kind, table)`` pairs for a string constant that reads as SQL: see
    :func:`decompose.sql.sql_tables` (only called when the string starts with a SQL verb)."""
    if _SQL_START.match(v) is None:
        return []
    return sql_tables(v)


@dataclass(slots=True)
class _Scope:
    """A function, lambda, class or module scope during the walk."""

    qualname: str  # "<module>" for module scope
    kind: str  # module | function | class
    locals: dict[str, str | None] = field(default_factory=dict)  # name -> type target or None
    cls: str = ""  # enclosing class qualname for methods
    parent: _Scope | None = None
    globals_: set[str] = field(default_factory=set)
    self_name: str = ""  # first parameter of a method (self / cls)
    paths: dict[str, tuple[str, ...] | None] = field(default_factory=dict)  # name -> path parts


_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=]")  # PEP 263


def _read_source(data: bytes) -> tuple[str, str, int, int]:
    """Decode bytes per PEP 263 / BOM. Returns (text, error, line, col); error is "" when clean.

    Undecodable bytes are replaced (U+FFFD) so that facts can still be recovered.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # a bad coding declaration, or none and bytes that are not UTF-8
        text = data.decode("utf-8", "replace")
        if not any(_CODING_RE.match(x) for x in data.splitlines()[:2]):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                line = data.count(b"\n", 0, bad.start) + 1
                col = bad.start - (data.rfind(b"\n", 0, bad.start) + 1)
                return (
                    text,
                    f"not valid UTF-8 at byte {bad.start} (0x{data[bad.start]:02x}) and no "
                    "encoding declaration: save the file as UTF-8 or declare its encoding on "
                    "line 1 or 2 (`# -*- coding: latin-1 -*-`)",
                    line,
                    col,
                )
        return text, f"bad encoding declaration: {exc}", 1, 0
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
        if text.startswith("\ufeff"):
            text = text[1:]
        return text, "", 0, 0
    except UnicodeDecodeError as exc:
        bom = data.startswith(codecs.BOM_UTF8)
        start = exc.start + (3 if bom and encoding == "utf-8-sig" else 0)  # offset after the BOM
        line = data.count(b"\n", 0, start) + 1
        col = start - (data.rfind(b"\n", 0, start) + 1)
        text = data.decode(encoding, "replace")
        if text.startswith("\ufeff"):
            text = text[1:]
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        if any(_CODING_RE.match(x) for x in data.splitlines()[:2]):
            why = f" although line 1 or 2 declares {encoding}"
        elif bom:
            why = " although the file starts with a UTF-8 byte-order mark"
        else:
            why = (
                " and no encoding declaration: save the file as UTF-8 or declare its encoding "
                "on line 1 or 2 (`# -*- coding: latin-1 -*-`)"
            )
        return text, f"not valid {name} at byte {start} (0x{data[start]:02x}){why}", line, col


def _notebook_source(data: bytes) -> tuple[str, list[tuple[int, int]], str]:
    """Join a notebook's code cells. Magics (``%``), shell lines (``!``) and help (``?``) are
    blanked so that line numbers are kept. Returns (source, [(first line, cell number)], error)."""
    try:
        nb = json.loads(data.decode("utf-8", "replace"))
        cells = nb.get("cells", []) if isinstance(nb, dict) else []
        if not isinstance(cells, list):
            raise ValueError("cells is not a list")
    except (ValueError, AttributeError) as exc:
        return "", [], f"not a valid notebook: {exc}"
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    line = 1
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if not isinstance(src, str):
            continue
        lines = src.splitlines()
        if lines and lines[0].lstrip().startswith("%%"):
            lines = [""] * len(lines)  # cell magic: the cell is not Python
        cleaned = [
            "" if ln.lstrip().startswith(("%", "!", "?")) or ln.rstrip().endswith("?") else ln
            for ln in lines
        ]
        starts.append((line, number))
        parts.append("\n".join(cleaned) + "\n")
        line += len(cleaned)
    return "".join(parts), starts, ""


_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)
_RECOVER = re.compile(r"^\s*(?:from\s+(\.*[\w.]*)\s+c?import\s+(.+)|c?import\s+(.+))$")


def _scan_imports(text: str, module: str, is_package: bool) -> list[Import]:
    """Line-based recovery of import statements for files that do not parse (Python 2 code,
    merge conflicts, Cython). Every result has confidence ``low``."""
    out: list[Import] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        m = _RECOVER.match(line)
        if not m:
            continue
        if m.group(3) is not None:
            for part in m.group(3).split(","):
                words = part.split()
                if not words or not _is_dotted(words[0]):
                    continue
                alias = words[2] if len(words) == 3 and words[1] == "as" else None
                out.append(Import(lineno, 0, words[0], None, alias, 0, confidence="low"))
        else:
            target = m.group(1)
            level = len(target) - len(target.lstrip("."))
            base, err = _absolute(target.lstrip("."), level, module, is_package)
            names = m.group(2).strip().strip("()")
            for part in names.split(","):
                words = part.split()
                if not words:
                    continue
                if words[0] != "*" and not words[0].isidentifier():
                    continue
                alias = words[2] if len(words) == 3 and words[1] == "as" else None
                out.append(
                    Import(lineno, 0, base, words[0], alias, level, confidence="low", error=err)
                )
    return out


def _is_dotted(s: str) -> bool:
    return all(p.isidentifier() for p in s.split("."))


def _absolute(name: str, level: int, module: str, is_package: bool) -> tuple[str, str]:
    """Resolve a relative import against ``module``. Returns (absolute name, error)."""
    if level == 0:
        return name, ""
    if not _is_dotted(module):
        return "", "relative import in a file whose path is not importable (runs as a script)"
    parts = module.split(".")
    package = parts if is_package else parts[:-1]
    if level - 1 > len(package) - 1 or not package:
        return "", "relative import beyond top-level package"
    base = package[: len(package) - (level - 1)]
    if name:
        base = base + name.split(".")
    return ".".join(base), ""


def _target_of(node: ast.expr) -> str | None:
    """Dotted text of a Name/Attribute chain (``a.b.c``), else None. Iterative."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


# Calls that keep a path (``str(p)``, ``os.path.abspath(p)``), join literal parts to it, or take
# its folder; see _Extractor.path_value.
_PATH_SAME = frozenset(
    {"str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath"}
)
_PATH_JOIN = frozenset(
    {
        "os.path.join",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.PurePosixPath",
    }
)
_PATH_DIRNAME = frozenset({"os.path.dirname"})


def _path_join(base: tuple[str, ...], text: str) -> tuple[str, ...] | None:
    """``base`` joined with the relative path ``text`` and normalised (``..`` goes up); None
    when ``text`` is absolute, depends on the environment (``~``, ``$``) or leaves the root."""
    if text.startswith(("/", "\\", "~")) or "$" in text or (len(text) > 1 and text[1] == ":"):
        return None
    parts = list(base)
    for part in text.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return tuple(parts)


# Fields that only ever hold operators or expression contexts (``Load``/``Store``, ``+``, ``==``):
# nodes without facts, never pushed on the walk's stack.
_OPERATOR_FIELDS = frozenset({"ctx", "op", "ops"})
# node class -> its child field names, reversed (the walk pushes them last-first)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        names = getattr(cls, "_fields", ())
        fields = tuple(n for n in reversed(names) if n not in _OPERATOR_FIELDS)
        _CHILD_FIELDS[cls] = fields
    return fields


def _subtree(node: ast.AST) -> list[ast.AST]:
    """``node`` and its descendants in :func:`ast.walk`'s breadth-first order, without operator
    and context nodes (a faster ``list(ast.walk(node))`` for the questions asked of it here)."""
    out = [node]
    i = 0
    while i < len(out):
        n = out[i]
        i += 1
        for fname in reversed(_CHILD_FIELDS.get(n.__class__) or _child_fields(n.__class__)):
            value = getattr(n, fname, None)
            if value.__class__ is list:
                out.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                out.append(value)
    return out


# Node types that :meth:`_Extractor.step` treats specially (every other type: its children are
# pushed); the walk's fast path sends only these through ``step``.
_STEP_TYPES = frozenset(
    {
        ast.Import,
        ast.ImportFrom,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.Lambda,
        ast.If,
        ast.Try,
        ast.TryStar,
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.Global,
        ast.Nonlocal,
        ast.Call,
        ast.Name,
        ast.Attribute,
        ast.Subscript,
        ast.Constant,
        ast.For,
        ast.AsyncFor,
        ast.comprehension,
        ast.With,
        ast.AsyncWith,
        ast.NamedExpr,
        ast.ListComp,
        ast.SetComp,
        ast.GeneratorExp,
        ast.DictComp,
        ast.ExceptHandler,
        ast.Delete,
    }
)


class _Extractor:
    """One pass over one module's tree. Use :func:`parse_file`, not this class."""

    def __init__(self, source: SourceFile, cells: list[tuple[int, int]] | None = None) -> None:
        self.src = source
        self.module = source.module
        self.imports: list[Import] = []
        self.defs: list[Definition] = []
        self.refs: list[Reference] = []
        self.diags: list[Diagnostic] = []
        self.bindings: dict[str, str] = {}  # module-level name -> dotted target
        self.module_defs: set[str] = set()
        self.constants: dict[str, tuple[str, ...]] = {}  # module-level string constants
        self.all_names: list[str] | None = None
        self.call_sites = 0
        self.unresolved = 0
        self.sys_path_hint = False
        self.sys_path_dirs: list[tuple[int, str]] = []  # (line, root-relative folder)
        self.string_refs = 0
        self.cells = cells
        self.class_bases: dict[str, str] = {}  # class qualname -> first base target
        self.flag_exprs: dict[str, ast.expr] = {}  # module constant -> its value expression
        self.data_refs: list[tuple[int, str, str]] = []  # (line, kind, value): see FileFacts

    # ----------------------------------------------------------------- helpers
    def diag(self, node: ast.AST | int, code: str, message: str, severity: str = "warning") -> None:
        if isinstance(node, int):
            line, col = node, 0
        else:
            line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        self.diags.append(Diagnostic(self.src.relpath, line, col, code, message, severity))

    def scope_name(self, scope: _Scope, line: int) -> str:
        if scope.kind == "module" and self.cells is not None:
            cell = 0
            for start, number in self.cells:
                if start <= line:
                    cell = number
            return f"<cell {cell}>"
        return scope.qualname

    def ref(self, scope: _Scope, node: ast.AST, target: str, hint: str) -> None:
        line = getattr(node, "lineno", 1)
        src = (
            scope.qualname
            if self.cells is None or scope.kind != "module"
            else self.scope_name(scope, line)
        )
        self.refs.append(Reference(line, getattr(node, "col_offset", 0), src, target, hint))

    def lookup(self, name: str, scope: _Scope | None) -> tuple[str | None, bool]:
        """Resolve a bare name. Returns (dotted target or None, is_local_typed)."""
        s = scope
        while s is not None and s.kind != "module":
            if name in s.globals_:
                break
            if s.kind != "class" and name in s.locals:
                typ = s.locals[name]
                return typ, typ is not None and "()" in typ
            s = s.parent
        if name in self.bindings:
            return self.bindings[name], False
        if name in self.module_defs:
            return f"{self.module}.{name}", False
        if name in _BUILTINS:
            return None, False
        return f"{self.module}.{name}", False  # maybe from a star import; the graph decides

    def resolve(self, node: ast.expr, scope: _Scope) -> tuple[str | None, bool, ast.expr | None]:
        """Dotted target of an expression used as callee or value.

        Returns (target, inferred, base) where ``base`` is a sub-expression still to visit (a call
        or subscript at the root of an attribute chain)."""
        attrs: list[str] = []
        cur = node
        while isinstance(cur, ast.Attribute):
            attrs.append(cur.attr)
            cur = cur.value
        attrs.reverse()
        if isinstance(cur, ast.Name):
            head, inferred = self.lookup(cur.id, scope)
            if head is None:
                return None, False, None
            return ".".join([head, *attrs]), inferred, None
        if isinstance(cur, ast.Call):
            if isinstance(cur.func, ast.Name) and cur.func.id == "super" and scope.cls:
                # super().m / super(C, self).m: the member after C in C's bases (the graph
                # walks them left to right, an approximation of the MRO).
                start: str | None = f"{self.module}.{scope.cls}"
                if cur.args and isinstance(cur.args[0], (ast.Name, ast.Attribute)):
                    start, _, _ = self.resolve(cur.args[0], scope)
                if start and scope.cls in self.class_bases:
                    return ".".join([start + "()", "<super>", *attrs]), False, cur
                return None, False, cur
            inner, _, _ = self.resolve(cur.func, scope)
            if inner is None or not attrs:
                return None, False, cur
            return ".".join([inner + "()", *attrs]), True, cur
        return None, False, cur

    def annotation(self, node: ast.expr | None, scope: _Scope) -> str:
        """Dotted class named by an annotation: X, mod.X, 'X', Optional[X], X | None."""
        todo = [node] if node is not None else []
        seen = 0
        while todo and seen < 20:
            seen += 1
            n = todo.pop(0)
            if n is None:
                continue
            if isinstance(n, ast.Constant) and isinstance(n.value, str):
                try:
                    todo.append(ast.parse(n.value.strip(), mode="eval").body)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    pass
                continue
            if isinstance(n, ast.BinOp):
                todo.extend([n.left, n.right])
                continue
            if isinstance(n, ast.Subscript):
                outer = _target_of(n.value) or ""
                if outer.split(".")[-1] in ("Optional", "Annotated", "Union", "Type"):
                    sl = n.slice
                    todo.extend(sl.elts if isinstance(sl, ast.Tuple) else [sl])
                continue
            if isinstance(n, (ast.Name, ast.Attribute)):
                text = _target_of(n)
                if text is None or text == "None":
                    continue
                t, _, _ = self.resolve(n, scope)
                if t:
                    return t
        return ""

    # ----------------------------------------------------------------- imports
    def add_import(
        self, node: ast.AST, imp: Import, scope: _Scope, bind: tuple[str, str] | None
    ) -> None:
        self.imports.append(imp)
        if imp.error:
            self.diag(node, "DEC004", f"{imp.error}: no edge", "warning")
            return
        if bind is None:
            return
        name, target = bind
        if scope.kind == "module" or name in scope.globals_:
            self.bindings[name] = target
        elif scope.kind != "class":
            scope.locals[name] = target  # a function-level import binds a dotted target

    def visit_import(self, node: ast.Import, scope: _Scope, kind: str) -> None:
        for alias in node.names:
            name = alias.name
            sc = "module" if scope.kind == "module" else scope.kind
            imp = Import(node.lineno, node.col_offset, name, None, alias.asname, 0, kind, sc)
            if alias.asname:
                bind = (alias.asname, name)
            else:
                top = name.split(".")[0]
                bind = (top, top)
            self.add_import(node, imp, scope, bind)

    def visit_import_from(self, node: ast.ImportFrom, scope: _Scope, kind: str) -> None:
        base, err = _absolute(node.module or "", node.level, self.module, self.src.is_package)
        sc = "module" if scope.kind == "module" else scope.kind
        for alias in node.names:
            imp = Import(
                node.lineno,
                node.col_offset,
                base,
                alias.name,
                alias.asname,
                node.level,
                kind,
                sc,
                error=err,
            )
            bind = None
            if alias.name != "*" and base:
                bind = (alias.asname or alias.name, f"{base}.{alias.name}")
            self.add_import(node, imp, scope, bind)

    def dynamic_import(self, node: ast.Call, scope: _Scope, fn: str) -> None:
        if not node.args:
            return
        arg = node.args[0]
        package = ""
        own_package = self.module if self.src.is_package else self.module.rpartition(".")[0]

        def package_of(value: ast.expr) -> str:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
            if isinstance(value, ast.Name) and value.id == "__package__":
                return own_package
            if isinstance(value, ast.Name) and value.id == "__name__":
                return self.module if self.src.is_package else own_package
            return ""

        for kw in node.keywords:
            if kw.arg == "package":
                package = package_of(kw.value)
        if fn == "importlib.import_module" and len(node.args) > 1:
            package = package_of(node.args[1]) or package
        names: tuple[str, ...] = ()
        confidence = "high"
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names = (arg.value,)
        elif isinstance(arg, ast.Name) and arg.id in self.constants:
            names, confidence = self.constants[arg.id], "low"
        elif (
            isinstance(arg, ast.Subscript)
            and isinstance(arg.value, ast.Name)
            and arg.value.id in self.constants
        ):
            names, confidence = self.constants[arg.value.id], "low"
        elif isinstance(arg, (ast.JoinedStr, ast.BinOp)):
            prefix = ""
            if isinstance(arg, ast.JoinedStr):
                for part in arg.values:
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        prefix += part.value
                    else:
                        break
            elif isinstance(arg.left, ast.Constant) and isinstance(arg.left.value, str):
                prefix = arg.left.value
            pattern = (prefix + "*") if prefix else "<unknown>"
            self.diag(
                node,
                "DEC009",
                f"dynamic import with non-literal name in {self.scope_name(scope, node.lineno)}:"
                f" candidates {pattern} (not drawn as edges)",
                "info",
            )
            return
        else:
            self.diag(node, "DEC009", "dynamic import with a computed name (no edge)", "info")
            return
        sc = "module" if scope.kind == "module" else "function"
        for name in names:
            if not isinstance(name, str) or not name:
                continue
            level = len(name) - len(name.lstrip("."))
            mod = name.lstrip(".")
            if level:
                if not package:
                    continue
                parts = package.split(".")
                if level - 1 >= len(parts):
                    continue
                mod = ".".join(parts[: len(parts) - (level - 1)] + ([mod] if mod else []))
            if not _is_dotted(mod):
                continue
            self.imports.append(
                Import(node.lineno, node.col_offset, mod, None, None, 0, "dynamic", sc, confidence)
            )

    # ----------------------------------------------------------------- guards
    def guard_kind(self, test: ast.expr, scope: _Scope) -> str | None:
        """'type_checking' for TYPE_CHECKING guards (any spelling), 'guarded' for version and
        platform conditions, 'optional' for is-it-installed tests (``is_torch_available()``,
        ``importlib.util.find_spec("x")``; 'not_optional' when negated), else None."""
        node = test
        negated = False
        while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            node, negated = node.operand, not negated
        text = _target_of(node)
        if text is not None:
            resolved, _, _ = self.resolve(node, scope)
            if text in _TC_NAMES or (resolved or "") in _TC_NAMES or text.endswith("TYPE_CHECKING"):
                # `if not TYPE_CHECKING:` runs at run time; its else branch is type-only.
                return "not_type_checking" if negated else "type_checking"
        if self.is_guard_expr(test, scope, 0):
            return "guarded"
        if _small(test) and any(
            isinstance(sub, ast.Call)
            and _AVAILABLE_CALL.match((_target_of(sub.func) or "").rsplit(".", 1)[-1])
            for sub in _subtree(test)
        ):
            # `find_spec("x") is None` tests for absence, like `not is_x_available()`
            if (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], (ast.Is, ast.Eq))
                and isinstance(node.comparators[0], ast.Constant)
                and node.comparators[0].value is None
            ):
                negated = not negated
            return "not_optional" if negated else "optional"
        return None

    def is_guard_expr(self, test: ast.expr, scope: _Scope, depth: int) -> bool:
        """True when ``test`` mentions the interpreter version or the platform, however spelled:
        ``sys.version_info``/``sys.platform``/``os.name``/``platform.*`` directly, through an
        alias (``from sys import version_info as vi``), or through a flag (``PY2``, ``six.PY3``,
        ``IS_WINDOWS``, or a module constant assigned from such an expression)."""
        for sub in _subtree(test) if _small(test) and depth < 4 else ():
            if not isinstance(sub, (ast.Attribute, ast.Name)):
                continue
            t = _target_of(sub)
            if t is None:
                continue
            if t.startswith(_GUARD_NAMES) or _GUARD_FLAG.match(t.rsplit(".", 1)[-1]):
                return True
            r, _, _ = self.resolve(sub, scope)
            if r and r.startswith(_GUARD_NAMES):
                return True
            flag = self.flag_exprs.get(sub.id) if isinstance(sub, ast.Name) else None
            if flag is not None and self.is_guard_expr(flag, scope, depth + 1):
                return True
        return False

    # ----------------------------------------------------------------- definitions
    def decorators(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, scope: _Scope
    ) -> tuple[tuple[str, ...], tuple[str, str] | None]:
        out: list[str] = []
        route: tuple[str, str] | None = None
        for dec in node.decorator_list:
            fn = dec.func if isinstance(dec, ast.Call) else dec
            text = _target_of(fn) or ""
            target, _, _ = self.resolve(fn, scope)
            out.append(target or text)
            if isinstance(dec, ast.Call) and isinstance(fn, ast.Attribute):
                method = _HTTP_METHODS.get(fn.attr)
                if method and dec.args and isinstance(dec.args[0], ast.Constant):
                    path = dec.args[0].value
                    if isinstance(path, str):
                        if method == "ANY":
                            for kw in dec.keywords:
                                if kw.arg == "methods" and isinstance(
                                    kw.value, (ast.List, ast.Tuple)
                                ):
                                    vals = [
                                        e.value
                                        for e in kw.value.elts
                                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                                    ]
                                    if vals:
                                        method = str(vals[0]).upper()
                        route = (method, path)
        return tuple(out), route

    # ----------------------------------------------------------------- main walk
    def run(self, tree: ast.Module) -> None:
        """Walk ``tree`` depth first in source order (an explicit stack: no recursion limit).

        The most frequent node types (``Name``, ``Constant``, ``BinOp``, ``Call`` and the
        childless-or-generic ones: about 70% of all nodes) are handled here without a call to
        :meth:`step`; the rest go through it. The order of the visits, and so of every fact
        collected, is the same as :meth:`step` alone would give.
        """
        self.prescan(tree)
        root = _Scope("<module>", "module")
        stack: list[tuple[ast.AST, _Scope, str, str]] = [
            (stmt, root, "import", "load") for stmt in reversed(tree.body)
        ]
        pop, push = stack.pop, stack.append
        step, visit_name, visit_call = self.step, self.visit_name, self.visit_call
        fields_of, special = _CHILD_FIELDS, _STEP_TYPES
        name_t, constant_t, binop_t, call_t = ast.Name, ast.Constant, ast.BinOp, ast.Call
        attribute_t, subscript_t, visit_access = ast.Attribute, ast.Subscript, self.visit_access
        ast_t = ast.AST
        while stack:
            item = pop()
            node = item[0]
            t = node.__class__
            if t is name_t:
                visit_name(node, item[1], item[3])  # type: ignore[arg-type]
            elif t is constant_t:
                if node.value.__class__ is str:  # type: ignore[attr-defined]
                    step(node, item[1], item[2], item[3], stack)
            elif t is binop_t:
                scope, kind = item[1], item[2]
                push((node.right, scope, kind, "load"))  # type: ignore[attr-defined]
                push((node.left, scope, kind, "load"))  # type: ignore[attr-defined]
            elif t is call_t:
                visit_call(node, item[1], item[2], stack)  # type: ignore[arg-type]
            elif t is attribute_t or t is subscript_t:
                visit_access(node, item[1], item[2], item[3], stack)
            elif t in special:
                step(node, item[1], item[2], item[3], stack)
            else:  # every child field, in reverse source order (see push_children)
                fields = fields_of.get(t)
                if fields is None:
                    fields = _child_fields(t)
                scope, kind = item[1], item[2]
                for fname in fields:
                    value = getattr(node, fname, None)
                    if value is None:
                        continue
                    if value.__class__ is list:
                        for v in reversed(value):
                            if isinstance(v, ast_t):
                                push((v, scope, kind, "load"))
                    elif isinstance(value, ast_t):
                        push((value, scope, kind, "load"))

    def prescan(self, tree: ast.Module) -> None:
        """Collect module-level names, string constants and ``__all__`` before the walk, so that
        functions defined above a constant still see it."""
        for stmt in _flat_module_body(tree.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.module_defs.add(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                value = stmt.value
                for t in targets:
                    if isinstance(t, ast.Name) and isinstance(
                        value, (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Attribute, ast.Call)
                    ):
                        self.flag_exprs[t.id] = value  # maybe a version/platform flag
                    for name in _names_in_target(t):
                        self.module_defs.add(name)
                        strings = _string_values(value)
                        if strings:
                            self.constants[name] = strings
                        if name == "__all__" and isinstance(value, (ast.List, ast.Tuple)):
                            vals = [
                                e.value
                                for e in value.elts
                                if isinstance(e, ast.Constant) and isinstance(e.value, str)
                            ]
                            if isinstance(stmt, ast.AugAssign) and self.all_names is not None:
                                self.all_names.extend(vals)
                            else:
                                self.all_names = vals

    def step(
        self,
        node: ast.AST,
        scope: _Scope,
        kind: str,
        mode: str,
        stack: list[tuple[ast.AST, _Scope, str, str]],
    ) -> None:
        push = stack.append
        t = type(node)
        if t is ast.Import:
            assert isinstance(node, ast.Import)
            self.visit_import(node, scope, kind)
        elif t is ast.ImportFrom:
            assert isinstance(node, ast.ImportFrom)
            self.visit_import_from(node, scope, kind)
        elif t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            self.visit_function(node, scope, kind, stack)
        elif t is ast.ClassDef:
            assert isinstance(node, ast.ClassDef)
            self.visit_class(node, scope, kind, stack)
        elif t is ast.Lambda:
            assert isinstance(node, ast.Lambda)
            inner = _Scope(
                f"{scope.qualname}.<lambda>" if scope.kind != "module" else "<lambda>",
                "function",
                parent=scope,
                cls=scope.cls,
            )
            if scope.kind == "module" and self.cells is not None:
                inner.qualname = f"{self.scope_name(scope, node.lineno)}.<lambda>"
            for a in _all_args(node.args):
                inner.locals[a.arg] = None
            for d in reversed(node.args.defaults + [d for d in node.args.kw_defaults if d]):
                push((d, scope, kind, "load"))
            push((node.body, inner, kind, "load"))
        elif t is ast.If:
            assert isinstance(node, ast.If)
            guard = self.guard_kind(node.test, scope)
            body_kind = _stronger(kind, guard) if guard else kind
            else_kind = kind
            if guard == "guarded":
                else_kind = _stronger(kind, "guarded")
            elif guard == "not_optional":  # `if not is_torch_available(): ... else: import torch`
                body_kind, else_kind = kind, _stronger(kind, "optional")
            elif guard == "not_type_checking":
                body_kind, else_kind = kind, _stronger(kind, "type_checking")
            for s in reversed(node.orelse):
                push((s, scope, else_kind, "load"))
            for s in reversed(node.body):
                push((s, scope, body_kind, "load"))
            push((node.test, scope, kind, "load"))
        elif t is ast.Try or t is ast.TryStar:
            assert isinstance(node, (ast.Try, ast.TryStar))
            catches = any(self.catches_import_error(h, scope) for h in node.handlers)
            for s in reversed(node.finalbody):
                push((s, scope, kind, "load"))
            for s in reversed(node.orelse):
                push((s, scope, kind, "load"))
            for h in reversed(node.handlers):
                hk = _stronger(kind, "fallback") if catches else kind
                if h.name and scope.kind != "module":
                    scope.locals[h.name] = None
                for s in reversed(h.body):
                    push((s, scope, hk, "load"))
            bk = _stronger(kind, "optional") if catches else kind
            for s in reversed(node.body):
                push((s, scope, bk, "load"))
        elif t is ast.Assign or t is ast.AnnAssign or t is ast.AugAssign:
            self.visit_assign(node, scope, kind, stack)
        elif t is ast.Global or t is ast.Nonlocal:
            assert isinstance(node, (ast.Global, ast.Nonlocal))
            if t is ast.Global:
                scope.globals_.update(node.names)
        elif t is ast.Call:
            assert isinstance(node, ast.Call)
            self.visit_call(node, scope, kind, stack)
        elif t is ast.Name:
            assert isinstance(node, ast.Name)
            self.visit_name(node, scope, mode)
        elif t is ast.Attribute or t is ast.Subscript:
            self.visit_access(node, scope, kind, mode, stack)
        elif t is ast.Constant:
            assert isinstance(node, ast.Constant)
            v = node.value
            if (
                isinstance(v, str)
                and 3 < len(v) < 200
                and self.string_refs < _MAX_STRING_REFS
                and _DOTTED.match(v)
            ):
                self.string_refs += 1
                self.ref(scope, node, v.replace(":", "."), "string")
            if isinstance(v, str) and 3 < len(v) and len(self.data_refs) < _MAX_DATA_REFS:
                line = getattr(node, "lineno", 1)
                for dkind, dval in _sql_tables(v):
                    self.data_refs.append((line, dkind, dval))
                if len(v) < 300 and _ARTIFACT.match(v):
                    self.data_refs.append((line, "path", v))
        elif t in (ast.For, ast.AsyncFor, ast.comprehension):
            target = node.target  # type: ignore[attr-defined]
            if scope.kind != "module":
                for name in _names_in_target(target):
                    scope.locals[name] = None
            self.push_children(node, scope, kind, stack, skip=("target",))
            push((target, scope, kind, "store"))
        elif t in (ast.With, ast.AsyncWith):
            suppress = False
            for item in node.items:  # type: ignore[attr-defined]
                if item.optional_vars is not None and scope.kind != "module":
                    for name in _names_in_target(item.optional_vars):
                        scope.locals[name] = None
                suppress = (
                    suppress
                    or self.suppresses_import_error(item.context_expr, scope)
                    or _is_lazy_import_helper(item.context_expr)
                )
            # `with contextlib.suppress(ImportError):` / `with LazyImport(...):` is a
            # try/except ImportError
            self.push_children(
                node, scope, _stronger(kind, "optional") if suppress else kind, stack
            )
        elif t is ast.NamedExpr:
            assert isinstance(node, ast.NamedExpr)
            if scope.kind != "module" and isinstance(node.target, ast.Name):
                scope.locals[node.target.id] = None
            push((node.value, scope, kind, "load"))
        elif t in (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
            # Comprehension variables are local to the comprehension; approximate with the
            # enclosing function scope (module scope gets a throwaway one).
            inner = scope
            if scope.kind == "module":
                inner = _Scope(scope.qualname, "function", parent=scope, cls=scope.cls)
                inner.qualname = "<module>"
            for gen in reversed(node.generators):  # type: ignore[attr-defined]
                for name in _names_in_target(gen.target):
                    inner.locals[name] = None
            self.push_children(node, inner, kind, stack)
        elif t is ast.ExceptHandler:
            self.push_children(node, scope, kind, stack)
        elif t is ast.Delete:
            assert isinstance(node, ast.Delete)
            for tgt in reversed(node.targets):
                push((tgt, scope, kind, "store"))
        else:
            self.push_children(node, scope, kind, stack)

    def push_children(
        self,
        node: ast.AST,
        scope: _Scope,
        kind: str,
        stack: list[tuple[ast.AST, _Scope, str, str]],
        skip: tuple[str, ...] = (),
    ) -> None:
        """Push every child node of ``node`` (operators and contexts excluded: they carry no
        facts) so that they pop in source order."""
        fields = _CHILD_FIELDS.get(node.__class__) or _child_fields(node.__class__)
        push = stack.append
        for fname in fields:
            if fname in skip:
                continue
            value = getattr(node, fname, None)
            if value is None:
                continue
            if value.__class__ is list:
                for v in reversed(value):
                    if isinstance(v, ast.AST):
                        push((v, scope, kind, "load"))
            elif isinstance(value, ast.AST):
                push((value, scope, kind, "load"))

    def suppresses_import_error(self, expr: ast.expr, scope: _Scope) -> bool:
        if not isinstance(expr, ast.Call):
            return False
        fn, _, _ = self.resolve(expr.func, scope)
        if not fn or fn.rsplit(".", 1)[-1] != "suppress":
            return False
        return any((_target_of(a) or "").split(".")[-1] in _IMPORT_ERRORS for a in expr.args)

    def catches_import_error(self, handler: ast.ExceptHandler, scope: _Scope) -> bool:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for ty in types:
            text = _target_of(ty) or ""
            if text in _IMPORT_ERRORS or text.split(".")[-1] in _IMPORT_ERRORS:
                return True
        return False

    def visit_function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        scope: _Scope,
        kind: str,
        stack: list[tuple[ast.AST, _Scope, str, str]],
    ) -> None:
        qual = node.name if scope.kind == "module" else f"{scope.qualname}.{node.name}"
        in_class = scope.kind == "class"
        decorators, route = self.decorators(node, scope)
        args = _all_args(node.args)
        inner = _Scope(
            qual, "function", parent=scope, cls=scope.qualname if in_class else scope.cls
        )
        annotations: list[tuple[str, str]] = []
        static = any(d.split(".")[-1] == "staticmethod" for d in decorators)
        classmethod_ = any(d.split(".")[-1] == "classmethod" for d in decorators)
        for i, a in enumerate(args):
            ann = self.annotation(a.annotation, scope) if a.annotation is not None else ""
            if ann:
                annotations.append((a.arg, ann))
                inner.locals[a.arg] = ann + "()"
            else:
                inner.locals[a.arg] = None
            if i == 0 and in_class and not static:
                cls_target = f"{self.module}.{scope.qualname}"
                inner.locals[a.arg] = cls_target if classmethod_ else cls_target + "()"
                inner.self_name = a.arg
        returns = self.annotation(node.returns, scope) if node.returns is not None else ""
        self.defs.append(
            Definition(
                qual,
                "method" if in_class else "function",
                node.lineno,
                getattr(node, "end_lineno", node.lineno) or node.lineno,
                returns=returns,
                decorators=decorators,
                params=tuple(a.arg for a in args),
                annotations=tuple(annotations),
                is_async=isinstance(node, ast.AsyncFunctionDef),
                route=route,
            )
        )
        if scope.kind != "module" and not in_class:
            scope.locals[node.name] = None
        task = self.task_name(node, decorators, qual)
        if task:
            self.refs.append(Reference(node.lineno, node.col_offset, qual, task, "task_def"))
        for dec in node.decorator_list:
            fn = dec.func if isinstance(dec, ast.Call) else dec
            target, _, _ = self.resolve(fn, scope)
            if target:
                self.refs.append(Reference(dec.lineno, dec.col_offset, qual, target, "decorates"))
        push = stack.append
        for s in reversed(node.body):
            push((s, inner, kind, "load"))
        # Decorator arguments, defaults and annotations are evaluated in the enclosing scope.
        for dec in reversed(node.decorator_list):
            if isinstance(dec, ast.Call):
                for a_ in reversed([*dec.args, *(k.value for k in dec.keywords)]):
                    push((a_, scope, kind, "load"))
        for d in reversed([*node.args.defaults, *(d for d in node.args.kw_defaults if d)]):
            push((d, scope, kind, "load"))

    def task_name(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, decorators: tuple[str, ...], qual: str
    ) -> str:
        """The registered name of a task-queue task (Celery ``@app.task`` / ``@shared_task``,
        Dramatiq ``@actor``): the decorator's ``name=`` string, else ``module.qualname``
        (Celery's default). ``""`` when the function is not a task."""
        for dec, target in zip(node.decorator_list, decorators, strict=False):
            if target.rsplit(".", 1)[-1] not in _TASK_DECORATORS:
                continue
            if isinstance(dec, ast.Call):
                for kw in dec.keywords:
                    if (
                        kw.arg in ("name", "actor_name")
                        and isinstance(kw.value, ast.Constant)
                        and isinstance(kw.value.value, str)
                    ):
                        return kw.value.value
            return f"{self.module}.{qual}"
        return ""

    def visit_class(
        self,
        node: ast.ClassDef,
        scope: _Scope,
        kind: str,
        stack: list[tuple[ast.AST, _Scope, str, str]],
    ) -> None:
        qual = node.name if scope.kind == "module" else f"{scope.qualname}.{node.name}"
        decorators, _ = self.decorators(node, scope)
        bases: list[str] = []
        for b in node.bases:
            while isinstance(b, ast.Subscript):  # Generic[T], Base[Model]
                b = b.value
            target, _, _ = self.resolve(b, scope)
            if target:
                bases.append(target)
                self.refs.append(Reference(b.lineno, b.col_offset, qual, target, "inherits"))
        if bases:
            self.class_bases[qual] = bases[0]
        self.defs.append(
            Definition(
                qual,
                "class",
                node.lineno,
                getattr(node, "end_lineno", node.lineno) or node.lineno,
                bases=tuple(bases),
                decorators=decorators,
            )
        )
        for dec in node.decorator_list:
            fn = dec.func if isinstance(dec, ast.Call) else dec
            target, _, _ = self.resolve(fn, scope)
            if target:
                self.refs.append(Reference(dec.lineno, dec.col_offset, qual, target, "decorates"))
        if scope.kind != "module" and scope.kind != "class":
            scope.locals[node.name] = None
        inner = _Scope(qual, "class", parent=scope, cls=qual)
        for s in reversed(node.body):
            stack.append((s, inner, kind, "load"))
        for kw in reversed(node.keywords):
            stack.append((kw.value, scope, kind, "load"))

    def visit_assign(
        self,
        node: ast.AST,
        scope: _Scope,
        kind: str,
        stack: list[tuple[ast.AST, _Scope, str, str]],
    ) -> None:
        if isinstance(node, ast.Assign):
            targets: list[ast.expr] = node.targets
            value: ast.expr | None = node.value
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets, value = [node.target], node.value
        else:  # pragma: no cover
            return
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and value is not None:
            # a folder kept in a variable for a later sys.path.insert (see path_value)
            pname = targets[0].id
            pv = None if isinstance(node, ast.AugAssign) else self.path_value(value, scope)
            if pv is not None or pname in scope.paths:
                scope.paths[pname] = pv
        if (
            len(targets) == 1
            and isinstance(targets[0], ast.Name)
            and targets[0].id in ("__tablename__", "db_table")
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            self.data_refs.append((node.lineno, "orm_table", value.value))
        typ: str | None = None
        if isinstance(value, ast.Call):
            callee, _, _ = self.resolve(value.func, scope)
            if callee:
                typ = callee + "()"
        if isinstance(node, ast.AnnAssign):
            ann = self.annotation(node.annotation, scope)
            if ann:
                typ = ann + "()"
        for tgt in targets:
            if isinstance(tgt, ast.Name):
                name = tgt.id
                if scope.kind == "module" or name in scope.globals_:
                    if scope.kind == "module":
                        mutable = isinstance(
                            value,
                            (
                                ast.Call,
                                ast.Dict,
                                ast.List,
                                ast.Set,
                                ast.ListComp,
                                ast.DictComp,
                                ast.SetComp,
                            ),
                        )
                        if not any(
                            d.qualname == name and d.kind == "variable" for d in self.defs[-3:]
                        ):
                            self.defs.append(
                                Definition(
                                    name,
                                    "variable",
                                    node.lineno,
                                    getattr(node, "end_lineno", None) or node.lineno,
                                    returns=typ[:-2] if typ else "",
                                    mutable=mutable,
                                )
                            )
                        self.bindings.pop(name, None)
                    else:
                        self.ref(scope, tgt, f"{self.module}.{name}", "store")
                elif scope.kind == "class":
                    pass
                else:
                    if isinstance(node, ast.AugAssign):
                        pass
                    scope.locals[name] = typ
            else:
                stack.append((tgt, scope, kind, "store"))
        if isinstance(node, ast.AnnAssign):
            # Annotations are not evaluated at run time here; skip them (a type-only use).
            pass
        if value is not None:
            stack.append((value, scope, kind, "load"))

    def visit_call(
        self,
        node: ast.Call,
        scope: _Scope,
        kind: str,
        stack: list[tuple[ast.AST, _Scope, str, str]],
    ) -> None:
        self.call_sites += 1
        target, inferred, base = self.resolve(node.func, scope)
        if target is None and isinstance(node.func, ast.Name) and node.func.id in _BUILTINS:
            if node.func.id == "__import__" and not self.shadowed(node.func.id, scope):
                self.dynamic_import(node, scope, "__import__")
        elif target is None:
            self.unresolved += 1
            if isinstance(node.func, ast.Attribute):
                self.data_call(node, "", node.func.attr)  # queue/cache calls on local clients
        else:
            if (
                target in ("importlib.import_module",)
                or target.endswith(".import_module")
                and (target.startswith("importlib"))
            ):
                self.dynamic_import(node, scope, "importlib.import_module")
            elif target == "sys.path.insert" or target == "sys.path.append":
                self.sys_path_change(node, scope, target)
            last = target.rsplit(".", 1)[-1]
            if last in _DJANGO_FIELDS and node.args:
                a0 = node.args[0]
                if isinstance(a0, ast.Constant) and isinstance(a0.value, str) and "." in a0.value:
                    self.ref(scope, a0, a0.value, "django_model")
            elif last in _TASK_SENDERS and node.args:
                a0 = node.args[0]
                if isinstance(a0, ast.Constant) and isinstance(a0.value, str) and a0.value:
                    self.ref(scope, a0, a0.value, "task_name")
            elif last == "get_model" and len(node.args) >= 2:
                a0, a1 = node.args[0], node.args[1]
                if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in (a0, a1)):
                    self.ref(scope, a0, f"{a0.value}.{a1.value}", "django_model")  # type: ignore[attr-defined]
            self.data_call(node, target, last)
            hint = "call"
            if inferred and "()" in target and not self.through_self(node.func, scope):
                hint = "inferred"
            self.ref(scope, node, target, hint)
        push = stack.append
        for kw in reversed(node.keywords):
            push((kw.value, scope, kind, "load"))
        for a in reversed(node.args):
            push((a, scope, kind, "load"))
        if base is not None:
            if (
                isinstance(base, ast.Call)
                and isinstance(base.func, ast.Name)
                and (base.func.id == "super")
            ):
                pass
            else:
                push((base, scope, kind, "load"))
        elif target is None and not isinstance(node.func, (ast.Name, ast.Attribute)):
            push((node.func, scope, kind, "load"))
        elif target is None and isinstance(node.func, ast.Attribute):
            push((node.func.value, scope, kind, "load_base"))

    def data_call(self, node: ast.Call, target: str, last: str) -> None:
        """Env keys, queues/topics, cache keys and ``Table("name")`` named by literal arguments."""
        if len(self.data_refs) >= _MAX_DATA_REFS:
            return
        a0 = node.args[0] if node.args else None
        lit = a0.value if isinstance(a0, ast.Constant) and isinstance(a0.value, str) else None
        if lit is None and isinstance(a0, ast.JoinedStr) and a0.values:
            first = a0.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                lit = first.value + "*"  # a key prefix: f"user:{uid}" -> "user:*"
        line = node.lineno
        if lit:
            if target in _ENV_GETTERS or target.endswith(".environ.get") or target == "getenv":
                self.data_refs.append((line, "env", lit))
            elif last == "Table" and len(node.args) >= 2:
                self.data_refs.append((line, "orm_table", lit))
            elif last in QUEUE_CALLS:
                self.data_refs.append((line, "queue", lit))
            elif last in _CACHE_CALLS:
                self.data_refs.append((line, "cache", lit))
        for kw in node.keywords:
            if (
                kw.arg in _QUEUE_KWARGS
                and isinstance(kw.value, ast.Constant)
                and isinstance(kw.value.value, str)
            ):
                self.data_refs.append((line, "queue", kw.value.value))

    def through_self(self, func: ast.expr, scope: _Scope) -> bool:
        """True when a callee chain starts at the enclosing method's ``self``/``cls`` or at
        ``super()``."""
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Call):
            return isinstance(root.func, ast.Name) and root.func.id == "super"
        if not isinstance(root, ast.Name):
            return False
        s: _Scope | None = scope
        while s is not None:
            if s.self_name:
                return root.id == s.self_name
            s = s.parent
        return False

    def sys_path_change(self, node: ast.Call, scope: _Scope, target: str) -> None:
        """Record ``sys.path.insert(i, folder)`` / ``sys.path.append(folder)``: the folder when
        :meth:`path_value` proves which one it is, else a DEC014 info that a folder computed at
        run time is added and not analysed (no aliases are assumed for it)."""
        args = node.args
        if target.endswith(".insert"):
            arg = args[1] if len(args) >= 2 else None
        else:
            arg = args[0] if args else None
        if arg is None:
            return
        parts = self.path_value(arg, scope)
        if parts is not None and self.src.kind != "notebook":
            folder = "/".join(parts)
            self.sys_path_dirs.append((node.lineno, folder))
            if folder == self.src.relpath.rpartition("/")[0]:
                self.sys_path_hint = True
            return
        text = ast.unparse(arg)
        if len(text) > 60:
            text = text[:57] + "..."
        self.diag(
            node,
            "DEC014",
            f"this file adds a folder to sys.path that is computed at run time or lies outside "
            f"the project (`{text}`): not analysed, no aliases assumed",
            "info",
        )

    def path_var(self, name: str, scope: _Scope) -> tuple[str, ...] | None:
        """The path parts a variable was last assigned (:meth:`path_value`), looked up like
        :meth:`lookup`: enclosing function scopes, then the module."""
        s: _Scope | None = scope
        while s is not None and s.kind != "module":
            if name in s.globals_:
                break
            if s.kind != "class":
                if name in s.paths:
                    return s.paths[name]
                if name in s.locals:
                    return None
            s = s.parent
        while s is not None and s.parent is not None:
            s = s.parent
        return s.paths.get(name) if s is not None else None

    def path_value(self, node: ast.expr, scope: _Scope, depth: int = 0) -> tuple[str, ...] | None:
        """The file or folder an expression provably names, as path parts relative to the
        analyzed root (``()`` is the root), or None when it is computed at run time (settings,
        environment, other calls) or lies outside the root.

        Understood: ``__file__``; string literals (relative paths are read relative to the
        root, the usual working folder; absolute ones are unknown); ``os.path.dirname``,
        ``abspath``, ``realpath``, ``normpath``, ``join`` (literal parts), ``os.fspath``,
        ``str``; ``pathlib.Path(...)`` with ``.parent``, ``.parents[N]``, ``.resolve()``,
        ``.absolute()``, ``.joinpath(...)`` and ``/``; and names assigned one of those earlier
        in the same scope or at module level.
        """
        if depth > 16:
            return None
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return tuple(self.src.relpath.split("/"))
            return self.path_var(node.id, scope)
        if isinstance(node, ast.Constant):
            return _path_join((), node.value) if isinstance(node.value, str) else None
        if isinstance(node, ast.Attribute):
            if node.attr != "parent":
                return None
            base = self.path_value(node.value, scope, depth + 1)
            return base[:-1] if base else None
        if isinstance(node, ast.Subscript):
            idx = node.slice
            if not (
                isinstance(node.value, ast.Attribute)
                and node.value.attr == "parents"
                and isinstance(idx, ast.Constant)
                and type(idx.value) is int
                and idx.value >= 0
            ):
                return None
            base = self.path_value(node.value.value, scope, depth + 1)
            n = idx.value + 1
            return base[:-n] if base is not None and len(base) >= n else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            base = self.path_value(node.left, scope, depth + 1)
            r = node.right
            if base is None or not (isinstance(r, ast.Constant) and isinstance(r.value, str)):
                return None
            return _path_join(base, r.value)
        if not isinstance(node, ast.Call) or node.keywords:
            return None
        func, args = node.func, node.args
        target, _, _ = self.resolve(func, scope)
        if target is None and isinstance(func, ast.Name):
            target = "str" if func.id == "str" and not self.shadowed("str", scope) else None
        if target in _PATH_SAME or target in _PATH_JOIN:
            if not args or (target in _PATH_SAME and len(args) != 1):
                return None
            base = self.path_value(args[0], scope, depth + 1)
            for a in args[1:]:
                if base is None or not (isinstance(a, ast.Constant) and isinstance(a.value, str)):
                    return None
                base = _path_join(base, a.value)
            return base
        if target in _PATH_DIRNAME and len(args) == 1:
            base = self.path_value(args[0], scope, depth + 1)
            return base[:-1] if base else None
        if isinstance(func, ast.Attribute):
            if func.attr in ("resolve", "absolute") and not args:
                return self.path_value(func.value, scope, depth + 1)
            if func.attr == "joinpath" and args:
                base = self.path_value(func.value, scope, depth + 1)
                for a in args:
                    if base is None or not (
                        isinstance(a, ast.Constant) and isinstance(a.value, str)
                    ):
                        return None
                    base = _path_join(base, a.value)
                return base
        return None

    def shadowed(self, name: str, scope: _Scope) -> bool:
        s: _Scope | None = scope
        while s is not None:
            if name in s.locals:
                return True
            s = s.parent
        return name in self.bindings or name in self.module_defs

    def visit_name(self, node: ast.Name, scope: _Scope, mode: str) -> None:
        name = node.id
        if mode == "store":
            if scope.kind == "module":
                return
            if name in scope.globals_:
                self.ref(scope, node, f"{self.module}.{name}", "store")
            else:
                scope.locals.setdefault(name, None)
            return
        if mode == "load_base":
            return
        target, inferred = self.lookup(name, scope)
        # (``is_local`` would walk the same scopes as ``lookup``: a local name comes back here
        # as None or as an inferred type, and returns above.)
        if target is None or inferred:
            return
        self.ref(scope, node, target, "load")

    def is_local(self, name: str, scope: _Scope) -> bool:
        s: _Scope | None = scope
        while s is not None and s.kind != "module":
            if name in s.globals_:
                return False
            if s.kind != "class" and name in s.locals:
                value = s.locals[name]
                return value is None or "()" in value
            s = s.parent
        return False

    def visit_access(
        self,
        node: ast.AST,
        scope: _Scope,
        kind: str,
        mode: str,
        stack: list[tuple[ast.AST, _Scope, str, str]],
    ) -> None:
        # Find the root attribute chain under subscripts: a.b[c].d -> a.b (+ visit c).
        cur = node
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
            and len(self.data_refs) < _MAX_DATA_REFS
            and isinstance(node.value, (ast.Attribute, ast.Name))
            and self.resolve(node.value, scope)[0] == "os.environ"
        ):
            self.data_refs.append((node.lineno, "env", node.slice.value))
        while isinstance(cur, ast.Subscript):
            stack.append((cur.slice, scope, kind, "load"))
            cur = cur.value
        if isinstance(cur, ast.Attribute):
            chain = cur
            # Descend to the first Attribute/Name chain, visiting subscripts' slices.
            inner: ast.expr = chain
            while isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Subscript):
                sub: ast.expr = inner.value
                while isinstance(sub, ast.Subscript):
                    stack.append((sub.slice, scope, kind, "load"))
                    sub = sub.value
                inner = sub
            if isinstance(inner, (ast.Attribute, ast.Name)):
                target, inferred, base = self.resolve(inner, scope)
                root: ast.expr = inner
                while isinstance(root, ast.Attribute):
                    root = root.value
                local = (
                    isinstance(root, ast.Name) and self.is_local(root.id, scope) and not (inferred)
                )
                if target and not local and mode != "load_base":
                    hint = "store" if mode == "store" and inner is cur else "load"
                    if mode == "store":
                        hint = "store"
                    self.ref(scope, node, target, hint)
                if base is not None:
                    stack.append((base, scope, kind, "load"))
            else:
                stack.append((inner, scope, kind, "load"))
        elif isinstance(cur, ast.Name):
            self.visit_name(cur, scope, "store" if mode == "store" and cur is not node else mode)
            if mode == "store" and cur is not node and scope.kind == "module":
                pass
        else:
            stack.append((cur, scope, kind, "load"))


def _small(node: ast.AST) -> bool:
    return not isinstance(node, ast.BoolOp) or len(node.values) < 50


def _is_lazy_import_helper(expr: ast.expr) -> bool:
    """True for ``LazyImport(...)`` / ``lazy_import()`` / ``try_import()`` (any receiver): a
    context manager whose body's failed imports are deferred, so those imports are optional."""
    fn = expr.func if isinstance(expr, ast.Call) else expr
    return (_target_of(fn) or "").rsplit(".", 1)[-1] in _LAZY_IMPORT_HELPERS


def _stronger(a: str, b: str | None) -> str:
    if b is None:
        return a
    return a if _KIND_RANK.get(a, 0) >= _KIND_RANK.get(b, 0) else b


def _all_args(args: ast.arguments) -> list[ast.arg]:
    out = [*args.posonlyargs, *args.args]
    if args.vararg:
        out.append(args.vararg)
    out.extend(args.kwonlyargs)
    if args.kwarg:
        out.append(args.kwarg)
    return out


def _names_in_target(node: ast.AST) -> Iterator[str]:
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Name):
            yield n.id
        elif isinstance(n, (ast.Tuple, ast.List)):
            todo.extend(n.elts)
        elif isinstance(n, ast.Starred):
            todo.append(n.value)


def _string_values(value: ast.expr | None) -> tuple[str, ...]:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return (value.value,) if _is_dotted(value.value.lstrip(".")) else ()
    elems: list[ast.expr | None] = []
    if isinstance(value, ast.Dict):
        elems = list(value.values)
    elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        elems = list(value.elts)
    out = [
        e.value
        for e in elems
        if isinstance(e, ast.Constant)
        and isinstance(e.value, str)
        and "." in e.value
        and _is_dotted(e.value.lstrip("."))
    ]
    return tuple(out)


def _flat_module_body(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, looking inside if/try blocks (still module level)."""
    todo = list(reversed(body))
    while todo:
        stmt = todo.pop()
        yield stmt
        if isinstance(stmt, ast.If):
            todo.extend(reversed(stmt.body + stmt.orelse))
        elif isinstance(stmt, (ast.Try, ast.TryStar)):
            inner = stmt.body + [s for h in stmt.handlers for s in h.body] + stmt.orelse
            todo.extend(reversed(inner + stmt.finalbody))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_file(source: SourceFile, root: Path, stub: SourceFile | None = None) -> FileFacts:
    """Read one file and extract its facts. Never raises.

    Args:
        source: the discovered file (``relpath`` is resolved against ``root``).
        root: the project root folder.
        stub: for an extension module (``.pyx``), its ``.pyi`` stub, whose definitions are merged.

    Returns:
        FileFacts whose ``status`` is ``ok``, ``parse_error``, ``decode_error``, ``read_error`` or
        ``not_analyzed``; every problem is a diagnostic with ``path:line:col``.
    """
    # A large file allocates millions of AST nodes; the cyclic GC would rescan them again and
    # again (3x the parse time on a 50k-line module). Nothing here makes reference cycles that
    # outlive the call, so collect once at the end instead.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_file(source, root, stub)
    except (RecursionError, MemoryError) as exc:  # pragma: no cover - guarded below
        return FileFacts(
            source,
            "parse_error",
            "",
            0,
            diagnostics=(
                Diagnostic(
                    source.relpath,
                    1,
                    0,
                    "DEC001",
                    f"file too complex to analyze: {type(exc).__name__}",
                    "error",
                ),
            ),
        )
    except Exception as exc:  # noqa: BLE001 - never lose a run to one file
        return FileFacts(
            source,
            "parse_error",
            "",
            0,
            diagnostics=(
                Diagnostic(
                    source.relpath,
                    1,
                    0,
                    "DEC099",
                    f"internal error while analyzing this file: "
                    f"{type(exc).__name__}: {exc} (please report)",
                    "error",
                ),
            ),
        )
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse_file(source: SourceFile, root: Path, stub: SourceFile | None) -> FileFacts:
    path = root / source.relpath
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return FileFacts(
            source,
            "read_error",
            "",
            0,
            diagnostics=(
                Diagnostic(source.relpath, 1, 0, "DEC003", f"cannot read file: {reason}", "error"),
            ),
        )
    sha = _sha(data)
    diags: list[Diagnostic] = []
    cells: list[tuple[int, int]] | None = None
    status = "ok"
    if source.kind == "notebook":
        text, cells, err = _notebook_source(data)
        if err:
            return FileFacts(
                source,
                "parse_error",
                sha,
                0,
                diagnostics=(Diagnostic(source.relpath, 1, 0, "DEC008", err, "error"),),
            )
    else:
        text, err, eline, ecol = _read_source(data)
        if err:
            status = "decode_error"
            diags.append(Diagnostic(source.relpath, eline or 1, ecol, "DEC002", err, "error"))
    if "\x00" in text and source.kind != "extension":
        # CPython refuses a source with NUL bytes; say where the first one is, then read the
        # rest with the NULs blanked so that the file's facts are not lost.
        at = text.index("\x00")
        nl = text.rfind("\n", 0, at)
        diags.append(
            Diagnostic(
                source.relpath,
                text.count("\n", 0, at) + 1,
                at - nl - 1,
                "DEC001",
                "syntax error: source contains a null byte "
                "(Python cannot import this file; facts read with it blanked)",
                "error",
            )
        )
        status = "parse_error"
        text = text.replace("\x00", " ")
    nlines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if source.kind == "extension":
        imports = _scan_imports(text, source.module, source.is_package)
        defs: tuple[Definition, ...] = ()
        if stub is not None:
            sfacts = _parse_file(stub, root, None)
            defs = sfacts.definitions
        return FileFacts(
            source,
            status,
            sha,
            nlines,
            imports=tuple(imports),
            definitions=defs,
            diagnostics=tuple(diags),
        )
    tree: ast.Module | None = None
    try:
        tree = _ast_parse(text, source.relpath)
    except (SyntaxError, ValueError) as exc:
        lowered = None if _too_nested_for_libcst(text, exc) else _lower(text)
        if lowered is not None:
            try:
                tree = ast.parse(lowered, filename=source.relpath)
                diags.append(
                    Diagnostic(
                        source.relpath,
                        getattr(exc, "lineno", None) or 1,
                        0,
                        "DEC011",
                        f"syntax newer than Python {sys.version_info[0]}.{sys.version_info[1]} "
                        "read through libcst",
                        "info",
                    )
                )
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
        if tree is None:
            line = getattr(exc, "lineno", None) or 1
            col = max((getattr(exc, "offset", None) or 1) - 1, 0)
            msg = getattr(exc, "msg", None) or str(exc)
            conflict = _CONFLICT.search(text)
            if conflict is not None:
                line = text.count("\n", 0, conflict.start()) + 1
                col = 0
                msg = "merge conflict marker (unresolved git conflict)"
            if cells is not None:
                msg += _cell_note(cells, line)
            diags.append(
                Diagnostic(source.relpath, line, col, "DEC001", f"syntax error: {msg}", "error")
            )
            imports = _scan_imports(text, source.module, source.is_package)
            return FileFacts(
                source, "parse_error", sha, nlines, imports=tuple(imports), diagnostics=tuple(diags)
            )
    except (RecursionError, MemoryError) as exc:
        line, col, _ = _deepest_point(text)
        diags.append(
            Diagnostic(
                source.relpath,
                line,
                col,
                "DEC001",
                f"expression too deeply nested for the parser "
                f"({type(exc).__name__}); imports recovered line by line",
                "error",
            )
        )
        imports = _scan_imports(text, source.module, source.is_package)
        return FileFacts(
            source, "parse_error", sha, nlines, imports=tuple(imports), diagnostics=tuple(diags)
        )
    ex = _Extractor(source, cells)
    ex.run(tree)
    del tree
    diags.extend(ex.diags)
    return FileFacts(
        source,
        status,
        sha,
        nlines,
        imports=tuple(ex.imports),
        definitions=tuple(ex.defs),
        references=tuple(ex.refs),
        all_names=tuple(ex.all_names) if ex.all_names is not None else None,
        unresolved_calls=ex.unresolved,
        call_sites=ex.call_sites,
        sys_path_hint=ex.sys_path_hint,
        diagnostics=tuple(sorted(set(diags))),
        data_refs=tuple(ex.data_refs),
        sys_path_dirs=tuple(sorted(set(ex.sys_path_dirs))),
    )


def _cell_note(cells: list[tuple[int, int]], line: int) -> str:
    cell = 0
    for start, number in cells:
        if start <= line:
            cell = number
    return f" (in cell {cell})"


_DEEP_STACK = 512 * 1024 * 1024  # bytes of (virtual) thread stack for very deep trees
_DEEP_LIMIT = 1_000_000  # recursion limit while building a very deep tree


def _ast_parse(text: str, filename: str) -> ast.Module:
    """``ast.parse``; when CPython's AST construction exhausts the recursion limit (a generated
    expression tens of thousands of operators long, which CPython itself compiles), parse again
    in a thread with a large stack and a raised limit. Raises what ``ast.parse`` raises."""
    try:
        return ast.parse(text, filename=filename)
    except RecursionError:
        pass
    import threading

    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["tree"] = ast.parse(text, filename=filename)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            box["error"] = exc

    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size()
    try:
        threading.stack_size(_DEEP_STACK)
        sys.setrecursionlimit(max(old_limit, _DEEP_LIMIT))
        t = threading.Thread(target=work, name="decompose-deep-parse")
        t.start()
        t.join()
    finally:
        sys.setrecursionlimit(old_limit)
        threading.stack_size(old_size)
    tree = box.get("tree")
    if isinstance(tree, ast.Module):
        return tree
    err = box.get("error")
    if isinstance(err, (SyntaxError, ValueError, MemoryError)):
        raise err
    raise RecursionError("expression too deeply nested")


_NESTING_MSGS = ("nested", "too complex", "too many")
_MAX_LOWER_NESTING = 150  # libcst's native parser crashes the process on very deep nesting


def _too_nested_for_libcst(text: str, exc: Exception) -> bool:
    """True when handing ``text`` to libcst is pointless or unsafe: CPython refused it for its
    depth (``too many nested parentheses``), or brackets nest deeper than libcst survives."""
    msg = str(getattr(exc, "msg", "") or exc)
    if any(m in msg for m in _NESTING_MSGS):
        return True
    return _deepest_point(text, _MAX_LOWER_NESTING)[2] > _MAX_LOWER_NESTING


def _deepest_point(text: str, stop: int = 0) -> tuple[int, int, int]:
    """(line, column, depth) of the deepest bracket nesting in ``text`` (strings and comments
    are not skipped: a bound, not a parse); the longest line when nothing nests. Stops early
    once ``stop`` (> 0) is exceeded."""
    depth = best = 0
    best_at = 0
    for m in re.finditer(r"[()\[\]{}]", text):
        if m.group() in "([{":
            depth += 1
            if depth > best:
                best, best_at = depth, m.start()
                if stop and best > stop:
                    break
        elif depth:
            depth -= 1
    if best <= 1:
        lines = text.split("\n")
        longest = max(range(len(lines)), key=lambda i: len(lines[i])) if lines else 0
        return longest + 1, 0, best
    line = text.count("\n", 0, best_at) + 1
    return line, best_at - (text.rfind("\n", 0, best_at) + 1), best


def _lower(text: str) -> str | None:
    if len(text) > 2_000_000:
        return None
    from decompose.lower import lower_source

    return lower_source(text)
