"""Differential tests for request bodies, forms and files: one app, built with FastAPI and fastcore.

As in ``test_parity_fastapi.py``, each app is a function of a namespace of framework names, so the two
builds cannot drift apart; every request goes to both through each framework's ``TestClient`` and the
status, parsed JSON and content type must agree.  The FastAPI build always declares pydantic models;
the fastcore build is run once per model kind (pydantic, msgspec Struct, dataclass, TypedDict, attrs),
so fastcore's own error collector (``fastcore.validation``) is held to pydantic's error lists.

Differences that are documented rather than fixed are asserted on fastcore's side, each with its
reason (see the end of this module and ``fastcore.bodies``).
"""

import dataclasses
import inspect
from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any, Literal, NamedTuple

import attrs
import fastapi
import fastapi.testclient
import msgspec
import pydantic
import pytest
from starlette.datastructures import UploadFile as StarletteUploadFile
from typing_extensions import NotRequired, TypedDict

import fastcore
import fastcore.testclient

JSON = {"content-type": "application/json"}


def _ns(module: Any, app: Any, testclient: Any, upload: Any, name: str) -> SimpleNamespace:
    return SimpleNamespace(
        name=name, App=app, APIRouter=module.APIRouter, TestClient=testclient.TestClient,
        Body=module.Body, Form=module.Form, File=module.File, UploadFile=upload,
        Query=module.Query, Path=module.Path, Header=module.Header, Cookie=module.Cookie,
        Depends=module.Depends,
    )


FASTAPI = _ns(fastapi, fastapi.FastAPI, fastapi.testclient, fastapi.UploadFile, "fastapi")
# fastcore does not re-export UploadFile yet; its plan accepts Starlette's class (FastAPI's base).
FASTCORE = _ns(fastcore, fastcore.FastCore, fastcore.testclient,
               getattr(fastcore, "UploadFile", StarletteUploadFile), "fastcore")


def _errors_without(body: Any, keys: tuple[str, ...]) -> Any:
    return [{k: v for k, v in e.items() if k not in keys} for e in body["detail"]]


def _sorted(errors: Any) -> Any:
    return sorted(errors, key=repr)


def assert_same(expected: Any, actual: Any, *, ignore: tuple[str, ...] = (), unordered: bool = False) -> None:
    """``expected`` is FastAPI's response, ``actual`` fastcore's; ``ignore`` drops 422 error keys;
    ``unordered`` compares a 422's errors as a set (pydantic lists a TypedDict's in its own order)."""
    where = f"{expected.request.method} {expected.request.url}"
    assert actual.status_code == expected.status_code, (where, expected.text, actual.text)
    assert actual.headers.get("content-type") == expected.headers.get("content-type"), where
    if expected.headers.get("content-type") == "application/json":
        if (ignore or unordered) and expected.status_code == 422:
            want, got = _errors_without(expected.json(), ignore), _errors_without(actual.json(), ignore)
            if unordered:
                want, got = _sorted(want), _sorted(got)
            assert got == want, (where, expected.text, actual.text)
        else:
            assert actual.json() == expected.json(), (where, expected.text, actual.text)
    else:
        assert actual.content == expected.content, where


class Pair:
    """One app built with both frameworks; ``check`` sends the same request to both."""

    def __init__(self, build: Callable[[SimpleNamespace], Any],
                 fastcore_build: Callable[[SimpleNamespace], Any] | None = None, *,
                 unordered: bool = False) -> None:
        self.unordered = unordered
        self.kind = ""
        self.clients = {
            "fastapi": FASTAPI.TestClient(build(FASTAPI)),
            "fastcore": FASTCORE.TestClient((fastcore_build or build)(FASTCORE)),
        }

    def both(self, method: str, url: str, **kwargs: Any) -> tuple[Any, Any]:
        return (self.clients["fastapi"].request(method, url, **kwargs),
                self.clients["fastcore"].request(method, url, **kwargs))

    def check(self, method: str, url: str, *, ignore: tuple[str, ...] = (), **kwargs: Any) -> Any:
        expected, actual = self.both(method, url, **kwargs)
        assert_same(expected, actual, ignore=ignore, unordered=self.unordered)
        return actual

    def fastcore(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.clients["fastcore"].request(method, url, **kwargs)


def value_of(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


# --------------------------------------------------------------------------------------------------
# Models of every kind, one shape: {name: str, price: float (> 0), qty: int = 1, tags: list[str] = [],
# maker: {name: str, year: int} | None = None}


class PMaker(pydantic.BaseModel):
    name: str
    year: int


class PItem(pydantic.BaseModel):
    name: str
    price: Annotated[float, pydantic.Field(gt=0)]
    qty: int = 1
    tags: list[str] = []
    maker: PMaker | None = None


class SMaker(msgspec.Struct):
    name: str
    year: int


class SItem(msgspec.Struct):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    qty: int = 1
    tags: list[str] = []
    maker: SMaker | None = None


@dataclasses.dataclass
class DMaker:
    name: str
    year: int


@dataclasses.dataclass
class DItem:
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    qty: int = 1
    tags: list[str] = dataclasses.field(default_factory=list)
    maker: DMaker | None = None


class TMaker(TypedDict):
    name: str
    year: int


class TItem(TypedDict):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    qty: NotRequired[int]
    tags: NotRequired[list[str]]
    maker: NotRequired[TMaker | None]


@attrs.define
class AMaker:
    name: str
    year: int


@attrs.define
class AItem:
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    qty: int = 1
    tags: list[str] = attrs.field(factory=list)
    maker: AMaker | None = None


class PTMaker(TypedDict):
    name: str
    year: int


class PTItem(TypedDict):
    name: str
    price: Annotated[float, pydantic.Field(gt=0)]
    qty: NotRequired[int]
    tags: NotRequired[list[str]]
    maker: NotRequired[PTMaker | None]


def _pydantic_dataclasses() -> Any:
    # The same class names as the stdlib dataclasses: pydantic's messages name the class.
    @pydantic.dataclasses.dataclass
    class DMaker:
        name: str
        year: int

    @pydantic.dataclasses.dataclass
    class DItem:
        name: str
        price: Annotated[float, pydantic.Field(gt=0)]
        qty: int = 1
        tags: list[str] = dataclasses.field(default_factory=list)
        maker: DMaker | None = None

    return DItem


PDItem = _pydantic_dataclasses()


# fastcore's model -> the FastAPI model whose errors it must reproduce.  A dataclass and a TypedDict
# are compared with pydantic's own handling of those kinds (dataclass_type, dict_type); a Struct and
# an attrs class with a BaseModel (model_attributes_type).
KINDS: dict[str, tuple[Any, Any]] = {
    "pydantic": (PItem, PItem),
    "struct": (PItem, SItem),
    "dataclass": (PDItem, DItem),
    "typeddict": (PTItem, TItem),
    "attrs": (PItem, AItem),
}


def model_app(model: Any) -> Callable[[SimpleNamespace], Any]:
    def build(ns: SimpleNamespace) -> Any:
        app = ns.App()
        Body = ns.Body

        @app.post("/single")
        def single(item: model) -> Any:  # type: ignore[valid-type]
            return {"name": value_of(item, "name"), "price": value_of(item, "price")}

        @app.post("/embed")
        def embed(item: Annotated[model, Body(embed=True)]) -> Any:  # type: ignore[valid-type]
            return {"name": value_of(item, "name")}

        @app.post("/two")
        def two(item: model, other: model, note: Annotated[str, Body()] = "-") -> Any:  # type: ignore[valid-type]
            return {"a": value_of(item, "name"), "b": value_of(other, "name"), "note": note}

        @app.post("/optional")
        def optional(item: model | None = None) -> Any:  # type: ignore[valid-type]
            return {"none": item is None}

        @app.post("/many")
        def many(items: list[model]) -> Any:  # type: ignore[valid-type]
            return {"n": len(items)}

        return app

    return build


@pytest.fixture(scope="module", params=sorted(KINDS))
def models(request: pytest.FixtureRequest) -> Pair:
    fastapi_model, fastcore_model = KINDS[request.param]
    pair = Pair(model_app(fastapi_model), model_app(fastcore_model), unordered=request.param == "typeddict")
    pair.kind = request.param
    return pair


GOOD = {"name": "hammer", "price": 9.5}
MODEL_BODIES = [
    GOOD,
    {**GOOD, "qty": "3", "tags": ["a", "b"], "maker": {"name": "acme", "year": "1999"}},
    {**GOOD, "extra": 1},
    {},
    {"name": 1, "price": "cheap", "qty": 1.5, "tags": [1, None, "x"], "maker": {"year": "old"}},
    {"name": None, "price": -1, "qty": "x", "tags": "abc", "maker": []},
    {"name": "n", "price": 0},
    {"name": "n", "price": "1e3", "qty": "12"},
    {"name": "n", "price": 1, "maker": None},
    [],
    [GOOD],
    "text",
    3,
    None,
    True,
]


@pytest.mark.parametrize("body", MODEL_BODIES)
def test_single_model_body(models: Pair, body: Any) -> None:
    models.check("POST", "/single", json=body)


@pytest.mark.parametrize("body", [{"item": b} for b in MODEL_BODIES] + [GOOD, {}, [], None])
def test_embedded_model_body(models: Pair, body: Any) -> None:
    models.check("POST", "/embed", json=body)


@pytest.mark.parametrize("body", [
    {"item": GOOD, "other": GOOD},
    {"item": GOOD, "other": GOOD, "note": "hi"},
    {"item": GOOD},
    {"item": {"name": 1}, "other": {"price": "x"}, "note": 5},
    {"item": None, "other": GOOD, "note": None},
    {"item": [], "other": "x"},
    {},
    [GOOD, GOOD],
    "x",
    None,
])
def test_several_bodies_are_embedded_by_name(models: Pair, body: Any) -> None:
    models.check("POST", "/two", json=body)


@pytest.mark.parametrize("kwargs", [
    {}, {"content": b""}, {"json": None}, {"json": GOOD}, {"json": {"name": 1}}, {"json": []},
])
def test_optional_body_with_none_default(models: Pair, kwargs: dict[str, Any]) -> None:
    models.check("POST", "/optional", **kwargs)


@pytest.mark.parametrize("body", [[], [GOOD, GOOD], [GOOD, {"name": 2}, {}, "x"], GOOD, None])
def test_list_of_models(models: Pair, body: Any) -> None:
    models.check("POST", "/many", json=body)


@pytest.mark.parametrize("kwargs", [
    {},                                                        # no body at all
    {"content": b""},                                          # empty body
    {"content": b"", "headers": JSON},
    {"content": b'{"name": "x", "price": 1}'},                 # JSON without a content type
    {"content": b'{"name": "x", "price": 1}', "headers": {"content-type": "text/plain"}},
    {"content": b'{"name": "x", "price": 1}', "headers": {"content-type": "application/x-json"}},
    {"content": b'{"name": "x", "price": 1}', "headers": {"content-type": "application/vnd.api+json"}},
    {"content": b'{"name": "x", "price": 1}',
     "headers": {"content-type": "Application/JSON; charset=utf-8"}},
    {"content": b'{"name": "x", "price": 1}', "headers": {"content-type": "application/json-patch+json"}},
    {"data": {"name": "x", "price": "1"}},                     # a form sent to a JSON route
])
def test_missing_empty_and_non_json_bodies(models: Pair, kwargs: dict[str, Any]) -> None:
    models.check("POST", "/single", **kwargs)
    models.check("POST", "/two", **kwargs)


# --------------------------------------------------------------------------------------------------
# NamedTuple bodies: pydantic reads JSON arrays and objects; msgspec only arrays


class Point(NamedTuple):
    x: int
    y: int = 0


def point_app(ns: SimpleNamespace) -> Any:
    app = ns.App()

    @app.post("/point")
    def point(p: Annotated[Point, ns.Body()]) -> Any:
        return {"x": p.x, "y": p.y}

    return app


@pytest.fixture(scope="module")
def points() -> Pair:
    return Pair(point_app)


@pytest.mark.parametrize("body", [[1, 2], [1], ["1", "2"], ["a", "b"], [], [1, 2, 3], "x", None])
def test_namedtuple_body(points: Pair, body: Any) -> None:
    points.check("POST", "/point", json=body)


def test_namedtuple_from_an_object_is_a_difference(points: Pair) -> None:
    # Documented (fastcore.validation): msgspec reads a NamedTuple only from an array; a well-formed
    # object, which pydantic accepts, is a tuple_type error; field errors are still pydantic's.
    expected, actual = points.both("POST", "/point", json={"x": 1, "y": 2})
    assert expected.status_code == 200
    assert actual.status_code == 422
    assert actual.json()["detail"][0]["type"] == "tuple_type"
    points.check("POST", "/point", json={"x": "a"})


# --------------------------------------------------------------------------------------------------
# Body() scalars, constraints, examples, dict bodies


def scalar_app(ns: SimpleNamespace) -> Any:
    app = ns.App()
    Body = ns.Body

    @app.post("/one")
    def one(n: Annotated[int, Body(gt=0, le=10, examples=[3])]) -> Any:
        return {"n": n}

    @app.post("/embedded-one")
    def embedded_one(n: Annotated[int, Body(embed=True, ge=1)]) -> Any:
        return {"n": n}

    @app.post("/constrained")
    def constrained(
        a: Annotated[int, Body(gt=0, lt=100)],
        b: Annotated[float, Body(ge=0.5, le=1.5)],
        c: Annotated[str, Body(min_length=2, max_length=4, pattern="^[a-z]+$")],
        d: Annotated[list[int], Body(min_length=1, max_length=2)] = [1],  # noqa: B006
        e: Annotated[str | None, Body(examples=["x"])] = None,
        f: Annotated[bool, Body()] = False,
    ) -> Any:
        return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}

    @app.post("/defaults")
    def defaults(c: Annotated[int | None, Body()], a: Annotated[int | None, Body()] = None,
                 b: Annotated[int, Body()] = 3) -> Any:
        return {"a": a, "b": b, "c": c}

    @app.post("/dict")
    def mapping(d: dict[str, int]) -> Any:
        return d

    @app.post("/text")
    def text(s: Annotated[str, Body()]) -> Any:
        return {"s": s}

    @app.post("/any")
    def anything(v: Any = Body()) -> Any:
        return {"v": v}

    return app


@pytest.fixture(scope="module")
def scalars() -> Pair:
    return Pair(scalar_app)


@pytest.mark.parametrize("body", [5, 0, 11, "7", "x", 2.0, 2.5, None, [1], {"n": 5}])
def test_body_scalar_is_the_whole_body(scalars: Pair, body: Any) -> None:
    scalars.check("POST", "/one", json=body)


@pytest.mark.parametrize("body", [{"n": 5}, {"n": 0}, {"n": None}, {}, 5, [], {"n": "2"}])
def test_body_scalar_embedded(scalars: Pair, body: Any) -> None:
    scalars.check("POST", "/embedded-one", json=body)


@pytest.mark.parametrize("body", [
    {"a": 1, "b": 1, "c": "ab"},
    {"a": 1, "b": 1, "c": "ab", "d": [1, 2], "e": "x", "f": "true"},
    {"a": 0, "b": 0.4, "c": "a"},
    {"a": 100, "b": 1.6, "c": "abcde"},
    {"a": "x", "b": "y", "c": 5, "d": [], "f": "maybe"},
    {"a": 1, "b": 1, "c": "AB1", "d": [1, 2, 3], "e": 3},
    {"a": 1.0, "b": "1.5", "c": "abcd", "d": ["1"]},
    {},
])
def test_body_constraints(scalars: Pair, body: Any) -> None:
    scalars.check("POST", "/constrained", json=body)


@pytest.mark.parametrize("body", [
    {}, {"c": None}, {"c": 1}, {"a": None, "b": None, "c": 2}, {"a": 1, "b": 2, "c": None},
    {"a": "x", "c": "y"},
])
def test_explicit_null_is_a_value_not_a_missing_member(scalars: Pair, body: Any) -> None:
    # FastAPI validates a JSON null given for an embedded member against its type: it is a missing
    # member only if the key is absent.
    scalars.check("POST", "/defaults", json=body)


@pytest.mark.parametrize("body", [{"a": 1, "b": 2}, {"a": 1, "b": "x", "c": 2.5, "d": None}, {}, [],
                                  {"a": "3"}])
def test_dict_body(scalars: Pair, body: Any) -> None:
    scalars.check("POST", "/dict", json=body)


@pytest.mark.parametrize("kwargs", [
    {"json": "hello"}, {"json": 5}, {"content": b"plain", "headers": {"content-type": "text/plain"}},
    {"content": b'"quoted"'},
])
def test_text_body(scalars: Pair, kwargs: dict[str, Any]) -> None:
    scalars.check("POST", "/text", **kwargs)


@pytest.mark.parametrize("body", [1, "x", None, [1, {"a": None}], {"deep": [[[]]]}])
def test_any_body(scalars: Pair, body: Any) -> None:
    scalars.check("POST", "/any", json=body)


# --------------------------------------------------------------------------------------------------
# Invalid JSON


INVALID_JSON = [b"{bad", b"[1,", b'{"a":1,}', b"nul", b"1 2", b'{"a": "x', b'{"a":1}}', b"  {", b" ", b"\n",
                b"\xc3\xa9{", b'{"\xc3\xa9": 1, x', b"\x00", b'{"a":1}\x00', b"{'a': 1}", b"[1 2]",
                b'{"a" 1}', b"tru", b"01", b"-", b'"\\x"']


@pytest.mark.parametrize("raw", INVALID_JSON)
@pytest.mark.parametrize("path", ["/single", "/two", "/optional", "/many"])
def test_invalid_json(models: Pair, raw: bytes, path: str) -> None:
    # fastcore locates the error with Python's json parser, as FastAPI does: same loc, same message.
    models.check("POST", path, content=raw, headers=JSON)


@pytest.mark.parametrize("raw", [b'"\xff"', b"\xff\xfe", b"[" * 100_000, b'{"a": 1' + b"0" * 5000 + b"}"])
def test_unparsable_bodies_are_400(models: Pair, raw: bytes) -> None:
    # Invalid UTF-8, nesting beyond the parser's recursion, integers over Python's 4300 digits.
    actual = models.check("POST", "/single", content=raw, headers=JSON)
    assert actual.status_code in (400, 422)


@pytest.mark.parametrize("raw", [b'{"name": "x", "price": NaN}', b'{"name": "x", "price": 1e999}',
                                 b'{"name": "x", "price": Infinity}'])
def test_non_finite_numbers_are_a_difference(models: Pair, raw: bytes) -> None:
    # Python's json reads NaN/Infinity/1e999 as floats; FastAPI then fails to render them (500) or
    # lets them through.  msgspec refuses them as JSON: fastcore answers a 422 json_invalid.
    actual = models.fastcore("POST", "/single", content=raw, headers=JSON)
    assert actual.status_code == 422
    assert actual.json()["detail"][0]["type"] == "json_invalid"


# --------------------------------------------------------------------------------------------------
# Bodies with path, query, header and cookie parameters, and in dependencies: the order of errors


def mixed_app(ns: SimpleNamespace) -> Any:
    app = ns.App()
    Body, Header, Cookie, Depends, Query = ns.Body, ns.Header, ns.Cookie, ns.Depends, ns.Query

    def inner(token: Annotated[int, Header()], extra: Annotated[int, Body()]) -> int:
        return token + extra

    def outer(limit: int, inner_value: int = Depends(inner), note: Annotated[str, Body(max_length=3)] = "")\
            -> Any:
        return {"limit": limit, "inner": inner_value, "note": note}

    @app.post("/mixed/{pid}")
    def mixed(pid: int, item: PItem, q: Annotated[int, Query(ge=0)], h: Annotated[int, Header()],
              c: Annotated[int, Cookie()], dep: Any = Depends(outer)) -> Any:
        return {"pid": pid, "q": q, "h": h, "c": c, "dep": dep, "item": item.name}

    @app.post("/dep-only")
    def dep_only(dep: Any = Depends(inner)) -> Any:
        return {"dep": dep}

    return app


@pytest.fixture(scope="module")
def mixed() -> Pair:
    return Pair(mixed_app)


GOOD_MIXED = {"item": GOOD, "extra": 1, "note": "ok"}


@pytest.mark.parametrize(("url", "headers", "cookies", "body"), [
    ("/mixed/1?q=1&limit=2", {"h": "1", "token": "2"}, {"c": "3"}, GOOD_MIXED),
    ("/mixed/x?q=-1", {"h": "z"}, {"c": "y"}, {"item": {"name": 1}, "note": "long!"}),
    ("/mixed/x", {}, {}, None),
    ("/mixed/x?q=a&limit=b", {"token": "t"}, {}, []),
    ("/mixed/1?q=1&limit=2", {"h": "1", "token": "2"}, {"c": "3"}, {"extra": "x", "item": []}),
    ("/mixed/1?q=1&limit=2", {"h": "1", "token": "2"}, {"c": "3"}, {"item": GOOD, "extra": None}),
])
def test_error_order_dependencies_path_query_header_cookie_body(
    mixed: Pair, url: str, headers: dict[str, str], cookies: dict[str, str], body: Any
) -> None:
    for name, value in cookies.items():
        for client in mixed.clients.values():
            client.cookies.set(name, value)
    try:
        mixed.check("POST", url, json=body, headers=headers)
    finally:
        for client in mixed.clients.values():
            client.cookies.clear()


@pytest.mark.parametrize("body", [{"extra": 3}, {"extra": "x"}, 3, {}, None])
def test_body_declared_only_in_a_dependency(mixed: Pair, body: Any) -> None:
    # A single body parameter of a dependency is the whole body, as in FastAPI.
    mixed.check("POST", "/dep-only", json=body, headers={"token": "1"})


# --------------------------------------------------------------------------------------------------
# Forms and files


class PForm(pydantic.BaseModel):
    name: str
    qty: int = 1
    tags: list[str] = []


class SForm(msgspec.Struct):
    name: str
    qty: int = 1
    tags: list[str] = []


def form_app(form_model: Any) -> Callable[[SimpleNamespace], Any]:
    def build(ns: SimpleNamespace) -> Any:
        app = ns.App()
        Form, File, UploadFile = ns.Form, ns.File, ns.UploadFile

        @app.post("/form")
        def form(a: Annotated[str, Form(min_length=1)], b: Annotated[int, Form(gt=0)],
                 c: Annotated[list[int], Form()] = [], d: Annotated[str | None, Form()] = None,  # noqa: B006 - FastAPI style
                 e: Annotated[bool, Form()] = False) -> Any:
            return {"a": a, "b": b, "c": c, "d": d, "e": e}

        @app.post("/model")
        def model(m: Annotated[form_model, Form()]) -> Any:  # type: ignore[valid-type]
            return {"name": m.name, "qty": m.qty, "tags": m.tags}

        @app.post("/files")
        async def files(f: Annotated[bytes, File()], u: UploadFile, many: list[UploadFile],
                        o: UploadFile | None = None) -> Any:
            return {"f": f.decode(), "u": u.filename, "u_content": (await u.read()).decode(),
                    "u_type": u.content_type, "many": [m.filename for m in many],
                    "o": None if o is None else o.filename}

        @app.post("/optional-files")
        async def optional_files(b: Annotated[bytes | None, File()] = None,
                                 bs: Annotated[list[bytes], File()] = [],  # noqa: B006 - FastAPI style
                                 t: Annotated[str, Form()] = "-") -> Any:
            return {"b": None if b is None else b.decode(), "bs": [x.decode() for x in bs], "t": t}

        return app

    return build


@pytest.fixture(scope="module", params=["pydantic", "struct"])
def forms(request: pytest.FixtureRequest) -> Pair:
    return Pair(form_app(PForm), form_app(PForm if request.param == "pydantic" else SForm))


@pytest.mark.parametrize("kwargs", [
    {"data": {"a": "x", "b": "2"}},
    {"data": {"a": "x", "b": "2", "c": ["1", "2"], "d": "dd", "e": "on"}},
    {"data": {"a": "", "b": "z", "c": ["1", "q"], "e": "maybe"}},
    {"data": {"a": "x", "b": "2", "c": "", "d": ""}},         # "" in a list stays; a scalar "" is absent
    {"data": {"a": "x", "b": "0"}},
    {},
    {"json": {"a": "x", "b": 2}},                             # JSON sent to a form route
    {"content": b"a=x&b=2&c=1&c=2", "headers": {"content-type": "application/x-www-form-urlencoded"}},
    {"content": b"a=x&b=2&c=1&c=2", "headers": {"content-type": "text/plain"}},
    {"content": b"a=%zz&b=%32", "headers": {"content-type": "application/x-www-form-urlencoded"}},
])
def test_form_fields(forms: Pair, kwargs: dict[str, Any]) -> None:
    forms.check("POST", "/form", **kwargs)


def test_a_file_sent_for_a_form_field(forms: Pair) -> None:
    # FastAPI's 422 echoes the UploadFile's attributes as ``input``; fastcore echoes its repr.
    forms.check("POST", "/form", data={"a": "x", "b": "2"}, files={"c": ("f.txt", b"3")}, ignore=("input",))
    forms.check("POST", "/form", data={"a": "x", "b": "2"}, files={"d": ("f.txt", b"x")}, ignore=("input",))


@pytest.mark.parametrize("kwargs", [
    {"data": {"name": "x", "qty": "2"}},
    {"data": {"name": "x", "tags": ["a", "b"]}},
    {"data": {"name": "x", "tags": "a"}},                     # one value for a list field is a list
    {"data": {"name": "", "qty": "x"}},                       # "" is absent in form models too
    {"data": {}},
    {"data": {"name": "x", "extra": "1"}},
    {"data": {"qty": ["1", "2"]}},
    {"json": {"name": "x"}},
])
def test_form_models(forms: Pair, kwargs: dict[str, Any]) -> None:
    forms.check("POST", "/model", **kwargs)


FILES_OK = [("f", ("a.bin", b"abc")), ("u", ("u.txt", b"hello", "text/plain")),
            ("many", ("m1", b"1")), ("many", ("m2", b"2"))]


@pytest.mark.parametrize("kwargs", [
    {"files": FILES_OK},
    {"files": [*FILES_OK, ("o", ("o.txt", b"o"))]},
    {"files": [("f", ("a", b"abc"))]},
    {},
    {"data": {"f": "text", "u": "text", "many": "x"}, "files": [("zz", ("a", b""))]},
    {"data": {"x": "1"}},
])
def test_files(forms: Pair, kwargs: dict[str, Any]) -> None:
    # ctx.error of "Expected UploadFile" is the exception object: FastAPI renders it as {}, fastcore's
    # 422 handler as its text (reported to the handler's owner), so ctx is not compared here.
    forms.check("POST", "/files", ignore=("ctx",), **kwargs)


def test_empty_file_inputs_are_absent(forms: Pair) -> None:
    forms.check("POST", "/files", ignore=("ctx",),
                files=[("f", ("", b"")), ("u", ("", b"")), ("many", ("", b""))])


@pytest.mark.parametrize("kwargs", [
    {}, {"files": [("b", ("b", b"B"))]}, {"files": [("bs", ("1", b"x")), ("bs", ("2", b"y"))]},
    {"data": {"b": "text", "bs": ["p", "q"], "t": "t"}}, {"data": {"t": ""}},
])
def test_optional_files_and_bytes(forms: Pair, kwargs: dict[str, Any]) -> None:
    forms.check("POST", "/optional-files", **kwargs)


@pytest.mark.parametrize("raw", [
    b'--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nabc',              # truncated
    b"garbage",
    b'--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--xx--\r\n',
    b"--xx\r\n\r\n\r\n--xx--\r\n",
])
def test_truncated_and_broken_multipart(forms: Pair, raw: bytes) -> None:
    for ctype in ("multipart/form-data; boundary=xx", "multipart/form-data"):
        forms.check("POST", "/form", content=raw, headers={"content-type": ctype})


# --------------------------------------------------------------------------------------------------
# Body size limits: FastAPI 0.165 has max_body_size too


def limit_app(ns: SimpleNamespace) -> Any:
    app = ns.App(max_body_size=10)
    router = ns.APIRouter(max_body_size=20)
    Body = ns.Body

    @app.post("/app")
    def on_app(x: Annotated[str, Body()]) -> Any:
        return x

    @router.post("/router")
    def on_router(x: Annotated[str, Body()]) -> Any:
        return x

    @router.post("/route", max_body_size=5)
    def on_route(x: Annotated[str, Body()]) -> Any:
        return x

    app.include_router(router)
    return app


@pytest.mark.skipif(
    "max_body_size" not in inspect.signature(fastapi.FastAPI).parameters,
    reason="this FastAPI release has no max_body_size to compare with",
)
@pytest.mark.parametrize(("path", "size"), [("/app", 10), ("/app", 11), ("/router", 20), ("/router", 21),
                                            ("/route", 5), ("/route", 6)])
def test_body_limits_app_router_route(path: str, size: int) -> None:
    pair = Pair(limit_app)
    body = ('"' + "x" * (size - 2) + '"').encode()
    expected, actual = pair.both("POST", path, content=body, headers=JSON)
    assert actual.status_code == expected.status_code
    if expected.status_code == 413:
        # Same status and words; FastAPI's 413 is plain text, fastcore's JSON (the issue asks for a
        # JSON body, like every other error fastcore answers).
        assert expected.text == "Content Too Large"
        assert actual.json() == {"detail": "Content Too Large"}
    else:
        assert_same(expected, actual)


# --------------------------------------------------------------------------------------------------
# Form models in a union: each member reads its own input from the form's entries


class UText(pydantic.BaseModel):
    kind: Literal["text"]
    value: str
    enabled: bool = False


class UList(pydantic.BaseModel):
    kind: Literal["list"]
    value: list[str]


class UNamed(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")
    name: str = pydantic.Field("-", alias="with", validation_alias=pydantic.AliasChoices("full", "with"))


def union_form_app(ns: SimpleNamespace) -> Any:
    app = ns.App()

    @app.post("/union")
    def union(data: Annotated[UText | UList | None, ns.Form()] = None) -> Any:
        return data

    @app.post("/tagged")
    def tagged(data: Annotated[UText | UList | None, ns.Form(discriminator="kind")] = None) -> Any:
        return data

    @app.post("/required")
    def required(data: Annotated[UText | UNamed | None, ns.Form()]) -> Any:
        return data

    @app.post("/single")
    def single(data: Annotated[UNamed | None, ns.Form()] = None) -> Any:
        return data  # returned without a response model: written by alias

    @app.post("/by-name", response_model_by_alias=False)
    def by_name(data: Annotated[UNamed, ns.Form()]) -> Any:
        return {"data": data}

    return app


@pytest.fixture(scope="module")
def union_forms() -> Pair:
    return Pair(union_form_app)


@pytest.mark.parametrize("path", ["/union", "/tagged", "/required", "/single", "/by-name"])
@pytest.mark.parametrize("data", [
    {},
    {"unknown": "x"},
    {"kind": "text", "value": "hello"},
    {"kind": "list", "value": ["", "blue"]},
    {"kind": "list", "value": "one"},
    {"kind": "text", "value": ""},
    {"kind": "text"},
    {"kind": "unknown"},
    {"kind": ""},
    {"value": "v"},
    {"full": "Rick", "with": "Morty"},
    {"with": "Morty", "more": ["a", "b"]},
])
def test_form_model_unions(union_forms: Pair, path: str, data: dict[str, Any]) -> None:
    union_forms.check("POST", path, data=data)


def test_form_model_union_in_multipart(union_forms: Pair) -> None:
    files = [("kind", (None, "list")), ("value", (None, "")), ("value", (None, "blue"))]
    union_forms.check("POST", "/union", files=files)
    union_forms.check("POST", "/tagged", files={"kind": (None, "text"), "value": (None, "")})


def test_form_model_default_is_copied_per_request() -> None:
    class Defaults(pydantic.BaseModel):
        tags: list[str] = []

    default = Defaults()

    def build(ns: SimpleNamespace) -> Any:
        app = ns.App()

        @app.post("/")
        def read(data: Annotated[Defaults | UText | None, ns.Form()] = default) -> Any:
            assert isinstance(data, Defaults)
            data.tags.append("new")
            return data

        return app

    pair = Pair(build)
    for _ in range(2):
        assert pair.check("POST", "/").json() == {"tags": ["new"]}
    assert default.tags == []


def _double(value: Any) -> Any:
    return 0 if value is None else int(value) * 2


Doubled = Annotated[int | None, pydantic.BeforeValidator(_double)]


def validated_form_app(ns: SimpleNamespace) -> Any:
    app = ns.App()

    @app.post("/plain")
    def plain(value: Annotated[Doubled, ns.Form()] = 10) -> Any:
        return value

    @app.post("/default")
    def default(value: Annotated[Doubled, ns.Form(validate_default=True)] = 10) -> Any:
        return value

    @app.post("/union")
    def union(value: Annotated[int | str, ns.Form(union_mode="left_to_right")],
              many: Annotated[list[int | str], ns.Form()] = []) -> Any:  # noqa: B006 - FastAPI style
        return {"value": value, "many": many}

    @app.post("/factory")
    def factory(value: Annotated[Doubled, ns.Form(default_factory=lambda: None, validate_default=True)],
                many: Annotated[list[Doubled], ns.Form()] = []) -> Any:  # noqa: B006 - FastAPI style
        return {"value": value, "many": many}

    return app


@pytest.fixture(scope="module")
def validated_forms() -> Pair:
    return Pair(validated_form_app)


@pytest.mark.parametrize("path", ["/plain", "/default", "/factory", "/union"])
@pytest.mark.parametrize("data", [
    {}, {"value": "10"}, {"value": "x"}, {"many": ["1", "2"]}, {"many": ["1", "q"]},
])
def test_form_fields_validated_by_pydantic(validated_forms: Pair, path: str, data: dict[str, Any]) -> None:
    validated_forms.check("POST", path, data=data)


# --------------------------------------------------------------------------------------------------
# Documented differences (fastcore.bodies / fastcore.validation): asserted on fastcore's side


def test_lax_bool_to_number_is_a_difference(models: Pair) -> None:
    # pydantic's lax mode reads true as 1; msgspec refuses a JSON bool for a number.  A body that
    # validated on the fast path is never re-judged, so fastcore answers msgspec's verdict.
    body = {"name": "n", "price": True, "qty": True}
    if models.kind == "pydantic":
        models.check("POST", "/single", json=body)  # pydantic models are validated by pydantic
        return
    expected, actual = models.both("POST", "/single", json=body)
    assert expected.status_code == 200
    assert actual.status_code == 422
    assert [e["type"] for e in actual.json()["detail"]] == ["float_type", "int_type"]


def test_pattern_dollar_before_a_final_newline_is_a_difference(scalars: Pair) -> None:
    # Body constraints are msgspec.Meta patterns (Python's re): "$" also matches before a final
    # newline, where pydantic's Rust regex does not.  Query/header patterns are end-anchored.
    expected, actual = scalars.both("POST", "/constrained", json={"a": 1, "b": 1, "c": "ab\n"})
    assert expected.status_code == 422
    assert actual.status_code == 200
