"""Schema migrations own a table's schema; they never make it shared (tester5 F10 residue:
argilla-server "6 tables are used by more than one service" and `api` "shares written tables"
came only from Alembic revisions in another service)."""

from __future__ import annotations

from decompose.coupling import data_coupling, shared_with
from decompose.decision import evaluate
from tests.unit._plans import plan_for

PROJECT = {
    "app/__init__.py": "",
    "app/api/__init__.py": "",
    "app/api/models.py": """
        from sqlalchemy.orm import declarative_base
        Base = declarative_base()


        class Dataset(Base):
            __tablename__ = "datasets"


        class Record(Base):
            __tablename__ = "records"
    """,
    "app/api/repo.py": """
        def save(conn, name):
            conn.execute("INSERT INTO datasets (name) VALUES (?)", (name,))


        def count(conn):
            return conn.execute("SELECT count(*) FROM records")
    """,
    "app/worker/__init__.py": "",
    "app/worker/jobs.py": """
        def refresh(conn):
            return conn.execute("SELECT id FROM records WHERE stale")
    """,
    # The migrations sit in a third service (as argilla's alembic/ did).
    "app/alembic/__init__.py": "",
    "app/alembic/env.py": "",
    "app/alembic/versions/__init__.py": "",
    "app/alembic/versions/0001_init.py": """
        import sqlalchemy as sa
        from alembic import op


        def upgrade():
            op.execute("CREATE TABLE datasets (id int, name text)")
            op.execute("CREATE TABLE records (id int)")
            sa.Table("datasets", sa.MetaData())
            op.execute("UPDATE datasets SET name = 'x' WHERE name IS NULL")
            op.execute("INSERT INTO records (id) SELECT id FROM datasets")


        def downgrade():
            op.execute("DROP TABLE records")
    """,
}
SERVICES = {"app": "core", "app.api": "api", "app.worker": "worker", "app.alembic": "core"}


def test_migrations_do_not_make_a_table_shared(make_project) -> None:
    root = make_project(PROJECT)
    graph, plan = plan_for(root, SERVICES)
    dc = data_coupling(graph, plan, root)
    tables = {t["name"]: t for t in dc["tables"]}
    # datasets: used at run time by `api` only; the migrations in `core` own its schema
    ds = tables["datasets"]
    assert list(ds["services"]) == ["api"], ds
    assert not ds["shared"]
    assert ds["writers"] == ["api"]
    assert ds["migrations"] == {"core": ["app.alembic.versions.0001_init"]}
    assert "core" in ds["schema"]
    # records: really shared by api and worker (both read it), whatever the migrations do
    rec = tables["records"]
    assert rec["shared"] and sorted(rec["services"]) == ["api", "worker"], rec
    assert rec["writers"] == ["api"]  # the ORM model; the migration's INSERT is not a writer
    assert dc["summary"]["shared_tables"] == 1
    assert dc["summary"]["shared_written_tables"] == 1
    assert dc["summary"]["multi_writer_tables"] == 0
    # no pair weight between the table's user and the migrations' service
    assert not [p for p in dc["pairs"] if "core" in (p["a"], p["b"])], dc["pairs"]
    assert shared_with(dc, "core")["tables"] == []
    assert shared_with(dc, "api")["written_tables"] == ["records"]


def test_verdict_text_counts_no_migration_only_sharing(make_project) -> None:
    files = dict(PROJECT)
    files["app/worker/jobs.py"] = """
        def refresh(conn):
            return conn.execute("SELECT 1")
    """
    root = make_project(files)
    graph, plan = plan_for(root, SERVICES)
    out = evaluate(root, graph, plan, history_enabled=False)
    assert out["data_coupling"]["summary"]["shared_tables"] == 0
    why = " ".join(out["decision"]["why"])
    assert "used by more than one service" not in why, why
    for name, svc in out["decision"]["services"].items():
        assert not svc["facts"]["shared"].get("written_tables"), (name, svc["facts"]["shared"])
