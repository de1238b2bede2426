"""The ASGI ``lifespan`` protocol: startup before the socket accepts, shutdown after it closes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .config import ASGIApp

error_log = logging.getLogger("fastcore.error")

ASGI = {"version": "3.0", "spec_version": "2.0"}


class Lifespan:
    """Runs the app's lifespan task.  ``startup()`` returns False when the app reported a failure."""

    def __init__(self, app: ASGIApp, mode: str, state: dict[str, Any]) -> None:
        self.app = app
        self.mode = mode
        self.state = state
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.startup_done = asyncio.Event()
        self.shutdown_done = asyncio.Event()
        self.failed = False
        self.unsupported = False
        self.error: str = ""
        self.task: asyncio.Task[None] | None = None

    async def startup(self) -> bool:
        if self.mode == "off":
            return True
        self.task = asyncio.get_running_loop().create_task(self._main())
        await self.queue.put({"type": "lifespan.startup"})
        await self.startup_done.wait()
        if self.failed:
            error_log.error("Application startup failed%s", f": {self.error}" if self.error else "")
            return False
        if not self.unsupported:
            error_log.info("Application startup complete")
        return True

    async def shutdown(self) -> bool:
        if self.mode == "off" or self.unsupported or self.task is None or self.task.done():
            return not self.failed
        await self.queue.put({"type": "lifespan.shutdown"})
        await self.shutdown_done.wait()
        if self.failed:
            error_log.error("Application shutdown failed%s", f": {self.error}" if self.error else "")
            return False
        error_log.info("Application shutdown complete")
        return True

    async def _main(self) -> None:
        scope = {"type": "lifespan", "asgi": ASGI, "state": self.state}
        try:
            await self.app(scope, self.receive, self.send)
        except BaseException as exc:
            if not self.startup_done.is_set() and self.mode == "auto":
                # The app raised before answering startup: it does not speak lifespan.
                self.unsupported = True
                error_log.info("ASGI 'lifespan' protocol appears unsupported (%s)", type(exc).__name__)
            else:
                self.failed = True
                self.error = self.error or f"{type(exc).__name__}: {exc}"
                error_log.error("Exception in 'lifespan' protocol", exc_info=exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self.startup_done.set()
            self.shutdown_done.set()

    async def receive(self) -> dict[str, Any]:
        return await self.queue.get()

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            self.startup_done.set()
        elif kind == "lifespan.startup.failed":
            self.failed = True
            self.error = str(message.get("message", ""))
            self.startup_done.set()
        elif kind == "lifespan.shutdown.complete":
            self.shutdown_done.set()
        elif kind == "lifespan.shutdown.failed":
            self.failed = True
            self.error = str(message.get("message", ""))
            self.shutdown_done.set()
        else:
            raise RuntimeError(f"unexpected lifespan message {kind!r}")
