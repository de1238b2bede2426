"""Lifespans as FastAPI takes them, beyond Starlette 1.x: generator functions and event handlers.

- ``lifespan=`` may be a plain or async generator function (Starlette deprecates both; FastAPI wraps
  them itself): ``from_function`` turns it into an async context manager factory.
- ``on_startup=`` / ``on_shutdown=`` / ``on_event(...)`` handlers (Starlette 1.x dropped them): a
  router given no ``lifespan=`` runs them through ``EventLifespan``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Protocol, cast

from starlette._utils import is_async_callable
from starlette.types import Lifespan

__all__ = ["ON_EVENT_DEPRECATED", "EventLifespan", "from_function"]

ON_EVENT_DEPRECATED = (
    "on_event is deprecated, use lifespan event handlers instead. "
    "Read more about it in the FastAPI docs for Lifespan Events: https://fastapi.tiangolo.com/advanced/events/"
)


class _HasHandlers(Protocol):
    on_startup: list[Callable[[], Any]]
    on_shutdown: list[Callable[[], Any]]


def from_function(lifespan: Any) -> Lifespan[Any] | None:
    """``lifespan`` as an async context manager factory; other values are returned as they are."""
    if inspect.isasyncgenfunction(lifespan):
        return asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        enter = contextmanager(lifespan)

        @asynccontextmanager
        async def run(app: Any) -> AsyncIterator[Any]:
            # On the loop, as Starlette's own wrapper ran it: a sync lifespan must not block long.
            with enter(app) as state:
                yield state

        return run
    return cast(Lifespan[Any] | None, lifespan)


class EventLifespan:
    """The lifespan of a router given no ``lifespan=``: its ``on_startup`` / ``on_shutdown`` handlers,
    read when they run (handlers added later count). Sync handlers are called on the loop, as in FastAPI.
    """

    def __init__(self, router: _HasHandlers) -> None:
        self._router = router

    def __call__(self, app: object) -> EventLifespan:
        return self

    async def __aenter__(self) -> None:
        await _run(self._router.on_startup)

    async def __aexit__(self, *exc_info: object) -> None:
        await _run(self._router.on_shutdown)


async def _run(handlers: list[Callable[[], Any]]) -> None:
    for handler in handlers:
        if is_async_callable(handler):
            await handler()
        else:
            handler()
