"""``FastCore``: the application object (FastAPI's ``FastAPI``, a Starlette subclass)."""

from __future__ import annotations

import importlib.util
import itertools
import os
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send

from fastcore._fastpath import route_request
from fastcore._respond import SendWatch
from fastcore.datastructures import Default, DefaultPlaceholder
from fastcore.exception_handlers import default_handlers
from fastcore.exceptions import FastAPIDeprecationWarning
from fastcore.executor import exception_tables
from fastcore.frontend import Fallback, resolve_check_dir
from fastcore.lifespans import ON_EVENT_DEPRECATED
from fastcore.middleware.errors import ServerErrorMiddleware
from fastcore.openapi.docs import (
    CDN_ASSETS,
    DocsAssets,
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
    local_assets_dir,
)
from fastcore.openapi.utils import get_openapi
from fastcore.params import Depends
from fastcore.responses import JSONResponse
from fastcore.routing import APIRoute, APIRouter
from fastcore.telemetry import TelemetryConfig
from fastcore.threadpool import DEFAULT_THREAD_LIMIT

if TYPE_CHECKING:
    from fastcore.telemetry._native import NativeTelemetry

__all__ = ["DependencyOverrides", "FastCore"]

DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])


# Versions come from one process-wide counter: a per-dict count (or the dict's id) can repeat once
# ``app.dependency_overrides = {}`` frees the old dict and a new one reuses its address, and a route
# would then keep a plan built for overrides that are gone.
_versions = itertools.count(1)


class DependencyOverrides(dict[Callable[..., Any], Callable[..., Any]]):
    """``app.dependency_overrides``: a dict that counts its changes, so routes re-plan only then."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = next(_versions)

    def _changed(self) -> None:
        self.version = next(_versions)

    def __setitem__(self, key: Callable[..., Any], value: Callable[..., Any]) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: Callable[..., Any]) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def pop(self, key: Any, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._changed()
        return value

    def popitem(self) -> tuple[Callable[..., Any], Callable[..., Any]]:
        item = super().popitem()
        self._changed()
        return item

    def __ior__(self, other: Any) -> DependencyOverrides:  # type: ignore[override,misc]
        super().__ior__(other)
        self._changed()
        return self

    def setdefault(self, key: Any, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._changed()
        return value


class WebhooksRouter(APIRouter):
    """``app.webhooks``: operations the app *sends*, documented under ``webhooks``, never served.

    FastAPI names webhooks without a leading slash (``@app.webhooks.post("new-subscription")``);
    the route is built under ``/name`` and keeps the bare name as its documented key.
    """

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        bare = not path.startswith("/")
        super().add_api_route("/" + path if bare else path, endpoint, **kwargs)
        if bare:
            route = self.routes[-1]
            route.path = route.path_format = path  # type: ignore[attr-defined]


class FastCore(Starlette):
    """The app: FastAPI's constructor arguments and decorators, with the compiled router inside."""

    #: The OpenAPI ``info.title`` when no ``title=`` is given.
    default_title: ClassVar[str] = "FastCore"

    def __init__(
        self,
        *,
        debug: bool = False,
        routes: list[Any] | None = None,
        title: str | None = None,
        summary: str | None = None,
        description: str = "",
        version: str = "0.1.0",
        openapi_url: str | None = "/openapi.json",
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        dependencies: Sequence[Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        redirect_slashes: bool = True,
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        middleware: Sequence[Middleware] | None = None,
        exception_handlers: Mapping[Any, Callable[..., Any]] | None = None,
        lifespan: Lifespan[Any] | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        root_path: str = "",
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        max_body_size: int | None = None,
        form_limits: Mapping[str, int] | None = None,
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        swagger_ui_parameters: dict[str, Any] | None = None,
        docs_static_url: str | None = "/docs/static",
        root_path_in_servers: bool = True,
        webhooks: APIRouter | None = None,
        separate_input_output_schemas: bool = True,
        openapi_external_docs: dict[str, Any] | None = None,
        route_class: type[APIRoute] = APIRoute,
        run_sync_inline: bool = False,
        thread_limit: int = DEFAULT_THREAD_LIMIT,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        strict_content_type: bool | DefaultPlaceholder[bool] = Default(True),
        telemetry: TelemetryConfig | None = None,
        **extra: Any,
    ) -> None:
        handlers = default_handlers()
        handlers.update(exception_handlers or {})
        # The lifespan is the router's (which also takes generator functions, as FastAPI does).
        super().__init__(debug=debug, middleware=middleware, exception_handlers=handlers)
        self.router: APIRouter = APIRouter(
            routes=routes,
            redirect_slashes=redirect_slashes,
            dependencies=dependencies,
            default_response_class=default_response_class,
            lifespan=lifespan,
            responses=responses,
            callbacks=callbacks,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            generate_unique_id_function=generate_unique_id_function,
            max_body_size=max_body_size,
            form_limits=form_limits,
            route_class=route_class,
            run_sync_inline=run_sync_inline,
            thread_limit=thread_limit,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            strict_content_type=strict_content_type,
        )
        self.title = self.default_title if title is None else title
        self.summary = summary
        self.description = description
        self.version = version
        self.openapi_url = openapi_url
        self.openapi_tags = openapi_tags
        self.servers = servers or []
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        if root_path:
            warnings.warn(
                "The `root_path` parameter is deprecated. Configure the server's root path instead, "
                "for example with `fastapi run --root-path /api/v1`.",
                FastAPIDeprecationWarning,
                stacklevel=2,
            )
        self.root_path = root_path
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.swagger_ui_parameters = swagger_ui_parameters
        self.docs_static_url = docs_static_url
        self.root_path_in_servers = root_path_in_servers
        self.webhooks: APIRouter = webhooks or WebhooksRouter()
        self.separate_input_output_schemas = separate_input_output_schemas
        self.openapi_external_docs = openapi_external_docs
        self.openapi_version = "3.1.0"
        # Built on the first ``openapi()`` call (or the first GET of ``openapi_url``), never here:
        # importing or constructing an app stays as cheap as its routes.
        self.openapi_schema: dict[str, Any] | None = None
        self.extra = extra
        self._overrides = DependencyOverrides()
        self._exception_tables: tuple[dict[Any, Any], dict[int, Any]] = ({}, {})
        self._errors: ServerErrorMiddleware | None = None  # the stack's outer layer, once built
        self._router_call: Callable[[Any, Scope, Receive, Send], Awaitable[None]] | None = None
        self._docs_assets_local = False
        self._telemetry: TelemetryConfig = {
            "tracer_provider": None,
            "meter_provider": None,
            "logger_provider": None,
            "tracing": True,
            "metrics": True,
            "logs": True,
            "operation_spans": True,
            "auto_configure": False,
            "exclude": None,
            **(telemetry or {}),
        }
        self._native_telemetry = _native_telemetry(self._telemetry)
        self._legacy_stack: tuple[ASGIApp | None, bool] = (None, False)
        self.setup()

    # -- OpenAPI and the documentation pages ------------------------------------------------------

    def openapi(self) -> dict[str, Any]:
        """The app's OpenAPI document, built on first use and cached in ``openapi_schema``."""
        if self.openapi_schema is None:
            self.openapi_schema = get_openapi(
                title=self.title,
                version=self.version,
                openapi_version=self.openapi_version,
                summary=self.summary,
                description=self.description,
                terms_of_service=self.terms_of_service,
                contact=self.contact,
                license_info=self.license_info,
                routes=self.routes,
                webhooks=self.webhooks.routes,
                tags=self.openapi_tags,
                servers=self.servers,
                separate_input_output_schemas=self.separate_input_output_schemas,
                external_docs=self.openapi_external_docs,
            )
        return self.openapi_schema

    def setup(self) -> None:
        """Register ``openapi_url``, the Swagger UI and ReDoc pages (FastAPI's ``setup``)."""
        if not self.openapi_url:
            return
        openapi_url = self.openapi_url

        async def openapi(request: Request) -> Response:
            # The request's root path is listed first among the servers of *this* answer only: the
            # cached document and ``self.servers`` never keep it, so a client that sends its own
            # root path cannot change what the next client reads.
            root_path = request.scope.get("root_path", "").rstrip("/")
            document = self.openapi()
            if root_path and self.root_path_in_servers:
                servers = document.get("servers", [])
                if root_path not in {server.get("url") for server in servers}:
                    document = {**document, "servers": [{"url": root_path}, *servers]}
            return JSONResponse(document)

        self.add_route(openapi_url, openapi, include_in_schema=False)
        if not (self.docs_url or self.redoc_url):
            return
        assets_dir = local_assets_dir() if self.docs_static_url else None
        if assets_dir is not None and self.docs_static_url:
            self.router.routes.append(
                Mount(self.docs_static_url, app=StaticFiles(directory=assets_dir), name="docs-static")
            )
            self._docs_assets_local = True
        if self.docs_url:
            redirect_url = self.swagger_ui_oauth2_redirect_url

            async def swagger_ui(request: Request) -> HTMLResponse:
                root = request.scope.get("root_path", "").rstrip("/")
                assets = self._docs_assets(root)
                return get_swagger_ui_html(
                    openapi_url=root + openapi_url,
                    title=f"{self.title} - Swagger UI",
                    swagger_js_url=assets.swagger_js,
                    swagger_css_url=assets.swagger_css,
                    swagger_favicon_url=assets.favicon,
                    oauth2_redirect_url=root + redirect_url if redirect_url else None,
                    init_oauth=self.swagger_ui_init_oauth,
                    swagger_ui_parameters=self.swagger_ui_parameters,
                )

            self.add_route(self.docs_url, swagger_ui, include_in_schema=False)
            if redirect_url:

                async def oauth2_redirect(request: Request) -> HTMLResponse:
                    return get_swagger_ui_oauth2_redirect_html()

                self.add_route(redirect_url, oauth2_redirect, include_in_schema=False)
        if self.redoc_url:

            async def redoc(request: Request) -> HTMLResponse:
                root = request.scope.get("root_path", "").rstrip("/")
                assets = self._docs_assets(root)
                return get_redoc_html(
                    openapi_url=root + openapi_url,
                    title=f"{self.title} - ReDoc",
                    redoc_js_url=assets.redoc_js,
                    redoc_favicon_url=assets.favicon,
                    # Offline pages must not wait on a font CDN.
                    with_google_fonts=not assets.local,
                )

            self.add_route(self.redoc_url, redoc, include_in_schema=False)

    def _docs_assets(self, root_path: str) -> DocsAssets:
        if self._docs_assets_local and self.docs_static_url:
            return DocsAssets.served_at(root_path + self.docs_static_url)
        return CDN_ASSETS

    @property
    def dependency_overrides(self) -> DependencyOverrides:
        return self._overrides

    @dependency_overrides.setter
    def dependency_overrides(self, value: Mapping[Callable[..., Any], Callable[..., Any]] | None) -> None:
        # ``app.dependency_overrides = {}`` is how FastAPI's docs reset overrides (``None`` works too).
        self._overrides = DependencyOverrides(value or {})

    # -- ASGI --------------------------------------------------------------------------------------

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's stack minus ``ExceptionMiddleware``: routes answer handled exceptions themselves
        (``fastcore.routing.handle_exception``) from the tables stored in the scope, so the hot path
        pays for no extra layer.  500/``Exception`` handlers go to ``ServerErrorMiddleware`` as usual.
        """
        error_handler = None
        handlers: dict[Any, Any] = {}
        for key, value in self.exception_handlers.items():
            if key in (500, Exception):
                error_handler = value
            else:
                handlers[key] = value
        self._exception_tables = exception_tables(handlers)
        app: ASGIApp = self.router
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        self._errors = ServerErrorMiddleware(app, handler=error_handler, debug=self.debug)
        # PERF: the router's own __call__ called directly (no bound method per request) when nothing
        # stands between the error middleware and it.
        direct = app is self.router and type(app).__call__ is route_request
        self._router_call = route_request if direct else None
        return self._errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        native = self._native_telemetry
        # PERF: None unless OpenTelemetry is installed and the app may record something.
        if native is not None and scope["type"] != "lifespan" and native.wants(scope):
            await self._observed(native, scope, receive, send)
            return
        scope["app"] = self
        if self.root_path:
            scope["root_path"] = self.root_path
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        scope["starlette.exception_handlers"] = self._exception_tables
        errors = self._errors
        if errors is None or scope["type"] != "http" or errors is not self.middleware_stack:
            await self.middleware_stack(scope, receive, send)
            return
        # PERF: ServerErrorMiddleware's steps inline: one coroutine less per request.
        watch = SendWatch(send)
        router_call = self._router_call
        try:
            if router_call is not None:
                await router_call(errors.app, scope, receive, watch)
            else:
                await errors.app(scope, receive, watch)
        except Exception as exc:
            await errors.answer(scope, receive, send, watch.started, exc)

    async def _observed(self, native: NativeTelemetry, scope: Scope, receive: Receive, send: Send) -> None:
        """A request with telemetry on (``fastcore.telemetry``): the same steps, observed."""
        from fastcore.telemetry._native import legacy_instrumented, record_exception

        scope["app"] = self
        if self.root_path:
            scope["root_path"] = self.root_path
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        scope["starlette.exception_handlers"] = self._exception_tables
        stack = self.middleware_stack
        if self._legacy_stack[0] is not stack:
            self._legacy_stack = (stack, legacy_instrumented(stack))
        errors = self._errors

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if errors is None or errors is not stack:
                await stack(scope, receive, send)
                return
            watch = SendWatch(send)
            try:
                await errors.app(scope, receive, watch)
            except Exception as exc:
                # Noted before the 500 is sent, so that the span's error.type is the exception's.
                record_exception(scope, exc)
                await errors.answer(scope, receive, send, watch.started, exc)

        await native(app, scope, receive, send, self._legacy_stack[1])

    # -- decorators and registration (FastAPI's names) ---------------------------------------------

    def exception_handler(
        self, exc_class_or_status_code: int | type[Exception]
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_exception_handler(exc_class_or_status_code, func)
            return func

        return decorator

    def middleware(self, middleware_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        if middleware_type != "http":
            raise ValueError('only middleware("http") is supported')

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_middleware(BaseHTTPMiddleware, dispatch=func)
            return func

        return decorator

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        self.router.add_api_route(path, endpoint, **kwargs)

    def api_route(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.api_route(path, **kwargs)

    def include_router(self, router: APIRouter, **kwargs: Any) -> None:
        self.router.include_router(router, **kwargs)

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[Depends] | None = None
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.websocket(path, name, dependencies=dependencies)

    def websocket_route(
        self, path: str, name: str | None = None
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.websocket_route(path, name)

    def on_event(self, event_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Deprecated in FastAPI (use ``lifespan=``), kept for ports: ``@app.on_event("startup")``."""
        warnings.warn(ON_EVENT_DEPRECATED, DeprecationWarning, stacklevel=2)
        return self.router._event_decorator(event_type)

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Fallback = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a static frontend build at ``path``, behind every other route (``fastcore.frontend``)."""
        # Resolved here so that a development-mode warning points at the caller's line.
        checked = resolve_check_dir(directory, check_dir, stacklevel=2)
        self.router._add_frontend(path, directory, fallback, checked)

    def add_api_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None, **kwargs: Any
    ) -> None:
        self.router.add_api_websocket_route(path, endpoint, name, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.get(path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.put(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.post(path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.delete(path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.options(path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.head(path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.patch(path, **kwargs)

    def trace(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.trace(path, **kwargs)


def _native_telemetry(config: TelemetryConfig) -> NativeTelemetry | None:
    """The app's telemetry, or None (no per-request cost) when it can never record anything."""
    if not (config["tracing"] or config["metrics"] or config["logs"]):
        return None
    try:
        found = importlib.util.find_spec("opentelemetry.trace")
    except ModuleNotFoundError:  # no opentelemetry package at all
        found = None
    if found is None:
        return None  # an optional dependency: fastcore[otel]
    from fastcore.telemetry._native import NativeTelemetry

    return NativeTelemetry(config)


class FastAPI(FastCore):
    """``FastCore`` under FastAPI's name and with FastAPI's defaults: its OpenAPI title is "FastAPI".

    A port that keeps writing ``FastAPI()`` (``from fastcore import FastAPI``) serves the same
    OpenAPI document, Swagger UI and ReDoc pages as before; everything else is ``FastCore``.
    """

    default_title: ClassVar[str] = "FastAPI"
