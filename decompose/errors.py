"""Errors raised by library code. Only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class DecomposeError(Exception):
    """Base class: a run that could not be completed. ``exit_code`` follows ruff's convention
    (2 = could not run)."""

    exit_code = 2


class UsageError(DecomposeError):
    """A bad path, option or combination of options."""


class ConfigError(DecomposeError):
    """An invalid configuration. ``problems`` lists every problem as ``key.path: message``."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        head = f"invalid configuration{where}"
        if len(problems) == 1:  # one line: what and where
            super().__init__(f"{head}: {problems[0]}")
        else:
            many = f"{head} ({len(problems)} problems):\n  " + "\n  ".join(self.problems)
            super().__init__(many if problems else head)


class NoSourcesError(DecomposeError):
    """The path holds no Python source to analyze."""


class OutputError(DecomposeError):
    """An output could not be written (I/O error, existing folder without --force...)."""


class MissingToolError(DecomposeError):
    """An external program (Graphviz ``dot``) is needed but not installed."""
