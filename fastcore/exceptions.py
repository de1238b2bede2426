"""The exceptions fastcore raises and users raise, with FastAPI's names and shapes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.exceptions import WebSocketException as StarletteWebSocketException

__all__ = [
    "ClientDisconnected",
    "DependencyScopeError",
    "EndpointContext",
    "FastAPIDeprecationWarning",
    "FastAPIError",
    "FastCoreError",
    "HTTPException",
    "PydanticV1NotSupportedError",
    "RequestValidationError",
    "ResponseValidationError",
    "UnsupportedParameterTypeError",
    "ValidationException",
    "WebSocketException",
    "WebSocketRequestValidationError",
]


class ClientDisconnected(OSError):
    """Raised by the built-in server's ASGI ``send`` once the client has gone (ASGI spec 2.4).

    An app that lets it propagate is not logged as failing: the server knows why it stopped.
    """


class FastCoreError(RuntimeError):
    """A usage error in the application's code (bad route or parameter declaration)."""


#: FastAPI's name for the same error, so ``except FastAPIError`` in ported code catches it.
FastAPIError = FastCoreError


class UnsupportedParameterTypeError(FastCoreError, AssertionError):
    """A path/query/header/cookie parameter of a type that cannot be read from the request's text
    (``id: list[Item]`` in a path).  Also an ``AssertionError``: FastAPI's start-up check raises one,
    so ported ``pytest.raises(AssertionError)`` keeps working."""


class PydanticV1NotSupportedError(FastCoreError):
    """A ``pydantic.v1`` model was declared; only pydantic v2 models are supported."""


class DependencyScopeError(FastCoreError):
    """A dependency depends on one whose ``scope`` ends sooner than its own."""


class FastAPIDeprecationWarning(UserWarning):
    """A deprecated API was used (a ``UserWarning``: Python hides ``DeprecationWarning`` by default)."""


class EndpointContext(TypedDict, total=False):
    """Where an endpoint is defined, for error messages: function name, route path, file and line."""

    function: str
    path: str
    file: str
    line: int


class HTTPException(StarletteHTTPException):
    """Raise to answer with ``status_code`` and ``{"detail": detail}`` (plus ``headers``)."""

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        # FastAPI allows any JSON-able detail; Starlette's annotation says str.
        super().__init__(status_code=status_code, detail=detail, headers=headers)


class WebSocketException(StarletteWebSocketException):
    """Raise in a WebSocket endpoint to close the connection with ``code`` and ``reason``."""


class ValidationException(Exception):
    """Base of the validation errors: carries pydantic-shaped error dicts."""

    def __init__(self, errors: Sequence[Any]) -> None:
        super().__init__(errors)
        self._errors = errors

    def errors(self) -> Sequence[Any]:
        return self._errors

    def __str__(self) -> str:
        lines = [f"{len(self._errors)} validation error(s):"]
        for err in self._errors:
            lines.append(f"  {err}")
        return "\n".join(lines)


class RequestValidationError(ValidationException):
    """The request's parameters or body did not validate; answered with 422 by default."""

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


class WebSocketRequestValidationError(ValidationException):
    """A WebSocket's parameters did not validate; the socket is closed with 1008 by default."""


class ResponseValidationError(ValidationException):
    """A handler's result did not fit its declared response model (a server error: 500)."""

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body
