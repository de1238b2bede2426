"""Differential tests for union-typed parameters (``int | str``...): one app, built with FastAPI and
fastcore, the same requests to both; and fastcore's own reading of such unions (used when the app does
not use pydantic) held to pydantic's ``TypeAdapter`` on the same strings."""

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union

import fastapi
import fastapi.testclient
import msgspec
import pydantic
import pytest

import fastcore
import fastcore.testclient
from fastcore.dependencies import TextUnion
from fastcore.params import QueryInfo
from fastcore.typemodel import node_of


def _build(fw: Any, app: Any) -> Any:
    @app.get("/q")
    def query(
        smart: Annotated[int | str, fw.Query()] = 0,
        ltr: Annotated[int | str, fw.Query(union_mode="left_to_right")] = 0,
        lit: Annotated[Union[int, Literal["a", "b"]], fw.Query()] = 0,  # noqa: UP007
        num: Annotated[float | bool | None, fw.Query()] = None,
        many: Annotated[list[int] | None, fw.Query()] = None,
    ) -> dict[str, Any]:
        return {"smart": smart, "ltr": ltr, "lit": lit, "num": num, "many": many}

    @app.get("/p/{value}")
    def path(value: int | str, x_tag: Annotated[int | str | None, fw.Header()] = None) -> dict[str, Any]:
        return {"value": value, "x_tag": x_tag}

    @app.get("/r")
    def required(value: Annotated[int | bool, fw.Query()]) -> Any:
        return value

    return app


REQUESTS = [
    "/q", "/q?smart=123", "/q?smart=abc", "/q?ltr=123", "/q?ltr=abc", "/q?lit=a", "/q?lit=7", "/q?lit=c",
    "/q?num=1.5", "/q?num=true", "/q?num=x", "/q?many=1&many=2", "/q?many=1&many=x",
    "/p/12", "/p/ab", "/r", "/r?value=5", "/r?value=yes", "/r?value=maybe",
]


@pytest.fixture(scope="module")
def clients() -> tuple[Any, Any]:
    theirs = fastapi.testclient.TestClient(_build(fastapi, fastapi.FastAPI()))
    ours = fastcore.testclient.TestClient(_build(fastcore, fastcore.FastCore()))
    return theirs, ours


@pytest.mark.parametrize("url", REQUESTS)
def test_union_parameters_as_fastapi(clients: tuple[Any, Any], url: str) -> None:
    theirs, ours = clients
    expected, actual = theirs.get(url), ours.get(url)
    assert (actual.status_code, actual.json()) == (expected.status_code, expected.json()), url


def test_union_header_as_fastapi(clients: tuple[Any, Any]) -> None:
    theirs, ours = clients
    for tag in ("5", "five"):
        headers = {"x-tag": tag}
        expected, actual = theirs.get("/p/1", headers=headers), ours.get("/p/1", headers=headers)
        assert (actual.status_code, actual.json()) == (expected.status_code, expected.json())


def _pydantic_reading(annotation: Any, raw: str) -> tuple[Any, list[Any]]:
    try:
        return pydantic.TypeAdapter(annotation).validate_python(raw), []
    except pydantic.ValidationError as exc:
        return None, [{k: v for k, v in e.items() if k != "url"}
                      for e in exc.errors(include_url=False)]


UNIONS: list[tuple[Any, str]] = [
    (int | str, "smart"), (int | str, "left_to_right"), (str | int, "left_to_right"),
    (int | float, "smart"), (float | int, "smart"), (int | bool, "smart"),
    (Union[int, Literal["a", "b"]], "smart"), (Union[Literal["1", "2"], int], "left_to_right"),  # noqa: UP007
]


@pytest.mark.parametrize(("annotation", "mode"), UNIONS)
@pytest.mark.parametrize("raw", ["123", "1.5", "true", "a", "1", "c", ""])
def test_text_union_reads_as_pydantic(annotation: Any, mode: str, raw: str) -> None:
    union: Callable[..., Any] = TextUnion(node_of(annotation).text_members or [], QueryInfo(union_mode=mode))
    value, errors = union(raw, ())
    declared = Annotated[annotation, pydantic.Field(union_mode=mode)]
    expected_value, expected_errors = _pydantic_reading(declared, raw)
    assert (value, type(value), errors) == (expected_value, type(expected_value), expected_errors)


def _build_bodies(fw: Any, app: Any) -> Any:
    @app.post("/single")
    def single(number: Annotated[int | str, fw.Body(union_mode="left_to_right")]) -> Any:
        return number

    @app.post("/embedded")
    def embedded(
        items: Annotated[list[int], fw.Body(fail_fast=True)],
        number: Annotated[int | str, fw.Body(union_mode="left_to_right")],
        label: Annotated[str, fw.Body(pattern=re.compile("^abc$", re.IGNORECASE))] = "ABC",
    ) -> dict[str, Any]:
        return {"items": items, "number": number, "label": label}

    @app.post("/metadata")
    def metadata(values: Annotated[list[int], pydantic.Field(fail_fast=True), fw.Body()]) -> Any:
        return values

    return app


BODIES = [
    ("/single", "123"), ("/single", "abc"), ("/single", 5),
    ("/embedded", {"items": [1, 2], "number": "123"}), ("/embedded", {"items": ["x", "y"], "number": "1"}),
    ("/embedded", {"items": [1], "number": "7", "label": "aBc"}), ("/embedded", {"items": [1], "number": 1,
                                                                                 "label": "xyz"}),
    ("/metadata", [1, 2]), ("/metadata", ["x", "y"]),
]


@pytest.mark.parametrize(("url", "body"), BODIES)
def test_body_options_as_fastapi(url: str, body: Any) -> None:
    theirs = fastapi.testclient.TestClient(_build_bodies(fastapi, fastapi.FastAPI()))
    ours = fastcore.testclient.TestClient(_build_bodies(fastcore, fastcore.FastCore()))
    expected, actual = theirs.post(url, json=body), ours.post(url, json=body)
    assert (actual.status_code, actual.json()) == (expected.status_code, expected.json())


def _build_model_unions(fw: Any, app: Any, kind: str) -> Any:
    if kind == "pydantic":
        class Cat(pydantic.BaseModel):
            pet: Literal["cat"]
            meows: int

        class Dog(pydantic.BaseModel):
            pet: Literal["dog"]
            barks: int
            name: str = "rex"
    else:
        class Cat(msgspec.Struct):  # type: ignore[no-redef]
            pet: Literal["cat"]
            meows: int

        class Dog(msgspec.Struct):  # type: ignore[no-redef]
            pet: Literal["dog"]
            barks: int
            name: str = "rex"

    @app.post("/json")
    def json_body(pet: Cat | Dog) -> Any:
        return pet

    @app.post("/embedded")
    def embedded(pet: Annotated[Cat | Dog, fw.Body(embed=True)], n: Annotated[int, fw.Body()] = 0) -> Any:
        return {"pet": pet, "n": n}

    if kind == "pydantic":
        @app.post("/form")
        def form(pet: Annotated[Cat | Dog, fw.Form()]) -> Any:
            return pet

        @app.post("/tagged")
        def tagged(pet: Annotated[Cat | Dog | None, fw.Form(discriminator="pet")] = None) -> Any:
            return pet

    return app


PETS = [{"pet": "cat", "meows": 3}, {"pet": "dog", "barks": "2"}, {"pet": "dog", "barks": 1, "name": "x"},
        {"pet": "cow"}, {"meows": "x"}, {}]


@pytest.mark.parametrize("kind", ["pydantic", "struct"])
@pytest.mark.parametrize("data", PETS)
def test_model_union_bodies_as_fastapi(kind: str, data: dict[str, Any]) -> None:
    theirs = fastapi.testclient.TestClient(_build_model_unions(fastapi, fastapi.FastAPI(), "pydantic"))
    ours = fastcore.testclient.TestClient(_build_model_unions(fastcore, fastcore.FastCore(), kind))
    requests: list[tuple[str, dict[str, Any]]] = [("/json", {"json": data}),
                                                  ("/embedded", {"json": {"pet": data, "n": 1}})]
    if kind == "pydantic":
        requests += [("/form", {"data": data}), ("/tagged", {"data": data})]
    for url, kwargs in requests:
        expected, actual = theirs.post(url, **kwargs), ours.post(url, **kwargs)
        assert (actual.status_code, actual.json()) == (expected.status_code, expected.json()), (url, kwargs)


Doubled = Annotated[int | None, pydantic.BeforeValidator(lambda v: 0 if v is None else int(v) * 2)]


def _build_defaults(fw: Any, app: Any) -> Any:
    @app.get("/validated")
    def validated(
        e: Annotated[int, pydantic.Field(default_factory=lambda: 5), fw.Query()],
        a: Annotated[Doubled, fw.Query(validate_default=True)] = 10,
        b: Annotated[Doubled, fw.Header(validate_default=True)] = None,
        c: Annotated[Doubled, pydantic.Field(validate_default=True), fw.Query()] = 10,
        d: Annotated[Doubled, pydantic.Field(validate_default=True), fw.Query(validate_default=False)] = 10,
    ) -> dict[str, Any]:
        return {"a": a, "b": b, "c": c, "d": d, "e": e}

    @app.get("/invalid")
    def invalid(value: Annotated[int, fw.Query(gt=0, validate_default=True)] = -1) -> Any:
        return value

    return app


@pytest.mark.parametrize("url", ["/validated", "/validated?a=1&c=2&d=3&e=4", "/invalid", "/invalid?value=3",
                                 "/invalid?value=0"])
def test_parameter_defaults_as_fastapi(url: str) -> None:
    theirs = fastapi.testclient.TestClient(_build_defaults(fastapi, fastapi.FastAPI()))
    ours = fastcore.testclient.TestClient(_build_defaults(fastcore, fastcore.FastCore()))
    expected, actual = theirs.get(url), ours.get(url)
    assert (actual.status_code, actual.json()) == (expected.status_code, expected.json()), url


def _build_alias_choices(fw: Any, app: Any) -> Any:
    choices = pydantic.AliasChoices("first", "second")

    @app.post("/embedded")
    def embedded(
        value: Annotated[int, fw.Body(embed=True, alias="ignored", validation_alias=choices)],
    ) -> Any:
        return value

    @app.post("/multiple")
    def multiple(
        items: Annotated[list[int], fw.Body(default_factory=list,
                                            validation_alias=pydantic.AliasChoices("items", "tags"))],
        value: Annotated[int | None, fw.Body(alias="ignored", validation_alias=choices)] = 10,
    ) -> Any:
        return {"value": value, "items": items}

    return app


ALIASED = [{"first": 1}, {"second": 2}, {"second": 2, "first": 0}, {"first": "x", "second": 2}, {},
           {"ignored": 1}, {"tags": [1, "x"]}, {"second": None, "tags": [3]}, [1]]


@pytest.mark.parametrize("body", ALIASED)
def test_body_alias_choices_as_fastapi(body: Any) -> None:
    theirs = fastapi.testclient.TestClient(_build_alias_choices(fastapi, fastapi.FastAPI()))
    ours = fastcore.testclient.TestClient(_build_alias_choices(fastcore, fastcore.FastCore()))
    for url in ("/embedded", "/multiple"):
        expected, actual = theirs.post(url, json=body), ours.post(url, json=body)
        assert (actual.status_code, actual.json()) == (expected.status_code, expected.json()), (url, body)


def _build_body_defaults(fw: Any, app: Any) -> Any:
    @app.post("/embedded")
    def embedded(value: Annotated[Doubled, fw.Body(embed=True, validate_default=True)] = 10) -> Any:
        return value

    @app.post("/none")
    def none(value: Annotated[Doubled, fw.Body(embed=True)] = None) -> Any:
        return value

    @app.post("/single")
    def single(value: Annotated[Doubled, fw.Body()] = None) -> Any:
        return value

    @app.post("/invalid")
    def invalid(value: Annotated[int, fw.Body(embed=True, gt=0, validate_default=True)] = -1) -> Any:
        return value

    return app


@pytest.mark.parametrize(("url", "body"), [
    ("/embedded", {}), ("/embedded", {"value": 3}), ("/none", {"value": None}), ("/none", {}),
    ("/single", None), ("/invalid", {}), ("/invalid", {"value": 2}),
])
def test_body_defaults_as_fastapi(url: str, body: Any) -> None:
    theirs = fastapi.testclient.TestClient(_build_body_defaults(fastapi, fastapi.FastAPI()))
    ours = fastcore.testclient.TestClient(_build_body_defaults(fastcore, fastcore.FastCore()))
    kwargs: dict[str, Any] = {"json": body} if body is not None else {
        "content": b"null", "headers": {"content-type": "application/json"}}
    expected, actual = theirs.post(url, **kwargs), ours.post(url, **kwargs)
    assert (actual.status_code, actual.json()) == (expected.status_code, expected.json()), (url, body)
