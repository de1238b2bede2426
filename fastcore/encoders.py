"""``jsonable_encoder``: FastAPI's "anything -> JSON-compatible builtins", with FastAPI's results.

The responses themselves never go through here (the compiled writer encodes results with msgspec);
this is the function users call to store or compare JSON-ready data::

    >>> jsonable_encoder({"when": datetime.date(2024, 1, 2), "ids": {uuid.UUID(int=1)}})
    {'when': '2024-01-02', 'ids': ['00000000-0000-0000-0000-000000000001']}

What becomes what (FastAPI's table): dicts keep their keys (encoded) and values; lists, tuples, sets,
frozensets, deques and generators become lists; ``Enum`` -> its value; ``datetime``/``date``/``time``
-> ISO 8601; ``timedelta`` -> float seconds; ``Decimal`` -> ``int`` when it has no fractional digits,
else ``float``; ``UUID``, paths and IP addresses -> ``str``; ``bytes`` -> UTF-8 ``str``; pydantic
models -> ``model_dump(mode="json")``; dataclasses, attrs instances and ``msgspec.Struct`` -> dicts;
other objects -> ``dict(obj)`` or ``vars(obj)``.  ``custom_encoder`` maps types to functions and
wins over all of that: the most specific class of the value's MRO that has one is used.

Beyond FastAPI: Structs (encode names when ``by_alias``; ``UNSET`` fields left out) and slotted attrs
classes, which FastAPI cannot encode.  pydantic is never imported: its types are recognised only if
the application already imported it.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import ipaddress
import re
import sys
import types
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

import msgspec

__all__ = ["jsonable_encoder"]

Encoder = Callable[[Any], Any]


def _decimal(value: decimal.Decimal) -> int | float:
    # An integral Decimal (a NUMERIC(x, 0) column, say) stays an int so it round-trips exactly.
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


def _isoformat(value: datetime.date | datetime.time) -> str:
    return value.isoformat()


# Leaves by exact type first (PERF: one dict lookup), then by isinstance in this order.
_LEAVES: dict[type, Encoder] = {
    bytes: lambda b: b.decode(),
    datetime.date: _isoformat,
    datetime.datetime: _isoformat,
    datetime.time: _isoformat,
    datetime.timedelta: lambda td: td.total_seconds(),
    decimal.Decimal: _decimal,
    frozenset: list,
    deque: list,
    types.GeneratorType: list,
    ipaddress.IPv4Address: str,
    ipaddress.IPv4Interface: str,
    ipaddress.IPv4Network: str,
    ipaddress.IPv6Address: str,
    ipaddress.IPv6Interface: str,
    ipaddress.IPv6Network: str,
    re.Pattern: lambda p: p.pattern,
    set: list,
    uuid.UUID: str,
}
_LEAF_BASES = tuple(_LEAVES.items())

# pydantic's own types, by module and class name, so that pydantic need not be imported.
_PYDANTIC_STR = {
    ("pydantic.networks", "NameEmail"),
    ("pydantic.types", "SecretStr"),
    ("pydantic.types", "SecretBytes"),
    ("pydantic.color", "Color"),
    ("pydantic_extra_types.color", "Color"),
    ("pydantic_core._pydantic_core", "Url"),
    ("pydantic_core._pydantic_core", "MultiHostUrl"),
}


def _pydantic_str(value: Any) -> bool:
    """pydantic's URL, secret, e-mail and colour types, which encode as ``str(value)``."""
    for cls in type(value).__mro__:
        if (cls.__module__, cls.__qualname__) in _PYDANTIC_STR:
            return True
        if cls.__module__ == "pydantic.networks" and cls.__qualname__.endswith("Url"):
            return True
    return False


def _custom(custom_encoder: Mapping[Any, Encoder], value: Any) -> Encoder | None:
    for cls in type(value).__mro__:
        encoder = custom_encoder.get(cls)
        if encoder is not None:
            return encoder
    for cls, encoder in custom_encoder.items():  # ABCs and other virtual bases
        if isinstance(cls, type) and isinstance(value, cls):
            return encoder
    return None


def _as_filter(value: Any) -> Any:
    if value is None or isinstance(value, (set, dict)):
        return value
    return set(value)


def _fields(obj: Any, by_alias: bool) -> dict[Any, Any] | None:
    """A dataclass, attrs instance or Struct as a shallow dict; None for anything else."""
    if isinstance(obj, msgspec.Struct):
        config = obj.__struct_config__
        out: dict[Any, Any] = {}
        if config.tag_field is not None:
            out[config.tag_field] = config.tag
        for field in msgspec.structs.fields(obj):
            item = getattr(obj, field.name)
            if item is not msgspec.UNSET:
                out[field.encode_name if by_alias else field.name] = item
        return out
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {field.name: getattr(obj, field.name) for field in dataclasses.fields(obj)}
    attributes = getattr(type(obj), "__attrs_attrs__", None)
    if attributes is not None:
        return {a.name: getattr(obj, a.name) for a in attributes}
    return None


def jsonable_encoder(
    obj: Any,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: Mapping[Any, Encoder] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """``obj`` as JSON-compatible builtins (dict, list, str, int, float, bool, None).

    ``include``/``exclude`` select the keys of a top-level dict (or of each item of a top-level
    list) and are passed to a pydantic model's ``model_dump``; ``exclude_none`` drops ``None`` values
    from dicts; ``sqlalchemy_safe`` drops keys starting with ``_sa``.  A value that cannot be made
    JSON-compatible raises ``ValueError``.
    """
    if custom_encoder:
        encoder = _custom(custom_encoder, obj)
        if encoder is not None:
            return encoder(obj)
    include = _as_filter(include)
    exclude = _as_filter(exclude)
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(obj, pydantic.BaseModel):
        dumped = obj.model_dump(mode="json", include=include, exclude=exclude, by_alias=by_alias,
                                exclude_unset=exclude_unset, exclude_defaults=exclude_defaults,
                                exclude_none=exclude_none)
        # FastAPI does not hand custom_encoder to the dumped data: model_dump already made it JSON.
        return jsonable_encoder(dumped, exclude_none=exclude_none, exclude_defaults=exclude_defaults,
                                sqlalchemy_safe=sqlalchemy_safe)
    fields = _fields(obj, by_alias)
    if fields is not None:
        return jsonable_encoder(fields, include, exclude, by_alias, exclude_unset, exclude_defaults,
                                exclude_none, custom_encoder, sqlalchemy_safe)
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, PurePath):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float)):
        return obj
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if include is not None and key not in include:
                continue
            if exclude is not None and key in exclude:
                continue
            if sqlalchemy_safe and isinstance(key, str) and key.startswith("_sa"):
                continue
            if exclude_none and value is None:
                continue
            # keys and values get the options, but not include/exclude (those were this dict's)
            out[jsonable_encoder(key, None, None, by_alias, exclude_unset, exclude_defaults, exclude_none,
                                 custom_encoder, sqlalchemy_safe)] = jsonable_encoder(
                value, None, None, by_alias, exclude_unset, exclude_defaults, exclude_none, custom_encoder,
                sqlalchemy_safe)
        return out
    if isinstance(obj, (list, set, frozenset, types.GeneratorType, tuple, deque)):
        return [
            jsonable_encoder(item, include, exclude, by_alias, exclude_unset, exclude_defaults,
                             exclude_none, custom_encoder, sqlalchemy_safe)
            for item in obj
        ]
    leaf = _LEAVES.get(type(obj))
    if leaf is not None:
        return leaf(obj)
    for cls, leaf in _LEAF_BASES:
        if isinstance(obj, cls):
            return leaf(obj)
    if _pydantic_str(obj):
        return str(obj)
    if type(obj).__name__ == "PydanticUndefinedType":
        return None
    try:
        data = dict(obj)
    except Exception as first:
        try:
            data = vars(obj)
        except Exception as second:
            raise ValueError([first, second]) from second
    return jsonable_encoder(data, include, exclude, by_alias, exclude_unset, exclude_defaults,
                            exclude_none, custom_encoder, sqlalchemy_safe)
