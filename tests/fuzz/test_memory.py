"""Bounded memory under fuzz traffic: thousands of generated requests (the same builders as the other
fuzz tests, driven by a seeded ``random.Random`` so hypothesis' own bookkeeping is not measured) into
``HttpProtocol`` and into the routed app.  After a warm-up (caches fill), the Python heap traced by
``tracemalloc`` must not grow between two equal later batches, and the process RSS stays in a loose
bound.  ``FASTCORE_FUZZ_EXAMPLES`` sets the batch size.
"""

import asyncio
import gc
import logging
import os
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ._kit import RandomSource, examples
from ._protocol import Problems, build_case, check, run_case
from ._routed import build_request, call, make_app, upstream_upload_leak_closed
from ._routed import check as check_app

BATCH = examples(500)
HEAP_GROWTH_BYTES = 32 * 1024  # over a whole batch, whatever its size: no per-request growth
RSS_GROWTH_BYTES = 32 * 1024 * 1024  # loose: allocator fragmentation, the C parser's buffers


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _measure(step: Callable[[], None]) -> tuple[int, int, int]:
    """(heap growth between batches 2 and 3, RSS growth from batch 1 to 3, heap after batch 3)."""
    for _ in range(BATCH):  # warm-up: caches, free lists, the loop's internals
        step()
    gc.collect()
    rss_start = _rss()
    tracemalloc.start()
    try:
        for _ in range(BATCH):
            step()
        gc.collect()
        after_two = tracemalloc.get_traced_memory()[0]
        for _ in range(BATCH):
            step()
        gc.collect()
        after_three = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after_three - after_two, _rss() - rss_start, after_three


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    try:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    problems = Problems()
    loop.set_exception_handler(problems.loop_handler)
    try:
        yield loop
    finally:
        loop.close()
    assert problems.seen == []


def test_protocol_memory_is_bounded(loop: asyncio.AbstractEventLoop) -> None:
    src = RandomSource(1101)
    problems = Problems()
    logging.getLogger("fastcore").addHandler(problems)

    def step() -> None:
        case = build_case(src)
        check(case, run_case(case, loop))

    try:
        heap, rss, traced = _measure(step)
    finally:
        logging.getLogger("fastcore").removeHandler(problems)
    print(f"protocol: {BATCH} cases per batch, heap growth {heap} B, RSS growth {rss} B, traced {traced} B")
    assert problems.seen == []
    assert heap < HEAP_GROWTH_BYTES, f"heap grew {heap} bytes over {BATCH} cases"
    assert rss < RSS_GROWTH_BYTES, f"RSS grew {rss} bytes over {2 * BATCH} cases"


def test_app_memory_is_bounded(loop: asyncio.AbstractEventLoop) -> None:
    src = RandomSource(2202)
    app: Any = make_app()

    def step() -> None:
        request = build_request(src)
        with upstream_upload_leak_closed(request):
            result = loop.run_until_complete(call(app, request))
        check_app(request, result)

    # python-multipart logs a warning per malformed form; pytest keeps every record of the test, which
    # would be measured as growth.
    multipart_log = logging.getLogger("python_multipart")
    level = multipart_log.level
    multipart_log.setLevel(logging.ERROR)
    try:
        heap, rss, traced = _measure(step)
    finally:
        multipart_log.setLevel(level)
    print(f"app: {BATCH} requests per batch, heap growth {heap} B, RSS growth {rss} B, traced {traced} B")
    assert heap < HEAP_GROWTH_BYTES, f"heap grew {heap} bytes over {BATCH} requests"
    assert rss < RSS_GROWTH_BYTES, f"RSS grew {rss} bytes over {2 * BATCH} requests"
