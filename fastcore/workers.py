"""``gunicorn -k fastcore.workers.FastCoreWorker module:app``: fastcore's server under gunicorn.

gunicorn (optional) manages the processes and the listening sockets; each worker runs one
:class:`fastcore.server.Server` on them.  gunicorn's settings map onto ours where they mean the
same thing: ``keepalive`` -> ``timeout_keep_alive``, ``limit_request_line`` -> ``max_url_length``,
``limit_request_fields`` -> ``max_header_count``, ``graceful_timeout`` ->
``timeout_graceful_shutdown``, ``worker_connections`` -> ``limit_concurrency``.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any, ClassVar

from gunicorn.workers.base import Worker  # type: ignore[import-untyped]

from .server import Config, Server
from .server.server import new_event_loop


class FastCoreWorker(Worker):  # type: ignore[misc]
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {}  # extra Config options, for subclasses

    def init_signals(self) -> None:
        # The server installs its own SIGINT/SIGTERM handlers on the loop; reset gunicorn's.
        for sig in self.SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)

    def run(self) -> None:
        cfg = self.cfg
        config = Config(
            app=self.wsgi,
            timeout_keep_alive=float(cfg.keepalive),
            timeout_graceful_shutdown=float(cfg.graceful_timeout),
            max_url_length=int(cfg.limit_request_line) or Config.max_url_length,
            max_header_count=int(cfg.limit_request_fields) or Config.max_header_count,
            limit_concurrency=int(cfg.worker_connections or 0),
            access_log=bool(cfg.accesslog),
            forwarded_allow_ips=",".join(cfg.forwarded_allow_ips)
            if isinstance(cfg.forwarded_allow_ips, list)
            else str(cfg.forwarded_allow_ips),
            **self.CONFIG_KWARGS,
        )
        server = Server(config)
        server.on_tick.append(self._tick(server))
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve([s.sock for s in self.sockets]))
        finally:
            loop.close()
        if server.exit_code:
            raise SystemExit(server.exit_code)

    def _tick(self, server: Server) -> Any:
        def tick() -> None:
            self.notify()  # gunicorn's heartbeat
            if self.ppid != os.getppid():
                self.log.info("Parent changed, shutting down: %s", self)
                server.handle_exit()

        return tick
