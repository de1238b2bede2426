"""fastcore.streaming: path operations that ``yield`` — JSON Lines, server-sent events, raw streams.

The last section builds one app with FastAPI and with fastcore and compares what both send and
document.
"""

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Generator, Iterable, Iterator
from typing import Annotated, Any

import anyio
import fastapi
import fastapi.responses
import fastapi.sse
import fastapi.testclient
import msgspec
import pydantic
import pytest
from starlette.types import Message, Scope

import fastcore
import fastcore.responses
import fastcore.sse
import fastcore.testclient
from fastcore import APIRoute, APIRouter, Depends, FastCore, Request, Response
from fastcore.exceptions import ResponseValidationError
from fastcore.models import stream_item_type
from fastcore.responses import StreamingResponse
from fastcore.sse import EventSourceResponse, ServerSentEvent
from fastcore.streaming import JSON_LINES, RAW, SERVER_SENT_EVENTS
from fastcore.testclient import TestClient


class Item(msgspec.Struct):
    name: str
    price: float = 0.0


class PydItem(pydantic.BaseModel):
    name: str
    note: str | None = None


def lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines()]


def data_of(text: str) -> list[str]:
    return [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data: ")]


# --------------------------------------------------------------------------------------------------
# Which stream


def test_item_type_from_the_return_annotation() -> None:
    async def a() -> AsyncIterable[Item]:
        yield Item("x")

    def b() -> Generator[int, None, None]:
        yield 1

    def c() -> Iterable:  # type: ignore[type-arg]
        yield 1

    def d():  # type: ignore[no-untyped-def]
        yield 1

    def e() -> list[int]:
        return [1]

    assert [stream_item_type(f) for f in (a, b, c, d, e)] == [Item, int, Any, None, None]


def test_the_response_class_chooses_the_stream() -> None:
    app = FastCore()

    @app.get("/jsonl")
    async def jsonl() -> AsyncIterator[Item]:
        yield Item("x")

    @app.get("/sse", response_class=EventSourceResponse)
    async def sse() -> AsyncIterator[Item]:
        yield Item("x")

    @app.get("/events", response_class=EventSourceResponse)
    async def events() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(data=1)

    @app.get("/raw", response_class=StreamingResponse)
    async def raw() -> AsyncIterator[bytes]:
        yield b"x"

    @app.get("/plain")
    async def plain() -> Item:
        return Item("x")

    routes = {r.path: r for r in app.routes if isinstance(r, APIRoute)}
    kinds = {p: (r._stream.kind if r._stream else None, r.stream_item_type) for p, r in routes.items()}
    assert kinds == {"/jsonl": (JSON_LINES, Item), "/sse": (SERVER_SENT_EVENTS, Item),
                     "/events": (SERVER_SENT_EVENTS, None), "/raw": (RAW, None), "/plain": (None, None)}
    assert routes["/jsonl"].is_json_stream and not routes["/jsonl"].is_sse_stream
    assert routes["/sse"].is_sse_stream and not routes["/sse"].is_json_stream
    assert routes["/jsonl"].response_model is None


# --------------------------------------------------------------------------------------------------
# JSON Lines


def jsonl_app() -> FastCore:
    app = FastCore()

    @app.get("/typed")
    async def typed() -> AsyncIterable[Item]:
        yield {"name": "a", "price": 1, "secret": "dropped"}
        yield Item("b", 2.5)

    @app.get("/typed-sync")
    def typed_sync() -> Iterator[Item]:
        assert threading.current_thread() is not threading.main_thread()
        yield {"name": "a", "price": 1}

    @app.get("/untyped")
    async def untyped():  # type: ignore[no-untyped-def]
        yield {"x": float("nan"), "keys": {None: 1, float("inf"): 2}, "text": "é"}
        yield PydItem(name="p")
        yield [1.5, float("-inf")]

    @app.get("/bare")
    def bare() -> Iterable:  # type: ignore[type-arg]
        yield {"name": "bar"}

    @app.get("/pyd", response_model_exclude_none=True)
    async def pyd() -> AsyncIterable[PydItem]:
        yield PydItem(name="foo")
        yield {"name": "bar", "note": "n"}

    @app.get("/invalid")
    async def invalid() -> AsyncIterable[Item]:
        yield {"name": "ok", "price": 1}
        yield {"name": "bad", "price": "not-a-number"}

    @app.get("/invalid-sync")
    def invalid_sync() -> Iterable[PydItem]:
        yield {"note": "no name"}

    @app.get("/q")
    async def with_query(n: int) -> AsyncIterable[int]:
        for i in range(n):
            yield i

    return app


def test_json_lines_typed() -> None:
    client = TestClient(jsonl_app())
    response = client.get("/typed")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jsonl"
    assert "content-length" not in response.headers
    assert response.text == '{"name":"a","price":1.0}\n{"name":"b","price":2.5}\n'
    assert client.get("/typed-sync").text == '{"name":"a","price":1.0}\n'


def test_json_lines_untyped_as_fastapi_writes_them() -> None:
    client = TestClient(jsonl_app())
    assert client.get("/untyped").text == (
        '{"x": null, "keys": {"null": 1, "Infinity": 2}, "text": "\\u00e9"}\n'
        '{"name":"p","note":null}\n'
        "[1.5, null]\n"
    )
    assert lines(client.get("/bare").text) == [{"name": "bar"}]


def test_json_lines_with_response_model_options() -> None:
    assert TestClient(jsonl_app()).get("/pyd").text == '{"name":"foo"}\n{"name":"bar","note":"n"}\n'


@pytest.mark.parametrize("path", ["/invalid", "/invalid-sync"])
def test_an_invalid_item_raises_mid_stream(path: str) -> None:
    with pytest.raises(ResponseValidationError) as info:
        TestClient(jsonl_app()).get(path)
    assert info.value.errors()[0]["loc"][0] == "response"


def test_bad_parameters_are_a_422_before_the_stream() -> None:
    client = TestClient(jsonl_app())
    response = client.get("/q", params={"n": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "n"]
    assert lines(client.get("/q", params={"n": 3}).text) == [0, 1, 2]


# --------------------------------------------------------------------------------------------------
# Raw streams


def test_raw_streams_send_the_items_as_they_are() -> None:
    class PNGStreamingResponse(StreamingResponse):
        media_type = "image/png"

    app = FastCore()

    @app.get("/text", response_class=StreamingResponse)
    async def text() -> AsyncIterable[str]:
        for part in ("a", "b\n", "c"):
            yield part

    @app.get("/png", response_class=PNGStreamingResponse, status_code=201)
    def png() -> Iterable[bytes]:
        yield b"\x89PNG"
        yield b"\x00\x01"

    client = TestClient(app)
    assert client.get("/text").text == "ab\nc"
    response = client.get("/png")
    assert response.status_code == 201
    assert response.headers["content-type"] == "image/png"
    assert response.content == b"\x89PNG\x00\x01"


# --------------------------------------------------------------------------------------------------
# Server-sent events


def sse_app() -> FastCore:
    app = FastCore()

    @app.get("/typed", response_class=EventSourceResponse)
    async def typed() -> AsyncIterable[Item]:
        yield {"name": "a", "price": 1}
        yield ServerSentEvent(data="custom", event="special", id="7")  # never validated
        yield ServerSentEvent(raw_data="plain <b>text</b>", retry=100)
        yield ServerSentEvent(comment="only a comment")

    @app.post("/sync", response_class=EventSourceResponse)
    def sync() -> Iterable[Item]:
        yield Item("s")

    @app.get("/untyped", response_class=EventSourceResponse)
    async def untyped():  # type: ignore[no-untyped-def]
        yield "hello"
        yield {"key": "value", "nan": float("nan")}

    @app.get("/invalid", response_class=EventSourceResponse)
    async def invalid() -> AsyncIterable[Item]:
        yield {"price": 1}

    return app


def test_events_typed_and_custom() -> None:
    response = TestClient(sse_app()).get("/typed")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.text == (
        'data: {"name":"a","price":1.0}\n\n'
        'event: special\ndata: "custom"\nid: 7\n\n'
        "data: plain <b>text</b>\nretry: 100\n\n"
        ": only a comment\n\n"
    )


def test_events_sync_post_and_untyped() -> None:
    client = TestClient(sse_app())
    assert client.post("/sync").text == 'data: {"name":"s","price":0.0}\n\n'
    assert data_of(client.get("/untyped").text) == ['"hello"', '{"key": "value", "nan": null}']


def test_an_invalid_event_item_raises() -> None:
    with pytest.raises(ResponseValidationError):
        TestClient(sse_app()).get("/invalid")


class FastPings(EventSourceResponse):
    keepalive_interval = 0.05


def test_keepalive_comments_while_the_generator_is_idle() -> None:
    app = FastCore()

    @app.get("/async", response_class=FastPings)
    async def slow_async():  # type: ignore[no-untyped-def]
        yield {"n": 1}
        await asyncio.sleep(0.3)
        yield {"n": 2}

    @app.get("/sync", response_class=FastPings)
    def slow_sync():  # type: ignore[no-untyped-def]
        yield {"n": 1}
        time.sleep(0.3)
        yield {"n": 2}

    @app.get("/fast", response_class=EventSourceResponse)
    async def fast():  # type: ignore[no-untyped-def]
        for n in range(3):
            yield {"n": n}

    client = TestClient(app)
    for path in ("/async", "/sync"):
        text = client.get(path).text
        assert text.startswith('data: {"n": 1}\n\n: ping\n\n'), text
        assert text.endswith('data: {"n": 2}\n\n')
        assert len(data_of(text)) == 2
    assert ": ping" not in client.get("/fast").text


def test_default_response_class_from_the_app_or_a_parent_router() -> None:
    child = APIRouter()

    @child.get("/stream")
    async def stream() -> AsyncIterable[Item]:
        yield Item("x")

    parent = APIRouter(default_response_class=EventSourceResponse)
    parent.include_router(child)
    app = FastCore()
    app.include_router(parent, prefix="/parent")
    other = FastCore(default_response_class=EventSourceResponse)
    other.include_router(child, prefix="/app")
    assert TestClient(app).get("/parent/stream").text == 'data: {"name":"x","price":0.0}\n\n'
    assert TestClient(other).get("/app/stream").text == 'data: {"name":"x","price":0.0}\n\n'


# --------------------------------------------------------------------------------------------------
# Status codes, headers, dependencies, route classes


def set_accepted(response: Response) -> None:
    response.status_code = 202
    response.headers["x-set-by"] = "dependency"


@pytest.mark.parametrize("response_class", [None, EventSourceResponse, StreamingResponse])
def test_status_code_and_headers(response_class: Any) -> None:
    app = FastCore()
    kwargs = {} if response_class is None else {"response_class": response_class}

    @app.post("/created", status_code=201, **kwargs)
    async def created() -> AsyncIterable[str]:
        yield "x"

    @app.post("/accepted", status_code=201, **kwargs)
    async def accepted(_: None = Depends(set_accepted)) -> AsyncIterable[str]:
        yield "x"

    client = TestClient(app)
    assert client.post("/created").status_code == 201
    response = client.post("/accepted")
    assert response.status_code == 202
    assert response.headers["x-set-by"] == "dependency"


def test_yield_dependencies_close_after_the_stream() -> None:
    events: list[str] = []

    async def resource() -> AsyncIterator[str]:
        events.append("open")
        yield "db"
        events.append("close")

    def sync_resource() -> Iterator[str]:
        events.append("sync open")
        yield "sync db"
        events.append("sync close")

    app = FastCore()

    @app.get("/")
    async def stream(
        db: Annotated[str, Depends(resource)], sync_db: Annotated[str, Depends(sync_resource)]
    ) -> AsyncIterable[str]:
        for n in range(2):
            events.append(f"item {n} with {db}, {sync_db}")
            yield f"{n}"

    assert lines(TestClient(app).get("/").text) == ["0", "1"]
    assert events == ["open", "sync open", "item 0 with db, sync db", "item 1 with db, sync db",
                      "sync close", "close"]


def test_background_tasks_run_after_the_stream() -> None:
    events: list[str] = []
    app = FastCore()

    @app.get("/")
    async def stream(tasks: fastcore.BackgroundTasks) -> AsyncIterable[int]:
        tasks.add_task(events.append, "background")
        yield 1
        events.append("streamed")

    assert TestClient(app).get("/").text == "1\n"
    assert events == ["streamed", "background"]


def test_a_route_class_with_get_route_handler() -> None:
    class Timed(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                response = await original(request)
                response.headers["x-wrapped"] = type(response).__name__
                return response

            return handler

    app = FastCore()
    app.router.route_class = Timed

    @app.get("/jsonl")
    async def jsonl() -> AsyncIterable[Item]:
        yield Item("w")

    @app.get("/sse", response_class=EventSourceResponse)
    def sse() -> Iterable[int]:
        yield 1

    client = TestClient(app)
    response = client.get("/jsonl")
    assert response.text == '{"name":"w","price":0.0}\n'
    assert response.headers["x-wrapped"] == "StreamingResponse"
    response = client.get("/sse")
    assert response.text == "data: 1\n\n"
    assert response.headers["x-wrapped"] == "EventSourceResponse"


# --------------------------------------------------------------------------------------------------
# Cancellation and clients that go away


def endless_app() -> FastCore:
    app = FastCore()

    @app.get("/raw", response_class=StreamingResponse)
    async def raw() -> AsyncIterable[str]:
        n = 0
        while True:  # never awaits
            yield f"item {n}\n"
            n += 1

    @app.get("/jsonl")
    async def jsonl() -> AsyncIterable[int]:
        n = 0
        while True:
            yield n
            n += 1

    @app.get("/sse", response_class=EventSourceResponse)
    async def sse() -> AsyncIterable[int]:
        n = 0
        while True:
            yield n
            n += 1

    return app


def _scope(path: str, spec_version: str = "2.0") -> Scope:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": spec_version}, "http_version": "1.1",
            "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [], "server": ("test", 80)}


@pytest.mark.parametrize("path", ["/raw", "/jsonl", "/sse"])
def test_a_stream_that_never_awaits_can_be_cancelled(path: str) -> None:
    app = endless_app()
    chunks: list[bytes] = []

    async def receive() -> Message:
        await anyio.sleep(float("inf"))
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    async def run() -> bool:
        with anyio.move_on_after(0.3) as scope:
            await app(_scope(path), receive, send)
        return scope.cancelled_caught

    assert anyio.run(run)
    assert len(chunks) > 1


@pytest.mark.parametrize("response_class", [None, EventSourceResponse, StreamingResponse])
def test_a_client_that_goes_away_stops_the_generator(response_class: Any) -> None:
    closed: list[bool] = []
    app = FastCore()
    kwargs = {} if response_class is None else {"response_class": response_class}

    @app.get("/", **kwargs)
    async def stream() -> AsyncIterable[str]:
        try:
            while True:
                yield "x"
                await asyncio.sleep(0.005)
        finally:
            closed.append(True)

    sent: list[Message] = []

    async def run() -> None:
        enough = anyio.Event()

        async def send(message: Message) -> None:
            sent.append(message)
            if len(sent) >= 4:
                enough.set()

        async def receive() -> Message:
            await enough.wait()
            return {"type": "http.disconnect"}

        with anyio.fail_after(5):
            await app(_scope("/", "2.3"), receive, send)
        await asyncio.sleep(0.05)  # an abandoned async generator is closed by the loop's finalizer

    asyncio.run(run())
    assert closed == [True]
    assert sent[0]["status"] == 200


# --------------------------------------------------------------------------------------------------
# Side by side with FastAPI


class PItem(pydantic.BaseModel):
    name: str
    description: str | None = None
    value: float = 0.0


ITEMS = [PItem(name="Plumbus", description="d"), PItem(name="Gun", value=float("nan"))]


def build(fw: Any) -> Any:
    app = fw.FastAPI()
    sse = fw.sse

    def set_accepted(response: fw.Response) -> None:  # type: ignore[name-defined]
        response.status_code = 202

    @app.get("/jsonl", response_model_exclude_none=True)
    async def jsonl() -> AsyncIterable[PItem]:
        for item in ITEMS:
            yield item

    @app.post("/jsonl-dict", status_code=201)
    def jsonl_dict() -> Iterable[dict[str, str]]:
        yield {"message": "created"}

    @app.get("/jsonl-untyped")
    async def jsonl_untyped():  # type: ignore[no-untyped-def]
        yield {"a": [1, float("inf")], "b": None}
        yield "text"

    @app.get("/sse", response_class=sse.EventSourceResponse)
    async def events() -> AsyncIterable[PItem]:
        for item in ITEMS:
            yield item
        yield sse.ServerSentEvent(data={"k": "v"}, event="special", id="3")
        yield sse.ServerSentEvent(raw_data="raw\ntext", comment="note")

    @app.post("/sse-events", response_class=sse.EventSourceResponse,
              responses={202: {"description": "Accepted"}})
    def sse_events(_: None = fw.Depends(set_accepted)) -> Iterable[sse.ServerSentEvent]:
        yield sse.ServerSentEvent(data="x", retry=10)

    @app.get("/sse-dict", response_class=sse.EventSourceResponse, status_code=201)
    async def sse_dict() -> AsyncIterable[dict[str, int]]:
        yield {"a": 1}

    @app.get("/raw", response_class=fw.responses.StreamingResponse)
    async def raw() -> AsyncIterable[str]:
        yield "a"

    @app.get("/png", response_class=fw.responses.FileResponse)
    def png() -> Iterable[bytes]:
        yield b""  # never called: only documented

    return app


PATHS = [("GET", "/jsonl"), ("POST", "/jsonl-dict"), ("GET", "/jsonl-untyped"), ("GET", "/sse"),
         ("POST", "/sse-events"), ("GET", "/sse-dict"), ("GET", "/raw")]


@pytest.fixture(scope="module")
def both() -> tuple[Any, Any]:
    return (fastapi.testclient.TestClient(build(fastapi)), fastcore.testclient.TestClient(build(fastcore)))


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_streams_as_fastapi(both: tuple[Any, Any], method: str, path: str) -> None:
    theirs, ours = (client.request(method, path) for client in both)
    assert ours.status_code == theirs.status_code
    assert ours.headers.get("content-type") == theirs.headers.get("content-type")
    assert ours.headers.get("cache-control") == theirs.headers.get("cache-control")
    assert ours.text == theirs.text


def test_openapi_as_fastapi(both: tuple[Any, Any]) -> None:
    theirs, ours = (client.get("/openapi.json").json() for client in both)
    assert ours["paths"] == theirs["paths"]
    assert ours["components"] == theirs["components"]
