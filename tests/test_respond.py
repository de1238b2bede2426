"""fastcore._respond: results to ASGI messages, encoded once by msgspec."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import uuid
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import Response

from fastcore._respond import SendWatch, all_of_type, content_length, encode, instance_dicts, render_json


class Color(enum.Enum):
    red = "red"


class Point(msgspec.Struct):
    x: int
    y: int


@dataclasses.dataclass
class Pair:
    a: int
    b: str


def test_render_json_messages() -> None:
    start, body = render_json({"a": 1}, 200, False, None)
    assert start == {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"7")],
    }
    assert body == {"type": "http.response.body", "body": b'{"a":1}'}


def test_head_keeps_length_drops_body() -> None:
    start, body = render_json([1, 2, 3], 200, True, None)
    assert (b"content-length", b"7") in start["headers"]
    assert body["body"] == b""


@pytest.mark.parametrize("status", [100, 101, 204, 304])
def test_no_body_statuses(status: int) -> None:
    start, body = render_json(None, status, False, None)
    assert start["status"] == status
    assert [k for k, _ in start["headers"]] == [b"content-type"]
    assert body["body"] == b""


def test_sub_response_status_and_headers() -> None:
    sub = Response()
    del sub.headers["content-length"]
    sub.status_code = None  # type: ignore[assignment]
    sub.set_cookie("session", "abc")
    sub.headers["x-extra"] = "1"
    start, _ = render_json({}, 201, False, sub)
    assert start["status"] == 201
    sub.status_code = 202
    start, _ = render_json({}, 201, False, sub)
    assert start["status"] == 202
    names = [k for k, _ in start["headers"]]
    assert names.count(b"content-length") == 1
    assert b"set-cookie" in names and b"x-extra" in names


def test_large_body_length() -> None:
    payload = "x" * 100_000
    start, body = render_json(payload, 200, False, None)
    assert dict(start["headers"])[b"content-length"] == str(len(body["body"])).encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Point(1, 2), {"x": 1, "y": 2}),
        (Pair(1, "b"), {"a": 1, "b": "b"}),
        (Color.red, "red"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (datetime.date(2020, 1, 2), "2020-01-02"),
        (datetime.datetime(2020, 1, 2, 3, 4, 5), "2020-01-02T03:04:05"),
        (decimal.Decimal("1.50"), 1.5),  # a JSON number, as FastAPI's jsonable_encoder gives
        ({"nested": [1, {"k": None}]}, {"nested": [1, {"k": None}]}),
        ({1, 2}, [1, 2]),
    ],
)
def test_encode_types(value: Any, expected: Any) -> None:
    assert json.loads(encode(value)) == expected


def test_encode_model_dump_objects() -> None:
    class Model:
        def model_dump(self, mode: str, by_alias: bool) -> dict[str, str]:
            assert mode == "json"
            assert by_alias  # FastAPI's jsonable_encoder writes a returned model by alias
            return {"kind": "pydantic-like"}

    assert json.loads(encode(Model())) == {"kind": "pydantic-like"}


def test_unencodable_raises_type_error() -> None:
    with pytest.raises(TypeError):
        encode(object())


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


@given(json_values)
def test_encode_roundtrips_like_json(value: Any) -> None:
    assert json.loads(encode(value)) == json.loads(json.dumps(value))


@given(st.integers(0, 100_000))
def test_content_length(n: int) -> None:
    assert content_length(n) == str(n).encode()


# -- SendWatch ----------------------------------------------------------------------------------


def test_send_watch_forwards_and_notes_the_start() -> None:
    sent: list[dict[str, Any]] = []
    marker = object()

    def send(message: dict[str, Any]) -> Any:
        sent.append(message)
        return marker  # the wrapped send's own awaitable comes back untouched

    watch = SendWatch(send)  # type: ignore[arg-type]
    assert watch.send is send and not watch.started
    body = {"type": "http.response.body", "body": b""}
    assert watch(body) is marker and not watch.started  # only http.response.start counts
    start = {"type": "http.response.start", "status": 200, "headers": []}
    assert watch(start) is marker and watch.started
    assert sent == [body, start]


def test_send_watch_passes_errors_through() -> None:
    def send(message: dict[str, Any]) -> Any:
        raise OSError("gone")

    watch = SendWatch(send)  # type: ignore[arg-type]
    with pytest.raises(OSError, match="gone"):
        watch({"type": "http.response.start", "status": 200})
    assert watch.started
    with pytest.raises(KeyError):
        SendWatch(send)({})  # type: ignore[arg-type]


def test_all_of_type_is_exact() -> None:
    class Sub(Point):
        pass

    assert all_of_type([], Point)
    assert all_of_type([Point(x=1, y=2), Point(x=3, y=4)], Point)
    assert not all_of_type([Point(x=1, y=2), Sub(x=1, y=2)], Point)  # a subclass is not the type
    assert not all_of_type([Point(x=1, y=2), {"x": 1, "y": 2}], Point)


def test_instance_dicts_are_the_instances_own_for_one_exact_type() -> None:
    from pydantic import BaseModel

    class Item(BaseModel):
        name: str
        price: float

    class Special(Item):
        pass

    items = [Item(name="a", price=1.5), Item(name="b", price=2.0)]
    dicts = instance_dicts(items, Item)
    assert dicts == [{"name": "a", "price": 1.5}, {"name": "b", "price": 2.0}]
    assert dicts is not None and all(d is item.__dict__ for d, item in zip(dicts, items, strict=True))
    assert instance_dicts([], Item) == []
    assert instance_dicts([*items, Special(name="c", price=3.0)], Item) is None  # a subclass may add
    assert instance_dicts([items[0], {"name": "b", "price": 2.0}], Item) is None


def test_encode_escapes_lone_surrogates() -> None:
    value = {"a": "x\ud800", "b": [1, "\udfff", decimal.Decimal("1.5")], "k\udc00": "ok", "c": "é"}
    body = encode(value)
    assert body == b'{"a":"x\\ud800","b":[1,"\\udfff",1.5],"k\xef\xbf\xbd":"ok","c":"\xc3\xa9"}'
    assert json.loads(body)["a"] == "x\ud800"
    start, message = render_json(["\ud800"], 200, False, None)
    assert message["body"] == b'["\\ud800"]'
    assert dict(start["headers"])[b"content-length"] == b"10"


def test_other_objects_encode_as_fastapis_jsonable_encoder_does() -> None:
    from fastapi.encoders import jsonable_encoder

    class Point:
        def __init__(self) -> None:
            self.x = 1
            self.tags = ["a", "b"]

    class Pairs:
        def __iter__(self) -> Any:
            return iter([("k", 1), ("v", "w")])

    for value in (Point(), Pairs(), {"nested": Point()}):
        assert json.loads(encode(value)) == jsonable_encoder(value)
