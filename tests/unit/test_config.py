"""Configuration: strict validation, every problem at once with its key path, suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from decompose.config import Config, load_config, parse_config
from decompose.errors import ConfigError


def test_defaults_when_no_config(tmp_path: Path) -> None:
    assert load_config(tmp_path) == Config()


def test_reads_tool_decompose_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.decompose]\nroots = ["src"]\n'
        "[tool.decompose.analyze]\nseed = 7\nresolution = 1.5\n"
    )
    cfg = load_config(tmp_path)
    assert cfg.roots == ("src",)
    assert cfg.analyze.seed == 7
    assert cfg.analyze.resolution == 1.5


def test_decompose_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.decompose]\nroots = ['a']\n")
    (tmp_path / "decompose.toml").write_text("roots = ['b']\n")
    assert load_config(tmp_path).roots == ("b",)


def test_every_problem_reported_with_key_path_and_suggestion() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(
            {
                "rots": ["src"],
                "analyze": {"sead": 1, "resolution": -1, "algorithm": "leidn"},
                "check": {"rules": {"DEC101": "loud"}},
                "services": {"a": {"modules": ["x.*"], "depends_on": ["bb"]}, "b": {}},
            },
            "decompose.toml",
        )
    problems = err.value.problems
    text = "\n".join(problems)
    assert "rots: unknown key (did you mean 'roots'?)" in text
    assert "analyze.sead: unknown key (did you mean 'seed'?)" in text
    assert "analyze.resolution: must be > 0" in text
    assert "analyze.algorithm" in text and "did you mean 'leiden'" in text
    assert "check.rules.DEC101: severity must be one of error, warn, off" in text
    assert "services.a.depends_on: unknown service 'bb'" in text
    assert "services.b.modules: required" in text
    assert len(problems) == 7
    assert "decompose.toml" in str(err.value)


def test_type_errors_are_reported() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"roots": "src", "include_notebooks": "yes", "jobs": -1})
    text = "\n".join(err.value.problems)
    assert "roots: expected list[str]" in text
    assert "include_notebooks: expected bool" in text


def test_weights_validated_and_merged_with_defaults() -> None:
    cfg = parse_config({"analyze": {"weights": {"call": 2}}})
    assert cfg.analyze.weights["call"] == 2.0
    assert cfg.analyze.weights["import"] == 1.0
    with pytest.raises(ConfigError) as err:
        parse_config({"analyze": {"weights": {"cal": 2, "import": -1}}})
    text = "\n".join(err.value.problems)
    assert "analyze.weights.cal: unknown edge kind (did you mean 'call'?)" in text
    assert "analyze.weights.import: expected a number >= 0" in text


def test_invalid_toml_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "decompose.toml").write_text("roots = [\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert "invalid TOML" in str(err.value)
