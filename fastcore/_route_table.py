"""What the compiled tree holds and what it cannot: route placement, fallbacks, registration checks.

The tree (``fastcore._router``) expresses Starlette's built-in converters with ``{p:path}`` as the
whole last segment.  Any other template Starlette's ``compile_path`` accepts — ``/files/{p:path}/meta``,
``/f/{p:path}.txt``, a converter registered with ``starlette.convertors.register_url_convertor`` —
is a *fallback*: matched by the route's own compiled regex and converted by its own convertors,
exactly as Starlette matches it.  An app without fallbacks dispatches on the bare tree; one with
fallbacks gets a ``FallbackTree``, whose ``match`` has the tree's signature and results.

Precedence, FastAPI's declaration order wherever the tree leaves room for it:

- the tree picks its route (static beats parameter, see ``fastcore._router``); a fallback route
  declared *before* that route that fully matches (path and method) wins over it;
- when the tree has no route for the path and method (404 or 405), the first fallback that fully
  matches wins;
- otherwise a 405's ``Allow`` lists the tree's methods for the path, then those of every fallback
  whose template matches the path.

Registration (``check`` and ``DuplicateIndex``) runs when a route is added: a template that cannot
be routed is an error then, never a 500 at request time, and a route that can never match because
an earlier one has the same path shape and method is logged as a warning on ``fastcore``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from starlette import routing
from starlette.convertors import (
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    PathConvertor,
    StringConvertor,
    UUIDConvertor,
)

from fastcore import _router
from fastcore.exceptions import FastCoreError
from fastcore.logger import logger

__all__ = ["DuplicateIndex", "FallbackTree", "build", "check", "methods_of", "template_of"]

error_log = logging.getLogger("fastcore.error")

WEBSOCKET = "WEBSOCKET"  # the tree's pseudo-method for WebSocket routes
_FOUND = _router.FOUND
_METHOD_NOT_ALLOWED = _router.METHOD_NOT_ALLOWED

# The convertors the tree implements itself, by the name a template uses for them.
_TREE_CONVERTORS: dict[str, type[Convertor[Any]]] = {
    "str": StringConvertor,
    "path": PathConvertor,
    "int": IntegerConvertor,
    "float": FloatConvertor,
    "uuid": UUIDConvertor,
}

Shape = tuple[str, ...]


def template_of(route: routing.BaseRoute) -> str | None:
    """The path template a route is matched by, or None for routes that match otherwise (Host)."""
    # isinstance on the path too: a route changed after it was built must not break the others.
    path: object = getattr(route, "path", None)
    if not isinstance(path, str):
        return None
    if isinstance(route, routing.Route | routing.WebSocketRoute):
        return path
    if isinstance(route, routing.Mount):
        return path.rstrip("/") + "/{path:path}"
    return None


def methods_of(route: routing.BaseRoute) -> frozenset[str] | None:
    """The methods a route answers (WebSocket routes: ``WEBSOCKET``); None for any method."""
    if isinstance(route, routing.Route):
        return frozenset(route.methods) if route.methods else None
    if isinstance(route, routing.WebSocketRoute):
        return frozenset((WEBSOCKET,))
    return None


def _shape(template: str) -> Shape:
    """The template with its parameter names left out: ``/u/{a}`` and ``/u/{b:str}`` are one shape.

    Literal text and converter names alternate, so two different templates never share a shape.
    """
    parts: list[str] = []
    start = 0
    for param in routing.PARAM_REGEX.finditer(template):
        parts.append(template[start : param.start()])
        parts.append(param.group(2) or ":str")
        start = param.end()
    parts.append(template[start:])
    return tuple(parts)


def _tree_convertors(route: routing.BaseRoute, template: str) -> bool:
    """Whether every parameter uses the Starlette convertor the tree implements for its name.

    A name registered with ``register_url_convertor`` (or a built-in name registered over) is
    matched by the route's own regex and convertor instead.
    """
    convertors: dict[str, Any] = getattr(route, "param_convertors", None) or {}
    for param in routing.PARAM_REGEX.finditer(template):
        kind = (param.group(2) or ":str")[1:]
        if type(convertors.get(param.group(1))) is not _TREE_CONVERTORS.get(kind):
            return False
    return True


def _starlette_matcher(route: routing.BaseRoute) -> tuple[re.Pattern[str], dict[str, Any]] | None:
    """The route's compiled regex and convertors if Starlette can match it, else None."""
    pattern = getattr(route, "path_regex", None)
    convertors = getattr(route, "param_convertors", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(convertors, dict):
        return None
    # A convertor whose regex holds a named group of its own would make every match look up a
    # convertor that does not exist (Starlette answers such a request with a 500).
    if set(pattern.groupindex) != set(convertors):
        return None
    return pattern, convertors


def check(route: routing.BaseRoute) -> None:
    """Raise ``FastCoreError`` when neither the tree nor Starlette's own matching can route ``route``.

    Starlette's constructors already raise for what its ``compile_path`` refuses (an unknown
    convertor, a duplicated parameter name), before this runs.
    """
    template = template_of(route)
    if template is None:
        return
    pattern = getattr(route, "path_regex", None)
    convertors = getattr(route, "param_convertors", None)
    if isinstance(pattern, re.Pattern) and isinstance(convertors, dict):
        if _starlette_matcher(route) is not None:
            return  # Starlette's regex routes it, if the tree cannot
        extra = sorted(set(pattern.groupindex) - set(convertors))
        raise FastCoreError(
            f"route path {template!r} cannot be routed: its convertors' regexes define the named "
            f"groups {extra}, which are not parameters of the path (Starlette answers its requests "
            "with a 500)"
        )
    try:
        _router.compile_template(template)  # no regex of Starlette's: only the tree can route it
    except ValueError as exc:
        raise FastCoreError(f"route path {template!r} cannot be routed: {exc}") from exc


# --- duplicates ---------------------------------------------------------------------------------


def _describe(route: routing.BaseRoute) -> str:
    name = getattr(route, "name", None)
    methods = methods_of(route)
    shown = "any method" if methods is None else ", ".join(sorted(methods))
    return f"{shown} {getattr(route, 'path', '')!r}" + (f" (name {name!r})" if name else "")


def _explicit(methods: frozenset[str] | None) -> frozenset[str] | None:
    """``methods`` without the HEAD Starlette adds to GET routes: an explicit HEAD route is no duplicate."""
    if methods is not None and "GET" in methods:
        return methods - {"HEAD"}
    return methods


def _overlap(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The methods both answer; None when both answer any method; empty when they share none."""
    if a is None or b is None:
        return None if a is b else frozenset()
    return a & b


def _caller_location() -> str:
    """``file:line`` of the first frame outside fastcore and Starlette: the app's own code."""
    frame = sys._getframe(2)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] in (
        "fastcore",
        "starlette",
    ):
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


class DuplicateIndex:
    """A router's registered routes by path shape, to warn when a new one can never match."""

    def __init__(self) -> None:
        self._by_shape: dict[Shape, list[routing.BaseRoute]] = {}

    def note(self, route: routing.BaseRoute, routes: Sequence[routing.BaseRoute]) -> None:
        """Record ``route`` (about to join ``routes``); warn if an earlier route shadows it."""
        template = template_of(route)
        if template is None:
            return
        shape = _shape(template)
        earlier = self._by_shape.setdefault(shape, [])
        methods = _explicit(methods_of(route))
        for other in earlier:
            overlap = _overlap(_explicit(methods_of(other)), methods)
            if overlap is not None and not overlap:
                continue
            # Rare: only then is it worth checking the earlier route is still registered.
            if not any(other is candidate for candidate in routes):
                continue
            shared = "any method" if overlap is None else ", ".join(sorted(overlap))
            # A log line, not a Python warning: FastAPI accepts such apps silently, and a warning
            # would fail test suites that run with warnings as errors (FastAPI's own does).
            logger.warning(
                "%s: route %s can never match for %s: %s, registered before it, has the same path shape",
                _caller_location(), _describe(route), shared, _describe(other),
            )
            break
        earlier.append(route)


# --- dispatch -----------------------------------------------------------------------------------


class _Fallback:
    """A route the tree cannot hold, matched by its own regex and convertors."""

    __slots__ = ("convertors", "fullmatch", "methods", "position", "route")

    def __init__(
        self,
        route: routing.BaseRoute,
        position: int,
        methods: frozenset[str] | None,
        pattern: re.Pattern[str],
        convertors: dict[str, Any],
    ) -> None:
        self.route = route
        self.position = position
        self.methods = methods
        # fullmatch: Starlette's ``match`` lets "$" match before a trailing newline; the tree does not.
        self.fullmatch = pattern.fullmatch
        self.convertors = convertors

    def params(self, path: str) -> dict[str, Any] | None:
        """The converted path parameters, or None when the path does not match."""
        found = self.fullmatch(path)
        if found is None:
            return None
        try:
            return {name: self.convertors[name].convert(value) for name, value in found.groupdict().items()}
        except Exception:
            # A user convertor that fails on some input: that input does not match the route
            # (Starlette would answer 500), and the search goes on.
            return None


class FallbackTree:
    """The tree plus the routes it cannot hold; ``match`` answers as ``_router.Router.match`` does."""

    __slots__ = ("_fallbacks", "_positions", "_tree")

    def __init__(self, tree: _router.Router, fallbacks: list[_Fallback], positions: dict[int, int]) -> None:
        self._tree = tree
        self._fallbacks = fallbacks
        self._positions = positions  # id(route) -> declaration position, for the tree's routes

    def __len__(self) -> int:
        return len(self._tree) + len(self._fallbacks)

    def match(self, method: str, path: str) -> tuple[int, Any, Any]:
        result = status, found, extra = self._tree.match(method, path)
        if status == _FOUND:
            # Declaration order between the tree's choice and the fallbacks declared before it.
            before = self._positions.get(id(found), -1)
            for fallback in self._fallbacks:
                if fallback.position > before:
                    break
                if fallback.methods is None or method in fallback.methods:
                    params = fallback.params(path)
                    if params is not None:
                        return _FOUND, fallback.route, params
            return result
        allowed: list[str] = list(extra) if status == _METHOD_NOT_ALLOWED else []
        for fallback in self._fallbacks:
            if fallback.methods is None or method in fallback.methods:
                params = fallback.params(path)
                if params is not None:
                    return _FOUND, fallback.route, params
            elif fallback.fullmatch(path) is not None:
                allowed.extend(m for m in sorted(fallback.methods) if m not in allowed)
        if allowed:
            return _METHOD_NOT_ALLOWED, None, tuple(allowed)
        return result


def _dispatch_methods(
    routes: Sequence[routing.BaseRoute],
) -> list[tuple[str, frozenset[str] | None] | None]:
    """Each route's (template, methods) for dispatch, None for routes without a template.

    A GET route answers HEAD too (Starlette's rule) unless a route of the same shape declares HEAD
    itself: that one answers it, as it does in FastAPI, whatever the declaration order.
    """
    placed: list[tuple[str, frozenset[str] | None] | None] = []
    explicit_head: set[Shape] = set()
    for route in routes:
        template = template_of(route)
        methods = methods_of(route)
        placed.append(None if template is None else (template, methods))
        if template is not None and methods is not None and "HEAD" in methods and "GET" not in methods:
            explicit_head.add(_shape(template))
    if explicit_head:
        for i, entry in enumerate(placed):
            if entry is not None and entry[1] is not None and "GET" in entry[1]:
                if _shape(entry[0]) in explicit_head:
                    placed[i] = (entry[0], entry[1] - {"HEAD"})
    return placed


def build(
    routes: Iterable[routing.BaseRoute],
) -> tuple[_router.Router | FallbackTree, list[routing.BaseRoute]]:
    """The dispatcher for ``routes``, and the routes matched by their own ``matches()`` (Host...).

    Never raises for one bad route (one appended to ``router.routes`` after its attributes were
    changed, say): that one is logged and left out, the others keep working.
    """
    routes = list(routes)
    tree = _router.Router()
    fallbacks: list[_Fallback] = []
    positions: dict[int, int] = {}
    unplaced: list[routing.BaseRoute] = []
    for position, (route, entry) in enumerate(zip(routes, _dispatch_methods(routes), strict=True)):
        if entry is None:
            unplaced.append(route)
            continue
        template, methods = entry
        try:
            if _tree_convertors(route, template):
                tree.add(template, sorted(methods) if methods is not None else None, route)
                positions[id(route)] = position
                continue
        except Exception:
            # Whatever is wrong with it, it is no tree route (Router.add checks all before it adds).
            pass
        matcher = _starlette_matcher(route)
        if matcher is None:
            # Only a route changed after it was checked gets here; its own matches() would fail on
            # every request that reaches it, so it is left out.
            error_log.error("%r cannot be routed; it is ignored (was it changed once added?)", route)
        else:
            fallbacks.append(_Fallback(route, position, methods, *matcher))
    if not fallbacks:
        return tree, unplaced
    return FallbackTree(tree, fallbacks, positions), unplaced
