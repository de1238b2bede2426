from typing import Annotated

from fastcore import Depends, FastCore, Query

app = FastCore()

ITEMS = [f"item-{n}" for n in range(1, 26)]


class Page:
    def __init__(self, offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(le=10)] = 5):
        self.offset = offset
        self.limit = limit


async def items_page(page: Annotated[Page, Depends()]) -> dict[str, object]:
    return {"offset": page.offset, "items": ITEMS[page.offset : page.offset + page.limit]}


@app.get("/items")
async def list_items(result: Annotated[dict[str, object], Depends(items_page)]):
    return result
