"""Routes and routers: FastAPI's ``APIRoute`` and ``APIRouter`` on top of the compiled radix tree.

Dispatch is ``fastcore._router``: ``match(method, path)`` gives the route and its path values, or a
404/405, in time that depends on the path's depth, not on how many routes exist.  Static segments win
over parameters whatever the registration order (``/users/me`` beats ``/users/{id}``) — the one
deliberate difference from FastAPI, which tries routes in registration order.  Templates the tree
cannot hold (``/files/{p:path}/meta``, custom convertors) are matched by Starlette's regex, and every
template is checked when its route is added: see ``fastcore._route_table``.

Each ``APIRoute`` owns the compiled plan of its handler (``fastcore.dependencies``), built once when
it is added; per request, ``fastcore.executor`` runs that plan, calls the handler and writes the
result — through FastAPI's ``get_route_handler()`` hook when a route class overrides it.  Handled
exceptions are answered there, by the app's handlers, before a response has started — so the app
needs no separate exception middleware on the hot path.
"""

from __future__ import annotations

import copy
import enum
import os
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal, TypeVar, cast

from starlette import routing
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette._utils import get_route_path
from starlette.datastructures import URL
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketClose

from fastcore import _fastpath, _route_table, _router
from fastcore import frontend as _frontend
from fastcore import lifespans as _lifespans
from fastcore._params import Conn
from fastcore.bodies import BodyPlan, checked_form_limits
from fastcore.datastructures import Default, DefaultPlaceholder
from fastcore.dependencies import CALL_ASYNC, GEN_ASYNC, GEN_SYNC, Dependant, build_dependant, route_body_plan
from fastcore.exceptions import (
    FastCoreError,
)
from fastcore.executor import ExecPlan, handle_exception, hooked_app, route_handler, run_route, run_websocket
from fastcore.models import ResponsePlan, default_status_code, response_model_from_annotation
from fastcore.params import Depends
from fastcore.responses import JSONResponse
from fastcore.streaming import JSON_LINES, SERVER_SENT_EVENTS, StreamPlan
from fastcore.threadpool import SyncExecutor
from fastcore.typemodel import check_response_model

__all__ = ["APIRoute", "APIRouter", "APIWebSocketRoute", "Default", "handle_exception"]

T = TypeVar("T")
DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])

_FOUND = _router.FOUND
_METHOD_NOT_ALLOWED = _router.METHOD_NOT_ALLOWED
_WEBSOCKET = _route_table.WEBSOCKET  # the tree's pseudo-method for WebSocket routes
_UNSET: Any = object()


def _conn(scope: Scope, receive: Receive, send: Send) -> Conn:
    # ASGI servers pass a dict; Starlette types it as a MutableMapping.
    return Conn(cast(dict[str, Any], scope), receive, send)


def _resolve(*candidates: Any) -> Any:
    """The first explicitly given value, else the innermost default — still a placeholder, so that
    an ``include_router(default_response_class=...)`` further out can fill it (FastAPI's order)."""
    for value in candidates:
        if not isinstance(value, DefaultPlaceholder):
            return value
    return candidates[0]


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
        form_limits: Mapping[str, int] | None = None,
        response_model_validate: bool = True,
        run_sync_inline: bool | None = None,
        strict_content_type: bool | DefaultPlaceholder[bool] = Default(True),
    ) -> None:
        if path and not path.startswith("/"):
            # "" is allowed, as in FastAPI: a router's route at its own prefix ("/items" for
            # @router.get("") included under "/items"); include_router refuses it without a prefix.
            raise FastCoreError(f"route paths must start with '/': {path!r}")
        super().__init__(
            path or "/", endpoint, methods=list(methods or ["GET"]), name=name,
            include_in_schema=include_in_schema,
        )
        if not path:  # Starlette's Route refuses ""; its pattern matches no request path
            self.path = path
            self.path_regex, self.path_format, self.param_convertors = routing.compile_path(path)
        # GET routes also answer HEAD (Starlette's rule, kept on purpose: FastAPI's APIRoute answers
        # HEAD /x with 405).  _respond sends the headers and Content-Length without the body.
        if isinstance(response_model, DefaultPlaceholder):
            # FastAPI's rule: the return annotation is the response model unless it is a Response
            # (or the handler is a generator: its annotation types the items it streams).
            response_model = response_model_from_annotation(endpoint)
        self.response_model = response_model
        self.response_model_validate = response_model_validate
        # Every model the route declares is read now, so an unsupported one (a pydantic.v1 model)
        # fails at start-up rather than when the document or the first response is built.
        for model in (response_model, *(r.get("model") for r in (responses or {}).values()
                                        if isinstance(r, dict))):
            if model is not None:
                check_response_model(model)
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
        # FastAPI's rule: without ``status_code`` the response class's own default is used, and
        # documented (307 for ``RedirectResponse``).  include_router re-reads it for the new class.
        self._declared_status_code = status_code
        self.status_code = status_code if status_code is not None else default_status_code(cls)
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
        # Starlette's form parser limits (max_fields, max_files, max_part_size), checked here.
        self.form_limits = checked_form_limits(form_limits)
        self.strict_content_type = strict_content_type
        strict = strict_content_type
        self._strict: bool = strict.value if isinstance(strict, DefaultPlaceholder) else strict
        self.dependant = build_dependant(endpoint, path=path, extra=self.dependencies)
        # A handler that yields streams its items (fastcore.streaming): JSON Lines, events or raw.
        self._stream: StreamPlan | None = None
        if self.dependant.kind in (GEN_ASYNC, GEN_SYNC):
            self._stream = StreamPlan(
                endpoint,
                response_class,
                include=response_model_include,
                exclude=response_model_exclude,
                by_alias=response_model_by_alias,
                exclude_unset=response_model_exclude_unset,
                exclude_defaults=response_model_exclude_defaults,
                exclude_none=response_model_exclude_none,
                validate=response_model_validate,
            )
        self._json = cls is JSONResponse and self._stream is None
        self.body_plan = self._body_plan(self.dependant)
        self._overridden: tuple[Any, ...] | None = None
        # Sync dependencies and a ``def`` handler run on the loop instead of a worker thread.
        self.run_sync_inline = bool(run_sync_inline)
        self._exec = ExecPlan(self.dependant, self.run_sync_inline)
        self.sync_executor = SyncExecutor()  # the router's, once the route is served by one
        if type(self).get_route_handler is not APIRoute.get_route_handler:
            # FastAPI builds ``APIRoute.app`` from the hook; so do we, for the classes that use it.
            self.handle = hooked_app(self, self.get_route_handler())  # type: ignore[method-assign,assignment]
            self.app = self.handle
        else:
            self.app = self.handle

    # -- per request: fastcore.executor ---------------------------------------------------------

    # PERF: the executor's function is the method itself, so a request runs in no extra frame.
    handle = run_route

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's hook: ``async def handler(request) -> Response`` for this route.

        A subclass that overrides it (and calls ``super().get_route_handler()`` to wrap the
        original) is run through it, as in FastAPI; a route whose class does not is run by
        ``fastcore.executor.run_route`` without building a ``Request``.
        """
        return route_handler(self)

    # FastAPI's names for what a generator route streams.
    @property
    def is_json_stream(self) -> bool:
        return self._stream is not None and self._stream.kind == JSON_LINES

    @property
    def is_sse_stream(self) -> bool:
        return self._stream is not None and self._stream.kind == SERVER_SENT_EVENTS

    @property
    def stream_item_type(self) -> Any:
        return self._stream.item_type if self._stream is not None else None

    def _with_overrides(self, overrides: Any) -> tuple[ExecPlan, BodyPlan | None]:
        """The plan with ``app.dependency_overrides`` applied; rebuilt only when they change."""
        cached = _replan(self._overridden, overrides, self.endpoint, self.path, self.dependencies)
        if cached is not self._overridden:
            body_plan = self._body_plan(cached[1])
            cached = self._overridden = (*cached, ExecPlan(cached[1], self.run_sync_inline), body_plan)
        return cached[2], cached[3]

    def _body_plan(self, dependant: Dependant) -> BodyPlan | None:
        return route_body_plan(
            dependant, max_size=self.max_body_size, where=self._where(), strict_content_type=self._strict,
            form_limits=self.form_limits,
        )

    def _where(self) -> str:
        return f"{sorted(self.methods or ())} {self.path}"


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
        super().__init__(path or "/", endpoint, name=name)
        if not path:  # a router's route at its own prefix, as APIRoute allows
            self.path = path
            self.path_regex, self.path_format, self.param_convertors = routing.compile_path(path)
        self.dependencies: list[Depends] = list(dependencies or [])
        self.dependant = build_dependant(endpoint, path=path, extra=self.dependencies)
        if route_body_plan(self.dependant, max_size=None, where=path) is not None:
            raise FastCoreError(f"WebSocket {path}: WebSocket endpoints take no request body parameters")
        if self.dependant.kind != CALL_ASYNC:
            raise FastCoreError(f"WebSocket {path}: the endpoint must be an async function")
        self._overridden: tuple[Any, ...] | None = None
        self._exec = ExecPlan(self.dependant, False)
        self.sync_executor = SyncExecutor()  # the router's, once the route is served by one

    handle = run_websocket

    def _current(self, scope: Scope) -> ExecPlan:
        app = scope.get("app")
        overrides = getattr(app, "dependency_overrides", None) if app is not None else None
        if overrides:
            cached = _replan(self._overridden, overrides, self.endpoint, self.path, self.dependencies)
            if cached is not self._overridden:
                cached = self._overridden = (*cached, ExecPlan(cached[1], False))
            return cached[2]  # type: ignore[no-any-return]
        return self._exec


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
        dependency_overrides_provider: Any | None = None,
        route_class: type[APIRoute] = APIRoute,
        lifespan: Lifespan[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        max_body_size: int | None = None,
        form_limits: Mapping[str, int] | None = None,
        run_sync_inline: bool | None = None,
        thread_limit: int | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        strict_content_type: bool | DefaultPlaceholder[bool] = Default(True),
    ) -> None:
        lifespan = _lifespans.from_function(lifespan)
        super().__init__(routes=routes, redirect_slashes=redirect_slashes, default=default, lifespan=lifespan)
        self.strict_content_type = strict_content_type
        self.on_startup: list[Callable[[], Any]] = list(on_startup or [])
        self.on_shutdown: list[Callable[[], Any]] = list(on_shutdown or [])
        if lifespan is None:
            self.lifespan_context = _lifespans.EventLifespan(self)
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
        # Accepted under FastAPI's signature (libraries subclassing APIRouter pass it on); the app
        # that serves a router applies its own ``dependency_overrides``, whatever this says.
        self.dependency_overrides_provider = dependency_overrides_provider
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.generate_unique_id_function = generate_unique_id_function
        self.max_body_size = max_body_size
        self.form_limits = checked_form_limits(form_limits)
        # None: not set here (an including router's setting, else "in a thread", applies).
        self.run_sync_inline = run_sync_inline
        # The worker threads of the sync callables of every route this router serves.
        self.sync_executor = SyncExecutor(thread_limit) if thread_limit is not None else SyncExecutor()
        self._custom_default = default is not None
        # The compiled tree, wrapped with the routes it cannot hold when there are any.
        self._tree: _router.Router | _route_table.FallbackTree = _router.Router()
        self._unplaced: list[routing.BaseRoute] = []
        self._indexed = -1
        self._shapes = _route_table.DuplicateIndex()
        # Tried only when nothing else answered (no route, 405 or slash redirect): frontends.
        self._low_priority_routes: list[routing.BaseRoute] = []
        self._frontend_routes: _frontend.FrontendGroup | None = None
        for route in self.routes:
            _route_table.check(route)
            self._shapes.note(route, self.routes)

    # -- the tree ----------------------------------------------------------------------------------

    def _index(self) -> None:
        """(Re)build the tree from ``self.routes`` — also picks up routes appended to the list directly."""
        self._tree, self._unplaced = _route_table.build(self.routes)
        self._indexed = len(self.routes)
        for route in self.routes:
            if isinstance(route, (APIRoute, APIWebSocketRoute)):
                route.sync_executor = self.sync_executor

    def _register(self, route: routing.BaseRoute) -> None:
        """Add ``route`` once its template is known to be routable; warn if it can never match."""
        _route_table.check(route)
        self._shapes.note(route, self.routes)
        self.routes.append(route)

    # PERF: compiled; a plain function returning the matched route's coroutine (see its docstring).
    __call__ = _fastpath.route_request  # type: ignore[assignment]  # an awaitable, not a coroutine

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
        await self._run_route(route, child_scope, scope, receive, send)
        return True

    @staticmethod
    async def _run_route(
        route: routing.BaseRoute, child_scope: Scope, scope: Scope, receive: Receive, send: Send
    ) -> None:
        scope["route"] = route
        scope.update(child_scope)
        if scope["type"] == "http":
            # Mounted apps and plain Starlette endpoints may raise HTTPException too.
            handler = wrap_app_handling_exceptions(route.handle, Request(scope, receive, send))
            await handler(scope, receive, send)
        else:
            await route.handle(scope, receive, send)

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
        if self._low_priority_routes:
            chosen = _frontend.select(self._low_priority_routes, scope)
            if chosen is not None:
                route, _, child_scope = chosen
                await self._run_route(route, child_scope, scope, receive, send)
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
        form_limits: Mapping[str, int] | None = None,
        response_model_validate: bool = True,
        run_sync_inline: bool | None = None,
        route_class: type[APIRoute] | None = None,
        strict_content_type: bool | DefaultPlaceholder[bool] = Default(True),
    ) -> None:
        route_class = route_class_override or route_class or self.route_class
        inline = run_sync_inline if run_sync_inline is not None else self.run_sync_inline
        # Only when set, so route classes written for FastAPI's keyword arguments keep working.
        extra: dict[str, Any] = {"run_sync_inline": True} if inline else {}
        # The nearest setting of each form limit wins: the route's, then its routers' outwards.
        limits = {**self.form_limits, **checked_form_limits(form_limits)}
        if limits:
            extra["form_limits"] = limits
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
            strict_content_type=_resolve(strict_content_type, self.strict_content_type),
            **extra,
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

    def route(
        self,
        path: str,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_route(path, func, methods=methods, name=name, include_in_schema=include_in_schema)
            return func

        return decorator

    def websocket_route(
        self, path: str, name: str | None = None
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_websocket_route(path, func, name=name)
            return func

        return decorator

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        """A ``startup`` or ``shutdown`` handler; run only while the router has no ``lifespan=``."""
        if event_type not in ("startup", "shutdown"):
            raise AssertionError(f"event_type must be 'startup' or 'shutdown', not {event_type!r}")
        (self.on_startup if event_type == "startup" else self.on_shutdown).append(func)

    def on_event(self, event_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Deprecated in FastAPI (use ``lifespan=``), kept for ports: ``@router.on_event("startup")``."""
        warnings.warn(_lifespans.ON_EVENT_DEPRECATED, DeprecationWarning, stacklevel=2)
        return self._event_decorator(event_type)

    def _event_decorator(self, event_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """``on_event`` without its deprecation warning (for ``FastCore.on_event``, which warns)."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_event_handler(event_type, func)
            return func

        return decorator

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        self._register(routing.Mount(path, app=app, name=name))

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        self._register(routing.Host(host, app=app, name=name))

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: _frontend.Fallback = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a static frontend build (``dist/``) at ``path``, behind every other route.

        See ``fastcore.frontend``: files, then the ``404.html``/``index.html`` fallback, then 404.
        ``check_dir="auto"`` checks the directory now unless ``FASTAPI_ENV=development``.
        """
        checked = _frontend.resolve_check_dir(directory, check_dir, stacklevel=2)
        self._add_frontend(path, directory, fallback, checked)

    def _add_frontend(
        self, path: str, directory: str | os.PathLike[str], fallback: _frontend.Fallback, check_dir: bool
    ) -> None:
        normalized = _frontend.normalize_path(path)
        if self._frontend_routes is None:
            self._frontend_routes = _frontend.FrontendGroup(dependencies=self.dependencies)
            self._low_priority_routes.append(self._frontend_routes)
        self._frontend_routes.add_frontend_route(
            _frontend.join_paths(self.prefix, normalized),
            directory=directory,
            fallback=fallback,
            check_dir=check_dir,
        )

    def _mark_routes_changed(self) -> None:
        """FastAPI's hook after editing the route lists by hand; ours are re-read on use."""

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
        form_limits: Mapping[str, int] | None = None,
    ) -> None:
        """Copy ``router``'s routes in, under ``prefix``, with extra tags/dependencies/responses."""
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise FastCoreError("an include prefix must start with '/' and not end with '/'")
        if router is self:
            # An AssertionError with FastAPI's sentence, as ported code expects.
            raise AssertionError(
                "Cannot include the same APIRouter instance into itself. "
                "Did you mean to include a different router?"
            )
        for route in router.routes:
            if isinstance(route, APIRoute):
                if not (self.prefix or prefix or route.path):
                    raise FastCoreError(
                        f"Prefix and path cannot be both empty (path operation: {route.name})"
                    )
                self.add_api_route(
                    prefix + route.path,
                    route.endpoint,
                    response_model=route.response_model,
                    status_code=route._declared_status_code,
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
                    # route.form_limits already holds its router's.
                    form_limits={**checked_form_limits(form_limits), **route.form_limits},
                    response_model_validate=route.response_model_validate,
                    run_sync_inline=route.run_sync_inline or router.run_sync_inline,
                    strict_content_type=_resolve(route.strict_content_type, router.strict_content_type),
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
        for low in router._low_priority_routes:
            if isinstance(low, _frontend.FrontendGroup):
                deps = [*self.dependencies, *(dependencies or []), *low.dependencies]
                low = low.included(self.prefix + prefix, deps)
            elif isinstance(low, routing.Route) and (self.prefix or prefix):
                low = copy.copy(low)
                low.path = self.prefix + prefix + low.path
                low.path_regex, low.path_format, low.param_convertors = routing.compile_path(low.path)
            self._low_priority_routes.append(low)
        self._include_lifespan(router)

    def _include_lifespan(self, router: APIRouter) -> None:
        """FastAPI merges an included router's lifespan into ours (its state joins ours); its
        ``on_startup``/``on_shutdown`` handlers join ours, so each runs once, in include order."""
        handled = isinstance(self.lifespan_context, _lifespans.EventLifespan)
        if handled:
            self.on_startup.extend(router.on_startup)
            self.on_shutdown.extend(router.on_shutdown)
        inner = router.lifespan_context
        if isinstance(inner, _lifespans.EventLifespan):
            # Under a lifespan of ours, the router's handlers still run (FastAPI's order: after it).
            if handled or not (router.on_startup or router.on_shutdown):
                return
        elif isinstance(inner, getattr(routing, "_DefaultLifespan", ())):
            return
        self.lifespan_context = _merge_lifespans(self.lifespan_context, inner)

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


_fastpath.bind_router(
    api_route=APIRoute, route_path=get_route_path, websocket_method=_WEBSOCKET, found=_FOUND
)
