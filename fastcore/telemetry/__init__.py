"""OpenTelemetry for fastcore apps (FastAPI's ``fastapi.telemetry``): ``FastCore(telemetry={...})``.

OpenTelemetry is optional (``pip install fastcore[otel]``).  Without it, or with no provider
configured, an app records nothing and its requests take the plain path: the only per-request cost
is one attribute check in ``FastCore.__call__``.  With it, each request or WebSocket connection gets
a server span (``http.server.request.duration`` and ``http.server.active_requests`` for HTTP), its
dependencies, handler, serialization and background tasks get child spans, and validation failures
and unhandled exceptions are logged.  The work lives in ``fastcore.telemetry._native``, which is the
only module that imports OpenTelemetry and is imported only once an app may record something.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from opentelemetry._logs import LoggerProvider
    from opentelemetry.context import Context
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider
    from starlette.requests import Request
    from starlette.websockets import WebSocket

__all__ = ["TelemetryConfig", "TelemetryData", "get_telemetry_data"]

_NATIVE = "fastcore.telemetry._native"


class TelemetryConfig(TypedDict, total=False):
    """``FastCore(telemetry={...})``; a key left out keeps its default.

    ``tracer_provider`` / ``meter_provider`` / ``logger_provider``: used instead of the global ones
    (which are the default; an app whose providers are all unconfigured records nothing).
    ``tracing`` (server and operation spans), ``metrics`` (HTTP request metrics), ``logs``
    (validation failures and unhandled exceptions, with their stack traces), ``operation_spans``
    (dependencies, handler, serialization, background tasks): each defaults to ``True``.
    ``exclude``: called with the ASGI scope; ``True`` skips telemetry for that request.
    ``auto_configure``: accepted for FastAPI compatibility; fastcore never adds exporters itself
    (configure providers yourself, e.g. with ``opentelemetry-instrument``).
    """

    tracer_provider: TracerProvider | None
    meter_provider: MeterProvider | None
    logger_provider: LoggerProvider | None
    tracing: bool
    metrics: bool
    logs: bool
    operation_spans: bool
    auto_configure: bool
    exclude: Callable[[MutableMapping[str, Any]], bool] | None


@dataclass(kw_only=True)
class TelemetryData:
    """What fastcore knows about the current request, for synchronous OpenTelemetry processors.

    Filled in as the request is handled and cleared when it is done; read-only for integrations,
    which apply their own capture and redaction rules before exporting any of it.
    """

    request: Request | None = None  # once the route's handling starts
    websocket: WebSocket | None = None  # once the WebSocket route's handling starts
    body: Any = None  # the body as read, before validation
    values: dict[str, Any] | None = None  # the handler's arguments, once dependencies are solved
    errors: Sequence[Any] | None = None  # validation errors, with the input values


def get_telemetry_data(context: Context | None = None) -> TelemetryData | None:
    """The ``TelemetryData`` of the request handled in ``context`` (default: the current one).

    ``None`` outside a request, for an excluded request, and once the request has finished (also
    for a context kept past it).  Log processors pass ``record.context``.
    """
    native = sys.modules.get(_NATIVE)
    if native is None:  # no app has turned telemetry on: no request can carry data
        return None
    data: TelemetryData | None = native.telemetry_data(context)
    return data
