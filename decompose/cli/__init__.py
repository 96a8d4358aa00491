"""Command-line interface. The only module that prints or exits.

Exit codes (ruff's convention): 0 ran clean; 1 ran and found violations (or skipped files under
``--strict``); 2 could not run (usage, config, no sources, I/O, missing ``dot``); 130 interrupted
(SIGINT, Ctrl-C); 143 terminated (SIGTERM). On 130 and 143 the parse workers are stopped and no
partial output is written.
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from decompose import __version__
from decompose.errors import DecomposeError

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    quiet = False
    verbose = False
    debug = False


class _Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM, so a terminated run unwinds as on Ctrl-C (the
    parse pool is stopped, no partial output is written) and exits 143."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated()


def _trap_sigterm() -> Any:
    """Install the SIGTERM handler; returns the previous one (None when signals cannot be set
    here: not the main thread)."""
    import signal

    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:
        return None


def _common(f: F) -> F:
    """--quiet / --verbose / --debug on every command."""

    @click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
    @click.option("-v", "--verbose", is_flag=True, help="Print more detail (timings, cache).")
    @click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
    @functools.wraps(f)
    def wrapper(*args: Any, quiet: bool, verbose: bool, debug: bool, **kw: Any) -> Any:
        if quiet and verbose:
            click.echo("decompose: error: use one of -q/--quiet and -v/--verbose", err=True)
            sys.exit(2)
        _State.quiet = quiet
        _State.verbose = verbose
        _State.debug = debug
        previous = _trap_sigterm()
        try:
            return f(*args, **kw)
        except DecomposeError as exc:
            if _State.debug:
                traceback.print_exc()
            click.echo(f"decompose: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except _Terminated:
            click.echo("decompose: terminated", err=True)
            sys.exit(143)
        except KeyboardInterrupt:
            click.echo("decompose: interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - one place turns crashes into a message
            if _State.debug:
                traceback.print_exc()
            click.echo(
                f"decompose: internal error: {type(exc).__name__}: {exc} "
                "(run with --debug for the traceback, and please report it)",
                err=True,
            )
            sys.exit(2)
        finally:
            if previous is not None:
                import signal

                signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]


def info(msg: str) -> None:
    if not _State.quiet:
        click.echo(msg)


def verbose(msg: str) -> None:
    if _State.verbose and not _State.quiet:
        click.echo(msg, err=True)


def warn(msg: str) -> None:
    """A one-line warning on stderr (``decompose: warning: ...``), silent under ``--quiet``."""
    if not _State.quiet:
        click.echo(f"decompose: warning: {msg}", err=True)


def _usable_cache(cache: Any) -> Any:
    """``cache`` (a FactCache), disabled with a warning when its folder cannot be written."""
    if cache.enabled and not cache.writable():
        warn(f"cache folder {cache.folder.parent} is not writable: running without a cache")
        cache.enabled = False
    return cache


class _Progress:
    """A progress bar on a terminal; silent in pipes and CI."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty() and not _State.quiet
        self.bar: Any = None
        self.stage = ""
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total < 50:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = click.progressbar(length=total, label=f"{stage:9}", file=sys.stderr)
            self.bar.__enter__()
            self.done = 0
        if self.bar is not None:
            self.bar.update(done - self.done)
            self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="decompose")
def main() -> None:
    """Propose, render, scaffold and enforce service boundaries in a Python monolith.

    The analyzed code is only read, never imported or executed (unless you ask for it with
    `scaffold --openapi import`).
    """


class _Resolution(click.ParamType):  # type: ignore[type-arg]
    """A finite float > 0 (click's FloatRange lets nan and inf through)."""

    name = "float"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        import math

        try:
            f = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(f) or f <= 0:
            self.fail(f"{value!r} must be a finite number > 0", param, ctx)
        return f


RESOLUTION = _Resolution()

_path_arg = click.argument(
    "path",
    type=click.Path(path_type=Path, file_okay=True, dir_okay=True),
    default=".",
)


def _cache_options(f: F) -> F:
    f = click.option(
        "--cache-dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Fact cache folder (default: ~/.cache/decompose or $DECOMPOSE_CACHE_DIR).",
    )(f)
    f = click.option("--no-cache", is_flag=True, help="Do not read or write the fact cache.")(f)
    f = click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        help="Parser processes for uncached files (0 = all cores).",
    )(f)
    f = click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Read configuration from this file instead of decompose.toml / pyproject.toml.",
    )(f)
    return f


def _load_config(path: Path, config_path: Path | None) -> Any:
    from decompose.config import load_config
    from decompose.errors import UsageError

    if config_path is not None and not config_path.is_file():
        raise UsageError(f"config file not found: {config_path}")
    folder = path if path.is_dir() else path.parent
    return load_config(folder, config_path)


@main.command()
@_path_arg
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Output folder (default: ./decompose-out). A folder named decompose-out that this "
    "run creates ignores itself in git (a .gitignore holding *).",
)
@click.option("--seed", type=int, default=None, help="Random seed (default 0).")
@click.option(
    "--resolution",
    type=RESOLUTION,
    default=None,
    help="Modularity resolution gamma (default 1 on the hub-damped graph; docs/quality.md).",
)
@click.option(
    "--services",
    "n_services",
    type=click.IntRange(min=1),
    default=None,
    help="Target number of services.",
)
@click.option(
    "--algorithm",
    type=click.Choice(["leiden", "louvain"]),
    default=None,
    help="Community detection algorithm (default leiden).",
)
@click.option(
    "--names/--no-names",
    default=None,
    help="Use identifier tokens as a grouping signal (default on; off = name-blind).",
)
@click.option("--calls/--no-calls", default=None, help="Use call-graph edges (default on).")
@click.option("--strict", is_flag=True, help="Exit 1 when a file could not be parsed.")
@click.option("--dry-run", is_flag=True, help="List the files that would be written.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Summary format on stdout.",
)
@click.option(
    "--move",
    "moves",
    multiple=True,
    metavar="MODULE=SERVICE",
    help="What-if: move modules matching MODULE (a pattern such as pkg.*) to SERVICE "
    "(new or existing; 'kernel' = the shared kernel) and compare crossings, metrics and "
    "verdict with the proposal. Repeatable, once per pattern.",
)
@click.option("--no-history", is_flag=True, help="Do not read git history (ownership, co-change).")
@_cache_options
@_common
def analyze(
    path: Path,
    out: Path | None,
    seed: int | None,
    resolution: float | None,
    n_services: int | None,
    algorithm: str | None,
    names: bool | None,
    calls: bool | None,
    strict: bool,
    dry_run: bool,
    fmt: str,
    moves: tuple[str, ...],
    no_history: bool,
    cache_dir: Path | None,
    no_cache: bool,
    jobs: int,
    config_path: Path | None,
) -> None:
    """Analyze PATH and propose service boundaries.

    Writes graph.json, proposal.json, boundaries.toml, report.md and report.html into the output
    folder and prints a summary.
    """
    from dataclasses import replace

    from decompose.decision import parse_moves
    from decompose.discover import discover
    from decompose.errors import UsageError
    from decompose.outputs import write_files
    from decompose.pipeline import analyze as run_analyze
    from decompose.pipeline import make_cache, with_overrides
    from decompose.runcache import RunCache, run_key

    if resolution is not None and n_services is not None:
        raise UsageError(
            "use one of --services and --resolution: --services N searches the resolution that "
            "gives N services, so a given resolution would be ignored"
        )
    config = _load_config(path, config_path)
    settings = with_overrides(
        config.analyze,
        seed=seed,
        resolution=resolution,
        services=n_services,
        algorithm=algorithm,
        names=names,
        calls=calls,
    )
    if n_services is not None:  # a flag beats the configuration's other way to size services
        settings = replace(settings, resolution=None)
    elif resolution is not None:
        settings = replace(settings, services=None)
    cache = _usable_cache(make_cache(config, cache_dir, no_cache))
    no_cache = not cache.enabled
    move_list = parse_moves(moves)
    project = discover(
        path, config.roots, config.exclude, config.include_notebooks, config.respect_gitignore
    )
    runs = RunCache(cache.folder.parent, enabled=not no_cache)
    key = (
        run_key(
            project, repr((config, settings, move_list, not no_history)), history=not no_history
        )
        if runs.enabled
        else None
    )
    outcome = runs.get(key)
    if outcome is not None:
        verbose(
            "nothing changed since the last run with these settings: outputs served from the "
            "run cache"
        )
    else:
        progress = _Progress()
        try:
            result = run_analyze(
                path,
                config,
                settings,
                cache,
                jobs,
                progress,
                moves=move_list,
                history=not no_history,
                project=project,
            )
        finally:
            progress.close()
        outcome = _outcome(result)
        runs.put(key, outcome)
        stages = ", ".join(f"{k} {v:.3f} s" for k, v in result.timings.as_dict().items())
        verbose(f"timings: {stages}; cache: {result.cache_hits} hits, {result.cache_misses} misses")
    n_read = outcome.summary_json.get("files", 0)
    bad = outcome.summary_json.get("skipped")
    n_bad = len(bad) if isinstance(bad, (list, tuple)) else 0
    if isinstance(n_read, int) and 0 < n_bad >= n_read:  # every file has errors
        from decompose.errors import NoSourcesError

        for line in outcome.problems:
            click.echo(line, err=True)
        raise NoSourcesError(
            f"nothing could be analysed under {path}: "
            + ("its only file has" if n_read == 1 else f"all {n_read} files have")
            + " errors (see above); no proposal written"
        )
    out_dir = out or Path("decompose-out")
    if dry_run:
        for f in outcome.files:
            info(f"would write {out_dir / f.path} ({len(f.content)} bytes)")
    else:
        # A decompose-out/ folder ignores itself (a `*` .gitignore) when created: never untracked.
        write_files(out_dir, outcome.files, self_ignoring=out_dir.name == "decompose-out")
    if fmt == "json":
        click.echo(
            json.dumps({**outcome.summary_json, "out": str(out_dir)}, indent=2, sort_keys=True)
        )
    else:
        for line in outcome.summary_text:
            info(line)
        if not dry_run:
            info(f"  wrote: {', '.join(f.path for f in outcome.files)} to {out_dir}/")
    if not _State.quiet:
        for line in outcome.problems:
            click.echo(line, err=True)
    if strict and outcome.strict_failure:
        sys.exit(1)


def _outcome(result: Any) -> Any:
    """The cacheable part of an analyze run: its files and what it prints."""
    from decompose.report import plan_outputs
    from decompose.runcache import Outcome

    files = plan_outputs(result)
    g = result.graph
    plan = result.plan
    skipped = result.skipped
    n_files = len([m for m in g.modules if m.kind != "namespace"])
    from decompose.partition import is_migration_module, is_test_module

    svc = [s for s in plan.services if not s.kernel]

    def code(s: Any) -> int:  # tests and migrations follow the code: counted apart
        return sum(1 for m in s.modules if not is_test_module(m) and not is_migration_module(m))

    sizes = ", ".join(
        f"{s.name} ({code(s)})" for s in sorted(svc, key=lambda s: (-code(s), s.name))
    )
    n_attached = sum(len(s.modules) - code(s) for s in svc)
    text = [
        f"decompose {__version__}: analyzed {result.project.root}",
        f"  files: {n_files}"
        + (f", {len(skipped)} with errors (not analysed, see diagnostics)" if skipped else ""),
        f"  modules: {len(g.modules)}  import edges: {len(g.imports)}  "
        f"call edges: {len(g.calls)}  call resolution: {g.resolution_rate:.1%}",
        f"  services: {len(svc)}: {sizes}"
        + (f" (+ {n_attached} tests and migrations attached)" if n_attached else ""),
    ]
    wanted = result.config.analyze.services
    if wanted is not None and wanted != len(svc):
        text.append(
            f"  asked for {wanted} services, proposed {len(svc)}: the closest that the resolution "
            f"search and min_service_size = {result.config.analyze.min_service_size} allow"
        )
    if plan.partition.kernel:
        n_k = len(plan.partition.kernel)
        text.append(f"  shared kernel: {n_k} module{'' if n_k == 1 else 's'}")
    text.append(
        f"  modularity: {plan.metrics.get('modularity', 0):.3f}  seed: "
        f"{plan.partition.seed}  resolution: {plan.partition.resolution}  algorithm: "
        f"{plan.partition.algorithm}"
    )
    if plan.metrics.get("modularity", 0) < 0:
        text.append(
            "  note: modularity below 0: fewer ties inside these groups than chance would give; "
            "read them as a map of the code, not as service boundaries"
        )
    if g.diagnostics:
        text.append(f"  diagnostics: {len(g.diagnostics)} (see report.md / graph.json)")
    summary = {
        "files": n_files,
        "skipped": skipped,
        "modules": len(g.modules),
        "import_edges": len(g.imports),
        "call_edges": len(g.calls),
        "resolution_rate": round(g.resolution_rate, 4),
        "services": {s.name: len(s.modules) for s in plan.services},
        "modularity": plan.metrics.get("modularity"),
        "seed": plan.partition.seed,
        "resolution": plan.partition.resolution,
    }
    problems = tuple(d.format() for d in g.diagnostics if d.code in ("DEC001", "DEC002", "DEC003"))
    from decompose.config import analyze_key_prefix, constraint_warnings

    problems += tuple(
        f"decompose: warning: {w}"
        for w in constraint_warnings(
            result.config.analyze,
            dict(plan.partition.assignment),
            dict(g.aliases),
            analyze_key_prefix(result.config),
        )
    )
    failure = bool(skipped) or any(d.severity == "error" for d in g.diagnostics)
    return Outcome(tuple(files), tuple(text), summary, problems, failure)


@main.command()
@click.argument("graph_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the proposal JSON here (default: stdout).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resolution", type=RESOLUTION, default=None)
@click.option("--services", "n_services", type=click.IntRange(min=1), default=None)
@click.option(
    "--algorithm", type=click.Choice(["leiden", "louvain"]), default="leiden", show_default=True
)
@click.option(
    "--names/--no-names",
    default=False,
    show_default=True,
    help="Use name tokens of the node names (off: names are treated as opaque).",
)
@click.option("--no-kernel", is_flag=True, help="Do not take omnipresent nodes out.")
@_common
def partition(
    graph_file: Path,
    out: Path | None,
    seed: int,
    resolution: float | None,
    n_services: int | None,
    algorithm: str,
    names: bool,
    no_kernel: bool,
) -> None:
    """Partition a graph given in the graph.json schema (node names may be opaque).

    Only "modules" (name) and "imports"/"calls" (src, dst, kind, weight/count) are read, so graphs
    from runtime traces or other tools can be partitioned too.
    """
    from decompose.config import AnalyzeSettings
    from decompose.interchange import partition_graph_file
    from decompose.report import dumps

    settings = AnalyzeSettings(
        seed=seed,
        resolution=resolution,
        services=n_services,
        algorithm=algorithm,
        names=names,
        auto_kernel=not no_kernel,
    )
    doc = partition_graph_file(graph_file, settings)
    text = dumps(doc)
    if out is None:
        click.echo(text, nl=False)
    else:
        from decompose.model import GeneratedFile
        from decompose.outputs import write_files

        write_files(
            out.parent if str(out.parent) else Path("."), [GeneratedFile(out.name, text.encode())]
        )
        info(f"wrote {out}")


@main.command()
@click.argument("proposal", type=click.Path(path_type=Path, exists=True))
@click.argument("reference", type=click.Path(path_type=Path, exists=True))
@click.option(
    "--graph",
    "graph_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="graph.json to compute the structural metrics on.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_common
def score(proposal: Path, reference: Path, graph_file: Path | None, fmt: str) -> None:
    """Score PROPOSAL against REFERENCE: MoJoFM (both directions) plus the metrics.

    Each may be a proposal.json, a boundaries.toml/decompose.toml, a truth file
    ({"services": {name: [modules]}}), or a project folder (its package structure, on either
    side: each module grouped under its first package below the top level). Module
    patterns of a TOML are expanded against --graph, or else against the names the other side
    lists; proposal_only / reference_only count the modules left out of the comparison and
    proposal_only_modules / reference_only_modules name the first 20 of them.
    """
    from decompose.interchange import format_score, score_files

    doc = score_files(proposal, reference, graph_file)
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        click.echo(format_score(doc), nl=False)


@main.group()
def cache() -> None:
    """Manage the per-file fact cache."""


@cache.command("clear")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None)
@_common
def cache_clear(cache_dir: Path | None) -> None:
    """Delete every cached entry."""
    from decompose.cache import FactCache, default_cache_dir

    folder = cache_dir or default_cache_dir()
    freed = FactCache(folder).clear()
    info(f"cleared {folder} ({freed} bytes)")


@cache.command("dir")
def cache_dir_cmd() -> None:
    """Print the default cache folder."""
    from decompose.cache import default_cache_dir

    click.echo(str(default_cache_dir()))


def _register_commands() -> None:
    """Import the command modules of the cli package so they attach to :func:`main`. Each keeps
    its heavy imports inside the command function, so ``decompose --help`` and a warm ``check``
    stay fast."""
    import importlib

    for name in ("check", "graph", "scaffold"):
        try:
            importlib.import_module(f"decompose.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"decompose.cli.{name}":
                raise


_register_commands()
