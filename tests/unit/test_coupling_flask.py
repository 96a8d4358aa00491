"""Flask-SQLAlchemy models (``db = SQLAlchemy()``, ``class User(db.Model)``) and what the
report says when an ORM is used but no model class is recognised."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from decompose.coupling import camel_to_snake, data_coupling
from decompose.decision import decision_markdown, evaluate
from tests.unit._plans import plan_for

FORUM = {
    "app/__init__.py": "from app.extensions import db\n",
    "app/extensions.py": """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()
    """,
    "app/mixins.py": """
        class CRUDMixin:
            def save(self):
                return self
    """,
    "app/user/__init__.py": "",
    "app/user/models.py": """
        from app.extensions import db
        from app.mixins import CRUDMixin

        groups_users = db.Table(
            "groups_users",
            db.Column("user_id", db.Integer),
            db.Column("group_id", db.Integer),
        )

        class Group(db.Model, CRUDMixin):
            __tablename__ = "groups"
            id = db.Column(db.Integer, primary_key=True)

        class UserAccount(db.Model, CRUDMixin):
            id = db.Column(db.Integer, primary_key=True)

        class Admin(UserAccount):
            pass
    """,
    "app/forum/__init__.py": "",
    "app/forum/models.py": """
        from app import db
        from app.user.models import UserAccount

        class TimestampBase(db.Model):
            __abstract__ = True

        class HTTPLogEntry(TimestampBase):
            id = db.Column(db.Integer, primary_key=True)

        class Post(db.Model):
            __tablename__ = "posts"

            def author(self):
                return UserAccount()
    """,
}


def test_camel_to_snake_follows_flask_sqlalchemy() -> None:
    assert camel_to_snake("User") == "user"
    assert camel_to_snake("UserAccount") == "user_account"
    assert camel_to_snake("HTTPLogEntry") == "http_log_entry"
    assert camel_to_snake("OAuth2Token") == "o_auth2_token"


def test_flask_sqlalchemy_models_are_orm_models(make_project) -> None:
    root = make_project(FORUM)
    graph, plan = plan_for(root, {"app.user": "user", "app.forum": "forum", "app": "kernel"})
    dc = data_coupling(graph, plan, root)
    models = {d["model"]: d for d in dc["orm_models"]}
    assert set(models) == {
        "app.user.models:Group",
        "app.user.models:UserAccount",
        "app.user.models:Admin",
        "app.forum.models:HTTPLogEntry",
        "app.forum.models:Post",
    }, sorted(models)
    assert models["app.user.models:Group"]["name"] == "groups"
    assert models["app.user.models:UserAccount"]["name"] == "user_account"
    assert "Flask-SQLAlchemy" in models["app.user.models:UserAccount"]["table_source"]
    assert models["app.user.models:Admin"]["name"] == "user_account"  # single-table
    # `db` re-exported by app/__init__.py still counts; the abstract base maps no table
    assert models["app.forum.models:HTTPLogEntry"]["name"] == "http_log_entry"
    assert models["app.forum.models:Post"]["name"] == "posts"
    # the forum uses the user service's model: a shared ORM model
    ua = models["app.user.models:UserAccount"]
    assert ua["shared"] and set(ua["services"]) == {"user", "forum"}
    assert dc["summary"]["orm_recognised"] is True
    # the association table is a table
    assert "groups_users" in {t["name"] for t in dc["tables"]}


def test_unrecognised_orm_is_not_evidence_of_independence(make_project) -> None:
    """Regression (flaskbb): "0 ORM models (0 shared)" on an ORM-heavy app whose models the tool
    did not recognise was read as data independence."""
    root = make_project(
        {
            "shop/__init__.py": "",
            "shop/db.py": "from somewhere_orm import Model\n",
            "shop/models.py": """
                from sqlalchemy import Column
                from shop.db import Model

                class Order(Model):
                    __tablename__ = "orders"
                    id = Column()
            """,
            "shop/views.py": "from shop.models import Order\n\ndef get():\n    return Order()\n",
        }
    )
    graph, plan = plan_for(root, {"shop.models": "orders", "shop.views": "web", "shop": "web"})
    extras = evaluate(root, graph, plan, history_enabled=False)
    summ = extras["data_coupling"]["summary"]
    assert summ["orm_models"] == 0 and summ["orm_recognised"] is False
    assert summ["orm_evidence"]
    md = decision_markdown(SimpleNamespace(plan=dataclasses.replace(plan, extras=extras)))  # type: ignore[arg-type]
    assert "ORM models: none recognised" in md
    assert "0 ORM models" not in md and "0 shared ORM models" not in md
    infra = " ".join(extras["decision"]["criteria"]["infrastructure_cost"]["evidence"])
    assert "none recognised" in infra


def test_raw_sql_project_keeps_its_count(make_project) -> None:
    root = make_project(
        {
            "r/__init__.py": "",
            "r/a.py": "def f(c):\n    return c.execute('SELECT id FROM users')\n",
        }
    )
    graph, plan = plan_for(root, {"r": "svc"})
    summ = data_coupling(graph, plan, root)["summary"]
    assert summ["orm_recognised"] is True and summ["orm_models"] == 0
