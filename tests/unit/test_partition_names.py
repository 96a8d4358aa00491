"""Service names say the capability (tester 4, F2/F3/F9): project-template trees are attached
like tests, migration and layer words do not name services, names are recomputed after a move."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from decompose.config import AnalyzeSettings, Config
from decompose.model import Partition
from decompose.partition import name_services, propose


def _load(root: Path):  # type: ignore[no-untyped-def]
    from decompose.pipeline import load_graph, make_cache

    cfg = Config()
    _, g, _ = load_graph(root, cfg, make_cache(cfg, None, True))
    return g


def _feature_project() -> dict[str, str]:
    """A product (store + server + billing) and a ``templates`` tree of eight starter-project
    files, as ``feast init`` ships: they import the product, the product never imports them."""
    files = {
        "shop/__init__.py": "",
        "shop/store.py": "from shop import entity\nclass Store:\n    pass\n",
        "shop/entity.py": "class Entity:\n    pass\n",
        "shop/server.py": "from shop.store import Store\nfrom shop.entity import Entity\n",
        "shop/billing/__init__.py": "",
        "shop/billing/invoice.py": "from shop.billing import tax\n",
        "shop/billing/tax.py": "from shop.billing import invoice\n",
        "shop/billing/ledger.py": "from shop.billing import invoice, tax\n",
        "shop/templates/__init__.py": "",
    }
    for name in ("aws", "gcp", "local", "minimal"):
        files[f"shop/templates/{name}/__init__.py"] = ""
        files[f"shop/templates/{name}/repo/__init__.py"] = ""
        files[f"shop/templates/{name}/repo/definitions.py"] = (
            "from shop.store import Store\nfrom shop.entity import Entity\n"
            f"from shop.templates.{name}.repo import workflow\n"
        )
        files[f"shop/templates/{name}/repo/workflow.py"] = (
            f"from shop.store import Store\nfrom shop.templates.{name}.repo import definitions\n"
        )
    return files


def test_template_tree_is_attached_to_the_code_it_uses_and_names_nothing(
    make_project: Callable[[dict[str, str]], Path],
) -> None:
    from decompose.partition import template_modules

    g = _load(make_project(_feature_project()))
    tpl = template_modules(g)
    assert "shop.templates.aws.repo.definitions" in tpl and "shop.templates" in tpl
    assert "shop.store" not in tpl
    names = set()
    for seed in (0, 1, 2):
        part, _ = propose(g, AnalyzeSettings(seed=seed))
        of = part.as_dict()
        assert "templates" not in of.values()
        assert of["shop.templates.aws.repo.definitions"] == of["shop.store"]
        names.add(tuple(sorted(set(of.values()))))
    assert len(names) == 1  # the same names whatever the seed


def test_a_templates_package_the_product_imports_is_product_code(
    make_project: Callable[[dict[str, str]], Path],
) -> None:
    from decompose.partition import template_modules

    files = _feature_project()
    files["shop/server.py"] += "from shop.templates.aws.repo import definitions\n"
    g = _load(make_project(files))
    assert not any(m.startswith("shop.templates.aws") for m in template_modules(g))
    # a module named templates.py (jinja strings) is no template tree either
    g2 = _load(make_project({"web/__init__.py": "", "web/templates.py": "PAGE = ''\n"}))
    assert template_modules(g2) == frozenset()


def test_migration_folder_never_names_the_app_core() -> None:
    names = name_services(
        {
            0: ["app.alembic", "app.alembic.env", "app.settings", "app.logging_setup"],
            1: ["app.users.api", "app.users.models", "app.users.crud"],
        }
    )
    assert names[0] not in ("alembic", "migrations")
    assert names[1] == "users"


def test_package_that_coincides_with_the_group_names_it_not_its_largest_subpackage() -> None:
    mcp = ["app.server.mcp", "app.server.mcp.tools", "app.server.mcp.skills"]
    mcp += ["app.server.mcp.sql"] + [f"app.server.mcp.sql.s{i}" for i in range(5)]
    other = [f"app.server.api.r{i}" for i in range(5)]
    names = name_services({0: mcp, 1: other})
    assert names[0] == "mcp"


def test_slice_of_a_layer_package_is_named_by_its_domain_word() -> None:
    types = "app.server.api.types"
    slice_ = [f"{types}.Dataset", f"{types}.DatasetVersion", f"{types}.Experiment"]
    slice_ += [f"{types}.ExperimentRun", f"{types}.ExperimentComparison"]
    slice_ += ["app.server.api.routers.experiments"]
    rest = [f"{types}.{t}" for t in ("Span", "SpanEvent", "Trace", "TraceTree", "Project")]
    rest += [f"{types}.{t}" for t in ("User", "UserRole", "Annotation", "Cost", "Model")]
    rest += [f"app.server.api.routers.r{i}" for i in range(10)]
    names = name_services({0: slice_, 1: rest})
    assert names[0] == "experiment"
    # a group that is the whole layer package keeps the package's name
    assert name_services({0: ["app.api", "app.api.app", "app.api.deps", "app.main"]}) == {0: "api"}


def test_move_renames_a_service_whose_name_no_longer_fits() -> None:
    from decompose.decision import apply_moves

    of = {f"shop.templates.t{i}": "templates" for i in range(5)}
    of.update({m: "templates" for m in ("shop.store", "shop.store.online", "shop.entity")})
    of.update({"shop.billing.tax": "billing", "shop.billing.invoice": "billing"})
    part = Partition(
        assignment=tuple(sorted(of.items())),
        algorithm="leiden",
        seed=0,
        resolution=1.0,
        kernel=(),
    )
    moved = apply_moves(part, [("shop.templates.*", "kernel")]).as_dict()
    by: dict[str, set[str]] = defaultdict(set)
    for m, s in moved.items():
        by[s].add(m)
    assert "templates" not in by
    assert moved["shop.store"] == "store"
    assert by["billing"] == {"shop.billing.tax", "shop.billing.invoice"}  # untouched
    assert moved["shop.templates.t0"] == "kernel"
