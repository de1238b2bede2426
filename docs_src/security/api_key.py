from typing import Annotated

from fastcore import Depends, FastCore, HTTPException, status
from fastcore.security import APIKeyHeader

app = FastCore()

api_key = APIKeyHeader(name="X-API-Key", auto_error=False)
KEYS = {"k-alice": "alice", "k-bob": "bob"}


async def current_user(key: Annotated[str | None, Depends(api_key)]) -> str:
    if key is None or key not in KEYS:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or unknown API key")
    return KEYS[key]


@app.get("/me")
async def me(user: Annotated[str, Depends(current_user)]):
    return {"user": user}
