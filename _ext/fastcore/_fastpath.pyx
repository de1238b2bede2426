"""A request's way to its route and through it, compiled: ``APIRouter.__call__``
(:func:`route_request`) and ``APIRoute.handle`` (:func:`run_route`).

The steps every request of every route takes (the route's plan with the app's dependency overrides,
the compiled parameter plan, the handler call, the JSON response written by ``fastcore._respond``)
and the whole of the two commonest shapes of route run here, in one compiled coroutine:

- no dependencies: the parameters extracted, the handler called (inline when ``async``, in the
  route's ``SyncExecutor`` when a plain ``def``), its result written;
- an ``async`` handler whose only inputs are its own parameters and a body (a POST taking a model):
  the body received, and when it is one JSON value whose type pydantic-core or msgspec validates
  from the bytes (``BodyPlan.json_single``), validated here in one call.

Anything else goes to ``fastcore.executor``'s Python code, bound once with :func:`bind`: the
dependency solver (``_run_solved``), a body that is not plain valid JSON (``BodyPlan.read`` on the
bytes received here: missing, not JSON, invalid, a form...), errors (``handle_exception``), and
results that are not JSON (``_send_response``).  Those paths decide every answer that is not a
success, so the fast path and the Python one cannot disagree on an error.
"""

cimport cython
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE

from fastcore._params cimport Conn, Plan, has_unusual_numbers, known_body, whole_body
from fastcore._respond cimport render_encoded, render_json

from types import CoroutineType

from fastcore._params import read_body
from fastcore._respond import instance_dicts

cdef extern from "Python.h":
    ctypedef enum PySendResult:
        PYGEN_RETURN
        PYGEN_ERROR
        PYGEN_NEXT
    PySendResult PyIter_Send(object iterator, object arg, PyObject** result)

cdef extern from *:
    """
    /* NULL, leaving the error that is set: Cython raises it. */
    static PyObject *fastcore_raise_set_error(void) { return NULL; }
    """
    object raise_set_error "fastcore_raise_set_error"()


# Bound by fastcore.executor (which imports this module): its Python helpers and constants.
cdef object _ExecPlan = None
cdef object _run_solved = None
cdef object _answer_failure = None
cdef object _send_response = None
cdef object _handle_exception = None
cdef object _call_with = None
cdef object _validation_error = None
cdef object _is_json = None
cdef dict _json_types = None
cdef object _response_class = None
cdef object _response_call = None
cdef object _call_async = None
cdef object _telemetry_key = None
cdef object _takes_by_position = None

cdef object _UNSET = object()

# Bound by fastcore.routing (which imports this module through fastcore.executor).
cdef object _api_route = None
cdef object _route_path = None
cdef object _websocket_method = None
cdef int _found = 0


def bind(*, exec_plan, run_solved, answer_failure, send_response, handle_exception, call_with,
         validation_error, is_json, json_types, response_class, call_async,
         telemetry_key, takes_by_position):
    """Hand this module the Python side it calls (once, when ``fastcore.executor`` is imported)."""
    global _ExecPlan, _run_solved, _answer_failure, _send_response, _handle_exception, _call_with
    global _validation_error, _is_json, _json_types, _response_class
    global _response_call, _call_async, _telemetry_key, _takes_by_position
    _ExecPlan = exec_plan
    _run_solved = run_solved
    _answer_failure = answer_failure
    _send_response = send_response
    _handle_exception = handle_exception
    _call_with = call_with
    _validation_error = validation_error
    _is_json = is_json
    _json_types = json_types
    _response_class = response_class
    _response_call = response_class.__call__
    _call_async = call_async
    _telemetry_key = telemetry_key
    _takes_by_position = takes_by_position


def bind_router(*, api_route, route_path, websocket_method, found):
    """Hand this module what ``route_request`` needs of ``fastcore.routing`` (once, on import)."""
    global _api_route, _route_path, _websocket_method, _found
    _api_route = api_route
    _route_path = route_path
    _websocket_method = websocket_method
    _found = found


# --------------------------------------------------------------------------------------------------
# Awaiting Python coroutines
#
# PERF: Cython's ``await`` of a Python coroutine goes through its ``__await__`` wrapper, and a result
# comes back as a StopIteration to catch.  The handler, ``receive`` and ``send`` are such coroutines
# and most of them return without suspending, so ``started`` runs them with ``PyIter_Send`` (what
# CPython's own ``await`` does) and only what suspends is awaited.  The idiom:
#
#     result = started(coroutine, &done)
#     if not done:
#         result = await result


@cython.final
cdef class Resumed:
    """A Python coroutine that :func:`started` ran up to its first suspension.  Awaiting this goes
    on with it: the value it yielded first, then every ``send``/``throw``/``close`` passed to it."""

    cdef object coroutine
    cdef object pending  # the first yielded value, until it is handed out
    cdef bint handed

    def __init__(self, coroutine, pending):
        self.coroutine = coroutine
        self.pending = pending

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        if not self.handed:
            self.handed = True
            pending, self.pending = self.pending, None
            return pending
        return self.coroutine.send(None)

    def send(self, value):
        if not self.handed:
            return self.__next__()
        return self.coroutine.send(value)

    def throw(self, *args):
        self.handed = True
        return self.coroutine.throw(*args)

    def close(self):
        self.handed = True
        return self.coroutine.close()


cdef object started(object awaitable, bint* done):
    """``awaitable``'s result, with ``done`` set, when it is a Python coroutine that returns without
    suspending; otherwise something to await for it (a :class:`Resumed`, or ``awaitable`` itself
    when it is not a Python coroutine).  Its exception, if it raises."""
    cdef PyObject* out = NULL
    cdef PySendResult status
    done[0] = False
    if type(awaitable) is not CoroutineType:
        return awaitable
    status = PyIter_Send(awaitable, None, &out)
    if status == PYGEN_ERROR:
        return raise_set_error()
    value = <object>out
    Py_XDECREF(out)
    if status == PYGEN_RETURN:
        done[0] = True
        return value
    return Resumed(awaitable, value)


# --------------------------------------------------------------------------------------------------
# The router and the route


def route_request(router, dict scope, receive, send):
    """``APIRouter.__call__``: the matched route's coroutine, for the caller to await.

    PERF: a plain function, not a coroutine, so a request runs in one frame fewer; awaiting the
    result is all a caller (server, middleware, Mount) does.  The tree (``fastcore._router``) holds
    what ``APIRouter._index()`` put in: routes, ``{name: value}`` params, allowed-method tuples.
    Anything but a matched ``APIRoute`` goes to ``APIRouter._dispatch``.
    """
    kind = scope["type"]
    if kind == "http":
        method = scope["method"]
    elif kind == "websocket":
        method = _websocket_method
    else:
        return router.lifespan(scope, receive, send)
    if "router" not in scope:
        scope["router"] = router
    if router._indexed != len(router.routes):
        router._index()
    path = _route_path(scope) if scope.get("root_path") else scope["path"]
    status, found, params = router._tree.match(method, path)
    if status == _found and (type(found) is _api_route or isinstance(found, _api_route)):
        existing = scope.get("path_params")
        if existing:
            params = {**existing, **params}
        scope["path_params"] = params
        scope["endpoint"] = found.endpoint
        scope["route"] = found
        return found.handle(scope, receive, send)
    return router._dispatch(scope, receive, send, method, path, status, found, params)


cdef class Gate:
    """A per-request yes or no, compiled: ``gate(scope)`` is False at once when ``key`` is in the
    scope, or when every watched ``(object, attribute, value)`` still holds (``getattr(object,
    attribute) is value``); otherwise ``ask()`` answers.

    ``NativeTelemetry.wants``: while no OpenTelemetry provider is set (the watched private globals
    are still None), a request costs a few attribute reads in C, not three Python calls.
    """

    cdef object key
    cdef bint watching
    cdef tuple namespaces  # each holder's __dict__ (PERF: a module's attributes, read directly)
    cdef tuple names
    cdef tuple values
    cdef object ask

    def __init__(self, key, watched, ask):
        self.key = key
        self.ask = ask
        self.watching = watched is not None
        watched = tuple(watched or ())
        self.namespaces = tuple([vars(holder) for holder, _, _ in watched])
        self.names = tuple([name for _, name, _ in watched])
        self.values = tuple([value for _, _, value in watched])

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def __call__(self, scope):
        cdef Py_ssize_t i
        cdef PyObject* found
        if self.key in scope:
            return False
        if not self.watching:
            return self.ask()
        for i in range(PyTuple_GET_SIZE(self.names)):
            # PERF: borrowed references all through (the tuples keep them)
            found = PyDict_GetItem(<object>PyTuple_GET_ITEM(self.namespaces, i),
                                   <object>PyTuple_GET_ITEM(self.names, i))
            if found is NULL or found is not PyTuple_GET_ITEM(self.values, i):
                return self.ask()
        return False


cpdef tuple current(object route, dict scope):
    """The route's ``(ExecPlan, BodyPlan | None)``, with ``app.dependency_overrides`` applied."""
    app = scope.get("app")
    if app is not None:
        # PERF: FastCore's dict directly, not through its property.
        overrides = getattr(app, "_overrides", _UNSET)
        if overrides is _UNSET:
            overrides = getattr(app, "dependency_overrides", None)
        if overrides:
            return route._with_overrides(overrides)
    plan = route._exec
    if plan.dependant is not route.dependant:  # replaced after the route was built
        plan = _ExecPlan(route.dependant, route.run_sync_inline)
        route._exec = plan
    return plan, route.body_plan


cdef enum:
    SOLVED = 0  # dependencies, a sync handler with a body, a form: the Python solver
    BODY = 1    # an async handler whose only inputs are its own parameters and a body
    PLAIN = 2   # no dependencies and no body


cdef class Shape:
    """What ``run_route`` reads off a route and its plans on every request, read once per plan
    (kept on the route's ``ExecPlan``, whose tree does not change; a new plan, or body plan, gets a
    new shape).  The route's response settings are read once too, as FastAPI reads them once when it
    builds a route's handler."""

    cdef readonly object route
    cdef readonly object plan
    cdef readonly object body_plan
    cdef int mode
    cdef object call
    cdef bint is_async, threaded, positional, has_params
    cdef Plan params
    cdef tuple body_names
    # BodyPlan.json_single: one JSON value validated from the bytes in one call
    cdef bint json_single, check_numbers, strict_content_type
    cdef bint body_alone  # the body is the handler's only parameter, which it takes by position
    cdef object name, validate, fallback
    cdef Py_ssize_t max_size
    # the response: JSON (with a response model), and plain pydantic models encoded here
    cdef bint json
    cdef int status_code
    cdef object response_plan
    cdef object plain_model, plain_item, plain_encode, plain_refusals

    def __init__(self, route, plan, body_plan):
        self.route = route
        self.json = route._json
        self.status_code = route.status_code
        self.response_plan = route._response_plan
        plain = None if self.response_plan is None else self.response_plan.plain_encoding()
        if plain is not None:
            self.plain_model, self.plain_item, self.plain_encode, self.plain_refusals = plain
        self.plan = plan
        self.body_plan = body_plan
        root = plan.root
        self.call = root.call
        self.is_async = root.kind == _call_async
        self.threaded = plan.threaded_handler
        self.params = root.plan
        if self.params is not None:
            self.positional = self.params.positions is not None
            self.has_params = len(self.params.fields) > 0
        self.body_names = tuple(p.name for p in (root.body_params or ()))
        if not root.children and body_plan is None:
            self.mode = PLAIN
        elif root.children or not self.is_async or body_plan.is_form:
            self.mode = SOLVED
        else:
            self.mode = BODY
            self.max_size = body_plan.max_size
            self.strict_content_type = body_plan.strict_content_type
            fast = body_plan.json_single
            if fast is not None:
                self.json_single = True
                self.name, self.validate, self.check_numbers, self.fallback = fast
                self.body_alone = not self.has_params and _takes_by_position(self.call, (self.name,))

    @property
    def kind(self):
        """How requests run: ``"plain"``, ``"body"`` (both compiled here) or ``"solved"``."""
        return ("solved", "body", "plain")[self.mode]

    @property
    def json_body(self):
        """Whether a valid JSON body is validated here, in one call (``BodyPlan.json_single``)."""
        return self.json_single

    @property
    def body_by_position(self):
        """Whether the handler is called with its body as its one positional argument."""
        return self.body_alone


cdef Shape shape_of(object route, object plan, object body_plan):
    shape = plan.shape
    if shape is None or (<Shape>shape).body_plan is not body_plan or (<Shape>shape).route is not route:
        shape = Shape(route, plan, body_plan)
        plan.shape = shape
    return <Shape>shape


cdef bytes plain_body(Shape shape, object result):
    """``ResponsePlan.serialize(result)``'s bytes when the result is plain pydantic models (one, or a
    list) the route encodes directly, else None."""
    value = None
    if type(result) is shape.plain_model:
        value = result
    elif shape.plain_item is not None and type(result) is list:
        value = instance_dicts(result, shape.plain_item)  # None: not all exactly the model
    if value is not None:
        try:
            return shape.plain_encode(value)
        except shape.plain_refusals:
            pass
    return None


cdef object read_json_single(Conn conn, Shape shape):
    """The body's value when it is one valid JSON value (``BodyPlan.json_single``), else None: a
    body that is missing, not declared as JSON or not valid is ``BodyPlan.read``'s to answer."""
    raw = conn.body
    if not raw:
        return None
    declared = conn.first_header(b"content-type")
    if declared:
        is_json = _json_types.get(declared)
        if is_json is None:
            is_json = _is_json(declared)
        if not is_json:
            return None
    elif shape.strict_content_type:
        return None
    if shape.check_numbers and has_unusual_numbers(raw):
        return None
    try:
        return (shape.validate(raw),)
    except shape.fallback:
        return None


async def run_route(route, dict scope, receive, send):
    """``APIRoute.handle``: one request through the route, answered."""
    cdef Conn conn
    cdef Shape shape
    cdef Plan params
    cdef list errors
    cdef dict values
    cdef bint done
    if scope.get(_telemetry_key) is not None:
        from fastcore.telemetry._routes import run_route_observed

        await run_route_observed(route, scope, receive, send)
        return
    conn = Conn(scope, receive, send)
    plan, body_plan = current(route, scope)
    shape = shape_of(route, plan, body_plan)
    path_params = scope.get("path_params")
    after_sent = None
    if shape.mode == SOLVED:
        solved = started(_run_solved(shape, conn), &done)
        if not done:
            solved = await solved
        if solved is None:
            return  # answered (an error)
        result, after_sent = solved
    elif shape.mode == BODY:
        # The body and the parameters straight into the call: no solver, no exit stack.
        try:
            found = None
            if shape.json_single:
                # read_body's steps, its first receive awaited here (kept on conn.body for
                # BodyPlan.read); PERF: one coroutine less for a body that comes in one message.
                if known_body(conn, shape.max_size) is None:
                    message = started(conn.receive(), &done)
                    if not done:
                        message = await message
                    if whole_body(conn, message, shape.max_size) is None:
                        await read_body(conn, shape.max_size, message)
                found = read_json_single(conn, shape)
            if found is not None and shape.body_alone:
                # PERF: the body is the handler's one parameter: a positional call, no kwargs.
                result = started(shape.call(found[0]), &done)
            else:
                errors = []
                values = {}
                if found is not None:
                    if shape.has_params:
                        shape.params.extract_into(conn, path_params or {}, values, errors)
                    values[shape.name] = found[0]
                else:
                    body_values, body_errors = await body_plan.read(conn)
                    if shape.has_params:
                        shape.params.extract_into(conn, path_params or {}, values, errors)
                    for key in shape.body_names:
                        # FastAPI's order: a callable's body errors come after its other parameters'.
                        if key in body_errors:
                            errors.extend(body_errors[key])
                        elif key in body_values:
                            values[key] = body_values[key]
                if errors:
                    raise _validation_error(errors)
                result = started(shape.call(**values), &done)
            if not done:
                result = await result
        except Exception as exc:
            await _answer_failure(conn, exc, body_plan)
            return
    else:
        # No dependencies: the compiled plan and the handler, inline (or one thread hop).
        try:
            errors = []
            params = shape.params
            if shape.positional:
                # PERF: a positional call; ``**kwargs`` costs a dict copy and a names tuple.
                args = params.extract_args(conn, path_params, errors)
                if errors:
                    raise _validation_error(errors)
                if shape.is_async:
                    result = started(shape.call(*args), &done)
                    if not done:
                        result = await result
                elif shape.threaded:
                    result = await route.sync_executor.run(shape.call, *args)
                else:
                    result = shape.call(*args)
            else:
                values = params.extract(conn, path_params, errors)
                if errors:
                    raise _validation_error(errors)
                if shape.is_async:
                    result = started(shape.call(**values), &done)
                    if not done:
                        result = await result
                elif shape.threaded:
                    result = await route.sync_executor.run(_call_with, shape.call, values)
                else:
                    result = shape.call(**values)
        except Exception as exc:
            await _handle_exception(conn, exc)
            return
    try:
        messages = response_messages(shape, conn, result)
        if messages is None:
            await _send_response(shape.route, conn, result)
            return
        send = conn.send
        sent = started(send(messages[0]), &done)
        if not done:
            await sent
        sent = started(send(messages[1]), &done)
        if not done:
            await sent
        background = messages[2]
        if background is not None:
            await background()
    finally:
        if after_sent is not None:
            await after_sent()


cdef tuple response_messages(Shape shape, Conn conn, object result):
    """``(start, body, background)``: the two messages the result is sent as, and the background
    task to run after them; None when the result is sent as the ``Response`` it becomes
    (``_send_response``)."""
    if shape.json and not isinstance(result, _response_class):
        head = conn.scope["method"] == "HEAD"
        if shape.response_plan is not None:
            body = plain_body(shape, result) if shape.plain_encode is not None else None
            if body is not None:
                start, message = render_encoded(body, shape.status_code, head, conn._response)
                return start, message, conn._background
            result = shape.response_plan.serialize(result)
        start, message = render_json(result, shape.status_code, head, conn._response)
        return start, message, conn._background
    if isinstance(result, _response_class) and type(result).__call__ is _response_call:
        # PERF: Starlette's Response.__call__ inline (its two messages, then the background task),
        # for the classes that keep it: Response, PlainTextResponse, HTMLResponse...
        if result.background is None:
            result.background = conn._background
        return (
            {"type": "http.response.start", "status": result.status_code, "headers": result.raw_headers},
            {"type": "http.response.body", "body": result.body},
            result.background,
        )
    return None
