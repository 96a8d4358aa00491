"""Per-file fact cache, keyed by content hash, tool version and the parse settings.

One pickle per entry under ``<cache dir>/facts-v<N>/<2 hex>/<key>.pickle``. Writes are atomic
(temporary file + ``os.replace``), so two runs sharing a cache never see half an entry; an entry
that fails to load (truncated by a killed run, corrupted, from another version) is ignored, deleted
and rebuilt. The default location is outside the analyzed repository: ``$DECOMPOSE_CACHE_DIR``,
else ``$XDG_CACHE_HOME/decompose``, else ``~/.cache/decompose``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from pathlib import Path

from decompose import __version__
from decompose.model import FileFacts, SourceFile

# Bump when FileFacts or the extractor's output changes.
FORMAT = 6


def default_cache_dir() -> Path:
    """The cache folder used when none is configured (see module docstring)."""
    env = os.environ.get("DECOMPOSE_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "decompose"


def cache_key(source: SourceFile, data: bytes, stub_data: bytes | None = None) -> str:
    """Hex SHA-256 of the tool version, the cache format, the file's identity (path, module
    name, kind) and its bytes (plus its stub's bytes for an extension module)."""
    h = hashlib.sha256()
    ident = f"{__version__}\0{FORMAT}\0{source.relpath}\0{source.module}\0{source.kind}\0"
    ident += f"{source.is_package}\0{source.root}\0"
    h.update(ident.encode())
    h.update(data)
    if stub_data is not None:
        h.update(b"\0stub\0")
        h.update(stub_data)
    return h.hexdigest()


class FactCache:
    """A folder of cached FileFacts. ``enabled=False`` makes every lookup miss and every store a
    no-op (``--no-cache``)."""

    def __init__(self, folder: Path, enabled: bool = True) -> None:
        self.folder = folder / f"facts-v{FORMAT}"
        self.enabled = enabled
        self.hits = 0
        self.misses = 0
        self.repaired = 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> FileFacts | None:
        """The cached facts for ``key`` or None. A corrupt entry is deleted and counted in
        ``repaired``."""
        if not self.enabled:
            self.misses += 1
            return None
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                value = pickle.load(fh)
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # noqa: BLE001 - any unreadable entry is rebuilt
            self.repaired += 1
            self.misses += 1
            try:
                path.unlink()
            except OSError:
                pass
            return None
        if not isinstance(value, FileFacts):
            self.repaired += 1
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, facts: FileFacts) -> None:
        """Store atomically; I/O errors are ignored (the cache is an optimisation)."""
        if not self.enabled:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump(facts, fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            pass

    def clear(self) -> int:
        """Delete every entry of every format version. Returns the number of bytes freed."""
        root = self.folder.parent
        freed = 0
        if not root.exists():
            return 0
        for child in root.iterdir():
            if child.is_dir() and child.name.startswith("facts-v"):
                for dirpath, _, files in os.walk(child):
                    for f in files:
                        try:
                            freed += os.path.getsize(os.path.join(dirpath, f))
                        except OSError:
                            pass
                shutil.rmtree(child, ignore_errors=True)
        return freed
