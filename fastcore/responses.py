"""Response classes.  ``JSONResponse`` encodes with msgspec, ``EventSourceResponse`` streams server-sent
events; the rest are Starlette's."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterable, Iterable, Mapping
from typing import Any

import anyio
from starlette.background import BackgroundTask
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.types import Receive, Scope, Send

from fastcore._respond import encode

__all__ = [
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "ORJSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "ServerSentEvent",
    "StreamingResponse",
    "UJSONResponse",
]


class JSONResponse(Response):
    """JSON encoded by msgspec (dicts, lists, Structs, dataclasses, datetimes, UUIDs, Decimals...)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return encode(content)


# FastAPI users import these for speed; with fastcore the default already is the fast encoder.
ORJSONResponse = JSONResponse
UJSONResponse = JSONResponse


# --------------------------------------------------------------------------------------------------
# Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclasses.dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One event of an ``EventSourceResponse``.

    ``data`` that is a ``str`` is sent as it is (one ``data:`` line per line of it); anything else is
    JSON-encoded by the shared encoder (dicts, lists, Structs, dataclasses, pydantic models...).
    ``comment`` lines start with ``:`` and are ignored by browsers.  ``retry`` is the reconnection delay
    in milliseconds.
    """

    data: Any = None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        # A line break would start a new field (or end the event) on the wire.
        if self.event is not None and _LINE_BREAK.search(self.event):
            raise ValueError("a server-sent event's 'event' must be a single line")
        if self.id is not None and (_LINE_BREAK.search(self.id) or "\0" in self.id):
            raise ValueError("a server-sent event's 'id' must be one line without NUL characters")
        if self.retry is not None and (not isinstance(self.retry, int) or self.retry < 0):
            raise ValueError("a server-sent event's 'retry' must be a non-negative integer (ms)")

    def encode(self, sep: str = "\n") -> bytes:
        """The event in the ``text/event-stream`` format, ending with the blank line that sends it."""
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(": " + line for line in _LINE_BREAK.split(self.comment))
        if self.event is not None:
            lines.append("event: " + self.event)
        if self.data is not None:
            data = self.data if isinstance(self.data, str) else encode(self.data).decode()
            lines.extend("data: " + line for line in _LINE_BREAK.split(data))
        if self.id is not None:
            lines.append("id: " + self.id)
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        lines.append(sep)
        return sep.join(lines).encode()


def _event_bytes(item: Any, sep: str) -> bytes:
    if isinstance(item, ServerSentEvent):
        return item.encode(sep)
    if isinstance(item, bytes):
        return item  # already in the wire format
    if isinstance(item, Mapping):
        return ServerSentEvent(**item).encode(sep)
    return ServerSentEvent(item).encode(sep)


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` of server-sent events.

    ``content`` is an iterable or async iterable of ``ServerSentEvent`` objects, dicts of their fields,
    strings (each one event's data) or other values (JSON-encoded as data); ``bytes`` are sent as they
    are.  Every ``ping`` seconds without an event, a ``: ping`` comment keeps proxies from closing the
    idle connection.  When the client goes away, the stream stops: the iterator is closed (its
    ``finally`` blocks run) and the handler's background tasks still run.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        content: Iterable[Any] | AsyncIterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        *,
        ping: float | None = None,
        sep: str = "\n",
    ) -> None:
        if sep not in ("\n", "\r\n", "\r"):
            raise ValueError("sep must be one of '\\n', '\\r\\n' or '\\r'")
        merged = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        merged.update(headers or {})
        super().__init__(content, status_code=status_code, headers=merged, media_type=media_type,
                         background=background)
        self.ping_interval = ping
        self.sep = sep

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        lock = anyio.Lock()  # a ping must not be sent from inside another send
        last_sent = anyio.current_time()
        gone = False

        with anyio.CancelScope() as stop:

            async def push(chunk: bytes) -> None:
                nonlocal last_sent, gone
                async with lock:
                    try:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    except OSError:  # ASGI 2.4 servers report a gone client by failing the send
                        gone = True
                        stop.cancel()
                        return
                    last_sent = anyio.current_time()

            async def pinger(interval: float, message: bytes) -> None:
                while True:
                    idle_for = anyio.current_time() - last_sent
                    if idle_for < interval:
                        await anyio.sleep(interval - idle_for)
                        continue
                    await push(message)

            iterator = self.body_iterator
            try:
                async with anyio.create_task_group() as tasks:
                    if self.ping_interval:
                        tasks.start_soon(pinger, self.ping_interval, (": ping" + self.sep * 2).encode())
                    async for item in iterator:
                        await push(_event_bytes(item, self.sep))
                    tasks.cancel_scope.cancel()
            finally:
                # Close the source now (its finally blocks run), not whenever it is collected.
                close = getattr(iterator, "aclose", None)
                if close is not None:
                    with anyio.CancelScope(shield=True):
                        await close()
        if not gone:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as tasks:

            async def stream() -> None:
                try:
                    await self.stream_response(send)
                except OSError:
                    pass  # the client went away before the stream started or as it ended
                tasks.cancel_scope.cancel()

            tasks.start_soon(stream)
            await self.listen_for_disconnect(receive)
            tasks.cancel_scope.cancel()
        if self.background is not None:
            await self.background()
