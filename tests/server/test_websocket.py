"""WebSocket over loopback: handshake, echo, ping/pong, close codes, size limit, denials."""

import socket

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from .apps import EVENTS, raw_app
from .conftest import Client, running, wait_for


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


def test_server_pings_and_drops_silent_client() -> None:
    with running(raw_app, ws_ping_interval=0.2, ws_ping_timeout=0.3) as (_, port):
        # A handshake by hand, then silence: no pong ever comes back.
        with Client(port) as c:
            c.send(b"GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
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
        s = socket.create_connection(("127.0.0.1", port))
        s.close()
