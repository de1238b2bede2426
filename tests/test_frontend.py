"""``app.frontend()`` / ``router.frontend()`` against FastAPI: the same apps, the same requests.

Each app is built twice from one function of a framework namespace; every request goes to both
through each framework's ``TestClient``, and status, body and the headers that matter (content
type and length, etag, last-modified, location, cookies, dependency headers) must agree.
"""

import warnings
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fastapi
import fastapi.testclient
import pytest

import fastcore
import fastcore.testclient

FASTAPI = SimpleNamespace(module=fastapi, App=fastapi.FastAPI, TestClient=fastapi.testclient.TestClient)
FASTCORE = SimpleNamespace(module=fastcore, App=fastcore.FastAPI, TestClient=fastcore.testclient.TestClient)

HEADERS = ("content-type", "content-length", "etag", "last-modified", "location", "x-dep")

Build = Callable[[SimpleNamespace, Path], Any]


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A small build: an app shell, a 404 page, assets, a page directory and a file named like a route."""
    root = tmp_path / "dist"
    files = {
        "index.html": "<html>shell</html>",
        "404.html": "<html>lost</html>",
        "assets/app.js": "console.log(1)",
        "assets/style.css": "body{}",
        "guide/index.html": "<html>guide</html>",
        "api": "not the api",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "empty").mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    return root


def _shell_only(dist: Path) -> Path:
    (dist / "404.html").unlink()
    return dist


def answer(ns: SimpleNamespace, app: Any, method: str, path: str, **kwargs: Any) -> Any:
    client = ns.TestClient(app, root_path=kwargs.pop("root_path", ""))
    return client.request(method, path, follow_redirects=False, **kwargs)


def assert_same(expected: Any, actual: Any) -> None:
    where = f"{expected.request.method} {expected.request.url}"
    assert actual.status_code == expected.status_code, (where, expected.text, actual.text)
    assert actual.content == expected.content, where
    for name in HEADERS:
        assert actual.headers.get(name) == expected.headers.get(name), (where, name)
    assert sorted(actual.headers.get_list("set-cookie")) == sorted(expected.headers.get_list("set-cookie"))
    # fastcore's GET routes also answer HEAD (README), so its Allow may name HEAD where FastAPI's doesn't.
    allowed = set(expected.headers.get("allow", "").replace(" ", "").split(","))
    assert set(actual.headers.get("allow", "").replace(" ", "").split(",")) - {"HEAD"} == allowed - {"HEAD"}


def both(build: Build, dist: Path) -> tuple[Any, Any]:
    return build(FASTAPI, dist), build(FASTCORE, dist)


def check(apps: tuple[Any, Any], requests: list[tuple[str, str, dict[str, str]]]) -> None:
    for method, path, headers in requests:
        expected = answer(FASTAPI, apps[0], method, path, headers=headers)
        actual = answer(FASTCORE, apps[1], method, path, headers=headers)
        assert_same(expected, actual)


HTML = {"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
ANY: dict[str, str] = {"accept": "*/*"}

REQUESTS = [
    ("GET", "/", {}),
    ("GET", "/index.html", {}),
    ("GET", "/assets/app.js", ANY),
    ("HEAD", "/assets/app.js", ANY),
    ("GET", "/assets/missing.js", ANY),
    ("GET", "/assets/missing.js", HTML),
    ("GET", "/dashboard/settings", HTML),
    ("HEAD", "/dashboard/settings", HTML),
    ("GET", "/dashboard/settings", {"accept": "application/json"}),
    ("GET", "/dashboard/settings", {"accept": "text/html;q=0"}),
    ("GET", "/dashboard/settings", {"accept": "text/html; q=zero"}),
    ("GET", "/dashboard/settings", {"accept": "TEXT/HTML"}),
    ("GET", "/dashboard/settings", {"accept": "application/xhtml+xml;q=0, */*"}),
    ("GET", "/guide", HTML),
    ("GET", "/guide/", HTML),
    ("GET", "/empty/", HTML),
    ("GET", "/%2e%2e/secret.txt", ANY),
    ("GET", "/..%2fsecret.txt", ANY),
    ("GET", "/assets/app.js%00", ANY),
    ("GET", "/" + "x" * 300, HTML),
    ("POST", "/assets/app.js", HTML),
    ("PUT", "/", HTML),
    ("POST", "/guide/", HTML),
    ("POST", "/dashboard/settings", HTML),
    ("DELETE", "/empty/", HTML),
    ("GET", "/api", HTML),
    ("POST", "/api", HTML),
    ("GET", "/api/", HTML),
    ("GET", "/items/3", HTML),
    ("GET", "/items/x", HTML),
]


# Without a 404.html, fallback="404.html" is a start-up error instead (test_start_up_errors).
@pytest.mark.parametrize(
    ("fallback", "shell_only"),
    [(f, False) for f in ("auto", "index.html", "404.html", None)]
    + [(f, True) for f in ("auto", "index.html", None)],
)
def test_root_frontend_answers_like_fastapi(dist: Path, fallback: Any, shell_only: bool) -> None:
    if shell_only:
        _shell_only(dist)

    def build(ns: SimpleNamespace, root: Path) -> Any:
        app = ns.App()

        @app.get("/api")
        def api() -> dict[str, str]:
            return {"source": "api"}

        @app.get("/items/{item_id}")
        def item(item_id: int) -> dict[str, int]:
            return {"id": item_id}

        app.frontend("/", directory=root, fallback=fallback)
        return app

    check(both(build, dist), REQUESTS)


def test_conditional_requests_match(dist: Path) -> None:
    apps = both(lambda ns, root: _frontend_app(ns, root, "/"), dist)
    etag = answer(FASTAPI, apps[0], "GET", "/assets/app.js").headers["etag"]
    modified = answer(FASTAPI, apps[0], "GET", "/assets/app.js").headers["last-modified"]
    check(
        apps,
        [
            ("GET", "/assets/app.js", {"if-none-match": etag}),
            ("GET", "/assets/app.js", {"if-none-match": f'W/{etag}, "other"'}),
            ("GET", "/assets/app.js", {"if-none-match": '"other"'}),
            ("GET", "/assets/app.js", {"if-modified-since": modified}),
            ("GET", "/missing", {**HTML, "if-none-match": "*"}),
        ],
    )


def _frontend_app(ns: SimpleNamespace, root: Path, path: str, **kwargs: Any) -> Any:
    app = ns.App()
    app.frontend(path, directory=root, **kwargs)
    return app


@pytest.mark.parametrize("path", ["/ui", "/ui/"])
def test_frontend_below_a_prefix(dist: Path, path: str) -> None:
    apps = both(lambda ns, root: _frontend_app(ns, root, path, fallback="index.html"), dist)
    check(
        apps,
        [
            ("GET", "/ui", HTML),
            ("GET", "/ui/", HTML),
            ("GET", "/ui/assets/app.js", ANY),
            ("GET", "/ui/deep/link", HTML),
            ("GET", "/uix", HTML),
            ("GET", "/", HTML),
            ("GET", "/assets/app.js", ANY),
        ],
    )
    expected = answer(FASTAPI, apps[0], "GET", "/ui/assets/app.js", root_path="/proxy")
    assert_same(expected, answer(FASTCORE, apps[1], "GET", "/ui/assets/app.js", root_path="/proxy"))


def test_longest_prefix_wins_and_routers_nest(dist: Path, tmp_path: Path) -> None:
    admin = tmp_path / "admin"
    (admin / "assets").mkdir(parents=True)
    (admin / "index.html").write_text("<html>admin</html>")
    (admin / "assets" / "app.js").write_text("admin()")

    def build(ns: SimpleNamespace, root: Path) -> Any:
        app = ns.App()
        app.frontend("/", directory=root, fallback="index.html")
        inner = ns.module.APIRouter(prefix="/inner")
        inner.frontend("/", directory=admin, fallback="index.html")
        outer = ns.module.APIRouter()

        @outer.get("/panel/status")
        def status() -> dict[str, bool]:
            return {"ok": True}

        outer.include_router(inner, prefix="/x")
        app.include_router(outer, prefix="/panel")
        return app

    check(
        both(build, dist),
        [
            ("GET", "/panel/x/inner/settings", HTML),
            ("GET", "/panel/x/inner/assets/app.js", ANY),
            ("GET", "/panel/x/inner", HTML),
            ("POST", "/panel/x/inner/settings", HTML),
            ("GET", "/panel/x/innerness", HTML),
            ("GET", "/panel/status", HTML),
            ("GET", "/panel/status/", HTML),
            ("GET", "/elsewhere", HTML),
        ],
    )


def test_dependencies_guard_the_frontend(dist: Path) -> None:
    calls: dict[str, list[str]] = {"fastapi": [], "fastcore": []}

    def build(ns: SimpleNamespace, root: Path) -> Any:
        log = calls["fastapi" if ns is FASTAPI else "fastcore"]
        module = ns.module

        def app_dep() -> None:
            log.append("app")

        def token(
            response: module.Response, background: module.BackgroundTasks, x_token: str = module.Header()
        ) -> None:
            if x_token != "ok":
                raise module.HTTPException(status_code=401, detail="no")
            response.headers["x-dep"] = "yes"
            response.set_cookie("seen", "1")
            background.add_task(log.append, "background")

        def include_dep() -> None:
            log.append("include")

        router = module.APIRouter(dependencies=[module.Depends(token)])
        router.frontend("/", directory=root, fallback="index.html")
        app = ns.App(dependencies=[module.Depends(app_dep)])

        @app.get("/open")
        def open_route() -> dict[str, bool]:
            return {"open": True}

        app.include_router(router, prefix="/app", dependencies=[module.Depends(include_dep)])
        return app

    check(
        both(build, dist),
        [
            ("GET", "/app/", HTML),
            ("GET", "/app/", {**HTML, "x-token": "bad"}),
            ("GET", "/app/", {**HTML, "x-token": "ok"}),
            ("GET", "/app/assets/app.js", {"x-token": "ok"}),
            ("GET", "/app/deep/link", {**HTML, "x-token": "ok"}),
            ("GET", "/app/assets/missing.js", {"x-token": "ok"}),
            ("POST", "/app/deep/link", HTML),
            ("GET", "/open", HTML),
        ],
    )
    assert calls["fastcore"] == calls["fastapi"]
    assert calls["fastcore"].count("background") == 3


def test_dependency_overrides_apply_to_frontends(dist: Path) -> None:
    def build(ns: SimpleNamespace, root: Path) -> Any:
        module = ns.module

        def deny() -> None:
            raise module.HTTPException(status_code=403)

        def allow(response: module.Response) -> None:
            response.headers["x-dep"] = "override"

        app = ns.App(dependencies=[module.Depends(deny)])
        app.frontend("/", directory=root)
        app.dependency_overrides[deny] = allow
        return app

    check(both(build, dist), [("GET", "/", HTML), ("GET", "/assets/app.js", ANY)])


def test_frontends_stay_out_of_openapi(dist: Path) -> None:
    def build(ns: SimpleNamespace, root: Path) -> Any:
        app = ns.App()

        @app.get("/api")
        def api() -> dict[str, str]:
            return {"source": "api"}

        router = ns.module.APIRouter()
        router.frontend("/", directory=root)
        app.include_router(router, prefix="/web")
        app.frontend("/", directory=root)
        return app

    ours, theirs = (a.openapi() for a in reversed(both(build, dist)))
    assert ours["paths"] == theirs["paths"] == {"/api": ours["paths"]["/api"]}


def test_websocket_route_wins_and_websockets_never_reach_a_frontend(dist: Path) -> None:
    for ns in (FASTAPI, FASTCORE):
        app = ns.App()

        @app.websocket("/ws")
        async def ws(websocket: ns.module.WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text("ws")
            await websocket.close()

        app.frontend("/", directory=dist)
        with ns.TestClient(app).websocket_connect("/ws") as connection:
            assert connection.receive_text() == "ws", ns
        with pytest.raises(Exception) as denied:  # each framework's own disconnect class
            with ns.TestClient(app).websocket_connect("/index.html"):
                pass
        assert type(denied.value).__name__ == "WebSocketDisconnect", ns


def _raised(call: Callable[[], Any]) -> tuple[type[BaseException], str] | None:
    try:
        call()
    except (AssertionError, RuntimeError) as exc:
        return type(exc), str(exc)
    return None


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("", {}),
        ("ui", {}),
        ("/", {"fallback": "shell.html"}),
        ("/", {"directory": "missing"}),
        ("/", {"directory": "missing", "check_dir": True}),
        ("/", {"directory": "empty", "fallback": "index.html"}),
        ("/", {"directory": "empty", "fallback": "404.html"}),
    ],
)
def test_start_up_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str, kwargs: Any) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FASTAPI_ENV", raising=False)
    (tmp_path / "empty").mkdir()
    kwargs = {"directory": "empty", **kwargs}
    expected = _raised(lambda: fastapi.FastAPI().frontend(path, **kwargs))
    assert expected is not None
    assert _raised(lambda: fastcore.FastAPI().frontend(path, **kwargs)) == expected
    assert _raised(lambda: fastcore.APIRouter().frontend(path, **kwargs)) == expected


def test_missing_directory_fails_on_request_without_check(tmp_path: Path) -> None:
    for ns in (FASTAPI, FASTCORE):
        app = _frontend_app(ns, tmp_path / "missing", "/", check_dir=False)
        with pytest.raises(RuntimeError, match="does not exist"):
            ns.TestClient(app).get("/x")


def test_development_mode_warns_at_the_callers_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_ENV", "development")
    for make in (fastcore.FastAPI, fastcore.APIRouter, fastapi.FastAPI, fastapi.APIRouter):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            make().frontend("/", directory=tmp_path / "missing")
        assert [w.filename for w in caught] == [__file__], make
        assert str(tmp_path / "missing") in str(caught[0].message)


def test_frontend_dependencies_read_no_body(dist: Path) -> None:
    def build(ns: SimpleNamespace, root: Path) -> Any:
        module = ns.module

        def needs_body(x: int = module.Body(embed=True)) -> int:
            return x

        def optional_body(response: module.Response, y: int = module.Body(10)) -> None:
            response.headers["x-dep"] = str(y)

        router = module.APIRouter(dependencies=[module.Depends(needs_body)])
        router.frontend("/", directory=root)
        app = ns.App(dependencies=[module.Depends(optional_body)])
        app.frontend("/", directory=root)
        app.include_router(router, prefix="/strict")
        return app

    json = {"content-type": "application/json"}
    apps = both(build, dist)
    for path in ("/", "/strict/"):
        for body in (b'{"x": 1, "y": 2}', b"2", b""):
            expected = FASTAPI.TestClient(apps[0]).request("GET", path, content=body, headers=json)
            actual = FASTCORE.TestClient(apps[1]).request("GET", path, content=body, headers=json)
            assert_same(expected, actual)
