"""ASGI ``websocket`` on top of the ``websockets`` library's sans-I/O protocol.

``fastcore._http`` parses and checks the upgrade request, then hands the transport to a
:class:`WebSocketProtocol`.  Framing, masking, fragmentation limits, ping answers and the closing
handshake are all done by ``websockets.server.ServerProtocol``; this module only moves bytes and
turns events into ASGI messages.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import http
import logging
import os
from collections.abc import Sequence
from typing import Any, cast

from websockets.datastructures import Headers
from websockets.extensions import ServerExtensionFactory
from websockets.extensions.permessage_deflate import enable_server_permessage_deflate
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from .._http import ServerState

error_log = logging.getLogger("fastcore.error")
ws_logger = logging.getLogger("fastcore.websocket")


class ClientDisconnected(OSError):
    """``send`` on a WebSocket that is closed (ASGI spec 2.4)."""


class WebSocketSettings:
    __slots__ = ("app", "extensions", "loop", "max_size", "ping_interval", "ping_timeout", "server_state")

    def __init__(
        self,
        app: Any,
        loop: asyncio.AbstractEventLoop,
        server_state: ServerState,
        max_size: int,
        ping_interval: float,
        ping_timeout: float,
        per_message_deflate: bool = True,
    ) -> None:
        self.app = app
        self.loop = loop
        self.server_state = server_state
        self.max_size = max_size
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        # permessage-deflate (RFC 7692) with websockets' memory-conscious settings (12-bit windows,
        # memLevel 5).  websockets inflates at most the room left under max_size, so the size limit
        # (close 1009) holds for the decompressed message and a compression bomb costs no memory.
        self.extensions: Sequence[ServerExtensionFactory] = (
            enable_server_permessage_deflate(None) if per_message_deflate else ()
        )


UTF8Decoder = codecs.getincrementaldecoder("utf-8")  # strict: invalid bytes raise

# Read-side flow control: stop reading while the app has this many unread messages.
QUEUE_HIGH_WATER = 16


class WebSocketProtocol(asyncio.Protocol):
    def __init__(
        self,
        settings: WebSocketSettings,
        scope: dict[str, Any],
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        tail: bytes,
    ) -> None:
        self.settings = settings
        self.loop = settings.loop
        self.scope = scope
        self.target = target
        self.raw_headers = headers
        self.tail = tail
        self.transport: asyncio.Transport | None = None
        self.proto = ServerProtocol(
            max_size=settings.max_size or None, state=State.OPEN, logger=ws_logger,
            extensions=settings.extensions,
        )
        self.handshake: Response | None = None
        self.accepted = False
        self.closed = False  # the app knows: websocket.disconnect was queued
        self.responded = False  # an HTTP response (denial) was sent instead of the handshake
        self.deny_status = 0
        self.deny_headers: list[tuple[bytes, bytes]] = []
        self.deny_body: list[bytes] = []
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.fragments: list[Any] = []  # the current message so far: str (text) or bytes parts
        self.fragment_opcode: Opcode | None = None
        self.utf8: codecs.IncrementalDecoder | None = None
        self.failed = False  # we failed the connection (RFC 6455 §7.1.7)
        self.read_paused = False
        self.write_paused = False
        self.drain_waiter: asyncio.Future[None] | None = None
        self.ping_handle: asyncio.TimerHandle | None = None
        self.pong_waiter: tuple[bytes, asyncio.TimerHandle] | None = None
        self.task: asyncio.Task[None] | None = None
        self.close_code: int = CloseCode.ABNORMAL_CLOSURE
        self.close_reason = ""

    # -- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self.settings.server_state.connections.add(self)
        request = Request(
            path=self.target.decode("latin-1"),
            headers=Headers([(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw_headers]),
        )
        response = self.proto.accept(request)
        if response.status_code != 101:
            # Not a valid WebSocket handshake (key, version...): websockets says why; no app call.
            self._write_http(response.status_code, [(b"content-type", b"text/plain; charset=utf-8")],
                             bytes(response.body))
            return
        self.handshake = response
        subprotocols: list[str] = []
        for name, value in self.raw_headers:
            if name == b"sec-websocket-protocol":
                subprotocols += [p.strip() for p in value.decode("latin-1").split(",") if p.strip()]
        self.scope["subprotocols"] = subprotocols
        self.queue.put_nowait({"type": "websocket.connect"})
        self.task = self.loop.create_task(self.run_asgi())
        tasks = self.settings.server_state.tasks
        tasks.add(self.task)
        self.task.add_done_callback(tasks.discard)
        if self.tail:
            self.data_received(self.tail)

    def connection_lost(self, exc: Exception | None) -> None:
        self.settings.server_state.connections.discard(self)
        self._cancel_ping()
        if self.proto.close_rcvd is not None:
            self.close_code, self.close_reason = self.proto.close_rcvd.code, self.proto.close_rcvd.reason
        self._disconnected()
        if self.drain_waiter is not None and not self.drain_waiter.done():
            self.drain_waiter.set_result(None)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.drain_waiter is not None and not self.drain_waiter.done():
            self.drain_waiter.set_result(None)

    def data_received(self, data: bytes) -> None:
        # websockets turns bad input into a close (1002, 1007, 1009...) without raising; the guard
        # is for our own bugs, which must cost this connection only, never the transport's loop.
        try:
            self.proto.receive_data(data)
            self._process()
        except Exception as exc:
            self._internal_error(exc)

    def eof_received(self) -> bool | None:
        try:
            self.proto.receive_eof()
            self._process()
        except Exception as exc:
            self._internal_error(exc)
        return None

    def _internal_error(self, exc: Exception) -> None:
        error_log.error("WebSocket connection failed on an internal error", exc_info=exc)
        self.failed = True
        if self.proto.state is State.OPEN:
            self.proto.fail(CloseCode.INTERNAL_ERROR)
        self.close_code = CloseCode.INTERNAL_ERROR
        with contextlib.suppress(Exception):
            self._flush()
        if self.transport is not None:
            self.transport.close()
        self._disconnected()

    # -- events from websockets -------------------------------------------------------------------

    def _process(self) -> None:
        for event in self.proto.events_received():
            if self.failed:
                break  # RFC 6455 §7.1.7: nothing more is processed after failing the connection
            if isinstance(event, Frame):
                self._frame(event)
        self._flush()
        if self.proto.state is State.CLOSED or self.proto.close_rcvd is not None or self.proto.close_sent:
            frame = self.proto.close_rcvd or self.proto.close_sent
            if frame is not None:
                self.close_code, self.close_reason = frame.code, frame.reason
            self._disconnected()
        if self.queue.qsize() >= QUEUE_HIGH_WATER and not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()

    def _frame(self, frame: Frame) -> None:
        # websockets has checked the framing (continuations only inside a fragmented message) and
        # the size limit; what it leaves to us is the UTF-8 of text messages (RFC 6455 §8.1).
        op = frame.opcode
        try:
            if op is Opcode.TEXT or op is Opcode.BINARY:
                if frame.fin:  # PERF: the usual whole message in one frame, no decoder object
                    self._deliver(op, bytes(frame.data).decode() if op is Opcode.TEXT else bytes(frame.data))
                    return
                self.fragment_opcode = op
                self.utf8 = UTF8Decoder() if op is Opcode.TEXT else None
                self.fragments = []
            elif op is not Opcode.CONT or self.fragment_opcode is None:
                if op is Opcode.PONG and self.pong_waiter is not None and frame.data == self.pong_waiter[0]:
                    self.pong_waiter[1].cancel()
                    self.pong_waiter = None
                    self._schedule_ping()
                return
            # A fragmented message: its text is checked frame by frame, so bad bytes are refused
            # as soon as they arrive, not after buffering the rest of the message.
            utf8, data = self.utf8, bytes(frame.data)
            self.fragments.append(utf8.decode(data, frame.fin) if utf8 is not None else data)
        except UnicodeDecodeError:
            self.failed = True
            self.proto.fail(CloseCode.INVALID_DATA, "invalid UTF-8 in a text message")
            self.fragments = []
            self.fragment_opcode = self.utf8 = None
            return
        if frame.fin:
            parts = self.fragments
            self._deliver(self.fragment_opcode, "".join(parts) if self.utf8 is not None else b"".join(parts))
            self.fragments = []
            self.fragment_opcode = self.utf8 = None

    def _deliver(self, op: Opcode, data: str | bytes) -> None:
        key = "text" if op is Opcode.TEXT else "bytes"
        self.queue.put_nowait({"type": "websocket.receive", key: data})

    def _flush(self) -> None:
        transport = self.transport
        if transport is None:
            return
        for data in self.proto.data_to_send():
            if data:
                if not transport.is_closing():
                    transport.write(data)
            else:
                transport.close()  # websockets asks for EOF: the server closes TCP (RFC 6455 §7.1.1)

    def _disconnected(self) -> None:
        if not self.closed:
            self.closed = True
            self._cancel_ping()
            self.queue.put_nowait(
                {"type": "websocket.disconnect", "code": int(self.close_code), "reason": self.close_reason}
            )

    # -- keep-alive pings -------------------------------------------------------------------------

    def _schedule_ping(self) -> None:
        if self.settings.ping_interval > 0 and not self.closed:
            self.ping_handle = self.loop.call_later(self.settings.ping_interval, self._ping)

    def _ping(self) -> None:
        self.ping_handle = None
        if self.closed or self.proto.state is not State.OPEN:
            return
        payload = os.urandom(4)
        self.proto.send_ping(payload)
        self._flush()
        if self.settings.ping_timeout > 0:
            self.pong_waiter = (payload, self.loop.call_later(self.settings.ping_timeout, self._ping_timeout))
        else:
            self._schedule_ping()

    def _ping_timeout(self) -> None:
        self.pong_waiter = None
        if self.proto.state is State.OPEN:
            self.proto.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
            self._flush()
        self.close_code = CloseCode.ABNORMAL_CLOSURE
        if self.transport is not None:
            self.transport.close()

    def _cancel_ping(self) -> None:
        if self.ping_handle is not None:
            self.ping_handle.cancel()
            self.ping_handle = None
        if self.pong_waiter is not None:
            self.pong_waiter[1].cancel()
            self.pong_waiter = None

    # -- ASGI -------------------------------------------------------------------------------------

    async def run_asgi(self) -> None:
        try:
            result = await self.settings.app(self.scope, self.receive, self.send)
        except asyncio.CancelledError:
            self._abort(CloseCode.GOING_AWAY)
            raise
        except BaseException as exc:
            error_log.error("Exception in ASGI application", exc_info=exc)
            if not self.accepted and not self.responded:
                self._write_http(500, [(b"content-type", b"text/plain; charset=utf-8")],
                                 b"Internal Server Error")
            else:
                self._abort(CloseCode.INTERNAL_ERROR)
        else:
            if result is not None:
                error_log.error("ASGI callable returned a value instead of None: %r", result)
            if not self.accepted and not self.responded:
                # ASGI: an app that ends without accepting is a denial -> 403.
                self._write_http(403, [(b"content-type", b"text/plain; charset=utf-8")], b"Forbidden")
            else:
                self._abort(CloseCode.NORMAL_CLOSURE)

    def _abort(self, code: int) -> None:
        if self.accepted and self.proto.state is State.OPEN:
            self.proto.send_close(code)
            self._flush()
        elif self.transport is not None and self.proto.state is not State.CLOSING:
            self.transport.close()

    async def receive(self) -> dict[str, Any]:
        message = await self.queue.get()
        if self.read_paused and self.queue.qsize() < QUEUE_HIGH_WATER // 2 and self.transport is not None:
            self.read_paused = False
            self.transport.resume_reading()
        return message

    async def send(self, message: dict[str, Any]) -> None:
        while self.write_paused and self.transport is not None and not self.transport.is_closing():
            if self.drain_waiter is None or self.drain_waiter.done():
                self.drain_waiter = self.loop.create_future()
            await self.drain_waiter
        kind = message["type"]
        if self.responded:
            if kind == "websocket.http.response.body" and self.deny_status:
                self._deny_body(message)
                return
            raise ClientDisconnected(f"unexpected {kind!r}: the handshake was answered with HTTP")
        if not self.accepted:
            if kind == "websocket.accept":
                self._accept(message)
            elif kind == "websocket.close":
                self._write_http(403, [(b"content-type", b"text/plain; charset=utf-8")], b"Forbidden")
            elif kind == "websocket.http.response.start":
                self.responded = True
                self.deny_status = int(message["status"])
                self.deny_headers = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", ())]
            else:
                raise RuntimeError(f"expected 'websocket.accept' or 'websocket.close', got {kind!r}")
            return
        if self.closed or self.proto.state is not State.OPEN:
            raise ClientDisconnected("the WebSocket is closed")
        if kind == "websocket.send":
            text = message.get("text")
            if text is not None:
                self.proto.send_text(text.encode("utf-8"))
            else:
                data = message.get("bytes")
                if data is None:
                    raise RuntimeError("websocket.send needs 'bytes' or 'text'")
                self.proto.send_binary(data)
        elif kind == "websocket.close":
            self.proto.send_close(int(message.get("code", 1000)), message.get("reason") or "")
            self.close_code = message.get("code", 1000)
        else:
            raise RuntimeError(f"unexpected {kind!r} on an open WebSocket")
        self._flush()

    def _accept(self, message: dict[str, Any]) -> None:
        response = self.handshake
        assert response is not None
        subprotocol = message.get("subprotocol")
        if subprotocol:
            response.headers["Sec-WebSocket-Protocol"] = subprotocol
        for name, value in message.get("headers", ()):
            response.headers[bytes(name).decode("latin-1")] = bytes(value).decode("latin-1")
        self.accepted = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(response.serialize())
        self._schedule_ping()

    def _deny_body(self, message: dict[str, Any]) -> None:
        self.deny_body.append(bytes(message.get("body", b"")))
        if not message.get("more_body", False):
            self._write_http(self.deny_status, self.deny_headers, b"".join(self.deny_body))
            self.deny_status = 0

    def _write_http(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.responded = True
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        head = [f"HTTP/1.1 {status} {phrase}\r\n".encode("latin-1")]
        for name, value in headers:
            if name not in (b"content-length", b"connection", b"transfer-encoding"):
                head.append(name + b": " + value + b"\r\n")
        head.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        transport.write(b"".join(head) + body)
        transport.close()

    def shutdown(self) -> None:
        """Graceful shutdown: close 1012 (service restart) so the client reconnects elsewhere."""
        if self.accepted and self.proto.state is State.OPEN:
            self.proto.send_close(CloseCode.SERVICE_RESTART)
            self._flush()
        elif self.transport is not None and self.task is None:
            self.transport.close()

    def force_close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    @property
    def idle(self) -> bool:
        return False

