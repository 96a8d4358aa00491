"""decompose.check: the rules on tiny projects, claims, Tarjan, the snapshot fast path."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import MakeProject, copy_case

from decompose import check as ck
from decompose import discover, partition
from decompose.cache import FactCache
from decompose.config import Config, parse_config
from decompose.diagnostics import resolve_severities
from decompose.pipeline import collect_facts


def _collect(project, cache, jobs):  # type: ignore[no-untyped-def]
    return collect_facts(project, cache, jobs).facts


def run(root: Path, toml: str, cache_dir: Path | None = None) -> list[str]:
    """``CODE path:line src -> dst`` for every finding."""
    cfg = parse_config(tomllib.loads(toml))
    cache = FactCache(cache_dir or root.parent / "cache", enabled=cache_dir is not None)
    g = ck.gather(root, cfg, cache, _collect, 1)
    sev = resolve_severities(cfg.check.rules, cfg.check.unclaimed)
    found = ck.evaluate(
        g.modules,
        cfg,
        sev,
        g.project.first_party,
        g.project.alias_roots,
        g.project.aliases,
        g.project.diagnostics,
    )
    return [
        f"{f.diagnostic.code} {f.diagnostic.path}:{f.diagnostic.line} {f.src} -> {f.dst}"
        for f in found
    ]


SHOP = {
    "shop/__init__.py": "",
    "shop/cart/__init__.py": "from shop.cart.api import add_item\n",
    "shop/cart/api.py": "def add_item(x):\n    return x\n",
    "shop/cart/_store.py": "ITEMS = []\n",
    "shop/billing/__init__.py": "",
    "shop/billing/api.py": "def charge(x):\n    return x\n\ndef _secret():\n    return 1\n",
    "shop/billing/ledger.py": "def post():\n    pass\n",
    "shop/util.py": "def slug(s):\n    return s\n",
}
CONTRACT = """
kernel = ["shop", "shop.util"]
[services.cart]
modules = ["shop.cart.*"]
interface = ["shop.cart", "shop.cart.api"]
depends_on = ["billing"]
[services.billing]
modules = ["shop.billing.*"]
interface = ["shop.billing.api:charge"]
depends_on = []
"""


def test_clean_project_has_no_findings(make_project: MakeProject) -> None:
    root = make_project(
        {
            **SHOP,
            "shop/cart/checkout.py": "from shop.billing.api import charge\n"
            "from shop.util import slug\nfrom shop.cart._store import ITEMS\n",
        }
    )
    assert run(root, CONTRACT) == []


def test_private_module_and_private_name_by_import(make_project: MakeProject) -> None:
    root = make_project(
        {
            **SHOP,
            "shop/cart/checkout.py": "from shop.billing import ledger\n"
            "from shop.billing.api import _secret, charge\n",
        }
    )
    assert run(root, CONTRACT) == [
        "DEC101 shop/cart/checkout.py:1 shop.cart.checkout -> shop.billing.ledger",
        "DEC101 shop/cart/checkout.py:2 shop.cart.checkout -> shop.billing.api:_secret",
    ]


def test_private_name_by_call_through_a_public_module(make_project: MakeProject) -> None:
    root = make_project(
        {
            **SHOP,
            "shop/cart/checkout.py": "import shop.billing.api as b\n\n\ndef go():\n"
            "    b.charge(1)\n    return b._secret()\n",
        }
    )
    assert run(root, CONTRACT) == [
        "DEC101 shop/cart/checkout.py:6 shop.cart.checkout -> shop.billing.api:_secret"
    ]
    no_calls = CONTRACT.replace("kernel =", "check = {calls = false}\nkernel =")
    assert run(root, no_calls) == []


def test_reexported_name_is_public_through_the_facade(make_project: MakeProject) -> None:
    root = make_project(
        {
            **SHOP,
            "shop/billing/__init__.py": "from shop.billing.api import charge\n",
            "shop/cart/checkout.py": "from shop.billing import charge\n",
        }
    )
    assert run(root, CONTRACT) == []


def test_undeclared_dependency_layers_and_cycle(make_project: MakeProject) -> None:
    root = make_project(
        {
            **SHOP,
            "shop/billing/refund.py": "from shop.cart.api import add_item\n",
            "shop/cart/checkout.py": "from shop.billing.api import charge\n",
        }
    )
    out = run(root, CONTRACT)
    assert "DEC102 shop/billing/refund.py:1 shop.billing.refund -> shop.cart.api" in out
    assert [x.split(" ")[0] for x in out] == ["DEC102", "DEC103"]
    assert "cart,billing" in out[1] or "billing,cart" in out[1]
    layered = CONTRACT.replace("kernel =", 'layers = ["web", "core"]\nkernel =')
    layered = layered.replace('depends_on = ["billing"]', 'depends_on = ["billing"]\nlayer = "web"')
    layered = layered.replace("depends_on = []", 'layer = "core"')
    out = run(root, layered)
    assert out[0] == "DEC103 shop/billing/refund.py:1 billing,cart -> "
    assert out[1] == "DEC105 shop/billing/refund.py:1 shop.billing.refund -> shop.cart.api"


def test_type_checking_imports_are_ignored_unless_configured(make_project: MakeProject) -> None:
    root = make_project(
        {
            **SHOP,
            "shop/cart/checkout.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from shop.billing.ledger import post\n",
        }
    )
    assert run(root, CONTRACT) == []
    strict = CONTRACT.replace("kernel =", "check = {ignore_type_checking = false}\nkernel =")
    assert run(root, strict) == [
        "DEC101 shop/cart/checkout.py:3 shop.cart.checkout -> shop.billing.ledger:post"
    ]


def test_unclaimed_ambiguous_and_stale_patterns(make_project: MakeProject) -> None:
    root = make_project({**SHOP, "shop/search.py": "", "tests/test_x.py": "import shop.search\n"})
    contract = CONTRACT + '[services.other]\nmodules = ["shop.billing.*", "shop.gone"]\n'
    out = run(root, contract)
    assert "DEC104 shop/search.py:1 shop.search -> " in out  # tests are not reported
    assert not any("tests" in x for x in out)
    assert any(
        x.startswith("DEC107 shop/billing/api.py:1 shop.billing.api -> billing,other") for x in out
    )
    assert any(x.startswith("DEC108") and "shop.gone" in x for x in out)
    off = contract.replace("kernel =", 'check = {unclaimed = "off"}\nkernel =')
    assert not any(x.startswith("DEC104") for x in run(root, off))


def test_most_specific_pattern_claims(make_project: MakeProject) -> None:
    root = make_project({**SHOP, "shop/cart/checkout.py": "from shop.billing.ledger import post\n"})
    contract = CONTRACT + (
        '[services.ledger]\nmodules = ["shop.billing.ledger"]\n'
        'interface = ["shop.billing.ledger"]\n'
    )
    out = run(root, contract)
    assert out == ["DEC102 shop/cart/checkout.py:1 shop.cart.checkout -> shop.billing.ledger"]


def test_kernel_may_not_depend_on_services(make_project: MakeProject) -> None:
    root = make_project({**SHOP, "shop/util.py": "from shop.cart.api import add_item\n"})
    assert run(root, CONTRACT) == ["DEC102 shop/util.py:1 shop.util -> shop.cart.api"]


def test_indirect_chains_on_request(make_project: MakeProject) -> None:
    files = {
        **SHOP,
        "shop/cart/checkout.py": "from shop.billing.api import charge\n",
        "shop/billing/api.py": "from shop.tax.rates import rate\n\ndef charge(x):\n    return x\n",
        "shop/tax/__init__.py": "",
        "shop/tax/rates.py": "def rate():\n    return 1\n",
    }
    root = make_project(files)
    contract = CONTRACT.replace("depends_on = []", 'depends_on = ["tax"]') + (
        '[services.tax]\nmodules = ["shop.tax.*"]\ninterface = ["shop.tax.rates"]\n'
    )
    assert run(root, contract) == []
    indirect = contract.replace("kernel =", "check = {indirect = true}\nkernel =")
    assert run(root, indirect) == ["DEC106 shop/cart/checkout.py:1 cart -> tax"]


def test_syntax_error_case_is_never_a_silent_pass(tmp_path: Path) -> None:
    root = copy_case("11-syntax-errors-py2-conflicts", tmp_path)
    out = run(root, '[services.app]\nmodules = ["app.*"]\n')
    assert sorted(x.split(" ")[:2] for x in out if x.startswith("DEC001")) == [
        ["DEC001", "app/conflict.py:2"],
        ["DEC001", "app/py2_script.py:2"],
    ]


def test_src_layout_case_resolves_edges(tmp_path: Path) -> None:
    root = copy_case("30-src-layout-not-installed", tmp_path)
    contract = (
        '[services.api]\nmodules = ["ragapp.api.*"]\ndepends_on = []\n'
        '[services.core]\nmodules = ["ragapp.services.*", "ragapp.adapters.*", "ragapp"]\n'
    )
    out = run(root, contract)
    assert out == [
        "DEC101 src/ragapp/api/routes.py:1 ragapp.api.routes -> ragapp.services.answer:answer",
        "DEC102 src/ragapp/api/routes.py:1 ragapp.api.routes -> ragapp.services.answer",
    ]


def test_zero_internal_edges_is_an_error(make_project: MakeProject) -> None:
    # Wrong roots: modules are named src.app.*, the code imports app.* -> nothing resolves.
    root = make_project(
        {
            "src/app/__init__.py": "",
            "src/app/a.py": "from app.b import f\n",
            "src/app/b.py": "from app.a import g\n",
        }
    )
    out = run(root, 'roots = ["."]\n[services.app]\nmodules = ["src.app.*"]\n')
    assert any(x.startswith("DEC020") for x in out)


def test_tarjan_matches_a_brute_force_reachability() -> None:
    succ = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    comps = ck._sccs(["a", "b", "c", "d", "e", "f"], succ)
    assert sorted(comps) == [["a", "b", "c"], ["d", "e"], ["f"]]
    assert ck._shortest_cycle("a", {"a", "b", "c"}, succ) == ["a", "b", "c", "a"]
    # deep chain: no recursion limit
    chain = {str(i): {str(i + 1)} for i in range(5000)}
    chain["5000"] = {"0"}
    assert len(ck._sccs(list(chain) + ["5000"], chain)) == 1


def test_copies_agree_with_their_sources() -> None:
    assert ck.DEFAULT_EXCLUDES == discover.DEFAULT_EXCLUDES
    assert ck.SOURCE_SUFFIXES == discover.SOURCE_SUFFIXES
    for m, p in [("a.b", "a.*"), ("a", "a.*"), ("ab", "a.*"), ("a.b.c", "a.?.c"), ("x", "x")]:
        assert ck.matches(m, p) == partition.matches(m, p)
    for m in ["tests.a", "app.test_x", "app.x_test", "conftest", "app.testing.y", "app.tester"]:
        assert ck.is_test_module(m) == partition.is_test_module(m)


def test_snapshot_warm_incremental_and_structure_change(
    make_project: MakeProject, tmp_path: Path
) -> None:
    root = make_project({**SHOP, "shop/cart/checkout.py": "from shop.billing.api import charge\n"})
    cfg = parse_config(tomllib.loads(CONTRACT))
    cache = FactCache(tmp_path / "c")
    g1 = ck.gather(root, cfg, cache, _collect, 1)
    assert (g1.mode, g1.parsed) == ("cold", len(g1.modules))
    ck.save_snapshot(g1, "k", [])
    g2 = ck.gather(root, cfg, cache, _collect, 1)
    assert (g2.mode, g2.parsed, g2.cached_result) == ("warm", 0, ())
    p = root / "shop/cart/checkout.py"
    p.write_text("from shop.billing.ledger import post\n")
    os.utime(p, ns=(p.stat().st_mtime_ns + 10**9, p.stat().st_mtime_ns + 10**9))
    g3 = ck.gather(root, cfg, cache, _collect, 1)
    assert (g3.mode, g3.parsed, g3.cached_result) == ("incremental", 1, None)
    assert g3.modules["shop.cart.checkout"].imports[0].module == "shop.billing.ledger"
    ck.save_snapshot(g3, "k", [])
    (root / "shop/cart/new.py").write_text("")
    g4 = ck.gather(root, cfg, cache, _collect, 1)
    assert "shop.cart.new" in g4.modules and g4.parsed == 1
    assert (
        ck.gather(root, cfg, FactCache(tmp_path / "c", enabled=False), _collect, 1).mode == "cold"
    )


def test_warm_check_imports_no_heavy_library(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project(
        {
            **SHOP,
            "pyproject.toml": "[tool.decompose]\n"
            + CONTRACT.replace("[services.", "[tool.decompose.services."),
        }
    )
    env = {**os.environ, "DECOMPOSE_CACHE_DIR": str(tmp_path / "c")}
    code = (
        "import sys\nfrom decompose.cli import main\n"
        "try:\n    main(['check', sys.argv[1], '-q'])\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('networkx', 'igraph', 'libcst', 'pathspec', 'decompose.parse',"
        " 'decompose.graph', 'decompose.pipeline') if m in sys.modules]\nprint(bad)\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(root)], env=env, capture_output=True, check=True
    )
    warm = subprocess.run(
        [sys.executable, "-c", code, str(root)], env=env, capture_output=True, text=True, check=True
    )
    assert warm.stdout.strip() == "[]"


@pytest.mark.parametrize("sample", ["predictly", "layered"])
def test_samples_check_without_crashing(sample: str, tmp_path: Path) -> None:
    from conftest import SAMPLES

    root = SAMPLES / sample
    cfg = Config(services=parse_config(tomllib.loads('[services.all]\nmodules = ["*"]\n')).services)
    g = ck.gather(root, cfg, FactCache(tmp_path, enabled=False), _collect, 1)
    out = ck.evaluate(g.modules, cfg, resolve_severities({}), g.project.first_party)
    assert not [f for f in out if f.diagnostic.code in ("DEC101", "DEC102", "DEC103")]


def test_scan_skips_a_virtualenv_in_the_tree_but_not_other_symlinked_folders(
    make_project: MakeProject,
) -> None:
    root = make_project({"shop/__init__.py": "", "shop/orders.py": "x = 1\n"})
    venv = root / ".venv-peers"
    (venv / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "lib" / "python3.11" / "site-packages" / "thing.py").write_text("y = 2\n")
    os.symlink(venv / "lib", venv / "lib64")
    stats, _, links, _ = ck._scan(root)
    assert not links, "a virtualenv's lib64 symlink must not switch the snapshot off"
    assert "shop/orders.py" in stats
    assert not any(k.startswith(".venv-peers") for k in stats)
    # a symlinked folder elsewhere still does (its target may change under us)
    other = root / "shared_src"
    other.mkdir()
    os.symlink(other, root / "shop" / "linked")
    assert ck._scan(root)[2]
