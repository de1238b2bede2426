# Before: from fastapi import Depends, FastAPI, HTTPException
from fastcore import Depends, FastAPI, HTTPException

app = FastAPI()


def get_limit(limit: int = 10) -> int:
    if limit > 100:
        raise HTTPException(400, "limit too large")
    return limit


@app.get("/numbers")
def numbers(limit: int = Depends(get_limit)):
    return list(range(limit))
