"""Request bodies: JSON into msgspec types (or pydantic models), urlencoded and multipart forms, files.

``BodyPlan`` is built once per route from every body parameter of its dependency tree, as FastAPI
flattens them: a single JSON body parameter is the whole body, several (or ``Body(embed=True)``) are
the members of one JSON object.  Per request, ``read`` takes the body — never more than
``max_body_size`` bytes, answering 413 without reading the rest — and decodes it:

* the fast path is one ``msgspec.json.Decoder(T, strict=False)`` call per request;
* only a body that fails pays for collecting *every* error (``fastcore.validation``), so the 422
  lists them all with FastAPI's ``loc`` and ``type`` names;
* hostile JSON (deep nesting, invalid UTF-8, truncation) is a 4xx, never a 500.

FastAPI's rules kept here: an explicit JSON ``null`` for an embedded member is a value validated
against its type (only an absent key is missing); a JSON array, scalar or null where members are
expected leaves every member missing, optional ones included; ``json_invalid`` carries the character
position and message of Python's ``json`` (FastAPI's parser), found on the slow path; bodies Python
cannot take apart (invalid UTF-8, recursion, integers over 4300 digits) are 400.  Forms: an empty text
value or empty file input is absent, but ``""`` inside a list is a value; only ``File()`` bytes read a
file, a file sent for another field is that type's error; form models read list fields from repeated
keys.

Differences from FastAPI, kept on purpose (tests/test_parity_bodies.py asserts them):

* Acceptance is msgspec's (``strict=False``) for non-pydantic models: pydantic's lax mode also takes
  ``true`` for numbers, ``"1."``/``" 1"``/``"1_0"`` for numbers, objects for ``NamedTuple`` (see
  ``fastcore.validation`` for the full list).  pydantic models are validated by pydantic.
* ``NaN``, ``Infinity`` and ``1e999`` are not JSON to msgspec: 422 ``json_invalid`` (FastAPI reads
  them as floats and then typically answers 500).
* ``Body(pattern=...)``: ``$`` also matches before a final newline (Python's ``re``, via
  ``msgspec.Meta``), where pydantic's does not.
* 413 is ``{"detail": "Content Too Large"}`` as JSON (FastAPI: the same words as plain text), and
  there is a default limit (FastAPI has none).
* A file sent for a non-file form field: the 422 ``input`` is the UploadFile's repr, not its attributes.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
import sys
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.types import Message, Receive

from fastcore import typemodel
from fastcore._params import Coercer, Conn, declared_length, has_unusual_numbers, read_body, too_large
from fastcore._validation_errors import _error
from fastcore.exceptions import FastCoreError, HTTPException, RequestValidationError
from fastcore.params import BodyInfo, FileInfo, FormInfo
from fastcore.typemodel import (
    MODEL,
    NONE,
    OPTIONAL,
    SEQUENCE,
    UNION,
    UPLOAD,
    Node,
    model_extra,
    model_fields,
    node_of,
    union_members,
    uses_pydantic,
)
from fastcore.validation import collect_errors, fallback_error, json_invalid_error

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "BodyParam",
    "BodyPlan",
    "Converter",
    "read_body",
    "read_form",
]

#: Default limit on a request body, in bytes (16 MiB); ``max_body_size=`` on the app, a router or a
#: route changes it.  ``None`` there means "inherit"; 0 would refuse every body.
DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024

ErrorList = list[dict[str, Any]]
# BodyPlan.json_single: (parameter name, validate(raw) -> value, check for NaN/Infinity/1e999 first,
# the exceptions of validate that send the body to Converter.decode).
_FastJSON = tuple[str, Callable[[bytes], Any], bool, tuple[type[BaseException], ...]]
# What msgspec's decoder raises on a body Converter.decode explains (or answers) itself.
_DECODE_FAILURES: tuple[type[BaseException], ...] = (
    msgspec.DecodeError, UnicodeDecodeError, RecursionError,
)
_PARSE_ERROR = "There was an error parsing the body"


@dataclass(eq=False)
class BodyParam:
    """One body parameter of a handler or dependency, as ``build_dependant`` found it."""

    name: str
    alias: str
    annotation: Any
    info: BodyInfo
    required: bool
    default: Any
    coercer: Coercer | None = None     # forms: scalar fields are coerced from text like query values
    is_list: bool = False              # forms: repeated keys
    is_file: bool = False              # forms: UploadFile / bytes from a file part
    is_model: bool = False             # forms: ``Annotated[Model, Form()]``
    pydantic: bool = False             # forms: a text field pydantic validates (BeforeValidator...)
    item: Node | None = None           # forms: the node of one value (a list's item), Optional removed

    @property
    def is_form(self) -> bool:
        return isinstance(self.info, FormInfo)

    def make_default(self) -> Any:
        if self.info.default_factory is not None:
            return self.info.default_factory()
        if type(self.default) in _IMMUTABLE:
            return self.default
        # A copy per request, as pydantic gives FastAPI: a handler changing its default (a model's
        # list, say) must not change the next request's.
        return copy.deepcopy(self.default)


_IMMUTABLE = frozenset({type(None), bool, int, float, complex, str, bytes, type(Ellipsis)})


def _missing(loc: tuple[Any, ...]) -> dict[str, Any]:
    return _error("missing", loc, None)


def _constrained(annotation: Any, info: BodyInfo) -> Any:
    """``annotation`` with the declaration's constraints as ``msgspec.Meta``."""
    meta: dict[str, Any] = {}
    for name in ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern"):
        value = getattr(info, name, None)
        if value is not None:
            meta[name] = value
    pydantic = sys.modules.get("pydantic")
    options = info.pydantic_options
    if pydantic is not None and (options or isinstance(meta.get("pattern"), re.Pattern)):
        # Options only pydantic applies (FastAPI's Body(union_mode=...), a compiled pattern): the
        # body is then validated by pydantic, as in FastAPI.
        return Annotated[annotation, pydantic.Field(**meta, **options)]
    if not meta:
        return annotation
    return Annotated[annotation, msgspec.Meta(**meta)]


def _pydantic_adapter(tp: Any) -> Any | None:
    """A pydantic ``TypeAdapter`` for types msgspec cannot decode — only if pydantic is in use."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None:
        return None
    try:
        return pydantic.TypeAdapter(tp)
    except Exception:
        return None


class Converter:
    """Decodes/validates one value of one type: msgspec first, pydantic for its own models."""

    def __init__(self, tp: Any, where: str) -> None:
        self.tp = tp
        self.adapter: Any = None
        self.decoder: msgspec.json.Decoder[Any] | None = None
        self.fill_defaults = False
        self.members: list[tuple[str, Converter]] = []
        if uses_pydantic(tp):
            # pydantic models validate with pydantic itself, so their errors are pydantic's own.
            self.adapter = _pydantic_adapter(tp)
            if self.adapter is not None:
                return
        try:
            self.decoder = msgspec.json.Decoder(tp, strict=False)
        except TypeError as exc:
            members = union_members(tp)
            if members is None:
                raise FastCoreError(f"{where}: body type {tp!r} cannot be decoded: {exc}") from exc
            # msgspec takes one object type per union (Cat | Dog): each member on its own, tried as
            # pydantic's smart mode does (see _convert_union).
            self.members = [(_member_tag(m), Converter(m, where)) for m in members]
        # msgspec 0.22 leaves a dataclass field it filled from a plain default on the class, not the
        # instance, so encoding that instance again (a handler returning its body) would drop it.
        self.fill_defaults = typemodel.has_defaulted_dataclass(tp)

    def fast_json(self, name: str) -> _FastJSON | None:
        """What the compiled route (``fastcore._fastpath``) needs to validate a body of this type
        from its bytes in one call: ``(name, validate, check_numbers, fallback)``.  Only a success
        is taken from it; when ``validate`` raises one of ``fallback`` (or ``check_numbers`` and
        the body has NaN, Infinity or 1e999) the body goes through :meth:`decode`, which answers.
        None when :meth:`decode` does more than that one call (a union, dataclass defaults)."""
        if self.adapter is not None:
            pydantic_core = sys.modules["pydantic_core"]
            validator = getattr(self.adapter, "validator", None)
            if isinstance(validator, pydantic_core.SchemaValidator):
                # PERF: TypeAdapter.validate_json's own call, without its keyword defaults.
                return name, validator.validate_json, True, (pydantic_core.ValidationError,)
            return name, self.adapter.validate_json, True, (pydantic_core.ValidationError,)
        if self.decoder is not None and not self.fill_defaults:
            return name, self.decoder.decode, False, _DECODE_FAILURES
        return None

    def decode(self, raw: bytes, loc: tuple[Any, ...]) -> tuple[Any, ErrorList]:
        """Decode JSON ``raw``; raises RequestValidationError/HTTPException for broken JSON."""
        if self.decoder is not None:
            try:
                value = self.decoder.decode(raw)
                if self.fill_defaults:
                    _fill_dataclass_defaults(value)
                return value, []
            except msgspec.ValidationError as exc:
                return None, self._explain(_loads(raw), exc, loc)
            except msgspec.DecodeError as exc:
                return self.convert(_python_loads(exc, raw), loc)
            except UnicodeDecodeError:  # msgspec < 0.23's answer to invalid UTF-8
                return self.convert(_python_loads(None, raw), loc)
            except RecursionError:
                _raise_unparsable(raw)
        if self.adapter is not None and not has_unusual_numbers(raw):
            # PERF: pydantic-core parses and validates the bytes in one call.  A body that fails
            # (and NaN, Infinity or 1e999, a deliberate 422) takes the path below: FastAPI validates
            # the parsed value in pydantic's Python mode, whose error messages differ from its JSON mode's.
            try:
                return self.adapter.validate_json(raw), []
            except sys.modules["pydantic"].ValidationError:
                pass
        return self.convert(_loads(raw), loc)

    def convert(self, value: Any, loc: tuple[Any, ...]) -> tuple[Any, ErrorList]:
        """Validate an already-decoded value (an embedded member, a form model, a text body)."""
        if self.adapter is not None:
            pydantic = sys.modules["pydantic"]
            try:
                return self.adapter.validate_python(value, from_attributes=True), []
            except pydantic.ValidationError as exc:
                errors = []
                for err in exc.errors(include_url=False):
                    err["loc"] = (*loc, *err["loc"])
                    errors.append(err)
                return None, errors
        if self.members:
            return self._convert_union(value, loc)
        try:
            value = msgspec.convert(value, self.tp, strict=False)
            if self.fill_defaults:
                _fill_dataclass_defaults(value)
            return value, []
        except msgspec.ValidationError as exc:
            return None, self._explain(value, exc, loc)
        except UnicodeEncodeError:
            # A lone surrogate (which Python's JSON parser lets through) where msgspec needs UTF-8:
            # a key, or text to parse as a datetime, UUID, bytes... pydantic's answer to such text.
            return None, [_error("string_unicode", loc, value)]

    def _convert_union(self, value: Any, loc: tuple[Any, ...]) -> tuple[Any, ErrorList]:
        """pydantic's smart mode over members msgspec cannot take as one union: of the members that
        accept the value, the one that uses most of its keys (the first on a tie); when none does,
        every member's errors, each under the member's name in the loc, as pydantic reports them."""
        best: Any = None
        best_score = -1
        errors: ErrorList = []
        for tag, member in self.members:
            converted, errs = member.convert(value, ())
            if errs:
                errors.extend({**e, "loc": (*loc, tag, *e["loc"])} for e in errs)
                continue
            score = _keys_used(member.tp, value)
            if score > best_score:
                best, best_score = converted, score
        if best_score >= 0:
            return best, []
        return None, errors

    def _explain(self, value: Any, exc: msgspec.ValidationError, loc: tuple[Any, ...]) -> ErrorList:
        # Slow path, only for bodies that failed: list every error, not just msgspec's first.
        return collect_errors(self.tp, value, loc) or [fallback_error(exc, loc)]


def _fill_dataclass_defaults(value: Any) -> None:
    """Put every dataclass field's value on its instance (see ``Converter.fill_defaults``)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _fill_dataclass_defaults(item)
    elif isinstance(value, dict):
        for item in value.values():
            _fill_dataclass_defaults(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        attrs = value.__dict__ if hasattr(value, "__dict__") else {}
        for f in dataclasses.fields(value):
            if f.name not in attrs and f.default is not dataclasses.MISSING:
                object.__setattr__(value, f.name, f.default)
            _fill_dataclass_defaults(getattr(value, f.name, None))
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            _fill_dataclass_defaults(getattr(value, name))


def _loads(raw: bytes) -> Any:
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:  # ValidationError too: a number beyond msgspec's range
        return _python_loads(exc, raw)
    except UnicodeDecodeError:  # msgspec < 0.23's answer to invalid UTF-8
        return _python_loads(None, raw)
    except RecursionError:
        _raise_unparsable(raw)


def _python_loads(exc: msgspec.DecodeError | None, raw: bytes) -> Any:
    """What FastAPI makes of a body msgspec rejected: its value, or FastAPI's error for it.

    Slow path, only for bodies msgspec could not parse; FastAPI parses with Python's ``json``, so
    that parser decides here.  A body it rejects with a ``JSONDecodeError`` gets FastAPI's 422 at
    the position and with the message Python reports; anything else it rejects (invalid UTF-8, an
    integer over 4300 digits, a recursion too deep) is FastAPI's 400.  A body it accepts because of
    lone UTF-16 surrogates (``"\\ud800"``, or their UTF-8 bytes ``ED A0 80``: ``json.loads`` decodes
    bytes with ``surrogatepass``), which msgspec rejects as invalid UTF-8 or with a version-dependent
    message, is accepted with that value, as FastAPI does.  A body only msgspec rejects otherwise
    (``NaN``, ``1e999``: a deliberate difference) keeps msgspec's message and byte position.
    """
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except json.JSONDecodeError as py_exc:
        error = {"type": "json_invalid", "loc": ("body", py_exc.pos), "msg": "JSON decode error",
                 "input": {}, "ctx": {"error": py_exc.msg}}
        raise RequestValidationError([error], body=py_exc.doc) from None  # FastAPI's: the text
    except _NonFinite:
        value = _NonFinite
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        _raise_unparsable(raw)
    if value is not _NonFinite and _has_lone_surrogate(value):
        return value
    if exc is None:
        _raise_unparsable(raw)
    raise RequestValidationError([json_invalid_error(exc, raw)], body=raw) from None


class _NonFinite(Exception):
    """``NaN``/``Infinity`` in a body (Python's ``json`` takes them; fastcore does not)."""


def _reject_constant(name: str) -> typing.NoReturn:
    raise _NonFinite(name)


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds a string (or key) with a lone UTF-16 surrogate."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    return False


def _raise_unparsable(raw: bytes) -> typing.NoReturn:
    # FastAPI's answer to JSON its parser cannot take apart (too deep, not UTF-8): 400.
    raise HTTPException(400, _PARSE_ERROR) from None


_JSON_TYPES: dict[str, bool] = {}  # PERF: the answers for the Content-Type values seen most


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    known = _JSON_TYPES.get(content_type)
    if known is not None:
        return known
    main = content_type.partition(";")[0].strip().lower()
    subtype = main[len("application/") :] if main.startswith("application/") else ""
    answer = subtype == "json" or subtype.endswith("+json")
    if len(_JSON_TYPES) < 64:  # clients choose these strings: remember a few, never all of them
        _JSON_TYPES[content_type] = answer
    return answer


class BodyPlan:
    """How one route reads its body; built once from the body parameters of its dependency tree."""

    def __init__(
        self, params: list[BodyParam], *, max_size: int | None, where: str, strict_content_type: bool = True,
        form_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.params = params
        self.form_limits = dict(form_limits or {})
        # FastAPI's strict_content_type: without a Content-Type the body is JSON only when lax.
        self.strict_content_type = strict_content_type
        self.max_size = DEFAULT_MAX_BODY_SIZE if max_size is None else max_size
        self.is_form = any(p.is_form for p in params)
        if self.is_form and not all(p.is_form for p in params):
            raise FastCoreError(f"{where}: a route cannot mix JSON Body() and Form()/File() parameters")
        self.single = len(params) == 1 and not params[0].info.embed and not self.is_form
        self._converters: dict[str, Converter] = {}
        self.json_single: _FastJSON | None = None
        if self.is_form:
            _require_multipart(where)
            self._form_models: dict[str, _FormModel] = {}
            for p in params:
                if p.is_model:
                    form_model = _FormModel(p.annotation)
                    self._form_models[p.name] = form_model
                    self._converters[p.name] = Converter(_constrained(form_model.tp, p.info), where)
                elif p.pydantic or p.info.extra.get("validate_default"):
                    self._converters[p.name] = Converter(_constrained(p.annotation, p.info), where)
            return
        for p in params:
            tp = _constrained(p.annotation, p.info)
            if not p.required and p.default is None and node_of(p.annotation).kind != OPTIONAL:
                tp = tp | None  # a None default is a value (not when the type already says so: a
                # BeforeValidator on ``int | None`` must still see the None)
            self._converters[p.name] = Converter(tp, where)
        if self.single:
            self.json_single = self._converters[params[0].name].fast_json(params[0].name)
        self._members: Converter | None = None
        if not self.single and not any(c.adapter is not None for c in self._converters.values()) \
                and not any(p.info.alias_choices or p.info.extra.get("validate_default") for p in params):
            # PERF: embedded members decode in one pass into a Struct made for this route.
            fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
            for p in params:
                tp = self._converters[p.name].tp
                if p.required:
                    fields.append((p.name, tp))
                else:
                    fields.append((p.name, tp, msgspec.field(default_factory=p.make_default)))
            try:
                struct = msgspec.defstruct(
                    "Body", fields, rename={p.name: p.alias for p in params}, kw_only=True
                )
                self._members = Converter(struct, where)
            except (TypeError, FastCoreError):
                self._members = None  # pydantic members: validated one by one

    async def read(self, conn: Conn) -> tuple[dict[str, Any], dict[str, ErrorList]]:
        """Values by parameter name, and errors by parameter name."""
        if self.is_form:
            return await self._read_form(conn)
        raw = await read_body(conn, self.max_size)
        values: dict[str, Any] = {}
        errors: dict[str, ErrorList] = {}
        headers = conn.headers
        content_type = headers.get("content-type")
        declared = content_type[0] if content_type else ""
        is_json = _is_json(declared) if declared else not self.strict_content_type
        if not raw:
            for p in self.params:
                if p.required:
                    errors[p.name] = [_missing(("body",) if self.single else ("body", p.alias))]
                else:
                    self._default(p, ("body",) if self.single else ("body", p.alias), values, errors)
            return values, errors
        if self.single:
            p = self.params[0]
            converter = self._converters[p.name]
            if is_json:
                value, errs = converter.decode(raw, ("body",))
            else:
                # Not declared as JSON: FastAPI validates the raw text, which fits only str-like types.
                value, errs = converter.convert(raw.decode("utf-8", "replace"), ("body",))
            if errs:
                errors[p.name] = errs
            else:
                values[p.name] = value
            return values, errors
        if is_json and self._members is not None:
            decoded, errs = self._members.decode(raw, ("body",))
            if not errs:
                for p in self.params:
                    values[p.name] = getattr(decoded, p.name)
                return values, errors
        obj: Any = _loads(raw) if is_json else None
        if is_json and not isinstance(obj, dict):
            # FastAPI: members of a JSON array, scalar or null are missing, optional ones too.
            for p in self.params:
                errors[p.name] = [_missing(("body", p.alias))]
            return values, errors
        if obj is None:
            obj = {}  # not declared as JSON: no member is given
        for p in self.params:
            # An explicit null is a value, validated as such (only an absent member is missing).
            key = next((k for k in p.info.alias_choices if k in obj), p.alias)
            if key in obj:
                value, errs = self._converters[p.name].convert(obj[key], ("body", key))
                if errs:
                    errors[p.name] = errs
                else:
                    values[p.name] = value
            elif p.required:
                errors[p.name] = [_missing(("body", p.alias))]
            else:
                self._default(p, ("body", p.alias), values, errors)
        return values, errors

    def _default(self, p: BodyParam, loc: tuple[Any, ...], values: dict[str, Any],
                 errors: dict[str, ErrorList]) -> None:
        """An absent JSON body member's default; validated when declared ``validate_default=True``."""
        value = p.make_default()
        if not p.info.extra.get("validate_default"):
            values[p.name] = value
            return
        value, errs = self._converters[p.name].convert(value, loc)
        if errs:
            errors[p.name] = errs
        else:
            values[p.name] = value

    async def _read_form(self, conn: Conn) -> tuple[dict[str, Any], dict[str, ErrorList]]:
        form = await read_form(conn, self.max_size, self.form_limits)
        values: dict[str, Any] = {}
        errors: dict[str, ErrorList] = {}
        for p in self.params:
            if p.is_model:
                await self._read_form_model(p, form, values, errors)
                continue
            raw = _form_entry(form, p.alias, p.is_list)
            if raw is _ABSENT:
                if p.required:
                    errors[p.name] = [_missing(("body", p.alias))]
                else:
                    self._default(p, ("body", p.alias), values, errors)
                continue
            if p.pydantic and not p.is_file:
                value, problems = self._converters[p.name].convert(raw, ("body", p.alias))
                if problems:
                    errors[p.name] = problems
                else:
                    values[p.name] = value
                continue
            items = raw if p.is_list else [raw]
            out: list[Any] = []
            errs: ErrorList = []
            for i, item in enumerate(items):
                loc = ("body", p.alias, i) if p.is_list else ("body", p.alias)
                out.append(await self._form_value(p, item, loc, errs))
            if errs:
                errors[p.name] = errs
            else:
                values[p.name] = out if p.is_list else out[0]
        return values, errors

    async def _form_value(self, p: BodyParam, item: Any, loc: tuple[Any, ...], errs: ErrorList) -> Any:
        item_node = p.item
        item_tp = item_node.tp if item_node is not None else Any
        if item_node is not None and item_node.kind == UPLOAD:
            if not isinstance(item, UploadFile):
                reason = f"Expected UploadFile, received: {type(item)}"
                # ctx carries the exception, as pydantic's does; the 422 handler renders it.
                errs.append({"type": "value_error", "loc": loc, "msg": f"Value error, {reason}",
                             "input": item, "ctx": {"error": ValueError(reason)}})
            return item
        if item_tp is bytes:
            if isinstance(item, UploadFile) and isinstance(p.info, FileInfo):
                return await _peek(item)
            if isinstance(item, str):
                return item.encode()  # pydantic's bytes from a text field
        if isinstance(item, UploadFile):
            # FastAPI reads a file into bytes only for File() bytes; a file sent for any other field
            # is an UploadFile that field's type rejects (string_type, int_type, ...).
            errs.extend(collect_errors(item_tp, item, loc) or [_type_error(item_tp, item, loc)])
            return item
        if p.coercer is None:
            return item
        value, item_errs = p.coercer(item, loc)
        errs.extend(typing.cast(ErrorList, item_errs))
        return value

    async def _read_form_model(
        self, p: BodyParam, form: FormData, values: dict[str, Any], errors: dict[str, ErrorList]
    ) -> None:
        model = self._form_models[p.name]
        if not model.supplied(form):
            if model.nullable:
                # FastAPI: ``Model | None`` nobody filled in is absent, not a model of defaults.
                if p.required:
                    errors[p.name] = [_missing(("body",))]
                else:
                    self._default(p, ("body",), values, errors)
                return
            if not p.required:
                values[p.name] = p.make_default()  # an optional form model nobody filled in
                return
        value, errs = self._converters[p.name].convert(model.data(form), ("body",))
        if errs:
            errors[p.name] = errs
        else:
            values[p.name] = value


_ABSENT: Any = object()


def _empty_upload(value: Any) -> bool:
    # Browsers send a part with an empty filename and no content when no file was chosen.
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def _form_entry(form: FormData, key: str, is_list: bool) -> Any:
    """A form field's value (a list for sequence fields), or ``_ABSENT`` as FastAPI sees absence:
    no entry, an empty text value, an empty file input, or a list with nothing left in it."""
    if is_list:
        items = [item for item in form.getlist(key) if not _empty_upload(item)]
        return items if items else _ABSENT
    value = form.get(key)
    if value is None or value == "" or _empty_upload(value):
        return _ABSENT
    return value


async def _peek(file: UploadFile) -> bytes:
    """A file's content, leaving its position where it was (another parameter may read it too)."""
    position = file.file.tell()
    try:
        return await file.read()
    finally:
        await file.seek(position)


def _type_error(tp: Any, value: Any, loc: tuple[Any, ...]) -> dict[str, Any]:
    # Only if the error collector has no words for it: a generic pydantic-shaped type error.
    return {"type": "value_error", "loc": loc, "msg": f"Value error, expected {tp!r}", "input": value,
            "ctx": {"error": ValueError(f"expected {tp!r}")}}


def _member_tag(tp: Any) -> str:
    """A union member's name in an error's loc, as pydantic names it (a model by its class name)."""
    node = node_of(tp).base
    if node.kind == MODEL:
        return typing.cast(str, getattr(node.tp, "__name__", repr(node.tp)))
    return node.member_tag


def _keys_used(tp: Any, value: Any) -> int:
    """How many of ``value``'s keys a member model declares (pydantic's smart-mode tie-break)."""
    node = node_of(tp).base
    if node.kind != MODEL or not isinstance(value, dict):
        return 0
    return sum(1 for f in model_fields(node) if f.key in value)


class _FormShape:
    """How one model reads a form: each field's keys in order of preference, whether it repeats."""

    __slots__ = ("extra", "fields", "keys")

    def __init__(self, model: Any) -> None:
        node = node_of(model)
        self.fields = [(f.aliases, f.node.base.kind == SEQUENCE) for f in model_fields(node)]
        self.keys = frozenset(key for aliases, _ in self.fields for key in aliases)
        self.extra = model_extra(node)

    def supplied(self, form: Any) -> bool:
        """Whether the form fills this model in: a key of its own (empty values count), or any key
        at all for a model that takes (or refuses) unknown keys."""
        return any(key in self.keys for key in form) or (self.extra != "ignore" and len(form) > 0)

    def data(self, form: Any) -> dict[str, Any]:
        """The model's input: each field under the first of its keys the form has a value for, a
        list for a sequence field; keys no field took (later choices of an alias included) as
        extras, a list when repeated, for the model's ``extra`` setting to judge."""
        data: dict[str, Any] = {}
        taken: set[str] = set()
        for aliases, is_list in self.fields:
            for alias in aliases:
                taken.add(alias)
                value = _form_entry(form, alias, is_list)
                if value is not _ABSENT:
                    data[alias] = value
                    break
        data.update(_grouped(form, taken))
        return data


def _grouped(form: Any, taken: set[str] | frozenset[str]) -> dict[str, Any]:
    """A form's entries not under ``taken`` keys: one value as it is, repeated values as a list."""
    grouped: dict[str, list[Any]] = {}
    for key, value in form.multi_items():
        if key not in taken:
            grouped.setdefault(key, []).append(value)
    return {key: items[0] if len(items) == 1 else items for key, items in grouped.items()}


class _FormModel:
    """An ``Annotated[Model, Form()]`` parameter, or a union of models (``A | B | None``): FastAPI
    reads each member from the form on its own (a key may be a list to one and text to another),
    so the union is validated from every entry, and each member first picks its own input."""

    __slots__ = ("members", "nullable", "tp")

    def __init__(self, annotation: Any) -> None:
        node = node_of(annotation)
        self.nullable = node.kind == OPTIONAL or (
            node.kind == UNION and any(m.kind == NONE for m in node.members))
        base = node.base
        models = [m.tp for m in base.members if m.kind != NONE] if base.kind == UNION else [base.tp]
        self.members = [_FormShape(m) for m in models]
        self.tp = annotation if len(models) == 1 else _member_readers(annotation, self.members)

    def supplied(self, form: Any) -> bool:
        return any(member.supplied(form) for member in self.members)

    def data(self, form: Any) -> dict[str, Any]:
        if len(self.members) == 1:
            return self.members[0].data(form)
        return _grouped(form, frozenset())


def _member_readers(annotation: Any, shapes: list[_FormShape]) -> Any:
    """``annotation`` (a union of pydantic models, maybe Annotated) with a before-validator on each
    member that reads the member's own input from the form's entries, and a ``Tag`` naming it in
    errors (the member's own tag if it has one, else its class name)."""
    inner, extras = typemodel.split_annotated(annotation)
    if extras:
        args = (_member_readers(inner, shapes), *extras)
        return typing.cast(Any, Annotated)[args]
    pydantic = sys.modules["pydantic"]
    shaped = iter(shapes)
    members: list[Any] = []
    for member in typemodel.union_args(annotation) or ():
        if member is type(None):
            members.append(member)
            continue
        cls, meta = typemodel.split_annotated(member)
        tag = next((m for m in reversed(meta) if isinstance(m, pydantic.Tag)), pydantic.Tag(cls.__name__))
        reader = pydantic.BeforeValidator(functools.partial(_member_input, shape=next(shaped)))
        members.append(Annotated[member, reader, tag])
    return typing.Union[tuple(members)]  # noqa: UP007


def _member_input(value: Any, shape: _FormShape) -> Any:
    if not isinstance(value, dict):
        return value  # a model instance (a validated default), or what another validator gave
    form = FormData([(key, item) for key, items in value.items()
                     for item in (items if isinstance(items, list) else [items])])
    data = shape.data(form)
    # None and [] cannot come from a form, only from a validator before this one: kept as given.
    data.update((key, item) for key, item in value.items()
                if item is None or (isinstance(item, list) and not item))
    return data


def _require_multipart(where: str) -> None:
    try:
        import python_multipart  # noqa: F401
    except ImportError:
        try:
            import multipart  # type: ignore[import-untyped]  # noqa: F401
        except ImportError:
            raise FastCoreError(
                f"{where}: Form() and File() parameters need python-multipart: pip install python-multipart"
            ) from None


def received_body(conn: Conn) -> Any:
    """The request body as FastAPI hands it to ``RequestValidationError.body``: the form, the parsed
    JSON, else the raw bytes (None when nothing was read).  Slow path, for a 422 only."""
    if conn.form is not None:
        return conn.form
    raw = conn.body
    if not raw:
        return None
    content_type = conn.headers.get("content-type")
    if _is_json(content_type[0] if content_type else None):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            return exc.doc  # FastAPI's: the text that failed to parse
        except (ValueError, RecursionError):
            return raw
    return raw


FORM_LIMITS = ("max_fields", "max_files", "max_part_size")


def checked_form_limits(limits: Mapping[str, int] | None) -> dict[str, int]:
    """FastAPI's ``form_limits`` (Starlette's form parser limits), checked when a route is added."""
    out: dict[str, int] = {}
    for name, value in (limits or {}).items():
        if name not in FORM_LIMITS:
            raise FastCoreError(f"form_limits: unknown limit {name!r} (known: {', '.join(FORM_LIMITS)})")
        if type(value) is not int or value < 0:
            raise FastCoreError(f"form_limits: {name} must be a non-negative int, not {value!r}")
        out[name] = value
    return out


def limited_receive(conn: Conn, limit: int) -> Receive:
    """``conn.receive`` refusing (413) a body over ``limit`` bytes, whoever reads it."""
    declared = declared_length(conn)
    receive = conn.receive
    size = 0

    async def limited() -> Message:
        nonlocal size
        if declared is not None and declared > limit:
            raise too_large()
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise too_large()
        return message

    return limited


async def read_form(conn: Conn, limit: int, form_limits: Mapping[str, int] | None = None) -> FormData:
    """Parse an urlencoded or multipart form through Starlette, within the body limit and the
    parser's ``form_limits`` (Starlette's defaults for those not given)."""
    if conn.form is not None:
        return conn.form  # parsed through a Request (a custom route class's hook), within the limit
    declared = declared_length(conn)
    if declared is not None and declared > limit:
        raise too_large()  # before parsing starts
    request = Request(conn.scope, limited_receive(conn, limit), conn.send)
    form = await request.form(**(form_limits or {}))
    conn.form = form
    return form

