"""``python -m benchmarks network``: servers over loopback, one core each for server and load.

Every server runs in its own process pinned to CPU 0 (``os.sched_setaffinity``); the load
generator is pinned to CPU 1: ``wrk -t1 -c64`` when installed, else the built-in uvloop load
generator (``benchmarks/_loadgen.py``, labelled as such; slower, so a lower bound).  Each server's
answer is checked (200 + the expected JSON) before it is timed.  Rounds are interleaved and the
median is reported.  Then the memory cost of 10,000 idle keep-alive connections is measured
(RSS of the server process before/after).

Cells: the ceiling (bare uvloop + httptools, fixed bytes: ``benchmarks/ceiling.py``), a raw ASGI
app on fastcore's server and on uvicorn, and the json/params apps of ``apps.py`` as fastcore on
its own server vs FastAPI on uvicorn.
"""

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .apps import SCENARIOS

PY = sys.executable
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Cell:
    name: str
    label: str
    argv: tuple[str, ...]  # "{port}" is replaced
    scenario: str


def _fastcore(factory: str) -> tuple[str, ...]:
    return (PY, "-m", "fastcore", "run", f"benchmarks.netapps:{factory}", "--factory",
            "--port", "{port}", "--log-level", "warning", "--timeout-keep-alive", "300")


def _uvicorn(factory: str) -> tuple[str, ...]:
    return (PY, "-m", "uvicorn", f"benchmarks.netapps:{factory}", "--factory", "--port", "{port}",
            "--log-level", "warning", "--no-access-log", "--http", "httptools", "--loop", "uvloop",
            "--timeout-keep-alive", "300")


CELLS = {
    c.name: c
    for c in (
        Cell("ceiling", "bare uvloop+httptools (fixed bytes)", (PY, "-m", "benchmarks.ceiling", "{port}"),
             "json"),
        Cell("fastcore-raw", "raw ASGI app on fastcore server", _fastcore("raw"), "json"),
        Cell("uvicorn-raw", "raw ASGI app on uvicorn", _uvicorn("raw"), "json"),
        Cell("fastcore-json", "fastcore app on fastcore server", _fastcore("fastcore_json"), "json"),
        Cell("fastapi-json", "FastAPI app on uvicorn", _uvicorn("fastapi_json"), "json"),
        Cell("fastcore-params", "fastcore app on fastcore server", _fastcore("fastcore_params"), "params"),
        Cell("fastapi-params", "FastAPI app on uvicorn", _uvicorn("fastapi_params"), "params"),
    )
}

# (label, numerator cell, denominator cell, minimum ratio) — the targets.
TARGETS = [
    ("fastcore server, raw app >= 50% of the ceiling", "fastcore-raw", "ceiling", 0.5),
    ("fastcore server, raw app >= 3x uvicorn", "fastcore-raw", "uvicorn-raw", 3.0),
    ("fastcore on its server >= 10x FastAPI on uvicorn (json)", "fastcore-json", "fastapi-json", 10.0),
    ("fastcore on its server >= 10x FastAPI on uvicorn (params)", "fastcore-params", "fastapi-params", 10.0),
]
MEMORY_TARGET_MIB = 100.0


def _pin(cpu: int) -> Any:
    def pin() -> None:
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {cpu})

    return pin


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _url(port: int, scenario: str) -> str:
    s = SCENARIOS[scenario]
    return f"http://127.0.0.1:{port}{s.path}" + (f"?{s.query}" if s.query else "")


def _raise_nofile(n: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, min(hard, n)) if hard != resource.RLIM_INFINITY else max(soft, n)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


class Running:
    def __init__(self, cell: Cell) -> None:
        self.cell = cell
        self.port = _free_port()
        argv = [a.replace("{port}", str(self.port)) for a in cell.argv]
        self.proc = subprocess.Popen(argv, cwd=ROOT, preexec_fn=_pin(0), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.error = ""

    def check(self, timeout: float = 20.0) -> bool:
        """Wait until it answers, and answers right."""
        deadline = time.monotonic() + timeout
        url = _url(self.port, self.cell.scenario)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.error = f"exited {self.proc.returncode}: {self.proc.stderr.read().decode()[-500:]}"  # type: ignore[union-attr]
                return False
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    body = json.loads(resp.read())
                    if resp.status != 200 or body != SCENARIOS[self.cell.scenario].expected:
                        self.error = f"wrong answer {resp.status} {body!r}"
                        return False
                    return True
            except OSError:
                time.sleep(0.1)
        self.error = "did not answer"
        return False

    def rss_mib(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def load(url: str, seconds: float, connections: int, threads: int) -> float:
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", url],
            preexec_fn=_pin(1), capture_output=True, text=True, timeout=seconds + 30,
        ).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"wrk saw errors:\n{out}")
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if not match:
            raise RuntimeError(f"cannot read wrk output:\n{out}")
        return float(match.group(1))
    out = subprocess.run(
        [PY, "-m", "benchmarks._loadgen", url, str(connections), str(seconds)],
        cwd=ROOT, preexec_fn=_pin(1), capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    result = json.loads(out)
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} non-200 responses")
    return float(result["rps"])


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


def measure_memory(cell: Cell, n: int) -> dict[str, Any]:
    server = Running(cell)
    try:
        if not server.check():
            return {"cell": cell.name, "error": server.error}
        time.sleep(0.5)
        before = server.rss_mib()

        async def hold() -> float:
            writers = await _idle_connections(server.port, n)
            await asyncio.sleep(1.0)
            rss = server.rss_mib()
            for w in writers:
                w.close()
            return rss

        after = asyncio.run(hold())
        return {"cell": cell.name, "connections": n, "rss_before_mib": round(before, 1),
                "rss_after_mib": round(after, 1), "delta_mib": round(after - before, 1),
                "per_connection_kib": round((after - before) * 1024 / n, 2)}
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks network", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cell", action="append", choices=list(CELLS),
                        help="run only this cell (repeatable)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per timed run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections (default 64)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--memory-connections", type=int, default=10_000,
                        help="idle connections for the memory figure (0: skip; default 10000)")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s: a smoke test")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.duration = 1, 2.0
    cells = [CELLS[n] for n in dict.fromkeys(args.cell or CELLS)]
    nofile = _raise_nofile(args.memory_connections * 2 + 1024)
    generator = (f"wrk -t{args.threads} -c{args.connections}" if shutil.which("wrk")
                 else "built-in loadgen (python/uvloop; wrk not installed)")
    print(f"network: server on CPU 0, {generator} on CPU 1, {args.rounds} x {args.duration:g} s, "
          f"{os.cpu_count()} CPUs, RLIMIT_NOFILE {nofile}", flush=True)

    servers = {c.name: Running(c) for c in cells}
    rps: dict[str, list[float]] = {c.name: [] for c in cells}
    errors: dict[str, str] = {}
    try:
        for name, server in servers.items():
            if not server.check():
                errors[name] = server.error
        live = [c for c in cells if c.name not in errors]
        for r in range(args.rounds):
            order = live[r % len(live):] + live[: r % len(live)] if live else []
            for cell in order:
                server = servers[cell.name]
                try:
                    load(_url(server.port, cell.scenario), 1.0, args.connections, args.threads)  # warm-up
                    rps[cell.name].append(load(_url(server.port, cell.scenario), args.duration,
                                               args.connections, args.threads))
                except RuntimeError as exc:
                    errors[cell.name] = str(exc)
    finally:
        for server in servers.values():
            server.stop()

    medians = {n: statistics.median(v) for n, v in rps.items() if v and n not in errors}
    print(f"\n{'cell':<17} {'what':<40} {'req/s (median)':>15} {'min-max':>19}")
    for cell in cells:
        if cell.name in errors:
            print(f"{cell.name:<17} {cell.label:<40} {'ERROR':>15}  {errors[cell.name][:60]}")
            continue
        v = rps[cell.name]
        print(f"{cell.name:<17} {cell.label:<40} {medians[cell.name]:>15,.0f} "
              f"{min(v):>9,.0f}-{max(v):<9,.0f}")
    verdicts = []
    print("\ntargets:")
    for label, num, den, minimum in TARGETS:
        if num in medians and den in medians:
            ratio = medians[num] / medians[den]
            status = "met" if ratio >= minimum else "MISSED"
            print(f"  {status:<10} {label}: {ratio:.2f}x")
        else:
            ratio, status = None, "UNMEASURED"
            print(f"  {status:<10} {label}")
        verdicts.append({"target": label, "ratio": ratio, "minimum": minimum, "status": status})

    memory: list[dict[str, Any]] = []
    if args.memory_connections:
        print(f"\nmemory of {args.memory_connections:,} idle keep-alive connections (server RSS):")
        for name in ("fastcore-raw", "uvicorn-raw"):
            m = measure_memory(CELLS[name], args.memory_connections)
            memory.append(m)
            if "error" in m:
                print(f"  {name:<14} ERROR {m['error']}")
            else:
                print(f"  {name:<14} {m['rss_before_mib']:>7.1f} -> {m['rss_after_mib']:>7.1f} MiB "
                      f"(+{m['delta_mib']:.1f} MiB, {m['per_connection_kib']:.2f} KiB/connection)")
        fc = memory[0]
        status = "UNMEASURED" if "error" in fc else (
            "met" if fc["delta_mib"] < MEMORY_TARGET_MIB else "MISSED")
        n = args.memory_connections
        print(f"  {status:<10} fastcore: {n:,} idle connections < {MEMORY_TARGET_MIB:g} MiB")
        verdicts.append({"target": "memory", "status": status, "minimum": MEMORY_TARGET_MIB})
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"generator": generator, "rounds": args.rounds,
                                         "duration": args.duration, "rps": rps, "median": medians,
                                         "errors": errors, "targets": verdicts, "memory": memory},
                                        indent=2))
        print(f"\nwrote {args.json}")
    failed = bool(errors)
    if args.check:
        failed |= any(v["status"] != "met" for v in verdicts)
    return 1 if failed else 0
