"""Discovery: the only stage that walks the filesystem.

Finds source roots (flat, ``src/`` layouts, several roots, roots declared in ``pyproject.toml`` /
``setup.cfg``, nested roots added to ``sys.path`` at run time) and the Python files under them,
and names each file's module. Symlinked folders are followed when they stay inside the project,
and never twice around a loop.
"""

from __future__ import annotations

import keyword
import os
import re
import stat
import sys
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from decompose.config import DEFAULT_EXCLUDES, SOURCE_SUFFIXES
from decompose.errors import NoSourcesError, UsageError
from decompose.model import Diagnostic, SourceFile

_MAX_DEPTH = 64


@dataclass(frozen=True, slots=True, order=True)
class EntryPoint:
    """An entry point declared in packaging metadata.

    Attributes:
        path: the metadata file, POSIX relative to the project root (``pyproject.toml``,
            ``tools/setup.cfg``).
        line: 1-based line of the declaration.
        group: ``console_scripts``, ``gui_scripts`` or a plugin group (``myapp.plugins``).
        name: the entry point's name (the command for scripts).
        target: ``module`` or ``module:object`` as declared (extras dropped).
    """

    path: str
    line: int
    group: str
    name: str
    target: str


@dataclass(frozen=True, slots=True)
class Project:
    """What discovery found.

    Attributes:
        root: absolute project root.
        roots: source roots relative to ``root`` (POSIX, ``.`` for the root), deepest first.
        alias_roots: package folders that code adds to ``sys.path``; module names under them are
            aliases of the canonical names from the enclosing root (``core`` -> ``label_app.core``).
        files: one SourceFile per module name, sorted by module name (``.py`` over ``.pyx`` over
            ``.pyi``).
        stubs: ``.pyi`` files that accompany a ``.pyx`` extension module.
        shadowed: ``.pyi`` files that sit beside a ``.py`` and were not analyzed.
        aliases: ``(module, canonical module)`` for files reached twice through symlinks.
        diagnostics: problems found while walking (symlink loops, unreadable folders...).
        first_party: top-level first-party names; when the analyzed folder is a package inside
            a package, its dotted name instead (``lightrag.api``: ``lightrag.utils`` is external).
        entry_points: entry points declared in ``pyproject.toml`` (``[project.scripts]``,
            ``[project.gui-scripts]``, ``[project.entry-points.*]``, ``[tool.poetry.scripts]``)
            and ``setup.cfg`` (``[options.entry_points]``) at the root or in any folder.
    """

    root: Path
    roots: tuple[str, ...]
    alias_roots: tuple[str, ...]
    files: tuple[SourceFile, ...]
    stubs: tuple[SourceFile, ...]
    shadowed: tuple[str, ...]
    aliases: tuple[tuple[str, str], ...]
    diagnostics: tuple[Diagnostic, ...]
    first_party: tuple[str, ...]
    entry_points: tuple[EntryPoint, ...] = ()


def _posix(rel: Path | str) -> str:
    s = Path(rel).as_posix()
    return s if s else "."


def _declared_roots(folder: Path) -> list[Path]:
    """Source folders declared by packaging metadata in ``folder`` (setuptools, hatch, poetry,
    flit, pdm, setup.cfg)."""
    out: list[Path] = []
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8", errors="replace"))
        except (tomllib.TOMLDecodeError, OSError):
            data = {}
        tool = data.get("tool", {}) if isinstance(data, dict) else {}
        st = tool.get("setuptools", {}) if isinstance(tool, dict) else {}
        if isinstance(st, dict):
            find = st.get("packages", {})
            if isinstance(find, dict):
                ff = find.get("find")
                where = ff.get("where") if isinstance(ff, dict) else None
                if isinstance(where, list):
                    out.extend(folder / str(w) for w in where)
            pdir = st.get("package-dir", {})
            if isinstance(pdir, dict) and isinstance(pdir.get(""), str):
                out.append(folder / pdir[""])
        hatch = tool.get("hatch", {}) if isinstance(tool, dict) else {}
        try:
            pkgs = hatch["build"]["targets"]["wheel"]["packages"]
            for p in pkgs if isinstance(pkgs, list) else []:
                parent = Path(str(p)).parent
                out.append(folder / parent)
        except (KeyError, TypeError):
            pass
        poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
        for p in poetry.get("packages", []) if isinstance(poetry, dict) else []:
            if isinstance(p, dict) and isinstance(p.get("from"), str):
                out.append(folder / p["from"])
    setup_cfg = folder / "setup.cfg"
    if setup_cfg.is_file():
        import configparser

        cp = configparser.ConfigParser()
        try:
            cp.read(setup_cfg, encoding="utf-8")
            where = cp.get("options.packages.find", "where", fallback="").strip()
            if where:
                out.append(folder / where)
            pdir = cp.get("options", "package_dir", fallback="").strip()
            for line in pdir.splitlines():
                if "=" in line:
                    k, v = line.split("=", 1)
                    if not k.strip():
                        out.append(folder / v.strip())
        except (configparser.Error, OSError):
            pass
    return [p for p in out if p.is_dir()]


def _has_python(folder: Path) -> bool:
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.name.endswith((".py", ".pyi", ".pyx")) and e.is_file():
                    return True
                if e.is_dir() and (Path(e.path) / "__init__.py").exists():
                    return True
                if (
                    e.is_dir()
                    and not e.name.startswith(".")
                    and any(c.name.endswith(".py") for c in os.scandir(e.path) if c.is_file())
                ):
                    return True
    except OSError:
        return False
    return False


class _Walker:
    def __init__(self, root: Path, spec: pathspec.GitIgnoreSpec, notebooks: bool) -> None:
        self.root = root
        self.real_root = Path(os.path.realpath(root))
        self.spec = spec
        self.notebooks = notebooks
        self.diags: list[Diagnostic] = []
        self.files: list[tuple[str, str]] = []  # (relpath, realpath)
        self.dirs: list[str] = []
        self.metadata: list[str] = []  # excluded packaging metadata folders (*.dist-info ...)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        return self.spec.match_file(rel + "/" if is_dir else rel)

    def walk(self) -> None:
        # Iterative depth-first walk; `chain` holds the real paths of the folders above, so a
        # symlink that points back up is a loop.
        stack: list[tuple[Path, str, tuple[str, ...]]] = [(self.root, "", (str(self.real_root),))]
        while stack:
            folder, rel, chain = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                self.diags.append(
                    Diagnostic(
                        rel or ".", 1, 0, "DEC003", f"cannot list folder: {exc.strerror}", "error"
                    )
                )
                continue
            subdirs: list[tuple[Path, str, tuple[str, ...]]] = []
            for e in entries:
                erel = f"{rel}/{e.name}" if rel else e.name
                try:
                    is_link = e.is_symlink()
                    st = os.stat(e.path) if is_link else e.stat(follow_symlinks=False)
                except OSError as exc:
                    if is_link:
                        import errno

                        what = "symlink loop" if exc.errno == errno.ELOOP else "broken symlink"
                        self.diags.append(
                            Diagnostic(erel, 1, 0, "DEC007", f"{what}: skipped", "info")
                        )
                    continue
                is_dir = stat.S_ISDIR(st.st_mode)
                if self.ignored(erel, is_dir):
                    if is_dir and e.name.endswith(_METADATA_SUFFIXES):
                        self.metadata.append(erel)  # not analyzed; its entry points are read
                    continue
                if not _utf8(e.name):
                    # Not importable under any module name, and not writable into UTF-8 outputs.
                    if is_dir or e.name.endswith(SOURCE_SUFFIXES):
                        shown = os.fsencode(erel).decode("utf-8", "backslashreplace")
                        self.diags.append(
                            Diagnostic(
                                shown,
                                1,
                                0,
                                "DEC003",
                                "file or folder name is not valid UTF-8: skipped",
                                "warning",
                            )
                        )
                    continue
                if is_dir:
                    real = os.path.realpath(e.path)
                    if is_link:
                        if real in chain:
                            self.diags.append(
                                Diagnostic(
                                    erel,
                                    1,
                                    0,
                                    "DEC006",
                                    f"{erel} -> {os.readlink(e.path)} is a symlink cycle: skipped",
                                    "warning",
                                )
                            )
                            continue
                        if not _inside(real, str(self.real_root)):
                            self.diags.append(
                                Diagnostic(
                                    erel,
                                    1,
                                    0,
                                    "DEC007",
                                    f"symlink to a folder outside the project ({real}): "
                                    "not followed",
                                    "info",
                                )
                            )
                            continue
                    if len(chain) > _MAX_DEPTH:
                        self.diags.append(
                            Diagnostic(
                                erel, 1, 0, "DEC006", "folder nesting too deep: skipped", "warning"
                            )
                        )
                        continue
                    subdirs.append((Path(e.path), erel, (*chain, real)))
                    self.dirs.append(erel)
                elif stat.S_ISREG(st.st_mode):
                    if not e.name.endswith(SOURCE_SUFFIXES):
                        if not is_link and 0 < st.st_size <= _MAX_LINK_TEXT:
                            target = _link_placeholder(Path(e.path), e.name)
                            if target is not None:
                                self.diags.append(_placeholder_diag(erel, target))
                        continue
                    if e.name.endswith(".ipynb") and not self.notebooks:
                        continue
                    real = os.path.realpath(e.path)
                    if is_link and not _inside(real, str(self.real_root)):
                        self.diags.append(
                            Diagnostic(
                                erel,
                                1,
                                0,
                                "DEC007",
                                f"symlink to a file outside the project ({real}): not followed",
                                "info",
                            )
                        )
                        continue
                    self.files.append((erel, real))
                elif e.name.endswith(SOURCE_SUFFIXES):
                    self.diags.append(
                        Diagnostic(
                            erel,
                            1,
                            0,
                            "DEC003",
                            "not a regular file (FIFO, socket or device): skipped",
                            "warning",
                        )
                    )
            stack.extend(reversed(subdirs))


# A symlink that git checked out as a plain file (``core.symlinks=false``, the default on
# Windows) holds the link's target path and nothing else, with no trailing newline. Only small
# files are read (a real link target is rarely longer).
_MAX_LINK_TEXT = 1024


def _link_placeholder(path: Path, name: str) -> str | None:
    """The target written in ``path`` when the file looks like a symlink to a folder checked out
    as a plain file: an importable name without a suffix (the only kind of folder link that
    could be a package), content that is one relative path without a newline (git writes none)
    naming an existing folder. None otherwise (or when the file cannot be read)."""
    if not _importable(name):
        return None
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text or any(c in text for c in "\n\r\t\x00") or text != text.strip():
        return None  # a link target is one line (a Makefile or a README is not)
    if os.path.isabs(text):
        return None
    if not all(part and not part.isspace() for part in text.split("/")):
        return None  # one line of path parts, as a link target is; a word or sentence is not
    if "/" not in text and text not in (".", ".."):
        return None
    try:
        return text if (path.parent / text).is_dir() else None
    except (OSError, ValueError):  # a name too long for the file system is no link target
        return None


def _placeholder_diag(rel: str, target: str) -> Diagnostic:
    """DEC018 for a symlink to a folder checked out as a plain file (:func:`_link_placeholder`)."""
    return Diagnostic(
        rel,
        1,
        0,
        "DEC018",
        f"{rel} looks like a symlink checked out as a plain file (git core.symlinks=false?): it "
        f"holds only the path {target!r} of an existing folder, so nothing behind it is analysed "
        f"and imports through it are unresolved (DEC005); restore the link (`git config "
        f"core.symlinks true`, then `git checkout -- {rel}`) or replace it with the folder",
        "warning",
    )


def _utf8(name: str) -> bool:
    """False for a name that holds undecodable bytes (``os`` gives them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def discover(
    root: Path,
    roots: Iterable[str] = (),
    exclude: Iterable[str] = (),
    include_notebooks: bool = True,
    respect_gitignore: bool = True,
) -> Project:
    """Find the project's source roots and files.

    Args:
        root: the folder to analyze.
        roots: source roots relative to ``root``; empty means detect them.
        exclude: gitignore-style patterns excluded in addition to :data:`DEFAULT_EXCLUDES` (and to
            the project's ``.gitignore`` when ``respect_gitignore``).
        include_notebooks: also read ``.ipynb`` files (as nodes of kind ``notebook``).

    Returns:
        A :class:`Project`; files sorted by module name.

    Raises:
        UsageError: ``root`` does not exist or is not a folder.
        NoSourcesError: no Python file was found.
    """
    if not root.exists():
        raise UsageError(f"path does not exist: {root}")
    if not root.is_dir():
        raise UsageError(f"not a folder: {root} (decompose analyzes a project folder)")
    root = root.resolve()
    patterns = list(DEFAULT_EXCLUDES) + list(exclude)
    if respect_gitignore:
        gi = root / ".gitignore"
        if gi.is_file():
            try:
                patterns += gi.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                pass
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    walker = _Walker(root, spec, include_notebooks)
    walker.walk()
    if not walker.files:
        raise NoSourcesError(f"no Python files found under {root}")
    diags = list(walker.diags)

    # ---- source roots
    alias_roots: list[str] = []
    if roots:
        root_list = []
        for r in roots:
            rp = (root / r).resolve()
            if not rp.is_dir():
                raise UsageError(f"source root does not exist: {r}")
            if not _inside(str(rp), str(root)):
                raise UsageError(f"source root {r} is outside the analyzed folder {root}")
            root_list.append(_posix(os.path.relpath(rp, root)))
    else:
        root_list = _detect_roots(root, walker.dirs, [rel for rel, _ in walker.files])
    # A root that is itself a package (has __init__.py) is an alias root: Python code reached it
    # through sys.path, but the canonical names come from the enclosing root.
    final_roots: list[str] = []
    for r in root_list:
        if (
            r != "."
            and (root / r / "__init__.py").exists()
            and any(_under(r, o) and o != r for o in [*root_list, "."])
        ):
            alias_roots.append(r)
        else:
            final_roots.append(r)
    if "." not in final_roots:
        final_roots.append(".")
    final_roots = sorted(set(final_roots), key=lambda r: (-r.count("/") - (r != "."), r))

    # ---- name every file
    # Pointed at a package folder itself (``decompose analyze path/to/mlflow``)? Its modules are
    # ``mlflow.*``, as Python names them from the parent folder; otherwise the package's own
    # absolute imports would look third-party and its relative imports would climb too high.
    # Inside a package itself (``decompose analyze src/lightrag/lightrag/api``, where
    # ``lightrag/`` has an ``__init__.py`` too)? Then Python names them ``lightrag.api.*``: the
    # prefix climbs while the parent folders are packages, and the parent package's modules
    # outside the analyzed folder (``lightrag.utils``) are not first-party here: external.
    prefix = _package_prefix(root) if not roots else ""
    if prefix:
        outer = prefix.rpartition(".")[0]
        note = (
            f"the analyzed folder is itself the package {prefix}: modules are named {prefix}.* "
            "(as imported from its parent folder)"
        )
        if outer:
            note = (
                f"the analyzed folder is the package {prefix} (its parent folders are packages "
                f"too): modules are named {prefix}.*, as Python imports them; imports of {outer} "
                "modules outside this folder are external"
            )
        diags.append(Diagnostic("__init__.py", 1, 0, "DEC017", note, "info"))
    by_module: dict[str, list[SourceFile]] = {}
    real_of: dict[str, str] = {}
    for rel, real in walker.files:
        sroot = next(r for r in final_roots if _under(rel, r))
        inner = rel if sroot == "." else rel[len(sroot) + 1 :]
        sf = _source_file(rel, inner, sroot, root, prefix if sroot == "." else "")
        if sf is None:
            continue
        by_module.setdefault(sf.module, []).append(sf)
        real_of[rel] = real
    files: list[SourceFile] = []
    stubs: list[SourceFile] = []
    shadowed: list[str] = []
    # Python prefers a regular package (a folder with __init__.py) over a module of that name.
    order = {"package": 0, "module": 1, "notebook": 1, "extension": 2, "stub": 3}
    for module in sorted(by_module):
        cands = sorted(by_module[module], key=lambda s: (order.get(s.kind, 4), s.relpath))
        main = cands[0]
        files.append(main)
        for other in cands[1:]:
            if other.kind == "stub" and main.kind == "extension":
                stubs.append(other)
            elif other.kind == "stub":
                shadowed.append(other.relpath)
            else:
                diags.append(
                    Diagnostic(
                        other.relpath,
                        1,
                        0,
                        "DEC012",
                        f"module {module} is also defined by {main.relpath}: this file is ignored",
                        "warning",
                    )
                )
    # ---- the same real file under two names (symlinks)
    first_name: dict[str, str] = {}
    aliases: list[tuple[str, str]] = []
    for sf in sorted(files, key=lambda s: (s.relpath.count("/"), s.relpath)):
        real = real_of.get(sf.relpath, sf.relpath)
        if real in first_name and first_name[real] != sf.module:
            aliases.append((sf.module, first_name[real]))
        else:
            first_name.setdefault(real, sf.module)
    # ---- folders whose names are not identifiers
    for sf in files:
        if sf.kind != "notebook" and not all(
            p.isidentifier() and not keyword.iskeyword(p) for p in sf.module.split(".")
        ):
            diags.append(
                Diagnostic(
                    sf.relpath,
                    1,
                    0,
                    "DEC013",
                    f"{sf.relpath} cannot be imported as a module (a name on its "
                    "path is not a Python identifier or is a keyword): "
                    "analyzed as a script",
                    "info",
                )
            )
    stdlib = sys.stdlib_module_names
    tops = sorted({sf.module.split(".")[0] for sf in files if sf.kind != "notebook"})
    # First-party names: top-level names, but the analyzed package's dotted name when it sits
    # inside a package (its siblings there are not part of this analysis).
    outer_top = prefix.split(".")[0] if "." in prefix else ""
    first_party = sorted(
        {
            prefix
            if outer_top and (sf.module + ".").startswith(prefix + ".")
            else sf.module.split(".")[0]
            for sf in files
            if sf.kind != "notebook"
        }
    )
    for top in tops:
        if top in stdlib and top != outer_top:  # an outer package's name is not first-party
            sf = next(s for s in files if s.module.split(".")[0] == top)
            diags.append(
                Diagnostic(
                    sf.relpath,
                    1,
                    0,
                    "DEC010",
                    f"first-party module {top} shadows the standard library "
                    "module of that name: imports of it are resolved to this "
                    "project",
                    "info",
                )
            )
    return Project(
        root=root,
        roots=tuple(final_roots),
        alias_roots=tuple(sorted(alias_roots)),
        files=tuple(files),
        stubs=tuple(stubs),
        shadowed=tuple(sorted(shadowed)),
        aliases=tuple(sorted(aliases)),
        diagnostics=tuple(sorted(set(diags))),
        first_party=tuple(first_party),
        entry_points=tuple(sorted(_all_entry_points(root, walker.dirs, walker.metadata))),
    )


def _under(rel: str, root: str) -> bool:
    return root == "." or rel == root or rel.startswith(root + "/")


def _detect_roots(root: Path, dirs: list[str], files: Sequence[str] = ()) -> list[str]:
    """Detect source roots: folders declared in packaging metadata, ``src``-style folders that
    hold Python code (at any depth, e.g. a PEP 420 namespace package under ``src/``) but are
    neither packages themselves nor inside a regular package, and ``.``."""
    found: list[str] = ["."]
    candidates = [""] + dirs
    for d in candidates:
        folder = root / d if d else root
        for declared in _declared_roots(folder):
            rel = _posix(os.path.relpath(declared.resolve(), root))
            if not rel.startswith(".."):
                found.append(rel)
        name = d.rsplit("/", 1)[-1] if d else ""
        if name in ("src", "lib", "python") and not (folder / "__init__.py").exists():
            if (folder.parent / "__init__.py").exists():
                continue  # app/src/ inside package app is the subpackage app.src
            if _has_python(folder) or any(
                f.startswith(d + "/") and f.endswith((".py", ".pyi", ".pyx")) for f in files
            ):
                found.append(d)
    return sorted(set(found))


def _package_prefix(root: Path) -> str:
    """The dotted name Python gives the package folder ``root`` (``lightrag.api`` for
    ``.../lightrag/api`` when ``lightrag/`` holds an ``__init__.py`` too), or ``""`` when ``root``
    is not a package (no ``__init__.py`` or a name that is not an identifier)."""
    if not (root / "__init__.py").is_file() or not _importable(root.name):
        return ""
    names = [root.name]
    parent = root.parent
    while (
        len(names) < _MAX_DEPTH
        and parent != parent.parent
        and _importable(parent.name)
        and (parent / "__init__.py").is_file()
    ):
        names.insert(0, parent.name)
        parent = parent.parent
    return ".".join(names)


def _importable(name: str) -> bool:
    import keyword

    return name.isidentifier() and not keyword.iskeyword(name)


def _source_file(
    rel: str, inner: str, sroot: str, root: Path, prefix: str = ""
) -> SourceFile | None:
    try:
        size = (root / rel).stat().st_size
    except OSError:
        size = 0
    if rel.endswith(".ipynb"):
        return SourceFile(rel, rel, sroot, "notebook", False, size)
    stem, suffix = os.path.splitext(inner)
    # A dot inside a folder or file name (a wheel's ``pkg-1.0.data/``, ``run.v2.py``) is no
    # package boundary: such a file is only a script, and its name keeps that part whole
    # (``pkg-1-0-data``) instead of inventing packages ``pkg-1`` and ``pkg-1.0``.
    parts = [p.replace(".", "-") for p in stem.split("/")]
    kind = {".py": "module", ".pyi": "stub", ".pyx": "extension"}[suffix]
    is_package = parts[-1] == "__init__"
    if prefix:
        parts = [prefix, *parts]
    if is_package:
        parts = parts[:-1]
        if kind == "module":
            kind = "package"
        if not parts:
            return None  # an __init__.py directly in a source root is not a module
    module = ".".join(parts)
    return SourceFile(rel, module, sroot, kind, is_package, size)


def _all_entry_points(
    root: Path, dirs: list[str], metadata: Iterable[str] = ()
) -> list[EntryPoint]:
    """Entry points declared in every folder's ``pyproject.toml``, ``setup.cfg`` and ``setup.py``
    and in the ``entry_points.txt`` of wheel / egg metadata folders (``metadata``: their POSIX
    paths relative to ``root``; they are excluded from analysis but still read here)."""
    out: list[EntryPoint] = []
    readers: tuple[tuple[str, Callable[[str, str], list[EntryPoint]]], ...] = (
        ("pyproject.toml", _pyproject_entry_points),
        ("setup.cfg", _setup_cfg_entry_points),
        ("setup.py", _setup_py_entry_points),
    )
    for d in ["", *dirs]:
        folder = root / d if d else root
        prefix = f"{d}/" if d else ""
        if d.rsplit("/", 1)[-1].endswith(_METADATA_SUFFIXES):
            continue  # a metadata folder the user included: read below, once
        for name, reader in readers:
            f = folder / name
            if f.is_file():
                try:
                    text = f.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                out.extend(reader(prefix + name, text))
    meta = set(metadata) | {d for d in dirs if d.rsplit("/", 1)[-1].endswith(_METADATA_SUFFIXES)}
    for d in sorted(meta):
        f = root / d / "entry_points.txt"
        if f.is_file():
            try:
                text = f.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            out.extend(_ini_entry_points(f"{d}/entry_points.txt", text))
    return out


# Packaging metadata folders: a built wheel's ``name-1.0.dist-info`` and a setuptools
# ``name.egg-info``. Their ``entry_points.txt`` declares the distribution's console scripts.
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


def _ini_entry_points(path: str, text: str, first_line: int = 1) -> list[EntryPoint]:
    """Entry points of an ``entry_points.txt`` (INI: ``[group]`` then ``name = module:object``),
    parsed with :mod:`configparser`; lines found by a scan of the text (configparser gives no
    positions). ``first_line`` is the line of ``text``'s first line in ``path``. Empty when the
    text is not valid INI."""
    import configparser
    import textwrap

    text = textwrap.dedent(text)
    cp = configparser.ConfigParser(
        delimiters=("=",), comment_prefixes=("#", ";"), interpolation=None, strict=False
    )
    cp.optionxform = str  # type: ignore[assignment,method-assign]  # keep names as written
    try:
        cp.read_string(text)
    except configparser.Error:
        return []
    where: dict[tuple[str, str], int] = {}
    section = ""
    for i, raw in enumerate(text.splitlines()):
        line = raw.strip()
        m = re.match(r"^\[([^\]]+)\]", line)
        if m:
            section = m.group(1).strip()
            continue
        if line and not line.startswith(("#", ";")) and "=" in line:
            where.setdefault((section, line.split("=", 1)[0].strip()), first_line + i)
    out: list[EntryPoint] = []
    for group in cp.sections():
        for name, value in cp.items(group, raw=True):
            target = _clean_target(value)
            if target:
                at = where.get((group, name), first_line)
                out.append(EntryPoint(path, at, group, name, target))
    return out


def _setup_py_entry_points(path: str, text: str) -> list[EntryPoint]:
    """Entry points of a ``setup.py``, read statically (the file is never run): the
    ``entry_points=`` argument of every ``setup(...)`` / ``setuptools.setup(...)`` call when it
    is a literal — a dict of group -> list of ``"name = module:object"`` strings or an INI
    string, a whole INI string, or ``dict(group=[...])`` — or a module-level name bound to such
    a literal. Anything computed is skipped."""
    import ast
    import textwrap

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    bound: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            tgt = node.targets[0]
            if isinstance(tgt, ast.Name):
                bound[tgt.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            bound[node.target.id] = node.value

    def deref(e: ast.expr) -> ast.expr:
        return bound.get(e.id, e) if isinstance(e, ast.Name) else e

    def lines_of(group: str, e: ast.expr) -> list[EntryPoint]:
        e = deref(e)
        if isinstance(e, ast.Constant) and isinstance(e.value, str):
            body = textwrap.dedent(e.value)
            return _ini_entry_points(path, f"[{group}]\n{body}", e.lineno - 1)
        found: list[EntryPoint] = []
        if isinstance(e, (ast.List, ast.Tuple, ast.Set)):
            for elt in e.elts:
                elt = deref(elt)
                if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                    name, sep, value = elt.value.partition("=")
                    target = _clean_target(value)
                    if sep and name.strip() and target:
                        found.append(EntryPoint(path, elt.lineno, group, name.strip(), target))
        return found

    out: list[EntryPoint] = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if callee != "setup":
            continue
        for kw in call.keywords:
            if kw.arg != "entry_points":
                continue
            value = deref(kw.value)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out.extend(_ini_entry_points(path, value.value, value.lineno))
            elif isinstance(value, ast.Dict):
                for k, v in zip(value.keys, value.values, strict=True):
                    k = deref(k) if k is not None else None
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        out.extend(lines_of(k.value.strip(), v))
            elif (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "dict"
            ):
                for dkw in value.keywords:
                    if dkw.arg:
                        out.extend(lines_of(dkw.arg, dkw.value))
    return out


def _clean_target(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return value.split("[", 1)[0].strip()


def _pyproject_entry_points(path: str, text: str) -> list[EntryPoint]:
    """Entry points of a ``pyproject.toml``; lines found by locating each table header and the
    key inside it (tomllib gives no positions)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    tables: list[tuple[str, str, object]] = []  # (group, header regex, table)
    project = data.get("project", {})
    if isinstance(project, dict):
        tables.append(("console_scripts", r"project\.scripts", project.get("scripts")))
        tables.append(("gui_scripts", r"project\.gui-scripts", project.get("gui-scripts")))
        eps = project.get("entry-points", {})
        for group, table in eps.items() if isinstance(eps, dict) else ():
            g = re.escape(group)
            tables.append((group, rf"project\.entry-points\.(\"{g}\"|'{g}'|{g})", table))
    tool = data.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    if isinstance(poetry, dict):
        tables.append(("console_scripts", r"tool\.poetry\.scripts", poetry.get("scripts")))
    lines = text.splitlines()
    out: list[EntryPoint] = []
    for group, header, table in tables:
        if not isinstance(table, dict):
            continue
        start = next(
            (i for i, ln in enumerate(lines) if re.match(rf"^\s*\[\s*{header}\s*\]", ln)), None
        )
        for name, value in table.items():
            if isinstance(value, dict):  # poetry: {reference = "...", type = "console"}
                value = value.get("reference") or value.get("callable")
            target = _clean_target(value)
            if not target:
                continue
            line = 1
            if start is not None:
                key = re.compile(rf"""^\s*(["']?){re.escape(str(name))}\1\s*=""")
                line = next(
                    (i + 1 for i in range(start + 1, len(lines)) if key.match(lines[i])), start + 1
                )
            out.append(EntryPoint(path, line, group, str(name), target))
    return out


def _setup_cfg_entry_points(path: str, text: str) -> list[EntryPoint]:
    """Entry points of a ``setup.cfg`` ``[options.entry_points]`` section, read line by line
    (configparser gives no positions)."""
    out: list[EntryPoint] = []
    in_section = False
    group = ""
    for i, raw in enumerate(text.splitlines(), start=1):
        line = (
            raw.split("#", 1)[0].split(";", 1)[0] if not raw.lstrip().startswith(("#", ";")) else ""
        )
        if not line.strip():
            continue
        if line.lstrip().startswith("["):
            in_section = line.strip().lower() == "[options.entry_points]"
            continue
        if not in_section:
            continue
        indented = line[:1].isspace()
        if not indented and "=" in line:
            group, _, rest = line.partition("=")
            group = group.strip()
            line = rest
            if not line.strip():
                continue
        if "=" in line and group:
            name, _, value = line.partition("=")
            target = _clean_target(value)
            if target:
                out.append(EntryPoint(path, i, group, name.strip(), target))
    return out
