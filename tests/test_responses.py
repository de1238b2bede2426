"""fastcore.responses: the exported classes and server-sent events."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator, MutableMapping
from typing import Any

import msgspec
import pytest
import starlette.responses
from starlette.background import BackgroundTask

import fastcore.responses
from fastcore import FastCore
from fastcore.responses import EventSourceResponse, ServerSentEvent
from fastcore.testclient import TestClient


def test_exports() -> None:
    for name in ("JSONResponse", "PlainTextResponse", "HTMLResponse", "RedirectResponse",
                 "StreamingResponse", "FileResponse", "Response", "EventSourceResponse",
                 "ServerSentEvent", "ORJSONResponse", "UJSONResponse"):
        assert name in fastcore.responses.__all__
        assert getattr(fastcore.responses, name) is not None
    assert fastcore.responses.Response is starlette.responses.Response
    assert issubclass(fastcore.responses.JSONResponse, starlette.responses.Response)
    assert fastcore.responses.JSONResponse({"a": [1]}).body == b'{"a":[1]}'


# --------------------------------------------------------------------------------------------------
# The wire format


class Point(msgspec.Struct):
    x: int
    y: int


@dataclasses.dataclass
class Note:
    text: str


@pytest.mark.parametrize(("event", "wire"), [
    (ServerSentEvent("hello"), "data: hello\n\n"),
    (ServerSentEvent("a\nb\r\nc\rd"), "data: a\ndata: b\ndata: c\ndata: d\n\n"),
    (ServerSentEvent(""), "data: \n\n"),
    (ServerSentEvent({"a": 1}), 'data: {"a":1}\n\n'),
    (ServerSentEvent(Point(1, 2)), 'data: {"x":1,"y":2}\n\n'),
    (ServerSentEvent([1, "x"]), 'data: [1,"x"]\n\n'),
    (ServerSentEvent(3), "data: 3\n\n"),
    (ServerSentEvent("d", event="update", id="7", retry=1500),
     "event: update\ndata: d\nid: 7\nretry: 1500\n\n"),
    (ServerSentEvent(comment="keep\nalive"), ": keep\n: alive\n\n"),
    (ServerSentEvent(id=""), "id: \n\n"),  # an empty id resets the browser's last event id
    (ServerSentEvent(), "\n"),
])
def test_event_wire_format(event: ServerSentEvent, wire: str) -> None:
    assert event.encode() == wire.encode()


def test_event_separator() -> None:
    assert ServerSentEvent("a\nb", event="e").encode("\r\n") == b"event: e\r\ndata: a\r\ndata: b\r\n\r\n"
    with pytest.raises(ValueError, match="sep"):
        EventSourceResponse([], sep="\n\n")


@pytest.mark.parametrize("kwargs", [
    {"event": "two\nlines"}, {"event": "cr\r"}, {"id": "a\nb"}, {"id": "nul\0"}, {"retry": -1},
    {"retry": 1.5}, {"retry": "10"},
])
def test_event_fields_that_would_break_the_stream(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ServerSentEvent("x", **kwargs)


# --------------------------------------------------------------------------------------------------
# Through an app


def _app(make: Any) -> TestClient:
    app = FastCore()

    @app.get("/events")
    async def events() -> Any:
        return make()

    return TestClient(app)


def test_stream_through_the_app() -> None:
    async def source() -> AsyncIterator[Any]:
        yield ServerSentEvent({"n": 1}, event="tick", id="1")
        yield "plain\ntext"
        yield {"data": "from a dict", "retry": 10}
        yield Note("json")
        yield b": preformatted\n\n"

    with _app(lambda: EventSourceResponse(source(), headers={"X-Extra": "1"})) as client:
        response = client.get("/events")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["x-extra"] == "1"
    assert "content-length" not in response.headers
    assert response.text == (
        'event: tick\ndata: {"n":1}\nid: 1\n\n'
        "data: plain\ndata: text\n\n"
        "data: from a dict\nretry: 10\n\n"
        'data: {"text":"json"}\n\n'
        ": preformatted\n\n"
    )


def test_sync_iterables_and_header_overrides() -> None:
    def source() -> Iterator[str]:
        yield "a"
        yield "b"

    make = lambda: EventSourceResponse(source(), headers={"Cache-Control": "no-store"})  # noqa: E731
    with _app(make) as client:
        response = client.get("/events")
    assert response.text == "data: a\n\ndata: b\n\n"
    assert response.headers["cache-control"] == "no-store"
    with _app(lambda: EventSourceResponse(["x"], status_code=201)) as client:
        assert client.get("/events").status_code == 201


def test_pings_while_idle() -> None:
    async def slow() -> AsyncIterator[str]:
        yield "first"
        await asyncio.sleep(0.35)
        yield "second"

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
        assert ": ping" not in client.get("/events").text


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
