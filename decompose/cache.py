"""Per-file fact cache, keyed by content hash, tool version and everything that affects parsing.

One pickle per entry under ``<cache dir>/facts-v<N>/<2 hex>/<key>.pickle``. Writes are atomic
(temporary file + ``os.replace``), so two runs sharing a cache never see half an entry; an entry
that fails to load (truncated by a killed run, corrupted, from another version) is ignored, deleted
and rebuilt. The default location is outside the analyzed repository: ``$DECOMPOSE_CACHE_DIR``,
else ``$XDG_CACHE_HOME/decompose``, else ``~/.cache/decompose``.

The key (:func:`cache_key`) covers: the tool version and cache format; a fingerprint of the
extractor's own source (so an edited parser in a development checkout never reads stale facts);
the interpreter (implementation and ``major.minor``: ``ast.parse`` accepts a different grammar per
version); the libcst release (it lowers syntax newer than the interpreter); the file's identity
(relative path, module name, source root, kind, package flag); and its bytes (plus its stub's
bytes for an extension module). Nothing else reaches :func:`decompose.parse.parse_file`.

Entries are pickles, and loading a pickle that someone else wrote can run code. So every entry
(fact cache, run cache, ``check`` snapshots) is **signed**: ``DCSIG1`` + HMAC-SHA256 of the
pickle under a per-user key + the pickle, and an entry whose signature does not verify is never
unpickled (:func:`loads_signed`). The key (32 random bytes, mode 0600) lives in the *default*
cache folder (``$DECOMPOSE_CACHE_DIR``, else XDG, else ``~/.cache/decompose``), never in a
``cache_dir`` a project's own configuration names, so a repository that ships a cache folder full
of crafted pickles cannot get them loaded. The folders are also created private (mode 0700).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import importlib.util
import io
import os
import pickle
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from decompose import __version__
from decompose.model import FileFacts, SourceFile

# Bump when FileFacts or the extractor's output changes (9: signed entries).
FORMAT = 9
_MAGIC = b"DCSIG1\n"
_MAC_SIZE = 32


def signing_key() -> bytes:
    """This user's cache signing key: 32 bytes from ``<default cache dir>/signing.key``, created
    (mode 0600, atomically: written aside then hard-linked into place) when missing. A key file
    that is not ours or that others can read or write is not trusted: a random key for this
    process is used instead (the cache then only works within the run)."""
    return _key_at(default_cache_dir() / "signing.key")


@functools.lru_cache(maxsize=8)
def _key_at(path: Path) -> bytes:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(_MAC_SIZE))
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    pass  # another run made it first: use theirs
            finally:
                os.unlink(tmp)
        st = os.stat(path)
        key = path.read_bytes()
        if len(key) == _MAC_SIZE and st.st_uid == os.getuid() and not st.st_mode & 0o077:
            return key
    except OSError:
        pass
    return secrets.token_bytes(_MAC_SIZE)


def dumps_signed(obj: object, pickler: type[pickle.Pickler] = pickle.Pickler) -> bytes:
    """``obj`` pickled and signed (see the module docstring)."""
    buf = io.BytesIO()
    pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return _sign(buf.getvalue())


def _sign(payload: bytes) -> bytes:
    return _MAGIC + hmac.new(signing_key(), payload, hashlib.sha256).digest() + payload


def loads_signed(data: bytes) -> object:
    """The object of a :func:`dumps_signed` entry.

    Raises:
        ValueError: not a signed entry, or the signature does not verify (the pickle is then
            never loaded).
    """
    head = len(_MAGIC)
    if len(data) < head + _MAC_SIZE or not data.startswith(_MAGIC):
        raise ValueError("not a signed cache entry")
    mac, payload = data[head : head + _MAC_SIZE], data[head + _MAC_SIZE :]
    if not hmac.compare_digest(mac, hmac.new(signing_key(), payload, hashlib.sha256).digest()):
        raise ValueError("cache entry signature does not verify")
    return pickle.loads(payload)


def atomic_pickle(
    path: Path,
    obj: object,
    folders: tuple[Path, ...],
    pickler: type[pickle.Pickler] = pickle.Pickler,
) -> None:
    """Write ``obj`` signed (:func:`dumps_signed`) to ``path`` atomically (temporary file +
    ``os.replace``), creating ``folders`` private to the user (0700). I/O errors are ignored:
    caches are an optimisation."""
    _atomic_write(path, None, folders, obj, pickler)


def _atomic_write(
    path: Path,
    payload: bytes | None,
    folders: tuple[Path, ...],
    obj: object = None,
    pickler: type[pickle.Pickler] = pickle.Pickler,
) -> None:
    """:func:`atomic_pickle` of ``obj``, or of ``payload`` when it is already pickled."""
    try:
        if not path.parent.is_dir():
            for folder in folders:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = _sign(payload) if payload is not None else dumps_signed(obj, pickler)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        pass


def default_cache_dir() -> Path:
    """The cache folder used when none is configured (see module docstring)."""
    env = os.environ.get("DECOMPOSE_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "decompose"


# Modules whose code decides what parse_file returns.
_EXTRACTOR_MODULES = ("parse.py", "lower.py", "model.py", "sql.py")


@functools.lru_cache(maxsize=1)
def environment_fingerprint() -> str:
    """Hex SHA-256 of everything outside a file that changes its facts: tool version, cache
    format, the extractor's source bytes, the interpreter's implementation and ``major.minor``,
    and the installed libcst release. Computed once per process (about 0.1 ms; libcst is located,
    not imported)."""
    h = hashlib.sha256()
    h.update(f"{__version__}\0{FORMAT}\0{sys.implementation.name}\0".encode())
    h.update(f"{sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    here = Path(__file__).resolve().parent
    for name in _EXTRACTOR_MODULES:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(b"?")
        h.update(b"\0")
    try:
        spec = importlib.util.find_spec("libcst")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations[:1]:
        try:
            h.update(Path(loc, "_version.py").read_bytes())
        except OSError:
            h.update(loc.encode())
    return h.hexdigest()


def cache_key(source: SourceFile, data: bytes, stub_data: bytes | None = None) -> str:
    """The cache key of one file.

    Args:
        source: the discovered file (its relpath, module, root, kind and package flag are keyed).
        data: the file's bytes.
        stub_data: for an extension module, its ``.pyi`` stub's bytes.

    Returns:
        Hex SHA-256 of :func:`environment_fingerprint`, the file's identity and its bytes.
    """
    h = hashlib.sha256()
    ident = f"{environment_fingerprint()}\0{source.relpath}\0{source.module}\0{source.kind}\0"
    ident += f"{source.is_package}\0{source.root}\0"
    h.update(ident.encode("utf-8", "surrogatepass"))
    h.update(data)
    if stub_data is not None:
        h.update(b"\0stub\0")
        h.update(stub_data)
    return h.hexdigest()


_FIELDS: dict[type, tuple[str, ...]] = {}


class _FactsPickler(pickle.Pickler):
    """Pickles the frozen model dataclasses as ``cls(*field values)``.

    The default reduction of a slotted dataclass restores each object through
    ``dataclasses._dataclass_setstate``, which calls ``dataclasses.fields()`` per object: loading
    transformers' 2,912 cached files spent most of its time there. Calling the class is about
    40% faster to load and gives equal objects."""

    def reducer_override(self, obj: object) -> Any:
        cls = type(obj)
        if cls.__module__ != "decompose.model":
            return NotImplemented
        names = _FIELDS.get(cls)
        if names is None:
            if not dataclasses.is_dataclass(cls):
                return NotImplemented
            names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        return cls, tuple(getattr(obj, n) for n in names)


def pickle_facts(facts: FileFacts) -> bytes:
    """``facts`` pickled as cache entries are (unsigned); :func:`pickle.loads` gives equal facts,
    about twice as fast as a default pickle both ways (see :class:`_FactsPickler`)."""
    buf = io.BytesIO()
    _FactsPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(facts)
    return buf.getvalue()


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

    def writable(self) -> bool:
        """Whether entries can be stored: creates the folder (0700) and a temporary file in it,
        then removes the file. False for a read-only or immutable folder, a path through a
        regular file, a full disk... Never raises."""
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-probe-")
            os.close(fd)
            os.unlink(tmp)
        except OSError:
            return False
        return True

    def get(self, key: str) -> FileFacts | None:
        """The cached facts for ``key`` or None. A corrupt entry is deleted and counted in
        ``repaired``."""
        if not self.enabled:
            self.misses += 1
            return None
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                value = loads_signed(fh.read())
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # noqa: BLE001 - any unreadable entry is rebuilt
            self.repaired += 1
            self.misses += 1
            self._discard(path)
            return None
        if not isinstance(value, FileFacts):
            self.repaired += 1
            self.misses += 1
            self._discard(path)
            return None
        self.hits += 1
        return value

    @staticmethod
    def _discard(path: Path) -> None:
        try:
            path.unlink()
        except OSError:
            pass

    def put(self, key: str, facts: FileFacts) -> None:
        """Store atomically (temporary file in the same folder, then ``os.replace``); I/O errors
        are ignored (the cache is an optimisation)."""
        if not self.enabled:
            return
        path = self._path(key)
        atomic_pickle(path, facts, (self.folder.parent, self.folder, path.parent), _FactsPickler)

    def put_pickled(self, key: str, payload: bytes) -> None:
        """:meth:`put` of facts already pickled by :func:`pickle_facts` (a parse worker pickles
        them once, for the cache and for the trip back to the parent)."""
        if not self.enabled:
            return
        path = self._path(key)
        _atomic_write(path, payload, (self.folder.parent, self.folder, path.parent))

    def sweep(self, max_age: float = 3600.0) -> int:
        """Delete temporary files left by runs killed mid-write (older than ``max_age`` seconds,
        so a concurrent run's file in flight is never touched). Returns the number deleted."""
        if not self.enabled or not self.folder.is_dir():
            return 0
        cutoff = time.time() - max_age
        removed = 0
        for dirpath, _, files in os.walk(self.folder):
            for f in files:
                if not f.startswith(".tmp-"):
                    continue
                p = os.path.join(dirpath, f)
                try:
                    if os.stat(p).st_mtime < cutoff:
                        os.unlink(p)
                        removed += 1
                except OSError:
                    pass
        return removed

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
