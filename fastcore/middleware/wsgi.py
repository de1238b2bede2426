"""Serve a WSGI app inside the ASGI app (Starlette's ``WSGIMiddleware``, which Starlette deprecates
in favour of the ``a2wsgi`` package; importing this module shows Starlette's warning)."""

from starlette.middleware.wsgi import WSGIMiddleware

__all__ = ["WSGIMiddleware"]
