"""A small keep-alive load generator on uvloop: HTTP/1.1, and WebSocket echo (which wrk cannot do).

``python -m benchmarks._loadgen SPEC`` where SPEC is a JSON object: ``url``, ``connections``,
``seconds``; optional ``warmup`` (seconds of load before the measured window); for HTTP optional
``method``, ``headers`` (a list of [name, value]) and ``body`` (text); ``websocket: true`` plus
``message`` for an echo test.  Prints ``{"rps", "requests", "errors", "p50_ms", "p99_ms"}``.
Latency is from writing a request (or a message) to reading its whole answer, on each of
``connections`` connections that each keep one request in flight.

It is slower than wrk (Python parses every response), so its HTTP figures are a lower bound and
are labelled "built-in loadgen" in the report.
"""

import asyncio
import base64
import json
import os
import sys
import time
import urllib.parse
from typing import Any

import httptools
import uvloop

WARMUP = 0.5  # default seconds of load before the measured window (spec: "warmup")


class Stats:
    """Responses counted (and latencies kept) only while ``recording``."""

    def __init__(self) -> None:
        self.recording = False
        self.ok = 0
        self.errors = 0
        self.latencies: list[float] = []


class HTTPConn(asyncio.Protocol):
    def __init__(self, request: bytes, stats: Stats) -> None:
        self.request = request
        self.stats = stats
        self.parser = httptools.HttpResponseParser(self)
        self.sent = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.send()

    def send(self) -> None:
        self.sent = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        stats = self.stats
        if stats.recording:
            stats.latencies.append(time.perf_counter() - self.sent)
            if self.parser.get_status_code() == 200:
                stats.ok += 1
            else:
                stats.errors += 1
        self.send()


class WSConn(asyncio.Protocol):
    """Handshake, then send one masked text frame and wait for its echo, forever."""

    def __init__(self, host: str, target: str, message: bytes, stats: Stats) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.handshake = (
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(message))
        assert len(message) < 126
        self.frame = bytes((0x81, 0x80 | len(message))) + mask + masked  # RFC 6455 §5.2
        self.echo = bytes((0x81, len(message))) + message
        self.stats = stats
        self.buffer = bytearray()
        self.open = False
        self.sent = 0.0
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.transport.write(self.handshake)

    def send(self) -> None:
        self.sent = time.perf_counter()
        self.transport.write(self.frame)

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(RuntimeError(f"handshake refused: {bytes(buf[:200])!r}"))
                self.transport.close()
                return
            del buf[: end + 4]
            self.open = True
            self.ready.set_result(None)
            self.send()
        size = len(self.echo)
        while len(buf) >= size:
            stats = self.stats
            if stats.recording:
                stats.latencies.append(time.perf_counter() - self.sent)
                if buf[:size] == self.echo:
                    stats.ok += 1
                else:
                    stats.errors += 1
            del buf[:size]
            self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(f"connection lost during handshake: {exc}"))


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(spec["url"])
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    loop = asyncio.get_running_loop()
    stats = Stats()
    body = str(spec.get("body", "")).encode()
    headers = [(str(k), str(v)) for k, v in spec.get("headers", [])]
    if body:
        headers.append(("Content-Length", str(len(body))))
    head = f"{spec.get('method', 'GET')} {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    request = (head + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode() + body
    message = str(spec.get("message", "hello")).encode()

    def protocol() -> asyncio.Protocol:
        if spec.get("websocket"):
            return WSConn(parts.netloc, target, message, stats)
        return HTTPConn(request, stats)

    transports: list[asyncio.BaseTransport] = []
    for _ in range(int(spec["connections"])):
        transport, conn = await loop.create_connection(protocol, parts.hostname, parts.port)
        if isinstance(conn, WSConn):
            await conn.ready
        transports.append(transport)
    await asyncio.sleep(float(spec.get("warmup", WARMUP)))
    stats.recording = True
    started = time.perf_counter()
    await asyncio.sleep(float(spec["seconds"]))
    stats.recording = False
    elapsed = time.perf_counter() - started
    for open_transport in transports:
        open_transport.close()
    latencies = sorted(stats.latencies)
    return {
        "rps": stats.ok / elapsed,
        "requests": stats.ok,
        "errors": stats.errors,
        "p50_ms": percentile(latencies, 0.50) * 1e3,
        "p99_ms": percentile(latencies, 0.99) * 1e3,
    }


if __name__ == "__main__":
    print(json.dumps(uvloop.run(run(json.loads(sys.argv[1])))))
