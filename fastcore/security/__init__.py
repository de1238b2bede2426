"""Security schemes: dependencies that read credentials from the request and describe themselves
for OpenAPI, with FastAPI's names and behaviour (``from fastcore.security import OAuth2PasswordBearer``).

Missing or unusable credentials answer ``401 {"detail": "Not authenticated"}`` with the scheme's
``WWW-Authenticate`` challenge; with ``auto_error=False`` the dependency's value is ``None`` instead.
"""

from fastcore.security.api_key import APIKeyCookie, APIKeyHeader, APIKeyQuery
from fastcore.security.base import SecurityBase, get_authorization_scheme_param
from fastcore.security.http import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    HTTPDigest,
)
from fastcore.security.oauth2 import (
    OAuth2,
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    OAuth2PasswordRequestFormStrict,
    SecurityScopes,
)
from fastcore.security.open_id_connect_url import OpenIdConnect

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "OpenIdConnect",
    "SecurityBase",
    "SecurityScopes",
    "get_authorization_scheme_param",
]
