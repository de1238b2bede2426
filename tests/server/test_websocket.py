"""WebSocket over loopback: handshake, echo, ping/pong, close codes, size limit, denials."""

import logging
import os
import signal
import struct
import zlib

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from .apps import EVENTS, raw_app
from .conftest import Client, request, running, wait_for


def test_echo_text_and_bytes(any_app: tuple[str, int]) -> None:
    with connect(f"ws://127.0.0.1:{any_app[1]}/ws", open_timeout=5) as ws:
        ws.send("héllo")
        assert ws.recv(timeout=5) == "héllo"
        ws.send(b"\x00\x01")
        assert ws.recv(timeout=5) == b"\x00\x01"
        ws.send(["frag", "mented"])  # a fragmented message is reassembled
        assert ws.recv(timeout=5) == "fragmented"
        ws.ping(b"p").wait(5)


def test_close_before_accept_is_403(any_app: tuple[str, int]) -> None:
    with pytest.raises(InvalidStatus) as info:
        connect(f"ws://127.0.0.1:{any_app[1]}/ws-deny", open_timeout=5)
    assert info.value.response.status_code == 403


def test_http_denial_response() -> None:
    with running(raw_app) as (_, port), pytest.raises(InvalidStatus) as info:
        connect(f"ws://127.0.0.1:{port}/ws-http-deny", open_timeout=5)
    assert info.value.response.status_code == 401 and info.value.response.body == b"no entry"


def test_app_error_before_accept_is_500() -> None:
    with running(raw_app) as (_, port), pytest.raises(InvalidStatus) as info:
        connect(f"ws://127.0.0.1:{port}/ws-error", open_timeout=5)
    assert info.value.response.status_code == 500


def test_server_close_code_and_subprotocol() -> None:
    with running(raw_app) as (_, port):
        with connect(f"ws://127.0.0.1:{port}/ws-close", subprotocols=["chat"], open_timeout=5) as ws:
            assert ws.subprotocol == "chat"
            with pytest.raises(ConnectionClosed) as info:
                ws.recv(timeout=5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 4001


def test_client_close_code_reaches_app() -> None:
    EVENTS.clear()
    with running(raw_app) as (_, port):
        with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as ws:
            ws.close(code=4321)
        assert wait_for(lambda: EVENTS.get("ws-close-code") == 4321)


def test_oversized_message_closes_1009() -> None:
    with running(raw_app, ws_max_size=1000) as (_, port):
        with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5, max_size=None) as ws:
            ws.send("x" * 500)
            assert ws.recv(timeout=5) == "x" * 500
            ws.send("x" * 2000)
            with pytest.raises(ConnectionClosed) as info:
                ws.recv(timeout=5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1009


HANDSHAKE = (b"GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def frame(opcode: int, payload: bytes, fin: bool = True, rsv1: bool = False) -> bytes:
    """A client frame by hand, masked with the all-zero key (so the payload goes as is)."""
    head = bytes([0x80 * fin | 0x40 * rsv1 | opcode])
    if len(payload) < 126:
        head += bytes([0x80 | len(payload)])
    elif len(payload) < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
    return head + b"\0\0\0\0" + payload


def close_code(data: bytes) -> int | None:
    """The code of the first close frame (opcode 0x8) among unmasked server frames in `data`."""
    while len(data) >= 2:
        opcode, size = data[0] & 0x0F, data[1] & 0x7F
        start = 2
        if size == 126:
            size, start = struct.unpack("!H", data[2:4])[0], 4
        elif size == 127:
            size, start = struct.unpack("!Q", data[2:10])[0], 10
        if opcode == 0x8:
            return int(struct.unpack("!H", data[start:start + 2])[0])
        data = data[start + size:]
    return None


@pytest.mark.parametrize("frames", [
    frame(0x1, b"\xc0\xaf"),  # an overlong encoding of "/"
    frame(0x1, b"\xce", fin=False) + frame(0x0, b""),  # a character cut off by the end of the message
], ids=["single", "fragmented"])
def test_invalid_utf8_text_closes_1007(frames: bytes, caplog: pytest.LogCaptureFixture) -> None:
    EVENTS.clear()
    with running(raw_app) as (_, port):
        with Client(port) as c:
            c.send(HANDSHAKE)
            assert c.read_response(head=True)[0] == 101
            c.send(frames)
            assert c.closed(wait=3.0)
            assert close_code(c.buf) == 1007
        assert wait_for(lambda: EVENTS.get("ws-close-code") == 1007)
        with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as ws:  # the server still serves
            ws.send("ok")
            assert ws.recv(timeout=5) == "ok"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]


def test_character_split_across_fragments_is_reassembled() -> None:
    with running(raw_app) as (_, port), Client(port) as c:
        c.send(HANDSHAKE)
        assert c.read_response(head=True)[0] == 101
        c.send(frame(0x1, b"a\xce", fin=False) + frame(0x0, b"\xbb", fin=False) + frame(0x0, b"b"))
        while len(c.buf) < 6:
            assert c._fill()
        assert c.buf[:6] == b"\x81\x04a\xce\xbbb"  # the echo: one text frame, "aλb"


def test_internal_error_costs_one_connection_only(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from fastcore.server.websocket import WebSocketProtocol

    def broken(self: WebSocketProtocol, op: object, data: object) -> None:
        raise KeyError("bug")

    EVENTS.clear()
    with running(raw_app) as (_, port):
        with Client(port) as c:
            c.send(HANDSHAKE)
            assert c.read_response(head=True)[0] == 101
            monkeypatch.setattr(WebSocketProtocol, "_deliver", broken)
            c.send(frame(0x1, b"hi"))
            assert c.closed(wait=3.0)
            assert close_code(c.buf) == 1011
        assert wait_for(lambda: EVENTS.get("ws-close-code") == 1011)
        monkeypatch.undo()
        assert request(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")[2] == b"hello"
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert logged == ["WebSocket connection failed on an internal error"]


# -- permessage-deflate (RFC 7692) ------------------------------------------------------------------

DEFLATE_HANDSHAKE = HANDSHAKE.replace(
    b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
)


def deflate(data: bytes, chunk: int = 1 << 20) -> bytes:
    """A message's payload as RFC 7692 §7.2.1 sends it: raw DEFLATE, minus the final 00 00 ff ff."""
    encoder = zlib.compressobj(wbits=-12)  # the window the server grants (client_max_window_bits=12)
    out = [encoder.compress(data[i:i + chunk]) for i in range(0, len(data), chunk)]
    payload = b"".join(out) + encoder.flush(zlib.Z_SYNC_FLUSH)
    assert payload.endswith(b"\x00\x00\xff\xff")
    return payload[:-4]


def test_per_message_deflate_negotiated_and_used_both_ways() -> None:
    with running(raw_app) as (_, port), Client(port) as c:
        c.send(DEFLATE_HANDSHAKE)
        status, headers, _ = c.read_response(head=True)
        assert status == 101
        assert headers["sec-websocket-extensions"].startswith("permessage-deflate")
        text = "compress me " * 100
        c.send(frame(0x1, deflate(text.encode()), rsv1=True))
        while len(c.buf) < 4:
            assert c._fill()
        assert c.buf[0] == 0xC1  # the echo: FIN + RSV1 (compressed) + text
        size, start = c.buf[1], 2
        if size == 126:
            size, start = struct.unpack("!H", c.buf[2:4])[0], 4
        while len(c.buf) < start + size:
            assert c._fill()
        assert size < len(text) // 4  # really compressed
        payload = c.buf[start:start + size] + b"\x00\x00\xff\xff"
        assert zlib.decompressobj(wbits=-15).decompress(payload).decode() == text


def test_per_message_deflate_round_trip_with_a_real_client() -> None:
    with running(raw_app) as (_, port):
        with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5, compression="deflate") as ws:
            assert "permessage-deflate" in ws.response.headers["Sec-WebSocket-Extensions"]
            assert [e.name for e in ws.protocol.extensions] == ["permessage-deflate"]
            message = "héllo wörld " * 5000
            ws.send(message)
            assert ws.recv(timeout=5) == message
            ws.send(message.encode())
            assert ws.recv(timeout=5) == message.encode()
            ws.send(["frag", "mented ", "λ" * 1000])
            assert ws.recv(timeout=5) == "fragmented " + "λ" * 1000


def test_per_message_deflate_off() -> None:
    with running(raw_app, ws_per_message_deflate=False) as (_, port), Client(port) as c:
        c.send(DEFLATE_HANDSHAKE)
        status, headers, _ = c.read_response(head=True)
        assert status == 101 and "sec-websocket-extensions" not in headers


def peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_decompression_bomb_closes_1009_without_growing_memory() -> None:
    from .test_process import serve

    bomb = deflate(bytes(100 * 1024 * 1024))  # 100 MiB of zeros
    assert len(bomb) < 200 * 1024
    with serve("--ws-max-size", str(1024 * 1024)) as (proc, port):
        with Client(port) as c:  # warm up: one compressed echo, so the baseline includes zlib
            c.send(DEFLATE_HANDSHAKE)
            assert c.read_response(head=True)[0] == 101
            c.send(frame(0x2, deflate(b"x" * 1000), rsv1=True))
            while len(c.buf) < 2:
                assert c._fill()
        before = peak_rss_kib(proc.popen.pid)
        with Client(port) as c:
            c.send(DEFLATE_HANDSHAKE)
            assert c.read_response(head=True)[0] == 101
            try:
                c.send(frame(0x2, bomb, rsv1=True))
            except (BrokenPipeError, ConnectionResetError):
                pass  # closed while the rest was in flight: the close frame is read below
            assert c.closed(wait=5.0)
            assert close_code(c.buf) == 1009
        assert request(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")[2] == b"hello"
        grown = peak_rss_kib(proc.popen.pid) - before
        print(f"server peak RSS grew by {grown} KiB on a {len(bomb)}-byte frame inflating to 100 MiB")
        assert grown < 8 * 1024  # 1 MiB limit: the inflated 100 MiB never exist
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(10) == 0


def test_server_pings_and_drops_silent_client() -> None:
    with running(raw_app, ws_ping_interval=0.2, ws_ping_timeout=0.3) as (_, port):
        # A handshake by hand, then silence: no pong ever comes back.
        with Client(port) as c:
            c.send(HANDSHAKE)
            status, headers, _ = c.read_response(head=True)
            assert status == 101
            assert headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
            assert c.closed(wait=3.0)
            assert b"\x89" in c.buf  # at least one ping frame (opcode 0x9) was sent


def test_invalid_handshake_rejected_without_app() -> None:
    with running(raw_app) as (_, port), Client(port) as c:
        c.send(b"GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        status, _, _ = c.read_response()
        assert status == 400
        assert c.closed()


def test_websocket_off_serves_http() -> None:
    with running(raw_app, ws="none") as (_, port), Client(port) as c:
        c.send(b"GET / HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        assert c.read_response()[2] == b"hello"
        assert c.closed()


def test_port_still_serves_after_ws_traffic() -> None:
    with running(raw_app) as (_, port):
        for _ in range(5):
            with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as ws:
                ws.send("a")
                ws.recv(timeout=5)
        # A full round trip: a TCP connect alone succeeds even with a stuck loop (kernel backlog).
        assert request(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")[2] == b"hello"
