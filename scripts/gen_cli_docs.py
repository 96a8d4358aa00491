"""Regenerate docs/cli.md from the CLI's own --help texts: `python scripts/gen_cli_docs.py`.

tests/functional/test_cli_docs.py fails when docs/cli.md is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from decompose.cli import main

HEADER = """# Commands and options

Generated from `decompose --help` by `scripts/gen_cli_docs.py`; do not edit by hand.

Exit codes (every command): **0** ran clean; **1** ran and found violations (or skipped files
under `--strict`); **2** could not run (usage, configuration, no sources, I/O, missing `dot` when
an image was asked for); **130** interrupted (Ctrl-C) and **143** terminated (SIGTERM): the parse
workers are stopped and no partial output is written. Errors are one line on stderr; `--debug`
adds the traceback.
"""


def render() -> str:
    runner = CliRunner()
    parts = [HEADER]

    def walk(cmd: click.Command, path: list[str]) -> None:
        res = runner.invoke(main, [*path[1:], "--help"], prog_name="decompose", terminal_width=100)
        title = " ".join(path)
        parts.append(f"\n## `{title}`\n\n```text\n{res.output.rstrip()}\n```\n")
        if isinstance(cmd, click.Group):
            for name in sorted(cmd.commands):
                walk(cmd.commands[name], [*path, name])

    walk(main, ["decompose"])
    return "".join(parts)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if target.exists() and target.read_text() == text else 1)
    target.write_text(text)
