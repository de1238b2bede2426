from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastcore import FastCore, Request


class Cache:
    def __init__(self) -> None:
        self.data: dict[str, str] = {"greeting": "hi"}
        self.closed = False


class State(TypedDict):
    cache: Cache


@asynccontextmanager
async def lifespan(app: FastCore) -> AsyncIterator[State]:
    cache = Cache()  # opened once, before the first request
    yield {"cache": cache}
    cache.closed = True  # after the last request, when the server shuts down


app = FastCore(lifespan=lifespan)


@app.get("/cache/{key}")
async def read_key(key: str, request: Request):
    cache: Cache = request.state.cache
    return {"key": key, "value": cache.data.get(key)}
