"""Running blocking code from async code: FastAPI's ``fastapi.concurrency`` names.

``run_in_threadpool``, ``iterate_in_threadpool`` and ``run_until_first_complete`` are Starlette's;
``contextmanager_in_threadpool`` enters and exits a blocking context manager in worker threads, as
yield dependencies written with plain ``def`` need.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import anyio
import anyio.to_thread
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool, run_until_first_complete

__all__ = [
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
