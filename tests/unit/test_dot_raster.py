"""tester4: a module view drawn as PNG came out 3336 x 30883 px. Bitmaps past
``MAX_RASTER_PX`` on the longest side are refused with advice; SVG still renders."""

from __future__ import annotations

import shutil
import struct

import pytest

from decompose.dot import MAX_RASTER_PX, render
from decompose.errors import DecomposeError

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz dot")


def _fan(n: int) -> str:
    """One node importing ``n`` others, left to right: a very tall one-rank picture."""
    edges = "\n".join(f"  hub -> m{i};" for i in range(n))
    return f"digraph {{\n  rankdir=LR;\n{edges}\n}}\n"


def test_small_png_renders_and_size_estimate_is_not_refused() -> None:
    data = render(_fan(5), "png")
    width, height = struct.unpack(">II", data[16:24])
    assert 0 < max(width, height) <= MAX_RASTER_PX


@pytest.mark.parametrize("fmt", ["png", "jpg", "gif"])
def test_huge_bitmap_is_refused_with_advice(fmt: str) -> None:
    with pytest.raises(DecomposeError) as exc:
        render(_fan(400), fmt)
    msg = str(exc.value)
    assert f"px {fmt.upper()}, too large to read" in msg
    assert "svg" in msg and "--depth" in msg


def test_huge_graph_still_renders_as_svg() -> None:
    assert render(_fan(400), "svg").lstrip().startswith(b"<?xml")
