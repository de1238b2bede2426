"""WebSockets: the same app built with FastAPI and with fastcore, driven through each ``TestClient``.

Each scenario is a function of a client that returns plain data (messages received, close codes,
what the endpoint logged, or the exception the client saw), so the two builds are compared as
values.  Where fastcore differs on purpose the difference is asserted on its own:

* a parameter error closes with 1008 and the errors as the reason.  FastAPI passes the error *list*
  as the reason, which only an in-process client can carry (a real close frame holds text, at most
  123 bytes); fastcore sends the list encoded as a JSON string, so ``json.loads(reason)`` equals
  FastAPI's list.
"""


import json
import threading
import types
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest
import websockets.sync.client
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect as StarletteWebSocketDisconnect

import fastcore
import fastcore.testclient
from fastcore.exceptions import FastCoreError
from fastcore.server import Config, Server


def _ns(module: Any, app: Any, testclient: Any, name: str) -> SimpleNamespace:
    return SimpleNamespace(
        name=name,
        App=app,
        APIRouter=module.APIRouter,
        Depends=module.Depends,
        Query=module.Query,
        Path=module.Path,
        Header=module.Header,
        Cookie=module.Cookie,
        WebSocket=module.WebSocket,
        WebSocketDisconnect=module.WebSocketDisconnect,
        WebSocketException=module.WebSocketException,
        HTTPException=module.HTTPException,
        status=module.status,
        TestClient=testclient.TestClient,
    )


ROOT = Path(__file__).resolve().parents[1]

FASTAPI = _ns(fastapi, fastapi.FastAPI, fastapi.testclient, "fastapi")
FASTCORE = _ns(fastcore, fastcore.FastCore, fastcore.testclient, "fastcore")


class Custom(Exception):
    pass


def get_token() -> str:
    """Overridden in a test: module-level so both builds share the key."""
    return "real"


def ws_app(ns: SimpleNamespace, log: list[Any]) -> Any:
    WebSocket = ns.WebSocket
    app = ns.App()

    @app.websocket("/items/{item_id}")
    async def items(
        websocket: WebSocket,
        item_id: int,
        q: int,
        x_token: Annotated[str, ns.Header()],
        session: Annotated[str | None, ns.Cookie()] = None,
        tags: Annotated[list[str] | None, ns.Query()] = None,
    ) -> None:
        await websocket.accept()
        await websocket.send_json(
            {"item_id": item_id, "q": q, "x_token": x_token, "session": session, "tags": tags}
        )
        await websocket.close()

    @app.websocket("/path-constraint/{n}")
    async def path_constraint(websocket: WebSocket, n: Annotated[int, ns.Path(ge=1)]) -> None:
        await websocket.accept()
        await websocket.send_text(str(n))
        await websocket.close()

    async def resource() -> AsyncIterator[str]:
        log.append("dep enter")
        try:
            yield "resource"
        finally:
            log.append("dep exit")

    def token(value: Annotated[str, ns.Depends(get_token)]) -> str:
        return value

    @app.websocket("/yield")
    async def with_yield(
        websocket: WebSocket,
        res: Annotated[str, ns.Depends(resource)],
        tok: Annotated[str, ns.Depends(token)],
    ) -> None:
        await websocket.accept()
        await websocket.send_json({"res": res, "token": tok})
        try:
            await websocket.receive_text()
        except ns.WebSocketDisconnect as exc:
            log.append(("endpoint saw disconnect", exc.code))
        log.append("endpoint returns")

    @app.websocket("/echo")
    async def echo(websocket: WebSocket, mode: str = "text") -> None:
        await websocket.accept()
        try:
            while True:
                try:
                    if mode == "text":
                        value: Any = await websocket.receive_text()
                    elif mode == "bytes":
                        value = (await websocket.receive_bytes()).decode()
                    else:
                        value = await websocket.receive_json()
                except ns.WebSocketDisconnect:
                    raise
                except Exception as exc:  # the scenario compares what the endpoint sees
                    log.append(("wrong type", type(exc).__name__))
                    await websocket.send_json({"error": type(exc).__name__})
                    continue
                await websocket.send_json({"echo": value})
        except ns.WebSocketDisconnect as exc:
            log.append(("disconnect", exc.code, exc.reason))

    @app.websocket("/reject")
    async def reject(websocket: WebSocket, when: str = "before") -> None:
        if when == "before":
            raise ns.WebSocketException(code=ns.status.WS_1008_POLICY_VIOLATION, reason="go away")
        await websocket.accept()
        await websocket.send_text("accepted")
        raise ns.WebSocketException(code=4001, reason="changed my mind")

    @app.websocket("/close-self")
    async def close_self(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("bye")
        await websocket.close(code=4000, reason="done")

    @app.websocket("/boom")
    async def boom(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("first")
        await websocket.receive_text()
        raise RuntimeError("endpoint failed mid-stream")

    @app.websocket("/state")
    async def state(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"path": websocket.url.path, "client_id": websocket.query_params.get("id")})
        await websocket.close()

    @app.exception_handler(Custom)
    async def custom_handler(websocket: WebSocket, exc: Custom) -> None:
        # FastAPI calls handlers with the WebSocket for WebSocket scopes.
        await websocket.close(code=4400, reason=f"custom via {type(websocket).__name__}")

    def guard(token: str | None = None) -> str:
        if token != "secret":
            raise ns.HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        return token

    @app.websocket("/guarded")
    async def guarded(websocket: WebSocket, who: Annotated[str, ns.Depends(guard)], when: str = "") -> None:
        if when == "custom-before":
            raise Custom()
        await websocket.accept()
        if when == "custom-after":
            raise Custom()
        if when == "http-after":
            raise ns.HTTPException(403, "too late for an HTTP answer")
        await websocket.send_text(f"hello {who}")
        await websocket.close()

    # -- routers ---------------------------------------------------------------------------------
    def router_dep(key: str) -> None:
        log.append(("router dep", key))

    def include_dep(websocket: WebSocket) -> None:
        log.append(("include dep", websocket.url.path))

    def route_dep() -> None:
        log.append("route dep")

    router = ns.APIRouter(prefix="/room", dependencies=[ns.Depends(router_dep)])

    @router.websocket("/{room}/join", dependencies=[ns.Depends(route_dep)])
    async def join(websocket: WebSocket, room: str, user: str = "anon") -> None:
        await websocket.accept()
        await websocket.send_json({"room": room, "user": user})
        await websocket.close()

    app.include_router(router, prefix="/v1", dependencies=[ns.Depends(include_dep)])

    @app.get("/http")
    def http_ok() -> dict[str, str]:
        return {"ok": "yes"}

    return app


class Pair:
    def __init__(self, build: Callable[[SimpleNamespace, list[Any]], Any]) -> None:
        self.logs: dict[str, list[Any]] = {"fastapi": [], "fastcore": []}
        self.apps = {ns.name: build(ns, self.logs[ns.name]) for ns in (FASTAPI, FASTCORE)}
        self.clients = {ns.name: ns.TestClient(self.apps[ns.name]) for ns in (FASTAPI, FASTCORE)}

    def run(self, scenario: Callable[[Any], Any]) -> tuple[Any, Any]:
        """``scenario(client)`` on each build; returns (FastAPI's outcome, fastcore's outcome)."""
        out = []
        for name in ("fastapi", "fastcore"):
            self.logs[name].clear()
            try:
                result: Any = scenario(self.clients[name])
            except WebSocketDenialResponse as denial:  # an HTTP answer to the handshake
                result = ("denied", denial.status_code, denial.json(), denial.headers.get("www-authenticate"))
            except StarletteWebSocketDisconnect as exc:
                result = ("disconnect", exc.code, exc.reason)
            out.append((result, list(self.logs[name])))
        return out[0], out[1]

    def check(self, scenario: Callable[[Any], Any]) -> Any:
        expected, actual = self.run(scenario)
        assert actual == expected
        return actual


@pytest.fixture(scope="module")
def pair() -> Pair:
    return Pair(ws_app)


def _receive_all(ws: Any) -> list[Any]:
    got = []
    while True:
        message = ws.receive()
        got.append(message)
        if message["type"] == "websocket.close":
            return got


# -- parameters and dependencies -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, headers",
    [
        ("/items/3?q=5", {"x-token": "t", "cookie": "session=abc"}),
        ("/items/3?q=5&tags=a&tags=b", {"x-token": "t"}),
        ("/path-constraint/4", {}),
    ],
)
def test_parameters(pair: Pair, url: str, headers: dict[str, str]) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect(url, headers=headers) as ws:
            return _receive_all(ws)

    pair.check(scenario)


@pytest.mark.parametrize(
    "url, headers",
    [
        ("/items/x?q=5", {"x-token": "t"}),  # path not an int
        ("/items/3", {"x-token": "t"}),  # query missing
        ("/items/3?q=five", {}),  # query bad and header missing: every error is reported
        ("/path-constraint/0", {}),
    ],
)
def test_parameter_errors_close_with_1008(pair: Pair, url: str, headers: dict[str, str]) -> None:
    def scenario(client: Any) -> Any:
        with pytest.raises(StarletteWebSocketDisconnect) as info:
            client.websocket_connect(url, headers=headers).__enter__()
        return info.value.code, info.value.reason

    (fastapi_out, _), (fastcore_out, _) = pair.run(scenario)
    assert fastapi_out[0] == fastcore_out[0] == 1008
    # Documented difference: FastAPI's reason is the error list itself, fastcore's the list as JSON
    # text (a close frame carries text).  The errors are the same.
    assert isinstance(fastcore_out[1], str)
    assert json.loads(fastcore_out[1]) == json.loads(json.dumps(fastapi_out[1]))
    assert fastcore_out[1]


def test_yield_dependency_cleans_up_after_the_endpoint(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/yield") as ws:
            return ws.receive_json()

    _, log = pair.check(scenario)
    assert log == ["dep enter", ("endpoint saw disconnect", 1000), "endpoint returns", "dep exit"]


def test_dependency_overrides(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/yield") as ws:
            return ws.receive_json()

    for app in pair.apps.values():
        app.dependency_overrides[get_token] = lambda: "overridden"
    try:
        result, _ = pair.check(scenario)
        assert result == {"res": "resource", "token": "overridden"}
    finally:
        for app in pair.apps.values():
            app.dependency_overrides.clear()
    result, _ = pair.check(scenario)
    assert result == {"res": "resource", "token": "real"}


def test_router_prefix_include_and_dependencies(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/v1/room/lobby/join?key=k&user=ann") as ws:
            return _receive_all(ws)

    _, log = pair.check(scenario)
    assert ("router dep", "k") in log and "route dep" in log
    assert ("include dep", "/v1/room/lobby/join") in log


def test_router_dependency_error_closes_with_1008(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with pytest.raises(StarletteWebSocketDisconnect) as info, client.websocket_connect(
            "/v1/room/lobby/join"
        ):
            pass
        reason = info.value.reason
        return info.value.code, reason if isinstance(reason, str) else json.dumps(reason)

    (fastapi_out, _), (fastcore_out, _) = pair.run(scenario)
    assert fastapi_out[0] == fastcore_out[0] == 1008
    assert json.loads(fastcore_out[1]) == json.loads(fastapi_out[1])
    assert json.loads(fastcore_out[1])[0]["loc"] == ["query", "key"]


# -- exceptions and closing ------------------------------------------------------------------------


def test_websocket_exception_before_accept(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/reject"):
            return "connected"

    result, _ = pair.check(scenario)
    assert result == ("disconnect", 1008, "go away")


def test_websocket_exception_after_accept(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/reject?when=after") as ws:
            return _receive_all(ws)

    result, _ = pair.check(scenario)
    assert result[-1] == {"type": "websocket.close", "code": 4001, "reason": "changed my mind"}


def test_http_exception_in_a_dependency_denies_the_handshake(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/guarded") as ws:
            return ws.receive_text()

    result, _ = pair.check(scenario)
    assert result == ("denied", 401, {"detail": "Not authenticated"}, "Bearer")

    def allowed(client: Any) -> Any:
        with client.websocket_connect("/guarded?token=secret") as ws:
            return _receive_all(ws)

    pair.check(allowed)


@pytest.mark.parametrize("when", ["custom-before", "custom-after"])
def test_exception_handler_gets_the_websocket(pair: Pair, when: str) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect(f"/guarded?token=secret&when={when}") as ws:
            return _receive_all(ws)

    result, _ = pair.check(scenario)
    assert "custom via WebSocket" in str(result)


def test_http_exception_after_accept_is_an_error() -> None:
    # An HTTP answer is impossible once the socket is accepted: fastcore lets the error through (a
    # server closes with 1011, see test_served_http_exception_after_accept_closes_1011).  FastAPI
    # sends the denial after the accept, which the ASGI spec forbids; its TestClient then waits forever.
    client = fastcore.testclient.TestClient(ws_app(FASTCORE, []))
    with pytest.raises(fastcore.HTTPException, match="too late"), client.websocket_connect(
        "/guarded?token=secret&when=http-after"
    ) as ws:
        ws.receive_text()


def test_endpoint_closes_with_code(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/close-self") as ws:
            return _receive_all(ws)

    pair.check(scenario)


def test_client_disconnect_reaches_the_endpoint(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/echo") as ws:
            ws.send_text("hi")
            first = ws.receive_json()
            ws.close(code=4321, reason="client leaves")
        return first

    _, log = pair.check(scenario)
    assert log == [("disconnect", 4321, "client leaves")]


@pytest.mark.parametrize(
    "mode, send",
    [
        ("text", lambda ws: ws.send_bytes(b"raw")),
        ("bytes", lambda ws: ws.send_text("text")),
        ("json", lambda ws: ws.send_text("{not json")),
        ("json", lambda ws: ws.send_bytes(b"\xff\xfe")),
        ("json", lambda ws: ws.send_text("[" * 100_000)),
    ],
)
def test_wrong_message_type_gives_the_endpoint_a_clean_exception(
    pair: Pair, mode: str, send: Callable[[Any], None]
) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect(f"/echo?mode={mode}") as ws:
            send(ws)
            error = ws.receive_json()
            # the connection is still usable after the bad message
            ws.send_bytes(b'"ok"') if mode == "bytes" else ws.send_text('"ok"')
            return error, ws.receive_json()

    (result, log) = pair.check(scenario)
    assert "error" in result[0] and result[1] == {"echo": '"ok"' if mode != "json" else "ok"}
    assert log[0][0] == "wrong type"


def test_endpoint_raising_mid_stream_propagates_and_app_keeps_serving(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        # Under TestClient the endpoint's exception reaches the test (a server closes with 1011:
        # test_served_mid_stream_error_closes_1011_and_others_continue).
        with pytest.raises(RuntimeError, match="mid-stream"), client.websocket_connect("/boom") as ws:
            first = ws.receive_text()
            ws.send_text("trigger")
            ws.receive_text()
        # the same app keeps serving sockets and HTTP
        with client.websocket_connect("/state?id=7") as ws:
            second = ws.receive_json()
        return first, second, client.get("/http").json()

    result, _ = pair.check(scenario)
    assert result == ("first", {"path": "/state", "client_id": "7"}, {"ok": "yes"})


def test_unknown_path_is_closed(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/nowhere"):
            return "connected"

    result, _ = pair.check(scenario)
    assert result[:2] == ("disconnect", 1000)


def test_http_route_path_over_websocket_is_closed(pair: Pair) -> None:
    def scenario(client: Any) -> Any:
        with client.websocket_connect("/http"):
            return "connected"

    pair.check(scenario)


def test_websocket_path_over_http_is_404(pair: Pair) -> None:
    fa = pair.clients["fastapi"].get("/close-self")
    fc = pair.clients["fastcore"].get("/close-self")
    assert (fc.status_code, fc.json()) == (fa.status_code, fa.json()) == (404, {"detail": "Not Found"})


def test_endpoint_must_be_async() -> None:
    app = fastcore.FastCore()
    with pytest.raises(FastCoreError, match="async"):

        @app.websocket("/sync")
        def sync_endpoint(websocket: fastcore.WebSocket) -> None:  # pragma: no cover - never runs
            pass


# -- over the built-in server: what a real client sees ---------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[int]:
    app = ws_app(FASTCORE, [])
    server = Server(Config(app=app, host="127.0.0.1", port=0, log_level="critical"))
    server.install_signal_handlers = False
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert server.started.wait(10) and server.addresses, "server did not start"
    try:
        yield server.addresses[0][1]
    finally:
        server.handle_exit()
        thread.join(15)


def _ws(port: int, path: str, **kwargs: Any) -> Any:
    return websockets.sync.client.connect(f"ws://127.0.0.1:{port}{path}", open_timeout=5,
                                          close_timeout=5, **kwargs)


def test_served_mid_stream_error_closes_1011_and_others_continue(served: int) -> None:
    with _ws(served, "/boom") as ws:
        assert ws.recv(timeout=5) == "first"
        ws.send("trigger")
        with pytest.raises(websockets.exceptions.ConnectionClosedError) as info:
            ws.recv(timeout=5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1011
    with _ws(served, "/state?id=1") as ws:
        assert json.loads(ws.recv(timeout=5)) == {"path": "/state", "client_id": "1"}


def test_served_parameter_error_before_accept_is_403(served: int) -> None:
    # A close before accept is an HTTP 403 on the wire (ASGI), with FastAPI and uvicorn alike: the
    # 1008 and its reason are what an in-process client sees.
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        _ws(served, "/path-constraint/0")
    assert info.value.response.status_code == 403
    with _ws(served, "/path-constraint/2") as ws:
        assert ws.recv(timeout=5) == "2"


def test_served_http_exception_denies_the_handshake(served: int) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        _ws(served, "/guarded")
    response = info.value.response
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert json.loads(response.body or b"") == {"detail": "Not authenticated"}


def test_served_http_exception_after_accept_closes_1011(served: int) -> None:
    with _ws(served, "/guarded?token=secret&when=http-after") as ws, pytest.raises(
        websockets.exceptions.ConnectionClosedError
    ) as info:
        ws.recv(timeout=5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1011


def test_served_websocket_exception(served: int) -> None:
    with _ws(served, "/reject?when=after") as ws:
        assert ws.recv(timeout=5) == "accepted"
        with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
            ws.recv(timeout=5)
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (4001, "changed my mind")


# -- examples/chat.py: FastAPI's chat tutorial with the imports changed -----------------------------


def _chat_module(framework: str) -> Any:
    """examples/chat.py as is (fastcore), or with its imports turned back to FastAPI's."""
    source = (ROOT / "examples" / "chat.py").read_text()
    if framework == "fastapi":
        source = source.replace("from fastcore import", "from fastapi import").replace(
            "from fastcore.responses import", "from fastapi.responses import"
        ).replace("FastCore", "FastAPI")
        assert "fastcore" not in source.replace("fastcore run", "")
    module = types.ModuleType(f"chat_{framework}")
    exec(compile(source, f"examples/chat.py ({framework})", "exec"), module.__dict__)
    return module


@pytest.mark.parametrize("framework", ["fastapi", "fastcore"])
def test_chat_example_broadcasts_between_two_clients(framework: str) -> None:
    chat = _chat_module(framework)
    client = fastcore.testclient.TestClient(chat.app)
    assert "WebSocket Chat" in client.get("/").text
    with client.websocket_connect("/ws/1?token=t") as alice:
        with client.websocket_connect("/ws/2", headers={"cookie": "session=s"}) as bob:
            alice.send_text("hello")
            assert alice.receive_text() == "You wrote: hello"
            assert alice.receive_text() == "Client #1 says: hello"
            assert bob.receive_text() == "Client #1 says: hello"
            bob.send_text("hi alice")
            assert bob.receive_text() == "You wrote: hi alice"
            assert alice.receive_text() == "Client #2 says: hi alice"
            assert bob.receive_text() == "Client #2 says: hi alice"
        assert alice.receive_text() == "Client #2 left the chat"
    # both endpoints saw their disconnect and left the manager
    assert chat.manager.active_connections == []


@pytest.mark.parametrize("framework", ["fastapi", "fastcore"])
@pytest.mark.parametrize("url", ["/ws/1", "/ws/one?token=t"])
def test_chat_example_rejects_with_1008(framework: str, url: str) -> None:
    chat = _chat_module(framework)
    client = fastcore.testclient.TestClient(chat.app)
    with pytest.raises(StarletteWebSocketDisconnect) as info, client.websocket_connect(url):
        pass
    assert info.value.code == 1008
    assert chat.manager.active_connections == []


def test_chat_example_imports_from_fastcore() -> None:
    from examples import chat

    assert isinstance(chat.app, fastcore.FastCore)
