"""``--workers N`` and ``--reload``: one listening socket, N server processes sharing it.

The supervisor binds the socket once, starts each worker with a duplicate of it (spawn, so workers
share no interpreter state), forwards SIGTERM/SIGINT as a graceful SIGTERM, and with ``--reload``
restarts the workers when a watched ``.py`` file changes.

Each worker tells the supervisor, over a pipe, the moment it is serving (lifespan started, socket
listening).  That makes "died during start-up" a fact, not a guess from timing:

- A worker that exits before serving (the app fails to import, its lifespan startup fails...) is not
  restarted, since the next one would fail the same way: the supervisor stops the other workers and
  exits with the worker's exit code.  The worker has logged why.  With ``--reload`` the supervisor
  waits for the next change instead.
- A worker that dies after serving, or is killed by a signal at any time (the OOM killer during a
  slow start-up), is restarted at once.  If its replacement also dies within
  :data:`CRASH_STREAK_WINDOW` seconds of serving, restarts of that slot back off: 0.5 s, 1 s, 2 s...
  up to :data:`RESTART_DELAY_MAX` (a crash loop costs a few spawns a minute, not a busy loop), and a
  worker that served for longer than the window starts the streak again.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from types import FrameType

from .config import Config
from .server import EXIT_STARTUP_FAILED, Server, describe_address

error_log = logging.getLogger("fastcore.error")
spawn = multiprocessing.get_context("spawn")

RESTART_DELAY_FIRST = 0.5  # seconds before the second restart in a crash streak
RESTART_DELAY_MAX = 30.0
CRASH_STREAK_WINDOW = 60.0  # a worker that served this long before dying starts a new streak


def _worker_main(config: Config, sock: socket.socket, ready: Connection) -> None:
    config.configure_logging()
    config.workers = 1
    config.reload = False
    server = Server(config)

    def serving() -> None:
        with contextlib.suppress(OSError):  # the supervisor is gone: nothing to tell
            ready.send_bytes(b"serving")
        ready.close()

    server.on_serving.append(serving)
    code = server.run([sock])
    raise SystemExit(code)


class Worker:
    """One worker slot: its current process, its readiness pipe and its crash streak."""

    def __init__(self) -> None:
        self.proc: SpawnProcess | None = None
        self.ready: Connection | None = None  # read end; closed once the worker spoke or died
        self.serving_since: float | None = None
        self.crashes = 0  # deaths after serving, each within CRASH_STREAK_WINDOW of serving
        self.restart_at: float | None = None  # when the slot is empty: when to start it again

    def start(self, config: Config, sock: socket.socket) -> None:
        reader, writer = spawn.Pipe(duplex=False)
        proc = spawn.Process(target=_worker_main, args=(config, sock, writer), daemon=False)
        proc.start()
        writer.close()  # the worker holds the only write end: its death reads as EOF
        self.proc, self.ready, self.serving_since, self.restart_at = proc, reader, None, None
        error_log.info("Started worker %s", proc.pid)

    def poll_ready(self) -> None:
        pipe = self.ready
        if pipe is None:
            return
        try:
            if not pipe.poll():
                return
            pipe.recv_bytes()
            self.serving_since = time.monotonic()
        except (EOFError, OSError):
            pass  # the pipe closed without a word: the worker died before serving
        pipe.close()
        self.ready = None


class Supervisor:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.workers: list[Worker] = []
        self.should_exit = threading.Event()
        self.reload_requested = threading.Event()
        self.exit_code = 0

    def run(self) -> int:
        config = self.config
        sock = config.bind_socket()
        count = 1 if config.reload else config.workers
        address = describe_address(sock.getsockname(), config.is_ssl)
        error_log.info("Listening on %s (Ctrl+C to quit)", address)
        error_log.info("Supervisor %d starting %d worker%s", os.getpid(), count, "s" * (count > 1))
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        watcher = self._start_watcher() if config.reload else None
        try:
            self._start_all(sock, count)
            while not self.should_exit.wait(0.2):
                if self.reload_requested.is_set():
                    self.reload_requested.clear()
                    error_log.info("Changes detected: restarting workers")
                    self._stop_all(graceful=True)
                    self._start_all(sock, count)
                    continue
                for worker in self.workers:
                    self._check(worker, sock)
                    if self.should_exit.is_set():
                        break
            self._stop_all(graceful=True)
        finally:
            if watcher is not None:
                watcher.set()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            sock.close()
            if config.uds:
                try:
                    os.unlink(config.uds)
                except OSError:
                    pass
        return self.exit_code

    def _start_all(self, sock: socket.socket, count: int) -> None:
        self.workers = [Worker() for _ in range(count)]
        for worker in self.workers:
            worker.start(self.config, sock)

    def _check(self, worker: Worker, sock: socket.socket) -> None:
        proc = worker.proc
        if proc is None:
            if worker.restart_at is not None and time.monotonic() >= worker.restart_at:
                worker.start(self.config, sock)
            return
        worker.poll_ready()
        if proc.is_alive():
            return
        proc.join()
        worker.poll_ready()  # it may have spoken just before dying
        worker.proc = None
        code = proc.exitcode
        # Killed by a signal (the OOM killer, an operator) is not the app failing to start, even
        # before it served: the slot is restarted, with the crash streak's back-off.
        killed = code is not None and code < 0
        if (worker.serving_since is None and not killed) or code == EXIT_STARTUP_FAILED:
            if self.config.reload and code != EXIT_STARTUP_FAILED:
                error_log.error("Worker %s failed to start (exit code %s): waiting for a change",
                                proc.pid, code)
                return
            error_log.error("Worker %s exited (code %s) before serving: stopping", proc.pid, code)
            self.exit_code = code if code is not None and code > 0 else 1
            self.should_exit.set()
            return
        now = time.monotonic()
        served = 0.0 if worker.serving_since is None else now - worker.serving_since
        worker.crashes = 1 if served >= CRASH_STREAK_WINDOW else worker.crashes + 1
        if worker.crashes == 1:
            error_log.warning("Worker %s died (exit code %s): restarting", proc.pid, code)
            worker.restart_at = now
            return
        delay = min(RESTART_DELAY_FIRST * 2 ** (worker.crashes - 2), RESTART_DELAY_MAX)
        error_log.warning("Worker %s died (exit code %s): restarting in %.1f s (%d crashes in a row)",
                          proc.pid, code, delay, worker.crashes)
        worker.restart_at = now + delay

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        self.should_exit.set()

    def _stop_all(self, graceful: bool) -> None:
        procs = [w.proc for w in self.workers if w.proc is not None]
        for proc in procs:
            if proc.is_alive() and proc.pid is not None:
                os.kill(proc.pid, signal.SIGTERM if graceful else signal.SIGKILL)
        deadline = time.monotonic() + self.config.timeout_graceful_shutdown + 5.0
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                error_log.warning("Worker %s did not stop in time: killing it", proc.pid)
                proc.kill()
                proc.join()
        for worker in self.workers:
            if worker.ready is not None:
                worker.ready.close()
        self.workers = []

    def _start_watcher(self) -> threading.Event:
        try:
            import watchfiles
        except ImportError as exc:
            raise SystemExit("--reload needs the 'watchfiles' package: pip install watchfiles") from exc
        stop = threading.Event()
        dirs = self.config.reload_dirs or [os.getcwd()]

        def watch() -> None:
            for _changes in watchfiles.watch(*dirs, watch_filter=watchfiles.PythonFilter(), stop_event=stop):
                self.reload_requested.set()

        threading.Thread(target=watch, name="fastcore-reload", daemon=True).start()
        return stop
