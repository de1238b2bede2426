"""Per-request execution of routes: dependencies, the handler, and the response it becomes.

Registration (``fastcore.routing``) builds a route's plan once; everything a request does runs here:

- ``run_route`` is ``APIRoute.handle``, compiled in ``fastcore._fastpath``: a route without
  dependencies, or an async handler taking a body, runs there whole (the compiled parameter plan,
  the handler, the result written with ``fastcore._respond``); any other route comes back here, to
  the dependency solver (``_run_solved``), as do bodies that are not plain valid JSON and every
  error — no ``Request`` object unless a parameter asks for one.
- A route class that overrides FastAPI's ``APIRoute.get_route_handler()`` is run through that hook
  instead (``hooked_app``): one ``Request`` per request, passed down the subclass's wrappers to
  ``route_handler``'s handler, which reads the body through that request (so a ``GzipRequest``
  works) and returns a ``Response`` the wrappers may inspect or change.
- Sync callables (dependencies and ``def`` handlers) run in the route's ``SyncExecutor``
  (``fastcore.threadpool``), and consecutive ones in **one** hop: the solver groups the sync
  sub-trees that follow each other in dependency order into a single worker-thread call, the
  handler included when it is sync.  ``run_sync_inline`` (app, router, route or ``Depends``) runs
  them on the loop instead, for code that never blocks.
- Handled exceptions (``HTTPException``, validation errors, anything with a registered handler) are
  answered by the app's handlers before a response has started (``handle_exception``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, NoReturn, cast

import anyio
import anyio.lowlevel
import anyio.to_thread
from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from fastcore import _fastpath
from fastcore._fastpath import Shape, run_route
from fastcore._fastpath import current as _current
from fastcore._params import Conn
from fastcore._respond import render_json
from fastcore.bodies import _JSON_TYPES, BodyPlan, _is_json, limited_receive, received_body
from fastcore.concurrency import contextmanager_in_threadpool, holding
from fastcore.dependencies import CALL_ASYNC, CALL_SYNC, GEN_ASYNC, GEN_SYNC, Dependant, takes_by_position
from fastcore.exception_handlers import default_handlers, is_body_allowed_for_status_code
from fastcore.exceptions import FastCoreError, RequestValidationError, WebSocketRequestValidationError
from fastcore.threadpool import SyncExecutor

if TYPE_CHECKING:
    from fastcore.routing import APIRoute, APIWebSocketRoute

__all__ = [
    "ExecPlan",
    "Exits",
    "close_function_scope",
    "exception_tables",
    "handle_exception",
    "hooked_app",
    "route_handler",
    "run_route",
    "run_websocket",
    "unwind",
]

_CONNECTING = WebSocketState.CONNECTING
_TELEMETRY = "fastapi.telemetry"  # scope key: the request is observed (fastcore.telemetry)
_STATE = "fastcore.route_state"  # scope key: the hooked app's (Conn, exit stack) for route_handler
_Body = tuple[dict[str, Any], dict[str, list[Any]]]


# --------------------------------------------------------------------------------------------------
# Exceptions


def exception_tables(handlers: dict[Any, Any]) -> tuple[dict[Any, Any], dict[int, Any]]:
    """``(by exception class, by status code)`` from an app's ``exception_handlers`` mapping."""
    by_class: dict[Any, Any] = {}
    by_status: dict[int, Any] = {}
    for key, handler in handlers.items():
        if isinstance(key, int):
            by_status[key] = handler
        else:
            by_class[key] = handler
    return by_class, by_status


_DEFAULT_TABLES = exception_tables(default_handlers())


async def handle_exception(conn: Conn, exc: Exception) -> None:
    """Answer ``exc`` with the app's handler for it, or re-raise it (a 500 for the error middleware).

    Only called before the response has started.
    """
    scope = conn.scope
    by_class, by_status = scope.get("starlette.exception_handlers") or _DEFAULT_TABLES
    handler = None
    if isinstance(exc, StarletteHTTPException):
        handler = by_status.get(exc.status_code)
    if handler is None:
        for cls in type(exc).__mro__:
            handler = by_class.get(cls)
            if handler is not None:
                break
    if handler is None:
        raise exc
    request = conn.request
    if is_async_callable(handler):
        response = await handler(request, exc)
    else:
        response = await run_in_threadpool(handler, request, exc)
    if response is None:
        return
    accepted = scope["type"] == "websocket" and cast(WebSocket, request).application_state != _CONNECTING
    if accepted:
        # A response (``HTTPException``'s) can only deny the handshake; once the socket is accepted
        # the error goes on to the server, which closes with 1011.
        raise exc
    # Before accept, Starlette's responses send themselves as a WebSocket denial (an HTTP answer).
    await response(scope, conn.receive, conn.send)


# --------------------------------------------------------------------------------------------------
# The execution plan: a route's dependency tree, grouped into thread hops once


class Node:
    """One callable of the tree, with what the solver needs per request read off once."""

    __slots__ = (
        "body_params",
        "call",
        "children",
        "function_scoped",
        "inline",
        "key",
        "kind",
        "limit",
        "name",
        "param_model",
        "plan",
        "pure",
        "segments",
        "threaded",
        "use_cache",
    )

    pure: bool
    threaded: bool

    def __init__(self, dependant: Dependant, inline: bool) -> None:
        own = dependant.run_sync_inline
        # A Depends(..., run_sync_inline=...) setting holds for its sub-tree unless set again below.
        self.inline: bool = inline if own is None else own
        self.call: Any = dependant.call
        self.kind = dependant.kind
        self.name = dependant.name
        self.key = dependant.cache_key
        self.use_cache = dependant.use_cache
        self.plan = dependant.plan
        self.body_params = dependant.body_params
        self.function_scoped = dependant.function_scoped
        self.limit = dependant.limit
        self.children = tuple(Node(d, self.inline) for d in dependant.dependencies)
        # A parameter model (``Annotated[Model, Query()]``) or a pydantic-validated parameter: no
        # call, only its extraction, which never blocks.
        self.param_model = dependant.param_model
        # pure: the whole sub-tree is sync, so it can be solved by one plain function call;
        # threaded: ... and some of it must leave the loop.
        if self.param_model is not None:
            self.pure, self.threaded = True, False
        else:
            # A max_concurrency slot is taken on the loop, before the call: never in a batch.
            self.pure = (
                self.limit is None
                and self.kind in (CALL_SYNC, GEN_SYNC)
                and all(c.pure for c in self.children)
            )
            self.threaded = self.pure and (not self.inline or any(c.threaded for c in self.children))
        self.segments = _segments(self.children)


# One step of a node's sub-dependencies: (pure, threaded, children).  Consecutive pure sub-trees
# form one step (one thread hop when any of them needs a thread); any other child is a step alone.
_Segment = tuple[bool, bool, tuple[Node, ...]]


def _segments(children: tuple[Node, ...]) -> tuple[_Segment, ...]:
    out: list[_Segment] = []
    run: list[Node] = []
    for child in children:
        if child.pure:
            run.append(child)
            continue
        if run:
            out.append((True, any(c.threaded for c in run), tuple(run)))
            run = []
        out.append((False, False, (child,)))
    if run:
        out.append((True, any(c.threaded for c in run), tuple(run)))
    return tuple(out)


class ExecPlan:
    """How a route runs: its tree as nodes, read off the ``Dependant`` once."""

    __slots__ = ("dependant", "root", "shape", "threaded_handler")

    def __init__(self, dependant: Dependant, inline: bool) -> None:
        self.dependant = dependant
        self.root = Node(dependant, inline)
        self.threaded_handler = self.root.kind == CALL_SYNC and not self.root.inline
        self.shape: Any = None  # what fastcore._fastpath.run_route reads off this plan, once


# --------------------------------------------------------------------------------------------------
# The solver


def _own_inputs(
    node: Node,
    conn: Conn,
    path_params: dict[str, Any],
    errors: list[Any],
    body: _Body | None,
    values: dict[str, Any],
) -> None:
    node.plan.extract_into(conn, path_params, values, errors)
    if body is not None and node.body_params:
        # FastAPI's order: a callable's body errors come after its path/query/header/cookie ones.
        body_values, body_errors = body
        for param in node.body_params:
            if param.name in body_errors:
                errors.extend(body_errors[param.name])
            elif param.name in body_values:
                values[param.name] = body_values[param.name]


def _exit_in_thread(cm: contextlib.AbstractContextManager[Any]) -> Callable[..., Awaitable[bool | None]]:
    async def exit_(exc_type: Any, exc: Any, tb: Any) -> bool | None:
        # A limiter of its own: clean-up never waits for a thread held by a request (which could be
        # waiting for this very clean-up's resource); shielded, it runs even when cancelled.
        with anyio.CancelScope(shield=True):
            swallowed = await anyio.to_thread.run_sync(
                cm.__exit__, exc_type, exc, tb, limiter=anyio.CapacityLimiter(1)
            )
        return swallowed

    return exit_


class Exits(AsyncExitStack):
    """A request's clean-up of yield dependencies: ``scope="request"`` ones on this stack (after the
    response is sent), ``scope="function"`` ones on ``function`` (when the path operation returns).

    ``cleanup_scope`` is entered on this stack just before the first ``async`` yield dependency, so
    it encloses every one of them: it is shielded while one of them cleans up, so a cancelled
    request (a client gone) still finishes its clean-up — while the dependency's own cancel scopes
    keep working inside it — and the cancellation is delivered once that clean-up is done.
    """

    def __init__(self, function_scope: bool) -> None:
        super().__init__()
        self.function: AsyncExitStack | None = AsyncExitStack() if function_scope else None
        self.cleanup_scope: anyio.CancelScope | None = None


def _enter_async_gen(
    node: Node, stack: AsyncExitStack | None, cm: contextlib.AbstractAsyncContextManager[Any]
) -> contextlib.AbstractAsyncContextManager[Any]:
    """``cm`` (an async yield dependency) with its clean-up shielded from outside cancellation."""
    if not isinstance(stack, Exits):
        return cm
    scope = stack.cleanup_scope
    if scope is None:
        scope = stack.cleanup_scope = stack.enter_context(anyio.CancelScope())
    return _shielded_cleanup(cm, scope)


@contextlib.asynccontextmanager
async def _shielded_cleanup(
    cm: contextlib.AbstractAsyncContextManager[Any], scope: anyio.CancelScope
) -> AsyncIterator[Any]:
    shielded = scope.shield  # another dependency's clean-up may be running around this one
    try:
        async with cm as value:
            try:
                yield value
            finally:
                scope.shield = True
    finally:
        scope.shield = shielded
    # The clean-up is done: a cancellation that arrived meanwhile is raised now.
    await anyio.lowlevel.checkpoint_if_cancelled()


def _stack_for(node: Node, stack: AsyncExitStack | None) -> AsyncExitStack:
    if stack is None:  # pragma: no cover - routes with yield dependencies always pass a stack
        raise RuntimeError("a yield dependency needs an exit stack")
    if node.function_scoped and isinstance(stack, Exits) and stack.function is not None:
        return stack.function
    return stack


def _enter_sync(node: Node, values: dict[str, Any], stack: AsyncExitStack | None) -> Any:
    """Set up a sync yield dependency here (a worker thread, or the loop when inline)."""
    stack = _stack_for(node, stack)
    cm = contextlib.contextmanager(node.call)(**values)
    value = cm.__enter__()
    if node.inline:
        stack.push(cm.__exit__)
    else:
        stack.push_async_exit(_exit_in_thread(cm))
    return value


def _solve_sync(
    children: tuple[Node, ...],
    conn: Conn,
    path_params: dict[str, Any],
    errors: list[Any],
    cache: dict[Any, Any],
    stack: AsyncExitStack | None,
    body: _Body | None,
    values: dict[str, Any],
) -> None:
    """Solve and call pure sub-trees, in order, right here; results go into ``values``."""
    for sub in children:
        if sub.param_model is not None:
            before = len(errors)
            value = sub.param_model.extract(conn, errors)
            if len(errors) == before and sub.name is not None:
                values[sub.name] = value
            continue
        key = sub.key
        if sub.use_cache and key in cache:
            if sub.name is not None:
                values[sub.name] = cache[key]
            continue
        before = len(errors)
        sub_values: dict[str, Any] = {}
        if sub.children:
            _solve_sync(sub.children, conn, path_params, errors, cache, stack, body, sub_values)
        _own_inputs(sub, conn, path_params, errors, body, sub_values)
        if len(errors) != before:
            continue  # its inputs failed: not called, its siblings still are
        value = sub.call(**sub_values) if sub.kind == CALL_SYNC else _enter_sync(sub, sub_values, stack)
        if sub.name is not None:
            values[sub.name] = value
        # As FastAPI does, even a ``use_cache=False`` result is cached when it is the first one.
        cache.setdefault(key, value)


def _call_with(func: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    return func(**kwargs)


# Sync work waiting for the next hop: (function, arguments), run in order by one worker-thread call.
_Pending = list[tuple[Callable[..., Any], tuple[Any, ...]]]


def _run_pending(jobs: _Pending) -> Any:
    result = None
    for func, args in jobs:
        result = func(*args)
    return result  # the last job's (the handler's, when it joined the hop)


async def _flush(pending: _Pending, executor: SyncExecutor) -> Any:
    jobs = pending[:]
    pending.clear()
    return await executor.run(_run_pending, jobs)


def _finish_sync(
    sub: Node,
    conn: Conn,
    path_params: dict[str, Any],
    errors: list[Any],
    cache: dict[Any, Any],
    stack: AsyncExitStack | None,
    body: _Body | None,
    before: int,
    sub_values: dict[str, Any],
    values: dict[str, Any],
) -> None:
    """A sync dependency whose sub-tree had async parts: its inputs, its call, its result stored."""
    _own_inputs(sub, conn, path_params, errors, body, sub_values)
    if len(errors) != before:
        return
    value = sub.call(**sub_values) if sub.kind == CALL_SYNC else _enter_sync(sub, sub_values, stack)
    if sub.name is not None:
        values[sub.name] = value
    cache.setdefault(sub.key, value)


async def _solve(
    segments: tuple[_Segment, ...],
    conn: Conn,
    path_params: dict[str, Any],
    errors: list[Any],
    cache: dict[Any, Any],
    stack: AsyncExitStack | None,
    body: _Body | None,
    executor: SyncExecutor,
    pending: _Pending,
) -> dict[str, Any]:
    """The values of a node's sub-dependencies; every error of the tree goes to ``errors``.

    Sync work is not run here but queued on ``pending``, in dependency order, and the queue is
    run in one hop when something async must run next (or by the caller at the end): a run of sync
    callables not separated by async ones costs one thread hop, whatever the tree's shape.  The
    values dicts are complete once the queue has run.
    """
    values: dict[str, Any] = {}
    for pure, threaded, children in segments:
        if pure:
            args = (children, conn, path_params, errors, cache, stack, body, values)
            if threaded or pending:
                pending.append((_solve_sync, args))
            else:
                _solve_sync(*args)  # all inline, nothing queued before it: right here
            continue
        sub = children[0]
        if pending:
            await _flush(pending, executor)  # the cache and errors below must see the queued work
        key = sub.key
        if sub.use_cache and key in cache:
            if sub.name is not None:
                values[sub.name] = cache[key]
            continue
        before = len(errors)
        if sub.segments:
            sub_values = await _solve(
                sub.segments, conn, path_params, errors, cache, stack, body, executor, pending
            )
        else:
            sub_values = {}
        kind = sub.kind
        if kind in (CALL_SYNC, GEN_SYNC) and not sub.inline and sub.limit is None:
            finish = (sub, conn, path_params, errors, cache, stack, body, before, sub_values, values)
            pending.append((_finish_sync, finish))
            continue
        if pending:
            await _flush(pending, executor)
        _own_inputs(sub, conn, path_params, errors, body, sub_values)
        if len(errors) != before:
            continue
        if sub.limit is not None:
            value = await _call_limited(sub, sub_values, stack)
        elif kind == CALL_ASYNC:
            value = await sub.call(**sub_values)
        elif kind == GEN_ASYNC:
            cm = _enter_async_gen(sub, stack, contextlib.asynccontextmanager(sub.call)(**sub_values))
            value = await _stack_for(sub, stack).enter_async_context(cm)
        elif kind == CALL_SYNC:
            value = sub.call(**sub_values)  # inline
        else:
            value = _enter_sync(sub, sub_values, stack)  # inline
        if sub.name is not None:
            values[sub.name] = value
        cache.setdefault(key, value)
    return values


async def _call_limited(sub: Node, values: dict[str, Any], stack: AsyncExitStack | None) -> Any:
    """A ``Depends(..., max_concurrency=N)`` dependency: called once a slot is free; a yield
    dependency keeps its slot until its clean-up has run.  Sync ones run in anyio's worker threads,
    as FastAPI runs them: the slot is taken before a thread is."""
    semaphore = sub.limit.get_semaphore() if sub.limit is not None else None
    if semaphore is None:  # pragma: no cover - only called for limited nodes
        raise RuntimeError("not a limited dependency")
    kind = sub.kind
    if kind == GEN_ASYNC:
        cm: contextlib.AbstractAsyncContextManager[Any] = contextlib.asynccontextmanager(sub.call)(**values)
        cm = _enter_async_gen(sub, stack, cm)
        return await _stack_for(sub, stack).enter_async_context(holding(semaphore, cm))
    if kind == GEN_SYNC:
        sync_cm = contextlib.contextmanager(sub.call)(**values)
        if sub.inline:
            cm = _inline_async(sync_cm)
        else:
            cm = contextmanager_in_threadpool(sync_cm)
        return await _stack_for(sub, stack).enter_async_context(holding(semaphore, cm))
    async with semaphore:
        if kind == CALL_ASYNC:
            return await sub.call(**values)
        if sub.inline:
            return sub.call(**values)
        return await run_in_threadpool(sub.call, **values)


@contextlib.asynccontextmanager
async def _inline_async(cm: contextlib.AbstractContextManager[Any]) -> AsyncIterator[Any]:
    with cm as value:
        yield value


def _call_handler(
    root: Node,
    conn: Conn,
    path_params: dict[str, Any],
    errors: list[Any],
    body: _Body | None,
    values: dict[str, Any],
) -> Any:
    """The handler's inputs and, when the whole tree is valid, its call."""
    _own_inputs(root, conn, path_params, errors, body, values)
    if errors:
        return None
    return root.call(**values)


async def _execute(
    plan: ExecPlan,
    conn: Conn,
    stack: AsyncExitStack | None,
    body: _Body | None,
    executor: SyncExecutor,
    errors_class: type[Exception] = RequestValidationError,
) -> Any:
    """The handler's result, its dependencies solved; a 422 (every error of the tree) raised."""
    errors: list[Any] = []
    cache: dict[Any, Any] = {}
    pending: _Pending = []
    path_params = conn.scope.get("path_params") or {}
    root = plan.root
    values = await _solve(root.segments, conn, path_params, errors, cache, stack, body, executor, pending)
    if plan.threaded_handler:
        # PERF: a sync handler joins the hop of the sync dependencies queued before it.
        pending.append((_call_handler, (root, conn, path_params, errors, body, values)))
        result = await _flush(pending, executor)
        if errors:
            raise errors_class(errors)
        return result
    if pending:
        await _flush(pending, executor)
    if root.kind == CALL_ASYNC:
        result = _call_handler(root, conn, path_params, errors, body, values)
        if errors:
            raise errors_class(errors)
        return await result
    result = _call_handler(root, conn, path_params, errors, body, values)  # sync, inline
    if errors:
        raise errors_class(errors)
    return result


async def solve_dependencies(
    dependant: Dependant, conn: Conn, stack: AsyncExitStack | None, body: _Body | None, executor: SyncExecutor
) -> list[Any]:
    """Run ``dependant``'s dependencies, not its own call (a frontend's); every error of the tree."""
    errors: list[Any] = []
    pending: _Pending = []
    root = ExecPlan(dependant, False).root
    path_params = conn.scope.get("path_params") or {}
    await _solve(root.segments, conn, path_params, errors, {}, stack, body, executor, pending)
    if pending:
        await _flush(pending, executor)
    return errors


# --------------------------------------------------------------------------------------------------
# HTTP routes: what the compiled fast path (fastcore._fastpath.run_route) hands over


def _exits(dependant: Dependant) -> Exits | None:
    return Exits(dependant.has_function_scope) if dependant.has_yield else None


_SWALLOWED = (
    "No response to send: the application code is raising an exception and a dependency with yield "
    "caught it without raising it again (a bare `except:` or `except Exception:` around its `yield` "
    "must end with `raise`)."
)


async def unwind(stack: Exits, exc: BaseException) -> NoReturn:
    """``exc`` through the yield dependencies' clean-up (function scope first, then request scope),
    which may replace it; what comes out is raised.  A clean-up that swallows an ``Exception``
    leaves the request without a response: that is a usage error, as in FastAPI."""
    function = stack.function
    if function is not None:
        stack.function = None
        try:
            if await function.__aexit__(type(exc), exc, exc.__traceback__):
                if isinstance(exc, Exception):
                    raise FastCoreError(_SWALLOWED) from exc
        except BaseException as replaced:
            exc = replaced
    if await stack.__aexit__(type(exc), exc, exc.__traceback__) and isinstance(exc, Exception):
        raise FastCoreError(_SWALLOWED) from exc
    raise exc


async def close_function_scope(stack: Exits) -> None:
    """Clean up the ``scope="function"`` yield dependencies (the path operation has returned)."""
    function = stack.function
    if function is not None:
        stack.function = None  # an error from here on goes to the request-scoped ones only
        await function.aclose()


async def _run_solved(shape: Shape, conn: Conn) -> tuple[Any, Callable[[], Awaitable[None]] | None] | None:
    """A route with dependencies (or a sync handler taking a body, or a form): the solver and the
    yield dependencies' clean-up around it.

    Returns the handler's result, for the compiled route to send, with what to run once it is sent
    (the clean-up, the closing of spooled upload files), or None when the request was answered
    here (an error).
    """
    route: APIRoute = shape.route
    plan: ExecPlan = shape.plan
    body_plan: BodyPlan | None = shape.body_plan
    stack = _exits(plan.dependant)
    try:
        try:
            body = await body_plan.read(conn) if body_plan is not None else None
            result = await _execute(plan, conn, stack, body, route.sync_executor)
            if stack is not None and stack.function is not None:
                # FastAPI's order: the response is made, the function-scoped clean-up runs (and
                # may still raise, to be answered instead), then the response is sent.
                result = _response(route, conn, result)
                await close_function_scope(stack)
        except BaseException as exc:
            # yield dependencies see the error (and may replace it) before it is answered
            if stack is None:
                raise
            await unwind(stack, exc)
    except Exception as exc:
        await _answer_failure(conn, exc, body_plan)
        return None
    if stack is None and conn.form is None:
        return result, None

    async def after_sent() -> None:
        # FastAPI's default: clean-up of yield dependencies runs after the response is sent.
        if stack is not None:
            await stack.aclose()
        if conn.form is not None:
            await conn.form.close()  # spooled upload files

    return result, after_sent


async def _answer_failure(conn: Conn, exc: Exception, body_plan: BodyPlan | None) -> None:
    """Answer a request whose body reading, dependencies or handler raised ``exc``."""
    if body_plan is not None and type(exc) is RequestValidationError and exc.body is None:
        exc.body = received_body(conn)  # FastAPI's ``exc.body``: what the client sent
    try:
        await handle_exception(conn, exc)
    finally:
        if conn.form is not None:
            await conn.form.close()  # spooled upload files, on a 422 too


async def _send_response(route: APIRoute, conn: Conn, result: Any) -> None:
    """A result the route does not write as JSON itself, sent as the ``Response`` it becomes."""
    response = _response(route, conn, result)
    await response(conn.scope, conn.receive, conn.send)


def _response(route: APIRoute, conn: Conn, result: Any) -> Response:
    """The handler's result as a ``Response`` object (what ``get_route_handler``'s handler returns)."""
    background = conn.background
    if isinstance(result, Response):
        if background is not None and result.background is None:
            result.background = background
        return result
    if route._stream is not None:  # the handler yields: result is its generator
        return route._stream.response(result, route.status_code, conn.response, background)
    plan = route._response_plan
    if plan is not None:  # JSON bytes, or JSON's builtins for another response class
        result = plan.serialize(result) if route._json else plan.jsonable(result)
    cls = route._response_class
    if route._json:
        # The bytes and headers the fast path sends, held by a response the caller may change.
        start, body = render_json(result, route.status_code, conn.scope["method"] == "HEAD", conn.response)
        response = cls.__new__(cls)
        response.status_code = start["status"]
        response.raw_headers = list(start["headers"])
        response.body = body["body"]
        response.background = background
        return response
    response = cls(result, status_code=route.status_code, background=background)
    sub = conn.response
    if sub is not None:
        if sub.status_code is not None:
            response.status_code = sub.status_code
        response.raw_headers.extend(sub.raw_headers)
    if not is_body_allowed_for_status_code(response.status_code):
        # FastAPI's rule: a 204 (1xx, 205, 304) sends no body, whatever the class rendered (null).
        response.body = b""
    return response


# --------------------------------------------------------------------------------------------------
# HTTP routes through FastAPI's get_route_handler() hook


def route_handler(route: APIRoute) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    """FastAPI's ``APIRoute.get_route_handler()``: ``async def handler(request) -> Response``.

    Errors (a 422's ``RequestValidationError``, ``HTTPException``...) are raised, for the wrappers
    and then the app's handlers to see.  The body is read through ``request`` (``body()`` or
    ``form()``), so a custom ``Request`` class can change it.
    """

    async def handler(request: Request) -> Response:
        scope = request.scope
        state = scope.get(_STATE)
        if state is None:
            raise RuntimeError(f"{route.name}: a route handler runs inside its route's ASGI app (route.app)")
        conn, stack = state
        conn.request = request  # Request parameters get the wrapper's request, as in FastAPI
        plan, body_plan = _current(route, scope)
        body = None
        if body_plan is not None:
            if body_plan.is_form:
                conn.form = await request.form()
            else:
                conn.body = await request.body()
            body = await body_plan.read(conn)
        if not plan.dependant.has_yield:
            stack = None
        result = await _execute(plan, conn, stack, body, route.sync_executor)
        return _response(route, conn, result)

    return handler


def hooked_app(route: APIRoute, handler: Callable[[Request], Awaitable[Response]]) -> ASGIApp:
    """The ASGI app of a route whose class overrides ``get_route_handler()``: one ``Request``, the
    hook's handler, its response sent, yield dependencies cleaned up after it, errors answered."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        conn = Conn(scope, receive, send)  # type: ignore[arg-type]
        plan, body_plan = _current(route, scope)
        limited = limited_receive(conn, body_plan.max_size) if body_plan is not None else receive
        request = Request(scope, limited, send)
        stack = Exits(plan.dependant.has_function_scope)
        scope[_STATE] = (conn, stack)
        try:
            try:
                response = await handler(request)
                # scope="function" clean-up once the route class's handler has returned
                await close_function_scope(stack)
            except BaseException as exc:
                await unwind(stack, exc)
        except Exception as exc:
            try:
                await handle_exception(conn, exc)
            finally:
                if conn.form is not None:
                    await conn.form.close()
            return
        try:
            await response(scope, receive, send)
        finally:
            await stack.aclose()
            if conn.form is not None:
                await conn.form.close()

    return app


# --------------------------------------------------------------------------------------------------
# WebSocket routes


async def run_websocket(route: APIWebSocketRoute, scope: Scope, receive: Receive, send: Send) -> None:
    """``APIWebSocketRoute.handle``: the endpoint with its parameters and dependencies solved.

    A parameter that fails validation closes the socket with 1008 and the errors as the reason
    (``WebSocketRequestValidationError``'s default handler), as FastAPI does.
    """
    if scope.get(_TELEMETRY) is not None:
        from fastcore.telemetry._routes import run_websocket_observed

        await run_websocket_observed(route, scope, receive, send)
        return
    conn = Conn(scope, receive, send)  # type: ignore[arg-type]
    plan = route._current(scope)
    stack = _exits(plan.dependant)
    try:
        try:
            await _execute(plan, conn, stack, None, route.sync_executor, WebSocketRequestValidationError)
            if stack is not None:
                await close_function_scope(stack)
        except BaseException as exc:
            if stack is None:
                raise
            await unwind(stack, exc)
    except Exception as exc:
        await handle_exception(conn, exc)
        return
    if stack is not None:
        await stack.aclose()


_fastpath.bind(
    exec_plan=ExecPlan,
    run_solved=_run_solved,
    answer_failure=_answer_failure,
    send_response=_send_response,
    handle_exception=handle_exception,
    call_with=_call_with,
    validation_error=RequestValidationError,
    is_json=_is_json,
    json_types=_JSON_TYPES,
    response_class=Response,
    call_async=CALL_ASYNC,
    telemetry_key=_TELEMETRY,
    takes_by_position=takes_by_position,
)
