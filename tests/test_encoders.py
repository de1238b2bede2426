"""fastcore.encoders.jsonable_encoder: FastAPI's own ``jsonable_encoder`` is the oracle."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import ipaddress
import math
import pathlib
import re
import uuid
from typing import Any

import attrs
import fastapi.encoders
import msgspec
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastcore.encoders import jsonable_encoder

theirs = fastapi.encoders.jsonable_encoder


class Color(enum.Enum):
    red = "red"
    blue = 2


class Level(enum.IntEnum):
    low = 1


class Shade(str, enum.Enum):
    dark = "dark"


@dataclasses.dataclass
class Point:
    x: int
    y: Any = None


class User(pydantic.BaseModel):
    name: str
    nick: str | None = pydantic.Field(default=None, alias="nickName")
    joined: datetime.date = datetime.date(2020, 1, 1)
    score: decimal.Decimal = decimal.Decimal("1.5")


class Plain:
    def __init__(self) -> None:
        self.a = 1
        self.b = [datetime.time(1, 2)]


def same(value: Any, **kwargs: Any) -> Any:
    try:
        expected = theirs(value, **kwargs)
    except Exception as exc:  # e.g. Decimal('sNaN'): fastcore must refuse it the same way
        with pytest.raises(type(exc)):
            jsonable_encoder(value, **kwargs)
        return None
    actual = jsonable_encoder(value, **kwargs)
    assert _comparable(actual) == _comparable(expected), value
    return actual


def _comparable(value: Any) -> Any:
    # NaN is never equal to itself; compare its spelling instead
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("value", [
    None, True, 0, -5, 1.5, "text",
    b"bytes",
    datetime.datetime(2024, 1, 2, 3, 4, 5, 6), datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc),
    datetime.date(2024, 1, 2), datetime.time(3, 4, 5), datetime.timedelta(days=1, microseconds=5),
    decimal.Decimal("1"), decimal.Decimal("1.0"), decimal.Decimal("1E+3"), decimal.Decimal("-0.25"),
    decimal.Decimal("NaN"), decimal.Decimal("Infinity"),
    uuid.UUID(int=7), pathlib.Path("/a/b"), pathlib.PurePosixPath("x/y"),
    Color.red, Color.blue, Level.low, Shade.dark,
    ipaddress.IPv4Address("1.2.3.4"), ipaddress.IPv6Network("::/120"), ipaddress.IPv4Interface("1.2.3.4/24"),
    re.compile("a+"),
    {1, 2, 3}, frozenset({"a"}), (1, "2"), collections.deque([1, 2]), [Point(1, Point(2))],
    {"a": {"b": [1, {"c": None}]}, 2: "int key", Color.red: "enum key"},
    Point(1, {"k": datetime.date(2020, 1, 1)}),
    User(name="u", nickName="n"),
    [User(name="u")],
    Plain(),
    {"_sa_instance_state": 1, "keep": 2},
    pydantic.SecretStr("hidden"),
    pydantic.AnyUrl("https://example.com/x"),
    pydantic.NameEmail("n", "n@example.com"),
], ids=repr)
def test_values_match_fastapi(value: Any) -> None:
    same(value)


def test_generators_become_lists() -> None:
    assert jsonable_encoder(i * 2 for i in range(3)) == theirs(i * 2 for i in range(3)) == [0, 2, 4]


@pytest.mark.parametrize("kwargs", [
    {"include": {"a"}},
    {"exclude": {"a"}},
    {"include": ["a", "b"]},
    {"exclude_none": True},
    {"sqlalchemy_safe": False},
    {"by_alias": False},
    {"exclude_unset": True},
    {"exclude_defaults": True},
    {"include": {"name": True}},
])
def test_options_match_fastapi(kwargs: dict[str, Any]) -> None:
    for value in (
        {"a": 1, "b": None, "c": {"d": None}, "_sa": 3},
        [{"a": 1, "b": 2}, {"a": None}],
        Point(1, None),
        User(name="u", nickName=None),
        User(name="u", joined=datetime.date(2020, 1, 1)),
        {"user": User(name="u")},
    ):
        same(value, **kwargs)


def test_custom_encoder_by_type_and_mro() -> None:
    class Base:
        pass

    class Child(Base):
        pass

    encoders = {Base: lambda _: "base", datetime.date: lambda d: d.year}
    value = {"when": datetime.datetime(2024, 5, 6), "obj": Child(), "items": [datetime.date(2023, 1, 1)]}
    assert jsonable_encoder(value, custom_encoder=encoders) == theirs(value, custom_encoder=encoders)
    assert jsonable_encoder(value, custom_encoder=encoders) == {"when": 2024, "obj": "base", "items": [2023]}
    # the most specific class of the MRO wins, whatever the mapping's order
    ordered = {Base: lambda _: "base", Child: lambda _: "child"}
    assert jsonable_encoder(Child(), custom_encoder=ordered) == "child"
    # virtual base classes (ABCs) are found by isinstance
    assert jsonable_encoder({"k": 1}, custom_encoder={collections.abc.Mapping: lambda _: "map"}) == "map"


def test_structs_and_attrs() -> None:
    class Tagged(msgspec.Struct, tag="t", rename="camel"):
        first_name: str
        when: datetime.date
        maybe: int | msgspec.UnsetType = msgspec.UNSET

    @attrs.define  # slotted: FastAPI cannot encode these
    class Row:
        id: uuid.UUID
        tags: set[str]

    value = Tagged("a", datetime.date(2024, 1, 2))
    assert jsonable_encoder(value) == {"type": "t", "firstName": "a", "when": "2024-01-02"}
    assert jsonable_encoder(value, by_alias=False) == {"type": "t", "first_name": "a", "when": "2024-01-02"}
    assert jsonable_encoder(value, include={"firstName"}) == {"firstName": "a"}
    assert jsonable_encoder(Row(uuid.UUID(int=1), {"x"})) == {
        "id": "00000000-0000-0000-0000-000000000001", "tags": ["x"]}


def test_unencodable_raises_value_error() -> None:
    with pytest.raises(ValueError):
        jsonable_encoder(object())


# --------------------------------------------------------------------------------------------------
# Hypothesis: random nested values

_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
    st.binary(max_size=8).filter(lambda b: _utf8(b)),
    st.datetimes(), st.datetimes(timezones=st.timezones()), st.dates(), st.times(), st.timedeltas(),
    st.decimals(allow_nan=True, allow_infinity=True), st.uuids(), st.sampled_from(list(Color)),
    st.sampled_from([Level.low, Shade.dark]), st.ip_addresses(),
    st.text(max_size=5).map(pathlib.PurePosixPath),
)
_hashable = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.uuids(),
                      st.dates(), st.sampled_from(list(Color)))


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.lists(children, max_size=3).map(collections.deque),
        # one element at most: FastAPI deep-copies dataclasses, and a copied set may iterate in
        # another order (both orders are right; the lists would differ)
        st.frozensets(_hashable, max_size=1),
        st.sets(_hashable, max_size=1),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers(), st.sampled_from(list(Color))),
                        children, max_size=4),
        st.builds(Point, st.integers(), children),
        st.builds(User, name=st.text(max_size=5), nickName=st.none() | st.text(max_size=5),
                  joined=st.dates(), score=st.decimals(allow_nan=False, allow_infinity=False)),
    )


_values = st.recursive(_leaves, _extend, max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_hypothesis_matches_fastapi(value: Any) -> None:
    same(value)


@settings(max_examples=150, deadline=None)
@given(_values, st.sampled_from([
    {"exclude_none": True}, {"include": {"a", "b", 0}}, {"exclude": {"a", 1}}, {"by_alias": False},
    {"exclude_unset": True, "exclude_defaults": True}, {"sqlalchemy_safe": False},
]))
def test_hypothesis_options_match_fastapi(value: Any, kwargs: dict[str, Any]) -> None:
    same(value, **kwargs)
