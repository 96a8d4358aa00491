"""Whole-run cache for ``analyze``: when nothing that can change the outputs has changed, the
outputs are served from the cache instead of rebuilding the graph, the partition, the plan and
the reports.

The run key is a SHA-256 over: every discovered file's fact-cache key (tool fingerprint, path,
module name, kind and bytes — :func:`decompose.cache.cache_key`), discovery's own findings (roots,
aliases, entry points, diagnostics), the configuration and settings, the what-if moves, whether
git history is read (and then the repository's ``HEAD``), and a digest of decompose's own source
files and templates (so a changed checkout never serves stale outputs). Entries are pickles in
``<cache dir>/runs-v2/``, written atomically, private to the user like the fact cache; a corrupt
entry is ignored.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from decompose.cache import atomic_pickle, cache_key, loads_signed
from decompose.discover import Project
from decompose.model import GeneratedFile


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an ``analyze`` run produced: its files and what it printed.

    Attributes:
        files: the output files (paths relative to the output folder).
        summary_text: the text summary lines (without the "wrote" line).
        summary_json: the ``--format json`` summary (without ``out``).
        problems: ``path:line:col: CODE message`` lines of files that could not be read.
        strict_failure: True when ``--strict`` must exit 1.
    """

    files: tuple[GeneratedFile, ...]
    summary_text: tuple[str, ...]
    summary_json: dict[str, object]
    problems: tuple[str, ...]
    strict_failure: bool


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """SHA-256 of decompose's own ``.py`` files and templates (sorted by path)."""
    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parent
    roots = [pkg, pkg / "templates", pkg.parent / "templates"]
    seen: set[Path] = set()
    for root in roots:
        if not root.is_dir():
            continue
        for p in sorted(root.rglob("*")):
            if p in seen or not p.is_file() or p.suffix not in (".py", ".j2", ".js", ".css"):
                continue
            seen.add(p)
            h.update(p.relative_to(root).as_posix().encode() + b"\0")
            try:
                h.update(p.read_bytes())
            except OSError:
                pass
    return h.hexdigest()


def _git_head(root: Path) -> str:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def run_key(project: Project, parts: str, history: bool) -> str | None:
    """The run key (see module docstring), or None when a file cannot be read (no caching)."""
    h = hashlib.sha256()
    h.update(_code_digest().encode())
    h.update(parts.encode())
    h.update(
        repr(
            (
                str(project.root),  # the summary names it: a copy elsewhere is another run
                project.roots,
                project.alias_roots,
                project.aliases,
                project.shadowed,
                project.diagnostics,
                getattr(project, "entry_points", ()),
            )
        ).encode()
    )
    stubs = {s.module: s for s in project.stubs}
    for sf in project.files:
        try:
            data = (project.root / sf.relpath).read_bytes()
            stub = stubs.get(sf.module)
            stub_data = (project.root / stub.relpath).read_bytes() if stub else None
        except OSError:
            return None
        h.update(cache_key(sf, data, stub_data).encode())
    if history:
        h.update(b"history\0" + _git_head(project.root).encode())
    return h.hexdigest()


class RunCache:
    """Outcomes by run key under ``folder/runs-v2``; disabled = always a miss, never stored."""

    def __init__(self, folder: Path, enabled: bool = True) -> None:
        self.folder = folder / "runs-v2"
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str | None) -> Outcome | None:
        if not self.enabled or key is None:
            return None
        try:
            with open(self._path(key), "rb") as fh:
                value = loads_signed(fh.read())
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a corrupt entry is a miss
            return None
        return value if isinstance(value, Outcome) else None

    def put(self, key: str | None, outcome: Outcome) -> None:
        if not self.enabled or key is None:
            return
        path = self._path(key)
        atomic_pickle(path, outcome, (self.folder.parent, self.folder, path.parent))
