"""One benchmark cell (framework x scenario) in its own process.

Protocol (JSON lines on the original stdout; the app's own prints are sent to stderr):

1. build the app, run its lifespan startup, check one response, warm up, then print
   ``{"ready": true, "requests": N, ...}``, or ``{"skip": why}`` / ``{"error": why}`` and exit;
2. for every ``run`` line read on stdin, time N requests and print ``{"rps": ..., "seconds": ...}``;
3. on end of input, run lifespan shutdown and exit.

The parent sends ``run`` to one worker at a time, so timed rounds never overlap.
"""

import argparse
import asyncio
import gc
import json
import os
import sys
import time
import traceback
from typing import Any, TextIO

from .apps import SCENARIOS, Scenario, raw_app
from .asgi import (
    ASGIApp,
    BadResponse,
    Lifespan,
    Receive,
    StatusCounter,
    check_response,
    http_scope,
    make_receive,
)
from .frameworks import FRAMEWORKS, Framework, FrameworkUnavailable, load_kit, version_of

MIN_REQUESTS = 50
MAX_REQUESTS = 2_000_000


def build_app(framework: Framework, scenario: Scenario) -> ASGIApp:
    if framework.style == "raw":
        return raw_app(scenario)
    if framework.style == "starlette":
        if scenario.build_starlette is None:
            raise FrameworkUnavailable(f"no plain Starlette variant of {scenario.name!r}")
        return scenario.build_starlette()
    return scenario.build_fastapi(load_kit(framework))


def compiled_modules(package: str) -> dict[str, str | None]:
    """Submodules of ``package`` loaded from extension modules (proof the compiled code ran)."""
    return {
        name: getattr(mod, "__file__", None)
        for name, mod in sorted(sys.modules.items())
        if name.startswith(package + "._")
        and str(getattr(mod, "__file__", "")).endswith((".so", ".pyd"))
    }


async def timed_round(app: ASGIApp, template: dict[str, Any], receive: Receive, n: int) -> float:
    """Seconds taken by ``n`` sequential requests; raises if any answer was not a 200."""
    rec = StatusCounter()
    send = rec.send
    copy = template.copy
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(n):
        await app(copy(), receive, send)
    elapsed = time.perf_counter() - t0
    statuses = rec.statuses()
    if len(statuses) != n or any(s != 200 for s in statuses):
        bad = sorted({s for s in statuses if s != 200})
        raise RuntimeError(f"{len(statuses)} responses for {n} requests, non-200 statuses {bad}")
    return elapsed


async def warm_up(
    app: ASGIApp, template: dict[str, Any], receive: Receive, seconds: float
) -> float:
    """Run requests for about ``seconds``; returns the mean seconds per request."""
    count, elapsed, batch = 0, 0.0, 10
    while elapsed < seconds or count < 2 * MIN_REQUESTS:
        elapsed += await timed_round(app, template, receive, batch)
        count += batch
        batch = min(batch * 2, 10_000)
    return elapsed / count


async def serve(args: argparse.Namespace, out: TextIO) -> int:
    def emit(obj: dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    framework, scenario = FRAMEWORKS[args.framework], SCENARIOS[args.scenario]
    try:
        app = build_app(framework, scenario)
    except FrameworkUnavailable as exc:
        emit({"skip": str(exc)})
        return 0
    template = http_scope(
        scenario.path, scenario.query, scenario.request_headers, scenario.method, scenario.body
    )
    receive = make_receive(scenario.body)
    lifespan = Lifespan(app)
    try:
        await lifespan.startup()
        await check_response(app, template, scenario.expected, receive)
        per_request = await warm_up(app, template, receive, args.warmup)
    except BadResponse as exc:  # the message says it all; the harness's frames would be noise
        emit({"error": f"wrong response: {exc}"})
        return 1
    except Exception as exc:
        emit({"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})
        return 1
    n = args.requests or round(args.duration / per_request)
    n = max(MIN_REQUESTS, min(MAX_REQUESTS, n))
    emit(
        {
            "ready": True,
            "requests": n,
            "warmup_us": per_request * 1e6,
            "framework": version_of(framework),
            "compiled": compiled_modules(framework.module.split(".")[0]),
            "loop": type(asyncio.get_running_loop()).__module__,
            "lifespan": lifespan.supported,
        }
    )
    # Blocking reads are fine: nothing else runs on this loop between rounds.
    for line in sys.stdin:
        if line.strip() != "run":
            continue
        try:
            seconds = await timed_round(app, template, receive, n)
        except Exception as exc:
            emit({"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})
            return 1
        emit({"rps": n / seconds, "seconds": seconds})
    await lifespan.shutdown()
    return 0


def new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._worker")
    parser.add_argument("--framework", required=True, choices=sorted(FRAMEWORKS))
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--requests", type=int, default=0, help="per round; 0 = from --duration")
    parser.add_argument("--duration", type=float, default=0.5, help="target seconds per round")
    parser.add_argument("--warmup", type=float, default=0.3, help="seconds of warm-up")
    args = parser.parse_args()
    # The protocol owns the real stdout; anything the app prints goes to stderr instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    loop = new_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(serve(args, out))
    finally:
        loop.close()


if __name__ == "__main__":
    sys.exit(main())
