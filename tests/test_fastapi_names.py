"""FastAPI's public names exist under fastcore, so a port (or a ``fastapi`` -> ``fastcore`` import
shim) finds them: one table of FastAPI module -> names, checked against the installed FastAPI."""

from __future__ import annotations

import importlib
import warnings

import fastapi
import pytest

import fastcore
from fastcore.testclient import TestClient

# FastAPI module -> the public names a ported app imports from it.
NAMES = {
    "": ["FastAPI", "APIRouter", "Depends", "Security", "Query", "Path", "Header", "Cookie", "Body", "Form",
         "File", "UploadFile", "HTTPException", "WebSocketException", "Request", "Response", "WebSocket",
         "WebSocketDisconnect", "BackgroundTasks", "status"],
    "concurrency": ["contextmanager_in_threadpool", "iterate_in_threadpool", "run_in_threadpool",
                    "run_until_first_complete"],
    "datastructures": ["Default", "DefaultPlaceholder", "UploadFile", "URL", "Address", "FormData", "Headers",
                       "QueryParams", "State"],
    "exceptions": ["FastAPIError", "FastAPIDeprecationWarning", "PydanticV1NotSupportedError",
                   "DependencyScopeError", "HTTPException", "WebSocketException", "RequestValidationError",
                   "WebSocketRequestValidationError", "ResponseValidationError", "EndpointContext"],
    "params": ["Param", "Path", "Query", "Header", "Cookie", "Body", "Form", "File", "Depends", "Security",
               "ParamTypes"],
    "types": ["DecoratedCallable", "IncEx"],
    "logger": ["logger"],
    "openapi.constants": ["METHODS_WITH_BODY", "REF_PREFIX", "REF_TEMPLATE"],
    "middleware.wsgi": ["WSGIMiddleware"],
}


def _import(name: str) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette deprecates its WSGI middleware
        return importlib.import_module(name)


@pytest.mark.parametrize("module", list(NAMES))
def test_fastapi_names_exist_in_fastcore(module: str) -> None:
    suffix = f".{module}" if module else ""
    theirs, ours = _import("fastapi" + suffix), _import("fastcore" + suffix)
    for name in NAMES[module]:
        assert hasattr(theirs, name), f"fastapi{suffix}.{name} is gone: update this table"
        assert hasattr(ours, name), f"fastcore{suffix} lacks {name}"


def test_constants_equal_fastapi_s() -> None:
    from fastapi.openapi import constants as theirs

    from fastcore.openapi import constants as ours

    assert set(ours.METHODS_WITH_BODY) == set(theirs.METHODS_WITH_BODY)
    assert (ours.REF_PREFIX, ours.REF_TEMPLATE) == (theirs.REF_PREFIX, theirs.REF_TEMPLATE)


def test_param_classes_are_what_the_functions_return() -> None:
    from fastcore import params

    assert isinstance(fastcore.Query(3), params.Query)
    assert isinstance(fastcore.Path(), params.Path)
    assert isinstance(fastcore.Header(), params.Param)
    assert isinstance(fastcore.File(), params.Form)
    assert [t.value for t in params.ParamTypes if t.value != "body"] == ["path", "query", "header", "cookie"]


def test_fastapi_errors_are_caught_under_fastapis_names() -> None:
    from fastcore.exceptions import FastAPIError, FastCoreError, PydanticV1NotSupportedError

    assert FastAPIError is FastCoreError
    assert issubclass(PydanticV1NotSupportedError, RuntimeError)


@pytest.mark.parametrize(("cls", "title"), [(fastcore.FastAPI, "FastAPI"), (fastcore.FastCore, "FastCore")])
def test_default_openapi_title(cls: type[fastcore.FastCore], title: str) -> None:
    app = cls()
    assert TestClient(app).get("/openapi.json").json()["info"]["title"] == title
    assert cls(title="Mine").openapi()["info"]["title"] == "Mine"


def test_fastapi_app_serves_fastapis_document() -> None:
    def build(app: fastapi.FastAPI | fastcore.FastCore) -> dict[str, object]:
        @app.get("/items/{item_id}")
        async def read(item_id: int) -> dict[str, int]:
            return {"item_id": item_id}

        return app.openapi()

    assert build(fastcore.FastAPI())["info"] == build(fastapi.FastAPI())["info"]


@pytest.mark.parametrize("default", ["text", None, ..., 1, [], "missing"])
@pytest.mark.parametrize("name", ["Param", "Path", "Query", "Header", "Cookie", "Body", "Form", "File"])
def test_param_reprs_equal_fastapi_s(name: str, default: object) -> None:
    from fastapi import params as theirs

    from fastcore import params as ours

    if name == "Path" and default not in ("missing", ...):
        return  # FastAPI's Path() refuses a default
    args = () if default == "missing" else (default,)
    assert repr(getattr(ours, name)(*args)) == repr(getattr(theirs, name)(*args))


def test_param_repr_of_a_subclass_keeps_its_name() -> None:
    from fastcore import params

    class Tag(params.Query):
        pass

    assert repr(Tag(3)) == "Tag(3)"


@pytest.mark.parametrize("name", ["Query", "Path", "Header", "Cookie", "Body", "Form"])
def test_regex_is_deprecated_for_pattern(name: str) -> None:
    from fastcore.exceptions import FastAPIDeprecationWarning

    with pytest.warns(FastAPIDeprecationWarning, match="use `pattern`"):
        info = getattr(fastcore, name)(regex="^a$")
    assert info.pattern == "^a$"
