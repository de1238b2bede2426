"""OpenID Connect discovery: the scheme documents where the provider's configuration lives."""

from __future__ import annotations

from starlette.requests import Request

from fastcore.exceptions import HTTPException
from fastcore.security.base import SecurityBase, not_authenticated, openapi_object, request_header

__all__ = ["OpenIdConnect"]


class OpenIdConnect(SecurityBase):
    """OpenID Connect, described by the document at ``openIdConnectUrl``.

    The value is the whole ``Authorization`` header (e.g. ``"Bearer <id token>"``), unchecked:
    verifying the token against the provider is the application's job.
    """

    def __init__(
        self,
        *,
        openIdConnectUrl: str,  # camelCase: FastAPI's (and OpenAPI's) spelling
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            openapi_object(type="openIdConnect", openIdConnectUrl=openIdConnectUrl, description=description),
            scheme_name=scheme_name,
            auto_error=auto_error,
        )

    def make_not_authenticated_error(self) -> HTTPException:
        """The error for a missing header; override it to answer differently (e.g. 403)."""
        return not_authenticated("Bearer")

    async def __call__(self, request: Request) -> str | None:
        authorization = request_header(request, "authorization")
        if authorization:
            return authorization
        if self.auto_error:
            raise self.make_not_authenticated_error()
        return None
