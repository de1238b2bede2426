# Declarations of fastcore._router; the implementation and the matching rules are in _router.pyx.

cimport cython


# A segment's kind doubles as its priority rank: at one depth, a lower kind is tried first and wins.
cdef enum _Kind:
    KIND_STATIC = 0
    KIND_MIXED = 1   # literal text and parameters within one segment, e.g. "{name}.txt"
    KIND_UUID = 2
    KIND_INT = 3
    KIND_FLOAT = 4
    KIND_STR = 5
    KIND_PATH = 6    # catch-all: the rest of the path, slashes included; only as the last segment


@cython.final
@cython.auto_pickle(False)
cdef class _Segment:
    # One parsed segment of a route template.
    cdef int kind
    cdef str key      # the literal text (static) or the per-segment regex (mixed); None otherwise
    cdef tuple kinds  # the converter kind of each parameter in the segment


@cython.final
@cython.auto_pickle(False)
cdef class _Template:
    # A validated route template, e.g. "/items/{item_id:int}".
    cdef list segments    # of _Segment, one per "/"-separated part after the leading "/"
    cdef tuple names      # parameter names in template order
    cdef tuple kinds      # converter kind of each name
    cdef str format       # str.format-able path, e.g. "/items/{item_id}"
    cdef dict converters  # name -> converter name, e.g. {"item_id": "int"}


@cython.final
@cython.auto_pickle(False)
cdef class _Entry:
    # One registration: what a (template shape, method) resolves to.
    cdef object endpoint
    cdef tuple names        # the route's own parameter names (shapes are shared across names)
    cdef Py_ssize_t index   # registration order, breaks ties between equal rank tuples


@cython.final
@cython.auto_pickle(False)
cdef class _Capture:
    # How to read the parameters of one non-static segment back out of a matched path.
    cdef Py_ssize_t part   # index into path.split("/")
    cdef int kind
    cdef object fullmatch  # mixed segments only: the compiled regex's bound fullmatch
    cdef tuple kinds       # mixed segments only: converter kind of each regex group


@cython.final
@cython.auto_pickle(False)
cdef class _Mixed:
    # A mixed-segment edge: a regex over one segment, and the node it leads to.
    cdef str pattern
    cdef object fullmatch
    cdef _Node node


@cython.final
@cython.auto_pickle(False)
cdef class _Node:
    # A node of the segment tree.  Edges are tried in rank order; see the module docstring.
    cdef dict static         # segment text -> _Node
    cdef list mixed          # of _Mixed, in insertion order
    cdef _Node uuid_child
    cdef _Node int_child
    cdef _Node float_child
    cdef _Node str_child
    cdef _Node path_child    # always terminal and childless
    # Set when some template ends here (first_index >= 0).
    cdef Py_ssize_t first_index  # registration index of the first route ending here
    cdef dict methods            # method -> _Entry
    cdef _Entry any_method       # registered with methods=None
    cdef tuple allowed           # methods in registration order, for 405
    cdef tuple ranks             # per-segment ranks of the template shape
    cdef tuple captures          # of _Capture, in template order


@cython.final
@cython.auto_pickle(False)
cdef class Router:
    cdef _Node root
    cdef dict exact             # path -> the terminal node of a template without parameters
    cdef Py_ssize_t count       # stored (shape, method) registrations
    cdef Py_ssize_t next_index  # registration counter
