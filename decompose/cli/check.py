"""``decompose check`` and ``decompose adopt``."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from decompose import __version__
from decompose.cli import _cache_options, _common, _path_arg, info, main, verbose


@main.command()
@click.argument(
    "paths",
    nargs=-1,
    type=click.Path(path_type=Path, file_okay=True, dir_okay=True),
)
@click.option(
    "--boundaries",
    "boundaries",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Take services, kernel and layers from this file (e.g. the "
    "boundaries.toml written by analyze) instead of the config.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="Output format on stdout.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Report only violations not recorded in this baseline file, relative to the current "
    "folder (default: check.baseline, relative to the config file).",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write the baseline: create it with today's violations, or shrink it to the "
    "ones that still occur. Never adds entries to an existing baseline.",
)
@click.option("--strict", is_flag=True, default=None, help="Warnings fail the check too (exit 1).")
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Report only these codes or prefixes (comma separated). Input errors "
    "(DEC0xx) are always reported unless --ignore'd.",
)
@click.option(
    "--ignore",
    "ignore_codes",
    multiple=True,
    metavar="CODES",
    help="Do not report these codes or prefixes (comma separated).",
)
@_cache_options
@_common
def check(
    paths: tuple[Path, ...],
    boundaries: Path | None,
    fmt: str,
    baseline: Path | None,
    update_baseline: bool,
    strict: bool | None,
    select: tuple[str, ...],
    ignore_codes: tuple[str, ...],
    cache_dir: Path | None,
    no_cache: bool,
    jobs: int,
    config_path: Path | None,
) -> None:
    """Check the project holding PATHS against its declared service boundaries.

    Each PATH (default: the current folder; files too, as pre-commit passes them) belongs to the
    project of the nearest decompose.toml or pyproject.toml with [tool.decompose] in its folder
    or above, and the whole project is checked. Prints `path:line:col: CODE message` per
    violation, sorted, paths relative to the current folder (json too); sarif and github paths
    are relative to the git repository root (else the project root), wherever the command runs.
    Exit 0 clean, 1 violations (errors, or warnings with --strict, or a file that could not be
    parsed), 2 could not run. Rules, ignores and config search: docs/check.md.
    """
    from decompose.diagnostics import (
        format_github,
        format_json,
        format_sarif,
        format_text,
        parse_codes,
    )
    from decompose.errors import UsageError

    t0 = time.perf_counter()
    if config_path is not None and not config_path.is_file():
        raise UsageError(f"config file not found: {config_path}")
    projects = _projects(paths or (Path("."),), config_path)
    if len(projects) > 1 and (boundaries is not None or baseline is not None):
        names = ", ".join(p.shown or "." for p in projects)
        raise UsageError(
            f"the paths belong to {len(projects)} projects ({names}); --boundaries and "
            "--baseline describe one project: run decompose check once per project"
        )
    selected = parse_codes(select)
    ignored_codes = parse_codes(ignore_codes)
    # text and json: paths as seen from the current folder (clickable there); sarif and github:
    # relative to the repository root, which code scanning and annotations resolve against
    base = _machine_base([p.root for p in projects]) if fmt in ("sarif", "github") else None
    kept: list[Any] = []
    results = [
        _check_project(
            p,
            _prefix(p, base),
            boundaries,
            baseline,
            update_baseline,
            strict,
            selected,
            ignored_codes,
            cache_dir,
            no_cache,
            jobs,
            kept,
        )
        for p in projects
    ]
    kept.sort()
    n_err = sum(1 for f in kept if f.diagnostic.severity == "error")
    n_warn = sum(1 for f in kept if f.diagnostic.severity == "warning")
    failed = any(r.errors > 0 or (r.strict and r.warnings > 0) for r in results)
    files = sum(r.files for r in results)
    n_skipped = sum(r.skipped for r in results)
    n_ignored = sum(r.ignored for r in results)
    n_baselined = sum(r.baselined for r in results)
    n_services = sum(r.services for r in results)
    summary = {
        "files": files,
        "skipped": n_skipped,
        "errors": n_err,
        "warnings": n_warn,
        "ignored": n_ignored,
        "baselined": n_baselined,
        "passed": not failed,
        "services": n_services,
    }
    if fmt == "json":
        click.echo(format_json(kept, summary), nl=False)
    elif fmt == "sarif":
        click.echo(format_sarif(kept, __version__, base), nl=False)
    elif fmt == "github":
        click.echo(format_github(kept), nl=False)
    else:
        click.echo(format_text(kept), nl=False)
    parts = [f"{n_err} error{'s' * (n_err != 1)}", f"{n_warn} warning{'s' * (n_warn != 1)}"]
    if n_ignored:
        parts.append(f"{n_ignored} ignored inline")
    if n_baselined:
        parts.append(f"{n_baselined} baselined")
    if n_skipped:
        parts.append(f"{n_skipped} file{'s' * (n_skipped != 1)} not parsed")
    status = "failed" if failed else "passed"
    contracts = ", ".join(r.contract for r in results)
    if fmt == "text" or _is_verbose():
        info_err(
            f"decompose check {status}: {', '.join(parts)} "
            f"({files} file{'s' * (files != 1)}, {n_services} service{'s' * (n_services != 1)} "
            f"from {contracts})"
        )
    verbose(f"check: total {time.perf_counter() - t0:.3f} s")
    if failed:
        sys.exit(1)


@dataclass(frozen=True, slots=True)
class _Project:
    """One project to check: its root (absolute, symlinks kept), how its paths are shown
    (relative to the current folder, or absolute; "" = the current folder), its configuration
    the paths of the command line that led to it, and the configurations above it that exclude
    it (for the message when none applies)."""

    root: Path
    shown: str
    config: Any
    given: tuple[Path, ...]
    passed_over: tuple[str, ...] = ()


def _projects(paths: tuple[Path, ...], config_path: Path | None) -> list[_Project]:
    """Group the command line's paths by the project that holds them (docs/check.md)."""
    from dataclasses import replace

    from decompose.config import Config, load_config
    from decompose.configfind import find_config
    from decompose.errors import UsageError

    cwd = Path.cwd()
    explicit = load_config(cwd, config_path) if config_path is not None else None
    by_root: dict[Path, _Project] = {}
    for p in paths:
        if not p.exists():
            raise UsageError(f"path does not exist: {p}")
        here = Path(os.path.abspath(p))
        folder = here if here.is_dir() else here.parent
        found = None
        passed_over: list[Path] = []
        if explicit is not None:
            config: Any = explicit
            cfg_dir = Path(os.path.abspath(config_path)).parent  # type: ignore[arg-type]
            root = here if here.is_dir() else _first_holding(folder, (cfg_dir, cwd))
        else:
            found = find_config(folder, passed_over=passed_over)
            if found is not None:
                root, config = found.root, found.config
            else:
                root = here if here.is_dir() else _first_holding(folder, (cwd,))
                config = Config()
        if root in by_root:
            old = by_root[root]
            by_root[root] = replace(old, given=(*old.given, p))
            continue
        if root == here and p.is_dir():
            shown = os.path.normpath(p)  # as typed, like before the search existed
        elif p.is_absolute():
            shown = str(root)
        else:
            shown = os.path.relpath(root, cwd)
        by_root[root] = _Project(
            root,
            "" if shown == "." else Path(shown).as_posix(),
            config,
            (p,),
            tuple(str(x) for x in passed_over),
        )
    return [by_root[r] for r in sorted(by_root)]


@dataclass(frozen=True, slots=True)
class _Result:
    """The counts of one project's check, and the file its contract came from."""

    errors: int
    warnings: int
    strict: bool
    files: int
    skipped: int
    ignored: int
    baselined: int
    services: int
    contract: str


def _repo_root(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` (absolute) holding ``.git`` (a folder, or a file
    in a worktree or submodule), else None."""
    for f in (folder, *folder.parents):
        if (f / ".git").exists():
            return f
    return None


def _machine_base(roots: list[Path]) -> Path:
    """The folder the sarif and github formats' paths are relative to: the git repository
    holding the projects (GitHub resolves annotation and code-scanning paths against the
    repository root); without one, the current folder when it holds the projects, else the
    project root; for projects in different repositories, the folder holding them all."""
    cwd = Path(os.path.abspath("."))
    bases = set()
    for r in roots:
        repo = _repo_root(r)
        if repo is None:
            repo = cwd if (r == cwd or cwd in r.parents) else r
        bases.add(repo)
    return Path(os.path.commonpath(sorted(bases)))


def _prefix(proj: _Project, base: Path | None) -> str:
    """What goes before a project's root-relative paths: its folder as seen from the current
    folder (``proj.shown``), or, with ``base``, from ``base`` ("" = the same folder)."""
    if base is None:
        return proj.shown
    rel = Path(os.path.relpath(proj.root, base)).as_posix()
    return "" if rel == "." else rel


def _first_holding(folder: Path, candidates: tuple[Path, ...]) -> Path:
    """The first candidate folder that holds ``folder`` (a file's folder), else ``folder``."""
    for c in candidates:
        if folder == c or c in folder.parents:
            return c
    return folder


def _check_project(
    proj: _Project,
    prefix: str,
    boundaries: Path | None,
    baseline: Path | None,
    update_baseline: bool,
    strict: bool | None,
    selected: frozenset[str] | set[str],
    ignored_codes: frozenset[str] | set[str],
    cache_dir: Path | None,
    no_cache: bool,
    jobs: int,
    out: list[Any],
) -> _Result:
    """Check one project; append its findings to ``out``, their project-relative paths behind
    ``prefix`` (absolute paths, of files outside the project, stay as they are)."""
    from dataclasses import replace

    from decompose.cache import FactCache, default_cache_dir
    from decompose.check import collect_ignores, evaluate, gather, result_key, save_snapshot
    from decompose.config import load_boundaries
    from decompose.diagnostics import (
        Finding,
        apply_baseline,
        apply_ignores,
        baseline_text,
        baselined_cycles,
        narrowed_cycles,
        read_baseline,
        resolve_severities,
        shrink_baseline,
    )
    from decompose.errors import UsageError
    from decompose.model import Diagnostic

    t0 = time.perf_counter()
    path = proj.root
    config = proj.config
    contract_file = config.source
    where = proj.shown or "."
    if config.source:
        verbose(f"check: project {where}, config {config.source}")
    else:
        verbose(f"check: project {where}, no config file")
    if boundaries is not None:
        if not boundaries.is_file():
            raise UsageError(f"boundaries file not found: {boundaries}")
        b = load_boundaries(boundaries)
        config = replace(config, services=b.services, kernel=b.kernel, layers=b.layers)
        contract_file = str(boundaries)
    if not config.services:
        if config.source:
            head = f"no boundaries declared in {config.source}"
        else:
            starts = ", ".join(sorted({os.path.normpath(g) for g in proj.given}))
            head = (
                "no boundaries declared: no decompose.toml or pyproject.toml with "
                f"[tool.decompose] in {starts} or any folder above it"
            )
            if proj.passed_over:
                head += f" ({', '.join(proj.passed_over)} excludes this folder)"
        raise UsageError(
            f"{head}; add [tool.decompose.services.NAME] tables to pyproject.toml "
            "(or a decompose.toml), pass --boundaries boundaries.toml, or run `decompose adopt` "
            "on an analyze proposal"
        )
    severities = resolve_severities(config.check.rules, config.check.unclaimed, config.source)
    strict_mode = config.check.strict if strict is None else strict
    root = path.resolve()
    contract_text = ""
    contract_rel = ""
    if contract_file:
        cp = Path(contract_file).resolve()
        try:
            contract_text = cp.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            contract_text = ""
        try:
            contract_rel = cp.relative_to(root).as_posix()
        except ValueError:
            contract_rel = cp.as_posix()

    def collect(project, cache, jobs):  # type: ignore[no-untyped-def]
        from decompose.pipeline import collect_facts

        return collect_facts(project, cache, jobs).facts

    folder = cache_dir or (Path(config.cache_dir).expanduser() if config.cache_dir else None)
    cache = FactCache(folder or default_cache_dir(), enabled=not no_cache)
    g = gather(path, config, cache, collect, jobs or config.jobs)
    t_gather = time.perf_counter() - t0
    # baseline: --baseline as typed (relative to the current folder), check.baseline relative
    # to the config file's folder (config.source is as seen from the current folder)
    bl_path = baseline
    if bl_path is None and config.check.baseline:
        base = Path(config.source).parent if config.source else path
        bl_path = base / config.check.baseline
    # baselined cycle groups: a group that grew past one is reported at the edge that grew it
    known = baselined_cycles(read_baseline(bl_path)) if bl_path and bl_path.is_file() else []
    rkey = result_key(config, severities, f"{contract_text}\0{[sorted(g) for g in known]}")
    if g.cached_result is not None and g.snapshot is not None and g.snapshot.result_key == rkey:
        findings = list(g.cached_result)
    else:
        findings = evaluate(
            g.modules,
            config,
            severities,
            g.project.first_party,
            g.project.alias_roots,
            g.project.aliases,
            g.project.diagnostics,
            contract_rel,
            contract_text,
            known,
        )
        save_snapshot(g, rkey, findings)
    kept, meta, n_ignored = apply_ignores(findings, collect_ignores(g.modules))
    kept += [f for f in meta if severities.get(f.diagnostic.code, "error") != "off"]

    n_baselined = 0
    stale: list[tuple[str, str, str]] = []
    if bl_path is not None:
        if update_baseline:
            old = read_baseline(bl_path) if bl_path.exists() else None
            new = shrink_baseline(old, kept)
            text = baseline_text(new)
            try:
                bl_path.write_text(text, encoding="utf-8")
            except OSError as exc:
                from decompose.errors import OutputError

                raise OutputError(f"cannot write baseline {bl_path}: {exc.strerror}") from exc
            verb = "created" if old is None else "updated"
            narrowed_keys = set() if old is None else set(narrowed_cycles(kept, old))
            n_narrowed = len(narrowed_keys)
            removed = (
                0
                if old is None
                else sum(v for k, v in old.items() if k not in new and k not in narrowed_keys)
            )
            notes = [f"{removed} removed"] if removed else []
            notes += [f"{n_narrowed} cycle groups narrowed"] if n_narrowed > 1 else []
            notes += ["1 cycle group narrowed"] if n_narrowed == 1 else []
            print(
                f"decompose: {verb} baseline {bl_path}: {sum(new.values())} "
                + ("entry" if sum(new.values()) == 1 else "entries")
                + (f" ({', '.join(notes)})" if notes else ""),
                file=sys.stderr,
            )
            bl = new
        else:
            bl = read_baseline(bl_path)
        narrowed = narrowed_cycles(kept, bl)
        kept, n_baselined, stale = apply_baseline(kept, bl)
        if (stale or narrowed) and severities.get("DEC192", "warn") != "off":
            from decompose.diagnostics import with_severity

            rel = _rel(bl_path, root)
            msgs = {
                key: "no longer occurs: run --update-baseline to shrink the baseline"
                for key in stale
            }
            for key, groups in narrowed.items():
                now = "; ".join(g.replace(",", ", ") for g in groups)
                msgs[key] = (
                    f"now covers a smaller cycle group ({now}): run --update-baseline to "
                    "narrow the baseline"
                )
            for (code, src, dst), what in sorted(msgs.items()):
                d = Diagnostic(
                    rel, 1, 0, "DEC192", f"baseline entry {code} {src} -> {dst or '-'} {what}"
                )
                kept.append(
                    Finding(
                        with_severity(d, severities.get("DEC192", "warn")), code, f"{src}|{dst}"
                    )
                )
    elif update_baseline:
        raise UsageError("--update-baseline needs --baseline FILE (or check.baseline)")

    # select / ignore
    if selected:
        kept = [
            f for f in kept if f.diagnostic.code in selected or f.diagnostic.code.startswith("DEC0")
        ]
    if ignored_codes:
        kept = [f for f in kept if f.diagnostic.code not in ignored_codes]

    # paths behind the prefix (as seen from where the command ran, or from the repository root)
    if prefix:
        kept = [
            Finding(
                Diagnostic(
                    f.diagnostic.path
                    if os.path.isabs(f.diagnostic.path)
                    else f"{prefix}/{f.diagnostic.path}",
                    f.diagnostic.line,
                    f.diagnostic.column,
                    f.diagnostic.code,
                    f.diagnostic.message,
                    f.diagnostic.severity,
                ),
                f.src,
                f.dst,
            )
            for f in kept
        ]
    out.extend(kept)
    n_err = sum(1 for f in kept if f.diagnostic.severity == "error")
    n_warn = sum(1 for f in kept if f.diagnostic.severity == "warning")
    skipped = {m.path for m in g.modules.values() if m.status != "ok"}
    verbose(f"check: {g.mode} ({g.parsed} files parsed), gather {t_gather:.3f} s")
    return _Result(
        n_err,
        n_warn,
        bool(strict_mode),
        len(g.modules),
        len(skipped),
        n_ignored,
        n_baselined,
        len(config.services),
        contract_file,
    )


def _rel(p: Path, root: Path) -> str:
    """``p`` relative to the project root, or absolute when outside it."""
    try:
        return p.resolve().relative_to(root).as_posix()
    except ValueError:
        return p.resolve().as_posix()


def _is_verbose() -> bool:
    from decompose.cli import _State

    return _State.verbose


def info_err(msg: str) -> None:
    """A summary line on stderr (stdout stays machine-readable), unless --quiet."""
    from decompose.cli import _State

    if not _State.quiet:
        click.echo(msg, err=True)


@main.command()
@_path_arg
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The proposal to adopt (default: PATH/decompose-out/boundaries.toml).",
)
@click.option(
    "--print",
    "print_only",
    is_flag=True,
    help="Only print the [tool.decompose] block to paste; write nothing.",
)
@click.option(
    "--baseline/--no-baseline",
    "with_baseline",
    default=True,
    show_default=True,
    help="Record today's violations in decompose-baseline.json (and point check.baseline at "
    "it), so `check` passes now and fails only on new violations.",
)
@_common
def adopt(path: Path, source: Path | None, print_only: bool, with_baseline: bool) -> None:
    """Adopt a proposal (boundaries.toml) as PATH's boundary contract.

    Writes PATH/decompose.toml when the project has no decompose configuration yet. Never edits
    an existing pyproject.toml or decompose.toml: when one holds decompose settings, the
    [tool.decompose] block is printed to paste instead.
    """
    from decompose.config import load_boundaries
    from decompose.errors import OutputError, UsageError

    if not path.is_dir():
        raise UsageError(f"not a folder: {path}")
    src = source or path / "decompose-out" / "boundaries.toml"
    if not src.is_file():
        raise UsageError(
            f"proposal not found: {src} (run `decompose analyze {path}` first, or pass --from FILE)"
        )
    cfg = load_boundaries(src)  # validates; ConfigError -> exit 2
    if not cfg.services:
        raise UsageError(f"{src} declares no services")
    text = src.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("# ")).strip() + "\n"
    dt = path / "decompose.toml"
    pp = path / "pyproject.toml"
    has_tool = False
    if pp.is_file():
        import tomllib

        try:
            has_tool = "decompose" in tomllib.loads(pp.read_text(encoding="utf-8")).get("tool", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            has_tool = False
    if print_only or dt.exists() or has_tool:
        where = dt if dt.exists() else pp
        if not print_only:
            info_err(
                f"decompose: {where} already holds decompose settings; it is not edited. "
                "Paste this block into it (replacing any existing services, kernel and "
                "layers), then run `decompose check`:"
            )
        if dt.exists():
            click.echo(body, nl=False)
        else:
            click.echo(_as_tool_block(body, "tool.decompose", header=not has_tool), nl=False)
        return
    header = (
        f"# Service boundaries adopted from {src.as_posix()} by decompose {__version__}.\n"
        "# This file is the project's boundary contract: `decompose check` enforces it.\n"
        "# Edit it freely; decompose never rewrites it.\n\n"
    )
    baseline = path / "decompose-baseline.json"
    if with_baseline and "\n[check]" not in "\n" + body and not baseline.exists():
        body += (
            "\n[check]\n"
            "# Violations that existed when the contract was adopted; the file may only shrink.\n"
            'baseline = "decompose-baseline.json"\n'
        )
    else:
        with_baseline = False
    try:
        dt.write_text(header + body, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {dt}: {exc.strerror}") from exc
    if not with_baseline:
        info(
            f"wrote {dt} ({len(cfg.services)} services). Next: `decompose check {path}`; to "
            "adopt gradually, `decompose check --baseline decompose-baseline.json "
            "--update-baseline`."
        )
        return
    # Today's violations (service cycles the proposal describes, crossings to tidy up) become
    # the baseline: the contract holds from now on without a red first run.
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "decompose", "check", str(path), "--update-baseline", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode == 2 or not baseline.exists():
        raise OutputError(
            f"wrote {dt}, but recording the baseline failed: "
            + (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        )
    import json

    try:
        entries = json.loads(baseline.read_text(encoding="utf-8")).get("entries", [])
        n = sum(int(e.get("count", 1)) for e in entries)
    except (OSError, ValueError, AttributeError):
        n = 0
    info(
        f"wrote {dt} ({len(cfg.services)} services) and {baseline} ({n} existing "
        f"violation{'' if n == 1 else 's'} recorded). `decompose check {path}` now fails only "
        "on new violations; fix recorded ones and run `decompose check --update-baseline` to "
        "shrink the baseline."
    )


def _as_tool_block(body: str, prefix: str, header: bool) -> str:
    """The boundaries TOML with its tables put under ``[prefix...]`` (top-level keys first,
    under a ``[prefix]`` header, or a comment saying where they go when the table exists)."""
    out = [f"[{prefix}]" if header else f"# keys for your existing [{prefix}] table:"]
    for line in body.splitlines():
        if line.startswith("[") and not line.startswith("[["):
            out.append(f"[{prefix}.{line[1:]}")
        else:
            out.append(line)
    return "\n".join(out).rstrip() + "\n"
