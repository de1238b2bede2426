import msgspec

from fastcore import FastCore

app = FastCore()


class Order(msgspec.Struct):
    product: str
    quantity: int
    note: str | None = None


class Receipt(msgspec.Struct):
    product: str
    quantity: int
    total_cents: int


PRICES = {"tea": 350, "coffee": 420}


@app.post("/orders", status_code=201)
async def place_order(order: Order) -> Receipt:
    unit = PRICES.get(order.product, 500)
    return Receipt(product=order.product, quantity=order.quantity, total_cents=unit * order.quantity)
