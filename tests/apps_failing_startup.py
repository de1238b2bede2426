"""An app whose startup fails inside an included router's lifespan (for tests/test_lifespan.py).

Served with ``python -m fastcore run tests.apps_failing_startup:app``: the server must exit non-zero
and say why on stderr.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastcore import APIRouter, FastCore

MESSAGE = "database pool could not connect to fake-db://nowhere"


@asynccontextmanager
async def app_lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    yield {"started": True}


@asynccontextmanager
async def db_lifespan(app: Any) -> AsyncIterator[None]:
    raise ConnectionError(MESSAGE)
    yield  # pragma: no cover - makes this a generator


router = APIRouter(lifespan=db_lifespan)


@router.get("/")
async def index() -> str:  # pragma: no cover - never served
    return "unreachable"


app = FastCore(lifespan=app_lifespan)
app.include_router(router)
