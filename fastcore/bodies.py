"""Request bodies: JSON into msgspec types (or pydantic models), urlencoded and multipart forms, files.

``BodyPlan`` is built once per route from every body parameter of its dependency tree, as FastAPI
flattens them: a single JSON body parameter is the whole body, several (or ``Body(embed=True)``) are
the members of one JSON object.  Per request, ``read`` takes the body — never more than
``max_body_size`` bytes, answering 413 without reading the rest — and decodes it:

* the fast path is one ``msgspec.json.Decoder(T, strict=False)`` call per request;
* only a body that fails pays for collecting *every* error (``fastcore.validation``), so the 422
  lists them all with FastAPI's ``loc`` and ``type`` names;
* hostile JSON (deep nesting, invalid UTF-8, truncation) is a 4xx, never a 500.
"""

from __future__ import annotations

import copy
import sys
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec
from starlette.datastructures import FormData, UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message

from fastcore._params import Coercer, Conn
from fastcore.exceptions import FastCoreError, HTTPException, RequestValidationError
from fastcore.params import BodyInfo, FormInfo
from fastcore.validation import collect_errors, fallback_error, json_invalid_error

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "BodyParam",
    "BodyPlan",
    "form_item_type",
    "read_body",
    "read_form",
    "upload_type",
]

#: Default limit on a request body, in bytes (16 MiB); ``max_body_size=`` on the app, a router or a
#: route changes it.  ``None`` there means "inherit"; 0 would refuse every body.
DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024

ErrorList = list[dict[str, Any]]
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

    @property
    def is_form(self) -> bool:
        return isinstance(self.info, FormInfo)

    def make_default(self) -> Any:
        if self.info.default_factory is not None:
            return self.info.default_factory()
        if isinstance(self.default, (list, dict, set)):
            return copy.deepcopy(self.default)
        return self.default


def _missing(loc: tuple[Any, ...]) -> dict[str, Any]:
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


def _constrained(annotation: Any, info: BodyInfo) -> Any:
    """``annotation`` with the declaration's constraints as ``msgspec.Meta``."""
    meta: dict[str, Any] = {}
    for name in ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern"):
        value = getattr(info, name, None)
        if value is not None:
            meta[name] = value
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


def uses_pydantic(tp: Any) -> bool:
    """Whether ``tp`` is, or contains, a pydantic model (pydantic is never imported to find out)."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None:
        return False
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return True
    return any(uses_pydantic(arg) for arg in get_args(tp) if not isinstance(arg, (str, int, float)))


class _Converter:
    """Decodes/validates one value of one type: msgspec first, pydantic for its own models."""

    def __init__(self, tp: Any, where: str) -> None:
        self.tp = tp
        self.adapter: Any = None
        self.decoder: msgspec.json.Decoder[Any] | None = None
        if uses_pydantic(tp):
            # pydantic models validate with pydantic itself, so their errors are pydantic's own.
            self.adapter = _pydantic_adapter(tp)
            return
        try:
            self.decoder = msgspec.json.Decoder(tp, strict=False)
        except TypeError as exc:
            raise FastCoreError(f"{where}: body type {tp!r} cannot be decoded: {exc}") from exc

    def decode(self, raw: bytes, loc: tuple[Any, ...]) -> tuple[Any, ErrorList]:
        """Decode JSON ``raw``; raises RequestValidationError/HTTPException for broken JSON."""
        if self.decoder is not None:
            try:
                return self.decoder.decode(raw), []
            except msgspec.ValidationError as exc:
                return None, self._explain(_loads(raw), exc, loc)
            except msgspec.DecodeError as exc:
                raise RequestValidationError([json_invalid_error(exc, raw)], body=raw) from None
            except (RecursionError, UnicodeDecodeError):
                _raise_unparsable(raw)
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
        try:
            return msgspec.convert(value, self.tp, strict=False), []
        except msgspec.ValidationError as exc:
            return None, self._explain(value, exc, loc)

    def _explain(self, value: Any, exc: msgspec.ValidationError, loc: tuple[Any, ...]) -> ErrorList:
        # Slow path, only for bodies that failed: list every error, not just msgspec's first.
        return collect_errors(self.tp, value, loc) or [fallback_error(exc, loc)]


def _loads(raw: bytes) -> Any:
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise RequestValidationError([json_invalid_error(exc, raw)], body=raw) from None
    except (RecursionError, UnicodeDecodeError):
        _raise_unparsable(raw)


def _raise_unparsable(raw: bytes) -> typing.NoReturn:
    # FastAPI's answer to JSON its parser cannot take apart (too deep, not UTF-8): 400.
    raise HTTPException(400, _PARSE_ERROR) from None


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    main = content_type.partition(";")[0].strip().lower()
    if not main.startswith("application/"):
        return False
    subtype = main[len("application/") :]
    return subtype == "json" or subtype.endswith("+json")


def upload_type(tp: Any) -> bool:
    """Whether ``tp`` is ``UploadFile`` (or a subclass)."""
    return isinstance(tp, type) and issubclass(tp, UploadFile)


def form_item_type(annotation: Any) -> tuple[Any, bool]:
    """(item type, is_list) of a form/file parameter's annotation, Optional unwrapped."""
    tp = annotation
    if get_origin(tp) is Union or type(tp).__name__ == "UnionType":
        members = [a for a in get_args(tp) if a is not type(None)]
        tp = members[0] if len(members) == 1 else tp
    if get_origin(tp) in (list, tuple, set, frozenset, typing.List):  # noqa: UP006
        items = get_args(tp)
        return (items[0] if items else Any), True
    return tp, False


class BodyPlan:
    """How one route reads its body; built once from the body parameters of its dependency tree."""

    def __init__(self, params: list[BodyParam], *, max_size: int | None, where: str) -> None:
        self.params = params
        self.max_size = DEFAULT_MAX_BODY_SIZE if max_size is None else max_size
        self.is_form = any(p.is_form for p in params)
        if self.is_form and not all(p.is_form for p in params):
            raise FastCoreError(f"{where}: a route cannot mix JSON Body() and Form()/File() parameters")
        self.single = len(params) == 1 and not params[0].info.embed and not self.is_form
        self._converters: dict[str, _Converter] = {}
        if self.is_form:
            _require_multipart(where)
            for p in params:
                if p.is_model:
                    self._converters[p.name] = _Converter(p.annotation, where)
            return
        for p in params:
            tp = _constrained(p.annotation, p.info)
            if not p.required and p.default is None:
                tp = tp | None
            self._converters[p.name] = _Converter(tp, where)
        self._members: _Converter | None = None
        if not self.single:
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
                self._members = _Converter(struct, where)
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
        is_json = _is_json(content_type[0] if content_type else None)
        if not raw:
            for p in self.params:
                if p.required:
                    errors[p.name] = [_missing(("body",) if self.single else ("body", p.alias))]
                else:
                    values[p.name] = p.make_default()
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
        obj = _loads(raw) if is_json else None
        if not isinstance(obj, dict):
            obj = {}  # FastAPI: a non-object body leaves every member missing
        for p in self.params:
            if p.alias in obj and obj[p.alias] is not None:
                value, errs = self._converters[p.name].convert(obj[p.alias], ("body", p.alias))
                if errs:
                    errors[p.name] = errs
                else:
                    values[p.name] = value
            elif p.required:
                errors[p.name] = [_missing(("body", p.alias))]
            else:
                values[p.name] = p.make_default()
        return values, errors

    async def _read_form(self, conn: Conn) -> tuple[dict[str, Any], dict[str, ErrorList]]:
        form = await read_form(conn, self.max_size)
        values: dict[str, Any] = {}
        errors: dict[str, ErrorList] = {}
        for p in self.params:
            if p.is_model:
                self._read_form_model(p, form, values, errors)
                continue
            raw: Any = form.getlist(p.alias) if p.is_list else form.get(p.alias)
            # FastAPI treats an empty form value, or an empty list, as absent.
            if raw is None or raw == "" or (p.is_list and not [v for v in raw if v != ""]):
                if p.required:
                    errors[p.name] = [_missing(("body", p.alias))]
                else:
                    values[p.name] = p.make_default()
                continue
            items = raw if p.is_list else [raw]
            out: list[Any] = []
            errs: ErrorList = []
            for i, item in enumerate(items):
                loc = ("body", p.alias, i) if p.is_list else ("body", p.alias)
                value = await self._form_value(p, item, loc, errs)
                out.append(value)
            if errs:
                errors[p.name] = errs
            else:
                values[p.name] = out if p.is_list else out[0]
        return values, errors

    async def _form_value(self, p: BodyParam, item: Any, loc: tuple[Any, ...], errs: ErrorList) -> Any:
        item_tp = form_item_type(p.annotation)[0]
        if upload_type(item_tp):
            if not isinstance(item, UploadFile):
                reason = f"Expected UploadFile, received: {type(item)}"
                errs.append({"type": "value_error", "loc": loc, "msg": f"Value error, {reason}",
                             "input": item, "ctx": {"error": reason}})
            return item
        if isinstance(item, UploadFile):
            if item_tp is bytes or p.is_file:
                return await item.read()
            item = (await item.read()).decode("utf-8", "replace")
        if p.coercer is None:
            return item
        value, item_errs = p.coercer(item, loc)
        errs.extend(typing.cast(ErrorList, item_errs))
        return value

    def _read_form_model(
        self, p: BodyParam, form: FormData, values: dict[str, Any], errors: dict[str, ErrorList]
    ) -> None:
        data: dict[str, Any] = {}
        for key in form:
            items = form.getlist(key)
            data[key] = items if len(items) > 1 else items[0]
        value, errs = self._converters[p.name].convert(data, ("body",))
        if errs:
            errors[p.name] = errs
        else:
            values[p.name] = value


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


def _too_large() -> HTTPException:
    return HTTPException(413, "Request body too large")


def _declared_length(conn: Conn) -> int | None:
    values = conn.headers.get("content-length")
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return None


async def read_body(conn: Conn, limit: int) -> bytes:
    """The whole request body, refusing (413) as soon as it is known to exceed ``limit`` bytes."""
    declared = _declared_length(conn)
    if declared is not None and declared > limit:
        raise _too_large()
    receive = conn.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise _too_large()
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    conn.body = body
    return body


async def read_form(conn: Conn, limit: int) -> FormData:
    """Parse an urlencoded or multipart form through Starlette, within the body limit."""
    declared = _declared_length(conn)
    if declared is not None and declared > limit:
        raise _too_large()
    size = 0
    receive = conn.receive

    async def limited() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise _too_large()
        return message

    request = Request(conn.scope, limited, conn.send)
    form = await request.form()
    conn.form = form
    return form

