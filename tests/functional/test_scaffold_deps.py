"""A scaffolded service's dependencies install (tester4 finding F5).

The generated ``pyproject.toml`` listed ``social_core`` (the import name; the distribution is
``social-auth-core``), so ``pip install`` failed, and ``SQLAlchemy`` without its ``asyncio``
extra, so ``greenlet`` was missing at run time. Checked with a real ``pip install --dry-run
--no-index`` against a local wheelhouse of small stand-in wheels (no network).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from click.testing import CliRunner

from decompose.cli import main


def _wheel(wh: Path, name: str, top: str, requires: tuple[str, ...] = (), extras=()) -> None:
    """A minimal valid wheel ``name`` 1.0 providing the import package ``top``."""
    dist = name.replace("-", "_")
    info = f"{dist}-1.0.dist-info"
    meta = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0"]
    meta += [f"Provides-Extra: {e}" for e in extras]
    meta += [f"Requires-Dist: {r}" for r in requires]
    files = {
        f"{top}/__init__.py": b"",
        f"{info}/METADATA": ("\n".join(meta) + "\n").encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(wh / f"{dist}-1.0-py3-none-any.whl", "w") as z:
        for path, data in files.items():
            z.writestr(path, data)


PROJECT = {
    "pyproject.toml": """
        [project]
        name = "authy"
        version = "1.0"
        dependencies = ["social-auth-core>=1", "sqlalchemy[asyncio]>=1", "fastapi"]
    """,
    "authy/__init__.py": "",
    "authy/login.py": """
        from social_core.backends import oauth


        def backend():
            return oauth
    """,
    "authy/db.py": """
        from sqlalchemy.ext.asyncio import create_async_engine


        def engine(url):
            return create_async_engine(url)
    """,
    "authy/app.py": """
        from authy.db import engine
        from authy.login import backend


        def both(url):
            return engine(url), backend()
    """,
    "boundaries.json": json.dumps(
        {
            "services": {"login": ["authy.login"], "db": ["authy.db"], "app": ["authy.app"]},
            "shared_kernel": ["authy"],
        }
    ),
}


def test_declared_distributions_and_extras_install(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    project = make_project(PROJECT)
    out = tmp_path / "out"
    res = runner.invoke(
        main,
        ["scaffold", str(project), "--boundaries", str(project / "boundaries.json")]
        + ["--out", str(out), "--no-cache", "--no-openapi"],
    )
    assert res.exit_code == 0, res.output
    wh = tmp_path / "wheelhouse"
    wh.mkdir()
    for name in ("fastapi", "httpx", "pydantic", "uvicorn", "greenlet"):
        _wheel(wh, name, name)
    _wheel(wh, "social-auth-core", "social_core")
    _wheel(wh, "SQLAlchemy", "sqlalchemy", ('greenlet; extra == "asyncio"',), ("asyncio",))

    installs: dict[str, set[str]] = {}
    for service in ("login", "db", "app"):
        pyproject = (out / "services" / service / "pyproject.toml").read_text()
        assert "GUESSED" not in pyproject.split("[build-system]")[1], pyproject
        deps = tomllib.loads(pyproject)["project"]["dependencies"]
        reqs = tmp_path / f"{service}.txt"
        reqs.write_text("\n".join(deps) + "\n")
        run = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--quiet"]
            + ["--ignore-installed", "--find-links", str(wh), "--report", "-", "-r", str(reqs)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        report = json.loads(run.stdout)
        installs[service] = {i["metadata"]["name"].lower() for i in report["install"]}
    assert "social-auth-core" in installs["login"]
    assert {"sqlalchemy", "greenlet"} <= installs["db"]  # the asyncio extra is kept
    # a stand-in is a network call, so the caller needs neither
    assert not {"social-auth-core", "sqlalchemy"} & installs["app"]
    assert "greenlet" not in installs["login"]


def test_a_guessed_distribution_is_marked_in_the_file_and_the_report(
    make_project, runner: CliRunner, tmp_path: Path
) -> None:
    project = make_project({k: v for k, v in PROJECT.items() if k != "pyproject.toml"})
    out = tmp_path / "out"
    res = runner.invoke(
        main,
        ["scaffold", str(project), "--boundaries", str(project / "boundaries.json")]
        + ["--out", str(out), "--no-cache", "--no-openapi"],
    )
    assert res.exit_code == 0, res.output
    pyproject = (out / "services/login/pyproject.toml").read_text()
    line = next(x for x in pyproject.splitlines() if "social" in x)
    assert "# GUESSED" in line and "social_core" in line
    assert tomllib.loads(pyproject)["project"]["dependencies"]  # still valid TOML
    report = json.loads((out / "scaffold-report.json").read_text())
    assert any("social_core" in x for x in report["services"]["login"]["unsure_dependencies"])
    assert "social_core" in res.output and "guessed" in res.output
    # without a declaration, SQLAlchemy's asyncio extra still comes from the import
    db = tomllib.loads((out / "services/db/pyproject.toml").read_text())
    assert "SQLAlchemy[asyncio]" in db["project"]["dependencies"]
