"""The project's declared dependencies: one reader for scaffold's pins and footprint's image class.

Sources, in the analyzed folder and its parent (``decompose scaffold src/pkg`` has them one
level up): ``pyproject.toml`` (``[project]`` dependencies and optional dependencies, Poetry's
``[tool.poetry.dependencies]``), ``setup.cfg`` (``install_requires``, ``extras_require``),
``requirements*.txt`` and the ``Requires-Dist`` lines of a ``*.dist-info/METADATA`` (an unpacked
wheel). Unreadable or invalid files are skipped.

A declaration is **required** when every install of the project gets it: ``[project]``
``dependencies``, a Poetry dependency not marked ``optional = true``, ``install_requires``,
``requirements.txt`` (only that file: ``requirements-dev.txt``, ``requirements-gpu.txt`` are
variants), and a ``Requires-Dist`` whose marker names no extra (``; python_version < "3.12"``
is still required, ``; extra == "gpu"`` is not). Optional dependencies and extras are declared
but not required.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(.*)$")
_EXTRA_MARKER = re.compile(r"\bextra\s*==")


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
        """The line as PEP 508 text (``name[extras]>=1; marker``)."""
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


def _poetry(deps: dict[str, Any]) -> list[tuple[str, bool]]:
    out = []
    for name, spec in deps.items():
        if name.lower() == "python":
            continue
        extras = spec.get("extras", []) if isinstance(spec, dict) else []
        optional = isinstance(spec, dict) and bool(spec.get("optional", False))
        out.append((f"{name}[{','.join(extras)}]" if extras else name, not optional))
    return out


def declared_requirements(root: Path) -> tuple[dict[str, Requirement], list[str]]:
    """The project's declared requirements, required or optional, ``{normalized name:
    Requirement}`` (the first declaration of a name wins, one without a marker before one
    with), and the files read.

    Args:
        root: the analyzed folder; its parent is read too.

    Returns:
        ``(requirements, files read)``.
    """
    out: dict[str, Requirement] = {}
    seen: list[str] = []
    for _source, line, _required in _declarations(root, seen):
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


def required_distributions(root: Path) -> dict[str, str]:
    """The distributions every install of the project gets (see the module docstring for what
    counts as required), ``{normalized name: file that declares it}``, sorted by name.

    Args:
        root: the analyzed folder; its parent is read too.

    Returns:
        ``{"torch": ".../txtai-9.14.0.dist-info/METADATA"}``; empty when nothing is declared.
    """
    out: dict[str, str] = {}
    for source, line, required in _declarations(root, []):
        req = parse_requirement(line) if required else None
        if req is not None:
            out.setdefault(normalize(req.name), source)
    return dict(sorted(out.items()))


def _declarations(root: Path, seen: list[str]) -> list[tuple[str, str, bool]]:
    lines: list[tuple[str, str, bool]] = []
    for folder in (root, root.parent):
        lines += _from_folder(folder, seen)
    return lines


def _from_folder(folder: Path, seen: list[str]) -> list[tuple[str, str, bool]]:
    """``(file, requirement line, required)`` for the declarations in one folder."""
    lines: list[tuple[str, str, bool]] = []
    py = folder / "pyproject.toml"
    try:
        data = tomllib.loads(py.read_text(encoding="utf-8")) if py.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    if data:
        project = data.get("project", {})
        found = [(x, True) for x in project.get("dependencies", [])]
        for group in project.get("optional-dependencies", {}).values():
            found += [(x, False) for x in group]
        poetry = data.get("tool", {}).get("poetry", {})
        found += _poetry(poetry.get("dependencies", {}))
        if found:
            seen.append(str(py))
            lines += [(str(py), x, req) for x, req in found if isinstance(x, str)]
    cfg = folder / "setup.cfg"
    if cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(cfg, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            parser = configparser.ConfigParser()
        found = []
        if parser.has_option("options", "install_requires"):
            found += [(x, True) for x in parser.get("options", "install_requires").splitlines()]
        if parser.has_section("options.extras_require"):
            for _k, v in parser.items("options.extras_require"):
                found += [(x, False) for x in v.splitlines()]
        if found:
            seen.append(str(cfg))
            lines += [(str(cfg), x, req) for x, req in found]
    for path in sorted(folder.glob("requirements*.txt")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        seen.append(str(path))
        required = path.name == "requirements.txt"
        lines += [(str(path), x, required) for x in text.splitlines()]
    for meta in sorted(folder.glob("*.dist-info/METADATA")):
        try:
            text = meta.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        seen.append(str(meta))
        for line in text.split("\n\n", 1)[0].splitlines():
            if line.startswith("Requires-Dist:"):
                value = line.split(":", 1)[1]
                marker = value.split(";", 1)[1] if ";" in value else ""
                lines.append((str(meta), value, not _EXTRA_MARKER.search(marker)))
    return lines
