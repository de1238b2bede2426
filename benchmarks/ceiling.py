"""The ceiling: a bare uvloop + httptools protocol that answers every request with fixed bytes.

No ASGI, no scope, no app: only the event loop, llhttp and one ``write`` per request.  The body is
the ``json`` scenario's, so the bytes on the wire match the raw ASGI app's.
``python -m benchmarks.ceiling PORT``
"""

import asyncio
import sys

import httptools
import uvloop

BODY = b'{"message":"Hello, world!"}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(BODY) + BODY
)


class Fixed(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.parser = httptools.HttpRequestParser(self)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_message_complete(self) -> None:
        self.transport.write(RESPONSE)  # type: ignore[attr-defined]


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Fixed, "127.0.0.1", port, backlog=2048)
    print(f"Listening on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
