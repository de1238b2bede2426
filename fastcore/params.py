"""Parameter declarations: what ``Query(...)``, ``Header(...)``, ``Depends(...)`` and friends return.

These are plain records read once, when a route is added, by ``fastcore.dependencies``; nothing here
runs per request.  The user-facing functions with FastAPI's signatures live in
``fastcore.param_functions``.
"""

from __future__ import annotations

import copy
import enum
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from fastcore.concurrency import DependencyLimit
from fastcore.exceptions import FastAPIDeprecationWarning

__all__ = [
    "Body",
    "BodyInfo",
    "Cookie",
    "CookieInfo",
    "Depends",
    "File",
    "FileInfo",
    "Form",
    "FormInfo",
    "Header",
    "HeaderInfo",
    "Param",
    "ParamInfo",
    "ParamSource",
    "ParamTypes",
    "Path",
    "PathInfo",
    "Query",
    "QueryInfo",
    "Security",
    "SecurityScopes",
]


class _Unset(enum.Enum):
    """Marks "no default given" (``...`` also means required, as in FastAPI)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        # FastAPI's declarations print pydantic's sentinel for "required"; ported reprs (and tests
        # comparing them) read the same.
        return "PydanticUndefined"

    __str__ = __repr__


UNSET: Any = _Unset.UNSET


def _deprecated(message: str) -> None:
    """A ``FastAPIDeprecationWarning`` pointing at the user's code, the first frame outside fastcore."""
    package = os.path.dirname(__file__) + os.sep
    frame, level = sys._getframe(1), 2  # stacklevel 2: the caller of this function
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    warnings.warn(message, FastAPIDeprecationWarning, stacklevel=level)


class ParamSource(str, enum.Enum):
    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"


_PYDANTIC_OPTIONS = ("union_mode", "fail_fast", "discriminator")
# What a pydantic ``Field(...)`` beside a declaration documents, taken unless the declaration gives it.
_FIELD_DOCS = ("title", "description", "examples", "deprecated")


class ParamInfo:
    """What a parameter declaration says: its default, lookup key, constraints and docs."""

    source: ParamSource = ParamSource.QUERY

    def __init__(
        self,
        default: Any = UNSET,
        *,
        default_factory: Callable[[], Any] | None = None,
        alias: str | None = None,
        validation_alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        multiple_of: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        regex: str | None = None,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        examples: Sequence[Any] | None = None,
        deprecated: bool | str | None = None,
        include_in_schema: bool = True,
        json_schema_extra: dict[str, Any] | None = None,
        openapi_examples: dict[str, Any] | None = None,
        example: Any = UNSET,
        **extra: Any,
    ) -> None:
        if default is not UNSET and default_factory is not None:
            raise TypeError("cannot give both default and default_factory")
        if example is not UNSET:
            _deprecated("`example` has been deprecated, please use `examples` instead")
        if regex is not None:
            _deprecated("`regex` has been deprecated, please use `pattern` instead")
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.validation_alias = validation_alias
        self.title = title
        self.description = description
        self.gt = gt
        self.ge = ge
        self.lt = lt
        self.le = le
        self.multiple_of = multiple_of
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern if pattern is not None else regex
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self.examples = examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.json_schema_extra = json_schema_extra
        self.openapi_examples = openapi_examples
        self.example = example  # OpenAPI's single `example` (deprecated; UNSET when not given)
        self.extra = extra
        # The keywords the declaration gave, when known (``Query(alias=None)`` clears a pydantic
        # ``Field(alias=...)`` beside it); None: those whose value is not None.
        self.given: frozenset[str] | None = None

    @property
    def request_alias(self) -> str | None:
        """The name a request uses for the parameter, if not its own: ``validation_alias`` wins over
        ``alias`` (pydantic's precedence for validation; ``AliasPath``/``AliasChoices`` are not read)."""
        if isinstance(self.validation_alias, str):
            return self.validation_alias
        choices = self.alias_choices
        return choices[0] if choices else self.alias

    @property
    def alias_choices(self) -> tuple[str, ...]:
        """The names of pydantic's ``validation_alias=AliasChoices("a", "b")``, in order of preference
        (the first one present is read; errors of a missing value name the first); () otherwise, and
        for choices that are ``AliasPath``s."""
        choices = getattr(self.validation_alias, "choices", None)
        if isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices):
            return tuple(choices)
        return ()

    @property
    def pydantic_options(self) -> dict[str, Any]:
        """The declaration's options only pydantic applies (FastAPI passes them to its ``Field``):
        ``union_mode``, ``fail_fast``, ``discriminator``.  A parameter or body declaring one is
        validated by pydantic when the app uses it."""
        return {k: self.extra[k] for k in _PYDANTIC_OPTIONS if self.extra.get(k) is not None}

    def gives(self, name: str) -> bool:
        """Whether the declaration itself sets ``name`` (``alias``, ``title``...)."""
        return name in self.given if self.given is not None else getattr(self, name) is not None

    def with_field(self, field: Any) -> ParamInfo:
        """This declaration completed by a pydantic ``Field(...)`` beside it in ``Annotated``, as
        FastAPI merges them: what the declaration gives wins (``alias=None`` too); the field gives
        the rest — its alias, a validation alias of its own, docs, its default or default factory.
        The shared declaration is left as it is."""
        given = getattr(field, "_attributes_set", {})
        merged = copy.copy(self)
        for name in _FIELD_DOCS:
            if name in given and not self.gives(name):
                setattr(merged, name, given[name])
        extra = given.get("json_schema_extra")
        if isinstance(extra, dict) and (not self.gives("json_schema_extra") or self.json_schema_extra):
            # A declaration's own extras are laid over the field's; ``json_schema_extra=None`` clears.
            merged.json_schema_extra = {**extra, **(self.json_schema_extra or {})}
        if not self.gives("alias") and isinstance(given.get("alias"), str):
            merged.alias = given["alias"]
        field_alias = given.get("validation_alias")
        if field_alias is not None and not self.gives("validation_alias") and (
                not self.gives("alias") or field_alias != given.get("alias")):
            merged.validation_alias = field_alias
        if self.default is UNSET and self.default_factory is None:
            if given.get("default_factory") is not None:
                merged.default_factory = given["default_factory"]
            elif "default" in given and given["default"] is not Ellipsis:
                merged.default = given["default"]
        return merged

    @property
    def required(self) -> bool:
        return (self.default is UNSET or self.default is Ellipsis) and self.default_factory is None

    def __repr__(self) -> str:
        # FastAPI's form: the public class name (``Query``, not ``QueryInfo``; a user's subclass keeps
        # its own name) and the default's ``str`` -- ``...`` is "required" too.
        cls = type(self)
        name = cls.__name__.removesuffix("Info") if cls.__module__ == __name__ else cls.__name__
        default = UNSET if self.default is Ellipsis else self.default
        return f"{name}({default})"


class PathInfo(ParamInfo):
    source = ParamSource.PATH

    def __init__(self, default: Any = UNSET, **kwargs: Any) -> None:
        # Path parameters are always required: the route cannot match without them.
        super().__init__(default, **kwargs)


class QueryInfo(ParamInfo):
    source = ParamSource.QUERY


class HeaderInfo(ParamInfo):
    source = ParamSource.HEADER

    def __init__(self, default: Any = UNSET, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.convert_underscores = convert_underscores


class CookieInfo(ParamInfo):
    source = ParamSource.COOKIE


class BodyInfo(ParamInfo):
    source = ParamSource.BODY

    def __init__(
        self,
        default: Any = UNSET,
        *,
        embed: bool | None = None,
        media_type: str = "application/json",
        **kwargs: Any,
    ) -> None:
        super().__init__(default, **kwargs)
        self.embed = embed
        self.media_type = media_type


class FormInfo(BodyInfo):
    def __init__(
        self, default: Any = UNSET, *, media_type: str = "application/x-www-form-urlencoded", **kwargs: Any
    ) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class FileInfo(FormInfo):
    def __init__(
        self, default: Any = UNSET, *, media_type: str = "multipart/form-data", **kwargs: Any
    ) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class SecurityScopes:
    """Injected into a dependency: the OAuth2 scopes required by every ``Security`` above it."""

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes: list[str] = list(scopes or ())
        self.scope_str: str = " ".join(self.scopes)


@dataclass(frozen=True)
class Depends:
    """Declares that a parameter's value is the result of calling ``dependency``.

    A frozen dataclass, as FastAPI's: declarations are hashable and ``dataclasses.replace`` works.
    ``scope`` says when a yield dependency's clean-up runs: ``"function"`` as soon as the path
    operation has returned (before the response is sent), ``"request"`` (the default for yield
    dependencies) after the response is sent.  ``max_concurrency`` bounds how many calls of this
    declaration run at once (a yield dependency holds its slot until its clean-up is done).
    """

    dependency: Callable[..., Any] | None = None
    use_cache: bool = True
    scope: Literal["function", "request"] | None = None
    # True: a sync ``dependency`` (and its sub-tree) runs on the event loop, not in a thread.
    run_sync_inline: bool | None = field(default=None, kw_only=True)
    max_concurrency: int | None = field(default=None, kw_only=True)
    # The accounting of ``max_concurrency``: one per declaration, compared by identity, so two
    # declarations with equal arguments (which ``Annotated`` would otherwise merge) stay separate
    # limits; ``replace()`` keeps it when the limit is unchanged.
    _concurrency: DependencyLimit | None = field(default=None, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.scope not in (None, "function", "request"):
            raise ValueError(f'Depends(scope=...) must be "function", "request" or None, not {self.scope!r}')
        limit = self.max_concurrency
        if limit is None:
            object.__setattr__(self, "_concurrency", None)
            return
        if type(limit) is not int or limit < 1:  # not bool, not float
            raise ValueError(f"max_concurrency must be a positive integer or None, not {limit!r}")
        if self._concurrency is None or self._concurrency.max_concurrency != limit:
            object.__setattr__(self, "_concurrency", DependencyLimit(limit))

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", type(self.dependency).__name__)
        cache = "" if self.use_cache else ", use_cache=False"
        scope = "" if self.scope is None else f", scope={self.scope!r}"
        return f"{type(self).__name__}({name}{cache}{scope})"


@dataclass(frozen=True)
class Security(Depends):
    """A dependency that also requires OAuth2 ``scopes`` (collected into ``SecurityScopes``)."""

    scopes: Sequence[str] | None = None


# FastAPI's class names (``fastapi.params.Query`` is the class its ``Query()`` returns), so ported
# ``isinstance`` checks and direct constructions keep working.
Param = ParamInfo
Path = PathInfo
Query = QueryInfo
Header = HeaderInfo
Cookie = CookieInfo
Body = BodyInfo
Form = FormInfo
File = FileInfo
ParamTypes = ParamSource
