"""``fastcore._fastpath``: the compiled ``APIRoute.handle`` and ``APIRouter.__call__``.

The compiled route answers what it can itself (no dependencies; an async handler taking a body) and
hands everything else to ``fastcore.executor``'s solver.  Every test here sends the same request to
a route of each kind and to its twin forced through the solver (a no-op dependency), and expects
the same answer, byte for byte: the fast path must never be a second opinion on a request.
"""

import asyncio
import functools
import json
from typing import Annotated, Any

import msgspec
import pydantic
import pytest
from starlette.requests import ClientDisconnect

from fastcore import APIRouter, Body, Depends, FastCore, HTTPException, Path, Query, WebSocket
from fastcore._fastpath import Shape, current
from fastcore.testclient import TestClient


class Address(pydantic.BaseModel):
    street: str
    city: str


class Order(pydantic.BaseModel):
    id: int
    customer: str
    total: float
    note: str | None = None
    shipping: Address
    tags: list[str] = []


class Item(msgspec.Struct):
    name: str
    price: float
    qty: int = 1


def noop() -> None:
    """A dependency that does nothing: its route takes the solver's path, not the compiled one."""


def make_app(*, strict: bool = True) -> FastCore:
    app = FastCore(strict_content_type=strict)
    solved = [Depends(noop)]

    async def order(order: Order) -> Order:
        return order

    async def item(item: Item, n: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
        return {"item": item, "n": n}

    async def typed(key: Annotated[int, Path()], qty: Annotated[int, Body(gt=0)]) -> dict[str, int]:
        return {"key": key, "qty": qty}

    async def failing(order: Order) -> Order:
        raise HTTPException(409, "taken")

    routes = [("order", order, Order), ("item", item, None), ("typed/{key}", typed, None)]
    for name, handler, model in [*routes, ("fail", failing, Order)]:
        app.post(f"/fast/{name}", response_model=model)(handler)
        app.post(f"/solved/{name}", response_model=model, dependencies=solved)(handler)
    return app


def route_of(app: FastCore, path: str) -> Any:
    return next(r for r in app.routes if getattr(r, "path", None) == path)


def shape_of(app: FastCore, path: str) -> Shape:
    route = route_of(app, path)
    plan, body_plan = current(route, {"app": app})
    return Shape(route, plan, body_plan)


ORDER = {"id": 7, "customer": "ann", "total": 9.5, "shipping": {"street": "1 Main", "city": "X"}}

# (path under /fast/ and /solved/, body bytes, content-type or None)
CASES: list[tuple[str, bytes, str | None]] = [
    ("order", json.dumps(ORDER).encode(), "application/json"),
    ("order", json.dumps({**ORDER, "tags": ["a"], "note": "n"}).encode(), "application/json"),
    ("order", json.dumps({**ORDER, "id": "x"}).encode(), "application/json"),  # invalid value
    ("order", json.dumps({**ORDER, "shipping": None}).encode(), "application/json"),
    ("order", b'{"id": 1,', "application/json"),  # broken JSON
    ("order", b'{"id": NaN}', "application/json"),  # NaN: Python's json takes it, fastcore does not
    ("order", json.dumps({**ORDER, "total": 1e999}).encode().replace(b"inf", b"1e999"), "application/json"),
    ("order", b"", "application/json"),  # no body
    ("order", b"null", "application/json"),
    ("order", b"[]", "application/json"),
    ("order", json.dumps(ORDER).encode(), "text/plain"),  # not declared as JSON
    ("order", json.dumps(ORDER).encode(), None),  # no Content-Type
    ("order", json.dumps(ORDER).encode(), "application/vnd.api+json; charset=utf-8"),
    ("order", b"\xff\xfe", "application/json"),  # not UTF-8
    ("fail", json.dumps(ORDER).encode(), "application/json"),  # the handler raises
    ("item", b'{"name": "w", "price": 2}', "application/json"),
    ("item", b'{"name": "w", "price": "2"}', "application/json"),  # lax: the string converts
    ("item", b'{"name": "w"}', "application/json"),  # a missing field
    ("item?n=-1", b'{"name": "w", "price": 2}', "application/json"),  # a query error, body fine
    ("item?n=-1", b'{"name": "w"}', "application/json"),  # both: the query's error first
    ("typed/3", b"5", "application/json"),
    ("typed/x", b"0", "application/json"),  # path and body errors, in FastAPI's order
]


def answer(client: TestClient, path: str, body: bytes, ctype: str | None) -> tuple[int, bytes, str | None]:
    headers = {} if ctype is None else {"content-type": ctype}
    response = client.post(path, content=body, headers=headers)
    return response.status_code, response.content, response.headers.get("content-type")


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize(("path", "body", "ctype"), CASES)
def test_compiled_route_answers_as_the_solver_does(
    strict: bool, path: str, body: bytes, ctype: str | None
) -> None:
    client = TestClient(make_app(strict=strict))
    fast = answer(client, f"/fast/{path}", body, ctype)
    solved = answer(client, f"/solved/{path}", body, ctype)
    assert fast == solved
    if path.startswith("order") and body and ctype == "application/json" and b"NaN" not in body:
        assert fast[0] in (200, 400, 422)


def test_the_routes_take_the_paths_they_are_meant_to() -> None:
    app = make_app()
    TestClient(app).post("/fast/order", json=ORDER)
    for name in ("order", "item", "fail"):
        assert shape_of(app, f"/fast/{name}").kind == "body"
        assert shape_of(app, f"/fast/{name}").json_body
        assert shape_of(app, f"/solved/{name}").kind == "solved"
    # an embedded scalar member is not "one JSON value": BodyPlan.read validates it
    assert shape_of(app, "/fast/typed/{key}").kind == "body"

    get = FastCore()

    @get.get("/a/{x}")
    async def a(x: int) -> int:
        return x

    @get.get("/s")
    def s() -> int:
        return 1

    assert shape_of(get, "/a/{x}").kind == "plain"
    assert shape_of(get, "/s").kind == "plain"
    assert not shape_of(get, "/s").json_body


def keywords_only(handler: Any) -> Any:
    """A decorator as FastAPI apps write them: its wrapper takes keyword arguments only."""

    @functools.wraps(handler)
    async def wrapper(**kwargs: Any) -> Any:
        return await handler(**kwargs)

    return wrapper


def test_a_body_alone_is_passed_by_position_only_where_the_handler_takes_it_so() -> None:
    app = make_app()
    assert shape_of(app, "/fast/order").body_by_position
    assert not shape_of(app, "/fast/item").body_by_position  # a query parameter too

    @app.post("/keyword", response_model=Order)
    async def keyword(*, order: Order) -> Order:
        return order

    @app.post("/wrapped", response_model=Order)
    @keywords_only
    async def wrapped(order: Order) -> Order:
        return order

    client = TestClient(app)
    for path in ("/keyword", "/wrapped"):
        assert shape_of(app, path).kind == "body"
        assert not shape_of(app, path).body_by_position
        assert client.post(path, json=ORDER).json() == {**ORDER, "note": None, "tags": []}


def test_a_plan_keeps_its_shape_until_overrides_change_it() -> None:
    app = FastCore()

    def ten() -> int:
        return 10

    @app.post("/p")
    async def p(order: Order, q: int = Query(0)) -> dict[str, Any]:
        return {"id": order.id, "q": q}

    client = TestClient(app)
    assert client.post("/p?q=2", json=ORDER).json() == {"id": 7, "q": 2}
    route = route_of(app, "/p")
    shape = route._exec.shape
    assert shape is not None and shape.kind == "body"
    assert client.post("/p", json=ORDER).json() == {"id": 7, "q": 0}
    assert route._exec.shape is shape  # read once per plan, not per request

    # a dependency override on a plan whose route has none changes nothing of the route's answer
    app.dependency_overrides[ten] = lambda: 11
    assert client.post("/p?q=3", json=ORDER).json() == {"id": 7, "q": 3}


def test_override_of_a_dependency_takes_the_solver() -> None:
    app = FastCore()

    def factor() -> int:
        return 2

    @app.get("/m/{x}")
    async def m(x: int, f: int = Depends(factor)) -> int:
        return x * f

    client = TestClient(app)
    assert client.get("/m/3").json() == 6
    app.dependency_overrides[factor] = lambda: 5
    assert client.get("/m/3").json() == 15
    app.dependency_overrides.clear()
    assert client.get("/m/3").json() == 6


class Aliased(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(populate_by_name=True)
    full_name: str = pydantic.Field(alias="fullName")


class Shouting(pydantic.BaseModel):
    word: str

    @pydantic.field_serializer("word")
    def loud(self, word: str) -> str:
        return word.upper()


class SpecialOrder(Order):
    secret: str = "s"


SHIP = Address(street="1 Main", city="X")
RESULTS: list[tuple[str, Any, Any]] = [
    ("model", Order, Order(id=1, customer="a", total=2.5, shipping=SHIP)),
    ("subclass", Order, SpecialOrder(id=1, customer="a", total=2.5, shipping=SHIP)),
    ("dict", Order, {"id": 1, "customer": "a", "total": 2.5, "shipping": {"street": "s", "city": "c"}}),
    ("surrogate", Order, Order(id=1, customer="\ud800", total=2.5, shipping=SHIP)),
    ("list", list[Address], [SHIP, Address(street="2", city="Y")]),
    ("mixed-list", list[Address], [SHIP, {"street": "2", "city": "Y"}]),
    ("empty-list", list[Address], []),
    ("alias", Aliased, Aliased(full_name="Ann")),
    ("serializer", Shouting, Shouting(word="hi")),
    ("nested-serializer", list[Shouting], [Shouting(word="a")]),
    ("invalid", Order, {"id": "x"}),  # a response validation error: a 500 either way
]


@pytest.mark.parametrize(("name", "model", "value"), RESULTS, ids=[r[0] for r in RESULTS])
def test_compiled_response_encoding_writes_what_the_solver_does(name: str, model: Any, value: Any) -> None:
    app = FastCore()

    async def handler() -> Any:
        return value

    app.get("/fast", response_model=model)(handler)
    app.get("/solved", response_model=model, dependencies=[Depends(noop)])(handler)
    client = TestClient(app, raise_server_exceptions=False)
    fast, solved = client.get("/fast"), client.get("/solved")
    assert (fast.status_code, fast.content) == (solved.status_code, solved.content)
    assert fast.status_code == (500 if name == "invalid" else 200)


def drive(
    app: Any,
    path: str,
    messages: list[dict[str, Any]],
    headers: list[tuple[bytes, bytes]],
    *,
    suspend: bool = False,
) -> Any:
    """One POST through the ASGI interface with ``messages`` as what the client sends
    (``suspend``: ``receive`` and ``send`` give the loop a turn before they return, as a server's
    do when they wait on the socket)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": headers, "client": ("1.2.3.4", 5), "server": ("t", 80)}
    pending = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if suspend:
            await asyncio.sleep(0)
        return pending.pop(0)

    async def send(message: dict[str, Any]) -> None:
        if suspend:
            await asyncio.sleep(0)
        sent.append(message)

    async def run() -> None:
        await asyncio.wait_for(app(scope, receive, send), 10)

    asyncio.run(run())
    return sent


JSON_HEADERS = [(b"content-type", b"application/json")]


@pytest.mark.parametrize("prefix", ["/fast", "/solved"])
def test_a_body_in_many_messages_is_put_together(prefix: str) -> None:
    raw = json.dumps(ORDER).encode()
    parts = [raw[:5], b"", raw[5:20], raw[20:]]
    messages = [{"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
                for i, part in enumerate(parts)]
    sent = drive(make_app(), f"{prefix}/order", messages, JSON_HEADERS)
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {**ORDER, "note": None, "tags": []}


@pytest.mark.parametrize("prefix", ["/fast", "/solved"])
def test_a_client_gone_before_its_body_arrived_gets_no_answer(prefix: str) -> None:
    messages = [{"type": "http.request", "body": b'{"id"', "more_body": True}, {"type": "http.disconnect"}]
    with pytest.raises(ClientDisconnect):  # for the server, which has no one to answer
        drive(make_app(), f"{prefix}/order", messages, JSON_HEADERS)


@pytest.mark.parametrize("prefix", ["/fast", "/solved"])
def test_a_declared_length_over_the_limit_is_refused_unread(prefix: str) -> None:
    headers = [*JSON_HEADERS, (b"content-length", b"999999999999")]
    sent = drive(make_app(), f"{prefix}/order", [], headers)  # receive() would fail: never called
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"]) == {"detail": "Content Too Large"}


def test_a_body_read_by_a_middleware_first_is_used_as_it_is() -> None:
    app = make_app()

    @app.middleware("http")
    async def peek(request: Any, call_next: Any) -> Any:
        await request.body()
        return await call_next(request)

    response = TestClient(app).post("/fast/order", json=ORDER)
    assert response.status_code == 200
    assert response.json()["customer"] == "ann"


# -- awaiting the handler, receive and send ---------------------------------------------------------
# The compiled route runs a Python coroutine itself until it returns or suspends; one that suspends
# is awaited from where it stopped (``_fastpath.Resumed``).


def suspending_app() -> tuple[FastCore, dict[str, Any]]:
    app = FastCore()
    seen: dict[str, Any] = {}

    @app.post("/slow", response_model=Order)
    async def slow(order: Order) -> Order:
        for _ in range(3):
            await asyncio.sleep(0)
        return order

    @app.get("/slow/{n}")
    async def slow_get(n: int) -> dict[str, int]:
        await asyncio.sleep(0)
        return {"n": n}

    async def slow_dependency(n: int) -> int:
        await asyncio.sleep(0)
        return n * 2

    @app.get("/slow-dependency/{n}")  # the solver's coroutine suspends
    async def slow_solved(doubled: Annotated[int, Depends(slow_dependency)]) -> dict[str, int]:
        return {"doubled": doubled}

    @app.post("/late-error")
    async def late_error(order: Order) -> None:
        await asyncio.sleep(0)
        raise HTTPException(409, "taken")

    @app.get("/forever")
    async def forever() -> None:  # waits on a future: cancelled through it
        seen["started"] = True
        try:
            await asyncio.Event().wait()
        except BaseException as exc:
            seen["raised"] = type(exc)
            raise

    @app.get("/spin")
    async def spin() -> None:  # never waits on a future: the cancellation is thrown in
        seen["started"] = True
        try:
            while not seen.get("stop"):  # set by the test, should the cancellation be lost
                await asyncio.sleep(0)
        except BaseException as exc:
            seen["raised"] = type(exc)
            raise

    return app, seen


@pytest.mark.parametrize("suspend", [False, True])
def test_a_handler_receive_and_send_that_suspend_are_awaited_to_the_end(suspend: bool) -> None:
    app, _ = suspending_app()
    body = [{"type": "http.request", "body": json.dumps(ORDER).encode(), "more_body": False}]
    for path in ("/slow", "/fast/order"):
        target = app if path == "/slow" else make_app()
        sent = drive(target, path, list(body), JSON_HEADERS, suspend=suspend)
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        assert sent[0]["status"] == 200
        assert json.loads(sent[1]["body"]) == {**ORDER, "note": None, "tags": []}
    client = TestClient(app)
    assert client.get("/slow/5").json() == {"n": 5}
    assert client.get("/slow/x").status_code == 422
    assert client.get("/slow-dependency/4").json() == {"doubled": 8}
    assert client.get("/slow-dependency/x").status_code == 422


def test_an_error_raised_after_a_suspension_is_answered() -> None:
    app, _ = suspending_app()
    response = TestClient(app).post("/late-error", json=ORDER)
    assert (response.status_code, response.json()) == (409, {"detail": "taken"})


@pytest.mark.parametrize("path", ["/forever", "/spin"])
def test_a_suspended_handler_sees_its_request_cancelled(path: str) -> None:
    app, seen = suspending_app()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [], "client": ("1.2.3.4", 5), "server": ("t", 80)}
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        task = asyncio.ensure_future(app(scope, receive, send))
        while not seen.get("started"):
            await asyncio.sleep(0)
        for _ in range(3):  # the handler is well into its wait
            await asyncio.sleep(0)
        assert not task.done()
        task.cancel()
        await asyncio.wait([task], timeout=10)
        seen["stop"] = True
        assert task.cancelled()

    asyncio.run(run())
    assert seen["raised"] is asyncio.CancelledError
    assert sent == []


# -- APIRouter.__call__ ----------------------------------------------------------------------------


def test_router_call_routes_http_websocket_lifespan_and_misses() -> None:
    app = FastCore()
    inner = APIRouter()

    @inner.get("/x/{y}")
    async def x(y: int) -> dict[str, Any]:
        return {"y": y}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app.include_router(inner, prefix="/in")
    with TestClient(app) as client:  # lifespan through the router
        assert client.get("/in/x/4").json() == {"y": 4}
        assert client.get("/in/x/z").status_code == 422
        assert client.get("/nowhere").json() == {"detail": "Not Found"}
        assert client.post("/in/x/4").json() == {"detail": "Method Not Allowed"}
        with client.websocket_connect("/ws") as socket:
            assert socket.receive_text() == "hi"


def test_routes_appended_to_the_list_directly_are_found() -> None:
    app = FastCore()
    other = FastCore()

    @other.get("/late")
    async def late() -> str:
        return "late"

    client = TestClient(app)
    assert client.get("/late").status_code == 404
    app.router.routes.extend(other.router.routes)
    assert client.get("/late").json() == "late"
