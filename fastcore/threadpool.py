"""The worker threads that run sync dependencies and ``def`` handlers: one hop per call, low latency.

``starlette.concurrency.run_in_threadpool`` (anyio) costs about a hundred microseconds per call:
a capacity limiter, a cancel scope, a worker-thread handshake and a result queue.  A request's sync
callables need less: hand the call to an idle thread, wake the loop when it returns.  A
``SyncExecutor`` does that with a ``SimpleQueue`` of jobs and ``loop.call_soon_threadsafe`` for the
answer — two thread wake-ups per call — while keeping what users rely on from anyio:

- the caller's ``contextvars`` are copied into the call;
- at most ``limit`` calls run at once (anyio's default limiter has 40 tokens; so does this); the rest
  wait in the queue, in order;
- the call's exception is raised in the caller;
- cancellation waits for the call to finish, as ``anyio.to_thread.run_sync`` does by default, so
  nothing it set up is left behind;
- ``anyio.from_thread.run(...)`` works inside the call: the thread carries anyio's event-loop token
  while it runs a job (the one private anyio name we lean on, checked by
  ``tests/test_threadpool.py::test_anyio_worker_token_assumption``).

Threads start on demand, up to ``limit``, and stop after ``idle_timeout`` seconds without work.
Jobs carry their own loop, so one executor serves every loop (the TestClient's portal threads too).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from anyio._backends._asyncio import AsyncIOBackend
from anyio._core._eventloop import threadlocals
from anyio.lowlevel import EventLoopToken

__all__ = ["DEFAULT_THREAD_LIMIT", "SyncExecutor"]

T = TypeVar("T")

DEFAULT_THREAD_LIMIT = 40  # anyio's default thread limiter, which FastAPI uses
_IDLE_TIMEOUT = 10.0  # anyio's too


class _Job:
    __slots__ = ("args", "context", "done", "func", "future", "loop", "waiter")

    def __init__(
        self,
        context: contextvars.Context,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
    ) -> None:
        self.context = context
        self.func = func
        self.args = args
        self.loop = loop
        self.future = future
        # Set only when the caller was cancelled: it waits here for the call to finish.
        self.waiter: asyncio.Future[None] | None = None
        self.done = False  # the outcome reached the loop


def _deliver(job: _Job, result: Any, error: BaseException | None) -> None:
    """On the loop: hand the call's outcome to the waiting caller."""
    job.done = True
    future = job.future
    if not future.cancelled():
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
    waiter = job.waiter
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class SyncExecutor:
    """Runs blocking callables in worker threads for coroutines; at most ``limit`` at once."""

    def __init__(self, limit: int = DEFAULT_THREAD_LIMIT, *, idle_timeout: float = _IDLE_TIMEOUT) -> None:
        if limit < 1:
            raise ValueError("the thread limit must be at least 1")
        self._limit = limit
        self.idle_timeout = idle_timeout
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0  # worker threads alive
        self._busy = 0  # jobs submitted and not finished
        self._spawned = 0  # for thread names

    @property
    def limit(self) -> int:
        """The most calls that run at once; may be raised or lowered while serving."""
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        if value < 1:
            raise ValueError("the thread limit must be at least 1")
        with self._lock:
            self._limit = value
            surplus = self._threads - value
        for _ in range(max(surplus, 0)):
            self._jobs.put(None)  # a surplus thread takes it and stops

    @property
    def threads(self) -> int:
        """Worker threads alive now."""
        return self._threads

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` in a worker thread, in a copy of the caller's context."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # Not on asyncio (anyio's trio backend): anyio's own worker threads, as FastAPI uses.
            return await anyio.to_thread.run_sync(functools.partial(func, *args))
        future: asyncio.Future[T] = loop.create_future()
        job = _Job(contextvars.copy_context(), func, args, loop, future)
        self._submit(job)
        try:
            return await future
        except asyncio.CancelledError:
            # anyio's rule: a thread cannot be interrupted, so the caller waits for it to finish
            # (a dependency's set-up registers its clean-up; it must not happen after we move on).
            await self._wait_out(job)
            raise

    async def _wait_out(self, job: _Job) -> None:
        if job.done:
            return
        waiter = job.waiter = job.loop.create_future()
        while not waiter.done():
            try:
                await asyncio.shield(waiter)
            except asyncio.CancelledError:
                continue

    def _submit(self, job: _Job) -> None:
        with self._lock:
            self._busy += 1
            self._jobs.put(job)
            spawn = self._busy > self._threads and self._threads < self._limit
            if spawn:
                self._threads += 1
                self._spawned += 1
                number = self._spawned
        if spawn:
            thread = threading.Thread(target=self._work, name=f"fastcore-sync-{number}", daemon=True)
            thread.start()

    def _work(self) -> None:
        jobs = self._jobs
        locals_ = threadlocals
        token_loop: Any = None
        token: Any = None
        while True:
            try:
                job = jobs.get(timeout=self.idle_timeout)
            except queue.Empty:
                with self._lock:
                    if not jobs.empty():
                        continue
                    self._threads -= 1
                    return
            if job is None:
                with self._lock:
                    if self._threads > self._limit:
                        self._threads -= 1
                        return
                continue
            result: Any = None
            error: BaseException | None = None
            if not job.future.cancelled():  # a caller cancelled before its job started: skip it
                if job.loop is not token_loop:
                    token_loop, token = job.loop, EventLoopToken(AsyncIOBackend, job.loop)
                locals_.current_token = token
                try:
                    result = job.context.run(job.func, *job.args)
                except BaseException as exc:
                    error = exc
                finally:
                    del locals_.current_token
            with self._lock:
                self._busy -= 1
            try:
                job.loop.call_soon_threadsafe(_deliver, job, result, error)
            except RuntimeError:
                pass  # the loop closed while the call ran: nobody is waiting any more
            del job, result, error
