"""OAuth2 (RFC 6749): bearer tokens read from the request, the password-grant token form, scopes.

``OAuth2PasswordBearer`` and ``OAuth2AuthorizationCodeBearer`` return the bearer token of the
``Authorization`` header (RFC 6750 §2.1); validating it (a JWT's signature and expiry, a session
lookup) is the application's job.  Scopes declared with ``Security(dependency, scopes=[...])`` add
up along the dependency tree; a dependency that declares a ``SecurityScopes`` parameter receives
all of them, to check them against the token's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from starlette.requests import Request

from fastcore.dependencies import SecurityScopes
from fastcore.exceptions import HTTPException
from fastcore.param_functions import Form
from fastcore.security.base import (
    SecurityBase,
    get_authorization_scheme_param,
    not_authenticated,
    openapi_object,
    request_header,
)

__all__ = [
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "SecurityScopes",
]


class OAuth2PasswordRequestForm:
    """The form a client posts to the token endpoint in the password grant (RFC 6749 §4.3.2).

    Use it as ``form_data: Annotated[OAuth2PasswordRequestForm, Depends()]``: ``username`` and
    ``password`` are required form fields; ``scope`` is one space-separated string, split into the
    list ``scopes``; ``grant_type`` may be left out, but if sent must be ``password``
    (``OAuth2PasswordRequestFormStrict`` requires it).  ``client_id`` and ``client_secret`` are
    read for clients that send them in the form rather than with HTTP Basic (RFC 6749 §2.3.1).
    """

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """``OAuth2PasswordRequestForm`` that requires ``grant_type=password``, as RFC 6749 §4.3.2 does."""

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        # FastAPI documents the strict form's secrets as plain strings (no "format": "password").
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


class OAuth2(SecurityBase):
    """OAuth2 with the given ``flows`` (OpenAPI's *OAuth Flows Object*); the value is the whole
    ``Authorization`` header.  The subclasses below are what applications normally use."""

    def __init__(
        self,
        *,
        flows: Mapping[str, Mapping[str, Any]] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        clean = {name: openapi_object(**flow) for name, flow in (flows or {}).items()}
        super().__init__(
            openapi_object(type="oauth2", flows=clean, description=description),
            scheme_name=scheme_name,
            auto_error=auto_error,
        )

    def make_not_authenticated_error(self) -> HTTPException:
        """The error for a missing token; override it to answer differently (e.g. 403)."""
        return not_authenticated("Bearer")

    def _refuse(self) -> None:
        if self.auto_error:
            raise self.make_not_authenticated_error()

    async def __call__(self, request: Request) -> str | None:
        authorization = request_header(request, "authorization")
        if not authorization:
            self._refuse()
            return None
        return authorization

    def _bearer_token(self, request: Request) -> str | None:
        scheme, token = get_authorization_scheme_param(request_header(request, "authorization"))
        if scheme.lower() != "bearer":
            self._refuse()
            return None
        # As in FastAPI, "Bearer" with nothing after it gives "": the token check then refuses it.
        return token


class OAuth2PasswordBearer(OAuth2):
    """The password flow: clients get a token by posting ``OAuth2PasswordRequestForm`` to
    ``tokenUrl`` and send it as ``Authorization: Bearer <token>``; the value is the token.

    ``scopes`` maps each scope the API knows to its description, for the documentation.
    """

    def __init__(
        self,
        tokenUrl: str,  # camelCase: FastAPI's (and OpenAPI's) spelling
        scheme_name: str | None = None,
        scopes: Mapping[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,
    ) -> None:
        flow = {"tokenUrl": tokenUrl, "refreshUrl": refreshUrl, "scopes": dict(scopes or {})}
        super().__init__(
            flows={"password": flow}, scheme_name=scheme_name, description=description,
            auto_error=auto_error,
        )

    async def __call__(self, request: Request) -> str | None:
        return self._bearer_token(request)


class OAuth2AuthorizationCodeBearer(OAuth2):
    """The authorization-code flow (users log in at ``authorizationUrl``, the client exchanges the
    code at ``tokenUrl``); the value is the bearer token the client then sends."""

    def __init__(
        self,
        authorizationUrl: str,  # camelCase: FastAPI's (and OpenAPI's) spelling
        tokenUrl: str,
        refreshUrl: str | None = None,
        scheme_name: str | None = None,
        scopes: Mapping[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flow = {
            "authorizationUrl": authorizationUrl,
            "tokenUrl": tokenUrl,
            "refreshUrl": refreshUrl,
            "scopes": dict(scopes or {}),
        }
        super().__init__(
            flows={"authorizationCode": flow}, scheme_name=scheme_name, description=description,
            auto_error=auto_error,
        )

    async def __call__(self, request: Request) -> str | None:
        return self._bearer_token(request)
