"""fastcore's built-in ASGI server: HTTP/1.1 (compiled, ``fastcore._http``), WebSocket, lifespan.

``fastcore run module:app`` on the command line, or :func:`run` from Python.
"""

from .config import Config
from .server import Server, run

__all__ = ["Config", "Server", "run"]
