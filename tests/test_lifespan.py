"""Lifespan: ``lifespan=`` on the app and on routers, merged on include, compared with FastAPI.

The same app is built with FastAPI and with fastcore; each is started and stopped by its
``TestClient`` and the two logs (enter/exit order) and the states seen by requests and WebSockets
must agree.  A failing startup is checked in process (the error reaches the caller with its message)
and over the built-in server in a subprocess (non-zero exit, the message on stderr).
"""

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fastapi
import fastapi.testclient
import pytest

import fastcore
import fastcore.testclient

ROOT = Path(__file__).resolve().parents[1]

FASTAPI = SimpleNamespace(name="fastapi", App=fastapi.FastAPI, APIRouter=fastapi.APIRouter,
                          Request=fastapi.Request, WebSocket=fastapi.WebSocket,
                          TestClient=fastapi.testclient.TestClient)
FASTCORE = SimpleNamespace(name="fastcore", App=fastcore.FastCore, APIRouter=fastcore.APIRouter,
                           Request=fastcore.Request, WebSocket=fastcore.WebSocket,
                           TestClient=fastcore.testclient.TestClient)
BUILDS = (FASTAPI, FASTCORE)


def _lifespan(log: list[Any], name: str, state: dict[str, Any] | None, fail: str | None = None) -> Any:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any] | None]:
        log.append(f"{name} enter")
        if fail == "startup":
            raise RuntimeError(f"{name} startup failed: no database")
        try:
            yield state
        finally:
            log.append(f"{name} exit")
        if fail == "shutdown":
            raise RuntimeError(f"{name} shutdown failed")

    return lifespan


def nested_app(ns: SimpleNamespace, log: list[Any], fail: dict[str, str] | None = None) -> Any:
    """app(lifespan) <- outer router(lifespan) <- inner router(lifespan); plus a router without one."""
    fail = fail or {}
    app = ns.App(lifespan=_lifespan(log, "app", {"app": 1, "shared": "app"}, fail.get("app")))
    outer = ns.APIRouter(prefix="/outer",
                         lifespan=_lifespan(log, "outer", {"outer": 2, "shared": "outer"}, fail.get("outer")))
    inner = ns.APIRouter(prefix="/inner", lifespan=_lifespan(log, "inner", None, fail.get("inner")))
    plain = ns.APIRouter(prefix="/plain")
    last = ns.APIRouter(lifespan=_lifespan(log, "last", {"last": 3}, fail.get("last")))

    @inner.get("/state")
    async def inner_state(request: ns.Request) -> dict[str, Any]:  # type: ignore[name-defined]
        return dict(request.state._state)

    @plain.get("/state")
    def plain_state(request: ns.Request) -> dict[str, Any]:  # type: ignore[name-defined]
        return dict(request.state._state)

    @last.websocket("/ws")
    async def ws_state(websocket: ns.WebSocket) -> None:  # type: ignore[name-defined]
        await websocket.accept()
        await websocket.send_json(dict(websocket.state._state))
        await websocket.close()

    outer.include_router(inner)
    app.include_router(outer)
    app.include_router(plain)
    app.include_router(last)
    return app


def _run(build: Callable[[SimpleNamespace, list[Any]], Any]) -> dict[str, Any]:
    """Start each build, query its states, stop it; the logs and answers by framework."""
    out: dict[str, Any] = {}
    for ns in BUILDS:
        log: list[Any] = []
        app = build(ns, log)
        with ns.TestClient(app) as client:
            log.append("serving")
            answers = [client.get("/outer/inner/state").json(), client.get("/plain/state").json()]
            with client.websocket_connect("/ws") as ws:
                answers.append(ws.receive_json())
        out[ns.name] = (log, answers)
    return out


def test_router_lifespans_are_merged_in_include_order() -> None:
    out = _run(nested_app)
    assert out["fastcore"] == out["fastapi"]
    log, answers = out["fastcore"]
    assert log == ["app enter", "outer enter", "inner enter", "last enter", "serving",
                   "last exit", "inner exit", "outer exit", "app exit"]
    # On a key two lifespans share, the including one wins (the app's "shared" beats outer's).
    state = {"app": 1, "outer": 2, "last": 3, "shared": "app"}
    assert answers == [state, state, state]


def test_router_lifespan_without_an_app_lifespan() -> None:
    def build(ns: SimpleNamespace, log: list[Any]) -> Any:
        app = ns.App()
        router = ns.APIRouter(lifespan=_lifespan(log, "router", {"db": "pool"}))

        @router.get("/outer/inner/state")
        def state(request: ns.Request) -> dict[str, Any]:  # type: ignore[name-defined]
            return dict(request.state._state)

        @router.get("/plain/state")
        def state2(request: ns.Request) -> dict[str, Any]:  # type: ignore[name-defined]
            return dict(request.state._state)

        @router.websocket("/ws")
        async def ws(websocket: ns.WebSocket) -> None:  # type: ignore[name-defined]
            await websocket.accept()
            await websocket.send_json(dict(websocket.state._state))
            await websocket.close()

        app.include_router(router)
        return app

    out = _run(build)
    assert out["fastcore"] == out["fastapi"]
    assert out["fastcore"] == (["router enter", "serving", "router exit"], [{"db": "pool"}] * 3)


def test_state_is_a_copy_per_request() -> None:
    # Starlette copies the lifespan state into each request's scope: an attribute set on
    # request.state stays in that request; mutable values are shared.
    for ns in BUILDS:
        app = ns.App(lifespan=_lifespan([], "app", {"counter": [], "name": "x"}))

        @app.get("/touch")
        def touch(request: ns.Request) -> dict[str, Any]:  # type: ignore[name-defined]
            request.state.counter.append(1)
            before = request.state.name
            request.state.name = "changed"
            return {"name": before, "count": len(request.state.counter)}

        with ns.TestClient(app) as client:
            assert client.get("/touch").json() == {"name": "x", "count": 1}
            assert client.get("/touch").json() == {"name": "x", "count": 2}


@pytest.mark.parametrize(
    "fail, raised",
    [
        ({"app": "startup"}, "app startup failed: no database"),
        ({"inner": "startup"}, "inner startup failed: no database"),
        ({"last": "startup"}, "last startup failed: no database"),
        ({"outer": "shutdown"}, "outer shutdown failed"),
    ],
)
def test_failing_lifespan_in_process(fail: dict[str, str], raised: str) -> None:
    outcomes = {}
    for ns in BUILDS:
        log: list[Any] = []
        app = nested_app(ns, log, fail)
        with pytest.raises(RuntimeError) as info, ns.TestClient(app):
            log.append("serving")
        outcomes[ns.name] = (log, str(info.value))
    assert outcomes["fastcore"] == outcomes["fastapi"]
    log, message = outcomes["fastcore"]
    assert message == raised
    # What was entered is left again, innermost first; a lifespan that failed to start has no exit.
    entered = [entry.split()[0] for entry in log if entry.endswith("enter")]
    exited = [entry.split()[0] for entry in log if entry.endswith("exit")]
    failed_at_startup = [name for name, when in fail.items() if when == "startup"]
    assert exited == [name for name in entered[::-1] if name not in failed_at_startup]
    assert ("serving" in log) == (not failed_at_startup)


# -- examples/lifespan_app.py ----------------------------------------------------------------------


def test_lifespan_example_pool_lifecycle() -> None:
    from examples.lifespan_app import Pool, app

    pools: list[Pool] = []
    with fastcore.testclient.TestClient(app) as client:
        status = client.get("/pool").json()
        assert status == {"size": 4, "idle": 4, "closed": False, "notes_added": 0}
        assert client.post("/notes", params={"text": "buy milk"}).json() == {"id": 1, "text": "buy milk"}
        assert client.post("/notes", params={"text": "call mum"}).status_code == 201
        assert client.post("/notes", params={"text": ""}).status_code == 422
        assert client.get("/notes").json() == [{"id": 1, "text": "buy milk"}, {"id": 2, "text": "call mum"}]
        assert client.get("/notes/2").json() == {"id": 2, "text": "call mum"}
        assert client.get("/notes/9").json() == {"detail": "Note not found"}
        with client.websocket_connect("/notes/count") as ws:
            assert ws.receive_json() == {"count": 2}
        # every connection lent by the yield dependency came back, errors included
        assert client.get("/pool").json() == {"size": 4, "idle": 4, "closed": False, "notes_added": 2}
        pools.append(client.app_state["pool"])
    assert pools[0].closed
    # a restart opens a fresh, empty database
    with fastcore.testclient.TestClient(app) as client:
        assert client.get("/notes").json() == []


def test_lifespan_example_needs_its_lifespan() -> None:
    from examples.lifespan_app import app

    # Without entering the TestClient, the lifespan never runs: the state has no pool.
    client = fastcore.testclient.TestClient(app, raise_server_exceptions=True)
    with pytest.raises(AttributeError, match="pool"):
        client.get("/pool")


# -- over the built-in server ----------------------------------------------------------------------


def test_failing_startup_stops_the_built_in_server() -> None:
    from tests.apps_failing_startup import MESSAGE

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastcore", "run", "tests.apps_failing_startup:app",
         "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _, stderr = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        pytest.fail("the server kept running after its startup failed")
    assert proc.returncode != 0
    assert MESSAGE in stderr
    assert "startup failed" in stderr.lower()
