"""FastAPI's smaller app/router API, against FastAPI: the same calls on both, the same results.

``websocket_route`` / ``route`` decorators, ``on_event`` / ``on_startup=`` / ``on_shutdown=`` handlers.
"""

import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import fastapi
import fastapi.responses
import fastapi.testclient
import pytest

import fastcore
import fastcore.responses
import fastcore.testclient

FASTAPI = SimpleNamespace(
    module=fastapi, responses=fastapi.responses, TestClient=fastapi.testclient.TestClient, name="fastapi"
)
FASTCORE = SimpleNamespace(
    module=fastcore, responses=fastcore.responses, TestClient=fastcore.testclient.TestClient, name="fastcore"
)
BOTH = pytest.mark.parametrize("ns", [FASTAPI, FASTCORE], ids=lambda ns: ns.name)


def on_both(run: Callable[[SimpleNamespace], Any]) -> None:
    expected, actual = run(FASTAPI), run(FASTCORE)
    assert actual == expected


# -- websocket_route / route -------------------------------------------------------------------------


def test_websocket_route_decorators() -> None:
    def run(ns: SimpleNamespace) -> list[Any]:
        module = ns.module
        app = module.FastAPI()
        router = module.APIRouter()
        prefixed = module.APIRouter()

        async def hello(websocket: Any, text: str) -> None:
            await websocket.accept()
            await websocket.send_text(text)
            await websocket.close()

        @app.websocket_route("/", name="index")
        async def index(websocket: module.WebSocket) -> None:
            await hello(websocket, "app")

        @router.websocket_route("/router")
        async def in_router(websocket: module.WebSocket) -> None:
            await hello(websocket, f"router {websocket.path_params}")

        @prefixed.websocket_route("/{name}")
        async def in_prefixed(websocket: module.WebSocket) -> None:
            await hello(websocket, websocket.path_params["name"])

        app.include_router(router)
        app.include_router(prefixed, prefix="/p")
        seen: list[Any] = [app.url_path_for("index")]
        client = ns.TestClient(app)
        for path in ("/", "/router", "/p/x"):
            with client.websocket_connect(path) as websocket:
                seen.append(websocket.receive_text())
        assert index.__name__ == "index"  # the decorator gives the function back
        return seen

    on_both(run)


def test_router_route_decorator() -> None:
    def run(ns: SimpleNamespace) -> list[Any]:
        module = ns.module
        router = module.APIRouter()

        @router.route("/items/", methods=["GET", "POST"], name="items", include_in_schema=False)
        async def items(request: module.Request) -> Any:
            return ns.responses.JSONResponse({"method": request.method})

        app = module.FastAPI()
        app.include_router(router)
        client = ns.TestClient(app)
        return [
            client.get("/items/").json(),
            client.post("/items/").json(),
            client.put("/items/").status_code,
            app.url_path_for("items"),
            sorted(app.openapi()["paths"]),
        ]

    on_both(run)


# -- startup / shutdown handlers ---------------------------------------------------------------------


def _events_app(ns: SimpleNamespace, log: list[str], *, lifespan: bool = False) -> Any:
    module = ns.module

    def record(what: str) -> Callable[[], None]:
        return lambda: log.append(what)

    async def arecord_stop() -> None:
        log.append("app-async-stop")

    @asynccontextmanager
    async def app_lifespan(app: Any) -> AsyncIterator[None]:
        log.append("lifespan-in")
        yield
        log.append("lifespan-out")

    sub = module.APIRouter(on_startup=[record("sub-start")], on_shutdown=[record("sub-stop")])
    router = module.APIRouter()
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        router.on_event("startup")(record("router-start"))
    router.include_router(sub)
    app = module.FastAPI(
        on_startup=[record("app-start")],
        on_shutdown=[arecord_stop],
        lifespan=app_lifespan if lifespan else None,
    )
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        app.on_event("shutdown")(record("app-stop"))

    @app.get("/")
    def root() -> dict[str, bool]:
        return {"ok": True}

    app.include_router(router)
    return app


def test_on_event_and_on_startup_handlers_run_around_the_app() -> None:
    def run(ns: SimpleNamespace) -> list[str]:
        log: list[str] = []
        app = _events_app(ns, log)
        assert log == []
        with ns.TestClient(app) as client:
            log.append(f"request {client.get('/').status_code}")
        return log

    # FastAPI runs an included router's handlers once per include level more (router-start twice,
    # sub-start three times: copied into the app's list *and* run by the merged router lifespan);
    # fastcore runs each handler once: the same start-up order of first runs, the same shutdown set,
    # in registration order.
    expected = run(FASTAPI)
    actual = run(FASTCORE)
    served = actual.index("request 200")
    assert actual[: served + 1] == list(dict.fromkeys(expected[: expected.index("request 200") + 1]))
    assert set(actual[served:]) == set(expected[expected.index("request 200") :])
    assert actual == [
        "app-start",
        "router-start",
        "sub-start",
        "request 200",
        "app-async-stop",
        "app-stop",
        "sub-stop",
    ]


def test_handlers_beside_a_lifespan() -> None:
    def run(ns: SimpleNamespace) -> list[str]:
        log: list[str] = []
        with ns.TestClient(_events_app(ns, log, lifespan=True)):
            log.append("serving")
        return log

    # The app's own handlers are ignored under its lifespan=; included routers' still run.
    expected = run(FASTAPI)
    assert run(FASTCORE) == list(dict.fromkeys(expected))


@BOTH
def test_add_event_handler_rejects_other_events(ns: SimpleNamespace) -> None:
    with pytest.raises(AssertionError):
        ns.module.APIRouter().add_event_handler("teardown", lambda: None)


# -- default_response_class: route > innermost include > router > outer includes > app ------------


def test_default_response_class_override_order() -> None:
    def run(ns: SimpleNamespace) -> list[Any]:
        module, responses = ns.module, ns.responses

        class Marked(responses.JSONResponse):  # type: ignore[name-defined,misc]
            media_type = "application/x-marked"

        def routes(router: Any, text: str) -> None:
            router.add_api_route("/", lambda: text)
            router.add_api_route("/html", lambda: text, response_class=responses.HTMLResponse)

        app = module.FastAPI(default_response_class=Marked)
        plain, inner, innermost, own = (module.APIRouter() for _ in range(4))
        styled = module.APIRouter(default_response_class=responses.PlainTextResponse)
        for router, text in ((plain, "plain"), (inner, "inner"), (innermost, "innermost"), (own, "own")):
            routes(router, text)
        routes(styled, "styled")
        routes(app.router, "app")
        inner.include_router(innermost, prefix="/m", default_response_class=responses.HTMLResponse)
        plain.include_router(inner, prefix="/i")
        plain.include_router(styled, prefix="/s", default_response_class=responses.HTMLResponse)
        app.include_router(plain, prefix="/p", default_response_class=responses.PlainTextResponse)
        app.include_router(own, prefix="/o")
        client = ns.TestClient(app)
        seen = []
        for path in ("/", "/p", "/p/i", "/p/i/m", "/p/s", "/o"):
            for leaf in ("/", "/html"):
                url = path.rstrip("/") + leaf if leaf != "/" else path.rstrip("/") + "/"
                response = client.get(url)
                seen.append((url, response.status_code, response.headers["content-type"], response.text))
        return seen

    on_both(run)


# -- strict_content_type: a body without a Content-Type is JSON only where lax ----------------------


def test_strict_content_type_levels_and_content_types() -> None:
    def run(ns: SimpleNamespace) -> list[Any]:
        module = ns.module
        app = module.FastAPI(strict_content_type=False)
        strict = module.APIRouter(prefix="/strict", strict_content_type=True)
        default = module.APIRouter(prefix="/default")
        lax_inside = module.APIRouter(prefix="/lax", strict_content_type=False)

        def echo(data: dict[str, int]) -> dict[str, int]:
            return data

        def echo_text(text: str = module.Body()) -> str:
            return text

        for router in (strict, default, lax_inside, app.router):
            router.add_api_route("/items", echo, methods=["POST"])
            router.add_api_route("/text", echo_text, methods=["POST"])
        strict.add_api_route("/route-lax", echo, methods=["POST"], strict_content_type=False)
        strict.include_router(lax_inside)
        outer = module.APIRouter(prefix="/outer")
        outer.include_router(strict)
        outer.include_router(default)
        app.include_router(outer)
        client = ns.TestClient(app)
        seen = []
        paths = ["/items", "/text"]
        for prefix in ("/outer/strict", "/outer/default", "/outer/strict/lax"):
            paths += [prefix + "/items", prefix + "/text"]
        paths.append("/outer/strict/route-lax")
        for path in paths:
            for headers in (
                {},
                {"content-type": ""},
                {"content-type": "application/json"},
                {"content-type": "application/problem+json; charset=utf-8"},
                {"content-type": "text/plain"},
            ):
                for body in (b'{"a": 1}', b'"hello"', b"not json", b""):
                    response = client.post(path, content=body, headers=headers)
                    seen.append((path, headers, body, response.status_code, response.json()))
        return seen

    expected, actual = run(FASTAPI), run(FASTCORE)
    for want, got in zip(expected, actual, strict=True):
        assert got[:4] == want[:4], (want, got)
        if want[3] == 200:
            assert got[4] == want[4], (want, got)
        else:  # error types and locations (the wording of a few messages is _params' own)
            assert _shape(got[4]) == _shape(want[4]), (want, got)


def _shape(body: Any) -> Any:
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):
        return [(e["type"], tuple(e["loc"])) for e in detail]
    return detail


# -- lifespan= as a plain (async) generator function -----------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_generator_function_lifespans(kind: str) -> None:
    def run(ns: SimpleNamespace) -> list[Any]:
        log: list[Any] = []

        def sync_lifespan(app: Any) -> Iterator[dict[str, int]]:
            log.append("in")
            yield {"answer": 42}
            log.append("out")

        async def async_lifespan(app: Any) -> AsyncIterator[dict[str, int]]:
            log.append("in")
            yield {"answer": 42}
            log.append("out")

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # FastAPI takes them without Starlette's deprecation
            app = ns.module.FastAPI(lifespan=sync_lifespan if kind == "sync" else async_lifespan)
            router = ns.module.APIRouter(lifespan=sync_lifespan if kind == "sync" else async_lifespan)
        log.append([str(w.message) for w in caught])

        @app.get("/")
        def root(request: ns.module.Request) -> dict[str, int]:
            return {"answer": request.state.answer}

        app.include_router(router)
        with ns.TestClient(app) as client:
            log.append(client.get("/").json())
        return log

    on_both(run)
