"""Compiled URL router: maps (method, path) to an endpoint and its converted path parameters.

Route templates use Starlette's syntax: ``/users/{id}``, ``/items/{item_id:int}``,
``/files/{file_path:path}``, and mixed segments such as ``/p/{name}.txt`` or ``/r/{a}-{b}``.
Converters behave like Starlette's:

=========  ==============================================  ==============
converter  matches                                         value
=========  ==============================================  ==============
``str``    one or more characters, no "/" (the default)    ``str``
``int``    ``[0-9]+``, at most 4300 digits                 ``int``
``float``  ``[0-9]+(\\.[0-9]+)?``                           ``float``
``uuid``   lower-case hex ``8-4-4-4-12``                   ``uuid.UUID``
``path``   the rest of the path, "/" included, maybe ""    ``str``
=========  ==============================================  ==============

A ``path`` parameter must be the whole last segment.  Paths are matched exactly as given (the
ASGI ``scope["path"]``, already percent-decoded); the trailing slash is significant.

Priority
--------
FastAPI tries routes in registration order.  This router deliberately differs: a static segment
beats a parameter whatever the registration order, so ``/users/me`` wins over ``/users/{id}``.

Precisely, every template segment has a rank: static 0, mixed 1, uuid 2, int 3, float 4, str 5,
path 6.  Among the routes whose template matches the whole path *and* that accept the method, the
winner has the lexicographically smallest tuple of segment ranks; equal tuples go to the route
registered first.  So a full match anywhere beats a method mismatch on a better-ranked route:
with ``GET /users/me`` and ``DELETE /users/{id}``, ``DELETE /users/me`` finds the ``{id}`` route.

Only when no route accepts the method but some template matches the path, the result is 405 with
the methods of the best-ranked matching template, in registration order.

Registrations are per (template shape, method), where the shape ignores parameter names
(``/a/{x}`` and ``/a/{y}`` have the same shape).  The first registration of a (shape, method) wins
and later ones are ignored, like the first matching route wins in Starlette.  A route registered
with ``methods=None`` accepts any method, but a route registered for the method itself at the same
shape takes precedence over it.

Design
------
A segment tree.  Each node has a dict of static children, one child per converter kind (shared by
all routes whatever their parameter names, which are kept per registration), a list of
mixed-segment children each with a regex over that one segment, and a catch-all ``path`` child.
``match`` splits the path on "/" once and walks the tree depth-first in rank order, backtracking
when a branch fails, so its cost depends on the path's depth, not on the number of routes.
"""

cimport cython

import re
import uuid

cdef enum _Status:
    STATUS_FOUND = 0
    STATUS_METHOD_NOT_ALLOWED = 1
    STATUS_NOT_FOUND = 2

FOUND = STATUS_FOUND
METHOD_NOT_ALLOWED = STATUS_METHOD_NOT_ALLOWED
NOT_FOUND = STATUS_NOT_FOUND

# PERF: hot-path lookups bound once.
cdef object _UUID = uuid.UUID
cdef tuple _NOT_FOUND_RESULT = (STATUS_NOT_FOUND, None, None)

cdef dict _CONVERTER_KINDS = {
    "str": KIND_STR,
    "int": KIND_INT,
    "float": KIND_FLOAT,
    "uuid": KIND_UUID,
    "path": KIND_PATH,
}

# Regex of each converter inside a mixed segment; groups are non-capturing so that group i of the
# segment's regex is its i-th parameter.  "[^/]" and "[0-9]" are what the C checks below accept.
cdef dict _GROUP_REGEX = {
    KIND_STR: "[^/]+",
    KIND_INT: "[0-9]{1,4300}",  # see _INT_MAX_DIGITS
    KIND_FLOAT: r"[0-9]+(?:\.[0-9]+)?",
    KIND_UUID: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
}

# build_path() parses the same few templates over and over; bounded so it cannot grow forever.
cdef dict _template_cache = {}
cdef Py_ssize_t _TEMPLATE_CACHE_SIZE = 1024


# --- converters: checks run while matching, conversions only for the winning route ------------

cdef inline bint _is_digit(Py_UCS4 c) noexcept:
    return c >= u'0' and c <= u'9'


# int() refuses longer digit strings by default (CPython's int_max_str_digits), so a longer
# segment is not an int here and never reaches int(): matching must not raise.
cdef Py_ssize_t _INT_MAX_DIGITS = 4300


cdef bint _is_int(str s) noexcept:
    if not s or len(s) > _INT_MAX_DIGITS:
        return False
    cdef Py_UCS4 c
    for c in s:
        if not _is_digit(c):
            return False
    return True


cdef bint _is_float(str s) noexcept:
    # [0-9]+(\.[0-9]+)?
    cdef Py_UCS4 c
    cdef Py_ssize_t digits = 0
    cdef bint seen_dot = False
    for c in s:
        if _is_digit(c):
            digits += 1
        elif c == u'.' and not seen_dot and digits > 0:
            seen_dot = True
            digits = 0
        else:
            return False
    return digits > 0


cdef bint _is_uuid(str s) noexcept:
    # [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
    if len(s) != 36:
        return False
    cdef Py_UCS4 c
    cdef Py_ssize_t i = 0
    for c in s:
        if i == 8 or i == 13 or i == 18 or i == 23:
            if c != u'-':
                return False
        elif not (_is_digit(c) or (c >= u'a' and c <= u'f')):
            return False
        i += 1
    return True


cdef object _to_int(str s):
    # PERF: up to 18 digits fit a long long, which skips int()'s generic parser.
    cdef long long value = 0
    cdef Py_UCS4 c
    if len(s) > 18:
        return int(s)
    for c in s:
        value = value * 10 + (<long long>c - 48)
    return value


cdef object _convert(int kind, str s):
    if kind == KIND_INT:
        return _to_int(s)
    if kind == KIND_FLOAT:
        return float(s)
    if kind == KIND_UUID:
        return _UUID(s)
    return s


cdef str _to_string(int kind, object value):
    """The path text for ``value`` under converter ``kind``, or None if it cannot be one."""
    cdef double number
    cdef str text
    if kind == KIND_INT:
        try:
            value = int(value)
        except (TypeError, ValueError, OverflowError):
            return None
        if value < 0:
            return None
        return str(value)
    if kind == KIND_FLOAT:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            return None
        # NaN and the infinities fail _is_float below.  "+ 0.0" turns -0.0 into 0.0.
        if number < 0.0:
            return None
        text = ("%0.20f" % (number + 0.0)).rstrip("0").rstrip(".")
        return text if _is_float(text) else None
    text = str(value)
    if kind == KIND_PATH:
        return text
    if kind == KIND_UUID:
        return text if _is_uuid(text) else None
    return text if text and "/" not in text else None


# --- templates --------------------------------------------------------------------------------

cdef bint _is_identifier(str name) noexcept:
    # Starlette's parameter names: [a-zA-Z_][a-zA-Z0-9_]*
    if not name:
        return False
    cdef Py_UCS4 c
    cdef bint first = True
    for c in name:
        if not (c == u'_' or (c >= u'a' and c <= u'z') or (c >= u'A' and c <= u'Z')
                or (not first and _is_digit(c))):
            return False
        first = False
    return True


cdef list _tokenize(str path, str raw, dict converters):
    """Split one template segment into literal strs and (name, kind) tuples; record converters."""
    cdef list tokens = []
    cdef Py_ssize_t pos = 0, n = len(raw), start, end
    cdef str inner, name, sep, converter
    while pos < n:
        start = raw.find("{", pos)
        end = raw.find("}", pos)
        if start < 0:
            if end >= 0:
                raise ValueError(f"Unbalanced '}}' in route path {path!r}")
            tokens.append(raw[pos:])
            break
        if 0 <= end < start:
            raise ValueError(f"Unbalanced '}}' in route path {path!r}")
        if end < 0 or raw.find("{", start + 1, end) >= 0:
            raise ValueError(f"Unbalanced '{{' in route path {path!r}")
        if start > pos:
            tokens.append(raw[pos:start])
        inner = raw[start + 1:end]
        name, sep, converter = inner.partition(":")
        if not sep:
            converter = "str"
        if not _is_identifier(name):
            raise ValueError(
                f"Invalid parameter name {name!r} in route path {path!r}: "
                "expected a letter or '_' followed by letters, digits or '_'"
            )
        if converter not in _CONVERTER_KINDS:
            raise ValueError(
                f"Unknown converter {converter!r} for parameter {name!r} in route path {path!r}: "
                f"expected one of {', '.join(_CONVERTER_KINDS)}"
            )
        if name in converters:
            raise ValueError(f"Duplicate parameter name {name!r} in route path {path!r}")
        converters[name] = converter
        tokens.append((name, _CONVERTER_KINDS[converter]))
        pos = end + 1
    return tokens


cdef _Template _parse(str path):
    """Validate a route template; raise ValueError saying what is wrong with it."""
    if not path.startswith("/"):
        raise ValueError(f"Route path must start with '/': {path!r}")
    cdef _Template template = _Template()
    cdef list segments = [], names = [], kinds = [], formats = [], tokens, pattern, fmt, seg_kinds
    cdef dict converters = {}
    cdef list raws = path[1:].split("/")
    cdef Py_ssize_t index, last = len(raws) - 1
    cdef _Segment segment
    cdef str raw
    cdef object token
    for index, raw in enumerate(raws):
        tokens = _tokenize(path, raw, converters)
        segment = _Segment()
        segment.kinds = ()
        if len(tokens) == 1 and type(tokens[0]) is tuple:
            name, segment.kind = tokens[0]
            segment.kinds = (segment.kind,)
            if segment.kind == KIND_PATH and index != last:
                raise ValueError(
                    f"Path parameter {name!r} must be the last segment of route path {path!r}"
                )
            names.append(name)
            kinds.append(segment.kind)
            formats.append("{" + name + "}")
        elif not any(type(token) is tuple for token in tokens):
            segment.kind = KIND_STATIC
            segment.key = raw
            formats.append(raw)
        else:
            segment.kind = KIND_MIXED
            pattern = []
            fmt = []
            seg_kinds = []
            for token in tokens:
                if type(token) is str:
                    pattern.append(re.escape(token))
                    fmt.append(token)
                    continue
                name, kind = token
                if kind == KIND_PATH:
                    raise ValueError(
                        f"Path parameter {name!r} must be a whole segment, "
                        f"not part of one, in route path {path!r}"
                    )
                pattern.append("(" + _GROUP_REGEX[kind] + ")")
                fmt.append("{" + name + "}")
                names.append(name)
                kinds.append(kind)
                seg_kinds.append(kind)
            segment.key = "".join(pattern)
            segment.kinds = tuple(seg_kinds)
            formats.append("".join(fmt))
        segments.append(segment)
    template.segments = segments
    template.names = tuple(names)
    template.kinds = tuple(kinds)
    template.format = "/" + "/".join(formats)
    template.converters = converters
    return template


def compile_template(str path not None):
    """Validate a route template and return ``(format, {name: converter})``.

    ``compile_template("/items/{item_id:int}/{rest:path}")`` returns
    ``("/items/{item_id}/{rest}", {"item_id": "int", "rest": "path"})``.
    """
    cdef _Template template = _parse(path)
    return template.format, dict(template.converters)


def build_path(str path not None, params):
    """Fill the route template ``path`` with ``params``, for ``url_path_for``.

    Returns None unless ``params`` has exactly the template's parameters, each convertible by its
    converter: int and float must be >= 0 and finite, uuid must print as a lower-case 8-4-4-4-12
    UUID, str must be non-empty without "/".
    """
    cdef _Template template = _template_cache.get(path)
    if template is None:
        template = _parse(path)
        if len(_template_cache) >= _TEMPLATE_CACHE_SIZE:
            _template_cache.clear()
        _template_cache[path] = template
    if len(params) != len(template.names):
        return None
    cdef dict values = {}
    cdef str name, text
    cdef Py_ssize_t i
    for i in range(len(template.names)):
        name = template.names[i]
        if name not in params:
            return None
        text = _to_string(template.kinds[i], params[name])
        if text is None:
            return None
        values[name] = text
    return template.format.format_map(values)


# --- the tree ---------------------------------------------------------------------------------

cdef class _Segment:
    pass


cdef class _Template:
    pass


cdef class _Entry:
    pass


cdef class _Capture:
    pass


cdef class _Mixed:
    pass


cdef class _Node:
    def __cinit__(self):
        self.static = {}
        self.mixed = []
        self.first_index = -1


cdef _Node _child(_Node node, _Segment segment):
    """The child of ``node`` for ``segment``, created if missing."""
    cdef _Node child
    cdef _Mixed edge
    if segment.kind == KIND_STATIC:
        child = node.static.get(segment.key)
        if child is None:
            child = node.static[segment.key] = _Node()
        return child
    if segment.kind == KIND_MIXED:
        for edge in node.mixed:
            if edge.pattern == segment.key:
                return edge.node
        edge = _Mixed()
        edge.pattern = segment.key
        edge.fullmatch = re.compile(segment.key).fullmatch
        edge.node = _Node()
        node.mixed.append(edge)
        return edge.node
    if segment.kind == KIND_UUID:
        if node.uuid_child is None:
            node.uuid_child = _Node()
        return node.uuid_child
    if segment.kind == KIND_INT:
        if node.int_child is None:
            node.int_child = _Node()
        return node.int_child
    if segment.kind == KIND_FLOAT:
        if node.float_child is None:
            node.float_child = _Node()
        return node.float_child
    if segment.kind == KIND_STR:
        if node.str_child is None:
            node.str_child = _Node()
        return node.str_child
    if node.path_child is None:
        node.path_child = _Node()
    return node.path_child


cdef tuple _captures(_Template template):
    cdef list captures = []
    cdef _Segment segment
    cdef _Capture capture
    cdef Py_ssize_t index
    for index, segment in enumerate(template.segments):
        if segment.kind == KIND_STATIC:
            continue
        capture = _Capture()
        capture.part = index + 1  # path.split("/")[0] is the empty text before the leading "/"
        capture.kind = segment.kind
        capture.kinds = segment.kinds
        if segment.kind == KIND_MIXED:
            capture.fullmatch = re.compile(segment.key).fullmatch
        captures.append(capture)
    return tuple(captures)


cdef inline _Entry _entry_for(_Node node, str method):
    """The registration at terminal ``node`` that serves ``method``, or None."""
    cdef _Entry entry = node.methods.get(method)
    return node.any_method if entry is None else entry


cdef inline bint _accepts(_Node node, str method, bint any_method, bint* reached) except -1:
    if node.first_index < 0:
        return False
    reached[0] = True
    return any_method or _entry_for(node, method) is not None


cdef bint _before(_Node a, _Node b, str method, bint any_method) except -1:
    """Whether terminal ``a`` outranks terminal ``b``: smaller rank tuple, then registered first."""
    if a.ranks != b.ranks:
        return a.ranks < b.ranks
    if any_method:
        return a.first_index < b.first_index
    return _entry_for(a, method).index < _entry_for(b, method).index


# Audited: 0 < i < n == len(parts) on every call, so parts[i] needs no bounds or sign checks.
@cython.boundscheck(False)
@cython.wraparound(False)
cdef _Node _search(
    _Node node, list parts, Py_ssize_t i, Py_ssize_t n, str method, bint any_method, bint* reached
):
    """The best terminal node under ``node`` for ``parts[i:]``, or None.

    It must accept ``method`` (any registered method if ``any_method``).  ``reached`` is set when
    some template matched the path, whatever its methods.
    """
    if i == n:
        return node if _accepts(node, method, any_method, reached) else None
    cdef str segment = parts[i]
    cdef _Node child, found, best
    cdef _Mixed edge
    if node.static:
        child = node.static.get(segment)
        if child is not None:
            found = _search(child, parts, i + 1, n, method, any_method, reached)
            if found is not None:
                return found
    if node.mixed:
        # Mixed edges share rank 1, so the best of all matching ones wins, not the first.
        best = None
        for edge in node.mixed:
            if edge.fullmatch(segment) is not None:
                found = _search(edge.node, parts, i + 1, n, method, any_method, reached)
                if found is not None and (best is None or _before(found, best, method, any_method)):
                    best = found
        if best is not None:
            return best
    if node.uuid_child is not None and _is_uuid(segment):
        found = _search(node.uuid_child, parts, i + 1, n, method, any_method, reached)
        if found is not None:
            return found
    if node.int_child is not None and _is_int(segment):
        found = _search(node.int_child, parts, i + 1, n, method, any_method, reached)
        if found is not None:
            return found
    if node.float_child is not None and _is_float(segment):
        found = _search(node.float_child, parts, i + 1, n, method, any_method, reached)
        if found is not None:
            return found
    if node.str_child is not None and segment:
        found = _search(node.str_child, parts, i + 1, n, method, any_method, reached)
        if found is not None:
            return found
    if node.path_child is not None and _accepts(node.path_child, method, any_method, reached):
        return node.path_child
    return None


cdef dict _params(_Node node, _Entry entry, list parts, str path):
    """The converted parameters of the route ``entry`` at ``node``, which matched ``parts``."""
    cdef dict params = {}
    cdef tuple names = entry.names
    if not names:
        return params
    cdef _Capture capture
    cdef Py_ssize_t k = 0, j, offset
    cdef object found
    for capture in node.captures:
        if capture.kind == KIND_MIXED:
            found = capture.fullmatch(parts[capture.part])
            for j in range(len(capture.kinds)):
                params[names[k]] = _convert(capture.kinds[j], found.group(j + 1))
                k += 1
        elif capture.kind == KIND_PATH:
            offset = 0
            for j in range(capture.part):
                offset += len(<str>parts[j]) + 1
            params[names[k]] = path[offset:]
            k += 1
        else:
            params[names[k]] = _convert(capture.kind, parts[capture.part])
            k += 1
    return params


cdef class Router:
    """A segment-tree router; see the module docstring for the matching rules."""

    def __cinit__(self):
        # In __cinit__, not __init__: match() relies on root never being None.
        self.root = _Node()
        self.exact = {}

    def __init__(self):
        pass

    def __len__(self):
        return self.count

    def add(self, str path not None, methods, endpoint):
        """Register ``endpoint`` for ``path`` and ``methods`` (None: any method).

        Raises ValueError for an invalid template or an empty ``methods``.
        """
        cdef _Template template = _parse(path)
        cdef list wanted
        if methods is None:
            wanted = [None]
        elif isinstance(methods, str):
            raise TypeError(f"methods must be an iterable of method names, not the str {methods!r}")
        else:
            wanted = list(methods)
            for method in wanted:
                if type(method) is not str:
                    raise TypeError(f"Method names must be str, got {method!r} for {path!r}")
            if not wanted:
                raise ValueError(f"No methods given for route path {path!r}; use None for any")

        cdef _Node node = self.root
        cdef _Segment segment
        for segment in template.segments:
            node = _child(node, segment)
        if node.first_index < 0:
            node.first_index = self.next_index
            node.methods = {}
            node.allowed = ()
            node.ranks = tuple([segment.kind for segment in template.segments])
            node.captures = _captures(template)
            if not node.captures:
                self.exact["/" + "/".join([segment.key for segment in template.segments])] = node

        cdef _Entry entry = _Entry()
        entry.endpoint = endpoint
        entry.names = template.names
        entry.index = self.next_index
        self.next_index += 1
        for method in wanted:
            if method is None:
                if node.any_method is None:
                    node.any_method = entry
                    self.count += 1
            elif method not in node.methods:
                node.methods[method] = entry
                node.allowed += (method,)
                self.count += 1

    def match(self, str method not None, str path not None):
        """Return ``(FOUND, endpoint, params)``, ``(METHOD_NOT_ALLOWED, None, allowed)`` or
        ``(NOT_FOUND, None, None)``."""
        cdef _Entry entry
        cdef object exact = self.exact.get(path)
        if exact is not None:
            # PERF: a path that is a template without parameters is that template's, when it takes
            # the method (the search tries static segments first): no split, no search.
            entry = _entry_for(<_Node>exact, method)
            if entry is not None:
                return (STATUS_FOUND, entry.endpoint, {})
        if not path.startswith("/"):
            return _NOT_FOUND_RESULT
        cdef list parts = path.split("/")
        cdef Py_ssize_t n = len(parts)
        # A one-element array rather than a bint: Cython's flow analysis does not follow "&flag".
        cdef bint[1] reached
        reached[0] = False
        cdef _Node node = _search(self.root, parts, 1, n, method, False, reached)
        if node is not None:
            entry = _entry_for(node, method)
            return (STATUS_FOUND, entry.endpoint, _params(node, entry, parts, path))
        if reached[0]:
            # Slow path: nothing accepts the method, so find the best template for the path alone.
            node = _search(self.root, parts, 1, n, method, True, reached)
            if node is not None:
                return (STATUS_METHOD_NOT_ALLOWED, None, node.allowed)
        return _NOT_FOUND_RESULT
