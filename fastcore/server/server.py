"""``Server``: bind, run lifespan, serve connections with ``fastcore._http``, shut down gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from .._http import HttpConfig, HttpProtocol, ServerState
from .config import Config
from .lifespan import Lifespan

error_log = logging.getLogger("fastcore.error")

EXIT_STARTUP_FAILED = 3  # the supervisor does not restart a worker that exits with this


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (the design's default), asyncio's loop otherwise."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class Server:
    """One process serving one app.  ``run()`` blocks; ``serve()`` is the coroutine behind it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.state = ServerState()
        self.should_exit = False
        self.force_exit = False
        self.started = threading.Event()  # set once listening (for tests and the gunicorn worker)
        self.exit_code = 0
        self.servers: list[asyncio.AbstractServer] = []
        self.addresses: list[Any] = []
        self.install_signal_handlers = True
        self.on_tick: list[Callable[[], None]] = []  # called about once a second while serving
        self.on_serving: list[Callable[[], None]] = []  # called once, when listening (the supervisor)
        self._exit_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, sockets: list[socket.socket] | None = None) -> int:
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.serve(sockets))
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            asyncio.set_event_loop(None)
        return self.exit_code

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        config = self.config
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._exit_event = asyncio.Event()
        if self.should_exit:
            self._exit_event.set()
        try:
            app = config.load_app()
        except Exception as exc:
            # The traceback shows where the app's own code failed; not for a mistyped module name.
            mistyped = isinstance(exc, ModuleNotFoundError) and isinstance(config.app, str) \
                and exc.name == config.app.partition(":")[0]
            error_log.error("Error loading ASGI app %r: %s: %s", config.app, type(exc).__name__, exc,
                            exc_info=None if mistyped else exc)
            self.exit_code = 1
            return
        lifespan_state: dict[str, Any] = {}
        lifespan = Lifespan(app, config.lifespan, lifespan_state)
        self._install_signals(loop)
        try:
            if not await lifespan.startup():
                error_log.error("Server not started: the application's startup failed")
                self.exit_code = EXIT_STARTUP_FAILED
                return
            await self._start(app, lifespan_state, sockets)
            self.started.set()
            for callback in self.on_serving:
                callback()
            ticker = loop.create_task(self._tick())
            await self._exit_event.wait()
            ticker.cancel()
            await self._shutdown()
            await lifespan.shutdown()
        finally:
            self._remove_signals(loop)
            self.started.set()

    async def _start(
        self, app: Any, state: dict[str, Any], sockets: list[socket.socket] | None
    ) -> None:
        config = self.config
        loop = asyncio.get_running_loop()
        ws_factory = self._ws_factory(app, loop) if config.ws != "none" else None
        http_config = HttpConfig(
            app,
            loop,
            root_path=config.root_path,
            state=state,
            max_header_bytes=config.max_header_bytes,
            max_header_count=config.max_header_count,
            max_url_length=config.max_url_length,
            max_body_size=config.max_body_size,
            timeout_keep_alive=config.timeout_keep_alive,
            timeout_request_head=config.timeout_request_head,
            timeout_request_body=config.timeout_request_body,
            timeout_send=config.timeout_send,
            limit_concurrency=config.limit_concurrency,
            access_log=config.access_log,
            server_header=config.server_header,
            default_headers=config.encoded_headers(),
            ws_factory=ws_factory,
            coalesce_writes=config.coalesce_writes,
        )
        server_state = self.state

        def protocol_factory() -> HttpProtocol:
            return HttpProtocol(http_config, server_state)

        ssl_context = config.ssl_context()
        if sockets is None:
            sockets = [config.bind_socket()]
        for sock in sockets:
            server = await loop.create_server(
                protocol_factory, sock=sock, ssl=ssl_context, backlog=config.backlog
            )
            self.servers.append(server)
            self.addresses.append(sock.getsockname())
        if not config.workers > 1:
            for addr in self.addresses:
                error_log.info("Listening on %s (Ctrl+C to quit)", describe_address(addr, config.is_ssl))

    def _ws_factory(self, app: Any, loop: asyncio.AbstractEventLoop) -> Any:
        config = self.config
        try:
            from .websocket import WebSocketProtocol, WebSocketSettings
        except ImportError:
            if config.ws == "websockets":
                raise
            error_log.warning("WebSocket support is off: install the 'websockets' package")
            return None
        settings = WebSocketSettings(
            app, loop, self.state, config.ws_max_size, config.ws_ping_interval, config.ws_ping_timeout,
            config.ws_per_message_deflate,
        )

        def factory(
            transport: asyncio.Transport,
            scope: dict[str, Any],
            target: bytes,
            headers: list[tuple[bytes, bytes]],
            tail: bytes,
        ) -> WebSocketProtocol:
            return WebSocketProtocol(settings, scope, target, headers, tail)

        return factory

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            for callback in self.on_tick:
                callback()

    async def _shutdown(self) -> None:
        # 1. Stop accepting.  2. Idle keep-alive connections close now, busy ones after their
        # response.  3. Wait for in-flight requests up to the grace period.  4. Force the rest.
        for server in self.servers:
            server.close()
        for conn in list(self.state.connections):
            conn.shutdown()
        deadline = asyncio.get_running_loop().time() + self.config.timeout_graceful_shutdown
        while self.state.connections or self.state.tasks:
            if self.force_exit or asyncio.get_running_loop().time() >= deadline:
                error_log.warning(
                    "Graceful shutdown timed out: closing %d connections, cancelling %d tasks",
                    len(self.state.connections), len(self.state.tasks),
                )
                break
            await asyncio.sleep(0.02)
        for conn in list(self.state.connections):
            conn.force_close()
        for task in list(self.state.tasks):
            task.cancel()
        if self.state.tasks:
            await asyncio.wait(list(self.state.tasks), timeout=1.0)
        for server in self.servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)
        if self.config.uds:
            with contextlib.suppress(OSError):
                os.unlink(self.config.uds)

    # -- signals ----------------------------------------------------------------------------------

    def handle_exit(self, sig: int | None = None) -> None:
        """Begin a graceful shutdown (a second SIGINT forces it)."""
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True
        loop, event = self._loop, self._exit_event
        if loop is not None and event is not None:
            # A server that has already stopped has closed its loop: nothing left to wake.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self.install_signal_handlers or threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.handle_exit, sig)

    def _remove_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self.install_signal_handlers or threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)


def describe_address(addr: Any, is_ssl: bool) -> str:
    if isinstance(addr, str) or isinstance(addr, bytes):
        return f"unix socket {addr!r}"
    host, port = addr[0], addr[1]
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if is_ssl else 'http'}://{host}:{port}"


def run(app: Any, **options: Any) -> int:
    """Programmatic entry point: ``fastcore.server.run("main:app", port=8000, workers=4)``."""
    config = Config(app=app, **options)
    config.validate()
    config.configure_logging()
    if config.workers > 1 or config.reload:
        from .supervisor import Supervisor

        return Supervisor(config).run()
    return Server(config).run()


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `fastcore run module:app`")
