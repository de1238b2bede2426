"""Stub for the compiled HTTP/1.1 server protocol (``_ext/fastcore/_http.pyx``)."""

import asyncio
from collections.abc import Callable
from typing import Any

WsFactory = Callable[[asyncio.Transport, dict[str, Any], bytes, list[tuple[bytes, bytes]], bytes], Any]

def error_response(status: int, detail: str, close: bool = True) -> bytes: ...

class HttpConfig:
    app: Any
    loop: asyncio.AbstractEventLoop
    root_path: str
    state: dict[str, Any]
    max_header_bytes: int
    max_header_count: int
    max_url_length: int
    max_body_size: int
    timeout_keep_alive: float
    timeout_request_head: float
    timeout_request_body: float
    timeout_send: float
    limit_concurrency: int
    access_log: bool
    server_header: bool
    default_headers: list[tuple[bytes, bytes]]
    ws_factory: WsFactory | None
    coalesce_writes: bool
    def __init__(
        self,
        app: Any,
        loop: asyncio.AbstractEventLoop,
        *,
        root_path: str = "",
        state: dict[str, Any] | None = None,
        max_header_bytes: int = 65536,
        max_header_count: int = 1000,
        max_url_length: int = 8192,
        max_body_size: int = 0,
        timeout_keep_alive: float = 5.0,
        timeout_request_head: float = 10.0,
        timeout_request_body: float = 30.0,
        timeout_send: float = 60.0,
        limit_concurrency: int = 0,
        access_log: bool = False,
        server_header: bool = False,
        default_headers: list[tuple[bytes, bytes]] | None = None,
        ws_factory: WsFactory | None = None,
        coalesce_writes: bool = True,
    ) -> None: ...

class ServerState:
    connections: set[Any]
    tasks: set[asyncio.Task[None]]
    total_requests: int
    in_flight: int  # app calls running
    clock: float  # loop.time() at the last timeout sweep
    def __init__(self) -> None: ...

class HttpProtocol(asyncio.Protocol):
    transport: asyncio.Transport | None
    def __init__(self, config: HttpConfig, server_state: ServerState) -> None: ...
    async def drain(self) -> None: ...
    def shutdown(self) -> None: ...
    def force_close(self) -> None: ...
    @property
    def idle(self) -> bool: ...
