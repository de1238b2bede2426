"""Exception handlers, compared with FastAPI: by class (MRO), by status code, the 422 override that
reuses the default handler, ``Exception``/500 through ``ServerErrorMiddleware``, sync handlers, and
exceptions from mounted Starlette apps, plain Starlette routes and ``StaticFiles``.

fastcore has no ``ExceptionMiddleware``: routes answer handled exceptions themselves from the tables
in ``scope["starlette.exception_handlers"]``; these tests pin that the answers are FastAPI's.
"""

import asyncio
import importlib.util
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fastapi
import fastapi.exception_handlers
import fastapi.exceptions
import fastapi.responses
import fastapi.staticfiles
import fastapi.testclient
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Message

import fastcore
import fastcore.exception_handlers
import fastcore.exceptions
import fastcore.responses
import fastcore.staticfiles
import fastcore.testclient

FASTAPI = SimpleNamespace(
    name="fastapi", App=fastapi.FastAPI, Depends=fastapi.Depends, HTTPException=fastapi.HTTPException,
    RequestValidationError=fastapi.exceptions.RequestValidationError,
    handlers=fastapi.exception_handlers, JSONResponse=fastapi.responses.JSONResponse,
    PlainTextResponse=fastapi.responses.PlainTextResponse, StaticFiles=fastapi.staticfiles.StaticFiles,
    TestClient=fastapi.testclient.TestClient,
)
FASTCORE = SimpleNamespace(
    name="fastcore", App=fastcore.FastCore, Depends=fastcore.Depends, HTTPException=fastcore.HTTPException,
    RequestValidationError=fastcore.exceptions.RequestValidationError,
    handlers=fastcore.exception_handlers, JSONResponse=fastcore.responses.JSONResponse,
    PlainTextResponse=fastcore.responses.PlainTextResponse, StaticFiles=fastcore.staticfiles.StaticFiles,
    TestClient=fastcore.testclient.TestClient,
)
COMPARED = ("content-type", "x-handler", "www-authenticate", "allow", "location")


class TeapotError(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class SmallTeapotError(TeapotError):
    pass


class SyncHandled(Exception):
    pass


class Unhandled(Exception):
    pass


class Pair:
    def __init__(self, build: Callable[[SimpleNamespace, list[Any]], Any], **client: Any) -> None:
        self.logs: dict[str, list[Any]] = {"fastapi": [], "fastcore": []}
        self.apps = {ns.name: build(ns, self.logs[ns.name]) for ns in (FASTAPI, FASTCORE)}
        client.setdefault("follow_redirects", False)
        self.clients = {ns.name: ns.TestClient(self.apps[ns.name], **client) for ns in (FASTAPI, FASTCORE)}

    def check(self, method: str, url: str, **kwargs: Any) -> Any:
        for log in self.logs.values():
            log.clear()
        expected = self.clients["fastapi"].request(method, url, **kwargs)
        actual = self.clients["fastcore"].request(method, url, **kwargs)
        where = f"{method} {url}"
        assert actual.status_code == expected.status_code, (where, expected.text, actual.text)
        if expected.headers.get("content-type") == "application/json":
            assert actual.json() == expected.json(), (where, expected.text, actual.text)
        else:
            assert actual.content == expected.content, (where, expected.text, actual.text)
        for name in COMPARED:
            if name == "allow" and name in expected.headers:
                # fastcore lists every method of the path, in its own order (documented difference)
                assert _methods(actual.headers[name]) >= _methods(expected.headers[name]), where
                continue
            assert actual.headers.get(name) == expected.headers.get(name), (where, name)
        assert self.logs["fastcore"] == self.logs["fastapi"], where
        return actual


def _methods(allow: str) -> set[str]:
    return {method.strip() for method in allow.split(",")}


def handlers_app(ns: SimpleNamespace, log: list[Any], static_dir: Path | None = None) -> Any:
    app = ns.App()

    @app.exception_handler(TeapotError)
    async def teapot_handler(request: Request, exc: TeapotError) -> Any:
        log.append(("teapot", type(exc).__name__, request.url.path))
        return ns.JSONResponse({"teapot": exc.name}, status_code=418, headers={"x-handler": "teapot"})

    @app.exception_handler(SyncHandled)
    def sync_handler(request: Request, exc: SyncHandled) -> Any:  # a plain function: run in a thread
        log.append("sync handler")
        return ns.PlainTextResponse(f"sync: {exc}", status_code=409, headers={"x-handler": "sync"})

    @app.exception_handler(StarletteHTTPException)
    async def http_handler(request: Request, exc: StarletteHTTPException) -> Any:
        log.append(("http", exc.status_code, isinstance(exc, ns.HTTPException)))
        if exc.status_code == 401:
            # reuse the default handler, adding a header
            response = await ns.handlers.http_exception_handler(request, exc)
            response.headers["x-handler"] = "http-default"
            return response
        return ns.JSONResponse({"message": exc.detail}, status_code=exc.status_code,
                               headers={**(exc.headers or {}), "x-handler": "http"})

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Any:
        log.append(("404", type(exc).__name__))
        return ns.JSONResponse({"missing": request.url.path}, status_code=404, headers={"x-handler": "404"})

    @app.exception_handler(405)
    def not_allowed(request: Request, exc: Any) -> Any:
        return ns.PlainTextResponse(f"no {request.method}", status_code=405,
                                    headers={**(exc.headers or {}), "x-handler": "405"})

    @app.exception_handler(ns.RequestValidationError)
    async def validation(request: Request, exc: Any) -> Any:
        log.append(("422", len(exc.errors())))
        response = await ns.handlers.request_validation_exception_handler(request, exc)
        response.headers["x-handler"] = "422"
        return response

    def dep(fail: str = "") -> str:
        if fail == "teapot":
            raise SmallTeapotError("from dependency")
        if fail == "http":
            raise ns.HTTPException(401, "who are you", headers={"WWW-Authenticate": "Bearer"})
        return fail

    async def yield_dep() -> AsyncIterator[str]:
        log.append("yield enter")
        try:
            yield "y"
        except TeapotError:
            log.append("yield saw teapot")
            raise
        finally:
            log.append("yield exit")

    @app.get("/raise/{what}")
    def raise_(what: str, d: str = ns.Depends(dep)) -> dict[str, str]:
        if what == "teapot":
            raise TeapotError("big")
        if what == "small":
            raise SmallTeapotError("small")
        if what == "sync":
            raise SyncHandled("conflict")
        if what == "http":
            raise ns.HTTPException(403, "forbidden", headers={"x-extra": "1"})
        if what == "starlette-http":
            raise StarletteHTTPException(400, "from starlette")
        if what == "404":
            raise ns.HTTPException(404, "item missing")
        if what == "204":
            raise ns.HTTPException(204)
        return {"what": what, "dep": d}

    @app.get("/yield")
    async def with_yield(y: str = ns.Depends(yield_dep), fail: bool = False) -> dict[str, str]:
        if fail:
            raise TeapotError("in yield route")
        return {"y": y}

    @app.get("/typed/{n}")
    async def typed(n: int, q: int = 0) -> dict[str, int]:
        return {"n": n, "q": q}

    @app.post("/only-post")
    def only_post() -> dict[str, bool]:
        return {"ok": True}

    # A plain Starlette endpoint, and a mounted Starlette app with its own routes.
    async def plain(request: Request) -> PlainTextResponse:
        what = request.query_params.get("what")
        if what == "teapot":
            raise TeapotError("plain route")
        if what == "http":
            raise StarletteHTTPException(402, "pay up")
        return PlainTextResponse("plain ok")

    app.add_route("/plain", plain, methods=["GET"])

    async def sub_page(request: Request) -> PlainTextResponse:
        what = request.path_params["what"]
        if what == "teapot":
            raise TeapotError("mounted")
        if what == "http":
            raise StarletteHTTPException(409, "mounted conflict")
        return PlainTextResponse(f"sub {what}")

    app.mount("/sub", Starlette(routes=[Route("/{what}", sub_page)]))
    if static_dir is not None:
        app.mount("/static", ns.StaticFiles(directory=static_dir), name="static")
    return app


@pytest.fixture(scope="module")
def handled(tmp_path_factory: pytest.TempPathFactory) -> Pair:
    static = tmp_path_factory.mktemp("static")
    (static / "hello.txt").write_text("hello static")
    return Pair(lambda ns, log: handlers_app(ns, log, static))


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/raise/teapot"),
        ("GET", "/raise/small"),  # a subclass finds its base's handler
        ("GET", "/raise/x?fail=teapot"),  # raised in a dependency
        ("GET", "/raise/sync"),
        ("GET", "/raise/http"),
        ("GET", "/raise/x?fail=http"),  # handler reusing http_exception_handler
        ("GET", "/raise/starlette-http"),
        ("GET", "/raise/404"),  # HTTPException(404) goes to the 404 handler
        ("GET", "/raise/204"),
        ("GET", "/raise/fine"),
        ("GET", "/nowhere"),  # unknown route: the 404 handler
        ("GET", "/only-post"),  # the 405 handler, with Allow
        ("GET", "/typed/x?q=y"),  # the 422 override
        ("GET", "/typed/3?q=4"),
        ("GET", "/yield"),
        ("GET", "/yield?fail=true"),
        ("GET", "/plain"),
        ("GET", "/plain?what=teapot"),
        ("GET", "/plain?what=http"),
        ("POST", "/plain"),
        ("GET", "/sub/page"),
        ("GET", "/sub/http"),
        ("GET", "/sub/deeper/missing"),
        ("GET", "/static/hello.txt"),
        ("GET", "/static/missing.txt"),  # StaticFiles' 404 reaches the app's 404 handler
        ("POST", "/static/hello.txt"),
    ],
)
def test_handlers(handled: Pair, method: str, url: str) -> None:
    handled.check(method, url)


def test_unhandled_error_in_a_mounted_starlette_app(handled: Pair) -> None:
    # The sub-app's own ServerErrorMiddleware answers 500 before the error reaches the outer app,
    # whose TeapotError handler then finds the response started: Starlette's RuntimeError, in both.
    for client in handled.clients.values():
        with pytest.raises(RuntimeError, match="response already started"):
            client.get("/sub/teapot")
    quiet = Pair(handlers_app, raise_server_exceptions=False)
    response = quiet.check("GET", "/sub/teapot")
    assert (response.status_code, response.text) == (500, "Internal Server Error")


def test_yield_dependency_sees_the_handled_exception(handled: Pair) -> None:
    handled.check("GET", "/yield?fail=true")
    assert handled.logs["fastcore"] == ["yield enter", "yield saw teapot", "yield exit",
                                        ("teapot", "TeapotError", "/yield")]


def test_default_handlers_are_importable_and_shaped_like_fastapis() -> None:
    names = ["http_exception_handler", "request_validation_exception_handler",
             "websocket_request_validation_exception_handler"]
    for name in names:
        assert callable(getattr(fastcore.exception_handlers, name))
        assert callable(getattr(fastapi.exception_handlers, name))


# -- Exception / 500: ServerErrorMiddleware --------------------------------------------------------


def server_error_app(ns: SimpleNamespace, log: list[Any], key: Any) -> Any:
    async def on_error(request: Request, exc: Exception) -> Any:
        log.append(("500 handler", type(exc).__name__))
        return ns.JSONResponse({"error": str(exc)}, status_code=500, headers={"x-handler": "500"})

    app = ns.App(exception_handlers={key: on_error})

    @app.get("/boom")
    def boom() -> None:
        raise Unhandled("kaboom")

    @app.get("/http")
    def http() -> None:
        raise ns.HTTPException(400, "still a 400")

    @app.middleware("http")
    async def broken(request: Request, call_next: Any) -> Any:
        if request.url.path == "/mw":
            raise Unhandled("from middleware")
        return await call_next(request)

    return app


@pytest.mark.parametrize("key", [Exception, 500])
@pytest.mark.parametrize("url", ["/boom", "/mw", "/http"])
def test_exception_and_500_handlers(key: Any, url: str) -> None:
    pair = Pair(lambda ns, log: server_error_app(ns, log, key), raise_server_exceptions=False)
    pair.check("GET", url)
    # With raise_server_exceptions (the default) the error still reaches the test, after the handler.
    for ns in (FASTAPI, FASTCORE):
        log: list[Any] = []
        client = ns.TestClient(server_error_app(ns, log, key))
        if url == "/http":
            assert client.get(url).status_code == 400
        else:
            with pytest.raises(Unhandled):
                client.get(url)
            assert log == [("500 handler", "Unhandled")]


def test_unhandled_exception_is_plain_500() -> None:
    def build(ns: SimpleNamespace, log: list[Any]) -> Any:
        app = ns.App()

        @app.get("/boom")
        async def boom() -> None:
            raise Unhandled("nobody handles me")

        return app

    pair = Pair(build, raise_server_exceptions=False)
    response = pair.check("GET", "/boom")
    assert (response.status_code, response.text) == (500, "Internal Server Error")


def test_handlers_given_to_the_constructor() -> None:
    def build(ns: SimpleNamespace, log: list[Any]) -> Any:
        async def teapot(request: Request, exc: Exception) -> Any:
            return ns.PlainTextResponse("ctor teapot", status_code=418)

        def missing(request: Request, exc: Exception) -> Any:
            return ns.PlainTextResponse("ctor 404", status_code=404)

        app = ns.App(exception_handlers={TeapotError: teapot, 404: missing})

        @app.get("/t")
        def t() -> None:
            raise TeapotError("x")

        return app

    pair = Pair(build)
    pair.check("GET", "/t")
    pair.check("GET", "/nope")


def test_handler_registered_for_fastcore_http_exception_only() -> None:
    # Registering the framework's own HTTPException subclass: the router's 404/405 are Starlette's
    # HTTPException in FastAPI, so they do not reach this handler; fastcore must agree.
    def build(ns: SimpleNamespace, log: list[Any]) -> Any:
        app = ns.App()

        @app.exception_handler(ns.HTTPException)
        async def own(request: Request, exc: Any) -> Any:
            return ns.PlainTextResponse(f"own {exc.status_code}", status_code=exc.status_code)

        @app.get("/raise")
        def raise_() -> None:
            raise ns.HTTPException(403, "no")

        @app.post("/post")
        def post() -> None:
            return None

        return app

    pair = Pair(build)
    pair.check("GET", "/raise")
    pair.check("GET", "/nope")
    pair.check("GET", "/post")


# -- StaticFiles and Jinja2Templates from fastcore -------------------------------------------------


def test_static_files_from_fastcore(tmp_path: Path) -> None:
    from fastcore.staticfiles import StaticFiles

    (tmp_path / "app.css").write_text("body{}")
    app = fastcore.FastCore()
    app.mount("/static", StaticFiles(directory=tmp_path), name="static")

    @app.get("/url")
    def url(request: fastcore.Request) -> str:
        return str(request.url_for("static", path="app.css"))

    client = fastcore.testclient.TestClient(app)
    response = client.get("/static/app.css")
    assert response.text == "body{}" and response.headers["content-type"].startswith("text/css")
    assert client.get("/url").json() == "http://testserver/static/app.css"
    assert client.get("/static/nope.css").json() == {"detail": "Not Found"}


@pytest.mark.skipif(importlib.util.find_spec("jinja2") is None, reason="jinja2 is not installed")
def test_jinja2_templates_from_fastcore(tmp_path: Path) -> None:
    from fastcore.responses import HTMLResponse
    from fastcore.templating import Jinja2Templates

    (tmp_path / "item.html").write_text("<h1>{{ item_id }}</h1><a href=\"{{ url_for('item', item_id=2) }}\">")
    templates = Jinja2Templates(directory=tmp_path)
    app = fastcore.FastCore()

    @app.get("/items/{item_id}", response_class=HTMLResponse, name="item")
    async def item(request: fastcore.Request, item_id: int) -> Any:
        return templates.TemplateResponse(request, "item.html", {"item_id": item_id})

    response = fastcore.testclient.TestClient(app).get("/items/7")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.text == '<h1>7</h1><a href="http://testserver/items/2">'


def test_handler_raising_mid_stream() -> None:
    # Once the response has started no handler can answer: the error goes to the server (the
    # TestClient re-raises it), and the part already sent stays sent.
    def build(ns: SimpleNamespace, log: list[Any]) -> Any:
        from starlette.responses import StreamingResponse

        app = ns.App()

        @app.exception_handler(TeapotError)
        async def teapot(request: Request, exc: Exception) -> Any:  # never reached: too late
            log.append("handler")
            return ns.PlainTextResponse("late", status_code=418)

        async def chunks(error: type[Exception]) -> AsyncIterator[bytes]:
            yield b"first chunk;"
            raise error("mid-stream")

        @app.get("/stream/{kind}")
        async def stream(kind: str) -> StreamingResponse:
            return StreamingResponse(chunks(TeapotError if kind == "handled" else Unhandled))

        return app

    for ns in (FASTAPI, FASTCORE):
        log: list[Any] = []
        client = ns.TestClient(build(ns, log))
        with pytest.raises(Unhandled, match="mid-stream"):
            client.get("/stream/unhandled")
        # Documented difference: FastAPI's ExceptionMiddleware turns an error that has a handler into
        # RuntimeError("Caught handled exception, but response already started."); fastcore has no
        # such layer and the original error reaches the server.
        expected = RuntimeError if ns is FASTAPI else TeapotError
        with pytest.raises(expected):
            client.get("/stream/handled")
        assert log == []
    # Through the TestClient both answer alike: the status already sent, and the same body.  Which body
    # depends on the installed Starlette: its streaming TestClient (1.9+) keeps the chunk sent before the
    # error, the buffering one (1.8 and older; 1.7 is the newest for Python 3.10) returns b"".
    pair = Pair(build, raise_server_exceptions=False)
    assert pair.check("GET", "/stream/unhandled").status_code == 200
    # So what the app sent is checked on its ASGI messages, whatever the TestClient keeps of them.
    for ns in (FASTAPI, FASTCORE):
        sent: list[Message] = []
        with pytest.raises(Unhandled, match="mid-stream"):
            asyncio.run(_send_get(build(ns, []), "/stream/unhandled", sent))
        assert [(m["type"], m.get("status"), m.get("body"), m.get("more_body")) for m in sent] == [
            ("http.response.start", 200, None, None),
            ("http.response.body", None, b"first chunk;", True),
        ], ns.name


async def _send_get(app: Any, path: str, sent: list[Message]) -> None:
    """One GET as a hand-made ASGI scope, every message the app sends appended to ``sent``."""
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected; the app's error ends the call
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1234), "server": ("testserver", 80),
    }
    await app(scope, receive, send)


def test_request_validation_error_carries_the_body_as_fastapi_s_does() -> None:
    import fastapi
    import fastapi.testclient
    import pydantic

    import fastcore
    from fastcore.testclient import TestClient as FastCoreClient

    class Item(pydantic.BaseModel):
        title: str
        size: int

    def build(ns: Any, client_class: Any) -> Any:
        app = ns.FastAPI()

        @app.exception_handler(ns.exceptions.RequestValidationError)
        async def handler(request: Any, exc: Any) -> Any:
            return ns.responses.JSONResponse({"body": exc.body}, status_code=422)

        @app.post("/items/")
        async def create(item: Item, q: int = 0) -> Any:
            return item

        return client_class(app)

    import fastapi.exceptions
    import fastapi.responses

    import fastcore.exceptions
    import fastcore.responses

    theirs = build(fastapi, fastapi.testclient.TestClient)
    ours = build(fastcore, FastCoreClient)
    cases = [("/items/", {"title": "towel", "size": "XL"}), ("/items/?q=x", {"title": "t", "size": 1})]
    for url, body in cases:
        expected = theirs.post(url, json=body)
        actual = ours.post(url, json=body)
        assert (actual.status_code, actual.json()) == (expected.status_code, expected.json())
        assert actual.json() == {"body": body}
