"""References that are not import statements: ``importlib.import_module`` / ``__import__`` with
literal or constant names, Django string references, Celery task names, entry points declared
in ``pyproject.toml`` / ``setup.cfg``, and Jupyter notebooks."""

from __future__ import annotations

import json
from pathlib import Path

from decompose.cache import FactCache
from decompose.config import Config
from decompose.graph import ProgramGraph
from decompose.pipeline import load_graph


def analyze(root: Path, notebooks: bool = True) -> ProgramGraph:
    cfg = Config(include_notebooks=notebooks)
    return load_graph(root, cfg, FactCache(root / ".nocache", enabled=False), jobs=1)[1]


def edges(g: ProgramGraph, kind: str) -> dict[tuple[str, str], tuple[int, str]]:
    """``{(src, dst): (line, confidence)}`` of one edge kind."""
    return {(e.src, e.dst): (e.line, e.confidence) for e in g.imports if e.kind == kind}


def calls(g: ProgramGraph) -> set[tuple[str, str, str]]:
    return {(c.src, c.dst, c.kind) for c in g.calls}


# ----------------------------------------------------------------- dynamic imports
def test_import_module_and_dunder_import_with_literals_and_constants(make_project) -> None:
    g = analyze(
        make_project(
            {
                "app/__init__.py": "",
                "app/plugins/__init__.py": "",
                "app/plugins/a.py": "",
                "app/plugins/b.py": "",
                "app/plugins/c.py": "",
                "app/plugins/d.py": "",
                "app/plugins/e.py": "",
                "app/loader.py": """
                    import importlib
                    from importlib import import_module as im
                    BACKEND = "app.plugins.c"
                    ALL = ["app.plugins.d", "app.plugins.e"]

                    def load():
                        importlib.import_module("app.plugins.a")
                        __import__("app.plugins.b")
                        im(BACKEND)
                        for name in ALL:
                            importlib.import_module(name)
                        importlib.import_module(ALL[0])
                        importlib.import_module("json")
                        importlib.import_module("app.missing")
                    """,
            }
        )
    )
    dyn = edges(g, "dynamic")
    assert dyn[("app.loader", "app.plugins.a")] == (7, "high")
    assert dyn[("app.loader", "app.plugins.b")] == (8, "high")
    assert dyn[("app.loader", "app.plugins.c")] == (9, "low")  # through a module constant
    assert dyn[("app.loader", "app.plugins.d")][1] == "low"  # a list constant, subscripted
    assert not [k for k in dyn if k[1] == "app.missing"]  # a name that names nothing here
    # `for name in ALL` is a computed name: a diagnostic, not a guess
    assert [d for d in g.diagnostics if d.code == "DEC009" and d.line == 11]
    # a dynamic name outside the project is not drawn (it may be any string)
    assert ("app.loader", "json") not in {(e.src, e.dst) for e in g.external}
    assert all(e.scope == "function" for e in g.imports if e.kind == "dynamic")


# ----------------------------------------------------------------- Django
DJANGO = {
    "shop/__init__.py": "",
    "shop/settings.py": (
        "INSTALLED_APPS = [\n    'django.contrib.auth',\n    'shop.orders',\n"
        "    'shop.billing.apps.BillingConfig',\n]\nROOT_URLCONF = 'shop.urls'\n"
    ),
    "shop/urls.py": (
        "from django.urls import include, path\n\n"
        "urlpatterns = [path('o/', include('shop.orders.urls'))]\n"
    ),
    "shop/orders/__init__.py": "",
    "shop/orders/urls.py": "",
    "shop/orders/models.py": (
        "from django.db import models\n\n\nclass Order(models.Model):\n"
        "    customer = models.ForeignKey('billing.Customer', on_delete=models.CASCADE)\n"
    ),
    "shop/billing/__init__.py": "",
    "shop/billing/apps.py": "class BillingConfig:\n    pass\n",
    "shop/billing/models.py": (
        "from django.apps import apps\n\n\nclass Customer:\n    pass\n\n\ndef orders():\n"
        "    return apps.get_model('orders', 'Order')\n"
    ),
}


def test_django_string_references(make_project) -> None:
    g = analyze(make_project(DJANGO))
    refs = edges(g, "string_ref")
    assert refs[("shop.settings", "shop.orders")] == (3, "low")  # INSTALLED_APPS entry
    assert refs[("shop.settings", "shop.billing.apps")] == (4, "low")  # AppConfig path
    assert refs[("shop.settings", "shop.urls")] == (6, "low")  # ROOT_URLCONF
    assert refs[("shop.urls", "shop.orders.urls")] == (3, "low")  # include("app.urls")
    assert refs[("shop.orders.models", "shop.billing.models")] == (5, "low")  # ForeignKey
    assert refs[("shop.billing.models", "shop.orders.models")] == (9, "low")  # get_model
    c = calls(g)
    assert ("shop.orders.models:Order", "shop.billing.models:Customer", "ref") in c
    assert ("shop.billing.models:orders", "shop.orders.models:Order", "ref") in c
    # third-party dotted strings are not first-party edges
    assert not [k for k in refs if "django" in k[1]]
    assert "string_ref" not in {e.kind for e in g.imports if e.scope != "module"}


# ----------------------------------------------------------------- Celery
def test_celery_task_names(make_project) -> None:
    g = analyze(
        make_project(
            {
                "shop/__init__.py": "",
                "shop/celery.py": "from celery import Celery\n\napp = Celery('shop')\n",
                "shop/tasks.py": (
                    "from celery import shared_task\nfrom shop.celery import app\n\n\n"
                    "@shared_task\ndef reindex():\n    pass\n\n\n"
                    "@app.task(bind=True, name='custom.notify')\ndef notify(self):\n    pass\n"
                ),
                "shop/views.py": (
                    "from celery import current_app, signature\n\n\ndef v():\n"
                    "    current_app.send_task('shop.tasks.reindex')\n"
                    "    current_app.send_task('custom.notify', args=(1,))\n"
                    "    signature('custom.notify').delay()\n"
                    "    current_app.send_task('elsewhere.unknown')\n"
                ),
            }
        )
    )
    c = {(s, d): n for (s, d, k), n in ((x[:3], x) for x in calls(g)) if k == "ref"}
    assert ("shop.views:v", "shop.tasks:reindex") in c
    assert ("shop.views:v", "shop.tasks:notify") in c  # registered under a custom name
    notify = next(x for x in g.calls if x.dst == "shop.tasks:notify" and x.kind == "ref")
    assert notify.count == 2 and notify.line == 6
    assert edges(g, "string_ref")[("shop.views", "shop.tasks")][1] == "low"
    assert not [x for x in g.calls if "unknown" in x.dst]


# ----------------------------------------------------------------- entry points
def test_entry_points_from_pyproject_and_setup_cfg(make_project) -> None:
    g = analyze(
        make_project(
            {
                "pyproject.toml": (
                    '[project]\nname = "shop"\n\n[project.scripts]\nshop = "shop.cli:main"\n'
                    'broken = "shop.nope:x"\n\n[project.entry-points."shop.plugins"]\n'
                    'bill = "shop.billing:Plugin [extra]"\nthird = "otherpkg.mod:f"\n'
                ),
                "tools/setup.cfg": (
                    "[metadata]\nname = tools\n\n[options.entry_points]\nconsole_scripts =\n"
                    "    shop-admin = shop.cli:admin\n    gone = shop.cli:missing\n"
                ),
                "shop/__init__.py": "",
                "shop/cli.py": "def main():\n    pass\n\n\ndef admin():\n    pass\n",
                "shop/billing.py": "class Plugin:\n    pass\n",
            }
        )
    )
    eps = {(e.src, e.name): e for e in g.entry_points}
    assert set(eps) == {
        ("pyproject.toml", "shop"),
        ("pyproject.toml", "bill"),
        ("tools/setup.cfg", "shop-admin"),
        ("tools/setup.cfg", "gone"),
    }
    shop = eps[("pyproject.toml", "shop")]
    assert (shop.dst, shop.line, shop.group, shop.dst_id) == (
        "shop.cli",
        5,
        "console_scripts",
        "shop.cli:main",
    )
    bill = eps[("pyproject.toml", "bill")]
    assert (bill.dst, bill.line, bill.group, bill.dst_id, bill.target) == (
        "shop.billing",
        9,
        "shop.plugins",
        "shop.billing:Plugin",
        "shop.billing:Plugin",
    )
    admin = eps[("tools/setup.cfg", "shop-admin")]
    assert (admin.dst, admin.line, admin.dst_id) == ("shop.cli", 6, "shop.cli:admin")
    dec = sorted((d.path, d.line) for d in g.diagnostics if d.code == "DEC016")
    assert dec == [("pyproject.toml", 6), ("tools/setup.cfg", 7)]
    doc = g.to_json()["entry_points"]
    assert doc[0] == {
        "src": "pyproject.toml",
        "dst": "shop.billing",
        "kind": "entry_point",
        "line": 9,
        "group": "shop.plugins",
        "name": "bill",
        "target": "shop.billing:Plugin",
        "object": "shop.billing:Plugin",
    }
    # entry points are not module edges: the metadata file is not a module
    assert not [e for e in g.imports if e.src.endswith((".toml", ".cfg"))]


# ----------------------------------------------------------------- notebooks
def notebook(*cells: str | list[str], markdown: str = "# title") -> str:
    out = [{"cell_type": "markdown", "source": markdown}]
    out += [{"cell_type": "code", "source": c, "outputs": []} for c in cells]
    return json.dumps({"cells": out, "nbformat": 4, "nbformat_minor": 5, "metadata": {}})


NB = {
    "app/__init__.py": "",
    "app/train.py": "def fit():\n    pass\n",
    "app/data.py": "def load():\n    pass\n",
    "nb/explore.ipynb": notebook(
        [
            "%matplotlib inline\n",
            "import json\n",
            "from app.train import fit\n",
            "!pip install x\n",
        ],
        "%%bash\nls -la\nimport nothing_here\n",
        "df = load_it?\nmodel = fit()\n%time fit()\nfit??\n",
        "from app import data\ndata.load()\n",
    ),
}


def test_notebooks_are_nodes_by_default_with_magics_stripped(make_project) -> None:
    g = analyze(make_project(NB))
    node = next(m for m in g.modules if m.name == "nb/explore.ipynb")
    assert (node.kind, node.status, node.path) == ("notebook", "ok", "nb/explore.ipynb")
    assert set(edges(g, "import")) >= {
        ("nb/explore.ipynb", "app.train"),
        ("nb/explore.ipynb", "app.data"),
    }
    ext = {(e.src, e.dst) for e in g.external}
    assert ("nb/explore.ipynb", "json") in ext
    assert not [e for e in ext if e[1] == "nothing_here"]  # %%bash cell is not Python
    c = calls(g)
    assert ("nb/explore.ipynb:<cell 4>", "app.train:fit", "call") in c  # cells count all cells
    assert ("nb/explore.ipynb:<cell 5>", "app.data:load", "call") in c
    assert not [d for d in g.diagnostics if d.path == "nb/explore.ipynb"]
    # nothing imports a notebook
    assert not [e for e in g.imports if e.dst.endswith(".ipynb")]


def test_include_notebooks_false_turns_them_off(make_project) -> None:
    g = analyze(make_project(NB), notebooks=False)
    assert not [m for m in g.modules if m.kind == "notebook"]
    assert not [e for e in g.imports if e.src.endswith(".ipynb")]


def test_broken_notebook_is_a_located_diagnostic(make_project) -> None:
    g = analyze(
        make_project(
            {
                **NB,
                "nb/bad.ipynb": "{not json",
                "nb/syntax.ipynb": notebook("x = 1\n", "def f(:\n    pass\n"),
            }
        )
    )
    nodes = {m.name: m.status for m in g.modules}
    assert nodes["nb/bad.ipynb"] == "parse_error" and nodes["nb/syntax.ipynb"] == "parse_error"
    (bad,) = [d for d in g.diagnostics if d.path == "nb/bad.ipynb"]
    assert bad.code == "DEC008"
    (syn,) = [d for d in g.diagnostics if d.path == "nb/syntax.ipynb"]
    assert syn.code == "DEC001" and "cell 3" in syn.message
