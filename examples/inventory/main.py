"""The inventory service: register, log in (OAuth2 password flow), manage items, place orders.

Serve it (SQLite file ``inventory.db`` in the working directory, tables created on start)::

    fastcore run examples/inventory/main.py

On PostgreSQL, create the tables once, then serve::

    export DATABASE_URL=postgresql+asyncpg://shop:secret@127.0.0.1/shop
    python -m examples.inventory.db create
    fastcore run examples/inventory/main.py

``INVENTORY_CREATE_SCHEMA=1`` (or ``0``) turns creating the tables on start on (off); it defaults to
on for the embedded SQLite database and off when ``DATABASE_URL`` is set.  Then::

    curl -X POST localhost:8000/users -H 'content-type: application/json' \\
         -d '{"username": "ann", "password": "correct horse"}'
    curl -X POST localhost:8000/token -d 'username=ann&password=correct horse'
    curl localhost:8000/items -H 'authorization: Bearer <access_token>'
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from fastcore import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from fastcore.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

from . import auth
from .db import (
    AccessToken,
    Item,
    Order,
    OrderLine,
    User,
    create_schema,
    database_url,
    make_engine,
    make_sessions,
    utcnow,
)
from .schemas import (
    ItemCreate,
    ItemOut,
    ItemPage,
    ItemUpdate,
    OrderCreate,
    OrderOut,
    OrderPage,
    Token,
    UserCreate,
    UserOut,
)


# --8<-- [start:session]
async def session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; rolled back if the request fails before committing."""
    sessions: async_sessionmaker[AsyncSession] = request.state.sessions
    async with sessions() as db:
        yield db


Session = Annotated[AsyncSession, Depends(session)]
# --8<-- [end:session]


# --8<-- [start:current-user]
oauth2 = OAuth2PasswordBearer(tokenUrl="token")


async def current_user(db: Session, token: Annotated[str, Depends(oauth2)]) -> User:
    row = await db.scalar(
        select(AccessToken).where(
            AccessToken.token_hash == auth.token_hash(token), AccessToken.expires_at > utcnow()
        )
    )
    if row is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
        )
    return row.user


CurrentUser = Annotated[User, Depends(current_user)]
# --8<-- [end:current-user]


# --8<-- [start:paging]
MAX_PAGE = 100


class PageParams:
    """limit/offset with bounds, shared by every list."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


Paging = Annotated[PageParams, Depends()]
# --8<-- [end:paging]


# --8<-- [start:not-found]
def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found")
# --8<-- [end:not-found]


# -- users and tokens ------------------------------------------------------------------------------

users = APIRouter(tags=["users"])


# --8<-- [start:register-login]
@users.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserOut)
async def register(body: UserCreate, db: Session) -> UserOut:
    user = User(username=body.username, full_name=body.full_name,
                password_hash=await auth.hash_password(body.password))
    db.add(user)
    try:
        await db.commit()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, "username already taken") from None
    return UserOut.model_validate(user)


@users.post("/token", response_model=Token)
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: Session) -> Token:
    user = await db.scalar(select(User).where(User.username == form.username))
    # Verify even for an unknown name (against a dummy hash): both failures take as long.
    valid = await auth.verify_password(user.password_hash if user else None, form.password)
    if user is None or not valid:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token, digest = auth.new_token()
    db.add(AccessToken(token_hash=digest, user_id=user.id, expires_at=utcnow() + auth.TOKEN_LIFETIME))
    await db.commit()
    return Token(access_token=token, expires_in=int(auth.TOKEN_LIFETIME.total_seconds()))
# --8<-- [end:register-login]


@users.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(db: Session, user: CurrentUser, token: Annotated[str, Depends(oauth2)]) -> None:
    await db.execute(delete(AccessToken).where(AccessToken.token_hash == auth.token_hash(token)))
    await db.commit()


@users.get("/users/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


# -- items -----------------------------------------------------------------------------------------

items = APIRouter(prefix="/items", tags=["items"])


# --8<-- [start:list-items]
@items.get("", response_model=ItemPage)
async def list_items(
    db: Session, page: Paging, q: Annotated[str | None, Query(max_length=100)] = None
) -> ItemPage:
    """Items by id; ``q`` keeps those whose name contains it (any case; % and _ are literal)."""
    where = [Item.name.icontains(q, autoescape=True)] if q else []
    total = await db.scalar(select(func.count()).select_from(Item).where(*where)) or 0
    rows = await db.scalars(
        select(Item).where(*where).order_by(Item.id).limit(page.limit).offset(page.offset)
    )
    return ItemPage(total=total, limit=page.limit, offset=page.offset,
                    items=[ItemOut.model_validate(item) for item in rows])
# --8<-- [end:list-items]


# --8<-- [start:read-create-item]
@items.get("/{item_id}", response_model=ItemOut)
async def read_item(item_id: int, db: Session) -> ItemOut:
    item = await db.get(Item, item_id)
    if item is None:
        raise not_found("item")
    return ItemOut.model_validate(item)


@items.post("", status_code=status.HTTP_201_CREATED, response_model=ItemOut)
async def create_item(body: ItemCreate, db: Session, user: CurrentUser) -> ItemOut:
    item = Item(**body.model_dump())
    db.add(item)
    try:
        await db.commit()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, f"an item with sku {body.sku!r} exists") from None
    return ItemOut.model_validate(item)
# --8<-- [end:read-create-item]


@items.patch("/{item_id}", response_model=ItemOut)
async def update_item(item_id: int, body: ItemUpdate, db: Session, user: CurrentUser) -> ItemOut:
    item = await db.get(Item, item_id)
    if item is None:
        raise not_found("item")
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{field} cannot be null")
        setattr(item, field, value)
    try:
        await db.commit()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, f"an item with sku {body.sku!r} exists") from None
    return ItemOut.model_validate(item)


@items.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(item_id: int, db: Session, user: CurrentUser) -> None:
    item = await db.get(Item, item_id)
    if item is None:
        raise not_found("item")
    await db.delete(item)
    try:
        await db.commit()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, "the item is in orders; it cannot be deleted") from None


# -- orders ----------------------------------------------------------------------------------------

orders = APIRouter(prefix="/orders", tags=["orders"])


def order_out(order: Order) -> OrderOut:
    total = sum(line.quantity * line.unit_price_cents for line in order.lines)
    return OrderOut.model_validate({"id": order.id, "created_at": order.created_at,
                                    "lines": order.lines, "total_cents": total})


# --8<-- [start:place-order]
@orders.post("", status_code=status.HTTP_201_CREATED, response_model=OrderOut)
async def place_order(body: OrderCreate, db: Session, user: CurrentUser) -> OrderOut:
    wanted: dict[int, int] = {}
    for line in body.lines:
        wanted[line.item_id] = wanted.get(line.item_id, 0) + line.quantity
    order = Order(user_id=user.id, created_at=utcnow())
    # In item order, so two orders on the same items lock their rows in the same order (PostgreSQL).
    for item_id in sorted(wanted):
        quantity = wanted[item_id]
        # One conditional UPDATE takes the stock: two concurrent orders cannot both get the last unit.
        price = await db.scalar(
            update(Item).where(Item.id == item_id, Item.stock >= quantity)
            .values(stock=Item.stock - quantity).returning(Item.price_cents)
        )
        if price is None:
            await db.rollback()
            if await db.get(Item, item_id) is None:
                raise not_found(f"item {item_id}")
            raise HTTPException(status.HTTP_409_CONFLICT, f"not enough stock of item {item_id}")
        order.lines.append(OrderLine(item_id=item_id, quantity=quantity, unit_price_cents=price))
    db.add(order)
    await db.commit()
    return order_out(order)
# --8<-- [end:place-order]


@orders.get("", response_model=OrderPage)
async def list_orders(db: Session, user: CurrentUser, page: Paging) -> OrderPage:
    mine = Order.user_id == user.id
    total = await db.scalar(select(func.count()).select_from(Order).where(mine)) or 0
    rows = await db.scalars(
        select(Order).where(mine).options(selectinload(Order.lines))
        .order_by(Order.id.desc()).limit(page.limit).offset(page.offset)
    )
    return OrderPage(total=total, limit=page.limit, offset=page.offset, items=[order_out(o) for o in rows])


@orders.get("/{order_id}", response_model=OrderOut)
async def read_order(order_id: int, db: Session, user: CurrentUser) -> OrderOut:
    order = await db.scalar(
        select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
    )
    # Another user's order is "not found" too: ids of others' orders are not disclosed.
    if order is None or order.user_id != user.id:
        raise not_found("order")
    return order_out(order)


# -- the app ---------------------------------------------------------------------------------------


# --8<-- [start:create-app]
def create_app(url: str | None = None, *, create_tables: bool | None = None) -> FastAPI:
    """The service on ``url`` (default: ``DATABASE_URL``, else the SQLite file)."""
    url = url or database_url()
    if create_tables is None:
        flag = os.environ.get("INVENTORY_CREATE_SCHEMA")
        create_tables = flag == "1" if flag in ("0", "1") else "DATABASE_URL" not in os.environ

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        engine = make_engine(url)
        try:
            if create_tables:
                await create_schema(engine)
            yield {"sessions": make_sessions(engine)}
        finally:
            await engine.dispose()

    app = FastAPI(title="Inventory", version="1.0.0", lifespan=lifespan)
    for router in (users, items, orders):
        app.include_router(router)
    return app


app = create_app()
# --8<-- [end:create-app]
