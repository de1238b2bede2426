"""Tests for ``fastcore.routing``: APIRoute and APIRouter through the app, and hostile input.

Malformed requests that a client would normalise are sent as raw ASGI scopes (``call_raw``).  Each
must get a 2xx or 4xx with a JSON body where one is due — never a 500, never an exception.
"""

import asyncio
import json
from typing import Annotated, Any

import pytest
from starlette.responses import PlainTextResponse
from starlette.types import Message

from fastcore import APIRoute, APIRouter, FastCore, Header, HTTPException, Path, Query
from fastcore.exceptions import FastCoreError
from fastcore.responses import HTMLResponse
from fastcore.testclient import TestClient


def make_app() -> FastCore:
    app = FastCore()

    @app.get("/items/{item_id}")
    async def item(item_id: int, q: str | None = None) -> Any:
        return {"item_id": item_id, "q": q}

    @app.get("/names/{name}")
    async def name(name: str) -> Any:
        return {"name": name}

    @app.get("/query")
    async def query(
        s: str = "", n: int = 0, f: float = 0.0, many: Annotated[list[int], Query()] = []  # noqa: B006
    ) -> Any:
        return {"s": s, "n": n, "f": f, "many": len(many)}

    @app.get("/header")
    async def header(x_long: str = Header(""), x_n: int = Header(0)) -> Any:
        return {"len": len(x_long), "n": x_n}

    @app.get("/files/{rest:path}")
    async def files(rest: str) -> Any:
        return {"rest": rest}

    @app.get("/ünï/{v}")
    async def unicode_path(v: str) -> Any:
        return {"v": v}

    @app.post("/items/{item_id}", status_code=201)
    async def create(item_id: int) -> Any:
        return {"created": item_id}

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(make_app())


async def _call(app: Any, scope: dict[str, Any]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def call_raw(
    app: Any,
    path: str,
    *,
    raw_path: bytes | None = None,
    query: bytes = b"",
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> tuple[int, dict[bytes, bytes], bytes]:
    """Send one request as a hand-made ASGI scope; return status, headers and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path if raw_path is not None else path.encode("utf-8", "surrogateescape"),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    messages = asyncio.run(_call(app, scope))
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], dict(start["headers"]), body


# --------------------------------------------------------------------------------------------------
# Routing basics


def test_path_and_query(client: TestClient) -> None:
    assert client.get("/items/3?q=x").json() == {"item_id": 3, "q": "x"}
    assert client.post("/items/3").status_code == 201
    response = client.get("/items/x")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_not_found_and_method_not_allowed(client: TestClient) -> None:
    response = client.get("/nothing")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    response = client.delete("/items/3")
    assert (response.status_code, response.json()) == (405, {"detail": "Method Not Allowed"})
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD", "POST"}


def test_head_is_answered_on_get_routes(client: TestClient) -> None:
    get = client.get("/names/x")
    response = client.head("/names/x")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(get.content))


def test_route_methods_are_the_declared_ones_plus_head_for_get() -> None:
    route = APIRoute("/x", lambda: None, methods=["get", "post"])
    assert route.methods == {"GET", "HEAD", "POST"}
    assert APIRoute("/y", lambda: None, methods=["post"]).methods == {"POST"}


def test_static_beats_parameter_regardless_of_order() -> None:
    app = FastCore()

    @app.get("/users/{uid}")
    async def by_id(uid: str) -> Any:
        return "param"

    @app.get("/users/me")
    async def me() -> Any:
        return "static"

    client = TestClient(app)
    assert client.get("/users/me").json() == "static"
    assert client.get("/users/you").json() == "param"


def test_redirect_slashes(client: TestClient) -> None:
    response = client.get("/names/x/?a=1", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/names/x?a=1"
    app = FastCore(redirect_slashes=False)

    @app.get("/a")
    async def a() -> Any:
        return 1

    assert TestClient(app).get("/a/", follow_redirects=False).status_code == 404


def test_router_prefix_tags_and_include() -> None:
    router = APIRouter(prefix="/things", tags=["things"])

    @router.get("/{tid}", tags=["one"])
    async def thing(tid: int) -> Any:
        return tid

    app = FastCore()
    app.include_router(router, prefix="/v2", tags=["v2"])
    app.include_router(router)
    client = TestClient(app)
    assert client.get("/v2/things/4").json() == 4
    assert client.get("/things/5").json() == 5
    routes = {r.path: r for r in app.routes if isinstance(r, APIRoute)}
    assert routes["/v2/things/{tid}"].tags == ["v2", "things", "one"]
    assert routes["/things/{tid}"].tags == ["things", "one"]


@pytest.mark.parametrize("prefix", ["things", "/things/"])
def test_bad_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(FastCoreError):
        APIRouter(prefix=prefix)
    with pytest.raises(FastCoreError):
        FastCore().include_router(APIRouter(), prefix=prefix)


def test_route_path_must_start_with_slash() -> None:
    with pytest.raises(FastCoreError, match="must start with '/'"):
        APIRoute("x", lambda: None)


def test_status_code_204_and_response_classes() -> None:
    app = FastCore()

    @app.delete("/x", status_code=204)
    async def delete() -> None:
        return None

    @app.get("/html", response_class=HTMLResponse)
    async def html() -> str:
        return "<b>x</b>"

    @app.get("/text", response_class=PlainTextResponse, status_code=202)
    async def text() -> str:
        return "t"

    client = TestClient(app)
    response = client.delete("/x")
    assert (response.status_code, response.content) == (204, b"")
    response = client.get("/html")
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<b>x</b>"
    response = client.get("/text")
    assert (response.status_code, response.text) == (202, "t")


def test_routes_appended_directly_are_found() -> None:
    app = FastCore()
    app.router.routes.append(APIRoute("/late", lambda: "late"))
    assert TestClient(app).get("/late").json() == "late"


def test_path_converters_and_path_params(client: TestClient) -> None:
    assert client.get("/files/a/b/c").json() == {"rest": "a/b/c"}
    assert client.get("/files/").json() == {"rest": ""}


def test_path_constraint_errors() -> None:
    app = FastCore()

    @app.get("/n/{n}")
    async def n(n: Annotated[int, Path(gt=0, le=10)]) -> int:
        return n

    client = TestClient(app)
    assert client.get("/n/10").json() == 10
    error = client.get("/n/0").json()["detail"][0]
    assert (error["type"], error["loc"], error["ctx"]) == ("greater_than", ["path", "n"], {"gt": 0})


def test_http_exception_headers_and_detail() -> None:
    app = FastCore()

    @app.get("/e/{code}")
    async def e(code: int) -> Any:
        raise HTTPException(code, {"why": ["x"]}, headers={"X-Why": "because"})

    client = TestClient(app)
    response = client.get("/e/409")
    assert (response.status_code, response.json()) == (409, {"detail": {"why": ["x"]}})
    assert response.headers["x-why"] == "because"
    response = client.get("/e/304")
    assert (response.status_code, response.content) == (304, b"")


# --------------------------------------------------------------------------------------------------
# Hostile and malformed input: 2xx or 4xx, never a 500 or an exception


def assert_client_error_or_ok(status: int, body: bytes) -> None:
    assert 200 <= status < 300 or 400 <= status < 500, (status, body[:200])


@pytest.mark.parametrize(
    "query",
    [
        b"s=%",
        b"s=%2",
        b"s=%zz",
        b"s=%C3%28",
        b"s=%FF%FE",
        b"s=\xff\xfe",
        b"s=\xc3",
        b"%ff=1",
        b"n=%00",
        b"s=%00%00",
        b"s=a%00b",
        b"n=",
        b"f=",
        b"=",
        b"&&&",
        b"&=&=",
        b"n=1&n=",
        b"many=1&many=%FF",
        b"n=" + b"9" * 10_000,
        b"f=" + b"9" * 10_000,
        b"f=1e999999",
        b"f=-" + b"1" * 400 + b".5",
        b"n=-" + b"9" * 5000,
        b"s=" + b"x" * 100_000,
        b"many=" + b"&many=".join(b"%d" % i for i in range(1000)),
        b"&".join(b"k%d=v" % i for i in range(1000)),
        b"s=%E2%80%AE%F0%9F%98%80",
        b"n=%D9%A1",
        b"n=\xd9\xa1",
    ],
)
def test_hostile_queries(query: bytes) -> None:
    status, _headers, body = call_raw(make_app(), "/query", query=query)
    assert_client_error_or_ok(status, body)


def test_hostile_query_results() -> None:
    app = make_app()
    status, _, body = call_raw(app, "/query", query=b"n=" + b"9" * 10_000)
    assert status == 422
    assert b"int_parsing_size" in body
    status, _, body = call_raw(app, "/query", query=b"s=%FF")
    assert status == 200
    assert "\ufffd" in body.decode()
    status, _, body = call_raw(app, "/query", query=b"s=%")
    assert (status, body) == (200, b'{"s":"%","n":0,"f":0.0,"many":0}')
    status, _, body = call_raw(app, "/query", query=b"f=1e999999")
    assert status == 422
    many = b"&".join(b"many=%d" % i for i in range(1000))
    status, _, body = call_raw(app, "/query", query=many)
    assert (status, body) == (200, b'{"s":"","n":0,"f":0.0,"many":1000}')


@pytest.mark.parametrize(
    ("path", "raw_path"),
    [
        ("/items/%zz", b"/items/%zz"),
        ("/items/\udcff", b"/items/%FF"),
        ("/names/\ufffd\ufffd", b"/names/%FF%FE"),
        ("/names/a\x00b", b"/names/a%00b"),
        ("/names/\x00", b"/names/%00"),
        ("/items/" + "9" * 10_000, None),
        ("/items/-1", None),
        ("/items/", None),
        ("/items//", None),
        ("//items/1", None),
        ("/names/" + "n" * 100_000, None),
        ("/ünï/ü", b"/%C3%BC%C3%AF/%C3%BC"),
        ("/ünï/%", None),
        ("/files/../../etc/passwd", None),
        ("/files/\ufffd", b"/files/%FF"),
        ("/" + "/".join(["a"] * 2000), None),
        ("", b""),
        ("items", b"items"),
        ("/items/1?x", None),
        ("/items/\u0661", None),
    ],
)
def test_hostile_paths(path: str, raw_path: bytes | None) -> None:
    status, _headers, body = call_raw(make_app(), path, raw_path=raw_path)
    assert_client_error_or_ok(status, body)


def test_hostile_path_results() -> None:
    app = make_app()
    status, _, body = call_raw(app, "/items/" + "9" * 10_000)
    assert status in (404, 422)
    status, _, body = call_raw(app, "/names/a\x00b")
    assert (status, body) == (200, b'{"name":"a\\u0000b"}')
    status, _, body = call_raw(app, "/ünï/ü")
    assert (status, body) == (200, '{"v":"ü"}'.encode())
    status, _, _ = call_raw(app, "/items/\u0661")
    assert status == 422
    # Uvicorn and Starlette's client decode bad UTF-8 as U+FFFD; a server using surrogateescape
    # gives lone surrogates, which the 422 body echoes as JSON escapes (UTF-8 cannot carry them).
    status, _, body = call_raw(app, "/items/\udcff", raw_path=b"/items/%FF")
    assert status == 422
    assert b'"input":"\\udcff"' in body
    assert json.loads(body)["detail"][0]["input"] == "\udcff"


@pytest.mark.parametrize(
    "headers",
    [
        [(b"x-long", b"a" * 1_000_000)],
        [(b"x-n", b"9" * 10_000)],
        [(b"x-n", b"")],
        [(b"x-n", b"\xff\xfe")],
        [(b"x-long", b"\xff\x00\xfe")],
        [(b"x-long", b"\x00")],
        [(b"x-n", b"1")] * 1000,
        [(b"x-%d" % i, b"v") for i in range(1000)],
        [(b"cookie", b"=;=;;;a=\xff; b")],
        [(b"cookie", b"x" * 100_000)],
        [(b"X-N", b"5")],
    ],
)
def test_hostile_headers(headers: list[tuple[bytes, bytes]]) -> None:
    status, _headers, body = call_raw(make_app(), "/header", headers=headers)
    assert_client_error_or_ok(status, body)


def test_hostile_header_results() -> None:
    app = make_app()
    status, _, body = call_raw(app, "/header", headers=[(b"x-long", b"a" * 1_000_000)])
    assert (status, body) == (200, b'{"len":1000000,"n":0}')
    status, _, body = call_raw(app, "/header", headers=[(b"x-n", b"9" * 10_000)])
    assert status == 422
    status, _, body = call_raw(app, "/header", headers=[(b"x-n", b"")])
    assert status == 422


def test_unicode_paths_through_the_client(client: TestClient) -> None:
    assert client.get("/ünï/日本").json() == {"v": "日本"}
    assert client.get("/names/%F0%9F%98%80").json() == {"name": "😀"}
    assert client.get("/names/a%2Fb").status_code == 404 or client.get("/names/a%2Fb").json()


def test_odd_methods(client: TestClient) -> None:
    for method in ("PROPFIND", "BREW"):
        response = client.request(method, "/items/1")
        assert response.status_code == 405


def test_websocket_scope_to_http_route_closes() -> None:
    app = make_app()
    messages: list[Message] = []

    async def run() -> None:
        async def receive() -> Message:
            return {"type": "websocket.connect"}

        async def send(message: Message) -> None:
            messages.append(message)

        scope = {"type": "websocket", "path": "/items/1", "raw_path": b"/items/1",
                 "query_string": b"", "headers": [], "root_path": ""}
        await app(scope, receive, send)

    asyncio.run(run())
    assert messages[0]["type"] == "websocket.close"
