"""Table names in SQL string constants, for data coupling (:mod:`decompose.coupling`).

A small tokenizer and a few structural rules, not a SQL parser: string constants in Python code
are often fragments (the literal head of an f-string: ``"SELECT * FROM "``), prose that begins
like SQL (``"Update the settings"``, ``"UPDATE on the run AND ..."`` in a docstring) or dialect
text (PL/pgSQL, T-SQL triggers) that a full parser rejects. A statement yields ``(kind, table)``:

- ``sql_read``: the table after ``FROM`` (and each table of a ``FROM a, b`` list), ``JOIN`` and
  ``USING`` (``DELETE ... USING t``, ``MERGE ... USING t``);
- ``sql_write``: ``INSERT``/``REPLACE``/``MERGE INTO t``, ``UPDATE t [AS x] SET``,
  ``DELETE FROM t``, ``TRUNCATE [TABLE] t``;
- ``sql_ddl``: ``CREATE``/``ALTER``/``DROP TABLE t``;
- ``sql_dynamic`` (value: the verb) when the string ends where a table name goes, followed by
  a space or an opening quote (``f"SELECT * FROM {table}"``): the name is built at run time.

Keyword false positives it rejects: ``UPDATE`` that is not followed by a table and ``SET``
(``FOR UPDATE [OF t] [NOWAIT|SKIP LOCKED]``, ``ON CONFLICT ... DO UPDATE SET``,
``ON UPDATE CASCADE``, trigger events, prose); ``FROM`` inside a function's parentheses
(``EXTRACT(EPOCH FROM ts)``, ``SUBSTRING(s FROM 2)``); table-valued functions (``FROM
jsonb_to_recordset($1) AS x(...)``, ``JOIN LATERAL unnest(...)``); the statement's own CTE names
(``WITH recent AS (...) SELECT ... FROM recent``); a trigger body's ``inserted``/``deleted``/
``new``/``old`` pseudo-tables; system catalogs (``information_schema.*``, ``pg_catalog.*``,
``sys.*``, ``pg_*``, ``sqlite_*``: the database's, not the application's); a string that starts
with ``WITH`` but has no ``WITH name AS (`` (prose: "with new schema from server"). Quoted
names (``"T"``, `` `t` ``, ``[t]``) are unquoted; schema-qualified names stay qualified, except
the default schemas ``public.`` and ``dbo.``, which are dropped (``public.users`` is ``users``).

The sqlglot parser was evaluated on the 567 SQL-looking constants of litellm, argilla-server,
mlflow, label-studio, khoj and letta (docs/decision.md): it parses 304 and raises on 263, among
them about 90 real statements (f-string fragments) whose tables only a lenient scan recovers, so
a fallback like this one is needed anyway; it is not used.
"""

from __future__ import annotations

import re

__all__ = ["sql_tables"]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|$))
  | (?P<str>'(?:[^']|'')*(?:'|$))
  | (?P<qid>"(?:[^"]|"")*"|`[^`]*`|\[[A-Za-z_][^\]\s]*\])
  | (?P<param>\$\d+|%\(\w+\)s|%s|\?|(?<!:):\w+)
  | (?P<word>[A-Za-z_][\w$]*)
  | (?P<num>\d+(?:\.\d*)?)
  | (?P<cast>::)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_VERBS = frozenset(
    {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "WITH",
        "ALTER",
        "DROP",
        "REPLACE",
        "MERGE",
        "TRUNCATE",
    }
)
# First words of a parenthesised query (a subquery, a CTE body): FROM inside other parentheses
# is a function argument (EXTRACT(EPOCH FROM ts)).
_QUERY_HEADS = frozenset({"SELECT", "WITH", "VALUES", "INSERT", "UPDATE", "DELETE", "TABLE"})
# Words that are never a table name where one is expected: SQL keywords and English words that
# follow "from"/"into"/"update" in prose.
_NOT_NAMES = frozenset(
    {
        "select",
        "where",
        "values",
        "value",
        "set",
        "default",
        "on",
        "as",
        "and",
        "or",
        "is",
        "in",
        "of",
        "to",
        "for",
        "by",
        "with",
        "from",
        "join",
        "into",
        "table",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "your",
        "my",
        "our",
        "their",
        "all",
        "any",
        "each",
        "every",
        "lateral",
        "unnest",
        "only",
        "exists",
        "if",
        "not",
        "null",
        "true",
        "false",
        "dual",
        "current_timestamp",
        "current_date",
        "current_time",
        "localtimestamp",
        "now",
    }
)
_TABLE_LEADS = frozenset(
    {
        "CREATE",
        "ALTER",
        "DROP",
        "TRUNCATE",
        "TEMP",
        "TEMPORARY",
        "UNLOGGED",
        "GLOBAL",
        "LOCAL",
        "VIRTUAL",
        "FOREIGN",
        "REPLACE",
        "MATERIALIZED",
        "RECURSIVE",
    }
)
# Words that end a FROM clause at their parenthesis level.
_FROM_ENDS = frozenset(
    {
        "WHERE",
        "GROUP",
        "HAVING",
        "ORDER",
        "LIMIT",
        "OFFSET",
        "FETCH",
        "UNION",
        "EXCEPT",
        "INTERSECT",
        "WINDOW",
        "FOR",
        "RETURNING",
        "SET",
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "VALUES",
    }
)
_INTO_LEADS = frozenset({"INSERT", "IGNORE", "REPLACE", "MERGE", "OVERWRITE"})
_SYSTEM_SCHEMAS = frozenset(
    {"information_schema", "pg_catalog", "sys", "mysql", "performance_schema"}
)
_DEFAULT_SCHEMAS = frozenset({"public", "dbo"})
_TRIGGER_PSEUDO = frozenset({"inserted", "deleted", "new", "old"})
_MAX_LEN = 20_000

_Tok = tuple[str, str]  # (kind, text)


def _tokens(v: str) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _TOKEN.finditer(v):
        kind = m.lastgroup or "punct"
        if kind in ("ws", "comment"):
            continue
        out.append((kind, m.group()))
    return out


def _unquote(text: str) -> str:
    if text[:1] in ('"', "`", "[") and len(text) >= 2:
        return text[1:-1].replace('""', '"')
    return text


def _up(tok: _Tok | None) -> str:
    return tok[1].upper() if tok is not None and tok[0] == "word" else ""


def sql_tables(v: str) -> list[tuple[str, str]]:
    """``(kind, table)`` pairs named by a string constant that reads as SQL.

    Args:
        v: the string constant.

    Returns:
        ``[(kind, name), ...]`` in text order; ``kind`` is ``sql_read``, ``sql_write``,
        ``sql_ddl`` or ``sql_dynamic`` (then ``name`` is the upper-case verb); ``[]`` for a
        string that is not SQL (prose, a lone ``"update"``) or longer than 20,000 characters.
        See the module docstring for the rules.
    """
    if len(v) > _MAX_LEN:
        return []
    toks = _tokens(v)
    if not toks or toks[0][0] != "word":
        return []
    first = toks[0][1]
    verb = first.upper()
    if verb not in _VERBS:
        return []
    # Prose ("Select the best model"): the verb in mixed case, or upper-case SQL keywords in a
    # lower-case statement.
    if not (first.isupper() or first.islower()):
        return []
    if first.islower() and any(k == "word" and not w.islower() for k, w in toks if w.isalpha()):
        return []
    # A string that ends in an opening quote or white space continues at run time.
    open_end = v[-1:].isspace()
    if toks[-1][0] == "punct" and toks[-1][1] in ('"', "`", "["):
        toks.pop()
        open_end = True
    n = len(toks)
    if n == 0:
        return []

    def at(i: int) -> _Tok | None:
        return toks[i] if 0 <= i < n else None

    def is_name(i: int) -> bool:
        t = at(i)
        if t is None:
            return False
        if t[0] == "qid":
            return True
        return t[0] == "word" and t[1].lower() not in _NOT_NAMES

    def read_name(i: int) -> tuple[str, int] | None:
        """A possibly qualified name starting at ``i``: (name, index after it)."""
        if not is_name(i):
            return None
        parts = [_unquote(toks[i][1])]
        j = i + 1
        while at(j) == ("punct", ".") and at(j + 1) is not None and at(j + 1)[0] in ("word", "qid"):  # type: ignore[index]
            parts.append(_unquote(toks[j + 1][1]))
            j += 2
        return ".".join(parts), j

    def match_paren(i: int) -> int:
        """Index after the parenthesis that closes the one at ``i``."""
        depth = 0
        for j in range(i, n):
            t = toks[j]
            if t == ("punct", "("):
                depth += 1
            elif t == ("punct", ")"):
                depth -= 1
                if depth == 0:
                    return j + 1
        return n

    if verb == "WITH":
        j = 2 if _up(at(1)) == "RECURSIVE" else 1
        if not is_name(j) or at(j + 1) is None:
            return []
        k = j + 1
        if at(k) == ("punct", "("):
            k = match_paren(k)
        if _up(at(k)) != "AS":
            return []  # "with new schema from server": prose, not a CTE
    # CTE names: `WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (` and `, name AS (`.
    ctes: set[str] = set()
    for i, t in enumerate(toks):
        if t[0] not in ("word", "qid"):
            continue
        before = at(i - 1)
        if not (_up(before) in ("WITH", "RECURSIVE") or before == ("punct", ",")):
            continue
        k = i + 1
        if at(k) == ("punct", "("):
            k = match_paren(k)
        if _up(at(k)) != "AS":
            continue
        k += 1
        while _up(at(k)) in ("NOT", "MATERIALIZED"):
            k += 1
        if at(k) == ("punct", "("):
            ctes.add(_unquote(t[1]).lower())
    trigger = verb == "CREATE" and any(_up(t) == "TRIGGER" for t in toks[1:4])

    out: list[tuple[str, str]] = []

    def add(kind: str, name: str) -> None:
        low = name.lower()
        parts = low.split(".")
        if len(parts) == 1 and (low in ctes or (trigger and low in _TRIGGER_PSEUDO)):
            return
        if parts[0] in _SYSTEM_SCHEMAS or parts[-1].startswith(("pg_", "sqlite_")):
            return  # the database's catalog, not an application table
        if len(parts) > 1 and parts[0] in _DEFAULT_SCHEMAS:
            name = name.split(".", 1)[1]
        out.append((kind, name))

    def from_item(j: int, kind: str) -> None:
        """The table of the FROM item at ``j``, unless it is a subquery (whose own FROM the main
        scan reads) or a table-valued function (``[LATERAL] f(...)``)."""
        while _up(at(j)) in ("LATERAL", "ONLY"):
            j += 1
        got = read_name(j)
        if got is not None and at(got[1]) != ("punct", "("):
            add(kind, got[0])

    # Per parenthesis level: [holds a query, inside its FROM clause (a "," starts an item)].
    stack: list[list[bool]] = [[True, False]]
    dynamic = False
    for i, t in enumerate(toks):
        if t == ("punct", "("):
            stack.append([_up(at(i + 1)) in _QUERY_HEADS, False])
            continue
        if t == ("punct", ")"):
            if len(stack) > 1:
                stack.pop()
            continue
        if t == ("punct", ","):
            if stack[-1][1]:
                from_item(i + 1, "sql_read")  # FROM a JOIN b ON ..., c
            continue
        kw = _up(t)
        if not kw:
            continue
        prev = _up(at(i - 1))
        last = i == n - 1
        if kw in _FROM_ENDS:
            stack[-1][1] = False
        if kw in ("FROM", "JOIN"):
            if not stack[-1][0]:
                continue  # EXTRACT(EPOCH FROM ts), SUBSTRING(s FROM 2)
            if last:
                dynamic = True
                continue
            stack[-1][1] = True
            from_item(i + 1, "sql_write" if kw == "FROM" and prev == "DELETE" else "sql_read")
        elif kw == "USING":
            if verb not in ("DELETE", "MERGE", "WITH"):
                continue  # JOIN ... USING (col), ALTER COLUMN ... TYPE t USING expr
            got = read_name(i + 1)
            if got is not None and at(got[1]) != ("punct", "("):
                add("sql_read", got[0])
        elif kw == "INTO":
            if prev not in _INTO_LEADS:
                continue  # SELECT ... INTO variable
            if last:
                dynamic = True
                continue
            got = read_name(i + 1)
            if got is not None:
                add("sql_write", got[0])
        elif kw == "UPDATE":
            if last:
                # `UPDATE ` opening a statement whose table comes from a placeholder.
                dynamic = dynamic or i == 0 or at(i - 1) == ("punct", ")")
                continue
            j = i + 1
            if _up(at(j)) == "ONLY":
                j += 1
            got = read_name(j)
            if got is None:
                continue
            name, j = got
            if _up(at(j)) == "AS":
                j += 1
            if at(j) is not None and at(j)[0] in ("word", "qid") and _up(at(j)) != "SET":  # type: ignore[index]
                j += 1
            if _up(at(j)) == "SET":
                add("sql_write", name)
        elif kw in ("TABLE", "VIEW", "TRUNCATE"):
            if kw != "TRUNCATE" and prev not in _TABLE_LEADS:
                continue  # RETURNS TABLE(...), LOCK TABLE, prose
            j = i + 1
            if kw == "TRUNCATE" and _up(at(j)) == "TABLE":
                continue  # read at TABLE
            truncate = kw == "TRUNCATE" or prev == "TRUNCATE"
            while _up(at(j)) in ("IF", "NOT", "EXISTS", "ONLY"):
                j += 1
            if j >= n:
                dynamic = True
                continue
            while True:
                got = read_name(j)
                if got is None:
                    break
                add("sql_write" if truncate else "sql_ddl", got[0])
                j = got[1]
                if at(j) != ("punct", ",") or verb not in ("DROP", "TRUNCATE"):
                    break
                j += 1
    if dynamic and open_end:
        out.insert(0, ("sql_dynamic", verb))
    return out
