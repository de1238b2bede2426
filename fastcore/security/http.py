"""HTTP authentication schemes (RFC 9110 §11): Basic, Bearer, Digest and any other scheme name.

Each reads the ``Authorization`` header.  Checking the credentials is the application's job:
compare secrets with ``secrets.compare_digest`` on bytes, never with ``==``, so that how long the
comparison takes does not tell an attacker how much of a guess was right.
"""

from __future__ import annotations

import base64
import binascii

import msgspec
from starlette.requests import Request

from fastcore.exceptions import HTTPException
from fastcore.security.base import (
    NOT_AUTHENTICATED,
    SecurityBase,
    get_authorization_scheme_param,
    openapi_object,
    request_header,
)

__all__ = [
    "HTTPAuthorizationCredentials",
    "HTTPBase",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
]


class HTTPBasicCredentials(msgspec.Struct, kw_only=True):
    """The user name and password of a Basic ``Authorization`` header."""

    username: str
    password: str


class HTTPAuthorizationCredentials(msgspec.Struct, kw_only=True):
    """An ``Authorization`` header split into its scheme (case as sent) and its credentials."""

    scheme: str
    credentials: str


class HTTPBase(SecurityBase):
    """Any HTTP authentication scheme: the value is the header's scheme and credentials, unchecked."""

    def __init__(
        self,
        *,
        scheme: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            openapi_object(type="http", scheme=scheme, description=description),
            scheme_name=scheme_name,
            auto_error=auto_error,
        )
        self.scheme = scheme

    def make_authenticate_headers(self) -> dict[str, str]:
        """The challenge of a 401: the scheme's name, capitalised (``Bearer``, ``Digest``)."""
        return {"WWW-Authenticate": self.scheme.title()}

    def make_not_authenticated_error(self) -> HTTPException:
        """The error for missing or unusable credentials; override it to answer differently."""
        return HTTPException(401, NOT_AUTHENTICATED, headers=self.make_authenticate_headers())

    def _refuse(self) -> None:
        if self.auto_error:
            raise self.make_not_authenticated_error()

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        authorization = request_header(request, "authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (scheme and credentials):
            self._refuse()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBasic(HTTPBase):
    """HTTP Basic (RFC 7617): the value is ``HTTPBasicCredentials(username, password)``.

    A missing header or another scheme is refused (or ``None`` with ``auto_error=False``).  A Basic
    header that cannot be decoded — not base64, not ASCII, no ``:`` — is always a 401, whatever
    ``auto_error`` says: the client did try Basic, and got it wrong.  As in FastAPI, only ASCII
    user names and passwords are accepted.

    Check the password with ``secrets.compare_digest(given.encode(), expected.encode())``.
    """

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme="basic", scheme_name=scheme_name, description=description, auto_error=auto_error
        )
        self.realm = realm

    def make_authenticate_headers(self) -> dict[str, str]:
        # RFC 7617 §2: the realm names the protection space; browsers show it in their prompt.
        if self.realm:
            return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return {"WWW-Authenticate": "Basic"}

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        authorization = request_header(request, "authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if scheme.lower() != "basic":
            self._refuse()
            return None
        try:
            # Non-alphabet characters are skipped, not refused, as FastAPI's b64decode does.
            decoded = base64.b64decode(param).decode("ascii")
        except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
            raise self.make_not_authenticated_error() from None
        username, colon, password = decoded.partition(":")
        if not colon:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)


class _SchemeChecked(HTTPBase):
    """A scheme whose value is the header's credentials, refused when the scheme name differs."""

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        authorization = request_header(request, "authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (scheme and credentials) or scheme.lower() != self.scheme:
            self._refuse()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBearer(_SchemeChecked):
    """HTTP Bearer (RFC 6750): the value is ``HTTPAuthorizationCredentials`` with the token.

    ``bearerFormat`` is only documentation (e.g. ``"JWT"``); the token is not checked here.
    """

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,  # camelCase: FastAPI's (and OpenAPI's) spelling
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme="bearer", scheme_name=scheme_name, description=description, auto_error=auto_error
        )
        self.model = openapi_object(
            type="http", scheme="bearer", bearerFormat=bearerFormat, description=description
        )


class HTTPDigest(_SchemeChecked):
    """HTTP Digest (RFC 7616): the value is ``HTTPAuthorizationCredentials``; the digest is not checked."""

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme="digest", scheme_name=scheme_name, description=description, auto_error=auto_error
        )
