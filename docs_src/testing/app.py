from fastcore import FastCore

app = FastCore()
COUNTER = {"value": 0}


@app.post("/counter/increment")
async def increment(by: int = 1):
    COUNTER["value"] += by
    return COUNTER
