"""Tests for ``fastcore.executor``: one thread hop per run of sync callables, their thread semantics
(contextvars, the thread limit, ``anyio.from_thread``, yield clean-up, exceptions), the inline opt-in,
and FastAPI's answers for the same sync dependency trees."""

import asyncio
import contextvars
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Annotated, Any

import anyio.from_thread
import fastapi
import fastapi.testclient
import pytest

from fastcore import APIRouter, Depends, FastCore, HTTPException
from fastcore.testclient import TestClient
from fastcore.threadpool import SyncExecutor
from tests.serving import serve


def count_hops(app: FastCore) -> list[int]:
    """Every job the app's executor takes from now on appends to the returned list."""
    executor = app.router.sync_executor
    hops: list[int] = []
    submit = executor._submit

    def counting(job: Any) -> None:
        hops.append(1)
        submit(job)

    executor._submit = counting  # type: ignore[method-assign]
    return hops


async def call(app: Any, path: str) -> tuple[int, Any]:
    """One GET through the ASGI interface, in this loop."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"t")], "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }  # fmt: skip
    messages: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        messages.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return messages[0]["status"], json.loads(body) if body else None


# --------------------------------------------------------------------------------------------------
# One hop


def tree_app() -> FastCore:
    app = FastCore()

    def a() -> int:
        return threading.get_ident()

    def b(x: int = Depends(a)) -> int:
        return threading.get_ident()

    @app.get("/sync")
    def sync_handler(x: int = Depends(a), y: int = Depends(b)) -> dict[str, Any]:
        return {"threads": sorted({x, y, threading.get_ident()})}

    @app.get("/async")
    async def async_handler(x: int = Depends(a), y: int = Depends(b)) -> dict[str, Any]:
        return {"threads": sorted({x, y})}

    @app.get("/plain")
    def plain() -> dict[str, Any]:
        return {"threads": [threading.get_ident()]}

    async def split() -> int:
        return 0

    def c(z: int = Depends(split)) -> int:
        return threading.get_ident()

    @app.get("/separated")
    def separated(x: int = Depends(a), s: int = Depends(split), z: int = Depends(c)) -> dict[str, Any]:
        return {"threads": sorted({x, z, threading.get_ident()})}

    return app


@pytest.mark.parametrize(("path", "hops"), [("/sync", 1), ("/async", 1), ("/plain", 1), ("/separated", 2)])
def test_one_hop_per_run_of_sync_callables(path: str, hops: int) -> None:
    app = tree_app()
    counted = count_hops(app)
    with TestClient(app) as client:
        response = client.get(path)
    assert response.status_code == 200
    assert len(counted) == hops
    loop_free = set(response.json()["threads"])
    assert threading.get_ident() not in loop_free
    if hops == 1:
        assert len(loop_free) == 1  # the whole chain ran in the one job's thread


def test_sync_chain_cache_and_use_cache_false() -> None:
    calls: list[str] = []
    app = FastCore()

    def counted() -> int:
        calls.append("counted")
        return len(calls)

    def first(n: int = Depends(counted)) -> int:
        return n

    def fresh(n: Annotated[int, Depends(counted, use_cache=False)]) -> int:
        return n

    @app.get("/")
    def handler(a: int = Depends(first), b: int = Depends(counted), c: int = Depends(fresh)) -> list[int]:
        return [a, b, c]

    with TestClient(app) as client:
        assert client.get("/").json() == [1, 1, 2]


# --------------------------------------------------------------------------------------------------
# Thread semantics


def test_contextvars_are_copied_into_the_thread() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    app = FastCore()

    async def set_it() -> None:
        var.set("from the loop")

    def read_it(_: None = Depends(set_it)) -> str:
        return var.get()

    @app.get("/")
    def handler(value: str = Depends(read_it)) -> dict[str, str]:
        return {"dep": value, "handler": var.get()}

    with TestClient(app) as client:
        assert client.get("/").json() == {"dep": "from the loop", "handler": "from the loop"}


def test_thread_limit_holds() -> None:
    app = FastCore(thread_limit=2)
    lock = threading.Lock()
    running = [0, 0]  # now, most at once

    @app.get("/slow")
    def slow() -> int:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return 1

    async def main() -> list[tuple[int, Any]]:
        return await asyncio.wait_for(asyncio.gather(*(call(app, "/slow") for _ in range(6))), 10)

    results = asyncio.run(main())
    assert [status for status, _ in results] == [200] * 6
    assert running[1] == 2
    assert app.router.sync_executor.threads <= 2


def test_from_thread_run_through_the_testclient() -> None:
    from tests.exec_app import app

    with TestClient(app) as client:
        ids = client.get("/from-thread").json()
    assert ids["loop"] not in (ids["dep"], ids["handler"])
    assert ids["dep"] == ids["handler"]  # one hop


def test_from_thread_run_over_a_real_server() -> None:
    with serve("tests.exec_app:app") as url:
        with urllib.request.urlopen(url + "/from-thread", timeout=10) as response:
            ids = json.loads(response.read())
    assert ids["loop"] not in (ids["dep"], ids["handler"])


def test_yield_dependency_set_up_and_clean_up_in_threads_after_the_response() -> None:
    events: list[tuple[str, int]] = []
    app = FastCore()
    loop_thread: list[int] = []

    async def where_is_the_loop() -> None:
        loop_thread.append(threading.get_ident())

    def resource(_: None = Depends(where_is_the_loop)) -> Iterator[str]:
        events.append(("set-up", threading.get_ident()))
        try:
            yield "resource"
        except HTTPException as exc:
            events.append((f"saw {exc.status_code}", threading.get_ident()))
            raise
        finally:
            events.append(("clean-up", threading.get_ident()))

    @app.get("/ok")
    def ok(r: str = Depends(resource)) -> str:
        events.append(("handler", threading.get_ident()))
        return r

    @app.get("/fails")
    def fails(r: str = Depends(resource)) -> str:
        raise HTTPException(409, "conflict")

    with TestClient(app) as client:
        assert client.get("/ok").json() == "resource"
        assert [e for e, _ in events] == ["set-up", "handler", "clean-up"]
        assert all(thread != loop_thread[0] for _, thread in events)
        events.clear()
        response = client.get("/fails")
    assert response.status_code == 409
    assert [e for e, _ in events] == ["set-up", "saw 409", "clean-up"]
    assert all(thread != loop_thread[-1] for _, thread in events)


def test_exceptions_from_the_thread_propagate() -> None:
    app = FastCore()

    def teapot() -> None:
        raise HTTPException(418, "teapot")

    def broken() -> None:
        raise ValueError("boom")

    @app.get("/teapot")
    def t(_: None = Depends(teapot)) -> int:
        return 1

    @app.get("/broken")
    async def b(_: None = Depends(broken)) -> int:
        return 1

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/teapot").json() == {"detail": "teapot"}
        assert client.get("/teapot").status_code == 418
        assert client.get("/broken").status_code == 500
    with TestClient(app) as client, pytest.raises(ValueError, match="boom"):
        client.get("/broken")


def test_cancelled_caller_waits_for_the_call() -> None:
    executor = SyncExecutor(1)
    done = threading.Event()

    def slow() -> None:
        time.sleep(0.2)
        done.set()

    async def main() -> float:
        task = asyncio.ensure_future(executor.run(slow))
        await asyncio.sleep(0.05)
        task.cancel()
        started = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
        return time.monotonic() - started

    waited = asyncio.run(main())
    assert done.is_set() and waited >= 0.1


# --------------------------------------------------------------------------------------------------
# The inline opt-in


def inline_app(where: str) -> FastCore:
    app = FastCore(run_sync_inline=where == "app")
    router = APIRouter(run_sync_inline=True if where == "router" else None)
    loop: list[int] = []

    async def loop_id() -> None:
        loop.append(threading.get_ident())

    def dep(_: None = Depends(loop_id)) -> int:
        return threading.get_ident()

    marker = Depends(dep, run_sync_inline=True) if where == "depends" else Depends(dep)

    @router.get("/", run_sync_inline=True if where == "route" else None)
    def handler(d: int = marker) -> dict[str, bool]:
        return {"dep": d == loop[-1], "handler": threading.get_ident() == loop[-1]}

    app.include_router(router)
    return app


@pytest.mark.parametrize("where", ["app", "router", "route", "depends", "default"])
def test_run_sync_inline(where: str) -> None:
    app = inline_app(where)
    hops = count_hops(app)
    with TestClient(app) as client:
        on_loop = client.get("/").json()
    inline_all = where in ("app", "router", "route")
    assert on_loop == {"dep": where != "default", "handler": inline_all}
    assert len(hops) == (0 if inline_all else 1)


# --------------------------------------------------------------------------------------------------
# FastAPI's answers for sync trees: errors of the whole tree in one 422, in FastAPI's order


def errors_source(fw: str) -> str:
    return f"""
from typing import Annotated
from {fw} import {"FastAPI" if fw == "fastapi" else "FastCore as FastAPI"}, Depends, Query, Header

app = FastAPI()

def leaf(n: int, h: Annotated[int, Header()] = 0) -> int:
    return n

def middle(x: int = Depends(leaf), m: int = Query()) -> int:
    return x + m

async def on_loop(a: int = 0) -> int:
    return a

def after(y: int = Depends(on_loop), z: int = Query()) -> int:
    return y + z

@app.get("/tree")
def tree(p: int = Depends(middle), q: int = Depends(after), own: int = Query()) -> dict:
    return {{"p": p, "q": q, "own": own}}

@app.get("/async-tree")
async def async_tree(p: int = Depends(middle), own: int = Query()) -> dict:
    return {{"p": p, "own": own}}
"""


@pytest.mark.parametrize(
    "url",
    [
        "/tree?n=1&m=2&z=3&own=4",
        "/tree",
        "/tree?n=x&m=y&z=1",
        "/tree?n=1&m=2&a=x&own=1",
        "/async-tree?n=1&m=2&own=3",
        "/async-tree?n=q",
    ],
)
def test_sync_trees_answer_as_fastapi(url: str) -> None:
    answers = []
    for fw, client_class in (("fastapi", fastapi.testclient.TestClient), ("fastcore", TestClient)):
        namespace: dict[str, Any] = {}
        exec(errors_source(fw), namespace)
        with client_class(namespace["app"]) as client:
            response = client.get(url, headers={"h": "bad"} if "a=x" in url else {})
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]


def test_anyio_from_thread_needs_the_worker_token() -> None:
    """Without the token (a plain thread), anyio refuses: the executor's token is what makes it work."""
    errors: list[BaseException] = []

    async def nothing() -> None:
        return None

    def plain_thread() -> None:
        try:
            anyio.from_thread.run(nothing)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=plain_thread)
    thread.start()
    thread.join(5)
    assert errors and "worker thread" in str(errors[0])



def test_sync_callables_run_under_the_trio_backend() -> None:
    # anyio's trio backend has no asyncio loop: sync work goes through anyio's own threads.
    app = FastCore()
    seen: list[bool] = []

    def db() -> str:
        seen.append(threading.current_thread() is not threading.main_thread())
        return "session"

    @app.get("/")
    def handler(s: Annotated[str, Depends(db)]) -> dict[str, str]:
        return {"db": s}

    with TestClient(app, backend="trio") as client:
        assert client.get("/").json() == {"db": "session"}
    assert seen == [True]


# --- an async handler taking only its own parameters and a body: run without the solver -----------


def _body_route_app(kit: tuple[Any, ...]) -> Any:
    """One framework's app: a route with path, query and header parameters and a model body."""
    from pydantic import BaseModel

    App, Header, JSONResponse, RequestValidationError = kit

    class Item(BaseModel):
        name: str
        price: float

    app = App()

    @app.exception_handler(RequestValidationError)
    async def explain(request: Any, exc: Any) -> Any:
        return JSONResponse({"errors": exc.errors(), "body": exc.body}, status_code=422)

    @app.post("/items/{item_id}")
    async def create(item_id: int, item: Item, q: int = 0, x_token: Annotated[str, Header()] = "-") -> Any:
        if item.name == "boom":
            raise HTTPException(409, "taken")
        return {"id": item_id, "item": item, "q": q, "token": x_token}

    return app


def fastcore_kit() -> tuple[Any, ...]:
    from fastcore import Header
    from fastcore.exceptions import RequestValidationError
    from fastcore.responses import JSONResponse

    return FastCore, Header, JSONResponse, RequestValidationError


def fastapi_kit() -> tuple[Any, ...]:
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    return fastapi.FastAPI, fastapi.Header, JSONResponse, RequestValidationError


@pytest.mark.parametrize(
    ("path", "body", "headers"),
    [
        ("/items/3?q=2", {"name": "pen", "price": 1.5}, {"x-token": "t"}),
        ("/items/3", {"name": "boom", "price": 1.5}, {}),  # the handler raises
        ("/items/x?q=y", {"name": "pen", "price": "cheap"}, {}),  # path, query and body errors, in order
        ("/items/3", [1, 2], {}),  # a body of the wrong shape: exc.body is what was sent
        ("/items/3", None, {}),  # no body at all
    ],
)
def test_a_body_route_without_dependencies_answers_as_fastapi(
    path: str, body: Any, headers: dict[str, str]
) -> None:
    ours, theirs = _body_route_app(fastcore_kit()), _body_route_app(fastapi_kit())
    answers = []
    for app, client_class in ((ours, TestClient), (theirs, fastapi.testclient.TestClient)):
        with client_class(app) as client:
            response = client.post(path, json=body, headers=headers) if body is not None \
                else client.post(path, headers=headers)
            answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
