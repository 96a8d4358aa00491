"""Kinds of call-graph input: inheritance and overrides (MRO inside the project, ``super()``,
classmethods, properties, dispatch to overrides), and decorators of every form (bare, called,
dotted, stacked, class decorators, route and task decorators)."""

from __future__ import annotations

from pathlib import Path

from decompose.cache import FactCache
from decompose.config import Config
from decompose.graph import ProgramGraph
from decompose.pipeline import load_graph


def analyze(root: Path) -> ProgramGraph:
    return load_graph(root, Config(), FactCache(root / ".nocache", enabled=False), jobs=1)[1]


def calls(g: ProgramGraph) -> set[tuple[str, str, str]]:
    return {(c.src, c.dst, c.kind) for c in g.calls}


def out_of(g: ProgramGraph, src: str) -> set[tuple[str, str]]:
    return {(c.dst, c.kind) for c in g.calls if c.src == src}


BASE = """
class Base:
    def run(self):
        return self.step()

    def step(self):
        return 1

    @classmethod
    def create(cls):
        return cls()

    @classmethod
    def build(cls):
        return cls.create()

    @property
    def name(self):
        return self.helper()

    def helper(self):
        return 0

    @staticmethod
    def util():
        return 2
"""

IMPL = """
from app.base import Base


class Mixin:
    def extra(self):
        return 3

    def step(self):
        return super().step()


class Child(Mixin, Base):
    def step(self):
        return super().step() + self.extra()

    def use(self):
        return self.name, self.util(), Base.util()


class GrandChild(Child):
    def step(self):
        return super(GrandChild, self).step()


class Mixed(Mixin, Base):
    pass


class Unrelated:
    def step(self):
        return 0


def make() -> Child:
    return Child.create()


def go():
    c = make()
    c.run()
    Child.build()
    x: Base = GrandChild()
    x.run()


def typed(b: Base) -> None:
    b.step()
"""


def inheritance(make_project) -> ProgramGraph:
    return analyze(make_project({"app/__init__.py": "", "app/base.py": BASE, "app/impl.py": IMPL}))


def test_inherits_edges_follow_the_bases(make_project) -> None:
    c = calls(inheritance(make_project))
    assert {
        ("app.impl:Child", "app.impl:Mixin", "inherits"),
        ("app.impl:Child", "app.base:Base", "inherits"),
        ("app.impl:GrandChild", "app.impl:Child", "inherits"),
    } <= c
    assert not [x for x in c if x[0] == "app.impl:Unrelated" and x[2] == "inherits"]


def test_self_calls_bind_to_the_class_and_dispatch_to_overrides(make_project) -> None:
    g = inheritance(make_project)
    assert out_of(g, "app.base:Base.run") == {
        ("app.base:Base.step", "call"),
        ("app.impl:Child.step", "dispatch"),
        ("app.impl:GrandChild.step", "dispatch"),
        # Mixed(Mixin, Base) has no step of its own: its MRO finds Mixin.step first
        ("app.impl:Mixin.step", "dispatch"),
    }  # never app.impl:Unrelated.step
    assert ("app.impl:Mixin.extra", "call") in out_of(g, "app.impl:Child.step")


def test_super_follows_the_bases_in_order(make_project) -> None:
    g = inheritance(make_project)
    child = out_of(g, "app.impl:Child.step")
    # Mixin comes first in Child's bases and defines step
    assert ("app.impl:Mixin.step", "call") in child
    assert ("app.base:Base.step", "call") not in child
    assert out_of(g, "app.impl:GrandChild.step") == {("app.impl:Child.step", "call")}
    # Mixin's own super() skips Mixin (Mixin has no project base: nothing invented)
    assert out_of(g, "app.impl:Mixin.step") == set()
    # super() calls are not virtual dispatch: no edge from an override to itself
    assert not [x for x in calls(g) if x[0] == x[1]]


def test_classmethods_properties_staticmethods(make_project) -> None:
    g = inheritance(make_project)
    assert ("app.base:Base", "call") in out_of(g, "app.base:Base.create")  # cls()
    assert ("app.base:Base.create", "call") in out_of(g, "app.base:Base.build")  # cls.create()
    use = out_of(g, "app.impl:Child.use")
    assert ("app.base:Base.name", "call") in use  # a property read runs the getter
    assert ("app.base:Base.util", "call") in use
    assert ("app.base:Base.helper", "call") in out_of(g, "app.base:Base.name")


def test_receivers_typed_by_constructors_annotations_and_returns(make_project) -> None:
    g = inheritance(make_project)
    go = out_of(g, "app.impl:go")
    assert ("app.impl:make", "call") in go
    assert ("app.base:Base.run", "inferred") in go  # c = make() -> Child, run inherited
    assert ("app.base:Base.build", "call") in go  # Child.build() inherited classmethod
    assert ("app.impl:GrandChild", "call") in go
    assert ("app.base:Base.create", "call") in out_of(g, "app.impl:make")
    assert ("app.base:Base.step", "inferred") in out_of(g, "app.impl:typed")


# ----------------------------------------------------------------- decorators
DECO = """
import functools


def plain(f):
    return f


def with_args(n):
    def wrap(f):
        return f
    return wrap


class Registry:
    def register(self, f):
        return f


registry = Registry()


def cls_deco(c):
    return c
"""

WEB = """
import functools
from fastapi import FastAPI, APIRouter
from celery import Celery, shared_task
import app.deco as d
from app.deco import plain, with_args, registry, cls_deco

app = FastAPI()
router = APIRouter(prefix="/v1")
celery_app = Celery()


@plain
def a():
    pass


@with_args(3)
def b():
    pass


@d.plain
@d.with_args(n=1)
@registry.register
def c():
    pass


@cls_deco
@d.cls_deco
class K:
    @staticmethod
    @plain
    def m():
        pass


@app.get("/items/{id}")
async def get_item(id: int):
    return a()


@router.post("/x", status_code=201)
def post_x():
    pass


@app.api_route("/multi", methods=["put", "PATCH"])
def multi():
    pass


@celery_app.task
def t1():
    pass


@celery_app.task(bind=True, name="custom.name")
def t2(self):
    pass


@shared_task
def t3():
    pass


@functools.lru_cache(maxsize=None)
def cached():
    pass
"""


def decorated(make_project) -> ProgramGraph:
    return analyze(make_project({"app/__init__.py": "", "app/deco.py": DECO, "app/web.py": WEB}))


def test_decorators_of_every_form_give_decorates_edges(make_project) -> None:
    g = decorated(make_project)
    c = calls(g)
    assert {
        ("app.web:a", "app.deco:plain", "decorates"),  # bare
        ("app.web:b", "app.deco:with_args", "decorates"),  # called
        ("app.web:c", "app.deco:plain", "decorates"),  # dotted through a module alias
        ("app.web:c", "app.deco:with_args", "decorates"),  # dotted and called
        ("app.web:c", "app.deco:Registry.register", "decorates"),  # method of an instance
        ("app.web:K", "app.deco:cls_deco", "decorates"),  # class decorator
        ("app.web:K.m", "app.deco:plain", "decorates"),  # stacked under staticmethod
    } <= c
    k = next(x for x in g.calls if (x.src, x.dst) == ("app.web:K", "app.deco:cls_deco"))
    assert k.count == 2  # two stacked decorators, same function
    # third-party decorators are not first-party edges
    assert not [x for x in c if x[0] in ("app.web:cached", "app.web:t1") and x[2] == "decorates"]
    defs = {d.qualname: d for d in g.facts["app.web"].definitions}
    assert defs["c"].decorators == (
        "app.deco.plain",
        "app.deco.with_args",
        "app.deco.registry.register",
    )  # outermost first
    assert defs["K.m"].decorators[0] == "staticmethod"
    assert defs["cached"].decorators == ("functools.lru_cache",)


def test_route_decorators_set_definition_route(make_project) -> None:
    g = decorated(make_project)
    defs = {d.qualname: d for d in g.facts["app.web"].definitions}
    assert defs["get_item"].route == ("GET", "/items/{id}") and defs["get_item"].is_async
    assert defs["post_x"].route == ("POST", "/x")
    assert defs["multi"].route == ("PUT", "/multi")
    assert defs["a"].route is None and defs["t1"].route is None
    assert ("app.web:get_item", "app.web:a", "call") in calls(g)


def test_task_decorators_are_recorded(make_project) -> None:
    g = decorated(make_project)
    defs = {d.qualname: d for d in g.facts["app.web"].definitions}
    assert defs["t1"].decorators == ("app.web.celery_app.task",)
    assert defs["t2"].decorators == ("app.web.celery_app.task",)
    assert defs["t3"].decorators == ("celery.shared_task",)
