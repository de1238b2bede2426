"""What every security scheme shares: its OpenAPI description, its name, and the 401 it answers with.

A scheme is a dependency object: ``Depends(scheme)`` (or ``Security(scheme, scopes=[...])``) calls
its ``async __call__(request)``, which reads the credentials from the request and returns them, or
refuses the request with ``401 {"detail": "Not authenticated"}`` and a ``WWW-Authenticate``
challenge (RFC 9110 §11.6.1 requires one on every 401).  With ``auto_error=False`` it returns
``None`` instead, so an endpoint can accept one of several schemes, or none.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from fastcore._params import scope_header
from fastcore.exceptions import HTTPException

__all__ = [
    "NOT_AUTHENTICATED",
    "SecurityBase",
    "get_authorization_scheme_param",
    "not_authenticated",
    "openapi_object",
]

NOT_AUTHENTICATED = "Not authenticated"


class SecurityBase:
    """Base of the security schemes.

    ``model`` is the scheme's OpenAPI *Security Scheme Object*, ready to be written as JSON (keys
    whose value would be null are left out); ``scheme_name`` is its key under
    ``components.securitySchemes`` (the class name unless one is given).
    """

    model: dict[str, Any]
    scheme_name: str
    auto_error: bool

    def __init__(self, model: dict[str, Any], *, scheme_name: str | None, auto_error: bool) -> None:
        self.model = model
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scheme_name={self.scheme_name!r}, auto_error={self.auto_error!r})"


def openapi_object(**members: Any) -> dict[str, Any]:
    """``members`` without the ones that are ``None`` (OpenAPI omits absent fields, it has no nulls)."""
    return {key: value for key, value in members.items() if value is not None}


def not_authenticated(challenge: str) -> HTTPException:
    """The 401 a scheme raises: the same body for every scheme, the scheme's own challenge."""
    return HTTPException(401, NOT_AUTHENTICATED, headers={"WWW-Authenticate": challenge})


_HEADERS_PROPERTY = HTTPConnection.headers


def request_header(request: HTTPConnection, name: str) -> str | None:
    """``request.headers.get(name)``, ``name`` in lower case.

    PERF: for a Starlette request whose headers are its scope's (the property not overridden, no
    ``Headers`` object made yet, which a middleware could have replaced), one C scan of the scope's
    list, without building a ``Headers`` object for one value.
    """
    if type(request).headers is _HEADERS_PROPERTY and "_headers" not in vars(request):
        scope = request.scope
        if type(scope) is dict:
            return scope_header(scope, name.encode("latin-1"))
    return request.headers.get(name)


def get_authorization_scheme_param(authorization: str | None) -> tuple[str, str]:
    """``("Bearer", "abc")`` for ``"Bearer abc"``: split at the first space, the rest stripped.

    A missing or empty header gives ``("", "")``; a header without a space is all scheme.  The
    scheme's case is kept: callers compare it case-insensitively (RFC 9110 §11.1).
    """
    if not authorization:
        return "", ""
    scheme, _, param = authorization.partition(" ")
    return scheme, param.strip()
