"""Parity with FastAPI for what the type model reads from signatures: parameter models
(``Annotated[Model, Query()]``, ``Header()``, ``Cookie()``), ``validation_alias``, ``type`` aliases,
pydantic metadata validators and pydantic-typed query parameters.

Each app is built twice from one function of a namespace (FastAPI's names or fastcore's); every
request goes to both, and status, JSON body and the OpenAPI document must agree.
"""

from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any, Literal

import fastapi
import fastapi.testclient
import pydantic
import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypeAliasType

import fastcore
import fastcore.testclient

FASTAPI = SimpleNamespace(App=fastapi.FastAPI, Query=fastapi.Query, Header=fastapi.Header,
                          Cookie=fastapi.Cookie, Path=fastapi.Path, Body=fastapi.Body,
                          TestClient=fastapi.testclient.TestClient)
FASTCORE = SimpleNamespace(App=fastcore.FastCore, Query=fastcore.Query, Header=fastcore.Header,
                           Cookie=fastcore.Cookie, Path=fastcore.Path, Body=fastcore.Body,
                           TestClient=fastcore.testclient.TestClient)


def _clients(build: Callable[[Any], Any]) -> tuple[Any, Any]:
    fa = build(FASTAPI)
    fc = build(FASTCORE)
    fc.title = fa.title  # the only intended difference between the two documents
    return FASTAPI.TestClient(fa), FASTCORE.TestClient(fc)


def _same(clients: tuple[Any, Any], method: str, url: str, **kwargs: Any) -> Any:
    fa, fc = clients
    expected = fa.request(method, url, **kwargs)
    actual = fc.request(method, url, **kwargs)
    assert actual.status_code == expected.status_code, (url, expected.text, actual.text)
    assert actual.json() == expected.json(), (url, expected.text, actual.text)
    return actual


def _same_openapi(clients: tuple[Any, Any]) -> None:
    fa, fc = clients
    expected = fa.get("/openapi.json").json()
    actual = fc.get("/openapi.json").json()
    assert actual["paths"] == expected["paths"]
    assert actual.get("components") == expected.get("components")


# -- parameter models ------------------------------------------------------------------------------


class FilterParams(BaseModel):
    model_config = {"extra": "forbid"}

    limit: int = Field(100, gt=0, le=100)
    offset: int = Field(0, ge=0)
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


class LooseFilter(BaseModel):
    q: str | None = None
    size: int = 10


class CommonHeaders(BaseModel):
    save_data: bool
    if_modified_since: str | None = None
    x_tag: list[str] = []


class Cookies(BaseModel):
    model_config = {"extra": "forbid"}

    session_id: str
    tracker: str | None = Field(None, description="who is watching")


def _models_app(ns: Any) -> Any:
    app = ns.App()

    @app.get("/items/")
    async def items(filter_query: Annotated[FilterParams, ns.Query()]) -> Any:
        return filter_query

    @app.get("/loose/")
    async def loose(f: Annotated[LooseFilter, ns.Query()], extra: int = 0) -> Any:
        return {"f": f, "extra": extra}

    @app.get("/headers/")
    async def headers(h: Annotated[CommonHeaders, ns.Header()]) -> Any:
        return h

    @app.get("/raw-headers/")
    async def raw_headers(h: Annotated[CommonHeaders, ns.Header(convert_underscores=False)]) -> Any:
        return h

    @app.get("/cookies/")
    async def cookies(c: Annotated[Cookies, ns.Cookie()]) -> Any:
        return c

    @app.get("/optional/")
    async def optional(f: Annotated[LooseFilter | None, ns.Query()] = None) -> Any:
        return {"f": f}

    return app


@pytest.fixture(scope="module")
def models() -> tuple[Any, Any]:
    return _clients(_models_app)


@pytest.mark.parametrize(
    "url",
    [
        "/items/",
        "/items/?limit=5&offset=2&order_by=updated_at",
        "/items/?tags=a&tags=b",
        "/items/?limit=0&offset=-1&order_by=x",
        "/items/?limit=abc",
        "/items/?tool=plumbus",
        "/items/?limit=5&limit=6",
        "/loose/?q=x&size=3&extra=4&other=1",
        "/loose/?size=no",
        "/optional/",
        "/optional/?q=z",
        "/optional/?size=bad",
    ],
)
def test_query_models(models: tuple[Any, Any], url: str) -> None:
    _same(models, "GET", url)


@pytest.mark.parametrize(
    "headers",
    [
        {"save-data": "true"},
        {"save-data": "nope"},
        {},
        {"save-data": "1", "if-modified-since": "yesterday", "x-tag": "a"},
        {"save_data": "true"},
    ],
)
def test_header_models(models: tuple[Any, Any], headers: dict[str, str]) -> None:
    _same(models, "GET", "/headers/", headers=headers)
    _same(models, "GET", "/raw-headers/", headers=headers)


def test_header_model_repeated_list(models: tuple[Any, Any]) -> None:
    _same(models, "GET", "/headers/", headers=[("save-data", "yes"), ("x-tag", "a"), ("x-tag", "b")])


@pytest.mark.parametrize(
    "cookies",
    [{"session_id": "s1"}, {}, {"session_id": "s1", "tracker": "t"}, {"session_id": "s1", "other": "o"}],
)
def test_cookie_models(models: tuple[Any, Any], cookies: dict[str, str]) -> None:
    fa, fc = models
    fa.cookies.clear()
    fc.cookies.clear()
    for name, value in cookies.items():
        fa.cookies.set(name, value)
        fc.cookies.set(name, value)
    try:
        _same(models, "GET", "/cookies/")
    finally:
        fa.cookies.clear()
        fc.cookies.clear()


def test_param_models_openapi(models: tuple[Any, Any]) -> None:
    _same_openapi(models)


# -- validation_alias --------------------------------------------------------------------------------


def _alias_app(ns: Any) -> Any:
    app = ns.App()

    @app.get("/q/")
    async def q(a: Annotated[int, ns.Query(validation_alias="a-v")] = 1,
                b: Annotated[str, ns.Query(alias="b-a", validation_alias="b-v")] = "x",
                c: Annotated[str | None, ns.Query(alias="c-a")] = None) -> Any:
        return {"a": a, "b": b, "c": c}

    @app.get("/required/")
    async def required(n: Annotated[int, ns.Query(validation_alias="nValue")]) -> Any:
        return {"n": n}

    @app.get("/h/")
    async def h(x_token: Annotated[str, ns.Header(validation_alias="x_token_v")] = "none",
                other_one: Annotated[str, ns.Header()] = "none") -> Any:
        return {"x_token": x_token, "other_one": other_one}

    @app.get("/c/")
    async def c(sid: Annotated[str, ns.Cookie(validation_alias="session-id")]) -> Any:
        return {"sid": sid}

    @app.get("/p/{itemId}")
    async def p(item_id: Annotated[int, ns.Path(validation_alias="itemId")]) -> Any:
        return {"item_id": item_id}

    @app.post("/b/")
    async def b(name: Annotated[str, ns.Body(validation_alias="full_name")],
                age: Annotated[int, ns.Body(alias="years")] = 0) -> Any:
        return {"name": name, "age": age}

    return app


@pytest.fixture(scope="module")
def aliases() -> tuple[Any, Any]:
    return _clients(_alias_app)


@pytest.mark.parametrize(
    "url",
    ["/q/", "/q/?a-v=5&b-v=y&c-a=z", "/q/?a=5&b-a=y&b=w", "/q/?a-v=no", "/required/", "/required/?n=1",
     "/required/?nValue=2", "/required/?nValue=x", "/p/3", "/p/x"],
)
def test_validation_alias_query_path(aliases: tuple[Any, Any], url: str) -> None:
    _same(aliases, "GET", url)


@pytest.mark.parametrize(
    "headers", [{}, {"x_token_v": "t"}, {"x-token": "t"}, {"x-token-v": "t"}, {"other-one": "o"}]
)
def test_validation_alias_header(aliases: tuple[Any, Any], headers: dict[str, str]) -> None:
    _same(aliases, "GET", "/h/", headers=headers)


def test_validation_alias_cookie(aliases: tuple[Any, Any]) -> None:
    _same(aliases, "GET", "/c/", headers={"cookie": "session-id=s1"})
    _same(aliases, "GET", "/c/", headers={"cookie": "sid=s1"})


@pytest.mark.parametrize(
    "body", [{"full_name": "n", "years": 3}, {"name": "n"}, {"full_name": "n", "age": 3}, {}]
)
def test_validation_alias_body(aliases: tuple[Any, Any], body: dict[str, Any]) -> None:
    _same(aliases, "POST", "/b/", json=body)


def test_validation_alias_openapi(aliases: tuple[Any, Any]) -> None:
    _same_openapi(aliases)


# -- type aliases, pydantic metadata, pydantic-typed parameters ---------------------------------------


def _shout(value: str) -> str:
    if value == "boom":
        raise ValueError("no booms")
    return value.upper()


def _pydantic_app(ns: Any) -> Any:
    app = ns.App()
    limit = TypeAliasType("limit", Annotated[int, ns.Query(ge=1)])  # what `type limit = ...` makes

    @app.get("/alias/")
    async def alias(n: limit = 5) -> Any:
        return {"n": n}

    @app.get("/after/")
    async def after(word: Annotated[str, ns.Query(), pydantic.AfterValidator(_shout)] = "x") -> Any:
        return {"word": word}

    @app.get("/url/")
    async def url(u: pydantic.HttpUrl) -> Any:
        return {"u": str(u)}

    @app.get("/urls/")
    async def urls(u: Annotated[list[pydantic.HttpUrl], ns.Query()] = []) -> Any:  # noqa: B006
        return {"u": [str(x) for x in u]}

    return app


@pytest.fixture(scope="module")
def validated() -> tuple[Any, Any]:
    return _clients(_pydantic_app)


@pytest.mark.parametrize(
    "url",
    ["/alias/", "/alias/?n=3", "/alias/?n=0", "/alias/?n=x", "/after/", "/after/?word=hi",
     "/url/?u=https://example.com/a", "/url/?u=nope", "/url/", "/urls/?u=https://a.io&u=http://b.io",
     "/urls/?u=https://a.io&u=bad"],
)
def test_pydantic_validated_params(validated: tuple[Any, Any], url: str) -> None:
    _same(validated, "GET", url)


def test_after_validator_error(validated: tuple[Any, Any]) -> None:
    fa, fc = validated
    expected = fa.get("/after/?word=boom")
    actual = fc.get("/after/?word=boom")
    assert actual.status_code == expected.status_code == 422
    # ctx.error: FastAPI 0.165 encodes the raised exception as {}, fastcore's 422 handler as its
    # text (fastcore/exception_handlers.py, outside the type model); the rest must agree.
    (want,), (got,) = expected.json()["detail"], actual.json()["detail"]
    assert {**got, "ctx": None} == {**want, "ctx": None}


def test_pydantic_validated_params_openapi(validated: tuple[Any, Any]) -> None:
    _same_openapi(validated)


# -- optional parameter models: activation, extras, defaults, alias choices ------------------------


@pytest.mark.parametrize("extra", ["ignore", "allow", "forbid"])
def test_optional_model_activation_follows_its_extra_setting(extra: str) -> None:
    class Terms(BaseModel):
        model_config = pydantic.ConfigDict(extra=extra)  # type: ignore[typeddict-item]
        term: str = "default"

    def build(fw: Any) -> Any:
        app = fw.App()

        @app.get("/")
        def read(terms: Annotated[Terms | None, fw.Query()] = None, limit: int = 10) -> Any:
            return terms

        @app.get("/required")
        def read_required(terms: Annotated[Terms | None, fw.Query()]) -> Any:
            return terms

        return app

    clients = _clients(build)
    for url in ("/", "/?limit=5", "/?limit=5&unknown=a&unknown=b", "/?term=x", "/required",
                "/required?term=", "/required?other=1"):
        _same(clients, "GET", url)


def test_optional_model_defaults_alias_choices_and_headers() -> None:
    class Terms(BaseModel):
        model_config = pydantic.ConfigDict(extra="forbid", populate_by_name=True)
        term: str = Field(validation_alias=pydantic.AliasChoices("q", "search"))
        tags: list[str] = Field(default_factory=list)

    class Heads(BaseModel):
        x_tag: str = "default"
        legacy: int = Field(0, validation_alias=pydantic.AliasChoices("X-Legacy", "legacy_id"))

    default = Terms(q="preset")

    def build(fw: Any) -> Any:
        app = fw.App()

        @app.get("/")
        def read(terms: Annotated[Terms | None, fw.Query()] = default) -> Any:
            assert terms is not None
            terms.tags.append("new")  # the default is a copy per request
            return terms

        @app.get("/factory")
        def read_factory(terms: Annotated[Terms | None,
                                          fw.Query(default_factory=lambda: Terms(q="made"))]) -> Any:
            return terms

        @app.get("/headers")
        def read_headers(heads: Annotated[Heads | None, fw.Header()] = None) -> Any:
            return heads

        return app

    clients = _clients(build)
    for url in ("/", "/", "/?q=a", "/?search=b", "/?term=c", "/?q=a&term=c", "/factory",
                "/factory?search=s"):
        _same(clients, "GET", url)
    for headers in ({}, {"x-tag": "t"}, {"x_tag": "t"}, {"X-LEGACY": "3"}, {"legacy-id": "3"},
                    {"X-Legacy": "bad"}):
        _same(clients, "GET", "/headers", headers=headers)
