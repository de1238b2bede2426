"""The compiled parameter plan.

When a route is added, ``fastcore.dependencies`` reads the handler's signature once and turns it into a
:class:`Plan`: a tuple of :class:`Field` objects, each knowing where its value comes from (path, query,
header, cookie, or one of the injected objects), the key to look up, and a :class:`Coercer` that turns
the raw string into the declared type and checks its constraints.  Per request, :meth:`Plan.extract`
walks that tuple: no signature inspection, no per-request dict-building that the plan could do once.

Every failure is collected — not just the first — as FastAPI reports it (pydantic v2's error dicts
without ``url``): ``{"type", "loc", "msg", "input", "ctx"?}``, ``loc`` a tuple such as
``("query", "n", 1)``.

Numbers are parsed strictly: ASCII digits only, no ``+``, no ``_``, no surrounding spaces, finite
values only.  (pydantic, and Python's ``int()``, accept all of these; we don't, on purpose.)
"""

cimport cython
from libc.string cimport memcmp
from libc.math cimport fabs, isfinite as c_isfinite, round as c_round
from cpython.unicode cimport PyUnicode_DecodeUTF8, PyUnicode_DecodeLatin1
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.long cimport PyLong_FromLongLong
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE

import copy as _copy
import datetime as _dt
import decimal as _decimal
import enum as _enum
import math as _math
import uuid as _uuid

from fastcore._validation_errors import MSG as _MSG, PARSING_PREFIX as _PARSING
from fastcore.exceptions import FastCoreError, HTTPException as _HTTPException

from fastcore.background import BackgroundTasks as _BackgroundTasks
from starlette.requests import ClientDisconnect as _ClientDisconnect, Request as _Request
from starlette.responses import Response as _Response
from starlette.websockets import WebSocket as _WebSocket

# PERF: hot-path globals bound once.
cdef object Decimal = _decimal.Decimal
cdef object Enum = _enum.Enum
cdef object DecimalException = _decimal.DecimalException
cdef object UUID = _uuid.UUID
cdef object datetime_cls = _dt.datetime
cdef object date_cls = _dt.date
cdef object time_cls = _dt.time
cdef object timedelta_cls = _dt.timedelta
cdef object timezone_cls = _dt.timezone
cdef object utc = _dt.timezone.utc
cdef object deepcopy = _copy.deepcopy
cdef object isfinite = _math.isfinite

# Value kinds (the Python layer passes these numbers; see fastcore/_params.pyi).
K_STR = 0
K_INT = 1
K_FLOAT = 2
K_BOOL = 3
K_DECIMAL = 4
K_UUID = 5
K_DATETIME = 6
K_DATE = 7
K_TIME = 8
K_CHOICE = 9
K_BYTES = 10
K_ANY = 11

# Sources.
S_PATH = 0
S_QUERY = 1
S_HEADER = 2
S_COOKIE = 3
S_REQUEST = 10
S_RESPONSE = 11
S_BACKGROUND = 12
S_VALUE = 13

cdef enum:
    C_STR = 0
    C_INT = 1
    C_FLOAT = 2
    C_BOOL = 3
    C_DECIMAL = 4
    C_UUID = 5
    C_DATETIME = 6
    C_DATE = 7
    C_TIME = 8
    C_CHOICE = 9
    C_BYTES = 10
    C_ANY = 11

cdef enum:
    SRC_PATH = 0
    SRC_QUERY = 1
    SRC_HEADER = 2
    SRC_COOKIE = 3
    SRC_REQUEST = 10
    SRC_RESPONSE = 11
    SRC_BACKGROUND = 12
    SRC_VALUE = 13

# Python's int() refuses more digits than this by default (CVE-2020-10735); pydantic reports it as
# int_parsing_size.  We check before calling int() so the refusal is ours, not an exception.
cdef Py_ssize_t MAX_INT_DIGITS = 4300

cdef object INVALID = object()   # returned by Coercer.convert when it appended an error

cdef frozenset TRUE_WORDS = frozenset(("1", "on", "t", "true", "y", "yes"))
cdef frozenset FALSE_WORDS = frozenset(("0", "off", "f", "false", "n", "no"))
# The spellings of a non-finite float that an allow_inf_nan=True parameter accepts (as pydantic does).
cdef frozenset INF_NAN_WORDS = frozenset(("inf", "-inf", "+inf", "infinity", "-infinity", "+infinity",
                                          "nan", "-nan", "+nan"))

# pydantic's wording, from the one table (fastcore._validation_errors.MSG), bound once at import.
cdef str MSG_INT = _MSG["int_parsing"]
cdef str MSG_INT_SIZE = _MSG["int_parsing_size"]
cdef str MSG_FLOAT = _MSG["float_parsing"]
cdef str MSG_FINITE = _MSG["finite_number"]
cdef str MSG_BOOL = _MSG["bool_parsing"]
cdef str MSG_DECIMAL = _MSG["decimal_parsing"]
cdef str MSG_MISSING = _MSG["missing"]
cdef str MSG_INEXACT = _MSG["date_from_datetime_inexact"]
cdef str MSG_MULTIPLE_OF = _MSG["multiple_of"]
cdef str MSG_LE = _MSG["less_than_equal"]
cdef str MSG_LT = _MSG["less_than"]
cdef str MSG_GE = _MSG["greater_than_equal"]
cdef str MSG_GT = _MSG["greater_than"]
cdef str MSG_PATTERN = _MSG["string_pattern_mismatch"]
cdef str MSG_CHOICE = _MSG["enum"]
cdef str MSG_TOO_SHORT = _MSG["too_short"]
cdef str MSG_TOO_LONG = _MSG["too_long"]
cdef str PREFIX_DATETIME = _PARSING["datetime_from_date_parsing"]
cdef str PREFIX_DATE = _PARSING["date_from_datetime_parsing"]
cdef str PREFIX_TIME = _PARSING["time_parsing"]
cdef str PREFIX_UUID = _PARSING["uuid_parsing"]


# --------------------------------------------------------------------------------------------------
# Errors

cdef inline dict error(str type_, tuple loc, str msg, object input_, object ctx=None):
    cdef dict err = {"type": type_, "loc": loc, "msg": msg, "input": input_}
    if ctx is not None:
        err["ctx"] = ctx
    return err


def missing_error(tuple loc):
    """FastAPI's error for a required value that is absent."""
    return {"type": "missing", "loc": loc, "msg": MSG_MISSING, "input": None}


cdef str plural(Py_ssize_t n, str word):
    return word if n == 1 else word + "s"


cdef str count(Py_ssize_t n, str word):
    return str(n) + " " + plural(n, word)


# --------------------------------------------------------------------------------------------------
# Query strings, cookies

cdef inline int hexval(unsigned char c):
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


cdef str unquote_plus(const unsigned char *data, Py_ssize_t start, Py_ssize_t end):
    """Percent-decode data[start:end] ('+' is a space) and decode as UTF-8, replacing bad bytes.

    Malformed escapes ("%zz", a trailing "%") are kept literally, as urllib does.
    """
    cdef Py_ssize_t i = start
    cdef bint plain = True
    cdef unsigned char c
    while i < end:
        c = data[i]
        if c == 37 or c == 43:  # '%' or '+'
            plain = False
            break
        i += 1
    if plain:
        return PyUnicode_DecodeUTF8(<const char*>&data[start], end - start, "replace")
    cdef bytearray out = bytearray(end - start)
    cdef unsigned char* o = out
    cdef Py_ssize_t n = 0
    cdef int hi, lo
    i = start
    while i < end:
        c = data[i]
        if c == 43:
            o[n] = 32
        elif c == 37 and i + 2 < end:
            hi = hexval(data[i + 1])
            lo = hexval(data[i + 2])
            if hi >= 0 and lo >= 0:
                o[n] = <unsigned char>(hi * 16 + lo)
                i += 2
            else:
                o[n] = c
        else:
            o[n] = c
        n += 1
        i += 1
    return PyUnicode_DecodeUTF8(<const char*>o, n, "replace")


cdef inline bint _is_digit(unsigned char c) noexcept nogil:
    return c >= 48 and c <= 57  # '0'..'9'


cpdef object scope_header(dict scope, bytes name):
    """The first value of header ``name`` (lower-case bytes) in an ASGI scope, decoded as Latin-1
    (what Starlette's ``Headers(scope=scope).get()`` answers), or None.  PERF: one C scan of the
    scope's list, no ``Headers`` object."""
    headers = scope.get("headers", ())
    if type(headers) is list:
        for item in <list>headers:  # the usual shape, without iterator objects
            if type(item) is tuple and PyTuple_GET_SIZE(item) == 2:
                raw_key = <object>PyTuple_GET_ITEM(item, 0)
                if raw_key == name:
                    raw_value = <object>PyTuple_GET_ITEM(item, 1)
                    return PyUnicode_DecodeLatin1(<bytes>raw_value, len(raw_value), NULL)
                continue
            raw_key, raw_value = item
            if raw_key == name:
                return PyUnicode_DecodeLatin1(<bytes>raw_value, len(raw_value), NULL)
        return None
    for raw_key, raw_value in headers:
        if raw_key == name:
            return PyUnicode_DecodeLatin1(<bytes>raw_value, len(raw_value), NULL)
    return None


cdef bint[256] _number_letter  # the bytes has_unusual_numbers looks at twice
for _c in (78, 73, 101, 69):  # N, I, e, E
    _number_letter[_c] = True


cpdef bint has_unusual_numbers(bytes raw):
    """Whether JSON text ``raw`` may hold ``NaN``, ``Infinity`` or a number with an exponent of three
    or more digits (``1e999``): the bodies pydantic-core's JSON mode takes where FastAPI, parsing
    with Python's ``json`` first, answers differently.  Conservative (it also looks inside strings).

    PERF: one pass in C, where two ``in`` scans and a regular expression cost ~1.4 µs a body.
    """
    cdef const unsigned char* p
    cdef Py_ssize_t n, i, j
    cdef unsigned char c
    if raw is None:
        raise TypeError("has_unusual_numbers() takes bytes, not None")
    p = <const unsigned char*>PyBytes_AS_STRING(raw)
    n = PyBytes_GET_SIZE(raw)
    for i in range(n):
        c = p[i]
        if not _number_letter[c]:
            continue  # PERF: one table read for the bytes that cannot start what is looked for
        if c == 78:  # 'N'
            if i + 2 < n and p[i + 1] == 97 and p[i + 2] == 78:  # "NaN"
                return True
        elif c == 73:  # 'I'
            if i + 7 < n and memcmp(p + i, b"Infinity", 8) == 0:
                return True
        elif (c == 101 or c == 69) and i > 0 and _is_digit(p[i - 1]):  # a digit, then e or E
            j = i + 1
            if j < n and (p[j] == 43 or p[j] == 45):  # + or -
                j += 1
            if j + 2 < n and _is_digit(p[j]) and _is_digit(p[j + 1]) and _is_digit(p[j + 2]):
                return True
    return False


def parse_query(bytes qs):
    """Parse a query string into {key: [values...]}, keeping blank values (as Starlette does)."""
    return _parse_query(qs)


cdef dict _parse_query(bytes qs):
    cdef dict result = {}
    cdef Py_ssize_t n = PyBytes_GET_SIZE(qs)
    if n == 0:
        return result
    # PERF: a raw pointer into the bytes (which outlive this call), not a typed memoryview: that
    # would be an object to create and reference-count per request.
    cdef const unsigned char *data = <const unsigned char *>PyBytes_AS_STRING(qs)
    cdef Py_ssize_t start = 0, end, eq, j
    cdef str key, value
    cdef list bucket
    while start <= n:
        end = start
        while end < n and data[end] != 38:  # '&'
            end += 1
        if end > start:
            eq = -1
            j = start
            while j < end:
                if data[j] == 61:  # '='
                    eq = j
                    break
                j += 1
            if eq < 0:
                key = unquote_plus(data, start, end)
                value = ""
            else:
                key = unquote_plus(data, start, eq)
                value = unquote_plus(data, eq + 1, end)
            bucket = result.get(key)
            if bucket is None:
                result[key] = [value]
            else:
                bucket.append(value)
        start = end + 1
    return result


cdef str unquote_cookie(str value):
    # RFC 6265 allows a quoted cookie value; Python's cookie module also undoes backslash escapes
    # (\" \\ and \ooo octal) inside the quotes.  We do the same, by hand, to stay compiled.
    cdef Py_ssize_t n = len(value), i
    if n < 2 or value[0] != '"' or value[n - 1] != '"':
        return value
    value = value[1:n - 1]
    if "\\" not in value:
        return value
    cdef list out = []
    n = len(value)
    i = 0
    while i < n:
        ch = value[i]
        if ch == "\\" and i + 1 < n and value[i + 1] != "\n":   # http.cookies' regex: '.' stops at \n
            nxt = value[i + 1]
            if i + 3 < n and "0" <= nxt <= "3" and "0" <= value[i + 2] <= "7" and "0" <= value[i + 3] <= "7":
                out.append(chr(int(value[i + 1:i + 4], 8)))
                i += 4
                continue
            out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse_cookies(str header):
    """Parse a Cookie header the lenient way browsers and Starlette do."""
    cdef dict result = {}
    cdef str chunk, key, val
    cdef Py_ssize_t eq
    for chunk in header.split(";"):
        eq = chunk.find("=")
        if eq >= 0:
            key = chunk[:eq].strip()
            val = chunk[eq + 1:].strip()
        else:
            key = ""
            val = chunk.strip()
        if key or val:
            result[key] = unquote_cookie(val)
    return result


# --------------------------------------------------------------------------------------------------
# Per-request inputs

cdef extern from "Python.h":
    object PyObject_GenericGetDict(object obj, void *context)


async def _nothing():  # pragma: no cover - never awaited: the probe's receive and send
    pass


# The instance attributes Starlette's ``Request.__init__`` sets, in its order, with the values it
# gives the last four: checked on a real ``Request`` once, at import.  When they match, a request
# is made by filling its ``__dict__`` directly (~0.1 us instead of ~0.35 us: no two-level __init__
# and its asserts); when a Starlette release sets anything else, by calling the class as usual.
_REQUEST_STATE = ("scope", "_receive", "_send", "_stream_consumed", "_is_disconnected", "_form")
_probe = vars(_Request({"type": "http"}, _nothing, _nothing))
cdef bint _FILL_REQUEST = (
    tuple(_probe) == _REQUEST_STATE
    and (_probe["_stream_consumed"], _probe["_is_disconnected"], _probe["_form"]) == (False, False, None)
)
del _probe


cdef object _new_request(dict scope, object receive, object send):
    """``starlette.requests.Request(scope, receive, send)`` for an HTTP scope."""
    cdef dict state
    if not _FILL_REQUEST or scope.get("type") != "http":
        return _Request(scope, receive, send)
    request = _Request.__new__(_Request)
    state = PyObject_GenericGetDict(request, NULL)
    state["scope"] = scope
    state["_receive"] = receive
    state["_send"] = send
    state["_stream_consumed"] = False
    state["_is_disconnected"] = False
    state["_form"] = None
    return request


@cython.final
@cython.freelist(16)
cdef class Conn:
    """One request's inputs, parsed lazily and at most once, shared by every plan the request runs."""

    def __cinit__(self, dict scope, object receive, object send):
        self.scope = scope
        self.receive = receive
        self.send = send

    cdef dict query_map(self):
        if self._query is None:
            self._query = _parse_query(self.scope.get("query_string", b""))
        return <dict>self._query

    cdef dict header_map(self):
        cdef dict result
        cdef list bucket
        cdef str key
        if self._headers is None:
            result = {}
            for raw_key, raw_value in self.scope.get("headers", ()):
                key = PyUnicode_DecodeLatin1(<bytes>raw_key, len(raw_key), NULL)
                bucket = result.get(key)
                if bucket is None:
                    result[key] = [PyUnicode_DecodeLatin1(<bytes>raw_value, len(raw_value), NULL)]
                else:
                    bucket.append(PyUnicode_DecodeLatin1(<bytes>raw_value, len(raw_value), NULL))
            self._headers = result
        return <dict>self._headers

    cdef object first_header(self, bytes name):
        """The first value of header ``name`` (lower-case), or None; PERF: read off the scope's
        list without building :meth:`header_map` (a POST's Content-Length and Content-Type)."""
        cdef list bucket
        if self._headers is not None:
            bucket = (<dict>self._headers).get(PyUnicode_DecodeLatin1(name, len(name), NULL))
            return bucket[0] if bucket else None
        return scope_header(self.scope, name)

    cdef dict cookie_map(self):
        cdef list values
        if self._cookies is None:
            values = self.header_map().get("cookie")
            self._cookies = parse_cookies(values[0]) if values else {}
        return <dict>self._cookies

    @property
    def query(self):
        """``{key: [values]}`` of the query string."""
        return self.query_map()

    @property
    def headers(self):
        """``{lower-case name: [values]}`` of the request headers."""
        return self.header_map()

    @property
    def cookies(self):
        return self.cookie_map()

    @property
    def request(self):
        """The Starlette ``Request`` (``WebSocket`` for a WebSocket scope), created on first use."""
        if self._request is None:
            if self.scope.get("type") == "websocket":
                self._request = _WebSocket(self.scope, self.receive, self.send)
            else:
                self._request = _new_request(self.scope, self.receive, self.send)
            if self.body is not None:
                # The plan already read the body: let request.body()/json() return it.
                self._request._body = self.body
            if self.form is not None:
                self._request._form = self.form
        return self._request

    @request.setter
    def request(self, value):
        self._request = value

    @property
    def response(self):
        """The sub-response a handler may set headers, cookies and status on; None until asked for."""
        return self._response

    def get_response(self):
        cdef object response
        if self._response is None:
            response = _Response()
            # FastAPI's sub-response carries no status (the route's wins) and no content-length.
            del response.headers["content-length"]
            response.status_code = None
            self._response = response
        return self._response

    @property
    def background(self):
        return self._background

    def get_background(self):
        if self._background is None:
            self._background = _BackgroundTasks()
        return self._background


# --------------------------------------------------------------------------------------------------
# The request body

def too_large():
    """The 413 for a body over the route's limit.  RFC 9110 §15.5.14 names it; FastAPI answers these
    words (as plain text, we as JSON)."""
    return _HTTPException(413, "Content Too Large")


cpdef object declared_length(Conn conn):
    """The request's Content-Length as an int; None when absent or not a number."""
    cdef long long small
    value = conn.first_header(b"content-length")
    if value is None:
        return None
    if small_int(<str>value, &small):
        return small  # PERF: plain digits parsed here, as int() would
    try:
        return int(value)
    except ValueError:
        return None


cpdef object known_body(Conn conn, Py_ssize_t limit):
    """The body when it needs no receiving: already read (through a ``Request``, a custom route
    class's hook), within ``limit``.  None: it is to be received, and its declared length (if
    any) is within ``limit``.  Raises 413 when it is known to exceed ``limit``."""
    if conn.body is not None:
        if len(conn.body) > limit:
            raise too_large()
        return conn.body
    declared = declared_length(conn)
    if declared is not None and declared > limit:
        raise too_large()
    return None


cpdef object whole_body(Conn conn, object message, Py_ssize_t limit):
    """The body when ``message``, the first one received, holds all of it (a small body, as a
    server sends it), kept on ``conn.body``.  None: more is to come (:func:`read_body` reads it)."""
    # PERF: a dict's own lookups (what servers send), not ``.get`` looked up and called.
    cdef dict fields = message if type(message) is dict else dict(message)
    if fields["type"] == "http.disconnect":
        raise _ClientDisconnect()
    if fields.get("more_body", False):
        return None
    chunk = fields.get("body", b"")
    if len(chunk) > limit:
        raise too_large()
    conn.body = chunk if chunk else b""
    return conn.body


async def read_body(Conn conn, Py_ssize_t limit, object first=None):
    """The whole request body, refusing (413) as soon as it is known to exceed ``limit`` bytes;
    kept on ``conn.body`` for any later reader (``BodyPlan.read``, a ``Request``).

    ``first``: the first message, when the caller has received it (after :func:`known_body`
    returned None and :func:`whole_body` found more to come)."""
    cdef list chunks = []
    cdef Py_ssize_t size = 0
    if first is None:
        body = known_body(conn, limit)
        if body is not None:
            return body
        first = await conn.receive()
        body = whole_body(conn, first, limit)
        if body is not None:
            return body
    message = first
    receive = conn.receive
    while True:
        if message["type"] == "http.disconnect":
            raise _ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise too_large()
            chunks.append(chunk)
        if not message.get("more_body", False):
            conn.body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            return conn.body
        message = await receive()


# --------------------------------------------------------------------------------------------------
# Coercion

cdef inline Py_ssize_t skip_digits(str s, Py_ssize_t i, Py_ssize_t n):
    """The index of the first non-ASCII-digit at or after ``i`` (``n`` if there is none)."""
    cdef Py_UCS4 c
    while i < n:
        c = s[i]
        if c < 48 or c > 57:
            break
        i += 1
    return i


cdef bint is_ascii_digits(str s, Py_ssize_t start, Py_ssize_t end):
    return end > start and skip_digits(s, start, end) == end


cdef bint small_int(str s, long long *out):
    # PERF: the common case of is_strict_int + int(): at most 18 ASCII digits (so no overflow),
    # optionally after "-", parsed here.  False: not that case (maybe valid, maybe not).
    cdef Py_ssize_t i = 0, n = len(s)
    cdef long long v = 0
    cdef Py_UCS4 c
    cdef int digit
    if n == 0 or n > 18:
        return False
    if s[0] == "-":
        if n == 1:
            return False
        i = 1
    while i < n:
        c = s[i]
        digit = <int>c - 48
        if digit < 0 or digit > 9:
            return False
        v = v * 10 + digit
        i += 1
    out[0] = -v if s[0] == "-" else v
    return True


cdef bint is_strict_int(str s):
    cdef Py_ssize_t n = len(s)
    if n == 0:
        return False
    if s[0] == "-":
        return is_ascii_digits(s, 1, n)
    return is_ascii_digits(s, 0, n)


cdef bint is_strict_number(str s):
    """-?(digits)(.digits?)?([eE][+-]?digits)? or -?.digits(...) — JSON-like, ASCII only."""
    cdef Py_ssize_t n = len(s), i = 0, j, digits
    if n == 0:
        return False
    if s[0] == "-":
        i = 1
    j = skip_digits(s, i, n)
    digits = j - i
    i = j
    if i < n and s[i] == ".":
        j = skip_digits(s, i + 1, n)
        digits += j - i - 1
        i = j
    if digits == 0:
        return False
    if i < n and (s[i] == "e" or s[i] == "E"):
        i += 1
        if i < n and (s[i] == "+" or s[i] == "-"):
            i += 1
        j = skip_digits(s, i, n)
        if j == i:
            return False
        i = j
    return i == n


cdef object repr_choice(object value):
    # pydantic shows strings by their repr and everything else bare: 'red', "it's", 1
    if isinstance(value, str):
        return repr(value)
    return str(value)


cdef object as_float(object bound):
    return None if bound is None else float(bound)


cdef object as_decimal(object bound):
    if bound is None or isinstance(bound, Decimal):
        return bound
    if isinstance(bound, float):
        return Decimal(repr(bound))    # the shortest text that reads back as this float: 1.2, not 1.199...
    return Decimal(bound)


cdef object as_int(object bound):
    # An integral float bound (le=10.0) is the integer it spells; others stay (comparisons are exact).
    if isinstance(bound, float) and bound.is_integer():
        return int(bound)
    return bound


cdef str show(object bound):
    """A bound as pydantic's messages print it: floats without exponent or trailing ".0" (2.0 -> 2)."""
    cdef str text
    if type(bound) is not float:
        return str(bound)
    if not isfinite(bound):
        return "inf" if bound > 0 else ("-inf" if bound < 0 else "NaN")
    text = format(Decimal(repr(bound)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


cdef bint float_is_multiple(double value, double step):
    # pydantic-core's rule, kept so the same inputs pass: the distance to the nearest multiple
    # (quotient rounded half away from zero, as C round() does) is at most 1e-9.  An infinite
    # quotient (a tiny step into a huge value) is not a multiple.
    cdef double q = value / step
    if not c_isfinite(q):
        return False
    return fabs(value - c_round(q) * step) <= 1e-9


cdef bint decimal_is_multiple(object value, object step):
    # Exact: value / step is an integer.  Dividing in the default 28-digit context (as pydantic
    # does) raises DivisionImpossible on large quotients and rounds small remainders away; the
    # coefficients (at most MAX_INT_DIGITS digits) and a modular power of ten do not.
    cdef object v = value.as_tuple(), m = step.as_tuple()
    if not any(v.digits):
        return True
    cv = int("".join(map(str, v.digits)))
    cm = int("".join(map(str, m.digits)))
    shift = v.exponent - m.exponent
    if shift >= 0:
        return (cv * pow(10, shift, cm)) % cm == 0
    if -shift > len(v.digits):
        return False                    # 0 < cv < 10**-shift <= cm * 10**-shift
    return cv % (cm * 10 ** -shift) == 0


cdef bint is_multiple(object value, object step):
    if type(value) is float:
        return float_is_multiple(value, step)
    if isinstance(value, Decimal):
        return decimal_is_multiple(value, step)
    return value % step == 0


cdef dict length_error(bint is_bytes, str which, Py_ssize_t limit, str s, tuple loc):
    cdef str bound = "min_length" if which == "short" else "max_length"
    cdef str kind = ("bytes_too_" if is_bytes else "string_too_") + which
    cdef str text = (<str>_MSG[kind]).format(count=count(limit, "byte" if is_bytes else "character"))
    return error(kind, loc, text, s, {bound: limit})


def expected_text(values):
    """pydantic's "'a', 'b' or 'c'" rendering of the accepted values."""
    cdef list parts = [repr_choice(v) for v in values]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


@cython.final
cdef class Coercer:
    """Turns one raw string into a typed value and checks its constraints."""

    def __init__(self, int kind, object target=None, *, object choices=None, object gt=None,
                 object ge=None, object lt=None, object le=None, object multiple_of=None,
                 object min_length=None, object max_length=None, object pattern=None,
                 bint allow_inf_nan=False):
        cdef dict table
        self.kind = kind
        # An explicit opt-in (FastAPI's Query(allow_inf_nan=True)); strict by default (README).
        self.allow_inf_nan = allow_inf_nan
        self.target = target
        if kind == C_FLOAT:
            # pydantic compares (and reports, ctx {"le": 2.0}) float bounds as floats.
            gt, ge, lt, le, multiple_of = [as_float(b) for b in (gt, ge, lt, le, multiple_of)]
        elif kind == C_DECIMAL:
            # A float bound means the number as written: le=1.2 must admit "1.2", which the binary
            # float 1.2 (a hair below it) would not; multiple_of needs exact arithmetic too.
            gt, ge, lt, le, multiple_of = [as_decimal(b) for b in (gt, ge, lt, le, multiple_of)]
        elif kind == C_INT:
            gt, ge, lt, le, multiple_of = [as_int(b) for b in (gt, ge, lt, le, multiple_of)]
        if multiple_of is not None:
            # Checked here, at start-up, so a bad declaration cannot fail every request (x % 0).
            if not (multiple_of > 0 and (kind != C_DECIMAL or multiple_of.is_finite())
                    and (kind != C_FLOAT or isfinite(multiple_of))):
                raise FastCoreError(f"multiple_of must be a finite number greater than 0, not {multiple_of!r}")
            if kind == C_INT and type(multiple_of) is not int:
                raise FastCoreError(f"multiple_of of an int parameter must be an integer, not {multiple_of!r}")
        self.gt = gt
        self.ge = ge
        self.lt = lt
        self.le = le
        self.multiple_of = multiple_of
        self.min_length = -1 if min_length is None else min_length
        self.max_length = -1 if max_length is None else max_length
        if pattern is not None:
            import re
            self.pattern_source = pattern if isinstance(pattern, str) else pattern.pattern
            self.pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
        if kind == C_CHOICE:
            # choices: the accepted Python values (enum members or literal values).  Each is reachable
            # by its string form: an Enum by str(member.value), a literal by str(value).
            table = {}
            values = []
            for choice in choices:
                raw_value = choice.value if isinstance(choice, Enum) else choice
                values.append(raw_value)
                if raw_value is None:
                    continue  # text never means None: Literal[None] only allows the default
                if isinstance(raw_value, bool):
                    key = "true" if raw_value else "false"
                else:
                    key = str(raw_value)
                table.setdefault(key, choice)
            self.choices = table
            self.expected = expected_text(values)

    cdef object check_number(self, object value, object raw, tuple loc, list errors):
        # pydantic's order: multiple_of, le, lt, ge, gt; the first failure is the one reported.
        if self.multiple_of is not None and not is_multiple(value, self.multiple_of):
            errors.append(error("multiple_of", loc, MSG_MULTIPLE_OF.format(multiple_of=show(self.multiple_of)),
                                raw, {"multiple_of": self.multiple_of}))
            return INVALID
        if self.le is not None and not value <= self.le:
            errors.append(error("less_than_equal", loc, MSG_LE.format(le=show(self.le)),
                                raw, {"le": self.le}))
            return INVALID
        if self.lt is not None and not value < self.lt:
            errors.append(error("less_than", loc, MSG_LT.format(lt=show(self.lt)), raw,
                                {"lt": self.lt}))
            return INVALID
        if self.ge is not None and not value >= self.ge:
            errors.append(error("greater_than_equal", loc,
                                MSG_GE.format(ge=show(self.ge)), raw, {"ge": self.ge}))
            return INVALID
        if self.gt is not None and not value > self.gt:
            errors.append(error("greater_than", loc, MSG_GT.format(gt=show(self.gt)), raw,
                                {"gt": self.gt}))
            return INVALID
        return value

    cdef object convert(self, object raw, tuple loc, list errors):
        cdef str s
        cdef object value
        cdef long long small
        cdef Py_ssize_t n, first
        cdef bytes data
        if type(raw) is not str:
            if self.kind == C_ANY:
                return raw
            raw = str(raw)
        s = <str>raw
        kind = self.kind
        if kind == C_STR or kind == C_ANY or kind == C_BYTES:
            if kind == C_BYTES:
                data = s.encode("utf-8", "surrogatepass")
                n = len(data)     # bytes lengths count encoded bytes (pydantic's bytes_too_short/long)
            else:
                n = len(s)
            if self.min_length >= 0 and n < self.min_length:
                errors.append(length_error(kind == C_BYTES, "short", self.min_length, s, loc))
                return INVALID
            if self.max_length >= 0 and n > self.max_length:
                errors.append(length_error(kind == C_BYTES, "long", self.max_length, s, loc))
                return INVALID
            if self.pattern is not None and self.pattern.search(s) is None:
                errors.append(error("string_pattern_mismatch", loc,
                                    MSG_PATTERN.format(pattern=self.pattern_source), s,
                                    {"pattern": self.pattern_source}))
                return INVALID
            return data if kind == C_BYTES else s
        if kind == C_INT:
            if small_int(s, &small):
                return self.check_number(PyLong_FromLongLong(small), s, loc, errors)
            if not is_strict_int(s):
                errors.append(error("int_parsing", loc, MSG_INT, s))
                return INVALID
            # The limit counts significant digits, as int() and pydantic do: not the sign, not
            # leading zeros (int() would count those, so they are sliced off before it sees them).
            n = len(s)
            first = 1 if s[0] == "-" else 0
            while first < n - 1 and s[first] == "0":
                first += 1
            if n - first > MAX_INT_DIGITS:
                errors.append(error("int_parsing_size", loc, MSG_INT_SIZE, s))
                return INVALID
            if first == 0:
                value = int(s)
            else:
                value = int(s[first:])
                if s[0] == "-":
                    value = -value
            return self.check_number(value, s, loc, errors)
        if kind == C_FLOAT:
            if self.allow_inf_nan and len(s) <= 9 and s.lower() in INF_NAN_WORDS:
                return self.check_number(float(s), s, loc, errors)
            if not is_strict_number(s) or len(s) > MAX_INT_DIGITS:
                errors.append(error("float_parsing", loc, MSG_FLOAT, s))
                return INVALID
            value = float(s)
            if not isfinite(value) and not self.allow_inf_nan:
                errors.append(error("finite_number", loc, MSG_FINITE, s))
                return INVALID
            return self.check_number(value, s, loc, errors)
        if kind == C_BOOL:
            low = s.lower() if len(s) <= 5 else None
            if low in TRUE_WORDS:
                return True
            if low in FALSE_WORDS:
                return False
            errors.append(error("bool_parsing", loc, MSG_BOOL, s))
            return INVALID
        if kind == C_DECIMAL:
            if not is_strict_number(s) or len(s) > MAX_INT_DIGITS:
                errors.append(error("decimal_parsing", loc, MSG_DECIMAL, s))
                return INVALID
            try:
                value = Decimal(s)
            except (DecimalException, ValueError):
                errors.append(error("decimal_parsing", loc, MSG_DECIMAL, s))
                return INVALID
            return self.check_number(value, s, loc, errors)
        if kind == C_UUID:
            return parse_uuid(s, loc, errors)
        if kind == C_CHOICE:
            value = self.choices.get(s, INVALID)
            if value is INVALID:
                errors.append(error("enum" if self.target is not None else "literal_error", loc,
                                    MSG_CHOICE.format(expected=self.expected), s, {"expected": self.expected}))
            return value
        if kind == C_DATETIME:
            value = parse_datetime(s)
            if type(value) is str:
                errors.append(error("datetime_from_date_parsing", loc,
                                    PREFIX_DATETIME + value, s, {"error": value}))
                return INVALID
            return value
        if kind == C_DATE:
            value = parse_date_value(s)
            if type(value) is str:
                if value == INEXACT:
                    errors.append(error("date_from_datetime_inexact", loc, INEXACT, s))
                else:
                    errors.append(error("date_from_datetime_parsing", loc,
                                        PREFIX_DATE + value, s, {"error": value}))
                return INVALID
            return value
        if kind == C_TIME:
            value = parse_time_value(s)
            if type(value) is str:
                errors.append(error("time_parsing", loc, PREFIX_TIME + value, s,
                                    {"error": value}))
                return INVALID
            return value
        raise AssertionError(f"unknown coercion kind {kind}")   # plans are built by our own code

    def __call__(self, object raw, tuple loc=("query", "value")):
        """Coerce one value (for tests and the Python layer): returns (value, errors)."""
        cdef list errors = []
        value = self.convert(raw, loc, errors)
        return (None if value is INVALID else value), errors


# --------------------------------------------------------------------------------------------------
# UUIDs, dates and times

include "_temporal.pxi"

# --------------------------------------------------------------------------------------------------
# Plans

@cython.final
cdef class Field:
    """One parameter of a plan: where its value comes from and how it is coerced."""

    def __init__(self, str name, str key, int source, Coercer coercer=None, *, bint required=True,
                 object default=None, object factory=None, bint is_list=False, object list_min=None,
                 object list_max=None, object container=None, str label=None):
        self.name = name
        self.key = key
        self.source = source
        self.coercer = coercer
        self.required = required
        self.default = default
        self.factory = factory
        self.is_list = is_list
        self.list_min = -1 if list_min is None else list_min
        self.list_max = -1 if list_max is None else list_max
        self.container = container
        # loc names the parameter as the user wrote it (e.g. header "X-Token"); key is the lookup form.
        self.loc = (LOC_NAMES.get(source, "body"), key if label is None else label)
        # FastAPI deep-copies a default per request; only mutable containers need it.
        self.copy_default = isinstance(default, (list, dict, set, bytearray))

    cdef inline object make_default(self):
        if self.factory is not None:
            return self.factory()
        if self.copy_default:
            return deepcopy(self.default)
        return self.default

    def __repr__(self):
        return f"Field({self.name!r}, key={self.key!r}, source={self.source}, required={self.required})"


cdef dict LOC_NAMES = {SRC_PATH: "path", SRC_QUERY: "query", SRC_HEADER: "header", SRC_COOKIE: "cookie"}


@cython.final
cdef class Plan:
    """The compiled recipe for one callable's parameters; built once per route (and per dependency)."""

    def __init__(self, fields, order=None):
        cdef Field f
        cdef Py_ssize_t i
        self.fields = tuple(fields)
        for f in self.fields:
            if f.source == SRC_QUERY:
                self.needs_query = True
            elif f.source == SRC_HEADER:
                self.needs_headers = True
            elif f.source == SRC_COOKIE:
                self.needs_cookies = True
        if order is not None:
            # The callable's parameters, in its signature's order, are exactly these fields: then
            # extract_args can give its values as positional arguments.
            order = tuple(order)
            if sorted(order) != sorted(f.name for f in self.fields):
                raise ValueError("order must name every field once")
            self.positions = tuple(order.index(f.name) for f in self.fields)

    def __len__(self):
        return len(self.fields)

    @property
    def positional(self):
        """Whether :meth:`extract_args` may be used (the plan was given its callable's order)."""
        return self.positions is not None

    cpdef dict extract(self, Conn conn, dict path_params, list errors):
        """Values for every field, keyed by parameter name; failures are appended to ``errors``."""
        cdef dict values = {}
        self.extract_into(conn, path_params, values, errors)
        return values

    cpdef void extract_into(self, Conn conn, dict path_params, dict values, list errors):
        cdef Field f
        cdef object value
        cdef dict query = conn.query_map() if self.needs_query else None
        cdef dict headers = conn.header_map() if self.needs_headers else None
        cdef dict cookies = conn.cookie_map() if self.needs_cookies else None
        for f in self.fields:
            value = self._value(f, conn, path_params, query, headers, cookies, errors)
            if value is not INVALID:
                values[f.name] = value

    cpdef tuple extract_args(self, Conn conn, dict path_params, list errors):
        """The values as a tuple in the callable's parameter order (PERF: a positional call is
        cheaper than ``**kwargs``).  Only for a plan built with ``order``; when ``errors`` grew, the
        tuple holds None where a value failed."""
        cdef Field f
        cdef object value
        cdef Py_ssize_t i
        cdef list out
        if self.positions is None:
            raise ValueError("this plan was built without the callable's parameter order")
        cdef dict query = conn.query_map() if self.needs_query else None
        cdef dict headers = conn.header_map() if self.needs_headers else None
        cdef dict cookies = conn.cookie_map() if self.needs_cookies else None
        out = [None] * len(self.fields)
        for i in range(len(self.fields)):
            f = <Field>self.fields[i]
            value = self._value(f, conn, path_params, query, headers, cookies, errors)
            if value is not INVALID:
                out[<Py_ssize_t>self.positions[i]] = value
        return tuple(out)

    cdef object _value(self, Field f, Conn conn, dict path_params, dict query, dict headers,
                       dict cookies, list errors):
        # One field's value, or INVALID (its error appended to errors).
        cdef object raw = None, value
        cdef list raws = None
        cdef int source = f.source
        if source == SRC_PATH:
            raw = path_params.get(f.key) if path_params is not None else None
        elif source == SRC_QUERY:
            raws = query.get(f.key)
            if raws is not None and not f.is_list:
                raw = raws[len(raws) - 1]    # Starlette's QueryParams: the last value wins
        elif source == SRC_HEADER:
            raws = headers.get(f.key)
            if raws is not None and not f.is_list:
                raw = raws[0]                # Starlette's Headers: the first value wins
        elif source == SRC_COOKIE:
            raw = cookies.get(f.key)
        elif source == SRC_REQUEST:
            return conn.request
        elif source == SRC_RESPONSE:
            return conn.get_response()
        elif source == SRC_BACKGROUND:
            return conn.get_background()
        elif source == SRC_VALUE:
            return f.make_default()
        if f.is_list:
            if raws is None and raw is not None:
                raws = [raw]
            if raws is None:
                if f.required:
                    errors.append(missing_error(f.loc))
                    return INVALID
                return f.make_default()
            return convert_list(f, raws, errors)
        if raw is None:
            if f.required:
                errors.append(missing_error(f.loc))
                return INVALID
            return f.make_default()
        if f.coercer is None:
            return raw
        return f.coercer.convert(raw, f.loc, errors)


cdef object convert_list(Field f, list raws, list errors):
    cdef list out = []
    cdef Py_ssize_t i, n = len(raws)
    cdef bint ok = True
    cdef object value
    cdef str loc0 = f.loc[0]
    for i in range(n):
        if f.coercer is None:
            out.append(raws[i])
            continue
        value = f.coercer.convert(raws[i], (loc0, f.loc[1], i), errors)
        if value is INVALID:
            ok = False
        else:
            out.append(value)
    if not ok:
        return INVALID
    if f.list_min >= 0 and n < f.list_min:
        errors.append(error("too_short", f.loc,
                            MSG_TOO_SHORT.format(field_type="List", count=count(f.list_min, "item"), actual=n),
                            raws, {"field_type": "List", "min_length": f.list_min, "actual_length": n}))
        return INVALID
    if f.list_max >= 0 and n > f.list_max:
        errors.append(error("too_long", f.loc,
                            MSG_TOO_LONG.format(field_type="List", count=count(f.list_max, "item"), actual=n),
                            raws, {"field_type": "List", "max_length": f.list_max, "actual_length": n}))
        return INVALID
    if f.container is not None:
        return f.container(out)
    return out
