"""Data structures of the API: FastAPI's ``fastapi.datastructures`` names.

``Default``/``DefaultPlaceholder`` mark a keyword argument the caller did not give, so that an outer
router's choice (``include_router(..., default_response_class=...)``) may replace it; the request
data structures are Starlette's.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from starlette.datastructures import URL, Address, FormData, Headers, QueryParams, State, UploadFile

__all__ = [
    "URL",
    "Address",
    "Default",
    "DefaultPlaceholder",
    "DefaultType",
    "FormData",
    "Headers",
    "QueryParams",
    "State",
    "UploadFile",
]

T = TypeVar("T")
DefaultType = TypeVar("DefaultType")


class DefaultPlaceholder(Generic[T]):
    """A value that was not given explicitly, so an outer router's choice may replace it."""

    def __init__(self, value: T) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DefaultPlaceholder) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def Default(value: DefaultType) -> Any:
    """``value``, marked as a default the caller did not choose."""
    return DefaultPlaceholder(value)
