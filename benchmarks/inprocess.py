"""The in-process runner: one worker process per cell, rounds interleaved across frameworks.

Every (framework, scenario) cell gets its own ``python -m benchmarks._worker`` process, so no two
frameworks share imports, caches or heap.  Workers build, check and warm up their app in parallel,
then sit idle; the parent asks one worker at a time for a timed round, cycling through all cells
each round (rotating the framework order), so slow drifts of the machine hit every framework alike.
"""

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from .apps import SCENARIOS
from .frameworks import FRAMEWORKS

REPO_ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 300.0  # building 1,000 FastAPI routes on a slow CI box takes a while


@dataclass(frozen=True)
class Options:
    rounds: int = 5
    requests: int = 0  # per round; 0 = calibrate from ``duration``
    duration: float = 0.5  # target seconds per timed round
    warmup: float = 0.3  # seconds of warm-up before calibration


@dataclass
class Cell:
    framework: str
    scenario: str
    status: Literal["ok", "skip", "error"] = "ok"
    message: str = ""
    requests: int = 0
    rps: list[float] = field(default_factory=list)  # one value per completed round
    info: dict[str, Any] = field(default_factory=dict)  # what the worker reported when ready
    traceback: str = ""  # the worker's, when it failed with an exception

    def fail(self, answer: dict[str, Any]) -> None:
        self.status, self.message = "error", str(answer.get("error", answer))
        self.traceback = str(answer.get("traceback", ""))


class WorkerError(Exception):
    pass


class Worker:
    """A running ``benchmarks._worker`` process and its JSON-lines pipe."""

    def __init__(self, cell: Cell, options: Options) -> None:
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        argv = [
            sys.executable, "-m", "benchmarks._worker",
            "--framework", cell.framework, "--scenario", cell.scenario,
            "--requests", str(options.requests),
            "--duration", str(options.duration), "--warmup", str(options.warmup),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            argv, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr
        )
        self._buffer = b""

    def request(self, timeout: float) -> dict[str, Any]:
        """Ask for one timed round and return the worker's answer."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(b"run\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise WorkerError(self._died("worker exited")) from None
        return self.read(timeout)

    def read(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise WorkerError(self._died(f"no answer within {timeout:.0f}s"))
            chunk = os.read(fd, 65536)
            if not chunk:
                try:
                    self.proc.wait(timeout=5)  # so the exit code can be reported
                except subprocess.TimeoutExpired:
                    pass
                raise WorkerError(self._died("worker closed its output"))
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        message: dict[str, Any] = json.loads(line)
        return message

    def _died(self, what: str) -> str:
        tail = self.stderr_tail()
        return f"{what} (exit code {self.proc.poll()})" + (f"; stderr:\n{tail}" if tail else "")

    def stderr_tail(self, limit: int = 2000) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-limit:].strip()

    def close(self) -> None:
        """End of input tells the worker to shut its app down and exit."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


def exists(framework: str, scenario: str) -> bool:
    """Starlette has no variant of FastAPI-only scenarios; model variants only of model scenarios."""
    fw, sc = FRAMEWORKS[framework], SCENARIOS[scenario]
    if fw.style == "starlette" and sc.build_starlette is None:
        return False
    return sc.models or not fw.models_only


def plan_cells(frameworks: list[str], scenarios: list[str]) -> list[Cell]:
    """Every requested cell that exists."""
    return [Cell(f, s) for s in scenarios for f in frameworks if exists(f, s)]


def _start(cell: Cell, options: Options) -> Worker | None:
    worker = Worker(cell, options)
    try:
        ready = worker.read(STARTUP_TIMEOUT)
    except WorkerError as exc:
        cell.fail({"error": str(exc)})
    else:
        if ready.get("ready"):
            cell.requests, cell.info = int(ready["requests"]), ready
            return worker
        if "skip" in ready:
            cell.status, cell.message = "skip", str(ready["skip"])
        else:
            cell.fail(ready)
    worker.close()
    return None


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(frameworks: list[str], scenarios: list[str], options: Options) -> list[Cell]:
    cells = plan_cells(frameworks, scenarios)
    jobs = max(1, min(os.cpu_count() or 1, 4))
    _log(f"starting {len(cells)} workers ({jobs} at a time): build, check, warm up ...")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        workers = dict(
            zip(map(id, cells), pool.map(lambda c: _start(c, options), cells), strict=True)
        )
    try:
        for r in range(options.rounds):
            _log(f"round {r + 1}/{options.rounds}")
            for scenario in scenarios:
                row = [c for c in cells if c.scenario == scenario and workers[id(c)] is not None]
                shift = r % len(row) if row else 0
                for cell in row[shift:] + row[:shift]:  # rotate so no framework always goes first
                    _run_round(cell, workers)
    finally:
        for worker in workers.values():
            if worker is not None:
                worker.close()
    return cells


def _run_round(cell: Cell, workers: dict[int, Worker | None]) -> None:
    worker = workers[id(cell)]
    assert worker is not None
    expected = cell.requests * float(cell.info.get("warmup_us", 1000.0)) / 1e6
    try:
        answer = worker.request(timeout=max(60.0, 20 * expected))
    except WorkerError as exc:
        answer = {"error": str(exc)}
    if "rps" in answer:
        cell.rps.append(float(answer["rps"]))
        return
    cell.fail(answer)
    worker.close()
    workers[id(cell)] = None
