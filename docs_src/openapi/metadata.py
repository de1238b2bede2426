import msgspec

from fastcore import APIRouter, FastCore

app = FastCore(title="Bookshop", version="2.1.0", description="Books and the shelves they sit on.")
router = APIRouter(prefix="/books", tags=["books"])


class Book(msgspec.Struct):
    id: int
    title: str


@router.get("/{book_id}", summary="Read one book", responses={404: {"description": "No such book"}})
async def read_book(book_id: int) -> Book:
    return Book(id=book_id, title="Dune")


@router.get("/internal/stats", include_in_schema=False)
async def stats():
    return {"books": 1}


app.include_router(router)
