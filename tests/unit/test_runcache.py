"""Whole-run cache: outputs are served only when nothing that can change them has changed."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from decompose.cli import main

FILES = {
    "shop/__init__.py": "",
    "shop/cart.py": "from shop import billing\n\ndef t():\n    return billing.charge(1)\n",
    "shop/billing.py": "def charge(x):\n    return x\n",
}


def _run(root: Path, out: Path, cache: Path, *extra: str) -> str:
    r = CliRunner().invoke(
        main, ["analyze", str(root), "--out", str(out), "--cache-dir", str(cache), "-v", *extra]
    )
    assert r.exit_code == 0, r.output
    return r.output


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_unchanged_input_is_served_from_the_run_cache(make_project, tmp_path: Path) -> None:
    root = make_project(FILES)
    cache = tmp_path / "cache"
    first = _run(root, tmp_path / "a", cache)
    assert "served from the run cache" not in first
    second = _run(root, tmp_path / "b", cache)
    assert "served from the run cache" in second
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert "modules: 3" in second and "wrote:" in second


def test_any_change_recomputes(make_project, tmp_path: Path) -> None:
    root = make_project(FILES)
    cache = tmp_path / "cache"
    _run(root, tmp_path / "a", cache)
    assert "served from the run cache" not in _run(root, tmp_path / "s", cache, "--seed", "3")
    (root / "shop" / "billing.py").write_text("def charge(x):\n    return x * 2\n")
    out = _run(root, tmp_path / "c", cache)
    assert "served from the run cache" not in out
    (root / "shop" / "new.py").write_text("import shop.cart\n")
    out = _run(root, tmp_path / "d", cache)
    assert "served from the run cache" not in out and "modules: 4" in out
    assert "served from the run cache" not in _run(root, tmp_path / "e", cache, "--no-cache")


def test_a_copy_elsewhere_is_not_served_the_originals_summary(make_project, tmp_path: Path) -> None:
    import shutil

    root = make_project(FILES)
    copy = tmp_path / "elsewhere" / "proj"
    shutil.copytree(root, copy)
    cache = tmp_path / "cache"
    _run(root, tmp_path / "a", cache)
    out = _run(copy, tmp_path / "b", cache)
    assert "served from the run cache" not in out
    assert f"analyzed {copy}" in out and str(root) not in out
