import hashlib
import time

from fastcore import FastCore

app = FastCore()


@app.get("/fast")
async def fast():
    # Never blocks: async def runs on the event loop, no thread hop at all.
    return {"ok": True}


@app.get("/blocking")
def blocking():
    # Blocks (a sleep here, a database driver in real life): def runs in a worker thread.
    time.sleep(0.01)
    return {"ok": True}


@app.get("/digest/{text}", run_sync_inline=True)
def digest(text: str):
    # Short, never-blocking sync code: run_sync_inline=True skips the thread hop.
    return {"sha256": hashlib.sha256(text.encode()).hexdigest()}
