"""``--workers N`` and ``--reload``: one listening socket, N server processes sharing it.

The supervisor binds the socket once, starts each worker with a duplicate of it (spawn, so workers
share no interpreter state), restarts any worker that dies, forwards SIGTERM/SIGINT as a graceful
SIGTERM, and with ``--reload`` restarts the workers when a watched ``.py`` file changes.  A worker
whose app fails its lifespan startup exits with code 3; the supervisor then stops instead of
restarting it forever.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.context import SpawnProcess
from types import FrameType

from .config import Config
from .server import EXIT_STARTUP_FAILED, Server, describe_address

error_log = logging.getLogger("fastcore.error")
spawn = multiprocessing.get_context("spawn")


def _worker_main(config: Config, sock: socket.socket) -> None:
    config.configure_logging()
    config.workers = 1
    config.reload = False
    code = Server(config).run([sock])
    raise SystemExit(code)


class Supervisor:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.processes: list[SpawnProcess] = []
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
            self.processes = [self._spawn(sock) for _ in range(count)]
            while not self.should_exit.wait(0.2):
                if self.reload_requested.is_set():
                    self.reload_requested.clear()
                    error_log.info("Changes detected: restarting workers")
                    self._stop_all(graceful=True)
                    self.processes = [self._spawn(sock) for _ in range(count)]
                    continue
                for i, proc in enumerate(self.processes):
                    if proc.is_alive():
                        continue
                    proc.join()
                    if proc.exitcode == EXIT_STARTUP_FAILED:
                        error_log.error("Worker %s failed to start its app: stopping", proc.pid)
                        self.exit_code = EXIT_STARTUP_FAILED
                        self.should_exit.set()
                        break
                    if self.config.reload and proc.exitcode == 1:
                        continue  # import error while reloading: wait for the next change
                    error_log.warning("Worker %s died (exit code %s): restarting", proc.pid, proc.exitcode)
                    self.processes[i] = self._spawn(sock)
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

    def _spawn(self, sock: socket.socket) -> SpawnProcess:
        proc = spawn.Process(target=_worker_main, args=(self.config, sock), daemon=False)
        proc.start()
        error_log.info("Started worker %s", proc.pid)
        return proc

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        self.should_exit.set()

    def _stop_all(self, graceful: bool) -> None:
        for proc in self.processes:
            if proc.is_alive() and proc.pid is not None:
                os.kill(proc.pid, signal.SIGTERM if graceful else signal.SIGKILL)
        deadline = time.monotonic() + self.config.timeout_graceful_shutdown + 5.0
        for proc in self.processes:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                error_log.warning("Worker %s did not stop in time: killing it", proc.pid)
                proc.kill()
                proc.join()
        self.processes = []

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
