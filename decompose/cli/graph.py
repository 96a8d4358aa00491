"""``decompose graph``: draw the boundaries (services, modules by service, one service, focus)."""

from __future__ import annotations

from pathlib import Path

import click

from decompose.cli import (
    _cache_options,
    _common,
    _load_config,
    _path_arg,
    _State,
    _usable_cache,
    info,
    main,
    verbose,
)

# dot.IMAGE_FORMATS (kept literal here so `decompose --help` does not import graphviz code)
_IMAGES = ("svg", "png", "pdf", "eps", "ps", "jpg", "gif")
FORMATS = ("dot", *_IMAGES, "mermaid", "json")
_BY_SUFFIX = {
    ".dot": "dot",
    ".gv": "dot",
    **{f".{x}": x for x in _IMAGES},
    ".jpeg": "jpg",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".json": "json",
}


@main.command()
@_path_arg
@click.option(
    "--view",
    type=click.Choice(["services", "modules", "service", "focus"]),
    default=None,
    help="What to draw (default: services for a codebase of more than "
    "150 modules, else modules; focus/service when --focus/--service "
    "is given).",
)
@click.option("--service", default=None, help="The service to draw (--view service).")
@click.option("--focus", default=None, help="A module or service to centre on (--view focus).")
@click.option(
    "--hops",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Neighbourhood radius of the focus view.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=None,
    help="Collapse modules to packages of this many name components.",
)
@click.option(
    "--min-crossings",
    type=click.IntRange(min=1),
    default=None,
    help="Service view: hide edges with fewer crossings (default: keep the strongest "
    "3 per service on dense graphs).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: from the -o suffix; dot when there is no -o or the file "
    "name has no suffix). Images (svg, png, pdf, eps, ps, jpg, gif) need Graphviz's dot.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write here (default: stdout).",
)
@click.option(
    "--boundaries",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Draw these declared boundaries (boundaries.toml or any file with the "
    "[tool.decompose] keys; default: the services PATH's configuration declares, e.g. after "
    "`decompose adopt`; else a fresh proposal).",
)
@click.option(
    "--propose",
    is_flag=True,
    help="Draw a fresh proposal even when the configuration declares services.",
)
@_cache_options
@_common
def graph(
    path: Path,
    view: str | None,
    service: str | None,
    focus: str | None,
    hops: int,
    depth: int | None,
    min_crossings: int | None,
    fmt: str | None,
    output: Path | None,
    boundaries: Path | None,
    propose: bool,
    cache_dir: Path | None,
    no_cache: bool,
    jobs: int,
    config_path: Path | None,
) -> None:
    """Draw the service boundaries of PATH as DOT, SVG, PNG, PDF, Mermaid or JSON.

    By default it draws the contract PATH's configuration declares (decompose.toml or
    [tool.decompose], as `decompose adopt` writes it), else a fresh proposal, and says which on
    stderr; --boundaries FILE draws another contract, --propose a fresh proposal.

    Images need Graphviz's `dot` program; without it the DOT text is written next to the
    requested image and the command exits 2 with installation instructions. An -o suffix that
    names no supported format is refused (exit 2) unless --format is given.
    """
    from decompose import render
    from decompose.errors import UsageError
    from decompose.model import GeneratedFile
    from decompose.outputs import write_files
    from decompose.pipeline import analyze, load_graph, make_cache

    if fmt is None:
        suffix = output.suffix if output is not None else ""
        if suffix and suffix.lower() not in _BY_SUFFIX:
            raise UsageError(
                f"cannot tell the format of {output} from its suffix {suffix!r}: use one "
                f"of {', '.join(_BY_SUFFIX)}, or --format"
            )
        fmt = _BY_SUFFIX.get(suffix.lower(), "dot")
    if boundaries is not None and propose:
        raise UsageError("use one of --boundaries and --propose")
    if view == "service" and not service:
        raise UsageError("--view service needs --service NAME")
    if view == "focus" and not focus:
        raise UsageError("--view focus needs --focus NAME")
    config = _load_config(path, config_path)
    cache = _usable_cache(make_cache(config, cache_dir, no_cache))
    declared = None
    said = ""
    if boundaries is not None:
        from decompose.config import load_boundaries

        declared = load_boundaries(boundaries)
        drawn = f"the services declared in {boundaries}"
        said = f"decompose: drew {drawn}"
    elif not propose and config.services:
        # The contract the team adopted is what the code is held to: draw it, not a new
        # proposal that may name services the contract does not have (tester5 N4).
        declared = config
        drawn = f"the services declared in {config.source or 'the configuration'}"
        said = f"decompose: drew {drawn} (--propose: a fresh proposal instead)"
    else:
        drawn = "a fresh proposal"
        why = "" if propose else " (no services declared; `decompose adopt` makes a contract)"
        said = f"decompose: drew {drawn}{why}"
    if declared is not None:
        from decompose.boundary import build_plan

        _project, program, _facts = load_graph(path, config, cache, jobs)
        plan = build_plan(program, render.declared_partition(program, declared), config.analyze)
    else:
        result = analyze(path, config, config.analyze, cache, jobs)
        program, plan = result.graph, result.plan
    v = render.build_view(plan, program, view, service, focus, hops, depth, min_crossings)
    for note in v.notes:
        verbose(f"note: {note}")
    verbose(f"view {v.name}: {len(v.nodes)} nodes, {len(v.edges)} edges")

    data: bytes
    if fmt == "mermaid":
        data = render.to_mermaid(v).encode()
    elif fmt == "json":
        data = render.to_json(v).encode()
    else:
        from decompose.dot import render as render_image
        from decompose.dot import to_dot

        source = to_dot(v)
        if fmt == "dot":
            data = source.encode()
        else:
            from decompose.errors import MissingToolError

            try:
                data = render_image(source, fmt)
            except MissingToolError as exc:
                if output is not None:
                    dot_path = output.with_suffix(".dot")
                    write_files(dot_path.parent, [GeneratedFile(dot_path.name, source.encode())])
                    raise MissingToolError(f"{exc}; wrote the DOT to {dot_path}") from exc
                raise
    if said and not _State.quiet:  # stderr: stdout may be carrying the drawing itself
        click.echo(said, err=True)
    if output is None:
        click.echo(data, nl=False)
    else:
        write_files(output.parent, [GeneratedFile(output.name, data)])
        info(
            f"wrote {output} ({v.name} view of {drawn}: {len(v.nodes)} nodes, {len(v.edges)} edges)"
        )
