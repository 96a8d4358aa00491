"""Apply step of plan-then-write: write GeneratedFile lists into an output folder."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from decompose.errors import OutputError
from decompose.model import GeneratedFile


def safe_relpath(path: str) -> PurePosixPath:
    """Validate a generated file's relative path: POSIX, relative, no ``..``, no empty or
    control-character parts.

    Raises:
        OutputError: the path could escape the output folder.
    """
    p = PurePosixPath(path)
    if (
        p.is_absolute()
        or not p.parts
        or any(
            part in ("..", "", ".") or any(ord(c) < 32 for c in part) or "\\" in part
            for part in p.parts
        )
    ):
        raise OutputError(f"refusing to write outside the output folder: {path!r}")
    return p


# Written into an output folder decompose creates for itself (``decompose-out/``), as pytest,
# ruff and mypy do with their caches: git then never lists the folder as untracked.
SELF_IGNORE = GeneratedFile(
    ".gitignore", b"# Created by decompose automatically: ignore this whole folder.\n*\n"
)


def write_files(
    out_dir: Path, files: Iterable[GeneratedFile], *, self_ignoring: bool = False
) -> list[Path]:
    """Write ``files`` under ``out_dir`` (created if needed), each atomically.

    Args:
        out_dir: the output folder.
        files: what to write, paths relative to ``out_dir``.
        self_ignoring: when this call creates ``out_dir``, also write a ``.gitignore``
            holding ``*`` into it (:data:`SELF_IGNORE`), so git ignores the folder and all it
            holds; an existing folder is left as it is (the user may track it on purpose).

    Returns:
        The written paths, in order (the ``.gitignore`` first when written).

    Raises:
        OutputError: a path is unsafe, or an I/O error occurred (with the path and reason).
    """
    written: list[Path] = []
    umask = os.umask(0)
    os.umask(umask)
    mode = 0o666 & ~umask
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out_dir}: {exc.strerror}") from exc
    if self_ignoring and created:
        files = [SELF_IGNORE, *(f for f in files if f.path != SELF_IGNORE.path)]
    for f in files:
        rel = safe_relpath(f.path)
        target = out_dir.joinpath(*rel.parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(f.content)
            os.chmod(tmp, mode)  # mkstemp creates 0600; outputs are ordinary files
            os.replace(tmp, target)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror}") from exc
        written.append(target)
    return written
