"""JSON on the wire equals FastAPI's (issue 12), and pydantic bodies/responses at fastcore speed (13).

FastAPI writes a result in one of two ways: without a response model through ``jsonable_encoder``
(aware datetimes ``+00:00``, timedelta as float seconds, bytes as text, Decimal as int or float), with
one through pydantic's serializer (``Z``, ISO 8601 durations, Decimal as a string).  Every test here
answers the same handler result from a FastAPI app and a fastcore app and compares the JSON.
"""

# ruff: noqa: UP045  (typing.Optional: the spelling most ported apps use)

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import ipaddress
import json
import pathlib
import uuid
from typing import Any, Optional

import fastapi
import fastapi.testclient
import msgspec
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastcore
import fastcore.testclient
from fastcore._respond import encode, iso_duration_text
from fastcore.models import ResponsePlan

UTC = datetime.timezone.utc
_RESULT: list[Any] = [None]


def _pair(**route: Any) -> tuple[Any, Any]:
    """A FastAPI and a fastcore client whose ``GET /`` returns ``_RESULT[0]``."""
    clients = []
    for app in (fastapi.FastAPI(), fastcore.FastCore()):

        # No return annotation: FastAPI would take ``Any`` as a response model.
        @app.get("/", **route)
        def handler():  # type: ignore[no-untyped-def]
            return _RESULT[0]

        client_cls = fastapi.testclient.TestClient if isinstance(app, fastapi.FastAPI) else \
            fastcore.testclient.TestClient
        clients.append(client_cls(app))
    return clients[0], clients[1]


def _answers(result: Any, **route: Any) -> tuple[Any, Any]:
    theirs, ours = _pair(**route)
    _RESULT[0] = result
    expected, actual = theirs.get("/"), ours.get("/")
    assert expected.status_code == 200, expected.text
    assert actual.status_code == 200, actual.text
    return expected, actual


class Color(enum.Enum):
    red = "red"


@dataclasses.dataclass
class Event:
    at: datetime.datetime
    took: datetime.timedelta
    price: decimal.Decimal


class Thing(pydantic.BaseModel):
    at: datetime.datetime
    took: datetime.timedelta
    price: decimal.Decimal
    raw: bytes


AWARE = datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)

# Results without a response model: FastAPI's jsonable_encoder decides.
UNTYPED = [
    {"at": AWARE},
    {"at": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-3)))},
    {"naive": datetime.datetime(2024, 1, 2, 3, 4, 5), "day": datetime.date(2024, 2, 29)},
    {"t": datetime.time(1, 2, 3, tzinfo=UTC), "naive": datetime.time(4, 5)},
    {"took": datetime.timedelta(seconds=300)},
    [datetime.timedelta(days=-2, microseconds=7), datetime.timedelta(0)],
    {"raw": b"hello"},
    {"price": decimal.Decimal("1.50"), "count": decimal.Decimal("1E+2"), "zero": decimal.Decimal("-0")},
    ({"nested": [{"deep": (AWARE, b"x")}]}),
    {"ids": {uuid.UUID(int=1)}, "frozen": frozenset({3}), "color": Color.red},
    {"event": Event(AWARE, datetime.timedelta(minutes=1), decimal.Decimal("2.5"))},
    Thing(at=AWARE, took=datetime.timedelta(hours=1), price=decimal.Decimal("3.10"), raw=b"r"),
    {"ip": ipaddress.IPv4Address("10.0.0.1"), "path": pathlib.PurePosixPath("/a/b"),
     "queue": collections.deque([1, 2])},
    {"message": "plain", "n": 1, "f": 1.5, "ok": True, "none": None, "list": [1, "a"]},
]


@pytest.mark.parametrize("result", UNTYPED, ids=[str(i) for i in range(len(UNTYPED))])
def test_untyped_results_are_fastapis_json(result: Any) -> None:
    expected, actual = _answers(result)
    assert actual.json() == expected.json()
    # Same text too: both compact, the same float and string forms.
    assert actual.content == expected.content


def test_untyped_plain_results_are_encoded_as_they_are() -> None:
    # The common case needs no conversion: the very object reaches the encoder (no copy).
    result = {"a": [1, 2.5, "x", None, True, {"b": datetime.date(2024, 1, 2)}], "u": uuid.UUID(int=2)}
    assert encode(result) == msgspec.json.encode(result)


def test_untyped_nesting_is_bounded() -> None:
    deep: Any = datetime.timedelta(1)
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(RecursionError):
        encode(deep)


# Response models: FastAPI encodes them with pydantic's serializer.
@dataclasses.dataclass
class Row:
    took: datetime.timedelta
    price: decimal.Decimal
    raw: bytes
    at: datetime.datetime
    extra: Any = None


class SRow(msgspec.Struct):
    took: datetime.timedelta
    price: decimal.Decimal
    raw: bytes
    at: datetime.datetime
    extra: Any = None


ROW = {"took": datetime.timedelta(seconds=300), "price": decimal.Decimal("1.50"), "raw": b"bytes",
       "at": AWARE, "extra": {"d": decimal.Decimal("2"), "td": datetime.timedelta(days=400)}}


@pytest.mark.parametrize("model", [Row, list[Row], dict[str, Row]], ids=["row", "list", "dict"])
def test_typed_results_are_pydantics_json(model: Any) -> None:
    result = ROW if model is Row else [ROW, ROW] if model == list[Row] else {"k": ROW}
    expected, actual = _answers(result, response_model=model)
    assert actual.json() == expected.json()


def test_struct_response_model_is_written_like_its_pydantic_twin() -> None:
    expected, _ = _answers(ROW, response_model=Row)
    ours = json.loads(encode(ResponsePlan(SRow).serialize(ROW)))
    assert ours == expected.json()


@pytest.mark.parametrize("seconds", [0, 1, 59.5, 60, 3600, 3661.25, 86400, 86401, 400 * 86400, -1, -90061.5,
                                     10**9, 1e-6, -1e-6])
def test_iso_duration_is_pydantics(seconds: float) -> None:
    delta = datetime.timedelta(seconds=seconds)
    assert iso_duration_text(delta) == json.loads(pydantic.TypeAdapter(datetime.timedelta).dump_json(delta))


# --------------------------------------------------------------------------------------------------
# pydantic models, generated: fastcore's response JSON equals FastAPI's for every option.


class Level(enum.Enum):
    low = 1
    high = "high"


_SCALARS: list[tuple[Any, st.SearchStrategy[Any]]] = [
    (int, st.integers(-(2**70), 2**70)),
    (float, st.floats(allow_nan=False, allow_infinity=False)),
    (str, st.text(max_size=8)),
    (bool, st.booleans()),
    (datetime.datetime, st.datetimes(timezones=st.sampled_from([None, UTC]))),
    (datetime.date, st.dates()),
    (decimal.Decimal, st.decimals(allow_nan=False, allow_infinity=False, places=3)),
    (uuid.UUID, st.uuids()),
    (Level, st.sampled_from(list(Level))),
    (datetime.timedelta, st.timedeltas()),
]


@st.composite
def _field(draw: st.DrawFn, depth: int) -> tuple[Any, st.SearchStrategy[Any]]:
    choice = draw(st.integers(0, 3 if depth < 2 else 1))
    if choice <= 1:
        tp, values = draw(st.sampled_from(_SCALARS))
    elif choice == 2:
        tp, values = draw(_field(depth + 1))
        tp, values = list[tp], st.lists(values, max_size=3)  # type: ignore[valid-type]
    else:
        tp, values = draw(_model(depth + 1))
    if draw(st.booleans()):
        tp, values = Optional[tp], st.none() | values
    return tp, values


_counter = [0]


@st.composite
def _model(draw: st.DrawFn, depth: int = 0) -> tuple[Any, st.SearchStrategy[Any]]:
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=4, unique=True))
    fields: dict[str, Any] = {}
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name in names:
        tp, strategy = draw(_field(depth))
        alias = f"{name.upper()}_alias" if draw(st.booleans()) else None
        if draw(st.booleans()):
            default = draw(strategy)
            fields[name] = (tp, pydantic.Field(default=default, alias=alias))
            optional[alias or name] = strategy  # sent or not: exclude_unset tells the difference
        else:
            fields[name] = (tp, pydantic.Field(alias=alias))
            required[alias or name] = strategy
    _counter[0] += 1
    cls = pydantic.create_model(f"M{_counter[0]}", **fields)  # type: ignore[call-overload]
    present = st.fixed_dictionaries(required, optional=optional)
    return cls, present.map(lambda data: cls.model_validate(data)) if depth else present


_OPTIONS = st.fixed_dictionaries({}, optional={
    "response_model_by_alias": st.booleans(),
    "response_model_exclude_unset": st.booleans(),
    "response_model_exclude_defaults": st.booleans(),
    "response_model_exclude_none": st.booleans(),
    "response_model_exclude": st.sets(st.sampled_from(["a", "b", "c"]), max_size=2),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pydantic_responses_are_fastapis_json(data: st.DataObject) -> None:
    model, values = data.draw(_model())
    options = data.draw(_OPTIONS)
    as_list = data.draw(st.booleans())
    try:
        result = data.draw(values)
        result = model.model_validate(result)
    except pydantic.ValidationError:
        return  # a default that does not fit its own field: nothing to compare
    response_model = list[model] if as_list else model  # type: ignore[valid-type]
    expected, actual = _answers([result, result] if as_list else result, response_model=response_model,
                                **options)
    assert actual.json() == expected.json()


class Address(pydantic.BaseModel):
    street: str
    city: Optional[str] = None


class Order(pydantic.BaseModel):
    id: int
    total: float
    shipping: Address
    tags: list[str] = []


class Shout(pydantic.BaseModel):
    word: str

    @pydantic.field_serializer("word")
    def upper(self, value: str) -> str:
        return value.upper()

    @pydantic.computed_field  # type: ignore[prop-decorator]
    @property
    def length(self) -> int:
        return len(self.word)


class SubAddress(Address):
    secret: str = "hidden"


@pytest.mark.parametrize("result", [
    Order(id=1, total=2.5, shipping=Address(street="s")),
    [Order(id=1, total=2.5, shipping=Address(street="s"))] * 3,
    Order(id=1, total=2.5, shipping=SubAddress(street="s")),  # a subclass: pydantic writes Address's fields
    {"id": 1, "total": 2, "shipping": {"street": "s", "city": "c", "x": 1}},
    Shout(word="hi"),
], ids=["model", "list", "subclass", "dict", "serializers"])
def test_pydantic_response_hooks_and_subclasses(result: Any) -> None:
    model = Shout if isinstance(result, Shout) else list[Order] if isinstance(result, list) else Order
    expected, actual = _answers(result, response_model=model)
    assert actual.json() == expected.json()


def test_plain_pydantic_models_are_encoded_by_msgspec() -> None:
    plan = ResponsePlan(list[Order])
    assert plan._plain is not None and plan._plain.item is Order
    assert ResponsePlan(Shout)._plain is None  # serializer and computed field: pydantic writes it
    assert ResponsePlan(Order, exclude_none=True)._plain is None


# --------------------------------------------------------------------------------------------------
# pydantic bodies: validated from the bytes in one call, errors unchanged


def test_pydantic_body_is_validated_from_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    app = fastcore.FastCore()

    @app.post("/orders")
    async def create(order: Order) -> Order:
        return order

    calls: list[str] = []
    original = pydantic.TypeAdapter.validate_python

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append("python")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pydantic.TypeAdapter, "validate_python", spy)
    client = fastcore.testclient.TestClient(app)
    body = {"id": 1, "total": 2.5, "shipping": {"street": "s"}}
    response = client.post("/orders", json=body)
    assert response.status_code == 200
    assert response.json() == {**body, "shipping": {"street": "s", "city": None}, "tags": []}
    assert calls == []  # neither the body nor the returned instance went through validate_python



def test_annotated_dict_results_are_pydantics_json() -> None:
    # ``-> dict`` makes a response model: FastAPI writes the values with pydantic (Decimal as text).
    bodies = []
    for app, client_cls in ((fastapi.FastAPI(), fastapi.testclient.TestClient),
                            (fastcore.FastCore(), fastcore.testclient.TestClient)):

        @app.get("/")
        def handler() -> dict:  # type: ignore[type-arg]
            return {"price": decimal.Decimal("1.50"), "took": datetime.timedelta(minutes=5), "at": AWARE}

        bodies.append(client_cls(app).get("/").json())
    assert bodies[1] == bodies[0] == {"price": "1.50", "took": "PT5M", "at": "2024-01-02T03:04:05.000006Z"}
