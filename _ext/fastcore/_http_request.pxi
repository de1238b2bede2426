# Included by _http.pyx: what the server reads of a request line and head itself (llhttp
# parses them; these are the checks and shortcuts it leaves to us).


# RFC 9110 §7.2 / RFC 3986 §3.2.2: Host = uri-host [ ":" port ]; IP-literal or reg-name / IPv4.
cdef object HOST_RE = re.compile(
    rb"(?:\[[0-9A-Fa-f:.]+(?:%25[A-Za-z0-9._~-]+)?\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]{0,5})?"
).fullmatch


# PERF: the common method names as str constants, so the scope's "method" is not decoded (or
# hashed) per request.
cdef tuple METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE")
cdef tuple METHOD_BYTES = tuple(m.encode("ascii") for m in METHODS)


cdef str _known_method(const char *name, Py_ssize_t n):
    cdef Py_ssize_t i
    cdef bytes known
    for i in range(8):
        known = <bytes>METHOD_BYTES[i]
        if PyBytes_GET_SIZE(known) == n and memcmp(PyBytes_AS_STRING(known), name, n) == 0:
            return <str>METHODS[i]
    return None


cdef inline str _method_str(bytes method):
    name = _known_method(PyBytes_AS_STRING(method), PyBytes_GET_SIZE(method))
    return method.decode("ascii") if name is None else name


cdef bytes _lower(bytes name):
    # ASGI header names are lower-case; most clients send them so already (HTTP/1.1 "Host" aside).
    cdef const unsigned char *p = <const unsigned char *>PyBytes_AS_STRING(name)
    cdef Py_ssize_t i, n = PyBytes_GET_SIZE(name)
    cdef unsigned char *dst
    for i in range(n):
        if 65 <= p[i] <= 90:
            break
    else:
        return name
    lowered = PyBytes_FromStringAndSize(NULL, n)
    dst = <unsigned char *>PyBytes_AS_STRING(lowered)
    for i in range(n):
        dst[i] = p[i] + 32 if 65 <= p[i] <= 90 else p[i]
    return lowered


cdef tuple _request_line_hint(bytes data):
    # (method, version) if data's first line is "METHOD target HTTP/1.x\r\n" with one of the common
    # methods and x 0 or 1, else (None, None).  llhttp parses the same line; it still rejects
    # what is malformed.  PERF: spares httptools' get_http_version() (a str.format per call) and
    # get_method() for the request that begins a read: every request but pipelined ones.
    cdef const char *p = PyBytes_AS_STRING(data)
    cdef const char *nl = <const char *>memchr(p, b"\n", PyBytes_GET_SIZE(data))
    cdef const char *sp
    cdef Py_ssize_t end
    if nl == NULL:
        return NO_HINT
    end = nl - p
    if end < 11 or memcmp(p + end - 10, b" HTTP/1.", 8) != 0 or p[end - 1] != b"\r":
        return NO_HINT
    if p[end - 2] == b"1":
        version = "1.1"
    elif p[end - 2] == b"0":
        version = "1.0"
    else:
        return NO_HINT
    sp = <const char *>memchr(p, b" ", end)
    if sp == NULL:
        return NO_HINT
    method = _known_method(p, sp - p)
    if method is None:
        return NO_HINT
    return (method, version)


cdef tuple NO_HINT = (None, None)


cdef object _split_absolute(bytes target, str method):
    # RFC 9112 §3.2.2 absolute-form, "http(s)://authority[/path][?query]": (authority, the
    # origin-form "/path?query", "/" for an empty path) or None when target is not that (another
    # scheme, no authority, userinfo, an authority that is no valid host[:port]).  RFC 9110
    # §4.2.1: an http(s) URI with an empty host is invalid; §4.2.4: userinfo is treated as an error.
    cdef Py_ssize_t start, end, n = PyBytes_GET_SIZE(target)
    head = target[:8].lower()
    if head.startswith(b"http://"):
        start = 7
    elif head == b"https://":
        start = 8
    else:
        return None
    end = start
    while end < n and target[end] != 47 and target[end] != 63:  # up to "/" or "?"
        end += 1
    authority = target[start:end]
    if not authority or authority[0] == 58 or _has_byte(authority, b"@") or HOST_RE(authority) is None:
        return None
    origin = target[end:]
    if not origin:
        # §3.2.4: an empty path with no query, on OPTIONS, means the server itself ("*").
        origin = b"*" if method == "OPTIONS" else b"/"
    elif PyBytes_AS_STRING(origin)[0] == b"?":
        origin = b"/" + origin
    return (authority, origin)
