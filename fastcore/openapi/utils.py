"""``get_openapi``: the OpenAPI 3.1 document of a set of routes, read from their compiled plans.

Each ``APIRoute`` already knows, from start-up, every parameter (``Dependant`` tree, with each field's
declaration in ``param_decls``), its body (``body_plan``), its response model and its security
schemes; this module only writes that down in FastAPI's shape, so clients generated from FastAPI's
document keep working.  Two passes: the first collects every type the document mentions, the second
writes the operations once all schemas are generated in one batch (``fastcore.openapi.schemas``).

Deliberate differences from FastAPI (tests/test_openapi.py asserts the rest is equal):

* Types that are not pydantic models are described by msgspec, as msgspec encodes them: ``Decimal``
  is a string, ``bytes`` a base64 string (FastAPI/pydantic: number-or-string, binary).
* A ``GET`` route also answers ``HEAD`` (fastcore's routing rule); only ``GET`` is documented, as
  FastAPI documents it.
"""

from __future__ import annotations

import copy
import enum
import http.client
import inspect
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.responses import JSONResponse as StarletteJSONResponse
from starlette.routing import BaseRoute

from fastcore import _params
from fastcore.bodies import BodyParam
from fastcore.datastructures import DefaultPlaceholder
from fastcore.dependencies import (
    Dependant,
    ModelKey,
    ParamDecl,
    ParamModel,
    PydanticParam,
    _is_security_scheme,
)
from fastcore.encoders import jsonable_encoder
from fastcore.openapi.constants import METHODS_WITH_BODY, REF_PREFIX, REF_TEMPLATE
from fastcore.openapi.schemas import (
    BYTES_SCHEMA,
    TypeSchemas,
    apply_constraints,
    field_title,
    is_reference,
    json_default,
    pydantic_generator,
    scalar_schema,
)
from fastcore.params import UNSET, CookieInfo, HeaderInfo, ParamInfo, PathInfo, QueryInfo
from fastcore.responses import JSONResponse
from fastcore.routing import APIRoute
from fastcore.sse import SSE_EVENT_SCHEMA
from fastcore.streaming import JSON_LINES, RAW
from fastcore.typemodel import OPTIONAL, SCALAR, SEQUENCE, FieldNode, model_extra, model_fields, node_of

__all__ = ["METHODS_WITH_BODY", "generate_unique_id", "get_openapi"]
_METHOD_ORDER = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")

VALIDATION_ERROR = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {"title": "Location", "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
    "required": ["loc", "msg", "type"],
}
HTTP_VALIDATION_ERROR = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {"title": "Detail", "type": "array", "items": {"$ref": REF_PREFIX + "ValidationError"}},
    },
}
_STATUS_RANGES = {"1XX": "Information", "2XX": "Success", "3XX": "Redirection", "4XX": "Client Error",
                  "5XX": "Server Error", "DEFAULT": "Default Response"}
_SOURCE_NAMES = {_params.S_PATH: "path", _params.S_QUERY: "query", _params.S_HEADER: "header",
                 _params.S_COOKIE: "cookie"}
_DEFAULT_INFO: dict[int, type[ParamInfo]] = {_params.S_PATH: PathInfo, _params.S_QUERY: QueryInfo,
                                             _params.S_HEADER: HeaderInfo, _params.S_COOKIE: CookieInfo}
_NO_DEFAULT: Any = object()  # a required parameter: no "default" keyword
_FILE_SCHEMA = BYTES_SCHEMA


def doc_methods(route: APIRoute) -> list[str]:
    """The methods a route documents: Starlette's implicit ``HEAD`` beside ``GET`` is not one."""
    methods = set(route.methods or ())
    if "GET" in methods:
        methods.discard("HEAD")
    return sorted(methods, key=lambda m: _METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99)


def generate_unique_id(route: APIRoute) -> str:
    """FastAPI's default operation id: name + path + method, non-word characters as ``_``."""
    operation_id = re.sub(r"\W", "_", f"{route.name}{route.path_format}")
    methods = doc_methods(route)
    return f"{operation_id}_{methods[0].lower()}" if methods else operation_id


def unique_id(route: APIRoute) -> str:
    if route.operation_id:
        return route.operation_id
    make: Callable[[APIRoute], str] = route.generate_unique_id_function or generate_unique_id
    if isinstance(make, DefaultPlaceholder):
        make = make.value
    return make(route)


def deep_update(main: dict[Any, Any], update: dict[Any, Any]) -> None:
    """Merge ``update`` into ``main``: dicts recursively, lists concatenated, the rest replaced."""
    for key, value in update.items():
        if isinstance(main.get(key), dict) and isinstance(value, dict):
            deep_update(main[key], value)
        elif isinstance(main.get(key), list) and isinstance(value, list):
            main[key] = main[key] + value
        else:
            main[key] = value


def _body_allowed(status: str | int) -> bool:
    if status in ("default", "1XX", "2XX", "3XX", "4XX", "5XX"):
        return True
    code = int(status)
    return not (code < 200 or code in (204, 205, 304))


# -- pass 1: what each route documents ---------------------------------------------------------------


@dataclass
class _Param:
    name: str
    where: str
    required: bool
    decl: ParamDecl
    info: ParamInfo
    is_list: bool
    default: Any
    schema: dict[str, Any] | None = None  # a parameter model's field: its model's schema of it


@dataclass
class _Body:
    params: list[BodyParam]
    single: bool
    media_type: str
    handles: dict[str, int]  # parameter name -> type handle (JSON members, form models)


@dataclass
class _RouteDoc:
    route: APIRoute
    unique_id: str
    params: list[_Param] = field(default_factory=list)
    validates: bool = False
    security: list[tuple[Any, list[str]]] = field(default_factory=list)
    body: _Body | None = None
    response: int | None = None
    stream_item: int | None = None  # a generator route's item type (JSON Lines, events)
    extra_responses: dict[int | str, int] = field(default_factory=dict)
    callbacks: list[_RouteDoc] = field(default_factory=list)


def _walk_unique(root: Dependant) -> Iterable[tuple[Dependant, bool]]:
    """The tree depth first, each cached dependency once (FastAPI's order), with "is the root"."""
    seen: set[Any] = set()
    stack: list[tuple[Dependant, bool]] = [(root, True)]
    while stack:
        dep, is_root = stack.pop()
        if dep.cache_key in seen:
            continue
        seen.add(dep.cache_key)
        yield dep, is_root
        stack.extend((sub, False) for sub in reversed(dep.dependencies))


def _pydantic_param(param: PydanticParam) -> _Param:
    """A parameter pydantic validates, described by pydantic's schema of its annotation."""
    schema = param.adapter.json_schema(ref_template=REF_TEMPLATE, schema_generator=pydantic_generator())
    schema.pop("$defs", None)
    info = param.info
    default = _NO_DEFAULT if param.required else param.default
    _decorate(schema, info, param.name, default=default)
    decl = ParamDecl(info, param.node.tp)
    return _Param(param.label, param.where, param.required, decl, info, param.is_list, default, schema)


def _model_params(model: ParamModel, types_: TypeSchemas) -> list[_Param]:
    """A parameter model's fields, each its own parameter (FastAPI), described by the model's schema."""
    properties: dict[str, Any] = {}
    if model.node.base.flavor == "pydantic":
        schema = model.node.base.tp.model_json_schema(ref_template=REF_TEMPLATE,
                                                      schema_generator=pydantic_generator())
        for name, component in schema.pop("$defs", {}).items():
            types_.components.setdefault(name, component)
        properties = schema.get("properties", {})
    out = []
    for key in model.keys:
        f = key.field
        info = type(model.info)(title=None, description=getattr(f.info, "description", None))
        default = _NO_DEFAULT if f.required else f.default
        # An optional model (``Model | None = None``) may be left out whole: none of its fields is.
        required = f.required and not model.optional
        name = key.request_key if model.source != _params.S_HEADER else _header_name(key)
        out.append(_Param(name, model.where, required, ParamDecl(info, f.annotation), info, key.is_list,
                          default, properties.get(key.key)))
    return out


def _header_name(key: ModelKey) -> str:
    # Headers are looked up in lower case; the document shows the field's (converted) name.
    return key.field.key.replace("_", "-") if key.request_key != key.field.key.lower() else key.field.key


def _collect_params(dependant: Dependant, doc: _RouteDoc, types_: TypeSchemas) -> None:
    groups: dict[int, list[_Param]] = {source: [] for source in _SOURCE_NAMES}
    for dep, is_root in _walk_unique(dependant):
        if not is_root and _is_security_scheme(dep.call):
            doc.security.append((dep.call, list(dep.scopes)))
        models = {sub.name: sub.param_model for sub in dep.dependencies if sub.param_model is not None}
        fields = {f.name: f for f in dep.fields}
        # The signature's order (FastAPI's): a parameter model's fields where the model stands.
        for pname in [*dep.param_decls, *(n for n in fields if n not in dep.param_decls)]:
            model = models.get(pname)
            if isinstance(model, PydanticParam):
                doc.validates = True
                if model.info.include_in_schema:
                    groups[model.source].append(_pydantic_param(model))
                continue
            if model is not None:
                doc.validates = True
                if model.info.include_in_schema:
                    groups[model.source].extend(_model_params(model, types_))
                continue
            f = fields.get(pname)
            where = _SOURCE_NAMES.get(f.source) if f is not None else None
            if f is None or where is None:
                continue
            doc.validates = True
            decl = dep.param_decls.get(f.name) or ParamDecl(None, str)
            info = decl.info or _DEFAULT_INFO[f.source]()
            if not info.include_in_schema:
                continue
            name = info.request_alias or f.name
            if isinstance(info, HeaderInfo) and info.request_alias is None and info.convert_underscores:
                name = f.name.replace("_", "-")
            default = _NO_DEFAULT if f.required else f.default
            groups[f.source].append(_Param(name, where, f.required, decl, info, f.is_list, default))
    merged: dict[tuple[str, str], _Param] = {}
    for params in groups.values():
        for p in params:
            # A required declaration of the same parameter wins over an optional one (FastAPI).
            if (p.where, p.name) not in merged or p.required:
                merged[(p.where, p.name)] = p
    doc.params = list(merged.values())


def _collect(route: APIRoute, types_: TypeSchemas) -> _RouteDoc:
    doc = _RouteDoc(route, unique_id(route))
    _collect_params(route.dependant, doc, types_)
    plan = route.body_plan
    if plan is not None:
        doc.validates = True
        params = list(plan.params)
        # One media type for the body: a file or a multipart member makes it multipart; members
        # that disagree otherwise leave the default (FastAPI).
        declared = [p.info.media_type for p in params]
        media = declared[0] if len(set(declared)) == 1 else \
            "application/x-www-form-urlencoded" if plan.is_form else "application/json"
        if plan.is_form and (any(p.is_file for p in params) or "multipart/form-data" in declared):
            media = "multipart/form-data"
        handles: dict[str, int] = {}
        for p in params:
            if not plan.is_form or p.is_model:
                handles[p.name] = types_.add(p.annotation, "validation")
        # A lone form model is the body's schema, unless it may be absent (``Model | None``): then
        # the body gets its own schema saying so (FastAPI).
        lone_model = plan.is_form and len(params) == 1 and params[0].is_model \
            and node_of(params[0].annotation).kind != OPTIONAL
        doc.body = _Body(params, plan.single or lone_model, media, handles)
    stream = route._stream
    if stream is not None:
        if stream.item_type is not None:
            doc.stream_item = types_.add(stream.item_type, "serialization")
    elif route.response_model is not None and _is_json(route):
        doc.response = types_.add(route.response_model, "serialization")
    for status, extra in route.responses.items():
        model = extra.get("model") if isinstance(extra, dict) else None
        if model is not None:
            doc.extra_responses[status] = types_.add(model, "serialization")
    for callback in route.callbacks or ():
        if isinstance(callback, APIRoute):
            doc.callbacks.append(_collect(callback, types_))
    return doc


def _response_class(route: APIRoute) -> type[Any]:
    cls = route.response_class
    return cast(type[Any], cls.value if isinstance(cls, DefaultPlaceholder) else cls)


def _is_json(route: APIRoute) -> bool:
    cls = _response_class(route)
    return isinstance(cls, type) and issubclass(cls, (JSONResponse, StarletteJSONResponse))


# -- pass 2: writing operations ----------------------------------------------------------------------


class _Writer:
    def __init__(self, types_: TypeSchemas) -> None:
        self.types = types_
        self.security_schemes: dict[str, Any] = {}
        self.needs_validation_error = False
        self.operation_ids: set[str] = set()

    def path_item(self, doc: _RouteDoc) -> dict[str, Any]:
        return {method.lower(): self.operation(doc, method) for method in doc_methods(doc.route)}

    def operation(self, doc: _RouteDoc, method: str) -> dict[str, Any]:
        route = doc.route
        op: dict[str, Any] = {}
        if route.tags:
            op["tags"] = [t.value if isinstance(t, enum.Enum) else t for t in route.tags]
        op["summary"] = route.summary or route.name.replace("_", " ").title()
        if route.description:
            op["description"] = route.description
        if doc.unique_id in self.operation_ids:
            name = getattr(route.endpoint, "__name__", "<unnamed endpoint>")
            warnings.warn(f"Duplicate Operation ID {doc.unique_id} for function {name}", stacklevel=1)
        self.operation_ids.add(doc.unique_id)
        op["operationId"] = doc.unique_id
        if route.deprecated:
            op["deprecated"] = True
        security = self.security(doc)
        if security:
            op["security"] = security
        if doc.params:
            op["parameters"] = [self.parameter(p) for p in doc.params]
        if method in METHODS_WITH_BODY and doc.body is not None:
            op["requestBody"] = self.request_body(doc, doc.body)
        if doc.callbacks:
            op["callbacks"] = {cb.route.name: {cb.route.path_format: self.path_item(cb)}
                               for cb in doc.callbacks}
        op["responses"] = self.responses(doc)
        if route.openapi_extra:
            deep_update(op, copy.deepcopy(route.openapi_extra))
        return op

    def security(self, doc: _RouteDoc) -> list[dict[str, list[str]]]:
        merged: dict[str, list[str]] = {}
        for scheme, scopes in doc.security:
            name = scheme.scheme_name
            self.security_schemes[name] = copy.deepcopy(scheme.model)
            listed = merged.setdefault(name, [])
            listed.extend(s for s in scopes if s not in listed)
        return [{name: scopes} for name, scopes in merged.items()]

    def value_schema(self, annotation: Any, info: ParamInfo | None, is_list: bool) -> dict[str, Any]:
        """A parameter's or form field's schema, without title/default (see ``_decorate``)."""
        node = node_of(annotation)
        base = node.base
        if is_list:
            item_node = base.item.base if base.kind == SEQUENCE and base.item is not None else base
            item = scalar_schema(item_node, self.types) or {}
            apply_constraints(item, info, lengths=False)
            schema: dict[str, Any] = {"type": "array", "items": item}
            if base.kind == SEQUENCE and base.container in (set, frozenset):
                schema["uniqueItems"] = True
            if info is not None:
                if info.min_length is not None:
                    schema["minItems"] = info.min_length
                if info.max_length is not None:
                    schema["maxItems"] = info.max_length
        elif base.tp is inspect.Parameter.empty:
            schema = {}  # unannotated: read as text, but any value (FastAPI documents no type)
        else:
            schema = scalar_schema(base, self.types) or {}
            apply_constraints(schema, info)
        if node.kind == OPTIONAL:
            schema = {"anyOf": [schema, {"type": "null"}]}
        return schema

    def parameter(self, p: _Param) -> dict[str, Any]:
        info = p.info
        if p.schema is not None:
            schema = copy.deepcopy(p.schema)  # a model field: as the model's schema describes it
        else:
            schema = self.value_schema(p.decl.annotation, info, p.is_list)
            _decorate(schema, info, p.name, default=p.default)
        out: dict[str, Any] = {"name": p.name, "in": p.where, "required": p.required, "schema": schema}
        if info.description:
            out["description"] = info.description
        if info.openapi_examples:
            out["examples"] = copy.deepcopy(info.openapi_examples)
        elif info.example is not UNSET:
            out["example"] = jsonable_encoder(info.example)
        if info.deprecated:
            out["deprecated"] = True
        return out

    def body_member(self, p: BodyParam, body: _Body) -> dict[str, Any]:
        handle = body.handles.get(p.name)
        if handle is not None and _plain_scalar(p.annotation):
            # msgspec describes datetimes and times without a format; the document says what
            # pydantic says of these types.
            schema = self.value_schema(p.annotation, p.info, False)
        elif handle is not None:
            schema = self.types.schema(handle)
            apply_constraints(schema, p.info)
        elif p.is_file:
            node = node_of(p.annotation)
            schema = dict(_FILE_SCHEMA)
            if node.base.kind == SEQUENCE:
                schema = {"type": "array", "items": schema}
            if node.kind == OPTIONAL:
                schema = {"anyOf": [schema, {"type": "null"}]}
        else:
            schema = self.value_schema(p.annotation, p.info, p.is_list)
        _decorate(schema, p.info, p.alias, default=_NO_DEFAULT if p.required else p.default)
        return schema

    def form_model(self, p: BodyParam, body: _Body) -> list[dict[str, Any]]:
        """The ``allOf`` conditions a form model adds to its body's schema: the model's schema and,
        for an optional model, that it is either absent (none of its keys sent) or complete."""
        schema = self.types.schema(body.handles[p.name])
        schema.pop("default", None)
        node = node_of(p.annotation)
        if node.kind != OPTIONAL:
            return [schema]
        options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
        schema = {"anyOf": options, "title": p.info.title or field_title(p.name)}
        absent: dict[str, Any]
        if model_extra(node) != "ignore":
            absent = {"maxProperties": 0}  # its extra keys are its own too: no key at all
        else:
            keys = sorted({k for f in model_fields(node) for k in _field_keys(f)})
            absent = {"not": {"anyOf": [{"required": [k]} for k in keys]}} if keys else {}
        if p.required:
            return [{"not": absent}, schema]
        return [{"anyOf": [absent, schema]}]

    def request_body(self, doc: _RouteDoc, body: _Body) -> dict[str, Any]:
        params = body.params
        if body.single:
            p = params[0]
            if _plain_scalar(p.annotation):
                schema = self.value_schema(p.annotation, p.info, False)
            else:
                schema = self.types.schema(body.handles[p.name])
                apply_constraints(schema, p.info)
            _decorate(schema, p.info, p.alias, default=_NO_DEFAULT if p.required else p.default)
            if "$ref" not in schema and "title" not in schema:
                # FastAPI titles the body field itself, an optional model included
                schema["title"] = p.info.title or field_title(p.alias)
            required = p.required
        else:
            name = f"Body_{doc.unique_id}"
            # Form models are not members: their fields are the form's, so each model's schema is an
            # ``allOf`` member of the body's (FastAPI's shape).
            members = [p for p in params if not p.is_model]
            component: dict[str, Any] = {"type": "object"}
            if members:
                component["properties"] = {p.alias: self.body_member(p, body) for p in members}
            must = [p.alias for p in members if p.required]
            if must:
                component["required"] = must
            if len(members) < len(params):
                component["allOf"] = [c for p in params if p.is_model for c in self.form_model(p, body)]
            component["title"] = name
            self.types.components[name] = component
            schema = {"$ref": REF_PREFIX + name}
            required = any(p.required for p in params)
        content: dict[str, Any] = {"schema": schema}
        first = params[0].info
        if first.openapi_examples:
            content["examples"] = copy.deepcopy(first.openapi_examples)
        elif body.single and first.example is not UNSET:
            content["example"] = jsonable_encoder(first.example)
        out: dict[str, Any] = {}
        if required:
            out["required"] = True
        out["content"] = {body.media_type: content}
        return out

    def stream_item(self, doc: _RouteDoc, kind: str) -> dict[str, Any]:
        """A generator route's ``itemSchema``: the item's schema for JSON Lines; for events, the SSE
        event whose ``data`` is the item as JSON (OpenAPI 3.2, §4.14.4)."""
        item: dict[str, Any] | None = None
        if doc.stream_item is not None:
            item = self.types.schema(doc.stream_item)
            if "$ref" not in item:
                item["title"] = field_title(f"StreamItem_{doc.unique_id}")
        if kind == JSON_LINES:
            return item if item is not None else {}
        event = copy.deepcopy(SSE_EVENT_SCHEMA)
        if item is not None:
            event["properties"]["data"] = {"type": "string", "contentMediaType": "application/json",
                                           "contentSchema": item}
            event["required"] = ["data"]
        return event

    def responses(self, doc: _RouteDoc) -> dict[str, Any]:
        route = doc.route
        responses: dict[str, Any] = {}
        status = str(route.status_code)
        main: dict[str, Any] = {"description": route.response_description}
        responses[status] = main
        cls = _response_class(route)
        media_type = getattr(cls, "media_type", None)
        stream = route._stream
        if stream is not None and stream.kind != RAW:
            if _body_allowed(status):
                main["content"] = {stream.kind: {"itemSchema": self.stream_item(doc, stream.kind)}}
        elif _body_allowed(status) and media_type:
            schema: dict[str, Any] = {"type": "string"}
            if _is_json(route):
                schema = {}
                if doc.response is not None:
                    schema = self.types.schema(doc.response)
                    if "$ref" not in schema:
                        schema["title"] = field_title(f"Response_{doc.unique_id}")
            main["content"] = {media_type: {"schema": schema}}
        for code, extra in route.responses.items():
            key = str(code).upper()
            if key == "DEFAULT":
                key = "default"
            processed = copy.deepcopy(extra)
            processed.pop("model", None)
            target = responses.setdefault(key, {})
            handle = doc.extra_responses.get(code)
            if handle is not None:
                holder = processed.setdefault("content", {}).setdefault(media_type or "application/json", {})
                schema = self.types.schema(handle)
                if "$ref" not in schema:
                    # pydantic's field title, the field being named Response_<status>_<operation id>
                    schema["title"] = field_title(f"Response_{code}_{doc.unique_id}")
                deep_update(holder.setdefault("schema", {}), schema)
            text = _STATUS_RANGES.get(str(code).upper())
            if text is None and str(code).isdigit():
                text = http.client.responses.get(int(code))
            description = processed.get("description") or target.get("description") or text \
                or "Additional Response"
            deep_update(target, processed)
            target["description"] = description
        if doc.validates and not any(s in responses for s in ("422", "4XX", "default")):
            responses["422"] = {
                "description": "Validation Error",
                "content": {"application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}},
            }
            self.needs_validation_error = True
        return responses


def _plain_scalar(annotation: Any) -> bool:
    """Whether ``annotation`` is a scalar (or an optional one) without metadata of its own."""
    node = node_of(annotation)
    return node.base.kind == SCALAR and not node.metadata and not node.base.constraints \
        and not node.pydantic


def _field_keys(f: FieldNode) -> list[str]:
    """The request keys a model field is read from: its key, or each of its ``AliasChoices``."""
    choices = getattr(getattr(f.info, "validation_alias", None), "choices", None)
    if isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices):
        return list(choices)
    return [f.key]


def _decorate(schema: dict[str, Any], info: ParamInfo | None, label: str, *, default: Any) -> None:
    """Title, description, default, examples... — the keywords pydantic puts beside a field's type."""
    if default is not _NO_DEFAULT and (info is None or info.default_factory is None):
        shown, encoded = json_default(default)
        if shown:
            schema["default"] = encoded
    if info is not None:
        if info.description:
            schema["description"] = info.description
        if info.deprecated:
            schema["deprecated"] = True
        if info.examples is not None:
            schema["examples"] = list(info.examples)
        if info.json_schema_extra:
            schema.update(copy.deepcopy(info.json_schema_extra))
    if not is_reference(schema):  # pydantic gives no title to a (maybe optional) model field
        schema["title"] = (info.title if info is not None else None) or field_title(label)


# -- the document ------------------------------------------------------------------------------------


def _api_routes(routes: Iterable[BaseRoute]) -> list[APIRoute]:
    return [r for r in routes if isinstance(r, APIRoute) and r.include_in_schema]


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[BaseRoute],
    webhooks: Sequence[BaseRoute] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` (FastAPI's ``get_openapi`` signature)."""
    info: dict[str, Any] = {"title": title}
    if summary:
        info["summary"] = summary
    if description:
        info["description"] = description
    if terms_of_service:
        info["termsOfService"] = terms_of_service
    if contact:
        info["contact"] = contact
    if license_info:
        info["license"] = license_info
    info["version"] = version
    output: dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        output["servers"] = servers

    types_ = TypeSchemas(separate_input_output_schemas=separate_input_output_schemas)
    path_docs = [_collect(route, types_) for route in _api_routes(routes)]
    hook_docs = [_collect(route, types_) for route in _api_routes(webhooks or ())]
    types_.build()

    writer = _Writer(types_)
    paths: dict[str, dict[str, Any]] = {}
    for doc in path_docs:
        paths.setdefault(doc.route.path_format, {}).update(writer.path_item(doc))
    webhook_paths: dict[str, dict[str, Any]] = {}
    for doc in hook_docs:
        webhook_paths.setdefault(doc.route.path_format, {}).update(writer.path_item(doc))
    schemas = types_.components
    if writer.needs_validation_error:
        schemas.setdefault("ValidationError", copy.deepcopy(VALIDATION_ERROR))
        schemas.setdefault("HTTPValidationError", copy.deepcopy(HTTP_VALIDATION_ERROR))
    components: dict[str, Any] = {}
    if schemas:
        components["schemas"] = {name: schemas[name] for name in sorted(schemas)}
    if writer.security_schemes:
        components["securitySchemes"] = writer.security_schemes
    if components:
        output["components"] = components
    output["paths"] = paths
    if webhook_paths:
        output["webhooks"] = webhook_paths
    if tags:
        output["tags"] = tags
    if external_docs:
        output["externalDocs"] = external_docs
    return cast(dict[str, Any], _without_nulls(output))


def _without_nulls(value: Any) -> Any:
    """The document without null members: OpenAPI has no nulls for absent fields, and FastAPI drops
    every null object member (a pydantic ``default: null`` included), so clients see the same."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value

