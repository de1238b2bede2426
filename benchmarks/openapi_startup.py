"""Start-up cost of the OpenAPI document: an app with 500 routes and 100 models.

``python -m benchmarks.openapi_startup [--models msgspec|pydantic] [--framework fastcore|fastapi]``
builds the app (construction and route registration: no document yet — it is built lazily), then
times the first ``app.openapi()`` (the build) and a second call (the cache).  Each run is a fresh
process, so nothing is warm; the result is printed as one JSON object.  Issue 5's bound: the build
takes < 1 s.

Each model has six fields, one of them another model (chains of five, so references are resolved);
each route has a path parameter, two constrained query parameters, a header, a body model on writes
and a response model, like a CRUD API.
"""


import argparse
import json
import subprocess
import sys
import time
from typing import Annotated, Any

ROUTES = 500
MODELS = 100


def _models(kind: str) -> list[type]:
    made: list[type] = []
    for i in range(MODELS):
        # Chains of five (deeper chains of 100 nested models make pydantic give up simplifying refs).
        previous: Any = made[-1] if i % 5 else int
        if kind == "pydantic":
            import pydantic

            fields: dict[str, Any] = {
                "id": (int, ...), "name": (str, pydantic.Field(max_length=50)), "price": (float, 0.0),
                "tags": (list[str], []), "active": (bool, True), "parent": (previous | None, None),
            }
            made.append(pydantic.create_model(f"Model{i}", **fields))
        else:
            import msgspec

            made.append(msgspec.defstruct(f"Model{i}", [
                ("id", int), ("name", Annotated[str, msgspec.Meta(max_length=50)]),
                ("price", float, 0.0), ("tags", list[str], []), ("active", bool, True),
                ("parent", previous | None, None),
            ]))
    return made


def build_app(framework: str, kind: str) -> Any:
    if framework == "fastapi":
        import fastapi as fw

        app = fw.FastAPI()
    else:
        import fastcore as fw  # type: ignore[no-redef]

        app = fw.FastCore()
    models = _models(kind)
    for i in range(ROUTES):
        model = models[i % MODELS]
        write = i % 2 == 1
        path = f"/resource{i // 2}/{{item_id}}"

        def endpoint(item_id: int, limit: Annotated[int, fw.Query(ge=1, le=100)] = 10,
                     q: Annotated[str | None, fw.Query(max_length=20)] = None,
                     x_trace: Annotated[str | None, fw.Header()] = None) -> Any:
            return None

        if write:
            def write_endpoint(item_id: int, body: model,  # type: ignore[valid-type]
                               x_trace: Annotated[str | None, fw.Header()] = None) -> Any:
                return None

            write_endpoint.__name__ = f"update{i}"
            app.put(path, response_model=model)(write_endpoint)
        else:
            endpoint.__name__ = f"read{i}"
            app.get(path, response_model=list[model])(endpoint)  # type: ignore[valid-type]
    return app


def measure(framework: str, kind: str) -> dict[str, Any]:
    started = time.perf_counter()
    app = build_app(framework, kind)
    constructed = time.perf_counter()
    built_before = getattr(app, "openapi_schema", None) is not None
    document = app.openapi()
    first = time.perf_counter()
    app.openapi()
    second = time.perf_counter()
    return {
        "framework": framework,
        "models": kind,
        "routes": ROUTES,
        "model_count": MODELS,
        "paths": len(document["paths"]),
        "schemas": len(document["components"]["schemas"]),
        "app_construction_s": round(constructed - started, 4),
        "built_at_construction": built_before,
        "openapi_first_call_s": round(first - constructed, 4),
        "openapi_cached_call_s": round(second - first, 6),
        "document_bytes": len(json.dumps(document)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", choices=["msgspec", "pydantic", "all"], default="all")
    parser.add_argument("--framework", choices=["fastcore", "fastapi", "all"], default="fastcore")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.framework, args.models)))
        return
    kinds = ["msgspec", "pydantic"] if args.models == "all" else [args.models]
    frameworks = ["fastcore", "fastapi"] if args.framework == "all" else [args.framework]
    for framework in frameworks:
        for kind in kinds:
            if framework == "fastapi" and kind == "msgspec":
                continue  # FastAPI cannot describe msgspec Structs
            # A fresh interpreter per measurement: nothing cached from the previous one.
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.openapi_startup", "--child",
                 "--framework", framework, "--models", kind],
                capture_output=True, text=True, check=True,
            )
            print(out.stdout.strip())


if __name__ == "__main__":
    main()
