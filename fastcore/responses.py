"""Response classes.  ``JSONResponse`` encodes with msgspec, ``EventSourceResponse`` (``fastcore.sse``)
streams server-sent events; the rest are Starlette's."""

from __future__ import annotations

from typing import Any

from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from fastcore._respond import encode
from fastcore.sse import EventSourceResponse, ServerSentEvent

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
