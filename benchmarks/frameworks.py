"""The frameworks under test, and how each one's public names are loaded.

A benchmark app is written once (see ``apps.py``) against a :class:`Kit`: the handful of
FastAPI-style names it needs, plus which kind of model class the app declares.  fastcore and FastAPI
expose the same names, so both get the same app; plain Starlette and the raw-ASGI baseline have their
own, hand-written apps.

Model kinds: FastAPI gets pydantic ``BaseModel``s.  fastcore gets ``msgspec.Struct``s, its
recommended fast path, and a second fastcore entry (``fastcore-pydantic``) gets the very same
pydantic models as FastAPI, so the table shows what a port that keeps its models gets.
"""

import importlib
import sys
from dataclasses import dataclass
from typing import Any, Literal

Style = Literal["fastapi", "starlette", "raw"]
ModelKind = Literal["pydantic", "msgspec"]
MODEL_LABELS: dict[str, str] = {"pydantic": "pydantic", "msgspec": "msgspec.Struct"}


@dataclass(frozen=True)
class Framework:
    name: str
    style: Style
    module: str  # the import that must succeed for the framework to be benchmarked
    app_class: str  # the application class, e.g. ``FastAPI`` or ``FastCore``
    label: str  # how the table names it
    model: ModelKind = "pydantic"  # the model classes its apps declare (scenarios with models)
    models_only: bool = False  # a variant that only differs in scenarios with models

    def cell_label(self, with_models: bool) -> str:
        """The table's name for this framework; scenarios with models also name the model kind."""
        return f"{self.label} ({MODEL_LABELS[self.model]})" if with_models else self.label


FRAMEWORKS: dict[str, Framework] = {
    f.name: f
    for f in (
        Framework("fastcore", "fastapi", "fastcore", "FastCore", "fastcore", model="msgspec"),
        Framework(
            "fastcore-pydantic", "fastapi", "fastcore", "FastCore", "fastcore", models_only=True
        ),
        Framework("fastapi", "fastapi", "fastapi", "FastAPI", "FastAPI"),
        Framework("starlette", "starlette", "starlette.applications", "Starlette", "Starlette"),
        # A do-nothing ASGI app that sends the expected response: the harness's own floor.
        Framework("baseline", "raw", "benchmarks.apps", "raw_app", "raw ASGI"),
    )
}
DEFAULT_FRAMEWORKS = ("fastcore", "fastcore-pydantic", "fastapi", "starlette")
BASELINE = "fastapi"  # the ratio column divides by this framework's req/s


@dataclass(frozen=True)
class Kit:
    """The FastAPI-compatible names a benchmark app is written against."""

    App: Any
    APIRouter: Any
    Depends: Any
    Query: Any
    Path: Any
    Header: Any
    Cookie: Any
    Request: Any
    HTTPException: Any
    WebSocket: Any
    WebSocketDisconnect: Any
    OAuth2PasswordBearer: Any  # from the framework's ``security`` module
    PlainTextResponse: Any  # from the framework's ``responses`` module
    model: ModelKind = "pydantic"


_TOP_LEVEL_NAMES = (
    "APIRouter",
    "Depends",
    "Query",
    "Path",
    "Header",
    "Cookie",
    "Request",
    "HTTPException",
    "WebSocket",
    "WebSocketDisconnect",
)


class FrameworkUnavailable(Exception):
    """The framework cannot be imported here; its cells are skipped, not failed."""


def load_kit(framework: Framework) -> Kit:
    """Import a FastAPI-style framework's public names.

    ``import fastcore`` alone proves nothing: the source folder ``fastcore/`` is importable as a
    namespace package before any code exists, so the probe is the app class itself.
    """
    try:
        mod = importlib.import_module(framework.module)
        app = getattr(mod, framework.app_class)  # first: the clearest sign of "not written yet"
        names = {field: getattr(mod, field) for field in _TOP_LEVEL_NAMES}
        security = importlib.import_module(f"{framework.module}.security")
        bearer = security.OAuth2PasswordBearer
        plain = importlib.import_module(f"{framework.module}.responses").PlainTextResponse
    except Exception as exc:  # any failure to import means "not ready", never a crash
        where = getattr(sys.modules.get(framework.module), "__path__", None)
        found = f" (package path {list(dict.fromkeys(where))})" if where else ""
        raise FrameworkUnavailable(
            f"`from {framework.module} import {framework.app_class}, ...` failed: "
            f"{type(exc).__name__}: {exc}{found}"
        ) from exc
    return Kit(
        App=app,
        OAuth2PasswordBearer=bearer,
        PlainTextResponse=plain,
        model=framework.model,
        **names,
    )


def version_of(framework: Framework) -> dict[str, str | None]:
    """Version and location of the framework as imported in this process."""
    top = framework.module.split(".")[0]
    mod = importlib.import_module(top)
    return {
        "version": getattr(mod, "__version__", None),
        "file": getattr(mod, "__file__", None),
    }
