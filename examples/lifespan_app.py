"""A lifespan-managed resource: a small connection pool over an in-memory SQLite database.

The app's ``lifespan`` opens the pool before the first request and closes it after the last; the
state it yields (``{"pool": pool}``) reaches every ``request.state`` and ``websocket.state``, and a
yield dependency lends each request one connection.  The notes router brings its own lifespan (a
counter), which fastcore merges into the app's when the router is included, as FastAPI does.

Serve it with ``fastcore run examples.lifespan_app:app``, then try::

    curl -X POST 'http://127.0.0.1:8000/notes?text=hello'
    curl http://127.0.0.1:8000/notes
    curl http://127.0.0.1:8000/pool
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

from fastcore import APIRouter, Depends, FastCore, HTTPException, Query, Request, WebSocket

_databases = itertools.count(1)


class Pool:
    """A fixed number of connections to one shared in-memory database, lent out one at a time."""

    def __init__(self, size: int = 4) -> None:
        # A named shared-cache memory database lives as long as one connection to it is open.
        self.uri = f"file:lifespan_app_{next(_databases)}?mode=memory&cache=shared"
        self.size = size
        self.closed = True
        self._idle: asyncio.Queue[sqlite3.Connection] = asyncio.Queue()
        self._all: list[sqlite3.Connection] = []

    async def open(self) -> None:
        for _ in range(self.size):
            # check_same_thread=False: a connection may be used by sync code in the threadpool.
            conn = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
            self._all.append(conn)
            self._idle.put_nowait(conn)
        self._all[0].execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        self._all[0].commit()
        self.closed = False

    async def close(self) -> None:
        for conn in self._all:
            conn.close()
        self._all.clear()
        self.closed = True

    @property
    def idle(self) -> int:
        return self._idle.qsize()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[sqlite3.Connection]:
        if self.closed:
            raise RuntimeError("the pool is closed")
        conn = await self._idle.get()
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._idle.put_nowait(conn)


class State(TypedDict):
    pool: Pool


@asynccontextmanager
async def lifespan(app: FastCore) -> AsyncIterator[State]:
    pool = Pool(size=4)
    await pool.open()
    try:
        yield {"pool": pool}
    finally:
        await pool.close()


async def get_db(request: Request) -> AsyncIterator[sqlite3.Connection]:
    """One pooled connection for the request, given back when the response has been sent."""
    pool: Pool = request.state.pool
    async with pool.connection() as conn:
        yield conn


Db = Annotated[sqlite3.Connection, Depends(get_db)]


class Stats:
    """What the notes router counts while the app runs; its own lifespan-managed resource."""

    def __init__(self) -> None:
        self.added = 0
        self.running = False


@asynccontextmanager
async def notes_lifespan(app: Any) -> AsyncIterator[dict[str, Stats]]:
    # Entered after the app's lifespan and left before it; its state joins the app's.
    stats = Stats()
    stats.running = True
    try:
        yield {"stats": stats}
    finally:
        stats.running = False


notes = APIRouter(prefix="/notes", tags=["notes"], lifespan=notes_lifespan)


@notes.post("", status_code=201)
async def add_note(
    request: Request, db: Db, text: Annotated[str, Query(min_length=1, max_length=200)]
) -> dict[str, Any]:
    cursor = db.execute("INSERT INTO notes (text) VALUES (?)", (text,))
    request.state.stats.added += 1
    return {"id": cursor.lastrowid, "text": text}


@notes.get("")
async def list_notes(db: Db) -> list[dict[str, Any]]:
    rows = db.execute("SELECT id, text FROM notes ORDER BY id").fetchall()
    return [{"id": row[0], "text": row[1]} for row in rows]


@notes.get("/{note_id}")
async def get_note(db: Db, note_id: int) -> dict[str, Any]:
    row = db.execute("SELECT id, text FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        raise HTTPException(404, "Note not found")
    return {"id": row[0], "text": row[1]}


app = FastCore(lifespan=lifespan)
app.include_router(notes)


@app.get("/pool")
async def pool_status(request: Request) -> dict[str, Any]:
    pool: Pool = request.state.pool
    stats: Stats = request.state.stats
    return {"size": pool.size, "idle": pool.idle, "closed": pool.closed, "notes_added": stats.added}


@app.websocket("/notes/count")
async def count_notes(websocket: WebSocket) -> None:
    """The lifespan state reaches WebSockets too: ``websocket.state.pool``."""
    await websocket.accept()
    pool: Pool = websocket.state.pool
    async with pool.connection() as db:
        (count,) = db.execute("SELECT count(*) FROM notes").fetchone()
    await websocket.send_json({"count": count})
    await websocket.close()
