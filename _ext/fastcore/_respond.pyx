"""Compiled response writing: a handler's result -> the two ASGI messages that send it.

Anything that is not already a ``Response`` is encoded once by one reused msgspec encoder, into the
JSON FastAPI sends for it: a result without a response model as ``jsonable_encoder`` makes it, a
response model's value (``encode_typed``) as pydantic's serializer writes it.  The ``content-type``
and ``content-length`` headers are pre-encoded bytes.  The caller sends ``http.response.start`` and
one ``http.response.body``.
"""

cimport cython
from cpython.dict cimport PyDict_Next
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.object cimport PyObject, PyTypeObject
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE


cdef extern from "Python.h":
    PyTypeObject* type_of "Py_TYPE"(PyObject* value)  # borrowed, no reference counting
    PyTypeObject PyUnicode_Type
    PyTypeObject PyLong_Type
    PyTypeObject PyFloat_Type
    PyTypeObject PyBool_Type
    PyTypeObject PyDict_Type
    PyTypeObject PyList_Type
    PyTypeObject PyTuple_Type

import msgspec

from fastcore.encoders import jsonable_encoder

# Status codes that never carry a body (RFC 9110 §6.4.1, §15.3.5, §15.4.5).
cdef inline bint body_allowed(int status):
    return not (status < 200 or status == 204 or status == 304)


cdef object enc_hook(object obj):
    # pydantic v2 models (never imported here: we only look for their method), by alias as FastAPI's
    # jsonable_encoder writes a model a handler returns without a response model.
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return dump(mode="json", by_alias=True)
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    # Any other object as FastAPI's jsonable_encoder makes it: paths, IP addresses, pydantic's URL
    # and secret types as text, deques and generators as lists, else its mapping or its attributes
    # (a handler returning, say, an OAuth2PasswordRequestForm gets its fields as a JSON object).
    try:
        return jsonable_encoder(obj)
    except ValueError:
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


# --------------------------------------------------------------------------------------------------
# FastAPI's JSON, byte for byte where msgspec's builtin encodings differ.
#
# A result without a response model is what FastAPI passes through ``jsonable_encoder``: aware
# datetimes and times by ``isoformat()`` (``+00:00``, not ``Z``), ``timedelta`` as float seconds,
# ``bytes`` as UTF-8 text, ``Decimal`` as an int (no fractional digits) or a float.  msgspec cannot be
# told to encode its builtin types otherwise, so such values are replaced before encoding — only when
# ``is_plain`` finds one: the common result (str, int, float, bool, None, naive datetimes, dates,
# UUIDs in dicts and lists) is checked in one allocation-free C walk and encoded as it is.

cdef object Decimal = __import__("decimal").Decimal
cdef object Enum = __import__("enum").Enum
cdef object UUID = __import__("uuid").UUID
_dt = __import__("datetime")
cdef object datetime_t = _dt.datetime
cdef object date_t = _dt.date
cdef object time_t = _dt.time
cdef object timedelta_t = _dt.timedelta
cdef tuple BYTES_TYPES = (bytes, bytearray, memoryview)
# to_builtins keeps these as they are, for the rules below.
cdef tuple JSONABLE_KEEP = (bytes, bytearray, memoryview, datetime_t, time_t, timedelta_t, Decimal)
cdef tuple TYPED_KEEP = (bytes, bytearray, memoryview, timedelta_t)
# Nesting beyond this is refused (RecursionError, like msgspec's own limit) before C recursion can
# exhaust the stack.
cdef int MAX_DEPTH = 1000


cdef inline bint is_scalar(PyObject* value):
    # str, int, float, bool, None: written alike by msgspec and json.dumps (exact types: a C compare each).
    cdef PyTypeObject* t = type_of(value)
    return (t == &PyUnicode_Type or t == &PyLong_Type or t == &PyFloat_Type or t == &PyBool_Type
            or value == <PyObject*>None)


cdef bint is_plain(object value, int depth):
    """Whether msgspec writes ``value`` exactly as FastAPI's jsonable_encoder + json.dumps would."""
    cdef PyTypeObject* t = type_of(<PyObject*>value)
    cdef PyObject* key
    cdef PyObject* item
    cdef Py_ssize_t pos = 0, i
    if is_scalar(<PyObject*>value):
        return True
    if depth > MAX_DEPTH:
        return False  # jsonable raises RecursionError for it, as msgspec would
    depth += 1
    if t == &PyDict_Type:
        # PERF: PyDict_Next, borrowed references, scalars checked without a call.
        while PyDict_Next(value, &pos, &key, &item):
            if type_of(key) != &PyUnicode_Type:
                return False
            if not is_scalar(item) and not is_plain(<object>item, depth):
                return False
        return True
    if t == &PyList_Type:
        for i in range(PyList_GET_SIZE(value)):
            item = PyList_GET_ITEM(value, i)
            if not is_scalar(item) and not is_plain(<object>item, depth):
                return False
        return True
    if t == &PyTuple_Type:
        for i in range(PyTuple_GET_SIZE(value)):
            item = PyTuple_GET_ITEM(value, i)
            if not is_scalar(item) and not is_plain(<object>item, depth):
                return False
        return True
    if <object>t is datetime_t or <object>t is time_t:
        return value.tzinfo is None  # naive: the same text; aware: isoformat's offset, never Z
    if <object>t is date_t or <object>t is UUID or <object>t is Raw:
        return True
    return False


cdef object decimal_number(object value):
    # FastAPI: an integral Decimal becomes an int, any other a float.
    exponent = value.as_tuple().exponent
    if type(exponent) is int and exponent >= 0:
        return int(value)
    return float(value)


cdef object jsonable(object value, int depth):
    """``value`` with every part msgspec would write differently from FastAPI replaced."""
    cdef object t = type(value)
    cdef object key, item
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if depth > MAX_DEPTH:
        raise RecursionError("maximum recursion depth exceeded while encoding a JSON object")
    depth += 1
    if t is dict:
        return {(key if type(key) is str else jsonable(key, depth)): jsonable(item, depth)
                for key, item in (<dict>value).items()}
    if t is list or t is tuple:
        return [jsonable(item, depth) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (str, int, float)):
        return value
    if isinstance(value, datetime_t) or isinstance(value, time_t):
        return value if value.tzinfo is None else value.isoformat()
    if isinstance(value, date_t) or t is UUID or t is Raw:
        return value
    if isinstance(value, timedelta_t):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return decimal_number(value)
    if isinstance(value, BYTES_TYPES):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict):
        return {jsonable(key, depth): jsonable(item, depth) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item, depth) for item in value]
    # Structs, dataclasses, attrs, pydantic models, other objects: their fields, then the same rules.
    return jsonable(to_builtins(value, enc_hook=_enc_hook, builtin_types=JSONABLE_KEEP), depth)


cdef str iso_duration(object delta):
    # pydantic's ISO 8601 form: years of 365 days, then days, hours, minutes, seconds; PT0S for zero.
    cdef object total = (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds
    cdef str sign = ""
    cdef list parts
    if total < 0:
        sign, total = "-", -total
    days, rest = divmod(total, 86400000000)
    years, days = divmod(days, 365)
    parts = [sign, "P"]
    if years:
        parts.append(f"{years}Y")
    if days:
        parts.append(f"{days}D")
    if rest or not (years or days):
        hours, rest = divmod(rest, 3600000000)
        minutes, rest = divmod(rest, 60000000)
        seconds, micros = divmod(rest, 1000000)
        parts.append("T")
        if hours:
            parts.append(f"{hours}H")
        if minutes:
            parts.append(f"{minutes}M")
        if seconds or micros or not (hours or minutes):
            parts.append(f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "S" if micros
                         else f"{seconds}S")
    return "".join(parts)


cdef object typed_wire(object value):
    """A builtins tree (timedeltas and bytes kept) with pydantic's text for those two."""
    cdef object t = type(value)
    cdef object key, item
    if t is dict:
        return {(key if type(key) is str else typed_wire(key)): typed_wire(item)
                for key, item in (<dict>value).items()}
    if t is list or t is tuple:  # to_builtins keeps tuples
        return [typed_wire(item) for item in value]
    if isinstance(value, timedelta_t):
        return iso_duration(value)
    if isinstance(value, BYTES_TYPES):
        return bytes(value).decode("utf-8", "replace")
    return value


def _typed_hook_by_name(obj):
    # A pydantic model where the response model leaves the type open (``Any``, ``dict``), on a route
    # with response_model_by_alias=False: by field name.  (By alias, the default, is _enc_hook's.)
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return dump(mode="json", by_alias=False)
    return enc_hook(obj)


cpdef bytes encode_typed(object content, bint convert, bint by_alias=True):
    """JSON of a response model's value, with pydantic's encodings (FastAPI serializes response
    models with pydantic): ``Decimal`` as a string, ``bytes`` as UTF-8 text, ``timedelta`` as
    pydantic's ISO 8601 duration.  ``convert`` is decided once per route from the model's types:
    False when none of those can occur, and the value is encoded as it is."""
    if convert and not is_plain(content, 0):  # PERF: a plain dict (``-> dict``) is written as it is
        hook = _enc_hook if by_alias else _typed_hook_by_name
        content = typed_wire(to_builtins(content, enc_hook=hook, builtin_types=TYPED_KEEP))
    return encode_json(content)


def iso_duration_text(delta):
    """pydantic's ISO 8601 text for a ``timedelta`` (``PT5M``, ``-P1DT2H``, ``PT0S``)."""
    return iso_duration(delta)


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
    """JSON-encode ``content`` as FastAPI would after ``jsonable_encoder`` (lone surrogates escaped
    as ``\\udXXX``)."""
    if not is_plain(content, 0):
        content = jsonable(content, 0)
    return encode_json(content)


def content_length(Py_ssize_t n):
    return length_value(n)


cpdef tuple render_json(object content, int status_code, bint head, object sub_response):
    """The start and body messages for a JSON result.

    ``sub_response`` is the ``Response`` a handler asked to be injected (or None): its status, when set,
    replaces the route's, and its raw headers (cookies, custom headers) are appended.
    ``head`` drops the body but keeps its length, as a HEAD response must (RFC 9110 §9.3.2).
    """
    cdef int status = response_status(status_code, sub_response)
    if not body_allowed(status):
        return json_messages(status, None, head, sub_response)
    if not is_plain(content, 0):
        content = jsonable(content, 0)
    return json_messages(status, encode_json(content), head, sub_response)


cpdef tuple render_encoded(bytes body, int status_code, bint head, object sub_response):
    """:func:`render_json` for a result already encoded as JSON ``body``."""
    cdef int status = response_status(status_code, sub_response)
    return json_messages(status, body if body_allowed(status) else None, head, sub_response)


cdef inline int response_status(int status_code, object sub_response):
    if sub_response is not None and sub_response.status_code is not None:
        return sub_response.status_code
    return status_code


cdef tuple json_messages(int status, bytes body, bint head, object sub_response):
    """The two messages; ``body`` None: a status that has none (204, 304...)."""
    cdef list headers
    if body is not None:
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


cdef extern from "Python.h":
    object PyObject_GenericGetDict(object obj, void *context)


def instance_dicts(list items, object cls):
    """The ``__dict__`` of each item when every item's type is exactly ``cls``, else None.

    PERF: a response list of 100 pydantic models becomes the list of their field dicts, for msgspec
    to encode, in a C loop that reads each instance dict directly (not through attribute lookup).
    """
    cdef list dicts = []
    cdef object item
    for item in items:
        if type(item) is not cls:
            return None
        dicts.append(PyObject_GenericGetDict(item, NULL))
    return dicts


cdef class FieldDicts:
    """An msgspec ``enc_hook`` for plain pydantic models: an instance whose type is exactly one of
    ``models`` becomes its ``__dict__`` (its field values), anything else raises ``refuse`` (for
    the caller to encode it another way).  PERF: one C call per nested model, no Python frame."""

    cdef frozenset models
    cdef object refuse

    def __init__(self, models, refuse):
        self.models = frozenset(models)
        self.refuse = refuse

    def __call__(self, obj):
        if type(obj) in self.models:
            return PyObject_GenericGetDict(obj, NULL)
        raise self.refuse()


def all_of_type(list items, object cls):
    """Whether every item's type is exactly ``cls`` (PERF: a C loop, for response lists)."""
    cdef object item
    for item in items:
        if type(item) is not cls:
            return False
    return True
