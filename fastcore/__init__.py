"""fastcore: FastAPI's API with compiled hot paths (routing, parameters, JSON responses).

Porting a FastAPI app is an import change (``FastAPI`` is ``FastCore`` with FastAPI's OpenAPI title)::

    from fastcore import FastCore, Depends, Query

    app = FastCore()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str | None = Query(None, max_length=50)):
        return {"item_id": item_id, "q": q}
"""

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from fastcore import status
from fastcore.applications import FastAPI, FastCore
from fastcore.background import BackgroundTasks
from fastcore.dependencies import SecurityScopes
from fastcore.exceptions import HTTPException, WebSocketException
from fastcore.param_functions import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from fastcore.routing import APIRoute, APIRouter, APIWebSocketRoute

__version__ = "0.1.0"

__all__ = [
    "APIRoute",
    "APIRouter",
    "APIWebSocketRoute",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "FastAPI",
    "FastCore",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "Response",
    "Security",
    "SecurityScopes",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "status",
]
