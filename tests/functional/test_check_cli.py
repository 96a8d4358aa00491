"""``decompose check`` and ``decompose adopt`` through the CLI on tiny projects."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from click.testing import CliRunner
from conftest import REPO, SAMPLES, MakeProject, copy_case

from decompose.cli import main

CONTRACT = """
[tool.decompose]
kernel = ["shop", "shop.util"]
[tool.decompose.services.cart]
modules = ["shop.cart.*"]
interface = ["shop.cart.api"]
depends_on = ["billing"]
[tool.decompose.services.billing]
modules = ["shop.billing.*"]
interface = ["shop.billing.api:charge"]
depends_on = []
"""
FILES: dict[str, str | bytes] = {
    "pyproject.toml": CONTRACT,
    "shop/__init__.py": "",
    "shop/util.py": "",
    "shop/cart/__init__.py": "",
    "shop/cart/api.py": "def add(x):\n    return x\n",
    "shop/cart/checkout.py": "from shop.billing.api import charge\n",
    "shop/billing/__init__.py": "",
    "shop/billing/api.py": "def charge(x):\n    return x\n",
    "shop/billing/ledger.py": "def post():\n    pass\n",
}
VIOLATION = "from shop.billing.api import charge\nfrom shop.billing.ledger import post\n"


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    r = runner.invoke(main, ["check", *args])
    return r.exit_code, r.stdout, r.stderr


def test_clean_exit_0(make_project: MakeProject) -> None:
    root = make_project(FILES)
    code, out, err = invoke(CliRunner(), str(root))
    assert (code, out) == (0, "")
    assert "passed" in err


def test_violation_exit_1_text_clickable_from_cwd(make_project: MakeProject) -> None:
    root = make_project({**FILES, "shop/cart/checkout.py": VIOLATION})
    code, out, _ = invoke(CliRunner(), str(root))
    assert code == 1
    assert out.splitlines() == [
        f"{root.as_posix()}/shop/cart/checkout.py:2:1: DEC101 shop.cart.checkout imports name "
        "shop.billing.ledger:post, which is not in the interface of service 'billing'"
    ]


def test_formats(make_project: MakeProject) -> None:
    root = make_project({**FILES, "shop/cart/checkout.py": VIOLATION})
    runner = CliRunner()
    code, out, _ = invoke(runner, str(root), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["errors"] == 1 and not doc["summary"]["passed"]
    assert doc["diagnostics"][0]["key"]["dst"] == "shop.billing.ledger:post"
    code, out, _ = invoke(runner, str(root), "--format", "sarif")
    assert code == 1 and json.loads(out)["runs"][0]["results"][0]["ruleId"] == "DEC101"
    code, out, _ = invoke(runner, str(root), "--format", "github")
    assert code == 1 and out.startswith("::error file=") and ",line=2,col=1,title=DEC101::" in out


def test_inline_ignore_with_and_without_reason(make_project: MakeProject) -> None:
    ok = VIOLATION.replace("import post", "import post  # decompose: ignore[DEC101] -- Q3")
    root = make_project({**FILES, "shop/cart/checkout.py": ok})
    code, out, err = invoke(CliRunner(), str(root))
    assert (code, out) == (0, "") and "1 ignored inline" in err
    bare = VIOLATION.replace("import post", "import post  # decompose: ignore[DEC101]")
    root = make_project({**FILES, "shop/cart/checkout.py": bare})
    code, out, _ = invoke(CliRunner(), str(root))
    assert code == 1 and "DEC190" in out and "DEC101" not in out.split("DEC190")[1][:5]
    unused = FILES["shop/cart/checkout.py"] + "x = 1  # decompose: ignore[DEC102] -- old\n"
    root = make_project({**FILES, "shop/cart/checkout.py": unused})
    code, out, _ = invoke(CliRunner(), str(root))
    assert code == 0 and "DEC191 unused ignore: no DEC102 here" in out
    code, _, _ = invoke(CliRunner(), str(root), "--strict")
    assert code == 1  # warnings fail under --strict


def test_select_ignore_and_severity_config(make_project: MakeProject) -> None:
    root = make_project({**FILES, "shop/cart/checkout.py": VIOLATION})
    runner = CliRunner()
    assert invoke(runner, str(root), "--ignore", "DEC101")[0] == 0
    assert invoke(runner, str(root), "--select", "DEC102")[0] == 0
    assert invoke(runner, str(root), "--select", "E999")[0] == 2
    warn = CONTRACT.replace(
        "[tool.decompose]\n", '[tool.decompose]\ncheck = {rules = {DEC101 = "warn"}}\n'
    )
    root2 = make_project({**FILES, "pyproject.toml": warn, "shop/cart/checkout.py": VIOLATION})
    code, out, _ = invoke(runner, str(root2))
    assert code == 0 and "DEC101" in out


def test_baseline_gradual_adoption(make_project: MakeProject) -> None:
    root = make_project({**FILES, "shop/cart/checkout.py": VIOLATION})
    runner = CliRunner()
    bl = root / "baseline.json"
    assert invoke(runner, str(root), "--baseline", str(bl))[0] == 2  # missing baseline
    code, _, err = invoke(runner, str(root), "--baseline", str(bl), "--update-baseline")
    assert code == 0 and "created baseline" in err
    assert invoke(runner, str(root), "--baseline", str(bl))[0] == 0
    # line shift: still known
    (root / "shop/cart/checkout.py").write_text("\n\n" + VIOLATION)
    assert invoke(runner, str(root), "--baseline", str(bl))[0] == 0
    # a new violation fails, and --update-baseline refuses to add it
    (root / "shop/cart/api.py").write_text("from shop.billing.ledger import post\n")
    code, out, _ = invoke(runner, str(root), "--baseline", str(bl))
    assert code == 1 and "shop/cart/api.py" in out and "checkout.py" not in out
    code, out, _ = invoke(runner, str(root), "--baseline", str(bl), "--update-baseline")
    assert code == 1 and "shop/cart/api.py" in out
    assert len(json.loads(bl.read_text())["entries"]) == 1
    # fixing everything leaves a stale entry (warning), and updating shrinks the baseline
    (root / "shop/cart/api.py").write_text("")
    (root / "shop/cart/checkout.py").write_text("")
    code, out, _ = invoke(runner, str(root), "--baseline", str(bl))
    assert code == 0 and "DEC192" in out
    invoke(runner, str(root), "--baseline", str(bl), "--update-baseline")
    assert json.loads(bl.read_text())["entries"] == []


def test_syntax_error_fails_not_silently(tmp_path: Path) -> None:
    root = copy_case("11-syntax-errors-py2-conflicts", tmp_path)
    (root / "decompose.toml").write_text('[services.app]\nmodules = ["app.*"]\n')
    code, out, err = invoke(CliRunner(), str(root))
    assert code == 1
    assert "app/py2_script.py:2:" in out and "DEC001" in out
    assert "2 files not parsed" in err


def test_could_not_run_exit_2(make_project: MakeProject, tmp_path: Path) -> None:
    runner = CliRunner()
    root = make_project({"a.py": "import b\n", "b.py": ""})
    code, _, err = invoke(runner, str(root))
    assert code == 2 and "no boundaries declared" in err
    assert invoke(runner, str(tmp_path / "missing"))[0] == 2
    bad = make_project({"a.py": "", "decompose.toml": '[services.x]\nmodulez = ["a"]\n'})
    code, _, err = invoke(runner, str(bad))
    assert code == 2 and "did you mean 'modules'" in err


def test_boundaries_file_and_warm_cache(make_project: MakeProject) -> None:
    root = make_project({k: v for k, v in FILES.items() if k != "pyproject.toml"})
    b = root / "b.toml"
    b.write_text(CONTRACT.replace("[tool.decompose]\n", "").replace("tool.decompose.", ""))
    runner = CliRunner()
    first = runner.invoke(main, ["check", str(root), "--boundaries", str(b), "-v"])
    second = runner.invoke(main, ["check", str(root), "--boundaries", str(b), "-v"])
    assert first.exit_code == second.exit_code == 0
    assert "check: cold" in first.stderr and "check: warm" in second.stderr


def test_adopt_writes_decompose_toml_then_check_uses_it(
    make_project: MakeProject, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(main, ["analyze", str(SAMPLES / "layered"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    src = {
        str(p.relative_to(SAMPLES / "layered")): p.read_text()
        for p in (SAMPLES / "layered").rglob("*.py")
    }
    root = make_project(src)
    r = runner.invoke(main, ["adopt", str(root), "--from", str(out / "boundaries.toml")])
    assert r.exit_code == 0, r.output
    adopted = tomllib.loads((root / "decompose.toml").read_text())
    assert adopted["services"] == tomllib.loads((out / "boundaries.toml").read_text())["services"]
    r = runner.invoke(main, ["check", str(root)])
    assert r.exit_code in (0, 1) and "no boundaries declared" not in r.stderr
    # a second adopt never rewrites the existing file: it prints the block instead
    before = (root / "decompose.toml").read_bytes()
    r = runner.invoke(main, ["adopt", str(root), "--from", str(out / "boundaries.toml")])
    assert r.exit_code == 0 and "[services." in r.stdout and "not edited" in r.stderr
    assert (root / "decompose.toml").read_bytes() == before


def test_adopt_never_edits_pyproject(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({**FILES})
    before = (root / "pyproject.toml").read_bytes()
    b = tmp_path / "boundaries.toml"
    b.write_text('kernel = ["shop"]\n[services.x]\nmodules = ["shop.*"]\n')
    r = CliRunner().invoke(main, ["adopt", str(root), "--from", str(b)])
    assert r.exit_code == 0
    assert (root / "pyproject.toml").read_bytes() == before
    assert not (root / "decompose.toml").exists()
    assert "[tool.decompose.services.x]" in r.stdout and "kernel = " in r.stdout
    r = CliRunner().invoke(main, ["adopt", str(root), "--from", str(tmp_path / "nope.toml")])
    assert r.exit_code == 2


def test_dogfood_this_repository_passes() -> None:
    r = CliRunner().invoke(main, ["check", str(REPO)])
    assert r.exit_code == 0, r.stdout + r.stderr


def test_adopting_a_fresh_proposal_passes_today_and_fails_on_a_new_violation(
    tmp_path: Path,
) -> None:
    """adopt records today's violations (service cycles the proposal describes) in a baseline,
    so the first check is green and a new crossing is red."""
    import shutil

    from click.testing import CliRunner

    from decompose.cli import main

    repo = Path(__file__).resolve().parents[2]
    proj = tmp_path / "p"
    shutil.copytree(repo / "samples" / "predictly", proj)
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["analyze", str(proj), "--out", str(proj / "decompose-out"), "-q"]
        ).exit_code
        == 0
    )
    r = runner.invoke(main, ["adopt", str(proj)])
    assert r.exit_code == 0, r.output
    assert (proj / "decompose-baseline.json").is_file()
    assert 'baseline = "decompose-baseline.json"' in (proj / "decompose.toml").read_text()
    assert runner.invoke(main, ["check", str(proj)]).exit_code == 0
    # a new crossing into another service's non-public module is caught
    target = proj / "predictly" / "ingestion" / "loaders.py"
    if not target.exists():
        target = sorted((proj / "predictly" / "ingestion").glob("*.py"))[-1]
    target.write_text(target.read_text() + "\nfrom predictly.billing import invoices as _inv\n")
    r = runner.invoke(main, ["check", str(proj)])
    assert r.exit_code == 1, r.output


def test_tests_are_not_held_to_the_boundaries_unless_asked(make_project: MakeProject) -> None:
    # A test of the cart service uses billing's private ledger: no violation by default (as
    # `analyze`, which keeps tests out of crossings and interfaces); with exclude_tests = false
    # the test is checked like any module.
    files = {
        **FILES,
        "pyproject.toml": CONTRACT.replace(
            'modules = ["shop.cart.*"]', 'modules = ["shop.cart.*", "tests.*"]'
        ),
        "tests/__init__.py": "",
        "tests/test_cart.py": "from shop.billing.ledger import post\n",
    }
    root = make_project(files)
    code, out, _ = invoke(CliRunner(), str(root))
    assert (code, out) == (0, ""), out
    strict = files["pyproject.toml"] + "[tool.decompose.analyze]\nexclude_tests = false\n"
    (root / "pyproject.toml").write_text(strict)
    code, out, _ = invoke(CliRunner(), str(root))
    assert code == 1 and "tests/test_cart.py:1:1: DEC101" in out, out
