"""A small inventory API: path, query, header and cookie parameters, dependencies, routers, errors.

Serve it with ``bash ci/serve`` (or ``uvicorn examples.app:app``), then try::

    curl 'http://127.0.0.1:8000/items/2?detail=true'
    curl 'http://127.0.0.1:8000/items?tag=tools&limit=2'
    curl 'http://127.0.0.1:8000/items?offset=-1&limit=0'     # 422 listing every error
    curl -H 'x-api-key: secret' http://127.0.0.1:8000/admin/stats
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec

from fastcore import APIRouter, Depends, FastCore, Header, HTTPException, Path, Query, Response, status


class Tag(str, enum.Enum):
    tools = "tools"
    garden = "garden"
    kitchen = "kitchen"


class Item(msgspec.Struct):
    id: int
    name: str
    price: float
    tags: list[Tag]


ITEMS = {
    1: Item(1, "hammer", 12.5, [Tag.tools]),
    2: Item(2, "rake", 20.0, [Tag.tools, Tag.garden]),
    3: Item(3, "whisk", 4.25, [Tag.kitchen]),
}
API_KEY = "secret"  # demo only: a real app reads it from its settings


class Database:
    """Stands in for a connection pool: one session per request, closed after the response."""

    def __init__(self) -> None:
        self.queries = 0

    async def items(self) -> list[Item]:
        self.queries += 1
        return list(ITEMS.values())


db = Database()


async def get_db() -> AsyncIterator[Database]:
    yield db


class Pagination:
    def __init__(
        self,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> None:
        self.offset = offset
        self.limit = limit


app = FastCore(title="Inventory", version="1.0.0")


@app.get("/")
async def index() -> dict[str, str]:
    return {"service": "inventory", "docs": "see README.md"}


@app.get("/items")
async def list_items(
    page: Annotated[Pagination, Depends()],
    database: Annotated[Database, Depends(get_db)],
    tag: Annotated[list[Tag] | None, Query()] = None,
) -> list[Item]:
    items = await database.items()
    if tag:
        items = [item for item in items if set(tag) & set(item.tags)]
    return items[page.offset : page.offset + page.limit]


@app.get("/items/{item_id}", responses={404: {"description": "No such item"}})
async def read_item(
    item_id: Annotated[int, Path(gt=0)],
    response: Response,
    detail: bool = False,
) -> Item | dict[str, object]:
    item = ITEMS.get(item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"item {item_id} not found")
    response.headers["cache-control"] = "max-age=60"
    if detail:
        return item
    return {"id": item.id, "name": item.name}


async def require_key(x_api_key: Annotated[str, Header()]) -> None:
    if not secrets.compare_digest(x_api_key.encode(), API_KEY.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid API key")


admin = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_key)],
                  responses={403: {"description": "Invalid API key"}})


@admin.get("/stats")
async def stats(database: Annotated[Database, Depends(get_db)]) -> dict[str, int]:
    return {"items": len(ITEMS), "queries": database.queries}


app.include_router(admin)
