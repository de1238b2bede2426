"""Middleware: ``Middleware`` (for ``FastCore(middleware=[...])``) and Starlette's classes re-exported.

``from fastcore.middleware.cors import CORSMiddleware`` and friends work as in FastAPI.
"""

from starlette.middleware import Middleware

__all__ = ["Middleware"]
