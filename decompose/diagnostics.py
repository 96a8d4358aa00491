"""Diagnostics for ``decompose check``: the rule table, output formats, inline ignores and the
baseline file.

Formats (see docs/check.md):

- ``text``: ``path:line:col: CODE message``, one per line, sorted (column printed 1-based);
- ``json``: ``{"schema": "decompose.check/1", "diagnostics": [...], "summary": {...}}``;
- ``sarif``: SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format, validated against
  the official JSON schema in tests/unit/test_diagnostics.py);
- ``github``: GitHub Actions workflow commands (``::error file=...,line=...::message``).

Inline ignores: ``# decompose: ignore[DEC101] -- reason`` on the line a diagnostic points at, or
``# decompose: ignore-file[DEC104] -- reason`` anywhere in the file. Several codes are separated
by commas. An ignore without a reason is reported (DEC190), one that suppresses nothing too
(DEC191).

Baseline: a JSON file of stable keys (``code``, ``src``, ``dst``: no line numbers) with a count
each. A later run reports only the violations beyond the recorded count per key. This module
imports nothing above ``config``/``errors``/``model``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from decompose.errors import ConfigError, UsageError
from decompose.model import Diagnostic

BASELINE_SCHEMA = "decompose.baseline/1"


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of ``check``: stable ``code``, short ``name``, ``default`` severity (``error``,
    ``warn`` or ``off``) and a one-line ``summary``."""

    code: str
    name: str
    default: str
    summary: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "DEC001",
            "syntax-error",
            "error",
            "A file could not be parsed: its imports are unknown, so the check cannot pass.",
        ),
        Rule(
            "DEC002",
            "decode-error",
            "error",
            "A file could not be decoded: its imports are unknown, so the check cannot pass.",
        ),
        Rule(
            "DEC003",
            "read-error",
            "error",
            "A file or folder could not be read: its imports are unknown.",
        ),
        Rule(
            "DEC020",
            "no-internal-edges",
            "error",
            "No first-party import was resolved although modules import first-party-looking names "
            "(wrong source roots): the check would pass vacuously.",
        ),
        Rule(
            "DEC101",
            "private-crossing",
            "error",
            "An import or call reaches into another service's module or name that is not in its "
            "interface.",
        ),
        Rule(
            "DEC102",
            "undeclared-dependency",
            "error",
            "A service depends on a service that is not in its depends_on.",
        ),
        Rule("DEC103", "service-cycle", "error", "Services depend on each other in a cycle."),
        Rule(
            "DEC104",
            "unclaimed-module",
            "warn",
            "A first-party module belongs to no service and is not in the shared kernel.",
        ),
        Rule(
            "DEC105", "layer-violation", "error", "A service imports a service of a higher layer."
        ),
        Rule(
            "DEC106",
            "indirect-dependency",
            "warn",
            "A service reaches an undeclared service through a chain of declared ones "
            "(reported only with check.indirect = true).",
        ),
        Rule(
            "DEC107",
            "ambiguous-claim",
            "error",
            "Two services claim a module with equally specific patterns.",
        ),
        Rule(
            "DEC108",
            "pattern-matches-nothing",
            "warn",
            "A module pattern or interface entry in the contract matches no module.",
        ),
        Rule(
            "DEC190",
            "ignore-without-reason",
            "error",
            "An inline ignore has no reason (`-- why`) or names no code.",
        ),
        Rule("DEC191", "unused-ignore", "warn", "An inline ignore suppresses nothing."),
        Rule(
            "DEC192",
            "stale-baseline-entry",
            "warn",
            "A baseline entry no longer occurs: shrink the baseline with --update-baseline.",
        ),
    )
}

# Codes whose violations may be recorded in a baseline (input errors and meta codes may not).
BASELINE_CODES = frozenset(
    {"DEC101", "DEC102", "DEC103", "DEC104", "DEC105", "DEC106", "DEC107", "DEC108"}
)

_SEV_OUT = {"error": "error", "warn": "warning", "warning": "warning", "info": "info"}


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """A diagnostic of ``check`` with its stable baseline key ``(code, src, dst)``.

    ``src`` and ``dst`` are module names, ``module:name`` ids or service names; never lines.
    """

    diagnostic: Diagnostic
    src: str = ""
    dst: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.diagnostic.code, self.src, self.dst)


# ---------------------------------------------------------------------------- inline ignores

_IGNORE_RE = re.compile(
    r"#\s*decompose:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]]*)\])?"
    r"(?:\s*(?:--|:)\s*(?P<reason>.*\S))?"
)


@dataclass(frozen=True, slots=True, order=True)
class Ignore:
    """An inline ignore comment: 1-based ``line``, 0-based ``column``, the ``codes`` it names,
    ``file_wide`` for ``ignore-file``, and its ``reason`` (``""`` when missing)."""

    line: int
    column: int
    codes: tuple[str, ...]
    file_wide: bool
    reason: str


def parse_ignores(text: str) -> tuple[Ignore, ...]:
    """Find the ``# decompose: ignore[...]`` comments of a Python source text.

    Only real comments count (found with :mod:`tokenize`), so a docstring that shows the syntax
    is not an ignore. A text that does not tokenize falls back to a line scan.

    Args:
        text: the decoded source.

    Returns:
        Ignores in line order.
    """
    if "decompose:" not in text:
        return ()
    import io
    import tokenize

    comments: list[tuple[int, int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and "decompose:" in tok.string:
                comments.append((tok.start[0], tok.start[1], tok.string))
    except (tokenize.TokenError, SyntaxError):
        comments = [
            (i, line.find("#"), line[line.find("#") :])
            for i, line in enumerate(text.splitlines(), start=1)
            if "decompose:" in line and "#" in line
        ]
    out: list[Ignore] = []
    for line, col, comment in comments:
        m = _IGNORE_RE.match(comment)
        if m is None:
            continue
        codes = tuple(
            sorted({c.strip().upper() for c in (m.group("codes") or "").split(",") if c.strip()})
        )
        out.append(
            Ignore(
                line,
                col,
                codes,
                m.group("kind") == "ignore-file",
                (m.group("reason") or "").strip(),
            )
        )
    return tuple(out)


def apply_ignores(
    findings: Iterable[Finding],
    ignores: Mapping[str, Sequence[Ignore]],
) -> tuple[list[Finding], list[Finding], int]:
    """Drop the findings that an inline ignore covers and report bad or unused ignores.

    Args:
        findings: findings of the rules (paths relative to the project root).
        ignores: ``{path: ignores in that file}``.

    Returns:
        ``(kept findings, DEC190/DEC191 findings, number suppressed)``. An ignore without a
        reason or without codes still suppresses what it names but is reported as DEC190; an
        ignore that suppresses nothing is DEC191. Input errors (DEC0xx) cannot be ignored inline.
    """
    used: set[tuple[str, int, str]] = set()
    kept: list[Finding] = []
    suppressed = 0
    for f in findings:
        d = f.diagnostic
        hit = None
        if not d.code.startswith("DEC0"):
            for ig in ignores.get(d.path, ()):
                if d.code in ig.codes and (ig.file_wide or ig.line == d.line):
                    hit = ig
                    break
        if hit is None:
            kept.append(f)
        else:
            suppressed += 1
            used.add((d.path, hit.line, d.code))
    meta: list[Finding] = []
    for path in sorted(ignores):
        for ig in ignores[path]:
            kind = "ignore-file" if ig.file_wide else "ignore"
            if not ig.codes:
                meta.append(
                    Finding(
                        Diagnostic(
                            path,
                            ig.line,
                            ig.column,
                            "DEC190",
                            f"`# decompose: {kind}` must name the codes it ignores, e.g. "
                            f"`# decompose: {kind}[DEC101] -- reason`",
                            "error",
                        ),
                        path,
                        f"{ig.line}",
                    )
                )
                continue
            if not ig.reason:
                meta.append(
                    Finding(
                        Diagnostic(
                            path,
                            ig.line,
                            ig.column,
                            "DEC190",
                            f"ignore of {','.join(ig.codes)} without a reason: "
                            "add `-- why` after it",
                            "error",
                        ),
                        path,
                        ",".join(ig.codes),
                    )
                )
            for code in ig.codes:
                if (path, ig.line, code) not in used:
                    known = code in RULES
                    msg = (
                        f"unused ignore: no {code} here"
                        if known
                        else f"unused ignore: unknown code {code}"
                    )
                    meta.append(
                        Finding(
                            Diagnostic(path, ig.line, ig.column, "DEC191", msg, "warning"),
                            path,
                            code,
                        )
                    )
    return kept, meta, suppressed


# ---------------------------------------------------------------------------- severities


def resolve_severities(
    rules: Mapping[str, str], unclaimed: str = "warn", source: str = ""
) -> dict[str, str]:
    """The severity (``error``, ``warn``, ``off``) of every code.

    Args:
        rules: ``[check.rules]`` (code -> severity); unknown codes raise.
        unclaimed: ``check.unclaimed`` (DEC104's severity unless ``rules`` names DEC104).
        source: config file name for messages.

    Raises:
        ConfigError: a code that is not a rule of check (with a "did you mean").
    """
    import difflib

    out = {c: r.default for c, r in RULES.items()}
    out["DEC104"] = unclaimed
    problems = []
    for code, sev in sorted(rules.items()):
        if code not in RULES:
            m = difflib.get_close_matches(code, list(RULES), n=1, cutoff=0.6)
            hint = f" (did you mean '{m[0]}'?)" if m else ""
            problems.append(f"check.rules.{code}: unknown rule code{hint}")
        else:
            out[code] = sev
    if problems:
        raise ConfigError(problems, source)
    return out


def parse_codes(values: Iterable[str]) -> set[str]:
    """Codes from ``--select``/``--ignore`` values (comma separated; a prefix such as ``DEC1``
    selects every code that starts with it).

    Raises:
        UsageError: a value that is no code and no prefix of one.
    """
    out: set[str] = set()
    for v in values:
        for part in v.split(","):
            p = part.strip().upper()
            if not p:
                continue
            hits = {c for c in RULES if c.startswith(p)}
            if not hits:
                raise UsageError(f"unknown rule code or prefix: {part.strip()}")
            out |= hits
    return out


# ---------------------------------------------------------------------------- baseline


def read_baseline(path: Path) -> Counter[tuple[str, str, str]]:
    """Read a baseline file.

    Returns:
        ``Counter`` of ``(code, src, dst)`` keys to allowed occurrences.

    Raises:
        UsageError: missing file (create it with ``--update-baseline``), not JSON, or not in the
            ``decompose.baseline/1`` shape.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"baseline not found: {path} (create it with --update-baseline)") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from exc
    if (
        not isinstance(doc, dict)
        or doc.get("schema") != BASELINE_SCHEMA
        or not isinstance(doc.get("entries"), list)
    ):
        raise UsageError(f"baseline {path}: not a {BASELINE_SCHEMA} file")
    out: Counter[tuple[str, str, str]] = Counter()
    for i, e in enumerate(doc["entries"]):
        if not (
            isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("code", "src", "dst"))
        ):
            raise UsageError(f"baseline {path}: entry {i} needs string code, src and dst")
        n = e.get("count", 1)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise UsageError(f"baseline {path}: entry {i}: count must be an integer >= 1")
        out[(e["code"], e["src"], e["dst"])] += n
    return out


def baseline_text(entries: Mapping[tuple[str, str, str], int]) -> str:
    """The baseline file for ``entries`` (sorted, one entry per line, trailing newline)."""
    rows = [
        json.dumps({"code": c, "src": s, "dst": d, "count": n}, sort_keys=True)
        for (c, s, d), n in sorted(entries.items())
        if n > 0
    ]
    body = ",\n    ".join(rows)
    entries_text = f"[\n    {body}\n  ]" if rows else "[]"
    return (
        f'{{\n  "schema": "{BASELINE_SCHEMA}",\n  "note": "Known violations of decompose '
        f'check. This file may only shrink: fix one, then run --update-baseline.",\n'
        f'  "entries": {entries_text}\n}}\n'
    )


def _group(key: tuple[str, str, str]) -> frozenset[str]:
    return frozenset(key[1].split(","))


def cycle_cover(
    key: tuple[str, str, str], baseline: Mapping[tuple[str, str, str], int]
) -> tuple[str, str, str] | None:
    """The baselined DEC103 entry whose cycle group contains every service of ``key``'s group.

    A service cycle that lost services is an improvement, not a new violation: its group is a
    subset of the recorded one. A group with any service outside every recorded group is new.

    Args:
        key: a finding's ``(code, src, dst)`` key; only ``DEC103`` keys (``src`` = the services
            of the cycle group, comma-separated) can be covered.
        baseline: recorded keys and counts.

    Returns:
        The smallest recorded strict superset group (ties by key), or ``None``.
    """
    if key[0] != "DEC103":
        return None
    group = _group(key)
    cands = sorted(
        (len(_group(k)), k)
        for k, n in baseline.items()
        if n > 0 and k[0] == "DEC103" and k != key and group < _group(k)
    )
    return cands[0][1] if cands else None


def narrowed_cycles(
    findings: Sequence[Finding],
    baseline: Mapping[tuple[str, str, str], int],
) -> dict[tuple[str, str, str], list[str]]:
    """Baselined DEC103 entries that now cover smaller cycle groups only.

    Returns:
        ``{recorded key: [current groups it covers, sorted]}`` for the recorded cycle groups
        that no longer occur as such but contain one or more of today's groups (shown as
        DEC192 "narrow the baseline").
    """
    out: dict[tuple[str, str, str], list[str]] = {}
    for f in findings:
        if f.diagnostic.code != "DEC103" or baseline.get(f.key, 0) > 0:
            continue
        sup = cycle_cover(f.key, baseline)
        if sup is not None:
            out.setdefault(sup, []).append(f.src)
    exact = {f.key for f in findings}
    return {k: sorted(v) for k, v in sorted(out.items()) if k not in exact}


def baselined_cycles(baseline: Mapping[tuple[str, str, str], int]) -> list[frozenset[str]]:
    """The service groups of the recorded DEC103 entries (sorted), for
    :func:`decompose.check.evaluate`'s ``known_cycles``."""
    return sorted(
        {_group(k) for k, n in baseline.items() if n > 0 and k[0] == "DEC103"}, key=sorted
    )


def grown_cycles(
    findings: Sequence[Finding],
    baseline: Mapping[tuple[str, str, str], int],
) -> set[tuple[str, str, str]]:
    """Recorded DEC103 entries whose cycle group lies inside a larger cycle group today.

    The recorded cycle still occurs, as part of the bigger one: it is neither stale nor dropped
    by ``--update-baseline``, while the larger group is a new violation.

    Returns:
        The recorded keys strictly contained in a current DEC103 finding's group.
    """
    now = [_group(f.key) for f in findings if f.diagnostic.code == "DEC103"]
    return {
        k
        for k, n in baseline.items()
        if n > 0 and k[0] == "DEC103" and any(_group(k) < g for g in now)
    }


def apply_baseline(
    findings: Sequence[Finding],
    baseline: Counter[tuple[str, str, str]],
) -> tuple[list[Finding], int, list[tuple[str, str, str]]]:
    """Drop findings recorded in the baseline (up to each key's count).

    A DEC103 cycle group that is a subset of a recorded group is baselined too (the cycle
    shrank, see :func:`cycle_cover`).

    Returns:
        ``(new findings, number baselined, stale keys)``: stale keys are recorded more often than
        they occur now (the baseline can shrink). A recorded cycle group that now only covers
        smaller groups is not stale (see :func:`narrowed_cycles`), nor is one that lies inside
        a larger group today (see :func:`grown_cycles`; the larger group is new).
    """
    left = Counter(baseline)
    rest: list[Finding] = []
    n = 0
    for f in sorted(findings):
        if f.diagnostic.code in BASELINE_CODES and left[f.key] > 0:
            left[f.key] -= 1
            n += 1
        else:
            rest.append(f)
    new: list[Finding] = []
    covered: set[tuple[str, str, str]] = set()
    for f in rest:
        sup = cycle_cover(f.key, baseline)
        if sup is not None:
            covered.add(sup)
            n += 1
        else:
            new.append(f)
    covered |= grown_cycles(findings, baseline)
    stale = sorted(k for k, v in left.items() if v > 0 and k not in covered)
    return new, n, stale


def shrink_baseline(
    old: Counter[tuple[str, str, str]] | None,
    findings: Sequence[Finding],
) -> Counter[tuple[str, str, str]]:
    """The baseline after ``--update-baseline``: the current findings' keys, each capped at its
    old count. With no old baseline (``None``) every current boundary violation is recorded;
    afterwards it can only shrink: a recorded DEC103 cycle group is narrowed to today's groups
    it contains (:func:`cycle_cover`), a recorded group that lies inside a larger group today
    is kept (:func:`grown_cycles`), and no other key is added."""
    now: Counter[tuple[str, str, str]] = Counter(
        f.key for f in findings if f.diagnostic.code in BASELINE_CODES
    )
    if old is None:
        return now
    out: Counter[tuple[str, str, str]] = Counter()
    for k, n in now.items():
        if old[k] > 0:
            out[k] = min(n, old[k])
        else:
            sup = cycle_cover(k, old)
            if sup is not None:
                out[k] = min(n, old[sup])
    for k in grown_cycles(findings, old):
        out[k] = max(out[k], old[k])
    return out


# ---------------------------------------------------------------------------- formats


def fingerprint(f: Finding) -> str:
    """A stable hex id of a finding's key (SARIF ``partialFingerprints``)."""
    return hashlib.sha256("\0".join(f.key).encode()).hexdigest()[:32]


def format_text(findings: Sequence[Finding]) -> str:
    """``path:line:col: CODE message`` per finding, sorted, newline-terminated (``""`` when
    there is none)."""
    lines = sorted({f.diagnostic.format() for f in findings}, key=_text_sort)
    return "".join(line + "\n" for line in lines)


def _text_sort(line: str) -> tuple[str, int, int, str]:
    path, ln, col, rest = line.split(":", 3) if line.count(":") >= 3 else (line, "0", "0", "")
    try:
        return (path, int(ln), int(col), rest)
    except ValueError:
        return (line, 0, 0, "")


def format_json(findings: Sequence[Finding], summary: Mapping[str, Any]) -> str:
    """The ``decompose.check/1`` JSON document (sorted keys, 2-space indent)."""
    doc = {
        "schema": "decompose.check/1",
        "diagnostics": [
            {
                "path": f.diagnostic.path,
                "line": f.diagnostic.line,
                "column": f.diagnostic.column + 1,
                "code": f.diagnostic.code,
                "severity": f.diagnostic.severity,
                "message": f.diagnostic.message,
                "key": {"code": f.key[0], "src": f.key[1], "dst": f.key[2]},
            }
            for f in sorted(findings)
        ],
        "summary": dict(summary),
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _sarif_location(path: str, base: Path | None) -> dict[str, str]:
    """A SARIF ``artifactLocation``: a relative path as a relative URI reference (percent-encoded)
    on ``%SRCROOT%`` when there is a base, an absolute path as a ``file:`` URI."""
    from urllib.parse import quote

    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    loc = {"uri": quote(path, safe="/")}
    if base is not None:
        loc["uriBaseId"] = "%SRCROOT%"
    return loc


def format_sarif(findings: Sequence[Finding], version: str, base: Path | None = None) -> str:
    """A SARIF 2.1.0 log with one run, the full rule table and one result per finding.

    Args:
        findings: the findings, their paths relative to ``base`` (or absolute).
        version: decompose's version, for ``tool.driver.version``.
        base: the absolute folder the relative paths start from (the repository root). It is
            declared as ``run.originalUriBaseIds["%SRCROOT%"]`` (an absolute ``file:`` URI ending
            in ``/``, as the spec's originalUriBaseIds property asks) and each relative
            ``artifactLocation`` names it in ``uriBaseId``. None: relative URIs, no base.

    Source: OASIS SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/); the output is
    validated against ``sarif-schema-2.1.0.json`` in the tests. GitHub code scanning resolves
    relative URIs against the repository root, which is why ``base`` is that root.
    """
    codes = sorted(RULES)
    index = {c: i for i, c in enumerate(codes)}
    rules = [
        {
            "id": c,
            "name": RULES[c].name,
            "shortDescription": {"text": RULES[c].summary},
            "help": {"text": f"See docs/rules/{c}.md in the decompose documentation."},
            "defaultConfiguration": {
                "level": {"error": "error", "warn": "warning", "off": "none"}[RULES[c].default]
            },
        }
        for c in codes
    ]
    results = []
    for f in sorted(findings):
        d = f.diagnostic
        r: dict[str, Any] = {
            "ruleId": d.code,
            "level": _SARIF_LEVEL.get(d.severity, "warning"),
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _sarif_location(d.path, base),
                        "region": {"startLine": max(d.line, 1), "startColumn": d.column + 1},
                    }
                }
            ],
            "partialFingerprints": {"decomposeKey/v1": fingerprint(f)},
        }
        if d.code in index:
            r["ruleIndex"] = index[d.code]
        results.append(r)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "decompose", "version": version, "rules": rules}},
        "results": results,
    }
    if base is not None:
        uri = base.as_uri()
        run["originalUriBaseIds"] = {
            "%SRCROOT%": {
                "uri": uri if uri.endswith("/") else uri + "/",
                "description": {"text": "The repository root (else the project root)."},
            }
        }
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(log, indent=2, sort_keys=True) + "\n"


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def format_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands, one per finding, sorted
    (``::error file=p,line=l,col=c,title=CODE::message``)."""
    out = []
    for f in sorted(
        findings,
        key=lambda f: (
            f.diagnostic.path,
            f.diagnostic.line,
            f.diagnostic.column,
            f.diagnostic.code,
        ),
    ):
        d = f.diagnostic
        cmd = {"error": "error", "warning": "warning"}.get(d.severity, "notice")
        out.append(
            f"::{cmd} file={_gh_escape(d.path, True)},line={max(d.line, 1)},"
            f"col={d.column + 1},title={_gh_escape(d.code, True)}::"
            f"{_gh_escape(d.code + ' ' + d.message)}\n"
        )
    return "".join(out)


def with_severity(d: Diagnostic, severity: str) -> Diagnostic:
    """``d`` with a config severity (``error``/``warn``) in the diagnostic's vocabulary."""
    sev = _SEV_OUT.get(severity, severity)
    if d.severity == sev:
        return d
    return Diagnostic(d.path, d.line, d.column, d.code, d.message, sev)
