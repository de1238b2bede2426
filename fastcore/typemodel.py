"""The start-up type model: every annotation read once into a normal-form :class:`Node`.

"What kind of type is this?" has one answer, here.  The parameter plan (``fastcore.dependencies``),
the body plan (``fastcore.bodies``), the response plan (``fastcore.models``), the error collector
(``fastcore.validation``) and the OpenAPI document read nodes; none of them inspects annotations.
Nodes are built when a route is added and never read per request.

Two readings of a type, one node shape:

* :func:`node_of` reads an annotation as a signature states it (``Annotated`` markers and metadata,
  ``Optional``, ``NewType``, ``type`` aliases, injected classes, uploads, pydantic models) — what a
  parameter is and where its value comes from::

      >>> node_of(Annotated[list[int] | None, Query()]).kind, node_of(list[int] | None).item.kind
      ('optional', 'sequence')

* :func:`inspect_node` reads a type as msgspec validates and encodes it (``msgspec.inspect``: field
  renames, defaults, ``Meta`` constraints, recursion) — the tree the error collector and the response
  shaper compile from.  Recursive types give a cyclic tree (a model's field node may be the model).

The few shape questions other modules ask of a type outside a node (``list_item``, ``union_args``,
``stream_item``, ``has_defaulted_dataclass``...) are answered here too: no other module calls
``typing.get_origin``/``get_args`` or ``msgspec.inspect`` (``tests/test_typemodel.py`` checks it).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import decimal
import enum
import inspect
import sys
import types
import typing
import uuid
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec
import msgspec.inspect as mi
from starlette.background import BackgroundTasks
from starlette.datastructures import UploadFile
from starlette.requests import HTTPConnection
from starlette.responses import Response

from fastcore import _params
from fastcore.exceptions import FastCoreError, PydanticV1NotSupportedError
from fastcore.params import Depends, ParamInfo, SecurityScopes

__all__ = [
    "ANY",
    "CHOICE",
    "INJECTED",
    "MAPPING",
    "MODEL",
    "NONE",
    "OPTIONAL",
    "OTHER",
    "PARAM_MODEL",
    "SCALAR",
    "SEQUENCE",
    "TUPLE",
    "UNION",
    "UPLOAD",
    "FieldNode",
    "Node",
    "check_response_model",
    "inspect_node",
    "is_response_class",
    "model_extra",
    "model_fields",
    "node_of",
    "supertype",
    "union_members",
    "unwrap_optional",
    "uses_pydantic",
]

# Node kinds.
SCALAR = "scalar"            # read from one string: str, int, float, bool, Decimal, UUID, dates, bytes, Any
CHOICE = "choice"            # Literal values or an Enum: also read from one string
NONE = "none"
ANY = "any"
OPTIONAL = "optional"        # ``T | None``: ``item`` is T
SEQUENCE = "sequence"        # list, set, frozenset, tuple[T, ...]: ``item``, ``container``
TUPLE = "tuple"              # tuple[A, B]: ``items``
MAPPING = "mapping"          # dict: ``key``, ``item``
MODEL = "model"              # Struct, dataclass, attrs, TypedDict, NamedTuple, pydantic: ``flavor``
UNION = "union"              # ``members`` (None among them only in inspect_node's trees)
UPLOAD = "upload"            # starlette's UploadFile (or a subclass)
INJECTED = "injected"        # Request, Response, BackgroundTasks, SecurityScopes: ``source``
PARAM_MODEL = "param model"  # ``Annotated[Model, Query()]``: see fastcore.dependencies
OTHER = "other"              # anything else (pydantic validates it, or nothing can)

# The scalars a value is read as from text, and the compiled coercer's kind for each.
SCALAR_KINDS: dict[Any, int] = {
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
# Sequence annotations, and the container a list of values is turned into (None: stays a list).
_SEQUENCES: dict[Any, Callable[[list[Any]], Any] | None] = {
    list: None,
    typing.List: None,  # noqa: UP006
    Sequence: None,
    tuple: tuple,
    set: set,
    frozenset: frozenset,
}
_MAPPINGS = (dict, typing.Dict, collections.abc.Mapping, collections.abc.MutableMapping)  # noqa: UP006
_INJECTED: tuple[tuple[type, int], ...] = (
    (HTTPConnection, _params.S_REQUEST),
    (Response, _params.S_RESPONSE),
    (BackgroundTasks, _params.S_BACKGROUND),
    (SecurityScopes, _params.S_VALUE),
)


class FieldNode:
    """One field of a model: its attribute name, its key in the data, its node, its default."""

    __slots__ = ("aliases", "annotation", "default", "factory", "info", "key", "name", "node", "required")

    def __init__(self, name: str, key: str, node: Node, *, required: bool, default: Any = msgspec.NODEFAULT,
                 factory: Any = msgspec.NODEFAULT, annotation: Any = None, info: Any = None,
                 aliases: tuple[str, ...] = ()) -> None:
        self.name = name
        self.key = key
        # Every key the data may give the field under, in order of preference (pydantic's
        # AliasChoices, then the name when the model validates by name); ``(key,)`` by default.
        self.aliases = aliases or (key,)
        self.node = node
        self.required = required
        self.default = default
        self.factory = factory
        self.annotation = annotation
        self.info = info  # the library's own record of the field (pydantic's FieldInfo), for documents

    def __repr__(self) -> str:
        return f"FieldNode({self.name!r}, key={self.key!r}, {self.node!r})"


class Node:
    """One annotation in normal form.  Which attributes matter depends on ``kind`` (see the kinds)."""

    __slots__ = ("choices", "constraints", "container", "fields", "flavor", "item", "items", "key",
                 "kind", "marker", "members", "metadata", "options", "pydantic", "scalar", "source", "tp")

    def __init__(self, kind: str, tp: Any, **attrs: Any) -> None:
        self.kind = kind
        self.tp = tp                  # the type this node stands for (constraints included)
        self.scalar: Any = None       # SCALAR: the base Python type (int, str, ...)
        self.choices: list[Any] = []  # CHOICE: the allowed values (enum members for an Enum)
        self.constraints: dict[str, Any] = {}  # gt ge lt le multiple_of min_length max_length pattern tz
        self.item: Node | None = None
        self.items: list[Node] = []
        self.key: Node | None = None
        self.members: list[Node] = []
        self.fields: list[FieldNode] = []
        self.flavor = ""              # MODEL: struct, dataclass, attrs, typeddict, namedtuple, pydantic
        self.container: Any = None    # SEQUENCE: list, set, frozenset or tuple
        self.options: dict[str, Any] = {}  # MODEL (Struct): forbid, tag_field, tag, array_like, omit_defaults
        self.source = -1              # INJECTED: the plan's source
        self.marker: ParamInfo | Depends | None = None  # node_of: the Annotated Query()/Depends()...
        self.metadata: tuple[Any, ...] = ()             # node_of: other Annotated metadata
        self.pydantic = False         # node_of: pydantic validates this type (it is or holds a model)
        for name, value in attrs.items():
            setattr(self, name, value)

    @property
    def base(self) -> Node:
        """The node without its ``Optional`` (or, in inspect_node's trees, its union with None)."""
        if self.kind == OPTIONAL and self.item is not None:
            return self.item
        if self.kind == UNION and len(self.members) == 2 and any(m.kind == NONE for m in self.members):
            return next(m for m in self.members if m.kind != NONE)
        return self

    @property
    def readable(self) -> bool:
        """Whether a value of this type is read from one string (a path, query, header, cookie value)."""
        return self.kind in (SCALAR, CHOICE)

    @property
    def text_members(self) -> list[Node] | None:
        """The members of a union whose every member is read from one string (``int | str``,
        ``Union[int, Literal["a"]]``; None excluded); None for anything else."""
        base = self.base
        if base.kind != UNION:
            return None
        members = [m.base for m in base.members if m.kind != NONE]
        return members if members and all(m.readable for m in members) else None

    @property
    def member_tag(self) -> str:
        """The name pydantic gives this node as a union member, the last item of an error's loc."""
        if self.kind == CHOICE and get_origin(self.tp) is Literal:
            return "literal[" + ",".join(repr(c) for c in self.choices) + "]"
        if self.kind == CHOICE:
            return getattr(self.tp, "__name__", repr(self.tp))
        if self.kind == SCALAR and self.scalar is not Any:
            return _MEMBER_TAGS.get(self.scalar, getattr(self.scalar, "__name__", repr(self.scalar)))
        return "any"

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.tp!r})"


_MEMBER_TAGS: dict[Any, str] = {decimal.Decimal: "decimal", uuid.UUID: "uuid"}


# --------------------------------------------------------------------------------------------------
# Small answers


def supertype(tp: Any) -> Any:
    """The type a ``typing.NewType`` (or a chain of them) stands for; ``tp`` itself otherwise."""
    while hasattr(tp, "__supertype__"):
        tp = tp.__supertype__
    return tp


def _alias_value(tp: Any) -> Any:
    """The value of a ``type X = ...`` alias (``TypeAliasType``, typing's or typing_extensions'), else tp."""
    while type(tp).__name__ == "TypeAliasType" and hasattr(tp, "__value__"):
        tp = tp.__value__
    return tp


def _is_union(tp: Any) -> bool:
    origin = get_origin(tp)
    return origin is Union or origin is types.UnionType


def unwrap_optional(tp: Any) -> tuple[Any, bool]:
    """``(T, True)`` for ``Optional[T]`` or ``T | None`` (the union of the rest, for wider unions);
    ``(tp, False)`` for anything else."""
    if _is_union(tp):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) < len(get_args(tp)):
            return (args[0] if len(args) == 1 else Union[tuple(args)]), True  # noqa: UP007
    return tp, False


def _pydantic() -> Any:
    # pydantic is an optional extra, never imported by fastcore: if the app uses it, it is loaded.
    return sys.modules.get("pydantic")


def _is_pydantic_meta(meta: Any) -> bool:
    return type(meta).__module__.split(".")[0] in ("pydantic", "annotated_types")


def uses_pydantic(tp: Any, seen: set[int] | None = None) -> bool:
    """Whether ``tp`` is, or mentions, a pydantic type — answered without importing pydantic."""
    pydantic = _pydantic()
    if pydantic is None:
        return False
    seen = set() if seen is None else seen
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    tp = _alias_value(tp)
    origin = get_origin(tp)
    if origin is Annotated:
        base, *metadata = get_args(tp)
        if any(_is_pydantic_meta(m) for m in metadata):
            return True
        return uses_pydantic(base, seen)
    if origin is not None:
        return any(uses_pydantic(arg, seen) for arg in get_args(tp)
                   if not isinstance(arg, (str, int, float, bytes)))
    if not isinstance(tp, type):
        return False
    if issubclass(tp, pydantic.BaseModel) or hasattr(tp, "__pydantic_validator__"):
        return True
    if tp.__module__.split(".")[0] in ("pydantic", "pydantic_core"):
        return True  # HttpUrl, EmailStr, SecretStr...: pydantic's own types
    if not _is_model_class(tp):
        return False
    # Models pydantic also accepts may hold pydantic fields.
    try:
        hints = typing.get_type_hints(tp, include_extras=True)
    except Exception:  # unresolvable hints: msgspec reports them when it inspects the type
        return False
    return any(uses_pydantic(hint, seen) for hint in hints.values())


def _is_typeddict(tp: type) -> bool:
    # typing's and typing_extensions' TypedDicts alike
    return typing.is_typeddict(tp) or (issubclass(tp, dict) and hasattr(tp, "__required_keys__"))


def _is_model_class(tp: type) -> bool:
    return (dataclasses.is_dataclass(tp) or hasattr(tp, "__attrs_attrs__") or _is_typeddict(tp)
            or (issubclass(tp, tuple) and hasattr(tp, "_fields")) or issubclass(tp, msgspec.Struct))


def _model_flavor(tp: type) -> str:
    pydantic = _pydantic()
    if pydantic is not None and issubclass(tp, pydantic.BaseModel):
        return "pydantic"
    if issubclass(tp, msgspec.Struct):
        return "struct"
    if hasattr(tp, "__attrs_attrs__"):
        return "attrs"
    if dataclasses.is_dataclass(tp):
        return "dataclass"
    if _is_typeddict(tp):
        return "typeddict"
    if issubclass(tp, tuple) and hasattr(tp, "_fields"):
        return "namedtuple"
    return ""


def is_response_class(tp: Any) -> bool:
    """Whether ``tp`` is a ``Response`` class (possibly ``Annotated``).  A union holding one is not:
    as in FastAPI, it is a response model that cannot be described (see check_response_model)."""
    tp = _alias_value(tp)
    if isinstance(tp, type) and issubclass(tp, Response):
        return True
    if get_origin(tp) is Annotated:
        return is_response_class(get_args(tp)[0])
    return False


def check_response_model(tp: Any) -> Node:
    """``tp``'s node, once it is known that a response of that type can be validated and described.

    FastAPI refuses, when the route is created, a response model pydantic cannot make a schema of (a
    plain class, ``Response | dict``...); so does fastcore, for a type in which some part is neither
    described by msgspec nor (when the app uses it) by pydantic.  Raises ``FastCoreError``
    (FastAPIError).
    """
    node = node_of(tp)
    bad = _undescribable(node, set())
    if bad is not None:
        raise FastCoreError(
            f"cannot use {tp!r} as a response model ({bad!r} cannot be described): check that it is "
            "a valid Pydantic field type (or a type msgspec describes: a Struct, a dataclass, a "
            "TypedDict...).  A return annotation that is not one, such as `Response | dict`, is kept "
            "out of the document and of validation with the path operation decorator parameter "
            "response_model=None."
        )
    return node


def _undescribable(node: Node, seen: set[int]) -> Any:
    """The first part of ``node``'s type nothing can describe, or None."""
    if id(node) in seen or node.pydantic:
        return None  # pydantic validates it: its model classes were checked when defined
    seen.add(id(node))
    if node.kind == INJECTED:
        return node.tp  # a Response (or Request...) inside a union or a container
    if node.kind in (OTHER, MODEL) and not _describable(node.tp):
        return node.tp
    for sub in (node.item, node.key, *node.items, *node.members):
        if sub is not None:
            found = _undescribable(sub, seen)
            if found is not None:
                return found
    return None


def _describable(tp: Any) -> bool:
    try:
        msgspec.json.schema(tp)
        return True
    except (TypeError, ValueError):
        pass
    pydantic = _pydantic()  # only if the app imported it: fastcore never does
    if pydantic is None:
        return False
    try:
        pydantic.TypeAdapter(tp)
        return True
    except (pydantic.PydanticSchemaGenerationError, TypeError, ValueError):
        return False


# --------------------------------------------------------------------------------------------------
# Shapes other modules ask about: the rest of fastcore reads annotations through these (and the
# nodes below), never with typing.get_origin/get_args of its own.


def list_item(tp: Any) -> Any:
    """``T`` of ``list[T]``; None for anything else."""
    args = get_args(tp)
    return args[0] if get_origin(tp) is list and len(args) == 1 else None


def str_dict_value(tp: Any) -> Any:
    """``V`` of ``dict[str, V]``; None for anything else."""
    args = get_args(tp)
    return args[1] if get_origin(tp) is dict and len(args) == 2 and args[0] is str else None


def union_args(tp: Any) -> tuple[Any, ...] | None:
    """The members of ``Union[...]`` or ``A | B`` (None included); None for anything else."""
    return get_args(tp) if _is_union(tp) else None


def type_args(tp: Any) -> tuple[Any, ...]:
    """The parameters of a parametrized type (``(int, str)`` of ``dict[int, str]``), else ``()``."""
    return get_args(tp)


def split_annotated(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """``(T, (meta, ...))`` of ``Annotated[T, meta, ...]``; ``(tp, ())`` for anything else."""
    if get_origin(tp) is Annotated:
        inner, *extras = get_args(tp)
        return inner, tuple(extras)
    return tp, ()


def origin_class(tp: Any) -> Any:
    """The class a parametrized generic stands for (``list`` for ``list[int]``), else ``tp``."""
    return get_origin(tp) or tp


def is_literal(tp: Any) -> bool:
    return get_origin(tp) is Literal


def optional_annotated(tp: Any) -> Any:
    """``Annotated[T, ...]`` of ``Optional[Annotated[T, ...]]`` (what ``get_type_hints`` makes of an
    ``Annotated`` parameter whose default is None on Python < 3.11); None for anything else."""
    args = get_args(tp) if get_origin(tp) is Union else ()
    if len(args) == 2 and args[1] is type(None) and get_origin(args[0]) is Annotated:
        return args[0]
    return None


def has_defaulted_dataclass(tp: Any, seen: set[int] | None = None) -> bool:
    """Whether ``tp`` holds a dataclass with a plain (non-factory) default, at any depth."""
    seen = set() if seen is None else seen
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if any(f.default is not dataclasses.MISSING for f in dataclasses.fields(tp)):
            return True
        return any(has_defaulted_dataclass(h, seen) for h in typing.get_type_hints(tp).values())
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return any(has_defaulted_dataclass(h, seen) for h in typing.get_type_hints(tp).values())
    return any(has_defaulted_dataclass(arg, seen) for arg in get_args(tp) if not isinstance(arg, (str, int)))


# The iterable types whose parameter is a generator handler's item type, as FastAPI reads them.
STREAM_ORIGINS = frozenset({
    collections.abc.AsyncIterable, collections.abc.AsyncIterator, collections.abc.AsyncGenerator,
    collections.abc.Iterable, collections.abc.Iterator, collections.abc.Generator,
})


def stream_item(annotation: Any) -> Any:
    """The items' type of a generator's return annotation: ``AsyncIterable[Item]`` (or
    ``Iterator``, ``Generator[Item, None, None]``...) -> ``Item``, a bare ``AsyncIterable`` ->
    ``Any``; None when the annotation names no item type."""
    if annotation in STREAM_ORIGINS:  # collections.abc.Iterable itself, not subscripted
        return Any
    if get_origin(annotation) not in STREAM_ORIGINS:
        return None
    args = get_args(annotation)
    return args[0] if args else Any


# --------------------------------------------------------------------------------------------------
# node_of: an annotation as a signature states it


def node_of(annotation: Any) -> Node:
    """The normal-form node of ``annotation`` (cached: the same annotation gives the same node)."""
    try:
        # ``int | str == str | int``: the repr keeps the members' order apart in the cache, since
        # it decides a union's reading (left_to_right, and which member a tie goes to).
        return _node_of_cached(annotation, repr(annotation))
    except TypeError:  # unhashable (Annotated metadata that is a dict...)
        return _read(annotation)


@lru_cache(maxsize=2048)
def _node_of_cached(annotation: Any, _order: str) -> Node:
    return _read(annotation)


def _read(annotation: Any) -> Node:
    tp = supertype(_alias_value(annotation))
    if get_origin(tp) is Annotated:
        base, *metadata = get_args(tp)
        node = _read(base)
        marker = None
        other = []
        for meta in metadata:
            if isinstance(meta, (ParamInfo, Depends)):
                marker = meta  # the last one wins, as in FastAPI
            else:
                other.append(meta)
        if marker is None and not other:
            return node
        copy = Node(node.kind, node.tp)
        for name in Node.__slots__:
            setattr(copy, name, getattr(node, name))
        copy.marker = marker if marker is not None else node.marker
        copy.metadata = (*node.metadata, *other)
        copy.pydantic = node.pydantic or any(_is_pydantic_meta(m) for m in other)
        return copy
    node = _classify(tp)
    if node.kind not in (INJECTED, UPLOAD):
        node.pydantic = node.pydantic or uses_pydantic(tp)
    return node


def _classify(tp: Any) -> Node:
    if tp is inspect.Parameter.empty:
        return Node(SCALAR, tp, scalar=str)  # an unannotated parameter is read as a string
    if tp is None or tp is type(None):
        return Node(NONE, type(None))
    origin = get_origin(tp)
    if origin is Literal:
        return Node(CHOICE, tp, choices=list(get_args(tp)))
    if _is_union(tp):
        inner, optional = unwrap_optional(tp)
        if optional:
            return Node(OPTIONAL, tp, item=_read(inner))
        return Node(UNION, tp, members=[_read(a) for a in get_args(tp)])
    if origin is None and tp in _SEQUENCES:
        return Node(SEQUENCE, tp, item=_read(Any), container=_SEQUENCES[tp])
    if origin in _SEQUENCES:
        # Every tuple reads as a sequence of its first item type, as FastAPI reads parameters.
        args = [a for a in get_args(tp) if a is not Ellipsis]
        return Node(SEQUENCE, tp, item=_read(args[0] if args else Any), container=_SEQUENCES[origin])
    if origin in _MAPPINGS or (origin is None and tp in _MAPPINGS):
        key, value = get_args(tp) or (Any, Any)
        return Node(MAPPING, tp, key=_read(key), item=_read(value))
    if tp is Any or tp is object:
        return Node(SCALAR, tp, scalar=Any)
    try:
        scalar = SCALAR_KINDS.get(tp)
    except TypeError:
        scalar = None
    if scalar is not None:
        return Node(SCALAR, tp, scalar=tp)
    # get_origin: on Python 3.10 ``list[int]`` passes inspect.isclass, but issubclass rejects it.
    if inspect.isclass(tp) and origin is None:
        if issubclass(tp, enum.Enum):
            return Node(CHOICE, tp, choices=list(tp))
        if issubclass(tp, UploadFile):
            return Node(UPLOAD, tp)
        for cls, source in _INJECTED:
            if issubclass(tp, cls):
                return Node(INJECTED, tp, source=source)
        _refuse_pydantic_v1(tp)
        flavor = _model_flavor(tp)
        if flavor:
            return Node(MODEL, tp, flavor=flavor, pydantic=flavor == "pydantic")
    if origin is not None and inspect.isclass(origin) and _model_flavor(origin):
        return Node(MODEL, tp, flavor=_model_flavor(origin))  # a generic model, Model[int]
    return Node(OTHER, tp)


def _refuse_pydantic_v1(cls: type) -> None:
    """Raise for a ``pydantic.v1`` model (FastAPI's error): nothing here can validate or describe one."""
    v1 = sys.modules.get("pydantic.v1")  # imported only if the app itself uses pydantic.v1
    base = getattr(v1, "BaseModel", None)
    if isinstance(base, type) and issubclass(cls, base):
        raise PydanticV1NotSupportedError(
            f"pydantic.v1 models are not supported: {cls.__module__}.{cls.__qualname__}; "
            "use a pydantic v2 model (`from pydantic import BaseModel`)"
        )


def model_fields(node: Node) -> list[FieldNode]:
    """The fields of a MODEL node, as the request data names them (aliases, renames); for a union of
    models, every member's fields (the first member declaring a key gives its field)."""
    if node.base.kind == UNION:
        merged: dict[str, FieldNode] = {}
        for member in node.base.members:
            if member.base.kind in (MODEL, UNION):
                for f in model_fields(member):
                    merged.setdefault(f.key, f)
        return list(merged.values())
    tp = node.base.tp
    if node.base.flavor == "pydantic":
        out = []
        config = typing.cast(Any, tp).model_config
        by_name = config.get("validate_by_name", config.get("populate_by_name", False))
        for name, info in typing.cast(Any, tp).model_fields.items():
            key = info.validation_alias if isinstance(info.validation_alias, str) else (info.alias or name)
            aliases: tuple[str, ...] = (key,)
            choices = getattr(info.validation_alias, "choices", None)
            if isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices):
                aliases = tuple(choices)
            if config.get("validate_by_alias") is False:
                aliases = (name,)
            elif by_name and name not in aliases:
                aliases = (*aliases, name)
            required = info.is_required()
            out.append(FieldNode(name, key, node_of(info.annotation), required=required,
                                 default=msgspec.NODEFAULT if required else info.default,
                                 annotation=info.annotation, info=info, aliases=aliases))
        return out
    return inspect_node(tp).fields


def model_extra(node: Node) -> str:
    """What a MODEL node does with keys none of its fields claims: "allow", "forbid" or "ignore"
    (pydantic's ``extra`` setting; a Struct's ``forbid_unknown_fields``)."""
    base = node.base
    if base.flavor == "pydantic":
        extra = typing.cast(Any, base.tp).model_config.get("extra")
        return extra if extra in ("allow", "forbid") else "ignore"
    if base.kind == MODEL and not base.options:
        base = inspect_node(base.tp)
    return "forbid" if base.options.get("forbid") else "ignore"


def union_members(tp: Any) -> list[Any] | None:
    """The members of a union msgspec refuses as one (it holds several object types) when msgspec
    takes each member on its own; None for anything else."""
    if not _is_union(tp):
        return None
    members = list(get_args(tp))
    for member in members:
        try:
            inspect_node(member)
        except TypeError:
            return None  # a member is itself unsupported
    return members


# --------------------------------------------------------------------------------------------------
# inspect_node: a type as msgspec validates and encodes it

_SCALAR_INFOS: dict[type, Any] = {
    mi.IntType: int, mi.FloatType: float, mi.StrType: str, mi.BytesType: bytes, mi.ByteArrayType: bytearray,
    mi.BoolType: bool, mi.DecimalType: decimal.Decimal, mi.UUIDType: uuid.UUID,
    mi.TimeDeltaType: datetime.timedelta, mi.DateType: datetime.date, mi.DateTimeType: datetime.datetime,
    mi.TimeType: datetime.time,
}
_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern", "tz")
_CONTAINERS: dict[type, Any] = {mi.ListType: list, mi.SetType: set, mi.FrozenSetType: frozenset,
                                mi.VarTupleType: tuple}


def inspect_node(tp: Any) -> Node:
    """``tp`` as msgspec sees it, a tree of nodes (cached; raises TypeError if msgspec cannot)."""
    try:
        return _inspect_cached(tp)
    except TypeError as exc:
        if "unhashable" not in str(exc):
            raise
        return _inspect(tp)


@lru_cache(maxsize=1024)
def _inspect_cached(tp: Any) -> Node:
    return _inspect(tp)


def _inspect(tp: Any) -> Node:
    try:
        info = mi.type_info(tp)
    except ValueError as exc:
        raise TypeError(str(exc)) from None
    literals: dict[frozenset[tuple[type, Any]], tuple[Any, ...]] = {}
    _find_literals(tp, literals, set())
    return _Inspector(literals).node(info)


def _meta(tp: Any, **constraints: Any) -> Any:
    given = {k: v for k, v in constraints.items() if v is not None}
    return Annotated[tp, msgspec.Meta(**given)] if given else tp


def _literal_key(values: Any) -> frozenset[tuple[type, Any]]:
    return frozenset((type(v), v) for v in values if v is not None)


def _find_literals(tp: Any, found: dict[frozenset[tuple[type, Any]], tuple[Any, ...]],
                   seen: set[int]) -> None:
    """Each Literal's values in declaration order: msgspec.inspect sorts them, pydantic's messages don't."""
    if id(tp) in seen:
        return
    seen.add(id(tp))
    if get_origin(tp) is Literal:
        args = get_args(tp)
        found.setdefault(_literal_key(args), args)
        return
    for arg in get_args(tp):
        _find_literals(arg, found, seen)
    if not isinstance(tp, type):
        return
    hints: list[Any] = []
    if issubclass(tp, msgspec.Struct):
        hints = [f.type for f in msgspec.structs.fields(tp)]
    elif dataclasses.is_dataclass(tp) or hasattr(tp, "__attrs_attrs__") or hasattr(tp, "__annotations__"):
        try:
            hints = list(typing.get_type_hints(tp, include_extras=True).values())
        except Exception:  # unresolvable annotations: keep msgspec's order for those literals
            hints = []
    for hint in hints:
        _find_literals(hint, found, seen)


class _Inspector:
    """``msgspec.inspect``'s tree -> nodes; a shared (recursive) info gives one shared node."""

    def __init__(self, literals: dict[frozenset[tuple[type, Any]], tuple[Any, ...]]) -> None:
        self.literals = literals
        self.memo: dict[int, Node] = {}
        self.keep: list[Any] = []  # the infos keyed by id() stay alive while the tree is built

    def node(self, info: mi.Type) -> Node:
        while isinstance(info, mi.Metadata):
            info = info.type
        found = self.memo.get(id(info))
        if found is not None:
            return found
        self.keep.append(info)
        return self._build(info)

    def _build(self, info: mi.Type) -> Node:
        if isinstance(info, mi.AnyType):
            return Node(ANY, Any)
        if isinstance(info, mi.NoneType):
            return Node(NONE, None)
        base = _SCALAR_INFOS.get(type(info))
        if base is not None:
            constraints = {n: getattr(info, n) for n in _CONSTRAINTS if getattr(info, n, None) is not None}
            return Node(SCALAR, _meta(base, **constraints), scalar=base, constraints=constraints)
        if isinstance(info, mi.LiteralType):
            values = list(self.literals.get(_literal_key(info.values), info.values))
            if None in info.values and None not in values:
                values.append(None)
            return Node(CHOICE, Literal.__getitem__(tuple(values)), choices=values)
        if isinstance(info, mi.EnumType):
            return Node(CHOICE, info.cls, choices=list(info.cls))
        if isinstance(info, (mi.StructType, mi.DataclassType, mi.TypedDictType, mi.NamedTupleType)):
            return self._model(info)
        if isinstance(info, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
            container = _CONTAINERS[type(info)]
            constraints = {n: getattr(info, n) for n in ("min_length", "max_length")
                           if getattr(info, n) is not None}
            seq = Node(SEQUENCE, None, container=container, constraints=constraints)
            self.memo[id(info)] = seq  # before the item: it may refer back to this node
            seq.item = self.node(info.item_type)
            item_tp = seq.item.tp
            plain = tuple[item_tp, ...] if container is tuple else container[item_tp]  # type: ignore[valid-type]
            seq.tp = _meta(plain, **constraints)
            return seq
        if isinstance(info, mi.TupleType):
            tup = Node(TUPLE, None)
            self.memo[id(info)] = tup
            tup.items = [self.node(t) for t in info.item_types]
            tup.tp = tuple.__class_getitem__(tuple(n.tp for n in tup.items)) if tup.items else tuple[()]
            return tup
        if isinstance(info, mi.DictType):
            constraints = {n: getattr(info, n) for n in ("min_length", "max_length")
                           if getattr(info, n) is not None}
            mapping = Node(MAPPING, None, constraints=constraints)
            self.memo[id(info)] = mapping
            mapping.key, mapping.item = self.node(info.key_type), self.node(info.value_type)
            mapping.tp = _meta(dict[mapping.key.tp, mapping.item.tp], **constraints)  # type: ignore[name-defined]
            return mapping
        if isinstance(info, mi.UnionType):
            union = Node(UNION, None)
            self.memo[id(info)] = union
            union.members = [self.node(t) for t in info.types]
            union.tp = Union.__getitem__(tuple(m.tp for m in union.members))
            return union
        if isinstance(info, mi.CustomType):
            return Node(OTHER, info.cls)
        raise TypeError(f"fastcore cannot describe {info!r}")

    def _model(self, info: mi.StructType | mi.DataclassType | mi.TypedDictType | mi.NamedTupleType) -> Node:
        cls = info.cls
        if isinstance(info, mi.DataclassType):
            flavor = "attrs" if hasattr(cls, "__attrs_attrs__") else "dataclass"
        else:
            flavor = {mi.StructType: "struct", mi.TypedDictType: "typeddict",
                      mi.NamedTupleType: "namedtuple"}[type(info)]
        model = Node(MODEL, cls, flavor=flavor)
        self.memo[id(info)] = model  # before the fields: they may refer back to this model
        if isinstance(info, mi.StructType):
            config = cls.__struct_config__  # type: ignore[attr-defined]
            model.options = {"forbid": info.forbid_unknown_fields, "tag_field": info.tag_field,
                             "tag": info.tag, "array_like": info.array_like,
                             "omit_defaults": bool(config.omit_defaults)}
        model.fields = [
            FieldNode(f.name, f.encode_name, self.node(f.type), required=f.required, default=f.default,
                      factory=f.default_factory)
            for f in info.fields
        ]
        return model
