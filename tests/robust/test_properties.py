"""Property tests: generated and mutated programs never crash a run.

Each bad file becomes facts with a located diagnostic (``path:line:col`` inside the file), and
the other files' facts are unchanged. The default run keeps the example budget small; the
``slow`` tests run a longer profile when asked
(``DECOMPOSE_FUZZ_LONG=1 pytest -m slow tests/robust``).
"""

from __future__ import annotations

import ast
import os
import random
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decompose.cache import FactCache
from decompose.discover import discover
from decompose.model import FileFacts, SourceFile
from decompose.parse import parse_file
from decompose.pipeline import collect_facts

REPO = Path(__file__).resolve().parents[2]
SEEDS = sorted((REPO / "samples" / "predictly").rglob("*.py"))[:40]
SEED_TEXTS = [p.read_bytes() for p in SEEDS if p.stat().st_size > 200]

FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
GEN = settings(FAST, max_examples=12)  # hypothesmith generation is the slow part
LONG = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
long_profile = pytest.mark.skipif(
    not os.environ.get("DECOMPOSE_FUZZ_LONG"), reason="long profile: set DECOMPOSE_FUZZ_LONG=1"
)

OTHERS = {
    "pkg/__init__.py": b"",
    "pkg/good.py": b"import os\nfrom pkg import util\n\nclass A:\n    def f(self):\n"
    b"        return util.g()\n",
    "pkg/util.py": b"def g():\n    return 1\n",
}
_baseline: dict[str, FileFacts] = {}


def check_located(facts: FileFacts, data: bytes) -> None:
    """The facts of one file are well formed and every problem is located inside it."""
    assert facts.status in ("ok", "parse_error", "decode_error", "read_error", "not_analyzed")
    if facts.status != "ok":
        assert facts.diagnostics, facts
    nlines = len(data.splitlines()) + 2  # \r, \n and \r\n end lines, as for Python
    for d in facts.diagnostics:
        assert d.code != "DEC099", d  # an internal error caught by parse_file is still a bug
        assert d.path == facts.source.relpath
        assert 1 <= d.line <= max(nlines, facts.lines + 1), (d, nlines)
        assert d.column >= 0
        assert d.code.startswith("DEC") and d.message
        d.format()  # printable
    if facts.status in ("parse_error", "decode_error"):
        assert any(d.severity == "error" for d in facts.diagnostics)


def parse_bytes(tmp: Path, data: bytes, name: str = "mod.py") -> FileFacts:
    path = tmp / name
    path.write_bytes(data)
    sf = SourceFile(name, name.removesuffix(".py"), ".", "module", False, len(data))
    facts = parse_file(sf, tmp)
    check_located(facts, data)
    return facts


def run_with_others(tmp: Path, data: bytes) -> None:
    """The bad file among good ones: a whole collect_facts run, others' facts unchanged."""
    root = tmp / "proj"
    if not root.exists():
        for rel, content in OTHERS.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(content)
    (root / "pkg" / "bad.py").write_bytes(data)
    project = discover(root)
    result = collect_facts(project, FactCache(tmp / "cache", enabled=False), jobs=1)
    by_module = {f.source.module: f for f in result.facts}
    check_located(by_module["pkg.bad"], data)
    others = {m: f for m, f in by_module.items() if m != "pkg.bad"}
    key = str(root)
    if key not in _baseline:
        (root / "pkg" / "bad.py").write_bytes(b"")
        clean = collect_facts(discover(root), FactCache(tmp, enabled=False), jobs=1)
        _baseline[key] = {f.source.module: f for f in clean.facts if f.source.module != "pkg.bad"}
    assert others == _baseline[key]


# ------------------------------------------------------------------ mutations


def truncate(data: bytes, r: random.Random) -> bytes:
    return data[: r.randrange(len(data) + 1)]


def flip_bytes(data: bytes, r: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(r.randint(1, 8)):
        if b:
            b[r.randrange(len(b))] = r.randrange(256)
    return bytes(b)


def shuffle_lines(data: bytes, r: random.Random) -> bytes:
    lines = data.split(b"\n")
    r.shuffle(lines)
    return b"\n".join(lines)


def deep_nesting(data: bytes, r: random.Random) -> bytes:
    n = r.choice([50, 200, 1000, 5000])
    kind = r.choice(["paren", "list", "call", "binop", "lambda", "if"])
    expr = {
        "paren": "(" * n + "1" + ")" * n,
        "list": "[" * n + "]" * n,
        "call": "f(" * n + ")" * n,
        "binop": "+".join(["x"] * (n * 10)),
        "lambda": "lambda: " * n + "0",
        "if": "".join(" " * i + "if x:\n" for i in range(min(n, 200))) + " " * min(n, 200) + "pass",
    }[kind]
    return (
        data + b"\nX = " + expr.encode() + b"\n"
        if kind != "if"
        else data + b"\n" + (expr.encode() + b"\n")
    )


def huge_expression(data: bytes, r: random.Random) -> bytes:
    n = r.choice([10_000, 100_000])
    return data + b"\nBIG = [" + b", ".join(b"%d" % i for i in range(n)) + b"]\n"


def mixed_encoding(data: bytes, r: random.Random) -> bytes:
    choice = r.randrange(6)
    if choice == 0:  # latin-1 bytes in a UTF-8 file
        return data + "\nNAME = 'café'\n".encode("latin-1")
    if choice == 1:  # a cookie that lies
        return b"# -*- coding: ascii -*-\n" + data + "\nX = 'é'\n".encode()
    if choice == 2:  # an unknown codec
        return b"# coding: klingon\n" + data
    if choice == 3:  # BOM plus a conflicting cookie
        return b"\xef\xbb\xbf# coding: latin-1\n" + data
    if choice == 4:  # UTF-16 without a cookie
        return data.decode("utf-8", "replace").encode("utf-16")
    return data.replace(b"\n", b"\r", r.randrange(1, 20)) + b"\x00\x00"  # CR and NUL bytes


MUTATIONS = [truncate, flip_bytes, shuffle_lines, deep_nesting, huge_expression, mixed_encoding]


@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    which=st.sampled_from(MUTATIONS),
    base=st.sampled_from(range(len(SEED_TEXTS))),
)
def test_mutated_real_files_never_crash(
    tmp_path: Path, seed: int, which: object, base: int
) -> None:
    r = random.Random(seed)
    data = which(SEED_TEXTS[base], r)  # type: ignore[operator]
    parse_bytes(tmp_path, data)


@FAST
@given(seed=st.integers(0, 2**32 - 1), which=st.sampled_from(MUTATIONS))
def test_a_bad_file_leaves_the_other_files_facts_alone(
    tmp_path: Path, seed: int, which: object
) -> None:
    r = random.Random(seed)
    data = which(SEED_TEXTS[seed % len(SEED_TEXTS)], r)  # type: ignore[operator]
    run_with_others(tmp_path, data)


@GEN
@given(source=hypothesmith.from_grammar())
def test_generated_programs_never_crash(tmp_path: Path, source: str) -> None:
    data = source.encode("utf-8", "surrogatepass")
    facts = parse_bytes(tmp_path, data)
    try:
        ast.parse(source)
        valid = True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        valid = False
    if valid:
        # Valid Python for this interpreter is read without a syntax diagnostic.
        assert facts.status == "ok", facts.diagnostics


@GEN
@given(source=hypothesmith.from_node())
def test_generated_valid_modules_are_read_cleanly(tmp_path: Path, source: str) -> None:
    facts = parse_bytes(tmp_path, source.encode("utf-8", "surrogatepass"))
    assert facts.status == "ok", facts.diagnostics


@FAST
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    parse_bytes(tmp_path, data)


@FAST
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_as_a_notebook_never_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(data)
    sf = SourceFile("nb.ipynb", "nb.ipynb", ".", "notebook", False, len(data))
    check_located(parse_file(sf, tmp_path), data)


def test_the_worst_inputs_we_know(tmp_path: Path) -> None:
    """Fixed regressions: each one crashed a parser somewhere (recursion, memory, codecs)."""
    worst = [
        b"(" * 100_000,
        b"x = " + b"-" * 200_000 + b"1\n",
        b"f" + b"()" * 50_000 + b"\n",
        b"a" + b".b" * 100_000 + b"\n",
        b"x = " + b"not " * 100_000 + b"1\n",
        b"def f():\n" + b"".join(b" " * i + b"if x:\n" for i in range(1, 120)),
        b"\xff\xfe\x00\x00",
        b"# coding: utf-16\nx = 1\n",
        b"\x00" * 1000,
        b"class A(" + b"B, " * 10_000 + b"): pass\n",
        b"from " + b"." * 10_000 + b" import x\n",
        b"import " + b"a." * 50_000 + b"b\n",
        b"s = '''" + b"x" * 1_000_000,
        # found by bench/fuzz_atheris.py: old-Mac line ends (CR only), error on line 4
        b"import os\rdef f():\r    return 1\r      x = 2\r",
    ]
    for i, data in enumerate(worst):
        parse_bytes(tmp_path, data, f"w{i}.py")
    run_with_others(tmp_path, worst[0])


@pytest.mark.slow
@long_profile
@LONG
@given(
    seed=st.integers(0, 2**32 - 1),
    which=st.sampled_from(MUTATIONS),
    base=st.sampled_from(range(len(SEED_TEXTS))),
)
def test_mutations_long(tmp_path: Path, seed: int, which: object, base: int) -> None:
    data = which(SEED_TEXTS[base], random.Random(seed))  # type: ignore[operator]
    run_with_others(tmp_path, data)


@pytest.mark.slow
@long_profile
@LONG
@given(source=hypothesmith.from_grammar())
def test_generated_programs_long(tmp_path: Path, source: str) -> None:
    run_with_others(tmp_path, source.encode("utf-8", "surrogatepass"))
