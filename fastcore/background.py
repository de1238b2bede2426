"""``BackgroundTasks``: run after the response is sent (Starlette's, plus telemetry spans)."""

from __future__ import annotations

import sys

from starlette.background import BackgroundTasks as _StarletteBackgroundTasks

__all__ = ["BackgroundTasks"]

_NATIVE = "fastcore.telemetry._native"


class BackgroundTasks(_StarletteBackgroundTasks):
    """Starlette's ``BackgroundTasks``; in an observed request (``fastcore.telemetry``) each task
    runs in a ``fastapi.background_task`` span, a child of the request's span."""

    async def __call__(self) -> None:
        native = sys.modules.get(_NATIVE)
        request = native.current() if native is not None else None
        if request is None or request.tracer is None:
            await super().__call__()
            return
        for task in self.tasks:
            with native.operation(request, "background_task", task.func):  # type: ignore[union-attr]
                await task()
