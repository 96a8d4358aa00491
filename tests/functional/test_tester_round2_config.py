"""Tester round 2, finding 13: configuration validation gaps (a service layer without
``layers``, duplicate layers) and one-line errors when there is one problem."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import MakeProject

from decompose.cli import main
from decompose.config import parse_config
from decompose.errors import ConfigError

PKG: dict[str, str | bytes] = {"app/__init__.py": "", "app/auth/__init__.py": ""}


def test_layer_without_layers_exits_2_on_one_line(make_project: MakeProject) -> None:
    root = make_project(
        {**PKG, "decompose.toml": '[services.auth]\nmodules = ["app.auth.*"]\nlayer = "zzz"\n'}
    )
    r = CliRunner().invoke(main, ["check", str(root)])
    assert r.exit_code == 2
    first = r.stderr.splitlines()[0]
    assert "decompose.toml" in first
    assert "services.auth.layer: no `layers` are defined" in first


def test_duplicate_layers_refused() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"layers": ["web", "domain", "web"]})
    assert err.value.problems == ["layers: 'web' is listed 2 times"]
    # several problems: a header that says how many, one problem per line
    with pytest.raises(ConfigError) as err2:
        parse_config(
            {"layers": ["web", "web"], "services": {"a": {"modules": ["x"], "layer": "wbe"}}},
            "decompose.toml",
        )
    lines = str(err2.value).splitlines()
    assert lines[0] == "invalid configuration in decompose.toml (2 problems):"
    assert len(lines) == 3


def test_valid_layers_still_accepted() -> None:
    cfg = parse_config(
        {"layers": ["web", "domain"], "services": {"a": {"modules": ["x"], "layer": "domain"}}}
    )
    assert cfg.layers == ("web", "domain") and cfg.services[0].layer == "domain"
