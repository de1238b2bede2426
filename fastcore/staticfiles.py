"""``StaticFiles`` (Starlette's): ``app.mount("/static", StaticFiles(directory="static"))``."""

from starlette.staticfiles import StaticFiles

__all__ = ["StaticFiles"]
