"""Loopback fixtures: a real fastcore server on 127.0.0.1, raw-socket clients, a per-test deadline."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from fastcore.server import Config, Server

from .apps import APPS

TEST_DEADLINE = 30  # seconds; a hung test fails instead of hanging the suite


@pytest.fixture(autouse=True)
def _deadline() -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"test exceeded {TEST_DEADLINE}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_DEADLINE)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def running(app: Any, **options: Any) -> Iterator[tuple[Server, int]]:
    """Serve `app` on 127.0.0.1:<free port> in a thread; yields (server, port)."""
    options.setdefault("log_level", "warning")
    config = Config(app=app, host="127.0.0.1", port=0, **options)
    server = Server(config)
    server.install_signal_handlers = False
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert server.started.wait(10), "server did not start"
    if not server.addresses:
        thread.join(5)
        raise RuntimeError(f"server exited with {server.exit_code}")
    try:
        yield server, server.addresses[0][1]
    finally:
        server.handle_exit()
        thread.join(15)
        assert not thread.is_alive(), "server did not stop"


@pytest.fixture(params=list(APPS), scope="module")
def any_app(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """The same suite against the raw ASGI app, plain Starlette and FastAPI."""
    with running(APPS[request.param]()) as (_, port):
        yield request.param, port


@pytest.fixture(scope="module")
def raw_port() -> Iterator[int]:
    with running(APPS["raw"](), max_body_size=1000, max_header_count=20, max_header_bytes=2000,
                 max_url_length=500, timeout_request_head=1.5, timeout_keep_alive=1.0) as (_, port):
        yield port


class Client:
    """A raw-socket HTTP client: send bytes, read responses by their framing."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def read_response(self, head: bool = False) -> tuple[int, dict[str, str], bytes]:
        """One response: (status, headers with lower-case names, decoded body)."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError(f"closed before a full head: {self.buf!r}")
        raw_head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if head or status in (204, 304) or status < 200:
            return status, headers, b""
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                size_line, _, self.buf = self.buf.partition(b"\r\n")
                size = int(size_line, 16)
                while len(self.buf) < size + 2:
                    self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    return status, headers, body
        if "content-length" in headers:
            n = int(headers["content-length"])
            while len(self.buf) < n:
                if not self._fill():
                    raise ConnectionError("closed mid-body")
            body, self.buf = self.buf[:n], self.buf[n:]
            return status, headers, body
        while self._fill():
            pass
        body, self.buf = self.buf, b""
        return status, headers, body

    def closed(self, wait: float = 2.0) -> bool:
        """True if the server closes the connection (EOF or reset) within `wait` seconds."""
        self.sock.settimeout(wait)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buf += data
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False


def request(port: int, data: bytes, head: bool = False) -> tuple[int, dict[str, str], bytes]:
    with Client(port) as client:
        client.send(data)
        return client.read_response(head=head)


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
