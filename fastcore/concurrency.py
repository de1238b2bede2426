"""Running blocking code from async code: FastAPI's ``fastapi.concurrency`` names.

``run_in_threadpool``, ``iterate_in_threadpool`` and ``run_until_first_complete`` are Starlette's;
``contextmanager_in_threadpool`` enters and exits a blocking context manager in worker threads, as
yield dependencies written with plain ``def`` need.  ``DependencyLimit`` is the accounting behind
``Depends(..., max_concurrency=N)``.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator
from typing import TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool, run_until_first_complete

__all__ = [
    "DependencyLimit",
    "contextmanager_in_threadpool",
    "iterate_in_threadpool",
    "run_in_threadpool",
    "run_until_first_complete",
]

T = TypeVar("T")


@contextlib.asynccontextmanager
async def contextmanager_in_threadpool(cm: contextlib.AbstractContextManager[T]) -> AsyncIterator[T]:
    """``async with`` over a blocking context manager: ``__enter__`` and ``__exit__`` in threads.

    ``__exit__`` gets a limiter of its own: were it to wait for a free thread of the shared pool,
    a context manager that itself waits on a pool (a connection pool, say) could deadlock with the
    requests holding those threads.  Clean-up is shielded from cancellation, and runs only once
    ``__enter__`` has returned.
    """
    value = await anyio.to_thread.run_sync(cm.__enter__)
    exit_limiter = anyio.CapacityLimiter(1)
    try:
        yield value
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            swallowed = await anyio.to_thread.run_sync(
                cm.__exit__, type(exc), exc, exc.__traceback__, limiter=exit_limiter
            )
        if not swallowed:
            raise
    else:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(cm.__exit__, None, None, None, limiter=exit_limiter)


# One table per event loop (a semaphore belongs to the loop it was made on: an app served by two
# loops, or by the TestClient's and then pytest's, gets one per loop).  Weak keys: a declaration
# that is collected takes its semaphores with it.
_semaphores: RunVar[weakref.WeakKeyDictionary[DependencyLimit, anyio.Semaphore]] = RunVar(
    "fastcore_dependency_semaphores"
)


class DependencyLimit:
    """``Depends(..., max_concurrency=N)``'s accounting: at most N calls at once, per event loop.

    One per declaration, shared by every route (and app) that uses that declaration.
    """

    __slots__ = ("__weakref__", "max_concurrency")

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency

    def get_semaphore(self) -> anyio.Semaphore:
        """This declaration's semaphore on the running event loop (FastAPI's name for it)."""
        table = _semaphores.get(None)
        if table is None:
            table = weakref.WeakKeyDictionary()
            _semaphores.set(table)
        semaphore = table.get(self)
        if semaphore is None:
            semaphore = table[self] = anyio.Semaphore(self.max_concurrency)
        return semaphore


@contextlib.asynccontextmanager
async def holding(
    semaphore: anyio.Semaphore, cm: contextlib.AbstractAsyncContextManager[T]
) -> AsyncIterator[T]:
    """``cm`` entered once a slot of ``semaphore`` is free, the slot kept until ``cm`` has exited."""
    async with semaphore, cm as value:
        yield value
