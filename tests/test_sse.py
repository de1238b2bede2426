"""fastcore.sse: the event wire format, ServerSentEvent, and EventSourceResponse returned directly.

Generator path operations streaming events are tested with the other streams, in test_streaming.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator, MutableMapping
from typing import Any

import msgspec
import pytest
from starlette.background import BackgroundTask

from fastcore import FastCore
from fastcore.sse import KEEPALIVE_COMMENT, EventSourceResponse, ServerSentEvent, format_sse_event, json_text
from fastcore.testclient import TestClient


class Point(msgspec.Struct):
    x: int
    y: int


@dataclasses.dataclass
class Note:
    text: str


# --------------------------------------------------------------------------------------------------
# The wire format


@pytest.mark.parametrize(("data", "wire"), [
    ("Hello", "data: Hello\n\n"),
    ("a\nb\r\nc\rd", "data: a\ndata: b\ndata: c\ndata: d\n\n"),
    ("Hello\n", "data: Hello\ndata: \n\n"),  # a trailing break keeps its (empty) line
    ("\n", "data: \ndata: \n\n"),
    ("", "data: \n\n"),
    ("A\u2028B\vC", "data: A\u2028B\vC\n\n"),  # only CR, LF and CRLF end a line on the wire
])
def test_format_data_lines(data: str, wire: str) -> None:
    assert format_sse_event(data_str=data) == wire.encode()


def test_format_all_fields_in_order() -> None:
    wire = format_sse_event(data_str="d", event="update", id="7", retry=1500, comment="c")
    assert wire == b": c\nevent: update\ndata: d\nid: 7\nretry: 1500\n\n"
    assert format_sse_event(comment="keep\nalive") == b": keep\n: alive\n\n"
    assert format_sse_event(id="") == b"id: \n\n"  # an empty id resets the browser's last event id
    assert format_sse_event() == b"\n"
    crlf = format_sse_event(data_str="a\nb", event="e", sep="\r\n")
    assert crlf == b"event: e\r\ndata: a\r\ndata: b\r\n\r\n"
    assert KEEPALIVE_COMMENT == format_sse_event(comment="ping")


@pytest.mark.parametrize(("event", "wire"), [
    (ServerSentEvent(data="hello"), 'data: "hello"\n\n'),  # data is always JSON: strings are quoted
    (ServerSentEvent(data={"key": "value"}), 'data: {"key": "value"}\n\n'),  # json.dumps, as FastAPI
    (ServerSentEvent(data=Point(1, 2)), 'data: {"x": 1, "y": 2}\n\n'),
    (ServerSentEvent(data=Note("n")), 'data: {"text": "n"}\n\n'),
    (ServerSentEvent(data=[1, "é"]), 'data: [1, "\\u00e9"]\n\n'),
    (ServerSentEvent(data=3), "data: 3\n\n"),
    (ServerSentEvent(data=float("nan")), "data: null\n\n"),
    (ServerSentEvent(raw_data="<b>a\nb</b>"), "data: <b>a\ndata: b</b>\n\n"),
    (ServerSentEvent(data="d", event="update", id="7", retry=1500),
     'event: update\ndata: "d"\nid: 7\nretry: 1500\n\n'),
    (ServerSentEvent(comment="just a comment"), ": just a comment\n\n"),
    (ServerSentEvent(), "\n"),
])
def test_event_wire_format(event: ServerSentEvent, wire: str) -> None:
    assert event.encode() == wire.encode()


def test_json_text_of_untyped_values() -> None:
    values = [float("inf"), {"nested": [float("-inf"), {"v": float("nan")}]},
              {None: "null key", float("inf"): "infinite key"}, {"f": 1.5, "b": True}]
    assert [json_text(v) for v in values] == [
        "null",
        '{"nested": [null, {"v": null}]}',
        '{"null": "null key", "Infinity": "infinite key"}',
        '{"f": 1.5, "b": true}',
    ]


def test_json_text_of_a_pydantic_model_uses_its_config() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Item(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(ser_json_inf_nan="strings")
        value: float

    assert json_text(Item(value=float("nan"))) == '{"value":"NaN"}'
    assert ServerSentEvent(data=Item(value=1)).encode() == b'data: {"value":1.0}\n\n'


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"event": "two\nlines"}, "SSE 'event' must be a single line"),
    ({"event": "cr\r"}, "SSE 'event' must be a single line"),
    ({"id": "a\r\nb"}, "SSE 'id' must be a single line"),
    ({"id": "nul\0"}, "null"),
    ({"retry": -1}, "retry"),
    ({"retry": 1.5}, "retry"),
    ({"retry": "10"}, "retry"),
    ({"raw_data": "raw"}, "Cannot set both"),
])
def test_event_fields_that_would_break_the_stream(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerSentEvent(data="x", **kwargs)


def test_event_fields_are_keyword_only_after_data() -> None:
    with pytest.raises(TypeError):
        ServerSentEvent("x", "raw")  # type: ignore[misc]


def test_separator_is_checked() -> None:
    with pytest.raises(ValueError, match="sep"):
        EventSourceResponse([], sep="\n\n")


# --------------------------------------------------------------------------------------------------
# EventSourceResponse returned by a handler


def _app(make: Any) -> TestClient:
    app = FastCore()

    @app.get("/events")
    async def events() -> Any:
        return make()

    return TestClient(app)


def test_returned_stream_through_the_app() -> None:
    async def source() -> AsyncIterator[Any]:
        yield ServerSentEvent(data={"n": 1}, event="tick", id="1")
        yield "data: preformatted text\n\n"  # str and bytes are the wire format already
        yield b": preformatted bytes\n\n"
        yield Note("json")  # anything else: one JSON data event

    with _app(lambda: EventSourceResponse(source(), headers={"X-Extra": "1"})) as client:
        response = client.get("/events")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["x-extra"] == "1"
    assert "content-length" not in response.headers
    assert response.text == (
        'event: tick\ndata: {"n": 1}\nid: 1\n\n'
        "data: preformatted text\n\n"
        ": preformatted bytes\n\n"
        'data: {"text": "json"}\n\n'
    )


def test_sync_iterables_and_header_overrides() -> None:
    def source() -> Iterator[ServerSentEvent]:
        yield ServerSentEvent(raw_data="a")
        yield ServerSentEvent(raw_data="b")

    make = lambda: EventSourceResponse(source(), headers={"Cache-Control": "no-store"})  # noqa: E731
    with _app(make) as client:
        response = client.get("/events")
    assert response.text == "data: a\n\ndata: b\n\n"
    assert response.headers["cache-control"] == "no-store"
    with _app(lambda: EventSourceResponse([ServerSentEvent(data=1)], status_code=201)) as client:
        assert client.get("/events").status_code == 201


def test_pings_while_idle() -> None:
    async def slow() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(raw_data="first")
        await asyncio.sleep(0.35)
        yield ServerSentEvent(raw_data="second")

    with _app(lambda: EventSourceResponse(slow(), ping=0.1)) as client:
        text = client.get("/events").text
    first, _, rest = text.partition("data: first\n\n")
    assert first == ""
    pings, _, tail = rest.partition("data: second\n\n")
    assert tail == ""
    assert pings and pings == ": ping\n\n" * (len(pings) // len(": ping\n\n"))
    assert 1 <= pings.count(": ping") <= 4


def test_no_pings_when_events_keep_coming() -> None:
    async def busy() -> AsyncIterator[int]:
        for i in range(5):
            await asyncio.sleep(0.02)
            yield i

    with _app(lambda: EventSourceResponse(busy(), ping=0.2)) as client:
        text = client.get("/events").text
    assert ": ping" not in text
    assert text == "".join(f"data: {i}\n\n" for i in range(5))


def test_an_error_of_the_source_is_raised_as_it_is() -> None:
    async def broken() -> AsyncIterator[int]:
        yield 1
        raise LookupError("gone")

    client = _app(lambda: EventSourceResponse(broken()))
    with pytest.raises(LookupError, match="gone"):
        client.get("/events")


# --------------------------------------------------------------------------------------------------
# Client disconnects (driven at the ASGI level: the test client reads streams to the end)


def _scope() -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "method": "GET",
            "path": "/", "headers": []}


def test_disconnect_stops_the_stream_and_closes_the_iterator() -> None:
    state: dict[str, Any] = {"closed": False, "background": False, "sent": []}

    async def forever() -> AsyncIterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
                await asyncio.sleep(0.01)
        finally:
            state["closed"] = True

    def after() -> None:
        state["background"] = True

    async def run() -> None:
        three = asyncio.Event()

        async def send(message: MutableMapping[str, Any]) -> None:
            state["sent"].append(message)
            if len(state["sent"]) >= 4:
                three.set()

        async def receive() -> MutableMapping[str, Any]:
            await three.wait()
            return {"type": "http.disconnect"}

        response = EventSourceResponse(forever(), ping=0.005, background=BackgroundTask(after))
        await asyncio.wait_for(response(_scope(), receive, send), timeout=5)

    asyncio.run(run())
    assert state["closed"]
    assert state["background"]
    assert state["sent"][0]["type"] == "http.response.start"
    assert all(m["more_body"] for m in state["sent"][1:])  # never told the gone client "done"


def test_failed_send_is_a_disconnect() -> None:
    # ASGI 2.4 servers raise OSError from send once the client is gone.
    closed: list[bool] = []

    async def forever() -> AsyncIterator[str]:
        try:
            while True:
                yield "x"
                await asyncio.sleep(0)
        finally:
            closed.append(True)

    async def run() -> None:
        count = 0

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal count
            count += 1
            if count > 3:
                raise OSError("connection reset")

        async def receive() -> MutableMapping[str, Any]:
            await asyncio.sleep(10)
            return {"type": "http.disconnect"}

        await asyncio.wait_for(EventSourceResponse(forever())(_scope(), receive, send), timeout=5)

    asyncio.run(run())
    assert closed == [True]


def test_a_source_that_never_awaits_is_still_cancellable() -> None:
    async def busy() -> AsyncIterator[int]:
        n = 0
        while True:
            yield n
            n += 1

    async def run() -> bool:
        async def send(message: MutableMapping[str, Any]) -> None:
            pass

        async def receive() -> MutableMapping[str, Any]:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        try:
            await asyncio.wait_for(EventSourceResponse(busy())(_scope(), receive, send), timeout=0.3)
        except asyncio.TimeoutError:
            return True
        return False

    assert asyncio.run(run())
