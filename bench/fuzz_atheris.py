"""Coverage-guided fuzzing of the parser entry point, :func:`decompose.parse.parse_file`, with
atheris (libFuzzer for Python). Not part of the default test run.

Each input is written as a ``.py`` file (and, for one input in four, as a notebook) and parsed.
A finding is any of: an exception escaping ``parse_file`` (it must never raise), a ``DEC099``
diagnostic (an internal error that ``parse_file`` caught: a bug in the extractor), a problem
that is not located inside the file, or a failed file without an error diagnostic. libFuzzer
writes the input to ``crash-*``; turn it into a case of
``tests/robust/test_properties.py::test_the_worst_inputs_we_know``.

Usage (bounded in time; seeds from samples/ are copied into the corpus folder on first use)::

    .venv/bin/python bench/fuzz_atheris.py -max_total_time=300 -rss_limit_mb=4096 \\
        bench/.cache/fuzz-corpus
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["decompose"]):
    from decompose.model import SourceFile
    from decompose.parse import parse_file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TMP = Path(
    tempfile.mkdtemp(
        prefix="decompose-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None
    )
)


class Finding(Exception):
    """A property of parse_file did not hold for this input."""


def check(data: bytes, kind: str, name: str) -> None:
    (TMP / name).write_bytes(data)
    module = name if kind == "notebook" else name.removesuffix(".py")
    facts = parse_file(SourceFile(name, module, ".", kind, False, len(data)), TMP)
    lines = len(data.splitlines()) + 2  # \r, \n and \r\n end lines, as for Python
    for d in facts.diagnostics:
        if d.code == "DEC099":
            raise Finding(f"internal error: {d.message}")
        if d.path != name or not 1 <= d.line <= max(lines, facts.lines + 1) or d.column < 0:
            raise Finding(f"diagnostic not located in the file: {d}")
    if facts.status != "ok" and not any(d.severity == "error" for d in facts.diagnostics):
        raise Finding(f"status {facts.status} without an error diagnostic")


def test_one_input(data: bytes) -> None:
    check(data, "module", "fuzzed.py")
    if data[:1] in (b"{", b"[") or len(data) % 4 == 0:
        check(data, "notebook", "fuzzed.ipynb")


def seed_corpus(folder: Path) -> None:
    if folder.is_dir() and any(folder.iterdir()):
        return
    folder.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(sorted((REPO / "samples").rglob("*.py"))[:200]):
        shutil.copyfile(p, folder / f"seed-{i:03}.py")
    cases = Path(os.environ.get("DECOMPOSE_CASES", REPO.parent / "shared" / "cases"))
    for i, p in enumerate(sorted(cases.rglob("*.py"))[:200] if cases.is_dir() else []):
        shutil.copyfile(p, folder / f"case-{i:03}.py")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    if args:
        seed_corpus(Path(args[0]))
    if not any(a.startswith("-max_total_time") or a.startswith("-runs") for a in sys.argv):
        sys.argv.append("-max_total_time=120")  # always bounded
    sys.setrecursionlimit(10_000)
    try:
        atheris.Setup(sys.argv, test_one_input)
        atheris.Fuzz()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
