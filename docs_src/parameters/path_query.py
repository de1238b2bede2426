from enum import Enum
from typing import Annotated

from fastcore import FastCore, Path, Query

app = FastCore()


class Shelf(str, Enum):
    fiction = "fiction"
    science = "science"


@app.get("/shelves/{shelf}/books")
async def list_books(
    shelf: Shelf,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=50)] = 10,
    author: str | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
):
    return {"shelf": shelf, "page": page, "per_page": per_page, "author": author, "tags": tag or []}


@app.get("/users/{user_id}")
async def read_user(user_id: Annotated[int, Path(gt=0)]):
    return {"user_id": user_id}


@app.get("/users/me")
async def who_am_i():
    # Declared after /users/{user_id}, yet matched first: a static segment always wins in fastcore.
    return {"user": "the current user"}
