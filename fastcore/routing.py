"""Routes and routers: FastAPI's ``APIRoute`` and ``APIRouter`` on top of the compiled radix tree.

Dispatch is ``fastcore._router``: ``match(method, path)`` gives the route and its path values, or a
404/405, in time that depends on the path's depth, not on how many routes exist.  Static segments win
over parameters whatever the registration order (``/users/me`` beats ``/users/{id}``) — the one
deliberate difference from FastAPI, which tries routes in registration order.  Templates the tree
cannot hold (``/files/{p:path}/meta``, custom convertors) are matched by Starlette's regex, and every
template is checked when its route is added: see ``fastcore._route_table``.

Each ``APIRoute`` owns the compiled plan of its handler (``fastcore.dependencies``); per request it
executes that plan, calls the handler, and writes the result with ``fastcore._respond``.  Handled
exceptions (``HTTPException``, validation errors, anything with a registered handler) are answered
here, by the app's handlers, before a response has started — so the app needs no separate
exception middleware on the hot path.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar, cast

from starlette import routing
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette._utils import get_route_path, is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketClose, WebSocketState

from fastcore import _route_table, _router
from fastcore._params import Conn
from fastcore._respond import render_json
from fastcore.bodies import BodyPlan
from fastcore.datastructures import Default, DefaultPlaceholder
from fastcore.dependencies import CALL_ASYNC, CALL_SYNC, Dependant, build_dependant, route_body_plan, solve
from fastcore.exception_handlers import default_handlers
from fastcore.exceptions import (
    FastCoreError,
    RequestValidationError,
    WebSocketRequestValidationError,
)
from fastcore.models import ResponsePlan, response_model_from_annotation
from fastcore.params import Depends
from fastcore.responses import JSONResponse

__all__ = ["APIRoute", "APIRouter", "APIWebSocketRoute", "Default", "handle_exception"]

T = TypeVar("T")
DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])

_FOUND = _router.FOUND
_METHOD_NOT_ALLOWED = _router.METHOD_NOT_ALLOWED
_WEBSOCKET = _route_table.WEBSOCKET  # the tree's pseudo-method for WebSocket routes
_CONNECTING = WebSocketState.CONNECTING
_UNSET: Any = object()
_RESPONSE_CALL = Response.__call__


def _conn(scope: Scope, receive: Receive, send: Send) -> Conn:
    # ASGI servers pass a dict; Starlette types it as a MutableMapping.
    return Conn(cast(dict[str, Any], scope), receive, send)


def _resolve(*candidates: Any) -> Any:
    """The first explicitly given value, else the innermost default."""
    for value in candidates:
        if not isinstance(value, DefaultPlaceholder):
            return value
    return candidates[0].value


def _exception_tables(handlers: dict[Any, Any]) -> tuple[dict[Any, Any], dict[int, Any]]:
    by_class: dict[Any, Any] = {}
    by_status: dict[int, Any] = {}
    for key, handler in handlers.items():
        if isinstance(key, int):
            by_status[key] = handler
        else:
            by_class[key] = handler
    return by_class, by_status


_DEFAULT_TABLES = _exception_tables(default_handlers())


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


class APIRoute(routing.Route):
    """One HTTP operation: path, methods, handler, its compiled plan and how its result is answered."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | enum.Enum] | None = None,
        dependencies: Sequence[Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        name: str | None = None,
        methods: set[str] | list[str] | None = None,
        operation_id: str | None = None,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] | DefaultPlaceholder[type[Response]] = Default(JSONResponse),
        callbacks: list[Any] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        max_body_size: int | None = None,
        response_model_validate: bool = True,
    ) -> None:
        if not path.startswith("/"):
            raise FastCoreError(f"route paths must start with '/': {path!r}")
        super().__init__(
            path, endpoint, methods=list(methods or ["GET"]), name=name, include_in_schema=include_in_schema
        )
        # GET routes also answer HEAD (Starlette's rule, kept on purpose: FastAPI's APIRoute answers
        # HEAD /x with 405).  _respond sends the headers and Content-Length without the body.
        if isinstance(response_model, DefaultPlaceholder):
            # FastAPI's rule: the return annotation is the response model unless it is a Response.
            response_model = response_model_from_annotation(endpoint)
        self.response_model = response_model
        self.response_model_validate = response_model_validate
        self.tags: list[str | enum.Enum] = list(tags or [])
        self.dependencies: list[Depends] = list(dependencies or [])
        self.summary = summary
        self.description = description if description is not None else _docstring(endpoint)
        self.response_description = response_description
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.operation_id = operation_id
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.response_class = response_class
        self.callbacks = callbacks
        self.openapi_extra = openapi_extra
        self.generate_unique_id_function = generate_unique_id_function
        cls = response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
        self._response_class: type[Response] = cls
        self._json = cls is JSONResponse
        self.status_code = status_code if status_code is not None else 200
        self._response_plan: ResponsePlan | None = None
        if response_model is not None:
            self._response_plan = ResponsePlan(
                response_model,
                include=response_model_include,
                exclude=response_model_exclude,
                by_alias=response_model_by_alias,
                exclude_unset=response_model_exclude_unset,
                exclude_defaults=response_model_exclude_defaults,
                exclude_none=response_model_exclude_none,
                validate=response_model_validate,
            )
        self.max_body_size = max_body_size
        self.dependant = build_dependant(endpoint, path=path, extra=self.dependencies)
        self.body_plan = route_body_plan(self.dependant, max_size=max_body_size, where=self._where())
        if self.dependant.kind not in (CALL_ASYNC, CALL_SYNC):
            raise FastCoreError(f"{name or endpoint!r}: a route handler cannot be a generator")
        self._overridden: tuple[Any, ...] | None = None

    # -- per request -------------------------------------------------------------------------------

    def _with_overrides(self, overrides: Any) -> tuple[Dependant, BodyPlan | None]:
        """The plan with ``app.dependency_overrides`` applied; rebuilt only when they change."""
        cached = _replan(self._overridden, overrides, self.endpoint, self.path, self.dependencies)
        if cached is not self._overridden:
            plan = route_body_plan(cached[1], max_size=self.max_body_size, where=self._where())
            cached = self._overridden = (*cached, plan)
        return cached[1], cached[2]

    def _where(self) -> str:
        return f"{sorted(self.methods or ())} {self.path}"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # PERF: no wrapper call on the hot path; ASGI scopes are dicts (Starlette types them loosely).
        conn = Conn(scope, receive, send)  # type: ignore[arg-type]
        dependant = self.dependant
        body_plan = self.body_plan
        app = scope.get("app")
        if app is not None:
            # PERF: FastCore's dict directly, not through its property.
            overrides = getattr(app, "_overrides", _UNSET)
            if overrides is _UNSET:
                overrides = getattr(app, "dependency_overrides", None)
            if overrides:
                dependant, body_plan = self._with_overrides(overrides)
        if dependant.dependencies or body_plan is not None:
            await self._handle_solved(conn, dependant, body_plan)
            return
        # PERF: the common case — no dependencies — runs the compiled plan and the handler inline.
        try:
            errors: list[Any] = []
            plan = dependant.plan
            if plan.positional and dependant.kind == CALL_ASYNC:
                # PERF: a positional call; ``**kwargs`` costs a dict copy and a names tuple.
                args = plan.extract_args(conn, scope.get("path_params"), errors)
                if errors:
                    raise RequestValidationError(errors)
                result = await self.endpoint(*args)
            else:
                kwargs = plan.extract(conn, scope.get("path_params"), errors)
                if errors:
                    raise RequestValidationError(errors)
                result = await self._invoke(dependant.kind, kwargs)
        except Exception as exc:
            await handle_exception(conn, exc)
            return
        if self._json and not isinstance(result, Response):
            if self._response_plan is not None:
                result = self._response_plan.serialize(result)
            start, body = render_json(result, self.status_code, scope["method"] == "HEAD", conn.response)
            await send(start)
            await send(body)
            background = conn.background
            if background is not None:
                await background()
            return
        if isinstance(result, Response) and type(result).__call__ is _RESPONSE_CALL:
            # PERF: Starlette's Response.__call__ inline (its two messages, then the background
            # task), for the classes that keep it: Response, PlainTextResponse, HTMLResponse...
            if result.background is None:
                result.background = conn.background
            status, headers = result.status_code, result.raw_headers
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": result.body})
            if result.background is not None:
                await result.background()
            return
        await self._send_result(conn, result)

    def _invoke(self, kind: int, kwargs: dict[str, Any]) -> Awaitable[Any]:
        """The handler's call: its own coroutine, or a thread-pool run for a plain function."""
        if kind == CALL_ASYNC:
            return self.endpoint(**kwargs)  # type: ignore[no-any-return]
        return run_in_threadpool(self.endpoint, **kwargs)

    async def _handle_solved(self, conn: Conn, dependant: Dependant, body_plan: BodyPlan | None) -> None:
        stack = AsyncExitStack() if dependant.has_yield else None
        try:
            try:
                body = await body_plan.read(conn) if body_plan is not None else None
                errors: list[Any] = []
                path_params = conn.scope.get("path_params") or {}
                kwargs = await solve(dependant, conn, path_params, errors, {}, stack, body)
                if errors:
                    raise RequestValidationError(errors)
                result = await self._invoke(dependant.kind, kwargs)
            except BaseException as exc:
                # yield dependencies see the error (and may replace it) before it is answered
                if stack is not None and not await stack.__aexit__(type(exc), exc, exc.__traceback__):
                    raise
                raise
        except Exception as exc:
            try:
                await handle_exception(conn, exc)
            finally:
                if conn.form is not None:
                    await conn.form.close()  # spooled upload files, on a 422 too
            return
        try:
            await self._send_result(conn, result)
        finally:
            # FastAPI's default: clean-up of yield dependencies runs after the response is sent.
            if stack is not None:
                await stack.aclose()
            if conn.form is not None:
                await conn.form.close()  # spooled upload files

    async def _send_result(self, conn: Conn, result: Any) -> None:
        scope, send = conn.scope, conn.send
        background = conn.background
        if isinstance(result, Response):
            if background is not None and result.background is None:
                result.background = background
            await result(scope, conn.receive, send)
            return
        if self._response_plan is not None:  # JSON bytes, or JSON's builtins for another class
            plan = self._response_plan
            result = plan.serialize(result) if self._json else plan.jsonable(result)
        if self._json:
            start, body = render_json(result, self.status_code, scope["method"] == "HEAD", conn.response)
            await send(start)
            await send(body)
            if background is not None:
                await background()
            return
        response = self._response_class(result, status_code=self.status_code, background=background)
        sub = conn.response
        if sub is not None:
            if sub.status_code is not None:
                response.status_code = sub.status_code
            response.raw_headers.extend(sub.raw_headers)
        await response(scope, conn.receive, send)


def _replan(
    cached: tuple[Any, ...] | None,
    overrides: Any,
    endpoint: Callable[..., Any],
    path: str,
    dependencies: list[Depends],
) -> tuple[Any, ...]:
    """``cached`` if still current for ``overrides``, else ``(version, re-planned dependant)``.

    A DependencyOverrides version is unique in the process; a plain mapping has none and is
    re-planned on every request.
    """
    key = getattr(overrides, "version", None)
    if cached is not None and key is not None and cached[0] == key:
        return cached
    return (key, build_dependant(endpoint, path=path, extra=dependencies, overrides=overrides))


class APIWebSocketRoute(routing.WebSocketRoute):
    """A WebSocket endpoint whose parameters and dependencies run through the same compiled plan.

    A parameter that fails validation closes the socket with 1008 and the errors as the reason
    (``WebSocketRequestValidationError``'s default handler), as FastAPI does.
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[Depends] | None = None,
    ) -> None:
        super().__init__(path, endpoint, name=name)
        self.dependencies: list[Depends] = list(dependencies or [])
        self.dependant = build_dependant(endpoint, path=path, extra=self.dependencies)
        if route_body_plan(self.dependant, max_size=None, where=path) is not None:
            raise FastCoreError(f"WebSocket {path}: WebSocket endpoints take no request body parameters")
        if self.dependant.kind != CALL_ASYNC:
            raise FastCoreError(f"WebSocket {path}: the endpoint must be an async function")
        self._overridden: tuple[Any, ...] | None = None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        conn = Conn(scope, receive, send)  # type: ignore[arg-type]
        dependant = self.dependant
        app = scope.get("app")
        overrides = getattr(app, "dependency_overrides", None) if app is not None else None
        if overrides:
            self._overridden = _replan(
                self._overridden, overrides, self.endpoint, self.path, self.dependencies
            )
            dependant = self._overridden[1]
        stack = AsyncExitStack() if dependant.has_yield else None
        try:
            try:
                errors: list[Any] = []
                kwargs = await solve(dependant, conn, scope.get("path_params") or {}, errors, {}, stack)
                if errors:
                    raise WebSocketRequestValidationError(errors)
                await self.endpoint(**kwargs)
            except BaseException as exc:
                if stack is not None and not await stack.__aexit__(type(exc), exc, exc.__traceback__):
                    raise
                raise
        except Exception as exc:
            await handle_exception(conn, exc)
            return
        if stack is not None:
            await stack.aclose()


def _merge_lifespans(outer: Lifespan[Any], inner: Lifespan[Any]) -> Lifespan[Any]:
    """One lifespan entering ``outer`` then ``inner``; their yielded states are merged.

    On a key both yield, ``outer``'s value wins (the including router's), as in FastAPI.
    """

    @asynccontextmanager
    async def merged(app: Any) -> AsyncIterator[Mapping[str, Any] | None]:
        async with outer(app) as outer_state, inner(app) as inner_state:
            if outer_state is None and inner_state is None:
                yield None
            else:
                yield {**(inner_state or {}), **(outer_state or {})}

    return merged  # type: ignore[return-value]


def _docstring(endpoint: Callable[..., Any]) -> str | None:
    import inspect

    doc = inspect.getdoc(endpoint)
    return doc.split("\f")[0].strip() if doc else None


class APIRouter(routing.Router):
    """A group of routes with shared prefix, tags, dependencies and responses (FastAPI's APIRouter).

    It is also the ASGI router of a ``FastCore`` app: dispatch goes through the compiled tree.
    """

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[str | enum.Enum] | None = None,
        dependencies: Sequence[Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[Any] | None = None,
        routes: list[routing.BaseRoute] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
        route_class: type[APIRoute] = APIRoute,
        lifespan: Lifespan[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        max_body_size: int | None = None,
    ) -> None:
        super().__init__(routes=routes, redirect_slashes=redirect_slashes, default=default, lifespan=lifespan)
        if prefix:
            if not prefix.startswith("/") or prefix.endswith("/"):
                raise FastCoreError("a router prefix must start with '/' and not end with '/'")
        self.prefix = prefix
        self.tags: list[str | enum.Enum] = list(tags or [])
        self.dependencies: list[Depends] = list(dependencies or [])
        self.default_response_class = default_response_class
        self.responses = dict(responses or {})
        self.callbacks = callbacks or []
        self.route_class = route_class
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.generate_unique_id_function = generate_unique_id_function
        self.max_body_size = max_body_size
        self._custom_default = default is not None
        # The compiled tree, wrapped with the routes it cannot hold when there are any.
        self._tree: _router.Router | _route_table.FallbackTree = _router.Router()
        self._unplaced: list[routing.BaseRoute] = []
        self._indexed = -1
        self._shapes = _route_table.DuplicateIndex()
        for route in self.routes:
            _route_table.check(route)
            self._shapes.note(route, self.routes)

    # -- the tree ----------------------------------------------------------------------------------

    def _index(self) -> None:
        """(Re)build the tree from ``self.routes`` — also picks up routes appended to the list directly."""
        self._tree, self._unplaced = _route_table.build(self.routes)
        self._indexed = len(self.routes)

    def _register(self, route: routing.BaseRoute) -> None:
        """Add ``route`` once its template is known to be routable; warn if it can never match."""
        _route_table.check(route)
        self._shapes.note(route, self.routes)
        self.routes.append(route)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:  # type: ignore[override]
        # PERF: a plain function that returns the matched route's coroutine, so a request runs in
        # one frame fewer; awaiting the result is all a caller (server, middleware, Mount) does.
        kind = scope["type"]
        if kind == "http":
            method = scope["method"]
        elif kind == "websocket":
            method = _WEBSOCKET
        else:
            return self.lifespan(scope, receive, send)
        if "router" not in scope:
            scope["router"] = self
        if self._indexed != len(self.routes):
            self._index()
        path = get_route_path(scope) if scope.get("root_path") else scope["path"]
        # The tree holds what _index() put in: routes, {name: value} params, allowed-method tuples.
        status, found, found_params = self._tree.match(method, path)
        if status == _FOUND and (type(found) is APIRoute or isinstance(found, APIRoute)):
            params: dict[str, Any] = found_params
            existing = scope.get("path_params")
            if existing:
                params = {**existing, **params}
            scope["path_params"] = params
            scope["endpoint"] = found.endpoint
            scope["route"] = found
            return found.handle(scope, receive, send)
        return self._dispatch(scope, receive, send, method, path, status, found, found_params)

    async def _dispatch(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        method: str,
        path: str,
        status: int,
        found: Any,
        extra: Any,
    ) -> None:
        """Everything but an APIRoute match: Starlette routes and mounts, 405, redirects, 404."""
        if status == _FOUND and await self._handle_starlette_route(found, scope, receive, send):
            return
        if status == _METHOD_NOT_ALLOWED and scope["type"] == "http":
            allowed = [m for m in extra if m != _WEBSOCKET]
            if allowed:
                # Starlette's class, as Starlette's router raises: a handler registered for
                # fastcore.HTTPException (FastAPI's subclass) does not see routing errors.
                allow = {"Allow": ", ".join(allowed)}
                exc = StarletteHTTPException(405, "Method Not Allowed", headers=allow)
                await handle_exception(_conn(scope, receive, send), exc)
                return
        await self._not_found(scope, receive, send, method, path)

    async def _handle_starlette_route(
        self, route: routing.BaseRoute, scope: Scope, receive: Receive, send: Send
    ) -> bool:
        """Routes that are not APIRoutes (Starlette routes, mounts) keep Starlette's own semantics."""
        match, child_scope = route.matches(scope)
        if match is routing.Match.NONE:
            return False
        scope["route"] = route
        scope.update(child_scope)
        if scope["type"] == "http":
            # Mounted apps and plain Starlette endpoints may raise HTTPException too.
            handler = wrap_app_handling_exceptions(route.handle, Request(scope, receive, send))
            await handler(scope, receive, send)
        else:
            await route.handle(scope, receive, send)
        return True

    async def _not_found(self, scope: Scope, receive: Receive, send: Send, method: str, path: str) -> None:
        for route in self._unplaced:
            if await self._handle_starlette_route(route, scope, receive, send):
                return
        if scope["type"] == "http" and self.redirect_slashes and path != "/":
            other = path.rstrip("/") if path.endswith("/") else path + "/"
            if other and self._tree.match(method, other)[0] != _router.NOT_FOUND:
                redirect_scope = dict(scope)
                full = scope["path"]
                redirect_scope["path"] = full.rstrip("/") if full.endswith("/") else full + "/"
                response = RedirectResponse(url=str(URL(scope=redirect_scope)))
                await response(scope, receive, send)
                return
        if self._custom_default:
            await self.default(scope, receive, send)
        elif scope["type"] == "http":
            await handle_exception(_conn(scope, receive, send), StarletteHTTPException(404, "Not Found"))
        else:
            await WebSocketClose()(scope, receive, send)

    # -- registration ------------------------------------------------------------------------------

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | enum.Enum] | None = None,
        dependencies: Sequence[Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        methods: set[str] | list[str] | None = None,
        operation_id: str | None = None,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] | DefaultPlaceholder[type[Response]] = Default(JSONResponse),
        name: str | None = None,
        route_class_override: type[APIRoute] | None = None,
        callbacks: list[Any] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        max_body_size: int | None = None,
        response_model_validate: bool = True,
    ) -> None:
        route_class = route_class_override or self.route_class
        # An OpenAPI callback is documented at a runtime expression (``{$request.body#/url}/...``),
        # not at a path this app serves: built under "/", the route keeps the expression as its path.
        expression = path.startswith("{$") and not self.prefix
        route = route_class(
            "/" + path if expression else self.prefix + path,
            endpoint,
            response_model=response_model,
            status_code=status_code,
            tags=[*self.tags, *(tags or [])],
            dependencies=[*self.dependencies, *(dependencies or [])],
            summary=summary,
            description=description,
            response_description=response_description,
            responses={**self.responses, **(responses or {})},
            deprecated=deprecated if deprecated is not None else self.deprecated,
            name=name,
            methods=methods,
            operation_id=operation_id,
            response_model_include=response_model_include,
            response_model_exclude=response_model_exclude,
            response_model_by_alias=response_model_by_alias,
            response_model_exclude_unset=response_model_exclude_unset,
            response_model_exclude_defaults=response_model_exclude_defaults,
            response_model_exclude_none=response_model_exclude_none,
            include_in_schema=include_in_schema and self.include_in_schema,
            response_class=_resolve(response_class, self.default_response_class),
            callbacks=[*self.callbacks, *(callbacks or [])],
            openapi_extra=openapi_extra,
            generate_unique_id_function=generate_unique_id_function or self.generate_unique_id_function,
            max_body_size=max_body_size if max_body_size is not None else self.max_body_size,
            response_model_validate=response_model_validate,
        )
        if expression:
            route.path = route.path_format = path
        self._register(route)

    def api_route(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_route(path, func, **kwargs)
            return func

        return decorator

    def _method(
        self, method: str, path: str, kwargs: dict[str, Any]
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=[method], **kwargs)

    def get(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self._method("GET", path, kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self._method("PUT", path, kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self._method("POST", path, kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self._method("DELETE", path, kwargs)

    def options(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self._method("OPTIONS", path, kwargs)

    def head(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self._method("HEAD", path, kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self._method("PATCH", path, kwargs)

    def trace(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self._method("TRACE", path, kwargs)

    def add_route(
        self,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response] | Response],
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """A plain Starlette endpoint (``endpoint(request) -> Response``), outside the plan machinery."""
        self._register(
            routing.Route(
                self.prefix + path, endpoint, methods=methods, name=name, include_in_schema=include_in_schema
            )
        )

    # Starlette's three, checked like the others; like Starlette's and FastAPI's, without the prefix.
    def add_websocket_route(
        self, path: str, endpoint: Callable[[WebSocket], Awaitable[None]], name: str | None = None
    ) -> None:
        self._register(routing.WebSocketRoute(path, endpoint, name=name))

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        self._register(routing.Mount(path, app=app, name=name))

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        self._register(routing.Host(host, app=app, name=name))

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: list[str | enum.Enum] | None = None,
        dependencies: Sequence[Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
    ) -> None:
        """Copy ``router``'s routes in, under ``prefix``, with extra tags/dependencies/responses."""
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise FastCoreError("an include prefix must start with '/' and not end with '/'")
        for route in router.routes:
            if isinstance(route, APIRoute):
                self.add_api_route(
                    prefix + route.path,
                    route.endpoint,
                    response_model=route.response_model,
                    status_code=route.status_code,
                    tags=[*(tags or []), *route.tags],
                    dependencies=[*(dependencies or []), *route.dependencies],
                    summary=route.summary,
                    description=route.description,
                    response_description=route.response_description,
                    responses={**(responses or {}), **route.responses},
                    deprecated=route.deprecated if route.deprecated is not None else deprecated,
                    methods=route.methods,
                    operation_id=route.operation_id,
                    response_model_include=route.response_model_include,
                    response_model_exclude=route.response_model_exclude,
                    response_model_by_alias=route.response_model_by_alias,
                    response_model_exclude_unset=route.response_model_exclude_unset,
                    response_model_exclude_defaults=route.response_model_exclude_defaults,
                    response_model_exclude_none=route.response_model_exclude_none,
                    include_in_schema=route.include_in_schema and include_in_schema,
                    response_class=_resolve(
                        route.response_class, router.default_response_class, default_response_class
                    ),
                    name=route.name,
                    route_class_override=type(route),
                    callbacks=[*(callbacks or []), *(route.callbacks or [])],
                    openapi_extra=route.openapi_extra,
                    generate_unique_id_function=route.generate_unique_id_function
                    or generate_unique_id_function,
                    max_body_size=route.max_body_size
                    if route.max_body_size is not None
                    else router.max_body_size,
                    response_model_validate=route.response_model_validate,
                )
            elif isinstance(route, routing.Route):
                methods = sorted(route.methods or ()) or None
                self.add_route(
                    prefix + route.path,
                    route.endpoint,
                    methods=methods,
                    name=route.name,
                    include_in_schema=route.include_in_schema,
                )
            elif isinstance(route, APIWebSocketRoute):
                self.add_api_websocket_route(
                    prefix + route.path,
                    route.endpoint,
                    name=route.name,
                    dependencies=[*(dependencies or []), *route.dependencies],
                )
            elif isinstance(route, routing.WebSocketRoute):
                path = self.prefix + prefix + route.path
                self._register(routing.WebSocketRoute(path, route.endpoint, name=route.name))
            elif isinstance(route, routing.Mount):
                path = self.prefix + prefix + route.path
                self._register(routing.Mount(path, app=route.app, name=route.name))
            else:
                self._register(route)
        default_lifespan = getattr(routing, "_DefaultLifespan", ())
        if not isinstance(router.lifespan_context, default_lifespan):
            # FastAPI merges an included router's lifespan into the app's; its state joins the app's.
            if isinstance(self.lifespan_context, default_lifespan):
                self.lifespan_context = router.lifespan_context
            else:
                self.lifespan_context = _merge_lifespans(self.lifespan_context, router.lifespan_context)

    # -- WebSockets --------------------------------------------------------------------------------

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[Depends] | None = None,
    ) -> None:
        self._register(
            APIWebSocketRoute(
                self.prefix + path,
                endpoint,
                name=name,
                dependencies=[*self.dependencies, *(dependencies or [])],
            )
        )

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[Depends] | None = None
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_websocket_route(path, func, name=name, dependencies=dependencies)
            return func

        return decorator
