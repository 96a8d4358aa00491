"""Service names say the capability (tester 4, F2/F3/F9): project-template trees are attached
like tests, migration and layer words do not name services, names are recomputed after a move."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def test_dunder_modules_never_name_a_service() -> None:
    # tester5 N4: mindsdb's root package, its __about__ and nothing else got the name ``about``
    groups = {
        0: ["shop", "shop.__about__"],
        1: ["shop.billing.tax", "shop.billing.invoice", "shop.billing.__version__"],
        2: ["shop.cli.__main__", "shop.cli.run", "shop.__version__"],
    }
    groups.update({3 + i: [f"shop.s{i}.a", f"shop.t{i}.b"] for i in range(6)})  # ``shop`` is common
    names = name_services(groups)
    assert not {"about", "version", "main"} & set(names.values())
    assert names[0] == "shop" and names[1] == "billing" and names[2] == "cli"


def test_group_of_migrations_plus_little_else_is_named_for_the_app_owning_them() -> None:
    # tester5 N5: langflow's Alembic tree + migration tooling was named after 4 ``a2a`` modules
    product = ["flow", "flow.api.utils.migration_runs", "flow.api.utils.migration_copies"]
    product += ["flow.api.v1.a2a", "flow.api.v1.a2a_utils", "flow.models.a2a"]
    migrations = [f"flow.alembic.versions.r{i:03d}" for i in range(20)] + ["flow.alembic.env"]
    other = ["flow.a2a_card", "flow.users.api", "flow.users.crud"]
    # the project's own top-level migrations now join the models they migrate
    # (_migration_home); the project's name fits a group that is the schema and little else...
    schema = ["flow", "flow.models.a2a"]
    names = name_services({0: schema, 1: other}, migrations={0: migrations})
    assert names[0] == "flow"
    # ...never a product group that also holds them (mindsdb's ``context`` became ``mindsdb``)
    names = name_services({0: product, 1: other}, migrations={0: migrations})
    assert names[0] != "flow"
    # a Django app's migrations name the app, whatever its few modules say
    app = ["site.orders.signals", "site.orders.receipts"]
    migs = [f"site.orders.migrations.{i:04d}_auto" for i in range(1, 6)]
    assert name_services({0: app}, migrations={0: migs}) == {0: "orders"}
    # a group with more product code than migrations keeps its product name
    big = [f"flow.billing.m{i}" for i in range(10)]
    assert name_services({0: big}, migrations={0: migrations[:3]}) == {0: "billing"}


def test_group_holding_the_web_application_is_named_for_it() -> None:
    # tester5: mindsdb's Flask app (api.http.initialize) and its routers were ``namespaces``
    http = ["app.api.http", "app.api.http.initialize", "app.api.http.gui"]
    http += [f"app.api.http.namespaces.n{i}" for i in range(8)] + ["app.api.http.namespaces"]
    http += ["app.utilities.config", "app.utilities.security"]
    names = name_services({0: http}, entries={"app.api.http.initialize"})
    assert names[0] == "http"
    # a top-level app factory in a group of generic odds and ends: ``app``
    odds = ["proj.main", "proj.utils.logs", "proj.utils.paths", "proj.utils.env"]
    assert name_services({0: odds}, entries={"proj.main"}) == {0: "app"}
    # a domain word that fits the group wins over the entry (langflow's ``triggers``)
    triggers = ["proj.main", *[f"proj.services.triggers.t{i}" for i in range(8)]]
    assert name_services({0: triggers}, entries={"proj.main"}) == {0: "triggers"}


def _shim_project() -> dict[str, str]:
    """A product (store, billing) and a ``legacy`` tree of compatibility shims: package
    ``__init__`` files that only re-export each other, no code of their own."""
    files = {
        "shop/__init__.py": "",
        "shop/store.py": "from shop.billing import invoice\nclass Store:\n    pass\n",
        "shop/entity.py": "from shop.store import Store\nclass Entity(Store):\n    pass\n",
        "shop/billing/__init__.py": "",
        "shop/billing/invoice.py": "def total():\n    return 1\n",
        "shop/billing/tax.py": "from shop.billing.invoice import total\nRATE = total()\n",
        "shop/legacy/__init__.py": '"""Old names."""\nfrom shop.legacy.a import *  # noqa\n',
    }
    for a, b in (("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")):
        files[f"shop/legacy/{a}/__init__.py"] = f"from shop.legacy.{b} import *  # noqa\n"
    return files


def test_group_of_packages_without_code_is_no_service(
    make_project: Callable[[dict[str, str]], Path],
) -> None:
    # tester5 N5: langflow's ``base`` = 8 re-export __init__ files (29 lines) proposed as a service
    g = _load(make_project(_shim_project()))
    for seed in (0, 1):
        of = propose(g, AnalyzeSettings(seed=seed, min_service_size=1))[0].as_dict()
        legacy = {of[m] for m in of if m.startswith("shop.legacy")}
        product = {of[m] for m in of if not m.startswith("shop.legacy")}
        assert legacy <= product  # the shims joined product services, none of their own


def test_dissolved_packages_follow_their_sub_modules(
    make_project: Callable[[dict[str, str]], Path],
) -> None:
    from decompose.partition import _dissolve_hollow

    g = _load(make_project(_shim_project()))
    assign = {m.name: 0 for m in g.modules if not m.name.startswith("shop.legacy")}
    assign["shop.billing.tax"] = assign["shop.billing.invoice"] = 1
    assign["shop.billing"] = 2  # an empty __init__ alone: its sub-modules are in group 1
    assign.update({m.name: 3 for m in g.modules if m.name.startswith("shop.legacy")})
    out = _dissolve_hollow(dict(assign), g, {}, set())
    assert out["shop.billing"] == 1
    assert set(out.values()) == {0, 1}
    # a client library (kept) or the only group left is never dissolved
    assert _dissolve_hollow(dict(assign), g, {}, {2, 3})["shop.billing"] == 2
    only = {m: 0 for m in assign if m.startswith("shop.legacy")}
    assert _dissolve_hollow(dict(only), g, {}, set()) == only


def test_top_level_migrations_join_the_models_they_migrate(make_project: Any) -> None:
    """``proj/migrations`` belongs to the whole project: its migrations go with the models they
    import, not with whatever small group the project's root ``__init__`` lands in (one edit
    moved mindsdb's root and 70 migrations with it)."""
    from decompose.pipeline import load_graph, make_cache

    files = {
        "proj/__init__.py": "from proj.cli import run\n",
        "proj/cli.py": "def run():\n    pass\n",
    }
    for pkg in ("db", "api", "jobs"):
        files[f"proj/{pkg}/__init__.py"] = ""
        for i in range(4):
            nxt = (i + 1) % 4
            files[f"proj/{pkg}/m{i}.py"] = f"from proj.{pkg} import m{nxt}\nX{i} = 1\n"
    files["proj/api/m0.py"] = "from proj.api import m1\nfrom proj.db import m0\n"
    files["proj/migrations/__init__.py"] = ""
    files["proj/migrations/versions/__init__.py"] = ""
    for i in range(6):
        files[f"proj/migrations/versions/v{i:03d}_step.py"] = "from proj.db import m1, m2\n"
    root = make_project(files)
    _, g, _ = load_graph(root, Config(), make_cache(Config(), None, True))
    of = propose(g, AnalyzeSettings())[0].as_dict()
    migs = {of[m] for m in of if ".migrations.versions.v" in m}
    assert migs == {of["proj.db.m1"]}
    assert of["proj"] not in migs or of["proj"] == of["proj.db.m1"]


def test_package_metadata_modules_are_no_service(make_project: Any) -> None:
    """The project's root ``__init__`` importing its ``__about__`` (``__version__``,
    ``__title__``...) formed a service of two modules named after the project (mindsdb)."""
    from decompose.pipeline import load_graph, make_cache

    about = '__title__ = "Shop"\n__version__ = "1.0"\n__license__ = "MIT"\n'
    files = {
        "shop/__init__.py": "from shop.__about__ import __version__\n",
        "shop/__about__.py": about,
    }
    for pkg in ("orders", "billing"):
        files[f"shop/{pkg}/__init__.py"] = ""
        for i in range(3):
            files[f"shop/{pkg}/m{i}.py"] = f"from shop.{pkg} import m{(i + 1) % 3}\nX = {i}\n"
    root = make_project(files)
    _, g, _ = load_graph(root, Config(), make_cache(Config(), None, True))
    part = propose(g, AnalyzeSettings())[0]
    services = part.services()
    assert set(services) == {"orders", "billing"}, services


def test_a_migration_tool_beside_other_features_does_not_name_the_group() -> None:
    """invokeai: the database layer, image files and style presets in one group with the
    ``shared.sqlite_migrator`` package and its 41 migrations was named ``sqlite_migrator``."""
    tool = "inv.services.shared.sqlite_migrator"
    mods = [tool, f"{tool}.impl", "inv.services.shared.sqlite", "inv.services.shared.sqlite.db"]
    mods += [f"inv.services.image_files.m{i}" for i in range(5)]
    mods += [f"inv.services.style_presets.m{i}" for i in range(4)]
    migs = [f"{tool}.migrations.migration_{i}" for i in range(20)]
    (name,) = name_services({0: mods}, migrations={0: migs}).values()
    assert name != "sqlite_migrator"
