"""HTTP and WebSocket status codes (``status.HTTP_404_NOT_FOUND`` ...), as in FastAPI."""

from starlette.status import *  # noqa: F403
