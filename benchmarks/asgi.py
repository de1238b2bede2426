"""The synthetic ASGI side of the harness: request scopes, ``receive``, ``send``, lifespan.

Everything here is shared by every framework, so the harness costs the same for all of them.
PERF: the per-request cost is one ``dict.copy`` of a prebuilt scope, one ``await`` of a
``receive`` returning a constant message (the request body, if any, in one piece, as a server does
for a small body), and a ``list.append`` per sent message (~1.5 µs total).
"""

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"host", b"127.0.0.1:8000"),
    (b"user-agent", b"fastcore-bench/1"),
    (b"accept", b"*/*"),
)

def http_scope(
    path: str,
    query: str = "",
    headers: tuple[tuple[bytes, bytes], ...] = (),
    method: str = "GET",
    body: bytes = b"",
) -> dict[str, Any]:
    """A complete ASGI 3 HTTP scope for ``METHOD path?query``, as a server would build it.

    A request with a body also gets its ``content-length`` header (the body itself comes from
    :func:`make_receive`).

    Used as a template: apps write into their scope (``app``, ``router``, ``path_params`` ...), so
    every request gets ``template.copy()``.  The nested values are never mutated by apps.
    """
    length = ((b"content-length", b"%d" % len(body)),) if body or method != "GET" else ()
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "root_path": "",
        "headers": [*BASE_HEADERS, *headers, *length],
        "client": ("127.0.0.1", 54321),
        "server": ("127.0.0.1", 8000),
    }


def make_receive(body: bytes = b"") -> Receive:
    """An ASGI ``receive`` that returns the whole request body in one message, every time."""
    message: Message = {"type": "http.request", "body": body, "more_body": False}

    async def receive() -> Message:
        return message

    return receive


receive = make_receive()  # a request without a body (GET)


class Recorder:
    """An ASGI ``send`` that keeps every message, so responses can be checked afterwards."""

    __slots__ = ("messages", "send")

    def __init__(self) -> None:
        self.messages: list[Message] = []
        append = self.messages.append

        async def send(message: Message) -> None:
            append(message)

        self.send: Send = send

    def statuses(self) -> list[int]:
        return [int(m["status"]) for m in self.messages if m["type"] == "http.response.start"]


class StatusCounter:
    """The ``send`` of timed rounds: keeps each response's status and lets every body go, as a server
    does once it has written it (keeping 20,000 bodies of 8 KB would time the allocator, not the app)."""

    __slots__ = ("_statuses", "send")

    def __init__(self) -> None:
        self._statuses: list[int] = []
        append = self._statuses.append

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                append(message["status"])

        self.send: Send = send

    def statuses(self) -> list[int]:
        return self._statuses


class BadResponse(Exception):
    """The app's answer differs from the scenario's expected response."""


async def check_response(
    app: ASGIApp, scope: dict[str, Any], expected: object, receive: Receive = receive
) -> None:
    """Send one request and require status 200 and a JSON body equal to ``expected``."""
    rec = Recorder()
    await app(scope.copy(), receive, rec.send)
    starts = [m for m in rec.messages if m["type"] == "http.response.start"]
    body = b"".join(m.get("body", b"") for m in rec.messages if m["type"] == "http.response.body")
    if len(starts) != 1:
        raise BadResponse(f"expected one http.response.start, got {len(starts)}")
    status = starts[0]["status"]
    text = body.decode("utf-8", "replace")
    if status != 200:
        raise BadResponse(f"status {status}, body {text[:300]!r}")
    try:
        got = json.loads(body)
    except ValueError as exc:
        raise BadResponse(f"body is not JSON: {text[:300]!r}") from exc
    if got != expected:
        raise BadResponse(f"body {got!r} != expected {expected!r}")


class Lifespan:
    """Runs the app's ASGI lifespan like a server does: startup before requests, shutdown after.

    Apps without lifespan support (they raise on the lifespan scope) are run without it, as
    uvicorn's ``--lifespan auto`` does.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.supported = True

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        try:
            await self._app(scope, self._inbox.get, self._outbox.put)
        except Exception:
            self.supported = False
            await self._outbox.put({"type": "lifespan.unsupported"})

    async def startup(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._inbox.put({"type": "lifespan.startup"})
        message = await self._outbox.get()
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"lifespan startup failed: {message.get('message', '')}")

    async def shutdown(self) -> None:
        if self._task is None:
            return
        if self.supported:
            await self._inbox.put({"type": "lifespan.shutdown"})
            await self._outbox.get()
        await self._task
