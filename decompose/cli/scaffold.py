"""``decompose scaffold``: generate services, client shims, a gateway and a compose file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from decompose.cli import (
    _cache_options,
    _common,
    _load_config,
    _path_arg,
    _Progress,
    _usable_cache,
    info,
    main,
)


@main.command()
@_path_arg
@click.option(
    "--boundaries",
    "boundaries",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="boundaries.toml / decompose.toml / proposal.json / truth.json (default: the services "
    "PATH's configuration declares, e.g. after `decompose adopt`; else a fresh proposal).",
)
@click.option(
    "--propose",
    is_flag=True,
    help="Scaffold from a fresh proposal even when the configuration declares services.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Output folder for the services, gateway, compose file and report.",
)
@click.option("--dry-run", is_flag=True, help="List the files that would be written.")
@click.option("--force", is_flag=True, help="Write into an existing, non-empty output folder.")
@click.option(
    "--app",
    "app",
    default=None,
    metavar="MODULE:ATTR",
    help="The monolith's ASGI app (default: detected from FastAPI(...)).",
)
@click.option(
    "--openapi",
    "openapi",
    type=click.Choice(["static", "import", "none"]),
    default="static",
    show_default=True,
    help="How each service's openapi.json is made. static: from the parsed signatures, nothing "
    "is imported or run. import: FastAPI's own document, by importing each generated service "
    "in a subprocess: this RUNS the analyzed project's module-level code. none: no document.",
)
@click.option("--no-openapi", is_flag=True, help="Same as --openapi none.")
@click.option(
    "--service",
    "only",
    multiple=True,
    metavar="NAME",
    help="Write only this service's folder (repeatable; `gateway` for the gateway). The files "
    "are the same as in the whole scaffold; compose file and report are left out.",
)
@_cache_options
@_common
def scaffold(
    path: Path,
    boundaries: Path | None,
    propose: bool,
    out: Path,
    dry_run: bool,
    force: bool,
    app: str | None,
    openapi: str,
    no_openapi: bool,
    only: tuple[str, ...],
    cache_dir: Path | None,
    no_cache: bool,
    jobs: int,
    config_path: Path | None,
) -> None:
    """Scaffold services from PATH's boundaries: one package per service (own modules, shared
    kernel, client shims), a FastAPI app with its interface and routes, pyproject, Dockerfile,
    README and OpenAPI document each; a gateway, docker-compose.yaml and scaffold-report.md.

    The analyzed code is only read, as in every command, unless --openapi import is given.
    """
    from decompose.errors import OutputError
    from decompose.outputs import write_files
    from decompose.pipeline import analyze as run_analyze
    from decompose.pipeline import load_graph, make_cache
    from decompose.scaffold import (
        add_openapi,
        out_inside,
        plan_from_boundaries,
        plan_scaffold,
        select_services,
    )

    mode = "none" if no_openapi else openapi
    config = _load_config(path, config_path)
    if boundaries is None and not propose and config.services:
        # The contract the team adopted (decompose.toml / [tool.decompose]) is what to scaffold.
        declared = [config_path] if config_path is not None else []
        declared += [path / "decompose.toml", path / "pyproject.toml"]
        boundaries = next((p for p in declared if p.is_file()), None)
        if boundaries is not None:
            info(
                f"decompose: scaffolding the services declared in {boundaries} (--propose: a "
                "fresh proposal instead)"
            )
    cache = _usable_cache(make_cache(config, cache_dir, no_cache))
    progress = _Progress()
    try:
        if boundaries is not None:
            project, graph, _ = load_graph(path, config, cache, jobs, progress)
            plan = plan_from_boundaries(graph, boundaries, config.analyze)
            source = boundaries.name
            root = project.root
        else:
            result = run_analyze(path, config, config.analyze, cache, jobs, progress)
            graph, plan, root = result.graph, result.plan, result.project.root
            source = "the boundaries analyze proposed"
        inside = out_inside(out, root)
        if inside:
            click.echo(f"decompose: warning: {inside}", err=True)
        if not dry_run and out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
            raise OutputError(
                f"output folder {out} exists and is not empty (use --force to write into it)"
            )
        planned = plan_scaffold(
            root, graph, plan, boundaries_source=source, app=app, progress=progress
        )
    finally:
        progress.close()
    if only:
        planned = select_services(planned, only)
    if dry_run:
        for f in planned.files:
            info(f"would write {out / f.path} ({len(f.content)} bytes)")
        how = {"static": "built from the parsed signatures", "import": "by importing the service"}
        if mode != "none":
            for doc in sorted(planned.openapi.values()):
                info(f"would write {out / doc} ({how[mode]})")
        return
    if mode == "import":
        click.echo(
            "decompose: warning: --openapi import runs each generated service, and so the "
            "analyzed project's module-level code, in a subprocess",
            err=True,
        )
    warnings = add_openapi(planned, mode)
    write_files(out, planned.files)
    rep = planned.report
    if only:
        units = [*planned.services] + (
            ["gateway"] if any(f.path.startswith("gateway/") for f in planned.files) else []
        )
        info(f"decompose: wrote {', '.join(units)} into {out}/ (--service)")
        for w in [*planned.warnings, *warnings]:
            click.echo(f"decompose: warning: {w}", err=True)
        sys.stdout.flush()
        return
    info(f"decompose: scaffolded {len(planned.services)} services and a gateway into {out}/")
    info(f"  services: {', '.join(planned.services)}")
    info(
        f"  network calls: {rep['network_calls']}  state proxies: "
        f"{sum(len(s['state']) for s in rep['services'].values())}  payload flags: "
        f"{len(rep['payload_flags'])}"
    )
    info(f"  report: {out / 'scaffold-report.md'}")
    for w in [*planned.warnings, *warnings]:
        click.echo(f"decompose: warning: {w}", err=True)
    sys.stdout.flush()
