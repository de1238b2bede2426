"""The OpenTelemetry side of ``fastcore.telemetry``: the only fastcore module importing OpenTelemetry.

``NativeTelemetry`` wraps one request (or WebSocket connection) of an app: a server span, the HTTP
metrics, and a ``RequestTelemetry`` stored in the scope (``SCOPE_KEY``, for the executor) and in the
OpenTelemetry context (for ``get_telemetry_data`` and the operation spans of code that only has the
context, such as background tasks).  Semantic conventions: HTTP server spans and metrics, v1.44.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from time import perf_counter, time_ns
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from opentelemetry import _logs, metrics, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry._logs import Logger, SeverityNumber
from opentelemetry._logs import _internal as _logs_internal
from opentelemetry.context import Context
from opentelemetry.metrics import _internal as _metrics_internal
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException, WebSocketException
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from fastcore import __version__
from fastcore._fastpath import Gate
from fastcore.exceptions import RequestValidationError, WebSocketRequestValidationError
from fastcore.telemetry import TelemetryConfig, TelemetryData

__all__ = [
    "SCOPE_KEY",
    "NativeTelemetry",
    "RequestTelemetry",
    "current",
    "operation",
    "record_exception",
    "telemetry_data",
    "validation_failed",
]

# FastAPI's scope key: a mounted app (fastcore's or FastAPI's) sees that the request is observed.
SCOPE_KEY = "fastapi.telemetry"
_CONTEXT_KEY = otel_context.create_key("fastcore.request")
_SCHEMA_URL = "https://opentelemetry.io/schemas/1.44.0"
# https://opentelemetry.io/docs/specs/semconv/http/http-metrics/ (the advised boundaries)
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"}
)
# Query parameters the HTTP span conventions say to redact (names compared case-sensitively).
_REDACTED = frozenset(
    {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "sig", "X-Goog-Signature"}
)
_CONTRIB_MIDDLEWARE = ("opentelemetry.instrumentation.asgi", "OpenTelemetryMiddleware")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# The API's placeholders until a global provider is set (there is no public "is configured").
_PLACEHOLDERS = frozenset(
    {
        ("opentelemetry.trace", "ProxyTracerProvider"),
        ("opentelemetry.metrics._internal", "_ProxyMeterProvider"),
        ("opentelemetry._logs._internal", "ProxyLoggerProvider"),
    }
)
_NOOPS = (trace.NoOpTracerProvider, metrics.NoOpMeterProvider, _logs.NoOpLoggerProvider)
# Exceptions that are answers, not failures: an operation ending with one is not an error.
_ANSWERS = (HTTPException, WebSocketException, RequestValidationError, WebSocketRequestValidationError)


# PERF: the public getters read os.environ on every call while no provider is set (about 0.6 us
# each); these private globals say the same in a module attribute load.  Used only while the getters
# are the API's own (a test or vendor that replaces one takes the public path) and the globals exist.
_GETTERS = (trace.get_tracer_provider, metrics.get_meter_provider, _logs.get_logger_provider)
_FAST_CHECK = all(
    hasattr(module, name)
    for module, name in (
        (trace, "_TRACER_PROVIDER"),
        (_metrics_internal, "_METER_PROVIDER"),
        (_logs_internal, "_LOGGER_PROVIDER"),
    )
)


# (module, attribute, value): all of them hold while certainly no global provider is set.
_UNCONFIGURED: tuple[tuple[object, str, object], ...] = (
    (trace, "_TRACER_PROVIDER", None),
    (_metrics_internal, "_METER_PROVIDER", None),
    (_logs_internal, "_LOGGER_PROVIDER", None),
    (trace, "get_tracer_provider", _GETTERS[0]),
    (metrics, "get_meter_provider", _GETTERS[1]),
    (_logs, "get_logger_provider", _GETTERS[2]),
)


def _no_global_providers() -> bool:
    """True when certainly no global provider is set (False: ask the public getters)."""
    return _FAST_CHECK and all(getattr(holder, name) is value for holder, name, value in _UNCONFIGURED)


def _placeholder(provider: Any) -> bool:
    cls = type(provider)
    return (cls.__module__, cls.__name__) in _PLACEHOLDERS


def _usable(explicit: Any, provider: Any) -> bool:
    """Whether ``provider`` records anything: given explicitly, or a configured global one."""
    if isinstance(provider, _NOOPS):
        return False
    return explicit is not None or not _placeholder(provider)


def _exception_type(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _clean_close(exc: BaseException) -> bool:
    return isinstance(exc, WebSocketDisconnect) and exc.code in (1000, 1001)


# --------------------------------------------------------------------------------------------------
# Per request


@dataclass(kw_only=True, eq=False)
class RequestTelemetry:
    """One observed request: its span, its tracer for operations, its logger, its data."""

    scope: MutableMapping[str, Any]
    span: Span | None
    span_method: str
    root_path: str  # the root path the request came in with: a mount's prefix is what it adds
    tracer: Tracer | None = None  # None: no operation spans
    logger: Logger | None = None
    status_code: int | None = None
    data: TelemetryData | None = field(default_factory=TelemetryData)
    exceptions: list[BaseException] = field(default_factory=list, repr=False)

    def route(self) -> str | None:
        """``http.route``: the matched template, behind the prefixes of the mounts it is under.

        Read off the scope (the router records the matched route there), so routing pays nothing.
        """
        route = self.scope.get("route")
        template = getattr(route, "path_format", None)
        if not isinstance(template, str):
            return None
        prefix: str = self.scope.get("root_path", "")[len(self.root_path) :].rstrip("/")
        if isinstance(route, Mount):
            # A mount that answered itself (static files, a plain ASGI app): its prefix is already
            # in root_path; the rest of the path is a wildcard.
            return prefix + "/{path}"
        return prefix + template


def current(context: Context | None = None) -> RequestTelemetry | None:
    value = otel_context.get_value(_CONTEXT_KEY, context)
    return value if isinstance(value, RequestTelemetry) else None


def telemetry_data(context: Context | None = None) -> TelemetryData | None:
    request = current(context)
    return request.data if request is not None else None


@contextmanager
def _traced(tracer: Tracer, name: str, function: Any) -> Iterator[None]:
    attributes = {}
    if function is not None:
        module = getattr(function, "__module__", type(function).__module__)
        qualname = getattr(function, "__qualname__", type(function).__qualname__)
        attributes["code.function.name"] = f"{module}.{qualname}"
    with tracer.start_as_current_span(
        f"fastapi.{name}", attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield
        except Exception as exc:
            # A background task has no one to answer its HTTPException: there it is a failure.
            if name == "background_task" or not (isinstance(exc, _ANSWERS) or _clean_close(exc)):
                span.set_attribute("error.type", _exception_type(exc))
                span.set_status(StatusCode.ERROR)
            raise


_NOTHING: AbstractContextManager[None] = nullcontext()


def operation(request: RequestTelemetry | None, name: str, function: Any) -> AbstractContextManager[None]:
    """A ``fastapi.<name>`` span around an operation of ``request`` (nothing when not traced)."""
    if request is None or request.tracer is None:
        return _NOTHING
    return _traced(request.tracer, name, function)


def validation_failed(request: RequestTelemetry, exc: RequestValidationError | Any) -> None:
    """Keep a 422's errors (and body) in the data; log a ``fastapi.validation.failed`` event."""
    errors = exc.errors()
    if request.data is not None:
        if isinstance(exc, RequestValidationError):
            request.data.body = exc.body
        request.data.errors = errors
    if request.logger is None:
        return
    attributes: dict[str, Any] = {"fastapi.validation.error_count": len(errors)}
    route = request.route()
    if route is not None:
        attributes["http.route"] = route
    request.logger.emit(
        event_name="fastapi.validation.failed",
        timestamp=time_ns(),
        severity_number=SeverityNumber.WARN,
        severity_text="WARN",
        body="Request validation failed",
        attributes=attributes,
    )


def record_exception(scope: Scope, exc: BaseException) -> None:
    """Note an unhandled exception once (logged, and the span's ``error.type``)."""
    if scope["type"] == "websocket" and _clean_close(exc):
        return
    request = scope.get(SCOPE_KEY)
    if not isinstance(request, RequestTelemetry) or any(seen is exc for seen in request.exceptions):
        return
    request.exceptions.append(exc)
    if request.logger is None or not isinstance(exc, Exception):
        return
    websocket = scope["type"] == "websocket"
    route = request.route()
    request.logger.emit(
        exception=exc,
        event_name="fastapi.websocket.exception" if websocket else "http.server.request.exception",
        timestamp=time_ns(),
        severity_number=SeverityNumber.ERROR,
        severity_text="ERROR",
        body=(
            "Unhandled exception in FastAPI WebSocket connection"
            if websocket
            else "Unhandled exception in FastAPI request"
        ),
        attributes={"http.route": route} if route else None,
    )


# --------------------------------------------------------------------------------------------------
# Request attributes


class _HeadersGetter(Getter[Headers]):
    def get(self, carrier: Headers, key: str) -> list[str] | None:
        values = carrier.getlist(key)
        if not values:
            return None
        # W3C baggage may be split over several headers; its propagator reads only the first.
        return [",".join(values)] if key.lower() == "baggage" else values

    def keys(self, carrier: Headers) -> list[str]:
        return carrier.keys()


_GETTER = _HeadersGetter()


def _server_attributes(scope: Scope) -> dict[str, Any]:
    """``server.address``/``server.port`` from the Host header (else the listener); spans only."""
    host = Headers(scope=scope).get("host")
    if host is None:
        address, port = scope.get("server") or (None, None)
    else:
        try:
            parts = urlsplit("//" + host)
            address, port = parts.hostname, parts.port
        except ValueError:  # a malformed authority must not fail the request
            return {}
        if parts.username is not None or parts.path or parts.query or parts.fragment:
            return {}
        if port is None:
            port = _DEFAULT_PORTS.get(scope.get("scheme", "http"))
    if not address:
        return {}
    attributes: dict[str, Any] = {"server.address": address}
    if port is not None:
        attributes["server.port"] = port
    return attributes


def _query(query_string: bytes) -> str:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return urlencode([(key, "REDACTED" if key in _REDACTED else value) for key, value in pairs])


def legacy_instrumented(stack: Any) -> bool:
    """Whether ``opentelemetry-instrumentation-fastapi`` wrapped this middleware stack: it then
    observes the requests, and native telemetry steps aside rather than record them twice."""
    seen: set[int] = set()
    while stack is not None and id(stack) not in seen:
        seen.add(id(stack))
        cls = type(stack)
        if (cls.__module__, cls.__name__) == _CONTRIB_MIDDLEWARE:
            return True
        stack = getattr(stack, "app", None)
    return False


# --------------------------------------------------------------------------------------------------
# The app's wrapper


class NativeTelemetry:
    """An app's telemetry: the settings, and the tracer and instruments of the providers in use."""

    def __init__(self, config: TelemetryConfig) -> None:
        self.config = config
        known = os.getenv("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS", "").strip()
        self._methods = frozenset(m.strip() for m in known.split(",") if m.strip()) if known else _METHODS
        self._tracer_provider: Any = None
        self._tracer: Tracer | None = None
        self._meter_provider: Any = None
        self._instruments: tuple[Any, Any] | None = None
        # No explicit provider: while no global one is set either, nothing can be recorded.
        explicit = (config["tracer_provider"], config["meter_provider"], config["logger_provider"])
        self._global_only = not any(explicit)
        # The getters load a provider named by OTEL_PYTHON_*_PROVIDER on their first call: call them
        # now, so that the private globals the fast check reads are set when one is configured.
        trace.get_tracer_provider()
        metrics.get_meter_provider()
        _logs.get_logger_provider()
        # ``wants(scope)``: whether to observe this request — not already observed (or excluded) by
        # an outer app, and some signal has somewhere to go.  PERF: compiled; while nothing is
        # configured (the usual case) it reads the private globals in C and never calls enabled().
        watched = _UNCONFIGURED if self._global_only and _FAST_CHECK else None
        self.wants: Callable[[Scope], bool] = Gate(SCOPE_KEY, watched, self.enabled)

    def enabled(self) -> bool:
        """Whether any signal has somewhere to go (checked per request: globals may be set late)."""
        if self._global_only and _no_global_providers():
            return False
        return self._signals(legacy=False, websocket=False) != (None, None, False)

    def _signals(self, *, legacy: bool, websocket: bool) -> tuple[Any, Any, bool]:
        """``(tracer provider, meter provider, logging)`` for a request; None/False: signal off."""
        config = self.config
        if legacy:  # opentelemetry-instrumentation-fastapi observes the app already
            return None, None, False
        tracer_provider: Any = None
        meter_provider: Any = None
        logging = False
        if config["tracing"]:
            tracers = config["tracer_provider"]
            tracer_provider = tracers or trace.get_tracer_provider()
            if not _usable(tracers, tracer_provider):
                tracer_provider = None
        if config["metrics"] and not websocket:
            meters = config["meter_provider"]
            meter_provider = meters or metrics.get_meter_provider()
            if not _usable(meters, meter_provider):
                meter_provider = None
        if config["logs"]:
            loggers = config["logger_provider"]
            logging = _usable(loggers, loggers or _logs.get_logger_provider())
        return tracer_provider, meter_provider, logging

    def _get_tracer(self, provider: Any) -> Tracer:
        # One tracer per provider: the SDK deduplicates warnings per tracer, and lookups cost.
        if provider is not self._tracer_provider or self._tracer is None:
            self._tracer = provider.get_tracer("fastapi", __version__, schema_url=_SCHEMA_URL)
            self._tracer_provider = provider
        return self._tracer

    def _get_instruments(self, provider: Any) -> tuple[Any, Any]:
        if provider is not self._meter_provider or self._instruments is None:
            meter = provider.get_meter("fastapi", __version__, schema_url=_SCHEMA_URL)
            duration = meter.create_histogram(
                "http.server.request.duration",
                unit="s",
                description="Duration of HTTP server requests.",
                explicit_bucket_boundaries_advisory=_BUCKETS,
            )
            active = meter.create_up_down_counter(
                "http.server.active_requests",
                unit="{request}",
                description="Number of active HTTP server requests.",
            )
            self._instruments = (duration, active)
            self._meter_provider = provider
        return self._instruments

    async def __call__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, legacy: bool) -> None:
        config = self.config
        exclude = config["exclude"]
        if exclude is not None and exclude(scope):
            await self._excluded(app, scope, receive, send)
            return
        signals = self._signals(legacy=legacy, websocket=scope["type"] == "websocket")
        if signals == (None, None, False):
            await app(scope, receive, send)
            return
        await _Observed(self, scope, *signals).run(app, receive, send)

    @staticmethod
    async def _excluded(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        # None, not absent: a mounted app must not observe the request either; and the context
        # must not carry an outer in-process request's telemetry into this one.
        scope[SCOPE_KEY] = None
        token = otel_context.attach(otel_context.set_value(_CONTEXT_KEY, None))
        try:
            await app(scope, receive, send)
        finally:
            otel_context.detach(token)
            scope.pop(SCOPE_KEY, None)


class _Observed:
    """One observed request: attributes, span and instruments set up, then ``run``."""

    def __init__(
        self, native: NativeTelemetry, scope: Scope, tracer_provider: Any, meter_provider: Any, logging: bool
    ) -> None:
        config = native.config
        self.scope = scope
        self.websocket = websocket = scope["type"] == "websocket"
        original = scope.get("method", "")
        method = original if original in native._methods else "_OTHER"
        span_method = "WS" if websocket else "HTTP" if method == "_OTHER" else method
        attributes: dict[str, Any] = {"url.scheme": scope.get("scheme", "ws" if websocket else "http")}
        if websocket:
            attributes["network.protocol.name"] = "websocket"
        else:
            attributes["http.request.method"] = method
            if scope.get("http_version"):
                attributes["network.protocol.version"] = scope["http_version"]
        self.attributes = attributes
        self.active_attributes = {k: v for k, v in attributes.items() if k != "network.protocol.version"}
        self.duration: Any
        self.active: Any
        self.duration, self.active = (
            native._get_instruments(meter_provider) if meter_provider is not None else (None, None)
        )
        self.parent_token: object | None = None
        span = tracer = None
        if tracer_provider is not None:
            parent = propagate.extract(Headers(scope=scope), getter=_GETTER)
            self.parent_token = otel_context.attach(parent)
            tracer = native._get_tracer(tracer_provider)
            span_attributes = {**attributes, **_server_attributes(scope)}
            if not websocket:
                span_attributes["url.path"] = scope["path"]
                if scope.get("query_string"):
                    span_attributes["url.query"] = _query(scope["query_string"])
                if original != method:
                    span_attributes["http.request.method_original"] = original
            span = tracer.start_span(
                span_method, context=parent, kind=SpanKind.SERVER, attributes=span_attributes
            )
        logger = None
        if logging:
            provider = config["logger_provider"]
            logger = _logs.get_logger("fastapi", __version__, provider, schema_url=_SCHEMA_URL)
        self.span = span
        self.request = RequestTelemetry(
            scope=scope,
            span=span,
            span_method=span_method,
            root_path=scope.get("root_path", "").rstrip("/"),
            tracer=tracer if config["operation_spans"] else None,
            logger=logger,
        )
        self.finished = False
        self.trailers = False
        self.disconnected = False
        self.started = 0.0

    def finish(self, error: BaseException | None = None) -> None:
        if self.finished:
            return
        self.finished = True
        request, attributes, span = self.request, self.attributes, self.span
        route = request.route()
        if route is not None:
            attributes["http.route"] = route
        status = request.status_code
        if status is not None:
            attributes["http.response.status_code"] = status
        failed = error is not None or (not self.websocket and (status is None or status >= 500))
        if failed:
            failure = error or (request.exceptions[-1] if request.exceptions else None)
            attributes["error.type"] = (
                _exception_type(failure) if failure is not None else str(status or "incomplete_response")
            )
        if span is not None:
            if route is not None:
                span.update_name(f"{request.span_method} {route}")
            span.set_attributes(attributes)
            if failed:
                span.set_status(StatusCode.ERROR)
        if self.duration is not None:
            # Recorded while the span is current, so that exemplars can point at it.
            self.duration.record(max(0.0, perf_counter() - self.started), attributes)
        if self.active is not None:
            self.active.add(-1, self.active_attributes)
        if span is not None:
            span.end()

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.request.status_code = message["status"]
            self.trailers = message.get("trailers", False)
        await self.send(message)
        if (
            (kind == "http.response.body" and not message.get("more_body", False) and not self.trailers)
            or (kind == "http.response.trailers" and not message.get("more_trailers", False))
            or kind == "http.response.pathsend"
        ):
            self.finish()  # the response is complete: background tasks are not part of it

    async def _receive(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.disconnect":
            self.disconnected = True
        return message

    async def run(self, app: ASGIApp, receive: Receive, send: Send) -> None:
        scope, request = self.scope, self.request
        self.send, self.receive = send, receive
        if self.active is not None:
            self.active.add(1, self.active_attributes)
        self.started = perf_counter()
        scope[SCOPE_KEY] = request
        token = otel_context.attach(otel_context.set_value(_CONTEXT_KEY, request))
        span = self.span
        current = (
            trace.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False)
            if span is not None
            else nullcontext()
        )
        websocket = self.websocket
        if not websocket:
            receive, send = self._receive, self._send
        try:
            with current:
                try:
                    await app(scope, receive, send)
                except BaseException as exc:
                    record_exception(scope, exc)
                    self.finish(None if websocket and _clean_close(exc) else exc)
                    raise
                finally:
                    if not self.finished:
                        self.finish(
                            None
                            if websocket
                            else ConnectionError("Client disconnected")
                            if self.disconnected
                            else RuntimeError("Incomplete ASGI response")
                        )
        finally:
            # Data dropped: a context kept past the request must not keep its objects alive.
            request.data = None
            request.exceptions.clear()
            otel_context.detach(token)
            scope.pop(SCOPE_KEY, None)
            if self.parent_token is not None:
                otel_context.detach(self.parent_token)  # type: ignore[arg-type]


def run_in_operation(request: RequestTelemetry, name: str, function: Callable[..., Any], values: Any) -> Any:
    """``function(**values)`` inside a ``fastapi.<name>`` span (a sync handler, in its worker thread)."""
    with operation(request, name, function):
        return function(**values)
