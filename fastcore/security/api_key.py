"""API keys read from a header, a query parameter or a cookie.

The scheme only reads the key; checking it is the application's job.  Compare it with
``secrets.compare_digest`` (on bytes: ``key.encode()``), never ``==``, so the time taken tells an
attacker nothing about how much of a guess was right.
"""

from __future__ import annotations

from starlette.requests import Request

from fastcore.exceptions import HTTPException
from fastcore.security.base import SecurityBase, not_authenticated, openapi_object, request_header

__all__ = ["APIKeyBase", "APIKeyCookie", "APIKeyHeader", "APIKeyQuery"]


class APIKeyBase(SecurityBase):
    """An API key in the request (``location`` is OpenAPI's ``in``: header, query or cookie).

    There is no standard ``WWW-Authenticate`` challenge for API keys, yet a 401 must carry one
    (RFC 9110 §11.6.1): the challenge sent is ``APIKey``, as FastAPI does.
    """

    #: OpenAPI's ``in``; each subclass names where it reads the key.
    location: str = ""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        model = openapi_object(type="apiKey", description=description, name=name)
        model["in"] = self.location
        super().__init__(model, scheme_name=scheme_name, auto_error=auto_error)
        self.name = name

    def make_not_authenticated_error(self) -> HTTPException:
        """The error for a missing key; override it to answer differently (e.g. 403)."""
        return not_authenticated("APIKey")

    def check_api_key(self, api_key: str | None) -> str | None:
        """The key, or (missing or empty) a 401 / ``None`` depending on ``auto_error``."""
        if api_key:
            return api_key
        if self.auto_error:
            raise self.make_not_authenticated_error()
        return None


class APIKeyQuery(APIKeyBase):
    """An API key in the query parameter ``name``; the dependency's value is the key."""

    location = "query"

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.query_params.get(self.name))


class APIKeyHeader(APIKeyBase):
    """An API key in the header ``name`` (any case); the dependency's value is the key."""

    location = "header"

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request_header(request, self.name.lower()))


class APIKeyCookie(APIKeyBase):
    """An API key in the cookie ``name``; the dependency's value is the key."""

    location = "cookie"

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.cookies.get(self.name))
