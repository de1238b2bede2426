"""Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html), FastAPI's way.

A path operation that ``yield``s, declared with ``response_class=EventSourceResponse``, streams each
item as one event (``fastcore.streaming`` does the encoding)::

    @app.get("/items/stream", response_class=EventSourceResponse)
    async def items() -> AsyncIterable[Item]:
        for item in catalogue:
            yield item  # validated as Item, sent as ``data: {"name": ...}``

A yielded :class:`ServerSentEvent` sets the event's fields itself; anything else is validated against
the return annotation's item type and sent as JSON in ``data:``.  Strings are JSON too (``data:
"hi"``): ``ServerSentEvent(raw_data=...)`` sends text as it is.  Every ``keepalive_interval`` seconds
without an event, a ``: ping`` comment keeps proxies from closing the idle connection.

``EventSourceResponse`` can also be returned directly with an iterable (or async iterable): then
``bytes`` and ``str`` items are sent as they are (pre-formatted, as a ``StreamingResponse`` sends
them), ``ServerSentEvent`` items are encoded, and other values become one JSON ``data:`` event each.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import AsyncIterable, Iterable, Mapping
from typing import Any

import anyio
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from fastcore.encoders import jsonable_encoder

__all__ = ["KEEPALIVE_COMMENT", "EventSourceResponse", "ServerSentEvent", "format_sse_event"]

# The comment a silent stream sends to keep intermediaries from timing the connection out.
KEEPALIVE_COMMENT = b": ping\n\n"

# The SSE event as OpenAPI 3.2 describes an item of a ``text/event-stream`` (§4.14.4).
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}


def _lines(value: str) -> list[str]:
    # Only the stream's own line terminators (CRLF, CR, LF) split a field; str.splitlines would also
    # split on U+2028, VT... which browsers keep inside the line.  A trailing break keeps its empty line.
    return value.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_sse_event(
    *,
    data_str: str | None = None,
    event: str | None = None,
    id: str | None = None,  # the field's name on the wire and in FastAPI
    retry: int | None = None,
    comment: str | None = None,
    sep: str = "\n",
) -> bytes:
    """One event in the ``text/event-stream`` format from already-serialized ``data_str``, ending with
    the blank line that dispatches it.  A multi-line value becomes one field line per line."""
    lines: list[str] = []
    if comment is not None:
        lines.extend(": " + line for line in _lines(comment))
    if event is not None:
        lines.append("event: " + event)
    if data_str is not None:
        lines.extend("data: " + line for line in _lines(data_str))
    if id is not None:
        lines.append("id: " + id)
    if retry is not None:
        lines.append(f"retry: {retry}")
    lines.append(sep)
    return sep.join(lines).encode()


def _finite(value: Any) -> Any:
    """JSON builtins with NaN and the infinities as ``None``: JSON has no spelling for them."""
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) is dict:
        return {k: _finite(v) for k, v in value.items()}
    if type(value) is list:
        return [_finite(v) for v in value]
    return value


def json_text(value: Any) -> str:
    """An untyped stream item as FastAPI writes it: ``jsonable_encoder``, non-finite floats as
    ``null``, then the standard library's ``json.dumps`` (its spacing and ASCII escapes).  A pydantic
    model is dumped by pydantic, with its own configuration (``ser_json_inf_nan``...)."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        dumped: str = value.model_dump_json()
        return dumped
    return json.dumps(_finite(jsonable_encoder(value)))


def _single_line(value: str | None, name: str) -> None:
    # A line break would end the field (or the event) early: the rest would be read as other fields.
    if value is not None and ("\r" in value or "\n" in value):
        raise ValueError(f"SSE '{name}' must be a single line")


@dataclasses.dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One event, with the fields the handler chooses.

    ``data`` is always JSON-encoded (a string is sent quoted); ``raw_data`` is text sent as it is
    (HTML fragments, CSV lines...) — give one or the other.  ``comment`` lines start with ``:`` and
    are ignored by browsers; ``retry`` is the reconnection delay in milliseconds; a browser sends the
    last ``id`` it saw back as the ``Last-Event-ID`` header when it reconnects.
    """

    data: Any = None
    _: dataclasses.KW_ONLY
    raw_data: str | None = None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        _single_line(self.event, "event")
        if self.id is not None and "\0" in self.id:
            raise ValueError("SSE 'id' must not contain null characters")  # browsers ignore such ids
        _single_line(self.id, "id")
        retry = self.retry
        if retry is not None and (not isinstance(retry, int) or retry < 0):
            raise ValueError("SSE 'retry' must be a non-negative integer (milliseconds)")
        if self.data is not None and self.raw_data is not None:
            raise ValueError(
                "Cannot set both 'data' and 'raw_data' on the same ServerSentEvent: 'data' is sent as "
                "JSON, 'raw_data' as it is"
            )

    def data_str(self) -> str | None:
        """The ``data:`` field's text: ``raw_data``, or ``data`` as JSON, or None (no data field)."""
        if self.raw_data is not None:
            return self.raw_data
        if self.data is not None:
            return json_text(self.data)
        return None

    def encode(self, sep: str = "\n") -> bytes:
        """The event in the ``text/event-stream`` format."""
        return format_sse_event(data_str=self.data_str(), event=self.event, id=self.id, retry=self.retry,
                                comment=self.comment, sep=sep)


def _event_bytes(item: Any, sep: str) -> bytes:
    if isinstance(item, ServerSentEvent):
        return item.encode(sep)
    if isinstance(item, bytes):
        return item  # already in the wire format
    if isinstance(item, str):
        return item.encode()
    return format_sse_event(data_str=json_text(item), sep=sep)


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream``: the ``response_class`` of a generator path operation that streams
    server-sent events, or a response returned with the events (see the module's docstring).

    ``ping``: seconds of silence after which a ``: ping`` comment is sent (a returned response sends
    none unless asked; a generator route uses the class's ``keepalive_interval``).  When the client
    goes away the stream stops, the iterator is closed (its ``finally`` blocks run) and the background
    tasks still run.
    """

    media_type = "text/event-stream"
    # Seconds of silence before a generator route's stream sends a keep-alive comment (FastAPI's 15 s);
    # a subclass may change it.
    keepalive_interval: float | None = 15.0

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
        # no-cache: every reconnection gets a live stream; X-Accel-Buffering: nginx must not buffer it.
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
            failure: Exception | None = None
            try:
                async with anyio.create_task_group() as tasks:
                    if self.ping_interval:
                        tasks.start_soon(pinger, self.ping_interval, (": ping" + self.sep * 2).encode())
                    try:
                        async for item in iterator:
                            await push(_event_bytes(item, self.sep))
                            # A checkpoint: a source that never awaits can still be cancelled.
                            await anyio.sleep(0)
                    except Exception as exc:
                        failure = exc  # raised below as it is, not in the task group's exception group
                    tasks.cancel_scope.cancel()
            finally:
                # Close the source now (its finally blocks run), not whenever it is collected.
                close = getattr(iterator, "aclose", None)
                if close is not None:
                    with anyio.CancelScope(shield=True):
                        await close()
            if failure is not None:
                raise failure
        if not gone:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        error: Exception | None = None
        async with anyio.create_task_group() as tasks:

            async def stream() -> None:
                nonlocal error
                try:
                    await self.stream_response(send)
                except OSError:
                    pass  # the client went away before the stream started or as it ended
                except Exception as exc:
                    # Raised below as it is (a stream item failing validation, say), not in a group.
                    error = exc
                tasks.cancel_scope.cancel()

            tasks.start_soon(stream)
            await self.listen_for_disconnect(receive)
            tasks.cancel_scope.cancel()
        if error is not None:
            raise error
        if self.background is not None:
            await self.background()
