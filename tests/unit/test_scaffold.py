"""Unit tests for the scaffold: names, module analysis, shims, payload checks and the runtime
codec (rendered from its template and imported)."""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import os
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from decompose.scaffold import (
    _field_type,
    distribution_of,
    env_vars,
    importable,
    safe_service_name,
    templates_dir,
)
from decompose.scaffold_payload import check_function, classify
from decompose.scaffold_rewrite import (
    analyze_module,
    imported_modules,
    make_shim,
    mutated_names,
    proxy_state,
    used_names,
)

STORE = textwrap.dedent('''
    """Store."""
    from typing import TYPE_CHECKING

    import pandas as pd
    from fastapi import APIRouter, Request

    from pkg.spec import SPEC
    from pkg.util import helper

    if TYPE_CHECKING:
        from pkg.meta import Meta

    try:
        import joblib
    except ImportError:
        joblib = None

    LIMIT = 10
    NAMES = ("a", "b")
    PLANS = {"free": 1}
    _CACHE = {}
    HANDLERS = {"x": helper}
    router = APIRouter(prefix="/items")


    class Box:
        def __init__(self, df: pd.DataFrame):
            self.df = df


    def load(name, spec=SPEC, *, fresh=False) -> "Meta":
        """Load it."""
        if name in _CACHE:
            return _CACHE[name]
        return joblib.load(name)


    def deco(tag):
        def wrap(fn):
            return fn
        return wrap


    def who(request: Request):
        return request.state.user


    def rows(n):
        yield from range(n)


    @router.get("/{name}")
    def get_item(name: str):
        return load(name)


    _CACHE["warm"] = 1
''')


def test_safe_service_name_is_a_plain_unique_identifier() -> None:
    assert safe_service_name("Data Science") == "data_science"
    assert safe_service_name("../../etc") == "etc"
    assert safe_service_name('x"; import os #') == "x_import_os"
    assert safe_service_name("9lives") == "s_9lives"
    assert safe_service_name("") == "service"
    assert safe_service_name("data", ["data"]) == "data_2"
    for hostile in ("../x", "a/b", "ü", "$(rm -rf /)", "x" * 200):
        name = safe_service_name(hostile)
        assert name.isidentifier() and name.isascii() and len(name) <= 43


def test_importable_rejects_keywords_and_punctuation() -> None:
    assert importable("pkg.mod")
    assert not importable("pkg.class")
    assert not importable("pkg.not-valid")
    assert not importable("")


def test_analyze_module_classifies_the_top_level() -> None:
    info = analyze_module(STORE, mutated_names(STORE))
    assert info.variables["LIMIT"] == "value"
    assert info.variables["NAMES"] == "value"
    assert info.variables["PLANS"] == "value"  # a literal that nothing mutates: a constant
    assert info.variables["_CACHE"] == "state"  # mutated at module level
    assert info.variables["HANDLERS"] == "reference"
    assert info.variables["router"] == "router" and info.routers == {"router": "/items"}
    assert info.functions["get_item"].routes == (("GET", "/{name}"),)
    assert info.functions["load"].local_reason == ""
    assert "returns a function" in info.functions["deco"].local_reason
    assert "Request" in info.functions["who"].local_reason
    assert "generator" in info.functions["rows"].local_reason
    assert info.functions["load"].return_calls == ("joblib.load",)
    assert [p.kind for p in info.functions["load"].params] == ["normal", "normal", "kwonly"]


def test_shim_keeps_names_and_signatures_and_calls_the_owner() -> None:
    info = analyze_module(STORE, mutated_names(STORE))
    code, stubs, proxies, local = make_shim(STORE, "pkg.store", "data", info, "service")
    tree = ast.parse(code)
    assert stubs == ["load"]
    assert proxies == ["_CACHE"]
    assert sorted(local) == ["deco", "rows", "who"]
    fns = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert "get_item" not in fns  # routes are served by the owner, through the gateway
    assert ast.unparse(fns["load"].args) == "name, spec=SPEC, *, fresh=False"
    assert 'call("data", "pkg.store", "load", locals())' in code
    assert '_CACHE = _decompose_rt.Remote("data", "pkg.store", "_CACHE")' in code
    assert "class Box" in code and "LIMIT = 10" in code
    assert '_CACHE["warm"]' not in code  # module-level side effects stay with the owner
    # imports nothing uses any more are pruned, the ones still used are kept
    assert "import joblib" not in code and "TYPE_CHECKING" in code and "import pandas" in code
    assert "from pkg.util import helper" in code  # HANDLERS refers to it


def test_gateway_shim_forwards_routes() -> None:
    info = analyze_module(STORE, mutated_names(STORE))
    code, *_ = make_shim(STORE, "pkg.store", "data", info, "gateway")
    tree = ast.parse(code)
    fn = next(n for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "get_item")
    assert ast.unparse(fn.decorator_list[0]) == "router.get('/{name}')"
    assert 'forward("data", request)' in code


def test_shim_code_is_pyflakes_clean(tmp_path: Path) -> None:
    import subprocess

    info = analyze_module(STORE, mutated_names(STORE))
    for flavor in ("service", "gateway"):
        code, *_ = make_shim(STORE, "pkg.store", "data", info, flavor)
        f = tmp_path / f"{flavor}.py"
        f.write_text(code)
        res = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E9,F", str(f)],
            capture_output=True,
            text=True,
        )
        assert res.returncode == 0, res.stdout


def test_proxy_state_replaces_only_the_owned_binding() -> None:
    src = "import os\n\nclass S:\n    pass\n\nsettings = S()\nother = S()\n"
    out = proxy_state(src, "pkg.config", {"settings": "admin"})
    assert 'settings = _decompose_rt.Remote("admin", "pkg.config", "settings")' in out
    assert "other = S()" in out and "class S:" in out
    assert proxy_state(src, "pkg.config", {}) == src


def test_imported_modules_resolves_relative_and_function_level_imports() -> None:
    code = "from . import a\nfrom ..b import c\ndef f():\n    import x.y\n"
    assert imported_modules(code, "pkg.sub.mod", False) >= {
        "pkg.sub",
        "pkg.sub.a",
        "pkg.b",
        "pkg.b.c",
        "x",
        "x.y",
    }


def test_used_names_reads_string_annotations_and_all() -> None:
    assert used_names("def f(x: 'Meta') -> None: ...\n__all__ = ['g']\n") >= {"Meta", "g"}


def test_payload_classification() -> None:
    assert classify("pd.DataFrame", "x") == ("dataframe", "annotation `pd.DataFrame`")
    assert classify("", "estimator")[0] == "model"  # type: ignore[index]
    assert classify("Callable[[int], int]", "f")[0] == "callback"  # type: ignore[index]
    assert classify("Meta", "m", frozenset({"Meta"}))[0] == "object"  # type: ignore[index]
    assert classify("dict", "payload") is None
    flags = check_function((("rows", "normal", "list"),), "", True)
    assert [f.category for f in flags] == ["generator"]
    flags = check_function((), "", False, return_calls=("joblib.load",))
    assert flags[0].category == "model" and "name/version" in flags[0].suggestion


def test_field_types_follow_json_native_annotations() -> None:
    assert _field_type("str") == ("str | None", "from annotation `str`")
    assert _field_type("Optional[int]")[0] == "int | None"
    assert _field_type("dict[str, Any]")[0] == "dict | None"
    assert _field_type("pd.DataFrame")[0] == "Any"
    assert _field_type("")[0] == "Any"


def test_distribution_names_and_env_vars() -> None:
    assert distribution_of("sklearn.linear_model") == "scikit-learn"
    assert distribution_of("json") is None
    assert distribution_of("pydantic_core") == "pydantic-core"
    assert env_vars(
        "import os\nos.environ.get('A_B')\nos.getenv('C')\nos.environ['D']\n"
        "os.environ.get('bad name')\n"
    ) == {"A_B", "C", "D"}


# ---------------------------------------------------------------------------- runtime codec
@pytest.fixture(scope="module")
def rt() -> ModuleType:
    import jinja2

    src = jinja2.Template((templates_dir() / "runtime.py.j2").read_text()).render(
        version="test", first_party=repr(("tests",))
    )
    spec = importlib.util.spec_from_loader("scaffold_runtime_under_test", loader=None)
    assert spec is not None
    mod = importlib.util.module_from_spec(spec)
    exec(compile(src, "runtime.py", "exec"), mod.__dict__)  # noqa: S102 - our own template
    sys.modules["scaffold_runtime_under_test"] = mod
    return mod


def test_codec_round_trips_exactly(rt: ModuleType) -> None:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"a": [0.1 + 0.2, 1e-300, 3.0], "b": ["x", "y", "z"], "c": [1, 2, 3]})
    value = {
        "f": frame,
        "arr": np.arange(6, dtype="int32").reshape(2, 3),
        "t": (1, 2),
        "k": {1: "one"},
        "s": {3},
        "n": np.float64(0.5),
        "nan": float("nan"),
    }
    wire = rt.encode(value)
    import json

    back = rt.decode(json.loads(json.dumps(wire)))
    pd.testing.assert_frame_equal(back["f"], frame)
    assert back["arr"].dtype == np.int32 and back["arr"].shape == (2, 3)
    assert back["t"] == (1, 2) and back["k"] == {1: "one"} and back["s"] == {3}
    assert type(back["n"]) is np.float64 and back["nan"] != back["nan"]


def test_codec_rebuilds_exceptions_and_refuses_pickle_by_default(
    rt: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    exc = rt.decode_exception(rt.encode_exception(KeyError("k")))
    assert isinstance(exc, KeyError) and exc.args == ("k",)
    monkeypatch.delenv("DECOMPOSE_RPC_PICKLE", raising=False)

    class Opaque:
        __slots__ = ()

    with pytest.raises(rt.PayloadError, match="DECOMPOSE_RPC_PICKLE"):
        rt.encode(Opaque())
    with pytest.raises(rt.PayloadError):
        rt.decode({"__t": "pickle", "b64": ""})


def test_state_op_serves_only_listed_objects(rt: ModuleType) -> None:
    allowed = frozenset({("scaffold_runtime_under_test", "RPC_PREFIX")})
    ok = rt.state_op(
        allowed,
        {
            "ref": ["s", "scaffold_runtime_under_test", "RPC_PREFIX", []],
            "op": "len",
            "args": [],
            "kwargs": {},
        },
    )
    assert ok == len(rt.RPC_PREFIX)
    with pytest.raises(PermissionError):
        rt.state_op(
            allowed, {"ref": ["s", "os", "environ", []], "op": "list", "args": [], "kwargs": {}}
        )
    with pytest.raises(PermissionError):
        rt.state_op(
            allowed,
            {
                "ref": ["s", "scaffold_runtime_under_test", "RPC_PREFIX", []],
                "op": "getattr",
                "args": ["__class__"],
                "kwargs": {},
            },
        )


def test_dependency_names_ignore_the_environment(monkeypatch) -> None:
    """Regression: pyproject dependencies came from ``packages_distributions()`` of decompose's
    own environment, so installing a package changed the generated bytes."""
    import importlib.metadata as md

    before = [distribution_of(n) for n in ("somelib_xyz", "yaml", "pydantic_core")]
    monkeypatch.setattr(md, "packages_distributions", lambda: {"somelib_xyz": ["some-lib"]})
    assert [distribution_of(n) for n in ("somelib_xyz", "yaml", "pydantic_core")] == before
    assert before == ["somelib_xyz", "PyYAML", "pydantic-core"]


# ---------------------------------------------------------------------------- runtime clients
@contextlib.contextmanager
def _serve(app: Any) -> Iterator[str]:
    """Serve an ASGI ``app`` with a real uvicorn on a free loopback port, in a thread."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


async def _echo_connection(scope: Any, receive: Any, send: Any) -> None:
    """ASGI app: answers ``{"result": [client port, Cookie header, thread id]}`` and sets a
    cookie, the way a login route of the monolith might."""
    import json
    import threading as th

    while (await receive()).get("more_body"):
        pass
    cookie = dict(scope["headers"]).get(b"cookie", b"").decode() or None
    body = json.dumps({"result": [scope["client"][1], cookie, th.get_ident()]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"set-cookie", b"session=ada")],
        }
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def echo_service(rt: ModuleType, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with _serve(_echo_connection) as url:
        monkeypatch.setenv("ECHO_SERVICE_URL", url)
        rt.close_clients()
        yield url
        rt.close_clients()


def test_calls_reuse_one_client_and_its_connection(rt: ModuleType, echo_service: str) -> None:
    """One long-lived client per target service, shared by every thread (created once, even
    when many threads make their first call together); sequential calls reuse one kept-alive
    connection; close_clients() closes it and the next call opens a new client."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        targets = set(pool.map(lambda _: id(rt._target_of("echo")), range(32)))
    assert len(targets) == 1
    client = rt._target_of("echo").client
    ports = {rt._post("echo", "/x", {})[0] for _ in range(5)}
    assert len(ports) == 1, "each call opened a new connection"
    assert rt._target_of("echo").client is client
    rt.close_clients()
    assert client.is_closed and rt._target_of("echo").client is not client


def test_shared_client_keeps_no_cookies(rt: ModuleType, echo_service: str) -> None:
    """A Set-Cookie in one response must not travel with later calls or forwarded requests:
    the client is shared by every user of the process."""
    assert rt._post("echo", "/login", {})[1] is None
    assert rt._post("echo", "/next", {})[1] is None
    assert len(rt._target_of("echo").client.cookies) == 0


def test_threaded_app_reuses_threads_and_closes_clients_at_shutdown(
    rt: ModuleType, echo_service: str
) -> None:
    """Sequential requests through ThreadedApp run on a reused worker thread (not a new thread
    and loop each); a request that calls back into the same server while it runs gets a worker
    of its own (no deadlock); the lifespan's shutdown closes this process's clients."""
    import asyncio
    import json

    import httpx

    served = threading.local()  # requests this thread has served so far

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        served.n = getattr(served, "n", 0) + 1
        if scope["path"] == "/nested":
            # a blocking call back into this same server, as monolith code in a handler does
            inner = rt._post("self", "/plain", {})
            result = [threading.get_ident(), inner]
        else:
            result = [threading.get_ident(), served.n]
        body = json.dumps({"result": result}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    threaded = rt.ThreadedApp(app)
    with _serve(threaded) as url, httpx.Client(base_url=url, timeout=20) as client:
        os.environ["SELF_SERVICE_URL"] = url
        try:
            # The response reaches the client just before its worker is back in the pool, so
            # one request may start a second worker; over ten sequential requests the workers
            # are reused (a thread serves several, counted by a thread-local, so not a new
            # thread that got an old id).
            results = [client.post("/plain").json()["result"] for _ in range(10)]
            threads = {ident for ident, _ in results}
            assert threading.get_ident() not in threads
            assert len(threads) <= 3
            assert max(n for _, n in results) >= 4
            outer, inner = client.post("/nested").json()["result"]
            assert inner[0] != outer
        finally:
            del os.environ["SELF_SERVICE_URL"]
    rt._target_of("echo")
    assert rt._targets

    async def lifespan() -> list[str]:
        inbox = asyncio.Queue()
        for kind in ("startup", "shutdown"):
            inbox.put_nowait({"type": f"lifespan.{kind}"})
        sent: list[str] = []

        async def send(message: Any) -> None:
            sent.append(message["type"])

        await threaded({"type": "lifespan"}, inbox.get, send)
        return sent

    assert asyncio.run(lifespan()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert not rt._targets


def test_preload_imports_modules_and_tolerates_failures(
    rt: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Start-up preload imports the interface's modules; one that fails is logged and left to
    its first call; DECOMPOSE_PRELOAD=0 leaves every import to the first call."""
    (tmp_path / "preload_ok_mod.py").write_text("VALUE = 1\n")
    (tmp_path / "preload_bad_mod.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("DECOMPOSE_PRELOAD", "0")
    rt.preload(["preload_ok_mod"])
    assert "preload_ok_mod" not in sys.modules
    monkeypatch.delenv("DECOMPOSE_PRELOAD")
    monkeypatch.setattr(rt, "_readiness", rt._Readiness())
    try:
        rt.preload(["preload_bad_mod", "preload_ok_mod"])
        rt._readiness._thread.join(10)  # the imports run on a background thread
        assert "preload_ok_mod" in sys.modules and "preload_bad_mod" not in sys.modules
        assert "preload_bad_mod" in caplog.text and "boom" in caplog.text
        failed = rt.readiness(["preload_bad_mod", "preload_ok_mod"])
        assert list(failed) == ["preload_bad_mod"] and "boom" in failed["preload_bad_mod"]
    finally:
        sys.modules.pop("preload_ok_mod", None)


def test_preload_and_readiness_never_wait_on_a_slow_import(
    rt: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Regression (tester4 F6): an import that waits on a service that is down held start-up
    (so /live) and every readiness check for as long as the import waited."""
    gate = tmp_path / "gate"
    (tmp_path / "slow_import_mod.py").write_text(
        "import pathlib, time\n"
        f"while not pathlib.Path({str(gate)!r}).exists():\n"
        "    time.sleep(0.02)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("DECOMPOSE_READY_WAIT", "0.2")
    monkeypatch.setattr(rt, "_readiness", rt._Readiness())
    try:
        t0 = time.monotonic()
        rt.preload(["slow_import_mod"])
        assert time.monotonic() - t0 < 0.5
        for _ in range(3):
            t0 = time.monotonic()
            failed = rt.readiness(["slow_import_mod"])
            assert time.monotonic() - t0 < 1.0
            assert failed["slow_import_mod"].startswith("ImportPending")
        # one import in flight, not one per check
        assert sum(t.name == "decompose-readiness" for t in threading.enumerate()) == 1
        gate.write_text("open")
        rt._readiness._thread.join(10)
        assert rt.readiness(["slow_import_mod"]) == {}
    finally:
        gate.write_text("open")
        sys.modules.pop("slow_import_mod", None)


def test_objects_of_classes_not_shipped_arrive_as_data_and_travel_on_unchanged(
    rt: ModuleType,
) -> None:
    """A service ships only the modules its code imports, so an object of another module's
    class can arrive where that module is not: its data is readable, methods fail clearly, and
    sent on it is the original class again; pickles of such classes fail with a clear error."""
    import json

    wire = {"__t": "obj", "cls": ["tests.not_shipped_xyz", "Loaded"], "state": {"version": 3}}
    obj = rt.decode(json.loads(json.dumps(wire)))
    assert isinstance(obj, rt.Foreign) and obj.version == 3
    with pytest.raises(AttributeError, match=r"tests\.not_shipped_xyz\.Loaded is not shipped"):
        obj.predict([1])
    obj.extra = "x"
    assert rt.encode(obj) == {
        "__t": "obj",
        "cls": ["tests.not_shipped_xyz", "Loaded"],
        "state": {"version": 3, "extra": "x"},
    }
    enum_wire = {"__t": "enum", "cls": ["tests.not_shipped_xyz", "Color"], "v": "red"}
    assert rt.encode(rt.decode(enum_wire)) == enum_wire
    # a third-party module that is missing is not papered over
    with pytest.raises(ModuleNotFoundError):
        rt.decode({"__t": "obj", "cls": ["not_first_party_xyz", "X"], "state": {}})


def test_exceptions_of_classes_not_shipped_keep_their_name_and_nearest_base(
    rt: ModuleType,
) -> None:
    class MissingError(KeyError):
        pass

    sent = rt.encode_exception(MissingError("k"))
    # as if raised by a class of a module the receiving service does not ship
    sent["cls"] = ["tests.not_shipped_xyz", "MissingError"]
    assert ["builtins", "KeyError"] in sent["bases"]
    exc = rt.decode_exception(sent)
    assert isinstance(exc, KeyError) and exc.args == ("k",)
    assert type(exc).__name__ == "MissingError"
    again = rt.encode_exception(exc)  # raised on: the original class name travels
    assert again["cls"] == ["tests.not_shipped_xyz", "MissingError"]
    assert type(rt.decode_exception(sent)) is type(exc)  # one stand-in class per name
    sent["bases"] = []
    assert type(rt.decode_exception(sent)) is RuntimeError


def test_readiness_reports_each_failing_module_until_it_imports(
    rt: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    flag = tmp_path / "flag"
    (tmp_path / "ready_ok_mod.py").write_text("VALUE = 1\n")
    (tmp_path / "ready_bad_mod.py").write_text(
        f"import pathlib\nif not pathlib.Path({str(flag)!r}).exists():\n"
        "    raise RuntimeError('no flag')\n"
    )
    try:
        assert rt.readiness(["ready_ok_mod", "ready_bad_mod"]) == {
            "ready_bad_mod": "RuntimeError: no flag"
        }
        flag.write_text("1")
        assert rt.readiness(["ready_ok_mod", "ready_bad_mod"]) == {}
    finally:
        sys.modules.pop("ready_ok_mod", None)
        sys.modules.pop("ready_bad_mod", None)
