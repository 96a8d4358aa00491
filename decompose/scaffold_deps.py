"""Which distribution provides an import, for a scaffolded service's ``pyproject.toml``.

In order, for a third-party import:

1. decompose's built-in table (:func:`decompose.footprint.distribution_of`: ``sklearn`` ->
   ``scikit-learn``);
2. the project's own declared dependencies: ``pyproject.toml`` (``[project]`` dependencies and
   optional dependencies, Poetry's ``[tool.poetry.dependencies]``), ``setup.cfg``
   (``install_requires``, ``extras_require``), ``requirements*.txt``, and the ``Requires-Dist``
   of a ``*.dist-info/METADATA`` (an unpacked wheel), in the project folder or its parent. A
   declared requirement is kept as the project wrote it, with its extras and version
   (``sqlalchemy[asyncio]>=2``). An import the table does not know is matched to a declared
   name when exactly one declared name contains every word of the import (``social_core`` ->
   ``social-auth-core``);
3. the distributions installed where decompose runs (``importlib.metadata``'s
   ``packages_distributions()``): this one depends on the machine;
4. else the import name itself, marked **guessed** in the file and in the report.

An import of ``sqlalchemy.ext.asyncio`` adds SQLAlchemy's ``asyncio`` extra (greenlet), which a
plain ``SQLAlchemy`` lacks.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(.*)$")
#: imports that need an extra of their distribution: import prefix -> (distribution, extra)
IMPORT_EXTRAS = {"sqlalchemy.ext.asyncio": ("SQLAlchemy", "asyncio")}


def normalize(name: str) -> str:
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(slots=True)
class Requirement:
    """One requirement line: ``name[extras] rest`` (``rest``: version and marker)."""

    name: str
    extras: set[str] = field(default_factory=set)
    rest: str = ""

    def render(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        rest = self.rest.strip()
        sep = " " if rest.startswith(";") else ""
        return f"{self.name}{extras}{sep}{rest}"


def parse_requirement(text: str) -> Requirement | None:
    """A PEP 508 line as :class:`Requirement`; None for a URL, an option or a blank line. A
    marker that names an extra (``; extra == "pg"``, from a wheel's METADATA) is dropped."""
    text = text.split(" #", 1)[0].strip()
    if not text or text.startswith(("-", "#")) or "://" in text.split(";")[0]:
        return None
    m = _REQ.match(text)
    if not m:
        return None
    rest = m.group(3).strip()
    if ";" in rest:
        spec, marker = rest.split(";", 1)
        rest = spec.strip() if "extra" in marker else f"{spec.strip()}; {marker.strip()}"
    extras = {e.strip() for e in (m.group(2) or "").split(",") if e.strip()}
    return Requirement(m.group(1), extras, rest)


def _poetry(deps: dict[str, Any]) -> list[str]:
    out = []
    for name, spec in deps.items():
        if name.lower() == "python":
            continue
        extras = spec.get("extras", []) if isinstance(spec, dict) else []
        out.append(f"{name}[{','.join(extras)}]" if extras else name)
    return out


def declared_requirements(root: Path) -> tuple[dict[str, Requirement], list[str]]:
    """The project's declared requirements, ``{normalized name: Requirement}`` (the first
    declaration of a name wins, one without a marker before one with), and the files read.

    Looks in ``root`` and its parent (``decompose scaffold src/pkg`` has them one level up).
    Unreadable or invalid files are skipped."""
    lines: list[tuple[str, str]] = []
    seen: list[str] = []
    for folder in (root, root.parent):
        lines += _from_folder(folder, seen)
    out: dict[str, Requirement] = {}
    for _source, line in lines:
        req = parse_requirement(line)
        if req is None:
            continue
        key = normalize(req.name)
        old = out.get(key)
        if old is None or (";" in old.rest and ";" not in req.rest):
            out[key] = req
        elif not old.extras and req.extras and old.rest == req.rest:
            old.extras |= req.extras
    return out, seen


def _from_folder(folder: Path, seen: list[str]) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    py = folder / "pyproject.toml"
    try:
        data = tomllib.loads(py.read_text(encoding="utf-8")) if py.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    if data:
        project = data.get("project", {})
        found = list(project.get("dependencies", []))
        for group in project.get("optional-dependencies", {}).values():
            found += list(group)
        poetry = data.get("tool", {}).get("poetry", {})
        found += _poetry(poetry.get("dependencies", {}))
        if found:
            seen.append(str(py))
            lines += [(str(py), x) for x in found if isinstance(x, str)]
    cfg = folder / "setup.cfg"
    if cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(cfg, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            parser = configparser.ConfigParser()
        found = []
        if parser.has_option("options", "install_requires"):
            found += parser.get("options", "install_requires").splitlines()
        if parser.has_section("options.extras_require"):
            for _k, v in parser.items("options.extras_require"):
                found += v.splitlines()
        if found:
            seen.append(str(cfg))
            lines += [(str(cfg), x) for x in found]
    for req in sorted(folder.glob("requirements*.txt")):
        try:
            text = req.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        seen.append(str(req))
        lines += [(str(req), x) for x in text.splitlines()]
    for meta in sorted(folder.glob("*.dist-info/METADATA")):
        try:
            text = meta.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        seen.append(str(meta))
        for line in text.split("\n\n", 1)[0].splitlines():
            if line.startswith("Requires-Dist:"):
                lines.append((str(meta), line.split(":", 1)[1]))
    return lines


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[-_.]+", name.lower()) if w}


@dataclass(slots=True)
class Resolver:
    """Maps imports to requirements (see the module docstring for the order).

    Attributes:
        declared: the project's declared requirements (:func:`declared_requirements`).
        use_installed: consult the distributions installed here for names nothing else knows.
    """

    declared: dict[str, Requirement]
    use_installed: bool = True
    _installed: dict[str, list[str]] | None = None

    def installed(self) -> dict[str, list[str]]:
        if self._installed is None:
            from importlib.metadata import packages_distributions

            try:
                self._installed = {k: sorted(v) for k, v in packages_distributions().items()}
            except Exception:  # noqa: BLE001 - a broken environment only loses this source
                self._installed = {}
        return self._installed

    def resolve(self, import_name: str) -> tuple[Requirement, str]:
        """``(requirement, source)`` for a third-party ``import_name``; ``source`` is
        ``declared``, ``table``, ``installed`` or ``guessed``."""
        from decompose.footprint import distribution_of

        dist, how = distribution_of(import_name)
        top = import_name.split(".")[0]
        req, source = self._lookup(dist, how, top)
        for prefix, (xdist, extra) in IMPORT_EXTRAS.items():
            if (import_name + ".").startswith(prefix + ".") and normalize(xdist) == normalize(
                req.name
            ):
                req = Requirement(req.name, req.extras | {extra}, req.rest)
        return req, source

    def _lookup(self, dist: str, how: str, top: str) -> tuple[Requirement, str]:
        hit = self.declared.get(normalize(dist))
        if hit is not None:
            return _copy(hit), "declared"
        if how == "table":
            return Requirement(dist), "table"
        words = _words(top)
        matches = [k for k in self.declared if words <= _words(k)]
        if len(matches) == 1:
            return _copy(self.declared[matches[0]]), "matched"
        if self.use_installed:
            found = self.installed().get(top, [])
            for d in found:
                if normalize(d) in self.declared:
                    return _copy(self.declared[normalize(d)]), "declared"
            if found:
                return Requirement(found[0]), "installed"
        return Requirement(dist), "guessed"


def _copy(req: Requirement) -> Requirement:
    return Requirement(req.name, set(req.extras), req.rest)


def merge(reqs: list[Requirement]) -> list[Requirement]:
    """One requirement per distribution (extras united; the first version and marker kept),
    sorted by name, case-insensitively."""
    out: dict[str, Requirement] = {}
    for r in reqs:
        key = normalize(r.name)
        if key in out:
            out[key].extras |= r.extras
            if not out[key].rest:
                out[key].rest = r.rest
        else:
            out[key] = _copy(r)
    return [out[k] for k in sorted(out, key=str.lower)]
