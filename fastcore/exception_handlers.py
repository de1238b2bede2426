"""FastAPI's default exception handlers, importable for reuse in custom handlers."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.exceptions import WebSocketException as StarletteWebSocketException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from fastcore._respond import encode
from fastcore.exceptions import RequestValidationError, WebSocketRequestValidationError
from fastcore.responses import JSONResponse

__all__ = [
    "default_handlers",
    "http_exception_handler",
    "is_body_allowed_for_status_code",
    "request_validation_exception_handler",
    "websocket_exception_handler",
    "websocket_request_validation_exception_handler",
]


def is_body_allowed_for_status_code(status_code: int | str | None) -> bool:
    if status_code is None:
        return True
    if isinstance(status_code, str):
        # OpenAPI ranges such as "2XX" and "default"
        return status_code in {"default", "1XX", "2XX", "3XX", "4XX", "5XX"}
    return not (status_code < 200 or status_code in (204, 205, 304))


async def http_exception_handler(request: Request, exc: StarletteHTTPException) -> Response:
    headers = getattr(exc, "headers", None)
    if not is_body_allowed_for_status_code(exc.status_code):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


async def request_validation_exception_handler(
    request: Request, exc: RequestValidationError
) -> Response:
    errors = list(exc.errors())
    try:
        return JSONResponse({"detail": errors}, status_code=422)
    except TypeError:
        # pydantic puts the exception a validator raised into ``ctx``; FastAPI shows its text.
        return JSONResponse({"detail": _plain(errors)}, status_code=422)


def _plain(value: Any) -> Any:
    """``value`` with everything JSON cannot carry turned into its text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        encode(value)
    except TypeError:
        return str(value)
    return value


async def websocket_request_validation_exception_handler(
    websocket: WebSocket, exc: WebSocketRequestValidationError
) -> None:
    # WS_1008_POLICY_VIOLATION, with the errors as the close reason (as FastAPI does).
    await websocket.close(code=1008, reason=encode(list(exc.errors())).decode())


async def websocket_exception_handler(websocket: WebSocket, exc: StarletteWebSocketException) -> None:
    await websocket.close(code=exc.code, reason=exc.reason or "")


def default_handlers() -> dict[Any, Any]:
    return {
        StarletteHTTPException: http_exception_handler,
        StarletteWebSocketException: websocket_exception_handler,
        RequestValidationError: request_validation_exception_handler,
        WebSocketRequestValidationError: websocket_request_validation_exception_handler,
    }
