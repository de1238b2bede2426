"""fastcore.telemetry: spans, metrics, logs and TelemetryData; OpenTelemetry stays optional."""

import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import context, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from fastcore import BackgroundTasks, Depends, FastCore, HTTPException, Request, WebSocket
from fastcore.exceptions import RequestValidationError
from fastcore.telemetry import TelemetryData, get_telemetry_data
from fastcore.testclient import TestClient


class Signals:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider(shutdown_on_exit=False)
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader], shutdown_on_exit=False)
        self.logs = InMemoryLogRecordExporter()
        self.logger_provider = LoggerProvider(shutdown_on_exit=False)
        self.logger_provider.add_log_record_processor(SimpleLogRecordProcessor(self.logs))

    def config(self, **extra: Any) -> Any:
        return {
            "tracer_provider": self.tracer_provider,
            "meter_provider": self.meter_provider,
            "logger_provider": self.logger_provider,
            **extra,
        }

    def server(self) -> Any:
        (span,) = [s for s in self.spans.get_finished_spans() if s.kind == SpanKind.SERVER]
        return span

    def names(self) -> list[str]:
        return [s.name for s in self.spans.get_finished_spans()]

    def points(self, name: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        if data is None:
            return []
        return [
            point
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == name
            for point in metric.data.data_points
        ]


@pytest.fixture
def signals() -> Iterator[Signals]:
    s = Signals()
    yield s
    s.tracer_provider.shutdown()
    s.meter_provider.shutdown()
    s.logger_provider.shutdown()


def test_server_span_metrics_and_operations(signals: Signals) -> None:
    app = FastCore(telemetry=signals.config())

    def dependency() -> str:
        return "dep"

    @app.get("/items/{item_id}")
    async def item(item_id: int, value: Annotated[str, Depends(dependency)]) -> dict[str, Any]:
        return {"item_id": item_id, "value": value}

    response = TestClient(app).get("/items/7?sig=secret&q=a", headers={"host": "api.example:8443"})
    assert response.json() == {"item_id": 7, "value": "dep"}
    server = signals.server()
    assert server.name == "GET /items/{item_id}"
    assert server.status.status_code == StatusCode.UNSET
    attributes = dict(server.attributes)
    assert attributes["http.route"] == "/items/{item_id}"
    assert attributes["http.response.status_code"] == 200
    assert attributes["url.path"] == "/items/7"
    assert attributes["url.query"] == "sig=REDACTED&q=a"
    assert attributes["server.address"] == "api.example"
    assert attributes["server.port"] == 8443
    children = [s for s in signals.spans.get_finished_spans() if s is not server]
    assert sorted(s.name for s in children) == [
        "fastapi.dependencies",
        "fastapi.endpoint",
        "fastapi.serialization",
    ]
    assert all(s.parent is not None and s.parent.span_id == server.context.span_id for s in children)
    (duration,) = signals.points("http.server.request.duration")
    assert duration.count == 1
    assert duration.attributes["http.route"] == "/items/{item_id}"
    assert "url.path" not in duration.attributes
    (active,) = signals.points("http.server.active_requests")
    assert active.value == 0


def test_sync_handler_span_starts_in_its_worker_thread(signals: Signals) -> None:
    app = FastCore(telemetry=signals.config())
    seen: dict[str, Any] = {}

    def dependency() -> int:
        seen["dependency"] = trace.get_current_span().name  # type: ignore[attr-defined]
        return 1

    @app.get("/")
    def handler(value: Annotated[int, Depends(dependency)]) -> int:
        seen["handler"] = (trace.get_current_span().name, threading.get_ident())  # type: ignore[attr-defined]
        return value

    assert TestClient(app).get("/").json() == 1
    assert seen["dependency"] == "fastapi.dependencies"
    assert seen["handler"][0] == "fastapi.endpoint"
    assert seen["handler"][1] != threading.get_ident()


@pytest.mark.parametrize("failure", ["handler", "serialization", "handled"])
def test_failures_mark_the_failing_operation(signals: Signals, failure: str) -> None:
    app = FastCore(telemetry=signals.config())

    @app.get("/", response_model=int)
    async def handler() -> Any:
        if failure == "handler":
            raise ValueError("boom")
        if failure == "handled":
            raise HTTPException(409)
        return "not an int"

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == (409 if failure == "handled" else 500)
    server = signals.server()
    spans = {s.name: s for s in signals.spans.get_finished_spans()}
    if failure == "handled":
        assert all(s.status.status_code == StatusCode.UNSET for s in spans.values())
        assert server.attributes["http.response.status_code"] == 409
        assert not signals.logs.get_finished_logs()
        return
    failed = spans["fastapi.endpoint" if failure == "handler" else "fastapi.serialization"]
    assert failed.status.status_code == StatusCode.ERROR
    assert server.status.status_code == StatusCode.ERROR
    assert server.attributes["error.type"] != "500"  # the exception's type, noted before the 500
    (log,) = signals.logs.get_finished_logs()
    assert log.log_record.event_name == "http.server.request.exception"
    assert log.log_record.attributes is not None
    assert log.log_record.attributes["http.route"] == "/"


def test_validation_failure_data_and_log(signals: Signals) -> None:
    app = FastCore(telemetry=signals.config())
    observed: list[TelemetryData | None] = []

    @app.post("/items")
    async def create(item: dict[str, int]) -> dict[str, int]:
        return item  # pragma: no cover - never valid here

    @app.exception_handler(RequestValidationError)
    async def on_422(request: Request, exc: Exception) -> Any:
        from fastcore.responses import JSONResponse

        observed.append(get_telemetry_data())
        return JSONResponse({"invalid": True}, status_code=422)

    client = TestClient(app)
    assert client.post("/items", json={"a": "x"}).status_code == 422
    assert client.post("/items", content="{", headers={"content-type": "application/json"}).status_code == 422
    first, second = observed
    assert first is not None and second is not None
    assert first.body == {"a": "x"}
    assert first.errors is not None and first.errors[0]["type"] == "int_parsing"
    assert second.body == "{"
    logs = signals.logs.get_finished_logs()
    assert [r.log_record.event_name for r in logs] == ["fastapi.validation.failed"] * 2
    assert logs[0].log_record.attributes == {"http.route": "/items", "fastapi.validation.error_count": 1}
    assert get_telemetry_data() is None


def test_data_during_the_request_and_cleared_after(signals: Signals) -> None:
    app = FastCore(telemetry=signals.config())
    seen: list[Any] = []

    def dependency(request: Request) -> str:
        data = get_telemetry_data()
        assert data is not None and data.request is request and data.values is None
        seen.append(data.body)
        return "dep"

    @app.post("/")
    async def handler(
        payload: dict[str, str], request: Request, dep: Annotated[str, Depends(dependency)]
    ) -> str:
        data = get_telemetry_data()
        assert data is not None and data.request is request
        assert data.values is not None and data.values["dep"] == "dep"
        seen.append(context.get_current())
        return "ok"

    assert TestClient(app).post("/", json={"a": "b"}).json() == "ok"
    assert seen[0] == {"a": "b"}
    assert get_telemetry_data(seen[1]) is None  # a context kept past the request has no data
    assert get_telemetry_data() is None


def test_background_tasks_get_spans_after_the_response(signals: Signals) -> None:
    app = FastCore(telemetry=signals.config())
    ran: list[str] = []

    def task(name: str) -> None:
        ran.append(trace.get_current_span().name)  # type: ignore[attr-defined]

    @app.get("/")
    async def handler(background: BackgroundTasks) -> str:
        background.add_task(task, "one")
        return "ok"

    assert TestClient(app).get("/").json() == "ok"
    assert ran == ["fastapi.background_task"]
    server = signals.server()
    (span,) = [s for s in signals.spans.get_finished_spans() if s.name == "fastapi.background_task"]
    assert span.parent is not None and span.parent.span_id == server.context.span_id
    assert span.start_time >= server.end_time


def test_websocket_span(signals: Signals) -> None:
    app = FastCore(telemetry=signals.config())

    @app.websocket("/ws/{room}")
    async def ws(websocket: WebSocket, room: str) -> None:
        data = get_telemetry_data()
        assert data is not None and data.websocket is websocket
        await websocket.accept()
        await websocket.send_text(room)
        await websocket.close()

    with TestClient(app).websocket_connect("/ws/lobby") as socket:
        assert socket.receive_text() == "lobby"
    server = signals.server()
    assert server.name == "WS /ws/{room}"
    assert server.attributes["network.protocol.name"] == "websocket"
    assert not signals.points("http.server.request.duration")


def test_mounted_app_reports_the_full_route_once(signals: Signals) -> None:
    child = FastCore(telemetry=signals.config())
    app = FastCore(telemetry=signals.config())

    @child.get("/items/{item_id}")
    async def item(item_id: int) -> int:
        return item_id

    app.mount("/child", child)
    assert TestClient(app).get("/child/items/3").json() == 3
    assert signals.server().attributes["http.route"] == "/child/items/{item_id}"


@pytest.mark.parametrize("setting", ["excluded", "all_off", "operations_off"])
def test_settings(signals: Signals, setting: str) -> None:
    extra: dict[str, Any] = {
        "excluded": {"exclude": lambda scope: scope["path"] == "/"},
        "all_off": {"tracing": False, "metrics": False, "logs": False},
        "operations_off": {"operation_spans": False},
    }[setting]
    app = FastCore(telemetry=signals.config(**extra))

    @app.get("/")
    async def handler() -> Any:
        return get_telemetry_data() is None

    assert TestClient(app).get("/").json() is (setting != "operations_off")
    expected = {"excluded": [], "all_off": [], "operations_off": ["GET /"]}[setting]
    assert signals.names() == expected
    if setting == "all_off":
        assert app._native_telemetry is None  # the plain path: nothing checked per request


def test_unconfigured_global_providers_record_nothing() -> None:
    # The API's placeholders (no SDK configured): the request takes the plain path.
    app = FastCore()

    @app.get("/")
    async def handler() -> Any:
        return get_telemetry_data() is None

    assert app._native_telemetry is not None
    assert not app._native_telemetry.enabled()
    assert TestClient(app).get("/").json() is True


def test_imports_and_serves_without_opentelemetry() -> None:
    # A meta path hook hides opentelemetry, as if it were not installed.
    code = """
import sys
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Hide())
from fastcore import FastCore, BackgroundTasks
from fastcore.telemetry import get_telemetry_data
from fastcore.testclient import TestClient
app = FastCore(telemetry={"tracing": True})
ran = []
@app.get("/")
async def handler(background: BackgroundTasks):
    background.add_task(ran.append, 1)
    return get_telemetry_data() is None
assert app._native_telemetry is None
assert TestClient(app).get("/").json() is True and ran == [1]
assert not any(m.startswith("opentelemetry") for m in sys.modules), sorted(sys.modules)
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_late_global_provider_enables_an_existing_app() -> None:
    # Global providers are set once per process: checked in a fresh one.
    code = """
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from fastcore import FastCore
from fastcore.testclient import TestClient
app = FastCore()
@app.get("/")
async def handler():
    return "ok"
client = TestClient(app)
assert client.get("/").json() == "ok" and not app._native_telemetry.enabled()
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
assert client.get("/").json() == "ok"
print([span.name for span in exporter.get_finished_spans()])
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    spans = "['fastapi.dependencies', 'fastapi.endpoint', 'fastapi.serialization', 'GET /']"
    assert result.stdout.strip() == spans


def test_replaced_global_getter_is_honoured(signals: Signals, monkeypatch: pytest.MonkeyPatch) -> None:
    app = FastCore()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: signals.tracer_provider)

    @app.get("/")
    async def handler() -> str:
        return "ok"

    assert TestClient(app).get("/").json() == "ok"
    assert signals.server().name == "GET /"
