"""Response models: a handler's result -> the route's declared ``response_model``, filtered, ready to encode.

A :class:`ResponsePlan` is built once per route.  ``serialize(result)`` has FastAPI's
``response_model=`` semantics: the result (a dict, a ``msgspec.Struct``, a dataclass, an attrs
instance, a pydantic model, or any object with the attributes — ``from_attributes``) is converted to
the declared type, so undeclared keys and attributes are dropped, nested models are converted too,
and a result that does not fit raises :class:`~fastcore.exceptions.ResponseValidationError` with
pydantic-shaped errors under ``("response", ...)``.  Then the ``response_model_*`` options apply::

    >>> class Item(msgspec.Struct):
    ...     name: str
    ...     price: float = 0.0
    ...     tags: list[str] = []
    >>> ResponsePlan(Item, exclude_unset=True).serialize({"name": "x", "tags": ["a"], "secret": 1})
    {'name': 'x', 'tags': ['a']}

How it is fast: with no option set, ``serialize`` is a single ``msgspec.convert(result, T,
from_attributes=True, strict=False)`` and the converted object goes straight to the shared encoder,
which encodes Structs, dataclasses and attrs natively.  Only when an option needs it does a small
tree of nodes — compiled once from the type model (``fastcore.typemodel``) — walk the
converted value and build the filtered dicts and lists.

pydantic types (``BaseModel``, or any annotation that mentions one) are validated and dumped by
pydantic itself (``TypeAdapter.validate_python(..., from_attributes=True)`` then ``dump_python(mode=
"json", ...)``), exactly as FastAPI does; pydantic is never imported unless the app already did.

Differences from FastAPI, on purpose:

* ``exclude_unset`` on a msgspec/dataclass/attrs model means "not present in the result": a key
  missing from a returned dict, an attribute missing from a returned object, or a Struct field whose
  value is ``msgspec.UNSET``.  (FastAPI ignores ``exclude_unset`` for dataclasses; Structs do not
  record which fields a constructor call set.)
* ``validate=False`` trusts the handler: no conversion, no validation, only the options, applied to
  the result as it is.
"""

from __future__ import annotations

import datetime
import decimal
import inspect
import sys
import typing
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from fastcore import typemodel
from fastcore._respond import FieldDicts, all_of_type, encode_typed, instance_dicts
from fastcore.exceptions import FastCoreError, ResponseValidationError
from fastcore.typemodel import FieldNode, Node, inspect_node, is_response_class, uses_pydantic

_validation: Any
try:  # pydantic-shaped errors for every problem; without it, one error worded from msgspec's message
    from fastcore import validation as _validation
except ImportError:  # pragma: no cover - only while fastcore.validation is missing
    _validation = None

__all__ = ["ResponsePlan", "is_generator_handler", "response_model_from_annotation", "stream_item_type"]

_MISSING: Any = object()
_UNSET = msgspec.UNSET
_NODEFAULT: Any = msgspec.NODEFAULT
_convert = msgspec.convert
_Raw = msgspec.Raw

# An include/exclude filter, normalised: None (no filter) or {key: True | nested filter}.
Filter = dict[Any, Any]


# --------------------------------------------------------------------------------------------------
# include / exclude: pydantic's semantics (keys are field names, list indices or dict keys;
# "__all__" applies to every key; True or ... means the whole value)


def _normalise(spec: Any, *, excluding: bool) -> Filter | None:
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        out: Filter = {}
        for key, value in spec.items():
            if value is True or value is Ellipsis:
                out[key] = True
            elif isinstance(value, (Mapping, set, frozenset, list, tuple)):
                out[key] = _normalise(value, excluding=excluding)
            elif not excluding:
                out[key] = True  # pydantic includes a key whose value is not a filter, in full
        return out
    if isinstance(spec, (str, bytes)):
        raise TypeError("include/exclude must be a set or a dict of field names, not a string")
    return dict.fromkeys(spec, True)


def _merge(first: Any, second: Any) -> Any:
    """pydantic-core's merge of a key's filter with the ``"__all__"`` one: True keeps the key's own."""
    if first is True or second is True:
        return first
    merged = dict(second)
    for key, value in first.items():
        merged[key] = _merge(value, merged[key]) if key in merged else value
    return merged


def _pick(spec: Filter, key: Any) -> Any:
    """The filter for ``key``: True, a nested filter, or _MISSING when ``key`` is not mentioned."""
    item = spec.get(key, _MISSING)
    every = spec.get("__all__", _MISSING)
    if item is _MISSING:
        return every
    if every is _MISSING:
        return item
    return _merge(item, every)


def _skip(include: Filter | None, exclude: Filter | None, key: Any) -> tuple[bool, Any, Any]:
    """(skip this key?, the include filter for its value, the exclude filter for its value)."""
    sub_include = None
    if include is not None:
        picked = _pick(include, key)
        if picked is _MISSING:
            return True, None, None
        if picked is not True:
            sub_include = picked
    sub_exclude = None
    if exclude is not None:
        picked = _pick(exclude, key)
        if picked is True:
            return True, None, None
        if picked is not _MISSING:
            sub_exclude = picked
    return False, sub_include, sub_exclude


def _resolve_negative(spec: Filter | None, size: int) -> Filter | None:
    # pydantic accepts negative indices for sequences: -1 is the last item.
    if spec is None or not any(isinstance(k, int) and k < 0 for k in spec):
        return spec
    return {(k + size if isinstance(k, int) and k < 0 else k): v for k, v in spec.items()}


# --------------------------------------------------------------------------------------------------
# The shaping tree: walks a (converted) value and builds the filtered builtins.


class _Options:
    __slots__ = ("by_alias", "exclude_defaults", "exclude_none", "exclude_unset")

    def __init__(self, by_alias: bool, exclude_unset: bool, exclude_defaults: bool,
                 exclude_none: bool) -> None:
        self.by_alias = by_alias
        self.exclude_unset = exclude_unset
        self.exclude_defaults = exclude_defaults
        self.exclude_none = exclude_none


class _Node:
    """A leaf: scalars, ``Any`` and everything the encoder takes as it is."""

    __slots__ = ()

    def shape(self, value: Any, original: Any, include: Filter | None, exclude: Filter | None,
              opts: _Options) -> Any:
        return value

    def accepts(self, value: Any) -> bool:
        return False


class _NoneNode(_Node):
    __slots__ = ()

    def accepts(self, value: Any) -> bool:
        return value is None


def _item_originals(original: Any, size: int) -> list[Any] | None:
    """The original items matching a converted sequence's items, when they can be paired."""
    if original is _MISSING or isinstance(original, (str, bytes, Mapping)):
        return None
    try:
        items = list(original)
    except TypeError:
        return None
    return items if len(items) == size else None


class _Sequence(_Node):
    """list, tuple[T, ...], set, frozenset: always a JSON array; sets take no index filters."""

    __slots__ = ("indexed", "item")

    def __init__(self, item: _Node, indexed: bool) -> None:
        self.item = item
        self.indexed = indexed

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (list, tuple, set, frozenset))

    def shape(self, value: Any, original: Any, include: Filter | None, exclude: Filter | None,
              opts: _Options) -> Any:
        if type(value) is not list and not self.accepts(value):
            return value
        node = self.item
        if not self.indexed:
            include = exclude = None  # pydantic ignores index filters on sets
        if node is _LEAF and include is None and exclude is None:
            return list(value)  # PERF: nothing to do item by item
        items = list(value)
        originals = _item_originals(original, len(items)) if opts.exclude_unset else None
        if include is None and exclude is None:
            if originals is None:
                return [node.shape(item, _MISSING, None, None, opts) for item in items]
            pairs = zip(items, originals, strict=True)
            return [node.shape(item, orig, None, None, opts) for item, orig in pairs]
        return _shape_positions([node] * len(items), items, originals, include, exclude, opts)


def _shape_positions(nodes: list[_Node], values: Any, originals: list[Any] | None,
                     include: Filter | None, exclude: Filter | None, opts: _Options) -> list[Any]:
    """An array's items, each by its node, filtered by index (negative indexes count from the end)."""
    include = _resolve_negative(include, len(values))
    exclude = _resolve_negative(exclude, len(values))
    out = []
    for index, (node, item) in enumerate(zip(nodes, values, strict=True)):
        skip, sub_include, sub_exclude = _skip(include, exclude, index)
        if skip:
            continue
        orig = originals[index] if originals is not None else _MISSING
        out.append(node.shape(item, orig, sub_include, sub_exclude, opts))
    return out


class _Tuple(_Node):
    """tuple[A, B] and NamedTuple: a JSON array, one node per position."""

    __slots__ = ("items",)

    def __init__(self, items: list[_Node]) -> None:
        self.items = items

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (tuple, list)) and len(value) == len(self.items)

    def shape(self, value: Any, original: Any, include: Filter | None, exclude: Filter | None,
              opts: _Options) -> Any:
        if not self.accepts(value):
            return value
        originals = _item_originals(original, len(value)) if opts.exclude_unset else None
        return _shape_positions(self.items, value, originals, include, exclude, opts)


class _Dict(_Node):
    __slots__ = ("value",)

    def __init__(self, value: _Node) -> None:
        self.value = value

    def accepts(self, value: Any) -> bool:
        return isinstance(value, Mapping)

    def shape(self, value: Any, original: Any, include: Filter | None, exclude: Filter | None,
              opts: _Options) -> Any:
        if not isinstance(value, Mapping):
            return value
        if self.value is _LEAF and include is None and exclude is None:
            return value  # PERF: keys and leaf values are the encoder's business
        originals = None
        if opts.exclude_unset and isinstance(original, Mapping) and len(original) == len(value):
            originals = list(original.values())  # convert keeps the order of the items
        node = self.value
        out = {}
        for index, (key, item) in enumerate(value.items()):
            skip, sub_include, sub_exclude = _skip(include, exclude, key)
            if skip:
                continue
            orig = originals[index] if originals is not None else _MISSING
            out[key] = node.shape(item, orig, sub_include, sub_exclude, opts)
        return out


class _Field:
    __slots__ = ("default", "encode_name", "factory", "has_default", "name", "node")

    def __init__(self, info: FieldNode, node: _Node) -> None:
        self.name = info.name
        self.encode_name = info.key
        self.node = node
        self.default = info.default
        self.factory = info.factory
        self.has_default = info.default is not _NODEFAULT or info.factory is not _NODEFAULT

    def is_default(self, value: Any) -> bool:
        default = self.default if self.default is not _NODEFAULT else self.factory()
        try:
            return bool(value == default)
        except Exception:  # an exotic __eq__ is not a reason to fail the response
            return False


class _Model(_Node):
    """Structs, dataclasses, attrs classes and TypedDicts: a JSON object, field by field."""

    __slots__ = ("cls", "fields", "is_typeddict", "omit_defaults", "required", "tag", "tag_field")

    def __init__(self, cls: type, is_typeddict: bool = False) -> None:
        self.cls = cls
        self.is_typeddict = is_typeddict
        self.fields: list[_Field] = []
        self.required: frozenset[str] = frozenset()
        self.tag_field: str | None = None
        self.tag: Any = None
        self.omit_defaults = False

    def accepts(self, value: Any) -> bool:
        if isinstance(value, dict):
            if self.tag_field is not None:
                return bool(value.get(self.tag_field, _MISSING) == self.tag)
            return self.is_typeddict or self.required.issubset(value)
        return isinstance(value, self.cls)

    def shape(self, value: Any, original: Any, include: Filter | None, exclude: Filter | None,
              opts: _Options) -> Any:
        if value is None:
            return None
        # PERF: exact type checks first; an ABC isinstance check costs more than a field.
        by_key = type(value) is dict or (type(value) is not self.cls and isinstance(value, Mapping))
        track = opts.exclude_unset and original is not _MISSING
        original_by_key = track and (type(original) is dict or isinstance(original, Mapping))
        filtering = include is not None or exclude is not None
        exclude_defaults = opts.exclude_defaults or self.omit_defaults
        exclude_none = opts.exclude_none
        by_alias = opts.by_alias
        out: dict[str, Any] = {}
        if self.tag_field is not None:
            out[self.tag_field] = self.tag
        sub_include = sub_exclude = None
        orig: Any = _MISSING
        for field in self.fields:
            if filtering:
                skip, sub_include, sub_exclude = _skip(include, exclude, field.name)
                if skip:
                    continue
            if by_key:
                item = value.get(field.encode_name, _MISSING)
            else:
                item = getattr(value, field.name, _MISSING)
            if item is _MISSING or item is _UNSET:
                continue
            if track:
                if original_by_key:
                    orig = original.get(field.encode_name, _MISSING)
                else:
                    orig = getattr(original, field.name, _MISSING)
                if orig is _MISSING:
                    continue  # not in the result: filled from the default
            if exclude_none and item is None:
                continue
            if exclude_defaults and field.has_default and field.is_default(item):
                continue
            node = field.node
            if node is not _LEAF:
                item = node.shape(item, orig, sub_include, sub_exclude, opts)
            out[field.encode_name if by_alias else field.name] = item
        return out


class _Union(_Node):
    __slots__ = ("members",)

    def __init__(self, members: list[_Node]) -> None:
        self.members = members

    def accepts(self, value: Any) -> bool:
        return any(member.accepts(value) for member in self.members)

    def shape(self, value: Any, original: Any, include: Filter | None, exclude: Filter | None,
              opts: _Options) -> Any:
        if value is None:
            return None
        # Converted values are instances of the member msgspec chose; the model members are asked
        # first, so a plain dict only falls to a dict member when no model claims it.
        for member in self.members:
            if isinstance(member, _Model) and member.accepts(value):
                return member.shape(value, original, include, exclude, opts)
        for member in self.members:
            if member.accepts(value):
                return member.shape(value, original, include, exclude, opts)
        return value


_LEAF = _Node()
_NONE = _NoneNode()


class _Compiler:
    """The type model's tree (``typemodel.inspect_node``) -> shaping nodes; recursive models share one."""

    def __init__(self) -> None:
        self.models: dict[int, _Model] = {}
        self.has_models = False
        self.has_renames = False
        # msgspec.convert leaves a dataclass's plain defaults on the class, not the instance, and the
        # encoder writes only the instance's __dict__: such models must be walked, not encoded as is.
        self.has_dataclasses = False

    def node(self, node: Node) -> _Node:
        kind = node.kind
        if kind == typemodel.NONE:
            return _NONE
        if kind == typemodel.SEQUENCE and node.item is not None:
            return _Sequence(self.node(node.item), indexed=node.container in (list, tuple))
        if kind == typemodel.TUPLE:
            return _Tuple([self.node(item) for item in node.items])
        if kind == typemodel.MAPPING and node.item is not None:
            return _Dict(self.node(node.item))
        if kind == typemodel.UNION:
            members = [self.node(member) for member in node.members]
            if all(member is _LEAF or member is _NONE for member in members):
                return _LEAF  # Optional[str], int | str...: nothing to shape
            return _Union(members)
        if kind == typemodel.MODEL:
            if node.flavor == "namedtuple":
                return _Tuple([self.node(field.node) for field in node.fields])
            if node.options.get("array_like"):
                return _LEAF
            if node.flavor == "dataclass":
                self.has_dataclasses = True
            return self._model(node)
        return _LEAF

    def _model(self, node: Node) -> _Model:
        known = self.models.get(id(node))
        if known is not None:
            return known
        self.has_models = True
        model = _Model(node.tp, node.flavor == "typeddict")
        self.models[id(node)] = model  # before the fields: a recursive field finds this node
        if node.flavor == "struct":
            model.tag_field = node.options["tag_field"]
            model.tag = node.options["tag"]
            model.omit_defaults = node.options["omit_defaults"]
        model.fields = [_Field(field, self.node(field.node)) for field in node.fields]
        model.required = frozenset(f.key for f in node.fields if f.required)
        if any(f.key != f.name for f in node.fields):
            self.has_renames = True
        return model


# Scalars msgspec writes otherwise than pydantic's serializer (which FastAPI encodes response models
# with): Decimal (a string for both, but our encoder writes numbers), bytes (UTF-8 text, not base64),
# timedelta (pydantic's normalised ISO 8601 duration: PT5M, not PT300S).
_WIRE_SCALARS = frozenset({decimal.Decimal, bytes, bytearray, datetime.timedelta})


def _needs_wire(node: Node, seen: set[int]) -> bool:
    """Whether a value of ``node``'s type can hold something msgspec encodes unlike pydantic."""
    if id(node) in seen:
        return False
    seen.add(id(node))
    kind = node.kind
    if kind == typemodel.SCALAR:
        return node.scalar in _WIRE_SCALARS
    if kind in (typemodel.ANY, typemodel.OTHER):
        return True  # decided by the value at run time
    if kind == typemodel.CHOICE:
        return any(not isinstance(c, (str, int, float, bool, type(None))) and
                   not isinstance(getattr(c, "value", None), (str, int, float, bool, type(None)))
                   for c in node.choices)
    children = [*node.items, *node.members, *(f.node for f in node.fields)]
    if node.item is not None:
        children.append(node.item)
    if node.key is not None:
        children.append(node.key)
    return any(_needs_wire(child, seen) for child in children)


# --------------------------------------------------------------------------------------------------
# pydantic (optional)

# model_config keys that change validation only, never what dump_json writes for a validated model.
_SAFE_CONFIG = frozenset({
    "title", "str_strip_whitespace", "str_to_lower", "str_to_upper", "str_min_length", "str_max_length",
    "frozen", "populate_by_name", "validate_by_name", "validate_by_alias", "validate_assignment",
    "from_attributes", "strict", "revalidate_instances", "validate_default", "json_schema_extra",
    "protected_namespaces", "defer_build", "use_attribute_docstrings", "regex_engine",
    "hide_input_in_errors", "loc_by_alias", "extra",
})
_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain_models(tp: Any, models: set[type]) -> bool:
    """Whether pydantic's ``dump_json`` of a ``tp`` value (default options) provably writes what
    msgspec writes for the models' ``__dict__``: plain scalars, lists, str-keyed dicts, optionals and
    models of the same kind, no alias, excluded field, custom serializer, computed field or config
    that changes serialization.  ``models`` collects the model classes met."""
    pydantic = sys.modules["pydantic"]
    if isinstance(tp, type) and tp in _PLAIN_SCALARS:
        return True
    inner = typemodel.list_item(tp)
    if inner is None:
        inner = typemodel.str_dict_value(tp)
    if inner is not None:
        return _plain_models(inner, models)
    members = typemodel.union_args(tp)
    if members is not None:
        return all(_plain_models(arg, models) for arg in members)
    if not (isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)):
        return False
    if tp in models:
        return True
    models.add(tp)
    cls: Any = tp
    config = cls.model_config
    decorators = cls.__pydantic_decorators__
    if (getattr(cls, "__pydantic_root_model__", False) or cls.__pydantic_computed_fields__
            or decorators.field_serializers or decorators.model_serializers
            or not _SAFE_CONFIG.issuperset(config) or config.get("extra") == "allow"
            or config.get("revalidate_instances", "never") != "never"):
        return False
    for name, field in cls.model_fields.items():
        if field.exclude or field.alias not in (None, name) or field.serialization_alias not in (None, name):
            return False
        if any(not type(m).__module__.startswith("annotated_types") for m in field.metadata):
            return False
        if not _plain_models(field.annotation, models):
            return False
    return True


class _NotPlain(Exception):
    """A value the direct encoding cannot vouch for (a subclass instance, say): pydantic encodes it."""


class _PlainEncoder:
    """msgspec writing plain pydantic models (see ``_plain_models``) from their ``__dict__``."""

    __slots__ = ("_encode", "item", "model", "models")

    def __init__(self, models: set[type], model: type | None, item: type | None) -> None:
        self.models = frozenset(models)
        self.model = model  # the response model, when it is a model class
        self.item = item  # the model of a top-level list[Model]: its items' dicts built in one pass
        # PERF: the hook (a model as its __dict__, else _NotPlain) is compiled.
        self._encode = msgspec.json.Encoder(enc_hook=FieldDicts(self.models, _NotPlain)).encode

    @property
    def encode_plain(self) -> Callable[[Any], bytes]:
        """msgspec's encoder with the models' hook, for values already in shape (see ``encode``)."""
        return self._encode

    def encode(self, value: Any) -> bytes:
        item = self.item
        if item is not None and type(value) is list:
            dicts = instance_dicts(value, item)  # PERF: no hook call per item
            if dicts is not None:
                value = dicts
        return self._encode(value)



def _pydantic_errors(exc: Any) -> list[dict[str, Any]]:
    return [{**err, "loc": ("response", *err["loc"])} for err in exc.errors(include_url=False)]


# --------------------------------------------------------------------------------------------------
# Errors of the msgspec path


def _builtins_hook(obj: Any) -> Any:
    """Objects returned for ``from_attributes`` models, made inspectable for the error walk."""
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return dump()
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    try:
        attributes = vars(obj)
    except TypeError:
        raise TypeError(f"cannot describe {type(obj).__name__}") from None
    return {k: v for k, v in attributes.items() if not k.startswith("_")}


def _first_error(exc: msgspec.ValidationError, value: Any) -> dict[str, Any]:
    """One error from msgspec's message, for when fastcore.validation is not available."""
    text, _, where = str(exc).rpartition(" - at `")
    if not text:
        text, where = str(exc), "$`"
    path: list[str | int] = []
    for part in where.rstrip("`")[1:].replace("[", ".[").split("."):
        if part.startswith("[") and part[1:-1].isdigit():
            path.append(int(part[1:-1]))
        elif part:
            path.append(part.strip("[]"))
    return {"type": "value_error", "loc": ("response", *path), "msg": f"Value error, {text}",
            "input": value, "ctx": {"error": text}}


def _response_errors(tp: Any, result: Any, exc: msgspec.ValidationError) -> list[dict[str, Any]]:
    try:
        value = msgspec.to_builtins(result, enc_hook=_builtins_hook)
    except Exception:
        value = _MISSING
    if _validation is None:
        return [_first_error(exc, result)]
    if value is _MISSING:
        return [_validation.fallback_error(exc, ("response",))]
    try:
        errors: list[dict[str, Any]] = _validation.collect_errors(tp, value, ("response",))
    except Exception:  # the error report must not hide the error
        errors = []
    # [] when the JSON form fits but the object did not (a ``datetime`` where ``str`` is declared)
    return errors or [_validation.fallback_error(exc, ("response",), value)]


# --------------------------------------------------------------------------------------------------
# The plan


class ResponsePlan:
    """How one route turns its handler's result into its response model (built once per route)."""

    __slots__ = ("_adapter", "_exclude", "_fast", "_include", "_instances", "_members", "_options",
                 "_plain", "_pydantic", "_raw_exclude", "_raw_include", "_root", "_validate", "_wire",
                 "model")

    def __init__(
        self,
        model: Any,
        *,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool = True,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        validate: bool = True,
    ) -> None:
        self.model = model
        self._validate = validate
        self._options = _Options(by_alias, exclude_unset, exclude_defaults, exclude_none)
        self._include = _normalise(include, excluding=False)
        self._exclude = _normalise(exclude, excluding=True)
        # pydantic takes sets and dicts; lists and tuples of names are made sets, as FastAPI does.
        self._raw_include = include if include is None or isinstance(include, (set, dict)) else set(include)
        self._raw_exclude = exclude if exclude is None or isinstance(exclude, (set, dict)) else set(exclude)
        self._adapter: Any = None
        self._instances: type | None = None
        self._root: _Node = _LEAF
        self._members: list[ResponsePlan] | None = None
        self._plain: _PlainEncoder | None = None
        self._wire = True  # whether encode_typed must look for values msgspec writes unlike pydantic
        self._pydantic = uses_pydantic(model)
        if self._pydantic:
            pydantic = sys.modules["pydantic"]
            try:
                self._adapter = pydantic.TypeAdapter(model)
            except pydantic.PydanticSchemaGenerationError as exc:
                raise FastCoreError(
                    f"response model {model!r} mixes pydantic with types pydantic cannot validate "
                    f"(msgspec Structs?): {exc}"
                ) from None
            self._fast = False
            options = (include, exclude, exclude_unset, exclude_defaults, exclude_none)
            models: set[type] = set()
            if options == (None, None, False, False, False) and _plain_models(model, models):
                item = typemodel.list_item(model)
                item = item if item in models else None
                self._plain = _PlainEncoder(models, model if model in models else None, item)
            return
        try:
            root = inspect_node(model)
        except TypeError as exc:
            members = typemodel.union_members(model)
            if members is None:
                raise FastCoreError(f"response model {model!r} is not a supported type: {exc}") from None
            # A union msgspec cannot decide (two untagged object types): each member is tried.
            self._members = [
                ResponsePlan(member, include=include, exclude=exclude, by_alias=by_alias,
                             exclude_unset=exclude_unset, exclude_defaults=exclude_defaults,
                             exclude_none=exclude_none, validate=validate)
                for member in members
            ]
            self._fast = False
            return
        compiler = _Compiler()
        self._root = compiler.node(root)
        self._wire = _needs_wire(root, set())
        # PERF: options that cannot change anything (no models to filter, no renames) cost nothing.
        filters = self._include is not None or self._exclude is not None
        if compiler.has_models:
            filters = filters or exclude_unset or exclude_defaults or exclude_none
            filters = filters or (not by_alias and compiler.has_renames)
            filters = filters or any(m.omit_defaults for m in compiler.models.values())
        self._fast = not filters and not compiler.has_dataclasses
        # PERF: the Struct class whose instances (or a list of them) pass as they are.  msgspec (like
        # pydantic, which does not revalidate instances) returns them unchanged anyway; checking the
        # types in one C loop spares it a call per item.
        if self._fast:
            item = typemodel.list_item(model)
            item = model if item is None else item
            if isinstance(item, type) and issubclass(item, msgspec.Struct):
                self._instances = item

    def serialize(self, result: Any) -> msgspec.Raw:
        """``result`` as the response model, encoded as FastAPI encodes it (with pydantic's
        serializer): the JSON as ``msgspec.Raw``, which the response writer sends as it is."""
        if self._pydantic:
            return _Raw(self._dump_pydantic(result))
        return _Raw(encode_typed(self.convert(result), self._wire, self._options.by_alias))

    def plain_encoding(
        self,
    ) -> tuple[type | None, type | None, Callable[[Any], bytes], tuple[type[Exception], ...]] | None:
        """``(model, item, encode, refusals)`` for the compiled route (``fastcore._fastpath``) when the
        response model is made of plain pydantic models (see ``_plain_models``), else None.

        A result whose type is exactly ``model``, or a list of instances of exactly ``item`` (given
        as their ``__dict__``s), is what :meth:`serialize` would write with ``encode``, with
        nothing to validate first; ``encode`` raising one of ``refusals`` means :meth:`serialize`
        must decide.
        """
        plain = self._plain
        if not self._pydantic or plain is None:
            return None
        return plain.model, plain.item, plain.encode_plain, (_NotPlain, UnicodeEncodeError)

    def jsonable(self, result: Any) -> Any:
        """``result`` as the response model, as the JSON-compatible builtins FastAPI hands a response
        class other than its default one (pydantic's ``dump_python(mode="json")``)."""
        if self._pydantic:
            return self._adapter.dump_python(self._validated(result), mode="json", warnings=self._validate,
                                             **self._pydantic_options())
        return msgspec.json.decode(self.serialize(result))

    def convert(self, result: Any) -> Any:
        """``result`` as the response model: builtins, or an object msgspec encodes."""
        if self._fast:
            if not self._validate:
                return result
            instances = self._instances
            if instances is not None:
                if type(result) is instances:
                    return result
                if type(result) is list and all_of_type(result, instances):
                    return result
            try:
                # PERF: one C call; Structs/dataclasses/attrs go to the encoder as they are.  Plain
                # conversion first: ``from_attributes`` doubles msgspec's cost on dicts.
                return _convert(result, self.model, strict=False)
            except msgspec.ValidationError:
                pass
            try:
                return _convert(result, self.model, from_attributes=True, strict=False)
            except msgspec.ValidationError as exc:
                raise ResponseValidationError(_response_errors(self.model, result, exc),
                                              body=result) from None
        if self._pydantic:
            return self._adapter.dump_python(self._validated(result), mode="json", warnings=self._validate,
                                             **self._pydantic_options())
        if self._members is not None:
            return self._serialize_members(result)
        value = result
        original = _MISSING
        if self._validate:
            try:
                value = _convert(result, self.model, from_attributes=True, strict=False)
            except msgspec.ValidationError as exc:
                raise ResponseValidationError(_response_errors(self.model, result, exc),
                                              body=result) from None
            original = result
        return self._root.shape(value, original, self._include, self._exclude, self._options)

    def _serialize_members(self, result: Any) -> Any:
        """pydantic's smart union, roughly: of the members that accept ``result``, the one that takes
        the most of its fields (an instance of a member's own class wins outright)."""
        assert self._members is not None
        best: Any = _MISSING
        best_score = -1
        errors: list[Any] = []
        for plan in self._members:
            try:
                out = plan.convert(result)
            except ResponseValidationError as exc:
                if plan.model is not type(None):  # pydantic reports a nullable union's members only
                    label = getattr(plan.model, "__name__", None) or repr(plan.model)
                    errors.extend({**e, "loc": ("response", label, *e["loc"][1:])} for e in exc.errors())
                continue
            score = plan._fit(result)
            if score > best_score:
                best, best_score = out, score
        if best is _MISSING:
            raise ResponseValidationError(errors, body=result)
        return best

    def _fit(self, result: Any) -> int:
        """How many of ``result``'s keys or attributes this plan's model declares."""
        model = typemodel.origin_class(self.model)
        if isinstance(model, type) and type(result) is model:
            return sys.maxsize
        root = self._root
        if not isinstance(root, _Model):
            return 0
        if isinstance(result, Mapping):
            return sum(1 for f in root.fields if f.encode_name in result)
        return sum(1 for f in root.fields if hasattr(result, f.name))

    def _validated(self, result: Any) -> Any:
        """``result`` validated by pydantic, as FastAPI does (``validate_python(from_attributes=True)``)."""
        if not self._validate:
            return result
        plain = self._plain
        if plain is not None:
            # PERF: instances of a model pydantic does not revalidate are returned as they are.
            if type(result) is plain.model:
                return result
            if plain.item is not None and type(result) is list and all_of_type(result, plain.item):
                return result
        pydantic = sys.modules["pydantic"]
        try:
            return self._adapter.validate_python(result, from_attributes=True)
        except pydantic.ValidationError as exc:
            raise ResponseValidationError(_pydantic_errors(exc), body=result) from None

    def _pydantic_options(self) -> dict[str, Any]:
        opts = self._options
        return {"include": self._raw_include, "exclude": self._raw_exclude, "by_alias": opts.by_alias,
                "exclude_unset": opts.exclude_unset, "exclude_defaults": opts.exclude_defaults,
                "exclude_none": opts.exclude_none}

    def _dump_pydantic(self, result: Any) -> bytes:
        """The JSON of a pydantic response model, encoded once: by msgspec from the models' fields
        where that is provably what pydantic writes, else by pydantic-core's ``dump_json``."""
        value = self._validated(result)
        plain = self._plain
        if plain is not None:
            try:
                return plain.encode(value)
            except (_NotPlain, UnicodeEncodeError):
                pass  # pydantic writes it (or, for lone surrogates, the fallback below)
        # unvalidated data may not match the schema (that is the point): no warnings for it
        warnings = self._validate
        try:
            dumped: bytes = self._adapter.dump_json(value, warnings=warnings, **self._pydantic_options())
            return dumped
        except (ValueError, TypeError):  # PydanticSerializationError: a str with a lone surrogate...
            return encode_typed(self._adapter.dump_python(value, mode="json", warnings=warnings,
                                                          **self._pydantic_options()), True)

    def __repr__(self) -> str:
        return f"ResponsePlan({self.model!r})"


# --------------------------------------------------------------------------------------------------
# The return annotation as the response model


def _return_annotation(endpoint: Callable[..., Any]) -> Any:
    """``endpoint``'s return annotation, string annotations resolved; ``_MISSING`` when there is none
    or it cannot be resolved."""
    try:
        annotation = inspect.signature(endpoint).return_annotation
    except (TypeError, ValueError):
        return _MISSING
    if annotation is inspect.Signature.empty:
        return _MISSING
    if isinstance(annotation, str):
        target = inspect.unwrap(endpoint)
        if not inspect.isfunction(target) and not inspect.ismethod(target):
            target = getattr(target, "__call__", target)  # noqa: B004 - a callable instance's method
        try:
            annotation = typing.get_type_hints(target, include_extras=True).get("return", _MISSING)
        except Exception:
            return _MISSING
    return annotation


def is_generator_handler(endpoint: Callable[..., Any]) -> bool:
    """Whether ``endpoint`` is a ``def`` or ``async def`` that ``yield``s: a streaming path operation."""
    unwrapped = inspect.unwrap(endpoint)
    return inspect.isgeneratorfunction(unwrapped) or inspect.isasyncgenfunction(unwrapped)


def response_model_from_annotation(endpoint: Callable[..., Any]) -> Any:
    """The response model FastAPI takes from ``endpoint``'s return annotation, or None.

    No model when there is no annotation, when it is ``None`` or a ``Response`` class (the handler
    answers for itself), when it cannot be resolved, or when the handler is a generator (it streams:
    see ``stream_item_type``).  A union holding a ``Response`` is a model, which the route refuses,
    as FastAPI does (``response_model=None`` opts out).
    """
    if is_generator_handler(endpoint):
        return None
    annotation = _return_annotation(endpoint)
    if annotation in (_MISSING, None, type(None)) or is_response_class(annotation):
        return None
    return annotation


def stream_item_type(endpoint: Callable[..., Any]) -> Any:
    """The type of the items a generator handler yields, from its return annotation:
    ``AsyncIterable[Item]`` (or ``Iterator``, ``Generator[Item, None, None]``...) -> ``Item``, a bare
    ``AsyncIterable`` -> ``Any``; None when the annotation names no item type."""
    return typemodel.stream_item(_return_annotation(endpoint))


def default_status_code(response_class: type[Any]) -> int:
    """The status a route without ``status_code`` answers with: ``response_class``'s own default
    (its ``__init__``'s ``status_code=``, 307 for ``RedirectResponse``), else 200 — FastAPI's rule,
    which also documents that status."""
    try:
        parameter = inspect.signature(response_class.__init__).parameters.get("status_code")
    except (TypeError, ValueError):
        return 200
    if parameter is not None and type(parameter.default) is int:
        return parameter.default
    return 200
