"""Helpers shared by the security schemes (``fastapi.security.utils`` ports by an import change)."""

from fastcore.security.base import get_authorization_scheme_param

__all__ = ["get_authorization_scheme_param"]
