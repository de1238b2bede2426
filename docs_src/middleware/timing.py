import time
from collections.abc import Awaitable, Callable

from fastcore import FastCore, Request, Response
from fastcore.middleware.gzip import GZipMiddleware

app = FastCore()
app.add_middleware(GZipMiddleware, minimum_size=1000)


@app.middleware("http")
async def add_timing(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    start = time.perf_counter()
    response = await call_next(request)
    response.headers["X-Elapsed-Ms"] = f"{(time.perf_counter() - start) * 1000:.3f}"
    return response


@app.get("/report")
async def report():
    return {"rows": ["row"] * 500}
