"""An app served over loopback by tests/test_executor.py: sync dependencies that call back into the loop."""

import threading

import anyio.from_thread

from fastcore import Depends, FastCore

app = FastCore()


async def on_loop() -> int:
    return threading.get_ident()


def calls_back() -> dict[str, int]:
    # From a worker thread, back into the event loop through anyio's worker-thread token.
    return {"dep": threading.get_ident(), "loop": anyio.from_thread.run(on_loop)}


@app.get("/from-thread")
def from_thread(ids: dict[str, int] = Depends(calls_back)) -> dict[str, int]:
    return {**ids, "handler": threading.get_ident()}
