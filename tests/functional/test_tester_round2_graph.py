"""Tester round 2, finding 14: ``graph -o file.pdf`` wrote DOT text into a .pdf. Graphviz image
formats are honoured from the suffix, and an unknown suffix is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from decompose.cli import main
from decompose.cli.graph import FORMATS
from decompose.dot import IMAGE_FORMATS

PREDICTLY = str(SAMPLES / "predictly")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def _graph(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["graph", PREDICTLY, "--view", "services", *args])
    return r.exit_code, r.stderr


@needs_dot
@pytest.mark.parametrize(
    "name,magic", [("g.pdf", b"%PDF-"), ("g.EPS", b"%!PS-Adobe"), ("g.jpeg", b"\xff\xd8\xff")]
)
def test_image_suffix_renders_that_format(tmp_path: Path, name: str, magic: bytes) -> None:
    out = tmp_path / name
    code, err = _graph("-o", str(out))
    assert code == 0, err
    assert out.read_bytes().startswith(magic)


def test_unknown_suffix_exit_2_lists_supported(tmp_path: Path) -> None:
    out = tmp_path / "g.xyz"
    code, err = _graph("-o", str(out))
    assert code == 2 and not out.exists()
    line = err.strip()
    assert len(line.splitlines()) == 1 and "'.xyz'" in line
    assert all(s in line for s in (".pdf", ".svg", ".dot", ".mmd", ".json", "--format"))
    # --format overrides the suffix; no suffix at all is DOT
    assert _graph("-o", str(out), "--format", "dot")[0] == 0
    assert out.read_text().startswith("digraph")
    bare = tmp_path / "graph"
    assert _graph("-o", str(bare))[0] == 0 and bare.read_text().startswith("digraph")


def test_cli_image_formats_match_the_renderer() -> None:
    assert set(FORMATS) - {"dot", "mermaid", "json"} == set(IMAGE_FORMATS)
