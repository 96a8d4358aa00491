"""Tester 3, finding N10: ``--move`` edge cases. One module pattern moved twice is an error
naming both moves; malformed module patterns and service names are refused (exit 2);
``SERVICE=kernel`` moves modules into the shared kernel (documented), and modules can move out
of it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import MakeProject

from decompose.cli import main
from decompose.decision import parse_moves
from decompose.errors import UsageError


def test_same_module_twice_names_both() -> None:
    with pytest.raises(UsageError) as err:
        parse_moves(["app.email=auth", "app.x=y", " app.email = user"])
    msg = str(err.value)
    assert "'app.email=auth'" in msg and "' app.email = user'" in msg and "both move" in msg


@pytest.mark.parametrize(
    "mv",
    ["a b/../c=x", "app..x=y", ".app=y", "app.=y", "app/x=y", "app.x=a b/../c", "app.x=1st"],
)
def test_malformed_moves_refused(mv: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_moves([mv])
    assert repr(mv) in str(err.value) and "\n" not in str(err.value)


def test_well_formed_moves_accepted() -> None:
    got = parse_moves(["app.*=kernel", "app.migrations.0001_initial=db", "app.ui-kit.?=größe"])
    assert got == [
        ("app.*", "kernel"),
        ("app.migrations.0001_initial", "db"),
        ("app.ui-kit.?", "größe"),
    ]


APP: dict[str, str | bytes] = {
    "app/__init__.py": "",
    **{f"app/{p}/__init__.py": "" for p in ("orders", "users", "mail")},
    **{
        f"app/{p}/m{i}.py": f"from app.{p} import m{(i + 1) % 3}\nfrom app.mail import m0\n"
        for p in ("orders", "users")
        for i in range(3)
    },
    **{f"app/mail/m{i}.py": f"from app.mail import m{(i + 1) % 3}\n" for i in range(3)},
}


def _analyze(root: object, out: object, *moves: str) -> tuple[int, str]:
    args = ["analyze", str(root), "--out", str(out), "--no-history", "-q"]
    for mv in moves:
        args += ["--move", mv]
    r = CliRunner().invoke(main, args)
    return r.exit_code, r.stderr


def test_cli_refuses_bad_moves(make_project: MakeProject, tmp_path: object) -> None:
    root = make_project(APP)
    code, err = _analyze(root, root / "o", "app.mail.m0=a", "app.mail.m0=b")
    assert code == 2 and "both move 'app.mail.m0'" in err
    code, err = _analyze(root, root / "o", "app.mail.m0=a b/../c")
    assert code == 2 and "not a valid service name" in err
    assert not (root / "o").exists()


def test_move_into_and_out_of_the_kernel(make_project: MakeProject) -> None:
    root = make_project(APP)
    code, err = _analyze(root, root / "o", "app.orders.m1=kernel")
    assert code == 0, err
    prop = json.loads((root / "o/proposal.json").read_text())
    assert "app.orders.m1" in prop["kernel"]
    held = [n for n, s in prop["services"].items() if "app.orders.m1" in s["modules"]]
    assert held == ["kernel"]  # proposal.json lists the kernel among the services, as always
    assert "app.orders.m1" in (root / "o/boundaries.toml").read_text().split("[services")[0]
    assert prop["extras"]["decision"]["what_if"]["moves"] == ["app.orders.m1=kernel"]
    # and back out: a kernel module moved to a service leaves the kernel
    root2 = make_project(
        {**APP, "pyproject.toml": '[tool.decompose.analyze]\nkernel = ["app.mail.*"]\n'}
    )
    code, err = _analyze(root2, root2 / "o", "app.mail.m2=billing")
    assert code == 0, err
    prop2 = json.loads((root2 / "o/proposal.json").read_text())
    assert "app.mail.m0" in prop2["kernel"] and "app.mail.m2" not in prop2["kernel"]
    assert prop2["services"]["billing"]["modules"] == ["app.mail.m2"]


NOTEBOOK = (
    '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, '
    '"source": ["from app.mail.m0 import x\\n"]}], "metadata": {}, "nbformat": 4, '
    '"nbformat_minor": 5}'
)


@pytest.mark.parametrize("mv", ["../x.ipynb=lab", "nb/../x.ipynb=lab", "nb/x.py=lab"])
def test_notebook_paths_must_name_notebooks(mv: str) -> None:
    with pytest.raises(UsageError):
        parse_moves([mv])


def test_notebooks_can_be_moved(make_project: MakeProject) -> None:
    """Notebooks are nodes named by their path (``notebooks/explore.ipynb``); ``--move`` takes
    that name, or ``notebooks/*``, like any module pattern."""
    root = make_project({**APP, "notebooks/explore one.ipynb": NOTEBOOK})
    for mv in ("notebooks/explore one.ipynb=lab", "notebooks/*=lab"):
        code, err = _analyze(root, root / "o", mv)
        assert code == 0, err
        prop = json.loads((root / "o/proposal.json").read_text())
        assert prop["services"]["lab"]["modules"] == ["notebooks/explore one.ipynb"]
