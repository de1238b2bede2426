from fastcore import FastCore
from fastcore.middleware.cors import CORSMiddleware

app = FastCore()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://shop.example.com"],
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type"],
)


@app.get("/products")
async def products():
    return ["tea", "coffee"]
