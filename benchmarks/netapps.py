"""App factories for the network benchmark (``--factory``), built from ``apps.py``'s scenarios.

``raw`` answers every request with the ``json`` scenario's bytes, so the ceiling, fastcore's server
and uvicorn all put the same response on the wire.
"""

from typing import Any

from .apps import SCENARIOS, raw_app
from .frameworks import FRAMEWORKS, load_kit


def raw() -> Any:
    return raw_app(SCENARIOS["json"])


def _build(framework: str, scenario: str) -> Any:
    return SCENARIOS[scenario].build_fastapi(load_kit(FRAMEWORKS[framework]))


def fastcore_json() -> Any:
    return _build("fastcore", "json")


def fastcore_params() -> Any:
    return _build("fastcore", "params")


def fastapi_json() -> Any:
    return _build("fastapi", "json")


def fastapi_params() -> Any:
    return _build("fastapi", "params")
