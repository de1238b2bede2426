"""From a callable's signature to a compiled plan, and the per-request dependency solver.

``build_dependant`` runs once per route (and again only when ``dependency_overrides`` change): it reads
the signature — default-value style (``q: int = Query(3)``) and ``Annotated[int, Query()]`` alike —
resolves every parameter to a source and a coercion, and hands the result to the compiled
``fastcore._params.Plan``.  Per request, ``fastcore.executor`` solves the tree.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import inspect
import re
import sys
import types
import typing
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from starlette.background import BackgroundTasks
from starlette.requests import HTTPConnection
from starlette.responses import Response

from fastcore import _params
from fastcore._params import Coercer, Field, Plan
from fastcore.bodies import BodyParam, BodyPlan, form_item_type, upload_type
from fastcore.exceptions import FastCoreError
from fastcore.params import (
    UNSET,
    BodyInfo,
    Depends,
    FileInfo,
    FormInfo,
    HeaderInfo,
    ParamInfo,
    ParamSource,
    PathInfo,
    QueryInfo,
    Security,
)

__all__ = ["Dependant", "ParamDecl", "SecurityScopes", "build_dependant", "path_param_names"]

CALL_ASYNC, CALL_SYNC, GEN_ASYNC, GEN_SYNC = range(4)

_SOURCES = {
    ParamSource.PATH: _params.S_PATH,
    ParamSource.QUERY: _params.S_QUERY,
    ParamSource.HEADER: _params.S_HEADER,
    ParamSource.COOKIE: _params.S_COOKIE,
}
# FastAPI validates (and reports errors) by source group: path, query, header, cookie.
_SOURCE_ORDER = {_params.S_PATH: 0, _params.S_QUERY: 1, _params.S_HEADER: 2, _params.S_COOKIE: 3}

_SCALARS: dict[Any, int] = {
    str: _params.K_STR,
    bool: _params.K_BOOL,
    int: _params.K_INT,
    float: _params.K_FLOAT,
    decimal.Decimal: _params.K_DECIMAL,
    uuid.UUID: _params.K_UUID,
    datetime.datetime: _params.K_DATETIME,
    datetime.date: _params.K_DATE,
    datetime.time: _params.K_TIME,
    bytes: _params.K_BYTES,
    Any: _params.K_ANY,
}
_SEQUENCES: dict[Any, Callable[[list[Any]], Any] | None] = {
    list: None,
    typing.List: None,  # noqa: UP006
    Sequence: None,
    tuple: tuple,
    set: set,
    frozenset: frozenset,
}


class SecurityScopes:
    """Injected into a dependency: the OAuth2 scopes required by every ``Security`` above it."""

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes: list[str] = list(scopes or ())
        self.scope_str: str = " ".join(self.scopes)


class ParamDecl(typing.NamedTuple):
    """How a path/query/header/cookie parameter was declared, for the OpenAPI document only.

    The compiled ``Field`` keeps what requests need; titles, descriptions, examples and the original
    annotation live here, recorded once at start-up and never read per request.
    """

    info: ParamInfo | None  # None: undeclared (a path or query parameter by its name)
    annotation: Any


@dataclass(eq=False)
class Dependant:
    """One callable of the dependency tree with its compiled plan."""

    call: Callable[..., Any] | None
    plan: Plan
    name: str | None = None
    dependencies: list[Dependant] = field(default_factory=list)
    use_cache: bool = True
    scopes: tuple[str, ...] = ()
    kind: int = CALL_ASYNC
    path_params: frozenset[str] = frozenset()
    body_params: list[BodyParam] = field(default_factory=list)
    own_scopes: tuple[str, ...] = ()
    # Field name -> its declaration (fastcore.openapi reads it; requests never do).
    param_decls: dict[str, ParamDecl] = field(default_factory=dict)
    # ``Depends(..., run_sync_inline=...)``: None when the marker leaves it to the route.
    run_sync_inline: bool | None = None

    # Derived once here (sub-dependants are built before their parents), read per request.
    cache_key: tuple[Any, tuple[str, ...]] = field(init=False)
    has_yield: bool = field(init=False)

    uses_scopes: bool = field(init=False)

    def __post_init__(self) -> None:
        # FastAPI's rule: scopes are part of the per-request cache key only for dependencies that can
        # see them (they declare scopes, take SecurityScopes, are a security scheme, or depend on one
        # that does); ``session`` used directly and under ``Security(user, scopes=[...])`` runs once.
        self.uses_scopes = (
            bool(self.own_scopes)
            or any(f.source == _params.S_VALUE for f in self.plan.fields)
            or _is_security_scheme(self.call)
            or any(d.uses_scopes for d in self.dependencies)
        )
        self.cache_key = (self.call, tuple(sorted(set(self.scopes))) if self.uses_scopes else ())
        self.has_yield = self.kind in (GEN_ASYNC, GEN_SYNC) or any(d.has_yield for d in self.dependencies)

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.plan.fields

    def walk(self) -> Iterator[Dependant]:
        """This dependant and every sub-dependant, depth first."""
        yield self
        for dep in self.dependencies:
            yield from dep.walk()


def _is_security_scheme(call: Any) -> bool:
    # By class identity, without importing fastcore.security (which imports this module).
    return any(
        cls.__name__ == "SecurityBase" and cls.__module__ == "fastcore.security.base"
        for cls in type(call).__mro__
    )


def path_param_names(path: str) -> frozenset[str]:
    """``{"id", "rest"}`` for ``/users/{id}/files/{rest:path}``."""
    names = set()
    for part in path.split("{")[1:]:
        names.add(part.split("}", 1)[0].split(":", 1)[0])
    return frozenset(names)


def _call_kind(call: Callable[..., Any]) -> int:
    target: Any = call
    if not (inspect.isfunction(call) or inspect.ismethod(call) or inspect.isclass(call)):
        target = getattr(call, "__call__", call)  # noqa: B004 - callable instances
    if inspect.isasyncgenfunction(target):
        return GEN_ASYNC
    if inspect.isgeneratorfunction(target):
        return GEN_SYNC
    if inspect.iscoroutinefunction(target):
        return CALL_ASYNC
    return CALL_SYNC


def _signature(call: Callable[..., Any]) -> tuple[inspect.Signature, dict[str, Any]]:
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError) as exc:
        raise FastCoreError(f"cannot read the signature of {call!r}: {exc}") from exc
    target: Any = call
    if inspect.isclass(call):
        target = call.__init__
    elif not (inspect.isfunction(call) or inspect.ismethod(call)):
        target = getattr(call, "__call__", call)  # noqa: B004
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:
        # One unresolvable name (e.g. a local class under ``from __future__ import annotations``)
        # must not leave every annotation a string: resolve them one by one, keep what resolves.
        hints = {}
        namespace = getattr(inspect.unwrap(target), "__globals__", {})
        for pname, param in signature.parameters.items():
            if isinstance(param.annotation, str):
                try:
                    # The code's own annotation text, evaluated as typing.get_type_hints would.
                    hints[pname] = eval(param.annotation, dict(namespace))
                except Exception:
                    continue
    if sys.version_info < (3, 11):
        # Before 3.11, get_type_hints turns the hint of a parameter whose default is None into
        # Optional[hint], which hides an ``Annotated[..., Query()] = None`` marker: undo that.
        for pname, param in signature.parameters.items():
            hint = hints.get(pname)
            if param.default is None and get_origin(hint) is Union:
                args = get_args(hint)
                if len(args) == 2 and args[1] is type(None) and get_origin(args[0]) is Annotated:
                    hints[pname] = args[0]
    return signature, hints


def unwrap_optional(tp: Any) -> tuple[Any, bool]:
    """``(T, True)`` for ``Optional[T]`` or ``T | None`` (the union of the rest, for wider unions);
    ``(tp, False)`` for anything else."""
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) < len(get_args(tp)):
            return (args[0] if len(args) == 1 else Union[tuple(args)]), True  # noqa: UP007
    return tp, False


def supertype(tp: Any) -> Any:
    """The type a ``typing.NewType`` (or a chain of them) stands for; ``tp`` itself otherwise."""
    while hasattr(tp, "__supertype__"):  # typing.NewType
        tp = tp.__supertype__
    return tp


class EndAnchoredPattern:
    """A regex whose ``$`` means what it means to pydantic (Rust's regex): the end of the text.

    Python's ``$`` also matches just before a final newline, so ``^[a-z]+$`` would let ``"abc\\n"``
    through where FastAPI answers 422.  The coercer reads ``pattern`` (the source, for the error
    message) and calls ``search``.
    """

    __slots__ = ("_regex", "pattern")

    def __init__(self, source: str) -> None:
        self.pattern = source
        self._regex = re.compile(_end_anchored(source))

    def search(self, text: str) -> re.Match[str] | None:
        return self._regex.search(text)


def _end_anchored(source: str) -> str:
    """``source`` with every ``$`` anchor outside a character class written as ``\\Z``."""
    if "$" not in source or re.search(r"\(\?[a-zA-Z]*m", source):
        return source  # multi-line mode: ``$`` is an end of line in both engines
    out: list[str] = []
    i, n, in_class = 0, len(source), False
    while i < n:
        ch = source[i]
        if ch == "\\":
            out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            # "[]" and "[^]" open a class whose first member is a literal "]".
            j = i + 1
            if j < n and source[j] == "^":
                j += 1
            if j < n and source[j] == "]":
                out.append(source[i : j + 1])
                i = j + 1
                continue
        elif ch == "$":
            out.append(r"\Z")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _coercer(tp: Any, info: ParamInfo | None, *, for_list: bool) -> Coercer | None:
    """The compiled coercer for a scalar type, or None if ``tp`` is not a scalar we read from text."""
    tp = supertype(tp)
    constraints: dict[str, Any] = {}
    if info is not None:
        pattern = info.pattern
        constraints = {
            "gt": info.gt,
            "ge": info.ge,
            "lt": info.lt,
            "le": info.le,
            "multiple_of": info.multiple_of,
            "pattern": EndAnchoredPattern(pattern) if isinstance(pattern, str) else pattern,
        }
        if not for_list:
            constraints["min_length"] = info.min_length
            constraints["max_length"] = info.max_length
    if get_origin(tp) is Literal:
        return Coercer(_params.K_CHOICE, None, choices=list(get_args(tp)), **constraints)
    if inspect.isclass(tp) and get_origin(tp) is None and issubclass(tp, enum.Enum):
        return Coercer(_params.K_CHOICE, tp, choices=list(tp), **constraints)
    kind = _SCALARS.get(tp)
    if kind is None and tp is inspect.Parameter.empty:
        kind = _params.K_STR
    if kind is None:
        return None
    return Coercer(kind, tp, **constraints)


def _sequence_item(tp: Any) -> tuple[Any, Callable[[list[Any]], Any] | None] | None:
    origin = get_origin(tp)
    if origin is None and tp in _SEQUENCES:
        return Any, _SEQUENCES[tp]
    if origin in _SEQUENCES or origin in (list, tuple, set, frozenset):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        container = _SEQUENCES.get(origin)
        return (args[0] if args else Any), container
    return None


def _special_source(tp: Any) -> int | None:
    # get_origin: on Python 3.10 ``list[int]`` passes inspect.isclass, but issubclass rejects it.
    if not inspect.isclass(tp) or get_origin(tp) is not None:
        return None
    if issubclass(tp, HTTPConnection):
        return _params.S_REQUEST
    if issubclass(tp, Response):
        return _params.S_RESPONSE
    if issubclass(tp, BackgroundTasks):
        return _params.S_BACKGROUND
    if issubclass(tp, SecurityScopes):
        return _params.S_VALUE
    return None


def _describe(call: Callable[..., Any]) -> str:
    return getattr(call, "__qualname__", None) or repr(call)


def _param_field(
    call: Callable[..., Any],
    name: str,
    annotation: Any,
    default: Any,
    info: ParamInfo | None,
    path_params: frozenset[str],
) -> Field:
    """The plan field for one path/query/header/cookie parameter."""
    tp, _optional = unwrap_optional(annotation)
    if info is None:
        info = PathInfo() if name in path_params else QueryInfo()
    if info.source is ParamSource.BODY:
        raise FastCoreError(
            f"{_describe(call)}: parameter {name!r} is a request body ({type(info).__name__}); "
            "request bodies, forms and files are not supported yet"
        )
    if isinstance(info, PathInfo) and name not in path_params and (info.alias or name) not in path_params:
        raise FastCoreError(f"{_describe(call)}: path parameter {name!r} does not appear in the route's path")
    source = _SOURCES[info.source]
    required = (default is UNSET or default is Ellipsis) and info.default_factory is None
    if isinstance(info, PathInfo):
        required = True
    is_list = False
    container = None
    item = _sequence_item(tp)
    if item is not None and source in (_params.S_QUERY, _params.S_HEADER):
        is_list = True
        item_tp, container = item
        coercer = _coercer(unwrap_optional(item_tp)[0], info, for_list=True)
    else:
        coercer = _coercer(tp, info, for_list=False)
        item_tp = tp
    if coercer is None:
        where = info.source.value
        raise FastCoreError(
            f"{_describe(call)}: {where} parameter {name!r} has type {item_tp!r}, which cannot be read "
            f"from a {where} string (use str, int, float, bool, Decimal, UUID, datetime, date, time, an "
            "Enum, a Literal, or a list of those)"
        )
    label = info.alias or name
    key = label
    if isinstance(info, HeaderInfo):
        if info.alias is None and info.convert_underscores:
            label = name.replace("_", "-")
        key = label.lower()
    return Field(
        name,
        key,
        source,
        coercer,
        required=required,
        default=None if required else default,
        factory=info.default_factory,
        is_list=is_list,
        list_min=info.min_length if is_list else None,
        list_max=info.max_length if is_list else None,
        container=container,
        label=label,
    )


def build_dependant(
    call: Callable[..., Any],
    *,
    path: str,
    name: str | None = None,
    use_cache: bool = True,
    scopes: Sequence[str] = (),
    overrides: Mapping[Callable[..., Any], Callable[..., Any]] | None = None,
    extra: Sequence[Depends] = (),
    path_params: frozenset[str] | None = None,
    own_scopes: tuple[str, ...] = (),
) -> Dependant:
    """Analyse ``call``'s signature (and, recursively, its dependencies') into a ``Dependant``."""
    if path_params is None:
        path_params = path_param_names(path)
    if overrides:
        call = overrides.get(call, call)
    signature, hints = _signature(call)
    fields: list[Field] = []
    dependencies: list[Dependant] = []
    body_params: list[BodyParam] = []
    decls: dict[str, ParamDecl] = {}
    for dep in extra:
        dependencies.append(_sub_dependant(dep, None, None, path, scopes, overrides, path_params))
    for pname, param in signature.parameters.items():
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        annotation = hints.get(pname, param.annotation)
        if isinstance(annotation, str):
            raise FastCoreError(
                f"{_describe(call)}: cannot resolve the annotation {annotation!r} of parameter {pname!r} "
                "(a name defined inside a function, under `from __future__ import annotations`?)"
            )
        default = UNSET if param.default is inspect.Parameter.empty else param.default
        marker: ParamInfo | Depends | None = None
        if get_origin(annotation) is Annotated:
            args = get_args(annotation)
            annotation = args[0]
            for meta in args[1:]:
                if isinstance(meta, (ParamInfo, Depends)):
                    marker = meta
            if isinstance(marker, ParamInfo) and marker.default is not UNSET and default is not UNSET:
                raise FastCoreError(
                    f"{_describe(call)}: give {pname!r} its default either in Annotated or as the "
                    "default value"
                )
            if isinstance(marker, ParamInfo) and default is UNSET:
                default = marker.default
        if isinstance(default, Depends):
            marker, default = default, UNSET
        elif isinstance(default, ParamInfo):
            marker, default = default, default.default
        if isinstance(marker, Depends):
            dependencies.append(
                _sub_dependant(marker, pname, annotation, path, scopes, overrides, path_params)
            )
            continue
        special = _special_source(annotation) if marker is None else None
        if special is not None:
            # A fresh SecurityScopes per request: a handler may mutate the one it gets.
            factory = functools.partial(SecurityScopes, tuple(scopes)) if special == _params.S_VALUE else None
            fields.append(Field(pname, pname, special, None, required=False, factory=factory))
            continue
        if isinstance(marker, BodyInfo) or (marker is None and _is_body_type(annotation, pname, path_params)):
            body_params.append(_body_param(call, pname, annotation, default, marker))
            continue
        fields.append(_param_field(call, pname, annotation, default, marker, path_params))
        decls[pname] = ParamDecl(marker, annotation)
    fields.sort(key=lambda f: _SOURCE_ORDER.get(f.source, 9))
    # When every parameter is a plain positional one filled by the plan, the plan also learns the
    # signature's order, so a route can call its handler positionally (Plan.extract_args).
    positional = len(fields) == len(signature.parameters) and all(
        p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for p in signature.parameters.values()
    )
    return Dependant(
        call=call,
        plan=Plan(fields, order=list(signature.parameters) if positional else None),
        name=name,
        dependencies=dependencies,
        use_cache=use_cache,
        scopes=tuple(scopes),
        kind=_call_kind(call),
        path_params=path_params,
        body_params=body_params,
        own_scopes=own_scopes,
        param_decls=decls,
    )


def _is_body_type(annotation: Any, name: str, path_params: frozenset[str]) -> bool:
    """FastAPI's rule for an undeclared parameter: anything not read from text is the body."""
    if name in path_params:
        return False
    tp = unwrap_optional(annotation)[0]
    if upload_type(form_item_type(annotation)[0]):
        return True
    return _sequence_item(tp) is not None or _coercer(tp, None, for_list=False) is None


def _body_param(
    call: Callable[..., Any], name: str, annotation: Any, default: Any, info: BodyInfo | None
) -> BodyParam:
    if annotation is inspect.Parameter.empty:
        annotation = Any
    item_tp, is_list = form_item_type(annotation)
    if info is None:
        info = FileInfo() if upload_type(item_tp) else BodyInfo()
    required = (default is UNSET or default is Ellipsis) and info.default_factory is None
    param = BodyParam(
        name=name,
        alias=info.alias or name,
        annotation=annotation,
        info=info,
        required=required,
        default=None if required else default,
    )
    if isinstance(info, FormInfo):
        param.is_list = is_list
        param.is_file = isinstance(info, FileInfo) or upload_type(item_tp)
        if upload_type(item_tp) or item_tp is bytes:
            return param
        coercer = _coercer(unwrap_optional(item_tp)[0], info, for_list=is_list)
        if coercer is None and not is_list:
            param.is_model = True  # Annotated[Model, Form()]: the model's fields are the form's
        elif coercer is None:
            raise FastCoreError(
                f"{_describe(call)}: form parameter {name!r} has unsupported type {item_tp!r}"
            )
        param.coercer = coercer
    return param


def route_body_plan(dependant: Dependant, *, max_size: int | None, where: str) -> BodyPlan | None:
    """The body plan of a route: every body parameter of its tree, first declaration of a name wins."""
    seen: dict[str, BodyParam] = {}
    for dep in dependant.walk():
        for param in dep.body_params:
            seen.setdefault(param.name, param)
    if not seen:
        return None
    return BodyPlan(list(seen.values()), max_size=max_size, where=where)


def _sub_dependant(
    marker: Depends,
    name: str | None,
    annotation: Any,
    path: str,
    scopes: Sequence[str],
    overrides: Mapping[Callable[..., Any], Callable[..., Any]] | None,
    path_params: frozenset[str],
) -> Dependant:
    call = marker.dependency
    if call is None:
        # ``Depends()`` with an annotated class: the class is the dependency.
        call = unwrap_optional(annotation)[0] if annotation is not None else None
        if not callable(call) or annotation is inspect.Parameter.empty:
            raise FastCoreError(f"Depends() on {name!r} needs a dependency or a class annotation")
    own = marker.scopes if isinstance(marker, Security) else []
    # FastAPI lists each scope once, parents' first.
    sub_scopes = [*scopes, *(s for s in dict.fromkeys(own) if s not in scopes)]
    sub = build_dependant(
        call,
        path=path,
        name=name,
        use_cache=marker.use_cache,
        scopes=sub_scopes,
        own_scopes=tuple(own),
        overrides=overrides,
        path_params=path_params,
    )
    sub.run_sync_inline = marker.run_sync_inline
    return sub
