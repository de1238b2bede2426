"""WebSocket objects (Starlette's)."""

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

__all__ = ["WebSocket", "WebSocketDisconnect", "WebSocketState"]
