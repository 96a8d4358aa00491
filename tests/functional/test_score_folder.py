"""`decompose score PROPOSAL REFERENCE`: either side may be a project folder (its package
structure), as the help says (tester6 J3: a folder as PROPOSAL was rejected by click)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import MakeProject

from decompose.cli import main

SHOP = {
    "shop/__init__.py": "",
    "shop/config.py": "X = 1\n",
    "shop/orders/__init__.py": "",
    "shop/orders/models.py": "",
    "shop/orders/views.py": "from shop.orders import models\n",
    "shop/users/__init__.py": "",
    "shop/users/models.py": "",
}


def test_a_folder_is_accepted_as_proposal_and_scores_like_the_reverse_direction(
    make_project: MakeProject, runner: CliRunner
) -> None:
    root = make_project(SHOP)
    prop = root.parent / "p.json"
    # orders.views misplaced into users: one move away from the package structure
    prop.write_text(
        json.dumps(
            {
                "services": {
                    "a": ["shop.orders", "shop.orders.models"],
                    "b": ["shop.users", "shop.users.models", "shop.orders.views"],
                    "c": ["shop", "shop.config"],
                }
            }
        )
    )
    res = runner.invoke(main, ["score", str(root), str(prop), "--format", "json"])
    assert res.exit_code == 0, res.output
    folder_first = json.loads(res.output)
    res = runner.invoke(main, ["score", str(prop), str(root), "--format", "json"])
    assert res.exit_code == 0, res.output
    file_first = json.loads(res.output)
    # the folder is its package structure on either side: the two directions swap
    assert folder_first["proposal_services"] == file_first["reference_services"] == 3
    assert folder_first["mojofm"] == file_first["mojofm_reverse"]
    assert folder_first["mojofm_reverse"] == file_first["mojofm"]
    assert folder_first["common_modules"] == 7
    # a folder against itself is a perfect match
    res = runner.invoke(main, ["score", str(root), str(root), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["mojofm"] == 100.0


def test_a_missing_proposal_path_is_still_a_usage_error(
    make_project: MakeProject, runner: CliRunner
) -> None:
    root = make_project(SHOP)
    res = runner.invoke(main, ["score", str(root / "nope"), str(root)])
    assert res.exit_code == 2 and "does not exist" in res.output


def test_modules_on_one_side_only_are_named(make_project: MakeProject, runner: CliRunner) -> None:
    """Only common modules are scored; the ones a side lacks are named, not just counted."""
    root = make_project(SHOP)
    prop = root.parent / "p.json"
    prop.write_text(
        json.dumps({"services": {"a": ["shop.orders.models", "shop.legacy.old"], "b": ["shop.x"]}})
    )
    res = runner.invoke(main, ["score", str(prop), str(root), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["proposal_only"] == 2 and doc["proposal_only_modules"] == [
        "shop.legacy.old",
        "shop.x",
    ]
    assert "shop.users.models" in doc["reference_only_modules"]
    text = runner.invoke(main, ["score", str(prop), str(root)]).output
    assert "proposal_only_modules: shop.legacy.old, shop.x" in text
