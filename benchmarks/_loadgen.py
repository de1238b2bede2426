"""A small keep-alive load generator on uvloop, used when ``wrk`` is not installed.

``python -m benchmarks._loadgen URL CONNECTIONS SECONDS`` prints ``{"rps": ..., "errors": ...}``.
It is slower than wrk (Python parses every response), so its figures are a lower bound and are
labelled "built-in loadgen" in the report.
"""

import asyncio
import json
import sys
import time
import urllib.parse

import httptools
import uvloop


class Conn(asyncio.Protocol):
    def __init__(self, request: bytes, counter: list[int]) -> None:
        self.request = request
        self.counter = counter
        self.parser = httptools.HttpResponseParser(self)
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        if self.parser.get_status_code() == 200:
            self.counter[0] += 1
        else:
            self.counter[1] += 1
        self.transport.write(self.request)  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def run(url: str, connections: int, seconds: float) -> dict[str, float]:
    parts = urllib.parse.urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    loop = asyncio.get_running_loop()
    counter = [0, 0]
    conns = [
        (await loop.create_connection(lambda: Conn(request, counter), parts.hostname, parts.port))[0]
        for _ in range(connections)
    ]
    await asyncio.sleep(0.5)  # warm-up
    start_count, started = counter[0], time.perf_counter()
    await asyncio.sleep(seconds)
    done, elapsed = counter[0] - start_count, time.perf_counter() - started
    for transport in conns:
        transport.close()
    return {"rps": done / elapsed, "errors": counter[1]}


if __name__ == "__main__":
    print(json.dumps(uvloop.run(run(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))))
