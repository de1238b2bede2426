"""``fastcore.concurrency``: blocking context managers entered and exited in worker threads."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import anyio
import pytest

from fastcore.concurrency import contextmanager_in_threadpool


def test_enter_and_exit_run_in_worker_threads() -> None:
    seen: list[str] = []
    loop_thread = threading.get_ident()

    @contextlib.contextmanager
    def resource() -> Iterator[int]:
        seen.append("enter" if threading.get_ident() != loop_thread else "enter-on-loop")
        yield 42
        seen.append("exit" if threading.get_ident() != loop_thread else "exit-on-loop")

    async def main() -> int:
        async with contextmanager_in_threadpool(resource()) as value:
            return value

    assert anyio.run(main) == 42
    assert seen == ["enter", "exit"]


def test_exceptions_reach_exit_which_may_swallow_them() -> None:
    caught: list[BaseException] = []

    @contextlib.contextmanager
    def swallowing() -> Iterator[None]:
        try:
            yield
        except ValueError as exc:
            caught.append(exc)

    async def swallowed() -> str:
        async with contextmanager_in_threadpool(swallowing()):
            raise ValueError("boom")
        return "after"

    assert anyio.run(swallowed) == "after"
    assert [str(e) for e in caught] == ["boom"]

    @contextlib.contextmanager
    def passing() -> Iterator[None]:
        yield

    async def propagated() -> None:
        async with contextmanager_in_threadpool(passing()):
            raise KeyError("k")

    with pytest.raises(KeyError):
        anyio.run(propagated)


def test_exit_does_not_wait_for_the_shared_thread_pool() -> None:
    # Every thread of the shared pool busy (its one token held here): __exit__ still runs, on a
    # limiter of its own, where a __exit__ queued behind the pool would wait forever.
    exited: list[bool] = []

    @contextlib.contextmanager
    def resource() -> Iterator[None]:
        yield
        exited.append(True)

    async def main() -> None:
        limiter = anyio.to_thread.current_default_thread_limiter()
        original, holder = limiter.total_tokens, object()
        with anyio.fail_after(5):
            async with contextmanager_in_threadpool(resource()):
                limiter.total_tokens = 1
                await limiter.acquire_on_behalf_of(holder)
        limiter.release_on_behalf_of(holder)
        limiter.total_tokens = original

    anyio.run(main)
    assert exited == [True]
