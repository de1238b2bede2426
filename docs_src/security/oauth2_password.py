import secrets
from typing import Annotated

from fastcore import Depends, FastCore, HTTPException
from fastcore.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

app = FastCore()
oauth2 = OAuth2PasswordBearer(tokenUrl="token")

# A demo user store; a real app keeps password hashes (e.g. pwdlib) and signed tokens (e.g. PyJWT).
PASSWORDS = {"alice": "wonderland"}
TOKENS: dict[str, str] = {}


@app.post("/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    expected = PASSWORDS.get(form.username)
    if expected is None or not secrets.compare_digest(expected, form.password):
        raise HTTPException(400, "incorrect username or password")
    token = secrets.token_urlsafe(16)
    TOKENS[token] = form.username
    return {"access_token": token, "token_type": "bearer"}


async def current_user(token: Annotated[str, Depends(oauth2)]) -> str:
    user = TOKENS.get(token)
    if user is None:
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return user


@app.get("/me")
async def me(user: Annotated[str, Depends(current_user)]):
    return {"user": user}
