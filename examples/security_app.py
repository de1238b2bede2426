"""Log in with a password, get a signed JWT, use it as a bearer token with OAuth2 scopes.

FastAPI's "OAuth2 with Password (and hashing), Bearer with JWT tokens" tutorial together with its
"OAuth2 scopes" sequel, ported to fastcore (only the imports differ), on PyJWT and pwdlib (Argon2).
Serve it with ``uvicorn examples.security_app:app`` (or ``fastcore run examples.security_app:app``),
then::

    curl -d 'username=johndoe&password=secret&scope=me items' http://127.0.0.1:8000/token
    curl -H 'Authorization: Bearer <access_token>' http://127.0.0.1:8000/users/me/
    curl -H 'Authorization: Bearer <access_token>' http://127.0.0.1:8000/users/me/items/
    curl -u admin:change-me http://127.0.0.1:8000/admin/status   # HTTP Basic, compared in constant time

Tokens are signed with ``SECURITY_APP_SECRET_KEY`` (e.g. from ``openssl rand -hex 32``); without it a
random key is made at start-up, so tokens stop working when the process restarts.
"""

from __future__ import annotations

import datetime
import os
import secrets
from typing import Annotated

import jwt
import msgspec
from pwdlib import PasswordHash

from fastcore import Depends, FastCore, HTTPException, Security, SecurityScopes, status
from fastcore.security import (
    HTTPBasic,
    HTTPBasicCredentials,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
)

SECRET_KEY = os.environ.get("SECURITY_APP_SECRET_KEY") or secrets.token_hex(32)
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30
# Demo only: a real app reads the admin's credentials from its settings, never from the source.
ADMIN_USERNAME = os.environ.get("SECURITY_APP_ADMIN_USERNAME", "admin")
ADMIN_PASSWORD = os.environ.get("SECURITY_APP_ADMIN_PASSWORD", "change-me")

SCOPES = {"me": "Read information about the current user.", "items": "Read the current user's items."}


class User(msgspec.Struct, kw_only=True):
    username: str
    email: str | None = None
    full_name: str | None = None
    disabled: bool = False


class UserInDB(User, kw_only=True):
    hashed_password: str


class Token(msgspec.Struct):
    access_token: str
    token_type: str


class TokenData(msgspec.Struct):
    username: str
    scopes: list[str]


# The recommended Argon2id parameters; hashes carry them, so they can be raised later.
password_hash = PasswordHash.recommended()

# Stands in for a users table: what is stored is the password's hash, never the password.
users_db: dict[str, UserInDB] = {
    "johndoe": UserInDB(
        username="johndoe",
        full_name="John Doe",
        email="johndoe@example.com",
        hashed_password=password_hash.hash("secret"),
    ),
    "alice": UserInDB(
        username="alice",
        full_name="Alice Chains",
        email="alicechains@example.com",
        hashed_password=password_hash.hash("secret2"),
        disabled=True,
    ),
}
# Checked when the user does not exist, so that an unknown name costs as long as a wrong password
# and response times do not reveal which user names exist.
_UNKNOWN_USER_HASH = password_hash.hash(secrets.token_hex(16))

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes=SCOPES)
admin_basic = HTTPBasic(realm="admin")

app = FastCore(title="Security example", version="1.0.0")


def get_user(username: str) -> UserInDB | None:
    return users_db.get(username)


def authenticate_user(username: str, password: str) -> UserInDB | None:
    user = get_user(username)
    if user is None:
        password_hash.verify(password, _UNKNOWN_USER_HASH)
        return None
    if not password_hash.verify(password, user.hashed_password):
        return None
    return user


def create_access_token(data: dict[str, object], expires_delta: datetime.timedelta) -> str:
    claims = {**data, "exp": datetime.datetime.now(datetime.timezone.utc) + expires_delta}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


async def get_current_user(
    security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]
) -> User:
    # RFC 6750 §3: tell the client which scopes this endpoint needs.
    challenge = f'Bearer scope="{security_scopes.scope_str}"' if security_scopes.scopes else "Bearer"

    def refuse(detail: str) -> HTTPException:
        return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": challenge})

    try:
        # Naming the one accepted algorithm refuses tokens that claim "none" or another key type.
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except jwt.InvalidTokenError:
        raise refuse("Could not validate credentials") from None
    username = payload.get("sub")
    granted = payload.get("scopes", [])
    if not isinstance(username, str) or not isinstance(granted, list):
        raise refuse("Could not validate credentials")
    token_data = TokenData(username=username, scopes=[s for s in granted if isinstance(s, str)])
    user = get_user(token_data.username)
    if user is None:
        raise refuse("Could not validate credentials")
    for scope in security_scopes.scopes:
        if scope not in token_data.scopes:
            raise refuse("Not enough permissions")
    # The public view: the password hash never leaves this function.
    return User(username=user.username, email=user.email, full_name=user.full_name, disabled=user.disabled)


async def get_current_active_user(
    current_user: Annotated[User, Security(get_current_user, scopes=["me"])],
) -> User:
    if current_user.disabled:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Inactive user")
    return current_user


@app.post("/token")
async def login_for_access_token(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = authenticate_user(form_data.username, form_data.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Grant only the scopes the API knows; a real app would also check what this user may have.
    scopes = [scope for scope in form_data.scopes if scope in SCOPES]
    access_token = create_access_token(
        {"sub": user.username, "scopes": scopes},
        expires_delta=datetime.timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES),
    )
    return Token(access_token=access_token, token_type="bearer")


@app.get("/users/me/", response_model=User)
async def read_users_me(current_user: Annotated[User, Depends(get_current_active_user)]) -> User:
    return current_user


@app.get("/users/me/items/")
async def read_own_items(
    current_user: Annotated[User, Security(get_current_active_user, scopes=["items"])],
) -> list[dict[str, str]]:
    return [{"item_id": "Foo", "owner": current_user.username}]


@app.get("/status/")
async def read_system_status(current_user: Annotated[User, Security(get_current_user)]) -> dict[str, str]:
    return {"status": "ok"}


@app.get("/admin/status")
async def admin_status(credentials: Annotated[HTTPBasicCredentials, Depends(admin_basic)]) -> dict[str, int]:
    # compare_digest takes as long whatever the input, so timing reveals nothing; both checks run
    # (``&``, not ``and``) for the same reason.
    good_user = secrets.compare_digest(credentials.username.encode(), ADMIN_USERNAME.encode())
    good_password = secrets.compare_digest(credentials.password.encode(), ADMIN_PASSWORD.encode())
    if not (good_user & good_password):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Incorrect username or password",
            headers={"WWW-Authenticate": 'Basic realm="admin"'},
        )
    return {"users": len(users_db)}
