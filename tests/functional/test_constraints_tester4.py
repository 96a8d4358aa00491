"""tester4 F7 and odd inputs: contradictory or empty analyze constraints, symlink aliases and
pins, conflicting CLI options. Config-only contradictions are errors (exit 2 with the key
path); those that depend on the modules found are warnings on stderr and in report.md."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from decompose.cli import main
from decompose.config import AnalyzeSettings, constraint_warnings, parse_config
from decompose.errors import ConfigError

APP = {
    "app/__init__.py": "",
    "app/api/__init__.py": "",
    "app/api/routes.py": """
        from app.ml import model

        def root():
            return model.predict()
    """,
    "app/ml/__init__.py": "",
    "app/ml/model.py": """
        from app.data import load

        def predict():
            return load.rows()
    """,
    "app/data/__init__.py": "",
    "app/data/load.py": "def rows():\n    return [1]\n",
}


def _run(runner, root: Path, *args: str):  # type: ignore[no-untyped-def]
    out = root.parent / (root.name + "-out")
    return runner.invoke(main, ["analyze", str(root), "--out", str(out), "--no-cache", *args])


def _services(root: Path) -> dict[str, str]:
    import json

    doc = json.loads((root.parent / (root.name + "-out") / "proposal.json").read_text())
    of = {m: name for name, s in doc["services"].items() for m in s["modules"]}
    return {**of, **{a: of[c] for a, c in doc.get("aliases", {}).items()}}


@pytest.mark.parametrize(
    ("analyze", "needle"),
    [
        (
            'together = [["app.ml.*", "app.api.*"]]\napart = [["app.ml.*", "app.api.*"]]',
            "analyze.apart[0] and analyze.together[0]: both list 'app.ml.*' and 'app.api.*'",
        ),
        (
            'pin = {"app.ml.*" = "ml", "app.api.*" = "api"}\n'
            'together = [["app.ml.*", "app.api.*"]]',
            "analyze.together[0]: its patterns are pinned to different services",
        ),
        (
            'pin = {"app.ml.*" = "x", "app.api.*" = "x"}\napart = [["app.ml.*", "app.api.*"]]',
            "analyze.apart[0]: 'app.ml.*' and 'app.api.*' are both pinned to 'x'",
        ),
        ('apart = [["app.ml.*"], ["app.api.*"]]', "analyze.apart[0]: one pattern keeps nothing"),
        ('kernel = ["app.data.load"]\npin = {"app.data.load" = "data"}', "also listed in"),
        ("resolution = 2.0\nservices = 2", "analyze.resolution and analyze.services"),
    ],
)
def test_config_only_contradictions_are_errors(
    runner, make_project, analyze: str, needle: str
) -> None:  # type: ignore[no-untyped-def]
    root = make_project({**APP, "decompose.toml": f"[analyze]\n{analyze}\n"})
    result = _run(runner, root)
    assert result.exit_code == 2, result.output
    assert needle in result.output


def test_pyproject_key_path_is_full() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config({"analyze": {"apart": [["a.*"]]}}, "pyproject.toml", "tool.decompose")
    assert exc.value.problems[0].startswith("tool.decompose.analyze.apart[0]:")


def test_pin_matching_nothing_warns_in_stderr_and_report(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({**APP, "decompose.toml": '[analyze]\npin = {"app.nothing.*" = "ml"}\n'})
    result = _run(runner, root)
    assert result.exit_code == 0, result.output
    msg = "analyze.pin.\"app.nothing.*\": 'app.nothing.*' matches no analyzed module"
    assert f"decompose: warning: {msg}" in result.output
    report = (root.parent / (root.name + "-out") / "report.md").read_text()
    assert "## Constraints not kept as written" in report
    assert "app.nothing" in report


def test_apart_beats_together_and_says_so(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    toml = '[analyze]\ntogether = [["app.*"]]\napart = [["app.ml.*", "app.api.*"]]\n'
    root = make_project({**APP, "decompose.toml": toml})
    result = _run(runner, root)
    assert result.exit_code == 0, result.output
    svc = _services(root)
    assert svc["app.ml.model"] != svc["app.api.routes"]
    assert "analyze.together[0]: 'app.*' ended in 2 services" in result.output
    assert "analyze.apart[0] keeps 'app.ml.*' and 'app.api.*' apart" in result.output


def test_pin_takes_its_together_group_along(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    toml = '[analyze]\npin = {"app.ml.*" = "serving"}\ntogether = [["app.ml.*", "app.api.*"]]\n'
    root = make_project({**APP, "decompose.toml": toml})
    result = _run(runner, root)
    assert result.exit_code == 0, result.output
    svc = _services(root)
    assert svc["app.ml.model"] == svc["app.api.routes"] == "serving"
    assert "warning" not in result.output


def test_most_specific_pin_wins(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    toml = '[analyze]\npin = {"app.*" = "core", "app.ml.model" = "serving"}\n'
    root = make_project({**APP, "decompose.toml": toml})
    assert _run(runner, root).exit_code == 0
    svc = _services(root)
    assert svc["app.ml.model"] == "serving"
    assert svc["app.api.routes"] == "core"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_pin_on_a_symlinked_name_follows_the_canonical_module_and_warns(
    runner, make_project
) -> None:  # type: ignore[no-untyped-def]
    # app.api.* pinned apart, so clustering cannot put the route with the model either way: the
    # test is about the app.ml.* pin matching the alias names, which must not move the files.
    pins = '[analyze]\npin = {"app.ml.*" = "ml", "app.api.*" = "api"}\n'
    root = make_project({**APP, "decompose.toml": pins})
    os.symlink("../api", root / "app" / "ml" / "api_link")
    result = _run(runner, root)
    assert result.exit_code == 0, result.output
    svc = _services(root)
    assert svc["app.ml.api_link.routes"] == svc["app.api.routes"] != "ml"
    assert "also matches app.ml.api_link" in result.output
    assert "other names (through a symlink) of app.api" in result.output


def test_apart_ignores_alias_names() -> None:
    """An alias in the first group's pattern does not drag the canonical module around."""
    s = AnalyzeSettings(apart=(("app.ml.*", "app.api.*"),))
    warns = constraint_warnings(
        s,
        {"app.ml.m": "ml", "app.ml.link.r": "api", "app.api.r": "api"},
        {"app.ml.link.r": "app.api.r"},
    )
    assert warns == []


def test_quiet_and_verbose_together_is_a_usage_error(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(APP)
    result = _run(runner, root, "-q", "-v")
    assert result.exit_code == 2
    assert "use one of -q/--quiet and -v/--verbose" in result.output


def test_services_with_resolution_is_refused(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(APP)
    result = _run(runner, root, "--services", "2", "--resolution", "3")
    assert result.exit_code == 2
    assert "use one of --services and --resolution" in result.output


def test_flag_services_overrides_config_resolution(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({**APP, "decompose.toml": "[analyze]\nresolution = 0.05\n"})
    result = _run(runner, root, "--services", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"resolution": 0.05' not in result.output


def test_negative_modularity_is_called_out(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    """tester4: a tiny project was proposed as services at Q -0.125 without a word."""
    root = make_project(APP)
    result = _run(runner, root)
    assert result.exit_code == 0, result.output
    report = (root.parent / (root.name + "-out") / "report.md").read_text()
    q_row = next(x for x in report.splitlines() if x.startswith("| modularity Q |"))
    q = float(q_row.split("|")[2].split()[0])
    assert q < 0  # the fixture: three packages in one import chain, split anyway
    assert "not as service boundaries" in q_row
    assert "note: modularity below 0" in result.output


def test_a_symlinked_folder_is_one_module_per_file_in_the_proposal(runner, make_project) -> None:  # type: ignore[no-untyped-def]
    """The symlinked copy is neither clustered, nor named after, nor counted twice (before:
    the service was named ``api_link`` and listed each route module twice)."""
    import json

    from decompose.interchange import load_partition

    root = make_project(APP)
    os.symlink("../api", root / "app" / "ml" / "api_link")
    result = _run(runner, root)
    assert result.exit_code == 0, result.output
    out = root.parent / (root.name + "-out")
    doc = json.loads((out / "proposal.json").read_text())
    listed = [m for s in doc["services"].values() for m in s["modules"]]
    assert not [m for m in listed if "api_link" in m]
    assert "api_link" not in doc["services"]
    assert doc["aliases"]["app.ml.api_link.routes"] == "app.api.routes"
    loaded = load_partition(out / "proposal.json")  # score / scaffold read the alias back
    assert loaded["app.ml.api_link.routes"] == loaded["app.api.routes"]
