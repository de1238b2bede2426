"""Tests for ``fastcore.applications.FastCore`` and ``fastcore.exception_handlers``."""

from pathlib import Path as FsPath
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import NoMatchFound, Route
from starlette.staticfiles import StaticFiles

from fastcore import APIRouter, Depends, FastCore, HTTPException
from fastcore.applications import DependencyOverrides
from fastcore.exception_handlers import http_exception_handler, is_body_allowed_for_status_code
from fastcore.exceptions import FastAPIDeprecationWarning, RequestValidationError
from fastcore.responses import JSONResponse
from fastcore.testclient import TestClient


class Teapot(Exception):
    pass


class SubTeapot(Teapot):
    pass


def test_every_method_decorator() -> None:
    app = FastCore()
    for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
        getattr(app, method)("/m")(lambda method=method: method)
    client = TestClient(app)
    for method in ("GET", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "TRACE"):
        assert client.request(method, "/m").json() == method.lower()
    response = client.head("/m")
    assert (response.status_code, response.content) == (200, b"")


def test_add_api_route_and_api_route() -> None:
    app = FastCore()
    app.add_api_route("/a", lambda: "a", methods=["GET", "POST"])

    @app.api_route("/b", methods=["PUT"])
    async def b() -> str:
        return "b"

    client = TestClient(app)
    assert client.post("/a").json() == "a"
    assert client.put("/b").json() == "b"
    assert client.get("/b").status_code == 405


def test_exception_handler_for_a_class_and_its_subclasses() -> None:
    app = FastCore()

    @app.exception_handler(Teapot)
    async def teapot(request: Request, exc: Teapot) -> Response:
        return JSONResponse({"teapot": type(exc).__name__}, status_code=418)

    @app.get("/{kind}")
    def raise_it(kind: str) -> None:
        raise SubTeapot() if kind == "sub" else Teapot()

    client = TestClient(app)
    assert client.get("/plain").json() == {"teapot": "Teapot"}
    response = client.get("/sub")
    assert (response.status_code, response.json()) == (418, {"teapot": "SubTeapot"})


def test_exception_handler_for_a_status_code() -> None:
    app = FastCore()

    @app.exception_handler(404)
    def not_found(request: Request, exc: HTTPException) -> Response:  # sync: run in a thread
        return PlainTextResponse(f"nothing at {request.url.path}: {exc.detail}", status_code=404)

    @app.get("/gone")
    async def gone() -> None:
        raise HTTPException(404, "gone")

    client = TestClient(app)
    assert client.get("/missing").text == "nothing at /missing: Not Found"
    assert client.get("/gone").text == "nothing at /gone: gone"
    assert client.post("/gone").status_code == 405


def test_constructor_exception_handlers_and_validation_override() -> None:
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"n": len(exc.errors())}, status_code=400)

    app = FastCore(exception_handlers={RequestValidationError: on_validation})

    @app.get("/")
    async def handler(a: int, b: int) -> int:
        return a + b

    response = TestClient(app).get("/?a=x")
    assert (response.status_code, response.json()) == (400, {"n": 2})


def test_unhandled_errors_and_the_500_handler() -> None:
    app = FastCore()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/boom").status_code == 500
    with pytest.raises(RuntimeError):
        TestClient(app).get("/boom")

    async def on_500(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("handled", status_code=500)

    app = FastCore(exception_handlers={500: on_500})
    app.get("/boom")(boom)
    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert (response.status_code, response.text) == (500, "handled")


def test_http_exception_handler_reuse() -> None:
    app = FastCore()

    @app.exception_handler(HTTPException)
    async def wrapped(request: Request, exc: HTTPException) -> Response:
        response = await http_exception_handler(request, exc)
        response.headers["X-Wrapped"] = "1"
        return response

    @app.get("/")
    async def handler() -> None:
        raise HTTPException(400, "bad")

    response = TestClient(app).get("/")
    assert (response.status_code, response.json()) == (400, {"detail": "bad"})
    assert response.headers["x-wrapped"] == "1"


def test_is_body_allowed_for_status_code() -> None:
    assert is_body_allowed_for_status_code(None)
    assert is_body_allowed_for_status_code(200)
    assert not is_body_allowed_for_status_code(204)
    assert not is_body_allowed_for_status_code(304)
    assert not is_body_allowed_for_status_code(101)
    assert is_body_allowed_for_status_code("2XX")
    assert not is_body_allowed_for_status_code("299")


def test_state_url_path_for_and_mounts(tmp_path: FsPath) -> None:
    (tmp_path / "hello.txt").write_text("static hello")
    app = FastCore()
    app.state.answer = 42

    @app.get("/users/{uid}", name="user")
    async def user(uid: int, request: Request) -> Any:
        return [uid, request.app.state.answer, str(request.url_for("user", uid=uid))]

    sub = FastCore()

    @sub.get("/ping")
    async def ping(request: Request) -> Any:
        return [request.scope["root_path"], request.url.path]

    async def plain(request: Request) -> Response:
        return PlainTextResponse("plain")

    app.mount("/static", StaticFiles(directory=tmp_path), name="static")
    app.mount("/sub", sub, name="sub")
    app.mount("/starlette", Starlette(routes=[Route("/x", plain)]))

    assert app.url_path_for("user", uid=3) == "/users/3"
    assert app.url_path_for("static", path="/hello.txt") == "/static/hello.txt"
    assert app.url_path_for("sub:ping") == "/sub/ping"
    with pytest.raises(NoMatchFound):
        app.url_path_for("user")
    with pytest.raises(NoMatchFound):
        app.url_path_for("nobody")

    client = TestClient(app)
    assert client.get("/users/3").json() == [3, 42, "http://testserver/users/3"]
    assert client.get("/static/hello.txt").text == "static hello"
    assert client.get("/static/nope.txt").status_code == 404
    assert client.get("/sub/ping").json() == ["/sub", "/sub/ping"]
    assert client.get("/sub/none").json() == {"detail": "Not Found"}
    assert client.get("/starlette/x").text == "plain"
    assert client.get("/starlette/y").status_code == 404


def test_root_path() -> None:
    with pytest.warns(FastAPIDeprecationWarning, match="fastapi run --root-path"):
        app = FastCore(root_path="/api")

    @app.get("/x")
    async def x(request: Request) -> Any:
        return [request.scope["root_path"], request.url.path]

    # As FastAPI: the root path is set in the scope; a path that already carries it is matched
    # without it.
    client = TestClient(app)
    assert client.get("/x").json() == ["/api", "/x"]
    assert client.get("/api/x").json() == ["/api", "/api/x"]


def test_middleware_decorator_and_app_dependencies() -> None:
    log: list[str] = []

    def app_dep() -> None:
        log.append("dep")

    app = FastCore(dependencies=[Depends(app_dep)])

    @app.middleware("http")
    async def add_header(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["X-Middleware"] = "yes"
        return response

    router = APIRouter()

    @router.get("/r")
    async def r() -> str:
        return "r"

    app.include_router(router)
    response = TestClient(app).get("/r")
    assert (response.json(), response.headers["x-middleware"]) == ("r", "yes")
    assert log == ["dep"]
    with pytest.raises(ValueError, match="http"):
        app.middleware("websocket")


def test_dependency_overrides_property() -> None:
    app = FastCore()
    assert isinstance(app.dependency_overrides, DependencyOverrides)
    first = app.dependency_overrides.version
    app.dependency_overrides[print] = print
    assert app.dependency_overrides.version != first
    app.dependency_overrides = {}
    assert isinstance(app.dependency_overrides, DependencyOverrides)
    assert not app.dependency_overrides
    versions = {DependencyOverrides().version for _ in range(100)}
    assert len(versions) == 100


def test_lifespan() -> None:
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastCore) -> AsyncIterator[None]:
        events.append("start")
        yield
        events.append("stop")

    app = FastCore(lifespan=lifespan)

    @app.get("/")
    async def handler() -> str:
        return "ok"

    with TestClient(app) as client:
        assert client.get("/").json() == "ok"
    assert events == ["start", "stop"]
