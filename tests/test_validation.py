"""Tests for ``fastcore.validation``: pydantic v2 is the oracle.

Every model is written twice, as the msgspec type fastcore decodes and as the pydantic type FastAPI
would validate with, and ``collect_errors`` must give pydantic's errors (url dropped, ``loc`` prefixed
with ``("body",)``, ctx compared after a JSON round trip). Hypothesis then checks random JSON values
against random model pairs, skipping values in the disagreement classes documented in the module, and
checks that ``collect_errors`` is empty exactly when msgspec accepts the value.
"""

# The types under test are spelled with typing.Union/Optional on purpose (the spelling most ported
# FastAPI apps use); PEP 604 unions are covered by their own cases.
# ruff: noqa: UP007, UP045

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import math
import re
import uuid
from typing import Annotated, Any, Literal, NamedTuple, Optional, Union

import msgspec
import pydantic
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from typing_extensions import NotRequired, Required, TypedDict

from fastcore.validation import collect_errors, fallback_error, json_invalid_error

attrs = pytest.importorskip("attrs")

BODY = ("body",)

# Error types whose ctx["error"] is a parser's free text (speedate, the uuid crate): compared by
# type, loc and input only (documented in the module).
FREE_TEXT = {"uuid_parsing", "datetime_from_date_parsing", "datetime_parsing", "date_from_datetime_parsing",
             "time_parsing", "time_delta_parsing"}


def _jsonable(value: Any) -> Any:
    def default(o: Any) -> Any:
        return float(o) if isinstance(o, decimal.Decimal) else str(o)

    return json.loads(json.dumps(value, default=default))


def _normalise(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        err = {k: v for k, v in err.items() if k != "url"}
        err["loc"] = tuple(err["loc"])
        if "ctx" in err:
            err["ctx"] = _jsonable(err["ctx"])
        if err["type"] in FREE_TEXT:
            err.pop("ctx", None)
            err.pop("msg", None)
        out.append(err)
    return out


# The pydantic twin ``PItem`` of ``Item`` shows up as "PItem" in union member labels.
TWINS = ("Item", "AItem", "Renamed", "Strict", "Cat", "Dog", "Tree", "Outer")
TWIN_NAME = re.compile(r"\bP(" + "|".join(TWINS) + r")\b")


def _twin(part: str | int) -> str | int:
    return TWIN_NAME.sub(r"\1", part) if isinstance(part, str) else part


def pydantic_errors(tp: Any, value: Any) -> list[dict[str, Any]]:
    """What FastAPI reports: ``validate_python(..., from_attributes=True)`` with ``body`` prefixed."""
    try:
        TypeAdapter(tp).validate_python(value, from_attributes=True)
    except pydantic.ValidationError as exc:
        return _normalise([{**e, "loc": (*BODY, *(_twin(p) for p in e["loc"]))}
                           for e in exc.errors(include_url=False)])
    return []


def ours(tp: Any, value: Any) -> list[dict[str, Any]]:
    return _normalise(collect_errors(tp, value, BODY))


def msgspec_accepts(tp: Any, value: Any) -> bool:
    """The fast path's verdict: ``Decoder(tp, strict=False)`` on the value's JSON."""
    try:
        msgspec.json.decode(msgspec.json.encode(value), type=tp, strict=False)
    except msgspec.ValidationError:
        return False
    return True


def convert_accepts(tp: Any, value: Any) -> bool:
    try:
        msgspec.convert(value, tp, strict=False)
    except msgspec.ValidationError:
        return False
    return True


def pydantic_accepts(tp: Any, value: Any) -> bool:
    try:
        TypeAdapter(tp).validate_python(value, from_attributes=True)
    except pydantic.ValidationError:
        return False
    return True


# --------------------------------------------------------------------------------------------------
# Model twins


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []
    qty: Annotated[int, msgspec.Meta(ge=1)] = 1


class PItem(BaseModel):  # twin of Item
    name: str
    price: float
    tags: list[str] = []
    qty: int = Field(1, ge=1)


@dataclasses.dataclass
class DItem:
    name: str
    price: float
    note: str = ""


class TD(TypedDict):
    a: int
    b: NotRequired[str]


class TDPartial(TypedDict, total=False):
    a: Required[int]
    b: list[int]


class NT(NamedTuple):
    a: int
    b: str = "x"


@attrs.define
class AItem:
    x: int
    y: str = "a"


class PAItem(BaseModel):  # twin of AItem
    x: int
    y: str = "a"


class Renamed(msgspec.Struct, rename="camel"):
    my_field: int
    other_field: str = ""


class PRenamed(BaseModel):  # twin of Renamed
    my_field: int = Field(alias="myField")
    other_field: str = Field("", alias="otherField")


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    a: int


class PStrict(BaseModel):  # twin of Strict
    model_config = ConfigDict(extra="forbid")
    a: int


class Cat(msgspec.Struct, tag="cat"):
    lives: int


class Dog(msgspec.Struct, tag="dog"):
    good: bool


class PCat(BaseModel):  # twin of Cat
    type: Literal["cat"] = "cat"
    lives: int


class PDog(BaseModel):  # twin of Dog
    type: Literal["dog"] = "dog"
    good: bool


class Tree(msgspec.Struct):
    value: int
    children: list[Tree] = []
    parent: Optional[Tree] = None


class PTree(BaseModel):  # twin of Tree
    value: int
    children: list[PTree] = []
    parent: Optional[PTree] = None


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Outer(msgspec.Struct):
    item: Item
    items: list[Item]
    by_name: dict[str, Item] = {}


class POuter(BaseModel):  # twin of Outer
    item: PItem
    items: list[PItem]
    by_name: dict[str, PItem] = {}


# --------------------------------------------------------------------------------------------------
# The reference from the brief, spelled out


def test_reference_item() -> None:
    value = {"name": 1, "price": "x", "tags": [1, "a", None], "qty": 0}
    assert collect_errors(Item, value, BODY) == [
        {"type": "string_type", "loc": ("body", "name"), "msg": "Input should be a valid string", "input": 1},
        {"type": "float_parsing", "loc": ("body", "price"),
         "msg": "Input should be a valid number, unable to parse string as a number", "input": "x"},
        {"type": "string_type", "loc": ("body", "tags", 0), "msg": "Input should be a valid string",
         "input": 1},
        {"type": "string_type", "loc": ("body", "tags", 2), "msg": "Input should be a valid string",
         "input": None},
        {"type": "greater_than_equal", "loc": ("body", "qty"),
         "msg": "Input should be greater than or equal to 1", "input": 0, "ctx": {"ge": 1}},
    ]
    assert ours(Item, value) == pydantic_errors(PItem, value)


def test_reference_not_an_object() -> None:
    assert collect_errors(Item, [1], BODY) == [
        {"type": "model_attributes_type", "loc": ("body",),
         "msg": "Input should be a valid dictionary or object to extract fields from", "input": [1]}]


def test_reference_dataclass_missing() -> None:
    assert collect_errors(DItem, {}, BODY) == [
        {"type": "missing", "loc": ("body", "name"), "msg": "Field required", "input": {}},
        {"type": "missing", "loc": ("body", "price"), "msg": "Field required", "input": {}},
    ]


def test_valid_is_empty() -> None:
    assert collect_errors(Item, {"name": "a", "price": 1}, BODY) == []
    assert collect_errors(Item, {"name": "a", "price": "1.5", "qty": "3"}, BODY) == []  # lax numbers


def test_loc_prefix_is_used() -> None:
    errors = collect_errors(int, "x", ("body", "item"))
    assert errors[0]["loc"] == ("body", "item")


# --------------------------------------------------------------------------------------------------
# Twins compared value by value: (msgspec type, pydantic type, values)

C = msgspec.Meta
F = Field
CASES: list[tuple[Any, Any, list[Any]]] = [
    (int, int, ["x", 1.5, None, [], {}, "", "1.5", 1e300, "1" * 5000]),
    (float, float, ["x", None, [1], {}, "", "1e5x"]),
    (str, str, [1, 1.5, True, None, [], {}]),
    (bool, bool, [2, -1, 1.5, "x", "", None, [], 2**70]),
    (type(None), type(None), [0, "", False, []]),
    (decimal.Decimal, decimal.Decimal, [True, None, [], "x", ""]),
    (uuid.UUID, uuid.UUID, [1, None, "x", "abc", "2020-01-01", "c8f5e2b6-1d3a-4b8e-9f7a-2c3d4e5f6a7",
                            "c8f5e2b6-1d3-4b8e-9f7a-2c3d4e5f6a7b", "c8f5e2b61d3a4b8e9f7a2c3d4e5f6a7", "zzz"]),
    (datetime.datetime, datetime.datetime, [True, None, [], "x", "2020-13-01T00:00:00", 10**20]),
    (datetime.date, datetime.date, [True, None, "x", "2020-13-01", 1.5, "2020-01-01T10:00:00"]),
    (datetime.time, datetime.time, [True, None, "x", -5, 10**6]),
    (datetime.timedelta, datetime.timedelta, [None, [], "x", 10**20]),
    (bytes, bytes, [1, None, [], {}]),
    (Literal["a", "b"], Literal["a", "b"], ["c", 1, None]),
    (Literal[1, 2], Literal[1, 2], [3, "x", None]),
    (Literal["a", 1, None], Literal["a", 1, None], [2, "b"]),
    (Color, Color, ["blue", 1, None, "RED"]),
    (Level, Level, [3, "x", None]),
    (Annotated[int, C(ge=2, lt=10, multiple_of=2)],
     Annotated[int, F(ge=2, lt=10, multiple_of=2)], [0, 1, 3, 11, 12, "x", "0"]),
    (Annotated[int, C(gt=1, le=9)], Annotated[int, F(gt=1, le=9)], [0, 1, 10]),
    (Annotated[float, C(gt=0.5, lt=1e20)], Annotated[float, F(gt=0.5, lt=1e20)], [0, 0.5, 1e21, "x"]),
    (Annotated[float, C(ge=1.5)], Annotated[float, F(ge=1.5)], [1, -0.0]),
    (Annotated[str, C(min_length=2, max_length=3, pattern="^a")],
     Annotated[str, F(min_length=2, max_length=3, pattern="^a")], ["", "a", "abcd", "bb", "bbbb", 1]),
    (Annotated[str, C(min_length=1)], Annotated[str, F(min_length=1)], [""]),
    (Annotated[bytes, C(min_length=1)], Annotated[bytes, F(min_length=1)], [""]),
    (Annotated[bytes, C(max_length=1)], Annotated[bytes, F(max_length=1)], ["YWJj"]),
    (list[int], list[int], ["x", {}, None, [1, "x", None, 2.5], [[1]]]),
    (Annotated[list[int], C(min_length=2)], Annotated[list[int], F(min_length=2)], [[], [1], ["x"]]),
    (Annotated[list[int], C(max_length=1)], Annotated[list[int], F(max_length=1)], [[1, 2], ["x", 1]]),
    (Annotated[set[int], C(min_length=2)], Annotated[set[int], F(min_length=2)], [[1], ["x"], [1, 1]]),
    (Annotated[frozenset[int], C(max_length=1)], Annotated[frozenset[int], F(max_length=1)], [[1, 2]]),
    (Annotated[tuple[int, ...], C(min_length=1)], Annotated[tuple[int, ...], F(min_length=1)], [[], ["x"]]),
    (Annotated[dict[str, int], C(min_length=2)], Annotated[dict[str, int], F(min_length=2)],
     [{"a": 1}, {"a": "x"}]),
    (set[int], set[int], [1, {}, [1, "x"]]),
    (frozenset[str], frozenset[str], [1, [1]]),
    (tuple[int, ...], tuple[int, ...], [1, [1, "x"]]),
    (tuple[int, str], tuple[int, str], [1, [], [1], ["x"], ["x", 1], [1, "a", 3]]),
    (dict[str, int], dict[str, int], [[], "x", {"a": "x", "b": 1}]),
    (dict[int, str], dict[int, str], [{"a": "b", "1": 2}, {"1.5": "x"}]),
    (dict[Color, int], dict[Color, int], [{"blue": 1}]),
    (Union[int, str], Union[int, str], [None, [1], {}, 1.5]),
    (int | str | None, int | str | None, [[1], 1.5]),
    (list[int] | None, list[int] | None, [["x"], 1]),
    (Optional[int], Optional[int], ["x", [1], 1.5]),
    (Union[int, str, None], Union[int, str, None], [[1]]),
    (Union[list[int], dict[str, int], None], Union[list[int], dict[str, int], None], [1, ["a"], {"a": "b"}]),
    (Union[Item, int], Union[PItem, int], [{"name": 1}, "q", []]),
    (Optional[Item], Optional[PItem], [{"name": 1}, 3]),
    (Union[DItem, int], Union[DItem, int], [{}]),
    (Union[Literal["a", "b"], int], Union[Literal["a", "b"], int], [[1]]),
    (Union[Color, int], Union[Color, int], [[1]]),
    (Union[Annotated[int, C(gt=1)], str], Union[Annotated[int, F(gt=1)], str], [[1]]),
    (Union[Annotated[str, C(min_length=1)], int], Union[Annotated[str, F(min_length=1)], int], [[1]]),
    (Union[decimal.Decimal, list[int]], Union[decimal.Decimal, list[int]], [{}]),
    (Union[uuid.UUID, list[str]], Union[uuid.UUID, list[str]], [{}]),
    (Union[datetime.datetime, list[str]], Union[datetime.datetime, list[str]], [{}]),
    (Union[tuple[int, ...], dict[int, str], float], Union[tuple[int, ...], dict[int, str], float], [None]),
    (Union[list[Optional[int]], str], Union[list[Optional[int]], str], [1, ["x"]]),
    (Union[list[Union[int, str]], float], Union[list[Union[int, str]], float], [None]),
    (Union[list[Item], int], Union[list[PItem], int], [{}]),
    (Union[tuple[int, str], bool], Union[tuple[int, str], bool], [{}]),
    (Union[Cat, Dog], Annotated[Union[PCat, PDog], Field(discriminator="type")],
     [{"type": "cow"}, {}, [1], "x", {"type": "cat", "lives": "x"}, {"type": "dog"}, {"type": 1}]),
    (Item, PItem, [[], "x", 1, None, {}, {"name": "a", "price": 1, "qty": "0"}]),
    (DItem, DItem, [[1], "x", {"name": 1, "price": None}]),
    (TD, TD, [[1], "x", {}, {"a": "x", "b": 1}]),
    (TDPartial, TDPartial, [{}, {"a": 1, "b": ["x"]}]),
    (NT, NT, ["x", 1, None, [], ["x"], [1, 2], [1, "a", 3]]),
    (AItem, PAItem, [[1], "x", {}, {"x": "q"}]),
    (Renamed, PRenamed, [{}, {"my_field": 1}, {"myField": "x", "otherField": 1}]),
    (Strict, PStrict, [{"a": 1, "b": 2, "c": 3}, {"b": 2}]),
    (Cat, PCat, [{"type": "dog", "lives": 1}, {"lives": "x"}]),
    (Tree, PTree, [{"value": "x", "children": [{"value": 1}, {"value": "y", "children": [{}]}],
                    "parent": {"value": None}}, {"children": 1, "parent": 1}]),
    (Outer, POuter, [{}, {"item": {}, "items": [{}, 1, {"name": "a", "price": 1}], "by_name": {"k": {}}}]),
    (list[Item], list[PItem], [[{"name": 1}, 2]]),
    (dict[str, list[Optional[int]]], dict[str, list[Optional[int]]], [{"a": [1, "x", None, []]}]),
]


@pytest.mark.parametrize(("ms_type", "pyd_type", "value"),
                         [(m, p, v) for m, p, values in CASES for v in values],
                         ids=lambda x: repr(x)[:40])
def test_matches_pydantic(ms_type: Any, pyd_type: Any, value: Any) -> None:
    assert not msgspec_accepts(ms_type, value)
    assert ours(ms_type, value) == pydantic_errors(pyd_type, value)


# --------------------------------------------------------------------------------------------------
# Documented disagreements: msgspec's acceptance wins; a rejection always gets an error


@pytest.mark.parametrize(("tp", "value", "kind"), [
    (int, True, "int_type"),
    (int, " 1", "int_parsing"),
    (int, "1_0", "int_parsing"),
    (int, 1e19, "int_parsing_size"),
    (float, True, "float_type"),
    (bool, 1.0, "bool_parsing"),
    (bool, "yes", "bool_parsing"),
    (bytes, "abc!", "bytes_invalid_encoding"),
    (datetime.datetime, "2020-01-01", "datetime_from_date_parsing"),
    (datetime.date, 0, "date_from_datetime_inexact"),
    (datetime.time, 5, "time_type"),
    (datetime.timedelta, True, "time_delta_type"),
    (datetime.timedelta, "1 day", "time_delta_parsing"),
    (uuid.UUID, "urn:uuid:c8f5e2b6-1d3a-4b8e-9f7a-2c3d4e5f6a7b", "uuid_parsing"),
    (Level, True, "enum"),
    (Literal[1, 2], 1.0, "literal_error"),
    (Union[int, str], True, None),
    (NT, {"a": 1}, "tuple_type"),
])
def test_msgspec_rejects_pydantic_accepts(tp: Any, value: Any, kind: str | None) -> None:
    assert not msgspec_accepts(tp, value)
    errors = collect_errors(tp, value, BODY)
    assert errors
    if kind is not None:
        assert errors[0]["type"] == kind


@pytest.mark.parametrize(("tp", "value"), [
    (type(None), "null"), (decimal.Decimal, "nan"), (datetime.timedelta, "3600"), (Level, "1"),
    (Literal[1, 2], "1"), (Optional[int], "null"), (Annotated[set[int], C(max_length=1)], [1, 1]),
])
def test_msgspec_accepts_pydantic_rejects(tp: Any, value: Any) -> None:
    assert msgspec_accepts(tp, value)
    assert collect_errors(tp, value, BODY) == []


def test_union_wrong_members_get_fallback_when_nothing_else() -> None:
    errors = collect_errors(Union[int, str], True, BODY)
    assert [e["loc"] for e in errors] == [("body", "int"), ("body", "str")]


def test_namedtuple_from_object_field_errors() -> None:
    errors = collect_errors(NT, {"a": "x", "c": 1}, BODY)
    assert [e["type"] for e in errors] == ["int_parsing", "extra_forbidden"]


def test_array_like_struct() -> None:
    class Point(msgspec.Struct, array_like=True):
        x: int
        y: int = 0

    assert collect_errors(Point, [1], BODY) == []
    assert [(e["type"], e["loc"]) for e in collect_errors(Point, ["a", "b"], BODY)] == [
        ("int_parsing", ("body", 0)), ("int_parsing", ("body", 1))]
    assert collect_errors(Point, [], BODY)[0]["type"] == "missing"
    assert collect_errors(Point, [1, 2, 3], BODY) == []  # msgspec ignores trailing items...

    class StrictPoint(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
        x: int

    assert collect_errors(StrictPoint, [1, 2], BODY)[0]["type"] == "too_long"  # ...unless told not to
    assert collect_errors(Point, {"x": 1}, BODY)[0]["type"] == "list_type"


def test_datetime_tz_constraint() -> None:
    aware = Annotated[datetime.datetime, msgspec.Meta(tz=True)]
    assert collect_errors(aware, "2020-01-01T00:00:00", BODY)[0]["type"] == "timezone_aware"
    naive = Annotated[datetime.datetime, msgspec.Meta(tz=False)]
    assert collect_errors(naive, "2020-01-01T00:00:00Z", BODY)[0]["type"] == "timezone_naive"


def test_deep_recursion_is_linear_and_bounded() -> None:
    value: dict[str, Any] = {"value": 0}
    cur = value
    for i in range(200):
        cur["parent"] = {"value": i}
        cur = cur["parent"]
    cur["value"] = "x"
    errors = collect_errors(Tree, value, BODY)
    assert len(errors) == 1 and errors[0]["loc"][-1] == "value" and len(errors[0]["loc"]) == 202
    deeper: Any = "x"
    for _ in range(5000):
        deeper = {"value": 1, "parent": deeper}
    assert collect_errors(Tree, deeper, BODY)  # RecursionError is answered with msgspec's own error


# --------------------------------------------------------------------------------------------------
# fallback_error and json_invalid_error


def test_set_length_is_counted_after_deduplication() -> None:
    # convert() accepts [1, 1] as a set of at least 2; the JSON decoder (the fast path) does not.
    tp = Annotated[set[int], C(min_length=2)]
    assert convert_accepts(tp, [1, 1]) and not msgspec_accepts(tp, [1, 1])
    assert [e["type"] for e in collect_errors(tp, [1, 1], BODY)] == ["too_short"]


def _validation_error(tp: Any, value: Any) -> msgspec.ValidationError:
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.convert(value, tp, strict=False)
    return info.value


def test_fallback_error_paths_and_types() -> None:
    exc = _validation_error(dict[str, list[int]], {"a": [1, "x"]})
    assert fallback_error(exc, BODY, {"a": [1, "x"]}) == {  # msgspec does not name the key: `$[...][1]`
        "type": "int_type", "loc": ("body",), "msg": "Input should be a valid integer",
        "input": {"a": [1, "x"]}}
    exc = _validation_error(list[dict[str, int]], [{}, {"k": "x"}])
    assert fallback_error(exc, BODY, [{}, {"k": "x"}])["loc"] == ("body", 1)
    exc = _validation_error(Item, {"price": 1})
    assert fallback_error(exc, BODY, {"price": 1}) == {
        "type": "missing", "loc": ("body", "name"), "msg": "Field required", "input": {"price": 1}}
    exc = _validation_error(Strict, {"a": 1, "zz": 2})
    assert fallback_error(exc, BODY, {"a": 1, "zz": 2})["type"] == "extra_forbidden"
    exc = _validation_error(dict[int, int], {"k": 1})
    assert fallback_error(exc, BODY)["loc"] == ("body", "[key]")
    exc = _validation_error(uuid.UUID, "x")
    err = fallback_error(exc, BODY, "x")
    assert err["type"] == "value_error" and err["ctx"] == {"error": "Invalid UUID"} and err["input"] == "x"
    assert fallback_error(_validation_error(Tree, {"value": 1, "parent": 1}), BODY)["input"] == {}


def test_json_invalid_error() -> None:
    raw = b'{"a": 1,}'
    with pytest.raises(msgspec.DecodeError) as info:
        msgspec.json.decode(raw)
    assert json_invalid_error(info.value, raw) == {
        "type": "json_invalid", "loc": ("body", 8), "msg": "JSON decode error", "input": {},
        "ctx": {"error": "JSON is malformed: trailing comma in object"}}
    raw = b'{"a": '
    with pytest.raises(msgspec.DecodeError) as info:
        msgspec.json.decode(raw)
    assert json_invalid_error(info.value, raw, ("body", "x")) == {
        "type": "json_invalid", "loc": ("body", "x", 0), "msg": "JSON decode error", "input": {},
        "ctx": {"error": "Input data was truncated"}}


# --------------------------------------------------------------------------------------------------
# Hypothesis: random JSON values against random model pairs

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6), st.sampled_from(["1", "0", "-3", "1.5", "true", "false", "abc", "", "aa", "abcd",
                                          "2020-01-01", "a1", "red", "green"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=12,
)

# (msgspec type, pydantic type) for one field; nested models are added by the model strategy.
FIELD_MENU: list[tuple[Any, Any]] = [
    (int, int), (float, float), (str, str), (bool, bool), (Any, Any), (decimal.Decimal, decimal.Decimal),
    (Annotated[int, C(ge=0)], Annotated[int, F(ge=0)]),
    (Annotated[int, C(gt=-5, lt=5)], Annotated[int, F(gt=-5, lt=5)]),
    (Annotated[int, C(multiple_of=3, le=30)], Annotated[int, F(multiple_of=3, le=30)]),
    (Annotated[float, C(ge=0.5)], Annotated[float, F(ge=0.5)]),
    (Annotated[str, C(min_length=2, max_length=3)], Annotated[str, F(min_length=2, max_length=3)]),
    (Annotated[str, C(pattern="^a")], Annotated[str, F(pattern="^a")]),
    (Optional[int], Optional[int]), (Union[int, str], Union[int, str]), (Optional[str], Optional[str]),
    (Literal["red", "green"], Literal["red", "green"]), (Color, Color),
    (list[int], list[int]), (list[str], list[str]), (dict[str, int], dict[str, int]),
    (Annotated[list[int], C(min_length=1, max_length=2)],
     Annotated[list[int], F(min_length=1, max_length=2)]),
    (tuple[int, str], tuple[int, str]), (set[int], set[int]), (list[Optional[float]], list[Optional[float]]),
    (Union[list[int], dict[str, str], None], Union[list[int], dict[str, str], None]),
]


@dataclasses.dataclass
class ModelPair:
    ms: Any
    pyd: Any
    fields: list[tuple[str, Any, Any, bool]]  # name, msgspec type, pydantic type, has default


_counter = iter(range(10**9))
_PAIRS: dict[Any, ModelPair] = {}


@st.composite
def model_pairs(draw: st.DrawFn, depth: int = 0) -> ModelPair:
    n = draw(st.integers(1, 4))
    forbid = draw(st.booleans())
    fields: list[tuple[str, Any, Any, bool]] = []
    for i in range(n):
        if depth < 2 and draw(st.integers(0, 6)) == 0:
            sub = draw(model_pairs(depth + 1))
            wrap = draw(st.sampled_from(["plain", "list", "optional"]))
            ms_t, pyd_t = {"plain": (sub.ms, sub.pyd), "list": (list[sub.ms], list[sub.pyd]),
                           "optional": (Optional[sub.ms], Optional[sub.pyd])}[wrap]
        else:
            ms_t, pyd_t = draw(st.sampled_from(FIELD_MENU))
        fields.append((f"f{i}", ms_t, pyd_t, draw(st.booleans())))
    name = f"M{next(_counter)}"
    ms_fields = [(fname, mt, None) if has_default else (fname, mt) for fname, mt, _, has_default in fields]
    ms = msgspec.defstruct(name, ms_fields, forbid_unknown_fields=forbid, kw_only=True)
    pyd_fields = {fname: (pt, None if has_default else ...) for fname, _, pt, has_default in fields}
    config = ConfigDict(extra="forbid" if forbid else "ignore")
    pyd = pydantic.create_model(name, __config__=config, **pyd_fields)  # type: ignore[call-overload]
    pair = ModelPair(ms, pyd, fields)
    _PAIRS[ms] = pair  # for value generation and the disagreement filter
    return pair


def _near_values(ms_type: Any) -> st.SearchStrategy[Any]:
    """Values close to valid for a field, so that constraint and item paths are exercised."""
    return st.one_of(json_values, st.lists(json_scalars, max_size=4),
                     st.dictionaries(st.sampled_from(["a", "b", "f0", "f1"]), json_scalars, max_size=3))


@st.composite
def model_values(draw: st.DrawFn, pair: ModelPair, depth: int = 0) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    value: dict[str, Any] = {}
    for fname, ms_t, _, has_default in pair.fields:
        if has_default and draw(st.booleans()):
            continue
        if draw(st.integers(0, 9)) == 0:
            continue  # missing
        sub = _sub_pair(ms_t)
        if sub is not None and depth < 3 and draw(st.booleans()):
            if ms_t is sub.ms:
                value[fname] = draw(model_values(sub, depth + 1))
            else:
                value[fname] = draw(st.lists(model_values(sub, depth + 1), max_size=3))
        else:
            value[fname] = draw(_near_values(ms_t))
    if draw(st.integers(0, 4)) == 0:
        value[draw(st.sampled_from(["zz", "f0", "extra"]))] = draw(json_scalars)
    return value


def _sub_pair(ms_t: Any) -> ModelPair | None:
    for candidate in (ms_t, *getattr(ms_t, "__args__", ())):
        if candidate in _PAIRS:
            return _PAIRS[candidate]
    return None


def _disagrees(ms_t: Any, pyd_t: Any, value: Any) -> bool:
    """Whether ``value`` hits a documented msgspec/pydantic disagreement anywhere inside ``ms_t``."""
    pair = _PAIRS.get(ms_t)
    if pair is not None:
        if not isinstance(value, dict):
            return False
        return any(_disagrees(mt, pt, value[name]) for name, mt, pt, _ in pair.fields if name in value)
    if getattr(ms_t, "__metadata__", None) and getattr(pyd_t, "__metadata__", None):
        inner_ms, inner_pyd = ms_t.__origin__, pyd_t.__origin__
        if getattr(inner_ms, "__origin__", None) is not None:  # a constrained container: its items too
            return msgspec_accepts(ms_t, value) != pydantic_accepts(pyd_t, value) or _disagrees(
                inner_ms, inner_pyd, value)
    origin = getattr(ms_t, "__origin__", None)
    args = getattr(ms_t, "__args__", ())
    if origin in (list, set) and isinstance(value, list):
        return any(_disagrees(args[0], pyd_t.__args__[0], item) for item in value)
    if origin is Union and ms_t is not Optional[int] and any(a in _PAIRS for a in args):
        member = next(a for a in args if a in _PAIRS)
        pyd_member = next(a for a in pyd_t.__args__ if isinstance(a, type) and issubclass(a, BaseModel))
        if value is None:
            return False
        return _disagrees(member, pyd_member, value) or (
            not isinstance(value, dict) and msgspec_accepts(ms_t, value) != pydantic_accepts(pyd_t, value))
    if origin is dict and isinstance(value, dict):
        return any(_disagrees(args[1], pyd_t.__args__[1], item) for item in value.values())
    if origin is tuple and isinstance(value, list):
        return any(_disagrees(a, p, item) for a, p, item in zip(args, pyd_t.__args__, value, strict=False))
    if isinstance(value, bool) and _base(ms_t) in (int, float):
        return True  # pydantic reads a bool as 0/1 and reports on the number (e.g. multiple_of)
    # A leaf, a union of leaves or containers of leaves: compare the two libraries directly.
    return msgspec_accepts(ms_t, value) != pydantic_accepts(pyd_t, value) or (
        origin is Union and isinstance(value, (list, dict)) and _disagrees_inside_union(ms_t, pyd_t, value))


def _base(tp: Any) -> Any:
    return tp.__origin__ if getattr(tp, "__metadata__", None) else tp


def _disagrees_inside_union(ms_t: Any, pyd_t: Any, value: Any) -> bool:
    return any(getattr(m, "__origin__", None) is not None and _disagrees(m, p, value)
               for m, p in zip(ms_t.__args__, pyd_t.__args__, strict=True) if m is not type(None))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_hypothesis_models_match_pydantic(data: st.DataObject) -> None:
    pair = data.draw(model_pairs())
    value = data.draw(model_values(pair))
    assume(not _disagrees(pair.ms, pair.pyd, value))
    expected = pydantic_errors(pair.pyd, value)
    assert ours(pair.ms, value) == expected



@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FIELD_MENU), json_values)
def test_hypothesis_fields_match_pydantic(types: tuple[Any, Any], value: Any) -> None:
    ms_t, pyd_t = types
    assume(not _disagrees(ms_t, pyd_t, value))
    assert ours(ms_t, value) == pydantic_errors(pyd_t, value)


# Every supported type, for the acceptance property (pydantic is not consulted).
ACCEPTANCE_TYPES: list[Any] = [t for t, _ in FIELD_MENU] + [
    Item, DItem, TD, TDPartial, NT, AItem, Renamed, Strict, Cat, Union[Cat, Dog], Tree, Outer,
    datetime.datetime, datetime.date, datetime.time, datetime.timedelta, uuid.UUID, bytes, type(None),
    Level, Literal[1, 2], frozenset[str], tuple[int, ...], dict[int, str], Optional[Item],
    Annotated[set[int], C(min_length=2)], Annotated[bytes, C(max_length=2)], Union[Item, int],
    Optional[list[Tree]], dict[str, Optional[Item]],
]


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(ACCEPTANCE_TYPES), json_values)
def test_hypothesis_empty_exactly_when_msgspec_accepts(tp: Any, value: Any) -> None:
    errors = collect_errors(tp, value, BODY)
    for err in errors:
        assert set(err) <= {"type", "loc", "msg", "input", "ctx"} and err["loc"][:1] == BODY
        assert isinstance(err["msg"], str) and isinstance(err["type"], str)
    # The fast path decodes JSON: its Decoder is the judge of what is accepted...
    decoded = msgspec_accepts(tp, value)
    assert (errors == []) == decoded
    # ...and msgspec.convert agrees with it, except on set lengths (convert counts duplicates).
    if not _has_set_length(tp):
        assert convert_accepts(tp, value) == decoded


def _has_set_length(tp: Any) -> bool:
    return getattr(tp, "__metadata__", None) is not None and getattr(tp.__origin__, "__origin__", None) in (
        set, frozenset)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([Item, Tree, Outer, Union[Cat, Dog], TD, dict[str, list[int]]]), json_values)
def test_hypothesis_errors_are_json_serialisable(tp: Any, value: Any) -> None:
    for err in collect_errors(tp, value, BODY):
        json.dumps({**err, "ctx": _jsonable(err.get("ctx"))})
        assert not (isinstance(err["input"], float) and math.isnan(err["input"]))
