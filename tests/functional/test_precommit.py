"""The real ``pre-commit`` (PyPI) runs this repository's ``.pre-commit-hooks.yaml`` in a temporary
git repository: a commit that adds a boundary violation is rejected with the message, a clean
commit passes, and a commit with a file that does not parse is not a vacuous pass.

pre-commit clones this repository at its current HEAD and pip-installs decompose with its
dependencies into its own environment (network to PyPI), once for the module; that takes most of
the time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
CONTRACT = """
[tool.decompose]
kernel = ["shop"]
[tool.decompose.services.cart]
modules = ["shop.cart.*"]
interface = ["shop.cart.api"]
depends_on = ["billing"]
[tool.decompose.services.billing]
modules = ["shop.billing.*"]
interface = ["shop.billing.api"]
depends_on = []
"""


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=check, timeout=600
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    if not (REPO / ".git").exists() or not PRE_COMMIT.exists() or shutil.which("git") is None:
        pytest.skip("needs a git checkout of decompose and pre-commit")
    head = _git(REPO, "rev-parse", "HEAD").stdout.strip()
    hooks = _git(REPO, "show", f"{head}:.pre-commit-hooks.yaml", check=False)
    if hooks.returncode != 0:
        pytest.skip(".pre-commit-hooks.yaml is not committed yet")
    root = tmp_path_factory.mktemp("precommit") / "proj"
    root.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(root.parent / "pc-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "DECOMPOSE_CACHE_DIR": str(root.parent / "dc-cache"),
    }
    files = {
        "pyproject.toml": CONTRACT,
        "shop/__init__.py": "",
        "shop/cart/__init__.py": "",
        "shop/cart/api.py": "from shop.billing.api import charge\n",
        "shop/billing/__init__.py": "",
        "shop/billing/api.py": "def charge(x):\n    return x\n",
        "shop/billing/_ledger.py": "def post():\n    pass\n",
        ".pre-commit-config.yaml": (
            f"repos:\n  - repo: {REPO.as_posix()}\n    rev: {head}\n"
            "    hooks:\n      - id: decompose-check\n"
        ),
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    _git(root, "init", "-q", "-b", "main")
    subprocess.run(
        [str(PRE_COMMIT), "install"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    # Build the hook environment once (clone + pip install from PyPI).
    subprocess.run(
        [str(PRE_COMMIT), "install-hooks"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        timeout=900,
    )
    yield root, env


def _commit(root: Path, env: dict[str, str], msg: str) -> subprocess.CompletedProcess[str]:
    _git(root, "add", "-A")
    return subprocess.run(
        ["git", "commit", "-q", "-m", msg],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_clean_commit_passes_then_violation_and_broken_file_are_rejected(
    repo: tuple[Path, dict[str, str]],
) -> None:
    root, env = repo
    r = _commit(root, env, "clean")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "decompose check" in r.stdout + r.stderr and "Passed" in r.stdout + r.stderr

    (root / "shop/cart/checkout.py").write_text("from shop.billing._ledger import post\n")
    r = _commit(root, env, "violation")
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "shop/cart/checkout.py:1:1: DEC101" in out and "shop.billing._ledger" in out
    assert _git(root, "log", "--oneline").stdout.count("\n") == 1  # nothing committed

    (root / "shop/cart/checkout.py").write_text("from shop.billing.api import charge\n")
    (root / "shop/cart/legacy.py").write_text("print 'python 2'\n")
    r = _commit(root, env, "broken file")
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "shop/cart/legacy.py:1:" in out and "DEC001" in out
    assert "Passed" not in out

    (root / "shop/cart/legacy.py").write_text("print('python 3')\n")
    r = _commit(root, env, "fixed")
    assert r.returncode == 0, r.stdout + r.stderr
