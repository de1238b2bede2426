"""The OpenAPI 3.1 document (``get_openapi``) and the interactive documentation pages (``docs``)."""

from fastcore.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastcore.openapi.utils import generate_unique_id, get_openapi

__all__ = [
    "generate_unique_id",
    "get_openapi",
    "get_redoc_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
]
