"""Type aliases of the public API (FastAPI's ``fastapi.types`` names)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DecoratedCallable", "IncEx"]

#: What a route decorator takes and gives back unchanged.
DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])

#: ``response_model_include``/``_exclude``: field names, or nested {name: selection} mappings.
IncEx = set[int] | set[str] | dict[int, Any] | dict[str, Any]
