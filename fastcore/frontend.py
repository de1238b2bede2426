"""``app.frontend()`` / ``router.frontend()``: a static frontend build served as low-priority routes.

FastAPI 0.14x serves a build directory (``dist/``) below a path prefix, behind every normal route:
a request reaches the frontend only when no path operation, Starlette route, 405 or slash redirect
answered it.  What the frontend answers, in order:

1. an existing file (or a directory's ``index.html``; ``/about`` redirects to ``/about/`` first) —
   with Starlette's ``FileResponse`` headers (``etag``, ``last-modified``) and 304s;
2. otherwise the fallback: ``404.html`` with status 404, or ``index.html`` with status 200 for a
   *navigation* request only (its ``Accept`` names ``text/html`` or ``application/xhtml+xml`` with
   a non-zero ``q``), so a missing ``.js`` asset or an API call never gets the app shell.  ``"auto"``
   picks ``404.html`` if the build has one, else ``index.html`` if it has one;
3. otherwise the app's 404.

Methods other than GET and HEAD get a 405 where a file exists, else a 404.  When several frontends
match, the longest prefix wins.  The router's dependencies (and those of the ``include_router``
calls above it) run before a frontend answers, as for a path operation; frontends are not in the
OpenAPI document and have no name for ``url_path_for``.

Files are looked up by Starlette's ``StaticFiles`` (no symlinks out of the directory, no ``..``).
"""

from __future__ import annotations

import errno
import os
import stat
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeAlias

from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from fastcore._params import Conn, missing_error
from fastcore.dependencies import Dependant, build_dependant, route_body_plan
from fastcore.exceptions import RequestValidationError
from fastcore.executor import Exits, close_function_scope, solve_dependencies, unwind
from fastcore.params import Depends
from fastcore.threadpool import SyncExecutor

__all__ = ["Fallback", "FrontendFiles", "FrontendGroup", "FrontendRoute", "resolve_check_dir", "select"]

Fallback: TypeAlias = Literal["auto", "index.html", "404.html"] | None
_FALLBACKS = ("auto", "index.html", "404.html", None)
_NAVIGATION_TYPES = frozenset(("text/html", "application/xhtml+xml"))
# The child-scope key FastAPI uses for the path below the frontend's prefix (scope["fastapi"][...]).
_SCOPE_KEY = "fastapi"
_PATH_KEY = "frontend_path"


def normalize_path(path: str) -> str:
    """``/app/`` -> ``/app``; ``/`` stays.  FastAPI raises AssertionError for a bad path, so do we."""
    if not path:
        raise AssertionError("A frontend path cannot be empty")
    if not path.startswith("/"):
        raise AssertionError("A frontend path must start with '/'")
    return path if path == "/" else path.rstrip("/")


def join_paths(prefix: str, path: str) -> str:
    """A frontend path below a router prefix: ``("/admin", "/")`` -> ``/admin``."""
    if not prefix:
        return path
    return prefix if path == "/" else prefix + path


def _specificity(path: str) -> int:
    return 0 if path == "/" else len(path)


def _absolute(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path))


def resolve_check_dir(
    directory: str | os.PathLike[str], check_dir: bool | Literal["auto"], *, stacklevel: int
) -> bool:
    """``check_dir="auto"``: check, except under ``FASTAPI_ENV=development`` (``fastapi dev``), where a
    missing directory is only a warning pointing at the caller's line (the build may come later)."""
    if check_dir != "auto":
        return check_dir
    if os.environ.get("FASTAPI_ENV") != "development":
        return True
    if not os.path.isdir(directory):
        warnings.warn(
            f"Frontend directory '{directory}' does not exist. "
            f"Resolved absolute path: '{_absolute(directory)}'",
            stacklevel=stacklevel + 1,
        )
    return False


def is_navigation(scope: Scope) -> bool:
    """Whether the request's ``Accept`` explicitly accepts HTML (``*/*`` alone does not)."""
    accept = ""
    for name, value in scope.get("headers") or ():
        if name.lower() == b"accept":
            accept = value.decode("latin-1")
            break
    return any(media in _NAVIGATION_TYPES and q != 0 for media, q in _accepted(accept))


def _accepted(accept: str) -> Iterable[tuple[str, float]]:
    """``(media type, q)`` per ``Accept`` item (RFC 9110 §12.5.1); an unreadable q counts as 1."""
    for item in accept.split(","):
        media, *params = item.split(";")
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip().strip('"'))
                except ValueError:
                    pass
        yield media.strip().lower(), quality


class FrontendFiles(StaticFiles):
    """One frontend's build directory: file lookup (Starlette's), directory index, fallback files."""

    def __init__(self, *, directory: str | os.PathLike[str], fallback: Fallback, check_dir: bool) -> None:
        if check_dir and not os.path.isdir(directory):
            raise RuntimeError(
                f"Frontend directory '{directory}' does not exist. "
                f"Resolved absolute path: '{_absolute(directory)}'"
            )
        super().__init__(directory=directory, html=True, check_dir=check_dir, follow_symlink=False)
        self.fallback = fallback
        if check_dir and fallback in ("index.html", "404.html"):
            # An explicit fallback file is part of the build: missing, it is a start-up error.
            _, found = self.lookup_path(fallback)
            if found is None or not stat.S_ISREG(found.st_mode):
                raise self._missing(fallback)

    def _missing(self, fallback: str) -> RuntimeError:
        directory = self.directory if self.directory is not None else ""
        return RuntimeError(
            f"Frontend fallback file '{fallback}' does not exist in directory '{directory}'. "
            f"Resolved absolute directory: '{_absolute(directory)}'"
        )

    async def respond(self, relative: str, scope: Scope) -> Response:
        """The answer for ``relative`` (the URL path below the frontend's prefix)."""
        if not self.config_checked:
            await self.check_config()  # a missing directory (check_dir=False) fails loudly here
            self.config_checked = True
        path = os.path.normpath(os.path.join(*relative.split("/")))
        found = await self._find(path)
        if scope["method"] not in ("GET", "HEAD"):
            # No Allow header, as FastAPI: the resource may be one only a fallback would answer.
            raise HTTPException(status_code=405 if found is not None else 404)
        if found is not None:
            full_path, stat_result, is_index = found
            if is_index and not scope["path"].endswith("/"):
                url = URL(scope=scope)
                return RedirectResponse(url=url.replace(path=url.path + "/"))
            return self.file_response(full_path, stat_result, scope)
        if self.fallback == "404.html" or (self.fallback == "auto" and await self._exists("404.html")):
            return await self._fallback("404.html", scope, 404)
        wants_index = self.fallback == "index.html" or (
            self.fallback == "auto" and await self._exists("index.html")
        )
        if wants_index and is_navigation(scope):
            return await self._fallback("index.html", scope, 200)
        raise HTTPException(status_code=404)

    async def _lookup(self, path: str) -> tuple[str, os.stat_result | None]:
        # Starlette's StaticFiles mapping of lookup errors.
        try:
            return await run_in_threadpool(self.lookup_path, path)
        except PermissionError:
            raise HTTPException(status_code=401) from None
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise HTTPException(status_code=404) from None
            raise
        except ValueError:  # a NUL byte in the path
            raise HTTPException(status_code=404) from None

    async def _find(self, path: str) -> tuple[str, os.stat_result, bool] | None:
        full_path, stat_result = await self._lookup(path)
        if stat_result is None:
            return None
        if stat.S_ISREG(stat_result.st_mode):
            return full_path, stat_result, False
        if stat.S_ISDIR(stat_result.st_mode):
            full_path, stat_result = await self._lookup(os.path.join(path, "index.html"))
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                return full_path, stat_result, True
        return None

    async def _exists(self, name: str) -> bool:
        _, stat_result = await run_in_threadpool(self.lookup_path, name)
        return stat_result is not None and stat.S_ISREG(stat_result.st_mode)

    async def _fallback(self, name: str, scope: Scope, status_code: int) -> Response:
        full_path, stat_result = await run_in_threadpool(self.lookup_path, name)
        if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
            raise self._missing(name)
        return self.file_response(full_path, stat_result, scope, status_code=status_code)


class FrontendRoute(BaseRoute):
    """One ``frontend(path, directory=...)`` call: its prefix and its files."""

    def __init__(
        self, path: str, *, directory: str | os.PathLike[str], fallback: Fallback = "auto", check_dir: bool
    ) -> None:
        if fallback not in _FALLBACKS:
            raise AssertionError("fallback must be 'auto', 'index.html', '404.html', or None")
        self.path = normalize_path(path)
        self.methods = {"GET", "HEAD"}
        self.app = FrontendFiles(directory=directory, fallback=fallback, check_dir=check_dir)

    def moved(self, path: str) -> FrontendRoute:
        """The same files served at ``path`` (an included router's frontend)."""
        route = object.__new__(FrontendRoute)
        route.path, route.methods, route.app = path, self.methods, self.app
        return route

    def relative(self, route_path: str, path: str | None = None) -> str | None:
        """The request path below this frontend's prefix (segment boundaries only), or None."""
        path = self.path if path is None else path
        if path == "/":
            return route_path.lstrip("/")
        if route_path == path:
            return ""
        if route_path.startswith(path + "/"):
            return route_path[len(path) + 1 :]
        return None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return self.matches_with_path(scope, self.path)

    def matches_with_path(self, scope: Scope, path: str) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        relative = self.relative(get_route_path(scope), path)
        if relative is None:
            return Match.NONE, {}
        child_scope = {_SCOPE_KEY: {_PATH_KEY: relative}}
        # PARTIAL for other methods: answered (405 or 404) only if nothing else matches.
        return (Match.FULL if scope["method"] in self.methods else Match.PARTIAL), child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.app.respond(_relative_of(scope, self), scope)
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)


def _relative_of(scope: Scope, route: FrontendRoute) -> str:
    ours = scope.get(_SCOPE_KEY)
    if isinstance(ours, dict) and isinstance(ours.get(_PATH_KEY), str):
        return str(ours[_PATH_KEY])
    return route.relative(get_route_path(scope)) or ""


def _no_endpoint() -> None:
    """The callable a frontend's dependencies hang from (it is never called)."""


class FrontendGroup(BaseRoute):
    """A router's frontends with the dependencies they share; picks the longest matching prefix."""

    def __init__(self, *, dependencies: Sequence[Depends] | None = None) -> None:
        self.routes: list[FrontendRoute] = []
        self.dependencies: list[Depends] = list(dependencies or [])
        self.dependant: Dependant = build_dependant(_no_endpoint, path="", extra=self.dependencies)
        self._body = _no_body(self.dependant)
        self.sync_executor = SyncExecutor()  # its sync dependencies' threads
        self._overridden: tuple[Any, ...] | None = None

    def add_frontend_route(
        self, path: str, *, directory: str | os.PathLike[str], fallback: Fallback = "auto", check_dir: bool
    ) -> None:
        self.routes.append(FrontendRoute(path, directory=directory, fallback=fallback, check_dir=check_dir))

    def included(self, prefix: str, dependencies: Sequence[Depends]) -> FrontendGroup:
        """This group as ``include_router(prefix=..., dependencies=...)`` places it in another router."""
        group = FrontendGroup(dependencies=dependencies)
        group.routes = [route.moved(join_paths(prefix, route.path)) for route in self.routes]
        return group

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return self.matches_with_prefix(scope, "")

    def matches_with_prefix(self, scope: Scope, prefix: str) -> tuple[Match, Scope]:
        match, child_scope, _ = self._match(scope, prefix)
        return match, child_scope

    def _match(self, scope: Scope, prefix: str = "") -> tuple[Match, Scope, FrontendRoute | None]:
        best: dict[Match, tuple[int, Scope, FrontendRoute]] = {}
        for route in self.routes:
            path = join_paths(prefix, route.path)
            match, child_scope = route.matches_with_path(scope, path)
            if match is Match.NONE:
                continue
            specificity = _specificity(path)
            if match not in best or specificity > best[match][0]:
                best[match] = (specificity, child_scope, route)
        for match in (Match.FULL, Match.PARTIAL):
            if match in best:
                _, child_scope, route = best[match]
                child_scope[_SCOPE_KEY]["frontend_specificity"] = best[match][0]
                return match, child_scope, route
        return Match.NONE, {}, None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the matching frontend; errors are raised for the router's exception handling."""
        match, child_scope, route = self._match(scope)
        if route is None:
            raise HTTPException(status_code=404)
        scope.setdefault(_SCOPE_KEY, {}).update(child_scope[_SCOPE_KEY])
        dependant = self._dependant(scope)
        if match is not Match.FULL or not dependant.dependencies:
            await route.handle(scope, receive, send)
            return
        conn = Conn(scope, receive, send)  # type: ignore[arg-type]
        stack = Exits(dependant.has_function_scope)
        try:
            body = self._body if dependant is self.dependant else _no_body(dependant)
            yield_stack = stack if dependant.has_yield else None
            errors = await solve_dependencies(dependant, conn, yield_stack, body, self.sync_executor)
            if errors:
                raise RequestValidationError(errors)
            response = await route.app.respond(_relative_of(scope, route), scope)
            # What the dependencies set on the sub-response (headers, cookies) and their tasks.
            sub = conn.response
            if sub is not None:
                response.raw_headers.extend(sub.raw_headers)
            if response.background is None:
                response.background = conn.background
            await close_function_scope(stack)  # scope="function" yield dependencies: before sending
            await response(scope, receive, send)
        except BaseException as exc:
            await unwind(stack, exc)  # yield dependencies see the error (and may replace it)
        await stack.aclose()

    def _dependant(self, scope: Scope) -> Dependant:
        app = scope.get("app")
        overrides = getattr(app, "dependency_overrides", None) if app is not None else None
        if not overrides or not self.dependencies:
            return self.dependant
        from fastcore.routing import _replan  # routing imports this module

        self._overridden = _replan(self._overridden, overrides, _no_endpoint, "", self.dependencies)
        dependant: Dependant = self._overridden[1]
        return dependant

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)


def _no_body(dependant: Dependant) -> tuple[dict[str, Any], dict[str, list[Any]]] | None:
    """A frontend reads no request body (FastAPI's too): body parameters of its dependencies are
    missing — a 422 when required, their defaults otherwise."""
    plan = route_body_plan(dependant, max_size=None, where="frontend dependencies")
    if plan is None:
        return None
    values: dict[str, Any] = {}
    errors: dict[str, list[Any]] = {}
    for param in plan.params:
        if param.required:
            errors[param.name] = [missing_error(("body",) if plan.single else ("body", param.alias))]
        else:
            values[param.name] = param.make_default()
    return values, errors


def _frontend_specificity(child_scope: Scope) -> int | None:
    ours = child_scope.get(_SCOPE_KEY)
    value = ours.get("frontend_specificity") if isinstance(ours, dict) else None
    return value if isinstance(value, int) else None


def select(routes: Iterable[BaseRoute], scope: Scope) -> tuple[BaseRoute, Match, Scope] | None:
    """The low-priority route for ``scope``: the first full match, except that between frontends the
    longest prefix wins; else the first partial match (same rule); else None."""
    best: dict[Match, tuple[BaseRoute, Scope]] = {}
    for route in routes:
        match, child_scope = route.matches(scope)
        if match is Match.NONE:
            continue
        previous = best.get(match)
        if previous is None:
            best[match] = (route, child_scope)
            continue
        mine, theirs = _frontend_specificity(child_scope), _frontend_specificity(previous[1])
        if mine is not None and theirs is not None and mine > theirs:
            best[match] = (route, child_scope)
    for match in (Match.FULL, Match.PARTIAL):
        if match in best:
            route, child_scope = best[match]
            return route, match, child_scope
    return None
