"""The frameworks under test, and how each one's public names are loaded.

A benchmark app is written once (see ``apps.py``) against a :class:`Kit`: the handful of
FastAPI-style names it needs.  fastcore and FastAPI expose the same names, so both get the same app;
plain Starlette and the raw-ASGI baseline have their own, hand-written apps.
"""

import importlib
import sys
from dataclasses import dataclass
from typing import Any, Literal

Style = Literal["fastapi", "starlette", "raw"]


@dataclass(frozen=True)
class Framework:
    name: str
    style: Style
    module: str  # the import that must succeed for the framework to be benchmarked
    app_class: str  # the application class, e.g. ``FastAPI`` or ``FastCore``
    label: str  # how the table names it


FRAMEWORKS: dict[str, Framework] = {
    f.name: f
    for f in (
        Framework("fastcore", "fastapi", "fastcore", "FastCore", "fastcore"),
        Framework("fastapi", "fastapi", "fastapi", "FastAPI", "FastAPI"),
        Framework("starlette", "starlette", "starlette.applications", "Starlette", "Starlette"),
        # A do-nothing ASGI app that sends the expected response: the harness's own floor.
        Framework("baseline", "raw", "benchmarks.apps", "raw_app", "raw ASGI"),
    )
}
DEFAULT_FRAMEWORKS = ("fastcore", "fastapi", "starlette")
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
        names = {field: getattr(mod, field) for field in Kit.__dataclass_fields__ if field != "App"}
    except Exception as exc:  # any failure to import means "not ready", never a crash
        where = getattr(sys.modules.get(framework.module), "__path__", None)
        found = f" (package path {list(dict.fromkeys(where))})" if where else ""
        raise FrameworkUnavailable(
            f"`from {framework.module} import {framework.app_class}, ...` failed: "
            f"{type(exc).__name__}: {exc}{found}"
        ) from exc
    return Kit(App=app, **names)


def version_of(framework: Framework) -> dict[str, str | None]:
    """Version and location of the framework as imported in this process."""
    top = framework.module.split(".")[0]
    mod = importlib.import_module(top)
    return {
        "version": getattr(mod, "__version__", None),
        "file": getattr(mod, "__file__", None),
    }
