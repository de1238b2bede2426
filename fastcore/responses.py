"""Response classes.  ``JSONResponse`` encodes with msgspec; the rest are Starlette's."""

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

__all__ = [
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "ORJSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
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
