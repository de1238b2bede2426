"""GZipMiddleware (Starlette's)."""

from starlette.middleware.gzip import GZipMiddleware

__all__ = ["GZipMiddleware"]
