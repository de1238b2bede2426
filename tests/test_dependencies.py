"""Tests for ``fastcore.dependencies``: plans built from signatures, and the per-request solver."""

import datetime
import functools
import gc
import threading
import typing
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from fastcore import (
    APIRouter,
    Body,
    Cookie,
    Depends,
    FastCore,
    File,
    Form,
    Header,
    HTTPException,
    Path,
    Query,
    Request,
    Security,
    SecurityScopes,
)
from fastcore.dependencies import (
    CALL_ASYNC,
    CALL_SYNC,
    GEN_ASYNC,
    GEN_SYNC,
    EndAnchoredPattern,
    build_dependant,
    path_param_names,
)
from fastcore.exceptions import FastCoreError
from fastcore.testclient import TestClient

# --------------------------------------------------------------------------------------------------
# build_dependant: declarations it refuses, with a clear message, when the route is defined


class Model:
    def __init__(self, a: int) -> None:
        self.a = a


def test_unsupported_types_are_refused() -> None:
    async def handler(q: dict[str, int] = Query()) -> None: ...

    with pytest.raises(FastCoreError, match=r"handler.*'q'.*cannot be read from a query string"):
        build_dependant(handler, path="/")
    # FastAPI's start-up check raises AssertionError, with this sentence.
    with pytest.raises(AssertionError, match="Query parameter 'q' must be one of the supported types"):
        build_dependant(handler, path="/")

    async def header(h: Annotated[Model, Header()]) -> None: ...

    with pytest.raises(FastCoreError, match="Header parameter 'h'"):
        build_dependant(header, path="/")

    async def cookie(c: list[int] = Cookie()) -> None: ...

    with pytest.raises(FastCoreError, match="Cookie parameter 'c'"):
        build_dependant(cookie, path="/")


@pytest.mark.parametrize("annotation", [Model, dict[str, int], list[int], set[str]])
def test_undeclared_non_scalars_are_bodies_as_in_fastapi(annotation: Any) -> None:
    async def handler(x: annotation) -> None: ...  # type: ignore[valid-type]

    dependant = build_dependant(handler, path="/")
    assert not dependant.fields
    assert [p.name for p in dependant.body_params] == ["x"]


def test_declared_lists_read_repeated_keys() -> None:
    async def handler(x: list[int] = Query([]), y: Annotated[list[str], Header()] = []) -> None:  # noqa: B006
        ...

    dependant = build_dependant(handler, path="/")
    assert [f.is_list for f in dependant.fields] == [True, True]


def test_path_parameter_missing_from_the_path_is_a_request_error() -> None:
    # FastAPI's rule: no start-up error (a router's route may get it from an include prefix).
    app = FastCore()

    @app.get("/items/{id}")
    async def handler(item_id: int = Path()) -> int:
        return item_id

    response = TestClient(app).get("/items/1")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]
    assert response.json()["detail"][0]["type"] == "missing"


def test_path_alias_choices_follow_each_route_path() -> None:
    pydantic = pytest.importorskip("pydantic")
    shared = Path(alias="unused", validation_alias=pydantic.AliasChoices("item_id", "id"), ge=1)

    def ident(value: Annotated[int, shared]) -> int:
        return value

    router = APIRouter()

    @router.get("/")
    def read(value: Annotated[int, Depends(ident)]) -> int:
        return value

    app = FastCore()
    app.include_router(router, prefix="/items/{item_id}")
    app.include_router(router, prefix="/legacy/{id}")
    client = TestClient(app)
    assert client.get("/items/3/").json() == 3
    assert client.get("/legacy/4/").json() == 4
    assert client.get("/legacy/0/").json()["detail"][0]["loc"] == ["path", "id"]
    assert shared.validation_alias == pydantic.AliasChoices("item_id", "id")  # not mutated


@pytest.mark.parametrize("marker", [Body(), Form(), File(), Body(embed=True)])
def test_declared_body_parameters_become_body_params(marker: Any) -> None:
    async def handler(payload: str = marker) -> None: ...

    dependant = build_dependant(handler, path="/")
    assert not dependant.fields
    (param,) = dependant.body_params
    assert (param.name, param.info) == ("payload", marker)
    FastCore().post("/")(handler)  # the route builds its body plan without error


def test_default_given_twice_is_refused() -> None:
    async def handler(q: Annotated[int, Query(3)] = 4) -> None: ...

    with pytest.raises(FastCoreError, match="either in Annotated or as the default value"):
        build_dependant(handler, path="/")


def test_depends_without_a_callable() -> None:
    async def handler(x=Depends()) -> None: ...  # type: ignore[no-untyped-def]

    with pytest.raises(FastCoreError, match="needs a dependency or a class annotation"):
        build_dependant(handler, path="/")


def test_unreadable_signature() -> None:
    with pytest.raises(FastCoreError, match="cannot read the signature"):
        build_dependant(iter, path="/")


def test_call_kinds() -> None:
    async def a() -> None: ...

    def s() -> None: ...

    async def ag() -> AsyncIterator[None]:
        yield None

    def sg() -> Iterator[None]:
        yield None

    class Callable:
        async def __call__(self) -> None: ...

    kinds = [build_dependant(f, path="/").kind for f in (a, s, ag, sg, Callable(), Model)]
    assert kinds == [CALL_ASYNC, CALL_SYNC, GEN_ASYNC, GEN_SYNC, CALL_ASYNC, CALL_SYNC]


def test_path_param_names() -> None:
    assert path_param_names("/a/{x}/b/{y:int}/{rest:path}") == {"x", "y", "rest"}
    assert path_param_names("/") == frozenset()


def test_fields_are_ordered_by_source_like_fastapi() -> None:
    async def handler(c: str = Cookie(""), h: str = Header(""), q: str = "", p: str = Path()) -> None: ...

    dependant = build_dependant(handler, path="/{p}")
    assert [f.name for f in dependant.fields] == ["p", "q", "h", "c"]


def test_handlers_called_positionally_only_when_their_signature_allows() -> None:
    # Plain parameters: the plan knows the signature's order and the route calls positionally.
    async def plain(c: str = Cookie(""), q: int = 0, p: int = Path()) -> None: ...

    async def keyword_only(p: int = Path(), *, q: int = 0) -> None: ...

    async def with_dependency(p: int = Path(), d: str = Depends(lambda: "d")) -> None: ...

    assert build_dependant(plain, path="/{p}").plan.positional
    assert not build_dependant(keyword_only, path="/{p}").plan.positional
    assert not build_dependant(with_dependency, path="/{p}").plan.positional
    app = FastCore()

    @app.get("/plain/{p}")
    async def plain_route(c: str = Cookie(""), q: int = 0, p: int = Path()) -> list[Any]:
        return [c, q, p]

    @app.get("/kw/{p}")
    async def kw_route(p: int = Path(), *, q: int = 0) -> list[Any]:
        return [p, q]

    def keywords_only(handler: Any) -> Any:  # a decorator whose wrapper takes **kwargs only
        @functools.wraps(handler)
        async def wrapper(**kwargs: Any) -> Any:
            return await handler(**kwargs)

        return wrapper

    @app.get("/wrapped/{p}")
    @keywords_only
    async def wrapped(p: int = Path(), q: int = 0) -> list[Any]:
        return [p, q]

    assert not build_dependant(wrapped, path="/wrapped/{p}").plan.positional
    client = TestClient(app)
    client.cookies.set("c", "cookie")
    assert client.get("/plain/5", params={"q": 2}).json() == ["cookie", 2, 5]
    assert client.get("/kw/5", params={"q": 2}).json() == [5, 2]
    assert client.get("/wrapped/5", params={"q": 2}).json() == [5, 2]


def test_header_keys() -> None:
    async def handler(
        x_token: str = Header(""),
        raw_name: str = Header("", convert_underscores=False),
        a: str = Header("", alias="X-Alias"),
    ) -> None: ...

    keys = [f.key for f in build_dependant(handler, path="/").fields]
    assert keys == ["x-token", "raw_name", "x-alias"]


# --------------------------------------------------------------------------------------------------
# Patterns: ``$`` is the end of the text, as in pydantic


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^[a-z]+$", "abc", True),
        ("^[a-z]+$", "abc\n", False),
        ("^a$|^b$", "b\n", False),
        ("[$]", "$", True),
        (r"\$$", "$", True),
        (r"\$$", "$\n", False),
        ("(?m)^a$", "a\nb", True),
        ("^[^]$]+$", "abc", True),
        ("^[^]$]+$", "ab]", False),
        ("^[]a]+$", "]a", True),
        ("x", "yxz", True),
    ],
)
def test_end_anchored_pattern(pattern: str, text: str, matches: bool) -> None:
    assert (EndAnchoredPattern(pattern).search(text) is not None) is matches
    assert EndAnchoredPattern(pattern).pattern == pattern


def test_pattern_error_names_the_declared_pattern() -> None:
    app = FastCore()

    @app.get("/")
    async def handler(code: str = Query(pattern="^[A-Z]{3}$")) -> str:
        return code

    client = TestClient(app)
    assert client.get("/?code=ABC").json() == "ABC"
    error = client.get("/", params={"code": "ABC\n"}).json()["detail"][0]
    assert error["type"] == "string_pattern_mismatch"
    assert error["ctx"] == {"pattern": "^[A-Z]{3}$"}


# --------------------------------------------------------------------------------------------------
# Solving


def counting_app() -> tuple[FastCore, list[Any]]:
    log: list[Any] = []

    async def counted() -> int:
        log.append("counted")
        return len(log)

    async def needs_counted(c: int = Depends(counted)) -> int:
        return c

    app = FastCore()

    @app.get("/first_uncached")
    async def first_uncached(a: int = Depends(counted, use_cache=False), b: int = Depends(counted)) -> Any:
        return [a, b]

    @app.get("/uncached_twice")
    async def uncached_twice(
        a: int = Depends(counted, use_cache=False), b: int = Depends(counted, use_cache=False)
    ) -> Any:
        return [a, b]

    @app.get("/nested")
    async def nested(a: int = Depends(needs_counted), b: int = Depends(counted)) -> Any:
        return [a, b]

    return app, log


def test_use_cache_semantics() -> None:
    app, log = counting_app()
    client = TestClient(app)
    # A use_cache=False result still serves later cached uses (FastAPI caches the first result).
    assert client.get("/first_uncached").json() == [1, 1]
    assert log == ["counted"]
    log.clear()
    assert client.get("/uncached_twice").json() == [1, 2]
    log.clear()
    assert client.get("/nested").json() == [1, 1]
    log.clear()
    client.get("/nested")
    assert log == ["counted"]  # the cache lives for one request


def test_failed_dependency_is_not_called_but_siblings_are() -> None:
    log: list[str] = []

    async def needs_int(n: int) -> int:
        log.append("needs_int")
        return n

    async def sibling(s: str = "x") -> str:
        log.append("sibling")
        return s

    async def parent(n: int = Depends(needs_int)) -> int:
        log.append("parent")
        return n

    app = FastCore()

    @app.get("/")
    async def handler(p: int = Depends(parent), s: str = Depends(sibling), z: int = 0) -> Any:
        log.append("handler")
        return [p, s, z]

    client = TestClient(app)
    response = client.get("/?n=x&z=y")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "n"], ["query", "z"]]
    assert log == ["sibling"]


def test_yield_dependencies_see_errors_and_clean_up_in_reverse() -> None:
    log: list[Any] = []

    def sync_gen() -> Iterator[str]:
        log.append(("sync enter", threading.current_thread() is threading.main_thread()))
        try:
            yield "s"
        except ValueError:
            log.append("sync saw ValueError")
            raise
        finally:
            log.append("sync exit")

    async def async_gen(s: str = Depends(sync_gen)) -> AsyncIterator[str]:
        log.append("async enter")
        try:
            yield s + "a"
        except HTTPException as exc:
            log.append(("async saw", exc.status_code))
            raise
        finally:
            log.append("async exit")

    app = FastCore()

    @app.get("/")
    async def handler(v: str = Depends(async_gen), fail: str = "") -> str:
        if fail == "http":
            raise HTTPException(409, "conflict")
        if fail == "value":
            raise ValueError("boom")
        return v

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/").json() == "sa"
    assert log == [("sync enter", False), "async enter", "async exit", "sync exit"]
    log.clear()
    response = client.get("/?fail=http")
    assert (response.status_code, response.json()) == (409, {"detail": "conflict"})
    assert log == [("sync enter", False), "async enter", ("async saw", 409), "async exit", "sync exit"]
    log.clear()
    assert client.get("/?fail=value").status_code == 500
    assert log[-3:] == ["async exit", "sync saw ValueError", "sync exit"]


def test_dependency_raising_http_exception() -> None:
    async def guard(x_key: str = Header("")) -> None:
        if x_key != "k":
            raise HTTPException(403, "forbidden", headers={"X-Reason": "key"})

    app = FastCore(dependencies=[Depends(guard)])

    @app.get("/")
    async def handler() -> str:
        return "ok"

    client = TestClient(app)
    response = client.get("/")
    assert (response.status_code, response.headers["x-reason"]) == (403, "key")
    assert client.get("/", headers={"x-key": "k"}).json() == "ok"


def test_request_and_security_scopes_injection() -> None:
    async def scoped(scopes: SecurityScopes, request: Request) -> Any:
        return [scopes.scopes, request.url.path]

    app = FastCore()

    @app.get("/s")
    async def handler(v: Any = Security(scoped, scopes=["a", "b"])) -> Any:
        return v

    assert TestClient(app).get("/s").json() == [["a", "b"], "/s"]


def test_mutable_defaults_are_copied_per_request() -> None:
    app = FastCore()

    @app.get("/")
    async def handler(v: list[str] = Query(["x"])) -> Any:
        v.append("mutated")
        return v

    client = TestClient(app)
    assert client.get("/").json() == ["x", "mutated"]
    assert client.get("/").json() == ["x", "mutated"]


def test_default_factory() -> None:
    app = FastCore()

    @app.get("/")
    async def handler(d: Annotated[datetime.date, Query(default_factory=lambda: "unused")]) -> Any:
        return str(d)

    client = TestClient(app)
    assert client.get("/").json() == "unused"
    assert client.get("/?d=2020-01-02").json() == "2020-01-02"


# --------------------------------------------------------------------------------------------------
# Overrides


def test_overrides_replanned_after_reset_even_when_the_dict_address_is_reused() -> None:
    def dep() -> str:
        return "real"

    app = FastCore()

    @app.get("/")
    async def handler(v: str = Depends(dep)) -> str:
        return v

    client = TestClient(app)
    for i in range(30):
        # Each reset frees the previous dict, whose address the next one tends to reuse; a plan
        # cached under (address, count) then answered with an earlier round's override (27 of 30
        # rounds before the fix).
        app.dependency_overrides = {}
        gc.collect()

        def override(i: int = i) -> str:
            return f"fake{i}"

        app.dependency_overrides[dep] = override
        assert client.get("/").json() == f"fake{i}"
        app.dependency_overrides = {}
        assert client.get("/").json() == "real"


def test_override_mutations_all_replan() -> None:
    def dep() -> str:
        return "real"

    app = FastCore()

    @app.get("/")
    async def handler(v: str = Depends(dep)) -> str:
        return v

    client = TestClient(app)
    overrides = app.dependency_overrides
    overrides[dep] = lambda: "a"
    assert client.get("/").json() == "a"
    overrides.update({dep: lambda: "b"})
    assert client.get("/").json() == "b"
    overrides |= {dep: lambda: "c"}
    assert client.get("/").json() == "c"
    overrides.setdefault(dep, lambda: "ignored")
    assert client.get("/").json() == "c"
    overrides.pop(dep)
    assert client.get("/").json() == "real"
    overrides[dep] = lambda: "d"
    overrides.popitem()
    assert client.get("/").json() == "real"
    overrides[dep] = lambda: "e"
    del overrides[dep]
    assert client.get("/").json() == "real"
    app.dependency_overrides = {dep: lambda: "f"}
    assert client.get("/").json() == "f"
    app.dependency_overrides = None  # FastAPI accepts it: no overrides
    assert client.get("/").json() == "real"


def test_override_with_different_parameters() -> None:
    def dep(a: int = 0) -> int:
        return a

    def override(b: str = Query()) -> int:
        return len(b)

    app = FastCore()

    @app.get("/")
    async def handler(v: int = Depends(dep)) -> int:
        return v

    client = TestClient(app)
    assert client.get("/?a=3").json() == 3
    app.dependency_overrides[dep] = override
    assert client.get("/?b=four").json() == 4
    assert client.get("/?a=3").json()["detail"][0]["loc"] == ["query", "b"]


def test_explicit_allow_inf_nan_opts_a_float_parameter_in() -> None:
    app = FastCore()

    @app.get("/")
    def read(x: Annotated[float, Query(allow_inf_nan=True)] = 0, y: float = 0) -> dict[str, str]:
        return {"x": repr(x), "y": repr(y)}

    client = TestClient(app)
    for raw, shown in (("inf", "inf"), ("-inf", "-inf"), ("nan", "nan"), ("Infinity", "inf"), ("1.5", "1.5")):
        response = client.get("/", params={"x": raw})
        assert response.status_code == 200, response.text
        assert response.json()["x"] == shown
    # The default stays strict (README's deliberate difference), and opting in admits no other spelling.
    assert client.get("/", params={"y": "inf"}).status_code == 422
    response = client.get("/", params={"x": "infx"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "float_parsing"


# --------------------------------------------------------------------------------------------------
# Depends(scope=...): when a yield dependency's clean-up runs


class _Session:
    def __init__(self) -> None:
        self.open = True


def _session() -> Iterator[_Session]:
    session = _Session()
    yield session
    session.open = False


async def _async_session() -> AsyncIterator[_Session]:
    session = _Session()
    yield session
    session.open = False


@pytest.mark.parametrize("dependency", [_session, _async_session])
def test_function_scope_cleans_up_before_the_response_is_sent(dependency: Any) -> None:
    from starlette.responses import StreamingResponse

    app = FastCore()

    @app.get("/{scope}")
    def read(
        scope: str,
        function: Annotated[_Session, Depends(dependency, scope="function")],
        request: Annotated[_Session, Depends(dependency, scope="request")],
        default: Annotated[_Session, Depends(dependency)],
    ) -> Any:
        # The body is streamed after the path operation returned.
        def body() -> Iterator[str]:
            yield f"{function.open} {request.open} {request is default} {function is default}"

        return StreamingResponse(body())

    with TestClient(app) as client:
        assert client.get("/x").text == "False True True False"


def test_function_scope_cleanup_error_is_answered() -> None:
    def fails_after() -> Iterator[None]:
        yield
        raise HTTPException(503, "after yield")

    app = FastCore(dependencies=[Depends(fails_after, scope="function")])

    @app.get("/")
    def read() -> dict[str, str]:
        return {"status": "ok"}

    with TestClient(app) as client:
        response = client.get("/")
    assert (response.status_code, response.json()) == (503, {"detail": "after yield"})


def test_request_scoped_yield_dependency_cannot_depend_on_a_function_scoped_one() -> None:
    from fastcore.exceptions import DependencyScopeError

    def outer(session: Annotated[_Session, Depends(_session, scope="function")]) -> Iterator[_Session]:
        yield session

    def plain(session: Annotated[_Session, Depends(_session, scope="function")]) -> _Session:
        return session

    app = FastCore()
    with pytest.raises(DependencyScopeError, match='"outer" has a scope of "request"'):

        @app.get("/broken")
        def broken(value: Annotated[_Session, Depends(outer)]) -> None:  # pragma: no cover
            pass

    @app.get("/fine")  # a plain function, or a function-scoped yield dependency, may
    def fine(
        a: Annotated[_Session, Depends(plain)],
        b: Annotated[_Session, Depends(outer, scope="function")],
    ) -> bool:
        return a is b

    with TestClient(app) as client:
        assert client.get("/fine").json() is True


def test_depends_scope_is_validated_and_part_of_equality() -> None:
    with pytest.raises(ValueError, match="scope"):
        Depends(_session, scope="session")  # type: ignore[arg-type]
    assert hash(Depends(_session)) == hash(Depends(_session))
    assert Depends(_session, scope="function") == Depends(_session, scope="function")
    assert Depends(_session, scope="function") != Depends(_session)


def test_swallowed_error_is_a_usage_error() -> None:
    def swallows() -> Iterator[None]:
        try:
            yield
        except Exception:
            pass

    app = FastCore()

    @app.get("/")
    def read(_: Annotated[None, Depends(swallows)]) -> None:
        raise ValueError("boom")

    with TestClient(app) as client, pytest.raises(FastCoreError, match="dependency with yield"):
        client.get("/")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500


# --------------------------------------------------------------------------------------------------
# Depends(max_concurrency=N)


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "2"])
def test_max_concurrency_must_be_a_positive_integer(value: Any) -> None:
    with pytest.raises(ValueError, match="positive integer or None"):
        Depends(_session, max_concurrency=value)


@pytest.mark.parametrize("kind", ["async", "sync", "async_yield", "sync_yield"])
def test_max_concurrency_bounds_calls_of_one_declaration(kind: str) -> None:
    import anyio

    lock = threading.Lock()
    active = peak = 0

    def enter() -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)

    def leave() -> None:
        nonlocal active
        with lock:
            active -= 1

    async def asynchronous() -> str:
        enter()
        await anyio.sleep(0.02)
        leave()
        return "ok"

    def synchronous() -> str:
        enter()
        threading.Event().wait(0.02)
        leave()
        return "ok"

    async def async_gen() -> AsyncIterator[str]:
        enter()
        await anyio.sleep(0.02)
        yield "ok"
        leave()

    def sync_gen() -> Iterator[str]:
        enter()
        threading.Event().wait(0.02)
        yield "ok"
        leave()

    call = {"async": asynchronous, "sync": synchronous, "async_yield": async_gen, "sync_yield": sync_gen}
    declaration = Depends(call[kind], max_concurrency=2)
    app = FastCore()

    @app.get("/a")
    @app.get("/b")
    async def read(value: Annotated[str, declaration]) -> str:
        await anyio.sleep(0.01)  # a yield dependency holds its slot until it has cleaned up
        return value

    from concurrent.futures import ThreadPoolExecutor

    with TestClient(app) as client, ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda i: client.get("/a" if i % 2 else "/b").json(), range(6)))
    assert results == ["ok"] * 6
    assert peak == 2 and active == 0
    assert declaration._concurrency.get_semaphore  # the accounting FastAPI's tests read


def test_max_concurrency_is_per_declaration() -> None:
    first = Depends(_session, max_concurrency=1)
    second = Depends(_session, max_concurrency=1)
    assert first != second  # equal arguments, separate limits (Annotated must not merge them)
    import dataclasses

    same = dataclasses.replace(first, use_cache=False)
    assert same._concurrency is first._concurrency
    assert dataclasses.replace(first, max_concurrency=3)._concurrency is not first._concurrency


def test_call_kind_sees_through_partials_and_decorators() -> None:
    import functools

    def plain_wrap(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)

        return wrapper

    async def coroutine(x: int) -> int:
        return x

    async def agen(x: int) -> AsyncIterator[int]:
        yield x

    class Instance:
        async def __call__(self, x: int) -> int:
            return x

    app = FastCore()

    @app.get("/")
    async def read(
        a: Annotated[int, Depends(functools.partial(coroutine, 1))],
        b: Annotated[int, Depends(plain_wrap(coroutine))],
        c: Annotated[int, Depends(functools.partial(plain_wrap(agen), 3))],
        d: Annotated[int, Depends(functools.partial(Instance(), 4))],
    ) -> list[int]:
        return [a, b, c, d]

    with TestClient(app) as client:
        assert client.get("/", params={"x": 2}).json() == [1, 2, 3, 4]
def test_pydantic_field_beside_a_declaration_gives_alias_and_default() -> None:
    pydantic = pytest.importorskip("pydantic")
    count = Annotated[int, pydantic.Field(alias="original", title="Original")]
    app = FastCore()

    @app.post("/{wire}")
    def read(
        path: Annotated[int, pydantic.Field(alias="wire"), Path()],
        kept: Annotated[count, Query()],
        replaced: Annotated[count, Query(alias="replacement")],
        cleared: Annotated[count, Query(alias=None)],
        made: Annotated[int, pydantic.Field(default_factory=lambda: 5)],
        body: Annotated[int, pydantic.Field(alias="unused", validation_alias="b"), Body(embed=True)],
        inferred: Annotated[int, pydantic.Field(alias="n")] = 10,
    ) -> list[int]:
        return [path, kept, replaced, cleared, made, body, inferred]

    client = TestClient(app)
    query = {"original": "1", "replacement": "2", "cleared": "3"}
    response = client.post("/7", params=query, json={"b": 4})
    assert response.status_code == 200, response.text
    assert response.json() == [7, 1, 2, 3, 5, 4, 10]
    assert client.post("/7", params={**query, "n": "8", "made": "9"}, json={"b": 4}).json()[4::2] == [9, 8]
    # The shared Field and declarations are not changed.
    marker = typing.get_args(typing.get_type_hints(read, include_extras=True)["replaced"])[-1]
    assert marker.alias == "replacement" and marker.title is None
