"""The ceiling: a bare uvloop + httptools protocol that answers every request with fixed bytes.

No ASGI, no scope, no app: only the event loop, llhttp and one ``write`` per request.  The bytes
are the scenario's right answer, so the ceiling passes the same correctness check as every
framework.  For the ``ws`` scenario it completes the WebSocket handshake (RFC 6455 §4.2.2) and
echoes each frame back unmasked (§5.2), with no other protocol machinery.

``python -m benchmarks.ceiling PORT [SCENARIO]`` (default scenario: ``json``)
"""

import asyncio
import base64
import hashlib
import sys

import httptools
import uvloop

from .netapps import NET_SCENARIOS

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3


def http_response(scenario: str) -> bytes:
    content_type, body = NET_SCENARIOS[scenario].response_bytes()
    head = b"HTTP/1.1 200 OK\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n"
    return head % (content_type, len(body)) + body


class Fixed(asyncio.Protocol):
    response = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.parser = httptools.HttpRequestParser(self)
        self.ws_key = b""
        self.frames: bytearray | None = None  # set once the connection is a WebSocket

    def data_received(self, data: bytes) -> None:
        if self.frames is not None:
            self.frames += data
            self.echo_frames()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.upgrade()
        except httptools.HttpParserError:
            self.transport.close()

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"sec-websocket-key":
            self.ws_key = value

    def on_message_complete(self) -> None:
        if not self.parser.should_upgrade():
            self.transport.write(self.response)

    def upgrade(self) -> None:
        accept = base64.b64encode(hashlib.sha1(self.ws_key + WS_GUID).digest())
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
            b"sec-websocket-accept: " + accept + b"\r\n\r\n"
        )
        self.frames = bytearray()

    def echo_frames(self) -> None:
        """Answer every complete masked client frame with the same payload, unmasked."""
        buf = self.frames
        assert buf is not None
        while len(buf) >= 2:
            opcode, length, offset = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, offset = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                self.transport.close()  # the benchmark never sends frames that large
                return
            if len(buf) < offset + 4 + length:
                return
            mask = buf[offset : offset + 4] * (length // 4 + 1)
            payload = bytes(b ^ m for b, m in zip(buf[offset + 4 : offset + 4 + length], mask, strict=False))
            del buf[: offset + 4 + length]
            if opcode == 0x8:  # close: answer it and hang up
                self.transport.write(b"\x88\x00")
                self.transport.close()
                return
            if length < 126:
                head = bytes((0x80 | opcode, length))
            else:
                head = bytes((0x80 | opcode, 126)) + length.to_bytes(2, "big")
            self.transport.write(head + payload)


async def main(port: int, scenario: str) -> None:
    Fixed.response = http_response(scenario) if not NET_SCENARIOS[scenario].websocket else b""
    server = await asyncio.get_running_loop().create_server(Fixed, "127.0.0.1", port, backlog=2048)
    print(f"Listening on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "json"))
