"""``TestClient``: Starlette's, re-exported so tests port with an import change."""

from starlette.testclient import TestClient

__all__ = ["TestClient"]
