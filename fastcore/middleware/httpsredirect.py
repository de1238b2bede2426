"""HTTPSRedirectMiddleware (Starlette's)."""

from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware

__all__ = ["HTTPSRedirectMiddleware"]
