# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators
"""The network benchmark's scenarios, and the apps its servers load by name.

Every server is given ``benchmarks.netapps:<app>__<scenario>`` (e.g. ``fastapi__json``), resolved
by the module ``__getattr__`` below, so uvicorn, granian and fastcore's server all load apps the
same way, with no ``--factory`` flag (granian has none).  Each app is built from ``apps.py`` where
the scenario exists there, so the network and in-process apps are the same code; the scenarios
that only make sense over a socket (``plaintext``, ``ws``) are defined here.

``<app>`` is a FastAPI-style framework of ``frameworks.FRAMEWORKS`` (``fastcore``,
``fastcore-pydantic`` spelt ``fastcore_pydantic``, ``fastapi``), ``starlette``, ``litestar``,
``blacksheep`` (``competitors.py``) or ``raw`` (the raw ASGI app answering the scenario's bytes).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .apps import SCENARIOS, Scenario
from .asgi import ASGIApp, Receive, Scope, Send
from .frameworks import FRAMEWORKS, Kit, load_kit

PLAINTEXT = b"Hello, world!"
WS_MESSAGE = "hello, websocket"


@dataclass(frozen=True)
class NetScenario:
    name: str
    description: str
    path: str
    expected: Any  # decoded JSON body; bytes for a plain-text body; the echo for WebSocket
    query: str = ""
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = field(default=())
    body: bytes = b""
    websocket: bool = False
    models: bool = False
    source: str = ""  # the in-process scenario whose apps are reused ("" = defined here)
    # Only these ``network.NET_FRAMEWORKS`` run it (empty: every one with an app for it).
    frameworks: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")

    def response_bytes(self) -> tuple[bytes, bytes]:
        """(content-type, body) of the right answer, for the ceiling and the raw ASGI app."""
        if isinstance(self.expected, bytes):
            return b"text/plain; charset=utf-8", self.expected
        return b"application/json", json.dumps(self.expected, separators=(",", ":")).encode()


def _from_inprocess(
    name: str, scenario: Scenario, description: str = "", frameworks: tuple[str, ...] = ()
) -> NetScenario:
    headers = tuple((k.decode(), v.decode()) for k, v in scenario.request_headers)
    return NetScenario(
        name,
        description or scenario.description,
        scenario.path,
        scenario.expected,
        query=scenario.query,
        method=scenario.method,
        headers=headers,
        body=scenario.body,
        models=scenario.models,
        source=scenario.name,
        frameworks=frameworks,
    )


# Issue 13's ported-app scenarios compare the frameworks, each on its usual server; the server
# variants (fastcore on uvicorn, FastAPI on granian) are measured by the scenarios above, and
# leaving them out keeps ``--quick`` short.
PORTED = ("ceiling", "fastcore", "fastapi", "starlette")


NET_SCENARIOS: dict[str, NetScenario] = {
    s.name: s
    for s in (
        NetScenario("plaintext", "GET /plaintext -> 13 bytes of text/plain", "/plaintext", PLAINTEXT),
        _from_inprocess("json", SCENARIOS["json"]),
        _from_inprocess("params", SCENARIOS["params"]),
        _from_inprocess("deps", SCENARIOS["deps"]),
        _from_inprocess("body", SCENARIOS["body"]),
        _from_inprocess("list100", SCENARIOS["list100"]),
        _from_inprocess(
            "routing", SCENARIOS["routing-last"], "last of 1,000 parametrised routes"
        ),
        *(
            _from_inprocess(name, SCENARIOS[name], frameworks=PORTED)
            for name in ("sync", "sync-deps", "pyd-body", "pyd-list100")
        ),
        NetScenario(
            "ws",
            "WebSocket echo of a 16-byte text message",
            "/ws",
            WS_MESSAGE,
            websocket=True,
        ),
    )
}


# -- FastAPI style (fastcore, FastAPI) and Starlette versions of the network-only scenarios -----


def plaintext_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()

    @app.get("/plaintext")
    async def plaintext():
        return fw.PlainTextResponse(PLAINTEXT)

    return app  # type: ignore[no-any-return]


def ws_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()

    @app.websocket("/ws")
    async def echo(websocket: fw.WebSocket):  # type: ignore[name-defined]
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except fw.WebSocketDisconnect:
            pass

    return app  # type: ignore[no-any-return]


def plaintext_starlette() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def plaintext(request: Request) -> PlainTextResponse:
        return PlainTextResponse(PLAINTEXT)

    return Starlette(routes=[Route("/plaintext", plaintext)])


def ws_starlette() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnect:
            pass

    return Starlette(routes=[WebSocketRoute("/ws", echo)])


_FASTAPI_ONLY: dict[str, Callable[[Kit], ASGIApp]] = {"plaintext": plaintext_fastapi, "ws": ws_fastapi}
_STARLETTE_ONLY: dict[str, Callable[[], ASGIApp]] = {
    "plaintext": plaintext_starlette,
    "ws": ws_starlette,
}


def raw_net_app(scenario: NetScenario) -> ASGIApp:
    """The scenario's right answer from a do-nothing ASGI app: the server's own cost."""
    content_type, body = scenario.response_bytes()
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", content_type), (b"content-length", b"%d" % len(body))],
    }
    done = {"type": "http.response.body", "body": body}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await send(start)
            await send(done)

    return app


def has_app(app: str, scenario: str) -> bool:
    """Whether ``app`` has a version of ``scenario`` (without importing anything heavy)."""
    from . import competitors

    net = NET_SCENARIOS[scenario]
    if app in ("fastcore", "fastcore_pydantic", "fastapi"):
        return app != "fastcore_pydantic" or net.models
    if app == "starlette":
        return scenario in _STARLETTE_ONLY or SCENARIOS[net.source].build_starlette is not None
    if app == "raw":
        return not net.websocket
    return competitors.has_app(app, scenario)


def build(app: str, scenario: str) -> ASGIApp:
    from . import competitors

    net = NET_SCENARIOS[scenario]
    if app == "raw":
        return raw_net_app(net)
    if app == "starlette":
        if scenario in _STARLETTE_ONLY:
            return _STARLETTE_ONLY[scenario]()
        starlette = SCENARIOS[net.source].build_starlette
        assert starlette is not None, f"no Starlette app for {scenario}"
        return starlette()
    if app in ("litestar", "blacksheep"):
        return competitors.build(app, scenario)
    kit = load_kit(FRAMEWORKS[app.replace("_", "-")])
    if scenario in _FASTAPI_ONLY:
        return _FASTAPI_ONLY[scenario](kit)
    return SCENARIOS[net.source].build_fastapi(kit)


def __getattr__(name: str) -> Any:
    """``benchmarks.netapps:fastapi__json`` builds the FastAPI app of the ``json`` scenario."""
    app, sep, scenario = name.partition("__")
    if not sep or scenario not in NET_SCENARIOS:
        raise AttributeError(name)
    return build(app, scenario)
