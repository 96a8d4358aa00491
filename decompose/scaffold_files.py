"""The files a scaffolded service needs besides its importable modules.

A package is more than its importable modules:

- modules whose file names are not identifiers (Alembic revisions such as
  ``versions/1769ee58fbb4_create_table.py``, loaded by path, never imported by name);
- data files inside the package folders (``alembic.ini``, ``script.py.mako``, templates,
  ``static/`` assets) that the code opens relative to ``__file__``;
- data files beside the packages, at the source root, that the code names.

This module finds them; :func:`decompose.scaffold.plan_scaffold` decides which service carries
which (the ones whose code names them, else the ones that ship a module beside them) and
reports what it cannot carry. Nothing is imported; files are only listed and read.
"""

from __future__ import annotations

import ast
import functools
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Folders never carried as data: caches, VCS, virtualenvs, test trees, node_modules.
_SKIP_DIRS = frozenset(
    {
        "__pycache__",
        "node_modules",
        "tests",
        "test",
        "venv",
        "site-packages",
        "build",
        "dist",
    }
)
_LITTER = frozenset({".git", ".hg", ".svn", ".DS_Store", ".mypy_cache", ".pytest_cache"})
_CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyd", ".so")
#: An entry (a data file, or a folder of them) bigger than this is reported, not carried.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
MAX_ENTRY_FILES = 5000


@dataclass(frozen=True, slots=True)
class DataFile:
    """A data file a service may carry.

    Attributes:
        src: POSIX path relative to the project root.
        dest: POSIX path relative to a service's ``src/`` folder.
        anchor: the folder (relative to the root) the code sees it from: the package folder
            that holds it, or the source root for a file beside the packages.
        entry: the name the code uses for it: the first path part below ``anchor``
            (``static`` for ``static/css/app.css``, ``alembic.ini`` for itself).
        inside: True when ``anchor`` is a package folder (it lives inside a package).
        size: bytes.
    """

    src: str
    dest: str
    anchor: str
    entry: str
    inside: bool
    size: int


def source_prefixes(modules: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{top-level package: folder prefix}`` from ``(module, path)`` pairs: the part of each
    path before the module's own dotted path (``""`` for a flat layout, ``"src/"`` for a src
    layout). Only importable-looking pairs whose path ends with the module's path count."""
    out: dict[str, str] = {}
    for name, path in sorted(modules):
        parts = name.split(".")
        for tail in ("/".join(parts) + "/__init__.py", "/".join(parts) + ".py"):
            if path == tail or path.endswith("/" + tail):
                out.setdefault(parts[0], path[: len(path) - len(tail)])
                break
    return out


def dest_of(name: str, path: str, prefixes: dict[str, str]) -> str | None:
    """Where a module file goes below a service's ``src/``: its path without the source-root
    prefix of its top-level package (None when it does not sit below that prefix)."""
    prefix = prefixes.get(name.split(".")[0])
    if prefix is None or not path.startswith(prefix):
        return None
    rest = path[len(prefix) :]
    return rest if rest.split("/")[0] == name.split(".")[0] else None


@functools.lru_cache(maxsize=8192)
def names_in(source: str) -> frozenset[str]:
    """Every path part named by a string literal of ``source`` (``"static"``,
    ``"alembic.ini"``, ``"templates/mail.html"`` gives ``templates``, ``mail.html`` and the
    whole string). An unparsable source names nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
            text = node.value.strip()
            if len(text) > 300 or "\n" in text:
                continue
            out.add(text)
            out.update(p for p in text.replace("\\", "/").split("/") if p not in ("", ".", ".."))
    return frozenset(out)


def _walk(
    root: Path, rel: str, stop: frozenset[str], top: bool = True
) -> Iterable[tuple[str, int]]:
    """``(path, size)`` of the regular files below ``root/rel`` (POSIX, relative to ``root``),
    not following links, not entering ``stop`` folders or skipped ones. Hidden entries are
    skipped in a package folder itself (``top``), kept inside a data folder (a site's
    ``.nojekyll``), except VCS and OS litter."""
    try:
        entries = sorted(os.scandir(root / rel), key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        if e.is_symlink() or e.name in _LITTER or (top and e.name.startswith(".")):
            continue
        sub = posixpath.join(rel, e.name) if rel else e.name
        if e.is_dir(follow_symlinks=False):
            if e.name not in _SKIP_DIRS and sub not in stop:
                yield from _walk(root, sub, stop, top=False)
        elif e.is_file(follow_symlinks=False) and not e.name.endswith(_CODE_SUFFIXES):
            try:
                yield sub, e.stat(follow_symlinks=False).st_size
            except OSError:
                continue


def find_data_files(
    root: Path,
    module_paths: Iterable[str],
    prefixes: dict[str, str],
    named: frozenset[str] | set[str] = frozenset(),
) -> list[DataFile]:
    """The data files of a project: inside its package folders (each with the nearest folder
    that holds modules as its anchor) and, when the code names them, directly at its source
    roots (anchor: the root; a folder there is walked only when named).

    Args:
        root: the project folder.
        module_paths: POSIX paths (relative to ``root``) of the modules analyzed.
        prefixes: :func:`source_prefixes` of those modules.
        named: the names the code uses (:func:`names_in` of every module).

    Returns:
        Sorted :class:`DataFile` records. Unreadable folders are skipped.
    """
    mod_dirs = {posixpath.dirname(p) for p in module_paths}
    # every folder on the way to a module folder is walked by its own anchor, not as data
    stop = frozenset(d2 for d in mod_dirs for d2 in [d, *_ancestors(d)] if d2)
    roots = {p.rstrip("/") for p in prefixes.values()}
    out: dict[str, DataFile] = {}
    for d in sorted(mod_dirs - roots):
        if any(part in _SKIP_DIRS for part in d.split("/")):
            continue
        for path, size in _walk(root, d, stop):
            entry = path[len(d) + 1 :].split("/")[0]
            out[path] = DataFile(path, _dest(path, prefixes), d, entry, True, size)
    for r in sorted(roots):
        try:
            entries = sorted(os.scandir(root / r if r else root), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            if e.name.startswith(".") or e.is_symlink() or e.name in _SKIP_DIRS:
                continue
            if e.name not in named:
                continue
            sub = posixpath.join(r, e.name) if r else e.name
            if e.is_file(follow_symlinks=False) and not e.name.endswith(_CODE_SUFFIXES):
                files = [(sub, e.stat(follow_symlinks=False).st_size)]
            elif e.is_dir(follow_symlinks=False) and sub not in stop:
                files = list(_walk(root, sub, stop, top=False))
            else:
                continue
            for path, size in files:
                out.setdefault(path, DataFile(path, _dest(path, prefixes), r, e.name, False, size))
    return [out[k] for k in sorted(out)]


def _ancestors(d: str) -> list[str]:
    parts = d.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _dest(path: str, prefixes: dict[str, str]) -> str:
    for prefix in sorted(set(prefixes.values()), key=len, reverse=True):
        if prefix and path.startswith(prefix):
            return path[len(prefix) :]
    return path


def above_source_root(root: Path, prefixes: dict[str, str]) -> list[tuple[str, str]]:
    """``(path, name)`` of the files in the folders between the project root and a source root
    (``pyproject.toml``'s folder when the packages sit in ``src/``): a service's ``src/`` has
    no place for them, so one the code names is reported, not carried."""
    out: set[tuple[str, str]] = set()
    for prefix in prefixes.values():
        r = prefix.rstrip("/")
        if not r:
            continue
        for d in ["", *_ancestors(r)]:
            try:
                entries = list(os.scandir(root / d if d else root))
            except OSError:
                continue
            for e in entries:
                if e.name.startswith(".") or not e.is_file(follow_symlinks=False):
                    continue
                if not e.name.endswith(_CODE_SUFFIXES):
                    out.add((posixpath.join(d, e.name) if d else e.name, e.name))
    return sorted(out)
