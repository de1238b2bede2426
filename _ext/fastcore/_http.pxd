# Declarations of fastcore._http; the behaviour and the protocol rules are in _http.pyx.

cimport cython


cdef struct _Buf:
    # A growable byte buffer (malloc'ed) in which a response is built; see _http_response.pxi.
    char *data
    Py_ssize_t len
    Py_ssize_t cap


@cython.final
@cython.auto_pickle(False)
cdef class HttpConfig:
    # Everything a connection needs, resolved once by fastcore.server from its Config.
    cdef public object app
    cdef public object loop
    cdef public str root_path
    cdef public dict state                 # lifespan state; each request gets a shallow copy
    cdef public Py_ssize_t max_header_bytes
    cdef public Py_ssize_t max_header_count
    cdef public Py_ssize_t max_url_length
    cdef public long long max_body_size    # 0 = unlimited
    cdef public double timeout_keep_alive
    cdef public double timeout_request_head
    cdef public double timeout_request_body  # 0 = off
    cdef public double timeout_send          # 0 = off
    cdef public Py_ssize_t limit_concurrency  # 0 = unlimited
    cdef public bint access_log
    cdef public bint server_header
    cdef public list default_headers       # [(name, value)] bytes, lower-case names
    cdef public object ws_factory          # None: WebSocket upgrades are refused
    cdef bytes extra_headers               # default_headers pre-encoded
    cdef public bint coalesce_writes       # hold small complete responses to the iteration's end


cdef class HttpProtocol


@cython.final
@cython.auto_pickle(False)
cdef class ServerState:
    # Shared by every connection of one server: what graceful shutdown has to wait for.
    cdef public set connections
    cdef public set tasks
    cdef public long long total_requests
    cdef public Py_ssize_t in_flight   # app calls running (for limit_concurrency)
    cdef public double clock           # loop.time() at the last sweep
    cdef object loop
    cdef object sweeper                # the timeout sweep's TimerHandle, while connections exist
    cdef double interval
    cdef list unflushed                # connections holding output until the loop iteration ends
    cdef bint flush_scheduled
    cdef _Buf out                      # scratch buffer responses are built in (_http_response.pxi)
    cdef bint out_busy                 # `out` holds a response being built
    cdef bytes date_line               # "date: ...\r\n" for date_second
    cdef long long date_second

    cdef bytes date_header(self)
    cdef void _start_sweep(self, HttpConfig cfg)
    cdef void _defer_flush(self, HttpProtocol proto)


cdef class _Runner


@cython.final
@cython.auto_pickle(False)
cdef class HttpProtocol:
    cdef HttpConfig cfg
    cdef ServerState srv
    cdef object loop
    cdef public object transport
    cdef object write           # transport.write
    cdef object held            # output held back: None, bytes, or a list of bytes (see _hold)
    cdef object parser
    cdef object client
    cdef object server
    cdef str scheme
    # Request being parsed: its head parts until on_headers_complete, then its cycle.
    cdef bytes url
    cdef str method             # the request's method and version from the read's first line,
    cdef str version            # else None (then llhttp is asked)
    cdef tuple line_hint        # what _request_line_hint found in the read being fed
    cdef bint upgrade_seen      # an Upgrade header: only then is llhttp asked should_upgrade()
    cdef bytes request_length   # the Content-Length header's value, if any
    cdef dict scope_base        # the scope keys that are the same for every request
    cdef list headers
    cdef Py_ssize_t head_bytes
    cdef Py_ssize_t head_spill
    cdef int host_count
    cdef bytes host
    cdef bytes last_host
    cdef bint in_head
    cdef bint began_this_feed
    cdef bint expect_continue
    cdef bint te_seen
    cdef bint is_ws
    cdef bint after_close     # a parsed request asked to close: later bytes are ignored
    cdef int reject_status
    cdef str reject_detail
    cdef RequestCycle current   # receiving its body
    cdef RequestCycle active    # running the app
    cdef object pipeline        # deque of RequestCycle waiting for `active`
    cdef tuple pending_error    # (status, detail): sent once the pipeline before it is answered
    cdef tuple pending_upgrade  # (scope, target, headers, tail) of a WebSocket handshake
    cdef bint read_paused
    cdef bint write_paused
    cdef object drain_waiter
    cdef double idle_since      # ServerState.clock when the connection last became idle
    cdef double head_since      # ... when the request head being read began
    cdef double body_since      # ... when request body bytes last arrived (or could have)
    cdef double write_paused_since  # ... when the transport last paused writing
    cdef _Runner runner         # runs this connection's app calls (created at its first request)
    cdef bint closing
    cdef bint lost              # connection_lost has run: nothing written now reaches the client
    cdef bint shutting_down

    cdef void _feed(self, object data)
    cdef void _pause(self)
    cdef void _reject(self, int status, str detail)
    cdef void _write_error(self, int status, str detail)
    cdef void _dispatch(self)
    cdef void _after_step(self, _Runner runner)
    cdef void _spawn(self)
    cdef RequestCycle _take(self)
    cdef void _cycle_done(self, RequestCycle cycle)
    cdef void _maybe_pause(self)
    cdef void _maybe_resume(self)
    cdef void _check_timeouts(self, double now)
    cdef void _close(self)
    cdef void _abort(self)
    cdef void _hold(self, bytes data)
    cdef void _flush(self)
    cdef void _write_now(self, bytes data)
    cdef bytes _use_absolute(self, tuple absolute)
    cdef dict _build_scope(self, bytes target, str method, str version)
    cdef void _start_upgrade(self)


@cython.final
@cython.auto_pickle(False)
cdef class RequestCycle:
    cdef HttpProtocol proto
    cdef public dict scope
    cdef bytearray body     # received, not yet given to the app; None until the first bytes
    cdef long long body_received
    cdef bint message_complete
    cdef bint body_delivered
    cdef bint disconnected
    cdef bint keep_alive
    cdef bint expect_continue
    cdef bint is_head
    cdef bint http10
    cdef bint response_started
    cdef bint head_written
    cdef bint response_complete
    cdef bint chunked
    cdef bint no_body
    cdef long long content_length   # -1: not given by the app
    cdef long long body_sent
    cdef int status
    cdef object headers_out
    cdef list waiters       # futures of a receive() waiting for body or disconnect (None: none yet)

    cdef void wake(self)
    cdef void on_body(self, bytes data)
    cdef bytes _render(self, _Buf *out, bytes body, bint more_body)


@cython.final
@cython.auto_pickle(False)
cdef class _Runner:
    cdef HttpProtocol proto
    cdef object loop
    cdef object task
    cdef bint per_connection   # False: one-shot, for one request that could not wait its turn
    cdef bint finished         # its Task is done
    cdef object coro           # the app call being driven
    cdef RequestCycle cycle
    cdef object ctx            # the request's contextvars.Context
    cdef object park           # the future the Task waits on while idle
    cdef object handover       # what an eager step left the app waiting on, for the Task
    cdef bint has_handover

    cdef void wake(self)
    cdef void run_eagerly(self)
    cdef void _begin(self, RequestCycle cycle)
    cdef object _step(self, object value, object exc)
    cdef void _finish(self, object result, object exc)
    cdef object _yield(self, object yielded)
