"""docs/cli.md is generated from the CLI's --help texts and must not fall behind them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_cli_reference_is_up_to_date() -> None:
    r = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_cli_docs.py"), "--check"],
        cwd=REPO,
        check=False,
    )
    assert r.returncode == 0, "docs/cli.md is stale: run `python scripts/gen_cli_docs.py`"
