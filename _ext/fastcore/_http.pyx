"""Compiled HTTP/1.1 server protocol: bytes from the event loop -> ASGI 3 ``http`` cycles.

llhttp (through ``httptools.HttpRequestParser``) does all of the parsing; this module keeps the
connection state: limits, keep-alive, pipelining in order, flow control both ways, the checks
llhttp leaves to the server (Host, request-target form, transfer-codings, HTTP version), the ASGI
scope, ``receive`` and ``send``, and the response framing (Content-Length or chunked).

A request that fails a check is answered 4xx/5xx with a small JSON body and the connection is
closed; no part of it reaches the app.  Apps are started only after ``feed_data`` has returned, so
a request rejected in the same read never starts.  Requests pipelined before a rejected one are
answered first, in order.

WebSocket handshakes are handed, once parsed and checked, to ``HttpConfig.ws_factory`` (the
``websockets``-based protocol in ``fastcore.server.websocket``), which takes over the transport.

PERF: how an app call is run.  Each connection has one ``_Runner``: an object speaking the
coroutine protocol, wrapped once in an ``asyncio.Task`` that is parked while there is nothing to
do.  A request is driven *eagerly*, inside ``data_received``, with that Task entered as the current
task (``asyncio.current_task()``, anyio's cancel scopes and ``asyncio.timeout`` all see a real
Task) and the request in its own copy of the connection's ``contextvars`` context.  An app that
answers without waiting never leaves ``data_received``: no Task, no loop iteration, no coroutine
for ``send``.  An app that does wait hands the awaited future to the same Task, which resumes it,
so a request always runs in one Task from start to end.  Apps that keep running after their
response (background work) do not hold up the next request on the connection: that one gets a
one-shot ``_Runner`` Task of its own.

Timeouts (keep-alive, request head, request body, send) are checked by one sweep per server,
every quarter of the shortest timeout, instead of a timer per request.

Output: a response's head and a small body leave as one bytes object built in a C buffer
(``_http_response.pxi``), and, while several connections are open, small complete responses are
held to the end of the event-loop iteration and written together (write coalescing; see "output"
in ``HttpProtocol``).
"""

cimport cython
from cpython.contextvars cimport PyContext_CopyCurrent, PyContext_Enter, PyContext_Exit
from cpython.ref cimport PyObject, Py_XDECREF
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.string cimport memchr, memcmp

import asyncio
import asyncio.tasks
import collections
import http
import logging
import re
import sys
import urllib.parse

import httptools
from starlette.requests import ClientDisconnect

from fastcore.exceptions import ClientDisconnected

# PERF: hot-path Python lookups bound once as module globals.
cdef object HttpRequestParser = httptools.HttpRequestParser
cdef object HttpParserError = httptools.HttpParserError
cdef object HttpParserUpgrade = httptools.HttpParserUpgrade
cdef object deque = collections.deque
cdef object unquote = urllib.parse.unquote
cdef object format_date = __import__("email.utils").utils.formatdate
cdef object CancelledError = asyncio.CancelledError
# PERF: on CPython 3.10-3.13 the current task of each loop lives in one dict,
# asyncio.tasks._current_tasks, that asyncio.current_task() reads and _enter_task/_leave_task
# write (after checking what we check in _dispatch).  The runner sets and clears its entry with
# plain dict operations; elsewhere (3.14 keeps it per thread) the asyncio functions are called.
cdef object enter_task = asyncio.tasks._enter_task
cdef object leave_task = asyncio.tasks._leave_task
cdef dict CURRENT_TASKS = None
if sys.version_info < (3, 14) and type(getattr(asyncio.tasks, "_current_tasks", None)) is dict:
    CURRENT_TASKS = asyncio.tasks._current_tasks


cdef inline object current_task(object loop):
    if CURRENT_TASKS is not None:
        return CURRENT_TASKS.get(loop)
    return asyncio.current_task(loop)


cdef extern from "Python.h":
    # PEP 590-era generator send (3.10+): no StopIteration object when the coroutine returns.
    int PyIter_Send(object iterator, object arg, PyObject **presult) except -1
    enum: PYGEN_RETURN, PYGEN_NEXT

cdef object error_log = logging.getLogger("fastcore.error")
cdef object access_log = logging.getLogger("fastcore.access")

# Each connection's scopes share a copy (apps may write to scope["asgi"]; no module state).
cdef dict ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}

# Read-side flow control: pause reading above this much unread body, or this many queued requests.
cdef Py_ssize_t BODY_HIGH_WATER = 65536
cdef Py_ssize_t PIPELINE_HIGH_WATER = 16


class _Rejected(Exception):
    """Raised from a parser callback after the protocol has recorded why (reject_status)."""


# PERF: status lines encoded once (RFC 9112 §4: a server sends its own version, HTTP/1.1).
cdef dict STATUS_LINES = {
    int(s): b"HTTP/1.1 %d %s\r\n" % (int(s), s.phrase.encode("ascii")) for s in http.HTTPStatus
}
cdef dict PHRASES = {int(s): s.phrase for s in http.HTTPStatus}


cdef bytes status_line(int status):
    line = STATUS_LINES.get(status)
    if line is None:
        return b"HTTP/1.1 %d \r\n" % status
    return <bytes>line


include "_http_response.pxi"
include "_http_request.pxi"


cdef bytes CONTINUE_100 = b"HTTP/1.1 100 Continue\r\n\r\n"
cdef bytes CHUNK_END = b"0\r\n\r\n"
cdef bytes CRLF = b"\r\n"


cdef inline bint _has_byte(bytes data, char byte):
    # PERF: `b"x" in data` first tries b"x" as an int and raises (and clears) a TypeError.
    return memchr(<const char *>data, byte, len(data)) != NULL


cdef inline object _get(object message, str key, object default):
    # PERF: message.get(key, default) without a bound method per call when the message is a dict.
    if type(message) is dict:
        return (<dict>message).get(key, default)
    return message.get(key, default)


cdef inline Py_ssize_t _buffered(RequestCycle cycle):
    # Request body bytes received and not yet handed to the app (cycle.body is made on demand).
    return 0 if cycle.body is None else len(cycle.body)


cdef bint _has_ctl(bytes value):
    # Response splitting guard for app-supplied headers (RFC 9110 §5.5).
    cdef const unsigned char *p = <const unsigned char *>value
    cdef Py_ssize_t i
    for i in range(len(value)):
        if p[i] == 13 or p[i] == 10 or p[i] == 0:
            return True
    return False


cdef bint _bad_header(bytes name, bytes value):
    return _has_ctl(name) or _has_ctl(value) or _has_byte(name, b":")


cdef bytes _error_bytes(int status, str detail, bint close, bytes date_line):
    body = b'{"detail":"%s"}' % detail.replace("\\", "\\\\").replace('"', '\\"').encode("ascii", "replace")
    return b"".join((
        status_line(status),
        b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body),
        b"connection: close\r\n" if close else b"",
        date_line,
        CRLF,
        body,
    ))


def error_response(int status, str detail, bint close=True):
    """The bytes of a small JSON error response, e.g. ``{"detail":"Bad Request"}``."""
    return _error_bytes(status, detail, close, _format_date_line(c_time(NULL)))


@cython.final
@cython.auto_pickle(False)
cdef class HttpConfig:
    def __init__(self, app, loop, *, str root_path="", dict state=None,
                 Py_ssize_t max_header_bytes=65536, Py_ssize_t max_header_count=1000,
                 Py_ssize_t max_url_length=8192, long long max_body_size=0,
                 double timeout_keep_alive=5.0, double timeout_request_head=10.0,
                 double timeout_request_body=30.0, double timeout_send=60.0,
                 Py_ssize_t limit_concurrency=0, bint access_log=False, bint server_header=False,
                 list default_headers=None, ws_factory=None, bint coalesce_writes=True):
        self.app = app
        self.loop = loop
        self.root_path = root_path
        self.state = {} if state is None else state
        self.max_header_bytes = max_header_bytes
        self.max_header_count = max_header_count
        self.max_url_length = max_url_length
        self.max_body_size = max_body_size
        self.timeout_keep_alive = timeout_keep_alive
        self.timeout_request_head = timeout_request_head
        self.timeout_request_body = timeout_request_body
        self.timeout_send = timeout_send
        self.limit_concurrency = limit_concurrency
        self.access_log = access_log
        self.server_header = server_header
        self.default_headers = list(default_headers or [])
        if server_header:
            self.default_headers.insert(0, (b"server", b"fastcore"))
        for name, value in self.default_headers:
            if _bad_header(name, value):
                raise ValueError(f"invalid default header {name!r}: {value!r}")
        self.extra_headers = b"".join(n.lower() + b": " + v + CRLF for n, v in self.default_headers)
        self.ws_factory = ws_factory
        self.coalesce_writes = coalesce_writes


@cython.final
@cython.auto_pickle(False)
cdef class ServerState:
    def __init__(self):
        self.connections = set()
        self.tasks = set()
        self.total_requests = 0
        self.in_flight = 0
        self.clock = 0.0
        self.unflushed = []
        self.date_second = -1

    def __dealloc__(self):
        _free_buf(&self.out)

    cdef bytes date_header(self):
        # PERF: the Date line is formatted at most once a second; libc's time() is read per
        # response (a vDSO call, no Python).
        cdef long long now = c_time(NULL)
        if now != self.date_second:
            self.date_line = _format_date_line(now)
            self.date_second = now
        return self.date_line

    cdef void _start_sweep(self, HttpConfig cfg):
        # PERF: one timer per server instead of two per request.  A timeout fires between
        # (timeout - interval) and (timeout + interval) after its start: `clock` lags by <= interval.
        cdef double shortest = 0.0
        for t in (cfg.timeout_keep_alive, cfg.timeout_request_head, cfg.timeout_request_body,
                  cfg.timeout_send):
            if t > 0 and (shortest == 0.0 or t < shortest):
                shortest = t
        if shortest == 0.0:
            return
        self.loop = cfg.loop
        self.interval = min(max(shortest / 4, 0.01), 1.0)
        self.clock = self.loop.time()
        self.sweeper = self.loop.call_later(self.interval, self._sweep)

    def _sweep(self):
        cdef HttpProtocol proto
        self.sweeper = None
        now = self.loop.time()
        self.clock = now
        for conn in list(self.connections):
            if type(conn) is HttpProtocol:
                proto = <HttpProtocol>conn
                proto._check_timeouts(now)
        if self.connections:
            self.sweeper = self.loop.call_later(self.interval, self._sweep)

    cdef void _defer_flush(self, HttpProtocol proto):
        # proto has output held back: write it (and everyone else's) once this loop iteration's
        # callbacks have run.
        self.unflushed.append(proto)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            proto.loop.call_soon(self._flush)

    def _flush(self):
        cdef HttpProtocol proto
        self.flush_scheduled = False
        protos = self.unflushed
        self.unflushed = []
        for conn in protos:
            proto = <HttpProtocol>conn
            proto._flush()


@cython.final
@cython.auto_pickle(False)
cdef class HttpProtocol:
    """An ``asyncio.Protocol`` serving HTTP/1.1 on one connection."""

    def __init__(self, HttpConfig config, ServerState server_state):
        self.cfg = config
        self.srv = server_state
        self.loop = config.loop
        self.pipeline = deque()
        self.line_hint = NO_HINT
        self.headers = []
        self.scheme = "http"

    # -- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        self.write = transport.write  # PERF: bound once, not looked up per response
        self.srv.connections.add(self)
        if self.srv.sweeper is None:
            self.srv._start_sweep(self.cfg)
        self.parser = HttpRequestParser(self)
        sock = transport.get_extra_info("socket")
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self.client = (peer[0], peer[1])
        if isinstance(local, tuple) and len(local) >= 2:
            self.server = (local[0], local[1])
        elif isinstance(local, str) and local:
            self.server = (local, None)  # ASGI: a Unix socket's server is [path, None]
        elif sock is not None and sock.family == 1:
            self.server = (str(local or ""), None)
        if transport.get_extra_info("sslcontext") is not None:
            self.scheme = "https"
        self.idle_since = self.srv.clock
        # PERF: what every request's scope shares, copied per request (the placeholders are
        # overwritten); the key order is the one documented by the ASGI spec.
        self.scope_base = {
            "type": "http",
            "asgi": ASGI_VERSION.copy(),
            "http_version": "1.1",
            "method": "GET",
            "scheme": self.scheme,
            "path": "",
            "raw_path": b"",
            "query_string": b"",
            "root_path": self.cfg.root_path,
            "headers": None,
            "client": self.client,
            "server": self.server,
            "state": None,
        }

    def connection_lost(self, exc):
        cdef RequestCycle cycle
        self.closing = True
        self.lost = True
        self.held = None
        self.srv.connections.discard(self)
        for c in (self.current, self.active, *self.pipeline):
            if c is not None:
                cycle = <RequestCycle>c
                cycle.disconnected = True
                cycle.wake()
        self.pipeline.clear()
        if self.drain_waiter is not None and not self.drain_waiter.done():
            self.drain_waiter.set_result(None)
        self.parser = None
        if self.runner is not None:
            self.runner.wake()  # a parked runner ends; a busy one ends when its app call returns

    def eof_received(self):
        # Half-closed by the client: finish what is in flight, then close (return None).
        pass

    def pause_writing(self):
        self.write_paused = True
        self.write_paused_since = self.srv.clock

    def resume_writing(self):
        self.write_paused = False
        if self.drain_waiter is not None and not self.drain_waiter.done():
            self.drain_waiter.set_result(None)

    def data_received(self, data):
        if self.closing or self.parser is None:
            return
        self._feed(data)
        self._dispatch()

    cdef void _feed(self, object data):
        cdef bint was_in_head = self.in_head
        self.began_this_feed = False
        if not was_in_head and self.current is None and type(data) is bytes:
            self.line_hint = _request_line_hint(<bytes>data)
        else:
            self.line_hint = NO_HINT
        try:
            self.parser.feed_data(data)
        except HttpParserUpgrade as exc:
            offset = exc.args[0] if exc.args else len(data)
            if self.is_ws:
                self.is_ws = False
                if self.pending_upgrade is not None:
                    self.pending_upgrade = self.pending_upgrade[:3] + (bytes(data[offset:]),)
                    self._pause()
                return
            # Not an upgrade we perform (h2c, CONNECT was rejected): carry on as HTTP/1.1.
            if offset < len(data):
                self._feed(data[offset:])
            return
        except HttpParserError as exc:
            if self.reject_status:
                self._reject(self.reject_status, self.reject_detail)
            elif self.after_close and self.current is None:
                # Bytes after "Connection: close" (RFC 9112 §9.6): ignored, not an error.
                self._pause()
            else:
                self._reject(400, "Bad Request")
            return
        # Slow-client guard: a head that spans reads is counted read by read (the first read's
        # share is bounded by the read size), so httptools never buffers an unbounded head.
        if self.in_head:
            if was_in_head and not self.began_this_feed:
                self.head_spill += len(data)
            if self.head_spill > self.cfg.max_header_bytes + self.cfg.max_url_length:
                self._reject(431, "Request Header Fields Too Large")

    cdef void _pause(self):
        if not self.read_paused and not self.closing:
            self.read_paused = True
            self.transport.pause_reading()

    # -- httptools callbacks ----------------------------------------------------------------------

    def on_message_begin(self):
        self.in_head = True
        self.method, self.version = self.line_hint  # only a read's first request has a hint
        self.line_hint = NO_HINT
        self.began_this_feed = True
        self.url = b""
        self.headers = []
        self.head_bytes = 0
        self.head_spill = 0
        self.host_count = 0
        self.host = None
        self.expect_continue = False
        self.te_seen = False
        self.upgrade_seen = False
        self.request_length = None
        self.is_ws = False
        self.head_since = self.srv.clock

    def on_url(self, bytes url):
        if PyBytes_GET_SIZE(self.url) + PyBytes_GET_SIZE(url) > self.cfg.max_url_length:
            self.reject_status = 414
            self.reject_detail = "URI Too Long"
            raise _Rejected()
        self.url = self.url + url if self.url else url  # llhttp splits it only across reads

    def on_header(self, bytes name, bytes value):
        self.head_bytes += len(name) + len(value) + 4
        if self.head_bytes > self.cfg.max_header_bytes or len(self.headers) >= self.cfg.max_header_count:
            self.reject_status = 431
            self.reject_detail = "Request Header Fields Too Large"
            raise _Rejected()
        name = _lower(name)
        if name == b"host":
            self.host_count += 1
            self.host = value
        elif name == b"content-length":
            self.request_length = value  # llhttp has checked it: digits, not repeated
        elif name == b"upgrade":
            self.upgrade_seen = True
        elif name == b"expect":
            if value.lower() == b"100-continue":
                self.expect_continue = True
        elif name == b"transfer-encoding":
            # RFC 9112 §6.1: we decode only "chunked"; other codings are 501 (llhttp would say 400).
            self.te_seen = True
            for coding in value.lower().split(b","):
                if coding.strip(b" \t") != b"chunked":
                    self.reject_status = 501
                    self.reject_detail = "Not Implemented"
                    raise _Rejected()
        self.headers.append((name, value))

    def on_headers_complete(self):
        cdef RequestCycle cycle
        cdef HttpConfig cfg = self.cfg
        self.in_head = False
        parser = self.parser
        # PERF: what the read's first line told, when it did (see _request_line_hint).
        version = self.version if self.version is not None else parser.get_http_version()
        method = self.method if self.method is not None else _method_str(parser.get_method())
        target = self.url
        absolute = None
        if PyBytes_GET_SIZE(target) and PyBytes_AS_STRING(target)[0] != b"/" and target != b"*":
            absolute = _split_absolute(target, method)
        status = 0
        detail = ""
        if version != "1.1" and version != "1.0":
            # RFC 9112 §2.3; HTTP/0.9 and 2.0 text are not served here.
            status, detail = 505, "HTTP Version Not Supported"
        elif method == "CONNECT":
            status, detail = 405, "Method Not Allowed"
        elif self.host_count > 1 or (version == "1.1" and self.host_count == 0):
            status, detail = 400, "Bad Request: Host header missing or repeated"  # RFC 9112 §3.2
        elif self.host is not None and self.host != self.last_host and HOST_RE(self.host) is None:
            status, detail = 400, "Bad Request: invalid Host header"
        elif self.te_seen and version == "1.0":
            status, detail = 400, "Bad Request"  # RFC 9112 §6.1: faulty framing
        elif not (PyBytes_GET_SIZE(target) and PyBytes_AS_STRING(target)[0] == b"/") \
                and not (target == b"*" and method == "OPTIONS") and absolute is None:
            # RFC 9112 §3.2: origin-form, absolute-form (http/https), or "*" for OPTIONS only;
            # authority-form is CONNECT's (refused above).
            status, detail = 400, "Bad Request: invalid request target"
        elif _has_byte(target, b"#"):
            status, detail = 400, "Bad Request: invalid request target"
        elif cfg.limit_concurrency and (self.srv.in_flight >= cfg.limit_concurrency
                                        or len(self.srv.connections) > cfg.limit_concurrency):
            status, detail = 503, "Service Unavailable"
        elif cfg.max_body_size and self.request_length is not None \
                and int(self.request_length) > cfg.max_body_size:
            status, detail = 413, "Content Too Large"
        if status:
            self.reject_status = status
            self.reject_detail = detail
            raise _Rejected()
        self.last_host = self.host
        if absolute is not None:
            target = self._use_absolute(<tuple>absolute)

        scope = self._build_scope(target, method, version)
        upgrade = b""
        if self.upgrade_seen and parser.should_upgrade():
            for name, value in self.headers:
                if name == b"upgrade":
                    upgrade = value.lower()
            if upgrade == b"websocket" and method == "GET" and cfg.ws_factory is not None:
                self.is_ws = True
                scope["type"] = "websocket"
                scope["scheme"] = "wss" if self.scheme == "https" else "ws"
                del scope["method"]
                self.pending_upgrade = (scope, target, self.headers, b"")
                self.current = None
                return
        cycle = RequestCycle.__new__(RequestCycle)
        cycle.proto = self
        cycle.scope = scope
        cycle.content_length = -1
        cycle.keep_alive = parser.should_keep_alive() and not self.shutting_down
        cycle.http10 = version == "1.0"
        cycle.is_head = method == "HEAD"
        # RFC 9110 §10.1.1: no 100 Continue to an HTTP/1.0 client.
        cycle.expect_continue = self.expect_continue and not cycle.http10
        if upgrade:
            cycle.keep_alive = False  # an upgrade we do not perform: what follows is not HTTP/1.1
        if not cycle.keep_alive:
            self.after_close = True
        self.current = cycle
        self.body_since = self.srv.clock
        self.pipeline.append(cycle)
        self.srv.total_requests += 1

    def on_body(self, bytes body):
        cdef RequestCycle cycle = self.current
        if cycle is None:
            return
        self.body_since = self.srv.clock
        cycle.body_received += len(body)
        if self.cfg.max_body_size and cycle.body_received > self.cfg.max_body_size:
            self.reject_status = 413
            self.reject_detail = "Content Too Large"
            raise _Rejected()
        cycle.on_body(body)

    def on_message_complete(self):
        cdef RequestCycle cycle = self.current
        self.in_head = False
        if cycle is None:
            return
        cycle.message_complete = True
        self.current = None
        cycle.wake()

    # -- connection state ------------------------------------------------------------------------

    cdef bytes _use_absolute(self, tuple absolute):
        # An absolute-form request (RFC 9112 §3.2.2), its Host header checked like any other:
        # it is routed by the target's path and query, and, as §3.2.2 says an origin server
        # MUST, the target's authority is the request's host: the scope's "host" header is
        # replaced (added on HTTP/1.0 without one), so the app (url_for, TrustedHostMiddleware)
        # sees the host the client addressed.  uvicorn routes the path too but keeps the Host
        # header; we follow the RFC, which also keeps a proxy routing by the target's authority
        # and the app from disagreeing about the host.  The scheme stays the connection's.
        authority, origin = absolute
        headers = self.headers
        for i in range(len(headers)):
            if (<tuple>headers[i])[0] == b"host":
                headers[i] = (b"host", authority)
                break
        else:
            headers.append((b"host", authority))
        return origin

    cdef dict _build_scope(self, bytes target, str method, str version):
        cdef str root = self.cfg.root_path
        cdef const char *t = PyBytes_AS_STRING(target)
        cdef Py_ssize_t n = PyBytes_GET_SIZE(target)
        cdef const char *q = <const char *>memchr(t, b"?", n)
        cdef dict scope = self.scope_base.copy()
        if q != NULL:
            raw_path = PyBytes_FromStringAndSize(t, q - t)
            query = PyBytes_FromStringAndSize(q + 1, n - (q - t) - 1)
        else:
            raw_path = target
            query = b""
        # llhttp admits only ASCII in the target; the path is percent-decoded as UTF-8.
        path = raw_path.decode("ascii")
        if _has_byte(raw_path, b"%"):
            path = unquote(path)
        if root:
            path = root + path
            raw_path = root.encode("utf-8") + raw_path
        if version != "1.1":
            scope["http_version"] = version
        scope["method"] = method
        scope["path"] = path
        scope["raw_path"] = raw_path
        scope["query_string"] = query
        scope["headers"] = self.headers
        scope["state"] = self.cfg.state.copy()
        return scope

    cdef void _dispatch(self):
        # Start the next request when the connection is free.  Called from data_received (no task
        # running: the request is driven right here) and after a runner's step.
        cdef _Runner runner
        if self.closing:
            return
        if self.active is None and self.pipeline:
            runner = self.runner
            if runner is None or runner.finished:
                runner = self.runner = _Runner(self, True)
            if runner.coro is not None:
                self._spawn()  # the runner is still busy with an earlier request's app call
            elif current_task(self.loop) is None:
                runner.run_eagerly()
            else:
                runner.wake()
        elif self.active is None and not self.pipeline and self.pending_upgrade is not None \
                and not self.is_ws:
            self._start_upgrade()
            return
        self._maybe_pause()

    cdef void _after_step(self, _Runner runner):
        # A runner's app call has suspended or returned, from inside a Task (ours or entered):
        # start what waits without driving one app call inside another.
        if self.closing or self.active is not None or not self.pipeline:
            return
        if runner is not self.runner and self.runner is not None and not self.runner.finished \
                and self.runner.coro is None:
            self.runner.wake()
        else:
            self._spawn()

    cdef void _spawn(self):
        # Slow path: the next request runs in a one-shot runner Task of its own.
        cdef _Runner runner = _Runner(self, False)
        runner.wake()

    cdef RequestCycle _take(self):
        # The next request to run, made the active one; None if there is none to start now.
        cdef RequestCycle cycle
        if self.closing or self.active is not None or not self.pipeline:
            return None
        cycle = <RequestCycle>self.pipeline.popleft()
        self.active = cycle
        self._maybe_resume()
        return cycle

    cdef void _maybe_pause(self):
        cdef RequestCycle cycle = self.active
        if self.read_paused or self.closing:
            return
        if len(self.pipeline) >= PIPELINE_HIGH_WATER or (
                cycle is not None and _buffered(cycle) > BODY_HIGH_WATER):
            self._pause()

    cdef void _maybe_resume(self):
        cdef RequestCycle cycle = self.active
        if not self.read_paused or self.closing or self.pending_error is not None \
                or self.pending_upgrade is not None:
            return
        if len(self.pipeline) < PIPELINE_HIGH_WATER and (cycle is None or _buffered(cycle) <= BODY_HIGH_WATER):
            self.read_paused = False
            self.body_since = self.srv.clock  # the body timeout counts from here, not from the pause
            self.transport.resume_reading()

    cdef void _cycle_done(self, RequestCycle cycle):
        # The response to `cycle` is complete (or abandoned): close, or let the next request in
        # (its runner starts it once the current app call suspends or returns).
        if cycle is not self.active:
            return
        self.active = None
        if self.cfg.access_log:
            s = cycle.scope
            access_log.info('%s - "%s %s HTTP/%s" %d', "%s:%s" % s["client"] if s["client"] else "-",
                            s.get("method"), s["path"], s["http_version"], cycle.status)
        if self.closing:
            return
        if not cycle.keep_alive:
            self._close()
            return
        if cycle is self.current:
            # The app answered before reading the whole body: the parser still has to consume it.
            cycle.body = None
        if not self.pipeline:
            if self.pending_error is not None:
                self._write_error(self.pending_error[0], self.pending_error[1])
            elif self.pending_upgrade is not None:
                self._start_upgrade()
            elif self.current is None and not self.in_head:
                if self.shutting_down:
                    self._close()
                    return
                self.idle_since = self.srv.clock
                self.headers = None  # the last request's, held by nothing else once it is done
        self._maybe_resume()

    cdef void _reject(self, int status, str detail):
        # A request failed a check: answer every complete request before it, then `status`.
        cdef RequestCycle cycle = self.current
        self.reject_status = 0
        self._pause()
        self.parser = None  # nothing more is parsed on this connection
        if cycle is not None:
            self.current = None
            if cycle is self.active:
                # Its app already runs (streamed body): it sees a disconnect.
                cycle.disconnected = True
                cycle.wake()
                if cycle.response_started:
                    self._close()
                    return
                self.active = None
            else:
                try:
                    self.pipeline.remove(cycle)
                except ValueError:
                    pass
        if self.active is None and not self.pipeline:
            self._write_error(status, detail)
        else:
            self.pending_error = (status, detail)

    cdef void _write_error(self, int status, str detail):
        if not self.closing:
            if self.transport is not None and not self.transport.is_closing():
                self._write_now(_error_bytes(status, detail, True, self.srv.date_header()))
            self._close()

    cdef void _check_timeouts(self, double now):
        # Called by the server's sweep.
        cdef HttpConfig cfg = self.cfg
        cdef RequestCycle cycle = self.current
        if self.write_paused and cfg.timeout_send > 0 and now - self.write_paused_since >= cfg.timeout_send:
            # A reader that takes nothing for timeout_send seconds: drop the connection and what
            # it buffers (also one already closing: close() waits for the buffer to drain).  The
            # app's pending send raises ClientDisconnected.
            error_log.debug("send timeout: the client read nothing for %.1f s", now - self.write_paused_since)
            self._abort()
            return
        if self.closing:
            return
        if self.in_head:
            if cfg.timeout_request_head > 0 and now - self.head_since >= cfg.timeout_request_head:
                # RFC 9110 §15.5.9: the client took too long to send the request head.
                self.in_head = False
                self._reject(408, "Request Timeout")
        elif cycle is not None:
            # A request body is being received.  Its clock stops while we hold the client back:
            # reading paused (flow control), or a 100 Continue not sent yet (RFC 9110 §10.1.1).
            if cfg.timeout_request_body > 0 and not self.read_paused and not cycle.expect_continue \
                    and now - self.body_since >= cfg.timeout_request_body:
                if cycle.response_complete:
                    self._close()  # answered already: only the rest of the body was awaited
                else:
                    # 408 if the app has not started its response (else just close); the app's
                    # receive() gets http.disconnect, its send() raises ClientDisconnected.
                    self._reject(408, "Request Timeout")
        elif self.active is None and not self.pipeline \
                and cfg.timeout_keep_alive > 0 and now - self.idle_since >= cfg.timeout_keep_alive:
            self._close()

    cdef void _close(self):
        if not self.closing:
            self._flush()
            self.closing = True
            if self.transport is not None:
                self.transport.close()

    cdef void _abort(self):
        # Close without writing what is buffered; connection_lost follows.
        self.closing = True
        self.held = None
        if self.transport is not None:
            self.transport.abort()

    # -- output ----------------------------------------------------------------------------------
    #
    # PERF: write coalescing (HttpConfig.coalesce_writes, on by default).  While more than one
    # connection is open, a small, complete response is held back and written, with every other
    # connection's, once the current event-loop iteration's callbacks have run.  The responses
    # leave in one burst instead of one write between each two app calls: a local reader (a
    # reverse proxy, a load generator) that is still awake is not woken once per response, which
    # on loopback costs the server more kernel time than its own work.  The price: a response
    # waits for the rest of its iteration (the other ready requests; also any CPU work a handler
    # does after its response without awaiting).  Everything else (streamed bodies, 100 Continue,
    # errors) is written at once, after whatever is held, so bytes never overtake each other;
    # closing and upgrading write what is held first.

    cdef void _hold(self, bytes data):
        held = self.held
        if held is None:
            self.held = data
            self.srv._defer_flush(self)
        elif type(held) is list:
            (<list>held).append(data)
        else:
            self.held = [held, data]

    cdef void _flush(self):
        held = self.held
        if held is None:
            return
        self.held = None
        if self.closing or self.transport is None:
            return
        try:
            self.write(held if type(held) is bytes else b"".join(<list>held))
        except Exception as exc:
            # From the end-of-iteration flush nobody could handle it: the connection is done.
            error_log.debug("write failed, closing the connection: %r", exc)
            self._close()

    cdef void _write_now(self, bytes data):
        if self.held is not None:
            self._flush()
        self.write(data)

    cdef void _start_upgrade(self):
        self._flush()
        scope, target, headers, tail = self.pending_upgrade
        self.pending_upgrade = None
        self.closing = True
        self.srv.connections.discard(self)
        transport = self.transport
        self.transport = None
        self.parser = None
        protocol = self.cfg.ws_factory(transport, scope, target, headers, tail)
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        if self.read_paused:
            transport.resume_reading()

    def _upgrade_ready(self):
        if self.pending_upgrade is not None and self.active is None and not self.pipeline:
            self._start_upgrade()

    async def drain(self):
        """Wait until the transport's write buffer is below its low-water mark."""
        while self.write_paused and not self.closing:
            if self.drain_waiter is None or self.drain_waiter.done():
                self.drain_waiter = self.loop.create_future()
            await self.drain_waiter

    def shutdown(self):
        """Graceful shutdown: close when idle, else after the response in flight."""
        cdef RequestCycle cycle
        self.shutting_down = True
        if self.active is None and self.current is None and not self.pipeline:
            self._close()
            return
        for c in (self.active, self.current, *self.pipeline):
            if c is not None:
                cycle = <RequestCycle>c
                cycle.keep_alive = False

    def force_close(self):
        self._close()

    @property
    def idle(self):
        return self.active is None and self.current is None and not self.pipeline


@cython.final
@cython.auto_pickle(False)
cdef class RequestCycle:
    """One request: the ASGI ``receive`` and ``send`` callables and the response state."""

    cdef void wake(self):
        waiters = self.waiters
        if waiters:
            self.waiters = []
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)

    cdef void on_body(self, bytes data):
        if self.response_complete or self.disconnected:
            return  # answered already: the rest of the body is read and dropped
        if self.body is None:
            self.body = bytearray(data)
        else:
            self.body += data
        if len(self.body) > BODY_HIGH_WATER and self.proto.active is self:
            self.proto._maybe_pause()
        self.wake()

    async def receive(self):
        cdef HttpProtocol proto = self.proto
        if self.expect_continue and not self.response_started and not self.disconnected \
                and not self.message_complete and _buffered(self) == 0:
            # RFC 9110 §10.1.1: the app wants the body, so tell the client to send it.
            self.expect_continue = False
            if not proto.closing:
                proto._write_now(CONTINUE_100)
                proto.body_since = proto.srv.clock  # the client starts sending now
        while True:
            if self.disconnected or self.response_complete:
                return {"type": "http.disconnect"}
            if not self.body_delivered and (_buffered(self) or self.message_complete):
                break
            fut = proto.loop.create_future()
            if self.waiters is None:
                self.waiters = []
            self.waiters.append(fut)
            await fut
        body = b"" if self.body is None else bytes(self.body)
        self.body = None
        if self.message_complete:
            self.body_delivered = True
        elif proto.read_paused:
            proto._maybe_resume()
        return {"type": "http.request", "body": body, "more_body": not self.message_complete}

    def send(self, message):
        """ASGI ``send``: writes at once; the awaitable it returns waits only while writes are paused."""
        cdef HttpProtocol proto = self.proto
        cdef bytes data
        if self.disconnected:
            # ASGI 2.4: a send on a closed connection raises an OSError subclass, so a streaming
            # app stops producing for nobody.
            raise ClientDisconnected("the client has disconnected")
        mtype = message["type"]
        if not self.response_started:
            if mtype != "http.response.start":
                raise RuntimeError(f"expected 'http.response.start', got {mtype!r}")
            self.response_started = True
            self.expect_continue = False
            self.status = message["status"]
            self.headers_out = _get(message, "headers", ())
            return DONE
        if self.response_complete:
            raise RuntimeError(f"unexpected {mtype!r}: the response is already complete")
        if mtype != "http.response.body":
            raise RuntimeError(f"expected 'http.response.body', got {mtype!r}")
        body = _as_bytes(_get(message, "body", b""))
        cdef bint more_body = _get(message, "more_body", False)
        # The response is built in the server's scratch buffer, or, should Python code run while
        # building it (a generator of headers) send on another connection, in one of its own.
        cdef ServerState srv = proto.srv
        cdef _Buf spare
        if srv.out_busy:
            spare.data = NULL
            spare.len = spare.cap = 0
            try:
                data = self._render(&spare, body, more_body)
            finally:
                _free_buf(&spare)
        else:
            srv.out_busy = True
            srv.out.len = 0
            try:
                data = self._render(&srv.out, body, more_body)
            finally:
                srv.out_busy = False
        if data is not None and not self.disconnected:
            if not more_body and PyBytes_GET_SIZE(data) <= INLINE_BODY_MAX and proto.cfg.coalesce_writes \
                    and len(srv.connections) > 1:
                proto._hold(data)  # see "output" in HttpProtocol
            else:
                proto._write_now(data)
        if not more_body:
            self.response_complete = True
            if self.content_length >= 0 and self.body_sent < self.content_length \
                    and not self.is_head and not self.no_body:
                self.keep_alive = False  # the client is still waiting for bytes we never sent
            self.wake()
            if not self.disconnected:
                proto._cycle_done(self)
        if proto.write_paused and not proto.closing:
            # Flow control: the bytes are buffered; the app waits for the buffer to drain.
            return self._drained()
        return DONE

    async def _drained(self):
        await self.proto.drain()
        if self.disconnected or self.proto.lost:
            raise ClientDisconnected("the client disconnected before the response was sent")

    cdef bytes _render(self, _Buf *out, bytes body, bint more_body):
        # The bytes `send` writes for one http.response.body (with the head before the first):
        # None when there are none.  `out` is empty on entry.
        cdef Py_ssize_t n = PyBytes_GET_SIZE(body)
        if not self.head_written:
            _put_head(out, self, more_body, n)
            self.head_written = True
        if self.is_head or self.no_body:
            return _take_out(out) if out.len else None
        if self.content_length >= 0:
            self.body_sent += n
            if self.body_sent > self.content_length:
                raise RuntimeError("response body longer than its content-length")
        if self.chunked:
            if n <= INLINE_BODY_MAX:
                _put_chunk(out, body, more_body)
            else:
                _put_int(out, n, 16)
                _put(out, "\r\n", 2)
                return b"".join((_take_out(out), body, CRLF if more_body else CRLF + CHUNK_END))
        elif n <= INLINE_BODY_MAX:
            # PERF: a small, complete response leaves in one write (and one bytes object).
            _put_bytes(out, body)
        else:
            return _take_out(out) + body if out.len else body
        return _take_out(out) if out.len else None


include "_http_runner.pxi"
