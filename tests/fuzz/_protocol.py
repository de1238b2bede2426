"""Raw HTTP/1.1 input for ``fastcore._http.HttpProtocol``, a socket-less transport, and the checks.

A fuzz case is a byte stream: zero or more *valid* requests (built to pass every check of the server,
so each must be answered 200 by the echo app, in order), then a *tail* (nothing; a near-valid request
from a vocabulary of known-awkward parts; a valid request with a few bytes mutated; random bytes;
more requests), cut into reads at arbitrary byte boundaries.  ``run_case`` feeds it to a fresh
protocol on a real event loop and ``check`` states what must hold whatever the bytes were.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any

import httptools

from ._kit import Source

# -- the vocabulary ----------------------------------------------------------------------------------

TCHAR = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
PCHAR = b"abcxyzABZ0189-._~!$&'()*+,;=:@"
QCHAR = PCHAR + b"/?"
VCHAR = bytes(range(0x21, 0x7F))

VALID_METHODS = (b"GET", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS")
ODD_METHODS = (
    b"HEAD", b"CONNECT", b"TRACE", b"get", b"FOO", b"", b"G ET", b"GET\x00", b"PRI", b"M-SEARCH",
    b"X" * 100, b"PROPFIND", b"QUERY", b"\xff", b"GET\t",
)
# Absolute-form is being changed from 400 to accepted: no check depends on how it is answered.
ODD_TARGETS = (
    b"http://a/x", b"http://a:80/x?y=1", b"https://[::1]/", b"HTTP://A/", b"a:80", b"*", b"", b"x",
    b"//x", b"/#f", b"/a b", b"/\x00", b"/\x7f", b"/\xff", b"/%", b"/%zz", b"/%ff%fe", b"/%00",
    b"/%c0%af", b"/..%2f..", b"/" + b"a" * 9000, b"/?" + b"q" * 9000, b"/?\xff", b"/?a=%", b"/a?b#c",
    b"/\t", b"/\r", b"/;", b"/?", b"??", b"/\\",
)
ODD_VERSIONS = (
    b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/0.9", b"HTTP/1.2", b"HTTP/1.10", b"HTTP/1",
    b"http/1.1", b"", b"HTTP/1.1 ", b"HTTP/11", b"HTTP/9.9", b"HTTP/1.1\x00",
)
EOLS = (b"\r\n", b"\n", b"\r", b"\r\r\n", b"\n\r")
HOSTS = (
    b"a", b"a:80", b"[::1]:8080", b"", b"a b", b"a/b", b"\x01", b"a:99999999", b"xn--ab.c", b"a@b",
    b"[::1", b"a:", b":80", b"\xff", b"a" * 300,
)
LENGTHS = (
    b"0", b"5", b"-1", b"+5", b" 5", b"5 ", b"1_0", b"99999999999999999999999", b"0x10", b"5,5", b"",
    b"\xff", b"18446744073709551616", b"00005",
)
CODINGS = (
    b"chunked", b"gzip", b"gzip, chunked", b"chunked, gzip", b"Chunked", b"chunked ", b"identity", b"",
    b"chunked,", b",chunked", b"chunked\x00", b"chunked, chunked", b"CHUNKED",
)
CONNECTION = (b"close", b"keep-alive", b"upgrade", b"close, upgrade", b"CLOSE", b"Keep-Alive", b"te")
UPGRADES = (b"websocket", b"h2c", b"foo", b"WebSocket", b"")
EXPECTS = (b"100-continue", b"100-Continue", b"foo", b"")
CHUNK_SIZES = (b"zz", b"-1", b"fffffffffffffffffffff", b"0x5", b"", b" 5", b"5 ", b"5;", b"5;a", b'5;a="b',
               b"5\x00", b"+5", b"ffffffff")


# -- building requests -------------------------------------------------------------------------------


@dataclass
class Expected:
    """What the echo app must answer to a valid request."""

    method: bytes
    raw_path: bytes
    query: bytes
    body: bytes

    def echo(self) -> bytes:
        return echo_line(self.method, self.raw_path, self.query, self.body)


def echo_line(method: bytes, raw_path: bytes, query: bytes, body: bytes) -> bytes:
    return b"%s %s %s %d %08x" % (method, raw_path, query or b"-", len(body), zlib.crc32(body))


def _chars(src: Source, alphabet: bytes, lo: int, hi: int) -> bytes:
    return bytes(src.choice(alphabet) for _ in range(src.integer(lo, hi)))


def _chunked(src: Source, body: bytes) -> bytes:
    # A valid chunked encoding of body (RFC 9112 §7.1): sizes in either case, with leading zeros or
    # extensions now and then, optional trailer fields.
    out = bytearray()
    rest = body
    while rest:
        n = src.integer(1, len(rest))
        size = b"%x" % n if src.chance(70) else b"%X" % n
        if src.chance(10):
            size = b"00" + size
        if src.chance(10):
            size += b";ext=1" if src.chance(50) else b';n="v"'
        out += size + b"\r\n" + rest[:n] + b"\r\n"
        rest = rest[n:]
    out += b"0\r\n"
    if src.chance(10):
        out += b"x-trailer: t\r\n"
    return bytes(out + b"\r\n")


def valid_request(src: Source, max_body: int = 300) -> tuple[bytes, Expected]:
    """A request every check of the server passes: keep-alive, HTTP/1.1, origin-form, one good Host."""
    method = src.choice(VALID_METHODS)
    raw_path = b"/" + b"/".join(_chars(src, PCHAR, 0, 8) for _ in range(src.integer(1, 3)))
    if src.chance(15):
        raw_path += b"/%41%2F%e2%82%ac"
    query = b""
    if src.chance(50):
        query = b"&".join(_chars(src, QCHAR, 0, 6) + b"=" + _chars(src, QCHAR, 0, 6)
                          for _ in range(src.integer(1, 3)))
    target = raw_path + (b"?" + query if query or src.chance(10) else b"")
    lines = [b"%s %s HTTP/1.1" % (method, target)]
    fields = [b"Host: " + src.choice((b"a", b"a:80", b"[::1]:8080", b"example.com", b"h"))]
    for _ in range(src.integer(0, 4)):
        name = _chars(src, TCHAR, 1, 12)
        if name.lower() in (b"host", b"content-length", b"transfer-encoding", b"connection", b"upgrade",
                            b"expect"):
            name = b"x-" + name
        fields.append(name + b": " + _chars(src, VCHAR + b" \t", 0, 20).strip(b" \t"))
    if src.chance(10):
        fields.append(b"Expect: 100-continue")
    body = src.binary(max_body) if method != b"GET" or src.chance(10) else b""
    chunked = bool(body) and src.chance(40)
    if chunked:
        fields.append(b"Transfer-Encoding: chunked")
    elif body or src.chance(30):
        fields.append(b"Content-Length: %d" % len(body))
    order = list(range(len(fields)))
    if src.chance(30):  # the Host line need not come first
        order.append(order.pop(0))
    lines += [fields[i] for i in order]
    data = b"\r\n".join(lines) + b"\r\n\r\n" + (_chunked(src, body) if chunked else body)
    return data, Expected(method, raw_path, query, body)


def odd_request(src: Source) -> bytes:
    """A request assembled from known-awkward parts: most are rejected, some are served."""
    eol = b"\r\n" if src.chance(85) else src.choice(EOLS)
    method = src.choice(VALID_METHODS) if src.chance(50) else src.choice(ODD_METHODS)
    target = b"/" + _chars(src, PCHAR, 0, 10) if src.chance(40) else src.choice(ODD_TARGETS)
    version = b"HTTP/1.1" if src.chance(60) else src.choice(ODD_VERSIONS)
    sep = b" " if src.chance(90) else src.choice((b"  ", b"\t", b""))
    line = sep.join(p for p in (method, target, version) if p or src.chance(50))
    fields: list[bytes] = []
    if src.chance(80):
        fields.append(b"Host: " + (b"a" if src.chance(60) else src.choice(HOSTS)))
    for _ in range(src.integer(0, 6)):
        kind = src.integer(0, 13)
        if kind == 0:
            fields.append(b"Host: " + src.choice(HOSTS))
        elif kind == 1:
            fields.append(b"Content-Length: " + src.choice(LENGTHS))
        elif kind == 2:
            fields.append(b"Transfer-Encoding: " + src.choice(CODINGS))
        elif kind == 3:
            fields.append(b"Connection: " + src.choice(CONNECTION))
        elif kind == 4:
            fields.append(b"Upgrade: " + src.choice(UPGRADES))
        elif kind == 5:
            fields.append(b"Expect: " + src.choice(EXPECTS))
        elif kind == 6:  # obs-fold (RFC 9112 §5.2)
            fields.append(b"X-Fold: a" + eol + src.choice((b" b", b"\tb", b" ")))
        elif kind == 7:  # huge value: around and beyond the header limits
            fields.append(b"X-Big: " + b"v" * src.choice((1000, 8000, 16380, 17000, 40000)))
        elif kind == 8:
            fields.append(src.choice((b"X-A : b", b"NoColon", b": empty-name", b" X-Lead: s", b"X-A:b",
                                      b"X\x00A: b", b"X-A: b\x00c", b"X-A: \x7f", b"X-A: \xff\xfe")))
        elif kind == 9:  # many fields: around the count limit
            fields += [b"X-N%d: v" % i for i in range(src.choice((20, 99, 100, 101, 150)))]
        elif kind == 10 and fields:  # a duplicate of an earlier field
            fields.append(src.choice(fields))
        elif kind == 11:  # control characters anywhere in a value
            fields.append(b"X-Ctl: " + bytes(src.integer(0, 31) for _ in range(src.integer(1, 4))))
        else:
            fields.append(_chars(src, TCHAR, 1, 10) + b": " + src.binary(30).replace(b"\n", b""))
    head = eol.join([line, *fields]) + eol + eol
    return head + _odd_body(src, eol)


def _odd_body(src: Source, eol: bytes) -> bytes:
    kind = src.integer(0, 3)
    if kind == 0:
        return b""
    if kind == 1:
        return src.binary(100)
    # A chunked body, its sizes now and then bad, its CRLFs now and then missing.
    out = bytearray()
    for _ in range(src.integer(0, 4)):
        data = src.binary(20)
        size = b"%x" % len(data) if src.chance(70) else src.choice(CHUNK_SIZES)
        out += size + eol + data + (eol if src.chance(85) else b"")
    if src.chance(80):
        out += b"0" + eol + eol
    return bytes(out)


def mutate(src: Source, data: bytes) -> bytes:
    """data with a few bytes replaced, inserted or deleted."""
    buf = bytearray(data)
    for _ in range(src.integer(1, 4)):
        i = src.integer(0, len(buf))
        op = src.integer(0, 2)
        byte = src.choice((0, 9, 10, 13, 32, 58, 0x7F, 0xFF, src.integer(0, 255)))
        if op == 0 and i < len(buf):
            buf[i] = byte
        elif op == 1:
            buf.insert(i, byte)
        elif i < len(buf):
            del buf[i]
    return bytes(buf)


@dataclass
class Case:
    data: bytes
    valid: list[Expected]  # the leading valid requests, each must be answered 200 in order
    cuts: list[int]  # read boundaries
    spin_between_reads: bool  # let the loop run between reads (a real loop does; both orders matter)
    small_limits: bool

    def reads(self) -> list[bytes]:
        bounds = [0, *sorted(set(self.cuts)), len(self.data)]
        return [self.data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def build_case(src: Source) -> Case:
    small_limits = src.chance(30)  # SMALL_LIMITS, which the valid requests stay within
    valid = [valid_request(src, 150 if small_limits else 300) for _ in range(src.integer(0, 3))]
    tail_kind = src.integer(0, 5)
    if tail_kind == 0:
        tail = b""
    elif tail_kind == 1:
        tail = odd_request(src)
    elif tail_kind == 2:
        tail = mutate(src, valid_request(src)[0])
    elif tail_kind == 3:
        tail = src.binary(400)
    elif tail_kind == 4:  # garbage, then a valid request that must not be answered as if it were fine
        tail = odd_request(src) + valid_request(src)[0]
    else:
        tail = b"".join(odd_request(src) for _ in range(src.integer(2, 4)))
    data = b"".join(d for d, _ in valid) + tail
    if src.chance(10) and len(data) <= 400:
        cuts = list(range(1, len(data)))  # one byte per read
    else:
        cuts = [src.integer(0, len(data)) for _ in range(src.integer(0, 6))]
    return Case(data, [e for _, e in valid], cuts, src.chance(50), small_limits)


# Limits low enough that the vocabulary crosses them often.
SMALL_LIMITS: dict[str, Any] = {"max_header_bytes": 1024, "max_header_count": 20, "max_url_length": 256,
                                "max_body_size": 200}


# -- running it --------------------------------------------------------------------------------------


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body; answers 200 with the request's echo line (chunked for paths "/s...")."""
    assert scope["type"] == "http"
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    out = echo_line(scope["method"].encode("latin-1"), scope["raw_path"], scope["query_string"], bytes(body))
    if scope["method"] == "HEAD":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
    elif scope["path"].startswith("/s") and scope["http_version"] == "1.1":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": out[:5], "more_body": True})
        await send({"type": "http.response.body", "body": out[5:]})
    else:
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(out))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": out})


class FakeTransport(asyncio.Transport):
    """Socket-less: keeps what the protocol writes; close() reports connection_lost, as a real one does."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.out = bytearray()
        self.closed = False
        self.paused = False
        self.late_writes = 0  # writes after close(): the bytes would be lost
        self.protocol: Any = None

    def write(self, data: Any) -> None:
        if self.closed:
            self.late_writes += 1
        self.out += data

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5), "sockname": ("127.0.0.1", 80)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.loop.call_soon(self.protocol.connection_lost, None)

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def is_reading(self) -> bool:
        return not self.paused

    def set_protocol(self, protocol: Any) -> None:
        self.protocol = protocol

    def get_protocol(self) -> Any:
        return self.protocol


class Problems(logging.Handler):
    """Collects what the loop's exception handler and the server's error log report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(f"log {record.name}: {record.getMessage()} {record.exc_info!r}")

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.seen.append(f"loop: {context.get('message')} {context.get('exception')!r}")


def spin(loop: asyncio.AbstractEventLoop, times: int = 1) -> None:
    for _ in range(times):
        loop.run_until_complete(asyncio.sleep(0))


@dataclass
class Outcome:
    out: bytes
    closed_by_server: bool
    late_writes: int
    undelivered: int  # bytes never read: reading stayed paused or the connection closed first
    stuck: bool  # reading paused on an open, idle connection with bytes still to read


def run_case(case: Case, loop: asyncio.AbstractEventLoop) -> Outcome:
    from fastcore._http import HttpConfig, HttpProtocol, ServerState

    limits = SMALL_LIMITS if case.small_limits else {}
    # No timeouts: time is not an input here, and the sweep timer would outlive the case.
    config = HttpConfig(
        echo_app, loop, timeout_keep_alive=0, timeout_request_head=0, timeout_request_body=0, timeout_send=0,
        **limits,
    )
    state = ServerState()
    proto = HttpProtocol(config, state)
    transport = FakeTransport(loop)
    transport.set_protocol(proto)
    proto.connection_made(transport)
    reads = case.reads()
    undelivered = 0
    stuck = False
    for i, chunk in enumerate(reads):
        for _ in range(20):  # a paused transport delivers nothing; the app's answers resume it
            if not transport.paused or transport.closed:
                break
            spin(loop)
        if transport.closed or transport.paused:
            undelivered = sum(len(c) for c in reads[i:])
            stuck = transport.paused and not transport.closed and proto.idle
            break
        proto.data_received(chunk)  # an exception here fails the test as it is
        if case.spin_between_reads:
            spin(loop)
    spin(loop, 4)
    closed_by_server = transport.closed
    outcome = Outcome(bytes(transport.out), closed_by_server, 0, undelivered, stuck)
    # The client goes away; every task of the connection must end.
    if not transport.closed:
        transport.closed = True
        proto.connection_lost(None)
    for _ in range(50):
        if not state.tasks:
            break
        spin(loop)
    assert not state.tasks, f"tasks outlive the connection: {state.tasks}"
    outcome.late_writes = transport.late_writes
    return outcome


# -- checking the output -----------------------------------------------------------------------------


@dataclass
class Response:
    status: int = 0
    version: str = ""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False

    def header(self, name: bytes) -> bytes | None:
        return next((v for n, v in self.headers if n == name), None)


class _ResponseReader:
    def __init__(self) -> None:
        self.responses: list[Response] = []
        self.parser = httptools.HttpResponseParser(self)

    def on_message_begin(self) -> None:
        self.responses.append(Response())

    def on_header(self, name: bytes, value: bytes) -> None:
        self.responses[-1].headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.responses[-1].status = self.parser.get_status_code()
        self.responses[-1].version = self.parser.get_http_version()

    def on_body(self, body: bytes) -> None:
        self.responses[-1].body += body

    def on_message_complete(self) -> None:
        self.responses[-1].complete = True


def parse_responses(out: bytes) -> list[Response]:
    """The responses in `out`; fails unless `out` is a sequence of complete, well-formed ones."""
    reader = _ResponseReader()
    try:
        reader.parser.feed_data(out)
    except httptools.HttpParserError as exc:
        raise AssertionError(f"malformed response bytes ({exc!r}): {out[:2000]!r}") from exc
    assert all(r.complete for r in reader.responses), f"incomplete response: {out[-500:]!r}"
    return reader.responses


# Deliberate 5xx for bad input: an unsupported transfer-coding (RFC 9112 §6.1) and HTTP version.
INPUT_5XX = {501, 505}


def check(case: Case, outcome: Outcome) -> list[Response]:
    """The invariants, whatever the input; returns the final (non-1xx) responses."""
    assert outcome.late_writes == 0, "bytes written after the connection was closed"
    assert not outcome.stuck, "reading paused on an idle open connection: the client would hang"
    every = parse_responses(outcome.out)
    assert all(r.status == 100 for r in every if r.status < 200), [r.status for r in every]
    responses = [r for r in every if r.status >= 200]
    for i, r in enumerate(responses):
        assert r.version == "1.1", r
        assert r.status in (200, 400, 405, 408, 413, 414, 431, *INPUT_5XX), (r.status, bytes(r.body))
        if r.status == 200:
            assert r.header(b"connection") != b"close" or i == len(responses) - 1
            continue
        # An error from the server itself (the echo app only answers 200): a JSON detail, and the
        # connection closed after it.
        try:
            detail = json.loads(bytes(r.body))["detail"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AssertionError(f"error body is not {{'detail': ...}}: {bytes(r.body)!r}") from exc
        assert isinstance(detail, str) and detail, r.body
        assert r.header(b"connection") == b"close", r.headers
        assert i == len(responses) - 1, "a response after an error response"
        assert outcome.closed_by_server, "connection left open after an error response"
    # The valid requests at the front are answered first, in order, whatever follows them.
    answered = [bytes(r.body) for r in responses[: len(case.valid)]]
    assert answered == [e.echo() for e in case.valid], (answered, [e.echo() for e in case.valid])
    return responses
