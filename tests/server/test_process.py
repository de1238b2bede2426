"""The server as a process: SIGTERM under load, the --workers supervisor, --uds, TLS, gunicorn."""

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import Client, request

ROOT = Path(__file__).resolve().parents[2]
GET = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"


class Proc:
    def __init__(self, args: list[str], cwd: Path = ROOT) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        self.popen = subprocess.Popen(args, cwd=cwd, env=env, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines: list[str] = []

    def wait_line(self, pattern: str, timeout: float = 15.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        for line in self.lines:
            if (m := regex.search(line)) is not None:
                return m
        assert self.popen.stderr is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.popen.stderr], [], [], 0.1)
            if ready:
                line = self.popen.stderr.readline()
                if not line and self.popen.poll() is not None:
                    break
                self.lines.append(line)
                if (m := regex.search(line)) is not None:
                    return m
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.lines)}")


@contextmanager
def serve(*options: str, module: str = "fastcore") -> Iterator[tuple[Proc, int]]:
    proc = Proc([sys.executable, "-m", module, "run", "tests.server.apps:raw_app", "--port", "0", *options])
    try:
        port = int(proc.wait_line(r"Listening on http://127\.0\.0\.1:(\d+)").group(1))
        yield proc, port
    finally:
        if proc.popen.poll() is None:
            proc.popen.kill()
        proc.popen.wait(10)
        assert proc.popen.stderr is not None
        proc.popen.stderr.close()



def test_sigterm_not_held_up_by_a_stalled_upload() -> None:
    # The upload stops sending; the request body timeout, not the grace period, bounds the exit.
    with serve("--timeout-request-body", "1", "--timeout-graceful-shutdown", "20") as (proc, port):
        with Client(port) as c:
            c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")
            time.sleep(0.2)
            started = time.monotonic()
            proc.popen.send_signal(signal.SIGTERM)
            assert c.read_response()[0] == 408
            assert proc.popen.wait(10) == 0
            assert time.monotonic() - started < 4.0

def test_sigterm_under_load_loses_no_in_flight_request() -> None:
    with serve("--timeout-graceful-shutdown", "10") as (proc, port):
        results: list[bytes] = []
        clients = [Client(port) for _ in range(20)]
        for c in clients:
            c.send(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.1)
        proc.popen.send_signal(signal.SIGTERM)
        for c in clients:
            with c:
                results.append(c.read_response()[2])
                assert c.closed()
        assert results == [b"slow"] * 20
        assert proc.popen.wait(10) == 0
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_idle_keep_alive_connections_closed_on_shutdown() -> None:
    with serve("--timeout-keep-alive", "60") as (proc, port), Client(port) as idle:
        idle.send(GET)
        idle.read_response()
        started = time.monotonic()
        proc.popen.send_signal(signal.SIGINT)
        assert idle.closed(wait=5)
        assert proc.popen.wait(10) == 0 and time.monotonic() - started < 5


def test_killed_worker_is_replaced_and_port_keeps_answering() -> None:
    with serve("--workers", "2") as (proc, port):
        pids = {int(proc.wait_line(r"Started worker (\d+)").group(1))}
        while len(pids) < 2:
            proc.lines = [line for line in proc.lines if f"Started worker {next(iter(pids))}" not in line]
            pids.add(int(proc.wait_line(r"Started worker (\d+)").group(1)))
        time.sleep(1.0)  # both workers up
        stop = threading.Event()
        failures: list[str] = []

        def hammer() -> None:
            while not stop.is_set():
                try:
                    assert request(port, GET)[2] == b"hello"
                except Exception as exc:  # a connection to the dying worker may be reset
                    failures.append(repr(exc))
                time.sleep(0.01)

        thread = threading.Thread(target=hammer)
        thread.start()
        try:
            victim = sorted(pids)[0]
            os.kill(victim, signal.SIGKILL)
            proc.wait_line(rf"Worker {victim} died")
            new_pid = int(proc.wait_line(r"Started worker (\d+)").group(1))
            while new_pid in pids:
                proc.lines = [line for line in proc.lines if f"Started worker {new_pid}" not in line]
                new_pid = int(proc.wait_line(r"Started worker (\d+)").group(1))
            time.sleep(1.0)
        finally:
            stop.set()
            thread.join()
        assert request(port, GET)[2] == b"hello"
        assert len(failures) <= 2, failures
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(20) == 0


BAD_IMPORT = 'raise RuntimeError("boom")\n'

# Serves (its lifespan completes, so the worker listens and reports ready), then dies 0.5 s later.
CRASHES_AFTER_START = """
import asyncio, os

async def app(scope, receive, send):
    while (await receive())["type"] == "lifespan.startup":
        asyncio.get_running_loop().call_later(0.5, os._exit, 1)
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})
"""


def run_to_exit(proc: Proc, timeout: float) -> str:
    try:
        _, stderr = proc.popen.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.popen.kill()
        _, stderr = proc.popen.communicate()
        pytest.fail(f"the supervisor kept running:\n{stderr[-3000:]}")
    return stderr


@pytest.mark.parametrize(("target", "code", "headline", "message"), [
    ("bad:app", 1, "Error loading ASGI app", "RuntimeError: boom"),  # the module raises on import
    ("tests.apps_failing_startup:app", 3, "Exception in 'lifespan' protocol",
     "database pool could not connect"),  # its lifespan fails
])
def test_workers_failing_start_up_are_not_respawned(
    tmp_path: Path, target: str, code: int, headline: str, message: str
) -> None:
    (tmp_path / "bad.py").write_text(BAD_IMPORT)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = Proc([sys.executable, "-m", "fastcore", "run", target, "--workers", "2", "--port", str(port)],
                cwd=tmp_path)
    stderr = run_to_exit(proc, timeout=20)
    assert proc.popen.returncode == code, stderr
    assert stderr.count("Started worker") == 2, stderr  # the two first workers, no respawn
    assert message in stderr
    assert 1 <= stderr.count(headline) <= 2, stderr  # once per worker that got as far as failing
    assert "before serving" in stderr
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_worker_crash_loop_after_start_backs_off(tmp_path: Path) -> None:
    (tmp_path / "crashy.py").write_text(CRASHES_AFTER_START)
    proc = Proc([sys.executable, "-m", "fastcore", "run", "crashy:app", "--workers", "2", "--port", "0"],
                cwd=tmp_path)
    try:
        # Each slot: restarted at once after its first crash, then after 0.5 s, 1 s, 2 s...
        proc.wait_line(r"restarting in 0\.5 s", timeout=20)
        proc.wait_line(r"restarting in 2\.0 s", timeout=20)
        started = sum("Started worker" in line for line in proc.lines)
        assert started <= 2 + 2 * 4, "".join(proc.lines)
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(10) == 0
    finally:
        if proc.popen.poll() is None:
            proc.popen.kill()
        proc.popen.wait(10)
        assert proc.popen.stderr is not None
        proc.popen.stderr.close()


# Starts slowly: its lifespan startup takes 3 s, so a worker can be killed before it serves.
SLOW_START = """
import asyncio

async def app(scope, receive, send):
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hello"})
        return
    while (await receive())["type"] == "lifespan.startup":
        await asyncio.sleep(3)
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})
"""


def test_worker_killed_before_serving_is_restarted_not_fatal(tmp_path: Path) -> None:
    # A signal (the OOM killer during a slow start-up) is not the app failing to start: the slot is
    # restarted and the server comes up, where an exit before serving stops the supervisor.
    (tmp_path / "slow.py").write_text(SLOW_START)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = Proc([sys.executable, "-m", "fastcore", "run", "slow:app", "--workers", "2", "--port", str(port)],
                cwd=tmp_path)
    try:
        victim = int(proc.wait_line(r"Started worker (\d+)").group(1))
        os.kill(victim, signal.SIGKILL)
        proc.wait_line(rf"Worker {victim} died \(exit code -9\): restarting", timeout=15)
        deadline = time.monotonic() + 20
        while True:
            try:
                assert request(port, GET)[2] == b"hello"
                break
            except OSError:
                assert time.monotonic() < deadline, "".join(proc.lines)
                time.sleep(0.2)
        assert proc.popen.poll() is None
        assert not any("before serving" in line for line in proc.lines)
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(20) == 0
    finally:
        if proc.popen.poll() is None:
            proc.popen.kill()
        proc.popen.wait(10)
        assert proc.popen.stderr is not None
        proc.popen.stderr.close()


def test_unix_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sock")
    proc = Proc([sys.executable, "-m", "fastcore", "run", "tests.server.apps:raw_app", "--uds", path])
    try:
        proc.wait_line("Listening on unix socket")
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(5)
        sock.connect(path)
        sock.sendall(b"GET /scope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        sock.close()
        assert b"200 OK" in data and b'"client": null' in data
    finally:
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(10) == 0
        assert proc.popen.stderr is not None
        proc.popen.stderr.close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_tls(tmp_path: Path) -> None:
    import ssl

    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True, timeout=30)
    proc = Proc([sys.executable, "-m", "fastcore", "run", "tests.server.apps:raw_app", "--port", "0",
                 "--ssl-keyfile", str(key), "--ssl-certfile", str(cert)])
    try:
        port = int(proc.wait_line(r"Listening on https://127\.0\.0\.1:(\d+)").group(1))
        ctx = ssl.create_default_context(cafile=str(cert))
        ctx.check_hostname = False
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(b"GET /scope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        assert b"200 OK" in data and b'"scheme": "https"' in data
    finally:
        proc.popen.send_signal(signal.SIGTERM)
        proc.popen.wait(10)
        assert proc.popen.stderr is not None
        proc.popen.stderr.close()


def test_gunicorn_worker() -> None:
    pytest.importorskip("gunicorn")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-k", "fastcore.workers.FastCoreWorker", "-w", "1",
         "-b", f"127.0.0.1:{port}", "tests.server.apps:raw_app"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                assert request(port, GET)[2] == b"hello"
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
