"""``BackgroundTasks``: run after the response is sent (Starlette's)."""

from starlette.background import BackgroundTasks

__all__ = ["BackgroundTasks"]
