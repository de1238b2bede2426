"""Server options, their documented defaults, and how the app is loaded.

Every limit has a default here, and ``fastcore run --help`` prints the same defaults.  A value of
``0`` turns a size or concurrency limit off (never the default).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import socket
import ssl
import sys
from dataclasses import dataclass, field
from typing import Any, Literal

ASGIApp = Any  # an ASGI 3 callable: ``async def app(scope, receive, send) -> None``

LOG_LEVELS = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": 5,
}

error_log = logging.getLogger("fastcore.error")


@dataclass
class Config:
    """Every option of the built-in server (the CLI flags are these names with dashes)."""

    app: str | ASGIApp
    host: str = "127.0.0.1"
    port: int = 8000
    uds: str | None = None  # bind a Unix domain socket instead of TCP
    fd: int | None = None  # serve an already-bound listening socket (file descriptor)
    factory: bool = False  # `app` names a zero-argument callable returning the app
    workers: int = 1  # processes sharing one listening socket (a supervisor restarts them)
    reload: bool = False  # restart on source changes (needs `watchfiles`)
    reload_dirs: list[str] = field(default_factory=list)
    log_level: str = "info"
    access_log: bool = False  # one line per request on the "fastcore.access" logger
    proxy_headers: bool = False  # trust X-Forwarded-For/-Proto from `forwarded_allow_ips`
    forwarded_allow_ips: str = "127.0.0.1"  # comma-separated IPs/networks, or "*"
    root_path: str = ""  # ASGI root_path, for apps mounted below a path prefix by a proxy
    ssl_keyfile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile_password: str | None = None
    ssl_ca_certs: str | None = None
    lifespan: Literal["auto", "on", "off"] = "auto"
    backlog: int = 2048  # listen(2) queue length
    limit_concurrency: int = 0  # max connections / in-flight requests before 503 (0 = no limit)
    # Request-head bytes (all header lines) -> 431.  64 KiB, as h11 (uvicorn) has: what FastAPI
    # apps are served with today keeps working, and so do big cookies plus bearer tokens (16 KiB,
    # Node's limit, is met by real single-sign-on tokens; a default nginx forwards up to 4 x 8 KiB).
    # The cost is bounded: a head is held only for timeout_request_head, and a client must send
    # every byte it makes us hold.
    max_header_bytes: int = 65536
    # Header fields per request -> 431.  Clients behind chains of proxies (X-Forwarded-*, tracing,
    # CDN headers) reach 100; nobody legitimate reaches 1000.  The byte limit still bounds the head.
    max_header_count: int = 1000
    max_url_length: int = 8192  # request-target bytes -> 414
    max_body_size: int = 100 * 1024 * 1024  # request body bytes -> 413 (0 = no limit)
    timeout_keep_alive: float = 5.0  # idle seconds before a keep-alive connection is closed
    timeout_request_head: float = 10.0  # seconds to receive a whole request head -> 408
    # Seconds a request body may go without a byte -> 408 (0 = off); not counted while the server
    # holds the client back (flow control, 100 Continue not sent).
    timeout_request_body: float = 30.0
    # Seconds a client may read nothing of a response while the server has more to write (the
    # write buffer stays above its high-water mark) -> the connection is dropped (0 = off).
    timeout_send: float = 60.0
    timeout_graceful_shutdown: float = 30.0  # seconds in-flight requests get on SIGTERM
    ws: Literal["auto", "websockets", "none"] = "auto"
    ws_max_size: int = 16 * 1024 * 1024  # WebSocket message bytes -> close 1009
    ws_ping_interval: float = 20.0  # seconds between server pings (0 = no pings)
    ws_ping_timeout: float = 20.0  # seconds to wait for the pong -> close 1011
    ws_per_message_deflate: bool = True  # negotiate permessage-deflate (RFC 7692) when offered
    server_header: bool = False  # send "server: fastcore"
    headers: list[tuple[str, str]] = field(default_factory=list)  # extra default response headers
    # Hold small complete responses to the end of the event-loop iteration and write them together
    # (see fastcore._http): more throughput and lower latency under concurrent load; off, each
    # response is written the moment the app sends it.
    coalesce_writes: bool = True

    def validate(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be >= 1")
        if (self.workers > 1 or self.reload) and not isinstance(self.app, str):
            raise ValueError("--workers and --reload need the app as an import string, 'module:attr'")
        if self.uds and self.fd is not None:
            raise ValueError("give at most one of --uds and --fd")
        if self.lifespan not in ("auto", "on", "off"):
            raise ValueError("lifespan must be auto, on or off")
        if self.log_level not in LOG_LEVELS:
            raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}")
        for name in ("max_header_bytes", "max_header_count", "max_url_length", "backlog"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if bool(self.ssl_keyfile) != bool(self.ssl_certfile):
            raise ValueError("TLS needs both --ssl-keyfile and --ssl-certfile")

    @property
    def is_ssl(self) -> bool:
        return bool(self.ssl_certfile)

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.ssl_certfile:
            return None
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.ssl_certfile, self.ssl_keyfile, self.ssl_keyfile_password)
        if self.ssl_ca_certs:
            ctx.load_verify_locations(self.ssl_ca_certs)
        return ctx

    def encoded_headers(self) -> list[tuple[bytes, bytes]]:
        return [(k.strip().lower().encode("latin-1"), v.strip().encode("latin-1")) for k, v in self.headers]

    def load_app(self) -> ASGIApp:
        """Import ``module:attr`` (calling it when ``factory``) and wrap the proxy-headers layer."""
        app = self.app
        if isinstance(app, str):
            app = import_from_string(app)
        if self.factory:
            if not callable(app):
                raise TypeError("--factory: the app is not callable")
            app = app()
        if inspect.isclass(app) or not callable(app):
            raise TypeError(f"{app!r} is not an ASGI application")
        if self.proxy_headers:
            from .proxy import ProxyHeadersMiddleware

            app = ProxyHeadersMiddleware(app, self.forwarded_allow_ips)
        return app

    def bind_socket(self) -> socket.socket:
        """Create the listening socket: ``--fd``, ``--uds`` or TCP ``host:port``."""
        if self.fd is not None:
            sock = socket.socket(fileno=self.fd)
        elif self.uds:
            path = self.uds
            if os.path.exists(path):
                os.unlink(path)  # a stale socket file from a previous run
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(path)
            os.chmod(path, 0o666)
        else:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((self.host, self.port))
            except OSError:
                sock.close()
                raise
        sock.listen(self.backlog)
        sock.set_inheritable(True)
        return sock

    def configure_logging(self) -> None:
        level = LOG_LEVELS[self.log_level]
        logging.addLevelName(5, "TRACE")
        for name in ("fastcore", "fastcore.error", "fastcore.access"):
            logger = logging.getLogger(name)
            logger.setLevel(level)
        root = logging.getLogger("fastcore")
        if not root.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(levelname)-8s %(name)s: %(message)s"))
            root.addHandler(handler)
        if not self.access_log:
            logging.getLogger("fastcore.access").setLevel(logging.CRITICAL + 1)


def import_from_string(target: str) -> Any:
    module_name, sep, attrs = target.partition(":")
    if not sep or not module_name or not attrs:
        raise ValueError(f"import string {target!r} must be 'module:attribute'")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    obj: Any = module
    for attr in attrs.split("."):
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise ValueError(f"attribute {attrs!r} not found in module {module_name!r}") from None
    return obj
