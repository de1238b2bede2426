"""Generator path operations: a handler that ``yield``s streams its items, as FastAPI streams them.

What the stream is follows from the route's response class (FastAPI's rule):

- the default class (no ``response_class`` given): **JSON Lines**, ``application/jsonl`` — one JSON
  document per item, each ending with ``\\n``;
- ``EventSourceResponse`` (or a subclass): **server-sent events** (``fastcore.sse``), a ``: ping``
  comment after ``keepalive_interval`` idle seconds;
- any other class (``StreamingResponse``, a ``PNGStreamingResponse``...): the items (``bytes`` or
  ``str``) are the class's content, sent as they are.

For JSON Lines and events, an item is validated against the item type of the return annotation
(``AsyncIterable[Item]``, ``Iterator[Item]``, ``Generator[Item, None, None]``...) with the route's
``response_model_*`` options — the same ``ResponsePlan`` a returned value goes through — and an item
that does not fit raises ``ResponseValidationError`` mid-stream.  Without an item type, an item is
written as FastAPI writes it: ``jsonable_encoder`` then ``json.dumps``, NaN and the infinities as
``null``.  A yielded ``ServerSentEvent`` is never validated: it is the event itself.

The generator is created once the dependencies are solved; the status code and headers set on an
injected ``Response`` apply; yield dependencies are closed after the stream ends.  An async source
gets a checkpoint after every item, so a stream that never awaits can still be cancelled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
from starlette.background import BackgroundTasks
from starlette.responses import Response, StreamingResponse

from fastcore.datastructures import DefaultPlaceholder
from fastcore.models import ResponsePlan, stream_item_type
from fastcore.sse import EventSourceResponse, ServerSentEvent, format_sse_event, json_text

__all__ = ["JSON_LINES", "RAW", "SERVER_SENT_EVENTS", "StreamPlan"]

JSON_LINES, SERVER_SENT_EVENTS, RAW = "application/jsonl", "text/event-stream", "raw"

_Encode = Callable[[Any], bytes]


async def _each_async(source: AsyncIterator[Any], encode: _Encode | None) -> AsyncIterator[Any]:
    async for item in source:
        yield item if encode is None else encode(item)
        await anyio.sleep(0)  # a checkpoint, for sources that never await


def _each_sync(source: Iterator[Any], encode: _Encode) -> Iterator[bytes]:
    # Iterated in a worker thread by StreamingResponse: the handler's code and the encoding both.
    for item in source:
        yield encode(item)


class StreamPlan:
    """How one generator route streams: the kind of stream and its items' validation (built once)."""

    __slots__ = ("item_type", "items", "kind", "response_class")

    def __init__(
        self,
        endpoint: Callable[..., Any],
        response_class: type[Response] | DefaultPlaceholder[type[Response]],
        **options: Any,
    ) -> None:
        """``options``: the route's ``response_model_include``/``exclude``/``by_alias``/... (as the
        ``ResponsePlan`` keywords ``include``, ``exclude``, ``by_alias``...)."""
        cls = response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
        self.response_class: type[Response] = cls
        if isinstance(cls, type) and issubclass(cls, EventSourceResponse):
            self.kind = SERVER_SENT_EVENTS
        elif isinstance(response_class, DefaultPlaceholder):
            self.kind = JSON_LINES
        else:
            self.kind = RAW
        item = stream_item_type(endpoint) if self.kind != RAW else None
        if isinstance(item, type) and issubclass(item, ServerSentEvent):
            item = None  # the transport's wrapper, not the data: nothing to validate or document
        # The declared item type (``Any`` for a bare ``AsyncIterable``), for OpenAPI's itemSchema.
        self.item_type: Any = item
        self.items = ResponsePlan(item, **options) if item is not None and item is not Any else None

    def encode_item(self, item: Any) -> bytes:
        """One item as JSON: validated and encoded by the item type's plan, or as FastAPI writes an
        untyped item."""
        plan = self.items
        if plan is not None:
            return bytes(plan.serialize(item))
        return json_text(item).encode()

    def _jsonl(self, item: Any) -> bytes:
        return self.encode_item(item) + b"\n"

    def _event(self, item: Any) -> bytes:
        if isinstance(item, ServerSentEvent):
            return item.encode()
        return format_sse_event(data_str=self.encode_item(item).decode())

    def response(
        self,
        source: Any,
        status_code: int,
        sub_response: Response | None,
        background: BackgroundTasks | None,
    ) -> Response:
        """The streaming response for the generator ``source`` the handler returned."""
        is_async = hasattr(source, "__aiter__")
        if sub_response is not None and sub_response.status_code is not None:
            status_code = sub_response.status_code  # set by a dependency: it wins, as in FastAPI
        response: Response
        if self.kind == RAW:
            content = _each_async(source, None) if is_async else source
            response = self.response_class(content=content, status_code=status_code, background=background)
        else:
            encode = self._jsonl if self.kind == JSON_LINES else self._event
            chunks = _each_async(source, encode) if is_async else _each_sync(source, encode)
            if self.kind == JSON_LINES:
                response = StreamingResponse(chunks, status_code=status_code, media_type=JSON_LINES,
                                             background=background)
            else:
                ping = getattr(self.response_class, "keepalive_interval", None)
                response = EventSourceResponse(chunks, status_code=status_code, background=background,
                                               ping=ping)
        if sub_response is not None:
            response.raw_headers.extend(sub_response.raw_headers)
        return response

    def __repr__(self) -> str:
        return f"StreamPlan({self.kind!r}, {self.item_type!r})"
