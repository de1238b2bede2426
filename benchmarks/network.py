"""``python -m benchmarks network``: real servers over loopback, one core each for server and load.

For each scenario, every selected framework's server starts in its own process and, once it
listens, every thread of it is pinned to CPU 0 (``os.sched_setaffinity``); each one's answer is
checked (status 200 and the expected JSON, text or WebSocket echo) and warmed up with sequential
requests before anything is timed.  The load generator is pinned to CPU 1: ``wrk -t1 -c64
--latency`` when installed, else the built-in uvloop load generator (``_loadgen.py``, labelled as
such; it is slower, so its figures are a lower bound).  WebSocket echo always uses the built-in
generator: wrk speaks no WebSocket.  Rounds are interleaved (the order rotates each round) and the
median, min-max, and median p50/p99 latency are reported, with ratios to FastAPI on uvicorn and to
the ceiling (bare uvloop + httptools answering fixed bytes).
"""

import argparse
import asyncio
import http.client
import importlib.util
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import netreport
from .netapps import NET_SCENARIOS, NetScenario, has_app

PY = sys.executable
ROOT = Path(__file__).resolve().parent.parent
SERVER_CPU, LOAD_CPU = 0, 1
WARM_REQUESTS = 200  # sequential requests (or echoes) after the check, before any timing
STARTUP_TIMEOUT = 60.0

ServerKind = Literal["fastcore", "uvicorn", "granian", "ceiling"]


@dataclass(frozen=True)
class NetFramework:
    name: str
    label: str
    app: str  # the ``netapps`` app name; "ceiling" runs ``benchmarks.ceiling`` instead
    server: ServerKind
    requires: tuple[str, ...]  # importable modules, else the framework is skipped
    model: str = ""  # the model classes of its apps, named in scenarios with models
    default: bool = True

    def cell_label(self, scenario: NetScenario) -> str:
        return f"{self.label} ({self.model})" if scenario.models and self.model else self.label


NET_FRAMEWORKS: dict[str, NetFramework] = {
    f.name: f
    for f in (
        NetFramework("ceiling", "ceiling: uvloop+httptools", "ceiling", "ceiling", ("httptools",)),
        NetFramework(
            "fastcore", "fastcore, own server", "fastcore", "fastcore", ("fastcore",), "msgspec.Struct"
        ),
        NetFramework(
            "fastcore-pydantic",
            "fastcore, own server",  # the model kind is added to the label (body, list100)
            "fastcore_pydantic",
            "fastcore",
            ("fastcore", "pydantic"),
            "pydantic",
        ),
        NetFramework(
            "fastcore-uvicorn",
            "fastcore on uvicorn",
            "fastcore",
            "uvicorn",
            ("fastcore", "uvicorn"),
            "msgspec.Struct",
        ),
        NetFramework(
            "fastapi", "FastAPI on uvicorn", "fastapi", "uvicorn", ("fastapi", "uvicorn"), "pydantic"
        ),
        NetFramework(
            "fastapi-granian",
            "FastAPI on granian",
            "fastapi",
            "granian",
            ("fastapi", "granian"),
            "pydantic",
        ),
        NetFramework(
            "starlette", "Starlette on uvicorn", "starlette", "uvicorn", ("uvicorn",), "pydantic"
        ),
        NetFramework(
            "litestar",
            "Litestar on uvicorn",
            "litestar",
            "uvicorn",
            ("litestar", "uvicorn"),
            "msgspec.Struct",
        ),
        NetFramework(
            "blacksheep",
            "BlackSheep on uvicorn",
            "blacksheep",
            "uvicorn",
            ("blacksheep", "uvicorn"),
            "pydantic",
        ),
        # Not run by default: the same do-nothing ASGI app on both servers isolates server cost.
        NetFramework("asgi-fastcore", "raw ASGI, fastcore server", "raw", "fastcore", (), default=False),
        NetFramework(
            "asgi-uvicorn", "raw ASGI on uvicorn", "raw", "uvicorn", ("uvicorn",), default=False
        ),
    )
}
BASELINE = "fastapi"
RESULTS = Path(__file__).resolve().parent / "results"  # default home of the JSON and the chart
CEILING = "ceiling"


def server_argv(fw: NetFramework, scenario: str, port: int) -> list[str]:
    target = f"benchmarks.netapps:{fw.app}__{scenario}"
    if fw.server == "ceiling":
        return [PY, "-m", "benchmarks.ceiling", str(port), scenario]
    if fw.server == "fastcore":
        return [PY, "-m", "fastcore", "run", target, "--port", str(port),
                "--log-level", "warning", "--timeout-keep-alive", "300"]  # fmt: skip
    if fw.server == "granian":
        return [PY, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
                "--port", str(port), "--workers", "1", "--runtime-threads", "1", "--loop", "uvloop",
                "--log-level", "warning", "--no-access-log", target]  # fmt: skip
    return [PY, "-m", "uvicorn", target, "--port", str(port), "--log-level", "warning",
            "--no-access-log", "--http", "httptools", "--loop", "uvloop",
            "--timeout-keep-alive", "300"]  # fmt: skip


def unavailable(fw: NetFramework) -> str:
    """Why the framework cannot run here ("" if it can)."""
    missing = [m for m in fw.requires if importlib.util.find_spec(m) is None]
    return f"not installed: {', '.join(missing)}" if missing else ""


def exists(fw: NetFramework, scenario: str) -> bool:
    only = NET_SCENARIOS[scenario].frameworks
    if only and fw.name not in only:
        return False
    if fw.app == "ceiling":
        return True
    return has_app(fw.app, scenario)


@dataclass
class NetCell:
    framework: str
    scenario: str
    status: Literal["ok", "skip", "error"] = "ok"
    message: str = ""
    generator: str = ""
    rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    socket_errors: list[str] = field(default_factory=list)


def _pin(cpu: int) -> Callable[[], None]:
    def pin() -> None:
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {cpu})

    return pin


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (granian serves from a child process)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            todo += [int(c) for c in task.read_text().split()]
    return found


def pin_tree(pid: int, cpu: int) -> None:
    """Pin every thread of ``pid`` and its descendants to ``cpu``.

    Servers start unpinned, so their imports and app builds (1,000 FastAPI routes) use both cores
    and the servers of one scenario start in parallel; they are pinned once they listen, before
    any timed load.  Affinity is per thread on Linux, hence every task of every process.
    """
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return
    for p in _descendants(pid):
        for task in Path(f"/proc/{p}/task").iterdir():
            try:
                os.sched_setaffinity(int(task.name), {cpu})
            except (ProcessLookupError, FileNotFoundError):
                pass  # a thread that just ended


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raise_nofile(n: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, min(hard, n)) if hard != resource.RLIM_INFINITY else max(soft, n)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class BadAnswer(Exception):
    pass


class Server:
    """One framework's server for one scenario, in its own process pinned to the server CPU."""

    def __init__(self, fw: NetFramework, scenario: NetScenario) -> None:
        self.fw, self.scenario = fw, scenario
        self.port = _free_port()
        self._log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            server_argv(fw, scenario.name, self.port), cwd=ROOT,
            stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def output(self, limit: int = 800) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-limit:].strip()

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BadAnswer(f"server exited {self.proc.returncode}: {self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                time.sleep(0.05)
                continue
            pin_tree(self.proc.pid, SERVER_CPU)
            return
        raise BadAnswer(f"server did not listen within {timeout:.0f}s: {self.output()}")

    def check_and_warm(self, count: int = WARM_REQUESTS) -> None:
        """The first answer must be right; then ``count`` more sequential ones, each a 200."""
        if self.scenario.websocket:
            self._check_ws(count)
            return
        s = self.scenario
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            for i in range(count + 1):
                conn.request(s.method, s.target, body=s.body or None, headers=dict(s.headers))
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200:
                    raise BadAnswer(f"status {resp.status}, body {body[:300]!r}")
                if i == 0:
                    _compare(s, body)
        finally:
            conn.close()

    def _check_ws(self, count: int) -> None:
        from websockets.sync.client import connect

        message = self.scenario.expected
        with connect(f"ws://127.0.0.1:{self.port}{self.scenario.path}", open_timeout=10) as ws:
            for _ in range(count + 1):
                ws.send(message)
                echo = ws.recv(timeout=10)
                if echo != message:
                    raise BadAnswer(f"echo {echo!r} != {message!r}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def _compare(scenario: NetScenario, body: bytes) -> None:
    if isinstance(scenario.expected, bytes):
        if body != scenario.expected:
            raise BadAnswer(f"body {body[:300]!r} != {scenario.expected!r}")
        return
    try:
        got = json.loads(body)
    except ValueError as exc:
        raise BadAnswer(f"body is not JSON: {body[:300]!r}") from exc
    if got != scenario.expected:
        raise BadAnswer(f"body {str(got)[:300]} != expected {str(scenario.expected)[:300]}")


# -- load generation --------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"unknown wrk time {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _lua_string(value: str) -> str:
    return f"[==[{value}]==]"


def wrk_script(scenario: NetScenario, directory: Path) -> Path:
    """A wrk Lua script setting the scenario's method, headers and body."""
    lines = [f"wrk.method = {_lua_string(scenario.method)}"]
    if scenario.body:
        lines.append(f"wrk.body = {_lua_string(scenario.body.decode())}")
    # The spaces matter: ``t[[==[k]==]]`` would parse as a call of ``t`` with a long string.
    lines += [f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in scenario.headers]
    path = directory / f"{scenario.name}.lua"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def parse_wrk(out: str) -> dict[str, Any]:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    if not (rps and p50 and p99):
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors:.*", out)
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _wrk_ms(p50.group(1)),
        "p99_ms": _wrk_ms(p99.group(1)),
        "errors": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sock.group(0) if sock else "",
    }


@dataclass(frozen=True)
class LoadOptions:
    connections: int = 64
    use_wrk: bool = True
    script_dir: Path = Path(".")


def generator_for(scenario: NetScenario, options: LoadOptions) -> str:
    if options.use_wrk and not scenario.websocket:
        return f"wrk -t1 -c{options.connections}"
    why = "wrk has no WebSocket" if scenario.websocket else "wrk not installed"
    return f"built-in loadgen -c{options.connections} ({why})"


def load(server: Server, seconds: float, options: LoadOptions) -> dict[str, Any]:
    """One load run against ``server``; raises RuntimeError on a non-200 answer."""
    s = server.scenario
    url = f"http://127.0.0.1:{server.port}{s.target}"
    if options.use_wrk and not s.websocket:
        script = wrk_script(s, options.script_dir)
        argv = ["wrk", "-t1", f"-c{options.connections}", f"-d{max(1, round(seconds))}s",
                "--latency", "-s", str(script), url]  # fmt: skip
        proc = subprocess.run(argv, preexec_fn=_pin(LOAD_CPU), capture_output=True, text=True,
                              timeout=seconds + 60)  # fmt: skip
        result = parse_wrk(proc.stdout)
    else:
        spec = {"url": url, "connections": options.connections, "seconds": seconds,
                "method": s.method, "headers": list(s.headers), "body": s.body.decode(),
                "websocket": s.websocket, "message": s.expected if s.websocket else "",
                "warmup": 0.5 if seconds > 1 else 0.2}  # fmt: skip
        proc = subprocess.run([PY, "-m", "benchmarks._loadgen", json.dumps(spec)], cwd=ROOT,
                              preexec_fn=_pin(LOAD_CPU), capture_output=True, text=True,
                              timeout=seconds + 60)  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"load generator failed: {proc.stderr[-500:]}")
        result = json.loads(proc.stdout)
        result["socket_errors"] = ""
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} wrong answers under load")
    if not result["rps"]:
        raise RuntimeError(f"no answers under load: {result.get('socket_errors', '')}")
    return result


# -- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    rounds: int = 3
    duration: float = 5.0
    warmup: float = 1.0  # seconds of load before each scenario's first round (0: sequential only)
    connections: int = 64


def plan(frameworks: list[str], scenarios: list[str]) -> list[NetCell]:
    """The cells that exist, frameworks in table order (ceiling first); skipped if not installed."""
    ordered = [f for f in NET_FRAMEWORKS if f in frameworks]
    cells = []
    for s in scenarios:
        for f in ordered:
            fw = NET_FRAMEWORKS[f]
            if not exists(fw, s):
                continue
            why = unavailable(fw)
            cells.append(NetCell(f, s, status="skip" if why else "ok", message=why))
    return cells


def run(frameworks: list[str], scenarios: list[str], options: Options) -> list[NetCell]:
    cells = plan(frameworks, scenarios)
    todo = sum(1 for c in cells if c.status == "ok") * options.rounds
    done = 0
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        load_options = LoadOptions(options.connections, shutil.which("wrk") is not None, Path(tmp))
        for scenario_name in scenarios:
            scenario = NET_SCENARIOS[scenario_name]
            row = [c for c in cells if c.scenario == scenario_name and c.status == "ok"]
            if not row:
                continue
            _log(f"[{scenario_name}] starting {len(row)} servers, checking and warming them up ...")
            servers = {c.framework: Server(NET_FRAMEWORKS[c.framework], scenario) for c in row}
            try:
                for cell in row:
                    server = servers[cell.framework]
                    cell.generator = generator_for(scenario, load_options)
                    try:
                        server.wait_ready()
                        server.check_and_warm()
                        if options.warmup > 0:
                            load(server, options.warmup, load_options)
                    except (BadAnswer, RuntimeError, OSError, subprocess.SubprocessError) as exc:
                        cell.status, cell.message = "error", f"{type(exc).__name__}: {exc}"
                        _log(f"  {cell.framework}: ERROR {cell.message[:300]}")
                live = [c for c in row if c.status == "ok"]
                for r in range(options.rounds):
                    order = live[r % len(live) :] + live[: r % len(live)] if live else []
                    for cell in order:
                        if cell.status != "ok":
                            continue
                        done += 1
                        try:
                            result = load(servers[cell.framework], options.duration, load_options)
                        except (RuntimeError, subprocess.SubprocessError) as exc:
                            cell.status, cell.message = "error", str(exc)
                            _log(f"  [{done}/{todo}] {cell.framework}: ERROR {cell.message[:300]}")
                            continue
                        cell.rps.append(result["rps"])
                        cell.p50_ms.append(result["p50_ms"])
                        cell.p99_ms.append(result["p99_ms"])
                        if result["socket_errors"] and not result["socket_errors"].endswith(
                            "timeout 0"
                        ):
                            cell.socket_errors.append(result["socket_errors"])
                        _log(
                            f"  [{done}/{todo}] {scenario_name} round {r + 1}/{options.rounds} "
                            f"{cell.framework:<18} {result['rps']:>10,.0f} req/s  "
                            f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms"
                        )
            finally:
                for server in servers.values():
                    server.stop()
    return cells


# -- memory of idle connections (opt-in) ------------------------------------------------------


async def _idle_connections(port: int, n: int) -> list[asyncio.StreamWriter]:
    request = b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    writers: list[asyncio.StreamWriter] = []

    async def one() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await reader.readuntil(b"}")  # the JSON body's end: one full response, then idle
        writers.append(writer)

    for start in range(0, n, 500):
        await asyncio.gather(*(one() for _ in range(min(500, n - start))))
    return writers


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure_memory(framework: str, n: int) -> dict[str, Any]:
    """Server RSS before and after ``n`` idle keep-alive connections (``json`` scenario)."""
    server = Server(NET_FRAMEWORKS[framework], NET_SCENARIOS["json"])
    try:
        server.wait_ready()
        server.check_and_warm(10)
        time.sleep(0.5)
        before = _rss_mib(server.proc.pid)

        async def hold() -> float:
            writers = await _idle_connections(server.port, n)
            await asyncio.sleep(1.0)
            rss = _rss_mib(server.proc.pid)
            for w in writers:
                w.close()
            return rss

        after = asyncio.run(hold())
    except (BadAnswer, OSError) as exc:
        return {"framework": framework, "error": str(exc)}
    finally:
        server.stop()
    return {"framework": framework, "connections": n, "rss_before_mib": round(before, 1),
            "rss_after_mib": round(after, 1), "delta_mib": round(after - before, 1),
            "per_connection_kib": round((after - before) * 1024 / n, 2)}  # fmt: skip


# -- command line -----------------------------------------------------------------------------

QUICK = Options(rounds=1, duration=1.0, warmup=0.0)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    default = Options()
    scenario_help = "\n".join(f"  {s.name:<10} {s.description}" for s in NET_SCENARIOS.values())
    framework_help = "\n".join(
        f"  {f.name:<18} {f.label}{f' [{f.model} models]' if f.model else ''}"
        f"{'' if f.default else '  (not run by default)'}"
        for f in NET_FRAMEWORKS.values()
    )
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks [network]",
        description=__doc__,
        epilog=f"scenarios:\n{scenario_help}\n\nframeworks:\n{framework_help}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scenario", action="append", choices=list(NET_SCENARIOS), metavar="NAME",
                        help="run only this scenario (repeatable; default: all)")  # fmt: skip
    parser.add_argument("--framework", action="append", choices=[*NET_FRAMEWORKS, "all"],
                        metavar="NAME", help="run only this framework (repeatable; 'all': every "
                        "one, the raw-ASGI server rows included)")  # fmt: skip
    parser.add_argument("--duration", type=float,
                        help=f"seconds per timed run (default {default.duration:g})")  # fmt: skip
    parser.add_argument("--rounds", type=int, help=f"interleaved rounds (default {default.rounds})")
    parser.add_argument("--warmup", type=float,
                        help="seconds of load before the first round "
                        f"(default {default.warmup:g})")  # fmt: skip
    parser.add_argument("--connections", type=int, default=default.connections,
                        help=f"keep-alive connections (default {default.connections})")  # fmt: skip
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK.rounds} round of {QUICK.duration:g} s, no load warm-up: "
                        "a smoke test (< 2 minutes)")  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="PATH", default=RESULTS / "network.json",
                        help="where to write the results, versions and machine info "
                        "(default: %(default)s)")  # fmt: skip
    parser.add_argument("--chart", type=Path, metavar="PNG", default=RESULTS / "network.png",
                        help="where to draw the bar chart (default: %(default)s; "
                        "needs matplotlib)")  # fmt: skip
    parser.add_argument("--memory", type=int, default=0, metavar="N",
                        help="also measure server RSS with N idle connections (raw ASGI app on "
                        "fastcore's server and on uvicorn; default 0: off)")  # fmt: skip
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a network target (targets.py) is missed or unmeasured")  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base = QUICK if args.quick else Options()
    options = Options(
        rounds=args.rounds or base.rounds,
        duration=args.duration or base.duration,
        warmup=base.warmup if args.warmup is None else args.warmup,
        connections=args.connections,
    )
    scenarios = list(dict.fromkeys(args.scenario or NET_SCENARIOS))
    chosen = args.framework or [f.name for f in NET_FRAMEWORKS.values() if f.default]
    if "all" in chosen:
        chosen = list(NET_FRAMEWORKS)
    frameworks = list(dict.fromkeys(chosen))
    nofile = _raise_nofile(max(4096, args.memory * 2 + 1024))
    wrk = shutil.which("wrk")
    _log(f"network: servers on CPU {SERVER_CPU}, load on CPU {LOAD_CPU} "
         f"({'wrk' if wrk else 'built-in loadgen: wrk not installed'}), {options.rounds} x "
         f"{options.duration:g} s per cell, {os.cpu_count()} CPUs, RLIMIT_NOFILE {nofile}")  # fmt: skip
    started = time.monotonic()
    cells = run(frameworks, scenarios, options)
    servers = ("asgi-fastcore", "asgi-uvicorn") if args.memory else ()
    memory = [measure_memory(f, args.memory) for f in servers]
    elapsed = time.monotonic() - started

    results = netreport.results(cells, options, memory, elapsed, argv)
    print()
    print(netreport.table(results))
    problems = netreport.notes(results)
    if problems:
        print(f"\nnot measured:\n{problems}")
    print(f"\nnetwork targets (benchmarks/targets.py):\n{netreport.targets_text(results)}")
    if memory:
        print(f"\n{netreport.memory_text(memory)}")
    print(f"\n{len(cells)} cells in {elapsed:.0f} s")
    netreport.write_json(args.json, results)
    print(f"wrote {args.json}")
    if importlib.util.find_spec("matplotlib") is None:
        print("no chart: matplotlib is not installed (pip install 'fastcore[bench]')")
    else:
        netreport.chart(results, args.chart)
        print(f"wrote {args.chart}")

    failed = any(c.status == "error" for c in cells)
    if args.check:
        failed |= any(t["status"] in ("MISSED", "UNMEASURED") for t in results["targets"].values())
    return 1 if failed else 0
