"""The outermost layer of every app: an unhandled exception becomes a 500, then goes on to the server.

Starlette's ``ServerErrorMiddleware`` with the same responses (its plain-text 500, its debug page,
or the app's ``Exception``/500 handler), but it learns whether the response has started from a
compiled ``send`` wrapper (``fastcore._respond.SendWatch``) instead of a coroutine per message.
``FastCore.__call__`` runs the same steps inline, so a request pays for no extra coroutine.
"""

from __future__ import annotations

from typing import Any

from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.middleware import errors
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .._respond import SendWatch

__all__ = ["ServerErrorMiddleware"]


class ServerErrorMiddleware(errors.ServerErrorMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watch = SendWatch(send)
        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            await self.answer(scope, receive, send, watch.started, exc)

    async def answer(self, scope: Scope, receive: Receive, send: Send, started: bool, exc: Exception) -> None:
        """Send the 500 for ``exc`` unless the response had started, then raise ``exc`` again.

        Re-raised so that the server logs it (and TestClient raises it, unless told not to).
        """
        request = Request(scope)
        handler: Any = self.handler  # typed by Starlette as either kind of handler
        response: Response
        if self.debug:
            response = await run_in_threadpool(self.debug_response, request, exc)
        elif handler is None:
            response = self.error_response(request, exc)
        elif is_async_callable(handler):
            response = await handler(request, exc)
        else:
            response = await run_in_threadpool(handler, request, exc)
        if not started:
            await response(scope, receive, send)
        raise exc
