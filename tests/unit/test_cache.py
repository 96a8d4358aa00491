"""The per-file fact cache: keys, atomic stores, repair of corrupt entries, sweeping, clearing."""

from __future__ import annotations

import os
import pickle
import stat
import time
import types
from pathlib import Path

import pytest

import decompose.cache as cache_mod
from decompose.cache import FactCache, cache_key, default_cache_dir, environment_fingerprint
from decompose.model import FileFacts, SourceFile

SF = SourceFile("app/api.py", "app.api", ".", "module", False, 10)


def facts(sf: SourceFile = SF, sha: str = "x") -> FileFacts:
    return FileFacts(sf, "ok", sha, 3)


def entry_files(cache: FactCache) -> list[Path]:
    return sorted(p for p in cache.folder.rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def _fresh_fingerprint() -> None:
    environment_fingerprint.cache_clear()
    yield
    environment_fingerprint.cache_clear()


def test_key_depends_on_every_input_that_reaches_the_parser() -> None:
    base = cache_key(SF, b"import os\n")
    assert base == cache_key(SF, b"import os\n")
    variants = {
        "bytes": cache_key(SF, b"import sys\n"),
        "relpath": cache_key(
            SourceFile("src/app/api.py", "app.api", ".", "module"), b"import os\n"
        ),
        "module": cache_key(SourceFile("app/api.py", "api", ".", "module"), b"import os\n"),
        "root": cache_key(SourceFile("app/api.py", "app.api", "app", "module"), b"import os\n"),
        "kind": cache_key(SourceFile("app/api.py", "app.api", ".", "stub"), b"import os\n"),
        "package": cache_key(
            SourceFile("app/api.py", "app.api", ".", "module", True), b"import os\n"
        ),
        "stub": cache_key(SF, b"import os\n", b"def f() -> int: ...\n"),
    }
    assert base not in variants.values()
    assert len(set(variants.values())) == len(variants)
    # The size recorded at discovery is not an input of the parser: same key.
    assert (
        cache_key(SourceFile("app/api.py", "app.api", ".", "module", False, 999), b"import os\n")
        == base
    )


def test_key_does_not_confuse_a_stub_with_file_bytes() -> None:
    assert cache_key(SF, b"ab", b"c") != cache_key(SF, b"a", b"bc")


def test_fingerprint_covers_version_format_interpreter_and_extractor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = environment_fingerprint()
    seen = {base}
    monkeypatch.setattr(cache_mod, "FORMAT", cache_mod.FORMAT + 1)
    environment_fingerprint.cache_clear()
    seen.add(environment_fingerprint())
    monkeypatch.undo()

    monkeypatch.setattr(cache_mod, "__version__", "999.0")
    environment_fingerprint.cache_clear()
    seen.add(environment_fingerprint())
    monkeypatch.undo()

    fake_sys = types.SimpleNamespace(
        implementation=types.SimpleNamespace(name="cpython"), version_info=(3, 99, 0)
    )
    monkeypatch.setattr(cache_mod, "sys", fake_sys)
    environment_fingerprint.cache_clear()
    seen.add(environment_fingerprint())
    monkeypatch.undo()

    monkeypatch.setattr(cache_mod, "_EXTRACTOR_MODULES", ("parse.py", "graph.py"))
    environment_fingerprint.cache_clear()
    seen.add(environment_fingerprint())
    monkeypatch.undo()

    assert len(seen) == 5
    environment_fingerprint.cache_clear()
    assert environment_fingerprint() == base


def test_non_utf8_names_give_a_key() -> None:
    odd = SourceFile("app/caf\udce9.py", "app.caf\udce9", ".", "module")
    assert cache_key(odd, b"x = 1\n") != cache_key(SF, b"x = 1\n")


def test_roundtrip_and_counters(tmp_path: Path) -> None:
    cache = FactCache(tmp_path)
    key = cache_key(SF, b"x = 1\n")
    assert cache.get(key) is None
    cache.put(key, facts())
    assert cache.get(key) == facts()
    assert (cache.hits, cache.misses, cache.repaired) == (1, 1, 0)
    assert [p.name for p in entry_files(cache)] == [f"{key}.pickle"]


def test_disabled_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    cache = FactCache(tmp_path, enabled=False)
    cache.put("ab" * 32, facts())
    assert not any(tmp_path.rglob("*.pickle"))
    assert cache.get("ab" * 32) is None and cache.misses == 1


def test_folders_are_private(tmp_path: Path) -> None:
    cache = FactCache(tmp_path / "c")
    key = cache_key(SF, b"x = 1\n")
    cache.put(key, facts())
    for folder in (tmp_path / "c", cache.folder, cache.folder / key[:2]):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(entry_files(cache)[0].stat().st_mode) & 0o077 == 0


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "wrong type"])
def test_corrupt_entry_is_a_miss_deleted_and_rebuilt(tmp_path: Path, damage: str) -> None:
    cache = FactCache(tmp_path)
    key = cache_key(SF, b"x = 1\n")
    cache.put(key, facts())
    path = entry_files(cache)[0]
    good = path.read_bytes()
    bad = {
        "truncated": good[: len(good) // 2],
        "garbage": os.urandom(64),
        "empty": b"",
        "wrong type": pickle.dumps({"not": "facts"}),
    }[damage]
    path.write_bytes(bad)
    again = FactCache(tmp_path)
    assert again.get(key) is None
    assert again.repaired == 1
    assert not path.exists()
    again.put(key, facts())
    assert FactCache(tmp_path).get(key) == facts()


def test_put_leaves_no_temporary_file(tmp_path: Path) -> None:
    cache = FactCache(tmp_path)
    for i in range(20):
        cache.put(cache_key(SF, f"x = {i}\n".encode()), facts())
    names = [p.name for p in entry_files(cache)]
    assert len(names) == 20
    assert not [n for n in names if n.startswith(".tmp-")]


def test_unwritable_cache_is_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = FactCache(blocker)
    key = cache_key(SF, b"x = 1\n")
    cache.put(key, facts())  # must not raise
    assert cache.get(key) is None


def test_sweep_removes_only_stale_temporary_files(tmp_path: Path) -> None:
    cache = FactCache(tmp_path)
    key = cache_key(SF, b"x = 1\n")
    cache.put(key, facts())
    shard = cache.folder / key[:2]
    stale = shard / ".tmp-killed.pickle"
    fresh = shard / ".tmp-inflight.pickle"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    assert cache.sweep() == 1
    assert not stale.exists() and fresh.exists()
    assert cache.get(key) == facts()


def test_clear_removes_every_format_and_reports_bytes(tmp_path: Path) -> None:
    cache = FactCache(tmp_path)
    cache.put(cache_key(SF, b"x = 1\n"), facts())
    old = tmp_path / "facts-v1" / "aa"
    old.mkdir(parents=True)
    (old / "x.pickle").write_bytes(b"12345")
    other = tmp_path / "keep.txt"
    other.write_text("not ours")
    freed = cache.clear()
    assert freed >= 5
    assert not any(tmp_path.glob("facts-v*"))
    assert other.exists()
    assert FactCache(tmp_path / "missing").clear() == 0


def test_default_location_is_outside_the_project(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DECOMPOSE_CACHE_DIR", str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    monkeypatch.delenv("DECOMPOSE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "decompose"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "decompose"


def test_entries_roundtrip_real_facts_exactly(tmp_path: Path) -> None:
    """Entries are pickled as ``cls(*fields)``: real facts of every kind come back equal."""
    from decompose.discover import discover
    from decompose.parse import parse_file

    samples = Path(__file__).resolve().parents[2] / "samples" / "predictly"
    project = discover(samples)
    cache = FactCache(tmp_path)
    for sf in project.files:
        f = parse_file(sf, project.root)
        key = cache_key(sf, (project.root / sf.relpath).read_bytes())
        cache.put(key, f)
        got = FactCache(tmp_path).get(key)
        assert got == f and type(got) is FileFacts
        assert [type(x) for x in got.definitions] == [type(x) for x in f.definitions]
