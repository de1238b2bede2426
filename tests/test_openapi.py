"""fastcore.openapi: the document (valid, and equal to FastAPI's for the same app), its laziness, the
documentation pages and their offline assets, and the ``openapi``/``routes`` commands.

Documented differences from FastAPI (``fastcore/openapi/utils.py``) do not occur in the compared apps:
they use pydantic models on both sides, as FastAPI needs.  ``test_msgspec_types`` pins what fastcore
writes for its own model types instead.
"""

import copy
import dataclasses
import datetime
import importlib
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import fastapi
import pydantic
import pydantic.dataclasses
import pytest
from openapi_spec_validator import validate

import fastcore
import fastcore.applications
from fastcore import FastCore
from fastcore.cli import main
from fastcore.exceptions import FastAPIDeprecationWarning
from fastcore.openapi.docs import local_assets_dir
from fastcore.testclient import TestClient
from tests.openapi_apps import FASTAPI, FASTCORE, hooks_app, msgspec_app, rich_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.py") if p.stem != "__init__")


def _quiet_openapi(app: Any) -> dict[str, Any]:
    # FastAPI's models module logs about email-validator; its duplicate-operation-id warning is
    # asserted where it is expected.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        document: dict[str, Any] = app.openapi()
    return document


# -- validity ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_document_is_valid(name: str) -> None:
    app = importlib.import_module(f"examples.{name}").app
    document = app.openapi()
    validate(document)
    assert document["openapi"] == "3.1.0"


@pytest.mark.parametrize("build", [lambda: rich_app(FASTCORE), msgspec_app], ids=["rich", "msgspec"])
def test_test_app_documents_are_valid(build: Any) -> None:
    validate(build().openapi())


def test_hooks_app_document_is_valid_but_for_its_shared_operation_id() -> None:
    document = _quiet_openapi(hooks_app(FASTCORE))
    # Both methods of one route share its operation_id (FastAPI's behaviour too, with its warning).
    del document["paths"]["/multi"]["post"]
    validate(document)


def test_example_app_document() -> None:
    document = importlib.import_module("examples.app").app.openapi()
    paths = document["paths"]
    assert set(paths) == {"/", "/items", "/items/{item_id}", "/admin/stats"}
    listed = paths["/items"]["get"]
    assert [(p["name"], p["in"], p["required"]) for p in listed["parameters"]] == [
        ("tag", "query", False), ("offset", "query", False), ("limit", "query", False),
    ]
    assert listed["parameters"][2]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100,
                                                 "default": 20, "title": "Limit"}
    assert listed["responses"]["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/Item"
    }
    assert document["components"]["schemas"]["Tag"] == {
        "enum": ["tools", "garden", "kitchen"], "title": "Tag", "type": "string"
    }
    stats = paths["/admin/stats"]["get"]
    assert stats["tags"] == ["admin"]
    assert stats["parameters"] == [{"name": "x-api-key", "in": "header", "required": True,
                                    "schema": {"type": "string", "title": "X-Api-Key"}}]
    # The documentation routes themselves are not documented, nor is GET's implicit HEAD.
    assert all(set(item) == {"get"} for item in paths.values())


# -- equal to FastAPI's ----------------------------------------------------------------------------------


def test_rich_app_equals_fastapi() -> None:
    expected = _quiet_openapi(rich_app(FASTAPI))
    actual = rich_app(FASTCORE).openapi()
    _assert_same_document(expected, actual)


def test_hooks_app_equals_fastapi() -> None:
    with pytest.warns(UserWarning, match="Duplicate Operation ID multi_op"):
        expected = hooks_app(FASTAPI).openapi()
    with pytest.warns(UserWarning, match="Duplicate Operation ID multi_op"):
        actual = hooks_app(FASTCORE).openapi()
    _assert_same_document(expected, actual)
    assert set(actual["webhooks"]) == {"new-event"}
    callbacks = actual["paths"]["/subs/"]["post"]["callbacks"]
    assert set(callbacks["event_callback"]) == {"{$callback_url}/events/{$request.body.id}"}


def test_separate_input_output_schemas_off_equals_fastapi() -> None:
    expected = _quiet_openapi(rich_app(FASTAPI, separate_input_output_schemas=False))
    actual = rich_app(FASTCORE, separate_input_output_schemas=False).openapi()
    if not _fastapi_finds_nested_computed_fields():
        # The installed FastAPI (< 0.163.1; the newest for Python 3.10 is 0.162.5) documents the
        # responses that hold an Item (``list[Item]``, ``Item | None``) with Item-Input, which lacks the
        # computed ``label`` those responses carry.  fastcore writes Item-Output there, as FastAPI does
        # since: compare against FastAPI's document with exactly those two references corrected.
        paths = expected["paths"]
        for schema in (_json_schema(paths["/items/"]["get"])["items"],
                       _json_schema(paths["/items/{item_id}"]["put"])["anyOf"][0]):
            assert schema == {"$ref": "#/components/schemas/Item-Input"}
            schema["$ref"] = "#/components/schemas/Item-Output"
    _assert_same_document(expected, actual)


@pydantic.dataclasses.dataclass
class _Labelled:
    name: str

    @pydantic.computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:
        return self.name.upper()


def test_separate_off_keeps_both_schemas_of_a_pydantic_dataclass_with_computed_fields() -> None:
    def build(ns: Any) -> Any:
        app = ns.App(title="Labelled", separate_input_output_schemas=False)

        @app.post("/labelled/")
        async def labelled(item: _Labelled) -> _Labelled:
            return item

        return app

    actual = build(FASTCORE).openapi()
    _assert_same_document(_quiet_openapi(build(FASTAPI)), actual)
    assert set(actual["components"]["schemas"]) >= {"_Labelled-Input", "_Labelled-Output"}


class _Range(pydantic.BaseModel):
    start: int
    end: int = 9


class _Profile(pydantic.BaseModel):
    name: str


class _Prefs(pydantic.BaseModel):
    tags: list[str] = []


def _param_and_form_models_app(ns: Any) -> Any:
    app = ns.App(title="Models")

    @app.get("/ranges/")
    async def ranges(limit: int = 10, span: Annotated[_Range | None, ns.Query()] = None) -> Any:
        return span

    @app.get("/headers/")
    async def headers(span: Annotated[_Range | None, ns.Header()] = None) -> Any:
        return span

    @app.post("/profiles/")
    async def profiles(profile: Annotated[_Profile, ns.Form()], prefs: Annotated[_Prefs, ns.Form()],
                       token: Annotated[str, ns.Form()]) -> Any:
        return token

    @app.post("/avatars/")
    async def avatars(profile: Annotated[_Profile, ns.Form()], avatar: ns.UploadFile,
                      note: Annotated[str | None, ns.Form()] = None) -> Any:
        return note

    @app.post("/optional/")
    async def optional(profile: Annotated[_Profile | None, ns.Form()] = None,
                       token: Annotated[str, ns.Form()] = "t") -> Any:
        return token

    @app.post("/mixed/")
    async def mixed(name: Annotated[str, ns.Form(media_type="multipart/form-data")],
                    token: Annotated[str, ns.Form()]) -> Any:
        return token

    @app.post("/lone/")
    async def lone(profile: Annotated[_Profile | None, ns.Form()] = None) -> Any:
        return profile

    return app


def test_param_and_form_models_equal_fastapi() -> None:
    # An optional parameter model's fields are not required; form models beside other form fields
    # are ``allOf`` members of the body's schema, not properties.
    expected = _quiet_openapi(_param_and_form_models_app(FASTAPI))
    actual = _param_and_form_models_app(FASTCORE).openapi()
    _assert_same_document(expected, actual)


class _Blob(pydantic.BaseModel):
    data: bytes
    model_config = {"val_json_bytes": "base64"}


def _value_types_app(ns: Any) -> Any:
    app = ns.App(title="Types")

    @app.put("/items/{item_id}")
    async def put(item_id, raw: bytes, when: Annotated[datetime.datetime, ns.Body()],  # type: ignore[no-untyped-def]
                  at: Annotated[datetime.time | None, ns.Body()] = None,
                  wait: Annotated[datetime.timedelta, ns.Body()] = datetime.timedelta(1)) -> Any:
        return item_id

    @app.post("/blobs/")
    async def blobs(blob: _Blob, raw: Annotated[bytes | None, ns.Header()] = None) -> Any:
        return blob

    @app.post("/maybe/")
    async def maybe(profile: _Profile | None = None) -> Any:
        return profile

    @app.post("/stamp/")
    async def stamp(when: Annotated[datetime.date, ns.Body()]) -> Any:
        return when

    return app


def test_value_types_equal_fastapi() -> None:
    # An unannotated parameter has no type; bytes are an octet stream (base64 when a model says so);
    # datetimes in bodies keep their format; an optional model as the whole body gets a title.
    expected = _quiet_openapi(_value_types_app(FASTAPI))
    actual = _value_types_app(FASTCORE).openapi()
    _assert_same_document(expected, actual)


@dataclasses.dataclass
class _Stamp:
    at: datetime.time
    kind: str = "x"


@dataclasses.dataclass
class _Event:
    name: str
    when: datetime.datetime
    stamps: list[_Stamp]
    first: _Stamp | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    seen: dict[str, datetime.datetime] = dataclasses.field(default_factory=dict)
    note: str | None = None


def _dataclass_app(ns: Any) -> Any:
    app = ns.App(title="Dataclasses")

    @app.post("/events/")
    async def create(event: _Event) -> _Event:
        return event

    return app


def test_dataclass_schemas_equal_fastapi() -> None:
    # pydantic titles a dataclass's fields (not its references), hides default_factory defaults and
    # gives naive datetimes and times their format; msgspec's schema does none of this.
    expected = _quiet_openapi(_dataclass_app(FASTAPI))
    actual = _dataclass_app(FASTCORE).openapi()
    _assert_same_document(expected, actual)


def _json_schema(operation: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return schema


def _fastapi_finds_nested_computed_fields() -> bool:
    """Whether the installed FastAPI, with ``separate_input_output_schemas=False``, documents a
    ``list[M]`` response with M's output schema when M has computed fields (FastAPI 0.163.1 on)."""

    class Probe(pydantic.BaseModel):
        n: int

        @pydantic.computed_field  # type: ignore[prop-decorator]
        @property
        def twice(self) -> int:
            return 2 * self.n

    app = fastapi.FastAPI(separate_input_output_schemas=False)

    @app.post("/", response_model=list[Probe])
    async def echo(probe: Probe) -> Any:
        return [probe]

    ref: str = _json_schema(_quiet_openapi(app)["paths"]["/"]["post"])["items"]["$ref"]
    # Before, both uses got the input schema, so there was one Probe and no Probe-Input/-Output pair.
    assert ref in ("#/components/schemas/Probe", "#/components/schemas/Probe-Output")
    return ref == "#/components/schemas/Probe-Output"


def _assert_same_document(expected: dict[str, Any], actual: dict[str, Any]) -> None:
    """Section by section, so a failure names where the documents part."""
    assert actual["info"] == expected["info"]
    assert actual.get("servers") == expected.get("servers")
    assert actual.get("tags") == expected.get("tags")
    assert set(actual["paths"]) == set(expected["paths"])
    for path, item in expected["paths"].items():
        assert set(actual["paths"][path]) == set(item), path
        for method, operation in item.items():
            got = actual["paths"][path][method]
            where = f"{method.upper()} {path}"
            for key in sorted(set(operation) | set(got)):
                assert got.get(key) == operation.get(key), (where, key)
    assert actual.get("webhooks") == expected.get("webhooks")
    schemas = expected.get("components", {}).get("schemas", {})
    got_schemas = actual.get("components", {}).get("schemas", {})
    assert set(got_schemas) == set(schemas)
    for name, schema in schemas.items():
        assert got_schemas[name] == schema, name
    assert actual.get("components", {}).get("securitySchemes") == expected.get("components", {}).get(
        "securitySchemes"
    )
    assert actual == expected


# -- fastcore's own model types ----------------------------------------------------------------------------


def test_msgspec_types() -> None:
    document = msgspec_app().openapi()
    schemas = document["components"]["schemas"]
    assert schemas["Point"] == {
        "title": "Point", "description": "A point.", "type": "object",
        "properties": {"x": {"type": "integer", "minimum": 0}, "y": {"type": "integer", "default": 0},
                       "kind": {"$ref": "#/components/schemas/Kind", "default": "a"}},
        "required": ["x"],
    }
    # Enums as pydantic writes them (declaration order, JSON type), whoever described them.
    assert schemas["Kind"] == {"enum": ["a", "b"], "title": "Kind", "type": "string"}
    assert schemas["Box"]["properties"]["corner"] == {"$ref": "#/components/schemas/Point"}
    assert schemas["Extra"]["properties"] == {"label": {"type": "string"}}
    body = schemas["Body_create_box_boxes_post"]
    assert body["properties"] == {"box": {"$ref": "#/components/schemas/Box"},
                                  "extra": {"$ref": "#/components/schemas/Extra"}}
    assert body["required"] == ["box", "extra"]
    points = document["paths"]["/points"]["post"]
    assert points["requestBody"] == {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Point"}}}}
    boxes = document["paths"]["/boxes"]["post"]["responses"]["200"]["content"]["application/json"]
    assert boxes["schema"] == {"type": "array", "items": {"$ref": "#/components/schemas/Box"},
                               "title": "Response Create Box Boxes Post"}
    kind = document["paths"]["/kinds/{kind}"]["get"]["parameters"]
    assert kind == [{"name": "kind", "in": "path", "required": True,
                     "schema": {"$ref": "#/components/schemas/Kind"}}]


def test_union_msgspec_cannot_decode_is_still_described() -> None:
    document = importlib.import_module("examples.app").app.openapi()
    response = document["paths"]["/items/{item_id}"]["get"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/Item"}, {"type": "object", "additionalProperties": {}},
    ]


# -- built once, lazily ---------------------------------------------------------------------------------


def test_document_is_built_lazily_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = fastcore.applications.get_openapi

    def counting(**kwargs: Any) -> dict[str, Any]:
        calls.append(1)
        return real(**kwargs)

    monkeypatch.setattr(fastcore.applications, "get_openapi", counting)
    app = FastCore()

    @app.get("/items/{item_id}")
    async def read(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    client = TestClient(app)
    assert client.get("/items/1").json() == {"item_id": 1}
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 200
    assert calls == [] and app.openapi_schema is None  # construction, routes, requests: no build
    document = client.get("/openapi.json").json()
    assert calls == [1]
    assert app.openapi() is app.openapi_schema
    assert client.get("/openapi.json").json() == document
    assert calls == [1]


def test_importing_an_app_builds_no_document() -> None:
    code = (
        "import fastcore.applications as a\n"
        "calls = []\n"
        "real = a.get_openapi\n"
        "a.get_openapi = lambda **kw: calls.append(1) or real(**kw)\n"
        "import examples.app, examples.security_app, examples.lifespan_app\n"
        "apps = [examples.app.app, examples.security_app.app, examples.lifespan_app.app]\n"
        "assert calls == [] and all(app.openapi_schema is None for app in apps), calls\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr


# -- operations ------------------------------------------------------------------------------------------


def test_operation_details() -> None:
    document = rich_app(FASTCORE).openapi()
    read = document["paths"]["/items/{item_id}"]["get"]
    assert read["summary"] == "Read Item"
    assert read["description"] == "Read one item.\n\nLonger text."  # cut at the form feed
    assert read["operationId"] == "read_item_items__item_id__get"
    names = [(p["name"], p["in"]) for p in read["parameters"]]
    assert ("hidden", "query") not in names  # include_in_schema=False
    assert ("tag-name", "query") in names and ("user-agent", "header") in names
    assert ("x_raw", "header") in names and ("session", "cookie") in names
    old = next(p for p in read["parameters"] if p["name"] == "old")
    assert old["deprecated"] is True and old["schema"]["examples"] == [1, 2]
    assert "/hidden" not in document["paths"]
    update = document["paths"]["/items/{item_id}"]["put"]
    assert update["deprecated"] is True
    assert update["security"] == [{"OAuth2PasswordBearer": ["items:read", "items:write"]}]
    assert document["paths"]["/admin"]["get"]["operationId"] == "adminPanel"
    assert document["paths"]["/admin/cache"]["delete"]["responses"] == {
        "204": {"description": "Successful Response"}
    }
    extra = document["paths"]["/extra"]["get"]
    assert extra["x-custom"] == {"a": 1} and extra["responses"]["418"] == {"description": "Teapot"}
    assert document["components"]["securitySchemes"]["JWT"] == {
        "type": "http", "scheme": "bearer", "description": "a signed token"
    }


def test_servers_get_the_root_path() -> None:
    with pytest.warns(FastAPIDeprecationWarning):
        app = FastCore(root_path="/api")

    @app.get("/ping")
    async def ping() -> str:
        return "pong"

    client = TestClient(app)
    document = client.get("/openapi.json").json()
    assert document["servers"] == [{"url": "/api"}]
    page = client.get("/docs").text
    assert "url: \"/api/openapi.json\"" in page

    with pytest.warns(FastAPIDeprecationWarning):
        no_servers = FastCore(root_path="/api", root_path_in_servers=False)
    assert "servers" not in TestClient(no_servers).get("/openapi.json").json()


def test_a_requests_root_path_is_listed_for_that_request_only() -> None:
    configured = [{"url": "https://prod.example.com"}]
    app = FastCore(servers=configured)
    spoofed = TestClient(app, root_path="/evil").get("/openapi.json").json()
    assert spoofed["servers"] == [{"url": "/evil"}, {"url": "https://prod.example.com"}]
    assert TestClient(app).get("/openapi.json").json()["servers"] == [{"url": "https://prod.example.com"}]
    assert configured == [{"url": "https://prod.example.com"}]


def test_deprecated_example_and_regex_warn_and_example_is_documented() -> None:
    from fastcore import Body, Query

    app = FastCore()
    with pytest.warns(FastAPIDeprecationWarning, match="`example` has been deprecated") as caught:
        @app.post("/e")
        async def e(q: str = Query(example="one"), body: dict[str, int] = Body(example={"a": 1})) -> Any:
            return body
    assert caught[0].filename == __file__  # points at the user's code
    with pytest.warns(FastAPIDeprecationWarning, match="`regex` has been deprecated"):
        Query(regex="^a$")
    operation = app.openapi()["paths"]["/e"]["post"]
    assert operation["parameters"][0]["example"] == "one"
    assert operation["requestBody"]["content"]["application/json"]["example"] == {"a": 1}


# -- documentation pages ------------------------------------------------------------------------------


def test_docs_pages() -> None:
    app = FastCore(title="Pages", swagger_ui_parameters={"deepLinking": False, "syntaxHighlight": False},
                   swagger_ui_init_oauth={"clientId": "docs-client"})
    client = TestClient(app)
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "<title>Pages - Swagger UI</title>" in text
    assert 'url: "/openapi.json"' in text
    assert '"deepLinking": false' in text and '"syntaxHighlight": false' in text
    assert 'ui.initOAuth({"clientId": "docs-client"})' in text
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in text
    redirect = client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and "swaggerUIRedirectOauth2" in redirect.text
    redoc = client.get("/redoc")
    assert redoc.status_code == 200 and '<redoc spec-url="/openapi.json">' in redoc.text


@pytest.mark.skipif(local_assets_dir() is None, reason="the docs extra is not installed")
def test_docs_use_local_assets_when_the_extra_is_installed() -> None:
    client = TestClient(FastCore())
    docs, redoc = client.get("/docs").text, client.get("/redoc").text
    assert 'src="/docs/static/swagger-ui-dist/swagger-ui-bundle.js"' in docs
    assert 'href="/docs/static/swagger-ui-dist/swagger-ui.css"' in docs
    assert 'src="/docs/static/redoc/bundles/redoc.standalone.js"' in redoc
    assert "cdn." not in docs and "cdn." not in redoc and "googleapis" not in redoc
    for url in ("/docs/static/swagger-ui-dist/swagger-ui-bundle.js",
                "/docs/static/swagger-ui-dist/swagger-ui.css",
                "/docs/static/redoc/bundles/redoc.standalone.js"):
        response = client.get(url)
        assert response.status_code == 200 and len(response.content) > 10_000, url


def test_docs_fall_back_to_the_cdn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastcore.applications, "local_assets_dir", lambda: None)
    client = TestClient(FastCore())
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" in client.get("/docs").text
    assert "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js" in client.get("/redoc").text
    assert client.get("/docs/static/swagger-ui-dist/swagger-ui.css").status_code == 404


def test_docs_urls_can_be_turned_off() -> None:
    client = TestClient(FastCore(docs_url=None, redoc_url=None))
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    client = TestClient(FastCore(openapi_url=None))
    assert [client.get(u).status_code for u in ("/openapi.json", "/docs", "/redoc")] == [404] * 3


def test_page_text_is_escaped() -> None:
    app = FastCore(title="</title><script>x()</script>",
                   swagger_ui_parameters={"x": "</script><script>alert(1)</script>"})
    text = TestClient(app).get("/docs").text
    assert "<script>x()" not in text and "</script><script>alert" not in text


def test_oauth2_redirect_url_is_a_safe_single_quoted_string() -> None:
    app = FastCore(swagger_ui_oauth2_redirect_url="/o'auth</script>")
    text = TestClient(app).get("/docs").text
    assert "oauth2RedirectUrl: window.location.origin + '/o\\'auth\\u003c/script\\u003e'," in text


# -- command line -------------------------------------------------------------------------------------


def test_cli_openapi(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["openapi", "examples.app:app"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == copy.deepcopy(importlib.import_module("examples.app").app.openapi())
    assert main(["openapi", "examples.nope:app"]) == 2
    assert "No module named" in capsys.readouterr().err


def test_cli_routes(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["routes", "examples.app:app"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["METHOD", "PATH", "NAME", "ENDPOINT"]
    rows = {tuple(line.split()) for line in lines[1:]}
    assert ("GET", "/items/{item_id}", "read_item", "examples.app.read_item") in rows
    assert ("GET", "/admin/stats", "stats", "examples.app.stats") in rows
    assert any(row[:2] == ("GET", "/docs") for row in rows)


def test_webhooks_are_documented_not_served() -> None:
    app = FastCore()

    @app.webhooks.post("new-subscription")
    def new_subscription(body: dict[str, str]) -> None:
        """A subscription was made."""

    document = app.openapi()
    assert document["paths"] == {}
    hook = document["webhooks"]["new-subscription"]["post"]
    assert hook["description"] == "A subscription was made."
    assert TestClient(app).post("/new-subscription", json={}).status_code == 404


def test_fastcore_exports_openapi() -> None:
    from fastcore.openapi import get_openapi, get_swagger_ui_html

    assert callable(get_openapi) and callable(get_swagger_ui_html)
    assert fastcore.FastCore is FastCore


# -- fastcore.openapi.models (FastAPI's fastapi.openapi.models) ---------------------------------------


def test_openapi_models_read_and_write_our_documents() -> None:
    from fastcore.openapi.models import OpenAPI, Schema

    for document in (rich_app(FASTCORE).openapi(), msgspec_app().openapi()):
        parsed = OpenAPI.model_validate(document)
        assert parsed.model_dump(mode="json", by_alias=True, exclude_none=True) == document
    schema = Schema.model_validate({"$ref": "#/x", "not": False, "type": ["string", "null"], "x-a": 1})
    assert (schema.ref, schema.not_, schema.type) == ("#/x", False, ["string", "null"])
    assert schema.model_extra == {"x-a": 1}
    with pytest.raises(ValueError, match="2 validation errors for Schema"):
        Schema(type=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Schema(minLength=-1)
