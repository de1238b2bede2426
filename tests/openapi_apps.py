"""Apps for the OpenAPI tests, each written once as a function of a namespace of framework names.

``rich_app(FASTAPI)`` and ``rich_app(FASTCORE)`` build the same app with each framework, so the
documents they publish can be compared (tests/test_openapi.py).  The models are pydantic on both sides
(FastAPI needs them); ``msgspec_app`` covers fastcore's own model types.
"""


import dataclasses
import datetime
import enum
import uuid
from types import SimpleNamespace
from typing import Annotated, Any, Literal, TypedDict

import fastapi
import fastapi.responses
import fastapi.security
import msgspec
import pydantic

import fastcore
import fastcore.responses
import fastcore.security


def _ns(module: Any, app: Any, responses: Any, security: Any, name: str) -> SimpleNamespace:
    names = ("APIRouter", "Depends", "Security", "Query", "Path", "Header", "Cookie", "Body", "Form",
             "File", "UploadFile", "Request", "Response", "HTTPException")
    return SimpleNamespace(name=name, App=app, responses=responses, security=security,
                           SecurityScopes=security.SecurityScopes,
                           **{n: getattr(module, n) for n in names})


FASTAPI = _ns(fastapi, fastapi.FastAPI, fastapi.responses, fastapi.security, "fastapi")
FASTCORE = _ns(fastcore, fastcore.FastCore, fastcore.responses, fastcore.security, "fastcore")


class Color(str, enum.Enum):
    red = "red"
    green = "green"


class Level(enum.IntEnum):
    low = 1
    high = 2


class Owner(pydantic.BaseModel):
    name: str
    email: str | None = None


class Item(pydantic.BaseModel):
    """An item for sale."""

    name: str = pydantic.Field(min_length=1, max_length=50)
    price: float = pydantic.Field(gt=0)
    tags: list[str] = []
    color: Color = Color.red
    owner: Owner | None = None
    # A computed field makes the serialization schema differ: Item-Input / Item-Output.
    created: datetime.datetime | None = None

    @pydantic.computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:
        return f"{self.name} ({self.price})"


class Filters(pydantic.BaseModel):
    limit: int = 10
    sort: Literal["asc", "desc"] = "asc"


class Blob(pydantic.BaseModel):
    raw: bytes
    packed: bytes | None = None

    model_config = {"val_json_bytes": "base64"}


class Token(pydantic.BaseModel):
    access_token: str
    token_type: str


def rich_app(ns: SimpleNamespace, **app_kwargs: Any) -> Any:
    """Parameters with constraints, enums, bodies, forms, files, response models, security, tags."""
    Query, Path, Header, Cookie, Body = ns.Query, ns.Path, ns.Header, ns.Cookie, ns.Body
    Form, File, Depends, Security = ns.Form, ns.File, ns.Depends, ns.Security
    UploadFile = ns.UploadFile
    app = ns.App(
        title="Rich", version="2.0", description="A *rich* app.", summary="Everything at once",
        openapi_tags=[{"name": "items", "description": "Items for sale"}],
        terms_of_service="https://example.com/terms",
        contact={"name": "Ops", "email": "ops@example.com"},
        license_info={"name": "MIT", "identifier": "MIT"},
        **app_kwargs,
    )
    oauth2 = ns.security.OAuth2PasswordBearer(
        tokenUrl="token", scopes={"items:read": "Read items", "items:write": "Write items"}
    )
    api_key = ns.security.APIKeyHeader(name="X-Key", auto_error=False)
    basic = ns.security.HTTPBasic()
    bearer = ns.security.HTTPBearer(scheme_name="JWT", description="a signed token")

    async def current_user(scopes: ns.SecurityScopes, token: Annotated[str, Depends(oauth2)]) -> str:
        return token

    async def common(
        q: Annotated[str | None, Query(max_length=20, description="search text")] = None,
        x_trace: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        return {"q": q}

    @app.get("/items/{item_id}", tags=["items"], response_model=Item)
    async def read_item(
        item_id: Annotated[int, Path(ge=1, le=1000, title="The ID")],
        color: Color,
        level: Level = Level.low,
        size: Annotated[float | None, Query(gt=0, lt=10.5, multiple_of=0.5)] = None,
        when: datetime.date | None = None,
        ref: uuid.UUID | None = None,
        mode: Literal["a", "b"] = "a",
        tag: Annotated[list[str], Query(alias="tag-name")] = [],  # noqa: B006
        user_agent: Annotated[str | None, Header()] = None,
        x_raw: Annotated[str | None, Header(convert_underscores=False)] = None,
        session: Annotated[str | None, Cookie(pattern="^[a-f0-9]+$")] = None,
        old: Annotated[int | None, Query(deprecated=True, examples=[1, 2])] = None,
        hidden: Annotated[str | None, Query(include_in_schema=False)] = None,
        commons: dict[str, Any] = Depends(common),
    ) -> Any:
        """Read one item.

        Longer text.
        \f
        Not in the docs.
        """
        return Item(name="x", price=1.0)

    @app.get("/items/", tags=["items"], response_model=list[Item], summary="All items",
             responses={404: {"description": "Nothing"}, "5XX": {"description": "Oops"}})
    async def list_items(commons: Annotated[dict[str, Any], Depends(common)]) -> Any:
        return []

    @app.post("/items/", tags=["items"], status_code=201, response_model=Item,
              response_description="The created item")
    async def create_item(
        item: Item, user: Annotated[str, Security(current_user, scopes=["items:write"])]
    ) -> Any:
        return item

    @app.put("/items/{item_id}", tags=["items"], response_model=Item | None, deprecated=True)
    async def update_item(
        item_id: int,
        item: Annotated[Item, Body(embed=True)],
        owner: Owner,
        importance: Annotated[int, Body(gt=0)] = 1,
        user: str = Security(current_user, scopes=["items:read", "items:write"]),
    ) -> Any:
        return item

    @app.post("/search", response_model=list[Owner])
    async def search(
        filters: Annotated[Filters, Body(embed=True)], key: str | None = Depends(api_key)
    ) -> Any:
        return []

    @app.post("/login", response_model=Token)
    async def login(
        username: Annotated[str, Form(min_length=3)],
        password: Annotated[str, Form()],
        remember: Annotated[bool, Form()] = False,
    ) -> Any:
        return {"access_token": username, "token_type": "bearer"}

    @app.post("/files/")
    async def upload(
        file: Annotated[UploadFile, File(description="the file")],
        extra: Annotated[list[UploadFile] | None, File()] = None,
        raw: Annotated[bytes | None, File()] = None,
        note: Annotated[str, Form()] = "",
    ) -> dict[str, str]:
        return {"name": file.filename or ""}

    @app.get("/admin", dependencies=[Depends(basic)], tags=["admin"], operation_id="adminPanel")
    async def admin_panel() -> dict[str, bool]:
        return {"ok": True}

    @app.delete("/admin/cache", dependencies=[Depends(bearer)], tags=["admin"], status_code=204)
    async def clear_cache() -> None:
        return None

    @app.get("/page", response_class=ns.responses.HTMLResponse)
    async def page() -> str:
        return "<p>hi</p>"

    @app.get("/hidden", include_in_schema=False)
    async def hidden_route() -> dict[str, str]:
        return {}

    @app.get("/optional-owner", response_model=Owner | None)
    async def optional_owner() -> Any:
        return None

    @app.get("/extra", openapi_extra={"x-custom": {"a": 1}, "responses": {"418": {"description": "Teapot"}}})
    async def extra() -> dict[str, int]:
        return {}

    @app.get("/plain")
    def plain(x: int = 0) -> Any:
        return x

    # An unannotated parameter, a set, an optional model as the whole body with examples, and an
    # additional response that is not a model itself (titled after the operation).
    @app.post("/gift", responses={404: {"model": list[Owner]}})
    def gift(raw, codes: Annotated[frozenset[int], Query()],  # type: ignore[no-untyped-def]
             item: Annotated[Item | None, Body(examples=[{"name": "x", "price": 1.0}])] = None) -> Any:
        return raw

    @app.post("/blobs", response_model=Blob)
    def blob(body: Blob) -> Any:
        return body

    return app


# -- fastcore's own model types ----------------------------------------------------------------------


class Kind(enum.Enum):
    a = "a"
    b = "b"


class Point(msgspec.Struct):
    """A point."""

    x: Annotated[int, msgspec.Meta(ge=0)]
    y: int = 0
    kind: Kind = Kind.a


@dataclasses.dataclass
class Box:
    corner: Point
    size: float


class Extra(TypedDict):
    label: str


def msgspec_app() -> Any:
    app = fastcore.FastCore(title="Shapes", version="1")

    @app.post("/points", response_model=Point)
    async def create_point(point: Point) -> Point:
        return point

    @app.post("/boxes")
    async def create_box(box: Box, extra: Annotated[Extra, fastcore.Body(embed=True)]) -> list[Box]:
        return [box]

    @app.get("/kinds/{kind}")
    async def kind(kind: Kind) -> dict[str, Kind]:
        return {"kind": kind}

    return app


class Event(pydantic.BaseModel):
    kind: str
    at: datetime.datetime


class Problem(pydantic.BaseModel):
    detail: str


def hooks_app(ns: SimpleNamespace, **app_kwargs: Any) -> Any:
    """Callbacks, webhooks, ``responses=`` with models, routers, a custom operation id function."""

    def custom_id(route: Any) -> str:
        return f"{route.tags[0] if route.tags else 'default'}-{route.name}"

    app = ns.App(title="Hooks", version="1", servers=[{"url": "https://api.example.com"}],
                 generate_unique_id_function=custom_id, **app_kwargs)
    callbacks = ns.APIRouter()

    @callbacks.post("{$callback_url}/events/{$request.body.id}", response_model=Problem | None)
    def event_callback(body: Event) -> Any:
        return None

    @app.webhooks.post("new-event")
    def new_event(body: Event) -> None:
        """Sent when something happens."""

    router = ns.APIRouter(prefix="/subs", tags=["subs"], responses={404: {"model": Problem}})

    @router.post("/", callbacks=callbacks.routes, status_code=202)
    def subscribe(url: str, event: Event) -> dict[str, str]:
        return {"url": url}

    @router.get("/{sub_id}", responses={409: {"model": Problem, "description": "Taken"},
                                        "default": {"description": "Anything else"}})
    def get_sub(sub_id: Annotated[int, ns.Path(description="the subscription")]) -> Event:
        return Event(kind="x", at=datetime.datetime(2024, 1, 1))

    app.include_router(router)

    @app.api_route("/multi", methods=["GET", "POST"], operation_id="multi_op")
    def multi() -> dict[str, int]:
        return {}

    return app
