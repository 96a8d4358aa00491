"""Fetch real packages from PyPI into a cache folder outside git (never committed).

Usage::

    python bench/corpus.py fetch fschat khoj          # -> prints the extracted source folders
    python bench/corpus.py list                       # the known packages and versions

Each package is downloaded with ``pip download --no-deps NAME==VERSION`` (plus the extra pip flags
that ``/work/shared/corpus.md`` asks for, e.g. ``--only-binary=:all: --python-version 3.10`` for
rasa) into ``CACHE/dl`` and the wheel (or, when no wheel exists, the sdist) is extracted into
``CACHE/src/NAME``. The code is only read, never installed or imported. The cache defaults to
``bench/.cache`` (gitignored) and is overridden by ``DECOMPOSE_CORPUS_CACHE``. Fetching is
idempotent: an extracted folder with a ``.complete`` marker is returned as it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Package:
    """A corpus package: PyPI ``name``, ``version`` and extra ``pip download`` flags."""

    name: str
    version: str
    pip_args: tuple[str, ...] = field(default=())
    group: str = "ai"


# From /work/shared/corpus.md, plus django, sympy and transformers for the sweep (issue 10).
PACKAGES: dict[str, Package] = {
    p.name: p
    for p in (
        Package("fschat", "0.2.36"),
        Package("khoj", "1.42.10"),
        Package("r2r", "3.6.6"),
        Package("rasa", "3.6.21", ("--only-binary=:all:", "--python-version", "3.10")),
        Package("letta", "0.16.8", ("--only-binary=:all:", "--python-version", "3.12")),
        Package("invokeai", "6.14.2", ("--only-binary=:all:", "--python-version", "3.12")),
        Package("mlflow", "3.18.0"),
        Package("label-studio", "1.23.2"),
        Package("wagtail", "8.0.1", group="domain"),
        Package(
            "weblate",
            "2026.10.1",
            ("--only-binary=:all:", "--python-version", "3.12"),
            group="domain",
        ),
        Package("misago", "0.39.6", group="domain"),
        Package("django", "5.2.19", group="extra"),
        Package("sympy", "1.14.0", group="extra"),
        Package("transformers", "5.24.0", group="extra"),
    )
}


def cache_dir() -> Path:
    """The corpus cache folder: ``$DECOMPOSE_CORPUS_CACHE`` or ``bench/.cache``."""
    env = os.environ.get("DECOMPOSE_CORPUS_CACHE")
    return Path(env).resolve() if env else HERE / ".cache"


def _download(pkg: Package, dl: Path) -> Path:
    """Run ``pip download`` for ``pkg`` into ``dl`` (reusing a file already there); return it."""
    stem = pkg.name.replace("-", "_").lower()

    def existing() -> list[Path]:
        out = []
        for p in sorted(dl.glob("*")):
            low = p.name.lower().replace("-", "_")
            if low.startswith(f"{stem}_{pkg.version}".lower()) and (
                p.suffix == ".whl" or p.name.endswith((".tar.gz", ".zip"))
            ):
                out.append(p)
        return sorted(out, key=lambda p: (p.suffix != ".whl", p.name))

    found = existing()
    if found:
        return found[0]
    dl.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "-q",
        "--disable-pip-version-check",
        f"{pkg.name}=={pkg.version}",
        "-d",
        str(dl),
        *pkg.pip_args,
    ]
    subprocess.run(cmd, check=True)
    found = existing()
    if not found:
        raise RuntimeError(f"pip download gave no archive for {pkg.name}=={pkg.version} in {dl}")
    return found[0]


def _extract(archive: Path, dest: Path) -> None:
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(dest)
        return
    with tarfile.open(archive) as t:
        t.extractall(dest, filter="data")
    # An sdist holds one top folder NAME-VERSION/: lift its content up.
    inner = [p for p in dest.iterdir()]
    if len(inner) == 1 and inner[0].is_dir():
        for child in inner[0].iterdir():
            child.rename(dest / child.name)
        inner[0].rmdir()


def fetch(name: str, cache: Path | None = None) -> Path:
    """Download and extract one corpus package; return its source folder.

    Args:
        name: a key of :data:`PACKAGES` or ``NAME==VERSION`` for any other PyPI package.
        cache: the cache folder (default :func:`cache_dir`).

    Returns:
        ``CACHE/src/NAME``, holding the extracted wheel (or sdist).

    Raises:
        subprocess.CalledProcessError: pip could not download it.
    """
    if "==" in name:
        n, v = name.split("==", 1)
        pkg = PACKAGES.get(n, Package(n, v))
        if pkg.version != v:
            pkg = Package(n, v, pkg.pip_args, pkg.group)
    else:
        pkg = PACKAGES[name]
    cache = cache or cache_dir()
    dest = cache / "src" / pkg.name
    marker = dest / ".complete"
    if marker.is_file() and marker.read_text().strip() == pkg.version:
        return dest
    archive = _download(pkg, cache / "dl")
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _extract(archive, tmp)
    (tmp / ".complete").write_text(pkg.version + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("fetch", "list"):
        print("usage: corpus.py fetch NAME... | corpus.py list", file=sys.stderr)
        return 2
    if args[0] == "list":
        for p in PACKAGES.values():
            print(f"{p.name}=={p.version}\t{p.group}\t{' '.join(p.pip_args)}")
        return 0
    names = args[1:] or list(PACKAGES)
    for n in names:
        print(fetch(n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
