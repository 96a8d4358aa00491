"""A scaffolded service carries every file its code needs (tester4 finding F4).

Alembic revision files whose names start with a digit are not importable names; they were
dropped with a warning each, so the migration chain of the service that owns them broke, and
``alembic.ini`` / ``static/`` beside the code were not copied at all. The proof here is real:
the scaffolded service runs ``alembic upgrade head`` on SQLite from its own ``src``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from decompose.cli import main

ENV_PY = """
    import os

    from alembic import context
    from sqlalchemy import create_engine

    engine = create_engine(os.environ["SCAFFOLD_TEST_DB"])
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
"""


def _revision(rev: str, down: str | None, upgrade: str) -> str:
    return f"""
        import sqlalchemy as sa
        from alembic import op

        revision = {rev!r}
        down_revision = {down!r}
        branch_labels = None
        depends_on = None


        def upgrade():
            {upgrade}


        def downgrade():
            pass
    """


MIGRATING = {
    "pkg/__init__.py": "",
    "pkg/alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n",
    "pkg/db.py": """
        import os

        ALEMBIC_INI = os.path.join(os.path.dirname(__file__), "alembic.ini")


        def migrate(url):
            from alembic import command
            from alembic.config import Config

            os.environ["SCAFFOLD_TEST_DB"] = url
            command.upgrade(Config(ALEMBIC_INI), "head")
    """,
    "pkg/migrations/env.py": ENV_PY,
    "pkg/migrations/script.py.mako": "# revision template\n",
    "pkg/migrations/versions/1a2b3c4d5e6f_create_items.py": _revision(
        "1a2b3c4d5e6f",
        None,
        'op.create_table("items", sa.Column("id", sa.Integer, primary_key=True))',
    ),
    "pkg/migrations/versions/9f8e7d6c5b4a_add_price.py": _revision(
        "9f8e7d6c5b4a", "1a2b3c4d5e6f", 'op.add_column("items", sa.Column("price", sa.Float))'
    ),
    "pkg/migrations/versions/abcdef012345_add_index.py": _revision(
        "abcdef012345", "9f8e7d6c5b4a", 'op.create_index("ix_price", "items", ["price"])'
    ),
    "pkg/web.py": """
        from pathlib import Path

        STATIC = Path(__file__).parent / "static"


        def page():
            return (STATIC / "index.html").read_text()
    """,
    "pkg/static/index.html": "<h1>hello</h1>\n",
    "pkg/static/.nojekyll": "",
    "pkg/static/css/site.css": "h1 { color: red }\n",
    "pkg/api.py": """
        from pkg.db import migrate
        from pkg.web import page


        def run(url):
            migrate(url)
            return page()
    """,
    "boundaries.toml": """
        kernel = ["pkg"]

        [services.db]
        modules = ["pkg.db", "pkg.migrations.*"]

        [services.web]
        modules = ["pkg.web"]

        [services.api]
        modules = ["pkg.api"]
    """,
}


def _scaffold(runner: CliRunner, project: Path, out: Path, *extra: str) -> CliRunner:
    res = runner.invoke(
        main,
        ["scaffold", str(project), "--out", str(out), "--no-cache", "--no-openapi", *extra],
    )
    assert res.exit_code == 0, res.output
    return res


def test_migrations_named_by_hash_and_data_files_go_with_their_service(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    project = make_project(MIGRATING)
    out = tmp_path / "out"
    res = _scaffold(runner, project, out, "--boundaries", str(project / "boundaries.toml"))
    assert "not an importable name" not in res.output
    db = out / "services/db/src"
    for rel in [p for p in MIGRATING if p.startswith("pkg/migrations/")] + ["pkg/alembic.ini"]:
        assert (db / rel).read_bytes() == (project / rel).read_bytes(), rel
    web = out / "services/web/src"
    for rel in ("pkg/static/index.html", "pkg/static/.nojekyll", "pkg/static/css/site.css"):
        assert (web / rel).read_bytes() == (project / rel).read_bytes(), rel
    assert not (db / "pkg/static").exists()  # nothing in db names it
    assert not (web / "pkg/migrations").exists()

    report = json.loads((out / "scaffold-report.json").read_text())
    assert report["not_carried"] == [] and report["skipped_modules"] == []
    svc = report["services"]["db"]
    assert "pkg/migrations/versions/1a2b3c4d5e6f_create_items.py" in svc["files"]
    assert "pkg/alembic.ini" in svc["data"]
    # what the revisions import counts in the service's dependencies
    assert {"alembic", "SQLAlchemy"} <= {d.split("[")[0] for d in svc["dependencies"]}
    assert "pkg/static/ (3 files" in " ".join(report["services"]["web"]["data"])

    # the real thing: the db service migrates a database to head from its own files
    db_file = tmp_path / "migrated.db"
    env = dict(os.environ, PYTHONPATH=str(db))
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from pkg.db import migrate; migrate(sys.argv[1])"]
        + [f"sqlite:///{db_file}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    with sqlite3.connect(db_file) as con:
        columns = [row[1] for row in con.execute("PRAGMA table_info(items)")]
        indexes = [row[1] for row in con.execute("PRAGMA index_list(items)")]
        (version,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
    assert columns == ["id", "price"] and "ix_price" in indexes and version == "abcdef012345"


def test_a_named_file_the_scaffold_cannot_carry_is_reported(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    """A file the code names that lies above the source root (a src layout's project root) has
    no place in a service's src/: it is reported in the scaffold report, not dropped silently."""
    project = make_project(
        {
            "settings.yaml": "debug: true\n",
            "src/app/__init__.py": "",
            "src/app/conf.py": """
                from pathlib import Path

                SETTINGS = Path(__file__).parents[2] / "settings.yaml"


                def load():
                    return SETTINGS.read_text()
            """,
            "src/app/use.py": """
                from app.conf import load


                def go():
                    return load()
            """,
            "boundaries.json": json.dumps(
                {"services": {"conf": ["app.conf"], "use": ["app.use"]}, "shared_kernel": ["app"]}
            ),
        }
    )
    out = tmp_path / "out"
    res = _scaffold(runner, project, out, "--boundaries", str(project / "boundaries.json"))
    report = json.loads((out / "scaffold-report.json").read_text())
    assert len(report["not_carried"]) == 1
    assert report["not_carried"][0].startswith("settings.yaml: named by the code of conf")
    assert "settings.yaml" in res.output  # and said on the terminal
    assert "settings.yaml" in (out / "scaffold-report.md").read_text()
