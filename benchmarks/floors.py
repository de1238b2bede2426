"""What the ported-app scenarios (issue 13) cannot go below, measured on this machine.

``python -m benchmarks.floors`` times the pieces a framework cannot avoid in each scenario, outside
any framework, and prints the best ratio against FastAPI they leave (FastAPI's time from the same
run of ``python -m benchmarks inprocess``, passed with ``--fastapi-us SCENARIO=US``, else not shown):

- ``sync``: one round trip loop -> worker thread -> loop (a ``SimpleQueue`` and
  ``call_soon_threadsafe``, the least any thread pool does), sequential as the in-process suite is;
- ``pyd-body``: pydantic-core parsing and validating the body, and writing the model back as JSON;
- ``pyd-list100``: msgspec encoding the 100 models' field dicts (the fastest encoder we have for
  them; pydantic-core's ``dump_json`` takes about twice as long).

Add fastcore's own cost of an empty request (the ``json`` scenario's µs/req) to each piece to get
the floor a framework built on these libraries meets.  Best of 7 repeats: the floor, not a median.

The thread round trip depends on the other core more than on code: when it is idle (a quiet box,
as the in-process suite wants), waking a thread there costs tens of microseconds on a virtual
machine; when it is busy, a few.  Run this in the same conditions as the suite it explains.
"""

from __future__ import annotations

import argparse
import asyncio
import queue
import threading
import time
import timeit
from collections.abc import Callable
from typing import Any

from .apps import ITEMS, ORDER_ECHO, item_model, order_model


def best_us(fn: Callable[[], Any], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def thread_round_trip_us(calls: int = 3000) -> float:
    """Microseconds per sequential hop to a waiting worker thread and back."""

    async def main() -> float:
        loop = asyncio.get_running_loop()
        jobs: queue.SimpleQueue[asyncio.Future[int] | None] = queue.SimpleQueue()

        def worker() -> None:
            while (future := jobs.get()) is not None:
                loop.call_soon_threadsafe(future.set_result, 1)

        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        rounds = []
        for _ in range(7):
            start = time.perf_counter()
            for _ in range(calls):
                future = loop.create_future()
                jobs.put(future)
                await future
            rounds.append((time.perf_counter() - start) / calls * 1e6)
        jobs.put(None)
        thread.join()
        return min(rounds)

    try:
        import uvloop

        return uvloop.run(main())
    except ImportError:
        return asyncio.run(main())


def pieces() -> dict[str, tuple[str, float]]:
    import msgspec

    order = order_model()
    body = ORDER_ECHO if isinstance(ORDER_ECHO, bytes) else msgspec.json.encode(ORDER_ECHO)
    validated = order.model_validate_json(body)
    serializer = order.__pydantic_serializer__
    item = item_model("pydantic")
    items = [item(**fields) for fields in ITEMS]
    dicts = [model.__dict__ for model in items]
    encode = msgspec.json.Encoder().encode
    parse = best_us(lambda: order.model_validate_json(body), 20_000)
    write = best_us(lambda: serializer.to_json(validated), 20_000)
    return {
        "sync": ("thread round trip", thread_round_trip_us()),
        "pyd-body": ("validate_json + to_json", parse + write),
        "pyd-list100": ("msgspec encode of 100 field dicts", best_us(lambda: encode(dicts), 3_000)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floors", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--fastapi-us", action="append", default=[], metavar="SCENARIO=US",
        help="FastAPI's µs/req for a scenario (from `python -m benchmarks inprocess`): prints the best ratio",
    )
    parser.add_argument(
        "--request-us", type=float, default=None,
        help="fastcore's µs/req in the json scenario (an empty request), added to each piece",
    )
    args = parser.parse_args(argv)
    fastapi = {name: float(us) for name, _, us in (a.partition("=") for a in args.fastapi_us)}
    for scenario, (what, us) in pieces().items():
        line = f"{scenario:12} {what:36} {us:7.1f} µs"
        if args.request_us is not None:
            floor = us + args.request_us
            line += f"   floor {floor:6.1f} µs"
            if scenario in fastapi:
                line += f"   best ratio vs FastAPI {fastapi[scenario] / floor:5.2f}x"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
