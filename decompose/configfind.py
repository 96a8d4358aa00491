"""Finding a project's decompose configuration by walking up from a path (used by ``check``).

The rule follows ruff's and tach's documented behaviour: starting at the given folder (or a
given file's folder) and going up to the filesystem root, the first folder holding a
``decompose.toml``, or a ``pyproject.toml`` with a ``[tool.decompose]`` table, is the project
root; a ``pyproject.toml`` without that table is passed over (a package of a monorepo configured
at its top). The walk does not stop at a ``.git`` folder: neither ruff nor tach do, and a
project configured above its repository root would otherwise be missed.

One addition: a configuration that excludes the starting folder (``exclude`` or the default
excludes, e.g. ``samples/`` of a repository holding sample projects) does not govern it, so the
walk goes on above it. Relative paths inside a configuration (``check.baseline``, ``roots``)
are relative to the folder of the file that holds them, which is the project root.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from decompose.config import DEFAULT_EXCLUDES, Config, load_config


@dataclass(frozen=True, slots=True)
class FoundConfig:
    """A configuration found by :func:`find_config`.

    Attributes:
        root: the project root (the folder holding ``file``), absolute, symlinks not resolved.
        file: the configuration file (``decompose.toml`` or ``pyproject.toml``).
        config: the loaded configuration (its ``source`` is ``file`` as given for messages).
    """

    root: Path
    file: Path
    config: Config


def config_file_in(folder: Path) -> Path | None:
    """The decompose configuration file directly in ``folder``, if any.

    ``decompose.toml`` wins over ``pyproject.toml`` (the order of :func:`load_config`). A
    ``pyproject.toml`` counts when it has a ``[tool.decompose]`` table; one that is not valid
    TOML counts when its text mentions ``tool.decompose`` (so that loading it reports the TOML
    error instead of silently using defaults).
    """
    dt = folder / "decompose.toml"
    if dt.is_file():
        return dt
    pp = folder / "pyproject.toml"
    if not pp.is_file():
        return None
    try:
        text = pp.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if "decompose" not in text:
        return None  # fast path: most pyproject.toml files never mention us
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return pp if "tool.decompose" in text else None
    return pp if isinstance(tool, dict) and "decompose" in tool else None


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    """True when the folder ``rel`` (POSIX, relative to the project root) or one of its parents
    matches a gitignore pattern of ``patterns`` or of the default excludes."""
    import pathspec  # only for a start below the root, so a check from the root never loads it

    spec = pathspec.GitIgnoreSpec.from_lines([*DEFAULT_EXCLUDES, *patterns])
    parts = rel.split("/")
    return any(spec.match_file("/".join(parts[: i + 1]) + "/") for i in range(len(parts)))


def find_config(
    start: Path, display: Path | None = None, passed_over: list[Path] | None = None
) -> FoundConfig | None:
    """Walk up from ``start`` to the first folder with a decompose configuration that does not
    exclude ``start``.

    Args:
        start: a folder or a file (its folder is where the walk starts); relative paths are
            taken from the current folder.
        display: how to name the found file in messages: ``None`` = relative to the current
            folder when that is shorter than the absolute path.
        passed_over: when given, the configuration files that were found but exclude
            ``start`` are appended to it (for messages).

    Returns:
        The project root, its configuration file and the loaded configuration, or ``None``
        when no folder up to the filesystem root holds one.

    Raises:
        ConfigError: a configuration file found on the way is unreadable, not TOML or invalid.
    """
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        file = config_file_in(folder)
        if file is None:
            continue
        shown = _shown(file) if display is None else display
        config = load_config(folder, shown)
        if folder != here:
            rel = here.relative_to(folder).as_posix()
            if _excluded(rel, config.exclude):
                if passed_over is not None:
                    passed_over.append(shown)
                continue
        return FoundConfig(folder, file, config)
    return None


def _shown(file: Path) -> Path:
    try:
        rel = Path(os.path.relpath(file))
    except ValueError:  # another drive (Windows)
        return file
    return rel if len(str(rel)) < len(str(file)) else file
