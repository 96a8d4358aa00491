"""Data coupling: tables, ORM models, files, environment keys, queues and caches that more than
one service touches. Shared tables are the hardest part of a split: two services writing one
table cannot be deployed, migrated or scaled apart without first giving the table one owner.

Sources (all static, from :attr:`decompose.model.FileFacts.data_refs` and the call graph):

- **tables**: table names in SQL string constants (``FROM``/``JOIN`` read, ``INSERT INTO``/
  ``UPDATE``/``DELETE FROM`` write, ``CREATE/ALTER/DROP TABLE`` schema) and ORM table names
  (``__tablename__``, Django ``Meta.db_table``, ``Table("name", ...)``); in a schema migration
  (``decompose.partition.is_migration_module``: Alembic revisions, Django migrations) a table
  reference is schema ownership, not use: it is listed under the table's ``"migrations"`` and
  never puts the migration's service among the table's users, so migrations alone never make a
  table shared (nor a writer, an ORM model's user or dynamic SQL): they evolve the schema at
  deploy time and move with the table's owner. SQL extraction rules: :mod:`decompose.sql`;
- **ORM models**: classes deriving from ``django.db.models.Model``, SQLModel, SQLAlchemy's
  ``DeclarativeBase``, a first-party ``Base = declarative_base()`` or Flask-SQLAlchemy's
  ``db.Model`` (``db = SQLAlchemy()``, also re-exported) (transitively), with the services whose
  code references them in the call graph;
- **files**: data and model-artifact file names (``model.joblib``, ``*.parquet``, ``.db``...);
- **env**: keys read through ``os.environ`` / ``os.getenv``;
- **queues** and **caches**: literal queue/topic/stream names and cache keys given to messaging
  and Redis-style calls (calls that resolve to first-party functions are ignored).

An item is *shared* when modules of two or more services (the shared kernel excluded: it is a
library) use it. Each shared item adds to the data-coupling weight of every pair of services that
share it: written table 3, read-only table 2, ORM model 2, file 1, queue 1, cache 1, env key 0.5.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from decompose.graph import ProgramGraph
from decompose.model import Definition, Plan
from decompose.parse import QUEUE_CALLS
from decompose.partition import is_migration_module, is_test_module

KERNEL = "kernel"
WEIGHTS = {
    "table_write": 3.0,
    "table_read": 2.0,
    "orm": 2.0,
    "file": 1.0,
    "queue": 1.0,
    "cache": 1.0,
    "env": 0.5,
}
_ORM_ROOTS = frozenset(
    {
        "django.db.models.Model",
        "django.db.models.base.Model",
        "sqlmodel.SQLModel",
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "flask_sqlalchemy.Model",
        "peewee.Model",
        "tortoise.models.Model",
    }
)
_BASE_FACTORIES = ("declarative_base", "DeclarativeMeta", "generate_base")
_CAMEL = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")
# Imports that say the project maps tables with an ORM (so "0 ORM models" means "none
# recognised", not "none").
_ORM_IMPORTS = frozenset(
    {
        "sqlalchemy",
        "flask_sqlalchemy",
        "sqlmodel",
        "django",
        "peewee",
        "tortoise",
        "pony",
        "mongoengine",
        "beanie",
        "odmantic",
    }
)
_MODEL_EXTS = frozenset(
    {
        "pkl",
        "pickle",
        "joblib",
        "pt",
        "pth",
        "onnx",
        "safetensors",
        "ckpt",
        "h5",
        "hdf5",
        "keras",
        "pb",
        "tflite",
        "gguf",
        "ggml",
        "bin",
        "model",
        "engine",
        "mlmodel",
        "faiss",
        "index",
    }
)
_CACHE_CALLS = frozenset({"setex", "hset", "hget", "hgetall", "incr", "expire", "getex", "hincrby"})
_MAX_EVIDENCE = 6


def _first_party_function(graph: ProgramGraph, target: str) -> bool:
    t = target.replace("()", "")
    parts = t.split(".")
    for i in range(len(parts) - 1, 0, -1):
        mod = ".".join(parts[:i])
        f = graph.facts.get(mod)
        if f is not None:
            qual = ".".join(parts[i:])
            return any(
                d.qualname == qual and d.kind in ("function", "method") for d in f.definitions
            )
    return False


def camel_to_snake(name: str) -> str:
    """Flask-SQLAlchemy's default table name for a model class: ``UserAccount`` ->
    ``user_account``, ``HTTPLog`` -> ``http_log`` (an underscore before an upper-case letter
    that follows a lower-case letter or digit, or that starts a capitalised word after other
    letters; then lower-cased). Rule from Flask-SQLAlchemy's ``camel_to_snake_case``
    (``flask_sqlalchemy/model.py``)."""
    return _CAMEL.sub(r"_\1", name).lower().lstrip("_")


def _flask_sqlalchemy_dbs(graph: ProgramGraph) -> set[str]:
    """Dotted names of the Flask-SQLAlchemy extension objects (``db = SQLAlchemy()``) and of
    their first-party re-exports (``from app.ext import db`` in ``app/__init__.py`` makes
    ``app.db`` one too)."""
    dbs: set[str] = set()
    for m, f in graph.facts.items():
        for d in f.definitions:
            if (
                d.kind == "variable"
                and d.returns
                and d.returns.split(".")[0] == "flask_sqlalchemy"
                and d.returns.rsplit(".", 1)[-1] == "SQLAlchemy"
            ):
                dbs.add(f"{m}.{d.qualname}")
    for _ in range(3):  # re-exports of re-exports
        more = {
            f"{m}.{i.alias or i.name}"
            for m, f in graph.facts.items()
            for i in f.imports
            if i.name and i.name != "*" and f"{i.module}.{i.name}" in dbs
        }
        if more <= dbs:
            break
        dbs |= more
    return dbs


def _orm_models(graph: ProgramGraph, root: Path | None) -> dict[str, dict[str, Any]]:
    """``{module:Class: {"table", "table_source", "line"}}`` for ORM model classes."""
    roots = set(_ORM_ROOTS)
    for m, f in graph.facts.items():
        for d in f.definitions:
            if (
                d.kind == "variable"
                and d.returns
                and d.returns.rsplit(".", 1)[-1] in (_BASE_FACTORIES)
            ):
                roots.add(f"{m}.{d.qualname}")
    # Flask-SQLAlchemy: ``class User(db.Model)`` with ``db = SQLAlchemy()``.
    flask_roots = {f"{db}.Model" for db in _flask_sqlalchemy_dbs(graph)} | {
        "flask_sqlalchemy.Model",
        "flask_sqlalchemy.model.Model",
    }
    roots |= flask_roots
    classes: dict[str, tuple[str, Any]] = {}
    for m, f in graph.facts.items():
        for d in f.definitions:
            if d.kind == "class":
                classes[f"{m}.{d.qualname}"] = (m, d)
    models: set[str] = set()
    flask: set[str] = set()  # Flask-SQLAlchemy models (their default table names differ)
    changed = True
    while changed:
        changed = False
        for dotted, (_m, d) in classes.items():
            if dotted in models:
                continue
            if any(
                b in roots
                or b in models
                or (
                    b.endswith(".Model")
                    and (b.startswith("django.") or ".models." in b and b.split(".")[0] == "django")
                )
                for b in d.bases
            ):
                models.add(dotted)
                if any(b in flask_roots or b in flask for b in d.bases):
                    flask.add(dotted)
                changed = True
    abstract_in: dict[str, frozenset[str]] = {}
    out: dict[str, dict[str, Any]] = {}
    out_by_class: dict[str, dict[str, Any]] = {}
    # parents before children, so that a subclass finds its parent's table
    depth: dict[str, int] = {}

    def level(c: str, seen: frozenset[str] = frozenset()) -> int:
        if c not in depth:
            bases = [b for b in classes[c][1].bases if b in models and b not in seen]
            depth[c] = 1 + max((level(b, seen | {c}) for b in bases), default=0)
        return depth[c]

    for dotted in sorted(models, key=lambda c: (level(c), c)):
        m, d = classes[dotted]
        f = graph.facts[m]
        table, source = "", ""
        for line, kind, value in f.data_refs:
            if kind == "orm_table" and d.line <= line <= d.end_line:
                table, source = value, "declared"
                break
        if not table:
            if m not in abstract_in:
                abstract_in[m] = _abstract_classes(root, f) if root is not None else frozenset()
            if _is_abstract(d, abstract_in[m]):
                continue  # a base or mixin: its columns land in its subclasses' tables
            if dotted in flask:
                parent = next((b for b in d.bases if b in out_by_class), None)
                if parent is not None:  # single-table inheritance: the parent's table
                    table = out_by_class[parent]["table"]
                    source = f"inherited from {parent.rsplit('.', 1)[-1]} (single-table)"
                else:
                    table = camel_to_snake(d.qualname.rsplit(".", 1)[-1])
                    source = "default name (Flask-SQLAlchemy rule)"
                out[f"{m}:{d.qualname}"] = {"table": table, "table_source": source, "line": d.line}
                out_by_class[dotted] = out[f"{m}:{d.qualname}"]
                continue
            parts = m.split(".")
            label = parts[-2] if parts[-1] == "models" and len(parts) > 1 else parts[-1]
            table, source = f"{label}_{d.qualname.lower()}", "default name (guessed)"
        out[f"{m}:{d.qualname}"] = {"table": table, "table_source": source, "line": d.line}
        out_by_class[dotted] = out[f"{m}:{d.qualname}"]
    return out


_DECLARATIVE_BASES = frozenset(
    {"sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta"}
)


def _is_abstract(d: Definition, abstract: frozenset[str]) -> bool:
    """True when ORM class ``d`` (no table name of its own) maps no table: see
    :func:`_abstract_classes` and docs/decision.md."""
    if d.qualname in abstract:
        return True
    if any(b in _DECLARATIVE_BASES for b in d.bases):
        return True  # ``class Base(DeclarativeBase)``: the declarative base itself
    if any(x.rsplit(".", 1)[-1] == "declarative_mixin" for x in d.decorators):
        return True
    name = d.qualname.rsplit(".", 1)[-1]
    return name.endswith(("Mixin", "Mixins", "Base"))


def _abstract_classes(root: Path, facts: Any) -> frozenset[str]:
    """Qualnames of the classes a module declares abstract: ``__abstract__ = True`` in the class
    body (SQLAlchemy) or a nested ``class Meta: abstract = True`` (Django).

    The parser does not record class attributes, so this reads the module's source again
    (``root / facts.source.relpath``); an unreadable or unparsable file declares none.
    """
    import ast

    try:
        tree = ast.parse((root / facts.source.relpath).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return frozenset()

    def true_assign(stmt: ast.stmt, name: str) -> bool:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        return (
            isinstance(value, ast.Constant)
            and value.value is True
            and any(isinstance(t, ast.Name) and t.id == name for t in targets)
        )

    out: set[str] = set()
    stack: list[tuple[str, ast.AST]] = [("", n) for n in tree.body]
    while stack:
        prefix, node = stack.pop()
        if not isinstance(node, ast.ClassDef):
            continue
        qual = prefix + node.name
        for stmt in node.body:
            if true_assign(stmt, "__abstract__"):
                out.add(qual)
            elif (
                isinstance(stmt, ast.ClassDef)
                and stmt.name == "Meta"
                and any(true_assign(x, "abstract") for x in stmt.body)
            ):
                out.add(qual)
        stack.extend((qual + ".", n) for n in node.body)
    return frozenset(out)


def data_coupling(graph: ProgramGraph, plan: Plan, root: Path | None = None) -> dict[str, Any]:
    """Find data shared between the plan's services.

    Args:
        graph: the program graph.
        plan: the plan (services, partition).
        root: the project root, to read class bodies for ``__abstract__ = True`` and Django
            ``Meta.abstract`` (not in the facts); without it only the name, decorator and
            declarative-base rules tell abstract ORM classes apart (see :func:`_is_abstract`).

    Returns:
        ``{"tables": [...], "orm_models": [...], "files": [...], "env": [...], "queues": [...],
        "caches": [...], "pairs": [{"a", "b", "weight", "items": [...]}], "summary": {...}}``.
        Every item is ``{"name", "services": {service: [module, ...]}, "shared": bool,
        "evidence": ["path:line module: detail", ...]}``; tables add ``"writers"``,
        ``"readers"`` and ``"schema"`` (services with DDL for it, migrations included) and
        ``"migrations"`` (``{service: [migration module, ...]}``, not counted in ``"services"``:
        a table only migrations name has no services and is never shared), ORM models
        ``"model"``, ``"owner"`` and ``"table_source"``.
        ``"dynamic_sql": {"services": {service: n}, "evidence": [...]}`` counts SQL statements
        whose table name is built at run time (not checked for sharing).
        ``summary["orm_recognised"]`` is False when the project uses an ORM (an ORM import or
        an ORM table literal, listed in ``summary["orm_evidence"]``) but no model class was
        recognised: then "0 ORM models" says nothing about data independence.
        Items sorted by (not shared, name); only items seen in a service or a migration.
    """
    of = plan.partition.as_dict()
    path_of = {m.name: m.path for m in graph.modules}

    def item() -> dict[str, Any]:
        return {
            "services": defaultdict(set),
            "evidence": [],
            "modes": defaultdict(set),
            "migrations": defaultdict(set),
        }

    tables: dict[str, dict[str, Any]] = defaultdict(item)
    files: dict[str, dict[str, Any]] = defaultdict(item)
    env: dict[str, dict[str, Any]] = defaultdict(item)
    queues: dict[str, dict[str, Any]] = defaultdict(item)
    caches: dict[str, dict[str, Any]] = defaultdict(item)
    dynamic: dict[str, int] = defaultdict(int)
    dynamic_ev: list[str] = []
    for m in sorted(graph.facts):
        svc = of.get(m)
        if svc is None or is_test_module(m):
            continue
        f = graph.facts[m]
        # A schema migration (Alembic revision, Django migration) defines and evolves the schema
        # at deploy time: whatever its SQL says, it is the table's schema, not a run-time writer
        # or reader competing with the service that owns the table.
        migration = is_migration_module(m)
        callee_at: dict[int, list[str]] = defaultdict(list)
        for r in f.references:
            if r.hint in ("call", "inferred"):
                callee_at[r.line].append(r.target)
        for line, kind, value in f.data_refs:
            where = f"{path_of.get(m, m)}:{line}"
            if kind == "sql_dynamic":
                if migration:
                    continue
                dynamic[svc] += 1
                if len(dynamic_ev) < _MAX_EVIDENCE:
                    dynamic_ev.append(f"{where} {m}: {value} with a table name built at run time")
                continue
            if kind.startswith("sql_") or kind == "orm_table":
                store, key = tables, value.lower()
                mode = {
                    "sql_read": "read",
                    "sql_write": "write",
                    "sql_ddl": "schema",
                    "orm_table": "orm",
                }[kind]
                if migration:
                    # Schema ownership, not use: recorded apart, never a reason to share.
                    it = tables[key]
                    it["migrations"][svc].add(m)
                    it["modes"]["schema"].add(svc)
                    continue
            elif kind == "path":
                if value.startswith(".") and "/" not in value:
                    continue  # only an extension (f"{name}.joblib"): names no particular file
                store, key, mode = files, value, "use"
            elif kind == "env":
                store, key, mode = env, value, "read"
            elif kind in ("queue", "cache"):
                names = QUEUE_CALLS if kind == "queue" else _CACHE_CALLS
                targets = [
                    t
                    for t in callee_at.get(line, ())
                    if t.replace("()", "").rsplit(".", 1)[-1] in names
                ]
                if targets and all(_first_party_function(graph, t) for t in targets):
                    continue  # an in-process helper (a metrics counter), not a cache or queue
                store, key, mode = (queues if kind == "queue" else caches), value, "use"
            else:
                continue
            it = store[key]
            it["services"][svc].add(m)
            it["modes"][mode].add(svc)
            if len(it["evidence"]) < _MAX_EVIDENCE:
                it["evidence"].append(f"{where} {m}: {kind.replace('_', ' ')} {value}")

    def finish(store: dict[str, dict[str, Any]], is_table: bool = False) -> list[dict[str, Any]]:
        out = []
        for name, it in store.items():
            svcs = {s: sorted(ms) for s, ms in sorted(it["services"].items())}
            real = [s for s in svcs if s != KERNEL]
            d: dict[str, Any] = {
                "name": name,
                "services": svcs,
                "shared": len(real) >= 2,
                "evidence": list(it["evidence"]),
            }
            if is_table:
                d["writers"] = sorted(
                    it["modes"].get("write", set()) | it["modes"].get("orm", set())
                )
                d["readers"] = sorted(it["modes"].get("read", set()))
                d["schema"] = sorted(it["modes"].get("schema", set()))
                d["migrations"] = {s: sorted(ms) for s, ms in sorted(it["migrations"].items())}
            out.append(d)
        return sorted(out, key=lambda d: (not d["shared"], d["name"]))

    # ORM models and the services that reference them.
    models = _orm_models(graph, root)
    users: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    ev: dict[str, list[str]] = defaultdict(list)
    for c in graph.calls:
        dst_mod, _, qual = c.dst.partition(":")
        mid = f"{dst_mod}:{qual.split('.')[0]}"
        if mid not in models:
            continue
        src_mod = c.src.split(":", 1)[0]
        s = of.get(src_mod)
        if s is None or is_test_module(src_mod) or is_migration_module(src_mod):
            continue
        users[mid][s].add(src_mod)
        if len(ev[mid]) < _MAX_EVIDENCE and of.get(dst_mod) != s:
            ev[mid].append(
                f"{path_of.get(src_mod, src_mod)}:{c.line} {c.src} -> {c.dst} ({c.kind})"
            )
    orm_list: list[dict[str, Any]] = []
    for mid, info in sorted(models.items()):
        mod = mid.split(":", 1)[0]
        owner = of.get(mod)
        if owner is None:
            continue
        svcs: dict[str, set[str]] = defaultdict(set)
        svcs[owner].add(mod)
        for s, ms in users.get(mid, {}).items():
            svcs[s].update(ms)
        real = [s for s in svcs if s != KERNEL]
        orm_list.append(
            {
                "name": info["table"],
                "model": mid,
                "owner": owner,
                "table_source": info["table_source"],
                "services": {s: sorted(ms) for s, ms in sorted(svcs.items())},
                "shared": len(real) >= 2,
                "evidence": [f"{path_of.get(mod, mod)}:{info['line']} defines {mid}"]
                + ev.get(mid, []),
            }
        )
    orm_list.sort(key=lambda d: (not d["shared"], d["name"], d["model"]))

    result: dict[str, Any] = {
        "tables": finish(tables, True),
        "orm_models": orm_list,
        "files": finish(files),
        "env": finish(env),
        "queues": finish(queues),
        "caches": finish(caches),
    }
    for f_item in result["files"]:
        ext = f_item["name"].rsplit(".", 1)[-1].lower()
        f_item["artifact"] = ext in _MODEL_EXTS
    # Pair weights.
    pairs: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"weight": 0.0, "items": []})
    for group, key in (
        ("tables", ""),
        ("orm_models", "orm"),
        ("files", "file"),
        ("env", "env"),
        ("queues", "queue"),
        ("caches", "cache"),
    ):
        for d in result[group]:
            if not d["shared"]:
                continue
            if group == "tables":
                key = "table_write" if d["writers"] else "table_read"
            real = sorted(s for s in d["services"] if s != KERNEL)
            for a, b in itertools.combinations(real, 2):
                p = pairs[(a, b)]
                p["weight"] += WEIGHTS[key]
                label = d.get("model") or d["name"]
                p["items"].append(f"{key.split('_')[0]}:{label}")
    result["pairs"] = [
        {"a": a, "b": b, "weight": round(p["weight"], 3), "items": sorted(p["items"])[:20]}
        for (a, b), p in sorted(pairs.items(), key=lambda kv: (-kv[1]["weight"], kv[0]))
    ]
    shared_tables = [t for t in result["tables"] if t["shared"]]
    # Does the project map tables with an ORM? Then no recognised model means "not recognised".
    orm_evidence: list[str] = []
    for e in sorted(graph.external, key=lambda e: (e.src, e.line, e.dst)):
        if e.dst.split(".")[0] in _ORM_IMPORTS and not is_test_module(e.src):
            orm_evidence.append(f"{path_of.get(e.src, e.src)}:{e.line} imports {e.dst}")
            break
    for m in sorted(graph.facts):
        hit = next((r for r in graph.facts[m].data_refs if r[1] == "orm_table"), None)
        if hit is not None and not is_test_module(m):
            orm_evidence.append(f"{path_of.get(m, m)}:{hit[0]} table {hit[2]}")
            break
    result["summary"] = {
        "tables": len(result["tables"]),
        "shared_tables": len(shared_tables),
        "shared_written_tables": sum(
            1
            for t in shared_tables
            if len([s for s in t["writers"] if s != KERNEL]) >= 1
            and len([s for s in t["services"] if s != KERNEL]) >= 2
        ),
        "multi_writer_tables": sum(
            1 for t in shared_tables if len([s for s in t["writers"] if s != KERNEL]) >= 2
        ),
        "orm_models": len(orm_list),
        "shared_orm_models": sum(1 for d in orm_list if d["shared"]),
        "orm_recognised": bool(orm_list) or not orm_evidence,
        "orm_evidence": orm_evidence,
        "shared_files": sum(1 for d in result["files"] if d["shared"]),
        "shared_env": sum(1 for d in result["env"] if d["shared"]),
        "shared_queues": sum(1 for d in result["queues"] if d["shared"]),
        "shared_caches": sum(1 for d in result["caches"] if d["shared"]),
        "dynamic_sql": sum(dynamic.values()),
    }
    result["dynamic_sql"] = {
        "services": dict(sorted(dynamic.items())),
        "evidence": dynamic_ev,
    }
    return result


def shared_with(coupling: dict[str, Any], service: str) -> dict[str, list[str]]:
    """Names of shared items that involve ``service``: ``{"tables": [...], "written_tables":
    [...], "orm_models": [...], "files": [...], "env": [...], "queues": [...], "caches": [...]}``
    (written tables are shared tables that some service writes)."""
    out: dict[str, list[str]] = {
        k: []
        for k in ("tables", "written_tables", "orm_models", "files", "env", "queues", "caches")
    }
    for group in ("tables", "orm_models", "files", "env", "queues", "caches"):
        for d in coupling.get(group, []):
            if d["shared"] and service in d["services"]:
                out[group].append(d.get("model") or d["name"])
                if group == "tables" and [s for s in d["writers"] if s != KERNEL]:
                    out["written_tables"].append(d["name"])
    return out
