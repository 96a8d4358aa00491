"""SQL table extraction (decompose.sql): keyword false positives seen in litellm, mlflow,
label-studio and letta string constants, and the statements around them that must still work."""

from __future__ import annotations

from pathlib import Path

import pytest

from decompose.model import SourceFile
from decompose.parse import parse_file
from decompose.sql import sql_tables


def _tables(sql: str) -> set[tuple[str, str]]:
    return {(k, t.lower()) for k, t in sql_tables(sql)}


def test_row_locking_clause_is_not_a_written_table() -> None:
    """Regression (litellm): `FOR UPDATE SKIP LOCKED` made a table `skip` "written by two"."""
    got = _tables(
        'SELECT model_id FROM "LiteLLM_ProxyModelTable" WHERE model_id = ANY($1::text[]) '
        "ORDER BY model_id FOR UPDATE SKIP LOCKED"
    )
    assert got == {("sql_read", "litellm_proxymodeltable")}
    assert _tables("SELECT id FROM jobs FOR UPDATE OF jobs NOWAIT") == {("sql_read", "jobs")}
    assert _tables("SELECT id FROM jobs FOR NO KEY UPDATE") == {("sql_read", "jobs")}


def test_upsert_and_returning() -> None:
    got = _tables(
        "INSERT INTO counters (k, n) VALUES ($1, 1) "
        "ON CONFLICT (k) DO UPDATE SET n = counters.n + 1 RETURNING n"
    )
    assert got == {("sql_write", "counters")}


def test_ctes_and_table_functions_are_not_tables() -> None:
    got = _tables(
        """
        WITH expired AS (
            SELECT scope FROM comparisons WHERE NOT retired
            ORDER BY updated_at LIMIT 32 FOR UPDATE SKIP LOCKED
        ), rows AS MATERIALIZED (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, v int)
        )
        UPDATE comparisons AS c SET retired = TRUE
        FROM expired, rows r
        WHERE c.scope = expired.scope AND c.id = r.id
        RETURNING c.scope
        """
    )
    assert got == {("sql_read", "comparisons"), ("sql_write", "comparisons")}


def test_from_inside_function_arguments() -> None:
    got = _tables(
        "SELECT EXTRACT(EPOCH FROM CURRENT_TIMESTAMP - MIN(created_at)), "
        "substring(tag FROM 6), TRIM(BOTH ' ' FROM name) FROM deliveries"
    )
    assert got == {("sql_read", "deliveries")}


def test_lateral_joins_subqueries_and_from_lists() -> None:
    got = _tables(
        "SELECT * FROM logs l CROSS JOIN LATERAL jsonb_array_elements_text(l.tags) AS t "
        "JOIN LATERAL (SELECT 1 FROM tags g WHERE g.id = l.id) s ON TRUE, "
        "users u JOIN teams USING (team_id) WHERE l.id IN (SELECT id FROM audit)"
    )
    assert got == {
        ("sql_read", "logs"),
        ("sql_read", "tags"),
        ("sql_read", "users"),
        ("sql_read", "teams"),
        ("sql_read", "audit"),
    }


def test_insert_select_update_from_delete_using() -> None:
    assert _tables("INSERT INTO archive (id) SELECT id FROM events WHERE old") == {
        ("sql_write", "archive"),
        ("sql_read", "events"),
    }
    assert _tables("UPDATE orders o SET total = s.t FROM sums s WHERE o.id = s.id") == {
        ("sql_write", "orders"),
        ("sql_read", "sums"),
    }
    assert _tables("DELETE FROM sessions s USING users u WHERE s.uid = u.id") == {
        ("sql_write", "sessions"),
        ("sql_read", "users"),
    }
    # USING in ALTER COLUMN ... TYPE is an expression, not a table (argilla migration).
    assert _tables("ALTER TABLE users ALTER COLUMN role TYPE role_enum USING role::role_enum") == {
        ("sql_ddl", "users")
    }


def test_quoted_and_schema_qualified_names() -> None:
    assert _tables('SELECT * FROM "Team Table" JOIN `acl` ON 1 JOIN [dbo].[grants] ON 1') == {
        ("sql_read", "team table"),
        ("sql_read", "acl"),
        ("sql_read", "grants"),
    }
    assert _tables("SELECT * FROM public.users JOIN billing.invoices ON 1") == {
        ("sql_read", "users"),
        ("sql_read", "billing.invoices"),
    }


def test_catalogs_and_trigger_pseudo_tables() -> None:
    assert (
        _tables(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON 1 "
            "JOIN information_schema.columns k ON 1 JOIN sys.tables t ON 1"
        )
        == set()
    )
    got = _tables(
        "CREATE TRIGGER t ON secrets AFTER UPDATE AS BEGIN "
        "IF EXISTS (SELECT 1 FROM inserted i JOIN deleted d ON i.id = d.id) ROLLBACK; END"
    )
    assert got == set()


def test_ddl_and_views() -> None:
    assert _tables("CREATE TABLE IF NOT EXISTS events (id int)") == {("sql_ddl", "events")}
    assert _tables("DROP TABLE IF EXISTS tmp1, tmp2") == {("sql_ddl", "tmp1"), ("sql_ddl", "tmp2")}
    assert _tables("TRUNCATE TABLE staging") == {("sql_write", "staging")}
    assert _tables('CREATE OR REPLACE VIEW "Daily" AS SELECT d FROM spend') == {
        ("sql_ddl", "daily"),
        ("sql_read", "spend"),
    }
    assert _tables("CREATE FUNCTION f() RETURNS TABLE(id int) AS $$ SELECT 1 $$") == set()


@pytest.mark.parametrize(
    "text",
    [
        "UPDATE on the run AND on every logged model the metrics target.",
        "UPDATE eval is not supported for ",
        " with new schema from server ",
        "update summary.created_labels_drafts = ",
        "update",
        "UPDATE",
        "Select the best model from the registry",
        "select one from Models below",
    ],
)
def test_prose_and_bare_words_name_no_table(text: str) -> None:
    assert sql_tables(text) == [], text


def test_dynamic_sql_only_at_an_open_table_position() -> None:
    assert ("sql_dynamic", "SELECT") in sql_tables("SELECT * FROM ")
    assert ("sql_dynamic", "UPDATE") in sql_tables('UPDATE "')
    assert ("sql_dynamic", "CREATE") in sql_tables('CREATE TABLE IF NOT EXISTS "')
    assert ("sql_dynamic", "WITH") in sql_tables("WITH f AS (INSERT INTO ")
    assert sql_tables("SELECT id FROM jobs WHERE id = $1 FOR UPDATE") == [("sql_read", "jobs")]
    assert sql_tables("update ") == [("sql_dynamic", "UPDATE")]  # f"update {table} set ..."
    assert sql_tables("update") == []  # a bare word ("action": "update")


def test_parse_file_uses_the_extractor(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        'Q = "SELECT id FROM jobs ORDER BY id FOR UPDATE SKIP LOCKED"\n'
        'ACTION = "update"\n'
        'T = f"SELECT * FROM {name}"\n'
    )
    f = parse_file(SourceFile("m.py", "m", ".", "module"), tmp_path)
    assert [(k, v) for _, k, v in f.data_refs] == [
        ("sql_read", "jobs"),
        ("sql_dynamic", "SELECT"),
    ]
