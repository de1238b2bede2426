"""Compiled response writing: a handler's result -> the two ASGI messages that send it.

Anything that is not already a ``Response`` is encoded once by one reused msgspec encoder (dicts,
lists, scalars, ``msgspec.Struct``, dataclasses, attrs, ``datetime``, ``UUID``, ``Enum``, ``Decimal`` as
a JSON number, pydantic models through their ``model_dump``), and the ``content-type`` and
``content-length`` headers are pre-encoded bytes.  The caller sends ``http.response.start`` and one
``http.response.body``.
"""

cimport cython

import msgspec

# Status codes that never carry a body (RFC 9110 §6.4.1, §15.3.5, §15.4.5).
cdef inline bint body_allowed(int status):
    return not (status < 200 or status == 204 or status == 304)


cdef object enc_hook(object obj):
    # pydantic v2 models (never imported here: we only look for their method).
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    # Any other object: its mapping, else its attributes, as FastAPI's jsonable_encoder falls back
    # (a handler returning, say, an OAuth2PasswordRequestForm gets its fields as a JSON object).
    try:
        return dict(obj)
    except Exception:
        pass
    try:
        return vars(obj)
    except TypeError:
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable") from None


def _enc_hook(obj):
    return enc_hook(obj)


# PERF: one encoder for the process; msgspec reuses its internal buffer between calls.
cdef object _encoder = msgspec.json.Encoder(enc_hook=_enc_hook, decimal_format="number")
cdef object _encode = _encoder.encode

cdef bytes CONTENT_TYPE = b"content-type"
cdef bytes CONTENT_LENGTH = b"content-length"
cdef bytes JSON_TYPE = b"application/json"
cdef tuple JSON_HEADER = (CONTENT_TYPE, JSON_TYPE)

# PERF: content-length values for small bodies, encoded once.
cdef Py_ssize_t CACHED_LENGTHS = 8192
cdef list LENGTHS = [str(i).encode("ascii") for i in range(CACHED_LENGTHS)]


cdef inline bytes length_value(Py_ssize_t n):
    if n < CACHED_LENGTHS:
        return <bytes>LENGTHS[n]
    return str(n).encode("ascii")


cdef object to_builtins = msgspec.to_builtins
cdef object Raw = msgspec.Raw
cdef object py_dumps = __import__("json").dumps
cdef tuple KEEP_DECIMALS = (__import__("decimal").Decimal,)


cdef inline bytes encode_json(object content):
    try:
        return _encode(content)
    except UnicodeEncodeError:
        return encode_surrogates(content)


cdef bytes encode_surrogates(object content):
    # Slow path: a str holding a lone UTF-16 surrogate, which UTF-8 cannot carry.  Python's json
    # decodes "\ud800" (and FastAPI's parser its UTF-8 bytes) into one, so a handler echoing such a
    # body would be a 500.  JSON can escape it: the value is turned into builtins (Decimals kept, so
    # they stay numbers), each such string becomes its escaped JSON text, and the one encoder writes
    # the rest as usual.  A key cannot be raw JSON: its surrogates become U+FFFD.
    return _encode(escape_surrogates(to_builtins(content, enc_hook=_enc_hook, builtin_types=KEEP_DECIMALS)))


cdef object escape_surrogates(object value):
    cdef object key, item
    if isinstance(value, str):
        if has_surrogate(<str>value):
            return Raw(py_dumps(value).encode("ascii"))
        return value
    if isinstance(value, list):
        return [escape_surrogates(item) for item in <list>value]
    if isinstance(value, dict):
        return {
            ((<str>key).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
             if isinstance(key, str) else key):
            escape_surrogates(item)
            for key, item in (<dict>value).items()
        }
    return value


cdef bint has_surrogate(str text):
    cdef Py_UCS4 ch
    for ch in text:
        if 0xD800 <= ch <= 0xDFFF:
            return True
    return False


cpdef bytes encode(object content):
    """JSON-encode ``content`` with the shared encoder (lone surrogates escaped as ``\\udXXX``)."""
    return encode_json(content)


def content_length(Py_ssize_t n):
    return length_value(n)


cpdef tuple render_json(object content, int status_code, bint head, object sub_response):
    """The start and body messages for a JSON result.

    ``sub_response`` is the ``Response`` a handler asked to be injected (or None): its status, when set,
    replaces the route's, and its raw headers (cookies, custom headers) are appended.
    ``head`` drops the body but keeps its length, as a HEAD response must (RFC 9110 §9.3.2).
    """
    cdef bytes body
    cdef list headers
    cdef int status = status_code
    if sub_response is not None and sub_response.status_code is not None:
        status = sub_response.status_code
    if body_allowed(status):
        body = encode_json(content)
        headers = [JSON_HEADER, (CONTENT_LENGTH, length_value(len(body)))]
        if head:
            body = b""
    else:
        body = b""
        headers = [JSON_HEADER]
    if sub_response is not None:
        headers.extend(sub_response.raw_headers)
    return (
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    )


@cython.final
@cython.auto_pickle(False)
cdef class SendWatch:
    """An ASGI ``send`` that forwards every message and notes whether the response has started.

    What an error middleware needs to know (may it still answer 500?) without wrapping ``send`` in a
    coroutine: calling it returns the wrapped ``send``'s own awaitable.
    """

    cdef readonly object send
    cdef public bint started

    def __init__(self, send):
        self.send = send

    def __call__(self, message):
        if not self.started and message["type"] == "http.response.start":
            self.started = True
        return self.send(message)


def all_of_type(list items, object cls):
    """Whether every item's type is exactly ``cls`` (PERF: a C loop, for response lists)."""
    cdef object item
    for item in items:
        if type(item) is not cls:
            return False
    return True
