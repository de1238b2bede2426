from fastcore import FastCore, HTTPException, Request
from fastcore.responses import JSONResponse

app = FastCore()


class OutOfStock(Exception):
    def __init__(self, product: str) -> None:
        self.product = product


@app.exception_handler(OutOfStock)
async def out_of_stock(request: Request, exc: OutOfStock) -> JSONResponse:
    return JSONResponse({"error": "out_of_stock", "product": exc.product}, status_code=409)


STOCK = {"tea": 3, "coffee": 0}


@app.get("/stock/{product}")
async def check_stock(product: str):
    if product not in STOCK:
        raise HTTPException(404, f"no product {product!r}", headers={"X-Known": ",".join(STOCK)})
    if STOCK[product] == 0:
        raise OutOfStock(product)
    return {"product": product, "left": STOCK[product]}
