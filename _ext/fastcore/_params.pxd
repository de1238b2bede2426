# Declarations for fastcore._params: the per-route parameter plan.

cpdef bint has_unusual_numbers(bytes raw)
cpdef object scope_header(dict scope, bytes name)

cdef class Conn:
    cdef readonly dict scope
    cdef readonly object receive
    cdef readonly object send
    cdef object _query
    cdef object _headers
    cdef object _cookies
    cdef object _request
    cdef object _response
    cdef object _background
    cdef public object body
    cdef public object form

    cdef dict query_map(self)
    cdef dict header_map(self)
    cdef dict cookie_map(self)
    cdef object first_header(self, bytes name)


cdef class Coercer:
    cdef readonly int kind
    cdef readonly object target
    cdef dict choices
    cdef str expected
    cdef object gt, ge, lt, le, multiple_of
    cdef Py_ssize_t min_length, max_length
    cdef object pattern
    cdef str pattern_source
    cdef bint allow_inf_nan

    cdef object convert(self, object raw, tuple loc, list errors)
    cdef object check_number(self, object value, object raw, tuple loc, list errors)


cdef class Field:
    cdef readonly str name
    cdef readonly str key
    cdef readonly int source
    cdef readonly bint is_list
    cdef readonly bint required
    cdef readonly object default
    cdef readonly object factory
    cdef object container
    cdef readonly Coercer coercer
    cdef Py_ssize_t list_min, list_max
    cdef tuple loc
    cdef bint copy_default

    cdef object make_default(self)


cdef class Plan:
    cdef readonly tuple fields
    cdef bint needs_query, needs_headers, needs_cookies
    cdef tuple positions             # each field's index among the callable's parameters, or None

    cpdef dict extract(self, Conn conn, dict path_params, list errors)
    cpdef void extract_into(self, Conn conn, dict path_params, dict values, list errors)
    cpdef tuple extract_args(self, Conn conn, dict path_params, list errors)
    cdef object _value(self, Field f, Conn conn, dict path_params, dict query, dict headers,
                       dict cookies, list errors)


cpdef object declared_length(Conn conn)
cpdef object known_body(Conn conn, Py_ssize_t limit)
cpdef object whole_body(Conn conn, object message, Py_ssize_t limit)
