"""JSON Schemas for the OpenAPI document: component schemas from msgspec and pydantic, parameter schemas.

Types are collected first (:meth:`TypeSchemas.add`) and generated together in :meth:`TypeSchemas.build`:
one ``msgspec.json.schema_components`` call for every msgspec-describable type (Structs, dataclasses,
TypedDicts, enums, builtins...), one pydantic ``GenerateJsonSchema.generate_definitions`` call for
every type that holds a pydantic model — which is what gives FastAPI's separate ``Model-Input`` /
``Model-Output`` components when a model's validation and serialization schemas differ.  Batching is
what keeps a 500-route app's document cheap to build: each model is described once.

Parameter schemas (path, query, header, cookie, form fields) are written here from the declaration,
in the shape pydantic gives FastAPI, so that generated clients see the same document.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import enum
import functools
import inspect
import sys
import typing
import uuid
from collections.abc import Iterable
from typing import Any, Literal

import msgspec

from fastcore import typemodel
from fastcore.openapi.constants import REF_PREFIX, REF_TEMPLATE
from fastcore.params import ParamInfo
from fastcore.typemodel import (
    CHOICE,
    MAPPING,
    MODEL,
    NONE,
    SCALAR,
    SEQUENCE,
    UNION,
    Node,
    inspect_node,
    uses_pydantic,
)

__all__ = [
    "TypeSchemas",
    "apply_constraints",
    "enum_schema",
    "field_title",
    "is_reference",
    "json_default",
    "pydantic_generator",
    "scalar_schema",
]

# msgspec's placeholder for a schema's name (pydantic's, in REF_TEMPLATE, is "{model}").
MSGSPEC_REF_TEMPLATE = REF_PREFIX + "{name}"
_ANY_MARK = "x-fastcore-any"  # msgspec refuses an empty schema from its hook; removed afterwards
Mode = Literal["validation", "serialization"]

# pydantic's schemas for the scalars a parameter can be read as (what FastAPI publishes).
# Raw bytes, as FastAPI describes them (pydantic's own "format": "binary" is not JSON Schema).
BYTES_SCHEMA = {"type": "string", "contentMediaType": "application/octet-stream"}
_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    decimal.Decimal: {"anyOf": [{"type": "number"}, {"type": "string"}]},
    uuid.UUID: {"type": "string", "format": "uuid"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
    datetime.time: {"type": "string", "format": "time"},
    bytes: BYTES_SCHEMA,
    Any: {},
}
_NUMERIC = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum",
            "multiple_of": "multipleOf"}


def field_title(label: str) -> str:
    """pydantic's default title for a field named ``label``: ``"item_id"`` -> ``"Item Id"``."""
    return label.title().replace("_", " ")


def json_default(value: Any) -> tuple[bool, Any]:
    """(ok, value as JSON) for a default shown in a schema; ``None`` defaults are not shown (FastAPI)."""
    if value is None:
        return False, None
    try:
        return True, msgspec.to_builtins(value, str_keys=True)
    except (TypeError, ValueError):
        return False, None


def enum_schema(cls: type[enum.Enum]) -> dict[str, Any]:
    """An enum's component, as pydantic writes it: values in declaration order, and their JSON type."""
    values = [member.value for member in cls]
    schema: dict[str, Any] = {"enum": values, "title": cls.__name__}
    kinds = {type(v) for v in values}
    for py, name in ((str, "string"), (int, "integer"), (float, "number"), (bool, "boolean")):
        if kinds == {py}:
            schema["type"] = name
    doc = cls.__dict__.get("__doc__")
    if doc and doc not in (enum.Enum.__doc__, "An enumeration."):  # 3.10 gives every enum that text
        schema["description"] = inspect.cleandoc(doc)
    return schema


def apply_constraints(schema: dict[str, Any], info: ParamInfo | None, *, lengths: bool = True) -> None:
    """Write ``info``'s constraints into ``schema`` (into the non-null member of an ``anyOf``)."""
    if info is None:
        return
    target = schema
    if "anyOf" in schema:
        members = [m for m in schema["anyOf"] if m != {"type": "null"}]
        if len(members) != 1:
            return
        target = members[0]
    kind = target.get("type")
    if kind in ("integer", "number") or "anyOf" in target:
        for name, key in _NUMERIC.items():
            value = getattr(info, name)
            if value is not None:
                target[key] = value
    if kind == "string" and "format" not in target:
        if lengths and info.min_length is not None:
            target["minLength"] = info.min_length
        if lengths and info.max_length is not None:
            target["maxLength"] = info.max_length
        if isinstance(info.pattern, str):
            target["pattern"] = info.pattern
    if kind == "array":
        if info.min_length is not None:
            target["minItems"] = info.min_length
        if info.max_length is not None:
            target["maxItems"] = info.max_length


class TypeSchemas:
    """Collects the types the document describes, generates their schemas in batches, owns components."""

    def __init__(self, *, separate_input_output_schemas: bool = True) -> None:
        self.separate = separate_input_output_schemas
        self.components: dict[str, dict[str, Any]] = {}
        self._uses: list[tuple[Any, Mode]] = []
        self._index: dict[Any, int] = {}
        self._schemas: list[dict[str, Any]] = []
        self._enums: dict[str, type[enum.Enum]] = {}

    # -- collection ------------------------------------------------------------------------------

    def add(self, tp: Any, mode: Mode = "validation") -> int:
        """A handle for ``tp``'s schema in ``mode``, available once :meth:`build` has run."""
        if not self.separate and not (mode == "serialization" and _has_computed_fields(tp, set())):
            # FastAPI's exception: computed fields exist only in the output, so keep both schemas.
            # They are looked for through the whole type (list[M], M | None, nested models), as
            # FastAPI 0.163.1+ does; older releases looked at the outer type only.
            mode = "validation"
        try:
            key: Any = (tp, mode)
            hash(key)
        except TypeError:
            key = (id(tp), mode)
        handle = self._index.get(key)
        if handle is None:
            handle = self._index[key] = len(self._uses)
            self._uses.append((tp, mode))
        return handle

    def enum_ref(self, cls: type[enum.Enum]) -> dict[str, Any]:
        """A reference to ``cls``'s component (written when first referenced)."""
        name = cls.__name__
        if self._enums.setdefault(name, cls) is cls:
            self.components.setdefault(name, enum_schema(cls))
            return {"$ref": REF_PREFIX + name}
        return enum_schema(cls)  # another enum has that name: inline this one

    def schema(self, handle: int) -> dict[str, Any]:
        """The schema of an added type (a fresh dict the caller may change)."""
        return dict(self._schemas[handle])

    # -- generation ------------------------------------------------------------------------------

    def build(self) -> None:
        self._schemas = [{} for _ in self._uses]
        pydantic_uses = [i for i, (tp, _) in enumerate(self._uses) if uses_pydantic(tp)]
        other = [i for i, (tp, _) in enumerate(self._uses) if i not in set(pydantic_uses)]
        if pydantic_uses:
            self._build_pydantic(pydantic_uses)
        if other:
            self._build_msgspec(other)

    def _build_pydantic(self, indices: list[int]) -> None:
        pydantic = sys.modules["pydantic"]
        generator = pydantic_generator()(ref_template=REF_TEMPLATE)
        inputs = []
        for i in indices:
            tp, mode = self._uses[i]
            adapter = pydantic.TypeAdapter(tp)
            inputs.append((i, mode, adapter.core_schema))
        mapping, definitions = generator.generate_definitions(inputs=inputs)
        for (i, _mode), schema in mapping.items():
            self._schemas[i] = dict(schema)
        for name, schema in definitions.items():
            if "description" in schema:
                # FastAPI's rule: text after a form feed is for the code's readers only.
                schema["description"] = schema["description"].split("\f")[0]
            self._add_component(name, schema)

    def _build_msgspec(self, indices: list[int]) -> None:
        tps = [self._uses[i][0] for i in indices]
        try:
            schemas, components = msgspec.json.schema_components(
                tps, ref_template=MSGSPEC_REF_TEMPLATE, schema_hook=_any_hook
            )
        except (TypeError, ValueError):
            # One type msgspec cannot describe must not cost the others their schema.
            for i in indices:
                self._build_msgspec_one(i)
            return
        named = _named_in(tps)
        for i, schema in zip(indices, schemas, strict=True):
            self._schemas[i] = _strip_any(schema)
        for name, schema in components.items():
            self._add_component(name, _component(name, _strip_any(schema), named))

    def _build_msgspec_one(self, i: int) -> None:
        self._schemas[i] = self._msgspec_schema(self._uses[i][0])

    def _msgspec_schema(self, tp: Any) -> dict[str, Any]:
        """One type on its own; a union msgspec cannot decode as one (a Struct and a dict, two
        dataclasses...) is still described, member by member."""
        try:
            (schema,), components = msgspec.json.schema_components(
                (tp,), ref_template=MSGSPEC_REF_TEMPLATE, schema_hook=_any_hook
            )
        except (TypeError, ValueError):
            members = typemodel.union_args(tp)
            if members is not None:
                return {"anyOf": [self._msgspec_schema(member) for member in members]}
            return {}
        named = _named_in([tp])
        for name, component in components.items():
            self._add_component(name, _component(name, _strip_any(component), named))
        return typing.cast(dict[str, Any], _strip_any(schema))

    def _add_component(self, name: str, schema: dict[str, Any]) -> None:
        # Two generators describing the same class (an enum used by a pydantic model and a Struct)
        # agree; if two different types share a name, the first one keeps it.
        self.components.setdefault(name, schema)


@functools.cache
def pydantic_generator() -> Any:
    """pydantic's JSON Schema generator as FastAPI configures it (imported only when the app uses
    pydantic): bytes are an octet stream, base64-encoded when the model says so."""
    from pydantic.json_schema import GenerateJsonSchema

    class Generator(GenerateJsonSchema):
        def bytes_schema(self, schema: Any) -> dict[str, Any]:
            out = dict(BYTES_SCHEMA)
            config = self._config
            # ``val_json_bytes``/``ser_json_bytes="base64"``, by the mode described
            mode = config.ser_json_bytes if self.mode == "serialization" else config.val_json_bytes
            if mode == "base64":
                out["contentEncoding"] = "base64"
            self.update_with_validations(out, schema, self.ValidationsMapping.bytes)
            return out

    return Generator


def _has_computed_fields(tp: Any, seen: set[int]) -> bool:
    """Whether ``tp`` holds a pydantic model with computed fields (only then is pydantic asked)."""
    if id(tp) in seen or not uses_pydantic(tp):
        return False
    seen.add(id(tp))
    if isinstance(tp, type) and getattr(tp, "model_computed_fields", None):
        return True
    decorators = getattr(tp, "__pydantic_decorators__", None) if isinstance(tp, type) else None
    if getattr(decorators, "computed_fields", None):  # a pydantic dataclass's computed fields
        return True
    fields = None
    if isinstance(tp, type):  # a model's fields, or a pydantic dataclass's
        fields = getattr(tp, "model_fields", None) or getattr(tp, "__pydantic_fields__", None)
    members = [f.annotation for f in fields.values()] if isinstance(fields, dict) else []
    return any(_has_computed_fields(member, seen) for member in [*typemodel.type_args(tp), *members])


def _any_hook(tp: Any) -> dict[str, Any]:
    return {_ANY_MARK: True}


def _strip_any(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_any(v) for k, v in value.items() if k != _ANY_MARK}
    if isinstance(value, list):
        return [_strip_any(v) for v in value]
    return value


def _named_in(tps: Iterable[Any]) -> dict[str, Node]:
    """Every enum and model reachable from ``tps``, by class name (msgspec names components so)."""
    found: dict[str, Node] = {}
    seen: set[int] = set()
    stack: list[Node] = []
    for tp in tps:
        try:
            stack.append(inspect_node(tp))
        except TypeError:
            continue
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.kind == CHOICE and inspect.isclass(node.tp) and issubclass(node.tp, enum.Enum):
            found.setdefault(node.tp.__name__, node)
            continue
        if node.kind == MODEL and inspect.isclass(node.tp):
            found.setdefault(node.tp.__name__, node)
        stack.extend(sub for sub in (node.item, node.key) if sub is not None)
        stack.extend(node.items)
        stack.extend(node.members)
        stack.extend(f.node for f in node.fields)
    return found


def _component(name: str, schema: dict[str, Any], named: dict[str, Node]) -> dict[str, Any]:
    """msgspec's component ``name`` as pydantic writes it where they differ (and FastAPI publishes)."""
    node = named.get(name)
    if node is None:
        return schema
    if node.kind == CHOICE and "enum" in schema:
        return enum_schema(node.tp)
    properties = schema.get("properties")
    if node.kind != MODEL or not isinstance(properties, dict):
        return schema
    for f in node.fields:
        prop = properties.get(f.key)
        if not isinstance(prop, dict):
            continue
        _add_formats(prop, f.node)
        if node.flavor == "dataclass":
            # pydantic describes a dataclass: every field titled from its name (but a reference,
            # optional or not, which it leaves bare), and a ``default_factory`` is not a default it
            # shows.
            if not is_reference(prop):
                prop.setdefault("title", field_title(f.name))
            if f.factory is not msgspec.NODEFAULT:
                prop.pop("default", None)
    return schema


def is_reference(schema: dict[str, Any]) -> bool:
    """A ``$ref``, or ``anyOf`` a ``$ref`` and null: a field pydantic leaves without a title."""
    options = [o for o in schema.get("anyOf", [schema]) if o != {"type": "null"}]
    return len(options) == 1 and isinstance(options[0], dict) and "$ref" in options[0]


# msgspec accepts naive datetimes and times, so it writes no format; pydantic (FastAPI) does.
_FORMATS: dict[Any, str] = {datetime.datetime: "date-time", datetime.time: "time"}


def _add_formats(schema: dict[str, Any], node: Node) -> None:
    if node.kind == SCALAR:
        fmt = _FORMATS.get(node.scalar)
        if fmt is not None and schema.get("type") == "string":
            schema.setdefault("format", fmt)
    elif node.kind == SEQUENCE and node.item is not None and isinstance(schema.get("items"), dict):
        _add_formats(schema["items"], node.item)
    elif node.kind == MAPPING and node.item is not None:
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            _add_formats(values, node.item)
    elif node.kind == UNION and isinstance(schema.get("anyOf"), list):
        # ``T | None``: only the one non-null member can be matched to its schema without doubt.
        members = [m for m in node.members if m.kind != NONE]
        options = [o for o in schema["anyOf"] if isinstance(o, dict) and o != {"type": "null"}]
        if len(members) == 1 and len(options) == 1:
            _add_formats(options[0], members[0])


def scalar_schema(node: Node, types_: TypeSchemas) -> dict[str, Any] | None:
    """The schema of a node read from text (a parameter or form field), or None if it is not one."""
    if node.kind == CHOICE:
        if inspect.isclass(node.tp) and issubclass(node.tp, enum.Enum):
            return types_.enum_ref(node.tp)
        values = node.choices
        schema: dict[str, Any] = {"const": values[0]} if len(values) == 1 else {"enum": list(values)}
        kinds = {type(v) for v in values}
        if kinds == {str}:
            schema["type"] = "string"
        elif kinds == {int}:
            schema["type"] = "integer"
        elif kinds == {bool}:
            schema["type"] = "boolean"
        return schema
    if node.kind != SCALAR:
        return None
    if node.tp is inspect.Parameter.empty:
        return {}  # an unannotated parameter: read as a string, described as any value (FastAPI)
    return copy.deepcopy(_SCALARS[node.scalar])
