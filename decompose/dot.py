"""Graphviz DOT for a :class:`decompose.render.View`, and rendering it to SVG, PNG, PDF... with
``dot``.

Building DOT needs only the ``graphviz`` Python package; rendering needs the ``dot`` program
(Debian/Ubuntu ``apt-get install graphviz``, macOS ``brew install graphviz``). Without it,
:func:`render` raises :class:`~decompose.errors.MissingToolError` (exit code 2) and callers can
still write the DOT text.

Styles: services are rounded boxes; the shared kernel is a grey dashed cluster of its own, drawn
below the rest; internal edges are thin and grey; crossing edges are blue and dashed; edges on an
import cycle between services are thick and red; the focus node is yellow. Node ids are generated
(``n0``, ``n1``...) and every label is escaped, so names from analyzed code cannot inject DOT.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from decompose.errors import DecomposeError, MissingToolError

if TYPE_CHECKING:
    from decompose.render import View

# Graphviz output formats that make sense for a picture of the boundaries (all built into
# `dot`'s core/cairo plugins on Debian and Homebrew builds).
IMAGE_FORMATS = ("svg", "png", "pdf", "eps", "ps", "jpg", "gif")
INSTALL_HINT = (
    "Graphviz's `dot` program is needed for images: install it with "
    "`apt-get install graphviz` (Debian/Ubuntu) or `brew install graphviz` (macOS)"
)

# Bitmap formats: dot draws them at 96 dpi (1 pt of text = 4/3 px). Past this many pixels on
# the longest side a picture of a graph cannot be read as a whole nor comfortably scrolled (a
# 300-module view of arize-phoenix drew 3336 x 30883 px); such a graph is refused with advice
# instead (svg zooms; packages, one service or a focus draw less).
RASTER_FORMATS = ("png", "jpg", "gif")
RASTER_DPI = 96
MAX_RASTER_PX = 8000

_FONT = "Helvetica"
_INTERNAL = "#9a9a9a"
_CROSSING = "#2c6fbb"
_CYCLE = "#d62728"
_PALETTE = ("#e8f1fb", "#eaf7ea", "#fdf0e2", "#f3eafa", "#fbe9ee", "#e9f7f6", "#f8f6e1", "#eef0f3")


def _label(text: str) -> str:
    """A DOT label from plain text: backslashes and quotes made literal, newlines as ``\\n``."""
    import graphviz

    return "\\n".join(graphviz.escape(part) for part in text.split("\n"))


def to_dot(view: View) -> str:
    """DOT source for ``view`` (deterministic: nodes, clusters and edges in the view's order).

    Args:
        view: a view from :mod:`decompose.render`.

    Returns:
        The DOT text (a ``digraph``), ending with a newline.
    """
    import graphviz

    g = graphviz.Digraph("decompose", strict=False)
    title = "\n".join((view.title, *view.notes))
    g.attr(
        rankdir="LR",
        fontname=_FONT,
        fontsize="12",
        labelloc="t",
        label=_label(title),
        nodesep="0.3",
        ranksep="0.6",
        compound="true",
    )
    g.attr(
        "node",
        shape="box",
        style="rounded,filled",
        fillcolor="#ffffff",
        fontname=_FONT,
        fontsize="10",
        color="#555555",
    )
    g.attr("edge", fontname=_FONT, fontsize="9", color=_INTERNAL, arrowsize="0.6")
    ids = {n.id: f"n{i}" for i, n in enumerate(view.nodes)}
    max_w = max((e.weight for e in view.edges), default=1)
    kernel_clusters = {c for c, label in view.clusters if label == "shared kernel"}
    kernel_ids = {n.id for n in view.nodes if n.kind == "kernel" or n.cluster in kernel_clusters}

    def add_node(sub: graphviz.Digraph, n_id: str) -> None:
        n = by_id[n_id]
        attrs: dict[str, str] = {"tooltip": _label(n.id)}
        if n.kind == "kernel":
            attrs.update(shape="cylinder", style="filled,dashed", fillcolor="#eeeeee")
        elif n.kind in ("service", "external"):
            attrs.update(penwidth="1.5", fillcolor="#f4f8fd" if n.kind == "service" else "#f2f2f2")
            if n.kind == "external":
                attrs["style"] = "rounded,filled,dashed"
        elif n.kind == "package":
            attrs.update(shape="folder")
        if n.focus:
            attrs.update(fillcolor="#fff3b0", penwidth="2.5", color="#b58900")
        sub.node(ids[n.id], _label(n.label), **attrs)

    by_id = {n.id: n for n in view.nodes}
    for n in view.nodes:
        if not n.cluster and n.kind != "kernel":
            add_node(g, n.id)
    loose_kernel = [n.id for n in view.nodes if not n.cluster and n.kind == "kernel"]
    if loose_kernel:
        # the shared kernel is a library, drawn apart in the last rank
        with g.subgraph(name="kernel_rank") as sub:
            sub.attr(rank="sink")
            for m in loose_kernel:
                add_node(sub, m)
    for i, (cluster, label) in enumerate(view.clusters):
        members = [n.id for n in view.nodes if n.cluster == cluster]
        if not members:
            continue
        kernel = any(by_id[m].kind == "kernel" for m in members) or label == "shared kernel"
        with g.subgraph(name=f"cluster_{i}") as sub:
            if kernel:
                sub.attr(
                    label=_label(label),
                    style="dashed,filled",
                    fillcolor="#f5f5f5",
                    color="#888888",
                    fontcolor="#555555",
                )
            else:
                sub.attr(
                    label=_label(label),
                    style="rounded,filled",
                    fillcolor=_PALETTE[i % len(_PALETTE)],
                    color="#b0b0b0",
                )
            for m in members:
                add_node(sub, m)
    for e in view.edges:
        width = 0.8 + 2.2 * math.log1p(e.weight) / math.log1p(max_w) if max_w else 1.0
        attrs = {"penwidth": f"{width:.2f}", "tooltip": _label(f"{e.src} -> {e.dst}")}
        if e.cycle:
            attrs.update(color=_CYCLE, fontcolor=_CYCLE, penwidth=f"{width + 1.5:.2f}")
        elif e.crossing:
            attrs.update(color=_CROSSING, fontcolor=_CROSSING)
            if view.name != "services":  # there every edge is a crossing
                attrs["style"] = "dashed"
        elif e.dst in kernel_ids:
            # uses of the shared kernel: faint, and they do not pull the layout
            attrs.update(color="#d0d0d0", style="dotted", constraint="false")
        else:
            attrs.update(weight="2")
        if view.name == "services" or e.calls:
            n_calls = f"{e.calls} call{'' if e.calls == 1 else 's'}"
            attrs["label"] = _label(f"{e.weight}\n{e.imports} imp, {n_calls}")
        g.edge(ids[e.src], ids[e.dst], **attrs)
    return str(g.source)


def render(dot_source: str, fmt: str) -> bytes:
    """Render DOT text with Graphviz's ``dot`` program.

    Args:
        dot_source: DOT text (from :func:`to_dot`).
        fmt: one of :data:`IMAGE_FORMATS` (``svg``, ``png``, ``pdf``...).

    Returns:
        The image bytes.

    Raises:
        MissingToolError: ``dot`` is not installed (message says how to install it).
        DecomposeError: ``dot`` failed (its error message included).
    """
    import subprocess

    import graphviz

    if fmt not in IMAGE_FORMATS:
        raise DecomposeError(f"unknown image format {fmt!r}; one of {', '.join(IMAGE_FORMATS)}")
    try:
        if fmt in RASTER_FORMATS:
            width, height = _raster_size(graphviz.Source(dot_source).pipe(format="plain"))
            if max(width, height) > MAX_RASTER_PX:
                raise DecomposeError(
                    f"this graph would be a {width} x {height} px {fmt.upper()}, too large to "
                    f"read (the limit is {MAX_RASTER_PX} px on the longest side): write SVG "
                    "instead (-o FILE.svg or --format svg, zoomable in a browser), or draw less "
                    "(--depth N to group modules into packages, --view services, --service NAME, "
                    "--focus MODULE)"
                )
        out = graphviz.Source(dot_source).pipe(format=fmt, engine="dot", quiet=True)
    except graphviz.ExecutableNotFound as exc:
        raise MissingToolError(INSTALL_HINT) from exc
    except (graphviz.CalledProcessError, subprocess.CalledProcessError) as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        raise DecomposeError(
            f"Graphviz dot failed: {err.strip().splitlines()[-1:] or exc}"
        ) from exc
    return bytes(out)


def _raster_size(plain: bytes) -> tuple[int, int]:
    """``(width, height)`` in pixels of a bitmap of the layout described by dot's ``plain``
    output, whose first line is ``graph SCALE WIDTH HEIGHT`` (inches); ``(0, 0)`` if absent."""
    head = plain.split(b"\n", 1)[0].split()
    if len(head) < 4 or head[0] != b"graph":
        return (0, 0)
    scale, w, h = (float(x) for x in head[1:4])
    pad = 8 / 72  # dot's default pad: 4 pt on each side
    return (round((w * scale + pad) * RASTER_DPI), round((h * scale + pad) * RASTER_DPI))
