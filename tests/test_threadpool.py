"""Tests for ``fastcore.threadpool.SyncExecutor``'s scheduling: short jobs batched on few threads and
few wake-ups, blocking jobs still spread over threads up to the limit, idle threads stopping, the
limit lowered while serving, one executor shared by loops in several threads.  The semantics users
rely on (contextvars, exceptions, cancellation, ``anyio.from_thread``) are in ``test_executor.py``."""

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from fastcore.threadpool import SyncExecutor


class Running:
    """Counts the calls running at once, and the most seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def sleeper(self, seconds: float) -> Callable[[], str]:
        def call() -> str:
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            time.sleep(seconds)
            with self.lock:
                self.now -= 1
            return threading.current_thread().name

        return call


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_short_jobs_are_batched_on_one_thread() -> None:
    """50 jobs queued in one loop iteration: one worker runs them; the loop is woken a few times."""
    executor = SyncExecutor()
    wakeups: list[int] = []

    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        threadsafe = loop.call_soon_threadsafe

        def counting(*args: Any, **kwargs: Any) -> Any:
            wakeups.append(1)
            return threadsafe(*args, **kwargs)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]
        results = []
        for _ in range(5):  # the first round starts the thread
            results += await asyncio.wait_for(
                asyncio.gather(*(executor.run(threading.get_ident) for _ in range(50))), 10
            )
        return results

    wakeups.clear()
    idents = asyncio.run(main())
    assert len(idents) == 250
    assert len(set(idents)) == 1 and executor.threads == 1
    assert len(wakeups) <= 15  # one per batch of answers, not one per job (250)


def test_blocking_jobs_get_threads_up_to_the_limit() -> None:
    executor = SyncExecutor()
    running = Running()

    async def main() -> list[str]:
        calls = [executor.run(running.sleeper(0.2)) for _ in range(10)]
        return await asyncio.wait_for(asyncio.gather(*calls), 10)

    started = time.monotonic()
    names = asyncio.run(main())
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, elapsed  # one thread would take 2 s
    assert running.most >= 5 and len(set(names)) >= 5


def test_short_jobs_are_not_stuck_behind_a_blocked_worker() -> None:
    executor = SyncExecutor()

    async def main() -> float:
        blocked = asyncio.ensure_future(executor.run(time.sleep, 1.0))
        await asyncio.sleep(0.05)  # the only worker is in the blocking call
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(executor.run(int) for _ in range(20))), 5)
        took = time.monotonic() - started
        await blocked
        return took

    assert asyncio.run(main()) < 0.5


def test_thread_limit_holds_while_threads_are_added() -> None:
    executor = SyncExecutor(3)
    running = Running()

    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(*(executor.run(running.sleeper(0.1)) for _ in range(9))), 10)

    started = time.monotonic()
    asyncio.run(main())
    assert running.most == 3 and executor.threads <= 3
    assert time.monotonic() - started < 1.0  # 3 rounds of 0.1 s, and the wait to add threads


def test_idle_threads_stop() -> None:
    executor = SyncExecutor(idle_timeout=0.1)
    running = Running()

    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(*(executor.run(running.sleeper(0.1)) for _ in range(4))), 10)

    asyncio.run(main())
    assert executor.threads >= 2
    assert wait_until(lambda: executor.threads == 0)
    assert asyncio.run(executor.run(int, "7")) == 7  # and it starts again


def test_lowering_the_limit_stops_surplus_threads() -> None:
    executor = SyncExecutor(8)
    running = Running()

    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(*(executor.run(running.sleeper(0.1)) for _ in range(8))), 10)

    asyncio.run(main())
    assert executor.threads >= 4
    executor.limit = 1
    assert wait_until(lambda: executor.threads == 1)
    running.most = 0
    asyncio.run(main())
    assert running.most == 1


def test_one_executor_serves_loops_in_several_threads() -> None:
    executor = SyncExecutor(4)
    results: dict[int, list[int]] = {}

    def serve(n: int) -> None:
        async def main() -> list[int]:
            calls = [executor.run(lambda i=i: n * 1000 + i) for i in range(200)]
            return await asyncio.wait_for(asyncio.gather(*calls), 10)

        results[n] = asyncio.run(main())

    threads = [threading.Thread(target=serve, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert results == {n: [n * 1000 + i for i in range(200)] for n in range(3)}


def test_sequential_calls_wake_a_worker_at_once_and_overlapping_ones_batch_again() -> None:
    executor = SyncExecutor(limit=4)

    async def main() -> tuple[list[bool], bool]:
        outbox = executor._outbox(asyncio.get_running_loop())
        seen = []
        for i in range(3):  # one at a time: after the first, no batch to wait for
            assert await executor.run(lambda i=i: i) == i
            seen.append(outbox.alone)
        results = await asyncio.gather(*(executor.run(time.sleep, 0.001) for _ in range(20)))
        assert results == [None] * 20
        return seen, outbox.alone

    seen, after_overlap = asyncio.run(main())
    assert seen == [True, True, True]
    assert after_overlap is False
