# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators
# Handlers deliberately have no return annotation: FastAPI (and so fastcore) treats a return
# annotation as a response_model, which would benchmark model filtering instead of the common
# ``return {...}`` hello-world path.
"""The benchmark scenarios: one request each, and one app definition per framework style.

A FastAPI-style builder takes a :class:`~benchmarks.frameworks.Kit` and is used unchanged for
FastAPI and fastcore.  Starlette builders are plain Starlette, written the way a Starlette user
would (manual parsing), where the scenario makes sense without FastAPI's machinery.
"""

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
