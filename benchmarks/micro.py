"""``python -m benchmarks micro``: each compiled module against the plain-Python way, in one process.

Each compiled module, and what it is measured against (same input, same answer, checked):

- ``_router``: ``Router.match`` finding the first, middle and last of 1,000 routes
  (``/r{i}/items/{item_id:int}``), against Starlette's way: ``Route.matches`` tried on each route of
  the same table in order, as ``starlette.routing.Router`` does.
- ``_params``: ``Conn`` + ``Plan.extract`` (a plan fastcore builds for a handler with a path ``int``, an
  optional query ``str`` and a query ``int`` with ``ge``/``le``), against ``parse_qsl`` + ``int()`` +
  range checks by hand, and ``parse_qsl`` + a pydantic ``TypeAdapter`` over the same fields.
- ``_respond``: ``render_json`` (body and the two ASGI messages), against ``json.dumps`` + the same
  messages, and Starlette's ``JSONResponse`` (which renders and runs ``init_headers``) + its messages.
- ``_http``: ``HttpProtocol`` parsing a GET, building the scope, running a minimal app and writing the
  response on a socket-less transport, against uvicorn's ``HttpToolsProtocol`` on the same bytes,
  app and event loop.

Every case is checked for the right answer before it is timed.  A round times one batch of every
implementation (batches are calibrated to ``--duration`` seconds), rotating the order, so drifts of the
machine hit all alike.  The table shows medians over rounds; the ratio column is the median over
rounds of compiled ops/s / counterpart ops/s, both measured in the same round.

``--check`` exits 1 if any compiled module is not faster than one of its counterparts (a ratio at or
below 1.0), or if fastcore's compiled modules are not the ones loaded.  Counterparts whose library is
not installed (pydantic, uvicorn) are skipped with a message, not failed.
"""

import argparse
import asyncio
import gc
import importlib
import importlib.metadata
import itertools
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

Batch = Callable[[int], float]  # runs n operations, returns the seconds they took
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MODULES = ("_router", "_params", "_respond", "_http")
ROUTE_COUNT = 1000
MIN_RATIO = 1.0  # --check: compiled ops/s must be more than this times the counterpart's


@dataclass(frozen=True)
class Options:
    rounds: int = 21
    duration: float = 0.025  # target seconds per timed batch


QUICK = Options(rounds=7, duration=0.01)


@dataclass
class Impl:
    label: str
    batch: Batch
    compiled: bool = False
    n: int = 0  # operations per batch, from calibration
    ops: list[float] = field(default_factory=list)  # ops/s, one per round

    @property
    def median(self) -> float:
        return statistics.median(self.ops) if self.ops else 0.0


@dataclass
class Case:
    """One workload: the compiled implementation first, then its plain-Python counterparts."""

    module: str
    workload: str
    impls: list[Impl]
    skipped: list[str] = field(default_factory=list)  # counterparts that could not run, and why

    def ratio(self, other: Impl) -> float:
        """Median over rounds of compiled ops/s / ``other`` ops/s, both from the same round."""
        compiled = self.impls[0]
        return statistics.median(c / o for c, o in zip(compiled.ops, other.ops, strict=True))


def _loop_batch(op: Callable[[], object]) -> Batch:
    def batch(n: int) -> float:
        start = time.perf_counter()
        for _ in itertools.repeat(None, n):
            op()
        return time.perf_counter() - start

    return batch


def _check(what: str, got: object, expected: object) -> None:
    if got != expected:
        raise AssertionError(f"{what}: got {got!r}, expected {expected!r}")


# -- _router ----------------------------------------------------------------------------------------


def router_cases() -> list[Case]:
    from starlette.routing import Match, Route

    from fastcore import _router

    templates = [f"/r{i}/items/{{item_id:int}}" for i in range(ROUTE_COUNT)]

    def endpoint(request: object) -> None:  # never called: only matched
        return None

    tree = _router.Router()
    for i, template in enumerate(templates):
        tree.add(template, ["GET"], i)
    routes = [Route(template, endpoint, methods=["GET"]) for template in templates]
    found = _router.FOUND
    full, partial_match = Match.FULL, Match.PARTIAL

    def starlette_match(scope: Scope) -> tuple[Route, Scope] | None:
        # starlette.routing.Router.app's loop: the first full match wins, else the first partial.
        first_partial: tuple[Route, Scope] | None = None
        for route in routes:
            match, child = route.matches(scope)
            if match is full:
                return route, child
            if match is partial_match and first_partial is None:
                first_partial = (route, child)
        return first_partial

    match = tree.match
    cases = []
    for label, i in (("first", 0), ("middle", ROUTE_COUNT // 2), ("last", ROUTE_COUNT - 1)):
        path = f"/r{i}/items/7"
        scope: Scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
        _check("_router.Router.match", tree.match("GET", path), (found, i, {"item_id": 7}))
        hit = starlette_match(scope)
        got = (hit[0].path, hit[1]["path_params"]) if hit else None
        _check("starlette match", got, (templates[i], {"item_id": 7}))
        cases.append(Case("_router", f"match route {i + 1} of {ROUTE_COUNT:,} ({label})", [
            Impl("fastcore._router Router.match", _loop_batch(partial(match, "GET", path)), compiled=True),
            Impl("starlette Route.matches loop", _loop_batch(partial(starlette_match, scope))),
        ]))  # fmt: skip
    return cases


# -- _params ----------------------------------------------------------------------------------------


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Message) -> None:
    return None


def params_cases() -> list[Case]:
    from typing import Annotated
    from urllib.parse import parse_qsl

    from fastcore import Query
    from fastcore._params import Conn
    from fastcore.dependencies import build_dependant

    async def handler(
        item_id: int, q: str | None = None, limit: Annotated[int, Query(ge=1, le=100)] = 10
    ) -> None:
        return None

    plan = build_dependant(handler, path="/items/{item_id}").plan  # the plan a route would get
    scope: dict[str, Any] = {
        "type": "http", "method": "GET", "path": "/items/42", "query_string": b"q=hello&limit=5",
        "headers": [(b"host", b"localhost")], "path_params": {"item_id": "42"},
    }  # fmt: skip
    expected = {"item_id": 42, "q": "hello", "limit": 5}

    def compiled() -> dict[str, Any]:
        errors: list[Any] = []
        values = plan.extract(Conn(scope, _receive, _send), scope["path_params"], errors)
        if errors:
            raise ValueError(errors)
        return values

    def plain() -> dict[str, Any]:
        # What a hand-written Starlette endpoint does (Request.query_params is parse_qsl too).
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        errors = []
        values: dict[str, Any] = {}
        try:
            values["item_id"] = int(scope["path_params"]["item_id"])
        except ValueError:
            errors.append(("path", "item_id"))
        values["q"] = query.get("q")
        raw = query.get("limit")
        if raw is None:
            values["limit"] = 10
        else:
            try:
                limit = int(raw)
            except ValueError:
                errors.append(("query", "limit"))
            else:
                if not 1 <= limit <= 100:
                    errors.append(("query", "limit"))
                values["limit"] = limit
        if errors:
            raise ValueError(errors)
        return values

    _check("_params Plan.extract", compiled(), expected)
    _check("parse_qsl + int()", plain(), expected)
    impls = [
        Impl("fastcore._params Conn + Plan.extract", _loop_batch(compiled), compiled=True),
        Impl("parse_qsl + int() + checks", _loop_batch(plain)),
    ]
    case = Case("_params", "path int + query str + query int (ge, le)", impls)
    try:
        import pydantic
    except ImportError as exc:
        case.skipped.append(f"pydantic TypeAdapter: {exc}")
        return [case]

    class ItemParams(pydantic.BaseModel):
        item_id: int
        q: str | None = None
        limit: Annotated[int, pydantic.Field(ge=1, le=100)] = 10

    adapter = pydantic.TypeAdapter(ItemParams)

    def with_pydantic() -> dict[str, Any]:
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        return adapter.validate_python({**query, **scope["path_params"]}).__dict__

    _check("pydantic TypeAdapter", with_pydantic(), expected)
    impls.append(Impl(f"parse_qsl + pydantic {pydantic.VERSION} TypeAdapter", _loop_batch(with_pydantic)))
    return [case]


# -- _respond ---------------------------------------------------------------------------------------


def respond_cases() -> list[Case]:
    from starlette.responses import JSONResponse

    from fastcore._respond import render_json

    content = {"id": 42, "name": "widget", "tags": ["a", "b", "c"], "price": 9.5, "in_stock": True}
    dumps = json.dumps

    def compiled() -> tuple[dict[str, Any], dict[str, Any]]:
        return render_json(content, 200, False, None)

    def plain() -> tuple[dict[str, Any], dict[str, Any]]:
        body = dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        return (
            {"type": "http.response.start", "status": 200, "headers": headers},
            {"type": "http.response.body", "body": body},
        )

    def starlette() -> tuple[dict[str, Any], dict[str, Any]]:
        response = JSONResponse(content)  # renders the body and runs init_headers
        return (
            {"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers},
            {"type": "http.response.body", "body": response.body},
        )

    def canonical(messages: tuple[dict[str, Any], dict[str, Any]]) -> tuple[Any, ...]:
        start, body = messages
        return start["status"], sorted(start["headers"]), json.loads(body["body"])

    expected = canonical(compiled())
    _check("json.dumps", canonical(plain()), expected)
    _check("starlette JSONResponse", canonical(starlette()), expected)
    return [Case("_respond", "dict of 5 fields -> body + 2 ASGI messages", [
        Impl("fastcore._respond render_json", _loop_batch(compiled), compiled=True),
        Impl("json.dumps + 2 messages", _loop_batch(plain)),
        Impl("starlette JSONResponse + 2 messages", _loop_batch(starlette)),
    ])]  # fmt: skip


# -- _http ------------------------------------------------------------------------------------------

REQUEST = (
    b"GET /items/42?q=hello&limit=5 HTTP/1.1\r\nHost: localhost:8000\r\nUser-Agent: micro/1.0\r\n"
    b"Accept: */*\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n"
)


class _Transport(asyncio.Transport):
    """A socket-less transport that keeps what the protocol writes for the first response."""

    def __init__(self) -> None:
        super().__init__()
        self.first = bytearray()
        self.keep = True
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.keep:
            self.first += data

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class _Connection:
    """One keep-alive connection: feed a request, and when the app has answered, feed the next.

    ``data_received`` is called from a loop callback, as a real transport calls it, so each protocol
    runs the app its own way (fastcore drives it eagerly; uvicorn starts a task).
    """

    START: ClassVar[Message] = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"5")],
    }
    BODY: ClassVar[Message] = {"type": "http.response.body", "body": b"hello"}

    def __init__(self, loop: asyncio.AbstractEventLoop, make: Callable[[Any], asyncio.Protocol]) -> None:
        self.loop = loop
        self.remaining = 0
        self.finished: asyncio.Future[None] | None = None
        self.transport = _Transport()
        self.protocol = make(self.app)
        self.protocol.connection_made(self.transport)
        self.feed = self.protocol.data_received

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] != "/items/42" or scope["query_string"] != b"q=hello&limit=5":
            raise AssertionError(f"wrong scope: {scope!r}")
        await send(self.START)
        await send(self.BODY)
        self.remaining -= 1
        if self.remaining > 0:
            self.loop.call_soon(self.feed, REQUEST)
        elif self.finished is not None:
            self.finished.set_result(None)

    def batch(self, n: int) -> float:
        self.remaining = n
        self.finished = self.loop.create_future()
        start = time.perf_counter()
        self.loop.call_soon(self.feed, REQUEST)
        # The timeout only guards against an app that failed (and so never finishes the batch).
        self.loop.run_until_complete(asyncio.wait_for(self.finished, timeout=60 + n * 0.01))
        return time.perf_counter() - start

    def first_response(self) -> bytes:
        self.batch(1)
        self.transport.keep = False
        return bytes(self.transport.first)

    def close(self) -> None:
        self.protocol.connection_lost(None)


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def http_cases(cleanup: list[Callable[[], None]]) -> list[Case]:
    from fastcore._http import HttpConfig, HttpProtocol, ServerState

    loop = _new_loop()
    connections: list[_Connection] = []

    def shutdown() -> None:
        for connection in connections:
            connection.close()
        pending = asyncio.all_tasks(loop)  # the connections' runner tasks end once they are closed
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=5))
        loop.close()

    cleanup.append(shutdown)
    state = ServerState()

    def fastcore_protocol(app: Any) -> asyncio.Protocol:
        # Timeouts long enough that an idle connection outlives the other implementations' batches.
        config = HttpConfig(app, loop, timeout_keep_alive=3600.0, timeout_request_head=3600.0)
        return HttpProtocol(config, state)

    ours = _Connection(loop, fastcore_protocol)
    connections.append(ours)
    head = ours.first_response()
    if not (head.startswith(b"HTTP/1.1 200") and head.endswith(b"\r\n\r\nhello")):
        raise AssertionError(f"fastcore._http answered {head!r}")
    impls = [Impl("fastcore._http HttpProtocol", ours.batch, compiled=True)]
    case = Case("_http", "parse GET + scope + run app + write response", impls)
    try:
        from uvicorn.config import Config
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
        from uvicorn.server import ServerState as UvicornState
    except ImportError as exc:
        case.skipped.append(f"uvicorn's httptools protocol: {exc}")
        return [case]
    uvicorn_state = UvicornState()

    def uvicorn_protocol(app: Any) -> asyncio.Protocol:
        config = Config(
            app, http="httptools", interface="asgi3", lifespan="off", access_log=False, proxy_headers=False,
            server_header=False, date_header=False, log_config=None, timeout_keep_alive=3600,
        )  # fmt: skip
        return HttpToolsProtocol(config, uvicorn_state, {}, _loop=loop)

    theirs = _Connection(loop, uvicorn_protocol)
    connections.append(theirs)
    head = theirs.first_response()
    if not (head.startswith(b"HTTP/1.1 200") and head.endswith(b"\r\n\r\nhello")):
        raise AssertionError(f"uvicorn answered {head!r}")
    version = importlib.metadata.version("uvicorn")
    impls.append(Impl(f"uvicorn {version} HttpToolsProtocol", theirs.batch))
    return [case]


# -- running ----------------------------------------------------------------------------------------


def calibrate(impl: Impl, duration: float) -> None:
    """Pick the batch size so a batch takes about ``duration`` seconds (also warms the code up)."""
    n = 1
    while True:
        took = impl.batch(n)
        if took >= duration / 4 or n >= 1 << 24:
            break
        n *= 4 if took < duration / 40 else 2
    impl.n = max(1, round(n * duration / max(took, 1e-9)))


def measure(cases: list[Case], options: Options) -> None:
    impls = [impl for case in cases for impl in case.impls]
    for impl in impls:
        calibrate(impl, options.duration)
    for r in range(options.rounds):
        gc.collect()
        for case in cases:
            shift = r % len(case.impls)  # rotate so the compiled one is not always first
            for impl in case.impls[shift:] + case.impls[:shift]:
                impl.ops.append(impl.n / impl.batch(impl.n))
        print(f"\rround {r + 1}/{options.rounds}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def build_cases(modules: list[str], cleanup: list[Callable[[], None]]) -> tuple[list[Case], list[str]]:
    """The cases of the selected modules; a module whose cases cannot be built is reported, not run."""
    builders: dict[str, Callable[[], list[Case]]] = {
        "_router": router_cases,
        "_params": params_cases,
        "_respond": respond_cases,
        "_http": lambda: http_cases(cleanup),
    }
    cases: list[Case] = []
    notes: list[str] = []
    for module in modules:
        for case in builders[module]():
            if len(case.impls) > 1:
                cases.append(case)
            else:  # nothing to compare against
                notes.append(f"{module}: not measured ({'; '.join(case.skipped)})")
                case.skipped.clear()
    return cases, notes


def compiled_modules() -> dict[str, str]:
    """Where each fastcore compiled module was loaded from."""
    return {name: str(importlib.import_module(f"fastcore.{name}").__file__) for name in MODULES}


def verdicts(cases: list[Case]) -> list[dict[str, Any]]:
    rows = []
    for case in cases:
        for other in case.impls[1:]:
            ratio = case.ratio(other)
            rows.append({
                "module": case.module, "workload": case.workload, "counterpart": other.label,
                "ratio": ratio, "ok": ratio > MIN_RATIO,
            })  # fmt: skip
    return rows


def table(cases: list[Case]) -> str:
    header = ("module", "workload", "implementation", "ops/s", "µs/op", "min-max ops/s", "compiled/this")
    lines = [header]
    for case in cases:
        for i, impl in enumerate(case.impls):
            ratio = "" if impl.compiled else f"{case.ratio(impl):.2f}x"
            lines.append((
                case.module if i == 0 else "", case.workload if i == 0 else "", impl.label,
                f"{impl.median:,.0f}", f"{1e6 / impl.median:.2f}",
                f"{min(impl.ops):,.0f}-{max(impl.ops):,.0f}", ratio,
            ))  # fmt: skip
    widths = [max(len(row[c]) for row in lines) for c in range(len(header))]
    right = {3, 4, 5, 6}
    out = []
    for k, row in enumerate(lines):
        cells = zip(row, widths, strict=True)
        out.append("  ".join(v.rjust(w) if c in right else v.ljust(w) for c, (v, w) in enumerate(cells)))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in out)


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for dist in ("starlette", "pydantic", "uvicorn", "httptools", "msgspec", "uvloop", "Cython"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "versions": versions,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def write_json(path: Path, cases: list[Case], options: Options, checks: list[dict[str, Any]]) -> None:
    data = {
        "suite": "micro",
        "options": {"rounds": options.rounds, "duration": options.duration},
        "environment": environment(),
        "compiled": compiled_modules(),
        "cases": [
            {
                "module": case.module,
                "workload": case.workload,
                "skipped": case.skipped,
                "implementations": [
                    {
                        "label": i.label,
                        "compiled": i.compiled,
                        "ops_per_batch": i.n,
                        "ops_per_s": i.ops,
                        "median_ops_per_s": i.median,
                    }
                    for i in case.impls
                ],
            }
            for case in cases
        ],
        "checks": checks,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def parse_args(argv: list[str]) -> argparse.Namespace:
    default = Options()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks micro",
        description="Each fastcore compiled module against the plain-Python way, in one process.",
    )
    parser.add_argument("--module", action="append", choices=MODULES, help="only this module (repeatable)")
    parser.add_argument("--rounds", type=int, help=f"timed rounds (default {default.rounds})")
    parser.add_argument(
        "--duration", type=float, help=f"seconds per timed batch (default {default.duration})"
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK.rounds} short rounds: a smoke test")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--check", action="store_true",
        help="exit 1 if a compiled module is not faster than a plain-Python counterpart",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    base = QUICK if args.quick else Options()
    options = Options(rounds=args.rounds or base.rounds, duration=args.duration or base.duration)
    modules = list(dict.fromkeys(args.module or MODULES))

    where = compiled_modules()
    not_compiled = [n for n, f in where.items() if not f.endswith((".so", ".pyd"))]
    cleanup: list[Callable[[], None]] = []
    try:
        cases, notes = build_cases(modules, cleanup)
        print(f"micro: {len(cases)} workloads, {options.rounds} rounds of ~{options.duration * 1e3:g} ms "
              "batches ...", file=sys.stderr)  # fmt: skip
        measure(cases, options)
    finally:
        for close in cleanup:
            close()

    env = environment()
    print(f"\ncompiled modules vs plain Python, one process, {options.rounds} rounds (medians), "
          f"Python {env['python']}, {env['cpu_count']} CPUs\n")  # fmt: skip
    print(table(cases))
    notes += [f"{case.module}: {why}, skipped" for case in cases for why in case.skipped]
    if notes:
        print("\n" + "\n".join(notes))
    fastcore = importlib.import_module("fastcore")
    print(f"\nfastcore loaded from {Path(str(fastcore.__file__)).parent}")
    checks = verdicts(cases)
    failed = [c for c in checks if not c["ok"]]
    print(f"\ncheck: compiled/counterpart ops/s > {MIN_RATIO:g} for every pair: "
          f"{len(checks) - len(failed)}/{len(checks)} met")  # fmt: skip
    for c in failed:
        print(f"  SLOWER  {c['module']} {c['workload']}: {c['ratio']:.2f}x {c['counterpart']}")
    if not_compiled:
        print(f"  NOT COMPILED  {', '.join(f'fastcore.{n} from {where[n]}' for n in not_compiled)}")
    if args.json:
        write_json(args.json, cases, options, checks)
        print(f"\nwrote {args.json}")
    if args.check and (failed or not_compiled):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
