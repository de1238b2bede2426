from pydantic import BaseModel, Field

from fastcore import FastCore

app = FastCore()


class Order(BaseModel):
    product: str
    quantity: int = Field(gt=0, le=100)
    note: str | None = None


class Receipt(BaseModel):
    product: str
    quantity: int
    total_cents: int


PRICES = {"tea": 350, "coffee": 420}


@app.post("/orders", status_code=201)
async def place_order(order: Order) -> Receipt:
    unit = PRICES.get(order.product, 500)
    return Receipt(product=order.product, quantity=order.quantity, total_cents=unit * order.quantity)
