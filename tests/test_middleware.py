"""Middleware: Starlette's classes through ``fastcore.middleware``, ``@app.middleware("http")`` and the
order of a stack, compared with FastAPI (same app built twice, same requests through each TestClient).
"""

import asyncio
import gzip
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import fastapi
import fastapi.middleware.cors
import fastapi.middleware.gzip
import fastapi.middleware.httpsredirect
import fastapi.middleware.trustedhost
import fastapi.testclient
import pytest
from starlette.testclient import WebSocketDenialResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import fastcore
import fastcore.middleware
import fastcore.testclient
from fastcore.middleware import Middleware
from fastcore.middleware.cors import CORSMiddleware
from fastcore.middleware.gzip import GZipMiddleware
from fastcore.middleware.httpsredirect import HTTPSRedirectMiddleware
from fastcore.middleware.trustedhost import TrustedHostMiddleware

FASTAPI = SimpleNamespace(
    name="fastapi",
    App=fastapi.FastAPI,
    Request=fastapi.Request,
    Response=fastapi.Response,
    HTTPException=fastapi.HTTPException,
    TestClient=fastapi.testclient.TestClient,
    CORS=fastapi.middleware.cors.CORSMiddleware,
    GZip=fastapi.middleware.gzip.GZipMiddleware,
    TrustedHost=fastapi.middleware.trustedhost.TrustedHostMiddleware,
    HTTPSRedirect=fastapi.middleware.httpsredirect.HTTPSRedirectMiddleware,
    Middleware=fastapi.middleware.Middleware,
    WebSocket=fastapi.WebSocket,
)
FASTCORE = SimpleNamespace(
    name="fastcore",
    App=fastcore.FastCore,
    Request=fastcore.Request,
    Response=fastcore.Response,
    HTTPException=fastcore.HTTPException,
    TestClient=fastcore.testclient.TestClient,
    CORS=CORSMiddleware,
    GZip=GZipMiddleware,
    TrustedHost=TrustedHostMiddleware,
    HTTPSRedirect=HTTPSRedirectMiddleware,
    Middleware=Middleware,
    WebSocket=fastcore.WebSocket,
)

# Headers whose values must agree between the two builds.
COMPARED = (
    "content-encoding",
    "vary",
    "location",
    "x-order",
    "x-mw",
    "x-seen-status",
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "access-control-max-age",
)


def test_reexports_are_starlettes() -> None:
    import starlette.middleware.cors

    assert CORSMiddleware is starlette.middleware.cors.CORSMiddleware
    assert fastcore.middleware.Middleware is fastapi.middleware.Middleware


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
        assert actual.content == expected.content or actual.json() == expected.json(), where
        for name in COMPARED:
            assert actual.headers.get(name) == expected.headers.get(name), (where, name)
        assert self.logs["fastcore"] == self.logs["fastapi"], where
        return actual


def _routes(ns: SimpleNamespace, app: Any) -> None:
    @app.get("/small")
    def small() -> dict[str, str]:
        return {"size": "small"}

    @app.get("/large")
    def large() -> dict[str, Any]:
        return {"items": [{"id": i, "name": f"item {i}"} for i in range(200)]}

    @app.post("/items")
    def create(n: int) -> dict[str, int]:
        return {"n": n}

    @app.get("/teapot")
    def teapot() -> None:
        raise ns.HTTPException(418, "short and stout", headers={"x-mw": "from-exc"})

    @app.websocket("/ws")
    async def ws(websocket: ns.WebSocket) -> None:  # type: ignore[name-defined]
        await websocket.accept()
        await websocket.send_text(websocket.url.scheme)
        await websocket.close()


# -- CORS ------------------------------------------------------------------------------------------


def cors_app(ns: SimpleNamespace, log: list[Any]) -> Any:
    app = ns.App()
    app.add_middleware(
        ns.CORS,
        allow_origins=["https://a.example", "https://b.example"],
        allow_methods=["GET", "POST"],
        allow_headers=["X-Token"],
        allow_credentials=True,
        expose_headers=["X-Total"],
        max_age=600,
    )
    _routes(ns, app)
    return app


@pytest.fixture(scope="module")
def cors() -> Pair:
    return Pair(cors_app)


PREFLIGHT = {"access-control-request-method": "POST", "access-control-request-headers": "x-token"}


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://a.example", **PREFLIGHT},
        {"origin": "https://b.example", "access-control-request-method": "GET"},
        {"origin": "https://evil.example", **PREFLIGHT},  # 400: origin not allowed
        {"origin": "https://a.example", "access-control-request-method": "DELETE"},  # 400: method
        {
            "origin": "https://a.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-other",
        },  # 400: header
    ],
)
def test_cors_preflight(cors: Pair, headers: dict[str, str]) -> None:
    cors.check("OPTIONS", "/items", headers=headers)


@pytest.mark.parametrize(
    "method, url, headers",
    [
        ("GET", "/small", {"origin": "https://a.example"}),
        ("GET", "/small", {"origin": "https://evil.example"}),
        ("GET", "/small", {}),
        ("POST", "/items?n=1", {"origin": "https://b.example", "cookie": "s=1"}),
        ("POST", "/items?n=x", {"origin": "https://b.example"}),  # 422 still carries CORS headers
        ("GET", "/teapot", {"origin": "https://a.example"}),
        ("GET", "/missing", {"origin": "https://a.example"}),
        ("OPTIONS", "/small", {"origin": "https://a.example"}),  # not a preflight: the app answers 405
    ],
)
def test_cors_simple_requests(cors: Pair, method: str, url: str, headers: dict[str, str]) -> None:
    cors.check(method, url, headers=headers)


def test_cors_allow_all() -> None:
    def build(ns: SimpleNamespace, log: list[Any]) -> Any:
        app = ns.App(
            middleware=[ns.Middleware(ns.CORS, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])]
        )
        _routes(ns, app)
        return app

    pair = Pair(build)
    pair.check("GET", "/small", headers={"origin": "https://any.example"})
    pair.check("OPTIONS", "/small", headers={"origin": "https://any.example", **PREFLIGHT})


# -- GZip ------------------------------------------------------------------------------------------


def gzip_app(ns: SimpleNamespace, log: list[Any]) -> Any:
    app = ns.App()
    app.add_middleware(ns.GZip, minimum_size=500)
    _routes(ns, app)
    return app


@pytest.fixture(scope="module")
def gzipped() -> Pair:
    return Pair(gzip_app)


@pytest.mark.parametrize(
    "url, accept",
    [
        ("/large", "gzip"),
        ("/small", "gzip"),
        ("/large", "identity"),
        ("/teapot", "gzip"),
        ("/missing", "gzip"),
    ],
)
def test_gzip(gzipped: Pair, url: str, accept: str) -> None:
    response = gzipped.check("GET", url, headers={"accept-encoding": accept})
    if url == "/large" and accept == "gzip":
        assert response.headers["content-encoding"] == "gzip"
        assert len(response.json()["items"]) == 200
    else:
        assert "content-encoding" not in response.headers


def test_gzip_body_really_is_compressed() -> None:
    app = gzip_app(FASTCORE, [])
    client = fastcore.testclient.TestClient(app)
    with client.stream("GET", "/large", headers={"accept-encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    body = gzip.decompress(raw)
    assert len(raw) < len(body) // 4
    assert int(response.headers["content-length"]) == len(raw)


# -- TrustedHost and HTTPSRedirect -----------------------------------------------------------------


def hosts_app(ns: SimpleNamespace, log: list[Any]) -> Any:
    app = ns.App()
    app.add_middleware(ns.TrustedHost, allowed_hosts=["example.com", "*.example.com"])
    _routes(ns, app)
    return app


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "api.example.com",
        "example.com:8000",
        "evil.com",
        "example.com.evil.com",
        "",
        "www.example.com",
    ],
)
def test_trusted_host(host: str) -> None:
    pair = Pair(hosts_app)
    response = pair.check("GET", "/small", headers={"host": host})
    if "evil" in host or not host:
        assert (response.status_code, response.text) == (400, "Invalid host header")


def test_trusted_host_redirects_to_www() -> None:
    def build(ns: SimpleNamespace, log: list[Any]) -> Any:
        app = ns.App()
        app.add_middleware(ns.TrustedHost, allowed_hosts=["www.example.com"], www_redirect=True)
        _routes(ns, app)
        return app

    response = Pair(build, base_url="https://example.com").check("GET", "/small?x=1")
    assert response.status_code == 307 and response.headers["location"] == "https://www.example.com/small?x=1"


def test_https_redirect() -> None:
    def build(ns: SimpleNamespace, log: list[Any]) -> Any:
        app = ns.App()
        app.add_middleware(ns.HTTPSRedirect)
        _routes(ns, app)
        return app

    plain = Pair(build, base_url="http://example.com")
    response = plain.check("GET", "/small?q=1")
    assert response.status_code == 307 and response.headers["location"] == "https://example.com/small?q=1"
    plain.check("POST", "/items?n=1")
    plain.check("GET", "/small", headers={"host": "example.com:80"})
    secure = Pair(build, base_url="https://example.com")
    assert secure.check("GET", "/small").json() == {"size": "small"}
    # A ws:// WebSocket is answered with a redirect to wss:// (a denial response)
    for client in plain.clients.values():
        with pytest.raises(WebSocketDenialResponse) as info, client.websocket_connect("/ws"):
            pass
        assert info.value.status_code == 307
        assert info.value.headers["location"] == "wss://testserver/ws"


# -- @app.middleware("http") and ordering ----------------------------------------------------------


def stack_app(ns: SimpleNamespace, log: list[Any]) -> Any:
    def tag(name: str) -> Callable[..., Any]:
        async def mw(request: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
            log.append(f"{name} in")
            response = await call_next(request)
            log.append(f"{name} out {response.status_code}")
            previous = response.headers.get("x-order")
            response.headers["x-order"] = f"{previous},{name}" if previous else name
            return response

        return mw

    class PureASGI:
        """A plain ASGI middleware class added with keyword arguments."""

        def __init__(self, app: ASGIApp, name: str) -> None:
            self.app = app
            self.name = name

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            log.append(f"{self.name} in")

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], (b"x-mw", self.name.encode())]
                    log.append(f"{self.name} start {message['status']}")
                await send(message)

            await self.app(scope, receive, sending)

    app = ns.App(middleware=[ns.Middleware(PureASGI, name="ctor")])
    app.middleware("http")(tag("first"))
    app.middleware("http")(tag("second"))
    app.add_middleware(PureASGI, name="added")

    @app.middleware("http")
    async def timing(request: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Process-Time"] = f"{time.perf_counter() - start:.6f}"
        log.append(("timing", request.url.path))
        return response

    @app.middleware("http")
    async def reads_state(request: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        request.state.user = "mw-user"
        response = await call_next(request)
        response.headers["x-seen-status"] = str(response.status_code)
        return response

    @app.middleware("http")
    async def short_circuit(request: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        if request.headers.get("x-block"):
            return ns.Response("blocked", status_code=403)
        return await call_next(request)

    @app.get("/user")
    async def user(request: ns.Request) -> dict[str, str]:  # type: ignore[name-defined]
        log.append("handler")
        return {"user": request.state.user}

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        await asyncio.sleep(0.01)
        return {"slow": True}

    _routes(ns, app)
    return app


@pytest.fixture(scope="module")
def stack() -> Pair:
    return Pair(stack_app)


@pytest.mark.parametrize(
    "method, url, headers",
    [
        ("GET", "/user", {}),
        ("GET", "/teapot", {}),
        ("GET", "/missing", {}),
        ("PUT", "/user", {}),  # 405
        ("POST", "/items?n=bad", {}),  # 422
        ("GET", "/user", {"x-block": "1"}),
    ],
)
def test_middleware_order_and_headers(stack: Pair, method: str, url: str, headers: dict[str, str]) -> None:
    response = stack.check(method, url, headers=headers)
    log = stack.logs["fastcore"]
    if headers:
        # short_circuit was added last, so it is outermost: nothing else ran
        assert (response.status_code, response.text, log) == (403, "blocked", [])
        assert "x-process-time" not in response.headers
        return
    # Each middleware added wraps what was there: the last added is outermost, and the
    # constructor's list sits innermost, next to the router.
    entering = [entry for entry in log if isinstance(entry, str) and entry.endswith(" in")]
    assert entering == ["added in", "second in", "first in", "ctor in"]
    assert log[-1] == ("timing", url.split("?")[0])
    assert response.headers.get_list("x-mw")[-2:] == ["ctor", "added"]
    assert response.headers["x-order"] == "first,second"
    assert response.headers["x-seen-status"] == str(response.status_code)
    assert float(response.headers["x-process-time"]) >= 0


def test_timing_middleware_measures(stack: Pair) -> None:
    response = stack.clients["fastcore"].get("/slow")
    assert float(response.headers["x-process-time"]) >= 0.01


def test_middleware_passes_websockets_through(stack: Pair) -> None:
    for client in stack.clients.values():
        with client.websocket_connect("/ws") as ws:
            assert ws.receive_text() == "ws"


def test_exception_in_http_middleware_is_500() -> None:
    def build(ns: SimpleNamespace, log: list[Any]) -> Any:
        app = ns.App()

        @app.middleware("http")
        async def broken(request: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
            if request.url.path == "/before":
                raise RuntimeError("middleware failed before the route")
            response = await call_next(request)
            if request.url.path == "/after":
                raise RuntimeError("middleware failed after the route")
            return response

        @app.get("/{name}")
        def page(name: str) -> dict[str, str]:
            log.append(name)
            return {"name": name}

        return app

    pair = Pair(build, raise_server_exceptions=False)
    for url in ("/before", "/after", "/fine"):
        response = pair.check("GET", url)
        if url != "/fine":
            assert (response.status_code, response.text) == (500, "Internal Server Error")
    for ns in (FASTAPI, FASTCORE):
        client = ns.TestClient(build(ns, []))
        with pytest.raises(RuntimeError, match="before the route"):
            client.get("/before")


def test_middleware_cannot_be_added_after_start() -> None:
    app = fastcore.FastCore()
    client = fastcore.testclient.TestClient(app)
    client.get("/")
    with pytest.raises(RuntimeError, match="after an application has started"):
        app.add_middleware(GZipMiddleware)


def test_middleware_type_must_be_http() -> None:
    app = fastcore.FastCore()
    with pytest.raises(ValueError, match="http"):
        app.middleware("websocket")


# -- fastcore.middleware.errors: the outer layer, used on its own --------------------------------


async def _fails(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"] == "/late":
        await send({"type": "http.response.start", "status": 200, "headers": []})
    raise RuntimeError("boom")


@pytest.mark.parametrize("debug", [False, True])
def test_server_error_middleware_answers_500_then_reraises(debug: bool) -> None:
    from fastcore.middleware.errors import ServerErrorMiddleware

    client = fastcore.testclient.TestClient(ServerErrorMiddleware(_fails, debug=debug))
    with pytest.raises(RuntimeError, match="boom"):
        client.get("/")
    quiet = fastcore.testclient.TestClient(
        ServerErrorMiddleware(_fails, debug=debug), raise_server_exceptions=False
    )
    response = quiet.get("/", headers={"accept": "text/plain"})
    assert response.status_code == 500
    assert ("RuntimeError" in response.text) if debug else response.text == "Internal Server Error"
    # Started already: no second response head, the error still goes on to the server.
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    scope = {"type": "http", "method": "GET", "path": "/late", "headers": [], "query_string": b""}
    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(ServerErrorMiddleware(_fails, debug=debug)(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start"]


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_server_error_middleware_uses_the_handler(kind: str) -> None:
    from starlette.responses import PlainTextResponse

    from fastcore.middleware.errors import ServerErrorMiddleware

    def sync_handler(request: Any, exc: Exception) -> Any:
        return PlainTextResponse(f"handled {exc}", status_code=503)

    async def async_handler(request: Any, exc: Exception) -> Any:
        return sync_handler(request, exc)

    handler = async_handler if kind == "async" else sync_handler
    client = fastcore.testclient.TestClient(
        ServerErrorMiddleware(_fails, handler=handler), raise_server_exceptions=False
    )
    response = client.get("/")
    assert (response.status_code, response.text) == (503, "handled boom")
