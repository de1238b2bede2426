# Included by _http.pyx: response bytes (status line, headers, framing) built in one C buffer.
#
# PERF: a response head used to be ~10 small bytes objects (one per header line, each lower-cased
# and checked by Python methods) joined, then concatenated with the body.  Here every part is
# copied once into a scratch buffer, checked and lower-cased on the way, and the head plus a small
# body leave as one bytes object: one allocation per response.
#
# The scratch buffer (a _Buf, declared in _http.pxd) belongs to the ServerState: one per server,
# used only by the thread running that server's event loop, so two servers in threads (or a
# free-threaded build) never share one.  Python code can run while a response is being built (an
# app's headers may be any iterable, a generator included) and could send on another connection of
# the same server: RequestCycle.send then builds in a buffer of its own (ServerState.out_busy).

from libc.stdlib cimport free, realloc
from libc.string cimport memcpy
from libc.time cimport time as c_time

# A body up to this size is copied into the response's one write; a larger one is written after
# the head on its own, so the scratch buffer never grows to the size of a big body.
cdef Py_ssize_t INLINE_BODY_MAX = 65536


cdef int _reserve(_Buf *out, Py_ssize_t extra) except -1:
    cdef Py_ssize_t cap = out.cap * 2 if out.cap else 4096
    cdef char *grown
    while cap < out.len + extra:
        cap *= 2
    grown = <char *>realloc(out.data, cap)
    if grown == NULL:
        raise MemoryError()
    out.data = grown
    out.cap = cap
    return 0


cdef inline void _free_buf(_Buf *out):
    free(out.data)
    out.data = NULL
    out.len = out.cap = 0


cdef inline int _put(_Buf *out, const char *src, Py_ssize_t n) except -1:
    if out.len + n > out.cap:
        _reserve(out, n)
    memcpy(out.data + out.len, src, n)
    out.len += n
    return 0


cdef inline int _put_bytes(_Buf *out, bytes b) except -1:
    return _put(out, PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))


cdef int _put_int(_Buf *out, long long n, int base) except -1:
    # Decimal (base 10) or lower-case hex (base 16) digits of n >= 0.
    cdef char digits[24]
    cdef int i = 24
    cdef int d
    if n == 0:
        return _put(out, "0", 1)
    while n > 0 and i > 0:
        d = <int>(n % base)
        i -= 1
        digits[i] = <char>(48 + d if d < 10 else 87 + d)
        n //= base
    return _put(out, digits + i, 24 - i)


cdef inline bytes _take_out(_Buf *out):
    return PyBytes_FromStringAndSize(out.data, out.len)


cdef bytes _format_date_line(long long now):
    # The Date header line (RFC 9110 §6.6.1) for the second `now`; ServerState.date_line caches it.
    return b"date: " + format_date(<double>now, usegmt=True).encode("ascii") + b"\r\n"


cdef inline bint _ieq(const unsigned char *lowered, Py_ssize_t n, const char *name, Py_ssize_t name_len):
    # `lowered` (already lower-case) equals the lower-case literal `name`.
    cdef Py_ssize_t i
    if n != name_len:
        return False
    for i in range(n):
        if lowered[i] != <unsigned char>name[i]:
            return False
    return True


cdef long long _parse_length(bytes value) except -2:
    # A Content-Length the app set: digits, with optional spaces or tabs around them.
    cdef const unsigned char *p = <const unsigned char *>PyBytes_AS_STRING(value)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(value)
    cdef Py_ssize_t i = 0
    cdef long long result = 0
    cdef bint seen = False
    while i < n and (p[i] == 32 or p[i] == 9):
        i += 1
    while i < n and 48 <= p[i] <= 57:
        if result > 100000000000000000:
            raise RuntimeError("response content-length is too large")
        result = result * 10 + (p[i] - 48)
        seen = True
        i += 1
    while i < n and (p[i] == 32 or p[i] == 9):
        i += 1
    if not seen or i != n:
        raise RuntimeError(f"invalid response content-length {value!r}")
    return result


cdef inline bytes _as_bytes(object value):
    # ASGI header names, values and bodies are bytes; other buffers (bytearray, memoryview) are
    # accepted as their bytes, and anything that is no buffer fails as it would on `bytes + x`.
    if type(value) is bytes:
        return <bytes>value
    return bytes(memoryview(value))


cdef int _put_app_header(_Buf *out, RequestCycle cycle, object item) except -1:
    # One header of http.response.start: checked, its name lower-cased, written as "name: value\r\n"
    # unless the server frames it itself (Connection; Transfer-Encoding on HTTP/1.0).
    cdef bytes name, value
    cdef const unsigned char *src
    cdef unsigned char *dst
    cdef unsigned char c
    cdef Py_ssize_t i, n, start = out.len
    name_obj, value_obj = item
    name = _as_bytes(name_obj)
    value = _as_bytes(value_obj)
    n = PyBytes_GET_SIZE(name)
    if n == 0:
        raise RuntimeError("invalid response header: empty name")
    if out.len + n + PyBytes_GET_SIZE(value) + 4 > out.cap:
        _reserve(out, n + PyBytes_GET_SIZE(value) + 4)
    # Response splitting guard (RFC 9110 §5.5): no CR, LF or NUL anywhere, no colon in the name.
    src = <const unsigned char *>PyBytes_AS_STRING(name)
    dst = <unsigned char *>out.data + start
    for i in range(n):
        c = src[i]
        if c == 13 or c == 10 or c == 0 or c == 58:
            raise RuntimeError(f"invalid response header {name!r}")
        dst[i] = c + 32 if 65 <= c <= 90 else c
    src = <const unsigned char *>PyBytes_AS_STRING(value)
    for i in range(PyBytes_GET_SIZE(value)):
        c = src[i]
        if c == 13 or c == 10 or c == 0:
            raise RuntimeError(f"invalid response header {name!r}")
    if _ieq(dst, n, "content-length", 14):
        cycle.content_length = _parse_length(value)
    elif _ieq(dst, n, "transfer-encoding", 17):
        if value.lower() != b"chunked":
            raise RuntimeError("unsupported response transfer-encoding")
        cycle.chunked = True
        if cycle.http10:
            return 0
    elif _ieq(dst, n, "connection", 10):
        if value.lower() == b"close":
            cycle.keep_alive = False
        return 0
    out.len += n
    _put(out, ": ", 2)
    _put_bytes(out, value)
    _put(out, "\r\n", 2)
    return 0


cdef int _put_head(_Buf *out, RequestCycle cycle, bint more_body, Py_ssize_t first_len) except -1:
    # The status line and headers of cycle's response, framing decided, appended to `out`.
    cdef int status = cycle.status
    cdef ServerState srv = cycle.proto.srv
    _put_bytes(out, status_line(status))
    cycle.no_body = status < 200 or status == 204 or status == 304
    for item in cycle.headers_out:
        _put_app_header(out, cycle, item)
    if cycle.chunked and (cycle.content_length >= 0 or cycle.no_body):
        raise RuntimeError("response has both content-length and transfer-encoding")
    if cycle.http10 and cycle.chunked:
        cycle.chunked = False
        cycle.keep_alive = False  # HTTP/1.0 has no chunked coding: the close ends the body
    if not cycle.no_body and cycle.content_length < 0 and not cycle.chunked:
        if not more_body:
            _put(out, "content-length: ", 16)
            _put_int(out, first_len, 10)
            _put(out, "\r\n", 2)
            cycle.content_length = first_len
        elif not cycle.http10:
            _put(out, "transfer-encoding: chunked\r\n", 28)
            cycle.chunked = True
        else:
            cycle.keep_alive = False
    if not cycle.keep_alive:
        _put(out, "connection: close\r\n", 19)
    elif cycle.http10:
        _put(out, "connection: keep-alive\r\n", 24)
    _put_bytes(out, srv.date_header())
    _put_bytes(out, cycle.proto.cfg.extra_headers)
    _put(out, "\r\n", 2)
    return 0


cdef int _put_chunk(_Buf *out, bytes body, bint more_body) except -1:
    # One chunk (RFC 9112 §7.1) and, for the last one, the terminating zero chunk.
    cdef Py_ssize_t n = PyBytes_GET_SIZE(body)
    if n:
        _put_int(out, n, 16)
        _put(out, "\r\n", 2)
        _put_bytes(out, body)
        _put(out, "\r\n", 2)
    if not more_body:
        _put(out, "0\r\n\r\n", 5)
    return 0
