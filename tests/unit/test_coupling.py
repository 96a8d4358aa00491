"""Data coupling: SQL tables, ORM models, env keys, files and queues shared by services."""

from __future__ import annotations

from pathlib import Path

from decompose.coupling import data_coupling, shared_with
from decompose.model import SourceFile
from decompose.parse import parse_file
from tests.unit._plans import plan_for


def _refs(tmp_path: Path, source: str) -> list[tuple[str, str]]:
    (tmp_path / "m.py").write_text(source)
    f = parse_file(SourceFile("m.py", "m", ".", "module"), tmp_path)
    return [(k, v) for _, k, v in f.data_refs]


def test_sql_and_literals_extracted(tmp_path: Path) -> None:
    refs = _refs(
        tmp_path,
        """
import os
Q1 = "SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id"
Q2 = "insert into invoices (id) values (?)"
Q3 = "UPDATE accounts SET x = 1"
Q4 = "DELETE FROM sessions WHERE 1"
DDL = "CREATE TABLE IF NOT EXISTS events (id int)"
DOC = "Select the best model from the registry"
PROSE = "Update the user settings"
MODEL = "models/churn.joblib"
KEY = os.environ["API_KEY"]
DB = os.getenv("DB_URL", "x")

class User:
    __tablename__ = "app_users"

def send(app):
    app.send_task("billing.charge", queue="payments")
""",
    )
    assert ("sql_read", "users") in refs and ("sql_read", "orders") in refs
    assert ("sql_write", "invoices") in refs and ("sql_write", "accounts") in refs
    assert ("sql_write", "sessions") in refs and ("sql_ddl", "events") in refs
    assert not [v for k, v in refs if k.startswith("sql") and v in ("the", "best", "user")]
    assert ("path", "models/churn.joblib") in refs
    assert ("env", "API_KEY") in refs and ("env", "DB_URL") in refs
    assert ("orm_table", "app_users") in refs
    assert ("queue", "payments") in refs and ("queue", "billing.charge") in refs


PROJECT = {
    "shop/__init__.py": "",
    "shop/db.py": """
        import os
        URL = os.environ.get("SHOP_DB")
    """,
    "shop/orders.py": """
        def place(conn):
            conn.execute("INSERT INTO orders (id) VALUES (1)")
            return conn.execute("SELECT * FROM customers")
    """,
    "shop/crm.py": """
        import os
        KEY = os.environ.get("SHOP_DB")
        def add(conn):
            conn.execute("INSERT INTO customers (id) VALUES (1)")
    """,
    "shop/reports.py": """
        import os
        KEY = os.environ.get("SHOP_DB")
        def total(conn):
            return conn.execute("SELECT sum(x) FROM orders")
    """,
    "shop/models.py": """
        from sqlalchemy.orm import declarative_base
        Base = declarative_base()

        class Invoice(Base):
            __tablename__ = "invoices"

        class Credit(Invoice):
            pass
    """,
    "shop/billing.py": """
        from shop.models import Invoice
        def bill():
            return Invoice()
    """,
}


def test_shared_tables_between_services(make_project) -> None:
    root = make_project(PROJECT)
    graph, plan = plan_for(
        root,
        {
            "shop.orders": "orders",
            "shop.crm": "crm",
            "shop.reports": "reports",
            "shop.models": "orders",
            "shop.billing": "billing",
            "shop.db": "kernel",
            "shop": "kernel",
        },
    )
    dc = data_coupling(graph, plan)
    tables = {t["name"]: t for t in dc["tables"]}
    assert tables["orders"]["shared"] and tables["orders"]["writers"] == ["orders"]
    assert tables["orders"]["readers"] == ["reports"]
    assert tables["customers"]["writers"] == ["crm"]
    assert tables["customers"]["readers"] == ["orders"]
    assert tables["orders"]["evidence"][0].startswith("shop/")
    # The kernel reads SHOP_DB too, but a library does not count as a sharer.
    env = {e["name"]: e for e in dc["env"]}
    assert env["SHOP_DB"]["shared"] and set(env["SHOP_DB"]["services"]) == {
        "crm",
        "reports",
        "kernel",
    }
    models = {m["model"]: m for m in dc["orm_models"]}
    assert set(models) == {"shop.models:Invoice", "shop.models:Credit"}
    inv = models["shop.models:Invoice"]
    assert inv["name"] == "invoices" and inv["owner"] == "orders" and inv["shared"]
    assert "billing" in inv["services"]
    pairs = {(p["a"], p["b"]): p["weight"] for p in dc["pairs"]}
    assert pairs[("crm", "orders")] >= 3.0  # a written table
    assert shared_with(dc, "crm")["written_tables"] == ["customers"]
    assert dc["summary"]["shared_tables"] == 2


def test_in_process_counter_is_not_a_cache(make_project) -> None:
    root = make_project(
        {
            "m/__init__.py": "",
            "m/metrics.py": "COUNTS = {}\ndef incr(name):\n    COUNTS[name] = 1\n",
            "m/a.py": "from m.metrics import incr\ndef f():\n    incr('hits')\n",
            "m/b.py": "def g(redis):\n    redis.incr('hits')\n",
        }
    )
    graph, plan = plan_for(root, {"m.a": "a", "m.b": "b", "m": "a"})
    caches = data_coupling(graph, plan)["caches"]
    assert [(c["name"], list(c["services"])) for c in caches] == [("hits", ["b"])]


def test_dynamic_sql_is_counted_not_guessed(make_project) -> None:
    root = make_project(
        {
            "d/__init__.py": "",
            "d/a.py": "def f(conn, t):\n    return conn.execute(f'SELECT id FROM {t}')\n",
        }
    )
    graph, plan = plan_for(root, {"d": "svc"})
    dc = data_coupling(graph, plan)
    assert dc["tables"] == []
    assert dc["dynamic_sql"]["services"] == {"svc": 1}
    assert dc["summary"]["dynamic_sql"] == 1


def test_bases_and_mixins_are_not_tables(make_project) -> None:
    """Regression (letta): data coupling listed ``base_base`` and ``mixins_usermixin`` as shared
    tables. Declarative bases, ``__abstract__ = True`` classes, Django ``Meta.abstract`` models,
    ``@declarative_mixin`` classes and *Mixin/*Base classes without a table name map no table;
    their concrete subclasses still do."""
    root = make_project(
        {
            "app/__init__.py": "",
            "app/orm/__init__.py": "",
            "app/orm/base.py": """
            from sqlalchemy.orm import DeclarativeBase, declarative_mixin

            class Base(DeclarativeBase):
                pass

            class CommonColumns(Base):
                __abstract__ = True

            @declarative_mixin
            class Audited:
                pass

            class OrgBase(Base):
                pass
        """,
            "app/orm/mixins.py": """
            from app.orm.base import Base

            class UserMixin(Base):
                __abstract__ = True

            class TagMixin(Base):
                pass
        """,
            "app/orm/models.py": """
            from app.orm.base import CommonColumns
            from app.orm.mixins import UserMixin

            class Agent(CommonColumns, UserMixin):
                __tablename__ = "agents"

            class Note(UserMixin):
                pass
        """,
            "app/dj.py": """
            from django.db import models

            class Stamped(models.Model):
                class Meta:
                    abstract = True

            class Post(Stamped):
                pass
        """,
            "app/api.py": """
            from app.orm.models import Agent, Note
            from app.dj import Post

            def show():
                return Agent(), Note(), Post()
        """,
        }
    )
    graph, plan = plan_for(root, {"app.orm": "data", "app.dj": "data", "app": "web"})
    dc = data_coupling(graph, plan, root)
    models = {d["model"]: d["name"] for d in dc["orm_models"]}
    assert models == {
        "app.orm.models:Agent": "agents",
        "app.orm.models:Note": "orm_note",
        "app.dj:Post": "dj_post",
    }
    assert dc["summary"]["shared_orm_models"] == 3
