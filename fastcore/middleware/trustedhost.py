"""TrustedHostMiddleware (Starlette's)."""

from starlette.middleware.trustedhost import TrustedHostMiddleware

__all__ = ["TrustedHostMiddleware"]
