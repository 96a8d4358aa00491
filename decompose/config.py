"""Configuration: ``[tool.decompose]`` in ``pyproject.toml`` or a ``decompose.toml`` with the same
keys (``boundaries.toml`` written by ``analyze`` uses them too).

Strictly validated: every problem is collected with its key path and reported together; unknown
keys are errors with a "did you mean". The tool never rewrites a user's config. Every key is
documented in docs/configuration.md.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from decompose.errors import ConfigError

# Folders and files never analyzed (gitignore patterns), and the suffixes of source files; here so
# that discovery and the warm path of `check` (which avoids importing pathspec) share them.
DEFAULT_EXCLUDES = (
    ".git/",
    ".hg/",
    ".svn/",
    ".venv/",
    "venv/",
    ".env/",
    "env/",
    ".tox/",
    ".nox/",
    "__pycache__/",
    "node_modules/",
    "site-packages/",
    "build/",
    "dist/",
    "*.egg-info/",
    "*.dist-info/",  # wheel metadata (its entry_points.txt is still read by discovery)
    "*-*.data/",  # a wheel's name-1.0.data/ (scripts, data files): not importable code
    ".eggs/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".decompose-cache/",
    "decompose-out/",
    "vendor/",
    "_vendor/",
    "vendored/",
    "third_party/",
    ".ipynb_checkpoints/",
)
SOURCE_SUFFIXES = (".py", ".pyi", ".pyx", ".ipynb")

SEVERITIES = ("error", "warn", "off")
ALGORITHMS = ("leiden", "louvain")

# Default edge weights by kind for the undirected projection used by community detection.
DEFAULT_WEIGHTS: dict[str, float] = {
    "import": 1.0,
    "optional": 0.5,
    "fallback": 0.25,
    "guarded": 0.5,
    "dynamic": 1.0,
    "reexport": 1.0,
    "type_checking": 0.25,
    "parent_init": 0.0,
    "stub_only": 0.5,
    "string_ref": 0.5,
    "call": 1.0,
    "inferred": 0.75,
    "dispatch": 0.5,
    "ref": 0.75,
    "decorates": 0.25,
    "inherits": 1.0,
    "reads": 0.5,
    "writes": 1.0,
    "cochange": 0.0,
}


def matches(module: str, pattern: str) -> bool:
    """True when dotted ``module`` matches ``pattern`` (``fnmatch``; ``pkg.*`` also matches
    ``pkg`` itself)."""
    if fnmatchcase(module, pattern):
        return True
    return pattern.endswith(".*") and module == pattern[:-2]


def pattern_specificity(pattern: str) -> tuple[int, int]:
    """Sort key of a module pattern's specificity: exact names beat wildcards, then longer
    literal text beats shorter."""
    wild = any(c in pattern for c in "*?[")
    return (0 if wild else 1, len(pattern.replace("*", "").replace("?", "")))


def owners(
    modules: Iterable[str],
    services: Sequence[ServiceDecl],
    kernel: Sequence[str] = (),
    kernel_name: str = "kernel",
) -> dict[str, str]:
    """Which declared service owns each module: the service with the most specific matching
    pattern (ties: the alphabetically first service); ``kernel`` patterns compete like a service
    named ``kernel_name``. Modules no pattern matches are left out."""
    pats = [(kernel_name, p) for p in kernel] + [(s.name, p) for s in services for p in s.modules]
    out: dict[str, str] = {}
    for m in modules:
        best: tuple[tuple[int, int], str] | None = None
        for name, p in pats:
            if matches(m, p):
                key = (pattern_specificity(p), name)
                if best is None or key[0] > best[0] or (key[0] == best[0] and name < best[1]):
                    best = key
        if best is not None:
            out[m] = best[1]
    return out


@dataclass(frozen=True, slots=True)
class ServiceDecl:
    """A declared service: module patterns (fnmatch on dotted names; ``pkg.*`` also matches
    ``pkg``), public interface (module patterns or ``module:name``), allowed dependencies."""

    name: str
    modules: tuple[str, ...]
    interface: tuple[str, ...] = ()
    depends_on: tuple[str, ...] | None = None
    layer: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class AnalyzeSettings:
    """Settings of ``analyze`` (``[tool.decompose.analyze]``)."""

    seed: int = 0
    resolution: float | None = None  # None = chosen by the fixed rule (docs/quality.md)
    algorithm: str = "leiden"
    services: int | None = None
    kernel: tuple[str, ...] = ()
    auto_kernel: bool = True
    names: bool = True
    calls: bool = True
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    min_service_size: int = 2
    max_service_size: int = 0
    pin: Mapping[str, str] = field(default_factory=dict)
    together: tuple[tuple[str, ...], ...] = ()
    apart: tuple[tuple[str, ...], ...] = ()
    seed_from_packages: bool = False
    contested_margin: float = 0.2
    history: bool = True
    exclude_tests: bool = True


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """Settings of ``check`` (``[tool.decompose.check]``)."""

    rules: Mapping[str, str] = field(default_factory=dict)
    ignore_type_checking: bool = True
    unclaimed: str = "warn"
    calls: bool = True
    indirect: bool = False
    baseline: str = ""
    strict: bool = False


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration. ``source`` is the file it came from ("" for defaults)."""

    roots: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include_notebooks: bool = True
    respect_gitignore: bool = True
    cache_dir: str = ""
    jobs: int = 0
    analyze: AnalyzeSettings = field(default_factory=AnalyzeSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    services: tuple[ServiceDecl, ...] = ()
    kernel: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    source: str = ""


_TOP_KEYS = {
    "roots": "list[str]",
    "exclude": "list[str]",
    "include_notebooks": "bool",
    "respect_gitignore": "bool",
    "cache_dir": "str",
    "jobs": "int",
    "analyze": "table",
    "check": "table",
    "services": "table",
    "kernel": "list[str]",
    "layers": "list[str]",
}
_ANALYZE_KEYS = {
    "seed": "int",
    "resolution": "float",
    "algorithm": "str",
    "services": "int",
    "kernel": "list[str]",
    "auto_kernel": "bool",
    "names": "bool",
    "calls": "bool",
    "weights": "table",
    "min_service_size": "int",
    "max_service_size": "int",
    "pin": "table",
    "together": "list[list[str]]",
    "apart": "list[list[str]]",
    "seed_from_packages": "bool",
    "contested_margin": "float",
    "history": "bool",
    "exclude_tests": "bool",
}
_CHECK_KEYS = {
    "rules": "table",
    "ignore_type_checking": "bool",
    "unclaimed": "str",
    "calls": "bool",
    "indirect": "bool",
    "baseline": "str",
    "strict": "bool",
}
_SERVICE_KEYS = {
    "modules": "list[str]",
    "interface": "list[str]",
    "depends_on": "list[str]",
    "layer": "str",
    "description": "str",
}


def service_name_problem(name: str) -> str:
    """Why ``name`` cannot name a service, or ``""`` when it can.

    Service names become folder, package and Compose service names (``scaffold``), so they are
    identifier-like: letters (Unicode letters too), digits, ``_`` and ``-``, not starting with a
    digit or ``-``. ``kernel`` is reserved for the shared kernel.

    Returns:
        A short reason (for a ``key.path: reason`` message), or ``""``.
    """
    if name == "kernel":
        return "'kernel' is reserved for the shared kernel (list its modules in `kernel`)"
    if not _SERVICE_NAME.fullmatch(name):
        return (
            "not a valid service name: use letters, digits, '_' and '-', starting with a letter "
            "or '_'"
        )
    return ""


_SERVICE_NAME = re.compile(r"[^\W\d][\w-]*")


def _suggest(key: str, known: Mapping[str, Any] | list[str]) -> str:
    match = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _typecheck(path: str, value: Any, typ: str, problems: list[str]) -> bool:
    ok: bool
    if typ == "bool":
        ok = isinstance(value, bool)
    elif typ == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif typ == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif typ == "str":
        ok = isinstance(value, str)
    elif typ == "table":
        ok = isinstance(value, dict)
    elif typ == "list[str]":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif typ == "list[list[str]]":
        ok = isinstance(value, list) and all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value
        )
    else:  # pragma: no cover
        ok = True
    if not ok:
        problems.append(
            f"{path}: expected {typ.replace('table', 'a table')}, "
            f"got {type(value).__name__} {value!r}"
        )
    return ok


def _check_table(
    prefix: str, table: Mapping[str, Any], schema: Mapping[str, str], problems: list[str]
) -> dict[str, Any]:
    good: dict[str, Any] = {}
    for key in sorted(table):
        path = f"{prefix}.{key}" if prefix else key
        if key not in schema:
            problems.append(f"{path}: unknown key{_suggest(key, schema)}")
            continue
        if _typecheck(path, table[key], schema[key], problems):
            good[key] = table[key]
    return good


def key_part(key: str) -> str:
    """``key`` as one part of a TOML key path: bare when it can be, else quoted
    (``pin."app.ml.*"``)."""
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

# When the analyze constraints disagree about a module, this order decides (docs/configuration.md,
# "When constraints disagree"): the shared kernel is taken out before clustering, pins name the
# final service, apart separates, max_service_size splits, and together only groups what is left.
CONSTRAINT_ORDER = ("kernel", "pin", "apart", "max_service_size", "together")


def _constraint_problems(
    prefix: str,
    pin: Mapping[str, str],
    together: Sequence[Sequence[str]],
    apart: Sequence[Sequence[str]],
    kernel: Sequence[str],
) -> list[str]:
    """Contradictions among ``pin`` / ``together`` / ``apart`` / ``kernel`` visible from the
    configuration alone (the same pattern text in two rules that cannot both hold), each as
    ``key.path: message``. Conflicts that depend on which modules exist are warned about after
    the run instead (:func:`constraint_warnings`)."""
    out: list[str] = []
    for i, group in enumerate(together):
        if not group:
            out.append(f"{prefix}.together[{i}]: empty list (list the patterns to keep together)")
        pinned = sorted({pin[x] for x in group if x in pin})
        if len(pinned) > 1:
            which = ", ".join(f"{x!r} -> {pin[x]}" for x in group if x in pin)
            out.append(
                f"{prefix}.together[{i}]: its patterns are pinned to different services "
                f"({which} in {prefix}.pin), so they cannot end up in one service: drop the "
                "together group or pin them to one service"
            )
    for j, group in enumerate(apart):
        if len(group) < 2:
            out.append(
                f"{prefix}.apart[{j}]: {'one pattern keeps' if group else 'an empty list keeps'} "
                "nothing apart: each list names the patterns to separate from each other, e.g. "
                'apart = [["app.ml.*", "app.api.*"]]'
            )
            continue
        for dup in sorted({x for x in group if list(group).count(x) > 1}):
            out.append(
                f"{prefix}.apart[{j}]: {dup!r} is listed twice (it cannot be apart from itself)"
            )
        for a_i, a in enumerate(group):
            for b in group[a_i + 1 :]:
                if a == b:
                    continue
                for i, tog in enumerate(together):
                    if a in tog and b in tog:
                        out.append(
                            f"{prefix}.apart[{j}] and {prefix}.together[{i}]: both list {a!r} and "
                            f"{b!r}, which cannot be in one service and in different services: "
                            "remove one of the two rules"
                        )
                if a in pin and b in pin and pin[a] == pin[b]:
                    out.append(
                        f"{prefix}.apart[{j}]: {a!r} and {b!r} are both pinned to {pin[a]!r} "
                        f"({prefix}.pin), so they cannot be apart: drop one rule or pin them to "
                        "different services"
                    )
    for pattern in sorted(set(kernel) & set(pin)):
        if pin[pattern] != "kernel":
            out.append(
                f"{prefix}.pin.{key_part(pattern)}: {pattern!r} is also listed in {prefix}.kernel "
                f"(the shared kernel), so it cannot be pinned to {pin[pattern]!r}: remove one"
            )
    return out


def pinned_service(module: str, pin: Mapping[str, str]) -> tuple[str, str] | None:
    """``(pattern, service)`` of the ``pin`` entry that places ``module``, or None: the most
    specific matching pattern wins (exact names beat wildcards, then longer literal text), ties go
    to the alphabetically first pattern, as for ``[services]`` patterns."""
    best: tuple[str, str] | None = None
    for pattern, service in sorted(pin.items()):
        if matches(module, pattern) and (
            best is None or pattern_specificity(pattern) > pattern_specificity(best[0])
        ):
            best = (pattern, service)
    return best


def analyze_key_prefix(config: Config) -> str:
    """Key path of ``[analyze]`` in the file ``config`` came from (``tool.decompose.analyze`` in
    a ``pyproject.toml``)."""
    return ("tool.decompose." if config.source.endswith("pyproject.toml") else "") + "analyze"


def constraint_warnings(
    settings: AnalyzeSettings,
    assignment: Mapping[str, str],
    aliases: Mapping[str, str] | None = None,
    prefix: str = "analyze",
) -> list[str]:
    """What the proposal did with the analyze constraints, where it did not simply obey them.

    Reported, each as ``key.path: message``: a ``pin`` / ``together`` / ``apart`` / ``kernel``
    pattern that matches no analyzed module (or only another name of a file reached through a
    symlink: such an alias always follows its canonical module); a ``together`` group that ended
    in several services and an ``apart`` list whose patterns share a service, each saying which
    rule won and why (order: :data:`CONSTRAINT_ORDER`); a pinned module that the shared kernel
    took.

    Args:
        settings: the analyze settings the run used.
        assignment: the proposal's final ``module -> service`` (``kernel`` for the shared
            kernel), every module of the graph.
        aliases: ``alias -> canonical`` module names of files reached under two names.
        prefix: key path of the ``[analyze]`` table (:func:`analyze_key_prefix`).

    Returns:
        Warning messages, in configuration order (deterministic).
    """
    alias_of = dict(aliases or {})
    canon = [m for m in sorted(assignment) if m not in alias_of]
    explicit_kernel = {m for m in canon if any(matches(m, p) for p in settings.kernel)}
    out: list[str] = []

    def hits(pattern: str) -> list[str]:
        return [m for m in canon if matches(m, pattern)]

    def unmatched(path: str, pattern: str) -> None:
        via = [a for a in sorted(alias_of) if matches(a, pattern)]
        if via:
            a = via[0]
            out.append(
                f"{path}: {pattern!r} matches only {a}, another name (symlink) of {alias_of[a]}: "
                f"a file belongs to one service, under its canonical name, so the rule does not "
                f"apply (use a pattern for {alias_of[a]})"
            )
        else:
            out.append(
                f"{path}: {pattern!r} matches no analyzed module, so the rule does nothing"
                f"{_suggest(pattern, canon)}"
            )

    def why_kernel(ms: Iterable[str]) -> str:
        listed = sorted(set(ms) & explicit_kernel)
        return (
            f"listed in {prefix}.kernel" if listed else "detected as used everywhere (auto_kernel)"
        )

    pins = {m: hit for m in canon if (hit := pinned_service(m, settings.pin)) is not None}
    for pattern, service in sorted(settings.pin.items()):
        path = f"{prefix}.pin.{key_part(pattern)}"
        mods = hits(pattern)
        if not mods:
            unmatched(path, pattern)
            continue
        won = [m for m in mods if pins[m][0] == pattern]
        taken = [m for m in won if assignment.get(m) == "kernel" and service != "kernel"]
        if taken:
            out.append(
                f"{path}: {_few(taken)} went to the shared kernel, not {service!r}: "
                f"{why_kernel(taken)}, and the kernel wins over pin (taken out before clustering)"
            )
        elsewhere = [
            m
            for m in won
            if assignment.get(m) not in (service, "kernel")
            or (service == "kernel" and assignment.get(m) != "kernel")
        ]
        if elsewhere:
            where = sorted({repr(assignment.get(m, "?")) for m in elsewhere})
            out.append(
                f"{path}: {_few(elsewhere)} ended in {', '.join(where)}, not {service!r}: "
                "the proposal did not apply the pin (nothing outranks a pin but the kernel)"
            )
        strays = [
            a
            for a in sorted(alias_of)
            if matches(a, pattern) and assignment.get(alias_of[a]) != service
        ]
        if strays:
            where = sorted({repr(assignment.get(alias_of[a], "?")) for a in strays})
            out.append(
                f"{path}: also matches {_few(strays)}, other name{'s' if len(strays) > 1 else ''} "
                f"(through a symlink) of {_few([alias_of[a] for a in strays])}: a file belongs to "
                f"one service, under its canonical name, so these follow it into "
                f"{', '.join(where)}, not {service!r}"
            )
    for i, group in enumerate(settings.together):
        path = f"{prefix}.together[{i}]"
        members: list[str] = []
        for pattern in group:
            found = hits(pattern)
            if not found:
                unmatched(path, pattern)
            members.extend(m for m in found if m not in members)
        services = sorted({assignment[m] for m in members})
        if len(services) < 2:
            continue
        reasons: list[str] = []
        kern = [m for m in members if assignment[m] == "kernel"]
        if kern:
            reasons.append(f"{_few(kern)} went to the shared kernel ({why_kernel(kern)})")
        pinned = sorted({pins[m][0] for m in members if m in pins})
        if pinned:
            reasons.append(
                "pin places "
                + ", ".join(f"{x!r} in {settings.pin[x]!r}" for x in pinned)
                + f" ({prefix}.pin)"
            )
        for j, ap in enumerate(settings.apart):
            split = [x for x in ap if any(matches(m, x) for m in members)]
            if len(split) >= 2:
                reasons.append(f"{prefix}.apart[{j}] keeps {' and '.join(map(repr, split))} apart")
            elif split and any(hits(x) for x in ap if x not in split):
                # A member moved away from modules outside the group (overlapping patterns).
                others = [x for x in ap if x not in split]
                reasons.append(
                    f"{prefix}.apart[{j}] moved {' and '.join(map(repr, split))} away from "
                    f"{' and '.join(map(repr, others))}"
                )
        for k, other in enumerate(settings.together):
            if k == i:
                continue
            shared_members = [m for m in members if any(matches(m, x) for x in other)]
            if shared_members:
                reasons.append(
                    f"{prefix}.together[{k}] also lists {_few(shared_members)} and took "
                    f"{'it' if len(shared_members) == 1 else 'them'} to its own majority service "
                    "(merge the two groups to keep them all together)"
                )
        if settings.max_service_size > 0 and not reasons:
            reasons.append(
                f"{prefix}.max_service_size = {settings.max_service_size} split the service"
            )
        out.append(
            f"{path}: {', '.join(map(repr, group))} ended in {len(services)} services "
            f"({', '.join(services)}): "
            + ("; ".join(reasons) or "the constraints could not all be kept")
            + "; when rules disagree, together yields ("
            + " > ".join(CONSTRAINT_ORDER)
            + ")"
        )
    for j, group in enumerate(settings.apart):
        path = f"{prefix}.apart[{j}]"
        matched = {x: hits(x) for x in group}
        for x in group:
            if not matched[x]:
                unmatched(path, x)
        for a_i, a in enumerate(group):
            for b in group[a_i + 1 :]:
                if a == b:
                    continue
                both = sorted(set(matched[a]) & set(matched[b]))
                sa = {assignment[m] for m in matched[a] if m not in both}
                sb = {assignment[m] for m in matched[b] if m not in both}
                shared = sorted(sa & sb)
                if both:
                    out.append(
                        f"{path}: {_few(both)} match{'es' if len(both) == 1 else ''} both {a!r} "
                        f"and {b!r}: a module cannot be apart from itself, so "
                        f"{'it stays' if len(both) == 1 else 'they stay'} where the proposal put "
                        "them (make the patterns disjoint)"
                    )
                if not shared:
                    continue
                reasons = []
                if "kernel" in shared:
                    reasons.append(
                        "modules of both went to the shared kernel "
                        f"({why_kernel([*matched[a], *matched[b]])}); the kernel wins over apart"
                    )
                by_pin = sorted(
                    {
                        pins[m][0]
                        for m in (*matched[a], *matched[b])
                        if m in pins and pins[m][1] in shared
                    }
                )
                if by_pin:
                    reasons.append(
                        "pin places "
                        + ", ".join(f"{x!r} in {settings.pin[x]!r}" for x in by_pin)
                        + f" ({prefix}.pin), and pin wins over apart"
                    )
                if not reasons:
                    reasons.append(
                        "no other rule outranks apart here: the proposal moved one side out of "
                        "the shared service once, next to modules of the other side (pin one "
                        "side to a service of its own to force it)"
                    )
                out.append(
                    f"{path}: {a!r} and {b!r} share service{'s' if len(shared) > 1 else ''} "
                    f"{', '.join(shared)}: " + "; ".join(reasons)
                )
    if settings.max_service_size > 0:
        out.extend(_size_warnings(settings, assignment, canon, pins, prefix))
    for k, pattern in enumerate(settings.kernel):
        found = hits(pattern)
        if not found:
            unmatched(f"{prefix}.kernel[{k}]", pattern)
            continue
        missed = [m for m in found if assignment.get(m) != "kernel"]
        if not missed:
            continue
        in_services = ", ".join(sorted({repr(assignment[m]) for m in missed}))
        out.append(
            f"{prefix}.kernel[{k}]: {pattern!r} matches modules outside the shared kernel: "
            f"{_few(missed)} ended in {in_services}. The kernel takes product code only: tests, "
            "migrations, examples, templates and generated stubs follow the code they serve, "
            "namespace packages their children"
        )
    return out


def _size_warnings(
    settings: AnalyzeSettings,
    assignment: Mapping[str, str],
    canon: Sequence[str],
    pins: Mapping[str, tuple[str, str]],
    prefix: str,
) -> list[str]:
    """``max_service_size`` not kept: each service with more modules than the limit, and the
    pins (with the ``together`` groups a pin takes along) that put them there."""
    limit = settings.max_service_size
    size: dict[str, list[str]] = {}
    for m in canon:
        if assignment[m] != "kernel":
            size.setdefault(assignment[m], []).append(m)
    out: list[str] = []
    for service, mods in sorted(size.items()):
        if len(mods) <= limit:
            continue
        direct = sorted({pins[m][0] for m in mods if m in pins and pins[m][1] == service})
        along = [
            i
            for i, group in enumerate(settings.together)
            if any(
                m in pins and pins[m][1] == service for g in group for m in mods if matches(m, g)
            )
            and any(m not in pins for g in group for m in mods if matches(m, g))
        ]
        if direct:
            why = (
                "pin places "
                + ", ".join(repr(x) for x in direct)
                + f" there ({prefix}.pin"
                + "".join(f", with {prefix}.together[{i}]" for i in along)
                + "), and pin wins over max_service_size"
            )
        else:
            why = "it could not be split further along its ties"
        out.append(
            f"{prefix}.max_service_size: {service} has {len(mods)} modules, more than {limit}: "
            + why
        )
    return out


def _few(modules: Sequence[str], n: int = 3) -> str:
    """``a, b, c`` or ``a, b, c and 4 more``."""
    head = ", ".join(modules[:n])
    return head + (f" and {len(modules) - n} more" if len(modules) > n else "")


def parse_config(data: Mapping[str, Any], source: str = "", prefix: str = "") -> Config:
    """Validate a configuration table (the contents of ``[tool.decompose]``).

    Args:
        data: the table.
        source: file name, for messages.
        prefix: key path prefix for messages (``tool.decompose``).

    Returns:
        A Config.

    Raises:
        ConfigError: with every problem found, each as ``key.path: message``.
    """
    problems: list[str] = []
    top = _check_table(prefix, data, _TOP_KEYS, problems)
    p = (prefix + ".") if prefix else ""
    an = _check_table(f"{p}analyze", top.get("analyze", {}), _ANALYZE_KEYS, problems)
    ck = _check_table(f"{p}check", top.get("check", {}), _CHECK_KEYS, problems)
    if "algorithm" in an and an["algorithm"] not in ALGORITHMS:
        problems.append(
            f"{p}analyze.algorithm: must be one of {', '.join(ALGORITHMS)}, got "
            f"{an['algorithm']!r}{_suggest(an['algorithm'], list(ALGORITHMS))}"
        )
    if "resolution" in an and not an["resolution"] > 0:
        problems.append(f"{p}analyze.resolution: must be > 0, got {an['resolution']}")
    if "services" in an and an["services"] < 1:
        problems.append(f"{p}analyze.services: must be >= 1, got {an['services']}")
    if "contested_margin" in an and not 0 <= an["contested_margin"] <= 1:
        problems.append(f"{p}analyze.contested_margin: must be in [0, 1]")
    weights = dict(DEFAULT_WEIGHTS)
    for k, v in sorted(an.get("weights", {}).items()):
        if k not in DEFAULT_WEIGHTS:
            hint = _suggest(k, DEFAULT_WEIGHTS)
            problems.append(f"{p}analyze.weights.{k}: unknown edge kind{hint}")
        elif not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            problems.append(f"{p}analyze.weights.{k}: expected a number >= 0, got {v!r}")
        else:
            weights[k] = float(v)
    if "resolution" in an and "services" in an:
        problems.append(
            f"{p}analyze.resolution and {p}analyze.services: set one of them (a target number of "
            "services picks the resolution itself, so the given resolution would be ignored)"
        )
    pin: dict[str, str] = {}
    for k, v in sorted(an.get("pin", {}).items()):
        if not isinstance(v, str):
            problems.append(f"{p}analyze.pin.{k}: expected a service name (str), got {v!r}")
        elif v != "kernel" and service_name_problem(v):
            problems.append(f"{p}analyze.pin.{k}: {v!r} is {service_name_problem(v)}")
        else:
            pin[k] = v
    problems.extend(
        _constraint_problems(
            f"{p}analyze",
            pin,
            an.get("together", []),
            an.get("apart", []),
            an.get("kernel", []),
        )
    )
    rules: dict[str, str] = {}
    for k, v in sorted(ck.get("rules", {}).items()):
        if v not in SEVERITIES:
            problems.append(
                f"{p}check.rules.{k}: severity must be one of {', '.join(SEVERITIES)}, got {v!r}"
            )
        else:
            rules[k] = v
    if "unclaimed" in ck and ck["unclaimed"] not in SEVERITIES:
        problems.append(f"{p}check.unclaimed: must be one of {', '.join(SEVERITIES)}")
    services: list[ServiceDecl] = []
    for name, table in sorted(top.get("services", {}).items()):
        spath = f"{p}services.{name}"
        why = service_name_problem(name)
        if why:
            problems.append(f"{p}services.{json.dumps(name, ensure_ascii=False)}: {why}")
            continue
        if not isinstance(table, dict):
            problems.append(f"{spath}: expected a table with 'modules'")
            continue
        st = _check_table(spath, table, _SERVICE_KEYS, problems)
        if "modules" not in table:
            problems.append(f"{spath}.modules: required")
        services.append(
            ServiceDecl(
                name=name,
                modules=tuple(st.get("modules", ())),
                interface=tuple(st.get("interface", ())),
                depends_on=tuple(st["depends_on"]) if "depends_on" in st else None,
                layer=st.get("layer", ""),
                description=st.get("description", ""),
            )
        )
    names = {s.name for s in services}
    for s in services:
        for dep in s.depends_on or ():
            if dep not in names:
                problems.append(
                    f"{p}services.{s.name}.depends_on: unknown service '{dep}'"
                    f"{_suggest(dep, sorted(names))}"
                )
    layers = tuple(top.get("layers", ()))
    for dup in sorted({x for x in layers if layers.count(x) > 1}):
        problems.append(f"{p}layers: {dup!r} is listed {layers.count(dup)} times")
    for s in services:
        if s.layer and not layers:
            problems.append(
                f"{p}services.{s.name}.layer: no `layers` are defined (add "
                f"`layers = [...]`, outermost first, at the top level)"
            )
        elif s.layer and s.layer not in layers:
            problems.append(
                f"{p}services.{s.name}.layer: '{s.layer}' is not in layers "
                f"{list(layers)}{_suggest(s.layer, list(layers))}"
            )
    if "jobs" in top and top["jobs"] < 0:
        problems.append(f"{p}jobs: must be >= 0 (0 = all cores)")
    if problems:
        raise ConfigError(problems, source)
    return Config(
        roots=tuple(top.get("roots", ())),
        exclude=tuple(top.get("exclude", ())),
        include_notebooks=top.get("include_notebooks", True),
        respect_gitignore=top.get("respect_gitignore", True),
        cache_dir=_relative_to_file(top.get("cache_dir", ""), source),
        jobs=top.get("jobs", 0),
        analyze=AnalyzeSettings(
            seed=an.get("seed", 0),
            resolution=float(an["resolution"]) if "resolution" in an else None,
            algorithm=an.get("algorithm", "leiden"),
            services=an.get("services"),
            kernel=tuple(an.get("kernel", ())),
            auto_kernel=an.get("auto_kernel", True),
            names=an.get("names", True),
            calls=an.get("calls", True),
            weights=weights,
            min_service_size=an.get("min_service_size", 2),
            max_service_size=an.get("max_service_size", 0),
            pin=pin,
            together=tuple(tuple(x) for x in an.get("together", ())),
            apart=tuple(tuple(x) for x in an.get("apart", ())),
            seed_from_packages=an.get("seed_from_packages", False),
            contested_margin=float(an.get("contested_margin", 0.2)),
            history=an.get("history", True),
            exclude_tests=an.get("exclude_tests", True),
        ),
        check=CheckSettings(
            rules=rules,
            ignore_type_checking=ck.get("ignore_type_checking", True),
            unclaimed=ck.get("unclaimed", "warn"),
            calls=ck.get("calls", True),
            indirect=ck.get("indirect", False),
            baseline=ck.get("baseline", ""),
            strict=ck.get("strict", False),
        ),
        services=tuple(services),
        kernel=tuple(top.get("kernel", ())),
        layers=layers,
        source=source,
    )


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"cannot read: {exc.strerror}"], str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([f"not UTF-8: {exc}"], str(path)) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"invalid TOML: {exc}"], str(path)) from exc


def _relative_to_file(folder: str, source: str) -> str:
    """A relative folder named in a configuration file is relative to that file's folder (not
    to the current folder), as in ruff and tach; ``~`` and absolute paths are kept."""
    if not folder or folder.startswith("~") or Path(folder).is_absolute():
        return folder
    src = Path(source) if source else None
    return str(src.parent / folder) if src is not None and src.is_file() else folder


def load_config(project: Path, explicit: Path | None = None) -> Config:
    """Load the configuration for ``project``.

    Order: ``explicit`` (``--config``), else ``decompose.toml`` in the project, else
    ``[tool.decompose]`` in its ``pyproject.toml``, else defaults. Only one source is read.

    Raises:
        ConfigError: the file is unreadable, not TOML, or fails validation.
    """
    if explicit is not None:
        data = _load_toml(explicit)
        if explicit.name == "pyproject.toml":
            table = data.get("tool", {}).get("decompose", {})
            return parse_config(table, str(explicit), "tool.decompose")
        return parse_config(data, str(explicit))
    dt = project / "decompose.toml"
    if dt.is_file():
        return parse_config(_load_toml(dt), str(dt))
    pp = project / "pyproject.toml"
    if pp.is_file():
        try:
            data = _load_toml(pp)
        except ConfigError:
            return Config()  # a broken pyproject that has no decompose section is not ours
        tool = data.get("tool", {})
        if isinstance(tool, dict) and "decompose" in tool:
            table = tool["decompose"]
            if not isinstance(table, dict):
                raise ConfigError(["tool.decompose: expected a table"], str(pp))
            return parse_config(table, str(pp), "tool.decompose")
    return Config()


def load_boundaries(path: Path) -> Config:
    """Load a ``boundaries.toml`` (or any file with the same keys) as a Config.

    Raises:
        ConfigError: unreadable or invalid.
    """
    data = _load_toml(path)
    if path.name == "pyproject.toml":
        return parse_config(data.get("tool", {}).get("decompose", {}), str(path), "tool.decompose")
    return parse_config(data, str(path))
