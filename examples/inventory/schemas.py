"""The API's models (pydantic): what clients send and what they get back.

Prices are integer cents, so money is exact in JSON on every backend.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# --8<-- [start:types]
Username = Annotated[str, Field(min_length=3, max_length=32, pattern=r"^[a-z0-9_]+$")]
Sku = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Z0-9-]+$")]
Cents = Annotated[int, Field(ge=0, le=100_000_000)]
Stock = Annotated[int, Field(ge=0, le=1_000_000)]
# --8<-- [end:types]


class UserCreate(BaseModel):
    username: Username
    password: Annotated[str, Field(min_length=8, max_length=128)]
    full_name: Annotated[str | None, Field(max_length=100)] = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str | None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int  # seconds


# --8<-- [start:items]
class ItemCreate(BaseModel):
    sku: Sku
    name: Annotated[str, Field(min_length=1, max_length=100)]
    price_cents: Cents
    stock: Stock = 0


class ItemUpdate(BaseModel):
    """A partial update: only the fields sent change."""

    sku: Sku | None = None
    name: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    price_cents: Cents | None = None
    stock: Stock | None = None


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    price_cents: int
    stock: int
# --8<-- [end:items]


class OrderLineIn(BaseModel):
    item_id: Annotated[int, Field(ge=1)]
    quantity: Annotated[int, Field(ge=1, le=1000)]


class OrderCreate(BaseModel):
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=50)]


class OrderLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_id: int
    quantity: int
    unit_price_cents: int


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    lines: list[OrderLineOut]
    total_cents: int


# --8<-- [start:pages]
class Page(BaseModel):
    total: int
    limit: int
    offset: int


class ItemPage(Page):
    items: list[ItemOut]


class OrderPage(Page):
    items: list[OrderOut]
# --8<-- [end:pages]
