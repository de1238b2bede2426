"""The worker threads that run sync dependencies and ``def`` handlers: one hop per call, low latency.

``starlette.concurrency.run_in_threadpool`` (anyio) costs about a hundred microseconds per call:
a capacity limiter, a cancel scope, a worker-thread handshake and a result queue.  A request's sync
callables need less: hand the call to a thread, wake the loop when it returns.  A ``SyncExecutor``
does that with a queue of jobs and ``loop.call_soon_threadsafe`` for the answers, while keeping what
users rely on from anyio:

- the caller's ``contextvars`` are copied into the call;
- at most ``limit`` calls run at once (anyio's default limiter has 40 tokens; so does this); the rest
  wait in the queue, in order;
- the call's exception is raised in the caller;
- cancellation waits for the call to finish, as ``anyio.to_thread.run_sync`` does by default, so
  nothing it set up is left behind;
- ``anyio.from_thread.run(...)`` works inside the call: the thread carries anyio's event-loop token
  while it runs a job (the one private anyio name we lean on, checked by
  ``tests/test_executor.py::test_anyio_from_thread_needs_the_worker_token``).

PERF: under load, what costs is not the call but thread wake-ups and GIL hand-offs (measured over
the wire on one core: about five context switches per request when every job woke a worker, which
then took the GIL at the loop's next release and ran that one job).  So:

- **one worker wake-up per loop iteration.**  A job goes into the queue; the loop wakes a worker
  (when none is awake) once the iteration that queued jobs is over, and the worker takes every
  queued job before it sleeps again.
- **few threads for short work.**  While a worker is awake, new jobs wait for it.  One more thread
  is woken (or started, up to ``limit``) only for a job that has waited ``grow_after`` seconds
  (default 10 ms): the awake workers are blocked (a database call), so blocking work still gets up
  to ``limit`` threads.  Sleeping threads are woken last-in first-out, so the ones not needed stop
  after ``idle_timeout`` seconds.
- **one loop wake-up per batch.**  Answers go to the loop's outbox; only the first answer after the
  loop emptied it calls ``call_soon_threadsafe``, and the loop hands out every answer in it at once.

Jobs carry their own loop, so one executor serves every loop (the TestClient's portal threads too).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import time
import weakref
from collections import deque
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
# A job that waited this long gets another thread: the awake ones are blocked.  Above the GIL's
# 5 ms switch interval, so waiting for the GIL (or a core shared with other processes) rarely counts.
_GROW_AFTER = 0.010

_monotonic = time.monotonic


class _Outbox:
    """One loop's answers on their way from the workers: one ``call_soon_threadsafe`` per batch."""

    __slots__ = ("alone", "answers", "flush", "lock", "wakeups", "woken")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: list[tuple[_Job, Any, BaseException | None]] = []
        self.woken = False  # a wake-up is on its way: answers put now will be handed out with it
        self.wakeups = 0  # loop wake-ups asked for (tests read it)
        self.flush = False  # the loop will wake a worker for the jobs it queued in this iteration
        # The loop's jobs come one at a time (each found every worker asleep): a worker is woken
        # at once, as there is no batch to wait for.  Cleared when a job finds a worker awake.
        self.alone = False


class _Job:
    __slots__ = ("args", "context", "done", "func", "future", "loop", "outbox", "queued_at", "waiter")

    def __init__(
        self,
        context: contextvars.Context,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        outbox: _Outbox,
    ) -> None:
        self.context = context
        self.func = func
        self.args = args
        self.loop = loop
        self.future = future
        self.outbox = outbox
        self.queued_at = 0.0
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


def _deliver_all(outbox: _Outbox) -> None:
    """On the loop: every answer the workers put in its outbox since the last wake-up."""
    with outbox.lock:
        answers = outbox.answers
        outbox.answers = []
        outbox.woken = False
    for job, result, error in answers:
        _deliver(job, result, error)


class SyncExecutor:
    """Runs blocking callables in worker threads for coroutines; at most ``limit`` at once."""

    def __init__(
        self,
        limit: int = DEFAULT_THREAD_LIMIT,
        *,
        idle_timeout: float = _IDLE_TIMEOUT,
        grow_after: float = _GROW_AFTER,
    ) -> None:
        if limit < 1:
            raise ValueError("the thread limit must be at least 1")
        self._limit = limit
        self.idle_timeout = idle_timeout
        self.grow_after = grow_after
        self._lock = threading.Lock()
        self._jobs: deque[_Job] = deque()  # waiting for a worker, oldest first
        self._sleeping: list[threading.Lock] = []  # idle workers' wake-up locks, last to sleep last
        self._threads = 0  # worker threads alive
        self._awake = 0  # alive and not sleeping: running a job, or about to look for one
        self._waking = 0  # woken or started, not yet at the queue: each will take a job soon
        self._spawned = 0  # for thread names
        self._check_due = 0.0  # when the armed check for waiting jobs runs (0: none armed)
        self._outboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Outbox] = (
            weakref.WeakKeyDictionary()
        )
        self._last: tuple[asyncio.AbstractEventLoop | None, _Outbox] = (None, _Outbox())

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
            wake = self._sleeping[-surplus:] if surplus > 0 else []
            del self._sleeping[len(self._sleeping) - len(wake) :]
            self._awake += len(wake)
            self._waking += len(wake)
        for wakeup in wake:
            wakeup.release()  # it finds too many threads alive and stops

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
        last = self._last  # PERF: one tuple read, safe with loops in several threads
        outbox = last[1] if last[0] is loop else self._outbox(loop)
        future: asyncio.Future[T] = loop.create_future()
        job = _Job(contextvars.copy_context(), func, args, loop, future, outbox)
        self._submit(job)
        try:
            return await future
        except asyncio.CancelledError:
            # anyio's rule: a thread cannot be interrupted, so the caller waits for it to finish
            # (a dependency's set-up registers its clean-up; it must not happen after we move on).
            await self._wait_out(job)
            raise

    def _outbox(self, loop: asyncio.AbstractEventLoop) -> _Outbox:
        with self._lock:
            outbox = self._outboxes.get(loop)
            if outbox is None:
                outbox = self._outboxes[loop] = _Outbox()
        self._last = (loop, outbox)
        return outbox

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
        """On the job's loop: queue it; a worker is woken once the loop iteration has queued its jobs."""
        now = job.queued_at = _monotonic()
        arm = False
        outbox = job.outbox
        with self._lock:
            jobs = self._jobs
            jobs.append(job)
            if self._awake == 0 and outbox.alone:
                # PERF: sequential calls (each finds the workers asleep): one is woken right away,
                # a loop iteration sooner (~20 µs a call here), as no other job will join it.
                flush = False
                wake = self._wake(1)
            elif self._awake == 0:
                # PERF: wake no worker yet: it would take the GIL at the loop's next release and
                # run this job alone.  Woken after this iteration, it runs all of the iteration's.
                flush = not outbox.flush
                outbox.flush = True
                wake = []
            else:
                outbox.alone = False  # calls overlap: batch them again
                flush = False
                if now - jobs[0].queued_at >= self.grow_after and (
                    self._sleeping or self._threads < self._limit
                ):
                    wake = self._wake(self._overdue(now))
                else:
                    wake = []
                if len(jobs) > self._waking and now >= self._check_due:
                    # Nobody else looks at the queue if the awake workers are blocked: check back.
                    self._check_due = now + self.grow_after
                    arm = True
        for wakeup in wake:
            wakeup.release()
        if flush:
            job.loop.call_soon(self._flush, outbox, job.loop)
        if arm:
            job.loop.call_later(self.grow_after, self._check, job.loop)

    def _flush(self, outbox: _Outbox, loop: asyncio.AbstractEventLoop) -> None:
        """On a loop, after the iteration that queued jobs: wake a worker if none is awake."""
        now = _monotonic()
        arm = False
        with self._lock:
            outbox.flush = False
            outbox.alone = len(self._jobs) == 1  # this iteration queued one job: no batch to wait for
            wake = self._wake(1) if self._awake == 0 and self._jobs else []
            if len(self._jobs) > self._waking and now >= self._check_due:
                self._check_due = now + self.grow_after
                arm = True
        for wakeup in wake:
            wakeup.release()
        if arm:
            loop.call_later(self.grow_after, self._check, loop)

    def _check(self, loop: asyncio.AbstractEventLoop) -> None:
        """On a loop, after a job was queued: more threads for the jobs still waiting."""
        now = _monotonic()
        delay = 0.0
        with self._lock:
            self._check_due = 0.0
            wake = self._wake(self._overdue(now))
            if self._jobs and (self._sleeping or self._threads < self._limit):
                delay = max(self._jobs[0].queued_at + self.grow_after - now, self.grow_after / 4)
                self._check_due = now + delay
        for wakeup in wake:
            wakeup.release()
        if delay:
            loop.call_later(delay, self._check, loop)

    def _overdue(self, now: float) -> int:
        """Under the lock: queued jobs that waited ``grow_after`` and no woken worker will take."""
        limit = now - self.grow_after
        count = 0
        for job in self._jobs:
            if job.queued_at > limit:
                break
            count += 1
        return count - self._waking

    def _wake(self, count: int) -> list[threading.Lock]:
        """Under the lock: wake (or start, up to the limit) ``count`` workers; returns locks to release."""
        wake: list[threading.Lock] = []
        sleeping = self._sleeping
        while count > 0:
            if sleeping:
                wake.append(sleeping.pop())
            elif self._threads < self._limit:
                self._threads += 1
                self._spawned += 1
                wakeup = threading.Lock()
                wakeup.acquire()
                wake.append(wakeup)
                name = f"fastcore-sync-{self._spawned}"
                threading.Thread(target=self._work, args=(wakeup,), name=name, daemon=True).start()
            else:
                break
            self._awake += 1
            self._waking += 1
            count -= 1
        return wake

    def _work(self, wakeup: threading.Lock) -> None:
        lock = self._lock
        jobs = self._jobs
        sleeping = self._sleeping
        locals_ = threadlocals
        token_loop: Any = None
        token: Any = None
        # ``wakeup`` is held while this worker runs; whoever wakes it (or started it) releases it.
        wakeup.acquire()
        while True:
            with lock:
                self._waking -= 1
            while True:
                with lock:
                    if self._threads > self._limit:  # the limit was lowered
                        self._threads -= 1
                        self._awake -= 1
                        return
                    if not jobs:
                        self._awake -= 1
                        sleeping.append(wakeup)
                        break
                    job = jobs.popleft()
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
                # PERF: with no job left, go to sleep before answering, so that this thread blocks
                # (and lets go of the GIL) right after: the loop, woken by the answer, then does
                # not wait for the GIL while this thread does its bookkeeping.
                with lock:
                    asleep = not jobs and self._threads <= self._limit
                    if asleep:
                        self._awake -= 1
                        sleeping.append(wakeup)
                outbox = job.outbox
                with outbox.lock:
                    outbox.answers.append((job, result, error))
                    woken = outbox.woken
                    if not woken:
                        outbox.woken = True
                        outbox.wakeups += 1
                if not woken:
                    try:
                        job.loop.call_soon_threadsafe(_deliver_all, outbox)
                    except RuntimeError:
                        pass  # the loop closed while the call ran: nobody is waiting any more
                del job, result, error, outbox
                if asleep:
                    break
            if not wakeup.acquire(timeout=self.idle_timeout):
                with lock:
                    if wakeup in sleeping:
                        sleeping.remove(wakeup)
                        self._threads -= 1
                        return
                wakeup.acquire()  # woken just as the wait ran out: the release is on its way
