"""From a callable's signature to a compiled plan, and the per-request dependency solver.

``build_dependant`` runs once per route (and again only when ``dependency_overrides`` change): it reads
the signature — default-value style (``q: int = Query(3)``) and ``Annotated[int, Query()]`` alike —
resolves every parameter to a source and a coercion, and hands the result to the compiled
``fastcore._params.Plan``.  Per request, ``fastcore.executor`` solves the tree.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
import sys
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastcore import _params, typemodel
from fastcore._params import Coercer, Conn, Field, Plan
from fastcore.bodies import BodyParam, BodyPlan, Converter
from fastcore.concurrency import DependencyLimit
from fastcore.exceptions import DependencyScopeError, FastCoreError, UnsupportedParameterTypeError
from fastcore.params import (
    UNSET,
    BodyInfo,
    CookieInfo,
    Depends,
    FileInfo,
    FormInfo,
    HeaderInfo,
    ParamInfo,
    ParamSource,
    PathInfo,
    QueryInfo,
    Security,
    SecurityScopes,
)
from fastcore.typemodel import (
    CHOICE,
    INJECTED,
    MODEL,
    OPTIONAL,
    OTHER,
    SCALAR,
    SCALAR_KINDS,
    SEQUENCE,
    UPLOAD,
    FieldNode,
    Node,
    model_extra,
    model_fields,
    node_of,
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
    # Set on the sub-dependant standing for an ``Annotated[Model, Query()]`` parameter, or for a
    # parameter pydantic validates.
    param_model: ParamModel | PydanticParam | None = None
    # ``Depends(..., run_sync_inline=...)``: None when the marker leaves it to the route.
    run_sync_inline: bool | None = None
    # ``Depends(..., scope=...)`` as declared, and ``Depends(..., max_concurrency=N)``'s accounting.
    scope: Literal["function", "request"] | None = None
    limit: DependencyLimit | None = None

    # Derived once here (sub-dependants are built before their parents), read per request.
    cache_key: tuple[Any, tuple[str, ...], str] = field(init=False)
    has_yield: bool = field(init=False)
    # A yield dependency whose clean-up runs when the path operation returns (scope="function").
    function_scoped: bool = field(init=False)
    has_function_scope: bool = field(init=False)

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
        identity = self.call if self.param_model is None else self.param_model
        is_gen = self.kind in (GEN_ASYNC, GEN_SYNC)
        # FastAPI's rule: the scope is part of the cache key, so ``Depends(dep, scope="function")``
        # and ``Depends(dep)`` (a yield dependency's default, "request") are two values.
        scope = self.scope or ("request" if is_gen else "")
        self.cache_key = (identity, tuple(sorted(set(self.scopes))) if self.uses_scopes else (), scope)
        self.has_yield = is_gen or any(d.has_yield for d in self.dependencies)
        self.function_scoped = is_gen and self.scope == "function"
        self.has_function_scope = self.function_scoped or any(d.has_function_scope for d in self.dependencies)

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


def _impartial(call: Any) -> Any:
    while isinstance(call, functools.partial):
        call = call.func
    return call


def _unwrapped(call: Any) -> Any:
    try:
        return inspect.unwrap(_impartial(call))
    except ValueError:  # a __wrapped__ cycle
        return _impartial(call)


def _kind_candidates(call: Callable[..., Any]) -> list[Any]:
    """What decides whether ``call`` is a coroutine or generator function: the callable itself, seen
    through ``functools.partial`` and decorators' ``__wrapped__``, and for a callable instance
    its ``__call__`` seen the same way (FastAPI's rule)."""
    base, unwrapped = _impartial(call), _unwrapped(call)
    out = [base, unwrapped]
    if not inspect.isclass(unwrapped):
        for owner in (base, unwrapped):
            if inspect.isfunction(owner) or inspect.ismethod(owner):
                continue
            dunder = getattr(owner, "__call__", None)  # noqa: B004 - callable instances
            if dunder is not None:
                out += [_impartial(dunder), _unwrapped(dunder)]
    return out


def _call_kind(call: Callable[..., Any]) -> int:
    # The outermost function that says what it is decides: a decorator's ``async def`` wrapper
    # makes a coroutine function of what it wraps; a plain ``def`` wrapper says nothing.
    for candidate in _kind_candidates(call):
        if inspect.isgeneratorfunction(candidate):
            return GEN_SYNC
        if inspect.isasyncgenfunction(candidate):
            return GEN_ASYNC
        if inspect.iscoroutinefunction(candidate):
            return CALL_ASYNC
    return CALL_SYNC


def takes_by_position(call: Callable[..., Any], names: Sequence[str]) -> bool:
    """Whether ``call`` itself takes exactly the parameters ``names``, in that order, each by
    position.  Its own signature, not the one ``functools.wraps`` shows: a decorator's wrapper
    may take only ``**kwargs`` (FastAPI calls with keywords, so such wrappers work there)."""
    try:
        own = inspect.signature(call, follow_wrapped=False)
    except (TypeError, ValueError):
        return False
    parameters = list(own.parameters.values())
    by_position = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in parameters] == list(names) and all(p.kind in by_position for p in parameters)


def _signature(call: Callable[..., Any]) -> tuple[inspect.Signature, dict[str, Any]]:
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError) as exc:
        raise FastCoreError(f"cannot read the signature of {call!r}: {exc}") from exc
    target: Any = _impartial(call)
    if inspect.isclass(target):
        target = target.__init__
    elif not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(target, "__call__", target)  # noqa: B004
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
            annotated = typemodel.optional_annotated(hint) if param.default is None else None
            if annotated is not None:
                hints[pname] = annotated
    return signature, hints


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


def _coercer(node: Node, info: ParamInfo | None, *, for_list: bool) -> Coercer | None:
    """The compiled coercer for a node read from text, or None if it is not read from text."""
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
        if info.extra.get("allow_inf_nan") is True and node.kind == SCALAR and node.scalar is float:
            constraints["allow_inf_nan"] = True
        if not for_list:
            constraints["min_length"] = info.min_length
            constraints["max_length"] = info.max_length
    if node.kind == CHOICE:
        target = None if typemodel.is_literal(node.tp) else node.tp  # an Enum's errors say "enum"
        return Coercer(_params.K_CHOICE, target, choices=node.choices, **constraints)
    if not node.readable:
        return None
    return Coercer(SCALAR_KINDS[node.scalar], node.scalar, **constraints)


class ModelKey(typing.NamedTuple):
    """One field of a parameter model: the key pydantic validates and the key the request uses."""

    field: FieldNode
    key: str          # the field's (validation) alias, the key of the dict that is validated
    request_key: str  # where the value is looked up (a header name, lower-case)
    is_list: bool
    # Every (key, request_key) the field may be given under, in order of preference; the first
    # the request has is read (pydantic's AliasChoices, a model validating by name).
    choices: tuple[tuple[str, str], ...]


class ParamModel:
    """``Annotated[Model, Query()]`` (``Header()``, ``Cookie()``): the model's fields are the parameters.

    As FastAPI does: each field is looked up under the first of its aliases the request has (a
    header's own name with underscores converted), list fields take every repeated value, the keys
    no field claims are given too (the model's ``extra`` setting decides), and the model validates
    the dict — errors at ``(source, *field loc)``.  ``Model | None`` is given only when the request
    has one of its fields (or, for a model allowing or forbidding extras, any key at all); otherwise
    the default, or a missing error when there is none.
    """

    def __init__(self, name: str, node: Node, info: ParamInfo, default: Any, where: str) -> None:
        self.name = name
        self.node = node
        self.info = info
        self.where = info.source.value
        self.source = _SOURCES[info.source]
        self.factory = info.default_factory
        # With a default the model may be left out (OpenAPI: its fields are not required).
        self.optional = (default is not UNSET and default is not Ellipsis) or self.factory is not None
        self.nullable = node.kind == OPTIONAL
        self.default = None if default is UNSET else default
        self.validate_default = bool(info.extra.get("validate_default"))
        self.takes_extras = model_extra(node) in ("allow", "forbid")
        is_header = isinstance(info, HeaderInfo)
        convert = isinstance(info, HeaderInfo) and info.convert_underscores
        self.keys: list[ModelKey] = []
        self.own: set[str] = set()  # every request key of every field: one present activates it
        self.header_names: dict[str, str] = {}  # field key -> header name, for the errors' loc
        self.skip: set[str] = set()  # unconverted header names: never extras
        for f in model_fields(node):
            choices: list[tuple[str, str]] = []
            for alias in f.aliases:
                # The field's own name is converted (x_tag -> x-tag); an alias is literal.
                request_key = alias.replace("_", "-") if convert and alias == f.name else alias
                if is_header:
                    request_key = request_key.lower()
                    if request_key != alias.lower():
                        self.skip.add(alias.lower())
                        self.header_names[alias] = request_key
                choices.append((alias, request_key))
                self.own.add(request_key)
            key, request_key = choices[0]
            self.keys.append(ModelKey(f, key, request_key, f.node.base.kind == SEQUENCE, tuple(choices)))
        self.converter = Converter(node.base.tp, where)

    def extract(self, conn: Conn, errors: list[Any]) -> Any:
        """The model from the request (per request); errors are appended to ``errors``."""
        source = self.source
        raw: Mapping[str, Any]
        if source == _params.S_QUERY:
            raw = conn.query
        elif source == _params.S_HEADER:
            raw = conn.headers
        else:
            raw = conn.cookies
        many = source != _params.S_COOKIE  # query and headers map to lists of values
        data: dict[str, Any] = {}
        processed = set(self.skip)
        value: Any
        for key in self.keys:
            alias, request_key = next((c for c in key.choices if c[1] in raw), key.choices[0])
            processed.add(request_key)
            value = raw.get(request_key)
            if value is None or (many and not value):
                continue
            if many and not key.is_list:
                # Starlette: the last query value wins, the first header value.
                value = value[-1] if source == _params.S_QUERY else value[0]
            elif not many and key.is_list:
                value = [value]
            data[alias] = value
        for name, extra in raw.items():
            if name not in processed:
                data[name] = extra if not many or len(extra) != 1 else extra[0]
        payload: Any = data
        if self.nullable and self.own.isdisjoint(raw) and not (self.takes_extras and data):
            if not self.optional:
                errors.append(_params.missing_error((self.where,)))
                return None
            payload = self.factory() if self.factory is not None else copy.deepcopy(self.default)
            if not self.validate_default:
                return payload
            if payload is None:
                return None
        value, errs = self.converter.convert(payload, (self.where,))
        if errs:
            for err in errs:
                loc = err["loc"]
                if len(loc) > 1 and loc[1] in self.header_names:
                    err["loc"] = (loc[0], self.header_names[loc[1]], *loc[2:])
            errors.extend(errs)
            return None
        return value


_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern")


class PydanticParam:
    """A path/query/header/cookie parameter pydantic validates (its type or its metadata asks for it).

    Read like any parameter (the last query value, the first header value, every value for a list),
    then validated by ``pydantic.TypeAdapter`` of the annotation with its metadata; errors at
    ``(source, name, ...)``, as FastAPI reports them.
    """

    def __init__(self, name: str, node: Node, info: ParamInfo | None, default: Any,
                 path_params: frozenset[str]) -> None:
        if info is None:
            info = PathInfo() if name in path_params else QueryInfo()
        self.name = name
        self.node = node
        self.info = info
        self.where = info.source.value
        self.source = _SOURCES[info.source]
        label = info.request_alias or name
        if isinstance(info, HeaderInfo) and info.request_alias is None and info.convert_underscores:
            label = name.replace("_", "-")
        self.label = label
        self.key = label.lower() if isinstance(info, HeaderInfo) else label
        self.is_list = node.base.kind == SEQUENCE and self.source in (_params.S_QUERY, _params.S_HEADER)
        self.default = None if default is UNSET else default
        self.factory = info.default_factory
        self.validate_default = False
        self.adapter: Any = None
        self.union: TextUnion | None = None
        pydantic = sys.modules.get("pydantic")
        if pydantic is None:
            # A union read from text (int | str) in an app that does not use pydantic.
            self.union = TextUnion(typing.cast(list[Node], node.text_members), info)
        else:
            # pydantic's Field() in the annotation may give the default factory and validate_default;
            # the Query()/Header()... declaration's own validate_default wins (FastAPI's precedence).
            for meta in node.metadata:
                if isinstance(meta, pydantic.fields.FieldInfo):
                    self.factory = self.factory or meta.default_factory
                    self.validate_default = self.validate_default or bool(meta.validate_default)
            if info.extra.get("validate_default") is not None:
                self.validate_default = bool(info.extra["validate_default"])
        self.required = isinstance(info, PathInfo) or (
            (default is UNSET or default is Ellipsis) and self.factory is None)
        if pydantic is None:
            return
        # FastAPI's declaration options and constraints pydantic applies (union_mode, gt...): given
        # on the Query()/Header()... they override a Field() in the annotation, so they come last.
        # A Field()'s default and validate_default are the parameter's (above), not the type's.
        options = {**info.pydantic_options, **{k: getattr(info, k) for k in _CONSTRAINTS
                                               if getattr(info, k) is not None}}
        metadata = tuple(part for meta in node.metadata for part in (
            meta.metadata if isinstance(meta, pydantic.fields.FieldInfo) else [meta]))
        if options:
            metadata = (*metadata, pydantic.Field(**options))
        args = (node.tp, *metadata)
        annotation = typing.cast(Any, Annotated)[args] if metadata else node.tp
        self.adapter = pydantic.TypeAdapter(annotation)

    def extract(self, conn: Conn, errors: list[Any]) -> Any:
        source = self.source
        value: Any
        if source == _params.S_PATH:
            value = (conn.scope.get("path_params") or {}).get(self.key)
        elif source == _params.S_COOKIE:
            value = conn.cookies.get(self.key)
        else:
            values = (conn.query if source == _params.S_QUERY else conn.headers).get(self.key)
            if not values:
                value = None
            elif self.is_list:
                value = values
            else:
                value = values[-1] if source == _params.S_QUERY else values[0]
        loc = (self.where, self.label)
        if value is None:
            if self.required:
                errors.append(_params.missing_error(loc))
                return None
            value = self.factory() if self.factory is not None else copy.deepcopy(self.default)
            if not self.validate_default:
                return value
        if self.union is not None:
            value, errs = self.union(value, loc)
            errors.extend(errs)
            return value
        try:
            return self.adapter.validate_python(value)
        except sys.modules["pydantic"].ValidationError as exc:
            for err in exc.errors(include_url=False):
                err["loc"] = (*loc, *err["loc"])
                errors.append(err)
            return None


class TextUnion:
    """A union of members read from text (``int | str``) when pydantic is not in use: the string is
    tried against the members as pydantic does — ``union_mode="smart"`` (the default) takes a member
    that accepts the string as it is (``str``, a matching ``Literal``) first, then the first member
    that converts it; ``"left_to_right"`` the first member that converts it.  When none does, every
    member's error is reported, at ``(*loc, member tag)`` as pydantic reports them."""

    def __init__(self, members: list[Node], info: ParamInfo) -> None:
        self.coercers = [(m.member_tag, typing.cast(Coercer, _coercer(m, info, for_list=False)))
                         for m in members]
        exact = [(tag, c) for (tag, c), m in zip(self.coercers, members, strict=True)
                 if m.scalar is str or (m.kind == CHOICE and typemodel.is_literal(m.tp))]
        smart = info.extra.get("union_mode", "smart") != "left_to_right"
        self.order = [*exact, *self.coercers] if smart else self.coercers

    def __call__(self, raw: str, loc: tuple[str | int, ...]) -> tuple[Any, list[Any]]:
        for tag, coercer in self.order:
            value, errs = coercer(raw, (*loc, tag))
            if not errs:
                return value, []
        errors: list[Any] = []
        for tag, coercer in self.coercers:
            errors.extend(coercer(raw, (*loc, tag))[1])
        return None, errors


def _path_alias(info: PathInfo, path_params: frozenset[str]) -> PathInfo:
    """``Path(validation_alias=AliasChoices("item_id", "id"))`` read under the first choice the
    route's path has (a dependency shared by ``/items/{item_id}`` and ``/legacy/{id}`` reads each);
    none there: under its alias or name, as FastAPI does.  The shared declaration is left as it is."""
    choices = info.alias_choices
    if not choices:
        return info
    resolved = copy.copy(info)
    resolved.validation_alias = next((c for c in choices if c in path_params), None)
    return resolved


def _pydantic_field(node: Node) -> Any:
    """The pydantic ``Field(...)`` among the annotation's metadata, if any (the last one)."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not node.metadata:
        return None
    fields = [m for m in node.metadata if isinstance(m, pydantic.fields.FieldInfo)]
    return fields[-1] if fields else None


# What a pydantic Field(...) says of the parameter, not of its type: read into the declaration.
_PARAM_ONLY = frozenset(("alias", "validation_alias", "serialization_alias", "title", "description",
                         "examples", "deprecated", "json_schema_extra", "default", "default_factory"))


def _type_metadata(node: Node) -> tuple[Any, ...]:
    """The annotation's metadata for validating the type: a pydantic ``Field(...)`` keeps what
    applies to a type (``gt``, ``discriminator``...), not its alias, docs or default."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None:
        return node.metadata
    kept: list[Any] = []
    for meta in node.metadata:
        if isinstance(meta, pydantic.fields.FieldInfo):
            given = getattr(meta, "_attributes_set", {})
            if given.keys() & _PARAM_ONLY:
                rest = {k: v for k, v in given.items() if k not in _PARAM_ONLY}
                if rest:
                    kept.append(pydantic.Field(**rest))
                continue
        kept.append(meta)
    return tuple(kept)


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
    node = node_of(annotation).base
    if info is None:
        info = PathInfo() if name in path_params else QueryInfo()
    if info.source is ParamSource.BODY:
        raise FastCoreError(
            f"{_describe(call)}: parameter {name!r} is a request body ({type(info).__name__}); "
            "request bodies, forms and files are not supported yet"
        )
    # A Path() the route's path lacks is not a start-up error (FastAPI's rule): a router's route gets
    # its path parameters from the prefix it is included under; left unmatched, it is a missing value.
    source = _SOURCES[info.source]
    required = (default is UNSET or default is Ellipsis) and info.default_factory is None
    if isinstance(info, PathInfo):
        required = True
    is_list = False
    container = None
    item = node
    if node.kind == SEQUENCE and node.item is not None and source in (_params.S_QUERY, _params.S_HEADER):
        is_list = True
        item, container = node.item.base, node.container
        coercer = _coercer(item, info, for_list=True)
    else:
        coercer = _coercer(node, info, for_list=False)
    if coercer is None:
        where = info.source.value
        raise UnsupportedParameterTypeError(
            f"{_describe(call)}: {where.capitalize()} parameter {name!r} must be one of the supported "
            f"types: {item.tp!r} cannot be read from a {where} string (use str, int, float, bool, "
            "Decimal, UUID, datetime, date, time, an Enum, a Literal, or a list of those)"
        )
    label = info.request_alias or name
    key = label
    if isinstance(info, HeaderInfo):
        if info.request_alias is None and info.convert_underscores:
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
    own_scope: Literal["function", "request"] | None = None,
) -> Dependant:
    """Analyse ``call``'s signature (and, recursively, its dependencies') into a ``Dependant``.

    ``own_scope`` is the ``Depends(scope=...)`` ``call`` was declared with.
    """
    if path_params is None:
        path_params = path_param_names(path)
    if overrides:
        call = overrides.get(call, call)
    signature, hints = _signature(call)
    kind = _call_kind(call)
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
        node = node_of(annotation)
        annotation = node.tp  # without Annotated, type aliases and NewTypes
        marker = node.marker
        if marker is not None:
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
        field = _pydantic_field(node) if marker is None or isinstance(marker, ParamInfo) else None
        if field is not None and not (marker is None and (node.kind == INJECTED or _is_body_type(
                annotation, pname, path_params))):
            # A pydantic Field(alias=..., default_factory=...) beside (or instead of) the declaration.
            if marker is None:
                marker = PathInfo() if pname in path_params else QueryInfo()
            marker = typing.cast(ParamInfo, marker).with_field(field)
            if default is UNSET:
                default = marker.default
            field = None
        if isinstance(marker, PathInfo):
            marker = _path_alias(marker, path_params)
        if isinstance(marker, Depends):
            if marker.scope == "function" and kind in (GEN_ASYNC, GEN_SYNC) and own_scope != "function":
                # Its clean-up would run after the one it depends on had already run.
                raise DependencyScopeError(
                    f'The dependency "{getattr(call, "__name__", _describe(call))}" has a scope of '
                    '"request", it cannot depend on dependencies with scope "function".'
                )
            dependencies.append(
                _sub_dependant(marker, pname, annotation, path, scopes, overrides, path_params)
            )
            continue
        special = node.source if marker is None and node.kind == INJECTED else None
        if special is not None:
            # A fresh SecurityScopes per request: a handler may mutate the one it gets.
            factory = functools.partial(SecurityScopes, tuple(scopes)) if special == _params.S_VALUE else None
            fields.append(Field(pname, pname, special, None, required=False, factory=factory))
            continue
        if isinstance(marker, (QueryInfo, HeaderInfo, CookieInfo)) and node.base.kind == MODEL:
            model = ParamModel(pname, node, marker, default, _describe(call))
            dependencies.append(Dependant(call=None, plan=Plan([]), name=pname, use_cache=False,
                                          path_params=path_params, param_model=model))
            decls[pname] = ParamDecl(marker, annotation)  # its place in the signature, for OpenAPI
            continue
        if isinstance(marker, BodyInfo) or (marker is None and _is_body_type(annotation, pname, path_params)):
            # pydantic's metadata (Field(fail_fast=True)...) stays on a body pydantic validates.
            metadata = _type_metadata(node)
            args = (annotation, *metadata)
            declared = typing.cast(Any, Annotated)[args] if metadata and node.pydantic else annotation
            body_params.append(_body_param(call, pname, declared, default, marker, field))
            continue
        if _pydantic_validated(node) or _validated_as_union(node, marker):
            validated = PydanticParam(pname, node, marker, default, path_params)
            dependencies.append(Dependant(call=None, plan=Plan([]), name=pname, use_cache=False,
                                          path_params=path_params, param_model=validated))
            decls[pname] = ParamDecl(validated.info, annotation)
            continue
        fields.append(_param_field(call, pname, annotation, default, marker, path_params))
        decls[pname] = ParamDecl(marker, annotation)
    fields.sort(key=lambda f: _SOURCE_ORDER.get(f.source, 9))
    # When every parameter is a plain positional one filled by the plan, the plan also learns the
    # signature's order, so a route can call its handler positionally (Plan.extract_args).
    names = list(signature.parameters)
    positional = len(fields) == len(names) and takes_by_position(call, names)
    return Dependant(
        call=call,
        plan=Plan(fields, order=names if positional else None),
        name=name,
        dependencies=dependencies,
        use_cache=use_cache,
        scopes=tuple(scopes),
        kind=kind,
        path_params=path_params,
        body_params=body_params,
        own_scopes=own_scopes,
        param_decls=decls,
        scope=own_scope,
    )


def _is_body_type(annotation: Any, name: str, path_params: frozenset[str]) -> bool:
    """FastAPI's rule for an undeclared parameter: anything not read from text is the body (a type
    pydantic reads from a string, ``HttpUrl``..., is read from text)."""
    if name in path_params:
        return False
    node = node_of(annotation).base
    return node.kind == SEQUENCE or not (node.readable or (node.kind == OTHER and node.pydantic))


def _pydantic_validated(node: Node) -> bool:
    """Whether pydantic must validate a path/query/header/cookie value: a pydantic type (``HttpUrl``),
    or pydantic metadata (``AfterValidator``, ``Field(...)``) on the type or its items."""
    base = node.base
    item = base.item.base if base.kind == SEQUENCE and base.item is not None else base
    return bool(node.metadata and node.pydantic) or (item.kind == OTHER and item.pydantic)


def _validated_as_union(node: Node, info: ParamInfo | Depends | None) -> bool:
    """Whether a path/query/header/cookie parameter is a union read from text (``int | str``), or
    declares an option only pydantic applies (``Query(fail_fast=True)``) while pydantic is in use."""
    if node.text_members is not None:
        return True
    return isinstance(info, ParamInfo) and "pydantic" in sys.modules and (
        bool(info.pydantic_options) or bool(info.extra.get("validate_default")))


def _body_param(
    call: Callable[..., Any], name: str, annotation: Any, default: Any, info: BodyInfo | None,
    field: Any = None,
) -> BodyParam:
    if annotation is inspect.Parameter.empty:
        annotation = Any
    node = node_of(annotation).base
    is_list = node.kind == SEQUENCE and node.item is not None
    item = node.item.base if is_list and node.item is not None else node
    if info is None:
        info = FileInfo() if item.kind == UPLOAD else BodyInfo()
        if field is not None:
            info = typing.cast(BodyInfo, info.with_field(field))
    required = (default is UNSET or default is Ellipsis) and info.default_factory is None
    param = BodyParam(
        name=name,
        alias=info.request_alias or name,
        annotation=annotation,
        info=info,
        required=required,
        default=None if required else default,
    )
    if isinstance(info, FormInfo):
        param.is_list = is_list
        param.item = item
        param.is_file = isinstance(info, FileInfo) or item.kind == UPLOAD
        if item.kind == UPLOAD or item.scalar is bytes:
            return param
        coercer = _coercer(item, info, for_list=is_list)
        # pydantic metadata (a BeforeValidator, Field(...)) or options only pydantic applies: the
        # value is validated by pydantic, as FastAPI does, not coerced from text by _params.
        whole = node_of(annotation)
        listed = whole.base.item if is_list else None  # list[Annotated[int, BeforeValidator(...)]]
        # A union of text types (``int | str``) is pydantic's to decide, as for query parameters.
        param.pydantic = "pydantic" in sys.modules and (item.text_members is not None or (
            coercer is not None and (_pydantic_validated(whole) or bool(info.pydantic_options)
                                     or (listed is not None and bool(listed.metadata and listed.pydantic)))))
        if coercer is None and not param.pydantic and not is_list:
            param.is_model = True  # Annotated[Model, Form()]: the model's fields are the form's
        elif coercer is None and not param.pydantic:
            raise FastCoreError(
                f"{_describe(call)}: form parameter {name!r} has unsupported type {item.tp!r}"
            )
        param.coercer = coercer
    return param


def route_body_plan(
    dependant: Dependant, *, max_size: int | None, where: str, strict_content_type: bool = True,
    form_limits: Mapping[str, int] | None = None,
) -> BodyPlan | None:
    """The body plan of a route: every body parameter of its tree, first declaration of a name wins."""
    seen: dict[str, BodyParam] = {}
    for dep in dependant.walk():
        for param in dep.body_params:
            seen.setdefault(param.name, param)
    if not seen:
        return None
    return BodyPlan(
        list(seen.values()), max_size=max_size, where=where, strict_content_type=strict_content_type,
        form_limits=form_limits,
    )


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
        call = node_of(annotation).base.tp if annotation is not None else None
        if not callable(call) or annotation is inspect.Parameter.empty:
            raise FastCoreError(f"Depends() on {name!r} needs a dependency or a class annotation")
    own = list(marker.scopes or ()) if isinstance(marker, Security) else []
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
        own_scope=marker.scope,
    )
    sub.run_sync_inline = marker.run_sync_inline
    sub.limit = marker._concurrency
    return sub
