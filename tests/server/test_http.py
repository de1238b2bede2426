"""HTTP/1.1 over loopback with raw sockets: framing, keep-alive, pipelining, limits, bad input."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from typing import Any

import pytest

from .apps import EVENTS
from .conftest import Client, request, running, wait_for

GET = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"

# -- the same suite against raw ASGI, Starlette and FastAPI ------------------------------------


def test_get(any_app: tuple[str, int]) -> None:
    status, headers, body = request(any_app[1], GET)
    assert (status, body) == (200, b"hello")
    assert headers["content-length"] == "5"
    assert "date" in headers and "server" not in headers


def test_keep_alive_many_requests(any_app: tuple[str, int]) -> None:
    with Client(any_app[1]) as c:
        for _ in range(20):
            c.send(GET)
            assert c.read_response()[2] == b"hello"


def test_pipelining_answers_in_order(any_app: tuple[str, int]) -> None:
    with Client(any_app[1]) as c:
        c.send(
            b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
            + GET
            + b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz"
            + GET
        )
        assert [c.read_response()[2] for _ in range(4)] == [b"slow", b"hello", b"xyz", b"hello"]


def test_sync_endpoint_in_thread_pool(any_app: tuple[str, int]) -> None:
    # anyio's cancel scopes need one Task from the start of a request to its end.
    with Client(any_app[1]) as c:
        for _ in range(3):
            c.send(b"GET /sync HTTP/1.1\r\nHost: t\r\n\r\n" + GET)
            assert [c.read_response()[2] for _ in range(2)] == [b"sync", b"hello"]


def test_chunked_request_body(any_app: tuple[str, int]) -> None:
    data = (
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"
    )
    assert request(any_app[1], data)[2] == b"hello world"


def test_chunked_response(any_app: tuple[str, int]) -> None:
    _status, headers, body = request(any_app[1], b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
    assert headers["transfer-encoding"] == "chunked" and body == b"abc"


def test_http10_streamed_response_is_close_delimited(any_app: tuple[str, int]) -> None:
    with Client(any_app[1]) as c:
        c.send(b"GET /stream HTTP/1.0\r\n\r\n")
        _status, headers, body = c.read_response()
        assert body == b"abc" and "transfer-encoding" not in headers


def test_http10_keep_alive(any_app: tuple[str, int]) -> None:
    with Client(any_app[1]) as c:
        c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert c.read_response()[1]["connection"] == "keep-alive"
        c.send(b"GET / HTTP/1.0\r\n\r\n")
        assert c.read_response()[2] == b"hello"
        assert c.closed()


def test_head_has_no_body(any_app: tuple[str, int]) -> None:
    with Client(any_app[1]) as c:
        c.send(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n" + GET)
        status, _headers, body = c.read_response(head=True)
        assert status in (200, 405) and body == b""
        assert c.read_response()[2] == b"hello"  # the next response starts right after the head


def test_expect_100_continue(any_app: tuple[str, int]) -> None:
    with Client(any_app[1]) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        assert c.read_response()[0] == 100
        c.send(b"body")
        assert c.read_response()[2] == b"body"


def test_no_100_continue_for_http10(any_app: tuple[str, int]) -> None:
    with Client(any_app[1]) as c:
        c.send(b"POST /echo HTTP/1.0\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        time.sleep(0.2)
        c.send(b"body")
        status, _, body = c.read_response()
        assert (status, body) == (200, b"body")


def test_app_exception_is_500_and_close(any_app: tuple[str, int]) -> None:
    with Client(any_app[1]) as c:
        c.send(b"GET /error HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.read_response()[0] == 500
        if any_app[0] == "raw":  # Starlette's own error middleware answers, keep-alive
            assert c.closed()


def test_slow_client_does_not_block_others(any_app: tuple[str, int]) -> None:
    stop = threading.Event()

    def trickle() -> None:
        with Client(any_app[1]) as slow:
            for byte in b"GET / HTTP/1.1\r\nHost: t\r\n":
                if stop.wait(1.0):
                    return
                try:
                    slow.send(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=trickle)
    thread.start()
    try:
        time.sleep(0.3)
        started = time.monotonic()
        for _ in range(20):
            assert request(any_app[1], GET)[2] == b"hello"
        assert time.monotonic() - started < 2.0
    finally:
        stop.set()
        thread.join()


# -- malformed requests: 4xx/5xx, connection closed, nothing reaches the app --------------------

BAD = {
    "cl-and-te": (
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    "duplicate-cl": (
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        400,
    ),
    "invalid-cl": (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc", 400),
    "bad-chunk-size": (
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n",
        400,
    ),
    "bare-lf": (b"GET / HTTP/1.1\nHost: t\n\n", 400),
    "nul-in-header": (b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n", 400),
    "ctl-in-header": (b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x01b\r\n\r\n", 400),
    "obs-fold": (b"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400),
    "invalid-method": (b"G@T / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "unknown-method": (b"FROB / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "space-in-name": (b"GET / HTTP/1.1\r\nHost: t\r\nX : b\r\n\r\n", 400),
    "no-host": (b"GET / HTTP/1.1\r\n\r\n", 400),
    "two-hosts": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    "bad-host": (b"GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400),
    "bad-host-port": (b"GET / HTTP/1.1\r\nHost: a:x\r\n\r\n", 400),
    "absolute-other-scheme": (b"GET ftp://t/ HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "absolute-no-host": (b"GET http:///a HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "absolute-port-only": (b"GET http://:80/a HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "absolute-userinfo": (b"GET http://u@t/a HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "absolute-bad-authority": (b"GET http://t%20x:y/a HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "absolute-no-slashes": (b"GET http:t/a HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "absolute-no-host-header": (b"GET http://t/ HTTP/1.1\r\n\r\n", 400),
    "absolute-fragment": (b"GET http://t/a#b HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "star-not-options": (b"GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "relative-target": (b"GET foo HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "fragment": (b"GET /a#b HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "connect": (b"CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n", 405),
    "http09": (b"GET /\r\n\r\n", 505),
    "http2-text": (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
    "http12": (b"GET / HTTP/1.2\r\nHost: t\r\n\r\n", 400),
    "te-gzip": (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    "te-gzip-chunked": (
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        501,
    ),
    "te-http10": (b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    "non-ascii-target": (b"GET /\xc3\xa9 HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "url-too-long": (b"GET /" + b"a" * 600 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    "header-too-big": (b"GET / HTTP/1.1\r\nHost: t\r\nX: " + b"a" * 3000 + b"\r\n\r\n", 431),
    "too-many-headers": (b"GET / HTTP/1.1\r\nHost: t\r\n" + b"X: a\r\n" * 25 + b"\r\n", 431),
    "body-too-big": (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n", 413),
    "chunked-body-too-big": (
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"7d0\r\n" + b"a" * 2000 + b"\r\n",
        413,
    ),
}


@pytest.mark.parametrize("name", list(BAD))
def test_malformed_request_rejected(raw_port: int, name: str) -> None:
    data, expected = BAD[name]
    EVENTS.clear()
    with Client(raw_port) as c:
        c.send(data)
        status, headers, body = c.read_response()
        assert status == expected, (name, status, body)
        assert headers["connection"] == "close"
        assert "detail" in json.loads(body)
        assert c.closed()
    assert "disconnect-while-reading" not in EVENTS  # the app never saw the request


def test_valid_pipelined_request_answered_before_garbage(raw_port: int) -> None:
    with Client(raw_port) as c:
        c.send(GET + b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok" + b"GARBAGE\r\n\r\n")
        assert c.read_response()[2] == b"hello"
        assert c.read_response()[2] == b"ok"
        assert c.read_response()[0] == 400
        assert c.closed()


def test_header_in_pieces_over_the_limit(raw_port: int) -> None:
    # A head that never ends, sent in pieces: bounded, then 431.
    with Client(raw_port) as c:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.send(b"GET / HTTP/1.1\r\nHost: t\r\nX-Long: ")
        try:
            for _ in range(40):
                time.sleep(0.005)
                c.send(b"a" * 100)
        except OSError:
            pass  # closed on us mid-send: what we want
        assert c.read_response()[0] == 431


def test_slow_head_times_out_with_408(raw_port: int) -> None:
    with Client(raw_port) as c:
        c.send(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        assert c.read_response()[0] == 408
        assert 1.0 < time.monotonic() - started < 4.0


def test_idle_keep_alive_connection_closed(raw_port: int) -> None:
    with Client(raw_port) as c:
        c.send(GET)
        c.read_response()
        assert c.closed(wait=3.0)


def test_connection_close_honoured(raw_port: int) -> None:
    with Client(raw_port) as c:
        c.send(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + GET)
        _status, headers, _ = c.read_response()
        assert headers["connection"] == "close"
        assert c.closed() and c.buf == b""


# -- the raw app: scope, send/receive edge cases ----------------------------------------------


def test_scope_is_complete(raw_port: int) -> None:
    status, _, body = request(raw_port, b"GET /sc%C3%A9ne/../scope HTTP/1.1\r\nHost: t:1\r\n\r\n")
    assert status == 404  # the path is not normalised: the app decides
    status, _, body = request(raw_port, b"GET /scope?a=1&b=%20 HTTP/1.1\r\nHost: t:1\r\nX-A: B\r\n\r\n")
    scope = json.loads(body)
    assert scope["type"] == "http" and scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert scope["http_version"] == "1.1" and scope["method"] == "GET" and scope["scheme"] == "http"
    assert scope["path"] == "/scope" and scope["raw_path"] == "/scope"
    assert scope["query_string"] == "a=1&b=%20" and scope["root_path"] == ""
    assert scope["headers"] == [["host", "t:1"], ["x-a", "B"]]
    assert scope["client"][0] == "127.0.0.1" and scope["server"] == ["127.0.0.1", raw_port]
    assert scope["state"] == {"started": "yes"}


@pytest.mark.parametrize(
    ("target", "query", "host"),
    [
        (b"http://t:1/scope?a=1&b=%20", "a=1&b=%20", "t:1"),
        (b"HTTPS://other.example/scope", "", "other.example"),  # the target's authority wins
    ],
)
def test_absolute_form_is_routed_by_its_path(raw_port: int, target: bytes, query: str, host: str) -> None:
    # RFC 9112 §3.2.2: a server MUST accept absolute-form; the target's authority is the host.
    with Client(raw_port) as c:
        c.send(b"GET " + target + b" HTTP/1.1\r\nHost: t:1\r\nX-A: B\r\n\r\n")
        status, _, body = c.read_response()
        scope = json.loads(body)
        assert status == 200 and scope["scheme"] == "http"  # the connection's scheme
        assert (scope["path"], scope["raw_path"], scope["query_string"]) == ("/scope", "/scope", query)
        assert scope["headers"] == [["host", host], ["x-a", "B"]]
        c.send(b"GET /scope HTTP/1.1\r\nHost: t:1\r\n\r\n")  # the connection goes on
        assert json.loads(c.read_response()[2])["headers"] == [["host", "t:1"]]


def test_absolute_form_scope_through_the_app() -> None:
    # Paths that are not /scope: checked through an app that reports what it was given.
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        seen = [scope["method"], scope["path"], scope["raw_path"].decode(), scope["query_string"].decode(),
                dict(scope["headers"]).get(b"host", b"").decode()]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": json.dumps(seen).encode()})

    cases = [
        (b"GET http://[::1]:8000/sc%C3%A9ne HTTP/1.1\r\nHost: t\r\n\r\n",
         ["GET", "/sc\u00e9ne", "/sc%C3%A9ne", "", "[::1]:8000"]),
        (b"GET http://t?x=1 HTTP/1.1\r\nHost: t\r\n\r\n", ["GET", "/", "/", "x=1", "t"]),
        (b"POST http://a.example HTTP/1.0\r\nContent-Length: 0\r\n\r\n", ["POST", "/", "/", "", "a.example"]),
        (b"OPTIONS http://t HTTP/1.1\r\nHost: t\r\n\r\n", ["OPTIONS", "*", "*", "", "t"]),
    ]
    with running(app, root_path="") as (_, port):
        for raw, expected in cases:
            status, _, body = request(port, raw)
            assert (status, json.loads(body)) == (200, expected), raw


def test_http_version_per_request_when_pipelined_or_split(raw_port: int) -> None:
    # The version is read from the first line of a read when it can be; every other request asks
    # llhttp.  Mixed versions in one read, and a request line split across reads, both get theirs.
    one_zero = b"GET /scope HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n"
    one_one = b"GET /scope HTTP/1.1\r\nHost: t\r\n\r\n"
    with Client(raw_port) as c:
        c.send(one_one + one_zero + one_one)
        versions = [json.loads(c.read_response()[2])["http_version"] for _ in range(3)]
        assert versions == ["1.1", "1.0", "1.1"]
        for first, rest in (
            (b"GET /scope HT", b"TP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n"),
            (b"GET /scope HTTP/1.0\r\n", b"Host: t\r\nConnection: keep-alive\r\n\r\n"),
            (b"\r\nGET /scope HTTP/1.0\r\nHost: t\r\n", b"Connection: keep-alive\r\n\r\n"),
        ):
            c.send(first)
            time.sleep(0.05)
            c.send(rest)
            assert json.loads(c.read_response()[2])["http_version"] == "1.0"


@pytest.mark.parametrize("query", [b"", b"?wait"])
def test_context_is_per_request(raw_port: int, query: bytes) -> None:
    with Client(raw_port) as c:
        for _ in range(3):
            c.send(b"GET /context" + query + b" HTTP/1.1\r\nHost: t\r\n\r\n")
            assert c.read_response()[2] == b"unset"


def test_app_runs_in_one_task(raw_port: int) -> None:
    with Client(raw_port) as c:
        for _ in range(3):
            c.send(b"GET /task HTTP/1.1\r\nHost: t\r\n\r\n")
            assert c.read_response()[2] == b"same"


def test_work_after_response_does_not_block_next_request(raw_port: int) -> None:
    EVENTS.clear()
    with Client(raw_port) as c:
        c.send(b"GET /background HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.read_response()[2] == b"bg"
        started = time.monotonic()
        c.send(GET + b"GET /background HTTP/1.1\r\nHost: t\r\n\r\n" + GET)
        assert [c.read_response()[2] for _ in range(3)] == [b"hello", b"bg", b"hello"]
        assert time.monotonic() - started < 0.5
    assert wait_for(lambda: EVENTS.get("background-done"))


def test_percent_decoded_utf8_path_and_root_path() -> None:
    from .apps import raw_app

    with running(raw_app, root_path="/api") as (_, port):
        scope = json.loads(request(port, b"GET /scope HTTP/1.1\r\nHost: t\r\n\r\n")[2])
        assert scope["root_path"] == "/api" and scope["path"] == "/api/scope"
        assert scope["raw_path"] == "/api/scope"


def test_app_exception_after_start_closes(raw_port: int) -> None:
    with Client(raw_port) as c:
        c.send(b"GET /error-after-start HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.closed()
        assert b"partial" in c.buf and not c.buf.endswith(b"0\r\n\r\n")


def test_app_without_response_is_500(raw_port: int) -> None:
    assert request(raw_port, b"GET /no-response HTTP/1.1\r\nHost: t\r\n\r\n")[0] == 500


def test_response_splitting_refused(raw_port: int) -> None:
    with Client(raw_port) as c:
        c.send(b"GET /bad-header HTTP/1.1\r\nHost: t\r\n\r\n")
        status, headers, _ = c.read_response()
        assert status == 500 and "set-cookie" not in headers


def test_app_content_length_streamed(raw_port: int) -> None:
    _status, headers, body = request(raw_port, b"GET /length HTTP/1.1\r\nHost: t\r\n\r\n")
    assert headers["content-length"] == "6" and body == b"abcdef" and "transfer-encoding" not in headers


def test_disconnect_reaches_app(raw_port: int) -> None:
    EVENTS.clear()
    with Client(raw_port) as c:
        c.send(b"GET /wait-disconnect HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.1)
    assert wait_for(lambda: EVENTS.get("disconnected"))


def test_large_response_with_slow_reader(raw_port: int) -> None:
    # The app's send pauses while the socket buffer is full; nothing is lost.
    for path, size in ((b"/big", 4 * 1024 * 1024), (b"/big-stream", 32 * 262144)):
        with Client(raw_port) as c:
            c.send(b"GET " + path + b" HTTP/1.1\r\nHost: t\r\n\r\n")
            time.sleep(0.3)
            status, _, body = c.read_response()
            assert status == 200 and len(body) == size


def test_large_streamed_upload() -> None:
    from .apps import raw_app

    with running(raw_app) as (_, port), Client(port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3000000\r\n\r\n")
        for _ in range(30):
            c.send(b"z" * 100000)
        status, _, body = c.read_response()
        assert status == 200 and len(body) == 3000000


def test_limit_concurrency_503() -> None:
    from .apps import raw_app

    with running(raw_app, limit_concurrency=1) as (_, port), Client(port) as busy:
        busy.send(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.1)
        assert request(port, GET)[0] == 503
        assert busy.read_response()[2] == b"slow"


def test_server_header_and_default_headers() -> None:
    from .apps import raw_app

    with running(raw_app, server_header=True, headers=[("X-Frame-Options", "DENY")]) as (_, port):
        headers = request(port, GET)[1]
        assert headers["server"] == "fastcore" and headers["x-frame-options"] == "DENY"


def test_proxy_headers_only_from_trusted() -> None:
    from .apps import raw_app

    data = (
        b"GET /scope HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 1.2.3.4, 10.0.0.1\r\n"
        b"X-Forwarded-Proto: https\r\n\r\n"
    )
    with running(raw_app, proxy_headers=True, forwarded_allow_ips="127.0.0.1,10.0.0.0/8") as (_, port):
        scope = json.loads(request(port, data)[2])
        assert scope["client"] == ["1.2.3.4", 0] and scope["scheme"] == "https"
    with running(raw_app, proxy_headers=True, forwarded_allow_ips="192.0.2.1") as (_, port):
        scope = json.loads(request(port, data)[2])
        assert scope["client"][0] == "127.0.0.1" and scope["scheme"] == "http"


def test_response_head_from_any_buffer_and_checked_per_header() -> None:
    # Header names are lower-cased on the way out; bytearray and memoryview are taken as their
    # bytes; an app's Content-Length may carry spaces; a bad header or length is a 500, not bytes.
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        headers: list[Any] = [(b"X-Mixed-Case", bytearray(b"Value")), (memoryview(b"x-view"), b"v")]
        if path == "/length":
            headers.append((b"Content-Length", b" 5 "))
        elif path == "/bad-length":
            headers.append((b"content-length", b"5x"))
        elif path == "/nul":
            headers.append((b"x-nul", b"a\x00b"))
        elif path == "/colon":
            headers.append((b"x:y", b"v"))
        elif path == "/big":
            headers = []
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"x" * 70000 + b"end" if path == "/big" else b"hello"
        await send({"type": "http.response.body", "body": bytearray(body)})

    with running(app) as (_, port):
        for path in (b"/", b"/length"):
            status, headers, body = request(port, b"GET " + path + b" HTTP/1.1\r\nHost: t\r\n\r\n")
            assert (status, body, headers["x-mixed-case"], headers["x-view"]) == (200, b"hello", "Value", "v")
            assert headers["content-length"] == "5"
        for path in (b"/bad-length", b"/nul", b"/colon"):
            status, headers, _ = request(port, b"GET " + path + b" HTTP/1.1\r\nHost: t\r\n\r\n")
            assert status == 500 and "x-mixed-case" not in headers
        status, headers, body = request(port, b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
        assert status == 200 and len(body) == 70003 and body.endswith(b"end")
        assert headers["content-length"] == "70003"


# -- write coalescing ----------------------------------------------------------------------------


class _Transport(asyncio.Transport):
    """Socket-less: keeps what the protocol writes."""

    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.closed = False

    def write(self, data: Any) -> None:
        self.out += data

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5), "sockname": ("127.0.0.1", 80)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


async def _hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})


@pytest.mark.parametrize("coalesce", [True, False])
def test_small_responses_leave_together_at_the_end_of_the_iteration(coalesce: bool) -> None:
    from fastcore._http import HttpConfig, HttpProtocol, ServerState

    loop = asyncio.new_event_loop()
    try:
        config = HttpConfig(_hello, loop, coalesce_writes=coalesce)
        state = ServerState()
        pairs = [(HttpProtocol(config, state), _Transport()) for _ in range(3)]
        for proto, transport in pairs:
            proto.connection_made(transport)
        for i, (proto, _) in enumerate(pairs):
            proto.data_received(b"GET /%d HTTP/1.1\r\nHost: t\r\n\r\n" % i)
        held = [t.out == b"" for _, t in pairs]
        assert held == [coalesce] * 3  # held only while coalescing (and more than one is open)
        loop.run_until_complete(asyncio.sleep(0))  # the iteration ends: everything is written
        assert [bytes(t.out).endswith(b"\r\n\r\n/%d" % i) for i, (_, t) in enumerate(pairs)] == [True] * 3
        # A held response goes out before the connection closes, and before a later write.
        proto, transport = pairs[0]
        transport.out.clear()
        last = b"GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        proto.data_received(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n" + last)
        assert transport.closed and transport.out.count(b"HTTP/1.1 200") == 2
        assert transport.out.index(b"/a") < transport.out.index(b"/b")
        # One connection alone is never held: there is nothing to write it together with.
        for p, _ in pairs[1:]:
            p.connection_lost(None)
        lone = HttpProtocol(config, state)
        lone_transport = _Transport()
        lone.connection_made(lone_transport)
        proto.connection_lost(None)
        lone.data_received(b"GET /lone HTTP/1.1\r\nHost: t\r\n\r\n")
        assert lone_transport.out.endswith(b"/lone")
        lone.connection_lost(None)
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()


def test_pipelined_small_then_streamed_stay_in_order(any_app: tuple[str, int]) -> None:
    # Another open connection makes the first response a held one; the streamed response after it
    # on the same connection must not overtake it.
    _, port = any_app
    with Client(port) as other, Client(port) as c:
        other.send(GET)
        assert other.read_response()[0] == 200
        c.send(GET + b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n" + GET)
        bodies = [c.read_response()[2] for _ in range(3)]
        assert bodies[0] == bodies[2] == b"hello" and bodies[1] != b"hello"


def test_idle_keep_alive_connection_keeps_no_request() -> None:
    # Memory per idle connection: once a response is done, nothing of its request (scope, headers)
    # stays reachable from the connection.
    import gc
    import weakref

    class Marker:
        pass

    refs: list[weakref.ref[Marker]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            marker = Marker()
            refs.append(weakref.ref(marker))
            scope["marker"] = marker
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

    with running(app) as (_, port), Client(port) as c:
        for _ in range(2):
            c.send(GET)
            assert c.read_response()[2] == b"ok"
            time.sleep(0.05)
            gc.collect()
            assert refs[-1]() is None


# -- state per server, not per module ------------------------------------------------------------


def test_two_servers_in_threads_never_mix_responses() -> None:
    # Each server builds its responses in a buffer of its own.  The app's headers are a generator
    # (ASGI allows any iterable) that lets the other server's thread run while a head is half built.
    def make_app(tag: bytes) -> Any:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            value = tag + b"-" + scope["query_string"]

            def headers() -> Any:
                for i in range(8):
                    time.sleep(0)  # releases the GIL: the other server runs mid-head
                    yield (b"x-%d" % i, value)

            await send({"type": "http.response.start", "status": 200, "headers": headers()})
            await send({"type": "http.response.body", "body": value})

        return app

    wrong: list[Any] = []

    def hammer(port: int, tag: bytes) -> None:
        try:
            with Client(port) as c:
                for i in range(150):
                    c.send(b"GET /?%d HTTP/1.1\r\nHost: t\r\n\r\n" % i)
                    _status, headers, body = c.read_response()
                    want = tag + b"-%d" % i
                    if body != want or {headers.get(f"x-{k}") for k in range(8)} != {want.decode()}:
                        wrong.append((tag, i, headers, body))
        except Exception as exc:  # a mixed-up head cannot even be parsed
            wrong.append((tag, exc))

    with running(make_app(b"A")) as (_, port_a), running(make_app(b"B")) as (_, port_b):
        threads = [threading.Thread(target=hammer, args=pt) for pt in [(port_a, b"A"), (port_b, b"B")] * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    assert wrong == []


# -- send() after the client has gone (ASGI 2.4) -------------------------------------------------


def _streaming_apps(ended: dict[str, Any]) -> dict[str, Any]:
    """An endless stream three ways: raw ASGI letting send's error propagate, Starlette's
    StreamingResponse, fastcore's StreamingResponse and EventSourceResponse."""
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse as StarletteStreamingResponse
    from starlette.routing import Route

    from fastcore import FastCore
    from fastcore.responses import EventSourceResponse, StreamingResponse

    async def forever() -> Any:
        while True:
            yield b"x" * 100
            await asyncio.sleep(0.01)

    async def raw(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        async for chunk in forever():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

    async def starlette_stream(request: Any) -> Any:
        return StarletteStreamingResponse(forever())

    fastcore_app = FastCore()

    @fastcore_app.get("/")
    async def fastcore_stream() -> Any:
        return StreamingResponse(forever())

    @fastcore_app.get("/sse")
    async def fastcore_sse() -> Any:
        return EventSourceResponse(forever())

    def watched(name: str, app: Any) -> Any:
        async def wrapper(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            key = name + scope["path"]
            try:
                await app(scope, receive, send)
            except BaseException as exc:
                ended[key] = exc
                raise
            ended[key] = None

        return wrapper

    return {
        "raw": watched("raw", raw),
        "starlette": watched("starlette", Starlette(routes=[Route("/", starlette_stream)])),
        "fastcore": watched("fastcore", fastcore_app),
    }


@pytest.mark.parametrize(("name", "path"), [("raw", "/"), ("starlette", "/"), ("fastcore", "/"),
                                             ("fastcore", "/sse")])
def test_send_after_disconnect_raises_and_is_not_logged(
    name: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    from fastcore.exceptions import ClientDisconnected

    ended: dict[str, Any] = {}
    with running(_streaming_apps(ended)[name]) as (_, port):
        with Client(port) as c:
            c.send(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n\r\n")
            assert c.sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert wait_for(lambda: name + path in ended), "the app kept streaming for nobody"
        exc = ended[name + path]
        if name == "raw":
            assert isinstance(exc, ClientDisconnected) and isinstance(exc, OSError)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


# -- request body and send timeouts --------------------------------------------------------------

STALLED_UPLOAD = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc"


def test_stalled_request_body_times_out_with_408(caplog: pytest.LogCaptureFixture) -> None:
    from .apps import raw_app

    EVENTS.clear()
    with running(raw_app, timeout_request_body=1.0) as (_, port), Client(port) as c:
        c.send(STALLED_UPLOAD)
        started = time.monotonic()
        status, headers, body = c.read_response()
        assert (status, json.loads(body)) == (408, {"detail": "Request Timeout"})
        assert 0.7 < time.monotonic() - started < 3.5
        assert headers["connection"] == "close" and c.closed()
    assert EVENTS.get("disconnect-while-reading")  # the app's receive() got http.disconnect
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []  # nor did its send fail loudly


def test_request_body_timeout_counts_from_the_last_byte() -> None:
    from .apps import raw_app

    with running(raw_app, timeout_request_body=1.0) as (_, port), Client(port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\n")
        for byte in b"abcdef":  # 2.4 s in all, never 1 s without a byte
            time.sleep(0.4)
            c.send(bytes([byte]))
        assert c.read_response()[:3:2] == (200, b"abcdef")


def test_stalled_upload_does_not_hold_up_shutdown() -> None:
    from .apps import raw_app

    with running(raw_app, timeout_request_body=1.0, timeout_graceful_shutdown=10.0) as (server, port):
        with Client(port) as c:
            c.send(STALLED_UPLOAD)
            time.sleep(0.1)
            started = time.monotonic()
            server.handle_exit()  # what SIGTERM does
            assert c.read_response()[0] == 408
            assert wait_for(lambda: not server.state.connections and not server.state.tasks, 5.0)
            assert time.monotonic() - started < 3.5


def test_client_that_reads_nothing_is_dropped_after_send_timeout() -> None:
    from fastcore.exceptions import ClientDisconnected

    ended: list[BaseException] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"] == "/ok":
            await send({"type": "http.response.body", "body": b"ok"})
            return
        try:
            while True:
                await send({"type": "http.response.body", "body": b"x" * 262144, "more_body": True})
        except BaseException as exc:
            ended.append(exc)
            raise

    with running(app, timeout_send=1.0) as (server, port):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        try:
            sock.sendall(GET)  # and never read
            assert wait_for(lambda: ended, 10.0), "a client that reads nothing holds the response forever"
            assert isinstance(ended[0], ClientDisconnected)
            assert wait_for(lambda: not server.state.connections, 2.0)
        finally:
            sock.close()
        assert request(port, b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n")[2] == b"ok"  # still serving


# -- default head limits -------------------------------------------------------------------------


def test_default_head_limits_admit_proxy_chains_and_big_tokens() -> None:
    from .apps import raw_app

    def head(*lines: bytes) -> bytes:
        return b"GET /scope HTTP/1.1\r\nHost: t\r\n" + b"".join(line + b"\r\n" for line in lines) + b"\r\n"

    many = [b"X-Hop-%d: 10.0.%d.1" % (i, i % 250) for i in range(300)]
    token = b"Authorization: Bearer " + b"a" * 30000  # SSO tokens with group claims get this big
    with running(raw_app) as (_, port):
        status, _, body = request(port, head(*many))
        assert status == 200 and len(json.loads(body)["headers"]) == 301
        assert request(port, head(token, b"Cookie: " + b"c" * 20000))[0] == 200
        # Still bounded: 1000 fields, 64 KiB of head.
        assert request(port, head(*(b"X-%d: v" % i for i in range(1001))))[0] == 431
        assert request(port, head(b"X: " + b"a" * 70000))[0] == 431


def test_handle_exit_after_the_server_stopped_is_harmless() -> None:
    # A second SIGTERM (or a supervisor's stop) can arrive after the loop has closed.
    from .apps import raw_app

    with running(raw_app) as (server, _port):
        server.handle_exit()
        assert wait_for(lambda: server._loop is not None and server._loop.is_closed(), 10.0)
        server.handle_exit()
