"""The framework's logger (FastAPI's ``fastapi.logger`` name); the server logs on ``fastcore.error``
and ``fastcore.access``."""

import logging

__all__ = ["logger"]

logger = logging.getLogger("fastcore")
