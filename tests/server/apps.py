"""The same small app written three ways: raw ASGI, plain Starlette and FastAPI.

Endpoints: ``GET /`` -> "hello"; ``POST /echo`` -> the request body; ``GET /stream`` -> "abc" in
three chunks; ``GET /error`` raises before responding; ``GET /slow`` answers after 0.3 s;
WebSocket ``/ws`` echoes; WebSocket ``/ws-deny`` closes before accepting.  The raw app has a few
more, for what only raw ASGI can express (scope dump, disconnect, errors after start, denials).
"""


import asyncio
import contextvars
import json
from typing import Any

import anyio
import anyio.to_thread

EVENTS: dict[str, Any] = {}
REQUEST_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("REQUEST_VAR")


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            EVENTS["disconnect-while-reading"] = True
            return body
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _respond(send: Any, status: int, body: bytes, headers: list[Any] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": headers or [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


async def raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    kind = scope["type"]
    if kind == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                scope["state"]["started"] = "yes"
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"][len(scope["root_path"]):]
    if kind == "websocket":
        await _raw_ws(scope, receive, send, path)
        return
    if path == "/":
        await _respond(send, 200, b"hello")
    elif path == "/echo":
        await _respond(send, 200, await _read_body(receive))
    elif path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"a", b"b"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b"c"})
    elif path == "/error":
        raise RuntimeError("boom")
    elif path == "/error-after-start":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("boom after start")
    elif path == "/slow":
        await asyncio.sleep(0.3)
        await _respond(send, 200, b"slow")
    elif path == "/scope":
        dump = {k: v for k, v in scope.items() if k not in ("headers", "raw_path", "query_string", "state")}
        dump["raw_path"] = scope["raw_path"].decode("latin-1")
        dump["query_string"] = scope["query_string"].decode("latin-1")
        dump["headers"] = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]]
        dump["state"] = dict(scope["state"])
        await _respond(send, 200, json.dumps(dump).encode(), [(b"content-type", b"application/json")])
    elif path == "/wait-disconnect":
        message = await receive()
        while message["type"] != "http.disconnect":
            message = await receive()
        EVENTS["disconnected"] = True
    elif path == "/big":
        await _respond(send, 200, b"x" * (4 * 1024 * 1024))
    elif path == "/big-stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        chunk = b"y" * 262144
        for _ in range(32):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    elif path == "/sync":
        await _respond(send, 200, await anyio.to_thread.run_sync(lambda: b"sync"))
    elif path == "/no-response":
        return
    elif path == "/length":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"6")]})
        await send({"type": "http.response.body", "body": b"abc", "more_body": True})
        await send({"type": "http.response.body", "body": b"def"})
    elif path == "/bad-header":
        await _respond(send, 200, b"x", [(b"x-evil", b"a\r\nset-cookie: b")])
    elif path == "/context":
        # Each request sees a fresh context: a value set by an earlier request must not leak.
        seen = REQUEST_VAR.get("unset")
        REQUEST_VAR.set("set")
        if scope["query_string"] == b"wait":
            await asyncio.sleep(0.01)
        await _respond(send, 200, seen.encode())
    elif path == "/task":
        # One real Task from start to end, also across a suspension and a worker thread.
        before = asyncio.current_task()
        with anyio.fail_after(5):  # a cancel scope, entered and left on either side of a wait
            await asyncio.sleep(0)
        await anyio.to_thread.run_sync(lambda: None)
        same = before is not None and asyncio.current_task() is before
        await _respond(send, 200, b"same" if same else b"different")
    elif path == "/background":
        # Work after the response must not hold up the next request on the connection.
        await _respond(send, 200, b"bg")
        await asyncio.sleep(1.0)
        EVENTS["background-done"] = True
    else:
        await _respond(send, 404, b"not found")


async def _raw_ws(scope: dict[str, Any], receive: Any, send: Any, path: str) -> None:
    message = await receive()
    assert message["type"] == "websocket.connect"
    if path == "/ws-deny":
        await send({"type": "websocket.close", "code": 1008})
        return
    if path == "/ws-http-deny":
        await send({"type": "websocket.http.response.start", "status": 401,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "websocket.http.response.body", "body": b"no entry"})
        return
    if path == "/ws-error":
        raise RuntimeError("ws boom")
    await send({"type": "websocket.accept", "subprotocol": (scope["subprotocols"] or [None])[0]})
    if path == "/ws-close":
        await send({"type": "websocket.close", "code": 4001, "reason": "bye"})
        return
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            EVENTS["ws-close-code"] = message["code"]
            return
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, StreamingResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(await request.body())

    async def stream(request: Request) -> StreamingResponse:
        async def parts() -> Any:
            for part in ("a", "b", "c"):
                yield part

        return StreamingResponse(parts())

    async def error(request: Request) -> PlainTextResponse:
        raise RuntimeError("boom")

    async def slow(request: Request) -> PlainTextResponse:
        await asyncio.sleep(0.3)
        return PlainTextResponse("slow")

    def sync(request: Request) -> PlainTextResponse:
        return PlainTextResponse("sync")

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("text") is not None:
                    await websocket.send_text(message["text"])
                else:
                    await websocket.send_bytes(message["bytes"])
        except WebSocketDisconnect:
            return

    async def ws_deny(websocket: WebSocket) -> None:
        await websocket.close(code=1008)

    return Starlette(routes=[
        Route("/", home), Route("/echo", echo, methods=["POST"]), Route("/stream", stream),
        Route("/error", error), Route("/slow", slow), Route("/sync", sync),
        WebSocketRoute("/ws", ws), WebSocketRoute("/ws-deny", ws_deny),
    ])


def fastapi_app() -> Any:
    from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
    from fastapi.responses import PlainTextResponse, StreamingResponse

    app = FastAPI()

    @app.get("/", response_class=PlainTextResponse)
    async def home() -> str:
        return "hello"

    @app.post("/echo")
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(await request.body())

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def parts() -> Any:
            for part in ("a", "b", "c"):
                yield part

        return StreamingResponse(parts())

    @app.get("/error")
    async def error() -> None:
        raise RuntimeError("boom")

    @app.get("/slow", response_class=PlainTextResponse)
    async def slow() -> str:
        await asyncio.sleep(0.3)
        return "slow"

    @app.get("/sync", response_class=PlainTextResponse)
    def sync() -> str:
        return "sync"

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("text") is not None:
                    await websocket.send_text(message["text"])
                else:
                    await websocket.send_bytes(message["bytes"])
        except WebSocketDisconnect:
            return

    @app.websocket("/ws-deny")
    async def ws_deny(websocket: WebSocket) -> None:
        await websocket.close(code=1008)

    return app


APPS = {"raw": lambda: raw_app, "starlette": starlette_app, "fastapi": fastapi_app}


async def failing_startup_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "lifespan"
    await receive()
    await send({"type": "lifespan.startup.failed", "message": "database unreachable"})


async def no_lifespan_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        raise RuntimeError("only http")
    await _respond(send, 200, b"no lifespan")
