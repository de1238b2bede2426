# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, disable-error-code="valid-type"
"""Litestar and BlackSheep versions of the network scenarios, each written the way its docs do.

Litestar declares its models as ``msgspec.Struct`` (its native, fastest path) and gets its
dependencies from ``Provide``; BlackSheep binds parameters from the handler signature and takes
pydantic models through ``FromJSON``.  BlackSheep has no version of ``deps`` here: its dependency
injection (rodi) resolves services, not per-request chains with headers, so a like-for-like app
would be a different benchmark.  Both are imported only in the server process that runs them.
"""

from collections.abc import Callable
from typing import Annotated, Any

from .apps import _USERS, ITEM, ITEMS, ROUTE_COUNT, item_model
from .asgi import ASGIApp

_SCENARIOS = {
    "litestar": {"plaintext", "json", "params", "deps", "body", "list100", "routing", "ws"},
    "blacksheep": {"plaintext", "json", "params", "body", "list100", "routing", "ws"},
}


def has_app(framework: str, scenario: str) -> bool:
    return scenario in _SCENARIOS.get(framework, set())


def build(framework: str, scenario: str) -> ASGIApp:
    builders: dict[str, Callable[[str], ASGIApp]] = {
        "litestar": _litestar,
        "blacksheep": _blacksheep,
    }
    if not has_app(framework, scenario):
        raise LookupError(f"no {framework} app for {scenario!r}")
    return builders[framework](scenario)


# -- Litestar ---------------------------------------------------------------------------------


def _litestar(scenario: str) -> ASGIApp:
    from litestar import Litestar, MediaType, WebSocket, get, post, websocket
    from litestar.di import Provide
    from litestar.exceptions import NotAuthorizedException, WebSocketDisconnect
    from litestar.params import Parameter

    handlers: list[Any] = []

    if scenario == "plaintext":

        @get("/plaintext", media_type=MediaType.TEXT)
        async def plaintext() -> str:
            return "Hello, world!"

        handlers.append(plaintext)
    elif scenario == "json":

        @get("/hello")
        async def hello() -> dict[str, str]:
            return {"message": "Hello, world!"}

        handlers.append(hello)
    elif scenario == "params":

        @get("/items/{item_id:int}")
        async def read_item(
            item_id: int, q: str | None = None, limit: Annotated[int, Parameter(ge=1, le=100)] = 10
        ) -> dict[str, Any]:
            return {"item_id": item_id, "q": q, "limit": limit}

        handlers.append(read_item)
    elif scenario == "deps":

        async def get_db() -> dict[str, Any]:
            return {"name": "memory", "users": _USERS}

        async def get_user(
            db: dict[str, Any], x_token: Annotated[str, Parameter(header="x-token")]
        ) -> dict[str, Any]:
            user = db["users"].get(x_token)
            if user is None:
                raise NotAuthorizedException("bad token")
            return {**user, "db": db["name"]}

        @get("/me", dependencies={"db": Provide(get_db), "user": Provide(get_user)})
        async def me(user: dict[str, Any]) -> dict[str, Any]:
            return {"user": user}

        handlers.append(me)
    elif scenario == "body":
        Item = item_model("msgspec")

        @post("/items", status_code=200)
        async def create_item(data: Item) -> Item:
            return data

        handlers.append(create_item)
    elif scenario == "list100":
        Item = item_model("msgspec")
        items = [Item(**item) for item in ITEMS]

        @get("/items")
        async def list_items() -> list[Item]:
            return items

        handlers.append(list_items)
    elif scenario == "routing":

        def make(i: int) -> Any:
            async def handler(item_id: int) -> dict[str, int]:
                return {"route": i, "item_id": item_id}

            return get(f"/r{i}/items/{{item_id:int}}", name=f"route_{i}")(handler)

        handlers.extend(make(i) for i in range(ROUTE_COUNT))
    elif scenario == "ws":

        @websocket("/ws")
        async def echo(socket: WebSocket[Any, Any, Any]) -> None:
            await socket.accept()
            try:
                while True:
                    await socket.send_text(await socket.receive_text())
            except WebSocketDisconnect:
                pass

        handlers.append(echo)
    return Litestar(route_handlers=handlers, openapi_config=None, debug=False)  # type: ignore[return-value]


# -- BlackSheep -------------------------------------------------------------------------------


def _blacksheep(scenario: str) -> ASGIApp:
    from blacksheep import (
        Application,
        FromJSON,
        Request,
        Response,
        WebSocket,
        WebSocketDisconnectError,
        json,
        text,
    )
    from blacksheep.contents import Content
    from blacksheep.server.routing import Router

    router = Router()  # not the module-level default router, which every Application shares
    app = Application(router=router, show_error_details=False)

    if scenario == "plaintext":

        @router.get("/plaintext")
        async def plaintext() -> Response:
            return text("Hello, world!")

    elif scenario == "json":

        @router.get("/hello")
        async def hello() -> Response:
            return json({"message": "Hello, world!"})

    elif scenario == "params":

        @router.get("/items/{int:item_id}")
        async def read_item(item_id: int, q: str | None = None, limit: int = 10) -> Response:
            if not 1 <= limit <= 100:
                return json({"detail": "limit must be in [1, 100]"}, status=400)
            return json({"item_id": item_id, "q": q, "limit": limit})

    elif scenario == "body":
        Item = item_model("pydantic")
        assert set(Item.model_fields) == set(ITEM)

        @router.post("/items")
        async def create_item(item: FromJSON[Item]) -> Response:
            body = item.value.model_dump_json().encode()  # type: ignore[attr-defined]
            return Response(200, content=Content(b"application/json", body))

    elif scenario == "list100":
        from pydantic import TypeAdapter

        Item = item_model("pydantic")
        items = [Item(**item) for item in ITEMS]
        dump = TypeAdapter(list[Item]).dump_json

        @router.get("/items")
        async def list_items() -> Response:
            return Response(200, content=Content(b"application/json", dump(items)))

    elif scenario == "routing":

        def make(i: int) -> None:
            async def handler(request: Request, item_id: int) -> Response:
                return json({"route": i, "item_id": item_id})

            router.add_get(f"/r{i}/items/{{int:item_id}}", handler)

        for i in range(ROUTE_COUNT):
            make(i)
    elif scenario == "ws":

        @router.ws("/ws")
        async def echo(websocket: WebSocket) -> None:
            await websocket.accept()
            try:
                while True:
                    await websocket.send_text(await websocket.receive_text())
            except WebSocketDisconnectError:
                pass

    return app
