"""The documentation site's examples (``docs_src/``) run and answer what the pages say.

Each example is imported as a module and driven with ``TestClient``; a guard checks that every page's
``--8<-- "PATH"`` or ``--8<-- "PATH:SECTION"`` include names an existing file (and a section marked
once in it), that every ``docs_src`` file is included by some page and that every one of them has a
test here, that the commands the pages show name files that exist, and that README sections the
pages include (``{{ readme:NAME }}``, expanded by ``scripts/mkdocs_hooks.py``) exist.  The example
service ``examples/inventory/``, which the database page walks through, is tested by
``tests/test_example_inventory.py``.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import anyio
import pytest
from starlette.websockets import WebSocketDisconnect

from fastcore.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
DOCS, DOCS_SRC = ROOT / "docs", ROOT / "docs_src"
SNIPPET = re.compile(r'^\s*--8<--\s+"([^"]+)"\s*$', re.MULTILINE)
# An include's target: a path, optionally with a named section (pymdownx.snippets also takes line
# ranges, "main.py:10:20", which the pages do not use: they would silently shift when the file changes).
TARGET = re.compile(r"(?P<path>[^:]+)(?::(?P<section>[a-z][-_0-9a-z]*))?")
MARKER = re.compile(r"^\s*# --8<-- \[(start|end):([a-z][-_0-9a-z]*)\]\s*$", re.MULTILINE)
# Shell blocks of the pages, and the repository files and modules named in them.
SHELL_BLOCK = re.compile(r"^```(?:bash|console|sh|shell)\b[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
REPO_PATH = re.compile(r"(?<![\w./-])((?:ci|docs_src|examples|scripts|tests)/[\w./-]*\w)")
REPO_MODULE = re.compile(r"(?<![\w./-])((?:docs_src|examples|tests)(?:\.\w+)+)(?=:\w|\s|$)", re.MULTILINE)

TESTED: set[str] = set()


def example(path: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a test as the test of the docs_src file ``path`` (checked by test_every_example_is_tested)."""

    def mark(test: Callable[..., None]) -> Callable[..., None]:
        TESTED.add(path)
        return test

    return mark


def load(path: str) -> ModuleType:
    return importlib.import_module(path.removesuffix(".py").replace("/", "."))


def client(path: str) -> TestClient:
    return TestClient(load(path).app)


def pages() -> dict[Path, str]:
    return {page: page.read_text(encoding="utf-8") for page in sorted(DOCS.rglob("*.md"))}


def sources() -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in DOCS_SRC.rglob("*.py") if "__pycache__" not in p.parts}


def includes() -> list[tuple[str, str, str | None]]:
    """(page, included path, section or None) for every ``--8<--`` include of every page."""
    found = []
    for page, text in pages().items():
        for ref in SNIPPET.findall(text):
            target = TARGET.fullmatch(ref)
            assert target is not None, f"{page.name}: {ref!r} is not PATH or PATH:SECTION"
            found.append((page.relative_to(DOCS).as_posix(), target["path"], target["section"]))
    return found


def sections(path: str) -> list[tuple[str, str]]:
    """The (start|end, name) section markers of a repository file, in order."""
    return MARKER.findall((ROOT / path).read_text(encoding="utf-8"))


# --- the guards -------------------------------------------------------------------------------------


def test_pages_include_only_existing_files() -> None:
    missing = [(page, path) for page, path, _ in includes() if not (ROOT / path).is_file()]
    assert missing == []


def test_included_sections_are_marked_once() -> None:
    included = [(page, path, section) for page, path, section in includes() if section]
    assert included, "no page includes a section"
    for page, path, section in included:
        markers = [kind for kind, name in sections(path) if name == section]
        assert markers == ["start", "end"], f"{page}: {path}:{section} needs one start and one end marker"


def test_every_section_marker_is_included() -> None:
    # A marker no page uses is left over from a removed include (or misspelt).
    used = {(path, section) for _, path, section in includes() if section}
    for path in sorted({path for _, path, _ in includes()}):
        names = {name for _, name in sections(path)}
        assert {(path, name) for name in names} <= used, path


def test_every_docs_src_file_is_used_by_a_page() -> None:
    used = {path for _, path, _ in includes()}
    assert sources(), "docs_src/ holds no example"
    assert sources() - used == set()


def test_the_database_page_shows_the_whole_example() -> None:
    shown = {path for page, path, _ in includes() if page == "tutorial/database.md"}
    modules = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "examples" / "inventory").glob("*.py")
        if p.name != "__init__.py"
    }
    assert modules and modules <= shown
    assert "tests/test_example_inventory.py" in shown


def test_commands_on_pages_name_existing_files() -> None:
    named: dict[str, set[str]] = {}
    for page, text in pages().items():
        for block in SHELL_BLOCK.findall(text):
            refs = named.setdefault(page.relative_to(DOCS).as_posix(), set())
            refs.update(REPO_PATH.findall(block))
            refs.update(module.replace(".", "/") + ".py" for module in REPO_MODULE.findall(block))
    missing = [(page, ref) for page, refs in named.items() for ref in refs if not (ROOT / ref).exists()]
    assert missing == []
    # The database page's instructions: serve, create the tables, test on SQLite and PostgreSQL.
    assert named["tutorial/database.md"] >= {
        "ci/install",
        "examples/inventory/main.py",
        "examples/inventory/db.py",
        "tests/test_example_inventory.py",
        "ci/postgres",
    }


def test_every_example_is_tested() -> None:
    assert sources() == TESTED


def test_pages_are_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    unlisted = [p.relative_to(DOCS).as_posix() for p in pages() if p.relative_to(DOCS).as_posix() not in nav]
    assert unlisted == []


def test_readme_sections_the_pages_include_exist() -> None:
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py")
    assert spec is not None and spec.loader is not None
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = {name for text in pages().values() for name in hooks.INCLUDE.findall(text)}
    assert names == {"differences", "server-options", "kubernetes", "bench", "app-discovery"}
    for name in names:
        assert hooks.readme_section(name, readme).strip()
    # README's links are relative to the root; the pages' to docs/.
    assert "](bench.png)" in hooks.readme_section("bench", readme)
    with pytest.raises(ValueError, match="no-such-section"):
        hooks.readme_section("no-such-section", readme)
    page = hooks.on_page_markdown("# T\n\n{{ readme:differences }}\n")
    assert "Static path segments win" in page and "{{" not in page


# --- the examples -----------------------------------------------------------------------------------


@example("docs_src/first_app/main.py")
def test_first_app() -> None:
    c = client("docs_src/first_app/main.py")
    assert c.get("/").json() == {"message": "hello, world"}
    assert c.get("/books/7").text == '{"book_id":7,"title":"Book #7"}'
    bad = c.get("/books/seven")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["type"] == "int_parsing"
    assert c.head("/books/7").status_code == 200
    assert c.get("/nowhere").json() == {"detail": "Not Found"}
    assert c.post("/").status_code == 405


@example("docs_src/first_app/port.py")
def test_port() -> None:
    module = load("docs_src/first_app/port.py")
    c = TestClient(module.app)
    assert c.get("/numbers", params={"limit": 3}).json() == [0, 1, 2]
    assert c.get("/numbers", params={"limit": 101}).json() == {"detail": "limit too large"}
    assert c.get("/openapi.json").json()["info"]["title"] == "FastAPI"


@example("docs_src/parameters/path_query.py")
def test_path_query() -> None:
    c = client("docs_src/parameters/path_query.py")
    r = c.get("/shelves/fiction/books", params=[("tag", "a"), ("tag", "b"), ("author", "le guin")])
    assert r.json() == {
        "shelf": "fiction",
        "page": 1,
        "per_page": 10,
        "author": "le guin",
        "tags": ["a", "b"],
    }
    errors = c.get("/shelves/poetry/books", params={"page": 0}).json()["detail"]
    assert [(e["type"], e["loc"]) for e in errors] == [
        ("enum", ["path", "shelf"]),
        ("greater_than_equal", ["query", "page"]),
    ]
    for strict in ("+5", "1_0", "1.0"):
        assert c.get("/shelves/science/books", params={"page": strict}).status_code == 422
    # Declared after /users/{user_id}, still matched first.
    assert c.get("/users/me").json() == {"user": "the current user"}
    assert c.get("/users/5").json() == {"user_id": 5}
    assert c.get("/users/0").json()["detail"][0]["type"] == "greater_than"


@example("docs_src/parameters/headers_cookies.py")
def test_headers_cookies() -> None:
    c = client("docs_src/parameters/headers_cookies.py")
    c.cookies.set("session", "s-1")
    r = c.get("/whoami", headers={"User-Agent": "curl/8", "X-Request-ID": "r-9"})
    assert r.json() == {"user_agent": "curl/8", "request_id": "r-9", "session": "s-1"}


@example("docs_src/bodies/struct_body.py")
@example("docs_src/bodies/pydantic_body.py")
@pytest.mark.parametrize("path", ["docs_src/bodies/struct_body.py", "docs_src/bodies/pydantic_body.py"])
def test_bodies(path: str) -> None:
    c = client(path)
    r = c.post("/orders", json={"product": "tea", "quantity": 2})
    assert r.status_code == 201
    assert r.text == '{"product":"tea","quantity":2,"total_cents":700}'
    missing = c.post("/orders", json={"product": "tea"}).json()["detail"]
    assert missing == [
        {"type": "missing", "loc": ["body", "quantity"], "msg": "Field required", "input": {"product": "tea"}}
    ]
    assert c.post("/orders", content=b"{", headers={"content-type": "application/json"}).status_code == 422
    assert c.post("/orders", json={"product": "tea", "quantity": "5"}).json()["quantity"] == 5


def test_pydantic_body_keeps_field_constraints() -> None:
    c = client("docs_src/bodies/pydantic_body.py")
    assert (
        c.post("/orders", json={"product": "tea", "quantity": 0}).json()["detail"][0]["type"]
        == "greater_than"
    )


@example("docs_src/dependencies/pagination.py")
def test_pagination() -> None:
    c = client("docs_src/dependencies/pagination.py")
    assert c.get("/items").json() == {
        "offset": 0,
        "items": ["item-1", "item-2", "item-3", "item-4", "item-5"],
    }
    assert c.get("/items", params={"offset": 3, "limit": 2}).json() == {
        "offset": 3,
        "items": ["item-4", "item-5"],
    }
    assert c.get("/items", params={"limit": 11}).status_code == 422


@example("docs_src/dependencies/yield_dep.py")
def test_yield_dependency() -> None:
    module = load("docs_src/dependencies/yield_dep.py")
    module.EVENTS.clear()
    assert TestClient(module.app).get("/session").json() == {"open": True}
    assert module.EVENTS == ["open", "close"]


@example("docs_src/security/api_key.py")
def test_api_key() -> None:
    c = client("docs_src/security/api_key.py")
    assert c.get("/me", headers={"X-API-Key": "k-alice"}).json() == {"user": "alice"}
    for headers in ({}, {"X-API-Key": "nope"}):
        r = c.get("/me", headers=headers)
        assert (r.status_code, r.json()) == (401, {"detail": "missing or unknown API key"})
    scheme = c.get("/openapi.json").json()["components"]["securitySchemes"]
    assert scheme == {"APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}


@example("docs_src/security/oauth2_password.py")
def test_oauth2_password() -> None:
    c = client("docs_src/security/oauth2_password.py")
    assert c.post("/token", data={"username": "alice", "password": "nope"}).status_code == 400
    token = c.post("/token", data={"username": "alice", "password": "wonderland"}).json()
    assert token["token_type"] == "bearer"
    assert c.get("/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json() == {
        "user": "alice"
    }
    r = c.get("/me")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert c.get("/me", headers={"Authorization": "Bearer forged"}).status_code == 401


@example("docs_src/websockets/echo.py")
def test_websocket_echo() -> None:
    c = client("docs_src/websockets/echo.py")
    with c.websocket_connect("/echo/lobby?name=ann") as ws:
        assert ws.receive_json() == {"joined": "lobby", "name": "ann"}
        ws.send_text("hi")
        assert ws.receive_text() == "ann@lobby: hi"
    with pytest.raises(WebSocketDisconnect) as closed, c.websocket_connect("/echo/lobby") as ws:
        ws.receive_text()
    assert closed.value.code == 1008


@example("docs_src/background/tasks.py")
def test_background_tasks() -> None:
    module = load("docs_src/background/tasks.py")
    module.OUTBOX.clear()
    r = TestClient(module.app).post("/signup", params={"email": "ann@example.com"})
    assert (r.status_code, r.json()) == (202, {"queued": "ann@example.com"})
    assert module.OUTBOX == ["welcome mail to ann@example.com"]


@example("docs_src/lifespan/resources.py")
def test_lifespan() -> None:
    module = load("docs_src/lifespan/resources.py")
    with TestClient(module.app) as c:
        assert c.get("/cache/greeting").json() == {"key": "greeting", "value": "hi"}
        assert c.get("/cache/other").json() == {"key": "other", "value": None}

    async def lifespan_closes_the_cache() -> None:
        async with module.lifespan(module.app) as state:
            cache = state["cache"]
            assert not cache.closed
        assert cache.closed

    anyio.run(lifespan_closes_the_cache)


@example("docs_src/middleware/timing.py")
def test_middleware_timing() -> None:
    c = client("docs_src/middleware/timing.py")
    r = c.get("/report", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert float(r.headers["x-elapsed-ms"]) >= 0
    assert r.json() == {"rows": ["row"] * 500}


@example("docs_src/middleware/cors.py")
def test_cors() -> None:
    c = client("docs_src/middleware/cors.py")
    preflight = {"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"}
    r = c.options("/products", headers=preflight)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://shop.example.com"
    other = c.options("/products", headers={**preflight, "Origin": "https://evil.example"})
    assert other.status_code == 400
    assert c.get("/products").json() == ["tea", "coffee"]


@example("docs_src/errors/handlers.py")
def test_errors() -> None:
    c = client("docs_src/errors/handlers.py")
    assert c.get("/stock/tea").json() == {"product": "tea", "left": 3}
    r = c.get("/stock/coffee")
    assert (r.status_code, r.json()) == (409, {"error": "out_of_stock", "product": "coffee"})
    r = c.get("/stock/milk")
    assert (r.status_code, r.json()) == (404, {"detail": "no product 'milk'"})
    assert r.headers["x-known"] == "tea,coffee"


@example("docs_src/testing/app.py")
def test_testing_app() -> None:
    c = client("docs_src/testing/app.py")
    before = c.post("/counter/increment", params={"by": 0}).json()["value"]
    assert c.post("/counter/increment", params={"by": 4}).json() == {"value": before + 4}


@example("docs_src/testing/test_app.py")
def test_testing_page_tests_pass() -> None:
    module = load("docs_src/testing/test_app.py")
    tests = [getattr(module, name) for name in dir(module) if name.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        test()


@example("docs_src/openapi/metadata.py")
def test_openapi_metadata() -> None:
    c = client("docs_src/openapi/metadata.py")
    doc = c.get("/openapi.json").json()
    assert doc["info"] == {
        "title": "Bookshop",
        "description": "Books and the shelves they sit on.",
        "version": "2.1.0",
    }
    assert list(doc["paths"]) == ["/books/{book_id}"]
    op = doc["paths"]["/books/{book_id}"]["get"]
    assert op["summary"] == "Read one book" and op["tags"] == ["books"]
    assert op["responses"]["404"] == {"description": "No such book"}
    assert c.get("/books/internal/stats").json() == {"books": 1}
    assert c.get("/books/3").json() == {"id": 3, "title": "Dune"}
    assert c.get("/docs").status_code == 200 and "swagger" in c.get("/docs").text.lower()


@example("docs_src/speed/sync_and_async.py")
def test_speed_example() -> None:
    c = client("docs_src/speed/sync_and_async.py")
    assert c.get("/fast").json() == {"ok": True}
    assert c.get("/blocking").json() == {"ok": True}
    assert c.get("/digest/abc").json() == {
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    }
