"""Stubs for the compiled ``fastcore._fastpath`` (``_ext/fastcore/_fastpath.pyx``)."""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Receive, Scope, Send

def bind(
    *,
    exec_plan: type,
    run_solved: Callable[..., Any],
    answer_failure: Callable[..., Any],
    send_response: Callable[..., Any],
    handle_exception: Callable[..., Any],
    call_with: Callable[..., Any],
    validation_error: type[Exception],
    is_json: Callable[[str | None], bool],
    json_types: dict[str, bool],
    response_class: type,
    call_async: int,
    telemetry_key: str,
) -> None: ...
class Shape:
    plan: Any
    body_plan: Any
    @property
    def kind(self) -> str: ...
    @property
    def json_body(self) -> bool: ...
    route: Any
    def __init__(self, route: Any, plan: Any, body_plan: Any) -> None: ...

class Gate:
    def __init__(
        self, key: str, watched: tuple[tuple[object, str, object], ...] | None, ask: Callable[[], bool]
    ) -> None: ...
    def __call__(self, scope: Scope) -> bool: ...

def current(route: Any, scope: Scope) -> tuple[Any, Any]: ...
async def send_result(shape: Shape, conn: Any, result: Any) -> None: ...
async def send_response(shape: Shape, conn: Any, result: Any) -> None: ...
async def run_route(route: Any, scope: Scope, receive: Receive, send: Send) -> None: ...
def bind_router(
    *, api_route: type, route_path: Callable[[Scope], str], websocket_method: str, found: int
) -> None: ...
def route_request(router: Any, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]: ...
