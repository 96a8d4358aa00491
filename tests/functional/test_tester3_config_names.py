"""Tester 3, finding N11: a service name becomes a folder, package and Compose service name
(scaffold), so the configuration refuses names that are not identifier-like, on one line with
the key path (exit 2)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import MakeProject

from decompose.cli import main
from decompose.config import parse_config
from decompose.errors import ConfigError


@pytest.mark.parametrize(
    "name", ["../../..", "a b", "", "1st", "-x", "a/b", "a.b", "a\\n", "../../../tmp/PWNED"]
)
def test_bad_service_names_refused(name: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"services": {name: {"modules": ["app.*"]}}}, "decompose.toml")
    (problem,) = err.value.problems
    assert problem.startswith("services.") and "not a valid service name" in problem
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", ["auth", "größe", "_private", "billing-api", "auth_2", "Ünï9"])
def test_identifier_like_names_accepted(name: str) -> None:
    cfg = parse_config({"services": {name: {"modules": ["app.*"]}}})
    assert [s.name for s in cfg.services] == [name]


def test_kernel_is_reserved_and_pins_are_checked() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"services": {"kernel": {"modules": ["app.*"]}}})
    assert err.value.problems == [
        "services.\"kernel\": 'kernel' is reserved for the shared kernel (list its modules in "
        "`kernel`)"
    ]
    with pytest.raises(ConfigError) as err2:
        parse_config({"analyze": {"pin": {"app.a.*": "x/../y"}}})
    assert "analyze.pin.app.a.*: 'x/../y' is not a valid service name" in str(err2.value)
    assert parse_config({"analyze": {"pin": {"app.a.*": "kernel"}}}).analyze.pin


def test_check_exits_2_with_key_path(make_project: MakeProject) -> None:
    root = make_project(
        {
            "app/__init__.py": "",
            "pyproject.toml": '[tool.decompose.services."../../.."]\nmodules = ["app.*"]\n',
        }
    )
    r = CliRunner().invoke(main, ["check", str(root)])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert 'tool.decompose.services."../../..": not a valid service name' in lines[0]
