"""Every validation error of a request body, in pydantic v2's shapes.

The fast path decodes a body with ``msgspec.json.Decoder(T, strict=False)``, which stops at the first
error. When it fails, the slow path decodes the body untyped and calls :func:`collect_errors`, which
lists *all* the errors the way FastAPI (pydantic v2, lax mode, ``from_attributes=True``) reports them::

    >>> class Item(msgspec.Struct):
    ...     name: str
    ...     qty: Annotated[int, msgspec.Meta(ge=1)] = 1
    >>> collect_errors(Item, {"name": 1, "qty": 0}, ("body",))
    [{'type': 'string_type', 'loc': ('body', 'name'), 'msg': 'Input should be a valid string', 'input': 1},
     {'type': 'greater_than_equal', 'loc': ('body', 'qty'), 'msg': 'Input should be greater than or equal
     to 1', 'input': 0, 'ctx': {'ge': 1}}]

How it works: the type is normalised once by ``fastcore.typemodel`` (renames, defaults, ``Meta``
constraints, ``Required``/``NotRequired``, recursion) and compiled into a tree of small checker nodes,
cached per type. Containers and models are walked here; every scalar leaf asks msgspec itself whether
it accepts the value (``msgspec.convert(value, leaf, strict=False)``, O(1) per leaf), so *acceptance*
is always msgspec's, and only the *wording* of a rejection is pydantic's. ``collect_errors`` first asks
the judge, the same ``Decoder(T, strict=False)`` the fast path uses, on the value re-encoded: if it
accepts, the answer is ``[]``; if it rejects and the walker finds nothing, :func:`fallback_error` turns
msgspec's own message into one pydantic-shaped error. So the result is empty exactly when the fast path
would have accepted the body. (``msgspec.convert`` agrees with the decoder except that it counts a
set's ``min_length``/``max_length`` before de-duplication; the decoder, like pydantic, after.)
Nesting too deep for msgspec or for this walker yields one error rather than a ``RecursionError``.

Where msgspec (``strict=False``) and pydantic (lax) disagree, msgspec wins, because the value was, or
would be, accepted on the fast path. The known disagreement classes:

* ``int``/``float``/``timedelta``/``Decimal`` from ``bool``: pydantic accepts ``true`` as 1; msgspec
  rejects (``int_type``/``float_type``/...). Numeric strings pydantic accepts but msgspec does not
  (``" 1"``, ``"1_0"``, ``"+5"``) get ``int_parsing``/``float_parsing``.
* ``int`` from an integral float beyond 2**53: msgspec rejects (``int_type``, or ``int_parsing_size``
  beyond the int64 range, as pydantic says there).
* ``bool`` from ``1.0``/``0.0`` or from ``"yes"``, ``"on"``, ``"t"``...: pydantic accepts; msgspec
  rejects (``bool_parsing``).
* ``None`` from the string ``"null"``: msgspec accepts, pydantic does not.
* ``Decimal`` from ``"nan"``/``"inf"``: msgspec accepts, pydantic says ``finite_number``.
* ``bytes``: msgspec wants base64, pydantic takes a string's UTF-8 bytes. A non-base64 string is
  ``bytes_invalid_encoding``.
* ``datetime`` from a bare date (``"2020-01-01"``) or ``"+5"``; ``date`` from numbers or from a
  datetime with zero time; ``time`` from numbers or ``"12:30"``; ``timedelta`` from ``"12:30:00"`` or
  ``"1 day"``: pydantic accepts, msgspec rejects (``*_parsing``/``*_type``). ``timedelta`` from a
  number-like string (``"3600"``): msgspec accepts, pydantic does not. The ``ctx.error`` text of the
  date/time ``*_parsing`` errors is a best effort at pydantic's (speedate's) wording, not a copy.
* ``UUID`` in URN or braced form: pydantic accepts, msgspec rejects (``uuid_parsing``).
* ``Enum``/``Literal`` of ints from ``true``/``1.0``: pydantic accepts, msgspec rejects; from ``"1"``:
  msgspec accepts, pydantic does not.
* ``NamedTuple`` from a JSON object: pydantic accepts, msgspec only reads arrays. Field errors are
  reported as pydantic would; a well-formed object gets ``tuple_type``.
* Unions: pydantic's smart union tries every member; msgspec picks the member by the JSON kind of the
  value. Errors list every member (pydantic's shape, member label in ``loc``), and a value is accepted
  exactly when msgspec accepts it.
* Constraints: which values pass is msgspec's test (e.g. float ``multiple_of``); which error is named
  follows pydantic's order (multiple_of, le, lt, ge, gt; min/max length, then pattern) and wording.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any

import msgspec

from fastcore import typemodel
from fastcore._validation_errors import (
    _INT64,
    MSG,
    Explainer,
    _convert,
    _error,
    _expected,
    _explain_bool,
    _explain_bytes,
    _explain_date,
    _explain_datetime,
    _explain_decimal,
    _explain_float,
    _explain_int,
    _explain_none,
    _explain_str,
    _explain_time,
    _explain_timedelta,
    _explain_uuid,
    _plural,
    _show,
)
from fastcore.typemodel import Node, inspect_node

__all__ = ["collect_errors", "fallback_error", "json_invalid_error"]

ErrorDict = dict[str, Any]
Loc = tuple[str | int, ...]

# --------------------------------------------------------------------------------------------------
# Checker nodes. ``check`` appends the errors of ``value`` (at ``loc``) to ``errors``; it appends none
# exactly when msgspec accepts the value as the node's type.


class _Node:
    label = "any"

    def check(self, value: Any, loc: Loc, errors: list[ErrorDict]) -> None:
        """Any accepts everything."""


class _Leaf(_Node):
    """A scalar: msgspec decides; the explainer and the constraint table word the rejection."""

    def __init__(self, tp: Any, base: Any, label: str, explain: Explainer,
                 constraints: list[tuple[str, str, Any]]) -> None:
        self.tp, self.base, self.label, self.explain, self.constraints = tp, base, label, explain, constraints

    def check(self, value: Any, loc: Loc, errors: list[ErrorDict]) -> None:
        ok, result = _convert(value, self.tp)
        if ok:
            return
        if self.tp is not self.base:
            base_ok, converted = _convert(value, self.base)
            if not base_ok and self.base is int and isinstance(value, float) and value.is_integer() \
                    and abs(value) < _INT64:
                # beyond 2**53 msgspec refuses the float, pydantic takes it as an int and checks bounds
                found = self._constraint_error(value, int(value), loc)
                errors.append(found or self.explain(value, loc))
                return
            if base_ok:
                found = self._constraint_error(value, converted, loc)
                errors.append(found or fallback_error(result, loc, value))
                return
        errors.append(self.explain(value, loc))

    def _constraint_error(self, value: Any, converted: Any, loc: Loc) -> ErrorDict | None:
        # pydantic reports only the first failing constraint, in the order of ``self.constraints``;
        # msgspec (one Meta per constraint) says which ones fail.
        for kind, meta_name, bound in self.constraints:
            if not _convert(converted, Annotated[self.base, msgspec.Meta(**{meta_name: bound})])[0]:
                return _CONSTRAINT_ERRORS[kind](value, loc, bound)
        return None


def _too(kind: str, word: str) -> Callable[[Any, Loc, Any], ErrorDict]:
    def build(value: Any, loc: Loc, bound: Any) -> ErrorDict:
        name = "min_length" if kind.endswith("short") else "max_length"
        return _error(kind, loc, value, MSG[kind].format(count=_plural(bound, word)), {name: bound})
    return build


def _bound(kind: str, name: str) -> Callable[[Any, Loc, Any], ErrorDict]:
    def build(value: Any, loc: Loc, bound: Any) -> ErrorDict:
        return _error(kind, loc, value, MSG[kind].format(**{name: _show(bound)}), {name: bound})
    return build


def _pattern_error(value: Any, loc: Loc, pattern: Any) -> ErrorDict:
    text = MSG["string_pattern_mismatch"].format(pattern=pattern)
    return _error("string_pattern_mismatch", loc, value, text, {"pattern": pattern})


def _tz_error(value: Any, loc: Loc, tz: Any) -> ErrorDict:
    return _error("timezone_aware" if tz else "timezone_naive", loc, value)


_CONSTRAINT_ERRORS: dict[str, Callable[[Any, Loc, Any], ErrorDict]] = {
    "multiple_of": _bound("multiple_of", "multiple_of"),
    "le": _bound("less_than_equal", "le"),
    "lt": _bound("less_than", "lt"),
    "ge": _bound("greater_than_equal", "ge"),
    "gt": _bound("greater_than", "gt"),
    "str_min_length": _too("string_too_short", "character"),
    "str_max_length": _too("string_too_long", "character"),
    "bytes_min_length": _too("bytes_too_short", "byte"),
    "bytes_max_length": _too("bytes_too_long", "byte"),
    "pattern": _pattern_error,
    "tz": _tz_error,
}

# Constraint names as msgspec.Meta spells them, in pydantic's order of checking.
_NUMBER_ORDER = ("multiple_of", "le", "lt", "ge", "gt")


class _Choice(_Node):
    """Literal and Enum: one error naming the allowed values."""

    def __init__(self, tp: Any, kind: str, values: list[Any], label: str) -> None:
        self.tp, self.kind, self.label = tp, kind, label
        self.expected = _expected(values)

    def check(self, value: Any, loc: Loc, errors: list[ErrorDict]) -> None:
        if not _convert(value, self.tp)[0]:
            errors.append(_error(self.kind, loc, value, MSG[self.kind].format(expected=self.expected),
                                 {"expected": self.expected}))


_SEQ_NAMES = {"list": "List", "set": "Set", "frozen_set": "Frozenset", "tuple": "Tuple"}


def _length_error(kind: str, field_type: str, loc: Loc, value: Any, bound: int,
                  actual: int | None) -> ErrorDict:
    short = kind == "too_short"
    name = "min_length" if short else "max_length"
    text = MSG[kind].format(field_type=field_type, count=_plural(bound, "item"),
                            actual="more" if actual is None else actual)
    return _error(kind, loc, value, text, {"field_type": field_type, name: bound, "actual_length": actual})


class _Sequence(_Node):
    """list, set, frozenset and tuple[T, ...] from a JSON array.

    pydantic checks lengths differently per container: a list's upper bound before its items; a
    tuple's lower bound even after item errors (counting the valid items); sets report an exceeded
    upper bound as "not more" with no actual length. Any item error suppresses the other checks.
    """

    def __init__(self, kind: str, item: _Node, min_length: int | None, max_length: int | None,
                 plain: Any) -> None:
        self.kind, self.item, self.min_length, self.max_length, self.plain = (
            kind, item, min_length, max_length, plain)
        self.label = ""  # set by the compiler once the item's label is known (recursion)

    def check(self, value: Any, loc: Loc, errors: list[ErrorDict]) -> None:
        if not isinstance(value, (list, tuple)):
            errors.append(_error(f"{self.kind}_type", loc, value))
            return
        field_type = _SEQ_NAMES[self.kind]
        if self.kind == "list" and self.max_length is not None and len(value) > self.max_length:
            errors.append(_length_error("too_long", field_type, loc, value, self.max_length, len(value)))
            return
        before = len(errors)
        invalid = 0
        for index, item in enumerate(value):
            count = len(errors)
            self.item.check(item, (*loc, index), errors)
            invalid += len(errors) > count
        if self.min_length is None and self.max_length is None:
            return
        if len(errors) > before:
            valid = len(value) - invalid
            if self.kind == "tuple" and self.min_length is not None and valid < self.min_length:
                errors.append(_length_error("too_short", field_type, loc, value, self.min_length, valid))
            return
        actual = len(value)
        if self.kind in ("set", "frozen_set"):
            actual = len(msgspec.convert(value, self.plain, strict=False))  # length after de-duplication
        if self.min_length is not None and actual < self.min_length:
            errors.append(_length_error("too_short", field_type, loc, value, self.min_length, actual))
        elif self.max_length is not None and actual > self.max_length:
            shown = None if self.kind in ("set", "frozen_set") else actual  # pydantic: "not more"
            errors.append(_length_error("too_long", field_type, loc, value, self.max_length, shown))


class _Tuple(_Node):
    """tuple[A, B] from a JSON array of exactly that length."""

    def __init__(self, items: list[_Node]) -> None:
        self.items = items
        self.label = ""

    def check(self, value: Any, loc: Loc, errors: list[ErrorDict]) -> None:
        if not isinstance(value, (list, tuple)):
            errors.append(_error("tuple_type", loc, value))
            return
        if len(value) > len(self.items):
            errors.append(_length_error("too_long", "Tuple", loc, value, len(self.items), len(value)))
            return
        for index, node in enumerate(self.items):
            if index < len(value):
                node.check(value[index], (*loc, index), errors)
            else:
                errors.append(_error("missing", (*loc, index), value))


class _Dict(_Node):
    def __init__(self, key: _Node, value: _Node, min_length: int | None, max_length: int | None) -> None:
        self.key, self.value, self.min_length, self.max_length = key, value, min_length, max_length
        self.label = ""

    def check(self, value: Any, loc: Loc, errors: list[ErrorDict]) -> None:
        if not isinstance(value, dict):
            errors.append(_error("dict_type", loc, value))
            return
        before = len(errors)
        for key, item in value.items():
            self.key.check(key, (*loc, key, "[key]"), errors)
            self.value.check(item, (*loc, key), errors)
        if len(errors) > before:
            return
        if self.min_length is not None and len(value) < self.min_length:
            errors.append(_length_error("too_short", "Dictionary", loc, value, self.min_length, len(value)))
        elif self.max_length is not None and len(value) > self.max_length:
            errors.append(_length_error("too_long", "Dictionary", loc, value, self.max_length, None))


class _FieldSpec:
    __slots__ = ("key", "node", "required")

    def __init__(self, key: str, node: _Node, required: bool) -> None:
        self.key, self.node, self.required = key, node, required


class _Model(_Node):
    """Struct, dataclass, attrs class, TypedDict and NamedTuple: an object's fields, by name."""

    def __init__(self, cls: type, kind: str) -> None:
        self.cls, self.kind, self.label = cls, kind, cls.__name__
        self.fields: list[_FieldSpec] = []
        self.names: frozenset[str] = frozenset()
        self.forbid = False
        self.tag_field: str | None = None
        self.tag: Any = None
        self.array_like = False

    def type_error(self, value: Any, loc: Loc) -> ErrorDict:
        name = self.cls.__name__
        if self.kind == "dataclass":
            text = MSG["dataclass_type"].format(class_name=name)
            return _error("dataclass_type", loc, value, text, {"class_name": name})
        if self.kind == "namedtuple":
            text = MSG["named_tuple_type"].format(class_name=name)
            return _error("named_tuple_type", loc, value, text, {"class_name": name})
        if self.kind == "typeddict":
            return _error("dict_type", loc, value)
        if self.array_like:
            return _error("list_type", loc, value)
        return _error("model_attributes_type", loc, value)

    def check(self, value: Any, loc: Loc, errors: list[ErrorDict]) -> None:
        positional = self.kind == "namedtuple" or self.array_like
        if positional and isinstance(value, (list, tuple)):
            self._check_array(value, loc, errors)
        elif isinstance(value, dict) and not self.array_like:
            before = len(errors)
            self._check_object(value, loc, errors)
            if self.kind == "namedtuple" and len(errors) == before:
                errors.append(_error("tuple_type", loc, value))  # msgspec reads NamedTuples from arrays only
        else:
            errors.append(self.type_error(value, loc))

    def _check_object(self, value: dict[Any, Any], loc: Loc, errors: list[ErrorDict]) -> None:
        if self.tag_field is not None and self.tag_field in value and value[self.tag_field] != self.tag:
            expected = repr(self.tag)
            errors.append(_error("literal_error", (*loc, self.tag_field), value[self.tag_field],
                                 MSG["literal_error"].format(expected=expected), {"expected": expected}))
        for spec in self.fields:
            if spec.key in value:
                spec.node.check(value[spec.key], (*loc, spec.key), errors)
            elif spec.required:
                errors.append(_error("missing", (*loc, spec.key), value))
        if self.forbid or self.kind == "namedtuple":
            for key, item in value.items():
                if key not in self.names and key != self.tag_field:
                    errors.append(_error("extra_forbidden", (*loc, key), item))

    def _check_array(self, value: list[Any] | tuple[Any, ...], loc: Loc, errors: list[ErrorDict]) -> None:
        fields = self.fields
        offset = 1 if self.array_like and self.tag_field is not None else 0  # array_like tags lead the array
        if offset and (not value or value[0] != self.tag):
            if value:
                expected = repr(self.tag)
                text = MSG["literal_error"].format(expected=expected)
                errors.append(_error("literal_error", (*loc, 0), value[0], text, {"expected": expected}))
            else:
                errors.append(_error("missing", (*loc, 0), value))
            return
        if len(value) - offset > len(fields) and (self.kind == "namedtuple" or self.forbid):
            field_type = "NamedTuple" if self.kind == "namedtuple" else "Tuple"
            errors.append(_length_error("too_long", field_type, loc, value, len(fields) + offset, len(value)))
            return
        for index, spec in enumerate(fields, offset):
            if index < len(value):
                spec.node.check(value[index], (*loc, index), errors)
            elif spec.required:
                errors.append(_error("missing", (*loc, index), value))


def _prefixed(errors: list[ErrorDict], prefix: Loc) -> list[ErrorDict]:
    for err in errors:
        err["loc"] = (*prefix, *err["loc"])
    return errors


class _Union(_Node):
    """pydantic's smart union: when the value fits no member, every member's errors, each under its label.

    msgspec, unlike pydantic, chooses the member from the value's JSON kind, so acceptance is decided
    by that member alone (or, for scalars, by msgspec on the whole union).
    """

    def __init__(self, tp: Any, members: list[_Node], nullable: bool) -> None:
        self.tp, self.members, self.nullable = tp, members, nullable
        self.label = ""
        self.tagged: dict[Any, _Model] | None = None
        self.tag_field = ""

    def check(self, value: Any, loc: Loc, errors: list[ErrorDict]) -> None:
        if value is None and self.nullable:
            return
        if any(type(m) is _Node for m in self.members):
            return  # Any takes everything
        if self.tagged is not None and len(self.tagged) == len(self.members):
            # pydantic's discriminated union: a non-object fails the union itself, not each member
            if isinstance(value, dict):
                self._check_tagged(value, loc, errors)
            else:
                errors.append(_error("model_attributes_type", loc, value))
            return
        if self.tagged is not None and isinstance(value, dict):
            self._check_tagged(value, loc, errors)
            return
        # Each member's errors are computed once, relative to the union, then prefixed: re-walking the
        # chosen member would make nested unions (recursive Optional models) exponential.
        per_member: list[list[ErrorDict]] = []
        for member in self.members:
            found: list[ErrorDict] = []
            member.check(value, (), found)
            per_member.append(found)
        if isinstance(value, (list, dict)):
            chosen = [found for member, found in zip(self.members, per_member, strict=True)
                      if _accepts_kind(member, value)]
            if chosen and not chosen[0]:
                return
        elif _convert(value, self.tp)[0]:
            return
        before = len(errors)
        if len(self.members) == 1:
            errors.extend(_prefixed(per_member[0], loc))
        else:
            for member, found in zip(self.members, per_member, strict=True):
                errors.extend(_prefixed(found, (*loc, member.label)))
        if len(errors) == before:
            ok, exc = _convert(value, self.tp)
            if ok:  # msgspec accepts the union but not the member: cannot happen, but stay total
                exc = msgspec.ValidationError("Invalid value")
            errors.append(fallback_error(exc, loc, value))

    def _check_tagged(self, value: dict[Any, Any], loc: Loc, errors: list[ErrorDict]) -> None:
        assert self.tagged is not None
        discriminator = repr(self.tag_field)
        if self.tag_field not in value:
            errors.append(_error("union_tag_not_found", loc, value,
                                 MSG["union_tag_not_found"].format(discriminator=discriminator),
                                 {"discriminator": discriminator}))
            return
        tag = value[self.tag_field]
        member = self.tagged.get(tag) if isinstance(tag, (str, int)) and not isinstance(tag, bool) else None
        if member is None:
            expected = ", ".join(repr(str(t)) for t in self.tagged)
            errors.append(_error("union_tag_invalid", loc, value,
                                 MSG["union_tag_invalid"].format(tag=tag, discriminator=discriminator,
                                                                 expected_tags=expected),
                                 {"discriminator": discriminator, "tag": str(tag),
                                  "expected_tags": expected}))
            return
        member.check(value, (*loc, str(tag)), errors)


def _accepts_kind(node: _Node, value: Any) -> bool:
    """Whether msgspec would route this JSON array/object to ``node`` inside a union."""
    if isinstance(value, list):
        if isinstance(node, _Model):
            return node.kind == "namedtuple" or node.array_like
        return isinstance(node, (_Sequence, _Tuple))
    if isinstance(node, _Model):
        return node.kind != "namedtuple" and not node.array_like
    return isinstance(node, _Dict)


# --------------------------------------------------------------------------------------------------
# Compiling the type model's tree into checker nodes


_LEAVES: dict[Any, tuple[str, Explainer]] = {
    int: ("int", _explain_int),
    float: ("float", _explain_float),
    str: ("str", _explain_str),
    bytes: ("bytes", _explain_bytes),
    bytearray: ("bytes", _explain_bytes),
    bool: ("bool", _explain_bool),
    decimal.Decimal: ("decimal", _explain_decimal),
    uuid.UUID: ("uuid", _explain_uuid),
    datetime.timedelta: ("timedelta", _explain_timedelta),
    datetime.date: ("date", _explain_date),
    datetime.datetime: ("datetime", _explain_datetime),
    datetime.time: ("time", _explain_time),
}
_SEQ_KINDS = {list: "list", set: "set", frozenset: "frozen_set", tuple: "tuple"}
_MODEL_KINDS = {"struct": "struct", "dataclass": "dataclass", "attrs": "attrs", "typeddict": "typeddict",
                "namedtuple": "namedtuple"}


class _Compiler:
    """The type model's tree (``typemodel.inspect_node``) -> checker nodes; recursion shares nodes."""

    def __init__(self) -> None:
        self.memo: dict[int, _Node] = {}

    def node(self, node: Node) -> _Node:
        found = self.memo.get(id(node))
        if found is not None:
            return found
        built = self._build(node)
        self.memo[id(node)] = built
        return built

    def _build(self, node: Node) -> _Node:
        kind = node.kind
        if kind == typemodel.ANY:
            return _Node()
        if kind == typemodel.NONE:
            return _Leaf(None, None, "none", _explain_none, [])
        if kind == typemodel.SCALAR:
            return self._leaf(node)
        if kind == typemodel.CHOICE:
            if isinstance(node.tp, type):  # an Enum
                values = [m.value for m in node.choices]
                return _Choice(node.tp, "enum", values, f"enum[{node.tp.__name__}]")
            return _Choice(node.tp, "literal_error", node.choices, _literal_label(node.choices))
        if kind == typemodel.MODEL:
            return self._model(node)
        if kind == typemodel.SEQUENCE and node.item is not None:
            seq_kind = _SEQ_KINDS[node.container]
            lengths = node.constraints
            seq = _Sequence(seq_kind, _Node(), lengths.get("min_length"), lengths.get("max_length"), None)
            self.memo[id(node)] = seq
            seq.item = self.node(node.item)
            item_tp: Any = node.item.tp
            seq.plain = tuple[item_tp, ...] if node.container is tuple else node.container[item_tp]
            name = {"frozen_set": "frozenset"}.get(seq_kind, seq_kind)
            item_label = seq.item.label
            seq.label = f"tuple[{item_label}, ...]" if seq_kind == "tuple" else f"{name}[{item_label}]"
            return seq
        if kind == typemodel.TUPLE:
            tup = _Tuple([])
            self.memo[id(node)] = tup
            tup.items = [self.node(t) for t in node.items]
            tup.label = "tuple[" + ", ".join(n.label for n in tup.items) + "]"
            return tup
        if kind == typemodel.MAPPING and node.key is not None and node.item is not None:
            lengths = node.constraints
            dct = _Dict(_Node(), _Node(), lengths.get("min_length"), lengths.get("max_length"))
            self.memo[id(node)] = dct
            dct.key, dct.value = self.node(node.key), self.node(node.item)
            dct.label = f"dict[{dct.key.label},{dct.value.label}]"
            return dct
        if kind == typemodel.UNION:
            return self._union(node)
        if kind == typemodel.OTHER and isinstance(node.tp, type):
            return _Leaf(node.tp, node.tp, node.tp.__name__, _explain_str, [])
        raise TypeError(f"fastcore cannot collect validation errors for {node!r}")

    def _leaf(self, node: Node) -> _Node:
        base = node.scalar
        name, explain = _LEAVES[base]
        limits = node.constraints
        found: list[tuple[str, str, Any]]
        if base in (int, float):
            found = [(n, n, limits[n]) for n in _NUMBER_ORDER if n in limits]
        elif base in (str, bytes, bytearray):
            prefix = "str_" if base is str else "bytes_"
            found = [(prefix + n, n, limits[n]) for n in ("min_length", "max_length") if n in limits]
            if "pattern" in limits:
                found.append(("pattern", "pattern", limits["pattern"]))
        elif base in (datetime.datetime, datetime.time):
            found = [("tz", "tz", limits["tz"])] if "tz" in limits else []
            return _Leaf(node.tp, base, name, explain, found)
        else:
            return _Leaf(base, base, name, explain, [])
        return _Leaf(node.tp, base, f"constrained-{name}" if found else name, explain, found)

    def _model(self, node: Node) -> _Node:
        model = _Model(node.tp, _MODEL_KINDS[node.flavor])
        self.memo[id(node)] = model  # before the fields: they may refer back to this model
        if node.flavor == "struct":
            options = node.options
            model.forbid = options["forbid"]
            model.tag_field, model.tag, model.array_like = options["tag_field"], options["tag"], \
                options["array_like"]
        model.fields = [_FieldSpec(f.key, self.node(f.node), f.required) for f in node.fields]
        model.names = frozenset(f.key for f in node.fields)
        return model

    def _union(self, node: Node) -> _Node:
        nullable = any(m.kind == typemodel.NONE for m in node.members)
        union = _Union(node.tp, [], nullable)
        self.memo[id(node)] = union
        union.members = [self.node(m) for m in node.members if m.kind != typemodel.NONE]
        models = [m for m in union.members if isinstance(m, _Model)]
        if len(models) > 1 and all(m.tag_field is not None and not m.array_like for m in models):
            union.tagged = {m.tag: m for m in models}
            union.tag_field = models[0].tag_field or ""
        if len(union.members) == 1:
            union.label = f"nullable[{union.members[0].label}]"
        else:
            inner = "union[" + ",".join(m.label for m in union.members) + "]"
            union.label = f"nullable[{inner}]" if nullable else inner
        return union


def _literal_label(values: Any) -> str:
    return "literal[" + ",".join(repr(v) for v in values) + "]"


def _compile_uncached(tp: Any) -> _Node:
    return _Compiler().node(inspect_node(tp))


@lru_cache(maxsize=512)
def _compile(tp: Any) -> _Node:
    return _compile_uncached(tp)


# --------------------------------------------------------------------------------------------------
# Public API


@lru_cache(maxsize=512)
def _decoder(tp: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(tp, strict=False)


def _first_error(tp: Any, value: Any) -> msgspec.ValidationError | None:
    """msgspec's first error for ``value`` as ``tp``, None when the fast path accepts it.

    The fast path decodes JSON, and ``Decoder`` is the judge: ``convert`` differs from it in places
    (it counts a set's length before de-duplication, the decoder after). Values that cannot be
    encoded as JSON are judged by ``convert``.
    """
    try:
        raw = msgspec.json.encode(value)
    except (TypeError, ValueError, OverflowError):
        ok, exc = _convert(value, tp)
        return None if ok else exc
    try:
        decoder = _decoder(tp)
    except TypeError:  # unhashable Annotated metadata
        decoder = msgspec.json.Decoder(tp, strict=False)
    try:
        decoder.decode(raw)
    except msgspec.ValidationError as exc:
        return exc
    return None


def collect_errors(tp: Any, value: Any, loc: tuple[str | int, ...]) -> list[dict[str, Any]]:
    """Every pydantic-shaped error of the JSON value ``value`` as ``tp``, at ``loc``.

    ``[]`` exactly when msgspec's ``Decoder(tp, strict=False)`` accepts the value's JSON.
    """
    loc = tuple(loc)
    try:
        exc = _first_error(tp, value)
    except RecursionError:  # msgspec gives up on hostile nesting; so do we, with one error
        return [_error("value_error", loc, {}, "Value error, nesting is too deep",
                       {"error": "nesting is too deep"})]
    if exc is None:
        return []
    try:
        node = _compile(tp)
    except TypeError:  # unhashable Annotated metadata: compile without the cache
        node = _compile_uncached(tp)
    errors: list[ErrorDict] = []
    try:
        node.check(value, loc, errors)
    except RecursionError:  # hostile nesting: msgspec's first error is still a correct answer
        errors = []
    return errors or [fallback_error(exc, loc, value)]


_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[([^\]]*)\]")

_EXPECTED_TYPES = {
    "int": "int_type", "float": "float_type", "str": "string_type", "bool": "bool_type",
    "null": "none_required", "object": "dict_type", "array": "list_type", "bytes": "bytes_type",
    "decimal": "decimal_type", "uuid": "uuid_type", "datetime": "datetime_type", "date": "date_type",
    "time": "time_type", "duration": "time_delta_type",
}

_NO_VALUE: Any = object()


def fallback_error(exc: msgspec.ValidationError, loc: tuple[str | int, ...],
                   value: Any = _NO_VALUE) -> dict[str, Any]:
    """One pydantic-shaped error from msgspec's message, e.g. ``Expected `int`, got `str` - at `$.a[0]```.

    ``loc`` is where msgspec's ``$`` is; ``value``, when given, is the value at ``$``, used to find the
    error's ``input``.
    """
    message = str(exc)
    path: list[str | int] = []
    text, sep, where = message.rpartition(" - at `")
    if not sep:
        text, where = message, "$`"
    where = where.rstrip("`")
    is_key = where.startswith("key` in `")
    if is_key:
        where = where[len("key` in `"):]
    for name, index, other in _PATH_PART.findall(where[1:]):
        if other == "...":
            break  # a value under a key msgspec does not name: point at the object itself
        path.append(int(index) if index else (name or other))
    found = value
    for part in path:
        try:
            found = found[part]
        except (KeyError, IndexError, TypeError):
            found = _NO_VALUE
            break
    full: Loc = (*loc, *path)
    inp: Any = {} if found is _NO_VALUE else found
    if is_key:
        full = (*full, "[key]")
    field = re.match(r"Object (missing required|contains unknown) field `(.*)`$", text)
    if field:
        if field.group(1) == "missing required":
            return _error("missing", (*full, field.group(2)), inp)
        item = inp.get(field.group(2)) if isinstance(inp, dict) else {}
        return _error("extra_forbidden", (*full, field.group(2)), item)
    expected = re.match(r"Expected `([a-z]+)`, got `", text)
    if expected and expected.group(1) in _EXPECTED_TYPES and not is_key:
        return _error(_EXPECTED_TYPES[expected.group(1)], full, inp)
    return _error("value_error", full, inp, f"Value error, {text}", {"error": text})


_BYTE_POSITION = re.compile(r"\s*\(byte (\d+)\)\s*$")


def json_invalid_error(exc: msgspec.DecodeError, raw: bytes,
                       loc_prefix: tuple[str | int, ...] = ("body",)) -> dict[str, Any]:
    """FastAPI's ``json_invalid`` error for a body msgspec could not parse as JSON."""
    message = str(exc)
    match = _BYTE_POSITION.search(message)
    position = 0
    if match:
        position = min(int(match.group(1)), len(raw))
        message = message[: match.start()]
    return {"type": "json_invalid", "loc": (*loc_prefix, position), "msg": "JSON decode error", "input": {},
            "ctx": {"error": message}}

