"""Routes run with telemetry on: the executor's steps, each inside its operation span.

``fastcore.executor`` sends a request here only when the app observes it (``SCOPE_KEY`` in the
scope), so the plain path keeps its shape.  The steps are FastAPI's: ``fastapi.dependencies``
(reading the parameters and solving the dependency tree), ``fastapi.endpoint`` (the handler; a sync
handler's span starts in its worker thread), ``fastapi.serialization`` (a result that is not a
``Response`` turned into one); ``TelemetryData`` is filled in along the way.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from fastcore._fastpath import current as _current
from fastcore._params import Conn
from fastcore.bodies import received_body
from fastcore.dependencies import CALL_ASYNC
from fastcore.exceptions import RequestValidationError, WebSocketRequestValidationError
from fastcore.executor import (
    ExecPlan,
    _Body,
    _flush,
    _own_inputs,
    _Pending,
    _response,
    _solve,
    handle_exception,
)
from fastcore.telemetry._native import (
    SCOPE_KEY,
    RequestTelemetry,
    operation,
    run_in_operation,
    validation_failed,
)
from fastcore.threadpool import SyncExecutor

if TYPE_CHECKING:
    from fastcore.routing import APIRoute, APIWebSocketRoute

__all__ = ["run_route_observed", "run_websocket_observed"]


async def _execute(
    plan: ExecPlan,
    conn: Conn,
    stack: AsyncExitStack | None,
    body: _Body | None,
    executor: SyncExecutor,
    request: RequestTelemetry,
    errors_class: type[Exception],
) -> Any:
    """``fastcore.executor._execute`` with the dependencies and the handler in spans of their own
    (so a sync handler gets its own thread hop, not the one of the sync dependencies before it)."""
    errors: list[Any] = []
    pending: _Pending = []
    path_params = conn.scope.get("path_params") or {}
    root = plan.root
    data = request.data
    with operation(request, "dependencies", root.call):
        values = await _solve(root.segments, conn, path_params, errors, {}, stack, body, executor, pending)
        if pending:
            await _flush(pending, executor)
        _own_inputs(root, conn, path_params, errors, body, values)
        if data is not None:
            data.values, data.errors = values, errors
    if errors:
        raise errors_class(errors)
    if root.kind == CALL_ASYNC:
        with operation(request, "endpoint", root.call):
            return await root.call(**values)
    if plan.threaded_handler:
        return await executor.run(run_in_operation, request, "endpoint", root.call, values)
    return run_in_operation(request, "endpoint", root.call, values)


async def run_route_observed(route: APIRoute, scope: Scope, receive: Receive, send: Send) -> None:
    """``fastcore.executor.run_route`` for an observed request."""
    request: RequestTelemetry = scope[SCOPE_KEY]
    conn = Conn(scope, receive, send)  # type: ignore[arg-type]
    plan, body_plan = _current(route, scope)
    if request.data is not None:
        request.data.request = conn.request  # type: ignore[assignment]
    stack = AsyncExitStack() if plan.dependant.has_yield else None
    try:
        try:
            body = await body_plan.read(conn) if body_plan is not None else None
            if request.data is not None and body_plan is not None:
                request.data.body = received_body(conn)
            result = await _execute(
                plan, conn, stack, body, route.sync_executor, request, RequestValidationError
            )
        except BaseException as exc:
            if stack is not None and not await stack.__aexit__(type(exc), exc, exc.__traceback__):
                raise
            raise
    except Exception as exc:
        if type(exc) is RequestValidationError:
            if body_plan is not None and exc.body is None:
                exc.body = received_body(conn)
            validation_failed(request, exc)
        try:
            await handle_exception(conn, exc)
        finally:
            if conn.form is not None:
                await conn.form.close()
        return
    try:
        if isinstance(result, Response):
            response = _response(route, conn, result)
        else:
            with operation(request, "serialization", route.endpoint):
                response = _response(route, conn, result)
        await response(scope, conn.receive, send)
    finally:
        if stack is not None:
            await stack.aclose()
        if conn.form is not None:
            await conn.form.close()


async def run_websocket_observed(
    route: APIWebSocketRoute, scope: Scope, receive: Receive, send: Send
) -> None:
    """``fastcore.executor.run_websocket`` for an observed connection."""
    request: RequestTelemetry = scope[SCOPE_KEY]
    conn = Conn(scope, receive, send)  # type: ignore[arg-type]
    plan = route._current(scope)
    if request.data is not None:
        request.data.websocket = conn.request  # type: ignore[assignment]
    stack = AsyncExitStack() if plan.dependant.has_yield else None
    try:
        try:
            await _execute(
                plan, conn, stack, None, route.sync_executor, request, WebSocketRequestValidationError
            )
        except BaseException as exc:
            if stack is not None and not await stack.__aexit__(type(exc), exc, exc.__traceback__):
                raise
            raise
    except Exception as exc:
        if isinstance(exc, WebSocketRequestValidationError):
            validation_failed(request, exc)
        await handle_exception(conn, exc)
        return
    if stack is not None:
        await stack.aclose()
