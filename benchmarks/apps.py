# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, disable-error-code="valid-type"
# Handlers deliberately have no return annotation: FastAPI (and so fastcore) treats a return
# annotation as a response_model, which would benchmark model filtering instead of the common
# ``return {...}`` hello-world path.  Scenarios that benchmark models say ``response_model=``.
"""The benchmark scenarios: one request each, and one app definition per framework style.

A FastAPI-style builder takes a :class:`~benchmarks.frameworks.Kit` and is used unchanged for
FastAPI and fastcore; in the scenarios with models, ``item_model(fw.model)`` gives FastAPI a pydantic
``BaseModel`` and fastcore the equivalent ``msgspec.Struct`` (or, for ``fastcore-pydantic``, the same
pydantic model as FastAPI).  Starlette builders are plain Starlette, written the way a Starlette user
would (manual parsing, pydantic for the models), where the scenario makes sense without FastAPI's
machinery.
"""

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .asgi import ASGIApp, Receive, Scope, Send
from .frameworks import Kit

ROUTE_COUNT = 1000


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    path: str
    expected: Any  # the decoded JSON body of the 200 response
    build_fastapi: Callable[[Kit], ASGIApp]
    build_starlette: Callable[[], ASGIApp] | None = None
    query: str = ""
    headers: tuple[tuple[bytes, bytes], ...] = field(default=())
    method: str = "GET"
    body: bytes = b""  # sent as JSON (``content-type: application/json``) when not empty
    models: bool = False  # declares model classes: the cells name the model kind

    @property
    def request_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        if not self.body:
            return self.headers
        return (*self.headers, (b"content-type", b"application/json"))


# -- json -------------------------------------------------------------------------------------


def json_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()

    @app.get("/hello")
    async def hello():
        return {"message": "Hello, world!"}

    return app  # type: ignore[no-any-return]


def json_starlette() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"message": "Hello, world!"})

    return Starlette(routes=[Route("/hello", hello)])


# -- params -----------------------------------------------------------------------------------


def params_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()

    @app.get("/items/{item_id}")
    async def read_item(
        item_id: int, q: str | None = None, limit: int = fw.Query(10, ge=1, le=100)
    ):
        return {"item_id": item_id, "q": q, "limit": limit}

    return app  # type: ignore[no-any-return]


def params_starlette() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def read_item(request: Request) -> JSONResponse:
        query = request.query_params
        try:
            limit = int(query.get("limit", "10"))
        except ValueError:
            return JSONResponse({"detail": "limit must be an integer"}, status_code=422)
        if not 1 <= limit <= 100:
            return JSONResponse({"detail": "limit must be in [1, 100]"}, status_code=422)
        item_id = request.path_params["item_id"]  # converted by the ``:int`` convertor
        return JSONResponse({"item_id": item_id, "q": query.get("q"), "limit": limit})

    return Starlette(routes=[Route("/items/{item_id:int}", read_item)])


# -- deps -------------------------------------------------------------------------------------

_USERS = {"secret-token": {"id": 7, "name": "alice"}}


def deps_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()

    async def get_db():
        return {"name": "memory", "users": _USERS}

    async def get_user(db=fw.Depends(get_db), x_token: str = fw.Header()):
        user = db["users"].get(x_token)
        if user is None:
            raise fw.HTTPException(status_code=401, detail="bad token")
        return {**user, "db": db["name"]}

    @app.get("/me")
    async def me(user=fw.Depends(get_user)):
        return {"user": user}

    return app  # type: ignore[no-any-return]


# -- models: body, list100 ------------------------------------------------------------------------

ITEM: dict[str, Any] = {
    "name": "Widget",
    "price": 9.5,
    "quantity": 3,
    "in_stock": True,
    "tags": ["tools", "sale"],
}
ITEMS: list[dict[str, Any]] = [
    {"name": f"item-{i}", "price": i + 0.25, "quantity": i, "in_stock": i % 3 != 0, "tags": ["a", "b"]}
    for i in range(100)
]


def item_model(kind: str) -> Any:
    """The 5-field ``Item`` model, as a pydantic ``BaseModel`` or as a ``msgspec.Struct``.

    Imported on demand, so a worker only loads the library its framework uses.
    """
    if kind == "msgspec":
        import msgspec

        class ItemStruct(msgspec.Struct):
            name: str
            price: float
            quantity: int
            in_stock: bool
            tags: list[str]

        return ItemStruct
    from pydantic import BaseModel

    class ItemModel(BaseModel):
        name: str
        price: float
        quantity: int
        in_stock: bool
        tags: list[str]

    return ItemModel


def body_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()
    Item = item_model(fw.model)

    @app.post("/items", response_model=Item)
    async def create_item(item: Item):
        return item

    return app  # type: ignore[no-any-return]


def body_starlette() -> ASGIApp:
    from pydantic import ValidationError
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    Item = item_model("pydantic")

    async def create_item(request: Request) -> Response:
        try:
            item = Item.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"detail": exc.errors(include_url=False)}, status_code=422)
        return Response(item.model_dump_json(), media_type="application/json")

    return Starlette(routes=[Route("/items", create_item, methods=["POST"])])


def list100_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()
    Item = item_model(fw.model)
    items = [Item(**item) for item in ITEMS]  # built once, as if cached from a database

    @app.get("/items", response_model=list[Item])
    async def list_items():
        return items

    return app  # type: ignore[no-any-return]


def list100_starlette() -> ASGIApp:
    from pydantic import TypeAdapter
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    Item = item_model("pydantic")
    items = [Item(**item) for item in ITEMS]
    dump = TypeAdapter(list[Item]).dump_json

    async def list_items(request: Request) -> Response:
        return Response(dump(items), media_type="application/json")

    return Starlette(routes=[Route("/items", list_items)])


# -- security ---------------------------------------------------------------------------------

# A stand-in for a signed token: "<user>.<signature>".  Decoding checks the signature with a
# constant-time comparison, as a real JWT library would, without the crypto's cost drowning the
# framework's.
_SIGNATURE = "c2lnbmVkLWJ5LWZhc3Rjb3Jl"
TOKEN = f"alice.{_SIGNATURE}"
_ACCOUNTS = {"alice": {"username": "alice", "email": "alice@example.com", "disabled": False}}


def decode_token(token: str) -> dict[str, Any] | None:
    username, _, signature = token.partition(".")
    if not hmac.compare_digest(signature.encode(), _SIGNATURE.encode()):
        return None
    return _ACCOUNTS.get(username)


def security_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()
    oauth2_scheme = fw.OAuth2PasswordBearer(tokenUrl="token")

    async def current_user(token: str = fw.Depends(oauth2_scheme)):
        user = decode_token(token)
        if user is None:
            raise fw.HTTPException(
                status_code=401,
                detail="Invalid authentication credentials",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return user

    @app.get("/users/me")
    async def read_me(user=fw.Depends(current_user)):
        return user

    return app  # type: ignore[no-any-return]


def security_starlette() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    challenge = {"WWW-Authenticate": "Bearer"}

    async def read_me(request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return JSONResponse({"detail": "Not authenticated"}, 401, challenge)
        user = decode_token(token)
        if user is None:
            return JSONResponse({"detail": "Invalid authentication credentials"}, 401, challenge)
        return JSONResponse(user)

    return Starlette(routes=[Route("/users/me", read_me)])


# -- routing ----------------------------------------------------------------------------------


def routing_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()
    router = fw.APIRouter()

    def add(i: int) -> None:
        async def handler(item_id: int):
            return {"route": i, "item_id": item_id}

        handler.__name__ = f"route_{i}"
        router.add_api_route(f"/r{i}/items/{{item_id}}", handler, methods=["GET"])

    for i in range(ROUTE_COUNT):
        add(i)
    app.include_router(router)
    return app  # type: ignore[no-any-return]


def routing_starlette() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def make(i: int) -> Callable[[Request], Any]:
        async def handler(request: Request) -> JSONResponse:
            return JSONResponse({"route": i, "item_id": request.path_params["item_id"]})

        return handler

    routes = [Route(f"/r{i}/items/{{item_id:int}}", make(i)) for i in range(ROUTE_COUNT)]
    return Starlette(routes=routes)


# -- ported apps: sync, sync-deps, pyd-body, pyd-list100 --------------------------------------
# The code a FastAPI app is made of, ported by changing imports: plain ``def`` handlers and
# dependencies, pydantic ``BaseModel``s.  Every framework, fastcore included, runs the same source
# with the same (pydantic) models; there is no ``msgspec.Struct`` variant of these scenarios.


def sync_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()

    @app.get("/sync")
    def hello():
        return {"message": "Hello, world!"}

    return app  # type: ignore[no-any-return]


def sync_starlette() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def hello(request: Request) -> JSONResponse:  # Starlette runs it in its thread pool
        return JSONResponse({"message": "Hello, world!"})

    return Starlette(routes=[Route("/sync", hello)])


class FakeSession:
    """A stand-in for a synchronous database session (SQLAlchemy's ``Session``, say)."""

    def __init__(self, users: dict[str, dict[str, Any]]) -> None:
        self._users = users

    def user_by_token(self, token: str) -> dict[str, Any] | None:
        return self._users.get(token)


def sync_deps_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()

    def get_db():
        return FakeSession(_USERS)  # a new session per request, as an app's session factory does

    def current_user(db=fw.Depends(get_db), x_token: str = fw.Header()):
        user = db.user_by_token(x_token)
        if user is None:
            raise fw.HTTPException(status_code=401, detail="bad token")
        return user

    # A ``def`` handler too: an app with a synchronous database layer is synchronous throughout.
    @app.get("/sync/me")
    def me(user=fw.Depends(current_user)):
        return {"user": user}

    return app  # type: ignore[no-any-return]


def sync_deps_starlette() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    # Starlette has no dependency injection: the endpoint calls the same two functions itself, all
    # in the one thread-pool hop Starlette gives a ``def`` endpoint.
    def get_db() -> FakeSession:
        return FakeSession(_USERS)

    def current_user(db: FakeSession, x_token: str | None) -> dict[str, Any] | None:
        return None if x_token is None else db.user_by_token(x_token)

    def me(request: Request) -> JSONResponse:
        user = current_user(get_db(), request.headers.get("x-token"))
        if user is None:
            return JSONResponse({"detail": "bad token"}, status_code=401)
        return JSONResponse({"user": user})

    return Starlette(routes=[Route("/sync/me", me)])


# Sent without ``note``: the optional field takes its default, and the echo shows it as null.
ORDER: dict[str, Any] = {
    "id": 1042,
    "customer": "alice",
    "total": 59.9,
    "shipping": {"street": "1 Main Street", "city": "Springfield", "postcode": "12345"},
    "tags": ["gift", "express"],
}
ORDER_ECHO: dict[str, Any] = {**ORDER, "note": None}


def order_model() -> Any:
    """A 6-field pydantic ``Order`` with a nested ``Address``, an optional and a defaulted field."""
    from pydantic import BaseModel

    class Address(BaseModel):
        street: str
        city: str
        postcode: str

    class Order(BaseModel):
        id: int
        customer: str
        total: float
        note: str | None = None
        shipping: Address
        tags: list[str] = []

    return Order


def pyd_body_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()
    Order = order_model()

    @app.post("/orders", response_model=Order)
    async def create_order(order: Order):
        return order

    return app  # type: ignore[no-any-return]


def pyd_body_starlette() -> ASGIApp:
    from pydantic import ValidationError
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    Order = order_model()

    async def create_order(request: Request) -> Response:
        try:
            order = Order.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"detail": exc.errors(include_url=False)}, status_code=422)
        return Response(order.model_dump_json(), media_type="application/json")

    return Starlette(routes=[Route("/orders", create_order, methods=["POST"])])


def pyd_list100_fastapi(fw: Kit) -> ASGIApp:
    app = fw.App()
    Item = item_model("pydantic")  # on every framework: this is the code a port keeps
    items = [Item(**item) for item in ITEMS]

    @app.get("/items", response_model=list[Item])
    async def list_items():
        return items

    return app  # type: ignore[no-any-return]


# -- the raw-ASGI baseline --------------------------------------------------------------------


def raw_app(scenario: Scenario) -> ASGIApp:
    """An app that answers any request with the scenario's expected body: the harness floor."""
    body = json.dumps(scenario.expected, separators=(",", ":")).encode()
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
    }
    done = {"type": "http.response.body", "body": body}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise RuntimeError("raw baseline handles http only")
        await send(start)
        await send(done)

    return app


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "json",
            "GET /hello -> small JSON object from an async handler",
            "/hello",
            {"message": "Hello, world!"},
            json_fastapi,
            json_starlette,
        ),
        Scenario(
            "params",
            "path int + optional query str + bounded query int",
            "/items/42",
            {"item_id": 42, "q": "hello", "limit": 5},
            params_fastapi,
            params_starlette,
            query="q=hello&limit=5",
        ),
        Scenario(
            "deps",
            "two-level async dependency chain with a required header",
            "/me",
            {"user": {"id": 7, "name": "alice", "db": "memory"}},
            deps_fastapi,
            headers=((b"x-token", b"secret-token"),),
        ),
        Scenario(
            "body",
            "POST 5-field JSON object -> model -> response_model",
            "/items",
            ITEM,
            body_fastapi,
            body_starlette,
            method="POST",
            body=json.dumps(ITEM).encode(),
            models=True,
        ),
        Scenario(
            "list100",
            "GET a list of 100 models through response_model=list[Item]",
            "/items",
            ITEMS,
            list100_fastapi,
            list100_starlette,
            models=True,
        ),
        Scenario(
            "sync",
            "GET /sync -> small JSON object from a plain def handler",
            "/sync",
            {"message": "Hello, world!"},
            sync_fastapi,
            sync_starlette,
        ),
        Scenario(
            "sync-deps",
            "def handler + two def dependencies (session -> user from a header)",
            "/sync/me",
            {"user": {"id": 7, "name": "alice"}},
            sync_deps_fastapi,
            sync_deps_starlette,
            headers=((b"x-token", b"secret-token"),),
        ),
        Scenario(
            "pyd-body",
            "POST a pydantic model (nested, optional) -> response_model, on every framework",
            "/orders",
            ORDER_ECHO,
            pyd_body_fastapi,
            pyd_body_starlette,
            method="POST",
            body=json.dumps(ORDER).encode(),
        ),
        Scenario(
            "pyd-list100",
            "GET 100 pydantic models through response_model=list[Item], on every framework",
            "/items",
            ITEMS,
            pyd_list100_fastapi,
            list100_starlette,  # already pydantic
        ),
        Scenario(
            "security",
            "OAuth2PasswordBearer + a user dependency decoding the token",
            "/users/me",
            _ACCOUNTS["alice"],
            security_fastapi,
            security_starlette,
            headers=((b"authorization", f"Bearer {TOKEN}".encode()),),
        ),
        Scenario(
            "routing-first",
            f"first of {ROUTE_COUNT} parametrised routes",
            "/r0/items/1",
            {"route": 0, "item_id": 1},
            routing_fastapi,
            routing_starlette,
        ),
        Scenario(
            "routing-last",
            f"last of {ROUTE_COUNT} parametrised routes",
            f"/r{ROUTE_COUNT - 1}/items/1",
            {"route": ROUTE_COUNT - 1, "item_id": 1},
            routing_fastapi,
            routing_starlette,
        ),
    )
}
